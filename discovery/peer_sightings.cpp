#include "discovery/peer_sightings.hpp"

#include <climits>

#include <algorithm>
#include <set>

namespace hallway::discovery {
namespace {

InstanceKey key_of(const Sighting& s) { return {s.service_name, s.interface, s.protocol, s.domain}; }

}  // namespace

bool PeerSightings::has_fingerprint(const std::string& fingerprint) const {
    return std::any_of(instances_.begin(), instances_.end(),
                       [&](const auto& kv) { return kv.second.fingerprint == fingerprint; });
}

PeerSightings::Update PeerSightings::resolved(const Sighting& sighting) {
    const InstanceKey key = key_of(sighting);
    const auto it = instances_.find(key);
    if (it != instances_.end() && it->second == sighting) return {};

    std::optional<Sighting> previous;
    if (it != instances_.end()) {
        previous = it->second;
        instances_.erase(it);
    }
    const bool peer_known = has_fingerprint(sighting.fingerprint);
    instances_.emplace(key, sighting);

    Update update;
    if (previous && previous->fingerprint != sighting.fingerprint &&
        !has_fingerprint(previous->fingerprint))
        update.lost = LostPeer{key.service_name, previous->fingerprint};

    const bool same_peer = previous && previous->fingerprint == sighting.fingerprint;
    if (!peer_known && !same_peer)
        update.change = Change::new_peer;
    else if (!same_peer || previous->endpoint != sighting.endpoint)
        update.change = Change::new_endpoint;
    else
        update.change = Change::updated;
    return update;
}

std::optional<LostPeer> PeerSightings::removed(const InstanceKey& key) {
    const auto it = instances_.find(key);
    if (it == instances_.end()) return std::nullopt;
    const std::string fingerprint = it->second.fingerprint;
    instances_.erase(it);
    if (has_fingerprint(fingerprint)) return std::nullopt;
    return LostPeer{key.service_name, fingerprint};
}

std::vector<InstanceKey> PeerSightings::keys_in_domain(const std::string& domain) const {
    std::vector<InstanceKey> keys;
    for (const auto& [key, s] : instances_)
        if (key.domain == domain) keys.push_back(key);
    return keys;
}

std::vector<LostPeer> PeerSightings::removed_domain(const std::string& domain) {
    std::vector<LostPeer> lost;
    for (const auto& key : keys_in_domain(domain))
        if (auto peer = removed(key)) lost.push_back(std::move(*peer));
    return lost;
}

std::vector<LostPeer> PeerSightings::clear() {
    std::vector<LostPeer> lost;
    std::set<std::string> seen;
    for (const auto& [key, s] : instances_)
        if (seen.insert(s.fingerprint).second) lost.push_back({key.service_name, s.fingerprint});
    instances_.clear();
    return lost;
}

std::vector<Sighting> PeerSightings::sightings_of(const std::string& fingerprint) const {
    std::vector<Sighting> out;
    for (const auto& [key, s] : instances_)
        if (s.fingerprint == fingerprint) out.push_back(s);
    return out;
}

bool PeerSightings::has_instance_named(const std::string& service_name, int interface,
                                       const std::string& domain) const {
    for (auto it = instances_.lower_bound(InstanceKey{service_name, interface, INT_MIN, ""});
         it != instances_.end() && it->first.service_name == service_name && it->first.interface == interface; ++it)
        if (it->first.domain == domain) return true;
    return false;
}

std::size_t PeerSightings::peer_count() const {
    std::set<std::string> fingerprints;
    for (const auto& [key, s] : instances_) fingerprints.insert(s.fingerprint);
    return fingerprints.size();
}

}  // namespace hallway::discovery
