// Two Sessions wired together in memory: scenarios read like the protocol.
#include "raw_peer.hpp"
#include "transport/session.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <utility>

using namespace hallway;
using namespace hallway::transport;
using std::chrono::milliseconds;

namespace {

using test::frame_of;
using test::responder;
using test::Side;
SessionConfig config(crypto::Role role, std::uint8_t seed, std::string nick,
                     std::optional<crypto::PublicKey> expected = std::nullopt) {
    return test::session_config(role, seed, std::move(nick), expected);
}
crypto::KeyPair key(std::uint8_t seed) { return test::seeded_key(seed); }

struct Pair {
    MonoTime now{1000};
    Side alice;  // initiator
    Side bob;    // responder
    std::vector<std::uint8_t> alice_sent, bob_sent;  // every byte delivered, for inspection

    explicit Pair(std::optional<crypto::PublicKey> alice_expects = std::nullopt)
        : Pair(config(crypto::Role::initiator, 1, "alice", alice_expects), config(crypto::Role::responder, 2, "bob")) {}
    Pair(SessionConfig a, SessionConfig b)
        : alice{Session(std::move(a), now), {}, {}}, bob{Session(std::move(b), now), {}, {}} {}

    // Delivers pending bytes both ways until neither side has anything to say.
    void pump() {
        while (!alice.outbox.empty() || !bob.outbox.empty()) {
            auto a = std::move(alice.outbox);
            alice.outbox.clear();
            alice_sent.insert(alice_sent.end(), a.begin(), a.end());
            bob.take(bob.session.receive(a, now));
            auto b = std::move(bob.outbox);
            bob.outbox.clear();
            bob_sent.insert(bob_sent.end(), b.begin(), b.end());
            alice.take(alice.session.receive(b, now));
        }
    }
    void handshake() {
        alice.take(alice.session.start(now));
        bob.take(bob.session.start(now));
        pump();
    }
    void tick(milliseconds step) {
        now += step;
        alice.take(alice.session.tick(now));
        bob.take(bob.session.tick(now));
    }
};

Text text(std::uint8_t id_byte, std::string body) {
    Text t;
    t.id.fill(id_byte);
    t.sent_at_ms = 1700000000000ull + id_byte;
    t.body = std::move(body);
    return t;
}

}  // namespace

TEST_CASE("handshake: both sides learn the other's key and hello") {
    Pair p;
    p.handshake();
    REQUIRE(p.alice.all<Established>().size() == 1);
    REQUIRE(p.bob.all<Established>().size() == 1);
    CHECK(p.alice.all<Established>()[0].peer == key(2).public_key);
    CHECK(p.alice.all<Established>()[0].hello.nick == "bob");
    CHECK(p.bob.all<Established>()[0].peer == key(1).public_key);
    CHECK(p.bob.all<Established>()[0].hello.nick == "alice");
    CHECK(p.alice.session.state() == Session::State::established);
    CHECK(p.bob.session.state() == Session::State::established);
}

TEST_CASE("messages flow both ways including a text at the body limit split into fragments") {
    Pair p;
    p.handshake();
    p.alice.take(p.alice.session.send(text(1, "hi bob"), p.now));
    const std::string big(wire::kMaxTextBody, 'z');
    p.bob.take(p.bob.session.send(text(2, big), p.now));
    CHECK(p.bob.outbox.size() > wire::kMaxFrameBody);  // really fragmented
    p.bob.take(p.bob.session.send(Ack{text(1, "").id}, p.now));
    p.pump();
    auto at_bob = p.bob.all<Received>();
    REQUIRE(at_bob.size() == 1);
    CHECK(std::get<Text>(at_bob[0].message).body == "hi bob");
    auto at_alice = p.alice.all<Received>();
    REQUIRE(at_alice.size() == 2);
    CHECK(std::get<Text>(at_alice[0].message).body == big);
    CHECK(std::get<Ack>(at_alice[1].message).id == text(1, "").id);
    CHECK_FALSE(p.alice.closed());
    CHECK_FALSE(p.bob.closed());
}

TEST_CASE("sends append to the buffer given, bytes read into the receive buffer in any pieces give the messages") {
    Pair p;
    p.handshake();
    const std::string big(wire::kMaxTextBody, 'q');
    auto out = p.alice.session.send(AppMessage{text(1, big)}, p.now, std::vector<std::uint8_t>{0xee});
    REQUIRE(out.bytes.size() > wire::kMaxFrameBody);
    CHECK(out.bytes[0] == 0xee);  // what was there is kept
    out = p.alice.session.send(AppMessage{text(2, "small")}, p.now, std::move(out.bytes));
    out = p.alice.session.send(AppMessage{text(3, big)}, p.now, std::move(out.bytes));
    std::span<const std::uint8_t> rest = std::span(out.bytes).subspan(1);
    const std::size_t steps[] = {1, 70000, 3, 300000, 4096};  // part of a header up to several frames
    for (std::size_t i = 0; !rest.empty(); ++i) {
        const auto room = p.bob.session.receive_buffer();
        REQUIRE_FALSE(room.empty());
        const std::size_t n = std::min({room.size(), steps[i % std::size(steps)], rest.size()});
        std::copy_n(rest.begin(), n, room.begin());
        rest = rest.subspan(n);
        p.bob.take(p.bob.session.received(n, p.now));
    }
    CHECK_FALSE(p.bob.closed());
    const auto got = p.bob.all<Received>();
    REQUIRE(got.size() == 3);
    CHECK(std::get<Text>(got[0].message).body == big);
    CHECK(std::get<Text>(got[1].message).body == "small");
    CHECK(std::get<Text>(got[2].message).id == text(3, "").id);
}

