#pragma once
// Web links in message text: which parts of a body are http:// or https://
// URLs, so the window can draw them as links and open one when clicked.
// Pure: no ImGui, no I/O; the body is peer text, so the work is one pass over
// it whatever it holds.
#include <cstddef>
#include <string_view>
#include <vector>

namespace hallway::gui {

// One run of a body: plain text, or a link whose text is the URL itself.
struct TextSpan {
    std::size_t begin = 0;  // byte offsets into the body
    std::size_t end = 0;
    bool link = false;
    bool operator==(const TextSpan&) const = default;
};

// The body cut into alternating runs covering it exactly, in order, none
// empty (an empty body gives none). A link starts at "http://" or "https://"
// (any case) not preceded by a letter or digit, holds at least one character
// after the "//", and runs to the first space, control character, or one of
// < > " ` { } |. Trailing . , ; : ! ? ' * are not part of it, nor a trailing )
// or ] that closes nothing opened inside the link ("(see http://a/b_(c))").
// No other schemes: a "file:" or "javascript:" text stays text.
std::vector<TextSpan> split_links(std::string_view body);

// What may be handed to xdg-open: exactly a link split_links finds as a whole
// (checked again at the point of opening, so nothing else is ever opened).
bool openable_link(std::string_view url);

}  // namespace hallway::gui
