#pragma once
// Private to core/node*.cpp: Node::Impl, the node's state and the glue
// between transport, discovery, presence, store and rooms. node.cpp defines
// construction, the commands and the event wiring; node_sessions.cpp the
// sessions, the presence ring and the maintenance tick; node_discovery.cpp
// the dial targets (mDNS sightings, --peer); node_rooms.cpp the port it gives
// the rooms service; node_files.cpp the files service's (node_files.hpp);
// node_conversation.cpp read receipts and typing (node_conversation.hpp).
#include "core/node.hpp"

#include "core/address_sharing.hpp"
#include "core/control.hpp"
#include "core/nearby.hpp"
#include "core/outbox.hpp"
#include "core/presence.hpp"
#include "core/remembered_addresses.hpp"
#include "core/rooms/rooms.hpp"
#include "core/profile.hpp"
#include "crypto/identity.hpp"
#include "crypto/signing.hpp"
#include "discovery/discovery.hpp"
#include "transport/messages.hpp"
#include "transport/transport.hpp"
#include "transport/wire.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace hallway::core {

namespace node_detail {

// Redial backoff for peers we know an address of but have no session with:
// quick enough that a restarted peer is back within seconds, slow enough that
// a vanished host (its mDNS record cached for an hour) costs nothing.
inline constexpr auto kRedialMin = std::chrono::seconds(1);
inline constexpr auto kRedialMax = std::chrono::seconds(10);
// A peer believed gone whose mDNS record stands is dialed again after this,
// the pause doubling up to the maximum: a peer that only went silent for a
// while is shown again within seconds, a vanished host whose record lingers
// costs a dial every few minutes.
inline constexpr auto kRecheckMin = std::chrono::seconds(5);
inline constexpr auto kRecheckMax = std::chrono::seconds(300);
// Addresses a peer was reached at, kept per peer: its listening port on each
// interface (v4, v6, a couple of networks) with room for a moved host.
inline constexpr std::size_t kMaxAddresses = 8;

inline std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace node_detail

// A place to dial: from --peer or from a resolved mDNS sighting.
struct DialTarget {
    asio::ip::tcp::endpoint endpoint;
    std::string expected_fingerprint;  // empty for --peer
    // A private record's contact (its tag matched this key): dialed with IK,
    // the only handshake a private node answers.
    std::optional<PeerKey> private_key;
    // How it was found, for PeerView::found_by: "mdns eth0", "wide-area DOMAIN", "--peer".
    std::string found_by;
    std::chrono::steady_clock::time_point next_try{};
    std::chrono::seconds backoff = node_detail::kRedialMin;
};

// What we know of a peer beyond the store: only while the node runs.
struct Live {
    std::string presence;
    std::string status_message;
    // Listening addresses we dialed and got a session at, or where a peer
    // announced by its own word listens (§6.5), most recent first (at most
    // kMaxAddresses): where a session on need is dialed. Never an inbound
    // session's source port: it is ephemeral and nothing listens there.
    std::deque<asio::ip::tcp::endpoint> addresses;
    std::uint32_t unread = 0;
    // Dials on need in flight, and when the next may start.
    std::size_t dials = 0;
    std::chrono::steady_clock::time_point next_dial{};
    std::chrono::seconds backoff = node_detail::kRedialMin;
    // Rechecks of a peer believed gone whose record stands (Presence::to_recheck).
    std::chrono::steady_clock::time_point next_recheck{};
    std::chrono::seconds recheck_pause = node_detail::kRecheckMin;
    // How this run met it besides its dial targets (PeerView::found_by):
    // "remembered", "inbound", "shared by <nick>"; a few at most.
    std::set<std::string> found_by;

    void found(std::string how) {
        if (found_by.size() < kMaxFoundBy) found_by.insert(std::move(how));
    }
    static constexpr std::size_t kMaxFoundBy = 8;

