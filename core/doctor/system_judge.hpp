#pragma once
// avahi-daemon, our DNS-SD service, the mDNS interfaces and nss-mdns: facts in,
// findings out. Pure; system_checks.cpp gathers the facts.
#include "core/doctor/doctor.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::core::doctor {

struct AvahiFacts {
    bool installed = false;           // /usr/sbin/avahi-daemon exists
    std::optional<int> pid;           // /run/avahi-daemon/pid names a live avahi-daemon
    enum class Bus { reachable, no_daemon, no_bus, failed } bus = Bus::failed;
    std::string bus_error;            // avahi's words when not reachable
    std::string version, host_name;   // when reachable
};
std::vector<Finding> judge_avahi(const AvahiFacts& f);

// Our own _hallway._tcp service: what the running node says it published.
Finding judge_service(bool node_running, std::string_view published_name);

struct Interface {
    std::string name;
    bool up = false, multicast = false, loopback = false;
    std::vector<std::string> ipv4, ipv6;
};
Finding judge_interfaces(const std::vector<Interface>& interfaces);

// nsswitch: the text of /etc/nsswitch.conf (nullopt: unreadable); library: the
// libnss_mdns found, empty when none.
Finding judge_nss_mdns(const std::optional<std::string>& nsswitch, std::string_view library);

}  // namespace hallway::core::doctor
