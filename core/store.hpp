#pragma once
// Durable state of one profile on SQLite (WAL): contacts, messages, outbox, rooms,
// file transfers.
// Not thread-safe: owned by the network thread. Every write is durable when
// the call returns (synchronous=FULL on the write that matters for delivery).
#include "crypto/secret.hpp"
#include "transport/wire.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hallway::core {

using PeerKey = std::array<std::uint8_t, 32>;
// The random key a locked store's pages are sealed with (core/sealed_page.hpp).
using StoreKey = crypto::Secret<32>;
using MessageId = std::array<std::uint8_t, 16>;

enum class Trust { unverified, verified, blocked };
std::string_view to_string(Trust t);

enum class Direction { in, out };
std::string_view to_string(Direction d);

enum class MessageState { queued, sent, delivered, failed };
std::string_view to_string(MessageState s);

struct Contact {
    PeerKey key{};
    std::string nick;              // last display name seen
    std::int64_t first_seen_ms = 0;
    std::int64_t last_seen_ms = 0;
    Trust trust = Trust::unverified;
    // The Ed25519 key its Hello gave (`sig`): needed to invite it to a room.
    std::optional<std::array<std::uint8_t, 32>> sign_key;
    bool files = false;              // its last Hello offered the capability "files"
    bool auto_accept_files = false;  // our choice: its offers are accepted unasked
    bool shares_addresses = false;   // its last Hello offered the capability "addresses"
};

// Where a contact was reached, kept across runs so it can be dialed again when
// no discovery shows it (docs/ARCHITECTURE.md "Remembered addresses").
// dialed: we dialed it and its key answered; inbound: its session came from
// this IP, and its Hello's port; shared: a contact told us (a hint only).
enum class AddressSource { dialed, inbound, shared };
std::string_view to_string(AddressSource s);
std::optional<AddressSource> address_source_from_string(std::string_view text);
inline constexpr std::size_t kMaxAddressesPerKey = 8;
struct KnownAddress {
    std::string address;  // "host:port" as core::endpoint_text writes it ("[v6]:port")
    AddressSource source = AddressSource::dialed;
    std::int64_t last_ok_ms = 0;
    bool operator==(const KnownAddress&) const = default;
};

struct StoredMessage {
    MessageId id{};
    PeerKey peer{};                // the conversation: the other identity
    Direction direction = Direction::out;
    std::string body;
    std::int64_t sent_at_ms = 0;   // sender's timestamp
    std::int64_t received_at_ms = 0;  // local time we stored it (in) / queued it (out)
    MessageState state = MessageState::queued;
    std::string failure;           // reason when state == failed
    std::int64_t seq = 0;          // local insertion order within the store
    // out: when the peer said it showed it (its `read`, docs/PROTOCOL.md §14);
    // in: when we showed it to our person. 0: not (yet).
    std::int64_t read_at_ms = 0;
};

// A room as this profile holds it (the log itself is room_entries).
using RoomId = std::array<std::uint8_t, 16>;
enum class RoomMembership { invited, joined, left };
std::string_view to_string(RoomMembership m);
struct StoredRoom {
    RoomId id{};
    RoomMembership membership = RoomMembership::invited;
    PeerKey invited_by{};          // who invited us (the session peer that sent room_invite)
    std::string invited_name;      // the name the invitation gave, until the log is ours
    std::int64_t updated_ms = 0;
    std::uint32_t unread = 0;
};
// One signed room entry (core/rooms/entry.hpp) and what the room made of it.
struct StoredEntry {
    RoomId room{};
    PeerKey author{};
    std::uint64_t seq = 0;
    std::uint64_t lamport = 0;
    MessageId id{};                          // entry id
    std::vector<std::uint8_t> bytes;         // exactly as signed
    std::array<std::uint8_t, 64> signature{};
    bool text = false;                       // a text entry (history shows these)
    std::int64_t received_at_ms = 0;
};

