// Writes the seed corpora: real frames of the PROTOCOL.md example session, real
// encodings of every message type, a real TXT record, settings file, identity
// file, store and control requests. make_seeds OUTDIR writes OUTDIR/<target>/*.
// Built in the fuzz builds; with HALLWAY_FUZZ_NO_AEAD its session frames are
// the no-AEAD ones that build needs.
#include "core/files/manifest.hpp"
#include "core/files/messages.hpp"
#include "core/profile.hpp"
#include "core/store.hpp"
#include "crypto/identity.hpp"
#include "discovery/txt_record.hpp"
#include "fuzz_support.hpp"
#include "room_fixture.hpp"
#include "tests/protocol/cases.hpp"
#include "tests/protocol/session_cases.hpp"
#include "transport/wire.hpp"
#include "transport/framing.hpp"
#include "transport/messages.hpp"

#include <fstream>
#include <iostream>

using namespace hallway;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::filesystem::path out_root;

void write(const std::string& target, const std::string& name, std::span<const std::uint8_t> bytes) {
    const auto dir = out_root / target;
    std::filesystem::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
void write(const std::string& target, const std::string& name, std::string_view text) {
    write(target, name, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

Bytes cat(std::initializer_list<std::span<const std::uint8_t>> parts) {
    Bytes out;
    for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

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
            transport::Status{"away", "lunch", "alice"},
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
    write("handshake_responder", "msg1", cat({whole, msg1}));
    write("handshake_responder", "transcript", cat({whole, msg1, msg3, from_alice}));
    write("handshake_responder", "transcript_bytewise", cat({bytewise, msg1, msg3, from_alice}));
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
        write(target, "ik_msg1", cat({whole, ik_msg1}));
        write(target, "ik_transcript", cat({whole, ik_msg1, ik_text}));
        write(target, "ik_transcript_bytewise", cat({bytewise, ik_msg1, ik_text}));
    }
    write("handshake_responder_private", "msg1", cat({whole, msg1}));
    write("handshake_responder_private", "transcript", cat({whole, msg1, msg3, from_alice}));
    write("handshake_initiator", "msg2", cat({whole, msg2}));
    write("handshake_initiator", "transcript", cat({whole, msg2, from_bob}));
    write("session", "messages", cat({whole, from_alice}));
    write("session", "messages_split", cat({Bytes{7}, from_alice}));
    const Bytes big = alice.send(transport::Text{{}, 1, std::string(70000, 'x')}, t0).bytes;  // two fragments
    write("session", "fragments", cat({whole, big}));
    write("session", "close", cat({whole, alice.close("bye", t0).bytes}));
    const Bytes bounds{0x00, 0x01, 0xff, 0xff, 0xff};
    write("frame_reader", "handshake", cat({bounds, msg1, msg2, msg3}));
    write("frame_reader", "transport", cat({Bytes{0x00, 0x11, 0xff, 0xff, 0x03}, from_alice}));
}

void messages() {
    int i = 0;
    for (const auto& m : sample_messages()) write("messages", "type" + std::to_string(i++), transport::encode(m));
    write("hello", "alice", transport::encode_hello({1, "alice", {}}));
    write("hello", "caps", transport::encode_hello({1, "bob", {"files", "typing"}}));
    write("hello", "rooms", transport::encode_hello({1, "carol", {"text", "rooms"}, protocol_cases::key32(3)}));
    // One seed per conformance case: every CBOR shape the spec rules on.
    i = 0;
    for (const auto& c : protocol_cases::message_cases()) write("messages", "case" + std::to_string(i++), c.message);
    i = 0;
    for (const auto& c : protocol_cases::room_cases()) write("messages", "room_case" + std::to_string(i++), c.message);
    i = 0;
    for (const auto& c : protocol_cases::address_cases())
        write("messages", "address_case" + std::to_string(i++), c.message);
    i = 0;
    for (const auto& c : protocol_cases::conversation_cases())
        write("messages", "conversation_case" + std::to_string(i++), c.message);
    i = 0;
    for (const auto& c : protocol_cases::hello_cases()) write("hello", "case" + std::to_string(i++), c.hello);
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
            case Stage::responder_fresh: write("handshake_responder", name, cat({whole, h})); break;
            case Stage::responder_after_msg1: write("handshake_responder", name, cat({whole, msg1, h})); break;
            case Stage::initiator_after_msg1: write("handshake_initiator", name, cat({whole, h})); break;
            case Stage::established: write("session", name, cat({whole, h})); break;
        }
    }
    // §4.2 v != 1, each way.
    auto a2 = fuzz::alice_config();
    a2.hello.version = 2;
    transport::Session alice2(std::move(a2), t0), bob(fuzz::bob_config(), t0);
    const Bytes m2 = bob.receive(alice2.start(t0).bytes, t0).bytes;
    write("handshake_responder", "case_version2", cat({whole, msg1, alice2.receive(m2, t0).bytes}));
    auto b2 = fuzz::bob_config();
    b2.hello.version = 2;
    transport::Session bob2(std::move(b2), t0);
    write("handshake_initiator", "case_version2", cat({whole, bob2.receive(msg1, t0).bytes}));
    i = 0;
    for (const auto& c : fragment_cases()) {
        auto cs = alice_sender();
        write("session", "case_fragment" + std::to_string(i++), cat({whole, sealed(cs, c.chunks)}));
    }
    i = 0;
    for (const auto& c : keepalive_cases()) {
        auto cs = alice_sender();
        Bytes all;
        for (const auto& step : c.steps) all = cat({all, sealed(cs, step.peer)});
        if (!all.empty()) write("session", "case_keepalive" + std::to_string(i), cat({whole, all}));
        ++i;
    }
}

