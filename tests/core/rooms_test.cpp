// core/rooms/rooms.hpp without sockets: nodes are Rooms objects on their own
// stores, joined by an in-memory network that carries their messages while
// two of them are "connected", in the order sent.
#include "core/rooms/rooms.hpp"

#include "temp_dir.hpp"

#include <sqlite3.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>

using namespace hallway;
using namespace hallway::core;
using namespace hallway::core::rooms;

namespace {

struct Net;

struct FakeNode : RoomsPort {
    Net& net;
    std::string nick;
    crypto::KeyPair identity;
    crypto::SigningKey signing;
    std::unique_ptr<Store> store;
    std::unique_ptr<Rooms> rooms;
    std::vector<Event> events;
    std::set<PeerKey> reached;

    FakeNode(Net& n, std::string name, std::uint8_t seed, const std::filesystem::path& dir);
    const PeerKey& key() const { return identity.public_key; }

    bool has_session(const PeerKey& peer) const override;
    bool send(const PeerKey& peer, const transport::AppMessage& m) override;
    void reach(const PeerKey& peer) override { reached.insert(peer); }
    void pending_changed(const PeerKey&) override {}
    bool online(const PeerKey& peer) const override;
    std::optional<crypto::SignPublicKey> sign_key(const PeerKey& peer) const override;
    RoomMemberView member_view(const PeerKey& peer) const override;
    void emit(const Event& e) override { events.push_back(e); }
    std::int64_t now_ms() const override;

    // Texts shown in a room, in the order they were added.
    std::vector<std::string> texts(const RoomId& room) const {
        std::vector<std::string> out;
        for (auto& m : rooms->history(room, 10000))
            if (m.text) out.push_back(m.body);
        return out;
    }
    std::size_t alerts() const {
        return std::count_if(events.begin(), events.end(), [](const Event& e) {
            auto* n = std::get_if<Notice>(&e);
            return n && n->level == Notice::Level::alert;
        });
    }
    std::vector<std::string> notices() const {
        std::vector<std::string> out;
        for (auto& e : events)
            if (auto* n = std::get_if<Notice>(&e)) out.push_back(n->text);
        return out;
    }
    std::size_t added(const std::string& body) const {
        return std::count_if(events.begin(), events.end(), [&](const Event& e) {
            auto* m = std::get_if<RoomMessageAdded>(&e);
            return m && m->message.text && m->message.body == body;
        });
    }
};

struct Packet {
    PeerKey from, to;
    transport::AppMessage message;
};

struct Net {
    test::TempDir dir;
    std::map<PeerKey, FakeNode*> nodes;
    std::set<std::pair<PeerKey, PeerKey>> links;  // both orders
    std::deque<Packet> wire;
    std::int64_t clock = 1'700'000'000'000;
    std::map<PeerKey, std::size_t> entries_to;    // room_entry messages delivered to each node
    std::set<std::pair<PeerKey, PeerKey>> withheld;  // (from, to): room_entry dropped, as by a lying relay

    FakeNode& add(const std::string& nick, std::uint8_t seed) {
        owned.push_back(std::make_unique<FakeNode>(*this, nick, seed, dir / nick));
        auto& n = *owned.back();
        nodes[n.key()] = &n;
        return n;
    }
    void connect(FakeNode& a, FakeNode& b) {
        links.insert({a.key(), b.key()});
        links.insert({b.key(), a.key()});
        a.rooms->on_session_up(b.key());
        b.rooms->on_session_up(a.key());
        run();
    }
    void cut(FakeNode& a, FakeNode& b) {
        links.erase({a.key(), b.key()});
        links.erase({b.key(), a.key()});
    }
    void isolate(FakeNode& a) {
        std::erase_if(links, [&](auto& l) { return l.first == a.key() || l.second == a.key(); });
    }
    bool linked(const PeerKey& a, const PeerKey& b) const { return links.count({a, b}) > 0; }
    // Delivers everything in flight (and what it causes) in order; a packet
    // on a link cut meanwhile is lost, as on a dead TCP connection.
    void run() {
        for (std::size_t steps = 0; !wire.empty(); ++steps) {
            REQUIRE(steps < 100000);  // the exchange must end
            Packet p = std::move(wire.front());
            wire.pop_front();
            if (!linked(p.from, p.to)) continue;
            if (std::holds_alternative<transport::RoomEntry>(p.message)) {
                if (withheld.count({p.from, p.to})) continue;
                ++entries_to[p.to];
            }
            FakeNode& to = *nodes.at(p.to);
            std::visit(
                [&](const auto& m) {
                    if constexpr (requires { to.rooms->handle(p.from, m); }) to.rooms->handle(p.from, m);
                },
                p.message);
        }
    }

