// Store::search: one-to-one texts and room texts, newest first, case and
// accents ignored, --peer, limits, the index kept as texts come and rooms go;
// hostile search text reaches SQLite only as quoted words.
#include "core/rooms/entry.hpp"
#include "core/search_query.hpp"
#include "core/store.hpp"
#include "tests/core/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace hallway::core;
using hallway::test::TempDir;

namespace {

PeerKey peer_key(std::uint8_t n) {
    PeerKey k{};
    k.fill(n);
    return k;
}

MessageId message_id(std::uint32_t n) {
    MessageId id{};
    for (std::size_t i = 0; i < 4; ++i) id[i] = static_cast<std::uint8_t>(n >> (8 * i));
    return id;
}

std::unique_ptr<Store> open_store(const std::filesystem::path& path) {
    StoreError err = StoreError::io;
    std::string message;
    auto store = Store::open(path.string(), err, message);
    INFO(message);
    REQUIRE(store);
    return store;
}

void add_in(Store& s, std::uint32_t id, const PeerKey& peer, std::string body, std::int64_t at) {
    StoredMessage m;
    m.id = message_id(id);
    m.peer = peer;
    m.direction = Direction::in;
    m.state = MessageState::delivered;
    m.body = std::move(body);
    m.sent_at_ms = at - 1;
    m.received_at_ms = at;
    bool inserted = false;
    REQUIRE(s.add_incoming(m, inserted) == StoreError::ok);
}

void add_out(Store& s, std::uint32_t id, const PeerKey& peer, std::string body, std::int64_t at) {
    StoredMessage m;
    m.id = message_id(id);
    m.peer = peer;
    m.body = std::move(body);
    m.sent_at_ms = at;
    m.received_at_ms = at;
    REQUIRE(s.add_outgoing(m) == StoreError::ok);
}

RoomId room_id(std::uint8_t n) {
    RoomId r{};
    r.fill(n);
    return r;
}

// A room entry as the store keeps it (the signature is not the store's business).
StoredEntry room_entry(const RoomId& room, const PeerKey& author, std::uint64_t seq, rooms::Kind kind,
                       std::string body, std::int64_t at) {
    rooms::Entry e;
    e.room = room;
    e.author = author;
    e.seq = seq;
    e.lamport = seq;
    e.sent_at_ms = static_cast<std::uint64_t>(at - 5);
    e.kind = kind;
    if (kind == rooms::Kind::text) e.body = std::move(body);
    StoredEntry row;
    row.room = room;
    row.author = author;
    row.seq = seq;
    row.lamport = seq;
    row.id = message_id(static_cast<std::uint32_t>(1000 + seq));
    row.id[15] = room[0];
    row.bytes = rooms::encode(e);
    REQUIRE(!row.bytes.empty());
    row.text = kind == rooms::Kind::text;
    row.received_at_ms = at;
    return row;
}

std::vector<std::string> bodies(const std::vector<StoredHit>& hits) {
    std::vector<std::string> out;
    for (auto& h : hits) out.push_back(h.body);
    return out;
}

std::vector<StoredHit> found(const Store& s, std::string_view text, std::optional<PeerKey> peer = std::nullopt,
                             std::size_t limit = kDefaultSearchLimit) {
    bool more = false;
    std::string error;
    auto hits = s.search(text, peer, limit, more, error);
    INFO(error);
    REQUIRE(hits);
    return *hits;
}

}  // namespace

