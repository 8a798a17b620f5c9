#include "xmpp/presence_txt.hpp"

#include "xmpp/limits.hpp"

#include "text/utf8.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace hallway::xmpp {
namespace {

using text::sanitize_label;

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view lower) {
    return a.size() == lower.size() &&
           std::equal(a.begin(), a.end(), lower.begin(), [](char x, char y) { return ascii_lower(x) == y; });
}

std::string_view status_word(Presence p) {
    switch (p) {
        case Presence::away: return "away";
        case Presence::busy: return "dnd";
        case Presence::available: break;
    }
    return "avail";
}

// "key=" + value, the value sanitized and cut so the whole string fits one TXT string.
std::string txt_string(std::string_view key, std::string_view value) {
    std::string s(key);
    s += '=';
    s += sanitize_label(value, kMaxTxtStringBytes - s.size());
    return s;
}

std::string_view trim(std::string_view s, std::string_view chars) {
    const auto b = s.find_first_not_of(chars);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(chars) - b + 1);
}

}  // namespace

std::vector<std::string> build_txt(const LinkLocalPresence& presence, std::uint16_t port) {
    // Privacy (XEP-0174 §Security: the record is readable by anyone on the LAN,
    // and a client MUST let the user withhold personal fields): only what the
    // user chose to show. Never 1st/last/email/jid (they would come from the
    // Unix account), never phsh (an avatar hash links sightings), and nothing
    // of Hallway keys or fingerprints, which would tie this unencrypted,
    // unauthenticated presence to the user's Hallway identity.
    std::vector<std::string> txt;
    txt.emplace_back("txtvers=1");  // SHOULD be first
    txt.push_back("port.p2pj=" + std::to_string(port));
    txt.push_back("status=" + std::string(status_word(presence.status)));
    if (!presence.message.empty()) txt.push_back(txt_string("msg", presence.message));
    if (!presence.nick.empty()) txt.push_back(txt_string("nick", presence.nick));
    return txt;
}

PeerPresence parse_txt(const std::vector<std::string>& strings) {
    enum Key : std::size_t { kStatus, kMsg, kNick, kFirst, kLast, kPort, kNode, kKeyCount };
    constexpr std::array<std::string_view, kKeyCount> names = {"status", "msg", "nick", "1st", "last", "port.p2pj", "node"};
    std::array<bool, kKeyCount> seen{};
    std::array<std::optional<std::string_view>, kKeyCount> values{};
    for (const std::string& entry : strings) {
        const auto eq = entry.find('=');
        const std::string_view key(entry.data(), eq == std::string::npos ? entry.size() : eq);
        if (key.empty()) continue;
        for (std::size_t k = 0; k < kKeyCount; ++k) {
            if (seen[k] || !iequals(key, names[k])) continue;
            seen[k] = true;  // first occurrence wins, a boolean one too
            if (eq != std::string::npos) values[k] = std::string_view(entry).substr(eq + 1);
        }
    }
    PeerPresence peer;
    const auto field = [&](Key k, std::size_t max) { return values[k] ? sanitize_label(*values[k], max) : std::string(); };
    peer.message = field(kMsg, kMaxPresenceMessageBytes);
    peer.nick = field(kNick, kMaxPresenceNickBytes);
    peer.first = field(kFirst, kMaxPresenceNameBytes);
    peer.last = field(kLast, kMaxPresenceNameBytes);
    peer.libpurple = values[kNode] && iequals(*values[kNode], "libpurple");
    if (values[kPort]) {
        const std::string_view p = *values[kPort];
        std::uint16_t port = 0;
        const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
        if (ec == std::errc{} && end == p.data() + p.size() && port != 0) peer.port_p2pj = port;
    }
    if (values[kStatus]) {
        const std::string_view s = *values[kStatus];
        if (iequals(s, "away")) peer.status = Presence::away;
        // libpurple maps its Away to dnd and reads only dnd as Away (bonjour.c);
        // showing its users as busy would misreport them.
        else if (iequals(s, "dnd")) peer.status = peer.libpurple ? Presence::away : Presence::busy;
    }
    return peer;
}

std::string display_name(const PeerPresence& peer, std::string_view instance) {
    if (!peer.nick.empty()) return peer.nick;
    const std::string full = peer.first + ' ' + peer.last;
    if (const auto name = trim(full, " "); !name.empty()) return std::string(name);
    if (const auto split = split_instance(instance)) return sanitize_label(split->user, kMaxPresenceNickBytes);
    return sanitize_label(instance, kMaxPresenceNickBytes);
}

std::string instance_user(std::string_view hallway_nick) {
    std::string user;
    for (const char c : hallway_nick) {
        if (c == ' ')
            user += '-';
        else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                 c == '-')
            user += c;
    }
    user = std::string(trim(user, "-."));
    user.resize(std::min(user.size(), kMaxInstanceUserBytes));
    user = std::string(trim(user, "-."));
    return user.empty() ? "hallway" : user;
}

std::string instance_name(std::string_view user, std::string_view host) {
    std::string name(user);
    name += '@';
    name += host;
    return name;
}

std::optional<InstanceName> split_instance(std::string_view instance) {
    const auto at = instance.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == instance.size()) return std::nullopt;
    const std::string_view host = instance.substr(at + 1);
    if (!std::all_of(host.begin(), host.end(), [](char c) { return c > 0x20 && c < 0x7F; })) return std::nullopt;
    return InstanceName{std::string(instance.substr(0, at)), std::string(host)};
}

}  // namespace hallway::xmpp
