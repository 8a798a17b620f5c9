#pragma once
// Nearby (docs/PROTOCOL.md §6.5): a node tells each peer it meets on its
// link the peers it has met there, with where they listen, so a crowd that
// starts at once meets within a few handshakes instead of waiting until every
// node has resolved every mDNS record (discovery/resolve_queue.hpp). What it
// tells is what those peers' own mDNS records already tell the whole link;
// the receiver takes it as a hint and dials each one expecting its key.
// Sans-I/O: the node gives the links (local_links()) and the rules of whom
// it may tell of and dial.
#include "core/store.hpp"
#include "transport/messages.hpp"

#include <asio/ip/tcp.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <vector>

namespace hallway::core {

inline constexpr std::string_view kNearbyCapability = "nearby";

// A network of one of our interfaces.
struct LinkPrefix {
    asio::ip::address network;
    unsigned length = 0;  // prefix bits
};

// Whether a is on one of links (within a prefix). A link-local IPv6 address
// never is here: its zone is the sender's interface, not ours.
bool on_link(const asio::ip::address& a, std::span<const LinkPrefix> links);

class NearbyPeers {
public:
    // Places kept: a hall's crowd (a larger one is told in part).
    static constexpr std::size_t kMaxPlaces = 1024;

    // A session with key came up; it listens at `at` (where we dialed it, or
    // its session's address with its Hello's port): where to dial it, and,
    // if on one of our links, what to tell of it.
    void met(const PeerKey& key, const asio::ip::tcp::endpoint& at);
    // The nearby for `to`: the peers met at a place on one of links that
    // tellable allows (at most transport::wire::kMaxNearbyPeers), `to` left out.
    transport::Nearby tell(const PeerKey& to, std::span<const LinkPrefix> links,
                           const std::function<bool(const PeerKey&)>& tellable) const;

    struct Lead {
        PeerKey key;
        std::vector<asio::ip::tcp::endpoint> at;
    };
    // What to dial of a nearby from `from`: only its first one in a session
    // (a repeat gives nothing), not own, only keys worth_dialing allows, only
    // addresses that parse and lie on one of links.
    std::vector<Lead> heard(const PeerKey& from, const transport::Nearby& nearby, const PeerKey& own,
                            std::span<const LinkPrefix> links,
                            const std::function<bool(const PeerKey&)>& worth_dialing);
    // Where the peer listens, as met on our link.
    std::optional<asio::ip::tcp::endpoint> place(const PeerKey& key) const {
        const auto it = places_.find(key);
        return it == places_.end() ? std::nullopt : std::optional(it->second);
    }
    // Its session ended: its next session may tell again.
    void session_down(const PeerKey& peer) { heard_from_.erase(peer); }

private:
    std::map<PeerKey, asio::ip::tcp::endpoint> places_;
    std::set<PeerKey> heard_from_;
};

}  // namespace hallway::core