    std::vector<std::unique_ptr<FakeNode>> owned;
};

FakeNode::FakeNode(Net& n, std::string name, std::uint8_t seed, const std::filesystem::path& dir)
    : net(n), nick(std::move(name)) {
    std::array<std::uint8_t, 32> priv{};
    priv.fill(seed);
    identity = crypto::KeyPair::from_private(priv);
    signing = crypto::SigningKey::derive(identity);
    std::filesystem::create_directories(dir);
    StoreError err;
    std::string message;
    store = Store::open((dir / "hallway.db").string(), err, message);
    REQUIRE(store);
    std::uint64_t counter = seed;
    rooms = std::make_unique<Rooms>(
        *store, identity.public_key, signing,
        [counter](std::span<std::uint8_t> out) mutable {
            for (auto& b : out) b = static_cast<std::uint8_t>(++counter * 131);
        },
        *this);
}

bool FakeNode::has_session(const PeerKey& peer) const { return net.linked(key(), peer); }
bool FakeNode::send(const PeerKey& peer, const transport::AppMessage& m) {
    if (!net.linked(key(), peer)) return false;
    net.wire.push_back(Packet{key(), peer, m});
    return true;
}
bool FakeNode::online(const PeerKey& peer) const { return net.linked(key(), peer); }
std::optional<crypto::SignPublicKey> FakeNode::sign_key(const PeerKey& peer) const {
    auto it = net.nodes.find(peer);
    if (it == net.nodes.end()) return std::nullopt;
    return it->second->signing.public_key;
}
RoomMemberView FakeNode::member_view(const PeerKey& peer) const {
    RoomMemberView v;
    v.key = peer;
    if (auto it = net.nodes.find(peer); it != net.nodes.end()) v.nick = it->second->nick;
    return v;
}
std::int64_t FakeNode::now_ms() const { return ++net.clock; }

RoomId must_create(FakeNode& n, const std::string& name, bool open = false) {
    std::string error;
    auto id = n.rooms->create(name, open, "", error);
    REQUIRE_MESSAGE(id, error);
    return *id;
}

void must_send(FakeNode& n, const RoomId& room, const std::string& body) {
    std::string error;
    REQUIRE_MESSAGE(n.rooms->send_text(room, body, error), error);
    n.net.run();
}

// alice creates #team and, connected to bob, invites him.
RoomId invite_bob(Net& net, FakeNode& alice, FakeNode& bob) {
    const RoomId room = must_create(alice, "team");
    net.connect(alice, bob);
    std::string error;
    REQUIRE_MESSAGE(alice.rooms->invite(room, bob.key(), error), error);
    net.run();
    return room;
}

// alice creates a private room with bob and carol in it.
struct ThreeMembers {
    Net net;
    FakeNode& alice = net.add("alice", 1);
    FakeNode& bob = net.add("bob", 2);
    FakeNode& carol = net.add("carol", 3);
    RoomId room{};

    ThreeMembers() {
        room = must_create(alice, "team");
        net.connect(alice, bob);
        net.connect(alice, carol);
        net.connect(bob, carol);
        for (FakeNode* n : {&bob, &carol}) {
            std::string error;
            REQUIRE_MESSAGE(alice.rooms->invite(room, n->key(), error), error);
            net.run();
            REQUIRE_MESSAGE(n->rooms->join(room, error), error);
            net.run();
        }
    }
};

// A room of the creator and the others, every two of them connected.
RoomId room_of(Net& net, FakeNode& creator, const std::vector<FakeNode*>& others) {
    const RoomId room = must_create(creator, "team");
    for (std::size_t i = 0; i < others.size(); ++i) {
        if (!net.linked(creator.key(), others[i]->key())) net.connect(creator, *others[i]);
        for (std::size_t j = 0; j < i; ++j) net.connect(*others[j], *others[i]);
        std::string error;
        REQUIRE_MESSAGE(creator.rooms->invite(room, others[i]->key(), error), error);
        net.run();
        REQUIRE_MESSAGE(others[i]->rooms->join(room, error), error);
        net.run();
    }
    return room;
}

// The member comes back: the sessions of all the holders with it come up at
// once, as when each of them sees it online and dials it.
void come_back(Net& net, FakeNode& member, const std::vector<FakeNode*>& holders) {
    for (FakeNode* h : holders) {
        net.links.insert({member.key(), h->key()});
        net.links.insert({h->key(), member.key()});
    }
    for (FakeNode* h : holders) {
        h->rooms->on_session_up(member.key());
        member.rooms->on_session_up(h->key());
    }
    net.run();
}

}  // namespace

