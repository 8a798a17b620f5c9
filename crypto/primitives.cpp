#include "crypto/primitives.hpp"

#include <sodium.h>

#include <cstdlib>

namespace hallway::crypto::detail {

namespace {
// RFC 2104's B for BLAKE2b (its compression block), not the output length.
constexpr std::size_t kHmacBlockLen = 128;
constexpr std::uint8_t kInnerPad = 0x36;
constexpr std::uint8_t kOuterPad = 0x5c;
}  // namespace

void ensure_sodium() {
    static const bool ready = sodium_init() >= 0;
    if (!ready) std::abort();
}

void blake2b(std::initializer_list<Bytes> parts, std::span<std::uint8_t, kHashLen> out) {
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, kHashLen);
    for (Bytes part : parts) crypto_generichash_update(&state, part.data(), part.size());
    crypto_generichash_final(&state, out.data(), kHashLen);
}

void hmac_blake2b(std::span<const std::uint8_t, kHashLen> key, std::initializer_list<Bytes> parts,
                  std::span<std::uint8_t, kHashLen> out) {
    Secret<kHmacBlockLen> pad;
    std::copy(key.begin(), key.end(), pad.data());
    for (std::uint8_t& b : pad.span()) b ^= kInnerPad;

    Secret<kHashLen> inner;
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, kHashLen);
    crypto_generichash_update(&state, pad.data(), pad.size());
    for (Bytes part : parts) crypto_generichash_update(&state, part.data(), part.size());
    crypto_generichash_final(&state, inner.data(), kHashLen);

    for (std::uint8_t& b : pad.span()) b ^= kInnerPad ^ kOuterPad;
    crypto_generichash_init(&state, nullptr, 0, kHashLen);
    crypto_generichash_update(&state, pad.data(), pad.size());
    crypto_generichash_update(&state, inner.data(), inner.size());
    crypto_generichash_final(&state, out.data(), kHashLen);
    // The state held key-derived bytes.
    sodium_memzero(&state, sizeof state);
}

void hkdf(std::span<const std::uint8_t, kHashLen> chaining_key, Bytes input_key_material,
          std::span<Secret<kHashLen>> outputs) {
    Secret<kHashLen> temp_key;
    hmac_blake2b(chaining_key, {input_key_material}, temp_key.span());
    Bytes previous;  // empty for output1
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        const std::uint8_t counter = static_cast<std::uint8_t>(i + 1);
        hmac_blake2b(temp_key.span(), {previous, Bytes(&counter, 1)}, outputs[i].span());
        previous = outputs[i].span();
    }
}

NoiseError x25519(const Secret<kDhLen>& private_key, const PublicKey& public_key, Secret<kDhLen>& out) {
    Secret<kDhLen> result;
    if (crypto_scalarmult(result.data(), private_key.data(), public_key.data()) != 0) return NoiseError::bad_dh;
    out = result;
    return NoiseError::ok;
}

}  // namespace hallway::crypto::detail
