// Negative and edge-case tests of the Noise state machines: tampering,
// low-order keys, nonce limits, rekey, misuse, and wiping of secrets.
#include "crypto/noise.hpp"
#include "tests/crypto/noise_test_support.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <new>

namespace hallway::crypto {
namespace {

using test::bytes;
using test::counting_rng;
using test::from_hex;

constexpr std::string_view kXX = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
constexpr std::uint64_t kMaxNonce = std::numeric_limits<std::uint64_t>::max();

// X25519 points of small order (libsodium's blacklist, from the Curve25519
// paper): DH with them gives all zeros whatever the scalar.
const PublicKey kZeroPoint{};
const std::string_view kOrder8Point = "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800";

PublicKey public_key_from_hex(std::string_view hex) {
    PublicKey key{};
    const std::vector<std::uint8_t> b = from_hex(hex);
    std::copy(b.begin(), b.end(), key.begin());
    return key;
}

HandshakeConfig xx_config(Role role, std::uint8_t seed) {
    HandshakeConfig config;
    config.protocol_name = std::string(kXX);
    config.role = role;
    config.prologue = bytes("hallway test");
    config.s = KeyPair::generate(counting_rng(seed));
    config.rng = counting_rng(static_cast<std::uint8_t>(seed + 100));
    return config;
}

std::unique_ptr<HandshakeState> make(HandshakeConfig config) {
    NoiseError err = NoiseError::ok;
    auto state = HandshakeState::create(std::move(config), err);
    REQUIRE_MESSAGE(state, to_string(err));
    return state;
}

using Tamper = std::function<void(std::size_t index, std::vector<std::uint8_t>& message)>;

// Runs the handshake to the end, passing each message through tamper on the
// way. Returns the first error either side reports.
NoiseError run_handshake(HandshakeState& initiator, HandshakeState& responder, const Tamper& tamper) {
    for (std::size_t index = 0;; ++index) {
        const bool initiator_writes = initiator.action() == HandshakeAction::write_message;
        if (!initiator_writes && responder.action() != HandshakeAction::write_message) return NoiseError::ok;
        HandshakeState& writer = initiator_writes ? initiator : responder;
        HandshakeState& reader = initiator_writes ? responder : initiator;
        std::vector<std::uint8_t> message;
        if (NoiseError err = writer.write_message(bytes("payload"), message); err != NoiseError::ok) return err;
        tamper(index, message);
        std::vector<std::uint8_t> payload;
        if (NoiseError err = reader.read_message(message, payload); err != NoiseError::ok) return err;
    }
}

const Tamper kNoTamper = [](std::size_t, std::vector<std::uint8_t>&) {};

// The messages of an untampered XX handshake, to know their sizes.
std::vector<std::size_t> xx_message_sizes() {
    auto initiator = make(xx_config(Role::initiator, 1));
    auto responder = make(xx_config(Role::responder, 2));
    std::vector<std::size_t> sizes;
    REQUIRE(run_handshake(*initiator, *responder, [&](std::size_t, std::vector<std::uint8_t>& m) {
                sizes.push_back(m.size());
            }) == NoiseError::ok);
    return sizes;
}

struct Session {
    CipherState initiator_send, initiator_receive, responder_receive, responder_send;
};

Session xx_session() {
    auto initiator = make(xx_config(Role::initiator, 1));
    auto responder = make(xx_config(Role::responder, 2));
    REQUIRE(run_handshake(*initiator, *responder, kNoTamper) == NoiseError::ok);
    Session s;
    REQUIRE(initiator->split(s.initiator_send, s.initiator_receive) == NoiseError::ok);
    REQUIRE(responder->split(s.responder_receive, s.responder_send) == NoiseError::ok);
    return s;
}

bool either_failed(const HandshakeState& a, const HandshakeState& b) {
    return a.action() == HandshakeAction::failed || b.action() == HandshakeAction::failed;
}

TEST_CASE("XX handshake completes and both sides learn each other's static key") {
    HandshakeConfig ic = xx_config(Role::initiator, 1);
    HandshakeConfig rc = xx_config(Role::responder, 2);
    const PublicKey initiator_key = ic.s->public_key;
    const PublicKey responder_key = rc.s->public_key;
    auto initiator = make(std::move(ic));
    auto responder = make(std::move(rc));
    CHECK(initiator->remote_static() == std::nullopt);
    REQUIRE(run_handshake(*initiator, *responder, kNoTamper) == NoiseError::ok);
    CHECK(initiator->action() == HandshakeAction::split);
    CHECK(initiator->remote_static() == responder_key);
    CHECK(responder->remote_static() == initiator_key);
    CHECK(initiator->handshake_hash() == responder->handshake_hash());
}

TEST_CASE("flipping any bit of any XX handshake message makes the handshake fail") {
    const std::vector<std::size_t> sizes = xx_message_sizes();
    REQUIRE(sizes.size() == 3);
    std::size_t flips = 0;
    for (std::size_t index = 0; index < sizes.size(); ++index) {
        for (std::size_t bit = 0; bit < sizes[index] * 8; ++bit) {
            CAPTURE(index);
            CAPTURE(bit);
            auto initiator = make(xx_config(Role::initiator, 1));
            auto responder = make(xx_config(Role::responder, 2));
            const NoiseError err = run_handshake(*initiator, *responder, [&](std::size_t i, std::vector<std::uint8_t>& m) {
                if (i == index) m[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            });
            CHECK(err != NoiseError::ok);
            CHECK(either_failed(*initiator, *responder));
            ++flips;
        }
    }
    MESSAGE("rejected ", flips, " single-bit flips");
}

TEST_CASE("flipping any bit of a transport message is rejected and the nonce does not advance") {
    Session s = xx_session();
    std::vector<std::uint8_t> message;
    REQUIRE(s.initiator_send.encrypt_with_ad({}, bytes("hello"), message) == NoiseError::ok);
    for (std::size_t bit = 0; bit < message.size() * 8; ++bit) {
        CAPTURE(bit);
        std::vector<std::uint8_t> tampered = message;
        tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        std::vector<std::uint8_t> out = bytes("kept");
        CHECK(s.responder_receive.decrypt_with_ad({}, tampered, out) == NoiseError::decrypt_failed);
        CHECK(out == bytes("kept"));
        CHECK(s.responder_receive.nonce() == 0);
    }
    std::vector<std::uint8_t> out;
    CHECK(s.responder_receive.decrypt_with_ad({}, message, out) == NoiseError::ok);
    CHECK(out == bytes("hello"));
    CHECK(s.responder_receive.nonce() == 1);
}

TEST_CASE("truncated handshake messages make the handshake fail") {
    const std::vector<std::size_t> sizes = xx_message_sizes();
    for (std::size_t index = 0; index < sizes.size(); ++index) {
        for (std::size_t len = 0; len < sizes[index]; ++len) {
            CAPTURE(index);
            CAPTURE(len);
            auto initiator = make(xx_config(Role::initiator, 1));
            auto responder = make(xx_config(Role::responder, 2));
            const NoiseError err = run_handshake(*initiator, *responder, [&](std::size_t i, std::vector<std::uint8_t>& m) {
                if (i == index) m.resize(len);
            });
            CHECK(err != NoiseError::ok);
            CHECK(either_failed(*initiator, *responder));
        }
    }
    SUBCASE("shorter than the first message's ephemeral key") {
        auto responder = make(xx_config(Role::responder, 2));
        std::vector<std::uint8_t> payload;
        CHECK(responder->read_message(std::vector<std::uint8_t>(kDhLen - 1), payload) == NoiseError::message_too_short);
        CHECK(responder->action() == HandshakeAction::failed);
    }
}

TEST_CASE("truncated transport messages are rejected") {
    Session s = xx_session();
    std::vector<std::uint8_t> message;
    REQUIRE(s.initiator_send.encrypt_with_ad({}, bytes("hello"), message) == NoiseError::ok);
    for (std::size_t len = 0; len < message.size(); ++len) {
        CAPTURE(len);
        std::vector<std::uint8_t> out;
        const NoiseError err = s.responder_receive.decrypt_with_ad({}, std::span(message).first(len), out);
        CHECK(err == (len < kTagLen ? NoiseError::message_too_short : NoiseError::decrypt_failed));
        CHECK(s.responder_receive.nonce() == 0);
    }
}

TEST_CASE("a different prologue makes the handshake fail") {
    HandshakeConfig rc = xx_config(Role::responder, 2);
    rc.prologue = bytes("another prologue");
    auto initiator = make(xx_config(Role::initiator, 1));
    auto responder = make(std::move(rc));
    CHECK(run_handshake(*initiator, *responder, kNoTamper) == NoiseError::decrypt_failed);
    CHECK(initiator->action() == HandshakeAction::failed);
}

// XX with one key replaced by `bad`; the side that meets it in a DH must fail with bad_dh.
void check_low_order(const PublicKey& bad, bool ephemeral, Role owner) {
    HandshakeConfig ic = xx_config(Role::initiator, 1);
    HandshakeConfig rc = xx_config(Role::responder, 2);
    HandshakeConfig& c = owner == Role::initiator ? ic : rc;
    std::optional<KeyPair>& key = ephemeral ? c.e : c.s;
    key = KeyPair::generate(counting_rng(50));
    key->public_key = bad;
    auto initiator = make(std::move(ic));
    auto responder = make(std::move(rc));
    CHECK(run_handshake(*initiator, *responder, kNoTamper) == NoiseError::bad_dh);
    const HandshakeState& peer = owner == Role::initiator ? *responder : *initiator;
    CHECK(peer.action() == HandshakeAction::failed);
    CHECK(peer.remote_static() == std::nullopt);
}

TEST_CASE("a low-order X25519 key from the peer aborts the handshake with bad_dh") {
    for (const PublicKey& bad : {kZeroPoint, public_key_from_hex(kOrder8Point)}) {
        CAPTURE(test::to_hex(bad));
        for (Role owner : {Role::initiator, Role::responder}) {
            CAPTURE(owner == Role::initiator ? "initiator's key" : "responder's key");
            check_low_order(bad, /*ephemeral=*/true, owner);
            check_low_order(bad, /*ephemeral=*/false, owner);
        }
    }
}

TEST_CASE("a failed handshake stays failed") {
    auto initiator = make(xx_config(Role::initiator, 1));
    auto responder = make(xx_config(Role::responder, 2));
    std::vector<std::uint8_t> m1;
    REQUIRE(initiator->write_message({}, m1) == NoiseError::ok);
    std::vector<std::uint8_t> payload;
    REQUIRE(responder->read_message(std::span(m1).first(10), payload) == NoiseError::message_too_short);
    // The intact message does not revive it.
    CHECK(responder->read_message(m1, payload) == NoiseError::wrong_state);
    std::vector<std::uint8_t> m2;
    CHECK(responder->write_message({}, m2) == NoiseError::wrong_state);
    CHECK(m2.empty());
    CipherState c1, c2;
    CHECK(responder->split(c1, c2) == NoiseError::wrong_state);
    CHECK_FALSE(c1.has_key());
    CHECK(responder->action() == HandshakeAction::failed);
}

TEST_CASE("calls out of turn fail") {
    SUBCASE("the responder cannot write first") {
        auto responder = make(xx_config(Role::responder, 2));
        CHECK(responder->action() == HandshakeAction::read_message);
        std::vector<std::uint8_t> message;
        CHECK(responder->write_message({}, message) == NoiseError::wrong_state);
        CHECK(message.empty());
        CHECK(responder->action() == HandshakeAction::failed);
    }
    SUBCASE("the initiator cannot read first") {
        auto initiator = make(xx_config(Role::initiator, 1));
        std::vector<std::uint8_t> payload;
        CHECK(initiator->read_message(std::vector<std::uint8_t>(96), payload) == NoiseError::wrong_state);
        CHECK(initiator->action() == HandshakeAction::failed);
    }
    SUBCASE("split before the end, and split twice") {
        auto initiator = make(xx_config(Role::initiator, 1));
        auto responder = make(xx_config(Role::responder, 2));
        CipherState c1, c2;
        CHECK(initiator->split(c1, c2) == NoiseError::wrong_state);
        REQUIRE(run_handshake(*initiator, *responder, kNoTamper) == NoiseError::ok);
        CHECK(responder->split(c1, c2) == NoiseError::ok);
        CipherState d1, d2;
        CHECK(responder->split(d1, d2) == NoiseError::wrong_state);
        CHECK_FALSE(d1.has_key());
    }
}

TEST_CASE("payloads that would exceed the Noise message limit are refused") {
    auto initiator = make(xx_config(Role::initiator, 1));
    std::vector<std::uint8_t> message;
    CHECK(initiator->write_message(std::vector<std::uint8_t>(kMaxNoiseMessage), message) == NoiseError::message_too_long);
    CHECK(message.empty());
    CHECK(initiator->action() == HandshakeAction::failed);

    Session s = xx_session();
    std::vector<std::uint8_t> out;
    CHECK(s.initiator_send.encrypt_with_ad({}, std::vector<std::uint8_t>(kMaxNoiseMessage - kTagLen + 1), out) ==
          NoiseError::message_too_long);
    CHECK(out.empty());
    CHECK(s.initiator_send.encrypt_with_ad({}, std::vector<std::uint8_t>(kMaxNoiseMessage - kTagLen), out) ==
          NoiseError::ok);
    CHECK(out.size() == kMaxNoiseMessage);
}

TEST_CASE("configurations the pattern cannot use are refused") {
    NoiseError err = NoiseError::ok;
    auto create = [&](HandshakeConfig c) { return HandshakeState::create(std::move(c), err); };

    for (std::string_view name : {"Noise_XX_25519_AESGCM_SHA256", "Noise_ZZ_25519_ChaChaPoly_BLAKE2b",
                                  "Noise_XXpsk4_25519_ChaChaPoly_BLAKE2b", "Noise_NNpsk2+psk0_25519_ChaChaPoly_BLAKE2b",
                                  "Noise_XXfallback_25519_ChaChaPoly_BLAKE2b", "Noise_XXpsk0+_25519_ChaChaPoly_BLAKE2b",
                                  "Noise_XXpsk_25519_ChaChaPoly_BLAKE2b", "XX"}) {
        CAPTURE(name);
        HandshakeConfig c = xx_config(Role::initiator, 1);
        c.protocol_name = std::string(name);
        CHECK(create(std::move(c)) == nullptr);
        CHECK(err == NoiseError::bad_protocol_name);
    }

    HandshakeConfig no_s = xx_config(Role::initiator, 1);
    no_s.s.reset();
    CHECK(create(std::move(no_s)) == nullptr);
    CHECK(err == NoiseError::missing_key);

    HandshakeConfig nk = xx_config(Role::initiator, 1);
    nk.protocol_name = "Noise_NK_25519_ChaChaPoly_BLAKE2b";
    nk.s.reset();
    CHECK(create(nk) == nullptr);
    CHECK(err == NoiseError::missing_key);  // no rs
    nk.rs = PublicKey{};
    CHECK(create(nk) != nullptr);
    CHECK(err == NoiseError::ok);

    HandshakeConfig psk = xx_config(Role::initiator, 1);
    psk.protocol_name = "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b";
    CHECK(create(psk) == nullptr);
    CHECK(err == NoiseError::missing_key);
    psk.psks.resize(2);
    CHECK(create(psk) == nullptr);
    CHECK(err == NoiseError::unexpected_key);

    HandshakeConfig pinned = xx_config(Role::initiator, 1);
    pinned.rs = PublicKey{};
    CHECK(create(std::move(pinned)) == nullptr);
    CHECK(err == NoiseError::unexpected_key);

    HandshakeConfig no_rng = xx_config(Role::initiator, 1);
    no_rng.rng = nullptr;
    CHECK(create(std::move(no_rng)) == nullptr);
    CHECK(err == NoiseError::missing_key);
}

TEST_CASE("psk handshakes need the same psk on both sides") {
    auto config = [](Role role, std::uint8_t seed, std::uint8_t psk_byte) {
        HandshakeConfig c = xx_config(role, seed);
        c.protocol_name = "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b";
        std::array<std::uint8_t, kKeyLen> psk;
        psk.fill(psk_byte);
        c.psks.emplace_back(psk);
        return c;
    };
    auto i1 = make(config(Role::initiator, 1, 7));
    auto r1 = make(config(Role::responder, 2, 7));
    CHECK(run_handshake(*i1, *r1, kNoTamper) == NoiseError::ok);
    auto i2 = make(config(Role::initiator, 1, 7));
    auto r2 = make(config(Role::responder, 2, 8));
    CHECK(run_handshake(*i2, *r2, kNoTamper) == NoiseError::decrypt_failed);
}

TEST_CASE("several psk modifiers use their psks in modifier order") {
    auto config = [](Role role, std::uint8_t first, std::uint8_t second) {
        HandshakeConfig c;
        c.protocol_name = "Noise_NNpsk0+psk2_25519_ChaChaPoly_BLAKE2b";
        c.role = role;
        c.rng = counting_rng(role == Role::initiator ? 10 : 20);
        for (std::uint8_t fill : {first, second}) {
            std::array<std::uint8_t, kKeyLen> psk;
            psk.fill(fill);
            c.psks.emplace_back(psk);
        }
        return c;
    };
    auto i1 = make(config(Role::initiator, 1, 2));
    auto r1 = make(config(Role::responder, 1, 2));
    CHECK(run_handshake(*i1, *r1, kNoTamper) == NoiseError::ok);
    CHECK(i1->handshake_hash() == r1->handshake_hash());
    // The same two psks swapped: the first message already fails.
    auto i2 = make(config(Role::initiator, 1, 2));
    auto r2 = make(config(Role::responder, 2, 1));
    CHECK(run_handshake(*i2, *r2, kNoTamper) == NoiseError::decrypt_failed);
    CHECK(r2->action() == HandshakeAction::failed);
    // Only the second differs: the initiator notices when reading message 2.
    auto i3 = make(config(Role::initiator, 1, 2));
    auto r3 = make(config(Role::responder, 1, 3));
    CHECK(run_handshake(*i3, *r3, kNoTamper) == NoiseError::decrypt_failed);
    CHECK(i3->action() == HandshakeAction::failed);
}

TEST_CASE("nonce 2^64-1 is reserved: encrypt and decrypt refuse it") {
    Session s = xx_session();
    std::vector<std::uint8_t> out;
    s.initiator_send.set_nonce(kMaxNonce - 1);
    s.responder_receive.set_nonce(kMaxNonce - 1);
    std::vector<std::uint8_t> last;
    REQUIRE(s.initiator_send.encrypt_with_ad({}, bytes("last"), last) == NoiseError::ok);
    REQUIRE(s.responder_receive.decrypt_with_ad({}, last, out) == NoiseError::ok);
    CHECK(out == bytes("last"));
    CHECK(s.initiator_send.nonce() == kMaxNonce);

    std::vector<std::uint8_t> refused;
    CHECK(s.initiator_send.encrypt_with_ad({}, bytes("more"), refused) == NoiseError::nonce_exhausted);
    CHECK(refused.empty());
    CHECK(s.initiator_send.nonce() == kMaxNonce);
    out.clear();
    CHECK(s.responder_receive.decrypt_with_ad({}, last, out) == NoiseError::nonce_exhausted);
    CHECK(out.empty());
}

TEST_CASE("rekey replaces k with the first 32 bytes of ENCRYPT(k, 2^64-1, empty, zeros)") {
    std::array<std::uint8_t, kKeyLen> key;
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 7 + 3);
    CipherState cipher;
    cipher.initialize_key(key);
    cipher.set_nonce(5);
    cipher.rekey();
    CHECK(cipher.nonce() == 5);

    // Independently: the reserved nonce is 4 zero bytes then 2^64-1 little-endian.
    std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> max_nonce{};
    std::fill(max_nonce.begin() + 4, max_nonce.end(), 0xff);
    const std::array<std::uint8_t, kKeyLen> zeros{};
    std::array<std::uint8_t, kKeyLen + kTagLen> block{};
    REQUIRE(crypto_aead_chacha20poly1305_ietf_encrypt(block.data(), nullptr, zeros.data(), zeros.size(), nullptr, 0,
                                                      nullptr, max_nonce.data(), key.data()) == 0);
    const std::vector<std::uint8_t> plaintext = bytes("after rekey");
    std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce5{};
    nonce5[4] = 5;
    std::vector<std::uint8_t> expected(plaintext.size() + kTagLen);
    REQUIRE(crypto_aead_chacha20poly1305_ietf_encrypt(expected.data(), nullptr, plaintext.data(), plaintext.size(),
                                                      nullptr, 0, nullptr, nonce5.data(), block.data()) == 0);

    std::vector<std::uint8_t> actual;
    REQUIRE(cipher.encrypt_with_ad({}, plaintext, actual) == NoiseError::ok);
    CHECK(actual == expected);
}

TEST_CASE("AESGCM encrypts with AES-256-GCM under the nonce 4 zero bytes then n big-endian") {
    if (!cipher_available(Cipher::aesgcm)) {
        MESSAGE("skipped: this CPU has no AES-NI/CLMUL, so libsodium offers no AES-256-GCM");
        return;
    }
    std::array<std::uint8_t, kKeyLen> key;
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 5 + 1);
    CipherState cipher(Cipher::aesgcm);
    cipher.initialize_key(key);
    cipher.set_nonce(0x0102030405060708);
    const std::vector<std::uint8_t> plaintext = bytes("big-endian");
    std::vector<std::uint8_t> actual;
    REQUIRE(cipher.encrypt_with_ad(bytes("ad"), plaintext, actual) == NoiseError::ok);

