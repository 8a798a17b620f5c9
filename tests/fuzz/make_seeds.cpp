// Writes the seed corpora of every target but the session-level ones (those are
// make_session_seeds'): a real TXT record, settings file, identity file, store,
// control requests, room entries and file messages. make_seeds OUTDIR.
#include "core/files/manifest.hpp"
#include "core/files/messages.hpp"
#include "core/profile.hpp"
#include "core/store.hpp"
#include "crypto/identity.hpp"
#include "discovery/txt_record.hpp"
#include "fuzz_support.hpp"
#include "room_fixture.hpp"
#include "seed_writer.hpp"

#include <fstream>

using namespace hallway;
using fuzz::Bytes;
using fuzz::cat;
using fuzz::write_seed;

namespace {

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
    write_seed("txt_record", "alice", rdata);
    write_seed("txt_record", "duplicate_keys", cat({rdata, rdata}));
    // A private record (docs/PROTOCOL.md §2.1's worked example), and one beside an ordinary record.
    const Bytes hidden =
        txt_rdata({1, "", "", "a0a1a2a3a4a5a6a7a8a9aaabacadaeafd28728de33995996d72822763bb98598"});
    write_seed("txt_record", "private", hidden);
    write_seed("txt_record", "private_and_fp", cat({hidden, rdata}));
}

void files() {
    write_seed("settings", "sample", "# Hallway profile settings\nnick=alice\npresence=away\nstatus_message=lunch\r\n");
    const auto dir = fuzz::scratch_dir() / "seeds";
    std::filesystem::create_directories(dir);
    crypto::KeyPair key;
    std::string message;
    crypto::load_or_create_identity(dir, fuzz::counter_rng(), key, message);
    std::ifstream id(dir / crypto::kIdentityFileName, std::ios::binary);
    write_seed("identity", "valid", std::string(std::istreambuf_iterator<char>(id), std::istreambuf_iterator<char>()));
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
    write_seed("store_open", "small", std::string(std::istreambuf_iterator<char>(db), std::istreambuf_iterator<char>()));
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
    for (const char* r : requests) write_seed("control", "request" + std::to_string(i++), r);
}

