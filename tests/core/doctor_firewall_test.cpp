// The firewall judges of `hallway doctor` on rule sets as the tools print them:
// does a new TCP connection to our port (a UDP datagram to 5353) get in?
#include "core/doctor/firewall.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace hallway::core::doctor;

namespace {

const PortQuery kOurs{Proto::tcp, 49100};
const PortQuery kMdns{Proto::udp, 5353};

// An nft -j ruleset: one inet table "filter" with an input base chain of this
// policy, a plain chain "extra", and these rules (JSON expr arrays) in input / extra.
std::string nft(const std::string& policy, const std::string& input_rules, const std::string& extra_rules = "",
                const std::string& hook = "input") {
    std::string out = R"({"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
        {"table": {"family": "inet", "name": "filter", "handle": 1}},
        {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": ")" +
                      hook + R"(", "prio": 0, "policy": ")" + policy + R"("}},
        {"chain": {"family": "inet", "table": "filter", "name": "extra", "handle": 7}})";
    auto add = [&](const std::string& chain, const std::string& rules) {
        // One rule per line of expr arrays.
        std::size_t start = 0;
        while (start < rules.size()) {
            auto nl = rules.find('\n', start);
            std::string expr = rules.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
            if (!expr.empty())
                out += R"(, {"rule": {"family": "inet", "table": "filter", "chain": ")" + chain + R"(", "expr": )" + expr + "}}";
            if (nl == std::string::npos) break;
            start = nl + 1;
        }
    };
    add("input", input_rules);
    add("extra", extra_rules);
    return out + "]}";
}

const std::string kEstablished =
    R"([{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}])";
const std::string kLoopback = R"([{"match": {"op": "==", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"accept": null}])";
std::string tcp_dport(const std::string& right, const std::string& verdict, const std::string& op = "==") {
    return R"([{"match": {"op": ")" + op + R"(", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": )" +
           right + R"(}}, {"counter": {"packets": 0, "bytes": 0}}, {")" + verdict + R"(": null}])";
}
const std::string kMdnsAccept =
    R"([{"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 5353}}, {"accept": null}])";

}  // namespace

TEST_CASE("nft: a rule that drops our port is named, with the rule that would let it in") {
    const auto rules = nft("accept", kEstablished + "\n" + tcp_dport("49100", "drop"));
    auto j = judge_nft(rules, kOurs);
    CHECK(j.reach == Reach::blocked);
    CHECK(j.why.find("\"tcp dport 49100 drop\"") != std::string::npos);
    CHECK(j.why.find("chain inet filter input") != std::string::npos);
    CHECK(j.advice == "sudo nft insert rule inet filter input tcp dport 49100 accept");
    CHECK(judge_nft(rules, kMdns).reach == Reach::allowed);           // UDP is another matter
    CHECK(judge_nft(rules, {Proto::tcp, 49101}).reach == Reach::allowed);  // another port too

    // The finding a person reads: a problem, its effect and the command.
    auto f = firewall_finding("nftables", kOurs, j);
    CHECK(f.check == "nftables: TCP 49100");
    CHECK(f.verdict == Verdict::problem);
    CHECK(f.detail.find("dropped by rule") == 0);
    CHECK(f.advice == j.advice);
}

TEST_CASE("nft: reject, a port set, a range and != all decide") {
    CHECK(judge_nft(nft("accept", tcp_dport("49100", "reject")), kOurs).reach == Reach::blocked);
    CHECK(judge_nft(nft("accept", tcp_dport(R"({"set": [22, {"range": [49000, 49200]}]})", "drop")), kOurs).reach ==
          Reach::blocked);
    CHECK(judge_nft(nft("accept", tcp_dport(R"({"range": [1, 1024]})", "drop")), kOurs).reach == Reach::allowed);
    CHECK(judge_nft(nft("accept", tcp_dport("22", "drop", "!=")), kOurs).reach == Reach::blocked);
    CHECK(judge_nft(nft("accept", tcp_dport("49100", "drop", "!=")), kOurs).reach == Reach::allowed);
}

