#include "core/files/file_name.hpp"

#include "transport/messages.hpp"
#include "text/utf8.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace hallway::core::files {

namespace {

// Names Windows maps to devices whatever their extension ("nul.txt" too).
constexpr std::array<std::string_view, 24> kDeviceNames{
    "CON",  "PRN",  "AUX",  "NUL",  "COM0", "COM1", "COM2", "COM3", "COM4",   "COM5",   "COM6",  "COM7",
    "COM8", "COM9", "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6",   "LPT7",   "LPT8",  "LPT9"};
constexpr std::array<std::string_view, 2> kConsoleNames{"CONIN$", "CONOUT$"};

bool equal_ascii_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
           });
}

bool device_name(std::string_view component) {
    std::string_view base = component.substr(0, component.find('.'));
    while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
    const auto same = [&](std::string_view d) { return equal_ascii_nocase(base, d); };
    return std::any_of(kDeviceNames.begin(), kDeviceNames.end(), same) ||
           std::any_of(kConsoleNames.begin(), kConsoleNames.end(), same);
}

// Bytes of the character at s[i] (s is valid UTF-8) that must not reach a
// file name, or 0: C0 and DEL, C1 (U+0080..U+009F), the marks and overrides
// that reorder how a name is shown (U+200E/F, U+202A..E, U+2066..9), and the
// characters Windows refuses in names.
std::size_t unsafe_char(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return 1;
    if (std::string_view("<>:\"|?*").find(static_cast<char>(c)) != std::string_view::npos) return 1;
    const auto at = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
    if (c == 0xc2 && at(1) >= 0x80 && at(1) <= 0x9f) return 2;
    if (c == 0xe2 && at(1) == 0x80 && (at(2) == 0x8e || at(2) == 0x8f || (at(2) >= 0xaa && at(2) <= 0xae))) return 3;
    if (c == 0xe2 && at(1) == 0x81 && at(2) >= 0xa6 && at(2) <= 0xa9) return 3;
    return 0;
}

std::optional<std::string> safe_component(std::string_view sent) {
    if (sent.empty() || sent == "." || sent == ".." || sent.size() > kMaxComponent) return std::nullopt;
    if (sent.find('\0') != std::string_view::npos || sent.find('\\') != std::string_view::npos) return std::nullopt;
    const std::string valid = transport::sanitize_utf8(sent);
    std::string out;
    out.reserve(valid.size());
    for (std::size_t i = 0; i < valid.size();) {
        const std::size_t bad = unsafe_char(valid, i);
        out += bad ? '_' : valid[i];
        i += bad ? bad : 1;
    }
    // Windows drops a trailing dot or space, which would make "a." name "a".
    if (out.back() == '.' || out.back() == ' ') out.back() = '_';
    if (device_name(out)) out.insert(out.begin(), '_');
    if (out.size() > kMaxComponent) return std::nullopt;
    return out;
}

}  // namespace

std::optional<std::string> safe_relative_path(std::string_view peer_path) {
    if (peer_path.empty() || peer_path.size() > kMaxRelativePath) return std::nullopt;
    std::string out;
    std::size_t depth = 0;
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = peer_path.find('/', start);
        const std::string_view part = peer_path.substr(start, slash == std::string_view::npos ? slash : slash - start);
        const auto safe = safe_component(part);  // refuses an empty part: absolute, "a//b", trailing '/'
        if (!safe || ++depth > kMaxDepth) return std::nullopt;
        if (!out.empty()) out += '/';
        out += *safe;
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    if (out.size() > kMaxRelativePath) return std::nullopt;
    return out;
}

std::optional<std::string> unique_name(std::string_view name, const std::function<bool(std::string_view)>& exists) {
    const std::size_t dot = name.rfind('.');
    const bool has_ext = dot != std::string_view::npos && dot > 0;
    const std::string_view stem = has_ext ? name.substr(0, dot) : name;
    const std::string_view ext = has_ext ? name.substr(dot) : std::string_view{};
    const std::size_t room = kMaxComponent - kPartSuffix.size();
    for (int n = 0; n <= 9999; ++n) {
        const std::string number = n == 0 ? "" : " (" + std::to_string(n) + ")";
        // An extension too long to keep is cut with the rest.
        std::string candidate;
        if (number.size() + ext.size() < room)
            candidate = std::string(text::cut_at_char_boundary(stem, room - number.size() - ext.size())) + number + std::string(ext);
        else
            candidate = std::string(text::cut_at_char_boundary(name, room - number.size())) + number;
        if (!exists(candidate)) return candidate;
    }
    return std::nullopt;
}

}  // namespace hallway::core::files
