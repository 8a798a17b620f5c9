#include "core/search_query.hpp"

#include "core/profile.hpp"
#include "text/utf8.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace hallway::core {

namespace {

using text::decode_utf8;
using text::Utf8Step;

// Whether unicode61 would split words at cp. Exact for ASCII and Latin-1;
// beyond, the blocks of punctuation and symbols people type (dashes, quotes,
// ellipsis, arrows, emoji...). A symbol missed here only makes a word that
// matches nothing, never an FTS5 operator: every word is quoted.
bool separates(char32_t cp) {
    if (cp < 0x80) return !std::isalnum(static_cast<int>(cp));
    if (cp <= 0xBF)  // Latin-1 punctuation; ª µ º ² ³ ¹ ¼ ½ ¾ are letters or digits
        return !(cp == 0xAA || cp == 0xB5 || cp == 0xBA || cp == 0xB2 || cp == 0xB3 || cp == 0xB9 ||
                 (cp >= 0xBC && cp <= 0xBE));
    if (cp == 0xD7 || cp == 0xF7) return true;  // × ÷
    return (cp >= 0x2000 && cp <= 0x206F) ||    // general punctuation, spaces, joiners
           (cp >= 0x20A0 && cp <= 0x20CF) ||    // currency
           (cp >= 0x2100 && cp <= 0x214F && cp != 0x2102 && cp != 0x2115 && cp != 0x211D) ||
           (cp >= 0x2190 && cp <= 0x2BFF) ||    // arrows, operators, shapes, dingbats
           (cp >= 0x3000 && cp <= 0x3004) || (cp >= 0x3008 && cp <= 0x3020) ||  // CJK punctuation
           (cp >= 0xFE10 && cp <= 0xFE1F) || (cp >= 0xFE30 && cp <= 0xFE6F) ||
           (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||  // fullwidth punctuation
           (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
           (cp >= 0x1F000 && cp <= 0x1FAFF);   // emoji and pictographs
}

bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const Utf8Step step = decode_utf8(text, i);
        if (!step.valid) return false;
        i += step.length;
    }
    return true;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool contains_ignoring_ascii_case(std::string_view hay, std::string_view needle) {
    if (needle.empty() || needle.size() > hay.size()) return false;
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                          [](char a, char b) { return ascii_lower(a) == ascii_lower(b); });
    return it != hay.end();
}

}  // namespace

std::vector<std::string> search_words(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    for (std::size_t i = 0; i < text.size();) {
        const Utf8Step step = decode_utf8(text, i);
        const std::size_t n = step.length;
        if (!step.valid || separates(step.code_point)) {  // an invalid sequence separates
            if (!word.empty()) words.push_back(std::move(word));
            word.clear();
        } else {
            word.append(text.substr(i, n));
        }
        i += n;
    }
    if (!word.empty()) words.push_back(std::move(word));
    return words;
}

std::optional<std::string> search_match_expression(std::string_view text, std::string& error) {
    error.clear();
    if (text.size() > kMaxSearchBytes) {
        error = "search text too long (" + std::to_string(text.size()) + " bytes, at most " +
                std::to_string(kMaxSearchBytes) + ")";
        return std::nullopt;
    }
    if (!valid_utf8(text)) {
        error = "search text is not valid UTF-8";
        return std::nullopt;
    }
    const auto words = search_words(text);
    if (words.empty()) {
        error = "nothing to search for";
        return std::nullopt;
    }
    if (words.size() > kMaxSearchTokens) {
        error = "too many words to search for (" + std::to_string(words.size()) + ", at most " +
                std::to_string(kMaxSearchTokens) + ")";
        return std::nullopt;
    }
    std::string match;
    for (const auto& w : words) {
        if (!match.empty()) match += " AND ";
        match += '"';
        for (char c : w) {  // words never hold '"' (a separator); doubled anyway, as FTS5 escapes it
            if (c == '"') match += '"';
            match += c;
        }
        match += "\"*";
    }
    return match;
}

std::string search_snippet(std::string_view body, const std::vector<std::string>& words, std::size_t max_bytes) {
    std::string_view pick;
    bool found = false;
    for (std::size_t start = 0; start <= body.size() && !found;) {
        std::size_t end = body.find('\n', start);
        if (end == std::string_view::npos) end = body.size();
        const auto line = body.substr(start, end - start);
        if (start == 0) pick = line;
        for (const auto& w : words)
            if (contains_ignoring_ascii_case(line, w)) {
                pick = line;
                found = true;
                break;
            }
        start = end + 1;
    }
    if (!pick.empty() && pick.back() == '\r') pick.remove_suffix(1);
    if (pick.size() <= max_bytes) return std::string(pick);
    constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
    return std::string(text::cut_at_char_boundary(pick, max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0)) +
           std::string(kEllipsis);
}

}  // namespace hallway::core
