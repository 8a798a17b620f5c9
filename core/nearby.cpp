#include "core/nearby.hpp"

#include "core/remembered_addresses.hpp"

namespace hallway::core {

namespace {

// The first `bits` bits of a and network agree.
template <std::size_t N>
bool same_prefix(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& network, unsigned bits) {
    if (bits > N * 8) return false;
    for (std::size_t i = 0; i < N && bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
        const unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
        if ((a[i] & mask) != (network[i] & mask)) return false;
    }
    return true;
}

}  // namespace

bool on_link(const asio::ip::address& a, std::span<const LinkPrefix> links) {
    if (a.is_unspecified() || a.is_multicast()) return false;
    if (a.is_v6() && a.to_v6().is_link_local()) return false;
    for (const LinkPrefix& p : links) {
        if (a.is_v4() && p.network.is_v4() && same_prefix(a.to_v4().to_bytes(), p.network.to_v4().to_bytes(), p.length))
            return true;
        if (a.is_v6() && p.network.is_v6() && same_prefix(a.to_v6().to_bytes(), p.network.to_v6().to_bytes(), p.length))
            return true;
    }
    return false;
}

void NearbyPeers::met(const PeerKey& key, const asio::ip::tcp::endpoint& at) {
    if (at.port() == 0) return;
    const auto link_local = [](const asio::ip::tcp::endpoint& e) {
        return e.address().is_v6() && e.address().to_v6().is_link_local();
    };
    if (auto it = places_.find(key); it != places_.end()) {
        // A link-local place never replaces another: that one can be told of.
        if (!link_local(at) || link_local(it->second)) it->second = at;
    } else if (places_.size() < kMaxPlaces) {
        places_.emplace(key, at);
    }
}

transport::Nearby NearbyPeers::tell(const PeerKey& to, std::span<const LinkPrefix> links,
                                    const std::function<bool(const PeerKey&)>& tellable) const {
    transport::Nearby out;
    for (const auto& [key, at] : places_) {
        if (out.peers.size() >= transport::wire::kMaxNearbyPeers) break;
        if (key == to || !on_link(at.address(), links) || !tellable(key)) continue;
        out.peers.push_back({key, {endpoint_text(at)}});
    }
    return out;
}

std::vector<NearbyPeers::Lead> NearbyPeers::heard(const PeerKey& from, const transport::Nearby& nearby,
                                                  const PeerKey& own, std::span<const LinkPrefix> links,
                                                  const std::function<bool(const PeerKey&)>& worth_dialing) {
    std::vector<Lead> out;
    if (!heard_from_.insert(from).second) return out;
    std::set<PeerKey> listed;
    for (const auto& peer : nearby.peers) {
        if (peer.key == own || peer.key == from || !listed.insert(peer.key).second || !worth_dialing(peer.key))
            continue;
        Lead lead{peer.key, {}};
        for (const auto& text : peer.addresses)
            if (auto ep = parse_address_text(text); ep && on_link(ep->address(), links)) lead.at.push_back(*ep);
        if (!lead.at.empty()) out.push_back(std::move(lead));
    }
    return out;
}

}  // namespace hallway::core
