// hallway doctor's peer checks without a network: made-up scans in, findings out.
#include "core/doctor/peer_checks.hpp"

#include "crypto/identity.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace hallway::core::doctor;

namespace {

const std::string kOurs = "1111111111222222222233333333334444444444";
const std::string kAlice = "5555555555666666666677777777778888888888";
const std::string kMallory = "9999999999000000000099999999990000000000";

Context ctx(bool running = true) {
    Context c;
    c.own_fingerprint = kOurs;
    c.port = 49100;
    c.node_running = running;
    return c;
}

asio::ip::tcp::endpoint at(const char* address, std::uint16_t port) {
    return {asio::ip::make_address(address), port};
}

SeenPeer alice(std::optional<Probe> probe) {
    return {"alice", "alice", kAlice, at("10.0.0.5", 41234), "eth0", false, std::move(probe)};
}
SeenPeer own_node() { return {"bob", "bob", kOurs, at("10.0.0.2", 49100), "eth0", true, std::nullopt}; }

PeerScan seen(std::vector<SeenPeer> peers) { return {true, "", std::move(peers), 0}; }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t problems(const std::vector<Finding>& f) {
    return static_cast<std::size_t>(
        std::count_if(f.begin(), f.end(), [](const Finding& x) { return x.verdict == Verdict::problem; }));
}

}  // namespace

TEST_CASE("a reachable peer whose key matches its announcement is ok") {
    const auto f = judge_peers(ctx(), seen({own_node(), alice(Probe{Reach::reachable, kAlice, ""})}));
    REQUIRE(f.size() == 1);
    CHECK(f[0].verdict == Verdict::ok);
    CHECK(f[0].detail ==
          "alice (55555 55555 66666 66666 77777 77777 88888 88888) at 10.0.0.5:41234 on eth0: reachable");
}

TEST_CASE("an unreachable peer: each cause in its own words") {
    struct Case {
        Reach reach;
        std::string words;
    };
    for (const auto& c : {Case{Reach::timed_out, "TCP connect timed out: a firewall on their side, or another subnet"},
                          Case{Reach::refused, "TCP connection refused"},
                          Case{Reach::no_route, "no route to that address"},
                          Case{Reach::no_handshake, "TCP connects but no Hallway handshake answers"},
                          Case{Reach::handshake_failed, "the Hallway handshake failed (bad frame)"},
                          Case{Reach::connect_failed, "TCP connect failed (bad frame)"}}) {
        CAPTURE(c.words);
        const auto f = judge_peers(ctx(), seen({alice(Probe{c.reach, "", "bad frame"})}));
        REQUIRE(f.size() == 1);
        CHECK(f[0].verdict == Verdict::problem);
        CHECK(has(f[0].check, "alice"));
        CHECK(has(f[0].detail, "announced at 10.0.0.5:41234 on eth0, " + c.words));
        CHECK_FALSE(f[0].advice.empty());
    }
}

TEST_CASE("an IPv6 place is written with brackets, its port after them") {
    SeenPeer p = alice(Probe{Reach::reachable, kAlice, ""});
    p.endpoint = at("fe80::1", 41234);
    CHECK(has(judge_peers(ctx(), seen({p}))[0].detail, "at [fe80::1]:41234 on eth0: reachable"));
}

TEST_CASE("a key that does not match the announcement is a spoofing suspect, both fingerprints named") {
    const auto f = judge_peers(ctx(), seen({alice(Probe{Reach::reachable, kMallory, ""})}));
    REQUIRE(f.size() == 1);
    CHECK(f[0].verdict == Verdict::problem);
    CHECK(has(f[0].detail, "spoofing suspect"));
    CHECK(has(f[0].detail, hallway::crypto::format_digits(kAlice)));
    CHECK(has(f[0].detail, hallway::crypto::format_digits(kMallory)));
}