TEST_CASE("an idle session pings and stays up while a silent peer is declared dead") {
    Pair p;
    p.handshake();
    for (int i = 0; i < 3 * wire::kDeadPeerTimeout / milliseconds(250); ++i) {
        p.tick(milliseconds(250));
        p.pump();
    }
    CHECK_FALSE(p.alice.closed());
    CHECK_FALSE(p.bob.closed());
    // Bob goes silent: Alice's pings are never answered.
    for (int i = 0; i < wire::kDeadPeerTimeout / milliseconds(250); ++i) {
        p.tick(milliseconds(250));
        p.bob.outbox.clear();
        p.alice.outbox.clear();
    }
    REQUIRE(p.alice.closed());
    CHECK(p.alice.closed()->kind == CloseKind::peer_timeout);
    CHECK(p.alice.closed()->reason == "peer timed out");
}

TEST_CASE("keepalive: a ping is answered with a pong that keeps the pinger alive") {
    Pair p;
    p.handshake();
    p.tick(wire::kKeepaliveInterval);  // both ping
    CHECK_FALSE(p.alice.outbox.empty());
    p.pump();                          // pings answered
    p.tick(wire::kDeadPeerTimeout - milliseconds(1));
    CHECK_FALSE(p.alice.closed());
    p.tick(milliseconds(1));
    CHECK(p.alice.closed());  // nothing pumped since: dead exactly at the bound
}

TEST_CASE("next_deadline says when tick has work: no polling needed") {
    Pair p;
    CHECK(p.bob.session.next_deadline() == p.now + wire::kHandshakeTimeout);
    p.handshake();
    const MonoTime up = p.now;
    CHECK(p.alice.session.next_deadline() == up + wire::kKeepaliveInterval);
    // A tick before the deadline sends nothing; at the deadline it pings.
    p.tick(wire::kKeepaliveInterval - milliseconds(1));
    CHECK(p.alice.outbox.empty());
    p.tick(milliseconds(1));
    CHECK_FALSE(p.alice.outbox.empty());
    p.alice.outbox.clear();
    p.bob.outbox.clear();
    // Unanswered: the next ping is a keepalive later, unless death comes first.
    CHECK(p.alice.session.next_deadline() ==
          std::min(up + wire::kDeadPeerTimeout, p.now + wire::kKeepaliveInterval));
    while (!p.alice.closed()) p.tick(p.alice.session.next_deadline() - p.now);
    CHECK(p.now == up + wire::kDeadPeerTimeout);
    CHECK(p.alice.session.next_deadline() == MonoTime::max());
}

// PROTOCOL.md §6.2: every frame counts as received, handshake messages included,
// so the keepalive runs from each side's last handshake message.
TEST_CASE("keepalive: silence counts from the last handshake message each side received") {
    Pair p;
    p.alice.take(p.alice.session.start(p.now));
    p.now += milliseconds(300);
    p.bob.take(p.bob.session.receive(std::exchange(p.alice.outbox, {}), p.now));  // msg1
    p.now += milliseconds(300);
    p.alice.take(p.alice.session.receive(std::exchange(p.bob.outbox, {}), p.now));  // msg2: Alice is up
    const MonoTime alice_up = p.now;
    p.now += milliseconds(300);
    p.bob.take(p.bob.session.receive(std::exchange(p.alice.outbox, {}), p.now));  // msg3: Bob is up
    const MonoTime bob_up = p.now;
    REQUIRE(p.alice.session.state() == Session::State::established);
    REQUIRE(p.bob.session.state() == Session::State::established);
    CHECK(p.alice.session.next_deadline() == alice_up + wire::kKeepaliveInterval);
    CHECK(p.bob.session.next_deadline() == bob_up + wire::kKeepaliveInterval);
    p.tick(alice_up + wire::kKeepaliveInterval - p.now);
    CHECK_FALSE(p.alice.outbox.empty());  // Alice's ping
    CHECK(p.bob.outbox.empty());
    p.tick(bob_up + wire::kKeepaliveInterval - p.now);
    CHECK_FALSE(p.bob.outbox.empty());    // Bob's ping
}

TEST_CASE("a handshake that never finishes times out") {
    Pair p;
    p.alice.take(p.alice.session.start(p.now));
    p.tick(wire::kHandshakeTimeout - milliseconds(1));
    CHECK_FALSE(p.bob.closed());
    p.tick(milliseconds(1));
    REQUIRE(p.bob.closed());
    CHECK(p.bob.closed()->kind == CloseKind::handshake_timeout);
    REQUIRE(p.alice.closed());
}

