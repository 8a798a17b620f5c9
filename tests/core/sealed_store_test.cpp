// A locked store (core/sealed_vfs.hpp, docs/SECURITY.md "At rest"): nothing
// of its content in any file of the directory, whatever state it was left in;
// a wrong key or a damaged page is refused with every file left as it was.
#include "core/rooms/entry.hpp"
#include "core/sealed_vfs.hpp"
#include "core/store.hpp"
#include "core/store_seal.hpp"
#include "crypto/identity.hpp"
#include "tests/core/temp_dir.hpp"

#include <doctest/doctest.h>
#include <sodium.h>
#include <sqlite3.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <map>

#include <sys/wait.h>
#include <unistd.h>

using namespace hallway::core;
using hallway::test::TempDir;

namespace {

const std::string kMarker = "marker-3b7f9c-the-body-of-a-secret-message";
const std::string kNick = "Zorglub-nick-5e1d";

StoreKey random_key() {
    StoreKey k;
    randombytes_buf(k.data(), k.size());
    return k;
}

PeerKey contact_key() {
    PeerKey k{};
    randombytes_buf(k.data(), k.size());
    return k;
}

StoredMessage incoming(std::uint32_t n, const PeerKey& peer, const std::string& body) {
    StoredMessage m;
    for (std::size_t i = 0; i < 4; ++i) m.id[i] = static_cast<std::uint8_t>(n >> (8 * i));
    m.peer = peer;
    m.direction = Direction::in;
    m.state = MessageState::delivered;
    m.body = body;
    m.sent_at_ms = 1000 + n;
    m.received_at_ms = 2000 + n;
    return m;
}

std::unique_ptr<Store> open_ok(const std::filesystem::path& path, const StoreKey* key) {
    StoreError err = StoreError::io;
    std::string message;
    auto store = Store::open(path.string(), err, message, key);
    INFO(message);
    REQUIRE(err == StoreError::ok);
    REQUIRE(store);
    return store;
}

// A contact with a nick and a signing key, and a conversation holding the marker.
void fill(Store& store, const PeerKey& peer, std::uint32_t messages) {
    REQUIRE(store.touch_contact(peer, kNick, 5000) == StoreError::ok);
    REQUIRE(store.set_sign_key(peer, peer) == StoreError::ok);
    for (std::uint32_t i = 0; i < messages; ++i) {
        bool inserted = false;
        REQUIRE(store.add_incoming(incoming(i, peer, kMarker + " #" + std::to_string(i)), inserted) ==
                StoreError::ok);
    }
}

std::string file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::map<std::string, std::string> snapshot(const std::filesystem::path& dir) {
    std::map<std::string, std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        files[e.path().filename().string()] = file_bytes(e.path());
    return files;
}

// Every file of dir in which any secret of peer shows: the marker, the nick,
// the key's bytes, its fingerprint's digits.
std::vector<std::string> leaks(const std::filesystem::path& dir, const PeerKey& peer) {
    const std::string key(peer.begin(), peer.end());
    const std::vector<std::string> secrets = {kMarker, kNick, key, hallway::crypto::fingerprint(peer)};
    std::vector<std::string> found;
    for (const auto& [name, bytes] : snapshot(dir))
        for (const auto& s : secrets)
            if (bytes.find(s) != std::string::npos) found.push_back(name);
    return found;
}

std::vector<std::string> history_bodies(Store& store, const PeerKey& peer) {
    std::vector<std::string> out;
    for (const auto& m : store.history(peer, 100000)) out.push_back(m.body);
    return out;
}

}  // namespace

TEST_CASE("sealed store: no message, nick or key in any file, with the WAL unchecked and after close") {
    const StoreKey key = random_key();
    const PeerKey peer = contact_key();
    for (const bool sealed : {false, true}) {
        CAPTURE(sealed);
        TempDir dir;
        const auto path = dir / "hallway.db";
        {
            auto store = open_ok(path, sealed ? &key : nullptr);
            fill(*store, peer, 50);
            REQUIRE(std::filesystem::file_size(dir / "hallway.db-wal") > 0);
            // The control (plaintext) store shows the search finds what it looks for.
            CHECK(leaks(dir.path(), peer).empty() == sealed);
        }
        CHECK(leaks(dir.path(), peer).empty() == sealed);
        CHECK(store_is_sealed(path) == sealed);
        auto store = open_ok(path, sealed ? &key : nullptr);
        CHECK(history_bodies(*store, peer).size() == 50);
        CHECK(store->contact(peer)->nick == kNick);
    }
}

