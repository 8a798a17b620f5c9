#pragma once
// How peers beyond this subnet can be found (docs/WIDE-AREA.md, README "More
// than one subnet"): which mechanisms are active, facts in, findings out.
// Pure; reach_checks.cpp gathers the facts.
#include "core/doctor/doctor.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::core::doctor {

// What avahi-daemon.conf says about reaching other subnets.
struct AvahiConfig {
    bool wide_area = true;                    // [wide-area] enable-wide-area (avahi's default: yes)
    std::vector<std::string> browse_domains;  // [server] browse-domains
    bool reflector = false;                   // [reflector] enable-reflector (default: no)
};
// Reads the keys above from the file's text; anything else, and lines over
// a sane length, are ignored. At most kMaxBrowseDomains domains are kept.
inline constexpr std::size_t kMaxBrowseDomains = 16;
AvahiConfig parse_avahi_config(std::string_view text);

struct ReachFacts {
    std::optional<AvahiConfig> avahi;  // nullopt: avahi-daemon.conf unreadable
    // From the running node (Context): unset when no node answers.
    bool node_running = false;
    std::vector<std::string> browsed_domains;  // wide-area domains the node browses now
    std::optional<std::size_t> remembered;     // contacts with addresses to dial when mDNS is silent
    std::string share_addresses;               // verified / contacts / off
};
std::vector<Finding> judge_reach(const ReachFacts& f);

}  // namespace hallway::core::doctor
