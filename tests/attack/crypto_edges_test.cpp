// Hostile bytes against a real Transport over loopback sockets: the Noise edges
// that the unit tests check on the state machines (tests/crypto/noise_test.cpp,
// tests/transport/session_test.cpp), here through the accept/dial path.
#include "loopback.hpp"

#include "crypto/noise.hpp"
#include "transport/framing.hpp"
#include "transport/messages.hpp"
#include "transport/wire.hpp"

using namespace hallway;
using namespace hallway::transport;
using namespace hallway::transport::test;
using asio::ip::tcp;

namespace {

using Bytes = std::vector<std::uint8_t>;

// X25519 points that libsodium refuses (all-zero output): zero, one, and a point of order 8.
const std::array<crypto::PublicKey, 3> kSmallOrderPoints = [] {
    std::array<crypto::PublicKey, 3> p{};
    p[1][0] = 1;
    const std::uint8_t order8[32] = {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
                                     0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
                                     0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00};
    std::copy(std::begin(order8), std::end(order8), p[2].begin());
    return p;
}();

Bytes frame(std::span<const std::uint8_t> body) {
    Bytes out;
    REQUIRE(encode_frame(body, out));
    return out;
}

// Reads until EOF (REQUIREd within the deadline); returns everything the node wrote.
Bytes read_until_eof(asio::io_context& io, RawClient& c) {
    Bytes got;
    REQUIRE(run_until(io, [&] {
        std::array<std::uint8_t, 4096> buf{};
        for (;;) {
            std::error_code ec;
            const std::size_t n = c.socket.read_some(asio::buffer(buf), ec);
            if (ec == asio::error::would_block) return false;
            if (ec) return true;
            got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        }
    }));
    return got;
}

// A RawClient whose session bytes are also recorded, for replay.
struct RecordingClient : RawClient {
    Bytes written;
    using RawClient::RawClient;
    void take_recorded(SessionOutput out) {
        written.insert(written.end(), out.bytes.begin(), out.bytes.end());
        take(std::move(out));
    }
};

SessionConfig initiator(crypto::KeyPair identity, Hello hello = Hello{1, "raw", {}}) {
    SessionConfig c;
    c.role = crypto::Role::initiator;
    c.identity = std::move(identity);
    c.hello = std::move(hello);
    c.rng = crypto::system_rng();
    return c;
}

}  // namespace

TEST_CASE("attack: an all-zero or small-order ephemeral in msg1 is refused before the node answers") {
    for (const auto& point : kSmallOrderPoints) {
        asio::io_context io;
        Node alice(io, 1, "alice");
        const auto port = alice.transport->listen();
        RawClient mallory(io, port);
        mallory.write(frame(point));
        const Bytes answer = read_until_eof(io, mallory);
        CHECK(answer.empty());  // no msg2: the DH failed before anything was written
        CHECK(alice.ups.empty());
    }
}

TEST_CASE("attack: a small-order static key in msg3 aborts the handshake before its payload is used") {
    for (const auto& point : kSmallOrderPoints) {
        asio::io_context io;
        Node alice(io, 1, "alice");
        const auto port = alice.transport->listen();
        RawClient mallory(io, port);
        crypto::KeyPair fake = fixed_key(5);
        fake.public_key = point;  // claims a static key nobody can do DH with
        mallory.session.emplace(initiator(std::move(fake)), MonoTime{0});
        mallory.take(mallory.session->start(MonoTime{0}));
        REQUIRE(run_until(io, [&] { return mallory.poll(); }));  // the node hangs up
        CHECK(alice.ups.empty());
        CHECK(alice.texts_received == 0);
    }
}

TEST_CASE("attack: a listener answering with a small-order ephemeral makes our dial fail") {
    for (const auto& point : kSmallOrderPoints) {
        asio::io_context io;
        Node bob(io, 2, "bob");
        tcp::acceptor evil(io, {asio::ip::make_address("127.0.0.1"), 0});
        tcp::socket conn(io);
        evil.async_accept(conn, [&](std::error_code ec) {
            if (ec) return;
            Bytes msg2(point.begin(), point.end());
            msg2.resize(wire::kMinMsg2Len, 0x42);  // e, then bytes where encrypted s and Hello would be
            Bytes out = frame(msg2);
            asio::write(conn, asio::buffer(out), ec);
        });
        bob.transport->dial(evil.local_endpoint());
        REQUIRE(run_until(io, [&] { return !bob.dial_failures.empty() || !bob.downs.empty(); }));
        CHECK(bob.ups.empty());
    }
}

TEST_CASE("attack: a flipped, truncated or extended transport frame is never delivered and ends the session") {
    for (int variant = 0; variant < 3; ++variant) {
        asio::io_context io;
        Node alice(io, 1, "alice");
        const auto port = alice.transport->listen();
        RawClient mallory(io, port);
        mallory.start_session(6);
        REQUIRE(run_until(io, [&] { mallory.poll(); return mallory.established() && !alice.ups.empty(); }));
        Bytes f = mallory.session->send(Text{make_id(6, 1), 1, "tampered"}, MonoTime{0}).bytes;
        const Bytes good_next = mallory.session->send(Text{make_id(6, 2), 1, "after"}, MonoTime{0}).bytes;
        if (variant == 0) f[f.size() / 2] ^= 0x01;
        if (variant == 1) {  // one byte shorter, length header to match
            f.pop_back();
            f[1] = static_cast<std::uint8_t>(f[1] - 1);
        }
        if (variant == 2) {  // one byte longer, length header to match
            f.push_back(0);
            f[1] = static_cast<std::uint8_t>(f[1] + 1);
        }
        f.insert(f.end(), good_next.begin(), good_next.end());
        mallory.write(f);
        REQUIRE(run_until(io, [&] { return mallory.poll(); }));
        CHECK(alice.texts_received == 0);
        CHECK(alice.shown.empty());
        CHECK(alice.downs.size() == 1);
    }
}

