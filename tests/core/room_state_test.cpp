#include "tests/core/room_support.hpp"

#include <doctest/doctest.h>

#include <map>
#include <random>

using namespace hallway::test;

namespace {

struct Fixture {
    Person alice{0x01}, bob{0x02}, carol{0x03}, dave{0x04};
    SignedEntry create = sign(create_entry(alice), alice.signing);
    RoomState room = room_of(create);

    Writer by(const Person& p) const { return Writer{room, p}; }
    SignedEntry put(const SignedEntry& s) { return write(room, s); }
    Entry decoded(const SignedEntry& s) const {
        auto e = decode(s.bytes);
        REQUIRE(e);
        return *e;
    }
};

std::vector<PeerKey> keys_of(const std::vector<Member>& members) {
    std::vector<PeerKey> out;
    for (const auto& m : members) out.push_back(m.key);
    return out;
}

}  // namespace

TEST_CASE("room state: a room starts from its create") {
    Fixture f;
    CHECK(f.room.id() == f.decoded(f.create).room);
    CHECK(f.room.name() == "lunch");
    CHECK(f.room.topic() == "where do we eat");
    CHECK(!f.room.open());
    CHECK(f.room.creator() == f.alice.key);
    REQUIRE(f.room.members().size() == 1);
    const Member& a = f.room.members()[0];
    CHECK(a.key == f.alice.key);
    CHECK(a.creator);
    CHECK(a.admin);
    CHECK(a.sign_key == f.alice.signing.public_key);
    CHECK(f.room.have() == VersionVector{{f.alice.key, 1}});
    CHECK(f.room.lamport() == 1);

    std::string error;
    SUBCASE("not signed by its own key") {
        CHECK(!RoomState::from_create(sign(create_entry(f.alice), f.bob.signing), error));
        CHECK(error.find("signature") != std::string::npos);
    }
    SUBCASE("a room id that is not its own") {
        Entry e = create_entry(f.alice);
        e.room[0] ^= 1;
        CHECK(!RoomState::from_create(sign(e, f.alice.signing), error));
        CHECK(error.find("room id") != std::string::npos);
    }
    SUBCASE("not a create") {
        CHECK(!RoomState::from_create(f.by(f.alice).text("x"), error));
        CHECK(!RoomState::from_create(SignedEntry{}, error));
    }
}

TEST_CASE("room state: copies are independent, moves keep the state") {
    Fixture f;
    RoomState copy = f.room;
    f.put(f.by(f.alice).add(f.bob));
    CHECK(copy.members().size() == 1);
    CHECK(f.room.members().size() == 2);
    copy = f.room;
    CHECK(copy.members().size() == 2);
    RoomState moved = std::move(copy);
    CHECK(moved.is_member(f.bob.key));
    moved = std::move(f.room);
    CHECK(moved.have().at(f.alice.key) == 2);
}

