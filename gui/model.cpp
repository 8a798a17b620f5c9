#include "gui/model.hpp"

#include "core/rooms/entry.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <iterator>
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

void on(Model& model, const core::PeerChanged& e) {
    model.peers[e.peer.key] = e.peer;
    // The node sends a room's view when the room changes, not when a member's
    // trust or presence does: the buddy's news is the newer, for every room.
    for (auto& [id, room] : model.rooms)
        for (auto& m : room.members)
            if (m.key == e.peer.key) {
                m.online = e.peer.online;
                m.trust = e.peer.trust;
                m.name_clash = e.peer.name_clash;
                if (!e.peer.nick.empty()) m.nick = e.peer.nick;
            }
}

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
    // The peer showed it (docs/PROTOCOL.md §14): "seen", once.
    if (e.read_at_ms > 0 && it->read_at_ms == 0) it->read_at_ms = e.read_at_ms;
    // delivered is final in the store too: a late "sent" must not undo it.
    if (it->state == core::MessageState::delivered) return;
    it->state = e.state;
}

void on(Model& model, const core::TypingChanged& e) {
    if (e.typing)
        model.typing.insert(e.peer);
    else
        model.typing.erase(e.peer);
}

void on(Model& model, const core::SearchDone& e) { model.search = e; }

void on(Model& model, const core::HistoryLoaded& e) {
    auto& conv = model.conversations[e.peer];
    conv.loaded = true;
    conv.messages = e.messages;
    std::stable_sort(conv.messages.begin(), conv.messages.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    if (auto peer = model.peers.find(e.peer); peer != model.peers.end()) peer->second.unread = 0;
}

void on(Model& model, const core::OwnIdentity& e) {
    model.own = e;
    // Read receipts off: none shown, also those already on screen (the node
    // leaves them out of history from now on too).
    if (!e.read_receipts)
        for (auto& [peer, conv] : model.conversations)
            for (auto& m : conv.messages)
                if (m.direction == core::Direction::out) m.read_at_ms = 0;
}

void on(Model& model, const core::Notice& e) {
    model.notices.push_back(e);
    while (model.notices.size() > kMaxNotices) {
        model.notices.pop_front();
        ++model.notices_dropped;
    }
}

// Log order: lamport, then author (an author's lamports strictly increase, so
// the pair is unique; its seq adds nothing).
bool log_before(const core::RoomMessage& a, const core::RoomMessage& b) {
    return std::tie(a.lamport, a.author) < std::tie(b.lamport, b.author);
}

std::vector<core::RoomMessage>::iterator find_room_message(RoomConversation& c, const core::MessageId& id) {
    return std::find_if(c.messages.begin(), c.messages.end(), [&](const auto& m) { return m.id == id; });
}

// Puts m in log order, replacing the entry with its id if held.
void merge_room_message(RoomConversation& c, const core::RoomMessage& m) {
    if (auto it = find_room_message(c, m.id); it != c.messages.end()) {
        *it = m;
        return;
    }
    // Sync brings older entries after newer ones: insert, not append.
    c.messages.insert(std::upper_bound(c.messages.begin(), c.messages.end(), m, log_before), m);
}

void on(Model& model, const core::RoomChanged& e) { model.rooms[e.room.id] = e.room; }

void on(Model& model, const core::RoomRemoved& e) {
    model.rooms.erase(e.room);
    model.room_conversations.erase(e.room);
}

void on(Model& model, const core::RoomMessageAdded& e) {
    const auto& m = e.message;
    // Membership lines are not news; others' texts are (the node follows with
    // a RoomChanged carrying its own count, as for PeerChanged).
    if (m.text && !m.mine) {
        ++model.incoming_count;
        if (auto room = model.rooms.find(m.room); room != model.rooms.end()) ++room->second.unread;
    }
    auto conv = model.room_conversations.find(m.room);
    if (conv == model.room_conversations.end() || !conv->second.loaded) return;
    merge_room_message(conv->second, m);
}

void on(Model& model, const core::RoomDeliveryChanged& e) {
    auto conv = model.room_conversations.find(e.room);
    if (conv == model.room_conversations.end()) return;
    auto it = find_room_message(conv->second, e.id);
    if (it == conv->second.messages.end() || !it->mine) return;
    // Not monotonic: a removal shrinks "of", and with it who counts as holding.
    it->delivered = e.delivered;
    it->of = e.of;
}

// A reload replaces: the node's history is the whole truth as of the
// request (lines it no longer holds or shows must go); what arrives after
// follows as RoomMessageAdded and merges.
void on(Model& model, const core::RoomHistoryLoaded& e) {
    auto& conv = model.room_conversations[e.room];
    conv.loaded = true;
    conv.messages.clear();
    for (const auto& m : e.messages) merge_room_message(conv, m);
    if (auto room = model.rooms.find(e.room); room != model.rooms.end()) room->second.unread = 0;
}

void on(Model& model, const core::OpenRoomsListed& e) { model.open_rooms = e.rooms; }

void record_progress(Transfer& t, std::int64_t now_ms) {
    auto& samples = t.samples;
    if (t.view.state != core::TransferState::active) {
        samples.clear();  // a pause or the end: the next rate starts afresh
        return;
    }
    // Fewer bytes than before (a chunk that failed its check) or a clock that
    // went back: the old samples say nothing about the rate from here.
    if (!samples.empty() && (t.view.bytes < samples.back().bytes || now_ms < samples.back().ms)) samples.clear();
    samples.push_back({t.view.bytes, now_ms});
    while (samples.size() > kMaxRateSamples || (samples.size() > 2 && now_ms - samples[1].ms >= kRateWindowMs))
        samples.pop_front();
}

void on(Model& model, const core::TransferChanged& e, std::int64_t now_ms) {
    const bool is_new = !model.transfers.contains(e.transfer.id);
    Transfer& t = model.transfers[e.transfer.id];
    const bool was_ended = !is_new && ended(t.view.state);
    t.view = e.transfer;
    if (is_new) t.names = files_label(t.view);
    record_progress(t, now_ms);
    if (was_ended || !ended(t.view.state)) return;
    t.ended_seq = ++model.transfers_ended;
    std::size_t count = 0;
    auto oldest = model.transfers.end();
    for (auto it = model.transfers.begin(); it != model.transfers.end(); ++it) {
        if (it->second.ended_seq == 0) continue;
        ++count;
        if (oldest == model.transfers.end() || it->second.ended_seq < oldest->second.ended_seq) oldest = it;
    }
    // One ends per event, so at most one goes.
    if (count > kMaxEndedTransfers) model.transfers.erase(oldest);
}

std::tm local_tm(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm;
}

}  // namespace

