#include "cli/format.hpp"

#include "core/control.hpp"
#include "core/profile.hpp"
#include "core/search_query.hpp"
#include "crypto/identity.hpp"
#include "text/utf8.hpp"

#include <cinttypes>
#include <cmath>
#include <cstdio>
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
    return format_time(ms, static_cast<std::int64_t>(std::time(nullptr)) * 1000);
}

std::string format_time(std::int64_t ms, std::int64_t now_ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000), now = static_cast<std::time_t>(now_ms / 1000);
    std::tm tm{}, today{};
    localtime_r(&t, &tm);
    localtime_r(&now, &today);
    char buf[32];
    bool same_day = tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday;
    std::strftime(buf, sizeof buf, same_day ? "%H:%M" : "%Y-%m-%d %H:%M", &tm);
    return buf;
}

std::string trust_tag(const core::PeerView& p) {
    if (!p.encrypted || p.kind != core::PeerKind::hallway) return std::string("[") + kUnencryptedBadge + "]";
    return "[" + std::string(core::to_string(p.trust)) + "]";
}

std::string delivery_word(core::MessageState state, core::PeerKind kind, bool seen) {
    if (seen) return "seen";
    if (state == core::MessageState::sent && kind == core::PeerKind::xmpp_link_local) return "sent, unconfirmed";
    return std::string(core::to_string(state));
}

core::PeerView peer_from_json(const nlohmann::json& p) {
    core::PeerView v;
    if (!p.is_object()) return v;
    v.nick = p.value("nick", "");
    v.fingerprint = p.value("id", "");
    v.online = p.value("online", false);
    v.presence = p.value("presence", "");
    v.status_message = p.value("status", "");
    v.unread = p.value("unread", 0u);
    v.name_clash = p.value("name_clash", false);
    if (auto how = p.find("found_by"); how != p.end() && how->is_array())
        for (auto& h : *how)
            if (h.is_string() && v.found_by.size() < core::kMaxListedFoundBy) v.found_by.push_back(h.get<std::string>());
    std::string t = p.value("trust", "unverified");
    v.trust = t == "verified" ? core::Trust::verified : t == "blocked" ? core::Trust::blocked : core::Trust::unverified;
    // Anything but a Hallway peer that says it is encrypted is shown as not:
    // a kind this client does not know is no reason to trust it.
    v.kind = p.value("kind", "hallway") == "hallway" ? core::PeerKind::hallway : core::PeerKind::xmpp_link_local;
    v.encrypted = v.kind == core::PeerKind::hallway && p.value("encrypted", true);
    v.instance = p.value("instance", "");
    return v;
}

std::string peer_identity(const nlohmann::json& p) {
    if (!p.is_object()) return {};
    return p.value("kind", "hallway") + " " + p.value("id", "") + " " + p.value("instance", "");
}

