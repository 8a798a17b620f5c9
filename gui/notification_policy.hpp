#pragma once
// What the desktop is told when a message arrives (issue 18): whether to
// notify at all, and the summary and body of the notification. Pure: the
// window hands it the model, its focus and the new message; the notifier
// (desktop_notifier.hpp) only carries the answer to D-Bus.
#include "gui/model.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace hallway::gui {

// A one-to-one conversation (the peer) or a room: what a click opens, and
// the unit a notification replaces its predecessor in.
using ConversationRef = std::variant<PeerKey, core::RoomId>;

// The body's first line is cut to about this many bytes (on a character
// boundary), so a long text does not fill the screen.
inline constexpr std::size_t kNotificationBodyBytes = 120;
// Summary and body when the person chose to hide name and text.
inline constexpr std::string_view kHiddenSummary = "Hallway";
inline constexpr std::string_view kHiddenBody = "New message";

struct Notification {
    ConversationRef conversation;
    std::string summary;  // plain text, one line
    std::string body;     // plain text, one line: escape_markup before sending to a server with body-markup
};

// The window's side of the decision.
struct NotificationContext {
    bool window_focused = false;
};

// A new incoming one-to-one message: nothing while the window is focused,
// the setting is off, our presence is busy ("do not disturb"), or the peer is
// blocked; else a notification (hidden: no name, no text). A link-local XMPP
// buddy's name carries the unencrypted badge.
std::optional<Notification> notification_for(const Model& model, const NotificationContext& context,
                                             const core::StoredMessage& message);
// A room text from another member, by the same rules (a blocked author: none).
std::optional<Notification> notification_for(const Model& model, const NotificationContext& context,
                                             const core::RoomMessage& message);

// The first line of text, control characters made spaces, invalid UTF-8
// replaced, cut to at most max_bytes (plus "…" when cut) on a character boundary.
std::string first_line(std::string_view text, std::size_t max_bytes);
// Text as valid UTF-8 on one line: control characters become spaces, bytes
// that are not UTF-8 become U+FFFD (D-Bus refuses strings that are not UTF-8).
std::string one_line_utf8(std::string_view text);
// & < > as entities: the notification spec's body may hold markup, peer text
// must not become markup.
std::string escape_markup(std::string_view text);

// Which notification id the server gave each conversation's last
// notification, so the next one replaces it (replaces_id), and which
// conversation a clicked id belongs to. Bounded: the oldest are forgotten.
inline constexpr std::size_t kMaxNotificationSlots = 64;
class NotificationSlots {
public:
    // The id a new notification for conversation replaces; 0: none.
    std::uint32_t replaces(const ConversationRef& conversation) const;
    // The server showed conversation's notification under id.
    void shown(const ConversationRef& conversation, std::uint32_t id);
    // The conversation a notification id (ActionInvoked) belongs to.
    std::optional<ConversationRef> conversation_of(std::uint32_t id) const;
    // The server closed id (NotificationClosed): the next one is new.
    void closed(std::uint32_t id);
    std::size_t size() const { return ids_.size(); }

private:
    struct Slot {
        std::uint32_t id = 0;
        std::uint64_t order = 0;  // when shown: the smallest is forgotten first
    };
    std::map<ConversationRef, Slot> ids_;
    std::uint64_t next_order_ = 0;
};

}  // namespace hallway::gui