TEST_CASE("sealed store: the search index holds no plaintext either, and searching needs no temp file") {
    // Words that only the texts and their search indexes hold: one-to-one
    // (external-content index) and a room's (an index with its own copy).
    const std::string kWord = "qzvxindexedword";
    const std::string kRoomWord = "wkjroomindexedword";
    const StoreKey key = random_key();
    const PeerKey peer = contact_key();
    for (const bool sealed : {false, true}) {
        CAPTURE(sealed);
        TempDir dir;
        const auto path = dir / "hallway.db";
        {
            auto store = open_ok(path, sealed ? &key : nullptr);
            fill(*store, peer, 20);
            for (std::uint32_t i = 0; i < 300; ++i) {
                bool inserted = false;
                REQUIRE(store->add_incoming(incoming(100 + i, peer, kWord + " number " + std::to_string(i)),
                                            inserted) == StoreError::ok);
            }
            RoomId room{};
            room.fill(3);
            REQUIRE(store->put_room(StoredRoom{room, RoomMembership::joined, peer, "r", 1, 0}) == StoreError::ok);
            rooms::Entry e;
            e.room = room;
            e.author = peer;
            e.seq = e.lamport = 1;
            e.sent_at_ms = 1;
            e.kind = rooms::Kind::text;
            e.body = kRoomWord;
            StoredEntry row;
            row.room = room;
            row.author = peer;
            row.seq = row.lamport = 1;
            row.bytes = rooms::encode(e);
            row.text = true;
            REQUIRE(store->add_room_entry(row) == StoreError::ok);
            bool more = false;
            std::string error;
            auto hits = store->search("qzvx NUMBER", std::nullopt, 200, more, error);
            INFO(error);
            REQUIRE(hits);
            CHECK(hits->size() == 200);
            CHECK(more);
            CHECK(store->search(kRoomWord, std::nullopt, 10, more, error)->size() == 1);
            for (const auto& [name, bytes] : snapshot(dir.path())) {
                CHECK((name == "hallway.db" || name == "hallway.db-wal" || name == "hallway.db-shm"));
                // The plaintext control shows the check finds the words.
                CHECK((bytes.find(kWord) == std::string::npos || !sealed));
                CHECK((bytes.find(kRoomWord) == std::string::npos || !sealed));
            }
        }
        std::size_t word_in = 0, room_word_in = 0;
        for (const auto& [name, bytes] : snapshot(dir.path())) {
            word_in += bytes.find(kWord) != std::string::npos;
            room_word_in += bytes.find(kRoomWord) != std::string::npos;
        }
        CHECK((word_in == 0) == sealed);
        CHECK((room_word_in == 0) == sealed);
        auto store = open_ok(path, sealed ? &key : nullptr);
        bool more = false;
        std::string error;
        CHECK(store->search(kRoomWord, std::nullopt, 10, more, error)->size() == 1);
    }
}

TEST_CASE("sealed store: a writer killed with SIGKILL leaves no plaintext and every commit it reported") {
    const StoreKey key = random_key();
    const PeerKey peer = contact_key();
    TempDir dir;
    const auto path = dir / "hallway.db";
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(fds[0]);
        StoreError err{};
        std::string message;
        auto store = Store::open(path.string(), err, message, &key);
        if (!store || store->touch_contact(peer, kNick, 1) != StoreError::ok) ::_exit(1);
        for (std::uint32_t i = 0;; ++i) {
            bool inserted = false;
            // Long bodies: frames and checkpoints are in flight most of the time.
            if (store->add_incoming(incoming(i, peer, kMarker + std::string(3000, 'x') + std::to_string(i)),
                                    inserted) != StoreError::ok)
                ::_exit(1);
            if (::write(fds[1], &i, sizeof i) != sizeof i) ::_exit(1);
        }
    }
    ::close(fds[1]);
    std::uint32_t last = 0;
    bool any = false;
    for (int reads = 0; reads < 1500 && ::read(fds[0], &last, sizeof last) == sizeof last; ++reads) any = true;
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(fds[0]);
    REQUIRE(any);
    CHECK(WIFSIGNALED(status));
    CHECK(leaks(dir.path(), peer).empty());
    auto store = open_ok(path, &key);
    CHECK(history_bodies(*store, peer).size() >= last + 1);
    CHECK(store->contact(peer)->nick == kNick);
}

