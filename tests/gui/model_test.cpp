// The window's model, fed events the way the node emits them.
#include "gui/model.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>

using namespace hallway;
using gui::Model;

namespace {

core::PeerKey key(std::uint8_t n) {
    core::PeerKey k{};
    k[0] = n;
    return k;
}

core::MessageId msg_id(std::uint8_t n) {
    core::MessageId id{};
    id[0] = n;
    return id;
}

core::PeerView peer(std::uint8_t n, std::string nick, bool online, bool known = true) {
    core::PeerView p;
    p.key = key(n);
    p.fingerprint = std::string(40, static_cast<char>('0' + n % 10));
    p.nick = std::move(nick);
    p.online = online;
    p.known = known;
    return p;
}

core::StoredMessage message(std::uint8_t id, std::uint8_t from, core::Direction dir, std::int64_t seq, std::string body = "hi") {
    core::StoredMessage m;
    m.id = msg_id(id);
    m.peer = key(from);
    m.direction = dir;
    m.body = std::move(body);
    m.seq = seq;
    m.state = dir == core::Direction::in ? core::MessageState::delivered : core::MessageState::queued;
    return m;
}

std::vector<std::string> nicks(const std::vector<const core::PeerView*>& list) {
    std::vector<std::string> out;
    for (auto* p : list) out.push_back(p->nick);
    return out;
}

// Local-time milliseconds for a calendar date, so tests hold in any TZ.
std::int64_t local_ms(int year, int month, int day, int hour, int minute) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_isdst = -1;
    return static_cast<std::int64_t>(std::mktime(&tm)) * 1000;
}

}  // namespace

TEST_CASE("buddies: online first, then known offline contacts, offline strangers hidden") {
    Model m;
    gui::apply(m, core::PeerChanged{peer(1, "zoe", true)});
    gui::apply(m, core::PeerChanged{peer(2, "Bob", false)});
    gui::apply(m, core::PeerChanged{peer(3, "alice", false)});
    gui::apply(m, core::PeerChanged{peer(4, "Carol", true, false)});  // online stranger: shown
    gui::apply(m, core::PeerChanged{peer(5, "mallory", false, false)});  // gone stranger: hidden
    CHECK(nicks(gui::ordered_buddies(m, "")) == std::vector<std::string>{"Carol", "zoe", "alice", "Bob"});

    // Going offline moves a buddy down; a later PeerChanged replaces the view.
    gui::apply(m, core::PeerChanged{peer(1, "zoe", false)});
    CHECK(nicks(gui::ordered_buddies(m, "")) == std::vector<std::string>{"Carol", "alice", "Bob", "zoe"});
}

TEST_CASE("filter as you type: nick substring, any case, or fingerprint prefix") {
    Model m;
    gui::apply(m, core::PeerChanged{peer(1, "Alice", true)});
    gui::apply(m, core::PeerChanged{peer(2, "Malice", false)});
    gui::apply(m, core::PeerChanged{peer(3, "bob", true)});
    CHECK(nicks(gui::ordered_buddies(m, "LIC")) == std::vector<std::string>{"Alice", "Malice"});
    CHECK(nicks(gui::ordered_buddies(m, "33333 3")) == std::vector<std::string>{"bob"});
    CHECK(nicks(gui::ordered_buddies(m, "34")).empty());
    CHECK(gui::ordered_buddies(m, "").size() == 3);
}

TEST_CASE("unread: counted per incoming message, cleared by history, node's count wins") {
    Model m;
    gui::apply(m, core::PeerChanged{peer(1, "alice", true)});
    gui::apply(m, core::PeerChanged{peer(2, "bob", true)});
    gui::apply(m, core::MessageAdded{message(1, 1, core::Direction::in, 1)});
    gui::apply(m, core::MessageAdded{message(2, 1, core::Direction::in, 2)});
    gui::apply(m, core::MessageAdded{message(3, 2, core::Direction::out, 3)});  // ours: never unread
    CHECK(m.peers[key(1)].unread == 2);
    CHECK(m.peers[key(2)].unread == 0);
    CHECK(gui::total_unread(m) == 2);
    CHECK(m.incoming_count == 2);
    CHECK(gui::window_title(gui::total_unread(m)) == "Hallway (2 unread)");

    auto view = peer(1, "alice", true);
    view.unread = 5;
    gui::apply(m, core::PeerChanged{view});
    CHECK(gui::total_unread(m) == 5);

    gui::apply(m, core::HistoryLoaded{key(1), {message(1, 1, core::Direction::in, 1)}});
    CHECK(gui::total_unread(m) == 0);
    CHECK(gui::window_title(0) == "Hallway");
}

