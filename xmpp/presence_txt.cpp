#include "xmpp/presence_txt.hpp"

#include "xmpp/limits.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace hallway::xmpp {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// Decodes one code point at s[i], advancing i. Ill-formed input yields U+FFFD
// per maximal subpart (Unicode §3.9), so a bad byte never swallows the valid
// character after it. (Same rule as discovery/txt_record.cpp; xmpp/ depends on
// no other layer.)
char32_t decode_one(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i++]);
    if (b0 < 0x80) return b0;
    std::size_t len = 0;
    char32_t c = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2, c = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3, c = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0;  // overlong
        if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4, c = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90;  // overlong
        if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        return kReplacement;
    }
    for (std::size_t k = 1; k < len; ++k) {
        if (i >= s.size()) return kReplacement;
        const auto b = static_cast<unsigned char>(s[i]);
        const unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
        if (b < min || b > max) return kReplacement;
        c = (c << 6) | (b & 0x3F);
        ++i;
    }
    return c;
}

// Removed rather than replaced: they never belong in a one-line label, and bidi
// overrides and line separators can disguise a name.
bool is_removed(char32_t c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F)  // C0, DEL, C1 controls
           || c == 0x2028 || c == 0x2029          // line/paragraph separators
           || (c >= 0x202A && c <= 0x202E)        // bidi embeddings/overrides
           || (c >= 0x2066 && c <= 0x2069);       // bidi isolates
}

// Cuts `s` (valid UTF-8) to at most max_bytes without splitting a character.
std::string cut_at_char_boundary(std::string s, std::size_t max_bytes) {
    if (s.size() > max_bytes) {
        std::size_t cut = max_bytes;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        s.resize(cut);
    }
    return s;
}

std::string sanitize(std::string_view text, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes + 4));
    for (std::size_t i = 0; i < text.size() && out.size() <= max_bytes;) {
        const char32_t c = decode_one(text, i);
        if (!is_removed(c)) append_utf8(out, c);
    }
    return cut_at_char_boundary(std::move(out), max_bytes);
}

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
    s += sanitize(value, kMaxTxtStringBytes - s.size());
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
    const auto text = [&](Key k, std::size_t max) { return values[k] ? sanitize(*values[k], max) : std::string(); };
    peer.message = text(kMsg, kMaxPresenceMessageBytes);
    peer.nick = text(kNick, kMaxPresenceNickBytes);
    peer.first = text(kFirst, kMaxPresenceNameBytes);
    peer.last = text(kLast, kMaxPresenceNameBytes);
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
    if (const auto split = split_instance(instance)) return sanitize(split->user, kMaxPresenceNickBytes);
    return sanitize(instance, kMaxPresenceNickBytes);
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
