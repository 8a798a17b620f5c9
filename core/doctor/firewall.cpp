#include "core/doctor/firewall.hpp"

#include "transport/wire.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>
#include <vector>

namespace hallway::core::doctor {

namespace {

using nlohmann::json;

// Chains jumping to chains: deeper than this is reported, not followed (a loop
// of jumps is refused by nft and iptables, but the text we read may be anything).
constexpr int kMaxJumpDepth = 16;
// A rule quoted in a finding is cut to this many bytes.
constexpr std::size_t kMaxQuotedRule = 160;

// Whether a rule's conditions hold for our packet: "maybe" when they depend on
// what we cannot know here (source, interface, conntrack state, a named set).
enum class Match { yes, no, maybe };
Match both(Match a, Match b) {
    if (a == Match::no || b == Match::no) return Match::no;
    return (a == Match::maybe || b == Match::maybe) ? Match::maybe : Match::yes;
}
Match negated(Match m, bool neg) {
    if (!neg || m == Match::maybe) return m;
    return m == Match::yes ? Match::no : Match::yes;
}
Match of(bool b) { return b ? Match::yes : Match::no; }

enum class Act { none, accept, drop, jump, go, ret };
struct Rule {
    Match match = Match::yes;
    Act act = Act::none;
    std::string target;  // the chain of a jump/goto
    std::string text;    // as quoted to the user
};
struct Chain {
    std::optional<Reach> policy;  // set for the base (input hook) chains
    std::vector<Rule> rules;
};
using Chains = std::map<std::string, Chain>;  // by the name a user reads ("inet filter input", "INPUT")

struct Outcome {
    Reach reach;
    std::string why;
};

std::string quoted(std::string text) {
    if (text.size() > kMaxQuotedRule) text = text.substr(0, kMaxQuotedRule) + "...";
    return "\"" + text + "\"";
}

// The first rule that decides, following jumps; nullopt when the chain falls
// through (or returns) without a verdict.
std::optional<Outcome> walk(const Chains& chains, const std::string& name, int depth) {
    if (depth > kMaxJumpDepth)
        return Outcome{Reach::unknown, "jumps nest deeper than " + std::to_string(kMaxJumpDepth) + " chains at " + name};
    auto it = chains.find(name);
    if (it == chains.end()) return std::nullopt;
    for (const Rule& r : it->second.rules) {
        if (r.match != Match::yes) continue;
        const std::string where = "rule " + quoted(r.text) + " in chain " + name;
        switch (r.act) {
            case Act::none: continue;
            case Act::accept: return Outcome{Reach::allowed, where};
            case Act::drop: return Outcome{Reach::blocked, where};
            case Act::ret: return std::nullopt;
            case Act::jump:
                if (auto o = walk(chains, r.target, depth + 1)) return o;
                continue;
            case Act::go: return walk(chains, r.target, depth + 1);
        }
    }
    return std::nullopt;
}

// Every base chain must let the packet in; the first that does not is the
// answer, with the base chain it was met in (where an accept rule would go).
std::pair<PortJudgement, std::string> judge_chains(const Chains& chains, std::string_view tool) {
    std::optional<Outcome> allowed;
    for (const auto& [name, chain] : chains) {
        if (!chain.policy) continue;
        auto o = walk(chains, name, 0);
        if (!o && chain.policy == Reach::blocked) o = Outcome{Reach::blocked, "policy drop of chain " + name + " (no rule accepts it)"};
        if (!o) o = Outcome{Reach::allowed, "policy accept of chain " + name};
        if (o->reach != Reach::allowed) return {{o->reach, o->why, {}}, name};
        if (!allowed) allowed = o;
    }
    if (!allowed) return {{Reach::allowed, "no " + std::string(tool) + " chain filters incoming packets", {}}, {}};
    return {{Reach::allowed, allowed->why, {}}, {}};
}

std::optional<std::uint32_t> number(std::string_view s) {
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// "49100", "1000:2000" (iptables) or "1000-2000" (firewalld), against our port.
std::optional<bool> port_spec_contains(std::string_view spec, std::uint16_t port) {
    auto dash = spec.find_first_of(":-");
    if (dash == std::string_view::npos) {
        auto v = number(spec);
        return v ? std::optional<bool>(*v == port) : std::nullopt;
    }
    auto lo = number(spec.substr(0, dash)), hi = number(spec.substr(dash + 1));
    if (!lo || !hi) return std::nullopt;
    return *lo <= port && port <= *hi;
}

// A comma list of port specs ("80,443,1000:2000").
Match port_list_contains(std::string_view list, std::uint16_t port) {
    Match m = Match::no;
    while (!list.empty()) {
        auto comma = list.find(',');
        auto c = port_spec_contains(list.substr(0, comma), port);
        if (c && *c) return Match::yes;
        if (!c) m = Match::maybe;
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    return m;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// ---- nftables (JSON) ----------------------------------------------------------

// Does an nft right-hand side (a number, a set, a range) hold v?
Match nft_contains(const json& right, const std::function<Match(const json&)>& equals) {
    if (right.is_object() && right.contains("set") && right["set"].is_array()) {
        Match m = Match::no;
        for (const auto& e : right["set"]) {
            Match one = nft_contains(e, equals);
            if (one == Match::yes) return one;
            if (one == Match::maybe) m = Match::maybe;
        }
        return m;
    }
    return equals(right);
}

Match nft_match(const json& m, PortQuery q) {
    const std::string op = m.value("op", "==");
    const json& left = m.contains("left") ? m["left"] : json();
    const json& right = m.contains("right") ? m["right"] : json();
    const bool neg = op == "!=";
    if (op != "==" && op != "in" && op != "!=") return Match::maybe;
    const std::string proto(to_string(q.proto));
    if (left.is_object() && left.contains("payload") && left["payload"].is_object()) {
        const auto& p = left["payload"];
        const std::string protocol = p.value("protocol", ""), field = p.value("field", "");
        if (protocol == "tcp" || protocol == "udp" || protocol == "th") {
            if (protocol != "th" && protocol != proto) return Match::no;
            if (field != "dport") return Match::maybe;
            return negated(nft_contains(right,
                                        [&](const json& v) {
                                            if (v.is_number_unsigned()) return of(v.get<std::uint64_t>() == q.port);
                                            if (v.is_object() && v.contains("range") && v["range"].is_array() &&
                                                v["range"].size() == 2 && v["range"][0].is_number_unsigned() &&
                                                v["range"][1].is_number_unsigned())
                                                return of(v["range"][0].get<std::uint64_t>() <= q.port &&
                                                          q.port <= v["range"][1].get<std::uint64_t>());
                                            return Match::maybe;  // a named set, a service name
                                        }),
                           neg);
        }
        if (!((protocol == "ip" && field == "protocol") || (protocol == "ip6" && field == "nexthdr"))) return Match::maybe;
    } else if (!(left.is_object() && left.contains("meta") && left["meta"].is_object() &&
                 left["meta"].value("key", "") == "l4proto")) {
        return Match::maybe;
    }
    // The transport protocol, by name or number.
    const std::uint64_t protocol_number = q.proto == Proto::tcp ? 6 : 17;
    return negated(nft_contains(right,
                                [&](const json& v) {
                                    if (v.is_string()) return of(v.get<std::string>() == proto);
                                    if (v.is_number_unsigned()) return of(v.get<std::uint64_t>() == protocol_number);
                                    return Match::maybe;
                                }),
                   neg);
}

std::string nft_text(const json& v) {
    if (v.is_number() || v.is_boolean()) return v.dump();
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("set") && v["set"].is_array()) {
        std::string s = "{ ";
        for (const auto& e : v["set"]) s += (s.size() > 2 ? ", " : "") + nft_text(e);
        return s + " }";
    }
    if (v.is_object() && v.contains("range") && v["range"].is_array() && v["range"].size() == 2)
        return nft_text(v["range"][0]) + "-" + nft_text(v["range"][1]);
    if (v.is_object() && v.contains("payload") && v["payload"].is_object())
        return v["payload"].value("protocol", "?") + " " + v["payload"].value("field", "?");
    if (v.is_object() && v.size() == 1 && v.begin().value().is_object() && v.begin().value().contains("key"))
        return v.begin().key() + " " + v.begin().value().value("key", "?");  // meta l4proto, ct state
    return "...";
}

Rule nft_rule(const json& expr, PortQuery q) {
    Rule r;
    std::vector<std::string> words;
    for (const auto& e : expr) {
        if (!e.is_object() || e.size() != 1) {
            r.match = both(r.match, Match::maybe);
            continue;
        }
        const std::string& kind = e.begin().key();
        const json& body = e.begin().value();
        if (kind == "match" && body.is_object()) {
            r.match = both(r.match, nft_match(body, q));
            const std::string op = body.value("op", "==");
            words.push_back(nft_text(body.value("left", json())) + (op == "==" || op == "in" ? "" : " " + op) + " " +
                            nft_text(body.value("right", json())));
            continue;
        }
        if (kind == "counter" || kind == "log" || kind == "comment") continue;  // no say in the verdict
        if (r.act != Act::none) continue;  // the first verdict ends the rule
        if (kind == "accept") r.act = Act::accept;
        else if (kind == "drop" || kind == "reject") r.act = Act::drop;
        else if (kind == "return") r.act = Act::ret;
        else if ((kind == "jump" || kind == "goto") && body.is_object() && body.contains("target") &&
                 body["target"].is_string()) {
            r.act = kind == "jump" ? Act::jump : Act::go;
            r.target = body["target"].get<std::string>();
            words.push_back(kind + " " + r.target);
            continue;
        } else {
            r.match = both(r.match, Match::maybe);  // limit, meter, quota, a compat xt match...
        }
        words.push_back(kind);
    }
    for (const auto& w : words) r.text += (r.text.empty() ? "" : " ") + w;
    return r;
}

// ---- iptables-save ------------------------------------------------------------

// Words of a line, "double quoted" ones (comments) kept whole.
std::vector<std::string> words_of(std::string_view line) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ') ++i;
        if (i >= line.size()) break;
        std::string w;
        if (line[i] == '"') {
            for (++i; i < line.size() && line[i] != '"'; ++i) {
                if (line[i] == '\\' && i + 1 < line.size()) ++i;  // \" inside a comment
                w += line[i];
            }
            ++i;
        } else {
            while (i < line.size() && line[i] != ' ') w += line[i++];
        }
        out.push_back(std::move(w));
    }
    return out;
}

Rule iptables_rule(const std::vector<std::string>& w, PortQuery q, const Chains& chains, std::string_view line) {
    Rule r;
    r.text = std::string(line);
    const std::string proto(to_string(q.proto));
    auto value = [&](std::size_t& i) { return i + 1 < w.size() ? w[++i] : std::string(); };
    bool neg = false;
    for (std::size_t i = 2; i < w.size(); ++i) {
        const std::string& opt = w[i];
        if (opt == "!") {
            neg = true;
            continue;
        }
        if (opt == "-p" || opt == "--protocol") {
            const std::string p = lower(value(i));
            r.match = both(r.match, negated(of(p == proto || p == "all" || p == (q.proto == Proto::tcp ? "6" : "17")), neg));
        } else if (opt == "--dport" || opt == "--destination-port" || opt == "--dports" || opt == "--destination-ports") {
            r.match = both(r.match, negated(port_list_contains(value(i), q.port), neg));
        } else if (opt == "-m" || opt == "--match" || opt == "--comment") {
            value(i);  // a module's name, a comment: no condition of their own
        } else if (opt == "-j" || opt == "--jump" || opt == "-g" || opt == "--goto") {
            const std::string t = value(i);
            if (t == "ACCEPT") r.act = Act::accept;
            else if (t == "DROP" || t == "REJECT") r.act = Act::drop;
            else if (t == "RETURN") r.act = Act::ret;
            else if (chains.count(t)) {
                r.act = opt == "-g" || opt == "--goto" ? Act::go : Act::jump;
                r.target = t;
            }  // LOG, NFLOG, MARK...: the packet goes on
        } else if (!opt.empty() && opt[0] == '-') {
            r.match = both(r.match, Match::maybe);  // a source, an interface, a state...
            while (i + 1 < w.size() && w[i + 1] != "!" && (w[i + 1].empty() || w[i + 1][0] != '-')) ++i;
        }
        neg = false;
    }
    return r;
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Calls f with each line, trimmed.
template <typename F>
void for_each_line(std::string_view text, F f) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        f(trimmed(text.substr(0, nl)));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    }
}

// ---- ufw and firewalld -----------------------------------------------------------

// ufw's "To" column: "49100/tcp", "5353", "1000:2000/tcp", "80,443/tcp", an
// application ("Hallway"), each maybe with " (v6)".
Match ufw_to_matches(std::string to, PortQuery q) {
    if (auto v6 = to.find(" (v6)"); v6 != std::string::npos) to.erase(v6);
    if (to == "Hallway") return of(q.proto == Proto::tcp && q.port == transport::wire::kDefaultPort);
    auto slash = to.find('/');
    if (slash != std::string::npos && lower(to.substr(slash + 1)) != to_string(q.proto)) return Match::no;
    Match m = port_list_contains(std::string_view(to).substr(0, slash), q.port);
    return m == Match::maybe ? Match::no : m;  // another application's name: not ours
}

// Splits a ufw table row on runs of two or more spaces.
std::vector<std::string> columns(std::string_view row) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < row.size()) {
        auto gap = row.find("  ", i);
        out.emplace_back(trimmed(row.substr(i, gap == std::string_view::npos ? gap : gap - i)));
        if (gap == std::string_view::npos) break;
        i = row.find_first_not_of(' ', gap);
    }
    return out;
}