TEST_CASE("a tampered transport frame closes the session and nothing is accepted after") {
    Pair p;
    p.handshake();
    p.alice.take(p.alice.session.send(text(3, "secret"), p.now));
    auto bytes = p.alice.outbox;
    p.alice.outbox.clear();
    bytes[bytes.size() - 5] ^= 0x01;
    p.bob.take(p.bob.session.receive(bytes, p.now));
    REQUIRE(p.bob.closed());
    CHECK(p.bob.closed()->kind == CloseKind::decrypt_failed);
    CHECK(p.bob.all<Received>().empty());
    // Even a valid message is ignored afterwards.
    p.alice.take(p.alice.session.send(text(4, "later"), p.now));
    auto more = p.bob.session.receive(p.alice.outbox, p.now);
    CHECK(more.events.empty());
    CHECK(more.bytes.empty());
    CHECK(p.bob.session.state() == Session::State::closed);
}

TEST_CASE("garbage instead of a handshake closes the responder") {
    Pair p;
    std::vector<std::uint8_t> http{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'};
    p.bob.take(p.bob.session.receive(http, p.now));
    REQUIRE(p.bob.closed());
    CHECK(p.bob.closed()->kind == CloseKind::bad_frame);  // "GE" is not length 32

    Pair q;
    std::vector<std::uint8_t> junk(32, 0x00);  // right size, but the low-order point 0
    q.bob.take(q.bob.session.receive(frame_of(junk), q.now));
    REQUIRE(q.bob.closed());
    CHECK(q.bob.outbox.empty());  // the peer is told nothing
}

TEST_CASE("bad lengths close the session (zero or wrong handshake size or truncated transport message)") {
    Pair p;
    std::vector<std::uint8_t> zero{0x00, 0x00};
    p.bob.take(p.bob.session.receive(zero, p.now));
    REQUIRE(p.bob.closed());
    CHECK(p.bob.closed()->kind == CloseKind::bad_frame);

    Pair q;
    q.handshake();
    std::vector<std::uint8_t> short_frame{0x00, 0x05, 1, 2, 3, 4, 5};  // below flag + tag
    q.bob.take(q.bob.session.receive(short_frame, q.now));
    REQUIRE(q.bob.closed());
    CHECK(q.bob.closed()->kind == CloseKind::bad_frame);
}

using test::RawInitiator;

TEST_CASE("an unknown message type is skipped but bytes that are not a message close") {
    MonoTime now{0};
    Side bob = responder(now);
    RawInitiator raw;
    raw.connect(bob, now);
    std::vector<std::uint8_t> unknown{0xa2, 0x61, 't', 0x64, 'f', 'i', 'l', 'e', 0x61, 'x', 0x01};  // {"t":"file","x":1}
    bob.take(bob.session.receive(raw.seal(wire::kFlagLast, unknown), now));
    bob.take(bob.session.receive(raw.seal(wire::kFlagLast, encode(text(1, "still here"))), now));
    CHECK_FALSE(bob.closed());
    REQUIRE(bob.all<Received>().size() == 1);
    CHECK(std::get<Text>(bob.all<Received>()[0].message).body == "still here");

    std::vector<std::uint8_t> not_cbor{0xff, 0xfe};
    bob.take(bob.session.receive(raw.seal(wire::kFlagLast, not_cbor), now));
    REQUIRE(bob.closed());
    CHECK(bob.closed()->kind == CloseKind::protocol_error);
}

// Issue 22.1: one message of a million nested arrays, in continuation chunks,
// used to overflow the stack of the recursive decoder.
TEST_CASE("a message nested a million deep closes the session and the process survives") {
    MonoTime now{0};
    Side bob = responder(now);
    RawInitiator raw;
    raw.connect(bob, now);
    std::vector<std::uint8_t> deep(1000000, 0x81);
    deep.push_back(0x00);
    raw.send_message(bob, deep, now);
    REQUIRE(bob.closed());
    CHECK(bob.closed()->kind == CloseKind::protocol_error);
    CHECK(bob.all<Received>().empty());
}

TEST_CASE("a bad fragment flag closes the session") {
    MonoTime now{0};
    Side bob = responder(now);
    RawInitiator raw;
    raw.connect(bob, now);
    bob.take(bob.session.receive(raw.seal(0x02, encode(text(1, "x"))), now));
    REQUIRE(bob.closed());
    CHECK(bob.closed()->kind == CloseKind::protocol_error);
}

TEST_CASE("fragments beyond the reassembly limit close the session") {
    MonoTime now{0};
    Side bob = responder(now);
    RawInitiator raw;
    raw.connect(bob, now);
    std::vector<std::uint8_t> chunk(wire::kMaxChunk, 0x41);
    for (std::size_t sent = 0; sent <= wire::kMaxMessage && !bob.closed(); sent += chunk.size()) {
        bob.take(bob.session.receive(raw.seal(wire::kFlagMore, chunk), now));
    }
    REQUIRE(bob.closed());
    CHECK(bob.closed()->kind == CloseKind::message_too_large);
}

TEST_CASE("expected key mismatch is reported as spoofing") {
    Pair p(key(9).public_key);  // Alice dialed a TXT record that promised key 9
    p.handshake();
    REQUIRE(p.alice.closed());
    CHECK(p.alice.closed()->kind == CloseKind::spoof);
    CHECK(p.alice.session.peer() == key(2).public_key);
    CHECK(p.alice.all<Established>().empty());
    CHECK(p.bob.all<Established>().empty());  // msg3 never sent
}

TEST_CASE("close sends the reason to the peer") {
    Pair p;
    p.handshake();
    p.alice.take(p.alice.session.close("going home", p.now));
    p.pump();
    REQUIRE(p.alice.closed());
    CHECK(p.alice.closed()->kind == CloseKind::local_close);
    REQUIRE(p.bob.closed());
    CHECK(p.bob.closed()->kind == CloseKind::remote_close);
    CHECK(p.bob.closed()->reason == "going home");
    CHECK(p.alice.session.send(text(6, "x"), p.now).bytes.empty());
}

// PROTOCOL.md §6.2: how closely a session watches its peer is the layer above's choice.
TEST_CASE("slow keepalive: a ping after 30 s of silence, a silent peer dead after 90 s") {
    Pair p;
    p.handshake();
    const Liveness slow{Keepalive::slow, false};
    p.alice.take(p.alice.session.set_liveness(slow, p.now));
    p.bob.take(p.bob.session.set_liveness(slow, p.now));
    CHECK(p.alice.outbox.empty());  // going slower sends nothing
    const MonoTime up = p.now;
    CHECK(p.alice.session.next_deadline() == up + wire::kSlowKeepaliveInterval);
    p.tick(wire::kSlowKeepaliveInterval - milliseconds(1));
    CHECK(p.alice.outbox.empty());
    p.tick(milliseconds(1));
    CHECK_FALSE(p.alice.outbox.empty());  // the ping
    p.pump();                             // answered: both alive
    CHECK_FALSE(p.alice.closed());
    CHECK_FALSE(p.bob.closed());
    // Bob goes silent: Alice gives up a slow dead-peer timeout after his last frame.
    const MonoTime last_heard = p.now;
    while (!p.alice.closed()) {
        p.tick(p.alice.session.next_deadline() - p.now);
        p.bob.outbox.clear();
        p.alice.outbox.clear();
    }
    CHECK(p.alice.closed()->kind == CloseKind::peer_timeout);
    CHECK(p.now == last_heard + wire::kSlowDeadPeerTimeout);
}

TEST_CASE("going fast after a long silence probes at once and allows a fast timeout from then") {
    Pair p;
    p.handshake();
    p.alice.take(p.alice.session.set_liveness({Keepalive::slow, false}, p.now));
    p.bob.take(p.bob.session.set_liveness({Keepalive::slow, false}, p.now));
    p.tick(milliseconds(20000));  // 20 s quiet: under the slow interval, over the fast timeout
    REQUIRE(p.alice.outbox.empty());
    p.alice.take(p.alice.session.set_liveness({Keepalive::fast, false}, p.now));
    CHECK_FALSE(p.alice.closed());        // not declared dead for the silence before
    CHECK_FALSE(p.alice.outbox.empty());  // a ping at once: is anyone there?
    const MonoTime probed = p.now;
    p.alice.outbox.clear();               // lost: Bob vanished
    while (!p.alice.closed()) p.tick(p.alice.session.next_deadline() - p.now);
    CHECK(p.alice.closed()->kind == CloseKind::peer_timeout);
    CHECK(p.now == probed + wire::kDeadPeerTimeout);
}

TEST_CASE("an idle session closes itself with reason idle, traffic or a needing peer keeps it") {
    Pair p;
    p.handshake();
    const Liveness idle{Keepalive::slow, true};
    p.alice.take(p.alice.session.set_liveness(idle, p.now));
    p.bob.take(p.bob.session.set_liveness({Keepalive::slow, false}, p.now));
    // A message from Alice restarts her idle clock.
    p.tick(wire::kIdleSessionTimeout - milliseconds(1));
    p.alice.take(p.alice.session.send(text(7, "still here"), p.now));
    const MonoTime spoke = p.now;
    p.pump();
    p.tick(wire::kIdleSessionTimeout - milliseconds(1));
    CHECK_FALSE(p.alice.closed());
    // Nothing since Alice spoke: idle a full timeout after that.
    CHECK(p.alice.session.next_deadline() == spoke + wire::kIdleSessionTimeout);
    p.tick(milliseconds(1));
    REQUIRE(p.alice.closed());
    CHECK(p.alice.closed()->kind == CloseKind::local_close);
    CHECK(p.alice.closed()->reason == wire::kReasonIdle);
    p.pump();  // Bob reads the Close: a remote close, reason idle
    REQUIRE(p.bob.closed());
    CHECK(p.bob.closed()->kind == CloseKind::remote_close);
    CHECK(p.bob.closed()->reason == wire::kReasonIdle);
}

TEST_CASE("a peer that watches fast keeps an idle-closing session open with its pings") {
    Pair p;
    p.handshake();
    p.alice.take(p.alice.session.set_liveness({Keepalive::slow, true}, p.now));
    // Bob keeps the default (fast, never idle): something is pending on his side.
    for (int i = 0; i < 4 * wire::kIdleSessionTimeout / milliseconds(500); ++i) {
        p.tick(milliseconds(500));
        p.pump();
    }
    CHECK_FALSE(p.alice.closed());
    CHECK_FALSE(p.bob.closed());
}

// §6.3: the initiator names the lane in its Hello (msg3); the responder learns
// it there, and its own Hello's lane means nothing.
TEST_CASE("both sides of a files lane learn the lane from the initiator's Hello") {
    Pair p;
    SessionConfig files = config(crypto::Role::initiator, 1, "alice");
    files.hello.lane = "files";
    p.alice.session = Session(std::move(files), p.now);
    SessionConfig chat_responder = config(crypto::Role::responder, 2, "bob");
    chat_responder.hello.lane = "files";  // ignored: the responder does not choose
    p.bob.session = Session(std::move(chat_responder), p.now);
    p.handshake();
    REQUIRE(p.alice.all<Established>().size() == 1);
    REQUIRE(p.bob.all<Established>().size() == 1);
    CHECK(p.alice.all<Established>()[0].lane == Lane::files);
    CHECK(p.bob.all<Established>()[0].lane == Lane::files);
    CHECK(p.bob.all<Established>()[0].hello.lane == "files");

    Pair chat;
    chat.handshake();
    CHECK(chat.alice.all<Established>().at(0).lane == Lane::chat);
    CHECK(chat.bob.all<Established>().at(0).lane == Lane::chat);
}

TEST_CASE("a responder closes a session asking for a lane it does not know, telling why") {
    MonoTime now{0};
    Side bob = responder(now);
    RawInitiator raw;
    Hello hello{1, "raw", {}};
    hello.lane = "video";
    CHECK_FALSE(raw.connect_with(bob, encode_hello(hello), now));  // never Established
    REQUIRE(bob.closed());
    CHECK(bob.closed()->kind == CloseKind::local_close);
    CHECK(bob.closed()->reason == "unknown lane");
    const auto told = raw.read(bob);
    REQUIRE(told.size() == 1);
    CHECK(std::get<Close>(told[0]).reason == "unknown lane");
}

// Each lane carries one kind: a chat line never waits behind file chunks, and a
// file chunk never reaches the chat layer. The other kind is skipped, not fatal.
TEST_CASE("the chat lane skips file messages and the files lane skips everything else") {
    const auto file_map = test::file_done_map(0x42);
    for (const Lane lane : {Lane::chat, Lane::files}) {
        CAPTURE(to_string(lane));
        MonoTime now{0};
        Side bob = responder(now);
        RawInitiator raw;
        Hello hello{1, "raw", {}};
        hello.lane = to_string(lane);
        REQUIRE(raw.connect_with(bob, encode_hello(hello), now));
        raw.send_message(bob, encode(text(1, "hi")), now);
        raw.send_message(bob, file_map, now);
        raw.send_message(bob, encode(Status{"away", "", "raw", ""}), now);
        raw.send_message(bob, encode(Ping{9}), now);
        CHECK_FALSE(bob.closed());
        if (lane == Lane::chat) {
            CHECK(bob.all<Received>().size() == 2);
            CHECK(bob.all<ReceivedFile>().empty());
        } else {
            CHECK(bob.all<Received>().empty());
            REQUIRE(bob.all<ReceivedFile>().size() == 1);
            CHECK(bob.all<ReceivedFile>()[0].message.bytes == file_map);
        }
        // The session's own messages work on both lanes.
        const auto answer = raw.read(bob);
        REQUIRE(answer.size() == 1);
        CHECK(std::get<Pong>(answer[0]).nonce == 9);
    }
}

TEST_CASE("transport messages are AES-256-GCM when both Hellos list aesgcm, else ChaChaPoly") {
    if (!crypto::cipher_available(crypto::Cipher::aesgcm)) {
        MESSAGE("skipped: this CPU has no AES-NI/CLMUL, so libsodium offers no AES-256-GCM");
        return;
    }
    const std::string aesgcm(wire::kAesGcmCapability);
    struct Case {
        bool bob_lists, raw_lists, raw_uses_aes;  // raw: seals under AESGCM
    };
    for (const Case& t : std::array<Case, 4>{{{true, true, true}, {true, false, false}, {false, true, false},
                                              {true, true, false}}}) {
        const bool bob_lists = t.bob_lists, raw_lists = t.raw_lists, raw_uses_aes = t.raw_uses_aes;
        CAPTURE(bob_lists);
        CAPTURE(raw_lists);
        CAPTURE(raw_uses_aes);
        MonoTime now{0};
        auto c = test::session_config(crypto::Role::responder, 2, "bob");
        if (bob_lists) c.hello.capabilities = {"text", aesgcm};
        Side bob{Session(std::move(c), now), {}, {}};
        RawInitiator raw;
        REQUIRE(raw.connect_with(bob, encode_hello(Hello{1, "raw", raw_lists ? std::vector{aesgcm} : std::vector<std::string>{}}), now));
        const bool agreed = bob_lists && raw_lists;
        CHECK(bob.all<Established>().at(0).cipher == (agreed ? crypto::Cipher::aesgcm : crypto::Cipher::chachapoly));
        if (raw_uses_aes) {
            REQUIRE(raw.send_cs.switch_cipher(crypto::Cipher::aesgcm) == crypto::NoiseError::ok);
            REQUIRE(raw.recv_cs.switch_cipher(crypto::Cipher::aesgcm) == crypto::NoiseError::ok);
        }
        raw.send_message(bob, encode(Ping{4}), now);
        if (raw_uses_aes != agreed) {  // sealed under the other cipher: no tag matches
            REQUIRE(bob.closed());
            CHECK(bob.closed()->kind == CloseKind::decrypt_failed);
            continue;
        }
        CHECK_FALSE(bob.closed());
        const auto answer = raw.read(bob);  // opened under the cipher bob chose
        REQUIRE(answer.size() == 1);
        CHECK(std::get<Pong>(answer[0]).nonce == 4);
    }
}

TEST_CASE("send_file writes a file map as it is, and it keeps an idle-closing session open") {
    Pair p;
    SessionConfig files = config(crypto::Role::initiator, 1, "alice");
    files.hello.lane = "files";
    p.alice.session = Session(std::move(files), p.now);
    p.handshake();
    const auto file_map = test::file_done_map(7);
    std::vector<std::uint8_t> reuse{0xee};  // appended to, as the transport's buffers are
    const auto out = p.alice.session.send_file(file_map, p.now, std::move(reuse));
    REQUIRE(out.bytes.size() > 1);
    CHECK(out.bytes[0] == 0xee);
    p.alice.outbox.insert(p.alice.outbox.end(), out.bytes.begin() + 1, out.bytes.end());
    p.pump();
    REQUIRE(p.bob.all<ReceivedFile>().size() == 1);
    CHECK(p.bob.all<ReceivedFile>()[0].message.bytes == file_map);
    // Over the message limit: nothing appended.
    const std::vector<std::uint8_t> huge(wire::kMaxMessage + 1, 0xa0);
    CHECK(p.alice.session.send_file(huge, p.now, {}).bytes.empty());

    // A file sent counts as traffic for the idle timeout, like a text.
    p.alice.take(p.alice.session.set_liveness({Keepalive::slow, true}, p.now));
    p.tick(wire::kIdleSessionTimeout - milliseconds(1));
    p.alice.take(p.alice.session.send_file(file_map, p.now, {}));
    CHECK(p.alice.session.next_deadline() == p.now + wire::kIdleSessionTimeout);
}

// --- Noise_IK and private mode (issue 17, docs/PROTOCOL.md §4.2) ---

namespace {

// Alice dialing Bob with IK, for Bob's key `for_key` (his real one: key(2)).
SessionConfig ik_alice(std::uint8_t for_key = 2) {
    auto c = config(crypto::Role::initiator, 1, "alice", key(for_key).public_key);
    c.handshake = Handshake::ik;
    return c;
}
SessionConfig bob_config(bool private_mode) {
    auto c = config(crypto::Role::responder, 2, "bob");
    c.private_mode = private_mode;
    return c;
}
bool contains(std::span<const std::uint8_t> haystack, const crypto::PublicKey& needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}
std::vector<std::uint8_t> header(std::size_t len) {
    return {static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len & 0xff)};
}

}  // namespace

