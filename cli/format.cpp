#include "cli/format.hpp"

#include "crypto/identity.hpp"

#include <ctime>

namespace hallway::cli {

std::string sanitize(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c == '\n') out += "\n    ";
        else if (c == '\t') out += ' ';
        else if (c < 0x20 || c == 0x7f) out += '?';
        else out += static_cast<char>(c);
    }
    return out;
}

std::string format_time(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000), now = std::time(nullptr);
    std::tm tm{}, today{};
    localtime_r(&t, &tm);
    localtime_r(&now, &today);
    char buf[32];
    bool same_day = tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday;
    std::strftime(buf, sizeof buf, same_day ? "%H:%M" : "%Y-%m-%d %H:%M", &tm);
    return buf;
}

std::string describe_peer(const core::PeerView& p) {
    std::string line = sanitize(p.nick);
    line += p.online ? "  online" : "  offline";
    if (p.online && !p.presence.empty() && p.presence != "available") line += " (" + p.presence + ")";
    if (!p.status_message.empty()) line += " \"" + sanitize(p.status_message) + "\"";
    line += "  [" + std::string(core::to_string(p.trust)) + "]";
    if (p.name_clash) line += " [NOT the verified contact of that name]";
    if (p.unread) line += "  " + std::to_string(p.unread) + " unread";
    line += "\n    " + crypto::format_digits(p.fingerprint);
    return line;
}

std::string EventPrinter::nick(const core::PeerKey& key) const {
    auto it = nicks_.find(key);
    return it != nicks_.end() ? it->second : crypto::format_digits(crypto::fingerprint(key)).substr(0, 11);
}

std::string EventPrinter::room_name(const core::RoomId& id) const {
    auto it = rooms_.find(id);
    return it != rooms_.end() ? it->second : "?";
}

std::string EventPrinter::line(const core::Event& event) {
    if (auto* e = std::get_if<core::PeerChanged>(&event)) {
        nicks_[e->peer.key] = sanitize(e->peer.nick);
        bool& was = online_[e->peer.key];
        if (was == e->peer.online) return "";  // presence or unread changes: not worth a line
        was = e->peer.online;
        return (e->peer.online ? "* online: " : "* offline: ") + sanitize(e->peer.nick) +
               (e->peer.name_clash ? " [NOT your verified contact of that name]" : "");
    }
    if (auto* e = std::get_if<core::MessageAdded>(&event)) {
        const auto& m = e->message;
        if (m.direction == core::Direction::out) return "";
        // Appended, not chained with +: GCC 12 at -O3 warns falsely (-Wrestrict) on "[" + std::string.
        std::string line = "[";
        line += format_time(m.received_at_ms);
        line += "] <";
        line += nick(m.peer);
        line += "> ";
        line += sanitize(m.body);
        return line;
    }
    if (auto* e = std::get_if<core::RoomChanged>(&event)) rooms_[e->room.id] = sanitize(e->room.name);
    if (auto* e = std::get_if<core::RoomMessageAdded>(&event)) {
        const auto& m = e->message;
        if (m.mine && m.text) return "";  // the sender's own line was printed when sent
        std::string line = "[";
        line += format_time(m.received_at_ms);
        line += "] #";
        line += room_name(m.room);
        line += m.text ? " <" : " * ";
        line += sanitize(m.author_nick);
        line += m.text ? "> " : " ";
        line += sanitize(m.body);
        return line;
    }
    if (auto* o = std::get_if<core::OwnIdentity>(&event))
        return "* you are " + sanitize(o->nick) + " (" + crypto::format_digits(o->fingerprint) + "), port " +
               std::to_string(o->port);
    if (auto* n = std::get_if<core::Notice>(&event)) {
        switch (n->level) {
        case core::Notice::Level::alert: return "!!! " + sanitize(n->text);
        case core::Notice::Level::warning: return "! " + sanitize(n->text);
        case core::Notice::Level::info: break;
        }
        return "* " + sanitize(n->text);
    }
    return "";
}

}  // namespace hallway::cli
