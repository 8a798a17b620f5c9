#include "rate_limit/source_rate_limiter.hpp"

#include <algorithm>
#include <iterator>

namespace hallway::rate_limit {

void SourceRateLimiter::refill(Bucket& b, std::chrono::milliseconds now) const {
    if (now <= b.updated) return;  // time never runs backwards here; ignore if it seems to
    const double per_ms = static_cast<double>(limits_.per_second) / 1000.0;
    b.tokens = std::min(static_cast<double>(limits_.burst),
                        b.tokens + static_cast<double>((now - b.updated).count()) * per_ms);
    b.updated = now;
}

void SourceRateLimiter::forget_idle(std::chrono::milliseconds now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        refill(it->second, now);
        // A full bucket is the same as no bucket.
        it = it->second.tokens >= static_cast<double>(limits_.burst) ? buckets_.erase(it) : std::next(it);
    }
}

bool SourceRateLimiter::allow(const std::string& source, std::chrono::milliseconds now) {
    auto it = buckets_.find(source);
    if (it == buckets_.end()) {
        if (buckets_.size() >= limits_.max_sources) forget_idle(now);
        if (buckets_.size() >= limits_.max_sources) return false;
        it = buckets_.emplace(source, Bucket{static_cast<double>(limits_.burst), now}).first;
    }
    refill(it->second, now);
    if (it->second.tokens < 1.0) return false;
    it->second.tokens -= 1.0;
    return true;
}

}  // namespace hallway::rate_limit
