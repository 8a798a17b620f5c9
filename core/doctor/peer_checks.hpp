#pragma once
// The peer checks of `hallway doctor`: the places mDNS announces and what a
// probe of each found, judged into findings. judge_peers and its helpers are
// pure (unit-tested with made-up scans); scan_peers (peer_scan.cpp) gathers.
#include "core/doctor/doctor.hpp"

#include <asio.hpp>

#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace hallway::core::doctor {

// How a probe of one announced place ended.
enum class Reach {
    reachable,         // TCP connected and the handshake authenticated a key
    refused,           // TCP reset: nothing listens on that port
    timed_out,         // no answer to the TCP connect in time
    no_route,          // host or network unreachable
    connect_failed,    // another socket error (Probe::error says which)
    no_handshake,      // TCP connected, but no handshake answer in time
    handshake_failed,  // the handshake broke off (Probe::error says how)
};

struct Probe {
    Reach reach = Reach::connect_failed;
    std::string key_fingerprint;  // reachable: the fingerprint of the key that answered
    std::string error;            // the socket's or session's words, for the last kinds
};

// One announced place: a DNS-SD instance resolved on one interface and family.
struct SeenPeer {
    std::string service_name;  // peer data: shown sanitized
    std::string nick;          // sanitized by the TXT parser
    std::string fingerprint;   // as announced
    asio::ip::tcp::endpoint endpoint;
    std::string interface;        // "eth0"; empty when unknown
    bool local_address = false;   // the address is one of this computer's
    std::optional<Probe> probe;   // absent: not probed (see needs_probe) or not finished
};

struct PeerScan {
    bool mdns = false;       // avahi-daemon answered: `seen` is what mDNS shows
    std::string mdns_error;  // why not, in the daemon client's words
    std::vector<SeenPeer> seen;
    std::size_t not_probed = 0;  // announced places beyond the probe cap
};

// A TCP connect's error as a Reach (timed_out for our own timeout too).
Reach reach_of_connect_error(const std::error_code& ec);
// The running node's own announcement: our fingerprint, at our port, on this computer.
bool is_own_node(const Context& ctx, const SeenPeer& s);
// Someone else's announcement: ours and copies of our key are not dialed.
bool needs_probe(const Context& ctx, const SeenPeer& s);
// The findings for a scan: one per announced place, one per copy of our key,
// or one saying nobody was seen (or that mDNS could not be asked).
std::vector<Finding> judge_peers(const Context& ctx, const PeerScan& scan);

// Browses _hallway._tcp for ctx.browse_time and probes every place needs_probe
// picks (TCP connect, then a Noise handshake), all at once.
PeerScan scan_peers(const Context& ctx);

}  // namespace hallway::core::doctor