TEST_CASE("store search: one-to-one texts, both directions, newest first, case and accents ignored") {
    TempDir dir;
    auto s = open_store(dir / "hallway.db");
    REQUIRE(s->touch_contact(peer_key(1), "bob", 1) == StoreError::ok);
    add_in(*s, 1, peer_key(1), "Shall we meet at the Café?", 100);
    add_out(*s, 1, peer_key(1), "yes, the cafe on the corner", 200);
    add_in(*s, 2, peer_key(2), "CAFÉ crème later", 300);
    add_in(*s, 3, peer_key(1), "unrelated", 400);

    auto hits = found(*s, "cafe");
    CHECK(bodies(hits) == std::vector<std::string>{"CAFÉ crème later", "yes, the cafe on the corner",
                                                   "Shall we meet at the Café?"});
    CHECK(hits[1].direction == Direction::out);
    CHECK(hits[1].peer == peer_key(1));
    CHECK(hits[1].peer_nick == "bob");
    CHECK(hits[1].seq > hits[2].seq);
    CHECK(hits[2].id == message_id(1));
    CHECK(hits[2].sent_at_ms == 99);
    CHECK(hits[0].peer_nick.empty());  // never met: no contact

    // Prefixes, several words (all of them), --peer.
    CHECK(bodies(found(*s, "caf")).size() == 3);
    CHECK(bodies(found(*s, "crème cafe")) == std::vector<std::string>{"CAFÉ crème later"});
    CHECK(bodies(found(*s, "creme")) == std::vector<std::string>{"CAFÉ crème later"});
    CHECK(found(*s, "cafe", peer_key(1)).size() == 2);
    CHECK(found(*s, "cafe", peer_key(3)).empty());
    CHECK(found(*s, "nowhere").empty());
}

TEST_CASE("store search: a limit, and more when more matched") {
    TempDir dir;
    auto s = open_store(dir / "hallway.db");
    for (std::uint32_t i = 1; i <= 12; ++i) add_in(*s, i, peer_key(1), "note " + std::to_string(i), 100 + i);
    bool more = false;
    std::string error;
    auto hits = s->search("note", std::nullopt, 5, more, error);
    REQUIRE(hits);
    CHECK(more);
    CHECK(bodies(*hits) == std::vector<std::string>{"note 12", "note 11", "note 10", "note 9", "note 8"});
    hits = s->search("note", std::nullopt, 12, more, error);
    CHECK(hits->size() == 12);
    CHECK_FALSE(more);
    hits = s->search("note", std::nullopt, 0, more, error);  // clamped to 1
    CHECK(hits->size() == 1);
    CHECK(more);
}

TEST_CASE("store search: hostile text is searched for as words, never run as FTS5 syntax") {
    TempDir dir;
    auto s = open_store(dir / "hallway.db");
    add_in(*s, 1, peer_key(1), "the word NEAR and body: here", 100);
    add_in(*s, 2, peer_key(1), "say \"quoted\" OR not", 200);
    for (std::string_view q : {"NEAR(", "\"quoted\" OR", "body:", "body : here", "*", "^the", "OR", "NOT AND",
                               "\"", "a\"*\"b", "{body}:word", "near/3", "'); DROP TABLE messages;--"}) {
        INFO(q);
        bool more = false;
        std::string error;
        auto hits = s->search(q, std::nullopt, 10, more, error);
        // Either a clear refusal (nothing to search for) or an answer: never an SQLite syntax error.
        if (!hits) CHECK(error == "nothing to search for");
        else CHECK(error.empty());
    }
    CHECK(bodies(found(*s, "NEAR(")) == std::vector<std::string>{"the word NEAR and body: here"});
    CHECK(bodies(found(*s, "\"quoted\" OR")) == std::vector<std::string>{"say \"quoted\" OR not"});
    CHECK(bodies(found(*s, "body:")) == std::vector<std::string>{"the word NEAR and body: here"});
    CHECK(found(*s, "'); DROP TABLE messages;--").empty());
    CHECK(found(*s, "here").size() == 1);  // the table is still there
    bool more = false;
    std::string error;
    CHECK_FALSE(s->search(std::string(300, 'x'), std::nullopt, 10, more, error));
    CHECK(error.find("too long") != std::string::npos);
}

