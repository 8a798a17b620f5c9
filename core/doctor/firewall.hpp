#pragma once
// The firewall's say on one port, judged from the rules as the tools print
// them (nft -j, iptables-save, ufw status verbose, firewall-cmd --list-all).
// Pure: no tool is run here (system_checks.cpp runs them), so tests feed text.
// The question asked is always: would a new connection (a datagram) from a
// host on the LAN to this port be let in? Rules that depend on more than the
// protocol and port (a source address, an interface, conntrack state) cannot
// be decided without the packet and are passed over.
#include "core/doctor/doctor.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hallway::core::doctor {

enum class Proto { tcp, udp };
std::string_view to_string(Proto p);

struct PortQuery {
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
};

enum class Reach { allowed, blocked, unknown };

struct PortJudgement {
    Reach reach = Reach::unknown;
    std::string why;     // "rule \"tcp dport 49100 drop\" in chain inet filter input"
    std::string advice;  // the command that would let it in (blocked), or what to do to learn more
};

// `nft -j list ruleset`.
PortJudgement judge_nft(std::string_view json_text, PortQuery q);
// `iptables-save` / `ip6tables-save` (tool: the command named in the advice: iptables or ip6tables).
PortJudgement judge_iptables(std::string_view save_text, PortQuery q, std::string_view tool);
// `ufw status verbose`; nullopt when ufw is inactive.
std::optional<PortJudgement> judge_ufw(std::string_view status_text, PortQuery q);
// `firewall-cmd --list-all` (run only when `firewall-cmd --state` says running).
PortJudgement judge_firewalld(std::string_view list_all_text, PortQuery q);

// One report line from a judgement: "nftables: TCP 49100" ok / problem / warning.
Finding firewall_finding(std::string_view tool, PortQuery q, const PortJudgement& j);

}  // namespace hallway::core::doctor
