// Where peers are dialed: mDNS sightings (each announced place authenticated
// by one handshake) and the addresses given with --peer.
#include "core/node_impl.hpp"
#include "core/private_mode.hpp"
#include "discovery/txt_record.hpp"

#include <algorithm>

namespace hallway::core {

using namespace node_detail;

std::optional<PeerKey> Node::Impl::contact_with_fingerprint(const std::string& fp) const {
    for (const Contact& c : store->contacts())
        if (c.trust != Trust::blocked && fingerprint_of(c.key) == fp) return c.key;
    return std::nullopt;
}

void Node::Impl::on_found(const discovery::Sighting& s) {
    if (s.fingerprint == fingerprint) return;
    std::string fp = s.fingerprint;
    std::optional<PeerKey> private_key;
    if (const auto pt = discovery::private_tag_of(s.fingerprint); !pt.empty()) {
        // Matched once per record (a new endpoint of it is not a new record):
        // a stranger's private record costs one pass over our contacts.
        auto [record, fresh] = private_records.try_emplace(s.fingerprint);
        if (fresh) {
            std::vector<PeerKey> keys;
            for (const Contact& c : store->contacts())
                if (c.trust != Trust::blocked) keys.push_back(c.key);
            record->second = match_private_tag(pt, keys);
        }
        if (!record->second) return;  // not ours to know: never listed, never dialed
        private_key = record->second;
        fp = fingerprint_of(*private_key);
    }
    check_claims(s.service_name, fp);
    sighted.insert(fp);
    std::string id = fp + "|" + endpoint_text(s.endpoint);
    const std::string how = s.domain != "local" && !s.domain.empty() ? "wide-area " + s.domain
                            : s.interface_name.empty()               ? std::string("mdns")
                                                                     : "mdns " + s.interface_name;
    auto [it, fresh] = targets.try_emplace(id, DialTarget{s.endpoint, fp, private_key, how});
    if (!fresh) return;
    // Each announced place is authenticated by one handshake, unless one
    // already did (we reached the key there, or a session with it came from
    // that address: the peer found us first). Another place announcing a
    // known fingerprint is dialed too: it may be a spoof.
    std::optional<PeerKey> key;
    if (auto v = verified_fingerprints.find(fp);
        v != verified_fingerprints.end() && live[v->second].has_address(s.endpoint))
        key = v->second;
    for (auto& session : transport->sessions())
        if (!key && session.remote.address() == s.endpoint.address() && fingerprint_of(session.peer) == fp)
            key = session.peer;
    if (key) {
        verify_announcement(*key, s.endpoint);
        peer_changed(*key);
        refresh_sessions();
        return;
    }
    dial(it->second);  // at once: this is what lists a newcomer before its own announcement ends
}

void Node::Impl::on_lost(const std::string& id) {
    std::string fp = id;
    if (!discovery::private_tag_of(id).empty()) {
        auto record = private_records.extract(id);
        if (!record || !record.mapped()) return;
        fp = fingerprint_of(*record.mapped());
    }
    for (auto it = targets.begin(); it != targets.end();)
        it = it->second.expected_fingerprint == fp ? targets.erase(it) : std::next(it);
    sighted.erase(fp);
    auto v = verified_fingerprints.find(fp);
    if (v == verified_fingerprints.end()) return;
    const PeerKey key = v->second;
    verified_fingerprints.erase(v);
    presence->set_announced(key, false);
    peer_changed(key);
    refresh_sessions();
}

bool Node::Impl::connected_to(const DialTarget& t) const {
    for (auto& [key, l] : live)
        if (l.has_address(t.endpoint) && transport->has_session(key)) return true;
    return false;
}

bool Node::Impl::dialable(const DialTarget& t, std::optional<PeerKey>& ik) const {
    ik = t.private_key;
    if (ik || t.expected_fingerprint.empty() || !private_mode) return true;
    ik = contact_with_fingerprint(t.expected_fingerprint);
    return ik.has_value();
}

void Node::Impl::dial(DialTarget& t) {
    std::optional<PeerKey> ik;
    if (!dialable(t, ik)) return;
    if (!t.expected_fingerprint.empty()) expected_at[t.endpoint] = t.expected_fingerprint;
    transport->dial(t.endpoint, ik, transport::Lane::chat, ik ? transport::Handshake::ik : transport::Handshake::xx);
    t.next_try = std::chrono::steady_clock::now() + t.backoff;
    t.backoff = std::min<std::chrono::seconds>(t.backoff * 2, kRedialMax);
}

bool Node::Impl::unmet(const std::string& fp) const {
    if (verified_fingerprints.count(fp)) return false;
    for (auto& [ep, expected] : expected_at)
        if (expected == fp) return false;
    return true;
}

void Node::Impl::add_manual_peer(const std::string& host_port) {
    auto colon = host_port.rfind(':');
    if (colon == std::string::npos) {
        notice(Notice::Level::warning, "--peer " + host_port + ": expected HOST:PORT");
        return;
    }
    std::string host = host_port.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    asio::ip::tcp::resolver resolver(io);
    std::error_code ec;
    auto results = resolver.resolve(host, host_port.substr(colon + 1), ec);
    if (ec || results.empty()) {
        notice(Notice::Level::warning, "--peer " + host_port + ": " + (ec ? ec.message() : "no address"));
        return;
    }
    for (auto& r : results) {
        auto [it, fresh] = targets.try_emplace("manual|" + endpoint_text(r.endpoint()), DialTarget{r.endpoint(), "", std::nullopt, "--peer"});
        if (fresh) dial(it->second);
    }
}

}  // namespace hallway::core
