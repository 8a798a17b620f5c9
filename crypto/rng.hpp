#pragma once
// Randomness is injected (STYLE 6): code in crypto/ and core/ asks an Rng, never
// randombytes directly, so tests can run with fixed bytes.
#include <cstdint>
#include <functional>
#include <span>

namespace hallway::crypto {

using Rng = std::function<void(std::span<std::uint8_t>)>;

// libsodium's CSPRNG. Thread-safe.
Rng system_rng();

}  // namespace hallway::crypto
