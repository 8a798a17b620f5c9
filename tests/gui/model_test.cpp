// The window's model, fed events the way the node emits them.
#include "gui/model.hpp"

#include <doctest/doctest.h>

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

TEST_CASE("buddies: online first, then known offline contacts; offline strangers hidden") {
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
