#include "discovery/resolve_queue.hpp"

#include <algorithm>

namespace hallway::discovery {

void ResolveQueue::add(const InstanceKey& key) {
    if (in_flight_.count(key) != 0 || std::find(queued_.begin(), queued_.end(), key) != queued_.end() ||
        std::find(later_.begin(), later_.end(), key) != later_.end())
        return;
    queued_.push_back(key);
}

void ResolveQueue::done(const InstanceKey& key, Clock::time_point now) {
    if (checking_.erase(key) != 0) check_after_ = now + check_pause_;
    in_flight_.erase(key);
    std::erase(queued_, key);
    std::erase(later_, key);
}

void ResolveQueue::defer(const std::string& service_name) {
    for (auto it = queued_.begin(); it != queued_.end();) {
        if (it->service_name != service_name) {
            ++it;
            continue;
        }
        later_.push_back(std::move(*it));
        it = queued_.erase(it);
    }
}

std::optional<InstanceKey> ResolveQueue::next(Clock::time_point now) {
    const bool urgent = !queued_.empty() && in_flight_.size() < max_;
    if (!urgent && (later_.empty() || !in_flight_.empty() || !queued_.empty() || now < check_after_))
        return std::nullopt;
    auto& from = urgent ? queued_ : later_;
    std::uniform_int_distribution<std::size_t> pick(0, from.size() - 1);
    const std::size_t i = pick(random_);
    InstanceKey key = std::move(from[i]);
    from[i] = std::move(from.back());
    from.pop_back();
    in_flight_.insert(key);
    if (!urgent) checking_.insert(key);
    return key;
}

std::optional<ResolveQueue::Clock::time_point> ResolveQueue::wake_at() const {
    if (later_.empty() || !queued_.empty() || !in_flight_.empty()) return std::nullopt;
    return check_after_;
}

void ResolveQueue::clear() {
    queued_.clear();
    later_.clear();
    in_flight_.clear();
    checking_.clear();
}

bool ResolveQueue::queued_named(const InstanceKey& key) const {
    const auto named = [&](const InstanceKey& q) {
        return q.service_name == key.service_name && q.interface == key.interface && q.domain == key.domain;
    };
    return std::any_of(queued_.begin(), queued_.end(), named) || std::any_of(later_.begin(), later_.end(), named);
}

}  // namespace hallway::discovery
