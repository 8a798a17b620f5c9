// What `hallway send-file`, `hallway files` and chat print about transfers:
// sizes, rates and time left read right at every scale, the progress line and
// the table hold what a person needs, peer text cannot drive the terminal, and
// chat hears of a transfer at its offer, start, quarters and end only.
#include "cli/format.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <string>

using namespace hallway;
using namespace hallway::cli;
using nlohmann::json;

namespace {

core::TransferView transfer(core::Direction d, core::TransferState s, std::uint64_t bytes) {
    core::TransferView t;
    t.id = 3;
    t.peer_nick = "alice";
    t.direction = d;
    t.state = s;
    t.files = {{"report.pdf", 40ull << 20, false}};
    t.bytes = bytes;
    t.total = 40ull << 20;
    return t;
}

}  // namespace

TEST_CASE("format: sizes in binary units, one decimal, never 1024.0 of a unit") {
    CHECK(format_size(0) == "0 B");
    CHECK(format_size(1023) == "1023 B");
    CHECK(format_size(1024) == "1.0 KiB");
    CHECK(format_size(1536) == "1.5 KiB");
    CHECK(format_size(12'897'485) == "12.3 MiB");
    CHECK(format_size(40ull << 20) == "40.0 MiB");
    CHECK(format_size((1ull << 20) - 1) == "1.0 MiB");
    CHECK(format_size(3ull << 30) == "3.0 GiB");
    CHECK(format_size(UINT64_MAX) == "16.0 EiB");
    CHECK(format_rate(8.2 * (1 << 20)) == "8.2 MiB/s");
    CHECK(format_rate(-1) == "0 B/s");
}

TEST_CASE("format: time left as m:ss or h:mm:ss, unknown as -:--") {
    CHECK(format_eta(3.2) == "0:03");
    CHECK(format_eta(754) == "12:34");
    CHECK(format_eta(3723) == "1:02:03");
    CHECK(format_eta(std::nullopt) == "-:--");
    CHECK(format_eta(-1) == "-:--");
    CHECK(format_eta(1e300) == "-:--");
}

TEST_CASE("format: the progress line has bytes, percent, rate and time left") {
    CHECK(progress_line("report.pdf", 12'897'485, 40ull << 20, 8.2 * (1 << 20)) ==
          "report.pdf  12.3 MiB / 40.0 MiB  30%  8.2 MiB/s  0:03 left");
    CHECK(progress_line("big", 0, 3ull << 30, 512 << 10) == "big  0 B / 3.0 GiB  0%  512.0 KiB/s  1:42:24 left");
    // Before a rate is known: no rate, no guess.
    CHECK(progress_line("a", 0, 100, 0) == "a  0 B / 100 B  0%");
    CHECK(progress_line("empty", 0, 0, 0) == "empty  0 B / 0 B  100%");
}

