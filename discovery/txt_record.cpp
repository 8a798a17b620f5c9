#include "discovery/txt_record.hpp"

#include "text/utf8.hpp"

#include <algorithm>
#include <charconv>

namespace hallway::discovery {
namespace {

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

std::string sanitize_nick(std::string_view nick) { return text::sanitize_label(nick, kMaxNickBytes); }

std::string service_instance_name(std::string_view nick, std::string_view fingerprint) {
    std::string name(text::cut_at_char_boundary(sanitize_nick(nick), kMaxServiceNameBytes));
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
