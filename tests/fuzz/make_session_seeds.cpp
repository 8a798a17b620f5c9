// Writes the seed corpora of the session-level targets: real frames of the
// PROTOCOL.md example session, real encodings of every message type, and one
// seed per conformance case whose input is bytes. make_session_seeds OUTDIR.
// Built in both fuzz builds; with HALLWAY_FUZZ_NO_AEAD its session frames are
// the no-AEAD ones that build needs.
#include "fuzz_support.hpp"
#include "seed_writer.hpp"
#include "tests/protocol/cases.hpp"
#include "tests/protocol/session_cases.hpp"
#include "transport/framing.hpp"
#include "transport/messages.hpp"
#include "transport/wire.hpp"

using namespace hallway;
using fuzz::Bytes;
using fuzz::cat;
using fuzz::write_seed;

namespace {

Bytes frame(std::span<const std::uint8_t> body) {
    Bytes out;
    transport::encode_frame(body, out);
    return out;
}

std::vector<transport::Message> sample_messages() {
    transport::MessageId id{};
    for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(i);
    const auto room = protocol_cases::the_room();
    return {transport::Text{id, 1700000000000, "hi bob"},
            transport::Ack{id},
            transport::Status{"away", "lunch", "alice", "alice"},
            transport::Ping{42},
            transport::Pong{42},
            transport::Close{"bye"},
            transport::RoomEntry{protocol_cases::the_entry(), protocol_cases::the_signature()},
            protocol_cases::sync_of(3),
            transport::RoomAck{room, protocol_cases::key32(1), 3},
            transport::RoomInvite{room, "lunch"},
            transport::RoomJoin{room},
            transport::RoomsQuery{},
            protocol_cases::list_of(2),
            // where and here at their largest (§13): every bound at its limit.
            protocol_cases::where_of(transport::wire::kMaxWhereKeys),
            protocol_cases::here_of(transport::wire::kMaxWhereKeys, transport::wire::kMaxSharedAddresses,
                                    protocol_cases::long_address()),
            // read at its largest and typing (§14).
            protocol_cases::read_of(transport::wire::kMaxReadIds),
            transport::Typing{true}};
}

// The example session: handshake, then every message type each way.
void sessions() {
    const transport::MonoTime t0{0};
    transport::Session alice(fuzz::alice_config(), t0), bob(fuzz::bob_config(), t0);
    const Bytes msg1 = alice.start(t0).bytes;
    bob.start(t0);
    const Bytes msg2 = bob.receive(msg1, t0).bytes;
    const Bytes msg3 = alice.receive(msg2, t0).bytes;
    bob.receive(msg3, t0);
    Bytes from_alice, from_bob;
    for (const auto& m : sample_messages()) {
        if (std::holds_alternative<transport::Close>(m)) continue;
        auto a = alice.send(m, t0).bytes, b = bob.send(m, t0).bytes;
        from_alice.insert(from_alice.end(), a.begin(), a.end());
        from_bob.insert(from_bob.end(), b.begin(), b.end());
    }
    const Bytes whole{0}, bytewise{1};
    write_seed("handshake_responder", "msg1", cat({whole, msg1}));
    write_seed("handshake_responder", "transcript", cat({whole, msg1, msg3, from_alice}));
    write_seed("handshake_responder", "transcript_bytewise", cat({bytewise, msg1, msg3, from_alice}));
    // IK (§4.2): Alice knows Bob's key. The private responder target gets both
    // transcripts: the XX one must meet silence, the IK one a session.
    auto ik = fuzz::alice_config();
    ik.expected_peer = fuzz::bob_config().identity.public_key;
    ik.handshake = transport::Handshake::ik;
    transport::Session ik_alice(std::move(ik), t0), ik_bob(fuzz::bob_config(), t0);
    const Bytes ik_msg1 = ik_alice.start(t0).bytes;
    ik_alice.receive(ik_bob.receive(ik_msg1, t0).bytes, t0);
    const Bytes ik_text = ik_alice.send(sample_messages().front(), t0).bytes;
    for (const char* target : {"handshake_responder", "handshake_responder_private"}) {
        write_seed(target, "ik_msg1", cat({whole, ik_msg1}));
        write_seed(target, "ik_transcript", cat({whole, ik_msg1, ik_text}));
        write_seed(target, "ik_transcript_bytewise", cat({bytewise, ik_msg1, ik_text}));
    }
    write_seed("handshake_responder_private", "msg1", cat({whole, msg1}));
    write_seed("handshake_responder_private", "transcript", cat({whole, msg1, msg3, from_alice}));
    write_seed("handshake_initiator", "msg2", cat({whole, msg2}));
    write_seed("handshake_initiator", "transcript", cat({whole, msg2, from_bob}));
    write_seed("session", "messages", cat({whole, from_alice}));
    write_seed("session", "messages_split", cat({Bytes{7}, from_alice}));
    const Bytes big = alice.send(transport::Text{{}, 1, std::string(70000, 'x')}, t0).bytes;  // two fragments
    write_seed("session", "fragments", cat({whole, big}));
    write_seed("session", "close", cat({whole, alice.close("bye", t0).bytes}));
    const Bytes bounds{0x00, 0x01, 0xff, 0xff, 0xff};
    write_seed("frame_reader", "handshake", cat({bounds, msg1, msg2, msg3}));
    write_seed("frame_reader", "transport", cat({Bytes{0x00, 0x11, 0xff, 0xff, 0x03}, from_alice}));
}

void messages() {
    int i = 0;
    for (const auto& m : sample_messages()) write_seed("messages", "type" + std::to_string(i++), transport::encode(m));
    write_seed("hello", "alice", transport::encode_hello({1, "alice", {}}));
    write_seed("hello", "caps", transport::encode_hello({1, "bob", {"files", "typing"}}));
    write_seed("hello", "rooms", transport::encode_hello({1, "carol", {"text", "rooms"}, protocol_cases::key32(3)}));
    // One seed per conformance case: every CBOR shape the spec rules on.
    i = 0;
    for (const auto& c : protocol_cases::message_cases()) write_seed("messages", "case" + std::to_string(i++), c.message);
    i = 0;
    for (const auto& c : protocol_cases::room_cases()) write_seed("messages", "room_case" + std::to_string(i++), c.message);
    i = 0;
    for (const auto& c : protocol_cases::address_cases())
        write_seed("messages", "address_case" + std::to_string(i++), c.message);
    i = 0;
    for (const auto& c : protocol_cases::nearby_cases())
        write_seed("messages", "nearby_case" + std::to_string(i++), c.message);
    i = 0;
    for (const auto& c : protocol_cases::conversation_cases())
        write_seed("messages", "conversation_case" + std::to_string(i++), c.message);
    i = 0;
    for (const auto& c : protocol_cases::hello_cases()) write_seed("hello", "case" + std::to_string(i++), c.hello);
}

// Alice's sending CipherState after the example handshake with Bob: the session
// target repeats that handshake (fixed keys both sides), so frames sealed with it
// carry any plaintext past the AEAD (flags, chunks) in either fuzz build.
crypto::CipherState alice_sender() {
    const auto a = fuzz::alice_config();
    crypto::HandshakeConfig hc;
    hc.protocol_name = std::string(transport::wire::kProtocolName);
    hc.role = crypto::Role::initiator;
    hc.prologue.assign(transport::wire::kPrologue.begin(), transport::wire::kPrologue.end());
    hc.s = a.identity;
    hc.e = a.fixed_ephemeral;
    hc.rng = a.rng;
    crypto::NoiseError err{};
    auto hs = crypto::HandshakeState::create(std::move(hc), err);
    const transport::MonoTime t0{0};
    transport::Session bob(fuzz::bob_config(), t0);
    Bytes m1, m3, payload;
    crypto::CipherState send, recv;
    if (!hs || hs->write_message({}, m1) != crypto::NoiseError::ok) std::abort();
    const Bytes framed = bob.receive(frame(m1), t0).bytes;
    std::span<const std::uint8_t> in(framed);
    transport::FrameReader reader;
    const auto m2 = reader.next(in);
    if (!m2 || hs->read_message(*m2, payload) != crypto::NoiseError::ok ||
        hs->write_message(transport::encode_hello(a.hello), m3) != crypto::NoiseError::ok ||
        hs->split(send, recv) != crypto::NoiseError::ok)
        std::abort();
    return send;
}

Bytes sealed(crypto::CipherState& cs, const std::vector<protocol_cases::Chunk>& chunks) {
    Bytes out;
    for (const auto& c : chunks) {
        Bytes plain{c.flag}, cipher;
        plain.insert(plain.end(), c.data.begin(), c.data.end());
        if (cs.encrypt_with_ad({}, plain, cipher) != crypto::NoiseError::ok) std::abort();
        if (c.tamper) cipher.back() ^= 0x01;
        const Bytes f = frame(cipher);
        out.insert(out.end(), f.begin(), f.end());
    }
    return out;
}

// One seed per session-level conformance case whose input is bytes.
void session_cases() {
    using namespace protocol_cases;
    const transport::MonoTime t0{0};
    const Bytes whole{0};
    transport::Session alice(fuzz::alice_config(), t0);
    const Bytes msg1 = alice.start(t0).bytes;
    int i = 0;
    for (const auto& c : frame_cases()) {
        const Bytes h = frame_header(c.length);
        const std::string name = "case_frame" + std::to_string(i++);
        switch (c.stage) {
            case Stage::responder_fresh: write_seed("handshake_responder", name, cat({whole, h})); break;
            case Stage::responder_after_msg1: write_seed("handshake_responder", name, cat({whole, msg1, h})); break;
            case Stage::initiator_after_msg1: write_seed("handshake_initiator", name, cat({whole, h})); break;
            case Stage::established: write_seed("session", name, cat({whole, h})); break;
        }
    }
    // §4.2 v != 1, each way.
    auto a2 = fuzz::alice_config();
    a2.hello.version = 2;
    transport::Session alice2(std::move(a2), t0), bob(fuzz::bob_config(), t0);
    const Bytes m2 = bob.receive(alice2.start(t0).bytes, t0).bytes;
    write_seed("handshake_responder", "case_version2", cat({whole, msg1, alice2.receive(m2, t0).bytes}));
    auto b2 = fuzz::bob_config();
    b2.hello.version = 2;
    transport::Session bob2(std::move(b2), t0);
    write_seed("handshake_initiator", "case_version2", cat({whole, bob2.receive(msg1, t0).bytes}));
    i = 0;
    for (const auto& c : fragment_cases()) {
        auto cs = alice_sender();
        write_seed("session", "case_fragment" + std::to_string(i++), cat({whole, sealed(cs, c.chunks)}));
    }
    i = 0;
    for (const auto& c : keepalive_cases()) {
        auto cs = alice_sender();
        Bytes all;
        for (const auto& step : c.steps) all = cat({all, sealed(cs, step.peer)});
        if (!all.empty()) write_seed("session", "case_keepalive" + std::to_string(i), cat({whole, all}));
        ++i;
    }
}

}  // namespace

int main(int argc, char** argv) {
    return fuzz::seed_main(argc, argv, [] {
        sessions();
        messages();
        session_cases();
    });
}
