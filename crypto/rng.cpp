#include "crypto/rng.hpp"

#include "crypto/primitives.hpp"

#include <sodium.h>

namespace hallway::crypto {

Rng system_rng() {
    detail::ensure_sodium();
    return [](std::span<std::uint8_t> out) { randombytes_buf(out.data(), out.size()); };
}

}  // namespace hallway::crypto
