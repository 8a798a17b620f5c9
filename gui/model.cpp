#include "gui/model.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <tuple>
#include <type_traits>

namespace hallway::gui {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Ids are unique per sender: in one conversation the peer's and ours may meet.
std::vector<core::StoredMessage>::iterator find_message(Conversation& c, core::Direction direction,
                                                        const core::MessageId& id) {
    return std::find_if(c.messages.begin(), c.messages.end(),
                        [&](const auto& m) { return m.direction == direction && m.id == id; });
}

void on(Model& model, const core::PeerChanged& e) { model.peers[e.peer.key] = e.peer; }

void on(Model& model, const core::MessageAdded& e) {
    const auto& m = e.message;
    if (m.direction == core::Direction::in) {
        ++model.incoming_count;
        // The node follows with a PeerChanged carrying its own count; counting
        // here too keeps the badge right between the two events.
        auto peer = model.peers.find(m.peer);
        if (peer != model.peers.end()) ++peer->second.unread;
    }
    auto conv = model.conversations.find(m.peer);
    if (conv == model.conversations.end() || !conv->second.loaded) return;
    auto& msgs = conv->second.messages;
    if (auto it = find_message(conv->second, m.direction, m.id); it != msgs.end()) {
        *it = m;
        return;
    }
    // Keep store order even if an event overtakes another.
    auto pos = std::upper_bound(msgs.begin(), msgs.end(), m.seq, [](std::int64_t seq, const auto& x) { return seq < x.seq; });
    msgs.insert(pos, m);
}

void on(Model& model, const core::MessageStateChanged& e) {
    auto conv = model.conversations.find(e.peer);
    if (conv == model.conversations.end()) return;
    // Only our messages change state.
    auto it = find_message(conv->second, core::Direction::out, e.id);
    if (it == conv->second.messages.end()) return;
    // delivered is final in the store too: a late "sent" must not undo it.
    if (it->state == core::MessageState::delivered) return;
    it->state = e.state;
}

void on(Model& model, const core::HistoryLoaded& e) {
    auto& conv = model.conversations[e.peer];
    conv.loaded = true;
    conv.messages = e.messages;
    std::stable_sort(conv.messages.begin(), conv.messages.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    if (auto peer = model.peers.find(e.peer); peer != model.peers.end()) peer->second.unread = 0;
}

void on(Model& model, const core::OwnIdentity& e) { model.own = e; }

void on(Model& model, const core::Notice& e) {
    model.notices.push_back(e);
    while (model.notices.size() > kMaxNotices) {
        model.notices.pop_front();
        ++model.notices_dropped;
    }
}

// Room events: the window's rooms panel is not there yet (issue 14).
template <class RoomEvent>
void on(Model&, const RoomEvent&) {}

std::tm local_tm(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm;
}

}  // namespace

void apply(Model& model, const core::Event& event) {
    std::visit([&](const auto& e) { on(model, e); }, event);
}

void clear_unread(Model& model, const PeerKey& peer) {
    if (auto it = model.peers.find(peer); it != model.peers.end()) it->second.unread = 0;
}

bool matches_filter(const core::PeerView& peer, std::string_view filter) {
    if (filter.empty()) return true;
    if (lower(peer.nick).find(lower(filter)) != std::string::npos) return true;
    std::string digits;
    for (char c : filter)
        if (c != ' ') digits += c;
    return !digits.empty() && peer.fingerprint.compare(0, digits.size(), digits) == 0;
}

std::vector<const core::PeerView*> ordered_buddies(const Model& model, std::string_view filter) {
    std::vector<const core::PeerView*> out;
    for (const auto& [key, peer] : model.peers)
        if ((peer.online || peer.known) && matches_filter(peer, filter)) out.push_back(&peer);
    std::sort(out.begin(), out.end(), [](const core::PeerView* a, const core::PeerView* b) {
        return std::tuple(!a->online, lower(a->nick), a->fingerprint) < std::tuple(!b->online, lower(b->nick), b->fingerprint);
    });
    return out;
}

Badge badge(const core::PeerView& peer) {
    if (peer.trust == core::Trust::blocked) return Badge::blocked;
    if (peer.name_clash) return Badge::warning;
    return peer.trust == core::Trust::verified ? Badge::verified : Badge::unverified;
}

std::string_view to_string(Badge b) {
    switch (b) {
        case Badge::unverified: return "unverified";
        case Badge::verified: return "verified";
        case Badge::blocked: return "blocked";
        case Badge::warning: return "name clash";
    }
    return "?";
}

bool nick_shared(const Model& model, const core::PeerView& peer) {
    const std::string mine = lower(peer.nick);
    for (const auto& [key, other] : model.peers)
        if (key != peer.key && (other.online || other.known) && lower(other.nick) == mine) return true;
    return false;
}

std::string display_name(const Model& model, const core::PeerView& peer) {
    const std::string prefix = peer.fingerprint.substr(0, 5);
    if (peer.nick.empty()) return prefix;
    if (nick_shared(model, peer)) return peer.nick + " (" + prefix + ")";
    return peer.nick;
}

std::uint32_t total_unread(const Model& model) {
    std::uint32_t n = 0;
    for (const auto& [key, peer] : model.peers) n += peer.unread;
    return n;
}

std::string window_title(std::uint32_t unread) {
    if (unread == 0) return "Hallway";
    return "Hallway (" + std::to_string(unread) + " unread)";
}

std::string group_digits(std::string_view digits) {
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && i % 5 == 0) out += ' ';
        out += digits[i];
    }
    return out;
}

std::string_view state_label(core::MessageState s) {
    switch (s) {
        case core::MessageState::queued: return "queued";
        case core::MessageState::sent: return "sent";
        case core::MessageState::delivered: return "delivered";
        case core::MessageState::failed: return "failed";
    }
    return "?";
}

std::int64_t day_key(std::int64_t ms) {
    std::tm tm = local_tm(ms);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

std::string day_label(std::int64_t ms, std::int64_t now_ms) {
    constexpr std::int64_t kDayMs = 24 * 60 * 60 * 1000;
    const std::int64_t day = day_key(ms);
    if (day == day_key(now_ms)) return "Today";
    // Noon yesterday is on yesterday's date whatever the DST shift.
    std::tm now = local_tm(now_ms);
    const std::int64_t noon_today = now_ms - ((now.tm_hour - 12) * 3600 + now.tm_min * 60 + now.tm_sec) * 1000LL;
    if (day == day_key(noon_today - kDayMs)) return "Yesterday";
    std::tm tm = local_tm(ms);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a %e %b %Y", &tm);
    std::string out(buf);
    // %e pads single-digit days with a space.
    if (auto p = out.find("  "); p != std::string::npos) out.erase(p, 1);
    return out;
}

std::string clock_label(std::int64_t ms) {
    std::tm tm = local_tm(ms);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M", &tm);
    return buf;
}

}  // namespace hallway::gui
