#pragma once
// Per-source rate limit for incoming connections: a token bucket per address
// with `burst` tokens, refilled at `per_second`, at most `max_sources` sources
// tracked. Both listeners use it: transport's (handshakes, docs/PROTOCOL.md
// §7) and the link-local XMPP one (streams, §7 and §15). Sans-I/O: the caller
// passes monotonic time. Single-threaded. No Hallway dependency.
#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace hallway::rate_limit {

struct SourceRateLimits {
    std::size_t burst = 0;
    std::size_t per_second = 0;
    std::size_t max_sources = 0;
};

class SourceRateLimiter {
public:
    explicit SourceRateLimiter(SourceRateLimits limits) : limits_(limits) {}
    // Takes one token for `source` (an address in text form) at `now` (ms, monotonic).
    // false: over its rate, or the table is full of sources that are not idle.
    bool allow(const std::string& source, std::chrono::milliseconds now);
    std::size_t tracked() const { return buckets_.size(); }

private:
    struct Bucket {
        double tokens = 0;
        std::chrono::milliseconds updated{0};
    };
    void refill(Bucket& b, std::chrono::milliseconds now) const;
    void forget_idle(std::chrono::milliseconds now);
    SourceRateLimits limits_;
    std::map<std::string, Bucket> buckets_;
};

}  // namespace hallway::rate_limit