TEST_CASE("an invitation names who sent it, joining brings the room's log") {
    Net net;
    auto& alice = net.add("alice", 1);
    auto& bob = net.add("bob", 2);
    const RoomId room = invite_bob(net, alice, bob);
    std::string error;
    auto invited = bob.rooms->view(room);
    REQUIRE(invited);
    CHECK(invited->membership == RoomMembership::invited);
    CHECK(invited->invited_by == alice.key());
    CHECK(invited->name == "team");
    CHECK(bob.texts(room).empty());

    REQUIRE(bob.rooms->join(room, error));
    net.run();
    auto joined = bob.rooms->view(room);
    REQUIRE(joined);
    CHECK(joined->membership == RoomMembership::joined);
    CHECK(joined->members.size() == 2);

    must_send(alice, room, "hello team");
    CHECK(bob.texts(room) == std::vector<std::string>{"hello team"});
    auto mine = alice.rooms->history(room, 10);
    REQUIRE(!mine.empty());
    CHECK(mine.back().delivered == 1);
    CHECK(mine.back().of == 1);
}

TEST_CASE("declining an invitation forgets it") {
    Net net;
    auto& alice = net.add("alice", 1);
    auto& bob = net.add("bob", 2);
    const RoomId room = invite_bob(net, alice, bob);
    std::string error;
    REQUIRE(bob.rooms->leave(room, error));
    CHECK_FALSE(bob.rooms->view(room));
}

TEST_CASE("each member gets each message once, in each author's order") {
    ThreeMembers t;
    for (int i = 0; i < 5; ++i) {
        must_send(t.alice, t.room, "a" + std::to_string(i));
        must_send(t.bob, t.room, "b" + std::to_string(i));
    }
    for (FakeNode* n : {&t.alice, &t.bob, &t.carol}) {
        auto texts = n->texts(t.room);
        CHECK(texts.size() == 10);
        std::vector<std::string> from_a, from_b;
        for (auto& s : texts) (s[0] == 'a' ? from_a : from_b).push_back(s);
        CHECK(from_a == std::vector<std::string>{"a0", "a1", "a2", "a3", "a4"});
        CHECK(from_b == std::vector<std::string>{"b0", "b1", "b2", "b3", "b4"});
        for (auto& s : texts) CHECK(n->added(s) == 1);
    }
}

TEST_CASE("a member offline when a message was sent gets it from another member after its author left") {
    ThreeMembers t;
    t.net.isolate(t.carol);
    must_send(t.alice, t.room, "while carol was away 1");
    must_send(t.alice, t.room, "while carol was away 2");
    t.net.isolate(t.alice);  // the author is gone for good
    CHECK(t.carol.texts(t.room).empty());
    t.net.connect(t.carol, t.bob);
    CHECK(t.carol.texts(t.room) == std::vector<std::string>{"while carol was away 1", "while carol was away 2"});
    CHECK(t.carol.added("while carol was away 1") == 1);
}

TEST_CASE("a relay that alters a message is reported and the message is not shown") {
    ThreeMembers t;
    t.net.isolate(t.carol);
    must_send(t.alice, t.room, "pay 10 euros");
    // bob holds alice's entry; he changes one byte of the body and relays it.
    auto rows = t.bob.store->room_entries(t.room);
    auto original = std::find_if(rows.begin(), rows.end(), [&](const StoredEntry& e) { return e.text; });
    REQUIRE(original != rows.end());
    auto forged = original->bytes;
    const std::string body = "pay 10 euros";
    auto at = std::search(forged.begin(), forged.end(), body.begin(), body.end());
    REQUIRE(at != forged.end());
    at[4] = '9';
    t.net.links.insert({t.bob.key(), t.carol.key()});
    t.net.links.insert({t.carol.key(), t.bob.key()});
    t.bob.send(t.carol.key(), transport::RoomEntry{forged, original->signature});
    t.net.wire.resize(1);  // only the forged entry
    t.net.run();
    CHECK(t.carol.alerts() == 1);
    CHECK(t.carol.added("pay 90 euros") == 0);
    CHECK(t.carol.store->room_entries(t.room).size() == rows.size() - 1);  // everything but that entry
}

