#pragma once
// Internal: the primitives of the suite 25519_ChaChaPoly_BLAKE2b (Noise §4,
// §12) as thin wrappers over libsodium. Not part of the public API.
#include "crypto/noise.hpp"

#include <initializer_list>
#include <span>

namespace hallway::crypto::detail {

// libsodium must be initialised once before any other call; every public
// entry point of crypto/ calls this (cheap after the first time). Aborts if
// libsodium cannot initialise, since nothing here can work without it.
void ensure_sodium();

using Bytes = std::span<const std::uint8_t>;

// HASH(): unkeyed BLAKE2b-512 of the concatenation of parts.
void blake2b(std::initializer_list<Bytes> parts, std::span<std::uint8_t, kHashLen> out);

// HMAC-HASH() per RFC 2104 with BLAKE2b-512 and its 128-byte block (Noise §4.3
// requires real HMAC, not BLAKE2b's keyed mode). Keys are always HASHLEN here.
void hmac_blake2b(std::span<const std::uint8_t, kHashLen> key, std::initializer_list<Bytes> parts,
                  std::span<std::uint8_t, kHashLen> out);

// HKDF(chaining_key, input_key_material, outputs.size()) of Noise §4.3; 2 or 3 outputs.
void hkdf(std::span<const std::uint8_t, kHashLen> chaining_key, Bytes input_key_material,
          std::span<Secret<kHashLen>> outputs);

// DH(): X25519. bad_dh when libsodium refuses the point (the result would be
// all zero, i.e. a low-order public key).
NoiseError x25519(const Secret<kDhLen>& private_key, const PublicKey& public_key, Secret<kDhLen>& out);

}  // namespace hallway::crypto::detail
