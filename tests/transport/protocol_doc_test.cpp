// Regenerates the worked example of docs/PROTOCOL.md from the code and fails when
// the document differs (HALLWAY_REGENERATE_PROTOCOL=1 rewrites the blocks in place),
// and checks the connection limits it states against transport/wire.hpp.
#include "crypto/identity.hpp"
#include "crypto/signing.hpp"
#include "transport/cbor.hpp"
#include "transport/framing.hpp"
#include "transport/session.hpp"
#include "transport/wire.hpp"

#include "tests/support/protocol_doc.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

using namespace hallway;
using namespace hallway::transport;

namespace {


// The example's keys: 32 consecutive byte values starting at `first` (documented in PROTOCOL.md).
crypto::KeyPair counting_key(std::uint8_t first) {
    std::array<std::uint8_t, 32> priv{};
    for (std::size_t i = 0; i < priv.size(); ++i) priv[i] = static_cast<std::uint8_t>(first + i);
    return crypto::KeyPair::from_private(priv);
}

std::string hex(std::span<const std::uint8_t> bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i > 0 && i % 32 == 0) out += '\n';
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0xf];
    }
    return out;
}

SessionConfig config(crypto::Role role, std::uint8_t s, std::uint8_t e, std::string nick) {
    SessionConfig c;
    c.role = role;
    c.identity = counting_key(s);
    c.fixed_ephemeral = counting_key(e);
    c.hello = Hello{1, std::move(nick), {}};
    return c;
}

// §9's room example, written from §11 alone (not with core/rooms, so the two
// can be checked against each other): Alice's create entry of room "lunch",
// signed, and her room_sync saying she holds it.
void rooms_example(std::map<std::string, std::string>& b) {
    using cbor::Major;
    const auto alice = counting_key(0x00);
    const auto sign = crypto::SigningKey::derive(alice);
    std::array<std::uint8_t, 16> nonce{};
    for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<std::uint8_t>(i);
    const auto blake2b_128 = [](std::initializer_list<std::span<const std::uint8_t>> parts) {
        std::array<std::uint8_t, 16> out{};
        crypto_generichash_state st;
        crypto_generichash_init(&st, nullptr, 0, out.size());
        for (auto p : parts) crypto_generichash_update(&st, p.data(), p.size());
        crypto_generichash_final(&st, out.data(), out.size());
        return out;
    };
    const std::string_view label = "Hallway/1 room";
    const RoomId room = blake2b_128({std::span(reinterpret_cast<const std::uint8_t*>(label.data()), label.size()),
                                     alice.public_key, sign.public_key, nonce});
    std::vector<std::uint8_t> e;
    const auto text = [&](std::string_view k, std::string_view v) {
        cbor::put_text(e, k);
        cbor::put_text(e, v);
    };
    const auto bytes = [&](std::string_view k, std::span<const std::uint8_t> v) {
        cbor::put_text(e, k);
        cbor::put_bytes(e, v);
    };
    const auto uint = [&](std::string_view k, std::uint64_t v) {
        cbor::put_text(e, k);
        cbor::put_head(e, Major::uint, v);
    };
    cbor::put_head(e, Major::map, 11);
    bytes("a", alice.public_key);
    text("k", "create");
    uint("l", 1);
    uint("n", 1);
    text("name", "lunch");
    bytes("nonce", nonce);
    uint("open", 1);
    bytes("r", room);
    bytes("sk", sign.public_key);
    text("topic", "");
    uint("ts", 1700000000000ull);
    const auto signature = crypto::sign(sign, "Hallway/1 room entry", e);
    REQUIRE(crypto::verify(sign.public_key, "Hallway/1 room entry", e, signature));
    b["alice-sign-public"] = hex(sign.public_key);
    b["room-id"] = hex(room);
    b["room-create-entry"] = hex(e);
    b["room-entry-id"] = hex(blake2b_128({e}));
    b["room-entry-cbor"] = hex(encode(RoomEntry{e, signature}));
    b["room-sync-cbor"] = hex(encode(RoomSync{room, {{alice.public_key, 1}}}));
}

