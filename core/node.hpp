#pragma once
// The messenger: one node of Hallway. It owns the identity, the store, the
// transport, discovery and the control socket, and runs entirely on the thread
// that runs its io_context ("the network thread"). Front ends call its
// functions on that thread (asio::post from elsewhere) and hear back through
// subscribe(), also on that thread (forward to an EventQueue for a UI thread).
#include "core/events.hpp"
#include "core/outbox.hpp"
#include "core/profile_lock.hpp"
#include "core/search_query.hpp"
#include "core/store.hpp"
#include "transport/wire.hpp"

#include <asio.hpp>

#include <cstdint>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::core {

// Every handshake with a new key makes a contact; strangers (no trust decision,
// no message) are kept to this many, the least recently seen forgotten first.
// Far more than a LAN holds, small enough that a key flood (the handshake rate
// admits ~18,000 new keys an hour from one address) leaves a bounded store.
inline constexpr std::size_t kMaxStrangers = 1024;

struct NodeOptions {
    std::filesystem::path profile_dir;
    std::string nick;                        // empty: remembered one, else the user name
    // Where to listen. Unset: default_port, or any free port when that one is taken
    // (a warning notice says so). Set (--port): exactly that port, start() throws when
    // it is taken; 0 is any free port (what tests use: many nodes run at once).
    std::optional<std::uint16_t> port;
    std::uint16_t default_port = transport::wire::kDefaultPort;  // a test's stand-in for 49100
    std::vector<std::string> manual_peers;   // "HOST:PORT", dialed without mDNS
    bool mdns = true;
    bool control_socket = true;
    std::size_t max_strangers = kMaxStrangers;
    std::filesystem::path download_dir;      // empty: Hallway/ in the XDG download folder
    // --private / --no-private: this run is private (docs/PROTOCOL.md §2.1) or
    // not, whatever the settings say; unset, the saved choice (set_private_mode)
    // decides. Either way the saved choice is left as it is.
    std::optional<bool> private_mode;
    // The keys of a locked profile (core/profile_lock.hpp), required when it is
    // locked: the identity and store key come from here, never a passphrase.
    std::shared_ptr<const UnlockedKeys> unlocked;
    // --bonjour / --no-bonjour: the link-local XMPP bridge (docs/PROTOCOL.md
    // §15) runs or not this time; unset, the saved choice (set_bonjour) decides.
    std::optional<bool> bonjour;
    // --xmpp-peer "user@host=HOST:PORT": a link-local XMPP buddy given by hand,
    // for a LAN without mDNS (its side must accept us: libpurple does only
    // after resolving our record, other clients may not care).
    std::vector<std::string> link_local_peers;
    // The bridge's port (XEP-0174's default, 5298), or any free one when it
    // is taken; tests give 0.
    std::uint16_t link_local_default_port = 5298;
};


class Node {
public:
    // Opens the profile (lock, identity, store, settings). nullptr with a
    // one-line reason when it cannot (profile in use, corrupt store, ...).
    static std::unique_ptr<Node> create(asio::io_context& io, NodeOptions options, std::string& error);
    ~Node();

    // Listens, serves the control socket, starts discovery, dials manual peers.
    // Throws std::system_error when the port cannot be bound.
    void start();
    // Graceful exit: peers are told at once, the mDNS service is withdrawn.
    void stop(std::string_view reason = "bye");

    // Called for every event, on the network thread. Right after subscribing,
    // the current state is replayed (OwnIdentity, one PeerChanged per buddy, one RoomChanged per room,
    // one TransferChanged per transfer).
    void subscribe(std::function<void(const Event&)> sink);

    OwnIdentity own() const;
    // The DNS-SD instance name avahi-daemon registered for us; empty until it has (or without mDNS).
    const std::string& service_name() const;
    // Beyond this subnet (`hallway doctor`): the wide-area DNS-SD domains
    // browsed now, and how many contacts are dialed at remembered addresses.
    const std::vector<std::string>& browse_domains() const;
    std::size_t remembered_contacts() const;
    std::vector<PeerView> peers() const;

