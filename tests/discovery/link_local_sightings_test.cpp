#include "discovery/link_local_sightings.hpp"

#include <doctest/doctest.h>

using namespace hallway::discovery;

namespace {

constexpr int kInet = 0, kInet6 = 1;
const std::string kPurple = "alice@h2";

LinkLocalResolution at(const char* address, std::vector<std::string> txt = {"txtvers=1", "status=avail"},
                       const std::string& ifname = "eth0", std::uint16_t port = 5298) {
    return {{asio::ip::make_address(address), port}, ifname, std::move(txt)};
}

}  // namespace

TEST_CASE("link-local: an instance is reported once resolved, with every address merged, IPv4 first") {
    LinkLocalSightings s;
    s.browsed(kPurple, {2, kInet6});
    s.browsed(kPurple, {2, kInet});
    const auto first = s.resolved(kPurple, {2, kInet6}, at("fe80::1%2"));
    REQUIRE(first);
    CHECK(first->instance == kPurple);
    CHECK(first->endpoints.size() == 1);
    CHECK(first->endpoints[0].address().to_v6().scope_id() == 2);
    const auto second = s.resolved(kPurple, {2, kInet}, at("10.213.0.2"));
    REQUIRE(second);
    REQUIRE(second->endpoints.size() == 2);
    CHECK(second->endpoints[0].address().is_v4());
    CHECK(second->endpoints[1].address().is_v6());
    CHECK(second->interfaces == std::vector<std::string>{"eth0"});
    CHECK(second->txt == std::vector<std::string>{"txtvers=1", "status=avail"});
    // The same answer again (a resolver re-reporting) changes nothing.
    CHECK_FALSE(s.resolved(kPurple, {2, kInet}, at("10.213.0.2")));
}

TEST_CASE("link-local: a TXT change is reported, interfaces are sorted") {
    LinkLocalSightings s;
    s.browsed(kPurple, {3, kInet});
    s.browsed(kPurple, {2, kInet});
    REQUIRE(s.resolved(kPurple, {3, kInet}, at("10.214.0.2", {"status=avail"}, "wlan0")));
    const auto both = s.resolved(kPurple, {2, kInet}, at("10.213.0.2", {"status=avail"}, "eth0"));
    REQUIRE(both);
    CHECK(both->interfaces == std::vector<std::string>{"eth0", "wlan0"});
    const auto away = s.resolved(kPurple, {2, kInet}, at("10.213.0.2", {"status=dnd", "msg=gone"}, "eth0"));
    REQUIRE(away);
    CHECK(away->txt == std::vector<std::string>{"status=dnd", "msg=gone"});
    CHECK(away->endpoints.size() == 2);
}

TEST_CASE("link-local: lost only when the last (interface, protocol) goes, fewer endpoints before that") {
    LinkLocalSightings s;
    s.browsed(kPurple, {2, kInet});
    s.browsed(kPurple, {2, kInet6});
    REQUIRE(s.resolved(kPurple, {2, kInet}, at("10.213.0.2")));
    REQUIRE(s.resolved(kPurple, {2, kInet6}, at("fe80::1%2")));
    const auto one = s.removed(kPurple, {2, kInet6});
    CHECK_FALSE(one.lost);
    REQUIRE(one.change);
    CHECK(one.change->endpoints.size() == 1);
    const auto last = s.removed(kPurple, {2, kInet});
    CHECK(last.lost);
    CHECK_FALSE(s.tracks(kPurple));
    // Never reported (browsed, not resolved): no loss to report.
    s.browsed("bob@h3", {2, kInet});
    CHECK_FALSE(s.removed("bob@h3", {2, kInet}).lost);
    // An answer for a source the browser does not (or no longer) report is ignored.
    CHECK_FALSE(s.resolved(kPurple, {2, kInet}, at("10.213.0.2")));
}

TEST_CASE("link-local: received TXT is bounded, clear() names what was reported") {
    std::vector<std::string> txt(kMaxLinkLocalTxtStrings + 5, "k=v");
    txt[0] = std::string(kMaxTxtEntryBytes + 1, 'x');
    txt[1] = std::string(255, 'y');
    const auto bounded = bounded_link_local_txt(txt);
    CHECK(bounded.size() == kMaxLinkLocalTxtStrings);
    CHECK(bounded[0] == std::string(255, 'y'));

    LinkLocalSightings s;
    s.browsed(kPurple, {2, kInet});
    s.browsed("bob@h3", {2, kInet});
    REQUIRE(s.resolved(kPurple, {2, kInet}, at("10.213.0.2", txt)));
    CHECK(s.instance_count() == 2);
    CHECK(s.clear() == std::vector<std::string>{kPurple});
    CHECK(s.instance_count() == 0);
}

TEST_CASE("link-local: at most kMaxLinkLocalInstances instances are tracked, known ones keep their sources") {
    LinkLocalSightings s;
    for (std::size_t i = 0; i < kMaxLinkLocalInstances; ++i) CHECK(s.browsed("u" + std::to_string(i) + "@h", {2, kInet}));
    CHECK_FALSE(s.browsed("one-more@h", {2, kInet}));
    CHECK_FALSE(s.tracks("one-more@h"));
    CHECK(s.browsed("u0@h", {2, kInet6}));  // a known instance on another protocol
    CHECK(s.instance_count() == kMaxLinkLocalInstances);
    s.removed("u1@h", {2, kInet});
    CHECK(s.browsed("one-more@h", {2, kInet}));
}
