// What the desktop is told of a new message (gui/notification_policy.hpp).
#include "gui/notification_policy.hpp"
#include "gui/message_labels.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using gui::Model;
using gui::NotificationContext;

namespace {

core::PeerKey key(std::uint8_t n) {
    core::PeerKey k{};
    k[0] = n;
    return k;
}

core::RoomId room_id(std::uint8_t n) {
    core::RoomId r{};
    r[0] = n;
    return r;
}

// A model with our identity (presence, setting) and one buddy "alice" (key 1).
Model model_with(core::Notifications setting = core::Notifications::full, std::string presence = "available") {
    Model m;
    core::OwnIdentity own;
    own.nick = "me";
    own.presence = std::move(presence);
    own.notifications = setting;
    m.own = own;
    core::PeerView alice;
    alice.key = key(1);
    alice.fingerprint = std::string(40, '1');
    alice.nick = "alice";
    alice.online = true;
    alice.known = true;
    m.peers[alice.key] = alice;
    return m;
}

core::StoredMessage incoming(std::string body, std::uint8_t from = 1) {
    core::StoredMessage msg;
    msg.peer = key(from);
    msg.direction = core::Direction::in;
    msg.body = std::move(body);
    return msg;
}

const NotificationContext unfocused{false};
const NotificationContext focused{true};

}  // namespace

TEST_CASE("notification: full shows the nick and the first line of the text") {
    const Model m = model_with();
    auto n = gui::notification_for(m, unfocused, incoming("lunch at noon?\nsecond line"));
    REQUIRE(n);
    CHECK(n->summary == "alice");
    CHECK(n->body == "lunch at noon?");
    CHECK(std::get<core::PeerKey>(n->conversation) == key(1));
}

TEST_CASE("notification: none while the window is focused, off, busy, from a blocked peer, or for our own text") {
    CHECK_FALSE(gui::notification_for(model_with(), focused, incoming("hi")));
    CHECK_FALSE(gui::notification_for(model_with(core::Notifications::off), unfocused, incoming("hi")));
    CHECK_FALSE(gui::notification_for(model_with(core::Notifications::full, "busy"), unfocused, incoming("hi")));
    CHECK_FALSE(gui::notification_for(model_with(core::Notifications::hidden, "busy"), unfocused, incoming("hi")));
    Model blocked = model_with();
    blocked.peers[key(1)].trust = core::Trust::blocked;
    CHECK_FALSE(gui::notification_for(blocked, unfocused, incoming("hi")));
    auto out = incoming("hi");
    out.direction = core::Direction::out;
    CHECK_FALSE(gui::notification_for(model_with(), unfocused, out));
    // No identity yet (the node has not started): nothing to decide with.
    CHECK_FALSE(gui::notification_for(Model{}, unfocused, incoming("hi")));
    // Away still notifies: only busy means do not disturb.
    CHECK(gui::notification_for(model_with(core::Notifications::full, "away"), unfocused, incoming("hi")));
}

TEST_CASE("notification: hidden says neither name nor text") {
    auto n = gui::notification_for(model_with(core::Notifications::hidden), unfocused, incoming("the secret plan"));
    REQUIRE(n);
    CHECK(n->summary == "Hallway");
    CHECK(n->body == "New message");
    CHECK(n->summary.find("alice") == std::string::npos);
    CHECK(std::get<core::PeerKey>(n->conversation) == key(1));
}

TEST_CASE("notification: a link-local XMPP buddy's name carries the unencrypted badge") {
    Model m = model_with();
    m.peers[key(1)].kind = core::PeerKind::xmpp_link_local;
    m.peers[key(1)].encrypted = false;
    auto n = gui::notification_for(m, unfocused, incoming("hello"));
    REQUIRE(n);
    CHECK(n->summary == "alice (" + std::string(gui::kUnencryptedBadge) + ")");
    CHECK(n->body == "hello");
    // A Hallway peer's does not.
    n = gui::notification_for(model_with(), unfocused, incoming("hello"));
    REQUIRE(n);
    CHECK(n->summary == "alice");
}

TEST_CASE("notification: a peer the model does not know yet, and an impostor's name") {
    auto n = gui::notification_for(model_with(), unfocused, incoming("hello", 9));
    REQUIRE(n);
    CHECK(n->summary == "Someone");
    Model m = model_with();
    m.peers[key(1)].name_clash = true;
    n = gui::notification_for(m, unfocused, incoming("hello"));
    REQUIRE(n);
    CHECK(n->summary.find("not your verified contact") != std::string::npos);
}

