// The roster of link-local XMPP buddies (core/link_local_buddies.hpp).
#include "core/link_local_buddies.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

using namespace hallway;
using namespace hallway::core;
using Verdict = xmpp::Identification::Verdict;

namespace {

asio::ip::tcp::endpoint ep(std::string_view address, std::uint16_t port = 5298) {
    return {asio::ip::make_address(address), port};
}

discovery::LinkLocalSighting sighting(std::string instance, std::vector<asio::ip::tcp::endpoint> endpoints,
                                      std::vector<std::string> txt = {}) {
    return {std::move(instance), std::move(endpoints), std::move(txt), {"eth0"}};
}

const std::string kUs = "hallway@box";

}  // namespace

TEST_CASE("link-local buddies: the synthetic key is BLAKE2b-256 of the label, a zero byte and the instance") {
    const std::string input = std::string("Hallway xmpp-link-local v1") + '\0' + "anna@laptop";
    PeerKey expected{};
    crypto_generichash(expected.data(), expected.size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size(), nullptr, 0);
    CHECK(link_local_key("anna@laptop") == expected);
    CHECK(link_local_key("anna@laptop") != link_local_key("Anna@laptop"));  // case-sensitive identity
}

TEST_CASE("link-local buddies: presence words both ways") {
    CHECK(presence_word(xmpp::Presence::available) == "available");
    CHECK(presence_word(xmpp::Presence::away) == "away");
    CHECK(presence_word(xmpp::Presence::busy) == "busy");
    CHECK(presence_from_word("away") == xmpp::Presence::away);
    CHECK(presence_from_word("busy") == xmpp::Presence::busy);
    CHECK(presence_from_word("available") == xmpp::Presence::available);
    CHECK(presence_from_word("whatever") == xmpp::Presence::available);
}

TEST_CASE("link-local buddies: a manual peer parses as user@host=HOST:PORT") {
    auto p = parse_manual_link_local_peer("anna@laptop=192.168.1.5:5298");
    REQUIRE(p);
    CHECK(p->instance == "anna@laptop");
    CHECK(p->endpoint == ep("192.168.1.5"));
    auto v6 = parse_manual_link_local_peer("a@b=[fe80::1%1]:5299");
    REQUIRE(v6);
    CHECK(v6->endpoint.port() == 5299);
    CHECK(!parse_manual_link_local_peer("anna@laptop"));
    CHECK(!parse_manual_link_local_peer("laptop=1.2.3.4:5298"));  // no user@host
    CHECK(!parse_manual_link_local_peer("a@b=1.2.3.4"));
    CHECK(!parse_manual_link_local_peer("a@b=1.2.3.4:0"));
    CHECK(!parse_manual_link_local_peer("a@b=1.2.3.4:65536"));
    CHECK(!parse_manual_link_local_peer("a@b=somehost:5298"));  // an address, not a name
}

TEST_CASE("link-local buddies: sightings give endpoints, presence and a display name, and lost removes them") {
    LinkLocalBuddies roster;
    CHECK(roster.sighted(sighting("anna@laptop", {ep("10.0.0.2")}, {"txtvers=1", "status=dnd", "nick=Anna K",
                                                                    "msg=lunch"})));
    auto* b = roster.find_instance("anna@laptop");
    REQUIRE(b);
    CHECK(b->key == link_local_key("anna@laptop"));
    CHECK(roster.find(b->key) == b);
    CHECK(b->display_name == "Anna K");
    CHECK(b->presence.status == xmpp::Presence::busy);
    CHECK(presence_word(b->presence.status) == "busy");
    CHECK(b->presence.message == "lunch");
    CHECK(b->online());
    // The same again changes nothing; a TXT change does.
    CHECK(!roster.sighted(sighting("anna@laptop", {ep("10.0.0.2")}, {"txtvers=1", "status=dnd", "nick=Anna K",
                                                                     "msg=lunch"})));
    CHECK(roster.sighted(sighting("anna@laptop", {ep("10.0.0.2")}, {"status=avail", "nick=Anna K"})));
    CHECK(roster.named("anna k").size() == 1);
    CHECK(roster.named("anna@laptop").size() == 1);
    CHECK(roster.named("ANNA@laptop").empty());  // instances compare exactly
    // libpurple publishes its Away as dnd.
    roster.sighted(sighting("bo@pc", {ep("10.0.0.3")}, {"status=dnd", "node=libpurple"}));
    CHECK(roster.find_instance("bo@pc")->presence.status == xmpp::Presence::away);
    CHECK(roster.find_instance("bo@pc")->display_name == "bo");
    CHECK(roster.lost("anna@laptop"));
    CHECK(!roster.find_instance("anna@laptop"));
    CHECK(!roster.lost("anna@laptop"));
}