// Entries of the fuzz room: its own create and add (duplicates), then one of
// each other kind as alice's or bob's next entry, each signed by its author.
void room_entries() {
    using namespace core::rooms;
    const fuzz::RoomFixture f;
    auto seed = [](const std::string& name, fuzz::SignMode mode, const std::vector<std::uint8_t>& bytes) {
        write_seed("room_entry", name, cat({Bytes{static_cast<std::uint8_t>(mode)}, bytes}));
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
    write_seed("file_offer", "folder", encode_offer(folder));
    Offer empty;
    empty.entries = {{"empty", false, 0, TreeHasher().root()}};
    write_seed("file_offer", "empty", encode_offer(empty));
    Offer big;
    big.chunk_size = kMaxChunkSize;
    big.entries = {{"disk.img", false, kMaxFileSize, leaf_hash(Bytes{3})}};
    write_seed("file_offer", "big", encode_offer(big));
}

// One of each small file message as a sender writes it, at its bounds where
// it has them.
void file_messages() {
    using namespace core::files;
    TransferId id;
    id.fill(0x22);
    write_seed("file_messages", "accept", encode_file_message(FileAccept{id}));
    write_seed("file_messages", "decline", encode_file_message(FileDecline{id}));
    write_seed("file_messages", "done", encode_file_message(FileDone{id}));
    write_seed("file_messages", "get", encode_file_message(FileGet{id, 1, {{0, 1}, {2, 3}}}));
    write_seed("file_messages", "get_full", encode_file_message(FileGet{id, kMaxEntries - 1, {{kMaxChunks - 8, 8}}}));
    write_seed("file_messages", "chunk", encode_file_message(FileChunk{id, 0, 2, Bytes{'h', 'i'}, {leaf_hash(Bytes{1})}}));
    write_seed("file_messages", "chunk_big",
          encode_file_message(FileChunk{id, 0, kMaxChunks - 1, Bytes(kMaxChunkSize, 0x61),
                                        std::vector<Hash>(kMaxProof, leaf_hash(Bytes{2}))}));
    write_seed("file_messages", "cancel", encode_file_message(FileCancel{id, "file changed \xc3\xa9"}));
    Offer offer;
    offer.id = id;
    offer.entries = {{"a.txt", false, 5, leaf_hash(Bytes{3})}};
    write_seed("file_messages", "offer", encode_file_message(offer));
}

// xmpp_conversation input: a role byte (0 initiator, 1 responder that accepts
// alice@h1, 2 one that does not know her, 3 one that waits first, 4 one that
// always waits), 16 control bytes (0: feed all at once, no call between), then
// what the peer sends. The peer is libpurple's bonjour prpl, as captured.
void xmpp_conversations() {
    const auto input = [](std::uint8_t role, std::uint8_t control, std::string_view peer) {
        std::string bytes(1, static_cast<char>(role));
        bytes.append(16, static_cast<char>(control));
        bytes.append(peer);
        return bytes;
    };
    const std::string decl = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n";
    const std::string ns = "xmlns=\"jabber:client\" xmlns:stream=\"http://etherx.jabber.org/streams\"";
    const std::string alice = decl + "<stream:stream " + ns + " from=\"alice@h1\" to=\"bob@h2\">";
    const std::string bob = decl + "<stream:stream " + ns + " from=\"bob@h2\" to=\"alice@h1\">";
    const std::string text = "&lt;b&gt; &amp; é✓ ]]&gt;";
    const auto message = [&](std::string_view from, std::string_view to) {
        return "<message to='" + std::string(to) + "' from='" + std::string(from) + "' type='chat'><body>" + text +
               "</body><html xmlns='http://www.w3.org/1999/xhtml'><body><font>" + text +
               "</font></body></html><x xmlns='jabber:x:event'><composing/></x></message>";
    };
    const std::string end = "</stream:stream>";
    const std::string to_bob = alice + message("alice@h1", "bob@h2") + end;
    write_seed("xmpp_conversation", "libpurple_responder", input(1, 0, to_bob));
    write_seed("xmpp_conversation", "libpurple_responder_split7", input(1, 7, to_bob));
    write_seed("xmpp_conversation", "libpurple_responder_timers", input(1, 0x80 | 9, to_bob));
    write_seed("xmpp_conversation", "libpurple_unknown", input(2, 0, to_bob));
    write_seed("xmpp_conversation", "libpurple_wait", input(3, 0xE0 | 20, to_bob));
    write_seed("xmpp_conversation", "libpurple_always_wait", input(4, 0x80 | 20, to_bob));
    write_seed("xmpp_conversation", "libpurple_initiator", input(0, 0, bob + message("bob@h2", "alice@h1") + end));
    write_seed("xmpp_conversation", "libpurple_initiator_send_close",
               input(0, 0xA0 | 30, bob + message("bob@h2", "alice@h1") + end));
    write_seed("xmpp_conversation", "iq_get",
               input(1, 0, alice + "<iq type='get' id='v1' from='alice@h1' to='bob@h2'><query xmlns='jabber:iq:version'/></iq>" + end));
    write_seed("xmpp_conversation", "receipt_request",
               input(1, 0, alice + "<message to='bob@h2' from='alice@h1' type='chat' id='r1'><body>hi</body>"
                                   "<request xmlns='urn:xmpp:receipts'/></message>"
                                   "<message from='alice@h1' id='r2'><received xmlns='urn:xmpp:receipts' id='m0'/></message>" + end));
    write_seed("xmpp_conversation", "chat_state",
               input(1, 0, alice + "<message to='bob@h2' from='alice@h1' type='chat'>"
                                   "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>"
                                   "<message to='bob@h2' from='alice@h1' type='chat'>"
                                   "<paused xmlns='http://jabber.org/protocol/chatstates'/></message>" + end));
}

}  // namespace

int main(int argc, char** argv) {
    return fuzz::seed_main(argc, argv, [] {
        txt();
        files();
        room_entries();
        file_offers();
        file_messages();
        xmpp_conversations();
    });
}
