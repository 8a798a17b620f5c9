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

struct Model {
    std::optional<core::OwnIdentity> own;
    std::map<PeerKey, core::PeerView> peers;
    std::map<PeerKey, Conversation> conversations;
    std::deque<core::Notice> notices;
    std::uint64_t notices_dropped = 0;  // dropped from the front: notices[i] is number i + notices_dropped
    // Counts every incoming message ever applied, so the window can tell that
    // one arrived since the last frame (attention request).
    std::uint64_t incoming_count = 0;
};

// Folds one event into the model.
void apply(Model& model, const core::Event& event);

// The conversation with peer is on screen and read: zero its unread count now
// rather than when the node's PeerChanged confirms the mark_read.
void clear_unread(Model& model, const PeerKey& peer);

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
std::string_view to_string(Badge b);

// Another buddy shown under the same nick (case-insensitive): the list then
// adds a fingerprint prefix so the two can be told apart.
bool nick_shared(const Model& model, const core::PeerView& peer);
// Nick, or "nick (12345)" when nick_shared, or the fingerprint's first group
// when the nick is empty.
std::string display_name(const Model& model, const core::PeerView& peer);

std::uint32_t total_unread(const Model& model);
// "Hallway" or "Hallway (3 unread)".
std::string window_title(std::uint32_t unread);

// "12345 67890 ..." : digits in groups of 5, as people compare them aloud.
std::string group_digits(std::string_view digits);

// Delivery state of one of our messages as shown next to it.
std::string_view state_label(core::MessageState s);

// Local calendar day of a timestamp, for day separators: equal days, equal key.
std::int64_t day_key(std::int64_t ms);
// "Today", "Yesterday", or e.g. "Mon 3 Jun 2024" (local time).
std::string day_label(std::int64_t ms, std::int64_t now_ms);
// "14:05" local time.
std::string clock_label(std::int64_t ms);

}  // namespace hallway::gui