TEST_CASE("an entry replayed into another room is refused as forged") {
    ThreeMembers t;
    std::string error;
    auto other = t.alice.rooms->create("other", false, "", error);
    REQUIRE(other);
    REQUIRE(t.alice.rooms->invite(*other, t.carol.key(), error));
    t.net.run();
    REQUIRE(t.carol.rooms->join(*other, error));
    t.net.run();
    // alice's next entry in #other has the number her text in #team has: the
    // replay fits in every way but the signature, which covers the room id.
    must_send(t.alice, *other, "filler");
    const auto held = t.carol.store->room_entries(*other).size();
    must_send(t.alice, t.room, "for the team only");
    auto rows = t.bob.store->room_entries(t.room);
    auto text = std::find_if(rows.begin(), rows.end(), [](const StoredEntry& e) { return e.text; });
    REQUIRE(text != rows.end());
    auto replayed = text->bytes;
    auto at = std::search(replayed.begin(), replayed.end(), t.room.begin(), t.room.end());
    REQUIRE(at != replayed.end());
    std::copy(other->begin(), other->end(), at);
    t.bob.send(t.carol.key(), transport::RoomEntry{replayed, text->signature});
    t.net.run();
    CHECK(t.carol.alerts() == 1);
    CHECK(t.carol.store->room_entries(*other).size() == held);
}

TEST_CASE("a removed member gets nothing written after its removal") {
    ThreeMembers t;
    std::string error;
    REQUIRE(t.alice.rooms->remove(t.room, t.carol.key(), error));
    t.net.run();
    CHECK(t.carol.rooms->view(t.room)->membership == RoomMembership::left);
    must_send(t.alice, t.room, "after the removal");
    must_send(t.bob, t.room, "bob after the removal");
    // Whoever carol meets serves it nothing more.
    t.net.cut(t.carol, t.bob);
    t.net.connect(t.carol, t.bob);
    t.net.cut(t.carol, t.alice);
    t.net.connect(t.carol, t.alice);
    CHECK(t.carol.added("after the removal") == 0);
    CHECK(t.carol.added("bob after the removal") == 0);
    CHECK(t.bob.added("after the removal") == 1);
    // And carol cannot write into it any more.
    CHECK_FALSE(t.carol.rooms->send_text(t.room, "still here?", error));
}

TEST_CASE("a non-member that asks for a room's log gets nothing") {
    ThreeMembers t;
    must_send(t.alice, t.room, "members only");
    auto& dave = t.net.add("dave", 4);
    t.net.links.insert({dave.key(), t.alice.key()});
    t.net.links.insert({t.alice.key(), dave.key()});
    dave.send(t.alice.key(), transport::RoomSync{t.room, {}});
    t.net.run();
    CHECK(dave.store->room_entries(t.room).empty());
    std::string error;
    CHECK_FALSE(dave.rooms->join(t.room, error));
}

TEST_CASE("an open room is listed to anyone who asks, and anyone may join it") {
    Net net;
    auto& bob = net.add("bob", 2);
    auto& dave = net.add("dave", 4);
    std::string error;
    auto room = bob.rooms->create("hall", true, "the conference", error);
    REQUIRE(room);
    must_send(bob, *room, "welcome");
    net.connect(bob, dave);
    dave.rooms->query_open_rooms({bob.key()});
    net.run();
    auto heard = dave.rooms->open_rooms();
    REQUIRE(heard.size() == 1);
    CHECK(heard[0].name == "hall");
    CHECK(heard[0].topic == "the conference");
    CHECK(heard[0].members == 1);
    CHECK_FALSE(heard[0].joined);
    REQUIRE_MESSAGE(dave.rooms->join(*room, error), error);
    net.run();
    CHECK(dave.rooms->view(*room)->membership == RoomMembership::joined);
    CHECK(dave.texts(*room) == std::vector<std::string>{"welcome"});
    must_send(dave, *room, "hi all");
    CHECK(bob.added("hi all") == 1);
}

