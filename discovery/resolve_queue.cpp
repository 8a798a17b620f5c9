#include "discovery/resolve_queue.hpp"

#include <algorithm>
#include <utility>

namespace hallway::discovery {

namespace {

bool contains(const std::vector<InstanceKey>& v, const InstanceKey& key) {
    return std::find(v.begin(), v.end(), key) != v.end();
}

// Moves the keys under service_name from `from` to the end of `to`.
void move_named(std::vector<InstanceKey>& from, std::vector<InstanceKey>& to, const std::string& service_name) {
    for (auto it = from.begin(); it != from.end();) {
        if (it->service_name != service_name) {
            ++it;
            continue;
        }
        to.push_back(std::move(*it));
        it = from.erase(it);
    }
}

}  // namespace

void ResolveQueue::add(const InstanceKey& key) {
    if (in_flight_.count(key) != 0 || contains(queued_, key) || contains(aside_, key)) return;
    queued_.push_back(key);
}

std::optional<InstanceKey> ResolveQueue::replace_twin(const InstanceKey& key) {
    for (auto& q : queued_)
        if (q.service_name == key.service_name && q.interface == key.interface && q.domain == key.domain &&
            q.protocol != key.protocol) {
            return std::exchange(q, key);
        }
    return std::nullopt;
}

void ResolveQueue::done(const InstanceKey& key) {
    in_flight_.erase(key);
    std::erase(queued_, key);
    std::erase(aside_, key);
}

void ResolveQueue::set_known(const std::string& service_name, bool known) {
    if (known) {
        move_named(queued_, aside_, service_name);
    } else {
        move_named(aside_, queued_, service_name);
    }
}

std::optional<InstanceKey> ResolveQueue::next() {
    if (queued_.empty() || in_flight_.size() >= max_) return std::nullopt;
    std::uniform_int_distribution<std::size_t> pick(0, queued_.size() - 1);
    const std::size_t i = pick(random_);
    InstanceKey key = std::move(queued_[i]);
    queued_[i] = std::move(queued_.back());
    queued_.pop_back();
    in_flight_.insert(key);
    return key;
}

void ResolveQueue::clear() {
    queued_.clear();
    aside_.clear();
    in_flight_.clear();
}

bool ResolveQueue::queued_named(const InstanceKey& key) const {
    const auto named = [&](const InstanceKey& q) {
        return q.service_name == key.service_name && q.interface == key.interface && q.domain == key.domain;
    };
    return std::any_of(queued_.begin(), queued_.end(), named) || std::any_of(aside_.begin(), aside_.end(), named);
}

}  // namespace hallway::discovery