// A stored text that matched a search (Store::search): a one-to-one message
// or a room's text entry.
struct StoredHit {
    bool in_room = false;
    PeerKey peer{};                       // one-to-one: the conversation
    std::string peer_nick;                // one-to-one: the contact's nick ("" if unknown)
    Direction direction = Direction::in;  // one-to-one
    RoomId room{};                        // in_room
    PeerKey author{};                     // in_room: who wrote it
    std::vector<std::uint8_t> entry;      // in_room: the entry's signed bytes
    MessageId id{};                       // the message id, or the room entry's id
    std::int64_t seq = 0;                 // one-to-one: StoredMessage::seq
    std::string body;
    std::int64_t sent_at_ms = 0;          // the author's clock
    std::int64_t received_at_ms = 0;      // local time stored: hits come newest first by it
};

// A file transfer in progress (docs/FILES-DESIGN.md), as the node saves it to
// resume after a restart. Ended transfers are forgotten, not kept. Independent
// of core/files: the node maps between the two; the bounds below are those of
// core/files (an offer is one message; a bitmap is ReceiveState::save(): the
// root, then one bit per chunk of at most 2^20).
using TransferId = std::array<std::uint8_t, 16>;  // the same type as core/files' TransferId
inline constexpr std::size_t kMaxStoredOffer = transport::wire::kMaxMessage;
inline constexpr std::size_t kMaxStoredReason = transport::wire::kMaxCloseReason;
inline constexpr std::size_t kMaxStoredBitmap = 32 + (std::size_t{1} << 20) / 8;  // files::kMaxChunks bits
inline constexpr std::size_t kMaxStoredFiles = 1024;  // files::kMaxEntries
inline constexpr std::size_t kMaxStoredPath = 4096;   // PATH_MAX: dir, target, source
enum class TransferRowState { offered, active, paused };
std::string_view to_string(TransferRowState s);
struct StoredTransferFile {
    std::string target;                // in: final path under dir, chosen on accept ("" before); out: unused
    std::string source;                // out: the local file read for chunks; in: unused
    std::vector<std::uint8_t> bitmap;  // in: receive state saved after a sync (may be empty)
    bool done = false;
    bool operator==(const StoredTransferFile&) const = default;
};
struct StoredTransfer {
    PeerKey peer{};
    Direction direction = Direction::in;
    TransferId id{};                   // unique per offering peer: (peer, direction, id) is the key
    TransferRowState state = TransferRowState::offered;
    std::vector<std::uint8_t> offer;   // the file_offer bytes as sent or received
    std::string dir;                   // in: download folder once accepted
    std::string reason;                // why paused
    std::vector<StoredTransferFile> files;  // one per offer entry, folders included (index = entry index)
    std::int64_t created_ms = 0;
    std::int64_t updated_ms = 0;       // out of transfers(): the now_ms of the last save; ignored by save
    bool operator==(const StoredTransfer&) const = default;
};

// A link-local XMPP buddy we exchanged a message with (core/link_local_buddies.hpp).
struct LinkLocalBuddyRow {
    PeerKey key{};         // link_local_key(instance)
    std::string instance;  // user@host, as announced
    std::string nick;      // its display name when last seen
    std::int64_t last_seen_ms = 0;
    bool operator==(const LinkLocalBuddyRow&) const = default;
};
// Rows of link_local_buddies kept: a LAN holds far fewer, and a flood of
// announced names cannot grow the store without bound.
inline constexpr std::size_t kMaxLinkLocalBuddies = 256;

enum class StoreError {
    ok,
    cannot_open,      // path unreadable / not creatable
    not_a_database,   // corrupt or not SQLite: left untouched
    foreign_schema,   // a SQLite file that is not ours, or from a newer Hallway
    io,               // a write failed (disk full...); Store::last_error() says why
    duplicate_id,     // add_outgoing: we already sent a message with this id to this peer
    id_reused,        // add_incoming: the sender already sent this id with another text
    too_large,        // save_transfer: a field over its bound; nothing written
    sealed,           // a locked (sealed) store opened without its key: left untouched
    wrong_key_or_damaged,  // a locked store whose key does not open it, or a damaged page: left untouched
    not_sealed,       // a key given for a plaintext store (seal_store it first): left untouched
};
std::string_view to_string(StoreError e);

