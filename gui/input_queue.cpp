#include "gui/input_queue.hpp"

#include <algorithm>
#include <vector>

namespace hallway::gui {

namespace {
// GLFW's values, repeated so this file needs no GLFW header.
constexpr int kRelease = 0;
constexpr int kPress = 1;
}  // namespace

std::size_t frame_share(const std::deque<InputEvent>& queue) {
    std::vector<int> pressed;
    std::size_t n = 0;
    for (const auto& e : queue) {
        if (const auto* k = std::get_if<KeyEvent>(&e)) {
            if (k->action == kRelease && std::find(pressed.begin(), pressed.end(), k->key) != pressed.end()) break;
            if (k->action == kPress) pressed.push_back(k->key);
        } else if (!pressed.empty()) {
            break;
        }
        ++n;
    }
    return std::max<std::size_t>(n, queue.empty() ? 0 : 1);
}

}  // namespace hallway::gui
