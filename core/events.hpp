#pragma once
// What the messenger tells front ends, and the one queue that carries it from
// the network thread to a UI thread.
#include "core/profile.hpp"
#include "core/store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace hallway::core {

// A buddy as the front ends show it: a contact (or a stranger seen on the LAN)
// merged with its live presence.
// What a buddy is: a Hallway peer (Noise sessions, a verified key possible),
// or a link-local XMPP buddy (XEP-0174, Pidgin's "Bonjour"; docs/PROTOCOL.md
// §15): unencrypted and unauthenticated, named only by what it announces.
enum class PeerKind { hallway, xmpp_link_local };
// "hallway" / "xmpp-link-local" (peers --json "kind").
inline std::string_view to_string(PeerKind kind) {
    return kind == PeerKind::hallway ? "hallway" : "xmpp-link-local";
}

struct PeerView {
    PeerKey key{};
    PeerKind kind = PeerKind::hallway;
    // False for an xmpp-link-local buddy: anyone on the LAN reads and can
    // forge what it says. Such a buddy has no fingerprint, trust stays
    // unverified, and rooms, files and read receipts are refused.
    bool encrypted = true;
    // Its _presence._tcp instance (user@host, as announced): xmpp-link-local only.
    std::string instance;
    std::string fingerprint;             // 40 digits
    std::string nick;
    // Here: a session is up, or its mDNS announcement (authenticated once by
    // a handshake) stands and nobody saw it vanish (core/presence.hpp).
    bool online = false;
    bool session = false;                // an authenticated session is up right now
    std::vector<std::string> addresses;  // "host:port" where we saw or reached it
    Trust trust = Trust::unverified;
    bool known = false;                  // in contacts (has had a session)
    std::string presence;                // available / away / busy (online only)
    std::string status_message;
    std::uint32_t unread = 0;
    // Its name is also the name of a verified contact with another key: a
    // possible impostor (or a key change) the person must look at.
    bool name_clash = false;
    // Its Hello offered the capability "rooms" with a signing key: it can be
    // invited to rooms (a peer never met, or an older Hallway, cannot).
    bool rooms = false;
    // Its Hello offered the capability "files": files can be sent to it.
    bool files = false;
    // A verified contact whose offers are accepted without asking.
    bool auto_accept_files = false;
    // Found through its private record (docs/PROTOCOL.md §2.1) while this node runs.
    bool private_mode = false;
    // How this run found it, sorted: "mdns eth0", "wide-area office.example",
    // "remembered" (dialed where it was reached before), "shared by <nick>",
    // "--peer", "inbound" (it dialed us). Interface, domain and nick are
    // peer or network text: data, never a format string.
    std::vector<std::string> found_by;
    // It is typing to us now (docs/PROTOCOL.md §14.3; TypingChanged says when
    // this changes).
    bool typing = false;
};

struct PeerChanged {
    PeerView peer;
};
// A message was stored (incoming) or queued (outgoing).
struct MessageAdded {
    StoredMessage message;
};
struct MessageStateChanged {
    MessageId id{};
    PeerKey peer{};
    MessageState state = MessageState::queued;
    std::int64_t read_at_ms = 0;  // out: the peer showed it (StoredMessage::read_at_ms)
};
// The peer is typing to us, or stopped (docs/PROTOCOL.md §14): shown under
// its conversation until it stops, sends a text, or goes quiet for a few seconds.
struct TypingChanged {
    PeerKey peer{};
    bool typing = false;
};
// Answer to Node::request_history.
struct HistoryLoaded {
    PeerKey peer{};
    std::vector<StoredMessage> messages;
};
struct OwnIdentity {
    std::string nick;
    std::string fingerprint;
    std::string presence;
    std::string status_message;
    std::uint16_t port = 0;
    bool private_mode = false;  // docs/PROTOCOL.md §2.1
    ShareAddresses share_addresses = ShareAddresses::verified;  // docs/PROTOCOL.md §13
    bool read_receipts = true;  // we send `read` and show the peers' (docs/PROTOCOL.md §14)
    Notifications notifications = Notifications::full;  // what the desktop is told of a message
    // The link-local XMPP bridge (settings "bonjour", docs/PROTOCOL.md §15) is
    // switched on; it is not running in private mode even then.
    bool bonjour = false;
    // Our registered _presence._tcp instance (user@host) while it runs, else empty.
    std::string link_local_name{};
};
struct Notice {
    enum class Level { info, warning, alert };
    Level level = Level::info;
    std::string text;
};