TEST_CASE("store search: room texts of rooms we are or were in, not invitations, and a forgotten room unindexed") {
    TempDir dir;
    auto s = open_store(dir / "hallway.db");
    const PeerKey alice = peer_key(1);
    REQUIRE(s->put_room(StoredRoom{room_id(1), RoomMembership::joined, alice, "team", 1, 0}) == StoreError::ok);
    REQUIRE(s->put_room(StoredRoom{room_id(2), RoomMembership::left, alice, "old", 1, 0}) == StoreError::ok);
    REQUIRE(s->put_room(StoredRoom{room_id(3), RoomMembership::invited, alice, "maybe", 1, 0}) == StoreError::ok);
    REQUIRE(s->add_room_entry(room_entry(room_id(1), alice, 1, rooms::Kind::text, "lunch at noon?", 500)) ==
            StoreError::ok);
    REQUIRE(s->add_room_entry(room_entry(room_id(2), alice, 1, rooms::Kind::text, "lunch was good", 600)) ==
            StoreError::ok);
    REQUIRE(s->add_room_entry(room_entry(room_id(3), alice, 1, rooms::Kind::text, "lunch invitation", 700)) ==
            StoreError::ok);
    add_in(*s, 1, alice, "lunch tomorrow", 550);
    // A duplicate entry is refused and indexed once.
    CHECK(s->add_room_entry(room_entry(room_id(1), alice, 1, rooms::Kind::text, "lunch at noon?", 500)) ==
          StoreError::duplicate_id);

    auto hits = found(*s, "LUNCH");
    REQUIRE(bodies(hits) == std::vector<std::string>{"lunch was good", "lunch tomorrow", "lunch at noon?"});
    CHECK(hits[0].in_room);
    CHECK(hits[0].room == room_id(2));
    CHECK(hits[0].author == alice);
    CHECK(hits[0].sent_at_ms == 595);
    CHECK(hits[0].id == room_entry(room_id(2), alice, 1, rooms::Kind::text, "", 0).id);
    CHECK_FALSE(hits[1].in_room);
    // --peer: one-to-one only.
    CHECK(bodies(found(*s, "lunch", alice)) == std::vector<std::string>{"lunch tomorrow"});

    REQUIRE(s->forget_room(room_id(2)) == StoreError::ok);
    CHECK(bodies(found(*s, "lunch")) == std::vector<std::string>{"lunch tomorrow", "lunch at noon?"});
    // The invitation accepted: its texts are found.
    REQUIRE(s->put_room(StoredRoom{room_id(3), RoomMembership::joined, alice, "maybe", 2, 0}) == StoreError::ok);
    CHECK(found(*s, "invitation").size() == 1);
}

TEST_CASE("store search: the index survives reopening, and a failed entry leaves no index row") {
    TempDir dir;
    const auto path = dir / "hallway.db";
    {
        auto s = open_store(path);
        REQUIRE(s->put_room(StoredRoom{room_id(1), RoomMembership::joined, peer_key(1), "team", 1, 0}) ==
                StoreError::ok);
        REQUIRE(s->add_room_entry(room_entry(room_id(1), peer_key(1), 1, rooms::Kind::text, "persistent words", 5)) ==
                StoreError::ok);
        add_out(*s, 1, peer_key(2), "persistent too", 6);
        Store::Batch batch(*s);
        REQUIRE(s->add_room_entry(room_entry(room_id(1), peer_key(1), 2, rooms::Kind::text, "rolled back", 7)) ==
                StoreError::ok);
        // Destroyed without commit: rolled back with its index row.
    }
    auto s = open_store(path);
    CHECK(found(*s, "persistent").size() == 2);
    CHECK(found(*s, "rolled").empty());
    REQUIRE(s->add_room_entry(room_entry(room_id(1), peer_key(1), 2, rooms::Kind::text, "rolled again", 8)) ==
            StoreError::ok);
    CHECK(found(*s, "rolled").size() == 1);
}
