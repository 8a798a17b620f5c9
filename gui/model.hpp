#pragma once
// What the window shows, as plain data: fed only by core::Event (apply), read
// by the panels. Pure: no ImGui, no node, no clock (callers pass now_ms), so it
// is unit-tested on its own. Lives on the UI thread.
#include "core/events.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::gui {

using core::PeerKey;

// Notices kept for the log area; older ones scroll away (a spoofing peer could
// otherwise grow the list without bound).
inline constexpr std::size_t kMaxNotices = 200;

struct Conversation {
    // false until HistoryLoaded: messages that arrive before are counted as
    // unread but not kept, the history brings them.
    bool loaded = false;
    std::vector<core::StoredMessage> messages;  // oldest first (store seq order)
};

// A room's conversation, as Conversation: texts and membership lines in log
// order (lamport, then author), each entry once.
struct RoomConversation {
    bool loaded = false;
    std::vector<core::RoomMessage> messages;
};

// Transfers that ended (done or failed) kept for the panels; the oldest ended
// are forgotten first. Unended ones are bounded by the node (offers it takes).
inline constexpr std::size_t kMaxEndedTransfers = 32;
// The rate is the progress over about this long, so one late event does not
// swing it; at most kMaxRateSamples progress events are kept for it.
inline constexpr std::int64_t kRateWindowMs = 5000;
inline constexpr std::size_t kMaxRateSamples = 64;
// No progress for this long: "stalled" rather than a rate that is no more.
inline constexpr std::int64_t kStallMs = 4000;
// Names shown for a transfer before "and N more".
inline constexpr std::size_t kShownNames = 3;

struct RateSample {
    std::uint64_t bytes = 0;
    std::int64_t ms = 0;
};
struct Transfer {
    core::TransferView view;
    std::string names;                // files_label(view), made once: the file list does not change
    std::deque<RateSample> samples;   // while active: progress seen, oldest first
    std::uint64_t ended_seq = 0;      // nonzero once ended: the order transfers ended in
};

struct Model {
    std::optional<core::OwnIdentity> own;
    std::map<PeerKey, core::PeerView> peers;
    std::map<PeerKey, Conversation> conversations;
    std::map<core::RoomId, core::RoomView> rooms;  // joined, invited to, or left but not forgotten
    std::map<core::RoomId, RoomConversation> room_conversations;
    // The last OpenRoomsListed: what query_open_rooms heard of.
    std::vector<core::OpenRoom> open_rooms;
    std::deque<core::Notice> notices;
    std::uint64_t notices_dropped = 0;  // dropped from the front: notices[i] is number i + notices_dropped
    // Counts every incoming message ever applied, so the window can tell that
    // one arrived since the last frame (attention request).
    std::uint64_t incoming_count = 0;
    std::map<std::uint64_t, Transfer> transfers;  // by TransferView::id
    std::uint64_t transfers_ended = 0;             // the last ended_seq given
    std::set<PeerKey> typing;                      // peers typing to us now (TypingChanged)
    std::optional<core::SearchDone> search;        // the last search's answer
};

// Folds one event into the model. now_ms (a steady clock) times transfer
// progress, for the rate; other events ignore it.
void apply(Model& model, const core::Event& event, std::int64_t now_ms = 0);

// Files ----------------------------------------------------------------------
bool ended(core::TransferState s);
// "512 B", "12.3 MiB".
std::string size_label(std::uint64_t bytes);
// "0:03", "12:05", "1:02:03".
std::string duration_label(std::uint64_t seconds);
// The top-level names of a transfer, folders with a trailing "/": the first
// kShownNames, then "and N more". Control characters become '?' (one line).
std::string files_label(const core::TransferView& v);
// Bytes per second over the recent samples; 0 when not known yet, or stalled
// (no progress for kStallMs before now_ms).
double transfer_rate(const Transfer& t, std::int64_t now_ms);
// What a panel shows of a transfer: the bar's fraction and the line above it,
// e.g. "12.3 MiB of 40.0 MiB, 8.2 MiB/s, 0:03 left".
struct TransferLine {
    float fraction = 0.0f;
    std::string text;
};
TransferLine transfer_line(const Transfer& t, std::int64_t now_ms);
// The transfers with peer (every one when peer is null): unended first, by
// id; then ended, the latest ended first.
std::vector<const Transfer*> ordered_transfers(const Model& model, const PeerKey* peer = nullptr);
// The person clears an ended transfer from the lists (unended ones stay).
void forget_transfer(Model& model, std::uint64_t id);
// Where files dropped on the window go: the peer of the one-to-one
// conversation on screen, if it can take them; else why not, in words.
struct DropTarget {
    std::optional<PeerKey> peer;
    std::string why;
};
DropTarget drop_target(const Model& model, const std::optional<PeerKey>& conversation, bool room_shown);