TEST_CASE("a private room cannot be joined without an invitation") {
    Net net;
    auto& bob = net.add("bob", 2);
    auto& dave = net.add("dave", 4);
    auto room = must_create(bob, "private");
    net.connect(bob, dave);
    dave.send(bob.key(), transport::RoomJoin{room});
    net.run();
    CHECK(bob.rooms->view(room)->members.size() == 1);
    CHECK_FALSE(dave.rooms->view(room));
}

TEST_CASE("members converge on the same messages whatever links come and go") {
    for (std::uint32_t seed = 1; seed <= 5; ++seed) {
        ThreeMembers t;
        std::mt19937 rng(seed);
        FakeNode* nodes[] = {&t.alice, &t.bob, &t.carol};
        int written = 0;
        for (int step = 0; step < 60; ++step) {
            FakeNode& a = *nodes[rng() % 3];
            FakeNode& b = *nodes[rng() % 3];
            switch (rng() % 3) {
            case 0:
                if (&a != &b) t.net.cut(a, b);
                break;
            case 1:
                if (&a != &b && !t.net.linked(a.key(), b.key())) t.net.connect(a, b);
                break;
            default:
                must_send(a, t.room, a.nick + std::to_string(++written));
            }
        }
        for (FakeNode* a : nodes)
            for (FakeNode* b : nodes)
                if (a != b && !t.net.linked(a->key(), b->key())) t.net.connect(*a, *b);
        auto reference = t.alice.texts(t.room);
        std::sort(reference.begin(), reference.end());
        CHECK(reference.size() == static_cast<std::size_t>(written));
        for (FakeNode* n : nodes) {
            auto texts = n->texts(t.room);
            std::sort(texts.begin(), texts.end());
            CHECK(texts == reference);
            for (auto& s : texts) CHECK(n->added(s) == 1);
        }
    }
}

