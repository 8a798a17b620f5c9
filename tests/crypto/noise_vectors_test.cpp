// The Cacophony vectors for 25519_ChaChaPoly_BLAKE2b, and the one AESGCM vector
// of the Noise test-vector format: every handshake message, the handshake hash
// on both sides, and the transport messages after split.
#include "crypto/noise.hpp"
#include "tests/crypto/noise_test_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace hallway::crypto {
namespace {

using test::from_hex;
using test::to_hex;
using Json = nlohmann::json;

constexpr std::size_t kExpectedVectors = 59;

std::filesystem::path vector_file() {
    return std::filesystem::path(HALLWAY_TESTDATA_DIR) / "noise" / "cacophony-25519-ChaChaPoly-BLAKE2b.json";
}

KeyPair key_from(const Json& v, const char* field) {
    const std::vector<std::uint8_t> k = from_hex(v.at(field).get<std::string>());
    REQUIRE(k.size() == kDhLen);
    return KeyPair::from_private(std::span<const std::uint8_t, kDhLen>(k.data(), kDhLen));
}

HandshakeConfig config_from(const Json& v, Role role) {
    const std::string side = role == Role::initiator ? "init_" : "resp_";
    HandshakeConfig config;
    config.protocol_name = v.at("protocol_name").get<std::string>();
    config.role = role;
    config.prologue = from_hex(v.at(side + "prologue").get<std::string>());
    if (v.contains(side + "static")) config.s = key_from(v, (side + "static").c_str());
    if (v.contains(side + "ephemeral")) config.e = key_from(v, (side + "ephemeral").c_str());
    if (v.contains(side + "remote_static")) {
        const std::vector<std::uint8_t> rs = from_hex(v.at(side + "remote_static").get<std::string>());
        REQUIRE(rs.size() == kDhLen);
        config.rs.emplace();
        std::copy(rs.begin(), rs.end(), config.rs->begin());
    }
    if (v.contains(side + "psks")) {
        for (const Json& psk : v.at(side + "psks")) {
            const std::vector<std::uint8_t> k = from_hex(psk.get<std::string>());
            REQUIRE(k.size() == kKeyLen);
            config.psks.emplace_back(std::span<const std::uint8_t, kKeyLen>(k.data(), kKeyLen));
        }
    }
    return config;
}

// One-way patterns (N, K, X, with or without psk) are named by one letter.
bool is_one_way(std::string_view protocol_name) {
    const std::string_view pattern = protocol_name.substr(std::string_view("Noise_").size());
    return pattern.size() > 1 && (pattern[1] == '_' || pattern.substr(1).starts_with("psk"));
}

// Sends one message from `from` to `to` and checks the ciphertext and the payload.
void check_handshake_message(HandshakeState& from, HandshakeState& to, const Json& m) {
    const std::vector<std::uint8_t> payload = from_hex(m.at("payload").get<std::string>());
    std::vector<std::uint8_t> message;
    REQUIRE(to_string(from.write_message(payload, message)) == to_string(NoiseError::ok));
    CHECK(to_hex(message) == m.at("ciphertext").get<std::string>());
    std::vector<std::uint8_t> received;
    REQUIRE(to_string(to.read_message(message, received)) == to_string(NoiseError::ok));
    CHECK(received == payload);
}

void check_transport_message(CipherState& from, CipherState& to, const Json& m) {
    const std::vector<std::uint8_t> payload = from_hex(m.at("payload").get<std::string>());
    std::vector<std::uint8_t> message;
    REQUIRE(from.encrypt_with_ad({}, payload, message) == NoiseError::ok);
    CHECK(to_hex(message) == m.at("ciphertext").get<std::string>());
    std::vector<std::uint8_t> received;
    REQUIRE(to.decrypt_with_ad({}, message, received) == NoiseError::ok);
    CHECK(received == payload);
}

void run_vector(const Json& v) {
    NoiseError err = NoiseError::ok;
    auto initiator = HandshakeState::create(config_from(v, Role::initiator), err);
    REQUIRE_MESSAGE(initiator, "initiator config: ", to_string(err));
    auto responder = HandshakeState::create(config_from(v, Role::responder), err);
    REQUIRE_MESSAGE(responder, "responder config: ", to_string(err));

    const Json& messages = v.at("messages");
    std::size_t i = 0;
    for (; i < messages.size(); ++i) {
        CAPTURE(i);
        if (initiator->action() == HandshakeAction::write_message) {
            REQUIRE(responder->action() == HandshakeAction::read_message);
            check_handshake_message(*initiator, *responder, messages[i]);
        } else if (responder->action() == HandshakeAction::write_message) {
            REQUIRE(initiator->action() == HandshakeAction::read_message);
            check_handshake_message(*responder, *initiator, messages[i]);
        } else {
            break;
        }
    }
    REQUIRE(initiator->action() == HandshakeAction::split);
    REQUIRE(responder->action() == HandshakeAction::split);
    const std::string expected_hash = v.at("handshake_hash").get<std::string>();
    CHECK(to_hex(initiator->handshake_hash()) == expected_hash);
    CHECK(to_hex(responder->handshake_hash()) == expected_hash);

    CipherState i_send, i_recv, r_recv, r_send;
    REQUIRE(initiator->split(i_send, i_recv) == NoiseError::ok);
    REQUIRE(responder->split(r_recv, r_send) == NoiseError::ok);
    const bool one_way = is_one_way(v.at("protocol_name").get<std::string>());
    for (; i < messages.size(); ++i) {
        CAPTURE(i);
        if (one_way || i % 2 == 0)
            check_transport_message(i_send, r_recv, messages[i]);
        else
            check_transport_message(r_send, i_recv, messages[i]);
    }
}

TEST_CASE("Cacophony vectors for 25519_ChaChaPoly_BLAKE2b") {
    const std::filesystem::path path = vector_file();
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "Noise vector file missing or unreadable: ", path.string(),
                    " (set HALLWAY_TESTDATA_DIR to the shared testdata directory)");
    const Json vectors = Json::parse(in).at("vectors");