TEST_CASE("IK: one round trip with both Hellos, then messages both ways, a private responder accepts it") {
    bool private_bob = false;
    SUBCASE("normal responder") {}
    SUBCASE("private responder") { private_bob = true; }
    Pair p(ik_alice(), bob_config(private_bob));
    p.alice.take(p.alice.session.start(p.now));
    // An IK msg1: longer than XX's, and it already carries Alice's Hello.
    CHECK(p.alice.outbox.size() >= wire::kFrameHeaderLen + wire::kMinIkMsg1Len);
    auto m1 = std::move(p.alice.outbox);
    p.alice.outbox.clear();
    p.bob.take(p.bob.session.receive(m1, p.now));
    // msg2 written, but msg1 alone proves nothing (a replay): not established yet.
    CHECK_FALSE(p.bob.outbox.empty());
    CHECK(p.bob.all<Established>().empty());
    CHECK(p.bob.session.state() == Session::State::handshake);
    auto m2 = std::move(p.bob.outbox);
    p.bob.outbox.clear();
    p.alice.take(p.alice.session.receive(m2, p.now));
    REQUIRE(p.alice.all<Established>().size() == 1);
    CHECK(p.alice.all<Established>()[0].peer == key(2).public_key);
    CHECK(p.alice.all<Established>()[0].hello.nick == "bob");
    // Alice's key confirmation goes out with msg2's reading, unasked: a transport frame.
    REQUIRE_FALSE(p.alice.outbox.empty());
    auto confirmation = std::move(p.alice.outbox);
    p.alice.outbox.clear();
    p.bob.take(p.bob.session.receive(confirmation, p.now));
    REQUIRE(p.bob.all<Established>().size() == 1);  // Bob is done at the first frame that decrypts
    CHECK(p.bob.all<Established>()[0].peer == key(1).public_key);
    CHECK(p.bob.all<Established>()[0].hello.nick == "alice");
    CHECK_FALSE(p.bob.outbox.empty());  // and handles it: the Ping's Pong
    p.pump();

    p.alice.take(p.alice.session.send(text(1, "hi bob"), p.now));
    p.bob.take(p.bob.session.send(text(2, "hi alice"), p.now));
    p.pump();
    REQUIRE(p.bob.all<Received>().size() == 1);
    CHECK(std::get<Text>(p.bob.all<Received>()[0].message).body == "hi bob");
    REQUIRE(p.alice.all<Received>().size() == 1);
    CHECK(std::get<Text>(p.alice.all<Received>()[0].message).body == "hi alice");
    CHECK_FALSE(p.alice.closed());
    CHECK_FALSE(p.bob.closed());
}

