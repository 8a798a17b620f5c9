#include "crypto/keyed_tag.hpp"

#include "crypto/primitives.hpp"

#include <sodium.h>

namespace hallway::crypto {

KeyedTag keyed_tag(std::span<const std::uint8_t, 32> key, std::string_view context, std::span<const std::uint8_t> salt) {
    detail::ensure_sodium();
    KeyedTag tag{};
    crypto_generichash_blake2b_state state;
    crypto_generichash_blake2b_init(&state, key.data(), key.size(), tag.size());
    crypto_generichash_blake2b_update(&state, reinterpret_cast<const unsigned char*>(context.data()), context.size());
    crypto_generichash_blake2b_update(&state, salt.data(), salt.size());
    crypto_generichash_blake2b_final(&state, tag.data(), tag.size());
    return tag;
}

bool tags_equal(const KeyedTag& a, const KeyedTag& b) { return sodium_memcmp(a.data(), b.data(), a.size()) == 0; }

}  // namespace hallway::crypto
