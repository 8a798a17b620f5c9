#include "gui/message_labels.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace hallway::gui {
namespace {

std::tm local_tm(std::int64_t ms) {
    // Floor, so a time before 1970 does not round into the next second.
    std::time_t t = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm;
}

std::string format(const std::tm& tm, const char* fmt) {
    char buf[96];
    const std::size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
    std::string out(buf, n);
    // %e pads a one-digit day with a space: "Mon  3 Jun" -> "Mon 3 Jun".
    if (auto p = out.find("  "); p != std::string::npos) out.erase(p, 1);
    if (!out.empty() && out.front() == ' ') out.erase(0, 1);
    return out;
}

// "+02:00" from the zone's offset east of UTC.
std::string utc_offset(const std::tm& tm) {
    long off = tm.tm_gmtoff;
    const char sign = off < 0 ? '-' : '+';
    off = std::labs(off) / 60;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", sign, off / 60, off % 60);
    return buf;
}

// The first line of text, control characters as '?', cut at max bytes on a
// character boundary ("..." marks a cut).
std::string first_line_cut(const std::string& text, std::size_t max) {
    std::string line = text.substr(0, text.find('\n'));
    bool cut = line.size() != text.size();
    if (line.size() > max) {
        std::size_t end = max;
        while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;  // not inside a character
        line.resize(end);
        cut = true;
    }
    for (char& c : line)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    if (cut) line += "...";
    return line;
}

}  // namespace

std::string time_label(std::int64_t ms, std::int64_t now_ms) {
    const std::tm tm = local_tm(ms);
    const std::tm now = local_tm(now_ms);
    if (tm.tm_year == now.tm_year && tm.tm_yday == now.tm_yday) return format(tm, "%H:%M");
    if (tm.tm_year == now.tm_year) return format(tm, "%e %b %H:%M");
    return format(tm, "%e %b %Y %H:%M");
}

std::string full_timestamp(std::int64_t ms) {
    const std::tm tm = local_tm(ms);
    std::string out = format(tm, "%a %e %b %Y %H:%M:%S %Z");
    const std::string zone = format(tm, "%Z");
    if (!(tm.tm_gmtoff == 0 && (zone == "UTC" || zone == "GMT"))) out += " (UTC" + utc_offset(tm) + ")";
    return out;
}

std::string time_details(const core::StoredMessage& m) {
    return time_details(m.direction == core::Direction::in, m.received_at_ms, m.sent_at_ms);
}

std::string time_details(bool incoming, std::int64_t received_at_ms, std::int64_t sent_at_ms) {
    if (!incoming) return "Written " + full_timestamp(received_at_ms);
    std::string out = "Received " + full_timestamp(received_at_ms);
    if (std::llabs(sent_at_ms - received_at_ms) >= kNotableSkewMs)
        out += "\nSent " + full_timestamp(sent_at_ms) + " by the sender's clock";
    return out;
}

std::string_view security_badge(const core::PeerView& peer) {
    return peer.encrypted && peer.kind == core::PeerKind::hallway ? std::string_view() : kUnencryptedBadge;
}

std::string delivery_label(const core::StoredMessage& m, core::PeerKind kind) {
    if (m.read_at_ms > 0) return "seen";
    switch (m.state) {
        case core::MessageState::queued: return "sending";
        case core::MessageState::sent: return kind == core::PeerKind::hallway ? "sent" : "sent, unconfirmed";
        case core::MessageState::delivered: return "delivered";
        case core::MessageState::failed: return m.failure.empty() ? "failed" : "failed: " + first_line_cut(m.failure, kShortReasonBytes);
    }
    return "?";
}

std::string delivery_details(const core::StoredMessage& m, core::PeerKind kind) {
    if (m.read_at_ms > 0) return "Seen " + full_timestamp(m.read_at_ms);
    switch (m.state) {
        case core::MessageState::queued: return "Waiting to go out: it is sent when the peer can be reached.";
        case core::MessageState::sent:
            if (kind != core::PeerKind::hallway)
                return "Sent, unencrypted. Link-local XMPP has no receipts: it is never confirmed.";
            return "Sent; the peer has not confirmed it yet.";
        case core::MessageState::delivered: return "Delivered: the peer's device has it.";
        case core::MessageState::failed: return "Not delivered" + (m.failure.empty() ? std::string(".") : ": " + m.failure);
    }
    return "?";
}

}  // namespace hallway::gui