TEST_CASE("IK: a replayed msg1 gets msg2 but never an Established, it ends at the handshake timeout") {
    Pair p(ik_alice(), bob_config(false));
    p.handshake();
    REQUIRE(p.bob.all<Established>().size() == 1);  // the real session, recorded
    const std::vector<std::uint8_t> m1(p.alice_sent.begin(),
                                       p.alice_sent.begin() + wire::kFrameHeaderLen + ((p.alice_sent[0] << 8) | p.alice_sent[1]));
    bool garbage = false;
    SUBCASE("the replayer goes silent") {}
    SUBCASE("the replayer sends a transport frame it cannot make") { garbage = true; }
    Side replayed{Session(bob_config(false), p.now), {}, {}};
    replayed.take(replayed.session.receive(m1, p.now));
    CHECK_FALSE(replayed.outbox.empty());  // msg2, which only Alice could read
    CHECK_FALSE(replayed.closed());
    const auto written = replayed.outbox.size();
    if (garbage) {
        std::vector<std::uint8_t> frame = header(wire::kMinTransportLen + 8);
        frame.resize(frame.size() + wire::kMinTransportLen + 8, 0x5a);
        replayed.take(replayed.session.receive(frame, p.now));
        REQUIRE(replayed.closed());
        CHECK(replayed.closed()->kind == CloseKind::handshake_failed);
    } else {
        CHECK(replayed.session.next_deadline() == p.now + wire::kHandshakeTimeout);
        replayed.take(replayed.session.tick(p.now + wire::kHandshakeTimeout - milliseconds(1)));
        CHECK_FALSE(replayed.closed());
        replayed.take(replayed.session.tick(p.now + wire::kHandshakeTimeout));
        REQUIRE(replayed.closed());
        CHECK(replayed.closed()->kind == CloseKind::handshake_timeout);
    }
    CHECK(replayed.all<Established>().empty());
    CHECK(replayed.outbox.size() == written);  // nothing sent but msg2: no Pong, no Close
}