TEST_CASE("room state: verdicts") {
    Fixture f;
    const SignedEntry add_bob = f.put(f.by(f.alice).add(f.bob));
    const SignedEntry hi = f.by(f.bob).text("hi");
    Entry out;

    SUBCASE("accepted, then a duplicate") {
        CHECK(offer(f.room, hi) == Verdict::accepted);
        CHECK(f.room.check(hi, out) == Verdict::duplicate);
        CHECK(f.room.check(add_bob, out) == Verdict::duplicate);
        CHECK(f.room.check(f.create, out) == Verdict::duplicate);
    }
    SUBCASE("the same seq with other bytes, signed by the author: equivocation") {
        CHECK(offer(f.room, hi) == Verdict::accepted);
        Entry other = f.decoded(hi);
        other.body = "ho";
        CHECK(f.room.check(sign(other, f.bob.signing), out) == Verdict::equivocation);
        // Not signed by the author: the relay made it up.
        CHECK(f.room.check(sign(other, f.carol.signing), out) == Verdict::forged);
    }
    SUBCASE("a bad signature: forged") {
        SignedEntry bad = hi;
        bad.signature[0] ^= 1;
        CHECK(f.room.check(bad, out) == Verdict::forged);
        Entry e = f.decoded(hi);
        CHECK(f.room.check(sign(e, f.carol.signing), out) == Verdict::forged);
    }
    SUBCASE("a seq ahead: gap") {
        Entry e = f.decoded(hi);
        e.seq = 2;
        CHECK(f.room.check(sign(e, f.bob.signing), out) == Verdict::gap);
    }
    SUBCASE("an author whose key is not known yet: gap") {
        CHECK(f.room.check(f.by(f.carol).text("who am I"), out) == Verdict::gap);
    }
    SUBCASE("a lamport not above the author's previous: invalid") {
        Entry e = f.by(f.alice).next(Kind::text);
        e.body = "x";
        e.lamport = 2;  // the add was lamport 2
        CHECK(f.room.check(sign(e, f.alice.signing), out) == Verdict::invalid);
        e.lamport = 3;
        CHECK(f.room.check(sign(e, f.alice.signing), out) == Verdict::accepted);
    }
    SUBCASE("a second create, even for this room id: invalid") {
        CHECK(f.room.check(sign(create_entry(f.alice, "other"), f.alice.signing), out) == Verdict::invalid);
        CHECK(f.room.check(sign(create_entry(f.bob), f.bob.signing), out) == Verdict::invalid);
    }
    SUBCASE("another room's entry, or no entry: invalid") {
        Entry e = f.decoded(hi);
        e.room[0] ^= 1;
        CHECK(f.room.check(sign(e, f.bob.signing), out) == Verdict::invalid);
        CHECK(f.room.check(SignedEntry{{0xa0}, {}}, out) == Verdict::invalid);
    }
}

TEST_CASE("room state: membership rules") {
    Fixture f;
    f.put(f.by(f.alice).add(f.bob, "bob"));
    REQUIRE(f.room.is_member(f.bob.key));
    CHECK(f.room.member(f.bob.key)->nick == "bob");
    CHECK(f.room.member(f.bob.key)->added_by == f.alice.key);
    CHECK(!f.room.member(f.bob.key)->admin);

    SUBCASE("an add by a non-member has no effect (but binds the key)") {
        // carol's key is bound by bob's add of her; she writes an add of dave.
        f.put(f.by(f.bob).add(f.carol));
        f.put(f.by(f.carol).leave());
        REQUIRE(!f.room.is_member(f.carol.key));
        f.put(f.by(f.carol).add(f.dave));
        CHECK(!f.room.is_member(f.dave.key));
        CHECK(f.room.may(f.carol.key, Kind::add, f.dave.key) != "");
    }
    SUBCASE("a remove by a non-admin has no effect") {
        f.put(f.by(f.alice).add(f.carol));
        f.put(f.by(f.bob).about(Kind::remove, f.carol));
        CHECK(f.room.is_member(f.carol.key));
        CHECK(f.room.may(f.bob.key, Kind::remove, f.carol.key) == "only an admin may remove members");
    }
    SUBCASE("the creator cannot be removed, even by an admin; the creator may leave") {
        f.put(f.by(f.alice).about(Kind::admin, f.bob));
        REQUIRE(f.room.member(f.bob.key)->admin);
        f.put(f.by(f.bob).about(Kind::remove, f.alice));
        CHECK(f.room.is_member(f.alice.key));
        CHECK(f.room.may(f.bob.key, Kind::remove, f.alice.key) == "the creator cannot be removed");
        f.put(f.by(f.alice).leave());
        CHECK(!f.room.is_member(f.alice.key));
    }
    SUBCASE("admin is granted only by the creator; a removal drops it") {
        f.put(f.by(f.alice).add(f.carol));
        f.put(f.by(f.bob).about(Kind::admin, f.carol));
        CHECK(!f.room.member(f.carol.key)->admin);
        CHECK(f.room.may(f.bob.key, Kind::admin, f.carol.key) == "only the creator may make admins");
        f.put(f.by(f.alice).about(Kind::admin, f.bob));
        f.put(f.by(f.bob).about(Kind::admin, f.carol));  // an admin, but not the creator
        CHECK(!f.room.member(f.carol.key)->admin);
        f.put(f.by(f.alice).about(Kind::admin, f.carol));
        CHECK(f.room.member(f.carol.key)->admin);
        f.put(f.by(f.bob).about(Kind::remove, f.carol));
        CHECK(!f.room.is_member(f.carol.key));
        f.put(f.by(f.alice).add(f.carol));
        CHECK(!f.room.member(f.carol.key)->admin);
    }
    SUBCASE("set takes effect from an admin only") {
        f.put(f.by(f.bob).set("bob's", "mine", true));
        CHECK(f.room.name() == "lunch");
        CHECK(f.room.may(f.bob.key, Kind::set) != "");
        f.put(f.by(f.alice).about(Kind::admin, f.bob));
        f.put(f.by(f.bob).set("bob's", "", true));
        CHECK(f.room.name() == "bob's");
        CHECK(f.room.topic() == "");
        CHECK(f.room.open());
    }
    SUBCASE("a removed member's texts: earlier ones shown, later ones not") {
        const SignedEntry before = f.put(f.by(f.bob).text("before"));
        f.put(f.by(f.alice).about(Kind::remove, f.bob));
        CHECK(!f.room.is_member(f.bob.key));
        const SignedEntry after = f.put(f.by(f.bob).text("after"));  // held (all hold the same set), not shown
        CHECK(f.room.shown(f.decoded(before)));
        CHECK(!f.room.shown(f.decoded(after)));
        // Re-added: shown again from there on.
        f.put(f.by(f.alice).add(f.bob));
        CHECK(f.room.shown(f.decoded(f.put(f.by(f.bob).text("back")))));
        CHECK(!f.room.shown(f.decoded(after)));
    }
}

