#include "discovery/txt_record.hpp"

#include <algorithm>
#include <charconv>

namespace hallway::discovery {
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

// Decodes one code point at s[i], advancing i. Ill-formed input yields
// U+FFFD per maximal subpart (Unicode §3.9), so a bad byte never swallows
// the valid character after it.
char32_t decode_one(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i++]);
    if (b0 < 0x80) return b0;
    std::size_t len = 0;
    char32_t c = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) { len = 2; c = b0 & 0x1F; }
    else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3; c = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0;       // overlong
        if (b0 == 0xED) hi = 0x9F;       // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4; c = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90;       // overlong
        if (b0 == 0xF4) hi = 0x8F;       // above U+10FFFF
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

bool is_removed(char32_t c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F)  // C0, DEL, C1 controls
           || c == 0x2028 || c == 0x2029          // line/paragraph separators
           || (c >= 0x202A && c <= 0x202E)        // bidi embeddings/overrides
           || (c >= 0x2066 && c <= 0x2069);       // bidi isolates
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool key_equals(std::string_view key, std::string_view lower_name) {
    return key.size() == lower_name.size() &&
           std::equal(key.begin(), key.end(), lower_name.begin(),
                      [](char a, char b) { return ascii_lower(a) == b; });
}

std::optional<std::uint32_t> parse_decimal(std::string_view s) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

std::string cut_at_char_boundary(std::string s, std::size_t max_bytes) {
    if (s.size() > max_bytes) {
        std::size_t cut = max_bytes;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        s.resize(cut);
    }
    return s;
}

}  // namespace

bool is_valid_fingerprint(std::string_view fp) {
    return fp.size() == kFingerprintDigits &&
           std::all_of(fp.begin(), fp.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_valid_private_tag(std::string_view pt) {
    return pt.size() == kPrivateTagHexDigits &&
           std::all_of(pt.begin(), pt.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string private_peer_id(std::string_view private_tag) {
    return std::string(kPrivateIdPrefix) + std::string(private_tag);
}

std::string_view private_tag_of(std::string_view peer_id) {
    return peer_id.starts_with(kPrivateIdPrefix) ? peer_id.substr(kPrivateIdPrefix.size()) : std::string_view();
}

std::string sanitize_nick(std::string_view nick) {
    std::string out;
    out.reserve(nick.size());
    for (std::size_t i = 0; i < nick.size();) {
        const char32_t c = decode_one(nick, i);
        if (!is_removed(c)) append_utf8(out, c);
    }
    return cut_at_char_boundary(std::move(out), kMaxNickBytes);
}

std::string service_instance_name(std::string_view nick, std::string_view fingerprint) {
    std::string name = cut_at_char_boundary(sanitize_nick(nick), kMaxServiceNameBytes);
    if (name.empty()) name = "Hallway " + std::string(fingerprint.substr(0, 8));
    return name;
}

std::string private_instance_name(std::string_view private_tag) {
    return "Hallway " + std::string(private_tag.substr(0, 8));
}

std::optional<TxtInfo> parse_txt(const std::vector<std::string>& entries) {
    std::optional<std::string_view> v, fp, nick, pt;
    for (const std::string& entry : entries) {
        if (entry.size() > kMaxTxtEntryBytes) continue;
        const auto eq = entry.find('=');
        if (eq == std::string::npos || eq == 0) continue;  // boolean attribute / no key
        const std::string_view key(entry.data(), eq);
        const std::string_view value(entry.data() + eq + 1, entry.size() - eq - 1);
        for (auto [name, slot] : {std::pair{"v", &v}, std::pair{"fp", &fp}, std::pair{"nick", &nick},
                                  std::pair{"pt", &pt}})
            if (key_equals(key, name) && !*slot) *slot = value;
    }
    const auto version = v ? parse_decimal(*v) : std::nullopt;
    if (!version) return std::nullopt;
    if (!fp && pt) {
        std::string tag(*pt);
        std::transform(tag.begin(), tag.end(), tag.begin(), ascii_lower);
        if (!is_valid_private_tag(tag)) return std::nullopt;
        return TxtInfo{*version, "", "", std::move(tag)};
    }
    if (!fp || !is_valid_fingerprint(*fp)) return std::nullopt;
    return TxtInfo{*version, std::string(*fp), sanitize_nick(nick.value_or("")), ""};
}

std::vector<std::string> serialize_txt(const TxtInfo& info) {
    if (!info.private_tag.empty()) return {"v=" + std::to_string(info.version), "pt=" + info.private_tag};
    return {"v=" + std::to_string(info.version), "fp=" + info.fingerprint,
            "nick=" + sanitize_nick(info.nick)};
}

}  // namespace hallway::discovery
