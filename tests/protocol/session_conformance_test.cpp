// Every case of session_cases.hpp against a live sans-I/O Session: bytes and
// injected time in, the outcome PROTOCOL.md states checked on what comes out.
#include "session_cases.hpp"
#include "tests/transport/raw_peer.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using namespace hallway::transport;
using namespace hallway::protocol_cases;
using test::RawInitiator;
using test::Side;

namespace {

MonoTime ms(int n) { return MonoTime{n}; }

Side side(crypto::Role role, std::uint32_t version) {
    if (role == crypto::Role::initiator) return test::initiator(ms(0), version);
    auto c = test::session_config(role, 2, "bob");
    c.hello.version = version;
    return Side{Session(std::move(c), ms(0)), {}, {}};
}

// Feeds one chunk as a sealed transport message.
void feed(RawInitiator& raw, Side& bob, const Chunk& c, MonoTime now) {
    auto frame = raw.seal(c.flag, c.data);
    if (c.tamper) frame.back() ^= 0x01;
    bob.take(bob.session.receive(frame, now));
}

}  // namespace

TEST_CASE("conformance: framing, checked on the length bytes alone (§4.1)") {
    for (const auto& c : frame_cases()) {
        SUBCASE(c.name.c_str()) {
            Side under = c.stage == Stage::initiator_after_msg1 ? test::initiator(ms(0)) : test::responder(ms(0));
            RawInitiator raw;
            if (c.stage == Stage::initiator_after_msg1) {
                under.take(under.session.start(ms(0)));
            } else if (c.stage == Stage::responder_after_msg1) {
                Side alice = test::initiator(ms(0));
                alice.take(alice.session.start(ms(0)));
                under.take(under.session.receive(alice.outbox, ms(0)));
                REQUIRE_FALSE(under.outbox.empty());  // msg2
            } else if (c.stage == Stage::established) {
                raw.connect(under, ms(0));
            }
            under.outbox.clear();
            under.take(under.session.receive(frame_header(c.length), ms(0)));
            if (c.closes) {
                REQUIRE(under.closed());
                CHECK(under.closed()->kind == CloseKind::bad_frame);
                CHECK(under.outbox.empty());  // dropped: the peer is told nothing
            } else {
                CHECK_FALSE(under.closed());
                CHECK(under.session.state() != Session::State::closed);
            }
        }
    }
}

TEST_CASE("conformance: handshake timeout and version (§4.2)") {
    for (const auto& c : handshake_cases()) {
        SUBCASE(c.name.c_str()) {
            const bool responder = c.role == crypto::Role::responder;
            Side under = side(c.role, 1);
            Side peer = side(responder ? crypto::Role::initiator : crypto::Role::responder, c.peer_version);
            Side& init = responder ? peer : under;
            Side& resp = responder ? under : peer;
            init.take(init.session.start(ms(0)));                                             // msg1
            const MonoTime m1_at = responder ? ms(c.peer_at_ms) : ms(0);
            if (!responder || c.peer_messages >= 1) resp.take(resp.session.receive(init.outbox, m1_at));  // msg2
            init.outbox.clear();
            if (!responder && c.peer_messages >= 1) init.take(init.session.receive(resp.outbox, ms(c.peer_at_ms)));
            if (responder && c.peer_messages >= 1) init.take(init.session.receive(resp.outbox, ms(0)));  // msg3
            resp.outbox.clear();
            if (responder && c.peer_messages >= 2) resp.take(resp.session.receive(init.outbox, ms(c.peer_at_ms)));
            if (!responder && under.session.state() == Session::State::established) init.outbox.clear();  // msg3
            const std::size_t finished = responder ? 2 : 1;
            if (c.closed && *c.closed == CloseKind::protocol_error) {
                REQUIRE(under.closed());
            } else {
                under.take(under.session.tick(ms(c.tick_at_ms)));
            }
            if (c.closed) {
                REQUIRE(under.closed());
                CHECK(under.closed()->kind == *c.closed);
                CHECK(under.all<Established>().empty());
                CHECK(under.outbox.empty());  // nothing more sent: no msg3, no close
            } else {
                CHECK_FALSE(under.closed());
                CHECK((under.session.state() == Session::State::established) == (c.peer_messages == static_cast<int>(finished)));
            }
        }
    }
}

TEST_CASE("conformance: fragmentation (§5)") {
    for (const auto& c : fragment_cases()) {
        SUBCASE(c.name.c_str()) {
            Side bob = test::responder(ms(0));
            RawInitiator raw;
            raw.connect(bob, ms(0));
            std::size_t fed = 0;
            for (const auto& chunk : c.chunks) {
                feed(raw, bob, chunk, ms(0));
                ++fed;
                if (bob.closed()) break;
            }
            const auto received = bob.all<Received>();
            CHECK(received.size() == c.received);
            for (const auto& r : received) CHECK(encode(std::visit([](const auto& x) -> Message { return x; }, r.message)) == encode(hi()));
            if (c.closed) {
                REQUIRE(bob.closed());
                CHECK(bob.closed()->kind == *c.closed);
                CHECK(fed == c.closed_after);  // not before, and not waiting for the last chunk
                CHECK(bob.outbox.empty());
            } else {
                CHECK_FALSE(bob.closed());
                CHECK(fed == c.chunks.size());
            }
        }
    }
}

TEST_CASE("conformance: keepalive with injected time (§6.2)") {
    for (const auto& c : keepalive_cases()) {
        SUBCASE(c.name.c_str()) {
            Side bob = test::responder(ms(0));
            RawInitiator raw;
            raw.connect(bob, ms(c.established_at_ms));
            for (const auto& step : c.steps) {
                CAPTURE(step.at_ms);
                for (const auto& chunk : step.peer) feed(raw, bob, chunk, ms(step.at_ms));
                bob.take(bob.session.tick(ms(step.at_ms)));
                if (step.expect == Expect::dead) {
                    REQUIRE(bob.closed());
                    CHECK(bob.closed()->kind == CloseKind::peer_timeout);
                    CHECK(bob.outbox.empty());  // no close message
                    continue;
                }
                REQUIRE_FALSE(bob.closed());
                const auto wrote = raw.read(bob);
                switch (step.expect) {
                    case Expect::nothing: CHECK(wrote.empty()); break;
                    case Expect::ping:
                        REQUIRE(wrote.size() == 1);
                        CHECK(std::holds_alternative<Ping>(wrote[0]));
                        break;
                    case Expect::pong:
                        REQUIRE(wrote.size() == 1);
                        REQUIRE(std::holds_alternative<Pong>(wrote[0]));
                        CHECK(std::get<Pong>(wrote[0]).nonce == step.n);
                        break;
                    case Expect::dead: break;
                }
            }
        }
    }
}

TEST_CASE("conformance: an initiator counts the silence from msg2 (§6.2)") {
    Side alice = test::initiator(ms(0));
    Side bob = test::responder(ms(0));
    alice.take(alice.session.start(ms(0)));
    bob.take(bob.session.receive(alice.outbox, ms(0)));
    alice.outbox.clear();
    alice.take(alice.session.receive(bob.outbox, ms(1500)));
    REQUIRE(alice.session.state() == Session::State::established);
    alice.outbox.clear();  // msg3
    alice.take(alice.session.tick(ms(3499)));
    CHECK(alice.outbox.empty());
    alice.take(alice.session.tick(ms(3500)));
    CHECK_FALSE(alice.outbox.empty());  // the ping
    CHECK_FALSE(alice.closed());
}
