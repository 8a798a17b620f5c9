// The control socket's search: hits as docs/CONTROL.md says, bounds refused
// with a clear reason, hostile text answered (never an SQLite error), and the
// reply within the line cap however long the texts.
#include "core/control.hpp"
#include "core/node.hpp"
#include "core/profile.hpp"
#include "core/store.hpp"
#include "crypto/identity.hpp"
#include "tests/core/temp_dir.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace hallway;
using namespace hallway::core;
using hallway::test::TempDir;
using nlohmann::json;

namespace {

PeerKey peer_key(std::uint8_t n) {
    PeerKey k{};
    k.fill(n);
    return k;
}

std::int64_t just_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void add_text(Store& s, std::uint8_t n, const PeerKey& peer, Direction d, const std::string& body, std::int64_t at) {
    StoredMessage m;
    m.id.fill(n);
    m.peer = peer;
    m.direction = d;
    m.body = body;
    m.sent_at_ms = at;
    m.received_at_ms = at;
    if (d == Direction::out) {
        REQUIRE(s.add_outgoing(m) == StoreError::ok);
    } else {
        m.state = MessageState::delivered;
        bool inserted = false;
        REQUIRE(s.add_incoming(m, inserted) == StoreError::ok);
    }
}

json checked(const json& reply) {
    CHECK(dump_json(reply).size() <= kMaxControlLine);
    return reply;
}

}  // namespace

TEST_CASE("control: search finds one-to-one texts, names them, and refuses what it cannot search") {
    TempDir dir;
    const PeerKey bob = peer_key(1), carol = peer_key(2);
    const std::string long_body(60 * 1024, '\x01');  // 360 KiB as JSON: three do not fit one line
    {
        StoreError err{};
        std::string message;
        REQUIRE_MESSAGE(ensure_profile_dir(dir.path(), message), message);
        auto s = Store::open(store_path(dir.path()).string(), err, message);
        REQUIRE_MESSAGE(s, message);
        REQUIRE(s->touch_contact(bob, "bob", just_now_ms()) == StoreError::ok);
        REQUIRE(s->touch_contact(carol, "carol", just_now_ms()) == StoreError::ok);
        add_text(*s, 1, bob, Direction::in, "the Café is open", 1000);
        add_text(*s, 2, bob, Direction::out, "see you at the cafe", 2000);
        add_text(*s, 3, carol, Direction::in, "café crème?", 3000);
        for (std::uint8_t i = 0; i < 5; ++i)
            add_text(*s, static_cast<std::uint8_t>(10 + i), carol, Direction::in, "bulky " + long_body, 4000 + i);
    }
    asio::io_context io;
    NodeOptions o;
    o.profile_dir = dir.path();
    o.nick = "alice";
    o.mdns = false;
    o.port = 0;
    o.control_socket = false;
    std::string error;
    auto node = Node::create(io, o, error);
    REQUIRE_MESSAGE(node, error);
    ControlServer server(io, *node, dir / "test.sock");

    json r = checked(server.handle({{"cmd", "search"}, {"text", "CAFE"}}, 1));
    REQUIRE(r.value("ok", false));
    CHECK_FALSE(r.value("more", true));
    REQUIRE(r["hits"].size() == 3);
    const json& newest = r["hits"][0];
    CHECK(newest["kind"] == "peer");
    CHECK(newest["nick"] == "carol");
    CHECK(newest["peer"] == crypto::fingerprint(carol));
    CHECK(newest["author"] == "carol");
    CHECK(newest["body"] == "café crème?");
    CHECK(newest["mine"] == false);
    CHECK(newest["sent_at"] == 3000);
    CHECK(newest["id"] == "03030303030303030303030303030303");
    const json& mine = r["hits"][1];
    CHECK(mine["mine"] == true);
    CHECK(mine["author"] == "alice");
    CHECK(mine["nick"] == "bob");
    CHECK(mine["seq"].get<std::int64_t>() > r["hits"][2]["seq"].get<std::int64_t>());

    // --peer, --limit.
    r = checked(server.handle({{"cmd", "search"}, {"text", "cafe"}, {"peer", "bob"}}, 1));
    CHECK(r["hits"].size() == 2);
    r = checked(server.handle({{"cmd", "search"}, {"text", "cafe"}, {"limit", 1}}, 1));
    CHECK(r["hits"].size() == 1);
    CHECK(r.value("more", false));

    // The line cap: hits that do not fit are left out, more says so.
    r = checked(server.handle({{"cmd", "search"}, {"text", "bulky"}}, 1));
    REQUIRE(r.value("ok", false));
    CHECK(r["hits"].size() >= 1);
    CHECK(r["hits"].size() < 5);
    CHECK(r.value("more", false));

    // Refused with a reason, never an SQLite error.
    auto code = [&](const json& req) { return server.handle(req, 1).value("code", ""); };
    CHECK(code({{"cmd", "search"}}) == "bad_request");
    CHECK(code({{"cmd", "search"}, {"text", 5}}) == "bad_request");
    CHECK(code({{"cmd", "search"}, {"text", "x"}, {"limit", 0}}) == "bad_request");
    CHECK(code({{"cmd", "search"}, {"text", "x"}, {"limit", 201}}) == "bad_request");
    CHECK(code({{"cmd", "search"}, {"text", "x"}, {"limit", "5"}}) == "bad_request");
    CHECK(code({{"cmd", "search"}, {"text", "x"}, {"peer", "nobody-like-this"}}) == "no_peer");
    json refused = server.handle({{"cmd", "search"}, {"text", "\" * ( )"}}, 1);
    CHECK(refused["code"] == "refused");
    CHECK(refused["error"] == "nothing to search for");
    CHECK(code({{"cmd", "search"}, {"text", std::string(257, 'a')}}) == "refused");
    for (const char* hostile : {"NEAR(cafe open)", "body:cafe", "cafe OR x", "\"cafe\"", "cafe*", "^cafe"}) {
        INFO(hostile);
        r = checked(server.handle({{"cmd", "search"}, {"text", hostile}}, 1));
        CHECK(r.value("ok", false));
    }
    // Operators are words: "cafe OR x" needs a word starting with "or" and one with "x".
    CHECK(server.handle({{"cmd", "search"}, {"text", "cafe OR x"}}, 1)["hits"].empty());
    CHECK(server.handle({{"cmd", "search"}, {"text", "\"cafe\""}}, 1)["hits"].size() == 3);
}