// Rooms (docs/PROTOCOL.md §11) ------------------------------------------------
struct RoomMemberView {
    PeerKey key{};
    std::string fingerprint;
    std::string nick;
    bool online = false;
    Trust trust = Trust::unverified;
    bool creator = false;
    bool admin = false;
    bool name_clash = false;  // as PeerView::name_clash: a verified contact with another key has this name
};
struct RoomView {
    RoomId id{};
    std::string id_hex;       // 32 hex digits; people may type a prefix
    std::string name;
    std::string topic;
    bool open = false;
    RoomMembership membership = RoomMembership::invited;
    std::vector<RoomMemberView> members;
    std::uint32_t unread = 0;
    bool admin = false;       // we may remove members and change the room
    PeerKey invited_by{};     // invitations: who invited us
    std::string invited_by_nick;
};
// A line of a room's conversation: a text, or a membership change ("alice added bob").
struct RoomMessage {
    RoomId room{};
    MessageId id{};           // entry id
    PeerKey author{};
    std::string author_nick;
    bool mine = false;
    bool text = true;         // false: a membership or settings change, body says it in words
    std::string body;
    std::int64_t sent_at_ms = 0;
    std::int64_t received_at_ms = 0;
    std::uint64_t lamport = 0;
    std::uint32_t delivered = 0;  // mine: members other than us that hold it
    std::uint32_t of = 0;         // mine: members other than us
};
struct RoomChanged {
    RoomView room;
};
struct RoomRemoved {
    RoomId room{};
};
struct RoomMessageAdded {
    RoomMessage message;
};
struct RoomDeliveryChanged {
    RoomId room{};
    MessageId id{};
    std::uint32_t delivered = 0;
    std::uint32_t of = 0;
};
struct RoomHistoryLoaded {
    RoomId room{};
    std::vector<RoomMessage> messages;
};
struct OpenRoom {
    RoomId id{};
    std::string id_hex;
    std::string name;
    std::string topic;
    std::uint32_t members = 0;
    bool joined = false;
};
// The open rooms heard of so far (after Node::query_open_rooms()).
struct OpenRoomsListed {
    std::vector<OpenRoom> rooms;
};

// Files (docs/PROTOCOL.md §12) -------------------------------------------------
struct TransferFileView {
    std::string path;  // relative, '/'-separated, as offered
    std::uint64_t size = 0;
    bool dir = false;
};
enum class TransferState {
    preparing,  // out: hashing the files; the offer leaves when done
    offered,    // in: waiting for the person's answer; out: for the peer's
    active,     // accepted: chunks moving
    paused,     // in: our disk is full (resume); out: the receiver paused
    done,       // every file arrived verified under its final name
    failed,     // declined, cancelled by either side, or an error (reason)
};
std::string_view to_string(TransferState s);
// A transfer as front ends show it; id names it in commands (this run only).
struct TransferView {
    std::uint64_t id = 0;
    PeerKey peer{};
    std::string peer_nick;
    Direction direction = Direction::out;
    TransferState state = TransferState::preparing;
    std::vector<TransferFileView> files;
    std::uint64_t bytes = 0;  // verified (in) or sent (out)
    std::uint64_t total = 0;
    std::string reason;       // paused or failed: why (peer text is data)
    std::string folder;       // in, once accepted: where its files go
};
// A transfer appeared or moved on (progress at most a few times a second).
struct TransferChanged {
    TransferView transfer;
};

// Search (Node::search) ----------------------------------------------------------
// One stored text that matched: a one-to-one message or a room's text.
struct SearchHit {
    bool in_room = false;
    PeerKey peer{};             // one-to-one: the conversation's peer
    RoomId room{};              // in_room: the room
    std::string conversation;   // the peer's nick or the room's name, as known now
    MessageId id{};             // the message id, or the room entry's id
    std::int64_t seq = 0;       // one-to-one: StoredMessage::seq, where to jump
    bool mine = false;          // we wrote it
    std::string author_nick;    // who wrote it (ours: our nick)
    std::string body;           // the whole text (peer text: data, never a format string)
    std::int64_t sent_at_ms = 0;
};
// Answer to Node::request_search: the newest matches first.
struct SearchDone {
    std::string text;           // what was searched for
    std::vector<SearchHit> hits;
    bool more = false;          // more matched than were returned
    std::string error;          // not empty: the search was refused (nothing to search for...)
};

using Event = std::variant<PeerChanged, MessageAdded, MessageStateChanged, TypingChanged, HistoryLoaded, OwnIdentity,
                           Notice, RoomChanged, RoomRemoved, RoomMessageAdded, RoomDeliveryChanged, RoomHistoryLoaded,
                           OpenRoomsListed, TransferChanged, SearchDone>;

// Network thread -> UI thread. push() from any thread calls the waker (e.g.
// glfwPostEmptyEvent) so the UI wakes; the UI drains once per frame.
class EventQueue {
public:
    void set_waker(std::function<void()> waker) {
        std::lock_guard lock(mutex_);
        waker_ = std::move(waker);
    }
    void push(Event e) {
        std::function<void()> wake;
        {
            std::lock_guard lock(mutex_);
            events_.push_back(std::move(e));
            wake = waker_;
        }
        cv_.notify_all();
        if (wake) wake();
    }
    std::vector<Event> drain() {
        std::lock_guard lock(mutex_);
        std::vector<Event> out(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
        events_.clear();
        return out;
    }
    // For terminal front ends without an event loop of their own.
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> d) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, d, [this] { return !events_.empty(); });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Event> events_;
    std::function<void()> waker_;
};

}  // namespace hallway::core
