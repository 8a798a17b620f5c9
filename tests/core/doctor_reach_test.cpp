// `hallway doctor` on reaching peers beyond this subnet: avahi-daemon.conf's
// wide-area, browse-domains and reflector keys, and the running node's
// mechanisms, in; the findings a person reads, out.
#include "core/doctor/reach_judge.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace hallway::core::doctor;

namespace {
const Finding& named(const std::vector<Finding>& fs, std::string_view check) {
    auto it = std::find_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.check == check; });
    REQUIRE(it != fs.end());
    return *it;
}
}  // namespace

TEST_CASE("avahi-daemon.conf: wide-area, browse domains and the reflector, each in its section") {
    const auto c = parse_avahi_config(
        "# a comment\n[server]\nhost-name=h1\n  browse-domains = office.example, lab.example ,\r\n"
        "[wide-area]\nenable-wide-area=no\n[reflector]\nenable-reflector=yes\n");
    CHECK(c.browse_domains == std::vector<std::string>{"office.example", "lab.example"});
    CHECK_FALSE(c.wide_area);
    CHECK(c.reflector);

    // Avahi's defaults when the keys are absent; a key in the wrong section counts for nothing.
    const auto d = parse_avahi_config("[server]\nenable-reflector=yes\n[reflector]\nbrowse-domains=x.example\n");
    CHECK(d.wide_area);
    CHECK_FALSE(d.reflector);
    CHECK(d.browse_domains.empty());

    // The later line wins; the list is bounded; an absurd line is skipped.
    std::string many = "[server]\nbrowse-domains=a.example\nbrowse-domains=";
    for (int i = 0; i < 40; ++i) many += "d" + std::to_string(i) + ".example,";
    many += "\n[reflector]\nenable-reflector=" + std::string(10000, 'y') + "\n";
    const auto m = parse_avahi_config(many);
    CHECK(m.browse_domains.size() == kMaxBrowseDomains);
    CHECK(m.browse_domains.front() == "d0.example");
    CHECK_FALSE(m.reflector);
}

TEST_CASE("doctor says which ways beyond this subnet are active") {
    ReachFacts f;
    f.avahi = AvahiConfig{};
    // Nothing configured, no node: the person is pointed at what exists.
    auto fs = judge_reach(f);
    CHECK(named(fs, "wide-area DNS-SD").verdict == Verdict::info);
    CHECK(named(fs, "wide-area DNS-SD").advice.find("browse-domains=") != std::string::npos);
    CHECK(named(fs, "mDNS reflector").detail.find("not on this host") != std::string::npos);
    CHECK(named(fs, "remembered addresses").detail.find("no node runs") != std::string::npos);
    CHECK(named(fs, "address sharing").detail.find("no node runs") != std::string::npos);

    // A running node that browses a domain, remembers contacts and shares with verified ones.
    f.avahi->browse_domains = {"office.example"};
    f.avahi->reflector = true;
    f.node_running = true;
    f.browsed_domains = {"office.example"};
    f.remembered = 3;
    f.share_addresses = "verified";
    fs = judge_reach(f);
    CHECK(named(fs, "wide-area DNS-SD").verdict == Verdict::ok);
    CHECK(named(fs, "wide-area DNS-SD").detail == "the node browses office.example as well as .local");
    CHECK(named(fs, "mDNS reflector").verdict == Verdict::ok);
    CHECK(named(fs, "remembered addresses").detail ==
          "3 contacts are dialed at their last addresses when mDNS does not show them");
    CHECK(named(fs, "address sharing").detail == "with verified contacts (the default)");

    // Configured but not (yet) browsed by the node; wide-area off; sharing off.
    f.browsed_domains.clear();
    CHECK(named(judge_reach(f), "wide-area DNS-SD").detail.find("has not seen avahi report it") != std::string::npos);
    f.share_addresses = "off";
    CHECK(named(judge_reach(f), "address sharing").advice == "hallway share-addresses verified");
    f.avahi->wide_area = false;
    CHECK(named(judge_reach(f), "wide-area DNS-SD").detail.find("enable-wide-area=no") != std::string::npos);
    f.avahi.reset();
    CHECK(named(judge_reach(f), "wide-area DNS-SD").detail.find("unreadable") != std::string::npos);
    // The node's word stands whatever the file says (avahi may run with another file).
    f.browsed_domains = {"office.example"};
    CHECK(named(judge_reach(f), "wide-area DNS-SD").verdict == Verdict::ok);
    f.avahi = AvahiConfig{};
    f.avahi->wide_area = false;
    CHECK(named(judge_reach(f), "wide-area DNS-SD").verdict == Verdict::ok);
}
