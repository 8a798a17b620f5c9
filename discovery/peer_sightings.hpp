#pragma once
// Pure bookkeeping of resolved service instances: one DNS-SD instance is seen
// once per (interface, protocol); a peer (fingerprint) is online while at least
// one of its instances is, and "lost" only when the last one disappears.
// No Avahi, no I/O: Discovery feeds it browser/resolver events.
#include "discovery/discovery.hpp"

#include <compare>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hallway::discovery {

struct InstanceKey {
    std::string service_name;
    int interface = -1;
    int protocol = -1;
    // "local", or the wide-area domain it was browsed in: the same instance
    // name may exist in several domains (and wide-area ones have no interface).
    std::string domain = "local";
    auto operator<=>(const InstanceKey&) const = default;
};

struct LostPeer {
    std::string service_name;  // the instance whose removal made the peer disappear
    std::string fingerprint;
    bool operator==(const LostPeer&) const = default;
};

class PeerSightings {
public:
    enum class Change {
        none,          // same data as before: nothing to report
        new_peer,      // first instance of this fingerprint
        new_endpoint,  // known peer, another instance or a new address
        updated,       // same instance and address, other nick/version
    };
    struct Update {
        Change change = Change::none;
        // Set when the instance moved to another fingerprint and the old one has
        // no instance left.
        std::optional<LostPeer> lost;
    };

    // Records a (re-)resolved instance. sighting.service_name/interface/protocol/domain
    // form its key.
    Update resolved(const Sighting& sighting);
    // The instance is gone; returns the peer if it was its last instance.
    std::optional<LostPeer> removed(const InstanceKey& key);
    bool contains(const InstanceKey& key) const { return instances_.count(key) != 0; }
    // The instances tracked in one domain.
    std::vector<InstanceKey> keys_in_domain(const std::string& domain) const;
    // Forgets the instances of one domain (it is no longer browsed); returns
    // the peers that had no instance elsewhere, once each.
    std::vector<LostPeer> removed_domain(const std::string& domain);
    // Forgets everything (the daemon went away); returns every peer once.
    std::vector<LostPeer> clear();

    // Every current instance of `fingerprint`, in key order.
    std::vector<Sighting> sightings_of(const std::string& fingerprint) const;
    // Number of distinct fingerprints online.
    std::size_t peer_count() const;
    // Number of instances tracked (an instance per interface and protocol).
    std::size_t instance_count() const { return instances_.size(); }
    // An instance of this name on this interface in this domain is tracked (any protocol).
    bool has_instance_named(const std::string& service_name, int interface, const std::string& domain) const;

private:
    bool has_fingerprint(const std::string& fingerprint) const;
    std::map<InstanceKey, Sighting> instances_;
};

}  // namespace hallway::discovery