// The conversation with peer is on screen and read: zero its unread count now
// rather than when the node's PeerChanged confirms the mark_read.
void clear_unread(Model& model, const PeerKey& peer);

// The room is on screen and read (as clear_unread).
void clear_room_unread(Model& model, const core::RoomId& room);

// What the rooms list shows, in order: invitations first (they wait for an
// answer), then joined rooms, then rooms left; within each by name
// (case-insensitive), then id.
std::vector<const core::RoomView*> ordered_rooms(const Model& model);

// A room's members as the members panel lists them: the creator, admins,
// then the rest; within each online first, then by nick (case-insensitive).
std::vector<const core::RoomMemberView*> ordered_members(const core::RoomView& room);

// Whom the invite dialog offers: buddies not in the room, not blocked, that
// can (PeerView::rooms) or cannot join rooms; each list in buddy order.
struct InviteChoices {
    std::vector<const core::PeerView*> can;
    std::vector<const core::PeerView*> cannot;
};
InviteChoices invite_choices(const Model& model, const core::RoomId& room);

// Why a room name and topic would be refused (empty: fine), checked before
// the node is asked, with the bounds of core/rooms/entry.hpp.
std::string room_form_error(std::string_view name, std::string_view topic);

// What the buddy list shows, in order: online peers first, then known contacts
// that are offline; strangers that went offline are left out. Within each
// group by nick (case-insensitive), then fingerprint. Only peers matching
// filter (see matches_filter) are returned.
std::vector<const core::PeerView*> ordered_buddies(const Model& model, std::string_view filter);

// Filter-as-you-type: empty matches all; else a case-insensitive substring of
// the nick, or a prefix of the fingerprint (spaces in filter ignored there).
bool matches_filter(const core::PeerView& peer, std::string_view filter);

// The badge a buddy wears. warning: its name is also a verified contact's with
// another key (impostor or key change), the person must look.
enum class Badge { unverified, verified, blocked, warning };
Badge badge(const core::PeerView& peer);
Badge badge(const core::RoomMemberView& member);
// The badge of a room message's author: as a current member, else as a buddy,
// else unverified (a member gone since, never met).
Badge author_badge(const Model& model, const core::RoomView& room, const PeerKey& author);
std::string_view to_string(Badge b);

// Another buddy shown under the same nick (case-insensitive): the list then
// adds a fingerprint prefix so the two can be told apart.
bool nick_shared(const Model& model, const core::PeerView& peer);
// Nick, or "nick (12345)" when nick_shared, or the fingerprint's first group
// when the nick is empty; for a link-local XMPP buddy its instance (user@host)
// in place of the fingerprint.
std::string display_name(const Model& model, const core::PeerView& peer);

// Unread messages in conversations and joined rooms.
std::uint32_t total_unread(const Model& model);
// "Hallway" or "Hallway (3 unread)".
std::string window_title(std::uint32_t unread);

// "12345 67890 ..." : digits in groups of 5, as people compare them aloud.
std::string group_digits(std::string_view digits);

// Delivery state of one of our messages as shown next to it.
std::string_view state_label(core::MessageState s);
// Delivery of one of our room messages: "delivered to 2 of 3" (members other
// than us that hold it); "" when we are alone in the room.
std::string delivery_label(const core::RoomMessage& m);
// "alice invited you": the inviter as the buddy list names it, else the nick
// the node gave.
std::string invitation_label(const Model& model, const core::RoomView& room);

// Local calendar day of a timestamp, for day separators: equal days, equal key.
std::int64_t day_key(std::int64_t ms);
// "Today", "Yesterday", or e.g. "Mon 3 Jun 2024" (local time).
std::string day_label(std::int64_t ms, std::int64_t now_ms);
// "14:05" local time.
std::string clock_label(std::int64_t ms);

}  // namespace hallway::gui
