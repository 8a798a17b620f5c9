#pragma once
// What we know of each _presence._tcp instance (link-local XMPP, XEP-0174):
// pure bookkeeping, no Avahi. An instance is resolved once per (interface,
// protocol) it is browsed on; the resolutions merge into one LinkLocalSighting
// (discovery.hpp), which is reported whenever it changes.
#include "discovery/discovery.hpp"
#include "discovery/txt_record.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hallway::discovery {

// Received TXT strings kept per instance; more are dropped. A TXT record
// fits one mDNS packet (9000 B), and libpurple publishes about a dozen.
inline constexpr std::size_t kMaxLinkLocalTxtStrings = 64;

// `txt` cut to kMaxLinkLocalTxtStrings strings, each string longer than a TXT
// string can be (kMaxTxtEntryBytes: it cannot have come off the wire) dropped.
std::vector<std::string> bounded_link_local_txt(std::vector<std::string> txt);

// One resolution: what the resolver on one (interface, protocol) reports.
struct LinkLocalResolution {
    asio::ip::tcp::endpoint endpoint;  // link-local IPv6 with its scope id
    std::string interface_name;        // "" when unknown
    std::vector<std::string> txt;
};

class LinkLocalSightings {
public:
    using Source = std::pair<int, int>;  // (interface, protocol)

    // The instance is browsed on `source` (maybe not resolved yet). False,
    // and nothing tracked, for a new instance while kMaxLinkLocalInstances are.
    bool browsed(const std::string& instance, Source source);
    // The resolver on `source` reports (again): the merged sighting when it
    // is new or changed (an address, port, interface or the TXT), else nullopt.
    // The TXT of an instance is the one reported last, on whichever source.
    std::optional<LinkLocalSighting> resolved(const std::string& instance, Source source,
                                              LinkLocalResolution resolution);
    struct Removal {
        bool lost = false;                        // gone from every source (and had been reported)
        std::optional<LinkLocalSighting> change;  // still there, with fewer endpoints
    };
    // The browser no longer sees the instance on `source`.
    Removal removed(const std::string& instance, Source source);

    bool tracks(const std::string& instance) const { return instances_.count(instance) != 0; }
    std::size_t instance_count() const { return instances_.size(); }
    // Forgets everything; returns the instances that had been reported.
    std::vector<std::string> clear();

private:
    struct Instance {
        std::vector<Source> sources;  // browsed on
        std::map<Source, LinkLocalResolution> resolved;
        std::vector<std::string> txt;
        std::optional<LinkLocalSighting> reported;
    };
    static LinkLocalSighting merged(const std::string& instance, const Instance& i);
    std::map<std::string, Instance> instances_;
};

}  // namespace hallway::discovery