    std::size_t ran = 0;
    for (const Json& v : vectors) {
        const std::string name = v.at("protocol_name").get<std::string>();
        INFO("vector ", name);
        run_vector(v);
        ++ran;
    }
    MESSAGE("ran ", ran, " Noise vectors");
    CHECK(ran == kExpectedVectors);
}

// The example of "Noise Test Vector Format" (Wied, Weatherley, revision 1, 2017,
// public domain): four transport messages, so nonces 0 and 1 in each direction,
// which tells AESGCM's big-endian nonce from ChaChaPoly's little-endian one.
constexpr std::string_view kAesGcmExample = R"({
"protocol_name": "Noise_NN_25519_AESGCM_BLAKE2b",
"init_prologue": "4a6f686e2047616c74",
"init_ephemeral": "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a",
"resp_prologue": "4a6f686e2047616c74",
"resp_ephemeral": "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b",
"handshake_hash": "67b154b6ecdb34fcb837863430a4705c46c1af6e4fbcf1c7f69b324e5b841aed395246bb28fc184b94198ab33dfb9d3967c13c507879431a33d0d952dd1c7eea",
"messages": [
{"payload": "4c756477696720766f6e204d69736573",
 "ciphertext": "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573"},
{"payload": "4d757272617920526f746862617264",
 "ciphertext": "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f1448088430b4b427c7ab9fac9f434513fa08726db51b1b447074227725c16a35f6b37c4"},
{"payload": "462e20412e20486179656b",
 "ciphertext": "9d37117df3063b2dd15b76ab8feb70d1a863ed48809447faffba69"},
{"payload": "4361726c204d656e676572",
 "ciphertext": "0637f52a8c2a4fc85335e3e54ff6f354c640a748db72134abc544a"},
{"payload": "4a65616e2d426170746973746520536179",
 "ciphertext": "6d2a593b40932c40c700d71f5e4223e0ee4401e8682bc1e9c756523f34b2354fcb"},
{"payload": "457567656e2042f6686d20766f6e2042617765726b",
 "ciphertext": "a5c747fe5132b92fc0819925ea2e2cf6ce10fd2c52fa8d25a4480c71fcd0d508a8c57adf54"}
]})";

TEST_CASE("the Noise test-vector format's example, Noise_NN_25519_AESGCM_BLAKE2b") {
    if (!cipher_available(Cipher::aesgcm)) {
        MESSAGE("skipped: this CPU has no AES-NI/CLMUL, so libsodium offers no AES-256-GCM");
        return;
    }
    run_vector(Json::parse(kAesGcmExample));
}

}  // namespace
}  // namespace hallway::crypto