    // PEER as people type it: a display name or a fingerprint prefix. Empty
    // error and a key on success; else why (unknown, or ambiguous with the
    // candidates' fingerprints).
    std::optional<PeerKey> resolve(std::string_view name_or_fingerprint, std::string& error) const;

    // Stores the message durably (queued), sends it when a session exists,
    // resends after reconnects until acknowledged. nullopt + error when refused
    // (empty or oversized text, blocked peer, key changed and not yet accepted).
    // What is stored and sent is the body made valid UTF-8 (see outgoing_text).
    std::optional<MessageId> send_text(const PeerKey& peer, std::string_view body, std::string& error);

    // The conversation, oldest first: at most limit of the newest messages
    // older than before_seq (StoredMessage::seq), so a reader can page back.
    std::vector<StoredMessage> history(const PeerKey& peer, std::size_t limit = 1000,
                                       std::int64_t before_seq = INT64_MAX) const;
    // Ids are unique per sender: peer's message id (in) or ours to peer (out).
    std::optional<StoredMessage> message(const PeerKey& peer, Direction direction, const MessageId& id) const;
    // Emits HistoryLoaded and clears the unread count (the conversation is open).
    void request_history(const PeerKey& peer, std::size_t limit = 1000);
    // The conversation is shown: its unread count clears, the peer's texts
    // are marked read and, with read_receipts on and a peer that wants them
    // (docs/PROTOCOL.md §14), a `read` goes out on its session, or when one
    // is next established.
    void mark_read(const PeerKey& peer);
    // Front ends call it on every edit of the input to peer: true while it is
    // not empty. The node tells the peer (on a live session only, never
    // dialing), at most once per 4 s while the typing goes on.
    void set_typing(const PeerKey& peer, bool typing);
    // The conversation in the foreground (nullopt: none). Its peer's session is
    // opened and watched closely (a vanished peer shows within seconds) until
    // the focus moves; it is the one thing a person is looking at.
    void set_focus(std::optional<PeerKey> peer);

    // Checked with the profile's bounds (check_nick, check_presence,
    // check_status_message in core/profile.hpp) and saved before they take
    // effect: false + error when refused or when saving failed (nothing changed).
    bool set_nick(std::string_view nick, std::string& error);
    bool set_presence(std::string_view presence, std::string_view message, std::string& error);
    // Private mode (docs/PROTOCOL.md §2.1): an mDNS record that names nothing,
    // only contacts dialed and answered. Saved (settings "private"), then the
    // service is re-published (a fresh salt and name) and the transport told.
    // false + error when saving failed (nothing changed).
    bool set_private_mode(bool on, std::string& error);
    // Who may ask us where our contacts are (docs/PROTOCOL.md §13): saved
    // (settings "share_addresses"), then the Hello's capability "addresses"
    // follows it for new sessions. false + error when saving failed.
    bool set_share_addresses(ShareAddresses who, std::string& error);
    // Whether we send read receipts (and so ask for them: the Hello's
    // capability "read" follows it for new sessions), saved (settings
    // "read_receipts"); emits OwnIdentity. false + error when saving failed.
    bool set_read_receipts(bool on, std::string& error);

    // Search (core/search_query.hpp): the stored texts holding every word of
    // text (word prefixes; case and accents ignored), newest first, at most
    // limit (1..kMaxSearchLimit): one-to-one texts (only peer's when given)
    // and, without peer, the shown texts of rooms we are or were in.
    // nullopt + error when text is not searchable.
    std::optional<SearchDone> search(std::string_view text, const std::optional<PeerKey>& peer, std::size_t limit,
                                     std::string& error) const;
    // Emits SearchDone (its error set when refused).
    void request_search(std::string_view text, const std::optional<PeerKey>& peer = std::nullopt,
                        std::size_t limit = kDefaultSearchLimit);

    // What the window's desktop notifications say of a message (settings
    // "notifications"): saved, then OwnIdentity emitted for front ends to
    // follow. Nothing on the wire. false + error when saving failed.
    bool set_notifications(Notifications what, std::string& error);

