// The gathering half of the system checks: files, D-Bus, getifaddrs and the
// firewall tools' output, handed to the pure judges (system_judge, firewall).
#include "core/doctor/doctor.hpp"
#include "core/doctor/firewall.hpp"
#include "core/doctor/reach_judge.hpp"
#include "core/doctor/system_judge.hpp"
#include "core/doctor/tool_run.hpp"
#include "discovery/daemon_probe.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <system_error>

namespace hallway::core::doctor {

namespace {

constexpr std::uint16_t kMdnsPort = 5353;
// Each firewall tool answers in well under a second; a hung one is not waited for long.
constexpr std::chrono::seconds kToolTimeout{5};
// /etc/nsswitch.conf and a pid file are small; more than this is not what we look for.
constexpr std::size_t kMaxSmallFile = 64 * 1024;

std::optional<std::string> read_small_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::string text(kMaxSmallFile, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

std::optional<int> avahi_pid() {
    auto text = read_small_file("/run/avahi-daemon/pid");
    if (!text) return std::nullopt;
    int pid = 0;
    std::istringstream(*text) >> pid;
    if (pid <= 0) return std::nullopt;
    auto comm = read_small_file("/proc/" + std::to_string(pid) + "/comm");
    if (!comm || !comm->starts_with("avahi-daemon")) return std::nullopt;  // a stale file
    return pid;
}

AvahiFacts avahi_facts() {
    AvahiFacts f;
    std::error_code ec;
    f.installed = std::filesystem::exists("/usr/sbin/avahi-daemon", ec);
    f.pid = avahi_pid();
    const auto probe = discovery::probe_daemon();
    using R = discovery::DaemonProbe::Result;
    f.bus = probe.result == R::reachable   ? AvahiFacts::Bus::reachable
            : probe.result == R::no_daemon ? AvahiFacts::Bus::no_daemon
            : probe.result == R::no_bus    ? AvahiFacts::Bus::no_bus
                                           : AvahiFacts::Bus::failed;
    f.bus_error = probe.error;
    f.version = probe.version;
    f.host_name = probe.host_name;
    return f;
}

std::vector<Interface> interfaces() {
    std::vector<Interface> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return out;
    std::map<std::string, std::size_t> index;
    for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
        auto [it, added] = index.try_emplace(a->ifa_name, out.size());
        if (added) out.push_back({a->ifa_name, (a->ifa_flags & IFF_UP) != 0, (a->ifa_flags & IFF_MULTICAST) != 0,
                                  (a->ifa_flags & IFF_LOOPBACK) != 0, {}, {}});
        if (a->ifa_addr == nullptr) continue;
        char text[INET6_ADDRSTRLEN] = {};
        Interface& i = out[it->second];
        if (a->ifa_addr->sa_family == AF_INET &&
            ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text))
            i.ipv4.emplace_back(text);
        else if (a->ifa_addr->sa_family == AF_INET6 &&
                 ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr, text, sizeof text))
            i.ipv6.emplace_back(text);
    }
    ::freeifaddrs(list);
    return out;
}

// libnss_mdns.so.2 in a library directory or its multiarch subdirectory (x86_64-linux-gnu...).
std::string nss_mdns_library() {
    for (const char* dir : {"/lib", "/usr/lib", "/lib64", "/usr/lib64"}) {
        std::error_code ec;
        std::vector<std::filesystem::path> candidates{std::filesystem::path(dir) / "libnss_mdns.so.2"};
        for (const auto& e : std::filesystem::directory_iterator(dir, ec))
            if (e.path().filename().string().find("-linux-") != std::string::npos)
                candidates.push_back(e.path() / "libnss_mdns.so.2");
        for (const auto& c : candidates)
            if (std::filesystem::exists(c, ec)) return c.string();
    }
    return {};
}