class Store {
public:
    // Opens or creates the database at path and migrates it to the current schema.
    // Returns nullptr with err and a human message when the file is unusable; the
    // file is then never modified.
    // With key, the store is locked (docs/SECURITY.md "At rest"): created
    // sealed when absent; an existing file must be sealed with this key.
    static std::unique_ptr<Store> open(const std::string& path, StoreError& err, std::string& message,
                                       const StoreKey* key = nullptr);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // SQLite's message for the last failed call (empty when none failed yet).
    const std::string& last_error() const;

    // Groups the writes made while it lives into one durable transaction (one
    // fsync instead of one per write). Rolled back unless commit() returns ok.
    // Not nestable. Use only when nothing is acknowledged before commit().
    class Batch {
    public:
        explicit Batch(Store& store);
        ~Batch();
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;
        StoreError begun() const { return begun_; }  // io when BEGIN failed
        StoreError commit();

    private:
        Store& store_;
        StoreError begun_ = StoreError::io;
        bool open_ = false;
    };

    // Contacts -------------------------------------------------------------
    // Creates the contact on first sight (trust unverified) or updates nick/last_seen.
    // An empty nick keeps the one stored; last_seen never moves backwards.
    StoreError touch_contact(const PeerKey& key, std::string_view nick, std::int64_t now_ms);
    std::optional<Contact> contact(const PeerKey& key) const;
    // All contacts, ordered by nick (case-insensitive), then key.
    std::vector<Contact> contacts() const;
    // Contacts whose nick is nick, ignoring ASCII case (indexed), ordered by key.
    std::vector<Contact> contacts_named(std::string_view nick) const;
    // A verified contact other than key that goes by nick, ignoring ASCII case
    // (indexed): a possible impostor's or a new key's namesake. None for "".
    std::optional<Contact> verified_namesake(const PeerKey& key, std::string_view nick) const;

    // Strangers are contacts with no trust decision (unverified) and no message
    // either way: forgetting one loses nothing but its name. Contacts with a
    // message, verified or blocked are never touched by these three.
    // Strangers beyond the keep most recently seen (the ones to forget to stay
    // within keep), most recently seen first.
    std::vector<PeerKey> surplus_strangers(std::size_t keep) const;
    // Whether key is a known contact that is a stranger.
    bool is_stranger(const PeerKey& key) const;
    // Forgets key if it is a stranger; ok and nothing done otherwise.
    StoreError forget_stranger(const PeerKey& key);
    // Forgets every stranger last seen before cutoff_ms.
    StoreError forget_strangers_seen_before(std::int64_t cutoff_ms);
    // Creates the contact when unknown (first/last_seen 0), so a key can be
    // blocked or verified before it is ever seen.
    StoreError set_trust(const PeerKey& key, Trust trust);
    // Keeps the signing key key's Hello gave; creates the contact when unknown,
    // as set_trust does.
    StoreError set_sign_key(const PeerKey& key, const std::array<std::uint8_t, 32>& sign_key);
    // Whether key's last Hello offered the capability "files", and whether its
    // offers are accepted unasked; each creates the contact when unknown, as
    // set_trust does.
    StoreError set_contact_files(const PeerKey& key, bool files);
    StoreError set_auto_accept_files(const PeerKey& key, bool auto_accept);
    // Whether key's last Hello offered "addresses" (creates the contact when
    // unknown, as set_trust does).
    StoreError set_contact_shares_addresses(const PeerKey& key, bool shares);

