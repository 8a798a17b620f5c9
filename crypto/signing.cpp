#include "crypto/signing.hpp"

#include "crypto/primitives.hpp"

#include <sodium.h>

#include <vector>

namespace hallway::crypto {

namespace {
constexpr std::string_view kDerivationContext = "Hallway/1 signing key";

std::vector<std::uint8_t> with_context(std::string_view context, std::span<const std::uint8_t> message) {
    std::vector<std::uint8_t> out(context.begin(), context.end());
    out.insert(out.end(), message.begin(), message.end());
    return out;
}
}  // namespace

SigningKey SigningKey::derive(const KeyPair& identity) {
    detail::ensure_sodium();
    Secret<crypto_sign_SEEDBYTES> seed;
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, seed.size());
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(kDerivationContext.data()),
                              kDerivationContext.size());
    crypto_generichash_update(&state, identity.private_key.data(), identity.private_key.size());
    crypto_generichash_final(&state, seed.data(), seed.size());
    sodium_memzero(&state, sizeof state);
    SigningKey key;
    crypto_sign_seed_keypair(key.public_key.data(), key.secret_key.data(), seed.data());
    return key;
}

Signature sign(const SigningKey& key, std::string_view context, std::span<const std::uint8_t> message) {
    detail::ensure_sodium();
    const auto signed_bytes = with_context(context, message);
    Signature sig{};
    crypto_sign_detached(sig.data(), nullptr, signed_bytes.data(), signed_bytes.size(), key.secret_key.data());
    return sig;
}

bool verify(const SignPublicKey& key, std::string_view context, std::span<const std::uint8_t> message,
            const Signature& signature) {
    detail::ensure_sodium();
    const auto signed_bytes = with_context(context, message);
    return crypto_sign_verify_detached(signature.data(), signed_bytes.data(), signed_bytes.size(),
                                       key.data()) == 0;
}

}  // namespace hallway::crypto
