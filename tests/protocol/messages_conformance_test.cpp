// Every case of cases.hpp against a live responder Session: a raw Noise
// initiator sends the bytes, and the test checks the outcome PROTOCOL.md states.
#include "cases.hpp"
#include "core/rooms/entry.hpp"
#include "tests/transport/raw_peer.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using namespace hallway::transport;
using namespace hallway::protocol_cases;
using test::RawInitiator;
using test::Side;

// core/rooms checks entries against the numbers the wire carries (§11.6), and
// the Hello's and room_entry's fixed sizes are the signature scheme's.
static_assert(wire::kMaxRoomEntry == core::rooms::kMaxEntryBytes);
static_assert(wire::kMaxRoomAuthors == core::rooms::kMaxRoomAuthors);
static_assert(wire::kMaxRoomName == core::rooms::kMaxRoomName);
static_assert(wire::kMaxRoomTopic == core::rooms::kMaxRoomTopic);
static_assert(std::tuple_size_v<KeyBytes> == crypto::kSignPublicKeyLen);
static_assert(std::tuple_size_v<SignatureBytes> == crypto::kSignatureLen);

namespace {

Message as_message(const AppMessage& m) {
    return std::visit([](const auto& x) -> Message { return x; }, m);
}

void run(const MessageCase& c) {
    CAPTURE(c.name);
    MonoTime now{0};
    Side bob = test::responder(now);
    RawInitiator raw;
    raw.connect(bob, now);
    raw.send_message(bob, c.message, now);
    const auto received = bob.all<Received>();
    switch (c.outcome) {
        case Outcome::received:
            REQUIRE(c.expected);
            REQUIRE(received.size() == 1);
            // Decoded fields are valid UTF-8 within bounds: equal encodings mean equal fields.
            CHECK(encode(as_message(received[0].message)) == encode(*c.expected));
            CHECK_FALSE(bob.closed());
            break;
        case Outcome::skipped: {
            CHECK(received.empty());
            CHECK_FALSE(bob.closed());
            // Still established: the next message gets through.
            raw.send_message(bob, encode(hi()), now);
            REQUIRE(bob.all<Received>().size() == 1);
            CHECK(std::holds_alternative<Text>(bob.all<Received>()[0].message));
            break;
        }
        case Outcome::closed:
            CHECK(received.empty());
            REQUIRE(bob.closed());
            CHECK(bob.closed()->kind == CloseKind::protocol_error);
            break;
    }
}

}  // namespace

TEST_CASE("conformance: application messages (§6, §7)") {
    for (const auto& c : message_cases()) {
        SUBCASE(c.name.c_str()) { run(c); }
    }
}

TEST_CASE("conformance: room messages (§11.5, §7)") {
    for (const auto& c : room_cases()) {
        SUBCASE(c.name.c_str()) { run(c); }
    }
}

TEST_CASE("conformance: where and here (§13, §7)") {
    for (const auto& c : address_cases()) {
        SUBCASE(c.name.c_str()) { run(c); }
    }
}

TEST_CASE("conformance: nearby and the status's instance name (§6.5)") {
    for (const auto& c : nearby_cases()) {
        SUBCASE(c.name.c_str()) { run(c); }
    }
}

TEST_CASE("conformance: read and typing (§14, §7)") {
    for (const auto& c : conversation_cases()) {
        SUBCASE(c.name.c_str()) { run(c); }
    }
}

TEST_CASE("conformance: Hello (§4.2)") {
    for (const auto& c : hello_cases()) {
        SUBCASE(c.name.c_str()) {
            MonoTime now{0};
            Side bob = test::responder(now);
            RawInitiator raw;
            const bool up = raw.connect_with(bob, c.hello, now);
            CHECK(up == c.accepted);
            if (c.accepted) {
                CHECK(bob.all<Established>()[0].hello.nick == c.nick);
                CHECK(bob.all<Established>()[0].hello.sign_key == c.sign_key);
            } else {
                REQUIRE(bob.closed());  // protocol_error, or bad_frame for a Hello too large to frame
                CHECK((bob.closed()->kind == CloseKind::protocol_error || bob.closed()->kind == CloseKind::bad_frame));
                CHECK(bob.outbox.empty());  // the peer is told nothing
            }
        }
    }
}
