#pragma once
// A message body drawn as the window wraps text, its web links (gui/links.hpp)
// coloured, underlined and clickable. Lines break where ImGui's own wrapped
// text breaks them; body_size and draw_body break them the same way, so a
// layout cache made with one fits what the other draws. UI thread, inside a
// window, in the current font.
#include <imgui.h>

#include <optional>
#include <string_view>

namespace hallway::gui {

// The size body takes wrapped at wrap_width pixels.
ImVec2 body_size(std::string_view body, float wrap_width);

// Draws body with its top-left corner at pos (screen coordinates). With
// mouse_over (the item under the body is hovered), returns the link under the
// mouse, if any, and shows a hand cursor over it.
std::optional<std::string_view> draw_body(std::string_view body, ImVec2 pos, float wrap_width, bool mouse_over);

}  // namespace hallway::gui