std::string describe_peer(const core::PeerView& p) {
    std::string line = sanitize(p.nick.empty() ? p.instance : p.nick);
    line += p.online ? "  online" : "  offline";
    if (p.online && !p.presence.empty() && p.presence != "available") line += " (" + p.presence + ")";
    if (!p.status_message.empty()) line += " \"" + sanitize(p.status_message) + "\"";
    line += "  " + trust_tag(p);
    if (p.name_clash) line += " [NOT the verified contact of that name]";
    if (p.unread) line += "  " + std::to_string(p.unread) + " unread";
    if (p.kind == core::PeerKind::hallway) line += "\n    " + crypto::format_digits(p.fingerprint);
    else line += "\n    link-local XMPP (Bonjour) " + sanitize(p.instance) + ": anyone on the network can read it and use this name";
    for (std::size_t i = 0; i < p.found_by.size(); ++i)
        line += (i == 0 ? "\n    found by: " : ", ") + sanitize(p.found_by[i]);
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
        const bool plain = !e->peer.encrypted || e->peer.kind != core::PeerKind::hallway;
        nicks_[e->peer.key] = sanitize(e->peer.nick.empty() ? e->peer.instance : e->peer.nick);
        if (plain) unencrypted_.insert(e->peer.key);
        else unencrypted_.erase(e->peer.key);
        bool& was = online_[e->peer.key];
        if (was == e->peer.online) return "";  // presence or unread changes: not worth a line
        was = e->peer.online;
        return (e->peer.online ? "* online: " : "* offline: ") + nicks_[e->peer.key] +
               (plain ? " (link-local XMPP) " + trust_tag(e->peer) : std::string()) +
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
        // Before the body, so no text can fake its absence.
        if (unencrypted(m.peer)) line += std::string("[") + kUnencryptedBadge + "] ";
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
    if (auto* t = std::get_if<core::TransferChanged>(&event)) return transfer_line(t->transfer);
    if (auto* o = std::get_if<core::OwnIdentity>(&event))
        return "* you are " + sanitize(o->nick) + " (" + crypto::format_digits(o->fingerprint) + "), port " +
               std::to_string(o->port) + (o->private_mode ? ", private mode: only contacts can find you" : "") +
               (o->link_local_name.empty() ? std::string()
                                           : "; link-local XMPP as " + sanitize(o->link_local_name) +
                                                 " (unencrypted, unauthenticated)");
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

// Says an offer, the start, every quarter, a pause and the end: not every
// progress event (a few a second).
std::string EventPrinter::transfer_line(const core::TransferView& t) {
    using core::TransferState;
    const std::string id = std::to_string(t.id);
    const std::string name = transfer_name(t.files, t.files.size());
    const std::string peer = sanitize(t.peer_nick);
    const bool in = t.direction == core::Direction::in;
    const std::uint64_t quarter = t.total ? t.bytes * 4 / t.total : 0;
    auto it = transfers_.find(t.id);
    const bool seen = it != transfers_.end();
    const bool moved = !seen || it->second.state != t.state;
    const bool was_paused = seen && it->second.state == TransferState::paused;
    // A quarter passed since the last line (100% is said by done).
    const bool next_quarter = quarters_ && !moved && quarter > it->second.quarter && quarter < 4;
    if (t.state == TransferState::done || t.state == TransferState::failed) transfers_.erase(t.id);
    else if (moved || next_quarter) transfers_[t.id] = {t.state, quarter};
    const std::string reason = t.reason.empty() ? "" : ": " + sanitize(t.reason);
    switch (t.state) {
    case TransferState::preparing: return "";
    case TransferState::offered:
        if (!moved) return "";
        if (in)
            return "* " + peer + " offers " + name + " (" + format_size(t.total) + "): " + answer_ + "accept " + id +
                   " or " + answer_ + "decline " + id;
        return "* " + id + ": offered " + name + " (" + format_size(t.total) + ") to " + peer + ", waiting for an answer";
    case TransferState::active:
        if (moved) {
            if (was_paused) return "* " + id + ": " + name + " resumed";
            return "* " + id + ": " + (in ? "receiving " + name + " from " : "sending " + name + " to ") + peer;
        }
        if (!next_quarter) return "";
        return "* " + id + ": " + name + " " + std::to_string(quarter * 25) + "%  " + format_size(t.bytes) + " / " +
               format_size(t.total);
    case TransferState::paused:
        if (!moved) return "";
        if (in) return "! " + id + ": " + name + " paused" + reason + " (" + answer_ + "resume " + id + ")";
        return "! " + id + ": " + name + " paused by " + peer + reason;
    case TransferState::done:
        if (in) return "* " + id + ": " + name + " received from " + peer + ", in " + sanitize(t.folder);
        return "* " + id + ": " + name + " delivered to " + peer;
    case TransferState::failed: return "! " + id + ": " + name + " failed" + reason;
    }
    return "";
}

std::string format_size(std::uint64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes) / 1024;
    std::size_t unit = 0;
    // 1023.96 KiB would print as "1024.0 KiB": move up at what rounds to 1024.
    while (v >= 1023.95 && unit + 1 < std::size(kUnits)) v /= 1024, ++unit;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
    return buf;
}

std::string format_rate(double bytes_per_second) {
    return format_size(static_cast<std::uint64_t>(std::max(0.0, std::min(bytes_per_second, 1e18)))) + "/s";
}

std::string format_eta(std::optional<double> seconds) {
    if (!seconds || !std::isfinite(*seconds) || *seconds < 0 || *seconds >= 100 * 3600) return "-:--";
    const auto s = static_cast<std::uint64_t>(std::llround(*seconds));
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%" PRIu64 ":%02" PRIu64, s / 60, s % 60);
    return buf;
}

std::string transfer_name(const std::vector<core::TransferFileView>& files, std::size_t count) {
    if (files.empty()) return "(nothing)";
    // A name from a peer can be long: the line stays readable.
    constexpr std::size_t kMaxShown = 60;
    auto shown = [](std::string_view path) {
        std::string s = sanitize(text::cut_at_char_boundary(path, kMaxShown));
        return path.size() > kMaxShown ? s + "..." : s;
    };
    if (count == 1) return shown(files[0].path);
    // A folder sent whole: its entries share their first component.
    const std::string_view first = std::string_view(files[0].path).substr(0, files[0].path.find('/'));
    bool one_folder = true;
    for (auto& f : files) {
        std::string_view p = f.path;
        one_folder = one_folder && p.substr(0, p.find('/')) == first;
    }
    std::size_t file_count = 0;
    for (auto& f : files) file_count += f.dir ? 0 : 1;
    // Entries not listed are counted as files: a folder is listed before what it holds.
    file_count += count - files.size();
    if (one_folder) return shown(first) + "/ (" + std::to_string(file_count) + (file_count == 1 ? " file)" : " files)");
    return shown(files[0].path) + " and " + std::to_string(count - 1) + " more";
}

std::string progress_line(std::string_view name, std::uint64_t bytes, std::uint64_t total, double rate) {
    const std::uint64_t percent = total ? static_cast<std::uint64_t>(static_cast<double>(bytes) * 100 / static_cast<double>(total)) : 100;
    std::string line(name);
    line += "  " + format_size(bytes) + " / " + format_size(total) + "  " + std::to_string(percent) + "%";
    if (rate <= 0) return line;
    line += "  " + format_rate(rate) + "  ";
    line += format_eta(static_cast<double>(total > bytes ? total - bytes : 0) / rate) + " left";
    return line;
}

