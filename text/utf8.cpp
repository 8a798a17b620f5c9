#include "text/utf8.hpp"

#include <algorithm>

namespace hallway::text {

Utf8Step decode_utf8(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return {b0, 1, true};
    std::size_t need = 0;
    char32_t c = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte, then of the others
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1, c = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2, c = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0;  // overlong
        if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3, c = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90;  // overlong
        if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        return {};
    }
    for (std::size_t k = 1; k <= need; ++k) {
        if (i + k >= s.size()) return {kReplacementCharacter, k, false};
        const auto b = static_cast<unsigned char>(s[i + k]);
        if (b < lo || b > hi) return {kReplacementCharacter, k, false};
        c = (c << 6) | (b & 0x3F);
        lo = 0x80, hi = 0xBF;
    }
    return {c, need + 1, true};
}

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

std::string_view cut_at_char_boundary(std::string_view s, std::size_t max_bytes) {
    if (s.size() <= max_bytes) return s;
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return s.substr(0, cut);
}

namespace {

bool removed_from_labels(char32_t c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F)  // C0, DEL, C1 controls
           || c == 0x2028 || c == 0x2029          // line/paragraph separators
           || (c >= 0x202A && c <= 0x202E)        // bidi embeddings/overrides
           || (c >= 0x2066 && c <= 0x2069);       // bidi isolates
}

}  // namespace

std::string sanitize_label(std::string_view s, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(s.size(), max_bytes + 4));
    // Decoding stops once past the bound: a huge value costs no more than a short one.
    for (std::size_t i = 0; i < s.size() && out.size() <= max_bytes;) {
        const Utf8Step step = decode_utf8(s, i);
        if (!removed_from_labels(step.code_point)) append_utf8(out, step.code_point);
        i += step.length;
    }
    out.resize(cut_at_char_boundary(out, max_bytes).size());
    return out;
}

}  // namespace hallway::text
