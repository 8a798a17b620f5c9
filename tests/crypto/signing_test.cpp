#include "crypto/signing.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace hallway::crypto;

namespace {
KeyPair identity_with(std::uint8_t fill) {
    std::array<std::uint8_t, kDhLen> priv{};
    priv.fill(fill);
    return KeyPair::from_private(priv);
}
const std::vector<std::uint8_t> kMessage{'h', 'e', 'l', 'l', 'o'};
}  // namespace

TEST_CASE("the signing key is a function of the identity, and differs between identities") {
    const auto a1 = SigningKey::derive(identity_with(1));
    const auto a2 = SigningKey::derive(identity_with(1));
    const auto b = SigningKey::derive(identity_with(2));
    CHECK(a1.public_key == a2.public_key);
    CHECK(a1.public_key != b.public_key);
}

TEST_CASE("a signature verifies only with its key, context and message") {
    const auto a = SigningKey::derive(identity_with(1));
    const auto b = SigningKey::derive(identity_with(2));
    const auto sig = sign(a, "ctx", kMessage);
    CHECK(verify(a.public_key, "ctx", kMessage, sig));
    CHECK_FALSE(verify(b.public_key, "ctx", kMessage, sig));
    CHECK_FALSE(verify(a.public_key, "other", kMessage, sig));
    auto altered = kMessage;
    altered[0] ^= 1;
    CHECK_FALSE(verify(a.public_key, "ctx", altered, sig));
    auto bad = sig;
    bad[10] ^= 0x40;
    CHECK_FALSE(verify(a.public_key, "ctx", kMessage, bad));
}
