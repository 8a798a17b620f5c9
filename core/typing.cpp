#include "core/typing.hpp"

#include "transport/wire.hpp"

#include <algorithm>

namespace hallway::core {

namespace {
constexpr std::int64_t kResendMs = transport::wire::kTypingResend.count();
constexpr std::int64_t kExpiryMs = transport::wire::kTypingExpiry.count();
}  // namespace

std::optional<bool> TypingSender::input_changed(const PeerKey& peer, bool typing, std::int64_t now_ms) {
    auto it = last_on_.find(peer);
    if (!typing) {
        if (it == last_on_.end()) return std::nullopt;
        last_on_.erase(it);
        return false;
    }
    if (it != last_on_.end() && now_ms - it->second < kResendMs) return std::nullopt;
    last_on_[peer] = now_ms;
    return true;
}

void TypingSender::text_sent(const PeerKey& peer) { last_on_.erase(peer); }

void TypingSender::forget(const PeerKey& peer) { last_on_.erase(peer); }

bool TypingWatcher::received(const PeerKey& peer, bool on, std::int64_t now_ms) {
    if (!on) return stopped(peer);
    const bool was = until_.count(peer) > 0;
    until_[peer] = now_ms + kExpiryMs;
    return !was;
}

bool TypingWatcher::stopped(const PeerKey& peer) { return until_.erase(peer) > 0; }

std::vector<PeerKey> TypingWatcher::expire(std::int64_t now_ms) {
    std::vector<PeerKey> out;
    for (auto it = until_.begin(); it != until_.end();) {
        if (it->second <= now_ms) {
            out.push_back(it->first);
            it = until_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

std::optional<std::int64_t> TypingWatcher::next_expiry() const {
    if (until_.empty()) return std::nullopt;
    return std::min_element(until_.begin(), until_.end(),
                            [](const auto& a, const auto& b) { return a.second < b.second; })
        ->second;
}

}  // namespace hallway::core