Bytes txt_rdata(const discovery::TxtInfo& info) {
    Bytes rdata;
    for (const auto& e : discovery::serialize_txt(info)) {
        rdata.push_back(static_cast<std::uint8_t>(e.size()));
        rdata.insert(rdata.end(), e.begin(), e.end());
    }
    return rdata;
}

void txt() {
    const Bytes rdata = txt_rdata({1, crypto::fingerprint(fuzz::fixed_key(1).public_key), "alice", ""});
    write("txt_record", "alice", rdata);
    write("txt_record", "duplicate_keys", cat({rdata, rdata}));
    // A private record (docs/PROTOCOL.md §2.1's worked example), and one beside an ordinary record.
    const Bytes hidden =
        txt_rdata({1, "", "", "a0a1a2a3a4a5a6a7a8a9aaabacadaeafd28728de33995996d72822763bb98598"});
    write("txt_record", "private", hidden);
    write("txt_record", "private_and_fp", cat({hidden, rdata}));
}

void files() {
    write("settings", "sample", "# Hallway profile settings\nnick=alice\npresence=away\nstatus_message=lunch\r\n");
    const auto dir = fuzz::scratch_dir() / "seeds";
    std::filesystem::create_directories(dir);
    crypto::KeyPair key;
    std::string message;
    crypto::load_or_create_identity(dir, fuzz::counter_rng(), key, message);
    std::ifstream id(dir / crypto::kIdentityFileName, std::ios::binary);
    write("identity", "valid", std::string(std::istreambuf_iterator<char>(id), std::istreambuf_iterator<char>()));
    {
        core::StoreError err{};
        auto store = core::Store::open(core::store_path(dir).string(), err, message);
        const auto carol = fuzz::fixed_key(7).public_key;
        store->touch_contact(carol, "carol", 1);
        core::StoredMessage m;
        m.peer = carol;
        m.body = "hello carol";
        store->add_outgoing(m);
        store->set_contact_files(carol, true);
        core::StoredTransfer t;
        t.peer = carol;
        t.offer = {0xa1, 0x61, 0x74};
        t.files = {{"/tmp/a.txt", "", {1, 2, 3}, false}};
        store->save_transfer(t, 1);
    }
    std::ifstream db(core::store_path(dir), std::ios::binary);
    write("store_open", "small", std::string(std::istreambuf_iterator<char>(db), std::istreambuf_iterator<char>()));
    const char* requests[] = {
        R"({"cmd":"id"})",
        R"({"cmd":"peers"})",
        R"({"cmd":"send","peer":"carol","text":"hi","wait":true})",
        R"({"cmd":"history","peer":"carol","limit":10})",
        R"({"cmd":"verify","peer":"carol","confirm":false})",
        R"({"cmd":"trust","peer":"carol","trust":"blocked"})",
        R"({"cmd":"nick","nick":"mallory"})",
        R"({"cmd":"status","presence":"away","message":"out"})",
        R"({"cmd":"read","peer":"carol"})",
        R"({"cmd":"typing","peer":"carol","on":true})",
        R"({"cmd":"read_receipts","value":false})",
    };
    int i = 0;
    for (const char* r : requests) write("control", "request" + std::to_string(i++), r);
}