TEST_CASE("conversation: history then live messages in store order, no duplicates") {
    Model m;
    gui::apply(m, core::PeerChanged{peer(1, "alice", true)});
    // Before the conversation is opened, messages are not kept (history brings them).
    gui::apply(m, core::MessageAdded{message(1, 1, core::Direction::in, 1)});
    CHECK(m.conversations.count(key(1)) == 0);

    gui::apply(m, core::HistoryLoaded{key(1), {message(2, 1, core::Direction::out, 2), message(1, 1, core::Direction::in, 1)}});
    REQUIRE(m.conversations[key(1)].loaded);
    gui::apply(m, core::MessageAdded{message(4, 1, core::Direction::out, 4)});
    gui::apply(m, core::MessageAdded{message(3, 1, core::Direction::in, 3)});  // overtaken: goes before 4
    gui::apply(m, core::MessageAdded{message(4, 1, core::Direction::out, 4, "again")});  // same id: replaced
    const auto& msgs = m.conversations[key(1)].messages;
    REQUIRE(msgs.size() == 4);
    for (std::size_t i = 0; i < msgs.size(); ++i) CHECK(msgs[i].seq == static_cast<std::int64_t>(i + 1));
    CHECK(msgs[3].body == "again");
}

TEST_CASE("delivery state changes, and delivered is final") {
    Model m;
    gui::apply(m, core::HistoryLoaded{key(1), {message(1, 1, core::Direction::out, 1)}});
    auto state = [&] { return m.conversations[key(1)].messages[0].state; };
    CHECK(state() == core::MessageState::queued);
    gui::apply(m, core::MessageStateChanged{msg_id(1), key(1), core::MessageState::sent});
    CHECK(state() == core::MessageState::sent);
    gui::apply(m, core::MessageStateChanged{msg_id(1), key(1), core::MessageState::delivered});
    CHECK(state() == core::MessageState::delivered);
    gui::apply(m, core::MessageStateChanged{msg_id(1), key(1), core::MessageState::sent});  // late: ignored
    CHECK(state() == core::MessageState::delivered);
    // A state for an unknown message or conversation changes nothing and does not crash.
    gui::apply(m, core::MessageStateChanged{msg_id(9), key(1), core::MessageState::failed});
    gui::apply(m, core::MessageStateChanged{msg_id(1), key(7), core::MessageState::failed});
    CHECK(state() == core::MessageState::delivered);
    CHECK(gui::state_label(core::MessageState::failed) == "failed");
}

TEST_CASE("a read receipt marks our message seen once, and delivered") {
    Model m;
    gui::apply(m, core::HistoryLoaded{key(1), {message(1, 1, core::Direction::out, 1)}});
    auto msg = [&] { return m.conversations[key(1)].messages[0]; };
    CHECK(msg().read_at_ms == 0);
    // The read came before the ack (it was lost): delivered and seen at once.
    gui::apply(m, core::MessageStateChanged{msg_id(1), key(1), core::MessageState::delivered, 5000});
    CHECK(msg().state == core::MessageState::delivered);
    CHECK(msg().read_at_ms == 5000);
    // A later event keeps the first read time; one without a read time keeps it too.
    gui::apply(m, core::MessageStateChanged{msg_id(1), key(1), core::MessageState::delivered, 9000});
    gui::apply(m, core::MessageStateChanged{msg_id(1), key(1), core::MessageState::delivered});
    CHECK(msg().read_at_ms == 5000);
    // A read of an unknown message changes nothing.
    gui::apply(m, core::MessageStateChanged{msg_id(9), key(1), core::MessageState::delivered, 7000});
    CHECK(m.conversations[key(1)].messages.size() == 1);
}

TEST_CASE("read receipts turned off hide the seen marks on screen, ours only") {
    Model m;
    auto in = message(2, 2, core::Direction::in, 1);
    in.read_at_ms = 4000;
    gui::apply(m, core::HistoryLoaded{key(1), {message(1, 1, core::Direction::out, 1), in}});
    gui::apply(m, core::MessageStateChanged{msg_id(1), key(1), core::MessageState::delivered, 5000});
    core::OwnIdentity own;
    gui::apply(m, own);
    CHECK(m.conversations[key(1)].messages[0].read_at_ms == 5000);  // on: kept
    own.read_receipts = false;
    gui::apply(m, own);
    CHECK(m.conversations[key(1)].messages[0].read_at_ms == 0);
    CHECK(m.conversations[key(1)].messages[1].read_at_ms == 4000);  // when we read theirs is ours to know
}