// §4.2's IK example: the same keys, Alice knowing Bob's static key in advance.
void ik_example(std::map<std::string, std::string>& b, const Text& text) {
    const MonoTime t0{0};
    auto ac = config(crypto::Role::initiator, 0x00, 0x40, "alice");
    ac.expected_peer = counting_key(0x20).public_key;
    ac.handshake = Handshake::ik;
    Session alice(std::move(ac), t0);
    Session bob(config(crypto::Role::responder, 0x20, 0x60, "bob"), t0);
    auto m1 = alice.start(t0);
    auto m2 = bob.receive(m1.bytes, t0);
    REQUIRE(bob.state() == Session::State::handshake);  // msg1 may be a replay
    auto ping = alice.receive(m2.bytes, t0);
    REQUIRE(alice.state() == Session::State::established);
    bob.receive(ping.bytes, t0);
    REQUIRE(bob.state() == Session::State::established);
    b["ik-frame-1"] = hex(m1.bytes);
    b["ik-frame-2"] = hex(m2.bytes);
    b["ik-frame-ping"] = hex(ping.bytes);
    auto tf = alice.send(text, t0);
    b["ik-frame-text"] = hex(tf.bytes);
    auto got = bob.receive(tf.bytes, t0);
    REQUIRE(got.events.size() == 1);
    CHECK(std::get<Text>(std::get<Received>(got.events[0]).message).body == text.body);
}

// §9's AESGCM frame: the IK example again, both Hellos also listing "aesgcm" (§4.2).
// Where libsodium has no AES-256-GCM it is not generated, so not compared.
void aesgcm_example(std::map<std::string, std::string>& b) {
    if (!crypto::cipher_available(crypto::Cipher::aesgcm)) {
        MESSAGE("example-aesgcm-frame-ping not checked: this CPU has no AES-NI/CLMUL");
        return;
    }
    const MonoTime t0{0};
    auto ac = config(crypto::Role::initiator, 0x00, 0x40, "alice");
    ac.expected_peer = counting_key(0x20).public_key;
    ac.handshake = Handshake::ik;
    ac.hello.capabilities = {std::string(wire::kAesGcmCapability)};
    auto bc = config(crypto::Role::responder, 0x20, 0x60, "bob");
    bc.hello.capabilities = {std::string(wire::kAesGcmCapability)};
    Session alice(std::move(ac), t0);
    Session bob(std::move(bc), t0);
    auto m2 = bob.receive(alice.start(t0).bytes, t0);
    auto ping = alice.receive(m2.bytes, t0);
    REQUIRE(std::get<Established>(ping.events.at(0)).cipher == crypto::Cipher::aesgcm);
    bob.receive(ping.bytes, t0);
    REQUIRE(bob.state() == Session::State::established);
    b["aesgcm-frame-ping"] = hex(ping.bytes);
}

// Every labelled block of the example, generated.
std::map<std::string, std::string> generate() {
    std::map<std::string, std::string> b;
    const MonoTime t0{0};
    Session alice(config(crypto::Role::initiator, 0x00, 0x40, "alice"), t0);
    Session bob(config(crypto::Role::responder, 0x20, 0x60, "bob"), t0);
    const auto a_pub = counting_key(0x00).public_key, b_pub = counting_key(0x20).public_key;
    b["alice-static-public"] = hex(a_pub);
    b["bob-static-public"] = hex(b_pub);
    b["alice-fingerprint"] = crypto::format_digits(crypto::fingerprint(a_pub));
    b["bob-fingerprint"] = crypto::format_digits(crypto::fingerprint(b_pub));
    b["safety-number"] = crypto::format_digits(crypto::safety_number(a_pub, b_pub));
    b["alice-hello"] = hex(encode_hello(Hello{1, "alice", {}}));
    b["bob-hello"] = hex(encode_hello(Hello{1, "bob", {}}));

    auto m1 = alice.start(t0);
    auto m2 = bob.receive(m1.bytes, t0);
    auto m3 = alice.receive(m2.bytes, t0);
    auto done = bob.receive(m3.bytes, t0);
    REQUIRE(alice.state() == Session::State::established);
    REQUIRE(bob.state() == Session::State::established);
    b["frame-1"] = hex(m1.bytes);
    b["frame-2"] = hex(m2.bytes);
    b["frame-3"] = hex(m3.bytes);

    Text text;
    for (std::size_t i = 0; i < text.id.size(); ++i) text.id[i] = static_cast<std::uint8_t>(0x11 * i);
    text.sent_at_ms = 1700000000000ull;
    text.body = "hi";
    b["text-cbor"] = hex(encode(text));
    b["ack-cbor"] = hex(encode(Ack{text.id}));
    auto tf = alice.send(text, t0);
    auto af = bob.send(Ack{text.id}, t0);
    b["frame-text"] = hex(tf.bytes);
    b["frame-ack"] = hex(af.bytes);
    // The example must be a real exchange, not just bytes.
    auto got = bob.receive(tf.bytes, t0);
    REQUIRE(got.events.size() == 1);
    CHECK(std::get<Text>(std::get<Received>(got.events[0]).message).body == "hi");
    ik_example(b, text);
    aesgcm_example(b);
    rooms_example(b);
    return b;
}