// Entries of the fuzz room: its own create and add (duplicates), then one of
// each other kind as alice's or bob's next entry, each signed by its author.
void room_entries() {
    using namespace core::rooms;
    const fuzz::RoomFixture f;
    auto seed = [](const std::string& name, fuzz::SignMode mode, const std::vector<std::uint8_t>& bytes) {
        write("room_entry", name, cat({Bytes{static_cast<std::uint8_t>(mode)}, bytes}));
    };
    seed("create", fuzz::SignMode::alice, f.create.bytes);
    seed("add_bob", fuzz::SignMode::alice, f.add_bob.bytes);
    const core::PeerKey alice = decode(f.create.bytes)->author, bob = decode(f.add_bob.bytes)->member;
    Entry text = f.room->next_entry(bob, Kind::text, 3);
    text.body = "hi all";
    seed("text", fuzz::SignMode::bob, encode(text));
    seed("text_unsigned", fuzz::SignMode::zero, encode(text));
    for (Kind k : {Kind::remove, Kind::admin, Kind::leave, Kind::set}) {
        Entry e = f.room->next_entry(alice, k, 4);
        if (k != Kind::leave && k != Kind::set) e.member = bob;
        e.name = "dinner";
        seed(std::string(to_string(k)), fuzz::SignMode::alice, encode(e));
    }
}

// Offers as a sender writes them: a folder with files, one empty file, one
// file that needs the largest chunks.
void file_offers() {
    using namespace core::files;
    Offer folder;
    folder.id.fill(0x11);
    folder.entries = {{"photos", true, 0, {}},
                      {"photos/2024/IMG 001.jpg", false, 3'500'000, leaf_hash(Bytes{1})},
                      {"photos/notes \xc3\xa9t\xc3\xa9.txt", false, 1, leaf_hash(Bytes{2})}};
    write("file_offer", "folder", encode_offer(folder));
    Offer empty;
    empty.entries = {{"empty", false, 0, TreeHasher().root()}};
    write("file_offer", "empty", encode_offer(empty));
    Offer big;
    big.chunk_size = kMaxChunkSize;
    big.entries = {{"disk.img", false, kMaxFileSize, leaf_hash(Bytes{3})}};
    write("file_offer", "big", encode_offer(big));
}

// One of each small file message as a sender writes it, at its bounds where
// it has them.
void file_messages() {
    using namespace core::files;
    TransferId id;
    id.fill(0x22);
    write("file_messages", "accept", encode_file_message(FileAccept{id}));
    write("file_messages", "decline", encode_file_message(FileDecline{id}));
    write("file_messages", "done", encode_file_message(FileDone{id}));
    write("file_messages", "get", encode_file_message(FileGet{id, 1, {{0, 1}, {2, 3}}}));
    write("file_messages", "get_full", encode_file_message(FileGet{id, kMaxEntries - 1, {{kMaxChunks - 8, 8}}}));
    write("file_messages", "chunk", encode_file_message(FileChunk{id, 0, 2, Bytes{'h', 'i'}, {leaf_hash(Bytes{1})}}));
    write("file_messages", "chunk_big",
          encode_file_message(FileChunk{id, 0, kMaxChunks - 1, Bytes(kMaxChunkSize, 0x61),
                                        std::vector<Hash>(kMaxProof, leaf_hash(Bytes{2}))}));
    write("file_messages", "cancel", encode_file_message(FileCancel{id, "file changed \xc3\xa9"}));
    Offer offer;
    offer.id = id;
    offer.entries = {{"a.txt", false, 5, leaf_hash(Bytes{3})}};
    write("file_messages", "offer", encode_file_message(offer));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_seeds OUTDIR\n";
        return 2;
    }
    out_root = argv[1];
    sessions();
    messages();
    session_cases();
    txt();
    files();
    room_entries();
    file_offers();
    file_messages();
    return 0;
}