// The output of a tool, or nullopt with the finding that says why not (absent: info; failed: warning).
std::optional<std::string> tool_output(std::vector<Finding>& out, const std::string& label, std::string_view program,
                                       const std::vector<std::string>& args, bool any_status = false) {
    auto path = find_program(program);
    if (!path) {
        out.push_back({label, Verdict::info, std::string(program) + " is not installed: not checked", {}});
        return std::nullopt;
    }
    std::string command = std::string(program);
    for (const auto& a : args) command += " " + a;
    ToolRun run = run_tool(*path, args, kToolTimeout);
    std::string why;
    if (!run.ran) why = "could not run " + command;
    else if (run.timed_out) why = command + " did not answer within " + std::to_string(kToolTimeout.count()) + " s";
    else if (run.truncated) why = command + " printed more than can be judged";
    else if (run.status != 0 && !any_status) {
        std::string first = run.err.substr(0, run.err.find('\n'));
        why = command + " failed (exit " + std::to_string(run.status) + (first.empty() ? "" : ": " + first) + ")";
    }
    if (why.empty()) return std::move(run.out);
    out.push_back({label, Verdict::warning, "could not read the rules: " + why,
                   ::geteuid() == 0 ? "check by hand: sudo " + command : "run it as root: sudo hallway doctor"});
    return std::nullopt;
}

void check_firewall(std::vector<Finding>& out, const Context& ctx) {
    const std::vector<PortQuery> queries{{Proto::tcp, ctx.port}, {Proto::udp, kMdnsPort}};
    auto each = [&](const std::string& label, const std::function<PortJudgement(PortQuery)>& judge) {
        for (const auto& q : queries) out.push_back(firewall_finding(label, q, judge(q)));
    };
    if (auto text = tool_output(out, "nftables", "nft", {"-j", "list", "ruleset"}))
        each("nftables", [&](PortQuery q) { return judge_nft(*text, q); });
    for (const char* tool : {"iptables", "ip6tables"})
        if (auto text = tool_output(out, tool, std::string(tool) + "-save", {}))
            each(tool, [&](PortQuery q) { return judge_iptables(*text, q, tool); });
    if (auto text = tool_output(out, "ufw", "ufw", {"status", "verbose"})) {
        if (judge_ufw(*text, queries.front()))
            each("ufw", [&](PortQuery q) { return *judge_ufw(*text, q); });
        else
            out.push_back({"ufw", Verdict::info, "inactive", {}});
    }
    // --state exits non-zero when firewalld is not running: that is an answer, not a failure.
    if (auto state = tool_output(out, "firewalld", "firewall-cmd", {"--state"}, true)) {
        if (state->starts_with("running")) {
            if (auto text = tool_output(out, "firewalld", "firewall-cmd", {"--list-all"}))
                each("firewalld", [&](PortQuery q) { return judge_firewalld(*text, q); });
        } else {
            out.push_back({"firewalld", Verdict::info, "not running", {}});
        }
    }
}

ReachFacts reach_facts(const Context& ctx) {
    ReachFacts f;
    if (auto text = read_small_file("/etc/avahi/avahi-daemon.conf")) f.avahi = parse_avahi_config(*text);
    f.node_running = ctx.node_running;
    f.browsed_domains = ctx.browse_domains;
    f.remembered = ctx.remembered_contacts;
    f.share_addresses = ctx.share_addresses;
    return f;
}

}  // namespace

std::vector<Finding> check_system(const Context& ctx) {
    std::vector<Finding> out = judge_avahi(avahi_facts());
    out.push_back(judge_service(ctx.node_running, ctx.service_name));
    out.push_back(judge_interfaces(interfaces()));
    out.push_back(judge_nss_mdns(read_small_file("/etc/nsswitch.conf"), nss_mdns_library()));
    check_firewall(out, ctx);
    auto reach = judge_reach(reach_facts(ctx));
    out.insert(out.end(), reach.begin(), reach.end());
    return out;
}

}  // namespace hallway::core::doctor
