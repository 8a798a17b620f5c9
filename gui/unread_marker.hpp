#pragma once
// Where the "new" line goes when a conversation is opened with unread texts:
// above the first of them, and the view opens scrolled there rather than to
// the bottom. Pure; the window keeps the answer per open tab.
#include "core/store.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace hallway::gui {

// The index in msgs (oldest first) of the first of the last `unread`
// incoming messages, our own in between not counted; the oldest incoming one
// when fewer are held than unread. nullopt when unread is 0 or none is incoming.
std::optional<std::size_t> first_unread(const std::vector<core::StoredMessage>& msgs, std::uint32_t unread);

}  // namespace hallway::gui
