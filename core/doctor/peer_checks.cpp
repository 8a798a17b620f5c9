// Judging what the peer scan saw (pure) and check_peers, which runs the scan.
#include "core/doctor/peer_checks.hpp"

#include "crypto/identity.hpp"
#include "discovery/txt_record.hpp"
#include "transport/wire.hpp"

namespace hallway::core::doctor {
namespace {

constexpr const char* kReadme = "README, \"When you can't see someone\"";

std::string place(const SeenPeer& s) {
    const std::string address = s.endpoint.address().to_string();
    std::string out = (s.endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" +
                      std::to_string(s.endpoint.port());
    if (!s.interface.empty()) out += " on " + s.interface;
    return out;
}

// "alice (12345 67890 ...)": who the announcement says it is.
std::string who(const SeenPeer& s) {
    const std::string name = s.nick.empty() ? discovery::sanitize_nick(s.service_name) : s.nick;
    return name + " (" + crypto::format_digits(s.fingerprint) + ")";
}

// Why a probe did not reach the peer, and what to do; the words differ per cause.
Finding unreachable(const SeenPeer& s, const Probe& p) {
    Finding f{"peer " + who(s), Verdict::problem, "announced at " + place(s) + ", ", ""};
    const std::string port = std::to_string(s.endpoint.port());
    switch (p.reach) {
        case Reach::timed_out:
            f.detail += "TCP connect timed out: a firewall on their side, or another subnet";
            f.advice = "ask them to allow TCP port " + port + " in their firewall (`hallway doctor` on their "
                       "computer checks it); if they are on another subnet, see " + kReadme;
            break;
        case Reach::refused:
            f.detail += "TCP connection refused: nothing listens on that port (their Hallway stopped or "
                        "crashed, and the announcement is stale)";
            f.advice = "ask them to start Hallway again; the stale announcement goes away within minutes";
            break;
        case Reach::no_route:
            f.detail += "no route to that address (" + p.error + "): it is on a network this computer "
                        "cannot reach";
            f.advice = "check this computer's network (cable, Wi-Fi, VPN) and routes; see " + std::string(kReadme);
            break;
        case Reach::no_handshake:
            f.detail += "TCP connects but no Hallway handshake answers: their Hallway hangs, or another "
                        "program has that port";
            f.advice = "ask them to restart Hallway";
            break;
        case Reach::handshake_failed:
            f.detail += "the Hallway handshake failed (" + p.error + ")";
            f.advice = "ask them to update Hallway; if it persists, something between you alters the traffic";
            break;
        case Reach::connect_failed:
        case Reach::reachable:
            f.detail += "TCP connect failed (" + p.error + ")";
            f.advice = "see " + std::string(kReadme);
            break;
    }
    return f;
}

Finding judge_probe(const SeenPeer& s, const Probe& p) {
    if (p.reach != Reach::reachable) return unreachable(s, p);
    if (p.key_fingerprint != s.fingerprint)
        return {"peer " + who(s), Verdict::problem,
                "spoofing suspect: announced at " + place(s) + " with fingerprint " +
                    crypto::format_digits(s.fingerprint) + ", but the key that answered there has fingerprint " +
                    crypto::format_digits(p.key_fingerprint),
                "Hallway refuses this place; do not trust anyone there until you have compared fingerprints "
                "with the person in person (`hallway id`)"};
    return {"peer " + who(s), Verdict::ok, who(s) + " at " + place(s) + ": reachable", ""};
}

Finding judge_copy(const Context& ctx, const SeenPeer& s) {
    const std::string where = s.local_address ? "another Hallway on this computer" : "another computer";
    return {"copies of this profile", Verdict::problem,
            where + " announces this profile's fingerprint " + crypto::format_digits(ctx.own_fingerprint) +
                " as \"" + discovery::sanitize_nick(s.service_name) + "\" at " + place(s) +
                ": two computers use one copy of this profile, so peers cannot tell them apart and messages "
                "reach one of them at random",
            "give each its own profile: on one of them stop Hallway and delete identity.key in its profile "
            "folder; it gets a new key and its contacts must verify it again"};
}

std::string seconds(std::chrono::milliseconds t) {
    const auto ms = t.count();
    return std::to_string(ms / 1000) + (ms % 1000 ? "." + std::to_string(ms % 1000 / 100) : "") + " s";
}

Finding nobody(const Context& ctx) {
    return {"peers on the LAN (mDNS)", Verdict::warning,
            "no other Hallway announced itself in " + seconds(ctx.browse_time) +
                ": either nobody runs it on this network, or they are on another subnet (another floor, "
                "Wi-Fi and cable, a VPN), which multicast mDNS does not cross",
            "connect directly with `hallway daemon --peer HOST:PORT` (their address, port " +
                std::to_string(transport::wire::kDefaultPort) +
                " by default); or ask an administrator for an Avahi reflector (enable-reflector=yes in "
                "/etc/avahi/avahi-daemon.conf on a host on both subnets) or wide-area DNS-SD; see " +
                kReadme};
}

}  // namespace

Reach reach_of_connect_error(const std::error_code& ec) {
    if (ec == asio::error::connection_refused) return Reach::refused;
    if (ec == asio::error::timed_out) return Reach::timed_out;
    if (ec == asio::error::host_unreachable || ec == asio::error::network_unreachable) return Reach::no_route;
    return Reach::connect_failed;
}

bool is_own_node(const Context& ctx, const SeenPeer& s) {
    return ctx.node_running && s.fingerprint == ctx.own_fingerprint && s.local_address &&
           s.endpoint.port() == ctx.port;
}

bool needs_probe(const Context& ctx, const SeenPeer& s) { return s.fingerprint != ctx.own_fingerprint; }

std::vector<Finding> judge_peers(const Context& ctx, const PeerScan& scan) {
    if (!scan.mdns)
        return {{"peers on the LAN (mDNS)", Verdict::warning,
                 "peers cannot be listed by mDNS: " + (scan.mdns_error.empty() ? "avahi-daemon did not answer"
                                                                               : scan.mdns_error),
                 "see the avahi-daemon lines; meanwhile connect directly with `hallway daemon --peer HOST:PORT`"}};
    std::vector<Finding> out;
    bool anyone = false;
    for (const SeenPeer& s : scan.seen) {
        if (is_own_node(ctx, s)) continue;
        if (s.fingerprint == ctx.own_fingerprint) {
            out.push_back(judge_copy(ctx, s));
            continue;
        }
        anyone = true;
        if (s.probe) out.push_back(judge_probe(s, *s.probe));
    }
    if (scan.not_probed > 0)
        out.push_back({"peers on the LAN (mDNS)", Verdict::warning,
                       std::to_string(scan.not_probed) + " more announced places were not probed (too many)",
                       "something may be flooding the LAN with announcements"});
    if (!anyone) out.push_back(nobody(ctx));
    return out;
}

std::vector<Finding> check_peers(const Context& ctx) { return judge_peers(ctx, scan_peers(ctx)); }

}  // namespace hallway::core::doctor