TEST_CASE("sealed store: no key, a wrong key or a flipped byte is refused and every file is left as it was") {
    const StoreKey key = random_key();
    const PeerKey peer = contact_key();
    TempDir dir;
    const auto path = dir / "hallway.db";
    auto refused = [&](const StoreKey* k, StoreError expected) {
        const auto before = snapshot(dir.path());
        StoreError err = StoreError::ok;
        std::string message;
        auto store = Store::open(path.string(), err, message, k);
        CHECK(store == nullptr);
        CHECK(err == expected);
        CHECK(message.find('\n') == std::string::npos);
        CHECK(message.find(path.string()) == 0);
        CHECK(snapshot(dir.path()) == before);
    };
    const StoreKey wrong = random_key();
    SUBCASE("with the WAL of a store still open") {
        auto store = open_ok(path, &key);
        fill(*store, peer, 20);
        // Copied aside as a crash would leave it, while the store holds its locks.
        TempDir copy;
        for (const auto& e : std::filesystem::directory_iterator(dir.path()))
            std::filesystem::copy_file(e.path(), copy / e.path().filename().string());
        store.reset();
        std::filesystem::remove_all(dir.path());
        std::filesystem::copy(copy.path(), dir.path());
        REQUIRE(std::filesystem::exists(dir / "hallway.db-wal"));
        refused(nullptr, StoreError::sealed);
        refused(&wrong, StoreError::wrong_key_or_damaged);
        // A byte of the first frame's page (32-byte header, 24-byte frame header):
        // not the last frame, so not a write cut short.
        const auto wal = dir / "hallway.db-wal";
        std::string bytes = file_bytes(wal);
        REQUIRE(bytes.size() > 32 + 2 * (24 + 4096));
        const std::string good = bytes;
        bytes[32 + 24 + 100] = static_cast<char>(bytes[32 + 24 + 100] ^ 0x01);
        std::ofstream(wal, std::ios::binary | std::ios::trunc) << bytes;
        refused(&key, StoreError::wrong_key_or_damaged);
        std::ofstream(wal, std::ios::binary | std::ios::trunc) << good;
        CHECK(history_bodies(*open_ok(path, &key), peer).size() == 20);
    }
    SUBCASE("checkpointed") {
        open_ok(path, &key).reset();
        fill(*open_ok(path, &key), peer, 20);
        REQUIRE_FALSE(std::filesystem::exists(dir / "hallway.db-wal"));
        refused(nullptr, StoreError::sealed);
        refused(&wrong, StoreError::wrong_key_or_damaged);
        const auto size = std::filesystem::file_size(path);
        REQUIRE(size >= 3 * 4096);
        for (const std::uintmax_t at : {std::uintmax_t{30}, std::uintmax_t{4096 + 700}, size - 1}) {
            CAPTURE(at);
            std::string bytes = file_bytes(path);
            const std::string good = bytes;
            bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
            std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
            refused(&key, StoreError::wrong_key_or_damaged);
            std::ofstream(path, std::ios::binary | std::ios::trunc) << good;
        }
        CHECK(history_bodies(*open_ok(path, &key), peer).size() == 20);
    }
}

