// Sharing addresses (docs/PROTOCOL.md §13) through a real core::Node on
// loopback, against bare transports that send and read where and here by hand.
#include "core/address_sharing.hpp"
#include "core/node.hpp"
#include "loopback.hpp"
#include "tests/core/running_node.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using transport::test::run_until;
using Peer = transport::test::Node;
using hallway::test::Running;

namespace {

const std::vector<std::string> kOffersAddresses{"text", "addresses"};

// A peer that offers "addresses" and listens (so it can be dialed).
std::uint16_t offer_and_listen(Peer& p, const std::string& nick) {
    p.transport->set_hello(transport::Hello{1, nick, kOffersAddresses});
    return p.transport->listen();
}

// Returns once both ends have the session: the dialer's up comes first, and a
// trust set before the node has met the peer would be ignored.
transport::PeerKey connect(asio::io_context& io, Peer& peer, const Running& n) {
    const auto ups = peer.ups.size();
    peer.transport->dial(n.endpoint());
    REQUIRE(run_until(io, [&] { return peer.ups.size() > ups && n.online(peer.key.public_key); }));
    return peer.ups.back().peer;
}

void disconnect(asio::io_context& io, Peer& peer, const transport::PeerKey& node_key) {
    const auto downs = peer.downs.size();
    peer.transport->close(node_key, "bye");
    REQUIRE(run_until(io, [&] { return peer.downs.size() > downs; }));
}

template <class M>
std::vector<M> got(const Peer& p) {
    std::vector<M> out;
    for (const auto& m : p.others)
        if (auto* x = std::get_if<M>(&m)) out.push_back(*x);
    return out;
}

// Everything the node sends in answer to what came before a text is sent
// before the text's ack: after the ack, an answer that did not come never will.
void fence(asio::io_context& io, Peer& p, const transport::PeerKey& node_key, std::uint32_t n) {
    p.say(node_key, 99, n);
    REQUIRE(run_until(io, [&] { return p.unacked.empty(); }));
}

transport::Where where_about(const transport::PeerKey& key, std::uint8_t salt_byte) {
    transport::Where w;
    w.salt.fill(salt_byte);
    w.tags.push_back(core::where_tag(key, w.salt));
    return w;
}

std::string loopback(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("node: its Hello offers addresses unless the setting is off or it is private") {
    asio::io_context io;
    Running n(io);
    Peer p(io, 40, "p");
    const auto caps = [&] {
        const auto node_key = connect(io, p, n);
        auto c = p.ups.back().hello.capabilities;
        disconnect(io, p, node_key);
        return c;
    };
    CHECK(has(caps(), "addresses"));
    std::string error;
    REQUIRE(n.node->set_share_addresses(core::ShareAddresses::off, error));
    CHECK(n.node->own().share_addresses == core::ShareAddresses::off);
    CHECK_FALSE(has(caps(), "addresses"));
    REQUIRE(n.node->set_share_addresses(core::ShareAddresses::contacts, error));
    CHECK(has(caps(), "addresses"));
    const auto node_key = p.ups.back().peer;
    REQUIRE(n.node->set_private_mode(true, error));
    p.transport->dial(n.endpoint(), node_key, transport::Lane::chat, transport::Handshake::ik);
    REQUIRE(run_until(io, [&] { return p.ups.size() == 4; }));
    CHECK_FALSE(has(p.ups.back().hello.capabilities, "addresses"));
}

TEST_CASE("node: a where is answered to a verified contact about contacts that offer addresses, to a stranger not at all") {
    asio::io_context io;
    Peer c(io, 41, "carol");
    const auto c_port = offer_and_listen(c, "carol");
    Running n(io, {loopback(c_port)});  // dials carol: her address is remembered
    REQUIRE(run_until(io, [&] { return c.ups.size() == 1; }));
    const auto carol = c.key.public_key;

    Peer s(io, 42, "stranger");
    offer_and_listen(s, "stranger");
    const auto node_key = connect(io, s, n);
    s.transport->send(node_key, where_about(carol, 1));
    fence(io, s, node_key, 1);
    CHECK(got<transport::Here>(s).empty());  // not even an empty here

    Peer v(io, 43, "victor");
    offer_and_listen(v, "victor");
    connect(io, v, n);
    n.node->set_trust(v.key.public_key, core::Trust::verified);
    v.transport->send(node_key, where_about(carol, 2));
    REQUIRE(run_until(io, [&] { return got<transport::Here>(v).size() == 1; }));
    const auto here = got<transport::Here>(v)[0];
    CHECK(here.salt == where_about(carol, 2).salt);
    REQUIRE(here.peers.size() == 1);
    CHECK(here.peers[0].key == carol);
    CHECK(here.peers[0].addresses == std::vector<std::string>{loopback(c_port)});
    // A second where within 10 s is dropped.
    v.transport->send(node_key, where_about(carol, 3));
    fence(io, v, node_key, 2);
    CHECK(got<transport::Here>(v).size() == 1);
    // Nor is a where answered with the setting off, even to a verified contact.
    Peer w(io, 44, "wendy");
    offer_and_listen(w, "wendy");
    connect(io, w, n);
    n.node->set_trust(w.key.public_key, core::Trust::verified);
    std::string error;
    REQUIRE(n.node->set_share_addresses(core::ShareAddresses::off, error));
    w.transport->send(node_key, where_about(carol, 4));
    fence(io, w, node_key, 3);
    CHECK(got<transport::Here>(w).empty());
}

// A contact the node lost, a verified peer that knows where it went: the
// node asks, dials the answer, and says who told it; a wrong key at the
// answered place is refused and reported.
TEST_CASE("node: it asks a verified contact where a missing contact is, and reaches it there") {
    asio::io_context io;
    Running n(io);
    Peer c(io, 45, "carol");
    const auto c_port = offer_and_listen(c, "carol");
    const auto carol = c.key.public_key;
    // Carol was met once (inbound, no port said: no address kept) and is verified.
    c.transport->set_hello(transport::Hello{1, "carol", kOffersAddresses});
    const auto node_key = connect(io, c, n);
    n.node->set_trust(carol, core::Trust::verified);
    disconnect(io, c, node_key);
    REQUIRE(run_until(io, [&] { return n.view(carol) && !n.online(carol); }));

    Peer a(io, 46, "alice");
    offer_and_listen(a, "alice");
    connect(io, a, n);
    n.node->set_trust(a.key.public_key, core::Trust::verified);
    disconnect(io, a, node_key);  // asked when its session comes up as a verified contact's
    connect(io, a, n);
    REQUIRE(run_until(io, [&] { return got<transport::Where>(a).size() == 1; }));
    const auto where = got<transport::Where>(a)[0];
    REQUIRE(where.tags.size() == 1);
    CHECK(where.tags[0] == core::where_tag(carol, where.salt));

    SUBCASE("the answer is dialed and carol is reached there") {
        a.transport->send(node_key, transport::Here{where.salt, {{carol, {"nonsense", loopback(c_port)}}}});
        REQUIRE(run_until(io, [&] { return c.ups.size() == 2; }));
        REQUIRE(run_until(io, [&] { return n.online(carol); }));
        CHECK(has(n.view(carol)->found_by, "shared by alice"));
    }
    SUBCASE("a wrong key at the answered place is refused and reported") {
        Peer m(io, 47, "mallory");
        const auto m_port = m.transport->listen();
        a.transport->send(node_key, transport::Here{where.salt, {{carol, {loopback(m_port)}}}});
        REQUIRE(run_until(io, [&] {
            return std::any_of(n.notices.begin(), n.notices.end(), [&](const core::Notice& x) {
                return x.level == core::Notice::Level::alert && x.text.find(loopback(m_port)) != std::string::npos;
            });
        }));
        REQUIRE(n.view(carol));
        CHECK_FALSE(n.online(carol));
        CHECK_FALSE(has(n.view(carol)->found_by, "shared by alice"));
    }
    SUBCASE("an answer to another salt is not believed") {
        auto salt = where.salt;
        salt[0] ^= 1;
        a.transport->send(node_key, transport::Here{salt, {{carol, {loopback(c_port)}}}});
        fence(io, a, node_key, 1);
        // The remembered-address planner would dial it within a tick if it had been learned.
        CHECK_FALSE(run_until(io, [&] { return c.ups.size() == 2; }, std::chrono::seconds(3)));
    }
}