TEST_CASE("a name clash is flagged and shared nicks are told apart") {
    Model m;
    auto real = peer(1, "alice", false);
    real.trust = core::Trust::verified;
    auto other = peer(2, "Alice", true);
    other.name_clash = true;
    gui::apply(m, core::PeerChanged{real});
    gui::apply(m, core::PeerChanged{other});
    CHECK(gui::badge(m.peers[key(1)]) == gui::Badge::verified);
    CHECK(gui::badge(m.peers[key(2)]) == gui::Badge::warning);
    CHECK(gui::display_name(m, m.peers[key(2)]) == "Alice (22222)");
    CHECK(gui::display_name(m, m.peers[key(1)]) == "alice (11111)");

    auto blocked = other;
    blocked.trust = core::Trust::blocked;
    gui::apply(m, core::PeerChanged{blocked});
    CHECK(gui::badge(m.peers[key(2)]) == gui::Badge::blocked);

    gui::apply(m, core::PeerChanged{peer(3, "bob", true)});
    CHECK(gui::display_name(m, m.peers[key(3)]) == "bob");
    CHECK(gui::badge(m.peers[key(3)]) == gui::Badge::unverified);
}

TEST_CASE("own identity, notices bounded") {
    Model m;
    CHECK_FALSE(m.own);
    gui::apply(m, core::OwnIdentity{"me", std::string(40, '7'), "away", "lunch", 4242});
    REQUIRE(m.own);
    CHECK(m.own->presence == "away");
    for (std::size_t i = 0; i < gui::kMaxNotices + 5; ++i)
        gui::apply(m, core::Notice{core::Notice::Level::warning, std::to_string(i)});
    CHECK(m.notices.size() == gui::kMaxNotices);
    CHECK(m.notices.front().text == "5");
    CHECK(m.notices_dropped == 5);
}

TEST_CASE("fingerprints in groups of five digits") {
    CHECK(gui::group_digits("1234567890123") == "12345 67890 123");
    CHECK(gui::group_digits("12345") == "12345");
    CHECK(gui::group_digits("") == "");
}

TEST_CASE("day separators and clock labels in local time") {
    const auto now = local_ms(2024, 6, 3, 15, 30);
    CHECK(gui::day_label(local_ms(2024, 6, 3, 0, 5), now) == "Today");
    CHECK(gui::day_label(local_ms(2024, 6, 2, 23, 59), now) == "Yesterday");
    CHECK(gui::day_label(local_ms(2024, 5, 1, 12, 0), now) == "Wed 1 May 2024");
    CHECK(gui::day_key(local_ms(2024, 6, 3, 0, 0)) == gui::day_key(local_ms(2024, 6, 3, 23, 59)));
    CHECK(gui::day_key(local_ms(2024, 6, 3, 23, 59)) != gui::day_key(local_ms(2024, 6, 4, 0, 0)));
    CHECK(gui::clock_label(local_ms(2024, 6, 3, 9, 7)) == "09:07");
}

// Rooms ---------------------------------------------------------------------
namespace {

core::RoomId room_id(std::uint8_t n) {
    core::RoomId id{};
    id[0] = n;
    return id;
}

core::RoomMemberView member(std::uint8_t n, std::string nick, bool online = true) {
    core::RoomMemberView m;
    m.key = key(n);
    m.fingerprint = std::string(40, static_cast<char>('0' + n % 10));
    m.nick = std::move(nick);
    m.online = online;
    return m;
}

core::RoomView room(std::uint8_t n, std::string name, core::RoomMembership membership = core::RoomMembership::joined) {
    core::RoomView r;
    r.id = room_id(n);
    r.name = std::move(name);
    r.membership = membership;
    return r;
}

core::RoomMessage room_message(std::uint8_t room, std::uint8_t id, std::uint8_t author, std::uint64_t lamport,
                               bool mine = false, bool text = true) {
    core::RoomMessage m;
    m.room = room_id(room);
    m.id = msg_id(id);
    m.author = key(author);
    m.lamport = lamport;
    m.mine = mine;
    m.text = text;
    m.body = "m" + std::to_string(id);
    return m;
}

std::vector<std::string> bodies(const Model& m, std::uint8_t room) {
    std::vector<std::string> out;
    for (const auto& msg : m.room_conversations.at(room_id(room)).messages) out.push_back(msg.body);
    return out;
}

}  // namespace