namespace {

// A full disk, as the store sees it: from another connection, a trigger makes
// every new room entry fail with SQLite's own words until space is "freed".
struct FullDisk {
    sqlite3* db = nullptr;
    explicit FullDisk(const std::filesystem::path& path) {
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        exec("CREATE TRIGGER full BEFORE INSERT ON room_entries BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    }
    ~FullDisk() { sqlite3_close(db); }
    void free_space() { exec("DROP TRIGGER full"); }
    void exec(const char* sql) { REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK); }
};

std::size_t syncs_in_flight(const Net& net, const FakeNode& from, const FakeNode& to) {
    return std::count_if(net.wire.begin(), net.wire.end(), [&](const Packet& p) {
        return p.from == from.key() && p.to == to.key() && std::holds_alternative<transport::RoomSync>(p.message);
    });
}

}  // namespace

TEST_CASE("a member that cannot store is told once, asked again on 2, 4, 8.. s, and gets all once it can") {
    Net net;
    auto& alice = net.add("alice", 1);
    auto& bob = net.add("bob", 2);
    const RoomId room = invite_bob(net, alice, bob);
    std::string error;
    REQUIRE(bob.rooms->join(room, error));
    net.run();
    must_send(alice, room, "before");
    REQUIRE(bob.texts(room) == std::vector<std::string>{"before"});

    FullDisk disk(net.dir / "bob" / "hallway.db");
    bob.events.clear();
    using namespace std::chrono_literals;
    const auto t0 = std::chrono::steady_clock::now();  // the sends' pushes start the waits from here on
    for (auto body : {"one", "two", "three"}) must_send(alice, room, body);
    CHECK(bob.texts(room) == std::vector<std::string>{"before"});
    CHECK(bob.notices() == std::vector<std::string>{"cannot store messages from \"alice\" in #team: database or disk "
                                                    "is full; they will arrive when space is freed"});
    for (auto& m : alice.rooms->history(room, 10))
        if (m.body != "before" && m.text) CHECK(m.delivered == 0);

    // Nothing before the first wait, then asks on the live link 2, 4, 8, 16 s
    // apart; each ask is answered (bob asks back, alice sends) and fails again.
    CHECK(alice.rooms->tick(t0 + 1900ms) <= t0 + 2100ms);
    CHECK(syncs_in_flight(net, alice, bob) == 0);
    auto now = t0 + 2100ms;
    for (auto wait : {4s, 8s, 16s, 30s}) {
        const auto next = alice.rooms->tick(now);
        CHECK(syncs_in_flight(net, alice, bob) == 1);
        CHECK(next == now + wait);
        net.run();
        CHECK(alice.rooms->tick(next - 1ms) == next);  // not again before its time
        CHECK(syncs_in_flight(net, alice, bob) == 0);
        now = next;
    }
    CHECK(bob.texts(room) == std::vector<std::string>{"before"});
    CHECK(bob.notices().size() == 1);

    disk.free_space();
    alice.rooms->tick(now);
    net.run();
    CHECK(bob.texts(room) == std::vector<std::string>{"before", "one", "two", "three"});
    for (auto body : {"one", "two", "three"}) CHECK(bob.added(body) == 1);
    CHECK(bob.notices().back() == "messages from \"alice\" in #team are stored again");
    for (auto& m : alice.rooms->history(room, 10))
        if (m.text) CHECK(m.delivered == m.of);
    // Confirmed: no more asks.
    CHECK(alice.rooms->tick(now + 1h) == std::chrono::steady_clock::time_point::max());
}

TEST_CASE("a joiner that cannot store the room's log asks for it again when its inviter asks") {
    Net net;
    auto& alice = net.add("alice", 1);
    auto& bob = net.add("bob", 2);
    const auto t0 = std::chrono::steady_clock::now();  // the add's push starts the wait from here on
    const RoomId room = invite_bob(net, alice, bob);
    std::string error;
    FullDisk disk(net.dir / "bob" / "hallway.db");
    REQUIRE(bob.rooms->join(room, error));
    net.run();
    CHECK(bob.notices().back() == "cannot store messages from \"alice\" in #team: database or disk is full; they will "
                                  "arrive when space is freed");
    CHECK(bob.rooms->view(room)->members.empty());

    disk.free_space();
    using namespace std::chrono_literals;
    alice.rooms->tick(t0 + 2100ms);
    net.run();
    CHECK(bob.rooms->view(room)->members.size() == 2);
    must_send(alice, room, "hello");
    CHECK(bob.texts(room) == std::vector<std::string>{"hello"});
}

TEST_CASE("receipts gathered in memory are saved by the tick and read back at the next start") {
    ThreeMembers t;
    must_send(t.alice, t.room, "kept receipts");
    auto delivered = [&] {
        for (auto& m : t.alice.rooms->history(t.room, 10))
            if (m.body == "kept receipts") return std::make_pair(m.delivered, m.of);
        return std::make_pair(0u, 0u);
    };
    REQUIRE(delivered() == std::make_pair(2u, 2u));
    t.alice.rooms->tick(std::chrono::steady_clock::now());
    // A new Rooms on the same store, as after a restart.
    t.alice.rooms = std::make_unique<Rooms>(*t.alice.store, t.alice.key(), t.alice.signing,
                                            [](std::span<std::uint8_t> out) { std::fill(out.begin(), out.end(), 7); },
                                            t.alice);
    t.alice.rooms->load();
    CHECK(delivered() == std::make_pair(2u, 2u));
}

TEST_CASE("the creator makes admins, an admin may remove members, others may not") {
    ThreeMembers t;
    std::string error;
    CHECK_FALSE(t.bob.rooms->remove(t.room, t.carol.key(), error));     // not an admin yet
    CHECK_FALSE(t.bob.rooms->make_admin(t.room, t.carol.key(), error)); // only the creator makes admins
    REQUIRE_MESSAGE(t.alice.rooms->make_admin(t.room, t.bob.key(), error), error);
    t.net.run();
    CHECK(t.bob.rooms->view(t.room)->admin);
    REQUIRE_MESSAGE(t.bob.rooms->remove(t.room, t.carol.key(), error), error);
    t.net.run();
    CHECK(t.alice.rooms->view(t.room)->members.size() == 2);
    CHECK(t.carol.rooms->view(t.room)->membership == RoomMembership::left);
}

TEST_CASE("a member coming back gets each missing entry once, not once per member holding it") {
    Net net;
    auto& alice = net.add("alice", 1);
    std::vector<FakeNode*> holders{&alice, &net.add("bob", 2), &net.add("carol", 3), &net.add("dave", 4),
                                   &net.add("erin", 5)};
    auto& zoe = net.add("zoe", 6);
    std::vector<FakeNode*> others(holders.begin() + 1, holders.end());
    others.push_back(&zoe);
    const RoomId room = room_of(net, alice, others);
    net.isolate(zoe);
    const std::vector<std::string> away{"away 1", "away 2", "away 3"};
    for (auto& body : away) must_send(alice, room, body);
    net.entries_to.clear();

    come_back(net, zoe, holders);
    CHECK(zoe.texts(room) == away);
    CHECK(net.entries_to[zoe.key()] == away.size());  // not holders.size() x as many
    for (auto& body : away) CHECK(zoe.added(body) == 1);
    // Every holder still learns that she holds them: the author sees them delivered.
    for (auto& m : alice.rooms->history(room, 10))
        if (m.text) CHECK(m.delivered == m.of);
    for (FakeNode* h : holders) CHECK_FALSE(h->rooms->pending(zoe.key()));
}

TEST_CASE("a member coming back whose chosen member withholds gets the entries from the next one after 2 s") {
    Net net;
    auto& alice = net.add("alice", 1);
    auto& bob = net.add("bob", 2);
    auto& carol = net.add("carol", 3);
    auto& zoe = net.add("zoe", 4);
    const RoomId room = room_of(net, alice, {&bob, &carol, &zoe});
    net.isolate(zoe);
    net.isolate(alice);  // the author is gone
    must_send(alice, room, "away");
    net.connect(bob, carol);  // alice's push did not reach them: they get it when she is back
    net.links.insert({alice.key(), bob.key()});
    net.links.insert({bob.key(), alice.key()});
    net.links.insert({alice.key(), carol.key()});
    net.links.insert({carol.key(), alice.key()});
    for (FakeNode* h : {&bob, &carol}) {
        alice.rooms->on_session_up(h->key());
        h->rooms->on_session_up(alice.key());
    }
    net.run();
    net.isolate(alice);
    REQUIRE(bob.texts(room) == std::vector<std::string>{"away"});
    REQUIRE(carol.texts(room) == std::vector<std::string>{"away"});

    // bob, asked first, says he holds the entry but never sends it.
    net.withheld.insert({bob.key(), zoe.key()});
    net.entries_to.clear();
    come_back(net, zoe, {&bob, &carol});
    CHECK(zoe.texts(room).empty());  // carol waits her turn
    using namespace std::chrono_literals;
    const auto later = std::chrono::steady_clock::now() + 2100ms;
    zoe.rooms->tick(later);
    net.run();
    CHECK(zoe.texts(room) == std::vector<std::string>{"away"});
    CHECK(net.entries_to[zoe.key()] == 1);
    CHECK(zoe.rooms->tick(later + 1h) == std::chrono::steady_clock::time_point::max());
}

TEST_CASE("search: a room's texts are found by its members, named as the room shows them") {
    Net net;
    auto& alice = net.add("alice", 1);
    auto& bob = net.add("bob", 2);
    const RoomId room = invite_bob(net, alice, bob);
    std::string error;
    bool more = false;
    // An invitation's room is not searched (bob holds nothing of it yet anyway).
    CHECK(bob.store->search("team", std::nullopt, 10, more, error)->empty());
    REQUIRE(bob.rooms->join(room, error));
    net.run();
    must_send(alice, room, "Déjeuner at noon, team?");
    for (auto* n : {&alice, &bob}) {
        auto found = n->store->search("dejeuner", std::nullopt, 10, more, error);
        INFO(error);
        REQUIRE(found);
        REQUIRE(found->size() == 1);
        auto hit = n->rooms->search_hit(found->front());
        REQUIRE(hit);
        CHECK(hit->in_room);
        CHECK(hit->room == room);
        CHECK(hit->conversation == "team");
        CHECK(hit->body == "Déjeuner at noon, team?");
        CHECK(hit->mine == (n == &alice));
        CHECK(hit->author_nick == "alice");
        CHECK(hit->id == found->front().id);
    }
    // The create entry (it names the room "team") is not a text: only the text is found.
    CHECK(alice.store->search("team", std::nullopt, 10, more, error)->size() == 1);
}