TEST_CASE("format: the rate meter follows the last seconds, not the whole transfer") {
    RateMeter m;
    CHECK(m.rate() == 0);
    m.add(0, 0);
    CHECK(m.rate() == 0);
    for (int s = 1; s <= 10; ++s) m.add(s, static_cast<std::uint64_t>(s) * 1000);
    CHECK(m.rate() == doctest::Approx(1000));
    // Ten times faster from now on: after the window, the old pace is forgotten.
    for (int s = 11; s <= 20; ++s) m.add(s, 10'000 + static_cast<std::uint64_t>(s - 10) * 10'000);
    CHECK(m.rate() == doctest::Approx(10'000));
}

TEST_CASE("format: a transfer's name: one file, a folder, several, escapes removed") {
    CHECK(transfer_name({{"report.pdf", 1, false}}, 1) == "report.pdf");
    CHECK(transfer_name({{"photos", 0, true}, {"photos/a.jpg", 1, false}, {"photos/b/c.jpg", 1, false}}, 3) ==
          "photos/ (2 files)");
    // A list cut short (the control socket lists the first entries): the rest count as files.
    CHECK(transfer_name({{"photos", 0, true}, {"photos/a.jpg", 1, false}}, 10) == "photos/ (9 files)");
    CHECK(transfer_name({{"a.txt", 1, false}, {"b.txt", 1, false}, {"c.txt", 1, false}}, 3) == "a.txt and 2 more");
    CHECK(transfer_name({{"\x1b[2Jevil", 1, false}}, 1) == "?[2Jevil");
    const std::string longest(1024, 'x');
    CHECK(transfer_name({{longest, 1, false}}, 1) == std::string(60, 'x') + "...");
    CHECK(transfer_name({}, 0) == "(nothing)");
}

TEST_CASE("format: the transfers table lines up, one row each, peer text sanitized") {
    json list = json::array();
    list.push_back({{"id", 3}, {"direction", "in"}, {"nick", "alice\x1b]0;x\x07"}, {"state", "active"},
                    {"files", json::array({{{"path", "report.pdf"}, {"size", 40 << 20}, {"dir", false}}})},
                    {"file_count", 1}, {"bytes", 10 << 20}, {"total", 40 << 20}, {"reason", ""}, {"folder", ""}});
    list.push_back({{"id", 12}, {"direction", "out"}, {"nick", "bob"}, {"state", "failed"},
                    {"files", json::array({{{"path", "x"}, {"size", 1}, {"dir", false}}})}, {"file_count", 1},
                    {"bytes", 0}, {"total", 1}, {"reason", "declined"}, {"folder", ""}});
    list.push_back("not a transfer");
    const std::string table = transfers_table(list);
    CHECK(table ==
          "ID  DIR  PEER         STATE              PROGRESS         NAME\n"
          "3   in   alice?]0;x?  active             25% of 40.0 MiB  report.pdf\n"
          "12  out  bob          failed (declined)  0% of 1 B        x\n");
    CHECK(transfers_table(json::array()) == "ID  DIR  PEER  STATE  PROGRESS  NAME\n");
}

TEST_CASE("format: chat hears of a transfer at its offer, start, each quarter and end") {
    using core::Direction;
    using core::TransferState;
    EventPrinter p("/");
    auto line = [&](const core::TransferView& t) { return p.line(core::TransferChanged{t}); };
    constexpr std::uint64_t kMiB = 1 << 20;
    CHECK(line(transfer(Direction::in, TransferState::offered, 0)) ==
          "* alice offers report.pdf (40.0 MiB): /accept 3 or /decline 3");
    CHECK(line(transfer(Direction::in, TransferState::offered, 0)).empty());  // said once
    CHECK(line(transfer(Direction::in, TransferState::active, 0)) == "* 3: receiving report.pdf from alice");
    CHECK(line(transfer(Direction::in, TransferState::active, 5 * kMiB)).empty());
    CHECK(line(transfer(Direction::in, TransferState::active, 10 * kMiB)) == "* 3: report.pdf 25%  10.0 MiB / 40.0 MiB");
    CHECK(line(transfer(Direction::in, TransferState::active, 11 * kMiB)).empty());
    // A jump over two quarters is one line.
    CHECK(line(transfer(Direction::in, TransferState::active, 31 * kMiB)) == "* 3: report.pdf 75%  31.0 MiB / 40.0 MiB");
    CHECK(line(transfer(Direction::in, TransferState::active, 40 * kMiB)).empty());  // 100% is said by done
    auto paused = transfer(Direction::in, TransferState::paused, 39 * kMiB);
    paused.reason = "disk full";
    CHECK(line(paused) == "! 3: report.pdf paused: disk full (/resume 3)");
    CHECK(line(transfer(Direction::in, TransferState::active, 39 * kMiB)) == "* 3: report.pdf resumed");
    auto done = transfer(Direction::in, TransferState::done, 40 * kMiB);
    done.folder = "/home/me/Downloads/Hallway";
    CHECK(line(done) == "* 3: report.pdf received from alice, in /home/me/Downloads/Hallway");

    // The sender's side, at a shell: the answer is a command.
    EventPrinter shell;
    auto out = [&](core::TransferView t) { return shell.line(core::TransferChanged{std::move(t)}); };
    CHECK(out(transfer(Direction::out, TransferState::preparing, 0)).empty());
    CHECK(out(transfer(Direction::out, TransferState::offered, 0)) ==
          "* 3: offered report.pdf (40.0 MiB) to alice, waiting for an answer");
    auto failed = transfer(Direction::out, TransferState::failed, 0);
    failed.reason = "declined\x1b[31m";
    CHECK(out(failed) == "! 3: report.pdf failed: declined?[31m");
    // Under a progress bar: the start and the end, no quarters.
    EventPrinter bar("hallway ", false);
    CHECK(!bar.line(core::TransferChanged{transfer(Direction::out, TransferState::active, 0)}).empty());
    CHECK(bar.line(core::TransferChanged{transfer(Direction::out, TransferState::active, 20 * kMiB)}).empty());
    CHECK(bar.line(core::TransferChanged{transfer(Direction::out, TransferState::done, 40 * kMiB)}) ==
          "* 3: report.pdf delivered to alice");
    EventPrinter fresh;
    CHECK(fresh.line(core::TransferChanged{transfer(Direction::in, TransferState::offered, 0)}) ==
          "* alice offers report.pdf (40.0 MiB): hallway accept 3 or hallway decline 3");
}

TEST_CASE("format: a peer's line says how it was found, peer text sanitized") {
    core::PeerView p;
    p.nick = "carol";
    p.fingerprint = std::string(40, '1');
    CHECK(describe_peer(p).find("found by") == std::string::npos);
    p.found_by = {"inbound", "remembered", "shared by \x1b[31mbob"};
    const std::string line = describe_peer(p);
    CHECK(line.find("\n    found by: inbound, remembered, shared by ") != std::string::npos);
    CHECK(line.find('\x1b') == std::string::npos);
}

TEST_CASE("format: chat and history times are local, with the date when not today") {
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);  // a POSIX rule: no tzdata needed
    tzset();
    constexpr std::int64_t kMon1405 = 1717416309000;  // 2024-06-03 12:05:09 UTC: 14:05 CEST
    constexpr std::int64_t kTue0030 = 1717453800000;  // 2024-06-03 22:30 UTC: Tuesday 00:30 CEST
    CHECK(format_time(kMon1405, kMon1405 + 3600 * 1000) == "14:05");
    CHECK(format_time(kMon1405, kTue0030) == "2024-06-03 14:05");
    CHECK(format_time(kTue0030, kTue0030) == "00:30");
    if (old) setenv("TZ", saved.c_str(), 1);
    else unsetenv("TZ");
    tzset();
}

TEST_CASE("format: a search hit is one line: where, who, the body's line with a word, no control characters") {
    json room_hit{{"kind", "room"}, {"room", std::string(32, 'a')}, {"name", "team"}, {"id", std::string(32, 'b')},
                  {"seq", 0}, {"mine", false}, {"author", "al\x1b[31mice"}, {"body", "first\nthe Lunch plan\x07\nlast"},
                  {"sent_at", 1700000000000}};
    const std::string line = search_hit_line(search_hit_from_json(room_hit), {"lunch"});
    CHECK(line.substr(line.find(']')) == "] #team  al?[31mice: the Lunch plan?");
    CHECK(line.find('\x1b') == std::string::npos);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.front() == '[');
    json peer_hit{{"kind", "peer"}, {"peer", std::string(40, '1')}, {"nick", "bob"}, {"mine", true}, {"author", "me too"},
                  {"body", "see you"}, {"sent_at", 1700000000000}};
    const std::string mine = search_hit_line(search_hit_from_json(peer_hit), {"nothing"});
    CHECK(mine.substr(mine.find(']')) == "] bob  me: see you");
}

