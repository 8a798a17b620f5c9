#pragma once
// `hallway doctor`: why can't I see Bob? A list of findings a person can read
// and a helpdesk can ask for. Each check gathers facts (files, D-Bus, the
// firewall's rules, mDNS, TCP) and turns them into findings; the turning is
// kept in pure functions so unit tests can feed it facts without a network.
#include "crypto/noise.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::core::doctor {

enum class Verdict { ok, info, warning, problem };
std::string_view to_string(Verdict v);

// One line of the report.
struct Finding {
    std::string check;   // what was checked: "avahi-daemon running"
    Verdict verdict = Verdict::ok;
    std::string detail;  // what was found: "not running (no /run/avahi-daemon/pid)"
    std::string advice;  // what to do about it; empty when nothing is to be done
};

// What every check may need to know about us.
struct Context {
    std::filesystem::path profile;
    crypto::PublicKey own_key{};
    std::string own_fingerprint;  // 40 digits
    std::uint16_t port = 0;       // the port our node listens on (the running node's, else the default)
    bool node_running = false;    // a node answers on the profile's control socket
    std::string service_name;     // the DNS-SD instance name the running node published (empty: none yet)
    std::chrono::milliseconds browse_time{3000};  // how long to watch mDNS for peers
    // Beyond this subnet, as the running node says: the wide-area domains it
    // browses, how many contacts it dials at remembered addresses, and its
    // address-sharing setting (empty: the node did not say).
    std::vector<std::string> browse_domains;
    std::optional<std::size_t> remembered_contacts;
    std::string share_addresses;
};

// avahi-daemon, nss-mdns, the firewall and what reaches beyond this subnet (system_checks.cpp).
std::vector<Finding> check_system(const Context& ctx);
// The peers announced on the LAN, copies of our own key, nobody seen (peer_checks.cpp).
std::vector<Finding> check_peers(const Context& ctx);

}  // namespace hallway::core::doctor