    void add_address(const asio::ip::tcp::endpoint& address) {
        std::erase(addresses, address);
        addresses.push_front(address);
        if (addresses.size() > node_detail::kMaxAddresses) addresses.pop_back();
    }
    bool has_address(const asio::ip::tcp::endpoint& address) const {
        return std::find(addresses.begin(), addresses.end(), address) != addresses.end();
    }
};

struct Node::Impl : core::rooms::RoomsPort {
    struct Files;         // core/node_files.hpp
    struct Conversation;  // core/node_conversation.hpp

    asio::io_context& io;
    NodeOptions options;
    crypto::Rng rng = crypto::system_rng();
    crypto::KeyPair identity;
    crypto::SigningKey signing;
    std::unique_ptr<core::rooms::Rooms> rooms;
    std::string fingerprint;
    std::unique_ptr<ProfileLock> lock;
    std::unique_ptr<Store> store;
    Settings settings;
    // Seals the settings of a locked profile; nullptr when it is not locked.
    const StoreKey* store_key() const { return options.unlocked ? &options.unlocked->store_key : nullptr; }
    std::unique_ptr<transport::Transport> transport;
    std::unique_ptr<discovery::Discovery> discovery;
    std::string service_name;  // as last published (Node::service_name)
    // The wide-area DNS-SD domains discovery browses besides .local (for doctor and the window).
    std::vector<std::string> browse_domains;
    // Private mode (core/private_mode.hpp) and the "pt" we publish in it: a
    // fresh salt each time it is turned on (at start too).
    bool private_mode = false;
    std::string private_tag;
    // Private records seen (by their pt), each matched once against our
    // contacts: which contact published it, or nullopt for a stranger's.
    // Bounded by the instances discovery tracks; forgotten when lost.
    std::map<std::string, std::optional<PeerKey>> private_records;
    // Sharing addresses (docs/PROTOCOL.md §13, node_addresses.cpp): what was
    // asked and answered, and wheres waiting for a session to their peer.
    AddressSharing sharing{rng};
    // Nearby (§6.5, node_nearby.cpp): where the peers met on our link listen.
    NearbyPeers nearby;
    // discovery has mDNS records waiting to be resolved (on_resolving).
    bool discovery_resolving = false;
    // .local instance names browsed now; the instance each peer says it
    // publishes (its last status, until that instance is withdrawn); the
    // peers shown announced by such a word, not by a resolved record.
    std::set<std::string> browsed;
    std::map<PeerKey, std::string> claimed;
    std::set<PeerKey> announced_by_word;
    // The one peer that claims a browsed instance is announced by its word;
    // an instance two claim, or none, is resolved instead.
    void settle_claims(const std::string& instance);
    std::map<PeerKey, transport::Where> wheres_waiting;
    // Who told us where a key is (PeerView::found_by "shared by <nick>" once
    // a dial there reaches it): at most kMaxSharedBy keys.
    struct SharedBy {
        std::string nick;
        std::vector<asio::ip::tcp::endpoint> endpoints;
    };
    std::map<PeerKey, SharedBy> shared_by;
    static constexpr std::size_t kMaxSharedBy = 64;
    std::unique_ptr<ControlServer> control;
    std::unique_ptr<Files> files;  // after transport: gone before it
    std::unique_ptr<Conversation> conversation;  // read receipts and typing (§14)
    struct XmppBridge;  // core/node_xmpp.hpp: the link-local XMPP bridge (§15)
    std::unique_ptr<XmppBridge> bridge;  // always made: it knows the stored buddies; runs when on
    // A link-local XMPP buddy's synthetic key: never given to Transport, dials or presence.
    bool is_link_local(const PeerKey& key) const;
    asio::steady_timer maintenance{io};
    std::chrono::steady_clock::time_point maintenance_due{};
    std::vector<std::function<void(const Event&)>> sinks;
    std::deque<Notice> recent_notices;
    std::map<PeerKey, Live> live;
    std::unique_ptr<Presence> presence;
    // mDNS: fingerprints with an instance on the LAN, and those of them a
    // handshake authenticated (through a dial to the announced place, or a
    // session from the announced address).
    std::set<std::string> sighted;
    std::map<std::string, PeerKey> verified_fingerprints;
    // Dials on need in flight: which peer each endpoint was dialed for.
    std::map<asio::ip::tcp::endpoint, PeerKey> dialing_for;
    // Contacts no discovery shows, dialed where they were reached before;
    // which of the dials in flight are those.
    RememberedAddresses remembered;
    std::set<asio::ip::tcp::endpoint> probing;
    // Gone claims waiting for a session with the ring successor they go to.
    std::map<PeerKey, std::set<PeerKey>> gone_to_tell;
    // Keyed by "fingerprint|endpoint" for sightings and "manual|host:port" for --peer.
    std::map<std::string, DialTarget> targets;
    // Dials in flight that were made because of a TXT record: what key must answer.
    std::map<asio::ip::tcp::endpoint, std::string> expected_at;
    std::set<PeerKey> backlogged;  // the write queue was full: outbox flush pending
    Resends resends;               // sent, not acknowledged: resent within the session
    StoreTrouble store_trouble;    // senders whose texts we could not store
    mutable std::map<PeerKey, std::string> fingerprints;
    std::uint16_t port = 0;
    bool stopped = false;