TEST_CASE("IK: neither static key appears in clear in any byte of the session") {
    Pair p(ik_alice(), bob_config(true));
    p.handshake();
    p.alice.take(p.alice.session.send(text(1, "hi"), p.now));
    p.bob.take(p.bob.session.send(text(2, "hello"), p.now));
    p.pump();
    REQUIRE(p.bob.all<Received>().size() == 1);  // a real session, not an empty transcript
    REQUIRE(p.alice.all<Received>().size() == 1);
    CHECK_FALSE(contains(p.bob_sent, key(2).public_key));
    CHECK_FALSE(contains(p.alice_sent, key(2).public_key));
    CHECK_FALSE(contains(p.alice_sent, key(1).public_key));
    CHECK_FALSE(contains(p.bob_sent, key(1).public_key));
}

TEST_CASE("a private responder closes on an XX msg1's length and sends nothing, a normal one waits for it") {
    bool private_bob = false;
    SUBCASE("normal responder") {}
    SUBCASE("private responder") { private_bob = true; }
    Pair p(config(crypto::Role::initiator, 1, "alice"), bob_config(private_bob));
    p.alice.take(p.alice.session.start(p.now));
    REQUIRE(p.alice.outbox.size() == wire::kFrameHeaderLen + wire::kMsg1Len);
    p.bob.take(p.bob.session.receive(std::span(p.alice.outbox).first(wire::kFrameHeaderLen), p.now));
    p.alice.outbox.erase(p.alice.outbox.begin(), p.alice.outbox.begin() + wire::kFrameHeaderLen);
    if (private_bob) {
        REQUIRE(p.bob.closed());
        CHECK(p.bob.closed()->kind == CloseKind::bad_frame);
        CHECK(p.bob.closed()->reason == "private mode: not an IK msg1");
    } else {
        CHECK_FALSE(p.bob.closed());
    }
    p.pump();
    CHECK(p.bob_sent.empty() == private_bob);
    CHECK(p.bob.all<Established>().size() == (private_bob ? 0u : 1u));
}

