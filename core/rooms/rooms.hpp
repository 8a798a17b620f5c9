#pragma once
// The rooms a node is in: commands (create, invite, join, leave, remove,
// send), the store-and-forward exchange between members (docs/PROTOCOL.md
// §11.5), receipts and open-room listings. It owns the rooms' RoomStates and
// their rows in the Store; it reaches the network only through RoomsPort, so
// it is tested without sockets. Runs on the network thread.
#include "core/events.hpp"
#include "core/outbox.hpp"
#include "core/rooms/room_state.hpp"
#include "core/store.hpp"
#include "crypto/rng.hpp"
#include "crypto/signing.hpp"
#include "transport/messages.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace hallway::core::rooms {

// Invitations held at once, waiting for their person's decision: one peer
// cannot fill the list, the disk or the window with invitations.
inline constexpr std::size_t kMaxInvitations = 64;
// Rooms a profile is in (joined or left with its log kept).
inline constexpr std::size_t kMaxRooms = 256;
// Open rooms remembered from listings (several members list the same room).
inline constexpr std::size_t kMaxOpenRoomsHeard = 256;
// Entries sent in answer to one room_sync (§11.5); the asker asks again.
inline constexpr std::size_t kMaxSyncBatch = 256;
// A member that has not confirmed our entries in a live session is asked
// again after this, doubling up to the maximum (a full disk frees up later;
// docs/PROTOCOL.md §11.5, "Asking again").
inline constexpr std::chrono::seconds kResyncMin{2};
inline constexpr std::chrono::seconds kResyncMax{30};

// What the rooms need from the node: sessions, peers, events.
class RoomsPort {
public:
    virtual ~RoomsPort() = default;
    virtual bool has_session(const PeerKey& peer) const = 0;
    // Sends on the peer's session; false when it could not be queued.
    virtual bool send(const PeerKey& peer, const transport::AppMessage& message) = 0;
    // The peer should be reached: dial it now if it is here and not connected.
    virtual void reach(const PeerKey& peer) = 0;
    // Whether rooms must keep a session with the peer (pending() changed).
    virtual void pending_changed(const PeerKey& peer) = 0;
    virtual bool online(const PeerKey& peer) const = 0;
    // The peer's Ed25519 key from its Hello (it speaks rooms), if known.
    virtual std::optional<crypto::SignPublicKey> sign_key(const PeerKey& peer) const = 0;
    // Nick, fingerprint, trust, presence and impostor flag of any key.
    virtual RoomMemberView member_view(const PeerKey& peer) const = 0;
    virtual void emit(const Event& event) = 0;
    virtual std::int64_t now_ms() const = 0;
};

class Rooms {
public:
    Rooms(Store& store, const PeerKey& me, const crypto::SigningKey& signing, crypto::Rng rng, RoomsPort& port);

    // Replays every room's log from the store. Errors become notices.
    void load();

    // Commands: false / nullopt and a one-line error when refused.
    std::optional<RoomId> create(std::string_view name, bool open, std::string_view topic, std::string& error);
    bool invite(const RoomId& room, const PeerKey& peer, std::string& error);
    bool join(const RoomId& room, std::string& error);
    bool leave(const RoomId& room, std::string& error);
    bool remove(const RoomId& room, const PeerKey& peer, std::string& error);
    bool make_admin(const RoomId& room, const PeerKey& peer, std::string& error);
    bool set(const RoomId& room, std::string_view name, std::string_view topic, bool open, std::string& error);
    std::optional<MessageId> send_text(const RoomId& room, std::string_view body, std::string& error);
    void query_open_rooms(const std::vector<PeerKey>& peers);

    std::vector<RoomView> views() const;
    std::optional<RoomView> view(const RoomId& room) const;
    std::optional<RoomId> resolve(std::string_view name_or_id, std::string& error) const;
    std::vector<RoomMessage> history(const RoomId& room, std::size_t limit) const;
    void mark_read(const RoomId& room);
    std::vector<OpenRoom> open_rooms() const;
    // A room text a search found, as the room shows it (its name, the author's
    // nick): nullopt when the room is not ours or the text is not shown.
    std::optional<SearchHit> search_hit(const StoredHit& hit) const;

    // The network.
    void on_session_up(const PeerKey& peer);
    // The peer came online (a session or its announcement): a member that
    // lacks what we hold is reached, so it catches up even if the author left.
    void on_online(const PeerKey& peer);
    void handle(const PeerKey& from, const transport::RoomEntry& m);
    void handle(const PeerKey& from, const transport::RoomSync& m);
    void handle(const PeerKey& from, const transport::RoomAck& m);
    void handle(const PeerKey& from, const transport::RoomInvite& m);
    void handle(const PeerKey& from, const transport::RoomJoin& m);
    void handle(const PeerKey& from, const transport::RoomsQuery& m);
    void handle(const PeerKey& from, const transport::RoomsList& m);
    // Asks again, within live sessions, members that have not confirmed our
    // entries (kResyncMin..kResyncMax). Returns when it next wants to run.
    std::chrono::steady_clock::time_point tick(std::chrono::steady_clock::time_point now);