    // The link-local XMPP bridge (XEP-0174, docs/PROTOCOL.md §15): saved
    // (settings "bonjour"), then started or stopped: our _presence._tcp
    // service published or withdrawn, its buddies listed or gone. It does not
    // run in private mode (the setting is kept). Emits OwnIdentity.
    // false + error when saving failed (nothing changed).
    bool set_bonjour(bool on, std::string& error);

    // Where the bridge listens while it runs (the port we announce), else 0.
    std::uint16_t link_local_port() const;

    // Empty for a link-local XMPP buddy: it has no key to compare.
    std::string safety_number(const PeerKey& peer) const;
    // A link-local XMPP buddy's trust stays unverified: refused with a warning notice.
    void set_trust(const PeerKey& peer, Trust trust);

    // Rooms (docs/PROTOCOL.md §11). Each returns false / nullopt with a
    // one-line error when refused (not a member, not an admin, unknown peer,
    // peer without the rooms capability, bad name...).
    std::optional<RoomId> create_room(std::string_view name, bool open, std::string_view topic, std::string& error);
    bool invite(const RoomId& room, const PeerKey& peer, std::string& error);
    // Accepts an invitation, or joins an open room heard of by query_open_rooms().
    bool join_room(const RoomId& room, std::string& error);
    // Leaves a room (or declines an invitation).
    bool leave_room(const RoomId& room, std::string& error);
    bool remove_member(const RoomId& room, const PeerKey& peer, std::string& error);
    // The creator makes a member an admin (who may then remove members and change the room).
    bool make_admin(const RoomId& room, const PeerKey& peer, std::string& error);
    bool set_room(const RoomId& room, std::string_view name, std::string_view topic, bool open, std::string& error);
    std::optional<MessageId> send_room_text(const RoomId& room, std::string_view body, std::string& error);
    std::vector<RoomView> rooms() const;
    std::optional<RoomView> room(const RoomId& id) const;
    // "#name" or "name" (a room's name, ignoring ASCII case) or a prefix of its hex id.
    std::optional<RoomId> resolve_room(std::string_view name_or_id, std::string& error) const;
    std::vector<RoomMessage> room_history(const RoomId& room, std::size_t limit = 1000) const;
    // Emits RoomHistoryLoaded and clears the room's unread count.
    void request_room_history(const RoomId& room, std::size_t limit = 1000);
    void mark_room_read(const RoomId& room);
    // Asks every online peer that speaks rooms which open rooms it is in;
    // answers update open_rooms() and emit OpenRoomsListed.
    void query_open_rooms();
    std::vector<OpenRoom> open_rooms() const;

    // Files (docs/PROTOCOL.md §12); TransferView::id names a transfer. Each
    // returns false / nullopt with a one-line error when refused.
    // Offers files and folders (folders walked, symlinks skipped) to a peer
    // that speaks files. Hashing runs off the network thread: the transfer is
    // `preparing` until the offer leaves.
    std::optional<std::uint64_t> send_files(const PeerKey& peer, const std::vector<std::filesystem::path>& paths,
                                            std::string& error);
    // An offer to us: its files go under dir (empty: download_dir()).
    bool accept_transfer(std::uint64_t id, const std::filesystem::path& dir, std::string& error);
    bool decline_transfer(std::uint64_t id, std::string& error);
    // Either direction, while not ended: both sides forget it, .part files go.
    bool cancel_transfer(std::uint64_t id, std::string& error);
    // A transfer paused by our full disk pulls again.
    bool resume_transfer(std::uint64_t id, std::string& error);
    std::vector<TransferView> transfers() const;
    // Verified contacts only: their offers are accepted into download_dir().
    bool set_auto_accept_files(const PeerKey& peer, bool on, std::string& error);
    // NodeOptions::download_dir, else $XDG_DOWNLOAD_DIR (xdg-user-dir DOWNLOAD)
    // or ~/Downloads, then Hallway/.
    std::filesystem::path download_dir() const;

    std::uint16_t port() const;
    const std::filesystem::path& profile_dir() const;

private:
    Node() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hallway::core
