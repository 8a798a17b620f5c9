#pragma once
// Private mode's record tag (docs/PROTOCOL.md §2.1), sans-I/O: a private
// node publishes "pt" = hex(salt || tag), tag = BLAKE2b-128 keyed with its
// static public key over kPrivateTagContext || salt. Whoever holds the key (a
// contact) recognises the record; anyone else sees random bytes, new on every
// start (a fresh salt).
#include "core/store.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hallway::core {

inline constexpr std::string_view kPrivateTagContext = "Hallway private tag v1";
inline constexpr std::size_t kPrivateSaltBytes = 16;
inline constexpr std::size_t kPrivateTagBytes = 16;
using PrivateSalt = std::array<std::uint8_t, kPrivateSaltBytes>;

// The "pt" value (64 lower-case hex digits) that `key` publishes with `salt`.
std::string private_record_tag(const PeerKey& key, const PrivateSalt& salt);

// The first of `keys` whose private_record_tag with pt's salt is pt (as
// discovery::parse_txt returns it: 64 lower-case hex digits), else nullopt
// (also for a malformed pt). One keyed BLAKE2b per key, compared in constant time.
std::optional<PeerKey> match_private_tag(std::string_view pt, std::span<const PeerKey> keys);

}  // namespace hallway::core