    // Rooms need a session with this peer: it lacks entries we wrote, or an
    // invitation or a join request waits for it.
    bool pending(const PeerKey& peer) const;
    // Writes the receipts gathered since the last tick (tick() calls it; the
    // node also does when it stops).
    void save();
    std::vector<PeerKey> pending_peers() const;

private:
    struct Room {
        StoredRoom row;
        std::optional<RoomState> state;  // none yet for an invitation
    };
    struct Resync {
        std::chrono::steady_clock::time_point due{};
        std::chrono::seconds backoff = kResyncMin;
    };
    // The member we are catching up from in a room, since when, and what it
    // said it holds once heard (or the entry that showed a gap).
    struct Pull {
        PeerKey peer;
        std::chrono::steady_clock::time_point since{};
        std::optional<VersionVector> theirs;
    };

    Room* find(const RoomId& id);
    const Room* find(const RoomId& id) const;
    Room* joined_member_room(const RoomId& id, std::string& error);
    // Signs, stores, applies and pushes a new entry of ours.
    std::optional<SignedEntry> write(Room& room, Entry entry, std::string& error);
    // Accepted by check(): stored, applied, shown. False when the store failed.
    bool accept(Room& room, const SignedEntry& s, const Entry& e, const PeerKey& from);
    void push(const Room& room, const SignedEntry& s, const PeerKey& skip);
    void send_sync(const Room& room, const PeerKey& peer);
    void answer_sync(const Room& room, const PeerKey& peer, const VersionVector& theirs);
    // Asks the peer for what we lack (room_sync), unless we are catching up
    // from another member of the room: then the ask waits its turn.
    void ask(const Room& room, const PeerKey& peer, std::optional<VersionVector> theirs);
    void start_pull(const Room& room, const PeerKey& peer, std::chrono::steady_clock::time_point now,
                    std::optional<VersionVector> theirs);
    // The pull is over when we hold what its member said it holds.
    void pull_progressed(const Room& room);
    // The next member to catch up from, among those held back; the others
    // that hold nothing we lack get the room_sync we owe them. `any`: also
    // one not heard from yet (the last pull failed).
    void next_pull(const Room& room, std::chrono::steady_clock::time_point now, bool any);
    bool ahead(const Room& room, const std::optional<VersionVector>& theirs) const;
    void record_have(const Room& room, const PeerKey& member, const PeerKey& author, std::uint64_t seq);
    bool lags(const Room& room, const PeerKey& member) const;
    std::uint64_t peer_have(const RoomId& room, const PeerKey& member, const PeerKey& author) const;
    bool lags_on_ours(const Room& room, const PeerKey& member) const;
    void refresh_pending(const PeerKey& peer);
    void room_changed(const Room& room);
    RoomView make_view(const Room& room) const;
    RoomMessage make_message(const Room& room, const StoredEntry& row, const Entry& e) const;
    std::pair<std::uint32_t, std::uint32_t> delivery(const Room& room, std::uint64_t seq) const;
    std::string describe(const Room& room, const Entry& e) const;
    std::string room_label(const Room& room) const;
    std::string nick_of(const Room& room, const PeerKey& key) const;
    void no_longer_member(Room& room);

    Store& store_;
    PeerKey me_;
    const crypto::SigningKey& signing_;
    crypto::Rng rng_;
    RoomsPort& port_;
    std::map<RoomId, Room> rooms_;
    // Invitations to send when a session with the peer comes up.
    std::map<PeerKey, std::set<RoomId>> invites_to_send_;
    // Open rooms we asked to join, and the member we asked.
    std::map<RoomId, PeerKey> joins_asked_;
    // Syncs sent and not answered yet, so a burst of pushes with a gap asks once.
    std::set<std::pair<PeerKey, RoomId>> awaiting_;
    // Peers asked which open rooms they are in, waiting for a session.
    std::set<PeerKey> queries_to_send_;
    std::map<RoomId, OpenRoom> heard_;
    std::map<RoomId, std::set<PeerKey>> heard_from_;  // members that listed each open room
    // Our entries' total when we last asked a member: an ask that brought
    // nothing is not repeated until something changes.
    std::map<std::pair<PeerKey, RoomId>, std::uint64_t> synced_at_;
    StoreTrouble store_trouble_;  // authors whose entries we could not store, per room
    std::map<std::pair<PeerKey, RoomId>, Resync> resync_;
    // One pull per room at a time, so a member coming back gets each entry
    // about once, not from every holder (docs/PROTOCOL.md §11.5, "Catching
    // up"); the members whose room_sync waits meanwhile, with what they said
    // they hold once heard.
    std::map<RoomId, Pull> pulls_;
    std::map<RoomId, std::map<PeerKey, std::optional<VersionVector>>> held_back_;
    // What each member told us it holds: room -> author -> member -> seq
    // (the store's peer_have, read at load), and what is not saved yet.
    std::map<RoomId, std::map<PeerKey, std::map<PeerKey, std::uint64_t>>> haves_;
    std::set<std::tuple<RoomId, PeerKey, PeerKey>> unsaved_;  // room, member, author
};

}  // namespace hallway::core::rooms
