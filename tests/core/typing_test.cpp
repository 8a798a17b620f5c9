// The typing notice without sockets (docs/PROTOCOL.md §14.3): the sender's
// rate limit per peer and the receiver's expiry per peer.
#include "core/typing.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using namespace hallway::core;

namespace {
PeerKey key(std::uint8_t b) {
    PeerKey k{};
    k.fill(b);
    return k;
}
constexpr std::int64_t kResend = transport::wire::kTypingResend.count();
constexpr std::int64_t kExpiry = transport::wire::kTypingExpiry.count();
}  // namespace

TEST_CASE("typing: on at once, then at most one on per 4 s while the typing goes on") {
    TypingSender s;
    CHECK(s.input_changed(key(1), true, 1000) == std::optional<bool>(true));
    CHECK(s.typing(key(1)));
    // Every keystroke calls it: nothing until 4 s have passed.
    for (std::int64_t t = 1100; t < 1000 + kResend; t += 100) CHECK_FALSE(s.input_changed(key(1), true, t));
    CHECK(s.input_changed(key(1), true, 1000 + kResend) == std::optional<bool>(true));
    CHECK_FALSE(s.input_changed(key(1), true, 1000 + kResend + 1));
    // Another peer has its own pace.
    CHECK(s.input_changed(key(2), true, 1001) == std::optional<bool>(true));
}

TEST_CASE("typing: one off when the input empties, none when it was already empty") {
    TypingSender s;
    CHECK_FALSE(s.input_changed(key(1), false, 0));
    REQUIRE(s.input_changed(key(1), true, 0));
    CHECK(s.input_changed(key(1), false, 10) == std::optional<bool>(false));
    CHECK_FALSE(s.input_changed(key(1), false, 20));
    CHECK_FALSE(s.typing(key(1)));
    // Typing again after emptying is a new start: on at once, not 4 s later.
    CHECK(s.input_changed(key(1), true, 30) == std::optional<bool>(true));
}

TEST_CASE("typing: no off after a text is sent, and a new session starts afresh") {
    TypingSender s;
    REQUIRE(s.input_changed(key(1), true, 0));
    s.text_sent(key(1));
    CHECK_FALSE(s.input_changed(key(1), false, 10));  // the receiver clears on the text
    REQUIRE(s.input_changed(key(1), true, 20));
    s.forget(key(1));  // the session ended
    CHECK(s.input_changed(key(1), true, 30) == std::optional<bool>(true));
}

TEST_CASE("typing shown: until off, a text, the session's end, or 7 s after the last on") {
    TypingWatcher w;
    CHECK_FALSE(w.next_expiry());
    CHECK(w.received(key(1), true, 1000));         // shown: a change
    CHECK_FALSE(w.received(key(1), true, 3000));   // still shown, expiry moves
    CHECK(w.next_expiry() == 3000 + kExpiry);
    CHECK(w.expire(3000 + kExpiry - 1).empty());
    CHECK(w.expire(3000 + kExpiry) == std::vector<PeerKey>{key(1)});
    CHECK_FALSE(w.typing(key(1)));
    CHECK(w.expire(100000).empty());

    CHECK(w.received(key(2), true, 0));
    CHECK(w.received(key(2), false, 10));          // off: a change
    CHECK_FALSE(w.received(key(2), false, 20));    // already off
    CHECK(w.received(key(3), true, 0));
    CHECK(w.stopped(key(3)));                      // a text, or the session ended
    CHECK_FALSE(w.stopped(key(3)));
    CHECK_FALSE(w.next_expiry());
}

TEST_CASE("typing shown: each peer expires on its own") {
    TypingWatcher w;
    w.received(key(1), true, 0);
    w.received(key(2), true, 2000);
    CHECK(w.next_expiry() == kExpiry);
    CHECK(w.expire(kExpiry) == std::vector<PeerKey>{key(1)});
    CHECK(w.typing(key(2)));
    CHECK(w.next_expiry() == 2000 + kExpiry);
}