    // In node.cpp, where Files is complete.
    Impl(asio::io_context& io_, NodeOptions o);
    ~Impl() override;

    void emit(const Event& e) override;
    void notice(Notice::Level level, std::string text) { emit(Notice{level, std::move(text)}); }

    // Memoized: the maintenance tick and every view ask it, and it is a hash.
    const std::string& fingerprint_of(const PeerKey& key) const;

    // Another identity, verified by us, that goes by this name (an indexed query).
    std::optional<Contact> verified_namesake(const PeerKey& key, std::string_view nick) const;

    // c: the key's contact, if any; name_clash: its name is a verified
    // namesake's (the caller knows how to find out cheaply).
    PeerView view(const PeerKey& key, const Contact* c, bool name_clash) const;

    PeerView view(const PeerKey& key) const;

    void peer_changed(const PeerKey& key) { emit(PeerChanged{view(key)}); }

    OwnIdentity own() const;

    // What we publish: the ordinary record, or the private one.
    discovery::Announcement announcement() const;
    // Turns private mode on or off for the transport and what we publish (not the setting).
    void apply_private_mode(bool on);
    // A non-blocked contact with this fingerprint (one pass over the contacts).
    std::optional<PeerKey> contact_with_fingerprint(const std::string& fp) const;
    // Whether to reveal our identity to `key` when a private-mode XX dial
    // (--peer) reaches it: only to a non-blocked contact.
    bool may_reveal_to(const PeerKey& key) const;
    // A contact whose private record we matched: it answers only IK.
    bool is_private_peer(const PeerKey& key) const;
    // How to dial key: IK to a private peer; else XX (a private-mode
    // transport itself uses IK for every dial with a key).
    transport::Handshake handshake_for(const PeerKey& key) const {
        return is_private_peer(key) ? transport::Handshake::ik : transport::Handshake::xx;
    }

    transport::Status status_message() const;

    // What the handshake tells peers: "rooms" comes with the key members check
    // our room entries with (docs/PROTOCOL.md §11.1).
    transport::Hello hello() const;

    std::filesystem::path download_dir() const;

    // ---- outbox ---------------------------------------------------------------

    // Sends rows in order (core/outbox.hpp decides) and records what became of
    // them. False when one must wait for the write queue to drain.
    bool transmit(std::span<const StoredMessage> rows);
    bool transmit(const StoredMessage& m) { return transmit(std::span(&m, 1)); }

    // Sends, in order, everything not yet acknowledged. Called on every new
    // session (so a message sent on a session that died is sent again; the
    // receiver drops the duplicate id) and when a full write queue drains.
    void flush_outbox(const PeerKey& peer);

    // Refuses to send to a key that claims the name of a verified contact until
    // the person has chosen to trust it (key change or impostor).
    bool may_send_to(const PeerKey& peer) const;

    // ---- transport callbacks (node_sessions.cpp) -----------------------------

    bool accept_peer(const PeerKey& key);

