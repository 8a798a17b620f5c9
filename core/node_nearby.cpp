// Nearby (docs/PROTOCOL.md §6.5): the node's side of core/nearby, which
// decides; here it is given our links, the sessions and who may be told of.
#include "core/nearby.hpp"
#include "core/node_impl.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace hallway::core {

namespace {

// The networks of our interfaces that are up (loopback's too: peers on this host).
std::vector<LinkPrefix> local_links() {
    std::vector<LinkPrefix> out;
    ifaddrs* all = nullptr;
    if (getifaddrs(&all) != 0) return out;
    for (const ifaddrs* i = all; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr || i->ifa_netmask == nullptr) continue;
        if (i->ifa_addr->sa_family == AF_INET) {
            asio::ip::address_v4::bytes_type a, m;
            std::memcpy(a.data(), &reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
            std::memcpy(m.data(), &reinterpret_cast<const sockaddr_in*>(i->ifa_netmask)->sin_addr, 4);
            unsigned bits = 0;
            for (auto b : m) bits += static_cast<unsigned>(std::popcount(b));
            out.push_back({asio::ip::address_v4(a), bits});
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            asio::ip::address_v6::bytes_type a, m;
            std::memcpy(a.data(), &reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
            std::memcpy(m.data(), &reinterpret_cast<const sockaddr_in6*>(i->ifa_netmask)->sin6_addr, 16);
            unsigned bits = 0;
            for (auto b : m) bits += static_cast<unsigned>(std::popcount(b));
            out.push_back({asio::ip::address_v6(a), bits});
        }
    }
    freeifaddrs(all);
    return out;
}

bool offers(const transport::Hello& hello, std::string_view capability) {
    return std::find(hello.capabilities.begin(), hello.capabilities.end(), capability) != hello.capabilities.end();
}

}  // namespace

bool Node::Impl::tells_nearby() const { return !private_mode; }

void Node::Impl::nearby_session_up(const transport::SessionInfo& info) {
    if (!tells_nearby() || is_private_peer(info.peer)) return;
    const auto links = local_links();
    if (!on_link(info.remote.address(), links)) return;  // a contact met across a router is told nothing
    nearby.met(info.peer, info.we_dialed ? info.remote : asio::ip::tcp::endpoint(info.remote.address(), info.hello.port));
    if (discovery_resolving) presence->set_awaiting_record(info.peer);
    if (!offers(info.hello, kNearbyCapability)) return;
    auto told = nearby.tell(info.peer, links, [this](const PeerKey& k) {
        return presence->online(k) && may_reveal_to(k) && !is_private_peer(k);
    });
    if (!told.peers.empty()) send(info.peer, told);
}

void Node::Impl::handle(const PeerKey& from, const transport::Nearby& n) {
    if (!tells_nearby()) return;
    const auto sessions = transport->sessions();
    const auto s = std::find_if(sessions.begin(), sessions.end(), [&](const auto& i) { return i.peer == from; });
    const auto links = local_links();
    if (s == sessions.end() || !on_link(s->remote.address(), links)) return;
    // Only peers we do not list yet: one we list is met already, and a dial
    // per session start to each would undo every idle close (§6.4).
    const auto worth_dialing = [this](const PeerKey& k) {
        return accept_peer(k) && !presence->online(k) && !transport->has_session(k) && live[k].dials == 0;
    };
    for (auto& lead : nearby.heard(from, n, identity.public_key, links, worth_dialing)) {
        live[lead.key].found("nearby");
        dial_at(lead.key, lead.at);
    }
}

}  // namespace hallway::core

namespace hallway::core {

void Node::Impl::claim_instance(const PeerKey& key, const std::string& instance) {
    const auto it = claimed.find(key);
    const std::string before = it == claimed.end() ? std::string() : it->second;
    if (instance == before) return;
    if (instance.empty() || private_mode || instance == service_name) {
        claimed.erase(key);
    } else {
        claimed[key] = instance;
    }
    if (announced_by_word.erase(key) != 0) presence->set_announced(key, false);
    // A name two peers claim belongs to neither until its record is resolved.
    for (const auto& [other, name] : claimed) {
        if (other == key) continue;
        if (!before.empty() && name == before) match_claim(other);
        if (name == instance && announced_by_word.erase(other) != 0) {
            presence->set_announced(other, false);
            peer_changed(other);
        }
    }
    match_claim(key);
    peer_changed(key);
    refresh_sessions();
}

void Node::Impl::match_claim(const PeerKey& key) {
    const auto it = claimed.find(key);
    if (it == claimed.end() || !browsed.count(it->second)) return;
    const auto claimants = std::count_if(claimed.begin(), claimed.end(), [&](const auto& c) { return c.second == it->second; });
    if (claimants != 1 || announced_by_word.count(key) || presence->announced(key)) return;
    announced_by_word.insert(key);
    presence->set_announced(key, true);
    if (discovery) discovery->defer(it->second);  // resolved last, to check the word
}

void Node::Impl::on_browsed(const std::string& instance, bool present) {
    if (present ? !browsed.insert(instance).second : browsed.erase(instance) == 0) return;
    std::vector<PeerKey> claimants;
    for (const auto& [key, name] : claimed)
        if (name == instance) claimants.push_back(key);
    for (const PeerKey& key : claimants) {
        if (present) {
            match_claim(key);
        } else {
            // Its record is withdrawn (the goodbye). The name may be someone
            // else's next time: only a new word (or a resolve) counts then.
            claimed.erase(key);
            if (announced_by_word.erase(key) != 0) presence->set_announced(key, false);
        }
        peer_changed(key);
    }
    refresh_sessions();
}

void Node::Impl::check_claims(const std::string& instance, const std::string& fp) {
    for (const auto& [key, name] : claimed) {
        if (name != instance || fingerprint_of(key) == fp) continue;
        notice(Notice::Level::alert, "A peer (" + crypto::format_digits(fingerprint_of(key)) + ") said it publishes \"" +
                                         instance + "\", whose record announces another fingerprint (" +
                                         crypto::format_digits(fp) + ")");
        const PeerKey liar = key;
        claimed.erase(liar);
        if (announced_by_word.erase(liar) != 0) presence->set_announced(liar, false);
        peer_changed(liar);
        return;  // the record is then taken as any other
    }
}

}  // namespace hallway::core