void RateMeter::add(double seconds, std::uint64_t bytes) {
    // Over the last 5 s: steady enough to read, quick to follow a change.
    constexpr double kWindow = 5;
    samples_.emplace_back(seconds, bytes);
    while (samples_.size() > 2 && samples_.back().first - samples_[1].first >= kWindow) samples_.pop_front();
}

double RateMeter::rate() const {
    if (samples_.size() < 2) return 0;
    const auto& [t0, b0] = samples_.front();
    const auto& [t1, b1] = samples_.back();
    if (t1 - t0 <= 0 || b1 < b0) return 0;
    return static_cast<double>(b1 - b0) / (t1 - t0);
}

std::vector<core::TransferFileView> transfer_files(const nlohmann::json& transfer) {
    std::vector<core::TransferFileView> files;
    auto it = transfer.find("files");
    if (it == transfer.end() || !it->is_array()) return files;
    for (auto& f : *it)
        if (f.is_object())
            files.push_back({f.value("path", std::string()), f.value("size", std::uint64_t{0}), f.value("dir", false)});
    return files;
}

core::TransferView transfer_view(const nlohmann::json& transfer) {
    using core::TransferState;
    core::TransferView t;
    if (!transfer.is_object()) return t;
    t.id = transfer.value("id", std::uint64_t{0});
    t.peer_nick = transfer.value("nick", std::string());
    t.direction = transfer.value("direction", std::string()) == "in" ? core::Direction::in : core::Direction::out;
    const std::string state = transfer.value("state", std::string());
    t.state = state == "preparing" ? TransferState::preparing
              : state == "offered" ? TransferState::offered
              : state == "active"  ? TransferState::active
              : state == "paused"  ? TransferState::paused
              : state == "done"    ? TransferState::done
                                   : TransferState::failed;
    t.files = transfer_files(transfer);
    t.bytes = transfer.value("bytes", std::uint64_t{0});
    t.total = transfer.value("total", std::uint64_t{0});
    t.reason = transfer.value("reason", std::string());
    t.folder = transfer.value("folder", std::string());
    return t;
}

std::string transfers_table(const nlohmann::json& transfers) {
    struct Row {
        std::string id, dir, peer, state, progress, name;
    };
    std::vector<Row> rows{{"ID", "DIR", "PEER", "STATE", "PROGRESS", "NAME"}};
    for (auto& t : transfers) {
        if (!t.is_object()) continue;
        const auto bytes = t.value("bytes", std::uint64_t{0}), total = t.value("total", std::uint64_t{0});
        const auto files = transfer_files(t);
        const std::string percent = total ? std::to_string(bytes * 100 / total) + "%" : "-";
        std::string state = t.value("state", std::string());
        if (const std::string reason = t.value("reason", std::string()); !reason.empty())
            state += " (" + sanitize(text::cut_at_char_boundary(reason, 60)) + ")";
        rows.push_back({std::to_string(t.value("id", std::uint64_t{0})), t.value("direction", std::string()),
                        sanitize(t.value("nick", std::string())), state,
                        percent + " of " + format_size(total),
                        transfer_name(files, t.value("file_count", files.size()))});
    }
    std::size_t w[5] = {};
    for (auto& r : rows) {
        const std::string* cells[5] = {&r.id, &r.dir, &r.peer, &r.state, &r.progress};
        for (std::size_t i = 0; i < 5; ++i) w[i] = std::max(w[i], cells[i]->size());
    }
    std::string out;
    for (auto& r : rows) {
        const std::string* cells[5] = {&r.id, &r.dir, &r.peer, &r.state, &r.progress};
        for (std::size_t i = 0; i < 5; ++i) out += *cells[i] + std::string(w[i] - cells[i]->size() + 2, ' ');
        out += r.name + "\n";
    }
    return out;
}

std::string search_hit_line(const core::SearchHit& h, const std::vector<std::string>& words) {
    const std::string where = h.in_room ? "#" + h.conversation : h.conversation;
    return "[" + format_time(h.sent_at_ms) + "] " + sanitize(where) + "  " + (h.mine ? std::string("me") : sanitize(h.author_nick)) +
           ": " + sanitize(core::search_snippet(h.body, words));
}

core::SearchHit search_hit_from_json(const nlohmann::json& hit) {
    core::SearchHit h;
    if (!hit.is_object()) return h;
    h.in_room = hit.value("kind", "") == "room";
    h.conversation = hit.value(h.in_room ? "name" : "nick", "");
    h.seq = hit.value("seq", std::int64_t{0});
    h.mine = hit.value("mine", false);
    h.author_nick = hit.value("author", "");
    h.body = hit.value("body", "");
    h.sent_at_ms = hit.value("sent_at", std::int64_t{0});
    return h;
}

}  // namespace hallway::cli