TEST_CASE("room state: a text written concurrently with its author's removal follows the log order") {
    Fixture f;
    f.put(f.by(f.alice).add(f.bob));
    RoomState bobs = f.room;  // bob's view, before he learns of the removal
    const SignedEntry removal = f.put(f.by(f.alice).about(Kind::remove, f.bob));  // lamport 3
    const SignedEntry text = write(bobs, Writer{bobs, f.bob}.text("concurrent"));  // lamport 3 too
    CHECK(bobs.shown(f.decoded(text)));  // in bob's view, he is still a member
    CHECK(offer(f.room, text) == Verdict::accepted);
    CHECK(offer(bobs, removal) == Verdict::accepted);
    // Same lamport: the author key decides (bob 0x02.. vs alice 0x01..: whichever sorts first).
    const bool text_first = f.bob.key < f.alice.key;
    CHECK(f.room.shown(f.decoded(text)) == text_first);
    CHECK(bobs.shown(f.decoded(text)) == text_first);
}

TEST_CASE("room state: at most 256 members, a 1025th author's entries are invalid") {
    Fixture f;
    std::vector<Person> crowd;
    for (std::uint32_t i = 0; i < kMaxRoomAuthors; ++i) crowd.push_back(Person::numbered(i));
    for (std::size_t i = 0; i + 1 < kMaxRoomAuthors; ++i) f.put(f.by(f.alice).add(crowd[i]));
    CHECK(f.room.members().size() == kMaxRoomMembers);
    CHECK(f.room.is_member(crowd[kMaxRoomMembers - 2].key));
    CHECK(!f.room.is_member(crowd[kMaxRoomMembers - 1].key));
    CHECK(f.room.may(f.alice.key, Kind::add, crowd[kMaxRoomMembers - 1].key).find("full") != std::string::npos);
    // Every added key is bound, member or not: 1023 authors besides alice.
    for (std::size_t i = 0; i + 1 < kMaxRoomAuthors; ++i) f.put(f.by(crowd[i]).text("here"));
    CHECK(f.room.have().size() == kMaxRoomAuthors);
    f.put(f.by(f.alice).add(crowd.back()));
    Entry out;
    CHECK(f.room.check(f.by(crowd.back()).text("one too many"), out) == Verdict::invalid);
    // Known authors still write.
    CHECK(f.room.check(f.by(crowd[0]).text("again"), out) == Verdict::accepted);
}