TEST_CASE("rooms: unread counted for others' texts only, cleared by history, node's count wins") {
    Model m;
    gui::apply(m, core::RoomChanged{room(1, "team")});
    gui::apply(m, core::RoomMessageAdded{room_message(1, 1, 2, 1)});
    gui::apply(m, core::RoomMessageAdded{room_message(1, 2, 2, 2)});
    gui::apply(m, core::RoomMessageAdded{room_message(1, 3, 9, 3, true)});          // mine
    gui::apply(m, core::RoomMessageAdded{room_message(1, 4, 2, 4, false, false)});  // "bob added carol"
    gui::apply(m, core::RoomMessageAdded{room_message(7, 5, 2, 1)});               // unknown room: no crash
    CHECK(m.rooms[room_id(1)].unread == 2);
    CHECK(m.incoming_count == 3);
    CHECK(gui::total_unread(m) == 2);
    // Not kept before the history is loaded: the history brings them.
    CHECK(m.room_conversations.count(room_id(1)) == 0);

    auto view = room(1, "team");
    view.unread = 4;
    gui::apply(m, core::RoomChanged{view});
    CHECK(gui::total_unread(m) == 4);
    // An invitation's count (if any) is not the person's unread mail.
    auto invite = room(2, "other", core::RoomMembership::invited);
    invite.unread = 3;
    gui::apply(m, core::RoomChanged{invite});
    CHECK(gui::total_unread(m) == 4);

    gui::apply(m, core::RoomHistoryLoaded{room_id(1), {room_message(1, 1, 2, 1)}});
    CHECK(m.rooms[room_id(1)].unread == 0);
    gui::apply(m, core::RoomChanged{view});
    gui::clear_room_unread(m, room_id(1));
    CHECK(gui::total_unread(m) == 0);
}

TEST_CASE("rooms: history and live messages merge in log order without duplicates") {
    Model m;
    gui::apply(m, core::RoomChanged{room(1, "team")});
    // History arrives unordered and holding one entry twice.
    gui::apply(m, core::RoomHistoryLoaded{room_id(1), {room_message(1, 3, 2, 5), room_message(1, 1, 2, 1),
                                                       room_message(1, 2, 3, 1), room_message(1, 1, 2, 1)}});
    // Lamport ties break on the author key: (1, key 2) before (1, key 3).
    CHECK(bodies(m, 1) == std::vector<std::string>{"m1", "m2", "m3"});

    gui::apply(m, core::RoomMessageAdded{room_message(1, 5, 2, 9)});
    gui::apply(m, core::RoomMessageAdded{room_message(1, 4, 4, 3)});  // synced late: goes before 5 and 9
    gui::apply(m, core::RoomMessageAdded{room_message(1, 4, 4, 3)});  // again: held once
    CHECK(bodies(m, 1) == std::vector<std::string>{"m1", "m2", "m4", "m3", "m5"});

    // A reload replaces: the history's copy wins, and lines the node no
    // longer returns (past its limit) are gone, not kept from the old list.
    auto again = room_message(1, 3, 2, 5);
    again.body = "m3 again";
    gui::apply(m, core::RoomHistoryLoaded{room_id(1), {again, room_message(1, 5, 2, 9)}});
    CHECK(bodies(m, 1) == std::vector<std::string>{"m3 again", "m5"});
    // Live messages after the reload still merge in.
    gui::apply(m, core::RoomMessageAdded{room_message(1, 6, 3, 10)});
    CHECK(bodies(m, 1) == std::vector<std::string>{"m3 again", "m5", "m6"});
}

TEST_CASE("rooms: a buddy's news (trust, presence, impostor flag, nick) reaches its member rows") {
    Model m;
    // The node sent these views before the buddy was verified and went offline.
    auto a = room(1, "team");
    a.members = {member(1, "me"), member(2, "dan")};
    auto b = room(2, "hall");
    b.members = {member(2, "dan"), member(3, "eve")};
    gui::apply(m, core::RoomChanged{a});
    gui::apply(m, core::RoomChanged{b});
    auto dan = peer(2, "daniel", false);
    dan.trust = core::Trust::verified;
    gui::apply(m, core::PeerChanged{dan});
    for (std::uint8_t r : {1, 2}) {
        const auto& members = m.rooms[room_id(r)].members;
        auto it = std::find_if(members.begin(), members.end(), [](const auto& x) { return x.key == key(2); });
        REQUIRE(it != members.end());
        CHECK(it->trust == core::Trust::verified);
        CHECK(gui::badge(*it) == gui::Badge::verified);
        CHECK_FALSE(it->online);
        CHECK(it->nick == "daniel");
    }
    // Other members are untouched.
    CHECK(m.rooms[room_id(2)].members[1].trust == core::Trust::unverified);
    CHECK(m.rooms[room_id(2)].members[1].online);
    // An impostor flag raised on the buddy shows on the member too.
    dan.name_clash = true;
    gui::apply(m, core::PeerChanged{dan});
    CHECK(gui::badge(m.rooms[room_id(1)].members[1]) == gui::Badge::warning);
}

