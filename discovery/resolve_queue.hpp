#pragma once
// Which mDNS records to resolve now. Every resolve makes avahi-daemon query
// the link by multicast, and every host's daemon reads the query and its
// answer: a crowd starting at once, each node resolving every record it
// finds, keeps every daemon busy with what the whole LAN asks (40 hosts
// sharing 2 cores: about 29 s for avahi alone). So records are resolved a
// few at a time, in random order (the crowd does not all ask about the same
// record first); meanwhile the peers met tell each other whom they met
// (docs/PROTOCOL.md §6.5). Sans-I/O: discovery.cpp starts what next() names.
#include "discovery/peer_sightings.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <vector>

namespace hallway::discovery {

class ResolveQueue {
public:
    using Clock = std::chrono::steady_clock;
    // in_flight_max: resolves at once; check_pause: between two resolves of
    // deferred records (a check is worth no crowd-wide burst of queries).
    ResolveQueue(std::size_t in_flight_max, Clock::duration check_pause, std::uint64_t seed)
        : max_(in_flight_max), check_pause_(check_pause), random_(seed) {}

    // Found, to be resolved in its turn (nothing when queued or in flight).
    void add(const InstanceKey& key);
    // Resolved, failed, or gone: its slot is free (or it leaves the queue).
    void done(const InstanceKey& key, Clock::time_point now);
    // The records under this name (any interface and protocol) are already
    // known by their peer's own word (docs/PROTOCOL.md §6.5): they are
    // resolved last, one at a time, to check that word.
    void defer(const std::string& service_name);
    // The next record to resolve, now in flight; nullopt while the slots are
    // full or nothing waits. Deferred ones only when nothing else waits or
    // resolves, one at a time, check_pause apart.
    std::optional<InstanceKey> next(Clock::time_point now);
    // When next() will have a deferred record to give, if only that waits.
    std::optional<Clock::time_point> wake_at() const;
    void clear();

    std::size_t queued() const { return queued_.size() + later_.size(); }
    // Queued (not yet in flight) under this name on this interface and domain,
    // over any protocol: its twin will be resolved, this one need not be.
    bool queued_named(const InstanceKey& key) const;
    // Records found and not resolved yet: queued or in flight.
    bool busy() const { return !queued_.empty() || !later_.empty() || !in_flight_.empty(); }

private:
    std::size_t max_;
    Clock::duration check_pause_;
    Clock::time_point check_after_{};
    std::set<InstanceKey> checking_;  // deferred ones in flight
    std::vector<InstanceKey> queued_;
    std::vector<InstanceKey> later_;  // deferred
    std::set<InstanceKey> in_flight_;
    std::mt19937_64 random_;
};

}  // namespace hallway::discovery