TEST_CASE("nft: an accept for the port before a drop policy lets it in, without one the policy drops it") {
    const auto open = nft("drop", kEstablished + "\n" + kLoopback + "\n" +
                                      tcp_dport(R"({"set": [22, {"range": [49000, 49200]}]})", "accept") + "\n" + kMdnsAccept);
    auto j = judge_nft(open, kOurs);
    CHECK(j.reach == Reach::allowed);
    CHECK(j.why.find("tcp dport { 22, 49000-49200 }") != std::string::npos);
    CHECK(judge_nft(open, kMdns).reach == Reach::allowed);
    CHECK(firewall_finding("nftables", kOurs, j).verdict == Verdict::ok);

    // Only ssh let in: the conntrack and loopback accepts say nothing about a new connection from the LAN.
    const auto closed = nft("drop", kEstablished + "\n" + kLoopback + "\n" + tcp_dport("22", "accept"));
    auto d = judge_nft(closed, kOurs);
    CHECK(d.reach == Reach::blocked);
    CHECK(d.why == "policy drop of chain inet filter input (no rule accepts it)");
    CHECK(d.advice == "sudo nft insert rule inet filter input tcp dport 49100 accept");
    CHECK(judge_nft(closed, kMdns).advice == "sudo nft insert rule inet filter input udp dport 5353 accept");
}

TEST_CASE("nft: jumps are followed, rules that depend on the source are passed over, other hooks do not count") {
    const std::string jump = R"([{"jump": {"target": "extra"}}])";
    auto j = judge_nft(nft("accept", jump, tcp_dport("49100", "drop")), kOurs);
    CHECK(j.reach == Reach::blocked);
    CHECK(j.why.find("chain inet filter extra") != std::string::npos);
    CHECK(j.advice == "sudo nft insert rule inet filter input tcp dport 49100 accept");  // before the jump
    // A return in the jumped-to chain goes back; the input policy decides.
    CHECK(judge_nft(nft("drop", jump + "\n" + tcp_dport("49100", "accept"), R"([{"return": null}])"), kOurs).reach ==
          Reach::allowed);

    const std::string from_subnet =
        R"([{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "10.0.0.0", "len": 8}}}},)"
        R"( {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 49100}}, {"drop": null}])";
    CHECK(judge_nft(nft("accept", from_subnet), kOurs).reach == Reach::allowed);
    CHECK(judge_nft(nft("accept", tcp_dport("49100", "drop"), "", "output"), kOurs).reach == Reach::allowed);
    CHECK(judge_nft(R"({"nftables": [{"metainfo": {"version": "1.0.6"}}]})", kOurs).reach == Reach::allowed);
}

TEST_CASE("nft: garbage and loops give 'could not tell', never a crash or a hang") {
    for (const std::string text : {"", "not json", "{}", R"({"nftables": 3})", R"({"nftables": [)",
                                   R"({"nftables": [{"chain": 1}, {"rule": {"expr": 5}}, 7, null]})"}) {
        auto j = judge_nft(text, kOurs);
        CHECK(j.reach != Reach::blocked);
    }
    CHECK(judge_nft("not json", kOurs).reach == Reach::unknown);
    CHECK(firewall_finding("nftables", kOurs, judge_nft("not json", kOurs)).verdict == Verdict::warning);
    CHECK(judge_nft(std::string(200000, '[') + std::string(200000, ']'), kOurs).reach == Reach::unknown);
    // Odd shapes inside well-formed JSON.
    CHECK_NOTHROW(judge_nft(nft("drop", R"([{"match": {"left": {"payload": 1}, "right": {"range": [1]}}}, {"jump": 3}, 4])" "\n" +
                                            tcp_dport(R"({"range": ["a", -1]})", "drop") + "\n" +
                                            tcp_dport(R"({"set": [{"set": []}, "http", null]})", "drop")),
                            kOurs));
    // input jumps to extra, extra jumps back: bounded.
    auto loop = nft("accept", R"([{"jump": {"target": "extra"}}])", R"([{"jump": {"target": "input"}}])");
    CHECK(judge_nft(loop, kOurs).reach == Reach::unknown);
}

