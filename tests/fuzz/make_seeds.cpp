// Writes the seed corpora: real frames of the PROTOCOL.md example session, real
// encodings of every message type, a real TXT record, settings file, identity
// file, store and control requests. make_seeds OUTDIR writes OUTDIR/<target>/*.
// Built in the fuzz builds; with HALLWAY_FUZZ_NO_AEAD its session frames are
// the no-AEAD ones that build needs.
#include "core/profile.hpp"
#include "core/store.hpp"
#include "crypto/identity.hpp"
#include "discovery/txt_record.hpp"
#include "fuzz_support.hpp"
#include "tests/protocol/cases.hpp"
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

std::vector<transport::Message> sample_messages() {
    transport::MessageId id{};
    for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(i);
    return {transport::Text{id, 1700000000000, "hi bob"},
            transport::Ack{id},
            transport::Status{"away", "lunch", "alice"},
            transport::Ping{42},
            transport::Pong{42},
            transport::Close{"bye"}};
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
    // One seed per conformance case: every CBOR shape the spec rules on.
    i = 0;
    for (const auto& c : protocol_cases::message_cases()) write("messages", "case" + std::to_string(i++), c.message);
    i = 0;
    for (const auto& c : protocol_cases::hello_cases()) write("hello", "case" + std::to_string(i++), c.hello);
}

void txt() {
    discovery::TxtInfo info{1, crypto::fingerprint(fuzz::fixed_key(1).public_key), "alice"};
    Bytes rdata;
    for (const auto& e : discovery::serialize_txt(info)) {
        rdata.push_back(static_cast<std::uint8_t>(e.size()));
        rdata.insert(rdata.end(), e.begin(), e.end());
    }
    write("txt_record", "alice", rdata);
    write("txt_record", "duplicate_keys", cat({rdata, rdata}));
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
    };
    int i = 0;
    for (const char* r : requests) write("control", "request" + std::to_string(i++), r);
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
    txt();
    files();
    return 0;
}