TEST_CASE("attack: a recorded session replayed into a fresh connection is rejected and delivers nothing twice") {
    asio::io_context io;
    Node alice(io, 1, "alice");
    const auto port = alice.transport->listen();
    Bytes recorded;
    {
        RecordingClient victim(io, port);
        SessionConfig c = initiator(fixed_key(6));
        victim.session.emplace(std::move(c), MonoTime{0});
        victim.take_recorded(victim.session->start(MonoTime{0}));
        REQUIRE(run_until(io, [&] {
            std::array<std::uint8_t, 4096> buf{};
            std::error_code ec;
            const std::size_t n = victim.socket.read_some(asio::buffer(buf), ec);
            if (!ec) victim.take_recorded(victim.session->receive(std::span(buf.data(), n), MonoTime{0}));
            return victim.established() && !alice.ups.empty();
        }));
        victim.take_recorded(victim.session->send(Text{make_id(6, 1), 1, "only once"}, MonoTime{0}));
        REQUIRE(run_until(io, [&] { return alice.texts_received == 1; }));
        recorded = victim.written;
    }
    REQUIRE(run_until(io, [&] { return !alice.downs.empty(); }));  // the victim's connection is gone
    // Whole transcript, then msg1 + msg3 only: the node's fresh ephemeral makes msg3 undecryptable.
    for (int round = 0; round < 2; ++round) {
        RawClient replay(io, port);
        replay.write(recorded);
        REQUIRE(run_until(io, [&] { return replay.poll(); }));
        CHECK(alice.ups.size() == 1);
        CHECK(alice.texts_received == 1);
        CHECK(alice.shown.size() == 1);
    }
}

TEST_CASE("attack: another protocol version in Hello or another prologue fails the handshake") {
    asio::io_context io;
    Node alice(io, 1, "alice");
    const auto port = alice.transport->listen();
    {
        RawClient future(io, port);
        future.session.emplace(initiator(fixed_key(6), Hello{wire::kVersion + 1, "future", {}}), MonoTime{0});
        future.take(future.session->start(MonoTime{0}));
        REQUIRE(run_until(io, [&] { return future.poll(); }));
        CHECK(alice.ups.empty());
    }
    {
        // A raw Noise initiator whose prologue names another version.
        RawClient other(io, port);
        crypto::HandshakeConfig hc;
        hc.protocol_name = std::string(wire::kProtocolName);
        hc.role = crypto::Role::initiator;
        const std::string prologue = "Hallway/2 Noise_XX_25519_ChaChaPoly_BLAKE2b";
        hc.prologue.assign(prologue.begin(), prologue.end());
        hc.s = fixed_key(7);
        hc.rng = crypto::system_rng();
        crypto::NoiseError err{};
        auto hs = crypto::HandshakeState::create(std::move(hc), err);
        REQUIRE(hs);
        Bytes msg1;
        REQUIRE(hs->write_message({}, msg1) == crypto::NoiseError::ok);
        other.write(frame(msg1));
        Bytes got;
        REQUIRE(run_until(io, [&] {
            std::array<std::uint8_t, 4096> buf{};
            std::error_code ec;
            const std::size_t n = other.socket.read_some(asio::buffer(buf), ec);
            if (!ec) got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
            return got.size() >= 2 && got.size() >= 2 + (std::size_t{got[0]} << 8 | got[1]);
        }));
        Bytes payload;
        CHECK(hs->read_message(std::span(got).subspan(2), payload) == crypto::NoiseError::decrypt_failed);
        CHECK(payload.empty());
        CHECK(alice.ups.empty());
    }
}

TEST_CASE("attack: there is no plaintext mode, before or after the handshake") {
    asio::io_context io;
    Node alice(io, 1, "alice");
    const auto port = alice.transport->listen();
    const Bytes plain_text = encode(Text{make_id(6, 1), 1, "plaintext"});
    {
        RawClient bare(io, port);  // a plaintext message instead of msg1
        bare.write(frame(plain_text));
        CHECK(read_until_eof(io, bare).empty());
    }
    {
        RawClient mallory(io, port);  // a plaintext message (flag byte, CBOR, zero tag) after the handshake
        mallory.start_session(6);
        REQUIRE(run_until(io, [&] { mallory.poll(); return mallory.established() && !alice.ups.empty(); }));
        Bytes body{wire::kFlagLast};
        body.insert(body.end(), plain_text.begin(), plain_text.end());
        body.resize(body.size() + wire::kTagLen, 0);
        mallory.write(frame(body));
        REQUIRE(run_until(io, [&] { return mallory.poll(); }));
    }
    CHECK(alice.texts_received == 0);
}
