// Nearby (docs/PROTOCOL.md §6.5) through a real core::Node on loopback (its
// link), against bare transports that send and read nearby by hand.
#include "core/nearby.hpp"
#include "core/node.hpp"
#include "loopback.hpp"
#include "tests/core/running_node.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using transport::test::run_until;
using Peer = transport::test::Node;
using hallway::test::Running;

namespace {

const std::vector<std::string> kOffersNearby{"text", "nearby"};

// A peer that offers "nearby", listens, and says its port in its Hello.
std::uint16_t listen_nearby(Peer& p, const std::string& nick) {
    p.transport->set_hello(transport::Hello{1, nick, kOffersNearby});
    const auto port = p.transport->listen();
    p.transport->set_hello(transport::Hello{1, nick, kOffersNearby, std::nullopt, {}, port});
    return port;
}

transport::PeerKey connect(asio::io_context& io, Peer& peer, const Running& n) {
    const auto ups = peer.ups.size();
    peer.transport->dial(n.endpoint());
    REQUIRE(run_until(io, [&] { return peer.ups.size() > ups; }));
    return peer.ups.back().peer;
}

std::vector<transport::Nearby> nearbys(const Peer& p) {
    std::vector<transport::Nearby> out;
    for (const auto& m : p.others)
        if (auto* x = std::get_if<transport::Nearby>(&m)) out.push_back(*x);
    return out;
}

std::string loopback(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

bool offers(const transport::SessionInfo& s, const std::string& capability) {
    const auto& caps = s.hello.capabilities;
    return std::find(caps.begin(), caps.end(), capability) != caps.end();
}

}  // namespace

TEST_CASE("node: a peer it met on its link is told of to the next peer it meets, at the port it listens on") {
    asio::io_context io;
    Running n(io);
    Peer b(io, 41, "bob"), c(io, 42, "carol");
    const auto b_port = listen_nearby(b, "bob");
    listen_nearby(c, "carol");
    connect(io, b, n);  // bob dialed the node: it is told where bob listens by his Hello
    CHECK(offers(b.ups.back(), "nearby"));
    const auto node_key = connect(io, c, n);
    REQUIRE(run_until(io, [&] { return !nearbys(c).empty(); }));
    const auto told = nearbys(c)[0];
    REQUIRE(told.peers.size() == 1);
    CHECK(told.peers[0].key == b.key.public_key);
    CHECK(told.peers[0].addresses == std::vector<std::string>{loopback(b_port)});
    // Carol is not told of herself, and bob (met before her) is not told of
    // her now: a nearby goes at the start of a session only.
    CHECK(nearbys(b).empty());
    (void)node_key;
}

TEST_CASE("node: it dials the peers a nearby tells of, once per session of the teller, never in private mode") {
    asio::io_context io;
    Running n(io);
    Peer b(io, 43, "bob"), c(io, 44, "carol"), d(io, 45, "dave");
    listen_nearby(b, "bob");
    const auto c_port = listen_nearby(c, "carol");
    const auto d_port = listen_nearby(d, "dave");
    const auto node_key = connect(io, b, n);
    b.transport->send(node_key, transport::Nearby{{{c.key.public_key, {loopback(c_port)}}}});
    REQUIRE(run_until(io, [&] { return c.ups.size() == 1; }));  // the node dialed carol, expecting her key
    CHECK(c.ups[0].peer == node_key);
    REQUIRE(run_until(io, [&] {
        for (const auto& p : n.node->peers())
            if (p.nick == "carol" && p.online) return true;
        return false;
    }));
    // A second nearby in the same session is not followed.
    b.transport->send(node_key, transport::Nearby{{{d.key.public_key, {loopback(d_port)}}}});
    b.say(node_key, 7, 1);  // its ack comes after the nearby is handled
    REQUIRE(run_until(io, [&] { return b.unacked.empty(); }));
    CHECK(d.ups.empty());

    // In private mode the node neither offers nor follows nearby.
    std::string error;
    REQUIRE(n.node->set_private_mode(true, error));
    const auto downs = b.downs.size();
    b.transport->close(node_key, "bye");
    REQUIRE(run_until(io, [&] { return b.downs.size() > downs; }));
    b.transport->dial(n.endpoint(), node_key, transport::Lane::chat, transport::Handshake::ik);
    REQUIRE(run_until(io, [&] { return b.ups.size() == 2; }));
    CHECK_FALSE(offers(b.ups.back(), "nearby"));
    b.transport->send(node_key, transport::Nearby{{{d.key.public_key, {loopback(d_port)}}}});
    b.say(node_key, 8, 2);
    REQUIRE(run_until(io, [&] { return b.unacked.empty(); }));
    CHECK(d.ups.empty());
}

TEST_CASE("nearby: only addresses on one of our links are told or dialed") {
    const std::vector<core::LinkPrefix> links{{asio::ip::make_address("10.213.0.0"), 24},
                                              {asio::ip::make_address("fd00::"), 64}};
    CHECK(core::on_link(asio::ip::make_address("10.213.0.7"), links));
    CHECK_FALSE(core::on_link(asio::ip::make_address("10.214.0.7"), links));  // across a router
    CHECK(core::on_link(asio::ip::make_address("fd00::7"), links));
    CHECK_FALSE(core::on_link(asio::ip::make_address("fd00:0:0:1::7"), links));
    CHECK_FALSE(core::on_link(asio::ip::make_address("fe80::7"), links));  // its zone is the sender's
    const std::vector<core::LinkPrefix> multicast{{asio::ip::make_address("224.0.0.0"), 4}};
    CHECK_FALSE(core::on_link(asio::ip::make_address("224.0.0.251"), multicast));

    core::NearbyPeers nearby;
    core::PeerKey own{}, bob{}, carol{}, mallory{};
    bob.fill(2);
    carol.fill(3);
    mallory.fill(9);
    nearby.met(bob, {asio::ip::make_address("10.213.0.2"), 4000});
    nearby.met(carol, {asio::ip::make_address("10.214.0.3"), 4000});  // a contact met across a router
    const auto all = [](const core::PeerKey&) { return true; };
    const auto told = nearby.tell(mallory, links, all);
    REQUIRE(told.peers.size() == 1);
    CHECK(told.peers[0].key == bob);

    transport::Nearby heard{{{carol, {"10.214.0.3:4000", "10.213.0.3:4000", "[fe80::3]:4000", "junk"}},
                             {own, {"10.213.0.1:4000"}},
                             {bob, {"10.213.0.2:4000"}},
                             {bob, {"10.213.0.2:4001"}}}};
    const auto leads = nearby.heard(mallory, heard, own, links, all);
    REQUIRE(leads.size() == 2);  // ourselves left out, bob once
    CHECK(leads[0].key == carol);
    CHECK(leads[0].at == std::vector<asio::ip::tcp::endpoint>{{asio::ip::make_address("10.213.0.3"), 4000}});
    CHECK(leads[1].key == bob);
    CHECK(nearby.heard(mallory, heard, own, links, all).empty());  // once per session
    nearby.session_down(mallory);
    CHECK(nearby.heard(mallory, heard, own, links, [&](const core::PeerKey& k) { return k != bob; }).size() == 1);
}

TEST_CASE("node: a key a nearby names that answers nowhere leaves no trace in its peer list") {
    asio::io_context io;
    Running n(io);
    Peer b(io, 47, "bob");
    listen_nearby(b, "bob");
    const auto node_key = connect(io, b, n);
    std::uint16_t closed_port = 0;
    {
        asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
        closed_port = a.local_endpoint().port();
    }
    core::PeerKey made_up{};
    made_up.fill(0x6d);
    b.transport->send(node_key, transport::Nearby{{{made_up, {loopback(closed_port)}}}});
    b.say(node_key, 9, 1);  // its ack comes after the nearby is handled
    REQUIRE(run_until(io, [&] { return b.unacked.empty(); }));
    const auto listed = [&] {
        const auto peers = n.node->peers();
        return std::any_of(peers.begin(), peers.end(), [&](const core::PeerView& p) { return p.key == made_up; });
    };
    // Dialed, refused, forgotten: a teller of made-up keys cannot grow the node's state.
    CHECK(run_until(io, [&] { return !listed(); }));
}