TEST_CASE("format: a link-local XMPP buddy is marked unencrypted and not verified wherever it shows (§15)") {
    const std::string badge = "[unencrypted \u00b7 not verified]";
    // As the control socket lists it: kind, encrypted, instance, no id.
    const json item{{"nick", "Carol"}, {"id", ""}, {"online", true}, {"trust", "unverified"},
                    {"kind", "xmpp-link-local"}, {"encrypted", false}, {"instance", "carol@\x1b[2Jlaptop"}};
    const core::PeerView v = peer_from_json(item);
    CHECK(v.kind == core::PeerKind::xmpp_link_local);
    CHECK_FALSE(v.encrypted);
    const std::string line = describe_peer(v);
    CHECK(line.find("Carol  online  " + badge) == 0);
    CHECK(line.find("[unverified]") == std::string::npos);
    CHECK(line.find("link-local XMPP (Bonjour) carol@?[2Jlaptop") != std::string::npos);
    CHECK(line.find('\x1b') == std::string::npos);
    // A Hallway peer keeps its trust and fingerprint; an unknown kind is not trusted to be encrypted.
    core::PeerView h = peer_from_json(json{{"nick", "bob"}, {"id", std::string(40, '2')}, {"trust", "verified"}});
    CHECK(h.encrypted);
    CHECK(describe_peer(h).find("[verified]\n    22222") != std::string::npos);
    CHECK_FALSE(peer_from_json(json{{"kind", "irc"}, {"encrypted", true}}).encrypted);
    // Two XMPP buddies have no id: told apart by their instance, one buddy listed twice is one.
    CHECK(peer_identity(item) != peer_identity(json{{"kind", "xmpp-link-local"}, {"id", ""}, {"instance", "dave@pc"}}));
    CHECK(peer_identity(item) == peer_identity(item));

    // Its texts: "sent, unconfirmed" (no receipts), for a Hallway peer just "sent".
    CHECK(delivery_word(core::MessageState::sent, core::PeerKind::xmpp_link_local) == "sent, unconfirmed");
    CHECK(delivery_word(core::MessageState::sent, core::PeerKind::hallway) == "sent");
    CHECK(delivery_word(core::MessageState::queued, core::PeerKind::xmpp_link_local) == "queued");
    CHECK(delivery_word(core::MessageState::delivered, core::PeerKind::hallway, true) == "seen");

    // Chat: its coming online and every text it sends carry the badge, before the body.
    EventPrinter printer("/");
    core::PeerView peer = v;
    peer.key[0] = 7;
    const std::string online = printer.line(core::PeerChanged{peer});
    CHECK(online == "* online: Carol (link-local XMPP) " + badge);
    core::StoredMessage m;
    m.peer = peer.key;
    m.direction = core::Direction::in;
    m.body = "[end-to-end encrypted] hi";
    m.received_at_ms = 0;
    const std::string text = printer.line(core::MessageAdded{m});
    CHECK(text.find("<Carol> " + badge + " [end-to-end encrypted] hi") != std::string::npos);
    // Our own line says the bridge runs, and what it costs.
    core::OwnIdentity own;
    own.nick = "me";
    own.fingerprint = std::string(40, '3');
    own.port = 49100;
    CHECK(printer.line(own).find("link-local") == std::string::npos);
    own.bonjour = true;
    own.link_local_name = "me@host";
    CHECK(printer.line(own).ends_with(", port 49100; link-local XMPP as me@host (unencrypted, unauthenticated)"));
    // A Hallway peer's lines do not.
    core::PeerView bob = h;
    bob.key[0] = 8;
    bob.online = true;
    CHECK(printer.line(core::PeerChanged{bob}) == "* online: bob");
    m.peer = bob.key;
    CHECK(printer.line(core::MessageAdded{m}).find(badge) == std::string::npos);
}