void apply(Model& model, const core::Event& event, std::int64_t now_ms) {
    std::visit(
        [&](const auto& e) {
            if constexpr (std::is_same_v<std::decay_t<decltype(e)>, core::TransferChanged>)
                on(model, e, now_ms);
            else
                on(model, e);
        },
        event);
}

void clear_unread(Model& model, const PeerKey& peer) {
    if (auto it = model.peers.find(peer); it != model.peers.end()) it->second.unread = 0;
}

void clear_room_unread(Model& model, const core::RoomId& room) {
    if (auto it = model.rooms.find(room); it != model.rooms.end()) it->second.unread = 0;
}

std::vector<const core::RoomView*> ordered_rooms(const Model& model) {
    std::vector<const core::RoomView*> out;
    for (const auto& [id, room] : model.rooms) out.push_back(&room);
    // invited < joined < left in the enum: the order the list wants.
    std::sort(out.begin(), out.end(), [](const core::RoomView* a, const core::RoomView* b) {
        return std::tuple(a->membership, lower(a->name), a->id) < std::tuple(b->membership, lower(b->name), b->id);
    });
    return out;
}

std::vector<const core::RoomMemberView*> ordered_members(const core::RoomView& room) {
    std::vector<const core::RoomMemberView*> out;
    for (const auto& m : room.members) out.push_back(&m);
    std::sort(out.begin(), out.end(), [](const core::RoomMemberView* a, const core::RoomMemberView* b) {
        return std::tuple(!a->creator, !a->admin, !a->online, lower(a->nick), a->fingerprint) <
               std::tuple(!b->creator, !b->admin, !b->online, lower(b->nick), b->fingerprint);
    });
    return out;
}

