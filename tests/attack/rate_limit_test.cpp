// The per-source handshake rate limit as pure bookkeeping (rate_limit/source_rate_limiter.hpp
// with transport/wire.hpp's limits).
#include "rate_limit/source_rate_limiter.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace hallway::transport;
using std::chrono::milliseconds;

TEST_CASE("rate limit: a burst per source, then the steady rate, sources independent") {
    hallway::rate_limit::SourceRateLimiter limiter{wire::kHandshakeRateLimits};
    const milliseconds t0{1000};
    for (std::size_t i = 0; i < wire::kHandshakeBurstPerAddress; ++i) CHECK(limiter.allow("10.0.0.1", t0));
    CHECK_FALSE(limiter.allow("10.0.0.1", t0));
    CHECK(limiter.allow("10.0.0.2", t0));  // another source has its own bucket
    const milliseconds one_token{1000 / wire::kHandshakesPerSecondPerAddress};
    CHECK(limiter.allow("10.0.0.1", t0 + one_token));
    CHECK_FALSE(limiter.allow("10.0.0.1", t0 + one_token));
    // A second's worth of refill allows exactly the per-second rate.
    std::size_t allowed = 0;
    for (int i = 0; i < 100; ++i) allowed += limiter.allow("10.0.0.1", t0 + one_token + milliseconds(1000));
    CHECK(allowed == wire::kHandshakesPerSecondPerAddress);
}

TEST_CASE("rate limit: the table of sources is bounded, idle sources are forgotten, a full table refuses") {
    hallway::rate_limit::SourceRateLimiter limiter{wire::kHandshakeRateLimits};
    const milliseconds t0{0};
    for (std::size_t i = 0; i < wire::kMaxRateTrackedAddresses; ++i) REQUIRE(limiter.allow(std::to_string(i), t0));
    CHECK(limiter.tracked() == wire::kMaxRateTrackedAddresses);
    CHECK_FALSE(limiter.allow("newcomer", t0));  // every tracked source is still busy: fail closed
    CHECK(limiter.tracked() == wire::kMaxRateTrackedAddresses);
    // Once their buckets have refilled they are idle and make room.
    const milliseconds later{1000 * (wire::kHandshakeBurstPerAddress / wire::kHandshakesPerSecondPerAddress + 1)};
    CHECK(limiter.allow("newcomer", later));
    CHECK(limiter.tracked() <= wire::kMaxRateTrackedAddresses);
}
