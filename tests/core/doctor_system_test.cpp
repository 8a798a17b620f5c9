// The system judges of `hallway doctor`: facts about avahi-daemon, our
// service, the interfaces and nss-mdns in, the findings a person reads out.
#include "core/doctor/system_judge.hpp"
#include "core/doctor/tool_run.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace hallway::core::doctor;

namespace {
const Finding* named(const std::vector<Finding>& fs, std::string_view check) {
    auto it = std::find_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.check == check; });
    return it == fs.end() ? nullptr : &*it;
}
}  // namespace

TEST_CASE("avahi-daemon: installed, running, on D-Bus") {
    AvahiFacts good{true, 812, AvahiFacts::Bus::reachable, "", "avahi 0.8", "alice.local"};
    auto fs = judge_avahi(good);
    REQUIRE(fs.size() == 3);
    for (const auto& f : fs) CHECK(f.verdict == Verdict::ok);
    CHECK(named(fs, "avahi-daemon on D-Bus")->detail == "reachable (avahi 0.8, host name alice.local)");

    // Stopped: the daemon is named as the problem, with the command that starts it.
    AvahiFacts stopped{true, std::nullopt, AvahiFacts::Bus::no_daemon, "Daemon not running", "", ""};
    fs = judge_avahi(stopped);
    REQUIRE(named(fs, "avahi-daemon running"));
    CHECK(named(fs, "avahi-daemon running")->verdict == Verdict::problem);
    CHECK(named(fs, "avahi-daemon running")->advice == "sudo systemctl enable --now avahi-daemon");
    CHECK(named(fs, "avahi-daemon on D-Bus")->verdict == Verdict::info);

    // Running but not on the bus: D-Bus is the problem.
    AvahiFacts deaf{true, 812, AvahiFacts::Bus::no_daemon, "Daemon not running", "", ""};
    fs = judge_avahi(deaf);
    CHECK(named(fs, "avahi-daemon running")->verdict == Verdict::ok);
    CHECK(named(fs, "avahi-daemon on D-Bus")->verdict == Verdict::problem);
    AvahiFacts no_bus{true, std::nullopt, AvahiFacts::Bus::no_bus, "D-Bus error", "", ""};
    CHECK(named(judge_avahi(no_bus), "avahi-daemon on D-Bus")->advice.find("systemctl start dbus") != std::string::npos);

    // Not installed: one line that says so and what to do.
    fs = judge_avahi(AvahiFacts{false, std::nullopt, AvahiFacts::Bus::no_daemon, "Daemon not running", "", ""});
    REQUIRE(fs.size() == 1);
    CHECK(fs[0].verdict == Verdict::problem);
    CHECK(fs[0].advice.find("apt install avahi-daemon") != std::string::npos);
}

TEST_CASE("our service: published name, not yet, or no node") {
    CHECK(judge_service(true, "alice (1234)").detail == "published as \"alice (1234)\"");
    CHECK(judge_service(true, "alice (1234)").verdict == Verdict::ok);
    CHECK(judge_service(true, "").verdict == Verdict::warning);
    CHECK(judge_service(false, "").verdict == Verdict::info);
    CHECK(judge_service(false, "").advice.find("hallway daemon") != std::string::npos);
}

TEST_CASE("mDNS interfaces: up, multicast, addressed, not loopback") {
    std::vector<Interface> ifs{{"lo", true, false, true, {"127.0.0.1"}, {"::1"}},
                               {"eth0", true, true, false, {"10.0.0.5"}, {"fe80::1"}},
                               {"wlan0", false, true, false, {"10.0.1.5"}, {}},
                               {"tun0", true, false, false, {"10.8.0.2"}, {}},
                               {"eth1", true, true, false, {}, {"fd00::7"}}};
    auto f = judge_interfaces(ifs);
    CHECK(f.verdict == Verdict::ok);
    CHECK(f.detail == "eth0 IPv4+IPv6 10.0.0.5 fe80::1; eth1 IPv6 fd00::7");
    ifs.erase(ifs.begin() + 1);
    ifs.pop_back();
    f = judge_interfaces(ifs);
    CHECK(f.verdict == Verdict::problem);
    CHECK_FALSE(f.advice.empty());
    // Many interfaces and addresses: still one bounded line.
    std::vector<Interface> many(100, Interface{"veth", true, true, false, std::vector<std::string>(50, "10.1.1.1"), {}});
    f = judge_interfaces(many);
    CHECK(f.detail.size() < 2000);
    CHECK(f.detail.find("and 92 more") != std::string::npos);
}

TEST_CASE("nss-mdns: the library and the hosts line") {
    const std::string lib = "/usr/lib/x86_64-linux-gnu/libnss_mdns.so.2";
    const std::string good = "passwd: files\nhosts:          files mdns4_minimal [NOTFOUND=return] dns\n";
    CHECK(judge_nss_mdns(good, lib).verdict == Verdict::ok);
    CHECK(judge_nss_mdns(good, "").verdict == Verdict::warning);
    CHECK(judge_nss_mdns(good, "").advice == "sudo apt install libnss-mdns");
    auto f = judge_nss_mdns(std::string("hosts: files dns\n# hosts: files mdns\n"), lib);
    CHECK(f.verdict == Verdict::warning);
    CHECK(f.advice.find("mdns4_minimal") != std::string::npos);
    CHECK(judge_nss_mdns(std::string("hosts: files nomdns dns\n"), lib).verdict == Verdict::warning);
    CHECK(judge_nss_mdns(std::nullopt, lib).verdict == Verdict::warning);
}

TEST_CASE("a tool is run without a shell, its output and status kept, a hung one killed") {
    auto sh = find_program("sh");
    REQUIRE(sh);
    auto run = run_tool(*sh, {"-c", "echo out; echo err >&2; exit 3"}, std::chrono::seconds(10));
    CHECK(run.ran);
    CHECK(run.status == 3);
    CHECK(run.out == "out\n");
    CHECK(run.err == "err\n");
    CHECK(run_tool(*sh, {"-c", "echo \"$LC_ALL\""}, std::chrono::seconds(10)).out == "C\n");  // its words are parsed
    // Closes its output and lingers: not waited for past the timeout.
    auto hung = run_tool(*sh, {"-c", "exec >/dev/null 2>&1; sleep 30"}, std::chrono::milliseconds(200));
    CHECK(hung.timed_out);
    CHECK(hung.status == -1);
    CHECK_FALSE(find_program("no-such-tool-hallway"));
}
