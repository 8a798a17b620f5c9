#pragma once
// Per-source rate limit for incoming connections (handshake attempts): a token
// bucket per address with wire::kHandshakeBurstPerAddress tokens, refilled at
// wire::kHandshakesPerSecondPerAddress, at most wire::kMaxRateTrackedAddresses
// sources tracked. Sans-I/O: the caller passes monotonic time. Single-threaded.
#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace hallway::transport {

class HandshakeRateLimiter {
public:
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
    std::map<std::string, Bucket> buckets_;
};

}  // namespace hallway::transport
