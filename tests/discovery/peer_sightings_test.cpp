#include "discovery/peer_sightings.hpp"

#include <doctest/doctest.h>

using namespace hallway::discovery;
using Change = PeerSightings::Change;

namespace {

const std::string kAlice = "1111111111111111111111111111111111111111";
const std::string kBob = "2222222222222222222222222222222222222222";
constexpr int kInet = 0, kInet6 = 1;

Sighting seen(const std::string& name, const std::string& fp, int interface, int protocol, const char* address,
              std::uint16_t port = 4000, const std::string& nick = "nick") {
    return Sighting{name, fp, nick, 1, {asio::ip::make_address(address), port}, interface, protocol, "local", "eth0"};
}

}  // namespace

TEST_CASE("sightings: first instance is a new peer, the same data again is nothing") {
    PeerSightings table;
    const auto a = seen("Alice", kAlice, 2, kInet, "10.213.0.1");
    CHECK(table.resolved(a).change == Change::new_peer);
    CHECK(table.resolved(a).change == Change::none);
    CHECK(table.peer_count() == 1);
}

TEST_CASE("sightings: other interfaces/protocols add endpoints to one peer") {
    PeerSightings table;
    CHECK(table.resolved(seen("Alice", kAlice, 2, kInet, "10.213.0.1")).change == Change::new_peer);
    CHECK(table.resolved(seen("Alice", kAlice, 2, kInet6, "fe80::1")).change == Change::new_endpoint);
    CHECK(table.resolved(seen("Alice", kAlice, 3, kInet, "10.9.0.1")).change == Change::new_endpoint);
    CHECK(table.peer_count() == 1);
    CHECK(table.sightings_of(kAlice).size() == 3);
}

TEST_CASE("sightings: lost only when the last instance disappears") {
    PeerSightings table;
    table.resolved(seen("Alice", kAlice, 2, kInet, "10.213.0.1"));
    table.resolved(seen("Alice", kAlice, 2, kInet6, "fe80::1"));
    CHECK_FALSE(table.removed({"Alice", 2, kInet}));
    CHECK(table.peer_count() == 1);
    const auto lost = table.removed({"Alice", 2, kInet6});
    REQUIRE(lost);
    CHECK(*lost == LostPeer{"Alice", kAlice});
    CHECK(table.peer_count() == 0);
    CHECK_FALSE(table.removed({"Alice", 2, kInet6}));  // unknown instance: nothing
}

TEST_CASE("sightings: a peer renamed by collision keeps one entry per fingerprint") {
    PeerSightings table;
    table.resolved(seen("Alice", kAlice, 2, kInet, "10.213.0.1"));
    CHECK(table.resolved(seen("Alice #2", kAlice, 2, kInet, "10.213.0.1")).change == Change::new_endpoint);
    CHECK_FALSE(table.removed({"Alice", 2, kInet}));
    CHECK(table.removed({"Alice #2", 2, kInet}));
}

TEST_CASE("sightings: re-resolve with new nick or address") {
    PeerSightings table;
    table.resolved(seen("Alice", kAlice, 2, kInet, "10.213.0.1", 4000, "Alice"));
    const auto renamed = table.resolved(seen("Alice", kAlice, 2, kInet, "10.213.0.1", 4000, "Alicia"));
    CHECK(renamed.change == Change::updated);
    CHECK_FALSE(renamed.lost);
    CHECK(table.resolved(seen("Alice", kAlice, 2, kInet, "10.213.0.1", 4001, "Alicia")).change ==
          Change::new_endpoint);
    CHECK(table.sightings_of(kAlice).at(0).endpoint.port() == 4001);
}

TEST_CASE("sightings: an instance that changes fingerprint loses the old peer") {
    PeerSightings table;
    table.resolved(seen("Box", kAlice, 2, kInet, "10.213.0.1"));
    const auto update = table.resolved(seen("Box", kBob, 2, kInet, "10.213.0.1"));
    CHECK(update.change == Change::new_peer);
    REQUIRE(update.lost);
    CHECK(update.lost->fingerprint == kAlice);
    CHECK(table.sightings_of(kAlice).empty());
}

TEST_CASE("sightings: clear reports each peer once") {
    PeerSightings table;
    table.resolved(seen("Alice", kAlice, 2, kInet, "10.213.0.1"));
    table.resolved(seen("Alice", kAlice, 2, kInet6, "fe80::1"));
    table.resolved(seen("Bob", kBob, 2, kInet, "10.213.0.2"));
    const auto lost = table.clear();
    CHECK(lost.size() == 2);
    CHECK(table.peer_count() == 0);
    CHECK(table.clear().empty());
}

TEST_CASE("sightings: the same instance name in two domains is two instances") {
    PeerSightings table;
    auto wide = seen("Alice", kAlice, -1, -1, "10.214.0.1");
    wide.domain = "office.example";
    wide.interface_name.clear();
    CHECK(table.resolved(seen("Alice", kAlice, 2, kInet, "10.213.0.1")).change == Change::new_peer);
    CHECK(table.resolved(wide).change == Change::new_endpoint);
    CHECK(table.instance_count() == 2);
    CHECK(table.has_instance_named("Alice", -1, "office.example"));
    CHECK_FALSE(table.has_instance_named("Alice", -1, "other.example"));
    CHECK_FALSE(table.removed({"Alice", -1, -1}));  // "local": no such instance
    CHECK(table.instance_count() == 2);
    CHECK_FALSE(table.removed({"Alice", -1, -1, "office.example"}));  // still on mDNS
    CHECK(table.removed({"Alice", 2, kInet}));
}

TEST_CASE("sightings: a domain no longer browsed takes its peers along, once each") {
    PeerSightings table;
    auto in_domain = [](const std::string& name, const std::string& fp, const char* address, const char* domain) {
        auto s = seen(name, fp, -1, -1, address);
        s.domain = domain;
        return s;
    };
    table.resolved(in_domain("Alice", kAlice, "10.214.0.1", "office.example"));
    table.resolved(in_domain("Alice (2)", kAlice, "10.214.0.2", "office.example"));
    table.resolved(in_domain("Bob", kBob, "10.214.0.3", "office.example"));
    table.resolved(in_domain("Bob", kBob, "10.215.0.3", "lab.example"));
    const auto lost = table.removed_domain("office.example");
    REQUIRE(lost.size() == 1);
    CHECK(lost[0].fingerprint == kAlice);  // Bob is still seen in lab.example
    CHECK(table.instance_count() == 1);
    CHECK(table.removed_domain("office.example").empty());
    CHECK(table.removed_domain("lab.example") == std::vector<LostPeer>{{"Bob", kBob}});
}