TEST_CASE("an IK msg1 made for another key gets no byte and a close, from a normal or a private responder") {
    bool private_bob = false;
    SUBCASE("normal responder") {}
    SUBCASE("private responder") { private_bob = true; }
    Pair p(ik_alice(9), bob_config(private_bob));
    p.handshake();
    CHECK(p.bob_sent.empty());
    REQUIRE(p.bob.closed());
    CHECK(p.bob.closed()->kind == CloseKind::handshake_failed);
    CHECK(p.bob.all<Established>().empty());
    CHECK(p.alice.all<Established>().empty());
}

TEST_CASE("a private XX initiator sends msg3 only when may_reveal_to allows the responder's key") {
    std::vector<crypto::PublicKey> asked;
    auto alice = config(crypto::Role::initiator, 1, "alice");
    alice.private_mode = true;
    bool allow = false;
    SUBCASE("no callback: withheld") {}
    SUBCASE("refused: withheld") {
        alice.may_reveal_to = [&](const crypto::PublicKey& k) { asked.push_back(k); return false; };
    }
    SUBCASE("allowed: the session completes") {
        allow = true;
        alice.may_reveal_to = [&](const crypto::PublicKey& k) { asked.push_back(k); return true; };
    }
    const bool has_callback = static_cast<bool>(alice.may_reveal_to);
    Pair p(std::move(alice), bob_config(false));
    p.alice.take(p.alice.session.start(p.now));
    const std::size_t msg1 = p.alice.outbox.size();
    p.pump();
    if (has_callback) {
        REQUIRE(asked.size() == 1);
        CHECK(asked[0] == key(2).public_key);
    }
    if (allow) {
        CHECK(p.alice.all<Established>().size() == 1);
        CHECK(p.bob.all<Established>().size() == 1);
    } else {
        CHECK(p.alice_sent.size() == msg1);  // msg1 only: no msg3, so Bob never learns Alice's key
        REQUIRE(p.alice.closed());
        CHECK(p.alice.closed()->kind == CloseKind::withheld);
        CHECK(p.alice.session.peer() == key(2).public_key);
        CHECK(p.bob.all<Established>().empty());
    }
}

