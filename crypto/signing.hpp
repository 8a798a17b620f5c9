#pragma once
// The node's Ed25519 signing key, for what other members must check after it
// has passed through third parties (room entries, docs/PROTOCOL.md §11). Noise
// authenticates only the two ends of a session; a signature survives relaying.
// The key is derived from the identity's private key, so a profile holds one
// secret and the signing key cannot drift from the identity it belongs to.
#include "crypto/noise.hpp"
#include "crypto/secret.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace hallway::crypto {

inline constexpr std::size_t kSignPublicKeyLen = 32;
inline constexpr std::size_t kSignatureLen = 64;
using SignPublicKey = std::array<std::uint8_t, kSignPublicKeyLen>;
using Signature = std::array<std::uint8_t, kSignatureLen>;

struct SigningKey {
    Secret<64> secret_key;  // libsodium's seed || public key form
    SignPublicKey public_key{};

    // Ed25519 key pair from seed = BLAKE2b-256("Hallway/1 signing key" || identity private key).
    static SigningKey derive(const KeyPair& identity);
};

// Ed25519 over context || message: the context keeps a signature made for one
// purpose from being valid for another (docs/PROTOCOL.md §11.2).
Signature sign(const SigningKey& key, std::string_view context, std::span<const std::uint8_t> message);
bool verify(const SignPublicKey& key, std::string_view context, std::span<const std::uint8_t> message,
            const Signature& signature);

}  // namespace hallway::crypto