TEST_CASE("our own running node is not a peer, another place announcing our key is a copy") {
    SUBCASE("only our own node: nobody else seen, no copy") {
        const auto f = judge_peers(ctx(), seen({own_node()}));
        REQUIRE(f.size() == 1);
        CHECK(has(f[0].detail, "no other Hallway announced itself in 3 s"));
        CHECK(problems(f) == 0);
    }
    SUBCASE("another computer") {
        SeenPeer copy{"bob #2", "bob", kOurs, at("10.0.0.9", 49100), "eth0", false, std::nullopt};
        const auto f = judge_peers(ctx(), seen({own_node(), copy, alice(Probe{Reach::reachable, kAlice, ""})}));
        REQUIRE(problems(f) == 1);
        const auto& c =
            *std::find_if(f.begin(), f.end(), [](const Finding& x) { return x.verdict == Verdict::problem; });
        CHECK(has(c.detail, "another computer announces this profile's fingerprint"));
        CHECK(has(c.detail, "\"bob #2\" at 10.0.0.9:49100 on eth0"));
        CHECK(has(c.detail, "two computers use one copy of this profile"));
        CHECK(has(c.advice, "give each its own profile"));
        CHECK(has(c.advice, "delete identity.key"));
    }
    SUBCASE("this computer, another port") {
        SeenPeer copy{"bob #2", "bob", kOurs, at("10.0.0.2", 47000), "eth0", true, std::nullopt};
        const auto f = judge_peers(ctx(), seen({own_node(), copy}));
        REQUIRE(problems(f) == 1);
        CHECK(has(f[0].detail, "another Hallway on this computer"));
    }
    SUBCASE("no node of ours runs: every announcement of our key is a copy") {
        const auto f = judge_peers(ctx(false), seen({own_node()}));
        CHECK(problems(f) == 1);
    }
}

TEST_CASE("only peers other than us are probed") {
    CHECK_FALSE(needs_probe(ctx(), own_node()));
    CHECK(needs_probe(ctx(), alice(std::nullopt)));
    CHECK(is_own_node(ctx(), own_node()));
    CHECK_FALSE(is_own_node(ctx(false), own_node()));
}

TEST_CASE("nobody seen: said plainly, with the options and the README section") {
    const auto f = judge_peers(ctx(), seen({}));
    REQUIRE(f.size() == 1);
    CHECK(f[0].verdict == Verdict::warning);
    CHECK(has(f[0].detail, "no other Hallway announced itself"));
    for (const char* option : {"--peer HOST:PORT", "enable-reflector=yes", "wide-area DNS-SD",
                               "README, \"When you can't see someone\""})
        CHECK(has(f[0].advice, option));
}

TEST_CASE("without avahi-daemon: one finding, nothing else") {
    PeerScan scan{false, "avahi-daemon is not running", {}, 0};
    const auto f = judge_peers(ctx(), scan);
    REQUIRE(f.size() == 1);
    CHECK(has(f[0].detail, "peers cannot be listed by mDNS"));
    CHECK(has(f[0].detail, "avahi-daemon is not running"));
}

TEST_CASE("places beyond the probe cap are counted, not hidden") {
    PeerScan scan = seen({alice(Probe{Reach::reachable, kAlice, ""})});
    scan.not_probed = 7;
    const auto f = judge_peers(ctx(), scan);
    CHECK(std::any_of(f.begin(), f.end(), [](const Finding& x) { return has(x.detail, "7 more announced places"); }));
}

TEST_CASE("connect errors map to their causes") {
    CHECK(reach_of_connect_error(asio::error::connection_refused) == Reach::refused);
    CHECK(reach_of_connect_error(asio::error::timed_out) == Reach::timed_out);
    CHECK(reach_of_connect_error(asio::error::host_unreachable) == Reach::no_route);
    CHECK(reach_of_connect_error(asio::error::network_unreachable) == Reach::no_route);
    CHECK(reach_of_connect_error(asio::error::access_denied) == Reach::connect_failed);
}

TEST_CASE("peer text in a finding is data: control characters in a service name are removed") {
    SeenPeer copy{"evil\x1b[2J\nname", "", kOurs, at("10.0.0.9", 1), "", false, std::nullopt};
    const auto f = judge_peers(ctx(), seen({copy}));
    REQUIRE(!f.empty());
    CHECK(has(f[0].detail, "\"evil[2Jname\""));
}