TEST_CASE("a private XX initiator reveals itself to the key it expected without asking") {
    auto alice = config(crypto::Role::initiator, 1, "alice", key(2).public_key);
    alice.private_mode = true;  // no may_reveal_to: it would refuse
    Pair p(std::move(alice), bob_config(false));
    p.handshake();
    CHECK(p.alice.all<Established>().size() == 1);
    CHECK(p.bob.all<Established>().size() == 1);
}

TEST_CASE("msg1 and IK msg2 lengths are refused as soon as the length arrives") {
    struct Case {
        std::size_t len;
        bool closed;
    };
    SUBCASE("responder msg1: exactly 32, or 96 .. 96 + 4096") {
        for (const Case c : {Case{0, true}, Case{31, true}, Case{32, false}, Case{33, true}, Case{95, true},
                             Case{96, false}, Case{96 + 4096, false}, Case{96 + 4097, true}, Case{65535, true}}) {
            INFO("length " << c.len);
            Side bob{Session(bob_config(false), MonoTime{0}), {}, {}};
            bob.take(bob.session.receive(header(c.len), MonoTime{0}));
            CHECK(bob.closed().has_value() == c.closed);
            CHECK(bob.outbox.empty());
        }
    }
    SUBCASE("private responder msg1: 96 .. 96 + 4096 only") {
        for (const Case c : {Case{32, true}, Case{96, false}, Case{96 + 4096, false}, Case{96 + 4097, true}}) {
            INFO("length " << c.len);
            Side bob{Session(bob_config(true), MonoTime{0}), {}, {}};
            bob.take(bob.session.receive(header(c.len), MonoTime{0}));
            CHECK(bob.closed().has_value() == c.closed);
        }
    }
    SUBCASE("IK initiator msg2: 48 .. 48 + 4096") {
        for (const Case c : {Case{47, true}, Case{48, false}, Case{48 + 4096, false}, Case{48 + 4097, true}}) {
            INFO("length " << c.len);
            Side alice{Session(ik_alice(), MonoTime{0}), {}, {}};
            alice.take(alice.session.start(MonoTime{0}));
            alice.take(alice.session.receive(header(c.len), MonoTime{0}));
            CHECK(alice.closed().has_value() == c.closed);
        }
    }
}
