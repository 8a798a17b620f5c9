#pragma once
// One look at avahi-daemon for `hallway doctor`: does an avahi client connect
// over D-Bus, and what does the daemon say about itself? Blocking, brief, no
// publishing or browsing.
#include <string>

namespace hallway::discovery {

struct DaemonProbe {
    enum class Result { reachable, no_daemon, no_bus, failed } result = Result::failed;
    std::string error;      // avahi's words when not reachable
    std::string version;    // "avahi 0.8"
    std::string host_name;  // "alice.local"
};

DaemonProbe probe_daemon();

}  // namespace hallway::discovery
