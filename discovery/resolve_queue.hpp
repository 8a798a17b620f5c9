#pragma once
// Which mDNS records to resolve now. Every resolve makes avahi-daemon query
// the link by multicast, and every host's daemon reads the query and its
// answers: a crowd starting at once, each node resolving every record it
// finds, keeps every daemon busy with what the whole LAN asks (40 hosts
// sharing 2 cores: about 30 s for avahi alone). So records are resolved a
// few at a time, in random order (the crowd does not all ask about the same
// record first), and a record whose peer named it in an authenticated
// session is not resolved at all (docs/PROTOCOL.md §6.5). Sans-I/O:
// discovery.cpp starts what next() names.
#include "discovery/peer_sightings.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace hallway::discovery {

class ResolveQueue {
public:
    ResolveQueue(std::size_t in_flight_max, std::uint64_t seed) : max_(in_flight_max), random_(seed) {}

    // Found, to be resolved in its turn (nothing when queued, set aside or in flight).
    void add(const InstanceKey& key);
    // Resolved, failed, or gone: its slot is free (or it leaves the queue).
    void done(const InstanceKey& key);
    // Known (true): the records under this name (any interface and protocol)
    // are known by their peer's own word and set aside unresolved. Known no
    // more (false: two peers claim the name, or the claim was taken back):
    // back in the queue.
    void set_known(const std::string& service_name, bool known);
    // key takes the place of a twin (same name, interface and domain, another
    // protocol) that waits in the queue, which it returns; nothing when no
    // twin waits there (one in flight or set aside keeps its place).
    std::optional<InstanceKey> replace_twin(const InstanceKey& key);
    // The next record to resolve, now in flight; nullopt while the slots are
    // full or nothing waits.
    std::optional<InstanceKey> next();
    void clear();

    // Found and not resolved: queued or set aside.
    std::size_t queued() const { return queued_.size() + aside_.size(); }
    // Queued or set aside under this name on this interface and domain, over
    // any protocol: its twin will be resolved (or is known), this one need not be.
    bool queued_named(const InstanceKey& key) const;
    // Records waiting to be resolved or resolving (not those set aside).
    bool busy() const { return !queued_.empty() || !in_flight_.empty(); }

private:
    std::size_t max_;
    std::vector<InstanceKey> queued_;
    std::vector<InstanceKey> aside_;
    std::set<InstanceKey> in_flight_;
    std::mt19937_64 random_;
};

}  // namespace hallway::discovery
