#pragma once
// Presence over mDNS/DNS-SD through avahi-client: publish our _hallway._tcp
// service (in .local only), browse and resolve others in .local and in the
// wide-area (unicast DNS-SD) domains avahi-daemon reports. Avahi runs on the caller's io_context
// through an AvahiPoll adapter (no extra thread). All calls and callbacks on
// the io_context's thread.
#include <asio.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::discovery {

inline constexpr const char* kServiceType = "_hallway._tcp";

struct Announcement {
    std::string nick;
    std::string fingerprint;  // crypto::fingerprint() of our static key, digits only
    std::uint16_t port = 0;
    // Set (64 hex digits, core/private_mode.hpp): publish the private record
    // instead, under private_instance_name(), naming neither nick nor fingerprint.
    std::string private_tag;
};

// One resolved service instance (an instance may be seen once per interface/protocol).
struct Sighting {
    std::string service_name;  // the DNS-SD instance name
    // Digits; for a private record private_peer_id(its tag) (txt_record.hpp),
    // which is also what on_lost and resolve_again name it by.
    std::string fingerprint;
    std::string nick;
    std::uint32_t version = 0;
    asio::ip::tcp::endpoint endpoint;  // link-local IPv6 carries its scope id
    int interface = -1;
    int protocol = -1;  // AVAHI_PROTO_INET / AVAHI_PROTO_INET6: mDNS family it was seen on
    // Where it was browsed: "local" (mDNS) or a wide-area DNS-SD domain
    // (unicast DNS, RFC 6763), and the interface's name ("eth0") for mDNS:
    // how a person is told the peer was found.
    std::string domain = "local";
    std::string interface_name;
    bool operator==(const Sighting&) const = default;
};

// The link-local XMPP bridge (XEP-0174; docs/PROTOCOL.md §15).
inline constexpr const char* kLinkLocalServiceType = "_presence._tcp";
// _presence._tcp instances tracked at once; more are ignored (one notice).
inline constexpr std::size_t kMaxLinkLocalInstances = 128;

// Our _presence._tcp service: instance "user@<avahi host name>" (renamed by
// Avahi on a collision: on_link_local_published says the final name), the
// TXT strings as xmpp::build_txt made them.
struct LinkLocalAnnouncement {
    std::string user;
    std::uint16_t port = 0;
    std::vector<std::string> txt;
    bool operator==(const LinkLocalAnnouncement&) const = default;
};

// A _presence._tcp instance as it stands now, every interface and protocol
// it was resolved on merged.
struct LinkLocalSighting {
    std::string instance;  // as announced (user@host): the buddy's identity
    // Each resolved address with its SRV port (link-local IPv6 with its scope
    // id), IPv4 first: where to dial, and where its streams may come from.
    std::vector<asio::ip::tcp::endpoint> endpoints;
    std::vector<std::string> txt;         // its current TXT strings, raw
    std::vector<std::string> interfaces;  // interface names it was seen on, sorted
    bool operator==(const LinkLocalSighting&) const = default;
};

enum class DaemonState { connecting, running, missing, failed };

struct DiscoveryCallbacks {
    std::function<void(const Sighting&)> on_found;
    // The instance (name) is gone from every interface.
    std::function<void(const std::string& service_name, const std::string& fingerprint)> on_lost;
    // Human-readable status of avahi-daemon (missing, restarted, name collision renamed...).
    std::function<void(DaemonState, std::string_view message)> on_daemon;
    // Our service is registered (avahi-daemon says so) under this instance name,
    // after any renames; `hallway doctor` asks for it.
    std::function<void(const std::string& service_name)> on_published;
    // The wide-area DNS-SD domains browsed now besides "local" (lower case,
    // sorted; at most kMaxBrowseDomains): those avahi-daemon reports as browse
    // domains (its browse-domains=, resolv.conf's search/domain lines, and
    // b._dns-sd._udp.local PTR records seen by mDNS). Called on every change.
    std::function<void(const std::vector<std::string>& domains)> on_domains;
    // Link-local XMPP (set_link_local): an instance appeared, or its
    // addresses or TXT changed; it is gone from every interface; our service
    // is registered under this name (after renames).
    std::function<void(const LinkLocalSighting&)> on_link_local;
    std::function<void(const std::string& instance)> on_link_local_lost;
    std::function<void(const std::string& instance)> on_link_local_published;
    // mDNS records found and not resolved yet (resolve_queue.hpp): true when
    // some start to wait, false when none is left waiting or resolving.
    std::function<void(bool waiting)> on_resolving;
    // An mDNS (.local) instance name is browsed on some interface (present),
    // or on none any more, resolved or not: what a peer's own word of its
    // instance name (docs/PROTOCOL.md §6.5) is matched against. Our own too.
    std::function<void(const std::string& service_name, bool present)> on_browsed;
};

// Wide-area domains browsed at most; more are ignored (with one notice):
// each costs a browser in avahi-daemon and unicast queries.
inline constexpr std::size_t kMaxBrowseDomains = 8;

class Discovery {
public:
    Discovery(asio::io_context& io, DiscoveryCallbacks callbacks);
    ~Discovery();
    Discovery(const Discovery&) = delete;
    Discovery& operator=(const Discovery&) = delete;

    // Starts the avahi client (AVAHI_CLIENT_NO_FAIL: it waits for a daemon that is
    // missing and re-registers when the daemon restarts), publishes, and browses.
    // Our own service (same fingerprint) is never reported.
    void start(Announcement announcement);
    // Instead of start(): browses without publishing anything, and reports
    // every instance, our own fingerprint's too (hallway doctor looks for
    // copies of our key and must not announce itself).
    void browse();
    // Re-publishes with a new nick (the same as start() once started).
    void update(Announcement announcement);
    // Resolves the peer's instances once more (each instance is resolved once
    // when it appears): its port may have changed in place, e.g. after a
    // crash and restart. Changes come through on_found.
    void resolve_again(const std::string& fingerprint);
    // The .local records under this instance name are known by their peer's
    // own word (true): not resolved unless that changes (false: two peers
    // claim the name, or the claim was taken back). resolve_queue.hpp.
    void set_known(const std::string& service_name, bool known);
    // The link-local XMPP bridge: publishes our _presence._tcp service (or
    // updates its TXT in place when only that changed) and browses
    // _presence._tcp in .local, our own instance excepted; nullopt withdraws
    // the service and stops that browsing (no on_link_local_lost follows).
    // Independent of start()/browse(): its own entry group, so a collision or
    // TXT change of one service never touches the other.
    void set_link_local(std::optional<LinkLocalAnnouncement> announcement);
    // Withdraws the service and stops browsing (mDNS goodbye).
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hallway::discovery