std::string port_name(PortQuery q) { return std::to_string(q.port) + "/" + std::string(to_string(q.proto)); }

}  // namespace

std::string_view to_string(Proto p) { return p == Proto::tcp ? "tcp" : "udp"; }

PortJudgement judge_nft(std::string_view json_text, PortQuery q) {
    // nlohmann's parser keeps its own stack (no recursion): deep input cannot overflow ours.
    const json doc = json::parse(json_text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("nftables") || !doc["nftables"].is_array())
        return {Reach::unknown, "the output of nft -j list ruleset is not the JSON expected",
                "check by hand: sudo nft list ruleset"};
    Chains chains;
    auto chain_name = [](const json& o, const char* field) {
        return o.value("family", "?") + " " + o.value("table", "?") + " " + o.value(field, "?");
    };
    for (const auto& item : doc["nftables"]) {
        if (!item.is_object()) continue;
        if (item.contains("chain") && item["chain"].is_object()) {
            const auto& c = item["chain"];
            const std::string family = c.value("family", "");
            Chain& chain = chains[chain_name(c, "name")];
            if (c.value("hook", "") == "input" && c.value("type", "filter") == "filter" &&
                (family == "inet" || family == "ip" || family == "ip6"))
                chain.policy = c.value("policy", "accept") == "drop" ? Reach::blocked : Reach::allowed;
        } else if (item.contains("rule") && item["rule"].is_object()) {
            const auto& r = item["rule"];
            if (!r.contains("expr") || !r["expr"].is_array()) continue;
            Rule rule = nft_rule(r["expr"], q);
            if (!rule.target.empty())
                rule.target = r.value("family", "?") + " " + r.value("table", "?") + " " + rule.target;
            chains[chain_name(r, "chain")].rules.push_back(std::move(rule));
        }
    }
    auto [j, base] = judge_chains(chains, "nftables");
    if (j.reach == Reach::blocked)  // inserted at the top of the chain that drops it: before the drop
        j.advice = "sudo nft insert rule " + base + " " + std::string(to_string(q.proto)) + " dport " +
                   std::to_string(q.port) + " accept";
    return j;
}