TEST_CASE("rooms: delivery counts of my messages follow RoomDeliveryChanged") {
    Model m;
    auto mine = room_message(1, 1, 9, 1, true);
    mine.of = 3;
    gui::apply(m, core::RoomHistoryLoaded{room_id(1), {mine, room_message(1, 2, 2, 2)}});
    auto first = [&] { return m.room_conversations[room_id(1)].messages[0]; };
    CHECK(gui::delivery_label(first()) == "delivered to 0 of 3");
    gui::apply(m, core::RoomDeliveryChanged{room_id(1), msg_id(1), 2, 3});
    CHECK(gui::delivery_label(first()) == "delivered to 2 of 3");
    // A member removed: fewer to deliver to, and the count follows down.
    gui::apply(m, core::RoomDeliveryChanged{room_id(1), msg_id(1), 1, 2});
    CHECK(gui::delivery_label(first()) == "delivered to 1 of 2");
    // Others' messages, unknown ids and rooms: unchanged, no crash.
    gui::apply(m, core::RoomDeliveryChanged{room_id(1), msg_id(2), 5, 5});
    gui::apply(m, core::RoomDeliveryChanged{room_id(1), msg_id(8), 5, 5});
    gui::apply(m, core::RoomDeliveryChanged{room_id(6), msg_id(1), 5, 5});
    CHECK(m.room_conversations[room_id(1)].messages[1].of == 0);
    CHECK(gui::delivery_label(first()) == "delivered to 1 of 2");
    CHECK(m.room_conversations.count(room_id(6)) == 0);
    // Alone in the room: nothing to say.
    CHECK(gui::delivery_label(room_message(1, 3, 9, 3, true)).empty());
}

TEST_CASE("rooms: invitations first with who invited, removal forgets the room") {
    Model m;
    gui::apply(m, core::PeerChanged{peer(2, "bob", true)});
    gui::apply(m, core::RoomChanged{room(1, "zeta")});
    gui::apply(m, core::RoomChanged{room(3, "Alpha")});
    auto gone = room(4, "aardvark", core::RoomMembership::left);
    gui::apply(m, core::RoomChanged{gone});
    auto inv = room(2, "plans", core::RoomMembership::invited);
    inv.invited_by = key(2);
    inv.invited_by_nick = "robert";
    gui::apply(m, core::RoomChanged{inv});
    std::vector<std::string> names;
    for (auto* r : gui::ordered_rooms(m)) names.push_back(r->name);
    CHECK(names == std::vector<std::string>{"plans", "Alpha", "zeta", "aardvark"});
    // The buddy list's name for the inviter wins over the nick the node gave.
    CHECK(gui::invitation_label(m, m.rooms[room_id(2)]) == "bob invited you");
    inv.invited_by = key(8);
    gui::apply(m, core::RoomChanged{inv});
    CHECK(gui::invitation_label(m, m.rooms[room_id(2)]) == "robert invited you");

    gui::apply(m, core::RoomHistoryLoaded{room_id(1), {room_message(1, 1, 2, 1)}});
    gui::apply(m, core::RoomRemoved{room_id(1)});
    gui::apply(m, core::RoomRemoved{room_id(9)});  // unknown: no crash
    CHECK(m.rooms.count(room_id(1)) == 0);
    CHECK(m.room_conversations.count(room_id(1)) == 0);
    // Live messages for a forgotten room are not kept.
    gui::apply(m, core::RoomMessageAdded{room_message(1, 2, 2, 2)});
    CHECK(m.room_conversations.count(room_id(1)) == 0);
}