    // Remembered addresses -----------------------------------------------------
    // Keeps address for a known, non-blocked contact (ok and nothing written
    // otherwise); again later moves last_ok_ms forward, and a dialed or inbound
    // source replaces a shared one (not the reverse: a hint never downgrades
    // what was seen). Beyond kMaxAddressesPerKey the oldest by last_ok_ms are
    // dropped. too_large when address is empty or over wire::kMaxAddressText.
    // Blocking the contact or forgetting it (a stranger) forgets its addresses.
    StoreError remember_address(const PeerKey& key, std::string_view address, AddressSource source,
                                std::int64_t ms);
    // Forgets one of key's addresses (another key answered there); ok when unknown.
    StoreError forget_address(const PeerKey& key, std::string_view address);
    // key's addresses, most recent first (at most kMaxAddressesPerKey).
    std::vector<KnownAddress> addresses(const PeerKey& key) const;
    // Contacts worth dialing at a remembered address: not blocked, not
    // strangers, with at least one address; most recently seen first, at most limit.
    std::vector<PeerKey> remembered_contacts(std::size_t limit) const;

    // Messages -------------------------------------------------------------
    // Writes an outgoing message durably in state queued (the outbox); m.direction,
    // m.state, m.failure and m.seq are ignored. duplicate_id if we already sent
    // this id to m.peer (ids are unique per sender: PROTOCOL.md §6.1).
    StoreError add_outgoing(const StoredMessage& m);
    // Writes an incoming message durably (direction in, state and failure as in m;
    // m.seq ignored). Ids are scoped by sender: the same id from another peer, or
    // in our own messages, is another message. inserted=false when m.peer already
    // sent this id with the same body (a resend): the caller acks again and shows
    // nothing. id_reused when m.peer sent this id with another body: not stored,
    // and the caller must not ack (an ack promises the text was stored).
    StoreError add_incoming(const StoredMessage& m, bool& inserted);
    // Moves our message id to peer to state (failure text kept only for failed).
    // delivered is final: a late or duplicate ack and later calls change nothing.
    // An unknown (peer, id) is ok (nothing to change).
    StoreError set_state(const PeerKey& peer, const MessageId& id, MessageState state,
                         std::string_view failure = {});
    // Outgoing messages not yet delivered to peer, oldest first (what to (re)send).
    std::vector<StoredMessage> outbox(const PeerKey& peer) const;
    // Whether outbox(peer) is non-empty, without reading it.
    bool has_outbox(const PeerKey& peer) const;
    // Every peer with a non-empty outbox.
    std::vector<PeerKey> outbox_peers() const;
    // The message id sent by peer (in) or by us to peer (out).
    std::optional<StoredMessage> message(const PeerKey& peer, Direction direction, const MessageId& id) const;
    // The conversation with peer, oldest first; at most limit of the newest.
    std::vector<StoredMessage> history(const PeerKey& peer, std::size_t limit = 1000) const;
    // The same, of the messages whose seq is below before_seq: the page before it.
    std::vector<StoredMessage> history_before(const PeerKey& peer, std::int64_t before_seq, std::size_t limit) const;

    // Read receipts (docs/PROTOCOL.md §14) ----------------------------------
    // Our person saw peer's texts: each not yet read becomes read at now_ms.
    // receipt_owed: a `read` is to go out for them (our setting is on); else
    // none ever will. newly_read: their ids, oldest first.
    StoreError mark_incoming_read(const PeerKey& peer, std::int64_t now_ms, bool receipt_owed,
                                  std::vector<MessageId>& newly_read);
    // Ids of peer's texts read and owed a `read`, oldest first, at most limit.
    std::vector<MessageId> receipts_owed(const PeerKey& peer, std::size_t limit) const;
    // Our `read` with these of peer's texts went out: nothing more is owed for them.
    StoreError mark_receipts_sent(const PeerKey& peer, std::span<const MessageId> ids);
    // Nothing is owed to peer any more (it does not want receipts, or our setting went off).
    StoreError forgive_receipts(const PeerKey& peer);
    // peer showed these of our texts to it at now_ms: each not yet read becomes
    // read then, and delivered (its ack may have been lost). changed: those
    // ids, in the order given; ids we did not send peer change nothing.
    StoreError apply_peer_read(const PeerKey& peer, std::span<const MessageId> ids, std::int64_t now_ms,
                               std::vector<MessageId>& changed);