TEST_CASE("sealed store: a plaintext store is refused with a key, seal_store and unseal_store keep every message") {
    const StoreKey key = random_key();
    const PeerKey peer = contact_key();
    TempDir dir;
    const auto path = dir / "hallway.db";
    std::vector<std::string> before;
    {
        auto store = open_ok(path, nullptr);
        fill(*store, peer, 300);
        before = history_bodies(*store, peer);
        // Sealed while a WAL is left beside the file, as after a crash.
        TempDir copy;
        for (const auto& e : std::filesystem::directory_iterator(dir.path()))
            std::filesystem::copy_file(e.path(), copy / e.path().filename().string());
        store.reset();
        std::filesystem::remove_all(dir.path());
        std::filesystem::copy(copy.path(), dir.path());
    }
    REQUIRE(std::filesystem::file_size(dir / "hallway.db-wal") > 0);
    StoreError err = StoreError::ok;
    std::string message;
    CHECK(Store::open(path.string(), err, message, &key) == nullptr);
    CHECK(err == StoreError::not_sealed);
    CHECK_FALSE(leaks(dir.path(), peer).empty());

    REQUIRE_MESSAGE(seal_store(path, key, message), message);
    CHECK(store_is_sealed(path));
    CHECK(leaks(dir.path(), peer).empty());
    CHECK(snapshot(dir.path()).size() == 1);  // hallway.db alone: no old WAL, copy or old file
    CHECK_FALSE(seal_store(path, key, message));
    CHECK(history_bodies(*open_ok(path, &key), peer) == before);

    const StoreKey wrong = random_key();
    const auto sealed_files = snapshot(dir.path());
    CHECK_FALSE(unseal_store(path, wrong, message));
    CHECK(snapshot(dir.path()) == sealed_files);
    REQUIRE_MESSAGE(unseal_store(path, key, message), message);
    CHECK_FALSE(store_is_sealed(path));
    CHECK(snapshot(dir.path()).size() == 1);
    auto store = open_ok(path, nullptr);
    CHECK(history_bodies(*store, peer) == before);
    CHECK(store->contact(peer)->nick == kNick);
}

TEST_CASE("sealed store: everyday use never needs a journal or temp file (the VFS refuses them)") {
    const StoreKey key = random_key();
    const PeerKey peer = contact_key();
    TempDir dir;
    const auto path = dir / "hallway.db";
    {
        auto store = open_ok(path, &key);
        fill(*store, peer, 10);
        // Past the auto-checkpoint (1000 pages) several times, in batches and alone.
        for (std::uint32_t b = 0; b < 12; ++b) {
            Store::Batch batch(*store);
            REQUIRE(batch.begun() == StoreError::ok);
            for (std::uint32_t i = 0; i < 100; ++i) {
                bool inserted = false;
                REQUIRE(store->add_incoming(incoming(1000 + b * 100 + i, peer, std::string(4000, 'a' + b % 26)),
                                            inserted) == StoreError::ok);
            }
            REQUIRE(batch.commit() == StoreError::ok);
        }
        StoredTransfer t;
        t.peer = peer;
        t.offer = std::vector<std::uint8_t>(5000, 7);
        t.files.resize(3);
        REQUIRE(store->save_transfer(t, 1) == StoreError::ok);
        REQUIRE(store->forget_transfer(peer, Direction::in, t.id) == StoreError::ok);
        REQUIRE(store->forget_strangers_seen_before(10) == StoreError::ok);
        CHECK(store->history(peer, 100000).size() == 1210);
        for (const auto& [name, bytes] : snapshot(dir.path()))
            CHECK((name == "hallway.db" || name == "hallway.db-wal" || name == "hallway.db-shm"));
    }
    auto store = open_ok(path, &key);
    CHECK(store->history(peer, 100000).size() == 1210);
    CHECK(leaks(dir.path(), peer).empty());
}

TEST_CASE("sealed store: the VFS refuses a rollback journal rather than write one") {
    const StoreKey key = random_key();
    const PeerKey peer = contact_key();
    TempDir dir;
    const auto path = dir / "hallway.db";
    fill(*open_ok(path, &key), peer, 5);
    const auto before = snapshot(dir.path());
    SealedVfs vfs(key);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, vfs.name()) == SQLITE_OK);
    // Leaving WAL mode rewrites the header under a rollback journal.
    CHECK(sqlite3_exec(db, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr) == SQLITE_CANTOPEN);
    CHECK_FALSE(std::filesystem::exists(dir / "hallway.db-journal"));
    sqlite3_close(db);
    CHECK(snapshot(dir.path()) == before);
    CHECK(history_bodies(*open_ok(path, &key), peer).size() == 5);
}
