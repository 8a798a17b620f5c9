// One pass over an outbox (core/outbox.hpp) with a fake send: what is marked and where it stops.
#include "core/outbox.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>

using namespace hallway;
using namespace hallway::core;
using transport::SendResult;

namespace {

StoredMessage row(std::uint8_t n, std::string body, MessageState state = MessageState::queued) {
    StoredMessage m;
    m.id.fill(n);
    m.peer.fill(0xaa);
    m.body = std::move(body);
    m.sent_at_ms = 1700000000000;
    m.state = state;
    return m;
}

// Answers from a script by id (sent when not scripted) and records the order offered.
struct FakeSend {
    std::map<std::uint8_t, SendResult> script;
    std::vector<std::uint8_t> offered;
    SendResult operator()(const StoredMessage& m) {
        offered.push_back(m.id[0]);
        auto it = script.find(m.id[0]);
        return it == script.end() ? SendResult::sent : it->second;
    }
};

OutboxPass run(const std::vector<StoredMessage>& rows, FakeSend& fake) {
    return send_outbox(rows, [&](const StoredMessage& m) { return fake(m); });
}

}  // namespace

TEST_CASE("outbox: queued rows that go out become sent, rows already sent are resent unmarked") {
    FakeSend fake;
    const std::vector<StoredMessage> rows{row(1, "a"), row(2, "b", MessageState::sent), row(3, "c")};
    const auto pass = run(rows, fake);
    CHECK(fake.offered == std::vector<std::uint8_t>{1, 2, 3});
    CHECK_FALSE(pass.waiting);
    REQUIRE(pass.marks.size() == 2);
    CHECK(pass.marks[0].id == rows[0].id);
    CHECK(pass.marks[0].state == MessageState::sent);
    CHECK(pass.marks[0].peer == rows[0].peer);
    CHECK(pass.marks[1].id == rows[2].id);
}

TEST_CASE("outbox: a row too large to send is failed with its size and the limit, and the rest flows") {
    FakeSend fake;
    fake.script[1] = SendResult::too_large;
    const std::string big(transport::wire::kMaxMessage, 'x');
    const std::vector<StoredMessage> rows{row(1, big), row(2, "after it")};
    const auto pass = run(rows, fake);
    CHECK(fake.offered == std::vector<std::uint8_t>{1, 2});
    CHECK_FALSE(pass.waiting);
    REQUIRE(pass.marks.size() == 2);
    CHECK(pass.marks[0].state == MessageState::failed);
    CHECK(pass.marks[0].failure == "too large to send: " + std::to_string(big.size()) + " bytes, the limit is " +
                                       std::to_string(transport::wire::kMaxTextBody));
    CHECK(pass.marks[1].state == MessageState::sent);
}

TEST_CASE("outbox: back-pressure, closing or no session stop the pass so order is kept") {
    for (const auto wait : {SendResult::backpressure, SendResult::closing, SendResult::no_session}) {
        FakeSend fake;
        fake.script[2] = wait;
        const std::vector<StoredMessage> rows{row(1, "a"), row(2, "b"), row(3, "c")};
        const auto pass = run(rows, fake);
        CHECK(fake.offered == std::vector<std::uint8_t>{1, 2});  // nothing behind the stuck row
        CHECK(pass.waiting);
        REQUIRE(pass.marks.size() == 1);
        CHECK(pass.marks[0].id == rows[0].id);  // the waiting row stays queued
    }
}

namespace {

const Resends::Time t0{};
constexpr auto s = [](int n) { return std::chrono::seconds(n); };
PeerKey key(std::uint8_t n) {
    PeerKey k{};
    k.fill(n);
    return k;
}
using Keys = std::vector<PeerKey>;

}  // namespace

TEST_CASE("resends: unacknowledged texts are due after 2 s, then 4, 8, 16 and at most 30 s apart") {
    Resends r;
    CHECK(r.empty());
    r.sent(key(1), t0);
    CHECK_FALSE(r.empty());
    CHECK(r.due(t0 + s(2) - std::chrono::milliseconds(1)).empty());
    auto t = t0 + s(2);
    CHECK(r.due(t) == Keys{key(1)});
    for (int wait : {4, 8, 16, 30, 30}) {
        CHECK(r.due(t + s(wait) - std::chrono::milliseconds(1)).empty());
        t += s(wait);
        CHECK(r.due(t) == Keys{key(1)});
    }
}

TEST_CASE("resends: more texts do not delay a running wait, an ack starts it over or ends it") {
    Resends r;
    r.sent(key(1), t0);
    r.sent(key(1), t0 + s(1));  // another text: the first is still due at 2 s
    CHECK(r.due(t0 + s(2)) == Keys{key(1)});
    CHECK(r.due(t0 + s(5)).empty());  // now 4 s from 2 s
    r.acked(key(1), true, t0 + s(5));  // an ack, texts still outstanding: 2 s from the ack
    CHECK(r.due(t0 + s(6)).empty());
    CHECK(r.due(t0 + s(7)) == Keys{key(1)});
    r.acked(key(1), false, t0 + s(8));  // all acknowledged
    CHECK(r.empty());
    CHECK(r.due(t0 + s(100)).empty());
}

TEST_CASE("resends: each peer waits on its own, a session's end forgets its peer") {
    Resends r;
    r.sent(key(1), t0);
    r.sent(key(2), t0 + s(1));
    CHECK(r.due(t0 + s(2)) == Keys{key(1)});
    CHECK(r.due(t0 + s(3)) == Keys{key(2)});
    r.forget(key(1));
    CHECK(r.due(t0 + s(60)) == Keys{key(2)});
    r.forget(key(2));
    CHECK(r.empty());
    r.sent(key(1), t0 + s(61));  // a new session starts over at 2 s
    CHECK(r.due(t0 + s(63)) == Keys{key(1)});
}

TEST_CASE("store trouble: one warning per sender while storing fails, one all-clear when it works again") {
    StoreTrouble t;
    CHECK_FALSE(t.stored(key(1), "alice"));  // nothing had failed: nothing to say
    auto first = t.failed(key(1), "alice", "database or disk is full");
    REQUIRE(first);
    CHECK(first->level == Notice::Level::warning);
    CHECK(first->text ==
          "cannot store messages from \"alice\": database or disk is full; they will arrive when space is freed");
    CHECK_FALSE(t.failed(key(1), "alice", "database or disk is full"));  // the same episode
    auto other = t.failed(key(2), "bob", "disk I/O error");
    REQUIRE(other);
    CHECK(other->text.find("\"bob\": disk I/O error") != std::string::npos);
    auto clear = t.stored(key(1), "alice");
    REQUIRE(clear);
    CHECK(clear->level == Notice::Level::info);
    CHECK(clear->text == "messages from \"alice\" are stored again");
    CHECK_FALSE(t.stored(key(1), "alice"));
    CHECK(t.failed(key(1), "alice", "database or disk is full"));  // a new episode is told again
}

// §7 states the resend schedule a peer may expect; it must stay the code's.
TEST_CASE("resends: docs/PROTOCOL.md states the resend schedule Resends keeps") {
    std::ifstream in(std::string(HALLWAY_SOURCE_DIR) + "/docs/PROTOCOL.md");
    REQUIRE(in);
    std::stringstream doc;
    doc << in.rdbuf();
    const auto secs = [](std::chrono::milliseconds ms) { return std::to_string(ms.count() / 1000) + " s"; };
    CHECK(doc.str().find("| resend of unacknowledged texts on a live session (§6.1) | " + secs(kResendFirst) +
                         " after sending or the last `ack`, doubling to " + secs(kResendMax) + " |") !=
          std::string::npos);
}
