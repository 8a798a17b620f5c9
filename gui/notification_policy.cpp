#include "gui/notification_policy.hpp"

#include "gui/message_labels.hpp"

#include <algorithm>

namespace hallway::gui {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // …

// Length of the valid UTF-8 sequence at text[i], 0 when it is not one
// (overlong forms, surrogates and values past U+10FFFF are not).
std::size_t utf8_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b = byte(i);
    if (b < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (b >= 0xC2 && b <= 0xDF) n = 2;
    else if (b == 0xE0) n = 3, lo = 0xA0;
    else if (b == 0xED) n = 3, hi = 0x9F;
    else if (b >= 0xE1 && b <= 0xEF) n = 3;
    else if (b == 0xF0) n = 4, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3) n = 4;
    else if (b == 0xF4) n = 4, hi = 0x8F;
    else return 0;
    if (i + n > text.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    return n;
}

bool notifications_wanted(const Model& model, const NotificationContext& context) {
    if (context.window_focused || !model.own) return false;
    if (model.own->notifications == core::Notifications::off) return false;
    return model.own->presence != "busy";  // busy is "do not disturb"
}

bool blocked(const Model& model, const PeerKey& key) {
    auto it = model.peers.find(key);
    return it != model.peers.end() && it->second.trust == core::Trust::blocked;
}

Notification hidden(ConversationRef conversation) {
    return Notification{std::move(conversation), std::string(kHiddenSummary), std::string(kHiddenBody)};
}

}  // namespace

std::string one_line_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        if (n == 0) {
            out += kReplacement;
            ++i;
            continue;
        }
        const unsigned char b = static_cast<unsigned char>(text[i]);
        if (n == 1 && (b < 0x20 || b == 0x7F))
            out += ' ';
        else
            out.append(text.substr(i, n));
        i += n;
    }
    return out;
}

std::string first_line(std::string_view text, std::size_t max_bytes) {
    // Leading blank lines say nothing: the first line with something on it.
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        if (text.substr(start, end - start).find_first_not_of(" \t\r") != std::string_view::npos) break;
        start = end + 1;
    }
    if (start >= text.size()) return {};
    std::string_view line = text.substr(start);
    line = line.substr(0, line.find('\n'));
    std::string clean = one_line_utf8(line);
    while (!clean.empty() && clean.back() == ' ') clean.pop_back();
    if (clean.size() <= max_bytes) return clean;
    std::size_t cut = max_bytes;
    // Back to the start of a character (continuation bytes are 10xxxxxx).
    while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80) --cut;
    clean.resize(cut);
    clean += kEllipsis;
    return clean;
}

std::string escape_markup(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            default: out += c;
        }
    }
    return out;
}

std::optional<Notification> notification_for(const Model& model, const NotificationContext& context,
                                             const core::StoredMessage& message) {
    if (message.direction != core::Direction::in || !notifications_wanted(model, context)) return std::nullopt;
    if (blocked(model, message.peer)) return std::nullopt;
    if (model.own->notifications == core::Notifications::hidden) return hidden(message.peer);
    std::string summary = "Someone";  // a peer the model has not heard of yet
    if (auto it = model.peers.find(message.peer); it != model.peers.end()) {
        summary = display_name(model, it->second);
        // A name a verified contact also has, from another key: say so.
        if (badge(it->second) == Badge::warning) summary += " (not your verified contact)";
        // A link-local XMPP buddy: the notification is where a person may read it first.
        if (const auto security = security_badge(it->second); !security.empty())
            summary += " (" + std::string(security) + ")";
    }
    return Notification{message.peer, one_line_utf8(summary), first_line(message.body, kNotificationBodyBytes)};
}

std::optional<Notification> notification_for(const Model& model, const NotificationContext& context,
                                             const core::RoomMessage& message) {
    if (message.mine || !message.text || !notifications_wanted(model, context)) return std::nullopt;
    auto room = model.rooms.find(message.room);
    if (room == model.rooms.end() || room->second.membership != core::RoomMembership::joined) return std::nullopt;
    if (blocked(model, message.author) || author_badge(model, room->second, message.author) == Badge::blocked)
        return std::nullopt;
    if (model.own->notifications == core::Notifications::hidden) return hidden(message.room);
    std::string author = message.author_nick.empty() ? "Someone" : message.author_nick;
    if (auto it = model.peers.find(message.author); it != model.peers.end()) author = display_name(model, it->second);
    return Notification{message.room, one_line_utf8(author + " in #" + room->second.name),
                        first_line(message.body, kNotificationBodyBytes)};
}

std::uint32_t NotificationSlots::replaces(const ConversationRef& conversation) const {
    auto it = ids_.find(conversation);
    return it == ids_.end() ? 0 : it->second.id;
}

void NotificationSlots::shown(const ConversationRef& conversation, std::uint32_t id) {
    if (id == 0) return;
    // Another conversation's slot may hold this id (the server reused it): it is ours now.
    closed(id);
    ids_[conversation] = Slot{id, next_order_++};
    if (ids_.size() <= kMaxNotificationSlots) return;
    auto oldest = std::min_element(ids_.begin(), ids_.end(),
                                   [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
    ids_.erase(oldest);
}

std::optional<ConversationRef> NotificationSlots::conversation_of(std::uint32_t id) const {
    if (id == 0) return std::nullopt;
    for (const auto& [conversation, slot] : ids_)
        if (slot.id == id) return conversation;
    return std::nullopt;
}

void NotificationSlots::closed(std::uint32_t id) {
    std::erase_if(ids_, [id](const auto& entry) { return entry.second.id == id; });
}

}  // namespace hallway::gui