PortJudgement judge_iptables(std::string_view save_text, PortQuery q, std::string_view tool) {
    // Two passes: jumps are told from other targets by the chains the table declares.
    Chains chains;
    std::vector<std::string_view> rule_lines;
    bool in_filter = false;
    bool seen_filter = false;
    for_each_line(save_text, [&](std::string_view line) {
        if (line.starts_with("*")) in_filter = line == "*filter", seen_filter |= in_filter;
        else if (!in_filter) return;
        else if (line.starts_with(":")) {
            auto w = words_of(line.substr(1));
            if (w.empty()) return;
            Chain& c = chains[w[0]];
            if (w[0] == "INPUT" && w.size() > 1) c.policy = w[1] == "DROP" ? Reach::blocked : Reach::allowed;
        } else if (line.starts_with("-A ")) {
            rule_lines.push_back(line);
        }
    });
    if (!seen_filter) return {Reach::allowed, "no filter table: " + std::string(tool) + " filters nothing", {}};
    for (auto line : rule_lines) {
        auto w = words_of(line);
        if (w.size() < 2) continue;
        Rule r = iptables_rule(w, q, chains, line);
        chains[w[1]].rules.push_back(std::move(r));
    }
    auto [j, base] = judge_chains(chains, tool);
    if (j.reach == Reach::blocked)
        j.advice = "sudo " + std::string(tool) + " -I " + base + " -p " + std::string(to_string(q.proto)) + " --dport " +
                   std::to_string(q.port) + " -j ACCEPT";
    return j;
}

