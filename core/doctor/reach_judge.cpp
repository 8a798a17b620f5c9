#include "core/doctor/reach_judge.hpp"

namespace hallway::core::doctor {

namespace {

// A configuration line longer than this is not one avahi wrote or a person typed.
constexpr std::size_t kMaxLine = 4096;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

}  // namespace

AvahiConfig parse_avahi_config(std::string_view text) {
    AvahiConfig c;
    std::string_view section;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (raw.size() > kMaxLine) continue;
        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[') {
            section = line;
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string_view key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
        if (section == "[wide-area]" && key == "enable-wide-area") c.wide_area = value == "yes";
        if (section == "[reflector]" && key == "enable-reflector") c.reflector = value == "yes";
        if (section == "[server]" && key == "browse-domains") {
            c.browse_domains.clear();  // a later line replaces an earlier one, as avahi reads it
            for (std::string_view rest = value; !rest.empty();) {
                const auto comma = rest.find(',');
                const std::string_view d = trim(rest.substr(0, comma));
                rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
                if (!d.empty() && c.browse_domains.size() < kMaxBrowseDomains) c.browse_domains.emplace_back(d);
            }
        }
    }
    return c;
}

std::vector<Finding> judge_reach(const ReachFacts& f) {
    std::vector<Finding> out;
    const std::string wide = "wide-area DNS-SD";
    // What the node browses is the fact; the file only explains its absence
    // (avahi-daemon may have been started with another one).
    if (f.node_running && !f.browsed_domains.empty()) {
        out.push_back({wide, Verdict::ok, "the node browses " + joined(f.browsed_domains) + " as well as .local", {}});
    } else if (!f.avahi) {
        out.push_back({wide, Verdict::info, "/etc/avahi/avahi-daemon.conf is unreadable: not checked", {}});
    } else if (!f.avahi->wide_area) {
        out.push_back({wide, Verdict::info, "off (enable-wide-area=no in avahi-daemon.conf): only .local is browsed",
                       "to find peers published in a DNS-SD domain, set enable-wide-area=yes (docs/WIDE-AREA.md)"});
    } else if (!f.avahi->browse_domains.empty()) {
        out.push_back({wide, Verdict::info,
                       "avahi-daemon.conf names " + joined(f.avahi->browse_domains) +
                           (f.node_running ? "; the node has not seen avahi report it (yet)" : ""),
                       {}});
    } else {
        out.push_back({wide, Verdict::info, "no browse domain: only .local is browsed",
                       "if your network publishes Hallway in a DNS-SD domain, add browse-domains=DOMAIN to "
                       "/etc/avahi/avahi-daemon.conf (docs/WIDE-AREA.md)"});
    }
    if (f.avahi && f.avahi->reflector)
        out.push_back({"mDNS reflector", Verdict::ok, "this host passes mDNS between its interfaces (enable-reflector=yes)", {}});
    else
        out.push_back({"mDNS reflector", Verdict::info, "not on this host (a router on both subnets may reflect)",
                       "a host on both subnets with enable-reflector=yes joins them (README: More than one subnet)"});
    if (!f.node_running) {
        out.push_back({"remembered addresses", Verdict::info, "no node runs for this profile: not known", {}});
        out.push_back({"address sharing", Verdict::info, "no node runs for this profile: not known", {}});
        return out;
    }
    if (f.remembered)
        out.push_back({"remembered addresses", Verdict::ok,
                       std::to_string(*f.remembered) +
                           (*f.remembered == 1 ? " contact is dialed at its" : " contacts are dialed at their") +
                           " last addresses when mDNS does not show them",
                       {}});
    const std::string& s = f.share_addresses;
    if (s == "verified")
        out.push_back({"address sharing", Verdict::ok, "with verified contacts (the default)", {}});
    else if (s == "contacts")
        out.push_back({"address sharing", Verdict::ok, "with every contact that is not blocked", {}});
    else if (s == "off")
        out.push_back({"address sharing", Verdict::info, "off: contacts neither tell nor are told where others are",
                       "hallway share-addresses verified"});
    return out;
}

}  // namespace hallway::core::doctor
