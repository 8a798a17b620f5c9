#include "gui/input_queue.hpp"

namespace hallway::gui {

namespace {
// GLFW's values, repeated so this file needs no GLFW header. (GLFW_REPEAT is
// ignored by ImGui 1.86, which times repeats itself.)
constexpr int kRelease = 0;
constexpr int kPress = 1;
}  // namespace

std::size_t frame_share(const std::deque<InputEvent>& queue) {
    bool pressed = false;
    std::size_t n = 0;
    for (const auto& e : queue) {
        const auto* k = std::get_if<KeyEvent>(&e);
        if (k && k->action == kPress) {
            pressed = true;
        } else if (pressed && (!k || k->action == kRelease)) {
            break;
        }
        ++n;
    }
    return n;
}

}  // namespace hallway::gui
