#pragma once
// The roster of link-local XMPP buddies (XEP-0174, docs/PROTOCOL.md §15;
// docs/XMPP-BRIDGE-DESIGN.md §4.3, §4.4): who is on the LAN now, from discovery's
// _presence._tcp sightings and the buddies given by hand (--xmpp-peer), each
// under a synthetic PeerKey so the node's store and front ends need no second
// key space. Pure: no I/O, no clock; the node feeds it and asks it.
#include "core/store.hpp"
#include "discovery/discovery.hpp"
#include "xmpp/conversation.hpp"
#include "xmpp/presence_txt.hpp"

#include <asio.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::core {

// BLAKE2b-256("Hallway xmpp-link-local v1" || 0x00 || instance): the buddy's
// key in the store and every front-end API. No Hallway key collides with it
// (a Curve25519 key would need a BLAKE2b preimage).
PeerKey link_local_key(std::string_view instance);

// Hallway's presence words ("available", "away", "busy") and XEP-0174's.
std::string_view presence_word(xmpp::Presence presence);
// Our profile's word for the TXT we announce; anything unknown is available.
xmpp::Presence presence_from_word(std::string_view word);

// A buddy given by hand: "user@host=HOST:PORT" (HOST an IP address, IPv6 in
// brackets or bare). nullopt when it does not parse.
struct ManualLinkLocalPeer {
    std::string instance;
    asio::ip::tcp::endpoint endpoint;
};
std::optional<ManualLinkLocalPeer> parse_manual_link_local_peer(std::string_view text);

struct LinkLocalBuddy {
    std::string instance;  // user@host, as announced: the identity
    PeerKey key{};
    // Where to dial, and where its streams may come from: the sighting's
    // endpoints, else the manual one.
    std::vector<asio::ip::tcp::endpoint> endpoints;
    xmpp::PeerPresence presence;  // parsed TXT (defaults for a manual buddy)
    std::string display_name;     // xmpp::display_name
    bool sighted = false;         // discovery shows it now
    bool manual = false;          // given by hand: counts as here while the bridge runs
    bool online() const { return sighted || manual; }
};

class LinkLocalBuddies {
public:
    // A sighting appeared or changed. True when what the buddy shows changed.
    bool sighted(const discovery::LinkLocalSighting& sighting);
    // Gone from every interface: a manual buddy stays (with its manual endpoint).
    bool lost(const std::string& instance);
    void add_manual(const ManualLinkLocalPeer& peer);
    // The bridge stopped: nobody is here.
    void clear() { buddies_.clear(); }

    const LinkLocalBuddy* find(const PeerKey& key) const;
    const LinkLocalBuddy* find_instance(std::string_view instance) const;
    // Buddies whose display name (ASCII case ignored) or instance (exact) is `name`.
    std::vector<const LinkLocalBuddy*> named(std::string_view name) const;
    const std::map<std::string, LinkLocalBuddy>& all() const { return buddies_; }

    // Who dialed us (§4.3): `to` present and not our_name → wrong_to; `from`
    // a buddy here whose addresses hold `source` (fe80:: compared with its
    // scope) → accept; no `from` → the one buddy with that address, if
    // exactly one; else wait (discovery may not have seen it yet: the
    // LinkLocal asks again and gives up at its own deadline).
    xmpp::Identification identify(const std::optional<std::string>& from, const std::optional<std::string>& to,
                                   const asio::ip::address& source, const std::string& our_name) const;

private:
    LinkLocalBuddy& entry(const std::string& instance);
    std::map<std::string, LinkLocalBuddy> buddies_;
    std::map<std::string, asio::ip::tcp::endpoint> manual_;  // by instance
};

// Whether a stream from `source` may be the buddy announced at `announced`
// (v4-mapped unmapped; link-local IPv6 needs the same scope when both have one).
bool same_host(const asio::ip::address& announced, const asio::ip::address& source);

}  // namespace hallway::core