std::string squeeze(std::string s) {
    std::erase_if(s, [](char c) { return c == ' ' || c == '\n'; });
    return s;
}

}  // namespace

TEST_CASE("the worked example in docs/PROTOCOL.md matches the code") {
    const auto generated = generate();
    std::string doc = test_doc::read_protocol_doc();
    REQUIRE_FALSE(doc.empty());
    if (std::getenv("HALLWAY_REGENERATE_PROTOCOL")) {
        // Back to front so earlier offsets stay valid.
        auto blocks = test_doc::find_blocks(doc);
        std::vector<std::pair<std::size_t, std::pair<std::size_t, std::string>>> edits;
        for (const auto& [label, range] : blocks) {
            if (generated.count(label)) edits.push_back({range.first, {range.second, generated.at(label) + "\n"}});
        }
        std::sort(edits.rbegin(), edits.rend());
        for (const auto& [begin, rest] : edits) doc.replace(begin, rest.first - begin, rest.second);
        std::ofstream(test_doc::kProtocolDocPath) << doc;
        MESSAGE("rewrote " << test_doc::kProtocolDocPath);
    }
    const auto blocks = test_doc::find_blocks(doc);
    for (const auto& entry : generated) {
        const auto& label = entry.first;
        const auto& text = entry.second;
        INFO("block example-" << label);
        REQUIRE(blocks.count(label) == 1);
        const auto [begin, end] = blocks.at(label);
        CHECK(squeeze(doc.substr(begin, end - begin)) == squeeze(text));
    }
}

// The connection rules a peer meets, as §4.2 and §7 state them, are the code's.
TEST_CASE("the connection limits in docs/PROTOCOL.md are the ones transport/wire.hpp enforces") {
    const std::string doc = test_doc::read_protocol_doc();
    const auto row = [&](const std::string& name) { return test_doc::table_row(doc, name); };
    const auto n = [](std::size_t v) { return std::to_string(v); };
    CHECK(row("incoming connections per source address (rate)").find(
              "burst of " + n(wire::kHandshakeBurstPerAddress) + ", then " + n(wire::kHandshakesPerSecondPerAddress) +
              " per second") != std::string::npos);
    CHECK(row("source addresses the rate limit tracks").find("| " + n(wire::kMaxRateTrackedAddresses) + ";") !=
          std::string::npos);
    CHECK(row("unauthenticated connections").find(n(wire::kMaxUnauthenticated) + " total, " +
                                                   n(wire::kMaxUnauthenticatedPerAddress) + " per source address") !=
          std::string::npos);
    CHECK(row("queued outgoing bytes per session").find("| " + n(wire::kMaxWriteQueue / (1024 * 1024)) + " MiB") !=
          std::string::npos);
    // §4.1's framing table: the handshake bounds the session sets on its reader.
    CHECK(row("handshake msg1").find("exactly " + n(wire::kMsg1Len) + " (XX) or " + n(wire::kMinIkMsg1Len) + " .. " +
                                     n(wire::kMinIkMsg1Len) + " + " + n(wire::kMaxHello) + " (IK)") != std::string::npos);
    CHECK(row("handshake msg2 (XX)").find(n(wire::kMinMsg2Len) + " .. " + n(wire::kMinMsg2Len) + " + " +
                                          n(wire::kMaxHello)) != std::string::npos);
    CHECK(row("handshake msg2 (IK)").find(n(wire::kMinIkMsg2Len) + " .. " + n(wire::kMinIkMsg2Len) + " + " +
                                          n(wire::kMaxHello)) != std::string::npos);
    CHECK(row("handshake msg3 (XX)").find(n(wire::kMinMsg3Len) + " .. " + n(wire::kMinMsg3Len) + " + " +
                                          n(wire::kMaxHello)) != std::string::npos);
    CHECK(doc.find("a\nburst of " + n(wire::kHandshakeBurstPerAddress) + " connections, refilled at " +
                   n(wire::kHandshakesPerSecondPerAddress) + " per second") != std::string::npos);
}

