#include "gui/unread_marker.hpp"

namespace hallway::gui {

std::optional<std::size_t> first_unread(const std::vector<core::StoredMessage>& msgs, std::uint32_t unread) {
    std::optional<std::size_t> found;
    for (std::size_t i = msgs.size(); i-- > 0 && unread > 0;) {
        if (msgs[i].direction != core::Direction::in) continue;
        found = i;
        --unread;
    }
    return found;
}

}  // namespace hallway::gui
