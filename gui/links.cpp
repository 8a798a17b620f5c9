#include "gui/links.hpp"

#include <cstring>

namespace hallway::gui {
namespace {

bool ascii_alnum(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c; }

bool starts_with_ci(std::string_view s, std::size_t at, std::string_view prefix) {
    if (s.size() - at < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(static_cast<unsigned char>(s[at + i])) != static_cast<unsigned char>(prefix[i])) return false;
    return true;
}

// Length of the scheme and "//" of a link starting at at, or 0.
std::size_t scheme_length(std::string_view s, std::size_t at) {
    if (starts_with_ci(s, at, "http://")) return 7;
    if (starts_with_ci(s, at, "https://")) return 8;
    return 0;
}

// Spaces a URL never holds: ASCII ones and controls, and the UTF-8 no-break
// space (U+00A0) and ideographic space and full stop (U+3000, U+3002), which
// chat text puts right after a link.
bool ends_link(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c == 0x7f) return true;
    if (c < 0x80) return std::strchr("<>\"`{}|", c) != nullptr;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xa0) return true;
    if (c == 0xe3 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80) {
        const auto c2 = static_cast<unsigned char>(s[i + 2]);
        return c2 == 0x80 || c2 == 0x82;
    }
    return false;
}

// Where the link that starts at begin ends, trailing punctuation left out.
// Counts brackets once and keeps them as trailing ones drop, so the work is
// linear in the link's length.
std::size_t link_end(std::string_view s, std::size_t begin, std::size_t after_scheme) {
    std::size_t end = after_scheme;
    while (end < s.size() && !ends_link(s, end)) ++end;
    long parens = 0, brackets = 0;  // opened minus closed
    for (std::size_t i = begin; i < end; ++i) {
        if (s[i] == '(') ++parens;
        else if (s[i] == ')') --parens;
        else if (s[i] == '[') ++brackets;
        else if (s[i] == ']') --brackets;
    }
    while (end > after_scheme) {
        const char c = s[end - 1];
        if (std::strchr(".,;:!?'*", c) != nullptr) {
            --end;
        } else if (c == ')' && parens < 0) {
            ++parens;
            --end;
        } else if (c == ']' && brackets < 0) {
            ++brackets;
            --end;
        } else {
            break;
        }
    }
    return end;
}

}  // namespace

std::vector<TextSpan> split_links(std::string_view body) {
    std::vector<TextSpan> out;
    std::size_t text_begin = 0;  // start of the text run not yet added
    std::size_t i = 0;
    while (i < body.size()) {
        const std::size_t scheme = (i == 0 || !ascii_alnum(static_cast<unsigned char>(body[i - 1]))) ? scheme_length(body, i) : 0;
        if (scheme == 0) {
            ++i;
            continue;
        }
        const std::size_t end = link_end(body, i, i + scheme);
        if (end == i + scheme) {  // "http://" and nothing: not a link
            i += scheme;
            continue;
        }
        if (i > text_begin) out.push_back({text_begin, i, false});
        out.push_back({i, end, true});
        text_begin = i = end;
    }
    if (body.size() > text_begin) out.push_back({text_begin, body.size(), false});
    return out;
}

bool openable_link(std::string_view url) {
    const auto spans = split_links(url);
    return spans.size() == 1 && spans[0].link;
}

}  // namespace hallway::gui