TEST_CASE("room state: lacking and next_entry") {
    Fixture f;
    f.put(f.by(f.alice).add(f.bob));
    f.put(f.by(f.bob).text("x"));
    const PeerKey alice = f.alice.key, bob = f.bob.key;
    CHECK(lacking(f.room.have(), {}) == std::vector<std::pair<PeerKey, std::uint64_t>>{{alice, 1}, {bob, 1}});
    CHECK(lacking(f.room.have(), {{alice, 2}}) == std::vector<std::pair<PeerKey, std::uint64_t>>{{bob, 1}});
    CHECK(lacking(f.room.have(), {{alice, 5}, {bob, 1}}).empty());
    const Entry e = f.room.next_entry(f.carol.key, Kind::text, 9);
    CHECK(e.seq == 1);
    CHECK(e.lamport == 4);
    CHECK(e.room == f.room.id());
    CHECK(e.sent_at_ms == 9);
    CHECK(f.room.next_entry(alice, Kind::text, 9).seq == 3);
}

namespace {

// What members must agree on: membership, settings, and which texts are shown.
struct Outcome {
    std::vector<PeerKey> members;
    std::vector<bool> admins;
    std::string name, topic;
    bool open = false;
    std::vector<bool> shown;
    VersionVector have;
    bool operator==(const Outcome&) const = default;
};

Outcome outcome(const RoomState& room, const std::vector<SignedEntry>& log) {
    Outcome o{keys_of(room.members()), {}, room.name(), room.topic(), room.open(), {}, room.have()};
    for (const auto& m : room.members()) o.admins.push_back(m.admin);
    for (const auto& s : log) {
        const auto e = decode(s.bytes);
        if (e && e->kind == Kind::text) o.shown.push_back(room.shown(*e));
    }
    return o;
}

// Six people each act on their own view of the room and sync now and then, so
// the log holds concurrent entries (equal lamports, removals racing texts).
std::vector<SignedEntry> random_log(std::uint32_t seed, const std::vector<Person>& people, const SignedEntry& create) {
    std::mt19937 rng(seed);
    std::vector<RoomState> views(people.size(), room_of(create));
    std::vector<SignedEntry> log{create};
    auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    for (int step = 0; step < 120; ++step) {
        const std::size_t who = pick(people.size());
        RoomState& view = views[who];
        if (pick(4) == 0) {  // sync with everything written so far
            deliver(view, log);
            continue;
        }
        if (view.have().count(people[who].key) == 0 && view.next_entry(people[who].key, Kind::text, 0).seq == 1) {
            // A key not bound in this view yet cannot write; its entries would be gaps.
            bool bound = false;
            for (const auto& s : log) {
                const auto e = decode(s.bytes);
                bound |= e && e->kind == Kind::add && e->member == people[who].key;
            }
            if (!bound || !view.is_member(people[who].key)) continue;
        }
        const Writer w{view, people[who], 1700000000000 + static_cast<std::uint64_t>(step)};
        const Person& other = people[pick(people.size())];
        SignedEntry s;
        switch (pick(8)) {
        case 0: case 1: case 2: s = w.text("t" + std::to_string(step)); break;
        case 3: s = w.add(other, "p"); break;
        case 4: s = w.about(Kind::remove, other); break;
        case 5: s = w.about(Kind::admin, other); break;
        case 6: s = w.set("n" + std::to_string(step), "t", pick(2) == 1); break;
        default: s = pick(3) == 0 ? w.leave() : w.text("x"); break;
        }
        REQUIRE(offer(view, s) == Verdict::accepted);
        log.push_back(s);
    }
    return log;
}

}  // namespace

TEST_CASE("room state: the same entries in any order give the same room") {
    std::vector<Person> people;
    for (std::uint8_t i = 1; i <= 6; ++i) people.emplace_back(i);
    const SignedEntry create = sign(create_entry(people[0]), people[0].signing);
    for (std::uint32_t seed : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u}) {
        CAPTURE(seed);
        const auto log = random_log(seed, people, create);
        RoomState in_order = room_of(create);
        REQUIRE(deliver(in_order, log) == log.size() - 1);
        const Outcome want = outcome(in_order, log);
        std::mt19937 rng(seed * 7919);
        for (int round = 0; round < 20; ++round) {
            auto shuffled = log;
            std::shuffle(shuffled.begin(), shuffled.end(), rng);
            RoomState room = room_of(create);
            REQUIRE(deliver(room, shuffled) == log.size() - 1);
            CHECK(outcome(room, log) == want);
        }
    }
}
