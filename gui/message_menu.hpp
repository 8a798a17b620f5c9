#pragma once
// What a person can do with a message: its right-click menu (Copy text,
// Select text..., and on a link Copy link / Open link) and the "Select text"
// window, where part of the text can be selected and copied (Ctrl+A, Ctrl+C).
// Shared by conversations and rooms. UI thread.
#include "gui/commands.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace hallway::gui {

struct MessageMenuState {
    std::string link;         // the link the menu was opened on ("" none)
    std::string select_body;  // the text the Select text window shows
    bool select_popup = false;  // ImGui::OpenPopup on the next frame
};

// Call right after the item that holds a message (its bubble or line), with
// the link under the mouse (draw_body's answer). Opens the menu on a right
// click; Open link asks main for xdg-open (OpenLink), never anything sooner.
void message_menu(MessageMenuState& state, std::string_view body, std::optional<std::string_view> link_under_mouse,
                  Commands& out);

// The Select text window; call every frame, outside the per-message id scopes.
void draw_select_text(MessageMenuState& state);

}  // namespace hallway::gui