TEST_CASE("rooms: members ordered, badges with the impostor flag, invite choices by capability") {
    Model m;
    auto r = room(1, "team");
    auto creator = member(5, "zed");
    creator.creator = creator.admin = true;
    auto admin = member(6, "yan", false);
    admin.admin = true;
    auto fake = member(7, "Alice");
    fake.name_clash = true;
    auto verified = member(8, "alice", false);
    verified.trust = core::Trust::verified;
    r.members = {verified, fake, admin, creator, member(9, "bea", false)};
    gui::apply(m, core::RoomChanged{r});
    std::vector<std::string> names;
    for (auto* x : gui::ordered_members(m.rooms[room_id(1)])) names.push_back(x->nick);
    CHECK(names == std::vector<std::string>{"zed", "yan", "Alice", "alice", "bea"});
    CHECK(gui::badge(fake) == gui::Badge::warning);
    CHECK(gui::badge(verified) == gui::Badge::verified);

    // Author badges: as member; as buddy once gone from the room; else unverified.
    auto blocked = peer(3, "eve", true);
    blocked.trust = core::Trust::blocked;
    gui::apply(m, core::PeerChanged{blocked});
    CHECK(gui::author_badge(m, m.rooms[room_id(1)], key(7)) == gui::Badge::warning);
    CHECK(gui::author_badge(m, m.rooms[room_id(1)], key(3)) == gui::Badge::blocked);
    CHECK(gui::author_badge(m, m.rooms[room_id(1)], key(4)) == gui::Badge::unverified);

    auto can = peer(1, "carol", true);
    can.rooms = true;
    gui::apply(m, core::PeerChanged{can});
    gui::apply(m, core::PeerChanged{peer(2, "dave", true)});  // older Hallway: no rooms
    auto in_room = peer(9, "bea", true);                       // already a member
    in_room.rooms = true;
    gui::apply(m, core::PeerChanged{in_room});
    const auto choices = gui::invite_choices(m, room_id(1));
    CHECK(nicks(choices.can) == std::vector<std::string>{"carol"});
    CHECK(nicks(choices.cannot) == std::vector<std::string>{"dave"});  // eve blocked: not offered
}

TEST_CASE("rooms: open rooms listed replace the last list, names and topics checked before asking") {
    Model m;
    core::OpenRoom a;
    a.name = "lobby";
    a.members = 4;
    gui::apply(m, core::OpenRoomsListed{{a, a}});
    CHECK(m.open_rooms.size() == 2);
    gui::apply(m, core::OpenRoomsListed{{a}});
    REQUIRE(m.open_rooms.size() == 1);
    CHECK(m.open_rooms[0].members == 4);

    CHECK(gui::room_form_error("team", "").empty());
    CHECK_FALSE(gui::room_form_error("", "").empty());
    CHECK(gui::room_form_error(std::string(64, 'n'), std::string(256, 't')).empty());
    CHECK_FALSE(gui::room_form_error(std::string(65, 'n'), "").empty());
    CHECK_FALSE(gui::room_form_error("team", std::string(257, 't')).empty());
    CHECK_FALSE(gui::room_form_error("te\nam", "").empty());
    CHECK_FALSE(gui::room_form_error("team", "a\x1b[2J").empty());
}

// Files -------------------------------------------------------------------------

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

core::TransferView transfer(std::uint64_t id, std::uint8_t from, core::TransferState state, std::uint64_t bytes = 0,
                            std::uint64_t total = 40 * kMiB, core::Direction dir = core::Direction::in) {
    core::TransferView v;
    v.id = id;
    v.peer = key(from);
    v.direction = dir;
    v.state = state;
    v.bytes = bytes;
    v.total = total;
    v.files = {{"report.pdf", total, false}};
    return v;
}

// Progress of transfer 1 as the node sends it: bytes at now_ms.
void progress(Model& m, std::uint64_t bytes, std::int64_t now_ms) {
    gui::apply(m, core::TransferChanged{transfer(1, 1, core::TransferState::active, bytes)}, now_ms);
}

}  // namespace

TEST_CASE("transfers: sizes and durations as people read them") {
    CHECK(gui::size_label(0) == "0 B");
    CHECK(gui::size_label(1023) == "1023 B");
    CHECK(gui::size_label(1024) == "1.0 KiB");
    CHECK(gui::size_label(12 * kMiB + 300 * 1024) == "12.3 MiB");
    CHECK(gui::size_label(kMiB - 1) == "1.0 MiB");  // not "1024.0 KiB"
    CHECK(gui::size_label(40ULL * 1024 * kMiB) == "40.0 GiB");
    CHECK(gui::size_label(UINT64_MAX) == "16.0 EiB");
    CHECK(gui::duration_label(3) == "0:03");
    CHECK(gui::duration_label(725) == "12:05");
    CHECK(gui::duration_label(3723) == "1:02:03");
}