InviteChoices invite_choices(const Model& model, const core::RoomId& room) {
    InviteChoices out;
    auto r = model.rooms.find(room);
    for (const core::PeerView* p : ordered_buddies(model, "")) {
        if (p->trust == core::Trust::blocked) continue;
        // A link-local XMPP buddy can never be in a room: not offered at all.
        if (p->kind != core::PeerKind::hallway) continue;
        if (r != model.rooms.end() && std::any_of(r->second.members.begin(), r->second.members.end(),
                                                  [&](const auto& m) { return m.key == p->key; }))
            continue;
        (p->rooms ? out.can : out.cannot).push_back(p);
    }
    return out;
}

std::string room_form_error(std::string_view name, std::string_view topic) {
    if (name.empty()) return "A room needs a name.";
    if (name.size() > core::rooms::kMaxRoomName)
        return "The name is too long (at most " + std::to_string(core::rooms::kMaxRoomName) + " bytes).";
    if (topic.size() > core::rooms::kMaxRoomTopic)
        return "The topic is too long (at most " + std::to_string(core::rooms::kMaxRoomTopic) + " bytes).";
    const auto control = [](std::string_view s) {
        return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    };
    if (control(name) || control(topic)) return "Names and topics are one line of plain text.";
    return {};
}

bool matches_filter(const core::PeerView& peer, std::string_view filter) {
    if (filter.empty()) return true;
    if (lower(peer.nick).find(lower(filter)) != std::string::npos) return true;
    if (lower(peer.instance).find(lower(filter)) != std::string::npos) return true;  // user@host: XMPP only
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
        return std::tuple(!a->online, lower(a->nick), a->fingerprint, a->instance) <
               std::tuple(!b->online, lower(b->nick), b->fingerprint, b->instance);
    });
    return out;
}

namespace {
Badge badge(core::Trust trust, bool name_clash) {
    if (trust == core::Trust::blocked) return Badge::blocked;
    if (name_clash) return Badge::warning;
    return trust == core::Trust::verified ? Badge::verified : Badge::unverified;
}
}  // namespace

Badge badge(const core::PeerView& peer) { return badge(peer.trust, peer.name_clash); }
Badge badge(const core::RoomMemberView& member) { return badge(member.trust, member.name_clash); }

Badge author_badge(const Model& model, const core::RoomView& room, const PeerKey& author) {
    for (const auto& m : room.members)
        if (m.key == author) return badge(m);
    if (auto p = model.peers.find(author); p != model.peers.end()) return badge(p->second);
    return Badge::unverified;
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
    // A link-local XMPP buddy has no fingerprint: its instance (user@host) tells it apart.
    const std::string prefix = peer.kind == core::PeerKind::hallway ? peer.fingerprint.substr(0, 5) : peer.instance;
    if (peer.nick.empty()) return prefix;
    if (nick_shared(model, peer)) return peer.nick + " (" + prefix + ")";
    return peer.nick;
}

