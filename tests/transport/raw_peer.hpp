#pragma once
// A hand-driven Noise initiator against a responder Session: lets a test put
// any Hello bytes in msg3 and any plaintext in a valid transport message.
#include "transport/framing.hpp"
#include "transport/session.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

namespace hallway::transport::test {

inline crypto::KeyPair seeded_key(std::uint8_t seed) {
    std::array<std::uint8_t, 32> priv{};
    priv.fill(seed);
    return crypto::KeyPair::from_private(priv);
}

// {"t": "file_done", "x": 16 bytes of fill}: a file message as core/files writes it.
inline std::vector<std::uint8_t> file_done_map(std::uint8_t fill) {
    std::vector<std::uint8_t> m{0xa2, 0x61, 't', 0x69, 'f', 'i', 'l', 'e', '_', 'd', 'o', 'n', 'e', 0x61, 'x', 0x50};
    m.insert(m.end(), 16, fill);
    return m;
}

inline std::vector<std::uint8_t> frame_of(std::span<const std::uint8_t> body) {
    std::vector<std::uint8_t> out;
    encode_frame(body, out);
    return out;
}

// One side of a session and everything it has said.
struct Side {
    Session session;
    std::vector<SessionEvent> events;
    std::vector<std::uint8_t> outbox;  // bytes written, not yet delivered

    void take(SessionOutput out) {
        outbox.insert(outbox.end(), out.bytes.begin(), out.bytes.end());
        for (auto& e : out.events) events.push_back(std::move(e));
    }
    template <class T>
    std::vector<T> all() const {
        std::vector<T> r;
        for (const auto& e : events)
            if (const auto* x = std::get_if<T>(&e)) r.push_back(*x);
        return r;
    }
    std::optional<Closed> closed() const {
        auto c = all<Closed>();
        return c.empty() ? std::nullopt : std::optional<Closed>(c.back());
    }
};

inline SessionConfig session_config(crypto::Role role, std::uint8_t seed, std::string nick,
                                    std::optional<crypto::PublicKey> expected = std::nullopt) {
    SessionConfig c;
    c.role = role;
    c.identity = seeded_key(seed);
    c.hello = Hello{1, std::move(nick), {}};
    c.rng = crypto::system_rng();
    c.expected_peer = expected;
    return c;
}

// Bob, the responder the raw initiator talks to.
inline Side responder(MonoTime now) { return Side{Session(session_config(crypto::Role::responder, 2, "bob"), now), {}, {}}; }

// Alice, an initiator Session (for tests that need a real peer of either role).
inline Side initiator(MonoTime now, std::uint32_t version = 1) {
    auto c = session_config(crypto::Role::initiator, 1, "alice");
    c.hello.version = version;
    return Side{Session(std::move(c), now), {}, {}};
}

struct RawInitiator {
    std::unique_ptr<crypto::HandshakeState> hs;
    crypto::CipherState send_cs, recv_cs;

    explicit RawInitiator(crypto::KeyPair identity = seeded_key(7)) {
        crypto::HandshakeConfig c;
        c.protocol_name = std::string(wire::kProtocolName);
        c.role = crypto::Role::initiator;
        c.prologue.assign(wire::kPrologue.begin(), wire::kPrologue.end());
        c.s = identity;
        c.rng = crypto::system_rng();
        crypto::NoiseError err{};
        hs = crypto::HandshakeState::create(std::move(c), err);
        REQUIRE(hs);
    }
    // Runs the handshake with these Hello bytes in msg3; true when bob is established.
    bool connect_with(Side& bob, std::span<const std::uint8_t> hello, MonoTime now) {
        std::vector<std::uint8_t> m1, payload, m3;
        REQUIRE(hs->write_message({}, m1) == crypto::NoiseError::ok);
        bob.take(bob.session.receive(frame_of(m1), now));
        std::span<const std::uint8_t> in(bob.outbox);
        FrameReader r;
        auto m2 = r.next(in);
        bob.outbox.clear();
        REQUIRE(m2);
        REQUIRE(hs->read_message(*m2, payload) == crypto::NoiseError::ok);
        REQUIRE(hs->write_message(hello, m3) == crypto::NoiseError::ok);
        bob.take(bob.session.receive(frame_of(m3), now));
        REQUIRE(hs->split(send_cs, recv_cs) == crypto::NoiseError::ok);
        return bob.all<Established>().size() == 1;
    }
    void connect(Side& bob, MonoTime now) { REQUIRE(connect_with(bob, encode_hello(Hello{1, "raw", {}}), now)); }
    std::vector<std::uint8_t> seal(std::uint8_t flag, std::span<const std::uint8_t> chunk) {
        std::vector<std::uint8_t> plain{flag}, cipher;
        plain.insert(plain.end(), chunk.begin(), chunk.end());
        REQUIRE(send_cs.encrypt_with_ad({}, plain, cipher) == crypto::NoiseError::ok);
        return frame_of(cipher);
    }
    // One application message in as many chunks as it needs (continuation flags):
    // each sealed frame goes to deliver, until it returns false.
    template <class Deliver>
    void seal_message(std::span<const std::uint8_t> message, Deliver&& deliver) {
        std::span<const std::uint8_t> rest = message;
        do {
            const std::size_t n = std::min(rest.size(), wire::kMaxChunk);
            if (!deliver(seal(n == rest.size() ? wire::kFlagLast : wire::kFlagMore, rest.first(n)))) return;
            rest = rest.subspan(n);
        } while (!rest.empty());
    }
    void send_message(Side& bob, std::span<const std::uint8_t> message, MonoTime now) {
        seal_message(message, [&](const std::vector<std::uint8_t>& frame) {
            bob.take(bob.session.receive(frame, now));
            return !bob.closed();
        });
    }
    // Decrypts and decodes what bob wrote (whole messages, one chunk each), emptying bob's outbox.
    std::vector<Message> read(Side& bob) {
        std::vector<Message> out;
        std::span<const std::uint8_t> in(bob.outbox);
        FrameReader r;
        while (auto frame = r.next(in)) {
            std::vector<std::uint8_t> plain;
            REQUIRE(recv_cs.decrypt_with_ad({}, *frame, plain) == crypto::NoiseError::ok);
            REQUIRE(plain.at(0) == wire::kFlagLast);
            auto m = decode(std::span(plain).subspan(1));
            REQUIRE(m);
            out.push_back(std::move(*m));
        }
        REQUIRE(in.empty());
        bob.outbox.clear();
        return out;
    }
};

}  // namespace hallway::transport::test