TEST_CASE("link-local buddies: a manual buddy stays when its sighting goes") {
    LinkLocalBuddies roster;
    roster.add_manual({"anna@laptop", ep("127.0.0.1", 6000)});
    auto* b = roster.find_instance("anna@laptop");
    REQUIRE(b);
    CHECK(b->online());
    CHECK(b->endpoints == std::vector{ep("127.0.0.1", 6000)});
    roster.sighted(sighting("anna@laptop", {ep("10.0.0.2")}, {"nick=Anna"}));
    CHECK(roster.find_instance("anna@laptop")->endpoints ==
          std::vector{ep("10.0.0.2"), ep("127.0.0.1", 6000)});
    CHECK(roster.lost("anna@laptop"));
    b = roster.find_instance("anna@laptop");
    REQUIRE(b);
    CHECK(b->online());
    CHECK(b->endpoints == std::vector{ep("127.0.0.1", 6000)});
}

TEST_CASE("link-local buddies: identify per docs/XMPP-BRIDGE-DESIGN.md 4.3") {
    LinkLocalBuddies roster;
    roster.sighted(sighting("anna@laptop", {ep("10.0.0.2"), ep("fe80::2%2")}));
    roster.sighted(sighting("bo@pc", {ep("10.0.0.3")}));
    roster.sighted(sighting("cy@pc", {ep("10.0.0.3")}));  // two instances on one host

    SUBCASE("from a known instance at one of its addresses") {
        auto id = roster.identify("anna@laptop", kUs, asio::ip::make_address("10.0.0.2"), kUs);
        CHECK(id.verdict == Verdict::accept);
        CHECK(id.their_name == "anna@laptop");
        CHECK(id.our_name == kUs);
        // v4-mapped sources are unmapped.
        CHECK(roster.identify("anna@laptop", std::nullopt, asio::ip::make_address("::ffff:10.0.0.2"), kUs).verdict ==
              Verdict::accept);
    }
    SUBCASE("fe80:: matches only on its own link") {
        CHECK(roster.identify("anna@laptop", kUs, asio::ip::make_address("fe80::2%2"), kUs).verdict ==
              Verdict::accept);
        CHECK(roster.identify("anna@laptop", kUs, asio::ip::make_address("fe80::2%3"), kUs).verdict ==
              Verdict::wait);
    }
    SUBCASE("a known instance from another address is not believed") {
        auto id = roster.identify("anna@laptop", kUs, asio::ip::make_address("10.0.0.9"), kUs);
        CHECK(id.verdict == Verdict::wait);
        CHECK(id.our_name == kUs);
    }
    SUBCASE("an unknown instance waits for discovery") {
        CHECK(roster.identify("dee@x", kUs, asio::ip::make_address("10.0.0.2"), kUs).verdict == Verdict::wait);
    }
    SUBCASE("no from: exactly one instance at that address") {
        auto id = roster.identify(std::nullopt, std::nullopt, asio::ip::make_address("10.0.0.2"), kUs);
        CHECK(id.verdict == Verdict::accept);
        CHECK(id.their_name == "anna@laptop");
        CHECK(roster.identify(std::nullopt, kUs, asio::ip::make_address("10.0.0.3"), kUs).verdict ==
              Verdict::unknown_peer);
        CHECK(roster.identify(std::nullopt, kUs, asio::ip::make_address("10.0.0.7"), kUs).verdict == Verdict::wait);
    }
    SUBCASE("a `to` that is not our name") {
        CHECK(roster.identify("anna@laptop", "someone@else", asio::ip::make_address("10.0.0.2"), kUs).verdict ==
              Verdict::wrong_to);
    }
}