// §7's room rows and §6's table are the bounds the decoder enforces.
TEST_CASE("the room limits in docs/PROTOCOL.md are the ones transport/wire.hpp enforces") {
    const std::string doc = test_doc::read_protocol_doc();
    const auto row = [&](const std::string& name) { return test_doc::table_row(doc, name); };
    const auto n = [](std::size_t v) { return std::to_string(v); };
    CHECK(row("room entry (`room_entry` `e`)").find("| " + n(wire::kMaxRoomEntry) + " bytes") != std::string::npos);
    CHECK(row("authors in a room's log").find("| " + n(wire::kMaxRoomAuthors) + " ") != std::string::npos);
    CHECK(row("rooms in a `rooms_list`").find("| " + n(wire::kMaxListedRooms) + " ") != std::string::npos);
    CHECK(row("room name").find("| " + n(wire::kMaxRoomName) + " bytes") != std::string::npos);
    CHECK(row("room topic").find("| " + n(wire::kMaxRoomTopic) + " bytes") != std::string::npos);
    CHECK(row("`room_entry`").find("`e`: bytes (≤ " + n(wire::kMaxRoomEntry) + ")") != std::string::npos);
    CHECK(row("`room_sync`").find("array (≤ " + n(wire::kMaxRoomAuthors) + ")") != std::string::npos);
    CHECK(row("`rooms_list`").find("array (≤ " + n(wire::kMaxListedRooms) + ")") != std::string::npos);
}

// §7's and §6's rows for where and here (§13) are the bounds the decoder enforces.
TEST_CASE("the address-sharing limits in docs/PROTOCOL.md are the ones transport/wire.hpp enforces") {
    const std::string doc = test_doc::read_protocol_doc();
    const auto row = [&](const std::string& name) { return test_doc::table_row(doc, name); };
    const auto n = [](std::size_t v) { return std::to_string(v); };
    CHECK(row("tags in a `where`").find("| " + n(wire::kMaxWhereKeys) + " ") != std::string::npos);
    CHECK(row("addresses per peer in a `here`").find("| " + n(wire::kMaxSharedAddresses) + " ") != std::string::npos);
    CHECK(row("address in a `here`").find("| " + n(wire::kMaxAddressText) + " bytes") != std::string::npos);
    CHECK(row("`where`").find("`s`: bytes(" + n(wire::kWhereSaltLen) + "), `q`: array (≤ " + n(wire::kMaxWhereKeys) +
                              ") of bytes(" + n(wire::kWhereTagLen) + ")") != std::string::npos);
    CHECK(row("`here`").find("array (≤ " + n(wire::kMaxWhereKeys) + ") of {`key`: bytes(32), `a`: array (≤ " +
                             n(wire::kMaxSharedAddresses) + ") of text (≤ " + n(wire::kMaxAddressText) + " bytes)}") !=
          std::string::npos);
}

// §7's and §6's rows for nearby and the status's instance name (§6.5) are the bounds the code keeps.
TEST_CASE("the nearby limits in docs/PROTOCOL.md are the ones transport/wire.hpp holds") {
    const std::string doc = test_doc::read_protocol_doc();
    const auto row = [&](const std::string& name) { return test_doc::table_row(doc, name); };
    const auto n = [](std::size_t v) { return std::to_string(v); };
    CHECK(row("peers in a `nearby`").find("| " + n(wire::kMaxNearbyPeers) + " ") != std::string::npos);
    CHECK(row("`status` `svc`").find("| " + n(wire::kMaxInstanceName) + " bytes") != std::string::npos);
    // §6's rows (the capability registry has a row named `nearby` too, listed first).
    CHECK(doc.find("| `nearby`      | `peers`: array (≤ " + n(wire::kMaxNearbyPeers) + ") of {`key`: bytes(32), `a`: array (≤ " +
                   n(wire::kMaxSharedAddresses) + ") of text (≤ " + n(wire::kMaxAddressText) + " bytes)}") !=
          std::string::npos);
    CHECK(row("`status`").find("`svc`: text (≤ " + n(wire::kMaxInstanceName) + " bytes, optional)") != std::string::npos);
}

// §7's and §6's rows for read and typing (§14) are the bounds and pace the code keeps.
TEST_CASE("the read-receipt and typing limits in docs/PROTOCOL.md are the ones transport/wire.hpp holds") {
    const std::string doc = test_doc::read_protocol_doc();
    const auto row = [&](const std::string& name) { return test_doc::table_row(doc, name); };
    const auto n = [](std::size_t v) { return std::to_string(v); };
    CHECK(row("ids in a `read`").find("| 1 .. " + n(wire::kMaxReadIds) + " ") != std::string::npos);
    // §6's rows (the capability registry has rows named the same, listed first).
    CHECK(doc.find("| `read`        | `ids`: array (1 .. " + n(wire::kMaxReadIds) + ") of bytes(16)") != std::string::npos);
    CHECK(doc.find("| `typing`      | `on`: uint, 0 or 1") != std::string::npos);
    const auto seconds = [&](auto ms) { return n(static_cast<std::size_t>(ms.count() / 1000)) + " s"; };
    CHECK(row("`typing` `on: 1` while").find("at most one per " + seconds(wire::kTypingResend)) != std::string::npos);
    CHECK(row("typing shown after").find("| " + seconds(wire::kTypingExpiry)) != std::string::npos);
}
