#include "transport/rate_limit.hpp"

#include "transport/wire.hpp"

#include <algorithm>
#include <iterator>

namespace hallway::transport {

namespace {
constexpr double kBurst = static_cast<double>(wire::kHandshakeBurstPerAddress);
constexpr double kPerMs = static_cast<double>(wire::kHandshakesPerSecondPerAddress) / 1000.0;
}  // namespace

void HandshakeRateLimiter::refill(Bucket& b, std::chrono::milliseconds now) const {
    if (now <= b.updated) return;  // time never runs backwards here; ignore if it seems to
    b.tokens = std::min(kBurst, b.tokens + static_cast<double>((now - b.updated).count()) * kPerMs);
    b.updated = now;
}

void HandshakeRateLimiter::forget_idle(std::chrono::milliseconds now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        refill(it->second, now);
        // A full bucket is the same as no bucket.
        it = it->second.tokens >= kBurst ? buckets_.erase(it) : std::next(it);
    }
}

bool HandshakeRateLimiter::allow(const std::string& source, std::chrono::milliseconds now) {
    auto it = buckets_.find(source);
    if (it == buckets_.end()) {
        if (buckets_.size() >= wire::kMaxRateTrackedAddresses) forget_idle(now);
        if (buckets_.size() >= wire::kMaxRateTrackedAddresses) return false;
        it = buckets_.emplace(source, Bucket{kBurst, now}).first;
    }
    refill(it->second, now);
    if (it->second.tokens < 1.0) return false;
    it->second.tokens -= 1.0;
    return true;
}

}  // namespace hallway::transport
