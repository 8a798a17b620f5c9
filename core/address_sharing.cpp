#include "core/address_sharing.hpp"

#include "core/remembered_addresses.hpp"

#include "transport/wire.hpp"

#include <algorithm>
#include <charconv>
#include <set>

static_assert(hallway::transport::wire::kWhereTagLen == hallway::crypto::kKeyedTagLen);

namespace hallway::core {

bool allows(ShareAddresses setting, const std::optional<Standing>& peer) {
    if (!peer || peer->trust == Trust::blocked) return false;
    switch (setting) {
        case ShareAddresses::verified: return peer->trust == Trust::verified;
        case ShareAddresses::contacts: return !peer->stranger;
        case ShareAddresses::off: return false;
    }
    return false;
}

transport::WhereTag where_tag(const PeerKey& key, const transport::WhereSalt& salt) {
    return crypto::keyed_tag(key, kWhereTagContext, salt);
}

std::vector<PeerKey> wanted_keys(std::vector<WantedCandidate> candidates) {
    std::erase_if(candidates, [](const WantedCandidate& c) {
        return c.online || c.standing.trust == Trust::blocked || c.standing.stranger;
    });
    std::sort(candidates.begin(), candidates.end(),
              [](const WantedCandidate& a, const WantedCandidate& b) { return a.last_seen_ms > b.last_seen_ms; });
    std::vector<PeerKey> out;
    for (std::size_t i = 0; i < candidates.size() && i < transport::wire::kMaxWhereKeys; ++i)
        out.push_back(candidates[i].key);
    return out;
}

std::vector<PeerKey> AddressSharing::to_ask(std::span<const PeerKey> askable, bool anything_wanted,
                                            Clock::time_point now) {
    std::erase_if(asked_, [&](const auto& e) { return now - e.second.at >= kAskInterval; });
    std::vector<PeerKey> out;
    if (!anything_wanted) return out;
    for (const PeerKey& p : askable) {
        if (out.size() == kAskPeersPerRound) break;
        if (!asked_.contains(p)) out.push_back(p);
    }
    return out;
}

transport::Where AddressSharing::ask(const PeerKey& peer, std::span<const PeerKey> wanted, Clock::time_point now) {
    Asked a;
    rng_(a.salt);
    a.at = now;
    transport::Where where{a.salt, {}};
    for (const PeerKey& k : wanted) {
        if (k == peer || a.keys.size() == transport::wire::kMaxWhereKeys) continue;
        a.keys.push_back(k);
        where.tags.push_back(where_tag(k, a.salt));
    }
    asked_[peer] = std::move(a);
    return where;
}

std::optional<transport::Here> AddressSharing::answer(
    const PeerKey& asker, bool asker_allowed, const transport::Where& where, std::span<const Subject> subjects,
    const std::function<std::vector<std::string>(const PeerKey&)>& addresses_of, Clock::time_point now) {
    if (!asker_allowed) return std::nullopt;
    std::erase_if(answered_at_, [&](const auto& e) { return now - e.second >= kAnswerInterval; });
    if (!answered_at_.emplace(asker, now).second) return std::nullopt;
    transport::Here here{where.salt, {}};
    for (const Subject& s : subjects) {
        if (s.blocked || !s.shares_addresses || s.key == asker) continue;
        const auto tag = where_tag(s.key, where.salt);
        const bool asked = std::any_of(where.tags.begin(), where.tags.end(),
                                       [&](const transport::WhereTag& t) { return crypto::tags_equal(t, tag); });
        if (!asked) continue;
        auto addresses = addresses_of(s.key);
        if (addresses.size() > transport::wire::kMaxSharedAddresses) addresses.resize(transport::wire::kMaxSharedAddresses);
        if (!addresses.empty()) here.peers.push_back({s.key, std::move(addresses)});
        if (here.peers.size() == transport::wire::kMaxWhereKeys) break;
    }
    return here;
}

std::vector<AddressSharing::Learned> AddressSharing::accept(const PeerKey& from, const transport::Here& here) {
    std::vector<Learned> out;
    const auto it = asked_.find(from);
    if (it == asked_.end() || it->second.answered || !crypto::tags_equal(it->second.salt, here.salt)) return out;
    it->second.answered = true;
    std::set<PeerKey> seen;
    for (const auto& p : here.peers) {
        const auto& keys = it->second.keys;
        if (std::find(keys.begin(), keys.end(), p.key) == keys.end() || !seen.insert(p.key).second) continue;
        Learned l{p.key, {}};
        for (const auto& a : p.addresses) {
            if (l.endpoints.size() == transport::wire::kMaxSharedAddresses) break;
            if (auto ep = parse_address_text(a); ep && worth_remembering(*ep)) l.endpoints.push_back(*ep);
        }
        if (!l.endpoints.empty()) out.push_back(std::move(l));
    }
    return out;
}

}  // namespace hallway::core