std::optional<PortJudgement> judge_ufw(std::string_view status_text, PortQuery q) {
    bool active = false, inactive = false, table = false;
    std::string default_in;
    std::optional<PortJudgement> decided;
    for_each_line(status_text, [&](std::string_view line) {
        if (line == "Status: inactive") inactive = true;
        else if (line == "Status: active") active = true;
        else if (line.starts_with("Default:")) {
            auto in = line.find(" (incoming)");
            if (in != std::string_view::npos) {
                auto start = line.substr(0, in).find_last_of(" ,");
                default_in = std::string(line.substr(start + 1, in - start - 1));
            }
        } else if (line.starts_with("--")) table = true;
        else if (table && !decided && !line.empty()) {
            auto c = columns(line);
            if (c.size() < 3 || c[1].ends_with("OUT") || !c[2].starts_with("Anywhere")) return;
            if (ufw_to_matches(c[0], q) != Match::yes) return;
            const bool allow = c[1].starts_with("ALLOW") || c[1].starts_with("LIMIT");
            decided = PortJudgement{allow ? Reach::allowed : Reach::blocked, "ufw rule " + quoted(std::string(line)), {}};
        }
    });
    if (inactive) return std::nullopt;
    PortJudgement j;
    if (!active) j = {Reach::unknown, "ufw status verbose said neither active nor inactive", "check by hand: sudo ufw status verbose"};
    else if (decided) j = *decided;
    else if (default_in == "allow") j = {Reach::allowed, "ufw's default for incoming is allow", {}};
    else j = {Reach::blocked, "ufw's default for incoming is " + (default_in.empty() ? "unknown" : default_in) +
                                  " and no rule allows " + port_name(q), {}};
    if (j.reach == Reach::blocked)
        j.advice = q.proto == Proto::tcp && q.port == transport::wire::kDefaultPort
                       ? "sudo ufw allow Hallway   (the profile the package installs; or: sudo ufw allow " + port_name(q) + ")"
                       : "sudo ufw allow " + port_name(q);
    return j;
}