std::uint32_t total_unread(const Model& model) {
    std::uint32_t n = 0;
    for (const auto& [key, peer] : model.peers) n += peer.unread;
    for (const auto& [id, room] : model.rooms)
        if (room.membership == core::RoomMembership::joined) n += room.unread;
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

std::string delivery_label(const core::RoomMessage& m) {
    if (m.of == 0) return {};
    return "delivered to " + std::to_string(m.delivered) + " of " + std::to_string(m.of);
}

std::string invitation_label(const Model& model, const core::RoomView& room) {
    std::string who = room.invited_by_nick;
    if (auto p = model.peers.find(room.invited_by); p != model.peers.end()) who = display_name(model, p->second);
    return (who.empty() ? std::string("someone") : who) + " invited you";
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

bool ended(core::TransferState s) { return s == core::TransferState::done || s == core::TransferState::failed; }

std::string size_label(std::uint64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    // 1023.96 KiB would print as "1024.0 KiB": round up into the next unit.
    while (v >= 1023.95 && unit + 1 < std::size(kUnits)) {
        v /= 1024.0;
        ++unit;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
    return buf;
}

std::string duration_label(std::uint64_t seconds) {
    const std::uint64_t h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
    char buf[48];
    if (h > 0)
        std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(h), static_cast<unsigned long long>(m),
                      static_cast<unsigned long long>(s));
    else
        std::snprintf(buf, sizeof buf, "%llu:%02llu", static_cast<unsigned long long>(m), static_cast<unsigned long long>(s));
    return buf;
}

std::string files_label(const core::TransferView& v) {
    std::vector<std::string> names;  // top-level, in offer order, each once
    for (const auto& f : v.files) {
        const std::size_t slash = f.path.find('/');
        std::string name = f.path.substr(0, slash);
        if (slash != std::string::npos || f.dir) name += '/';
        for (char& c : name)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
    }
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < kShownNames; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > kShownNames) out += " and " + std::to_string(names.size() - kShownNames) + " more";
    return out;
}

double transfer_rate(const Transfer& t, std::int64_t now_ms) {
    const auto& s = t.samples;
    if (s.size() < 2 || now_ms - s.back().ms >= kStallMs) return 0.0;
    const std::int64_t span = s.back().ms - s.front().ms;
    if (span <= 0) return 0.0;
    return static_cast<double>(s.back().bytes - s.front().bytes) * 1000.0 / static_cast<double>(span);
}

TransferLine transfer_line(const Transfer& t, std::int64_t now_ms) {
    const core::TransferView& v = t.view;
    TransferLine out;
    out.fraction = v.total == 0 ? (v.state == core::TransferState::done ? 1.0f : 0.0f)
                                : static_cast<float>(std::min(1.0, static_cast<double>(v.bytes) / static_cast<double>(v.total)));
    const std::string total = size_label(v.total);
    const std::string so_far = size_label(v.bytes) + " of " + total;
    const bool in = v.direction == core::Direction::in;
    switch (v.state) {
        case core::TransferState::preparing: out.text = "Preparing " + total + " (checking the files)"; break;
        case core::TransferState::offered: out.text = total + (in ? ", waiting for your answer" : ", waiting for them to accept"); break;
        case core::TransferState::active: {
            out.text = so_far;
            const double rate = transfer_rate(t, now_ms);
            if (rate > 0.0) {
                out.text += ", " + size_label(static_cast<std::uint64_t>(rate)) + "/s";
                const double left = std::ceil(static_cast<double>(v.total - std::min(v.bytes, v.total)) / rate);
                // Beyond a few days the figure means nothing; leave it out.
                if (left < 100.0 * 3600.0) out.text += ", " + duration_label(static_cast<std::uint64_t>(left)) + " left";
            } else if (!t.samples.empty() && now_ms - t.samples.back().ms >= kStallMs) {
                out.text += ", stalled";
            }
            break;
        }
        case core::TransferState::paused: out.text = "Paused at " + so_far; break;
        case core::TransferState::done: out.text = total + (in ? " received" : " sent"); break;
        case core::TransferState::failed: out.text = "Stopped at " + so_far; break;
    }
    return out;
}

std::vector<const Transfer*> ordered_transfers(const Model& model, const PeerKey* peer) {
    std::vector<const Transfer*> out;
    for (const auto& [id, t] : model.transfers)
        if (!peer || t.view.peer == *peer) out.push_back(&t);
    // Unended have ended_seq 0: first, by id (the map's order, kept by stable_sort).
    std::stable_sort(out.begin(), out.end(), [](const Transfer* a, const Transfer* b) {
        if ((a->ended_seq == 0) != (b->ended_seq == 0)) return a->ended_seq == 0;
        return a->ended_seq > b->ended_seq;
    });
    return out;
}

void forget_transfer(Model& model, std::uint64_t id) {
    if (auto it = model.transfers.find(id); it != model.transfers.end() && it->second.ended_seq != 0) model.transfers.erase(it);
}

DropTarget drop_target(const Model& model, const std::optional<PeerKey>& conversation, bool room_shown) {
    DropTarget out;
    if (room_shown) {
        out.why = "Files go to one person: open a conversation with them to send files (rooms cannot take files yet).";
        return out;
    }
    auto p = conversation ? model.peers.find(*conversation) : model.peers.end();
    if (p == model.peers.end()) {
        out.why = "Open a conversation with someone to send files.";
        return out;
    }
    const std::string name = display_name(model, p->second);
    if (p->second.trust == core::Trust::blocked)
        out.why = name + " is blocked: nothing is sent to them.";
    else if (p->second.kind != core::PeerKind::hallway)
        out.why = name + " is a link-local XMPP (Bonjour) buddy: it cannot take files.";
    else if (!p->second.files)
        out.why = name + "'s Hallway cannot receive files (an older Hallway, or not met since it could).";
    else
        out.peer = p->first;
    return out;
}

}  // namespace hallway::gui