    // A handshake on a dial to an announced address: whether the key it
    // authenticated has the record's fingerprint (a mismatch is reported as
    // spoofing). nullopt: not a dial to a record.
    std::optional<bool> announcement_matches(const transport::SessionInfo& info);

    // Our dial met a peer that already had a session with us: its session is
    // kept, but the handshake still authenticated the record we dialed.
    void on_duplicate(const transport::SessionInfo& info);

    void on_session_up(const transport::SessionInfo& info);

    // Keeps strangers within options.max_strangers, sparing those online now (their
    // session would otherwise show a peer the store no longer knows).
    void forget_surplus_strangers();

    void on_session_down(const PeerKey& key, std::string_view reason, transport::CloseKind kind);

    // ---- sessions on need and the presence ring (core/presence.hpp) ------------
    // node_sessions.cpp, up to on_message.

    // Where the peer's fingerprint is announced from this address: an inbound
    // session from there authenticates the announcement as well as a dial would.
    std::optional<asio::ip::tcp::endpoint> announced_from(const std::string& fp, const asio::ip::address& address) const;

    // The key's record is authenticated (at `at`, a place to dial it at from
    // now on): the peer is here while the record stands.
    void verify_announcement(const PeerKey& key, std::optional<asio::ip::tcp::endpoint> at);

    // Every session is watched as presence says; the ring successor is dialed.
    void refresh_sessions();

    // Dials every address the peer was reached at (expecting its key), unless
    // a session or dials exist. False when there is nowhere to dial.
    bool dial_on_need(const PeerKey& key);
    // Dials key at each endpoint (expecting its key), counted in Live::dials.
    void dial_at(const PeerKey& key, std::span<const asio::ip::tcp::endpoint> endpoints);

    void on_dial_failed(const asio::ip::tcp::endpoint& ep);
    // A dial expecting `expected` authenticated `actual`: refused by the
    // transport, reported, and the address is no longer taken for expected's.
    void on_spoof(const PeerKey& expected, const PeerKey& actual, const asio::ip::tcp::endpoint& ep);
    // The alert for a handshake that authenticated someone else than the place promised.
    void report_wrong_key(const std::string& place, const PeerKey& actual, std::string_view actual_nick);

    // ---- remembered addresses (node_sessions.cpp) -------------------------------

    // Keeps ep as a place key was reached at (not for a blocked key; in
    // private mode not for a stranger: a private node keeps no trace of
    // strangers); false when nothing was kept.
    bool remember(const PeerKey& key, const asio::ip::tcp::endpoint& ep, AddressSource source);
    // Addresses of key learned (a session, a contact's answer): persisted, and
    // key becomes a probe candidate at once (dialed soon if not online).
    void learn_addresses(const PeerKey& key, std::span<const asio::ip::tcp::endpoint> endpoints, AddressSource source);
    // A contact (not blocked, not a stranger): its session is kept while no mDNS shows it.
    bool keeps_without_mdns(const PeerKey& key) const;
    // Dials the remembered contacts due now; returns when the next is due.
    std::chrono::steady_clock::time_point probe_remembered(std::chrono::steady_clock::time_point now);
    // How this run found key (PeerView::found_by), sorted.
    std::vector<std::string> found_by(const PeerKey& key) const;

    // We saw key vanish (its session lost, no goodbye): the ring passes it on.
    void tell_ring_gone(const PeerKey& key) { pass_gone(key, key); }

    // Sends Gone(key) to our ring successor, unless that is where it came from.
    void pass_gone(const PeerKey& key, const PeerKey& from);

    void handle(const PeerKey& from, const transport::Gone& g);

    void on_message(const PeerKey& key, const transport::AppMessage& msg);

    void handle(const PeerKey& key, const transport::Text& t);

    void handle(const PeerKey& key, const transport::Ack& a);

    // ---- rooms (core/rooms/rooms.hpp) ------------------------------------------
    // The port the rooms service runs on: node_rooms.cpp.

