#include "core/doctor/system_judge.hpp"

#include "discovery/discovery.hpp"

namespace hallway::core::doctor {

namespace {
// Addresses quoted per interface, interfaces quoted: a host with many (containers, VPNs) stays one line each.
constexpr std::size_t kMaxQuotedAddresses = 4;
constexpr std::size_t kMaxQuotedInterfaces = 8;
}  // namespace

std::vector<Finding> judge_avahi(const AvahiFacts& f) {
    std::vector<Finding> out;
    out.push_back(f.installed ? Finding{"avahi-daemon installed", Verdict::ok, "/usr/sbin/avahi-daemon", {}}
                              : Finding{"avahi-daemon installed", Verdict::problem,
                                        "no /usr/sbin/avahi-daemon: nobody announces us or finds others over mDNS",
                                        "sudo apt install avahi-daemon   (or run with --peer HOST:PORT)"});
    using Bus = AvahiFacts::Bus;
    if (f.bus == Bus::reachable) {
        out.push_back({"avahi-daemon running", Verdict::ok, f.pid ? "pid " + std::to_string(*f.pid) : "it answers on D-Bus", {}});
        out.push_back({"avahi-daemon on D-Bus", Verdict::ok,
                       "reachable (" + f.version + (f.host_name.empty() ? "" : ", host name " + f.host_name) + ")", {}});
        return out;
    }
    if (!f.installed && !f.pid) return out;  // said above: nothing more to say about a daemon that is not there
    if (f.pid) {
        out.push_back({"avahi-daemon running", Verdict::ok, "pid " + std::to_string(*f.pid), {}});
    } else if (f.bus == Bus::no_daemon || f.bus == Bus::no_bus) {
        out.push_back({"avahi-daemon running", Verdict::problem,
                       "not running (no live /run/avahi-daemon/pid, nothing owns org.freedesktop.Avahi on the system bus)",
                       "sudo systemctl enable --now avahi-daemon"});
    }
    if (f.bus == Bus::no_daemon && !f.pid)
        out.push_back({"avahi-daemon on D-Bus", Verdict::info, "not reachable: " + f.bus_error + " (it is not running)", {}});
    else if (f.bus == Bus::no_bus)
        out.push_back({"avahi-daemon on D-Bus", Verdict::problem, "the system D-Bus is unreachable: " + f.bus_error,
                       "sudo systemctl start dbus, then: sudo systemctl restart avahi-daemon"});
    else if (f.pid || f.bus == Bus::failed)
        out.push_back({"avahi-daemon on D-Bus", Verdict::problem,
                       "an avahi client cannot connect: " + f.bus_error,
                       "check enable-dbus=yes in /etc/avahi/avahi-daemon.conf, then: sudo systemctl restart avahi-daemon"});
    return out;
}

Finding judge_service(bool node_running, std::string_view published_name) {
    const std::string check = std::string("our service (") + discovery::kServiceType + ")";
    if (!node_running)
        return {check, Verdict::info, "no node runs for this profile: nothing is announced",
                "start one: hallway daemon (or hallway chat, or the desktop app)"};
    if (published_name.empty())
        return {check, Verdict::warning, "the running node has not published its service (yet, or mDNS is off)",
                "see the avahi-daemon lines above; a node started with --no-mdns never publishes"};
    return {check, Verdict::ok, "published as \"" + std::string(published_name) + "\"", {}};
}

Finding judge_interfaces(const std::vector<Interface>& interfaces) {
    std::string detail;
    std::size_t usable = 0;
    for (const auto& i : interfaces) {
        if (!i.up || !i.multicast || i.loopback || (i.ipv4.empty() && i.ipv6.empty())) continue;
        if (++usable > kMaxQuotedInterfaces) continue;
        std::string addrs;
        std::size_t n = 0;
        for (const auto* family : {&i.ipv4, &i.ipv6})
            for (const auto& a : *family)
                if (n++ < kMaxQuotedAddresses) addrs += (addrs.empty() ? "" : " ") + a;
        if (n > kMaxQuotedAddresses) addrs += " (+" + std::to_string(n - kMaxQuotedAddresses) + ")";
        const char* families = !i.ipv4.empty() && !i.ipv6.empty() ? "IPv4+IPv6" : !i.ipv4.empty() ? "IPv4" : "IPv6";
        detail += (detail.empty() ? "" : "; ") + i.name + " " + families + " " + addrs;
    }
    if (usable == 0)
        return {"mDNS interfaces", Verdict::problem,
                "no interface is up, multicast-capable and addressed (loopback does not count)",
                "connect to the LAN (cable, Wi-Fi); check: ip addr"};
    if (usable > kMaxQuotedInterfaces) detail += "; and " + std::to_string(usable - kMaxQuotedInterfaces) + " more";
    return {"mDNS interfaces", Verdict::ok, detail, {}};
}

Finding judge_nss_mdns(const std::optional<std::string>& nsswitch, std::string_view library) {
    const std::string check = "nss-mdns (.local names for other programs)";
    if (library.empty())
        return {check, Verdict::warning, "libnss_mdns is not installed: ping bob.local and the like fail (Hallway itself does not need it)",
                "sudo apt install libnss-mdns"};
    std::string hosts;
    if (nsswitch) {
        std::string_view text = *nsswitch;
        while (!text.empty()) {
            auto nl = text.find('\n');
            std::string_view line = text.substr(0, nl);
            if (line.starts_with("hosts:")) hosts = std::string(line.substr(6));
            text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        }
    }
    // mdns4_minimal, mdns_minimal, mdns4, mdns6, mdns: any of them asks avahi.
    for (std::size_t at = hosts.find("mdns"); at != std::string::npos; at = hosts.find("mdns", at + 1))
        if (at == 0 || hosts[at - 1] == ' ' || hosts[at - 1] == '\t')
            return {check, Verdict::ok, std::string(library) + "; hosts:" + hosts, {}};
    return {check, Verdict::warning,
            nsswitch ? "the hosts line of /etc/nsswitch.conf does not ask mdns:" + hosts : "/etc/nsswitch.conf is unreadable",
            "put mdns4_minimal [NOTFOUND=return] before dns on the hosts line of /etc/nsswitch.conf"};
}

}  // namespace hallway::core::doctor
