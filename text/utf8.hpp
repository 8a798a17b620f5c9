#pragma once
// UTF-8 as every layer that takes text from a peer needs it: one decoder with
// one rule for ill-formed input, so the wire, mDNS records and XMPP streams
// repair the same bytes the same way. No Hallway dependency: the bottom layer.
#include <cstddef>
#include <string>
#include <string_view>

namespace hallway::text {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;
inline constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

// At s[i] (i < s.size()): a well-formed sequence (valid, its code point and
// length), or the maximal subpart of an ill-formed one (Unicode §3.9; not
// valid, code point U+FFFD, length at least 1), so one bad byte never
// swallows the valid character after it.
struct Utf8Step {
    char32_t code_point = kReplacementCharacter;
    std::size_t length = 1;
    bool valid = false;
};
Utf8Step decode_utf8(std::string_view s, std::size_t i);

void append_utf8(std::string& out, char32_t code_point);

// s (valid UTF-8) cut to at most max_bytes without splitting a character.
std::string_view cut_at_char_boundary(std::string_view s, std::size_t max_bytes);

// Peer text made fit for a one-line label (a nick, a status message): each
// ill-formed subpart becomes U+FFFD; control characters (C0, DEL, C1), line and
// paragraph separators and bidi embeddings, overrides and isolates (which can
// disguise a name) are removed; the result is cut to max_bytes on a character
// boundary. Idempotent.
std::string sanitize_label(std::string_view s, std::size_t max_bytes);

}  // namespace hallway::text