TEST_CASE("transfers: the line shows bytes, rate and time left from successive events") {
    Model m;
    gui::apply(m, core::TransferChanged{transfer(1, 1, core::TransferState::offered)}, 1000);
    REQUIRE(m.transfers.contains(1));
    CHECK(gui::transfer_line(m.transfers.at(1), 1000).text == "40.0 MiB, waiting for your answer");

    progress(m, 0, 10'000);
    // One sample: no rate yet, nothing made up.
    CHECK(gui::transfer_line(m.transfers.at(1), 10'000).text == "0 B of 40.0 MiB");
    progress(m, 4 * kMiB, 10'500);
    progress(m, 8 * kMiB + 200 * 1024, 11'000);  // 8.2 MiB in 1 s
    const gui::TransferLine line = gui::transfer_line(m.transfers.at(1), 11'100);
    CHECK(line.text == "8.2 MiB of 40.0 MiB, 8.2 MiB/s, 0:04 left");
    CHECK(line.fraction == doctest::Approx(8.2 / 40.0).epsilon(0.001));

    // No progress for a while: stalled, not a stale rate.
    CHECK(gui::transfer_rate(m.transfers.at(1), 11'000 + gui::kStallMs) == 0.0);
    CHECK(gui::transfer_line(m.transfers.at(1), 11'000 + gui::kStallMs).text == "8.2 MiB of 40.0 MiB, stalled");

    // The rate follows the recent window, not the whole history.
    for (int i = 1; i <= 20; ++i) progress(m, 8 * kMiB + 200 * 1024 + static_cast<std::uint64_t>(i) * kMiB / 2, 11'000 + i * 500);
    CHECK(gui::transfer_rate(m.transfers.at(1), 21'000) == doctest::Approx(1.0 * kMiB));
    CHECK(m.transfers.at(1).samples.size() <= gui::kMaxRateSamples);

    // A pause drops the samples: after it the rate starts afresh.
    auto paused = transfer(1, 1, core::TransferState::paused, 18 * kMiB + 200 * 1024);
    paused.reason = "disk full";
    gui::apply(m, core::TransferChanged{paused}, 22'000);
    CHECK(m.transfers.at(1).samples.empty());
    CHECK(gui::transfer_line(m.transfers.at(1), 22'000).text == "Paused at 18.2 MiB of 40.0 MiB");
    progress(m, 19 * kMiB, 60'000);
    CHECK(gui::transfer_rate(m.transfers.at(1), 60'000) == 0.0);

    gui::apply(m, core::TransferChanged{transfer(1, 1, core::TransferState::done, 40 * kMiB)}, 70'000);
    CHECK(gui::transfer_line(m.transfers.at(1), 70'000).text == "40.0 MiB received");
    CHECK(gui::transfer_line(m.transfers.at(1), 70'000).fraction == 1.0f);
    auto out = transfer(2, 1, core::TransferState::offered, 0, 100, core::Direction::out);
    gui::apply(m, core::TransferChanged{out}, 70'000);
    CHECK(gui::transfer_line(m.transfers.at(2), 70'000).text == "100 B, waiting for them to accept");
}

TEST_CASE("transfers: top-level names, the first few, then how many more") {
    core::TransferView v;
    v.files = {{"photos", 0, true}, {"photos/a.jpg", 10, false}, {"photos/b.jpg", 10, false}, {"notes.txt", 5, false}};
    CHECK(gui::files_label(v) == "photos/, notes.txt");
    v.files = {{"a", 1, false}, {"b", 1, false}, {"c/d", 1, false}, {"e", 1, false}, {"f", 1, false}};
    CHECK(gui::files_label(v) == "a, b, c/ and 2 more");
    // A name is one line, whatever a peer put in it.
    v.files = {{"evil\nname\x1b[31m", 1, false}};
    CHECK(gui::files_label(v) == "evil?name?[31m");
}

TEST_CASE("transfers: a bounded number of ended ones, the oldest ended forgotten first") {
    Model m;
    gui::apply(m, core::TransferChanged{transfer(1000, 1, core::TransferState::active, 5)});  // never ends: kept
    for (std::uint64_t id = 1; id <= gui::kMaxEndedTransfers + 5; ++id) {
        gui::apply(m, core::TransferChanged{transfer(id, 1, core::TransferState::active, 1)});
        gui::apply(m, core::TransferChanged{transfer(id, 1, core::TransferState::done, 40 * kMiB)});
        // A repeated end is not a second ending.
        gui::apply(m, core::TransferChanged{transfer(id, 1, core::TransferState::done, 40 * kMiB)});
    }
    CHECK(m.transfers.size() == gui::kMaxEndedTransfers + 1);
    CHECK(m.transfers.contains(1000));
    CHECK_FALSE(m.transfers.contains(5));
    CHECK(m.transfers.contains(6));

    // Unended first (by id), then the latest ended first.
    gui::apply(m, core::TransferChanged{transfer(999, 2, core::TransferState::offered)});
    const auto all = gui::ordered_transfers(m);
    REQUIRE(all.size() == gui::kMaxEndedTransfers + 2);
    CHECK(all[0]->view.id == 999);
    CHECK(all[1]->view.id == 1000);
    CHECK(all[2]->view.id == gui::kMaxEndedTransfers + 5);
    CHECK(all.back()->view.id == 6);
    const core::PeerKey two = key(2);
    const auto with_two = gui::ordered_transfers(m, &two);
    REQUIRE(with_two.size() == 1);
    CHECK(with_two[0]->view.id == 999);

    // Only ended ones can be cleared away.
    gui::forget_transfer(m, 999);
    gui::forget_transfer(m, 6);
    CHECK(m.transfers.contains(999));
    CHECK_FALSE(m.transfers.contains(6));
}

TEST_CASE("transfers: dropped files go to the open conversation's peer, or say why not") {
    Model m;
    auto bob = peer(1, "bob", true);
    bob.files = true;
    auto old = peer(2, "olga", true);
    auto blocked = peer(3, "mal", true);
    blocked.files = true;
    blocked.trust = core::Trust::blocked;
    for (const auto& p : {bob, old, blocked}) gui::apply(m, core::PeerChanged{p});

    CHECK(gui::drop_target(m, key(1), false).peer == key(1));
    CHECK(gui::drop_target(m, key(1), false).why.empty());
    CHECK(gui::drop_target(m, std::nullopt, false).why == "Open a conversation with someone to send files.");
    CHECK_FALSE(gui::drop_target(m, key(1), true).peer);  // a room is on screen
    const auto olga = gui::drop_target(m, key(2), false);
    CHECK_FALSE(olga.peer);
    CHECK(olga.why.starts_with("olga's Hallway cannot receive files"));
    CHECK(gui::drop_target(m, key(3), false).why == "mal is blocked: nothing is sent to them.");
    CHECK_FALSE(gui::drop_target(m, key(9), false).peer);  // not in the model
}

TEST_CASE("link-local XMPP buddies: named by instance, found by it, never offered rooms or files (§15)") {
    Model m;
    auto xmpp = [](std::uint8_t n, std::string nick, std::string instance) {
        core::PeerView p = peer(n, std::move(nick), true, false);
        p.kind = core::PeerKind::xmpp_link_local;
        p.encrypted = false;
        p.fingerprint.clear();  // it has no key to print
        p.instance = std::move(instance);
        return p;
    };
    gui::apply(m, core::PeerChanged{xmpp(1, "Carol", "carol@laptop")});
    gui::apply(m, core::PeerChanged{xmpp(2, "carol", "carol@desktop")});
    gui::apply(m, core::PeerChanged{xmpp(3, "", "dave@pc")});
    gui::apply(m, core::PeerChanged{peer(4, "bob", true)});
    // No fingerprint to tell two of a name apart: the instance does.
    CHECK(gui::display_name(m, m.peers[key(1)]) == "Carol (carol@laptop)");
    CHECK(gui::display_name(m, m.peers[key(2)]) == "carol (carol@desktop)");
    CHECK(gui::display_name(m, m.peers[key(3)]) == "dave@pc");
    CHECK(nicks(gui::ordered_buddies(m, "desktop")) == std::vector<std::string>{"carol"});
    CHECK(gui::ordered_buddies(m, "").size() == 4);  // strangers online, listed

    // Rooms: not even in the "cannot" list.
    m.rooms[room_id(1)] = room(1, "team", core::RoomMembership::joined);
    auto can = m.peers[key(4)];
    can.rooms = true;
    gui::apply(m, core::PeerChanged{can});
    const auto choices = gui::invite_choices(m, room_id(1));
    CHECK(nicks(choices.can) == std::vector<std::string>{"bob"});
    CHECK(choices.cannot.empty());

    // Files: refused with the reason, even if a view said otherwise.
    auto odd = m.peers[key(3)];
    odd.files = true;
    gui::apply(m, core::PeerChanged{odd});
    const auto drop = gui::drop_target(m, key(3), false);
    CHECK_FALSE(drop.peer);
    CHECK(drop.why == "dave@pc is a link-local XMPP (Bonjour) buddy: it cannot take files.");
}
