#pragma once
// A short tag that names a static public key only to whoever already holds it:
// BLAKE2b-128 keyed with the 32-byte key over context || salt. Private mode's
// record tag (docs/PROTOCOL.md §2.1) and a where's tags (§13) are this.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace hallway::crypto {

inline constexpr std::size_t kKeyedTagLen = 16;
using KeyedTag = std::array<std::uint8_t, kKeyedTagLen>;

KeyedTag keyed_tag(std::span<const std::uint8_t, 32> key, std::string_view context, std::span<const std::uint8_t> salt);

// Constant time: a comparison's timing says nothing of how much of a tag matched.
bool tags_equal(const KeyedTag& a, const KeyedTag& b);

}  // namespace hallway::crypto
