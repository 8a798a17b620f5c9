// Nearby (docs/PROTOCOL.md §6.5): the node's side of core/nearby, which
// decides; here it is given our links, the sessions and who may be told of.
// And a peer's word for its own record: the instance its status names counts
// as its announcement while browsed, until a resolve of it says otherwise.
#include "core/nearby.hpp"
#include "core/node_impl.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace hallway::core {

namespace {

// One interface address and its netmask, as raw bytes of the family's size.
template <class Address>
LinkPrefix prefix_of(const void* address, const void* netmask) {
    typename Address::bytes_type a, m;
    std::memcpy(a.data(), address, a.size());
    std::memcpy(m.data(), netmask, m.size());
    unsigned bits = 0;
    for (auto b : m) bits += static_cast<unsigned>(std::popcount(b));
    return {Address(a), bits};
}

// The networks of our interfaces (loopback's too: peers on this host).
std::vector<LinkPrefix> local_links() {
    std::vector<LinkPrefix> out;
    ifaddrs* all = nullptr;
    if (getifaddrs(&all) != 0) return out;
    for (const ifaddrs* i = all; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr || i->ifa_netmask == nullptr) continue;
        if (i->ifa_addr->sa_family == AF_INET)
            out.push_back(prefix_of<asio::ip::address_v4>(&reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr,
                                                           &reinterpret_cast<const sockaddr_in*>(i->ifa_netmask)->sin_addr));
        else if (i->ifa_addr->sa_family == AF_INET6)
            out.push_back(prefix_of<asio::ip::address_v6>(
                &reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr,
                &reinterpret_cast<const sockaddr_in6*>(i->ifa_netmask)->sin6_addr));
    }
    freeifaddrs(all);
    return out;
}

// A session's address is on our link: within one of its prefixes, or IPv6
// link-local (its zone is one of our interfaces).
bool same_link(const asio::ip::address& remote, std::span<const LinkPrefix> links) {
    return on_link(remote, links) || (remote.is_v6() && remote.to_v6().is_link_local());
}

}  // namespace

bool Node::Impl::tells_nearby() const { return !private_mode; }

void Node::Impl::nearby_session_up(const transport::SessionInfo& info) {
    if (!tells_nearby() || is_private_peer(info.peer)) return;
    // Where it listens (told to others only when on one of our links).
    nearby.met(info.peer, info.we_dialed ? info.remote : asio::ip::tcp::endpoint(info.remote.address(), info.hello.port));
    const auto links = local_links();
    if (!same_link(info.remote.address(), links)) return;  // a contact met across a router is told nothing
    if (discovery_resolving) presence->set_awaiting_record(info.peer);
    if (!info.hello.lists(kNearbyCapability)) return;
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
    if (s == sessions.end() || !same_link(s->remote.address(), links)) return;
    // Only peers we do not list yet: one we list is met already, and a dial
    // per session start to each would undo every idle close (§6.4).
    const auto worth_dialing = [this](const PeerKey& k) {
        const auto l = live.find(k);
        return accept_peer(k) && !presence->online(k) && !transport->has_session(k) &&
               (l == live.end() || l->second.dials == 0);
    };
    for (auto& lead : nearby.heard(from, n, identity.public_key, links, worth_dialing)) {
        live[lead.key].found("nearby");
        dial_at(lead.key, lead.at);
    }
}

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
    if (!before.empty()) settle_claims(before);
    if (claimed.count(key)) settle_claims(instance);
    peer_changed(key);
    refresh_sessions();
}

void Node::Impl::settle_claims(const std::string& instance) {
    std::vector<PeerKey> claimants;
    for (const auto& [key, name] : claimed)
        if (name == instance) claimants.push_back(key);
    // Where it listens, as a resolve would have said: a text or the
    // conversation opened dials it there (expecting its key). Without it (a
    // Hello without a port), the record is resolved instead.
    const auto place = claimants.size() == 1 ? nearby.place(claimants.front()) : std::nullopt;
    if (place) {
        const PeerKey& key = claimants.front();
        if (!browsed.count(instance) || announced_by_word.count(key) || presence->announced(key)) return;
        announced_by_word.insert(key);
        presence->set_announced(key, true);
        live[key].add_address(*place);
        if (discovery) discovery->set_known(instance, true);  // the word stands for a resolve
        return;
    }
    // Nobody's, two peers', or a peer's we cannot dial: its record is resolved and decides.
    for (const PeerKey& key : claimants)
        if (announced_by_word.erase(key) != 0) {
            presence->set_announced(key, false);
            peer_changed(key);
        }
    if (discovery) discovery->set_known(instance, false);
}

void Node::Impl::on_browsed(const std::string& instance, bool present) {
    if (present ? !browsed.insert(instance).second : browsed.erase(instance) == 0) return;
    if (present) {
        settle_claims(instance);
    } else {
        // Its record is withdrawn (the goodbye). The name may be someone
        // else's next time: only a new word (or a resolve) counts then.
        for (auto c = claimed.begin(); c != claimed.end();) {
            if (c->second != instance) {
                ++c;
                continue;
            }
            const PeerKey key = c->first;
            c = claimed.erase(c);
            if (announced_by_word.erase(key) != 0) presence->set_announced(key, false);
            peer_changed(key);
        }
    }
    refresh_sessions();
}

void Node::Impl::check_claims(const std::string& instance, const std::string& fp) {
    std::vector<PeerKey> liars;
    for (const auto& [key, name] : claimed)
        if (name == instance && fingerprint_of(key) != fp) liars.push_back(key);
    for (const PeerKey& liar : liars) {
        notice(Notice::Level::alert, "A peer (" + crypto::format_digits(fingerprint_of(liar)) + ") said it publishes \"" +
                                         instance + "\", whose record announces another fingerprint (" +
                                         crypto::format_digits(fp) + ")");
        claimed.erase(liar);
        if (announced_by_word.erase(liar) != 0) presence->set_announced(liar, false);
        peer_changed(liar);
    }
}

}  // namespace hallway::core