    // A session is kept for a peer while a text or a room entry waits for it.
    void pending_changed(const PeerKey& key) override;
    bool has_session(const PeerKey& key) const override;
    bool send(const PeerKey& key, const transport::AppMessage& m) override;
    void reach(const PeerKey& key) override;
    bool online(const PeerKey& key) const override;
    std::optional<crypto::SignPublicKey> sign_key(const PeerKey& key) const override;
    RoomMemberView member_view(const PeerKey& key) const override;
    std::int64_t now_ms() const override;

    template <class RoomMessage>
        requires requires(core::rooms::Rooms& r, const PeerKey& k, const RoomMessage& m) { r.handle(k, m); }
    void handle(const PeerKey& key, const RoomMessage& m) {
        rooms->handle(key, m);
    }

    void handle(const PeerKey& key, const transport::Status& s);

    // ---- sharing addresses (node_addresses.cpp) -----------------------------------

    ShareAddresses share_setting() const;
    // We ask, answer and offer "addresses": the setting is not off, not private.
    bool shares_addresses() const { return !private_mode && share_setting() != ShareAddresses::off; }
    // What the setting weighs of a peer; nullopt for an unknown key.
    Standing standing(const Contact& c) const;
    std::optional<Standing> standing(const PeerKey& key) const;
    // While contacts are unreachable, asks a few allowed online peers where they are.
    void ask_addresses(std::chrono::steady_clock::time_point now);
    // Records whether the peer offers "addresses"; sends the where waiting for
    // this session, and asks the peer if it is one to ask.
    void addresses_session_up(const transport::SessionInfo& info);
    void handle(const PeerKey& from, const transport::Where& w);
    void handle(const PeerKey& from, const transport::Here& h);

    // ---- nearby (node_nearby.cpp) -------------------------------------------------

    // We tell and hear nearby (§6.5): not in private mode.
    bool tells_nearby() const;
    // Keeps where the peer listens if it is on our link, keeps its session
    // while its record may still be resolved, and tells it whom we met.
    void nearby_session_up(const transport::SessionInfo& info);
    // Dials the peers it told of that we have no session with.
    void handle(const PeerKey& from, const transport::Nearby& n);
    // A peer in session says which instance name it publishes (Status "svc"),
    // or discovery says a .local instance name is browsed or gone: the peer
    // whose word names a browsed instance is announced (§6.5).
    void claim_instance(const PeerKey& key, const std::string& instance);
    void on_browsed(const std::string& instance, bool present);
    // A record under an instance a peer claimed is resolved: a claimant of
    // another fingerprint loses its claim, with an alert.
    void check_claims(const std::string& instance, const std::string& fingerprint);

    // ---- read receipts and typing (node_conversation.cpp) ---------------------

    void handle(const PeerKey& from, const transport::Read& read);
    void handle(const PeerKey& from, const transport::Typing& typing);

    // ---- discovery (node_discovery.cpp) ----------------------------------------

    void on_found(const discovery::Sighting& s);

    // id: a fingerprint, or a private record's id (discovery::private_peer_id).
    void on_lost(const std::string& id);

    bool connected_to(const DialTarget& t) const;

    // Whether t is dialed, and the key to dial it with IK (nullopt: XX). A
    // private record's contact is dialed with IK; in private mode so is every
    // contact, and a stranger's record is never dialed.
    bool dialable(const DialTarget& t, std::optional<PeerKey>& ik) const;
    void dial(DialTarget& t);

    // An announced peer no handshake has authenticated yet (the first dial
    // failed: a handshake timeout while both sides were busy, say) and none is
    // in flight: it is dialed again, with backoff, until one succeeds.
    bool unmet(const std::string& fp) const;

    void add_manual_peer(const std::string& host_port);
    // Starts the transport's listener as options.port says; returns the bound port.
    std::uint16_t listen();

    // ---- the maintenance tick (node_sessions.cpp) ------------------------------

    // Redials what must stay connected: peers given by hand (by address: their
    // key may not be known yet), announced peers not met yet, and the sessions
    // presence needs; resends what a live session left unacknowledged.
    void maintain();

    void schedule_maintenance(std::chrono::steady_clock::duration after);

    // Something may need a redial soon: the tick comes within a second.
    void wake_maintenance();
};

}  // namespace hallway::core