TEST_CASE("notification: room texts name the author and the room, membership lines and blocked authors do not notify") {
    Model m = model_with();
    core::RoomView room;
    room.id = room_id(7);
    room.name = "team";
    room.membership = core::RoomMembership::joined;
    m.rooms[room.id] = room;
    core::RoomMessage text;
    text.room = room.id;
    text.author = key(1);
    text.author_nick = "alice";
    text.body = "standup now";
    auto n = gui::notification_for(m, unfocused, text);
    REQUIRE(n);
    CHECK(n->summary == "alice in #team");
    CHECK(n->body == "standup now");
    CHECK(std::get<core::RoomId>(n->conversation) == room.id);

    auto line = text;
    line.text = false;
    CHECK_FALSE(gui::notification_for(m, unfocused, line));
    auto mine = text;
    mine.mine = true;
    CHECK_FALSE(gui::notification_for(m, unfocused, mine));
    CHECK_FALSE(gui::notification_for(m, focused, text));
    m.rooms[room.id].membership = core::RoomMembership::invited;
    CHECK_FALSE(gui::notification_for(m, unfocused, text));
    m.rooms[room.id].membership = core::RoomMembership::joined;
    m.peers[key(1)].trust = core::Trust::blocked;
    CHECK_FALSE(gui::notification_for(m, unfocused, text));

    Model hidden = model_with(core::Notifications::hidden);
    hidden.rooms[room.id] = room;
    n = gui::notification_for(hidden, unfocused, text);
    REQUIRE(n);
    CHECK(n->summary == "Hallway");
    CHECK(n->body == "New message");
}

TEST_CASE("first_line: the first line with something on it, cut on a character boundary") {
    CHECK(gui::first_line("one\ntwo", 120) == "one");
    CHECK(gui::first_line("\n  \r\nfirst real line\nmore", 120) == "first real line");
    CHECK(gui::first_line("", 120).empty());
    CHECK(gui::first_line("\n\n", 120).empty());
    CHECK(gui::first_line("tabs\there", 120) == "tabs here");  // control characters become spaces
    CHECK(gui::first_line("line\r\nnext", 120) == "line");
    CHECK(gui::first_line(std::string(200, 'a'), 120) == std::string(120, 'a') + "\xE2\x80\xA6");
    // "é" is two bytes: a cut at an odd byte count backs off to the character's start.
    std::string accents;
    for (int i = 0; i < 100; ++i) accents += "\xC3\xA9";
    const std::string cut = gui::first_line(accents, 121);
    CHECK(cut.size() == 120 + 3);
    CHECK(cut.substr(0, 120) == accents.substr(0, 120));
}

TEST_CASE("one_line_utf8: bytes that are not UTF-8 become U+FFFD, valid text is kept") {
    CHECK(gui::one_line_utf8("plain") == "plain");
    CHECK(gui::one_line_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xF0\x9F\x98\x80");
    CHECK(gui::one_line_utf8("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
    CHECK(gui::one_line_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
    CHECK(gui::one_line_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    CHECK(gui::one_line_utf8("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
    CHECK(gui::one_line_utf8(std::string("a\0b\x1b[31m", 8)) == "a b [31m");
}

TEST_CASE("escape_markup: peer text never becomes markup") {
    CHECK(gui::escape_markup("<b>bold</b> & <a href=\"x\">") == "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href=\"x\"&gt;");
    CHECK(gui::escape_markup("&amp;") == "&amp;amp;");
    CHECK(gui::escape_markup("plain") == "plain");
}

TEST_CASE("NotificationSlots: one notification per conversation, replaced by the next, and clicks find it") {
    gui::NotificationSlots slots;
    const gui::ConversationRef alice = key(1), bob = key(2), team = room_id(7);
    CHECK(slots.replaces(alice) == 0);
    slots.shown(alice, 5);
    slots.shown(team, 6);
    CHECK(slots.replaces(alice) == 5);
    CHECK(slots.replaces(team) == 6);
    CHECK(slots.replaces(bob) == 0);
    CHECK(slots.conversation_of(5) == alice);
    CHECK(slots.conversation_of(6) == team);
    CHECK_FALSE(slots.conversation_of(7));
    CHECK_FALSE(slots.conversation_of(0));
    // The server replaced 5 in place (same id) or gave a new one: the slot follows.
    slots.shown(alice, 8);
    CHECK(slots.replaces(alice) == 8);
    CHECK_FALSE(slots.conversation_of(5));
    // Closed by the person: the next one is new.
    slots.closed(8);
    CHECK(slots.replaces(alice) == 0);
    CHECK_FALSE(slots.conversation_of(8));
    // An id given anew to another conversation belongs to it alone.
    slots.shown(bob, 6);
    CHECK(slots.conversation_of(6) == bob);
    CHECK(slots.replaces(team) == 0);
}

TEST_CASE("NotificationSlots: bounded, the oldest forgotten first") {
    gui::NotificationSlots slots;
    for (std::uint32_t i = 1; i <= gui::kMaxNotificationSlots + 10; ++i)
        slots.shown(key(static_cast<std::uint8_t>(i)), i);
    CHECK(slots.size() == gui::kMaxNotificationSlots);
    CHECK(slots.replaces(key(1)) == 0);
    CHECK(slots.replaces(key(static_cast<std::uint8_t>(gui::kMaxNotificationSlots + 10))) ==
          gui::kMaxNotificationSlots + 10);
}
