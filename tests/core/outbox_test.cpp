// One pass over an outbox (core/outbox.hpp) with a fake send: what is marked and where it stops.
#include "core/outbox.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <map>

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

TEST_CASE("outbox: queued rows that go out become sent; rows already sent are resent unmarked") {
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