    const std::array<std::uint8_t, crypto_aead_aes256gcm_NPUBBYTES> nonce{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    const std::vector<std::uint8_t> ad = bytes("ad");
    std::vector<std::uint8_t> expected(plaintext.size() + kTagLen);
    REQUIRE(crypto_aead_aes256gcm_encrypt(expected.data(), nullptr, plaintext.data(), plaintext.size(), ad.data(),
                                          ad.size(), nullptr, nonce.data(), key.data()) == 0);
    CHECK(actual == expected);
}

TEST_CASE("switch_cipher moves a fresh transport key to AESGCM, and only a fresh one") {
    if (!cipher_available(Cipher::aesgcm)) {
        MESSAGE("skipped: this CPU has no AES-NI/CLMUL, so libsodium offers no AES-256-GCM");
        return;
    }
    Session chacha = xx_session(), aes = xx_session();  // same keys: same seeds
    REQUIRE(aes.initiator_send.switch_cipher(Cipher::aesgcm) == NoiseError::ok);
    REQUIRE(aes.responder_receive.switch_cipher(Cipher::aesgcm) == NoiseError::ok);
    CHECK(aes.initiator_send.cipher() == Cipher::aesgcm);

    std::vector<std::uint8_t> under_aes, under_chacha, out;
    REQUIRE(aes.initiator_send.encrypt_with_ad({}, bytes("same key"), under_aes) == NoiseError::ok);
    REQUIRE(chacha.initiator_send.encrypt_with_ad({}, bytes("same key"), under_chacha) == NoiseError::ok);
    CHECK(under_aes != under_chacha);
    CHECK(chacha.responder_receive.decrypt_with_ad({}, under_aes, out) == NoiseError::decrypt_failed);
    REQUIRE(aes.responder_receive.decrypt_with_ad({}, under_aes, out) == NoiseError::ok);
    CHECK(out == bytes("same key"));

    // After a message, and without a key, the cipher is fixed.
    CHECK(aes.initiator_send.switch_cipher(Cipher::chachapoly) == NoiseError::wrong_state);
    CHECK(aes.responder_receive.switch_cipher(Cipher::chachapoly) == NoiseError::wrong_state);
    CipherState unkeyed;
    CHECK(unkeyed.switch_cipher(Cipher::aesgcm) == NoiseError::wrong_state);
    CHECK(aes.initiator_send.cipher() == Cipher::aesgcm);
}

TEST_CASE("protocol names with AESGCM are Noise suites, other ciphers are not") {
    HandshakeConfig config = xx_config(Role::initiator, 1);
    config.protocol_name = "Noise_XX_25519_AESGCM_BLAKE2b";
    NoiseError err = NoiseError::ok;
    const bool created = HandshakeState::create(config, err) != nullptr;
    CHECK(created == cipher_available(Cipher::aesgcm));
    for (const char* name : {"Noise_XX_25519_AESGCM_SHA256", "Noise_XX_25519_AES_BLAKE2b", "Noise_XX_448_AESGCM_BLAKE2b",
                             "Noise_XX_25519AESGCM_BLAKE2b", "Noise_XX__25519_ChaChaPoly_BLAKE2b"}) {
        CAPTURE(name);
        config.protocol_name = name;
        CHECK(HandshakeState::create(config, err) == nullptr);
        CHECK(err == NoiseError::bad_protocol_name);
    }
}

TEST_CASE("both directions stay in step after rekey on both sides") {
    Session s = xx_session();
    s.initiator_send.rekey();
    s.responder_receive.rekey();
    std::vector<std::uint8_t> message, out;
    REQUIRE(s.initiator_send.encrypt_with_ad({}, bytes("hi"), message) == NoiseError::ok);
    CHECK(s.responder_receive.decrypt_with_ad({}, message, out) == NoiseError::ok);
    CHECK(out == bytes("hi"));
    // Only one side rekeyed: the other direction no longer decrypts.
    s.responder_send.rekey();
    message.clear();
    REQUIRE(s.responder_send.encrypt_with_ad({}, bytes("hi"), message) == NoiseError::ok);
    CHECK(s.initiator_receive.decrypt_with_ad({}, message, out) == NoiseError::decrypt_failed);
}

TEST_CASE("Secret wipes its bytes when destroyed") {
    alignas(Secret<kKeyLen>) std::array<std::uint8_t, sizeof(Secret<kKeyLen>)> buffer{};
    std::array<std::uint8_t, kKeyLen> value;
    value.fill(0xa5);
    auto* secret = new (buffer.data()) Secret<kKeyLen>(value);
    REQUIRE(std::count(buffer.begin(), buffer.end(), 0xa5) == kKeyLen);
    secret->~Secret();
    CHECK(std::count(buffer.begin(), buffer.end(), 0) == static_cast<long>(buffer.size()));
}

TEST_CASE("KeyPair wipes its private key when destroyed") {
    alignas(KeyPair) std::array<std::uint8_t, sizeof(KeyPair)> buffer{};
    auto* pair = new (buffer.data()) KeyPair(KeyPair::generate(counting_rng(1)));
    const std::uint8_t* private_bytes = pair->private_key.data();
    REQUIRE(std::any_of(private_bytes, private_bytes + kDhLen, [](std::uint8_t b) { return b != 0; }));
    const std::size_t offset = static_cast<std::size_t>(private_bytes - buffer.data());
    pair->~KeyPair();
    CHECK(std::all_of(buffer.begin() + offset, buffer.begin() + offset + kDhLen, [](std::uint8_t b) { return b == 0; }));
}

TEST_CASE("in-place encryption and decryption give the copying calls' bytes, a bad tag leaves the nonce") {
    Session copying = xx_session(), in_place = xx_session();  // same keys: same seeds
    const std::vector<std::uint8_t> plain = bytes("a transport message, encrypted where it lies");
    std::vector<std::uint8_t> expected;
    REQUIRE(copying.initiator_send.encrypt_with_ad({}, plain, expected) == NoiseError::ok);
    std::vector<std::uint8_t> message = plain;
    message.resize(plain.size() + kTagLen);
    REQUIRE(in_place.initiator_send.encrypt_in_place({}, message) == NoiseError::ok);
    CHECK(message == expected);
    CHECK(in_place.initiator_send.nonce() == 1);
    CHECK(in_place.initiator_send.encrypt_in_place({}, std::span(message).first(kTagLen - 1)) ==
          NoiseError::message_too_short);
    CHECK(in_place.initiator_send.nonce() == 1);

    std::vector<std::uint8_t> tampered = message;
    tampered[3] ^= 0x10;
    CHECK(in_place.responder_receive.decrypt_in_place({}, tampered) == NoiseError::decrypt_failed);
    CHECK(in_place.responder_receive.nonce() == 0);
    REQUIRE(in_place.responder_receive.decrypt_in_place({}, message) == NoiseError::ok);
    CHECK(std::vector<std::uint8_t>(message.begin(), message.end() - kTagLen) == plain);
    CHECK(in_place.responder_receive.nonce() == 1);
}

}  // namespace
}  // namespace hallway::crypto