TEST_CASE("iptables-save: rules, multiport, policies and user chains") {
    const std::string head = "# Generated by iptables-save\n*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j DROP\nCOMMIT\n*filter\n";
    const std::string ufw_like = head + ":INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:ufw-user-input - [0:0]\n"
                                        "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
                                        "-A INPUT -i lo -j ACCEPT\n-A INPUT -j ufw-user-input\n"
                                        "-A ufw-user-input -p udp -m udp --dport 5353 -m comment --comment \"mdns \\\"here\\\"\" -j ACCEPT\n";
    auto closed = judge_iptables(ufw_like + "COMMIT\n", kOurs, "iptables");
    CHECK(closed.reach == Reach::blocked);
    CHECK(closed.why.find("policy drop of chain INPUT") == 0);
    CHECK(closed.advice == "sudo iptables -I INPUT -p tcp --dport 49100 -j ACCEPT");
    CHECK(judge_iptables(ufw_like + "COMMIT\n", kMdns, "iptables").reach == Reach::allowed);

    auto open = judge_iptables(ufw_like + "-A ufw-user-input -p tcp -m tcp --dport 49100 -j ACCEPT\nCOMMIT\n", kOurs, "ip6tables");
    CHECK(open.reach == Reach::allowed);
    CHECK(open.why.find("chain ufw-user-input") != std::string::npos);

    auto multiport = judge_iptables(head + ":INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m multiport --dports 80,49000:49200 -j DROP\nCOMMIT\n",
                                    kOurs, "iptables");
    CHECK(multiport.reach == Reach::blocked);
    CHECK(multiport.why.find("--dports 80,49000:49200 -j DROP") != std::string::npos);
    CHECK(judge_iptables(head + ":INPUT ACCEPT [0:0]\n-A INPUT -p tcp ! --dport 22 -j REJECT\nCOMMIT\n", kOurs, "iptables").reach ==
          Reach::blocked);
    CHECK(judge_iptables(head + ":INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.0/8 -p tcp --dport 49100 -j DROP\nCOMMIT\n", kOurs,
                         "iptables").reach == Reach::allowed);
    CHECK(judge_iptables("", kOurs, "iptables").reach == Reach::allowed);  // no filter table
    CHECK_NOTHROW(judge_iptables("*filter\n:\n-A\n-A INPUT -p\n-A INPUT --dport\n-A INPUT -j\n\"\n:INPUT DROP\n", kOurs, "iptables"));
}

TEST_CASE("ufw status verbose: rules first, then the default for incoming") {
    const std::string head = "Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n"
                             "New profiles: skip\n\nTo                         Action      From\n"
                             "--                         ------      ----\n22/tcp                     ALLOW IN    Anywhere\n";
    auto closed = judge_ufw(head, kOurs);
    REQUIRE(closed);
    CHECK(closed->reach == Reach::blocked);
    CHECK(closed->advice.find("sudo ufw allow Hallway") == 0);
    CHECK(judge_ufw(head, {Proto::tcp, 50000})->advice == "sudo ufw allow 50000/tcp");
    CHECK(judge_ufw(head + "Hallway                    ALLOW IN    Anywhere\n", kOurs)->reach == Reach::allowed);
    CHECK(judge_ufw(head + "Hallway                    ALLOW IN    Anywhere\n", {Proto::tcp, 50000})->reach == Reach::blocked);
    CHECK(judge_ufw(head + "49000:49200/tcp            ALLOW IN    Anywhere\n", kOurs)->reach == Reach::allowed);
    CHECK(judge_ufw(head + "5353/udp (v6)              ALLOW IN    Anywhere (v6)\n", kMdns)->reach == Reach::allowed);
    CHECK(judge_ufw(head + "49100/tcp                  DENY IN     Anywhere\n49100                      ALLOW IN    Anywhere\n",
                    kOurs)->reach == Reach::blocked);
    CHECK(judge_ufw(head + "49100/tcp                  ALLOW IN    10.0.0.0/8\n", kOurs)->reach == Reach::blocked);
    CHECK_FALSE(judge_ufw("Status: inactive\n", kOurs));
    CHECK(judge_ufw("ERROR: You need to be root to run this script\n", kOurs)->reach == Reach::unknown);
}

TEST_CASE("firewall-cmd --list-all: target, services and ports of the zone") {
    const std::string zone = "public (active)\n  target: default\n  icmp-block-inversion: no\n  interfaces: eth0\n"
                             "  services: dhcpv6-client ssh\n  ports: 49000-49200/tcp\n  protocols: \n";
    CHECK(judge_firewalld(zone, kOurs).reach == Reach::allowed);
    auto mdns = judge_firewalld(zone, kMdns);
    CHECK(mdns.reach == Reach::blocked);
    CHECK(mdns.why == "zone public lets in neither service mdns nor port 5353/udp");
    CHECK(mdns.advice == "sudo firewall-cmd --permanent --add-service=mdns && sudo firewall-cmd --reload");
    CHECK(judge_firewalld("public (active)\n  target: default\n  services: hallway mdns\n", kOurs).reach == Reach::allowed);
    CHECK(judge_firewalld("public (active)\n  target: default\n  services: hallway mdns\n", kMdns).reach == Reach::allowed);
    CHECK(judge_firewalld("public (active)\n  target: default\n  services: hallway\n", {Proto::tcp, 50000}).advice ==
          "sudo firewall-cmd --permanent --add-port=50000/tcp && sudo firewall-cmd --reload");
    CHECK(judge_firewalld("trusted\n  target: ACCEPT\n", kOurs).reach == Reach::allowed);
    CHECK(judge_firewalld("FirewallD is not running\n", kOurs).reach == Reach::unknown);
    CHECK_NOTHROW(judge_firewalld("\n\n:\n  ports: /tcp 1-/tcp -5/udp\n  target: x\n", kMdns));
}
