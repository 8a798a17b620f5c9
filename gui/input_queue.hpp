#pragma once
// Keyboard input trickled into ImGui one frame's share at a time. ImGui 1.86
// (Debian 12) has no input queue: a key pressed and released between two
// frames is never seen, and typed characters are applied before keys within a
// frame. Fast typists, xdotool, or a slow frame lose Enter or reorder text. So
// the window queues GLFW key and char events and feeds each frame only as many
// as it can see as they happened. Pure; UI thread.
#include <cstddef>
#include <deque>
#include <variant>

namespace hallway::gui {

struct KeyEvent {
    int key = 0;
    int scancode = 0;
    int action = 0;  // GLFW_PRESS, GLFW_RELEASE or GLFW_REPEAT
    int mods = 0;
};
struct CharEvent {
    unsigned int codepoint = 0;
};
using InputEvent = std::variant<KeyEvent, CharEvent>;

// How many events from the front of queue one frame may take: releases and
// characters, then presses, and nothing after a press. ImGui sees each press
// with the modifiers held at that moment (xdotool, for one, lets go of Shift
// before Return), no press is released before a frame saw it, and no text
// typed after a key lands before the key's effect. At least one when queue is
// not empty.
std::size_t frame_share(const std::deque<InputEvent>& queue);

}  // namespace hallway::gui