    // Link-local XMPP buddies (docs/PROTOCOL.md §15) ---------------------------
    // Makes or refreshes the buddy's row (its messages use the messages table
    // under the same synthetic key), then keeps at most kMaxLinkLocalBuddies
    // rows: the least recently seen without messages are forgotten first.
    StoreError touch_link_local_buddy(const LinkLocalBuddyRow& buddy);
    std::vector<LinkLocalBuddyRow> link_local_buddies() const;

    // Rooms ----------------------------------------------------------------
    // Inserts or replaces the room's row.
    StoreError put_room(const StoredRoom& room);
    std::optional<StoredRoom> room(const RoomId& id) const;
    std::vector<StoredRoom> rooms() const;
    // Forgets a room, its log and its peer_have (a declined invitation, a left
    // room purged), in one statement.
    StoreError forget_room(const RoomId& id);
    StoreError add_unread(const RoomId& id, std::uint32_t n);
    StoreError clear_unread(const RoomId& id);
    // Stores an entry durably; (room, author, seq) is unique: duplicate_id when held.
    // A text entry's body is indexed for search in the same transaction.
    StoreError add_room_entry(const StoredEntry& e);
    // The whole log in log order (lamport, author, seq): replayed at start.
    std::vector<StoredEntry> room_entries(const RoomId& room) const;
    // The author's entries from first_seq on, at most limit, in seq order.
    std::vector<StoredEntry> room_entries_from(const RoomId& room, const PeerKey& author, std::uint64_t first_seq,
                                               std::size_t limit) const;
    // The newest limit text entries in log order, oldest first; before_lamport
    // pages back (texts whose lamport is below it).
    std::vector<StoredEntry> room_texts(const RoomId& room, std::size_t limit,
                                        std::uint64_t before_lamport = UINT64_MAX) const;
    // What a member told us it holds of author's entries (sync, ack): kept as the maximum.
    StoreError set_peer_have(const RoomId& room, const PeerKey& member, const PeerKey& author, std::uint64_t seq);
    // member -> highest seq of author's entries it said it holds.
    std::vector<std::pair<PeerKey, std::uint64_t>> peer_haves(const RoomId& room, const PeerKey& author) const;

    // Search (core/search_query.hpp) -----------------------------------------
    // The stored texts holding every word of text (word prefixes; case and
    // accents ignored), newest first by local time stored, at most limit
    // (1..kMaxSearchLimit): one-to-one texts, only peer's when given, and,
    // without peer, texts of rooms we are or were a member of (not mere
    // invitations). more: others matched too. nullopt and a one-line error
    // when text is not searchable (search_match_expression) or SQLite failed.
    std::optional<std::vector<StoredHit>> search(std::string_view text, const std::optional<PeerKey>& peer,
                                                 std::size_t limit, bool& more, std::string& error) const;

    // File transfers ---------------------------------------------------------
    // Inserts or replaces the transfer (peer, direction, id) and its files in
    // one transaction (a savepoint: also inside a Batch); files beyond
    // t.files.size() are dropped. Rows left unchanged are not rewritten, so
    // saving after every few chunks writes about the bitmaps that changed.
    // too_large, with nothing written, when a field is over its kMaxStored* bound.
    StoreError save_transfer(const StoredTransfer& t, std::int64_t now_ms);
    // Forgets the transfer and its files; ok when unknown.
    StoreError forget_transfer(const PeerKey& peer, Direction direction, const TransferId& id);
    // Every transfer with its files, oldest (created_ms) first.
    std::vector<StoredTransfer> transfers() const;

private:
    Store() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hallway::core