PortJudgement judge_firewalld(std::string_view list_all_text, PortQuery q) {
    std::string zone, target;
    std::vector<std::string> services, ports;
    bool first = true;
    for_each_line(list_all_text, [&](std::string_view line) {
        if (first && !line.empty()) {
            zone = words_of(line).front();
            first = false;
            return;
        }
        auto colon = line.find(':');
        if (colon == std::string_view::npos) return;
        const std::string_view key = line.substr(0, colon), rest = line.substr(colon + 1);
        if (key == "target") target = std::string(trimmed(rest));
        else if (key == "services") services = words_of(rest);
        else if (key == "ports") ports = words_of(rest);
    });
    if (target.empty()) return {Reach::unknown, "firewall-cmd --list-all printed no zone target", "check by hand: sudo firewall-cmd --list-all"};
    const std::string service = q.proto == Proto::tcp ? "hallway" : "mdns";
    const bool our_service = std::find(services.begin(), services.end(), service) != services.end() &&
                             (q.proto == Proto::udp ? q.port == 5353 : q.port == transport::wire::kDefaultPort);
    const std::string in_zone = " of zone " + zone;
    if (target == "ACCEPT") return {Reach::allowed, "the target" + in_zone + " is ACCEPT", {}};
    if (our_service) return {Reach::allowed, "service " + service + in_zone, {}};
    for (const auto& p : ports) {
        auto slash = p.find('/');
        if (slash != std::string::npos && p.substr(slash + 1) == to_string(q.proto) &&
            port_spec_contains(std::string_view(p).substr(0, slash), q.port).value_or(false))
            return {Reach::allowed, "port " + p + in_zone, {}};
    }
    const bool packaged = q.proto == Proto::udp || q.port == transport::wire::kDefaultPort;
    return {Reach::blocked, "zone " + zone + " lets in neither service " + service + " nor port " + port_name(q),
            packaged ? "sudo firewall-cmd --permanent --add-service=" + service + " && sudo firewall-cmd --reload" +
                           (q.proto == Proto::tcp ? "   (the service the package installs)" : "")
                     : "sudo firewall-cmd --permanent --add-port=" + port_name(q) + " && sudo firewall-cmd --reload"};
}

Finding firewall_finding(std::string_view tool, PortQuery q, const PortJudgement& j) {
    std::string proto(to_string(q.proto));
    std::transform(proto.begin(), proto.end(), proto.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    Finding f{std::string(tool) + ": " + proto + " " + std::to_string(q.port), Verdict::ok, j.why, j.advice};
    if (j.reach == Reach::allowed) f.detail = "let in (" + j.why + ")";
    else if (j.reach == Reach::blocked) f.verdict = Verdict::problem, f.detail = "dropped by " + j.why;
    else f.verdict = Verdict::warning, f.detail = "could not tell: " + j.why;
    return f;
}

}  // namespace hallway::core::doctor
