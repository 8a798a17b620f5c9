// Passphrase keys (Argon2id), sealing with them (XChaCha20-Poly1305) and the
// passphrase holder.
#include "crypto/passphrase.hpp"
#include "tests/crypto/noise_test_support.hpp"

#include <doctest/doctest.h>

#include <array>
#include <string>

namespace hallway::crypto {
namespace {

using test::counting_rng;

std::span<const std::uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string hex(std::span<const std::uint8_t> b) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (auto c : b) {
        out += kDigits[c >> 4];
        out += kDigits[c & 0xf];
    }
    return out;
}

TEST_CASE("passphrase: Argon2id matches the reference implementation") {
    // Independent value: the reference Argon2 (libargon2, not libsodium), computed with
    //   python3 -c 'import ctypes; l=ctypes.CDLL("libargon2.so.1"); o=ctypes.create_string_buffer(32);
    //     p=b"correct horse battery staple"; s=bytes(range(16));
    //     l.argon2id_hash_raw(2, 64, 1, p, len(p), s, 16, o, 32); print(o.raw.hex())'
    // (t_cost 2, m_cost 64 KiB, one lane = opslimit 2, memlimit 65536 bytes).
    std::array<std::uint8_t, kKdfSaltLen> salt{};
    for (std::size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<std::uint8_t>(i);
    SealKey key;
    REQUIRE(derive_key("correct horse battery staple", salt, KdfParams{2, 64 * 1024}, key));
    CHECK(hex(key.span()) == "2df47ede6358ed17a9976d4fcedb897a10036d432a4acef17d263bfc98bd20ac");

    SealKey other;
    REQUIRE(derive_key("correct horse battery stapler", salt, KdfParams{2, 64 * 1024}, other));
    CHECK(hex(other.span()) != hex(key.span()));
}

TEST_CASE("passphrase: the default cost derives (once, at full price)") {
    const std::array<std::uint8_t, kKdfSaltLen> salt{};
    SealKey a, b;
    REQUIRE(kdf_params_in_bounds(kDefaultKdfParams));
    REQUIRE(derive_key("pass", salt, kDefaultKdfParams, a));
    REQUIRE(derive_key("pass", salt, KdfParams{1, 64 * 1024}, b));
    CHECK(hex(a.span()) != hex(b.span()));  // the parameters are really used
}

TEST_CASE("passphrase: parameters out of bounds are refused, not run") {
    const std::array<std::uint8_t, kKdfSaltLen> salt{};
    SealKey key;
    CHECK_FALSE(derive_key("p", salt, KdfParams{0, 64 * 1024}, key));
    CHECK_FALSE(derive_key("p", salt, KdfParams{1, 1024}, key));
    CHECK_FALSE(derive_key("p", salt, KdfParams{kMaxKdfParams.opslimit + 1, 64 * 1024}, key));
    CHECK_FALSE(derive_key("p", salt, KdfParams{1, kMaxKdfParams.memlimit + 1}, key));
}

TEST_CASE("passphrase: seal and open round-trip, and another key, ad or any flipped byte fails") {
    SealKey key, wrong;
    key.data()[0] = 1;
    wrong.data()[0] = 2;
    const auto sealed = seal(key, bytes("ad"), bytes("the secret"), counting_rng(7));
    REQUIRE(sealed.size() == kSealOverhead + 10);
    std::string out(sealed_plaintext_size(sealed.size()), '\0');
    auto out_bytes = std::span(reinterpret_cast<std::uint8_t*>(out.data()), out.size());
    REQUIRE(open(key, bytes("ad"), sealed, out_bytes));
    CHECK(out == "the secret");
    CHECK_FALSE(open(wrong, bytes("ad"), sealed, out_bytes));
    CHECK(out == std::string(10, '\0'));  // failure leaves no partial plaintext
    CHECK_FALSE(open(key, bytes("da"), sealed, out_bytes));
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        auto tampered = sealed;
        tampered[i] ^= 0x01;
        CHECK_FALSE(open(key, bytes("ad"), tampered, out_bytes));
    }
    CHECK_FALSE(open(key, bytes("ad"), std::span(sealed).first(kSealOverhead - 1), out_bytes.first(0)));
}

TEST_CASE("passphrase: the holder moves, is bounded, and clears") {
    Passphrase p("secret");
    CHECK(p.view() == "secret");
    Passphrase q = std::move(p);
    CHECK(q.view() == "secret");
    CHECK(p.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    CHECK(p.push_back('x'));
    CHECK(p.view() == "x");
    Passphrase big(std::string(kMaxPassphrase + 10, 'a'));
    CHECK(big.size() == kMaxPassphrase);
    CHECK(big.full());
    CHECK_FALSE(big.push_back('b'));
    q.pop_back();
    CHECK(q.view() == "secre");
    q.clear();
    CHECK(q.empty());
}

}  // namespace
}  // namespace hallway::crypto
