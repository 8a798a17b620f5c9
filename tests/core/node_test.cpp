// A core::Node on loopback (no mDNS, no control socket) against peers that are
// bare transports, so a test chooses exactly what goes on the wire.
#include "core/node.hpp"
#include "loopback.hpp"
#include "tests/core/running_node.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using transport::test::run_until;
using Peer = transport::test::Node;
using hallway::test::Running;

namespace {

// Connects peer to the node and returns the node's key.
transport::PeerKey connect(asio::io_context& io, Peer& peer, const Running& n) {
    const auto ups = peer.ups.size();
    peer.transport->dial(n.endpoint());
    REQUIRE(run_until(io, [&] { return peer.ups.size() > ups; }));
    return peer.ups.back().peer;
}

// Queues a text with a chosen id (resent on reconnects until acked).
void say(Peer& peer, const transport::PeerKey& to, const transport::MessageId& id, std::string body) {
    transport::Text t{id, 1700000000000ull, std::move(body)};
    peer.unacked[id] = t;
    peer.transport->send(to, t);
}

}  // namespace

TEST_CASE("node: another peer's text with an id already used is stored and acked, a changed resend is refused") {
    asio::io_context io;
    Running n(io);
    Peer alice(io, 1, "alice"), bob(io, 2, "bob");
    const auto node_key = connect(io, alice, n);
    connect(io, bob, n);
    const auto id = transport::test::make_id(7, 1);

    say(alice, node_key, id, "from alice");
    REQUIRE(run_until(io, [&] { return alice.unacked.empty(); }));
    say(bob, node_key, id, "from bob");
    REQUIRE(run_until(io, [&] { return bob.unacked.empty(); }));  // acked...
    auto bobs = n.node->history(bob.key.public_key);
    REQUIRE(bobs.size() == 1);  // ...because stored
    CHECK(bobs[0].body == "from bob");
    CHECK(n.node->history(alice.key.public_key).at(0).body == "from alice");
    CHECK(n.node->message(bob.key.public_key, core::Direction::in, id)->body == "from bob");

    // Alice reuses her id for another text: not stored, not acked, the user told once.
    say(alice, node_key, id, "changed");
    REQUIRE(run_until(io, [&] { return !n.notices.empty(); }));
    CHECK(n.notices.size() == 1);
    CHECK(n.notices[0].level == core::Notice::Level::warning);
    CHECK(n.notices[0].text.find("\"alice\"") != std::string::npos);
    // A later text's ack arrives after any ack of the refused one would have.
    say(alice, node_key, transport::test::make_id(7, 2), "next");
    REQUIRE(run_until(io, [&] { return alice.unacked.size() == 1; }));
    CHECK(alice.unacked.count(id) == 1);
    CHECK(n.node->history(alice.key.public_key).size() == 2);
    CHECK(n.node->history(alice.key.public_key).at(0).body == "from alice");
}

TEST_CASE("node: a peer's addresses are the listening one we dialed, not each reconnect's source port") {
    asio::io_context io;
    Peer peer(io, 3, "listener");
    const auto port = peer.transport->listen();
    const std::string listening = "127.0.0.1:" + std::to_string(port);
    Running n(io, {listening});
    REQUIRE(run_until(io, [&] { return peer.ups.size() == 1; }));  // the node dialed it
    const auto node_key = peer.ups.back().peer;
    // The peer reconnects to the node a dozen times (inbound sessions, ephemeral source ports).
    for (int i = 0; i < 12; ++i) {
        const auto downs = peer.downs.size();
        peer.transport->close(node_key, "bye");
        REQUIRE(run_until(io, [&] { return peer.downs.size() > downs; }));
        connect(io, peer, n);
    }
    REQUIRE(run_until(io, [&] {
        auto v = n.view(peer.key.public_key);
        return v && v->online;
    }));
    CHECK(n.view(peer.key.public_key)->addresses == std::vector<std::string>{listening});
}

TEST_CASE("node: strangers are bounded, a contact with messages is never forgotten") {
    asio::io_context io;
    Running n(io, {}, 2);
    Peer friend_(io, 10, "friend");
    const auto node_key = connect(io, friend_, n);
    say(friend_, node_key, transport::test::make_id(10, 1), "hi");
    REQUIRE(run_until(io, [&] { return friend_.unacked.empty(); }));
    // Six new keys, one after another (a key flood, slowed down).
    for (std::uint8_t i = 0; i < 6; ++i) {
        Peer stranger(io, static_cast<std::uint8_t>(20 + i), "stranger");
        connect(io, stranger, n);
        stranger.transport->close(node_key, "bye");
        REQUIRE(run_until(io, [&] { return !stranger.downs.empty(); }));
    }
    auto peers = n.node->peers();
    // The friend, the 2 kept strangers, and at most one spared while online.
    CHECK(peers.size() <= 4);
    CHECK(n.view(friend_.key.public_key));
}

// §11.1: the node's Hello offers rooms with its signing key, the same after a nick change.
TEST_CASE("node: its Hello carries the rooms capability and a stable signing key") {
    asio::io_context io;
    Running n(io);
    Peer peer(io, 4, "peer");
    const auto node_key = connect(io, peer, n);
    const transport::Hello first = peer.ups.back().hello;
    REQUIRE(first.sign_key);
    CHECK(*first.sign_key != transport::KeyBytes{});
    CHECK(std::count(first.capabilities.begin(), first.capabilities.end(), "rooms") == 1);
    std::string error;
    REQUIRE(n.node->set_nick("renamed", error));
    const auto downs = peer.downs.size();
    peer.transport->close(node_key, "bye");
    REQUIRE(run_until(io, [&] { return peer.downs.size() > downs; }));
    connect(io, peer, n);
    CHECK(peer.ups.back().hello.nick == "renamed");
    CHECK(peer.ups.back().hello.sign_key == first.sign_key);
    CHECK(peer.ups.back().hello.capabilities == first.capabilities);
}

TEST_CASE("node: a peer without the rooms capability still chats, is shown unable to join rooms, and is not invited") {
    asio::io_context io;
    Running n(io);
    Peer old(io, 5, "old");  // a Hello without "rooms" and without a signing key
    const auto node_key = connect(io, old, n);
    say(old, node_key, transport::MessageId{1}, "still here");
    REQUIRE(run_until(io, [&] { return old.unacked.empty(); }));
    auto view = n.view(old.key.public_key);
    REQUIRE(view);
    CHECK_FALSE(view->rooms);
    std::string error;
    auto room = n.node->create_room("team", false, "", error);
    REQUIRE(room);
    CHECK_FALSE(n.node->invite(*room, old.key.public_key, error));
    CHECK(error.find("cannot join rooms") != std::string::npos);
}

namespace {

// A port free right now, to stand in for the default (wire::kDefaultPort): the real
// one may be held by another test's node or a Hallway running on this machine.
std::uint16_t free_port(asio::io_context& io) {
    asio::ip::tcp::acceptor probe(io, asio::ip::tcp::endpoint(asio::ip::tcp::v6(), 0));
    return probe.local_endpoint().port();
}

}  // namespace

// Issue 16: a known port, so that one firewall rule can allow Hallway.
TEST_CASE("node: without --port it listens on the default port when that is free, and says nothing") {
    asio::io_context io;
    const auto default_port = free_port(io);
    Running n(io, {}, core::kMaxStrangers, "node", std::nullopt, default_port);
    CHECK(n.node->port() == default_port);
    CHECK(n.node->own().port == default_port);  // what discovery announces
    CHECK(n.notices.empty());
    Peer peer(io, 6, "peer");
    connect(io, peer, n);
}

TEST_CASE("node: a second node on the host finds the default taken, listens elsewhere, says so, and is reachable there") {
    asio::io_context io;
    Running first(io, {}, core::kMaxStrangers, "first");  // any free port...
    const auto taken = first.node->port();                  // ...is the default the second one wants
    const std::string first_at = "127.0.0.1:" + std::to_string(taken);
    Running second(io, {first_at}, core::kMaxStrangers, "second", std::nullopt, taken);
    const auto port = second.node->port();
    CHECK(port != taken);
    CHECK(port != 0);
    CHECK(second.node->own().port == port);  // what discovery announces: the port it has
    REQUIRE(second.notices.size() == 1);
    CHECK(second.notices[0].level == core::Notice::Level::warning);
    const auto t = std::to_string(taken);
    CHECK(second.notices[0].text == "port " + t + " is in use (another Hallway?); listening on " +
                                        std::to_string(port) + " instead; a firewall rule for " + t +
                                        " will not cover this");
    // It works: it reached the first node, and a peer reaches it at the port it reports.
    REQUIRE(run_until(io, [&] {
        auto peers = second.node->peers();
        return std::any_of(peers.begin(), peers.end(), [](const auto& p) { return p.nick == "first" && p.session; });
    }));
    Peer peer(io, 7, "peer");
    connect(io, peer, second);
    CHECK(peer.ups.back().hello.nick == "second");
}

TEST_CASE("node: a --port that is taken is an error, not a fallback") {
    asio::io_context io;
    Running first(io);
    const auto taken = first.node->port();
    try {
        Running second(io, {}, core::kMaxStrangers, "second", taken);
        FAIL("the second node listens on " << second.node->port());
    } catch (const std::system_error& e) {
        CHECK(e.code() == asio::error::address_in_use);
    }
}

TEST_CASE("node: --private and --no-private decide one run, without either the saved choice does") {
    asio::io_context io;
    hallway::test::TempDir dir;
    const auto open = [&](std::optional<bool> this_run) {
        core::NodeOptions o;
        o.profile_dir = dir.path() / "profile";
        o.download_dir = dir.path() / "downloads";
        o.mdns = false;
        o.control_socket = false;
        o.port = 0;
        o.private_mode = this_run;
        std::string error;
        auto node = core::Node::create(io, o, error);
        INFO(error);
        REQUIRE(node);
        node->start();
        return node;
    };
    const auto own_private = [&](std::optional<bool> this_run) { return open(this_run)->own().private_mode; };
    CHECK_FALSE(own_private(std::nullopt));
    CHECK(own_private(true));
    CHECK_FALSE(own_private(std::nullopt));  // --private is not remembered
    std::string error;
    REQUIRE(open(std::nullopt)->set_private_mode(true, error));  // the window's switch
    CHECK(own_private(std::nullopt));
    CHECK_FALSE(own_private(false));  // --no-private overrides the saved choice ...
    CHECK(own_private(std::nullopt));  // ... and leaves it saved
}

namespace {

std::optional<core::PeerView> named(const Running& r, std::string_view nick) {
    for (auto& p : r.node->peers())
        if (p.nick == nick) return p;
    return std::nullopt;
}

bool has(const std::vector<std::string>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// alice and bob meet (bob dials alice with --peer) and bob sends alice a text:
// contacts to each other, not strangers. Returns {alice's key, bob's key}.
std::pair<transport::PeerKey, transport::PeerKey> meet(asio::io_context& io, Running& alice, Running& bob) {
    REQUIRE(run_until(io, [&] { return named(bob, "alice") && named(alice, "bob"); }));
    const auto a = named(bob, "alice")->key;
    const auto b = named(alice, "bob")->key;
    std::string error;
    REQUIRE(bob.node->send_text(a, "hi alice", error));
    REQUIRE(run_until(io, [&] { return alice.node->history(b, 10).size() == 1; }));
    return {a, b};
}

}  // namespace

TEST_CASE("node: restarted without --peer or mDNS, a contact is dialed where it was reached before") {
    asio::io_context io;
    Running alice(io, {}, core::kMaxStrangers, "alice");
    Running bob(io, {"127.0.0.1:" + std::to_string(alice.node->port())}, core::kMaxStrangers, "bob");
    const auto keys = meet(io, alice, bob);
    const auto &a = keys.first, &b = keys.second;
    CHECK(named(bob, "alice")->found_by == std::vector<std::string>{"--peer"});
    CHECK(named(alice, "bob")->found_by == std::vector<std::string>{"inbound"});

    bob.restart();  // no --peer now, and no mDNS: only a remembered address can bring them together
    REQUIRE(run_until(io, [&] {
        auto on_bob = bob.view(a);
        auto on_alice = alice.view(b);
        return on_bob && on_bob->session && on_bob->online && on_alice && on_alice->online;
    }));
    // Whichever dialed first (bob at start, or alice at bob's inbound address
    // with its Hello port) reached the other at a remembered address.
    const auto bob_saw = bob.view(a)->found_by;
    const auto alice_saw = alice.view(b)->found_by;
    CAPTURE(bob_saw.size());
    CHECK(((has(bob_saw, "remembered") && has(alice_saw, "inbound")) ||
           (has(alice_saw, "remembered") && has(bob_saw, "inbound"))));
    std::string error;
    REQUIRE(alice.node->send_text(b, "hi bob", error));
    REQUIRE(run_until(io, [&] { return bob.node->history(a, 10).size() == 2; }));
    REQUIRE(bob.node->send_text(a, "again", error));
    REQUIRE(run_until(io, [&] { return alice.node->history(b, 10).size() == 2; }));
}

TEST_CASE("node: another key at a remembered address is refused, reported, and does not show the contact online") {
    asio::io_context io;
    std::optional<Running> alice(std::in_place, io, std::vector<std::string>{}, core::kMaxStrangers, "alice");
    const auto port = alice->node->port();
    Running bob(io, {"127.0.0.1:" + std::to_string(port)}, core::kMaxStrangers, "bob");
    const auto [a, b] = meet(io, *alice, bob);
    alice.reset();  // alice leaves; eve listens where alice did
    Running eve(io, {}, core::kMaxStrangers, "eve", port);
    bob.restart();
    auto spoof_reported = [&] {
        return std::any_of(bob.notices.begin(), bob.notices.end(), [](const core::Notice& n) {
            return n.level == core::Notice::Level::alert && n.text.find("Spoofing attempt refused") != std::string::npos &&
                   n.text.find("\"alice\"") != std::string::npos;
        });
    };
    REQUIRE(run_until(io, spoof_reported));
    // A while more: alice never shows online, eve is no session of bob's.
    run_until(io, [] { return false; }, std::chrono::milliseconds(1500));
    CHECK_FALSE(bob.view(a)->online);
    CHECK_FALSE(named(bob, "eve"));
    CHECK(std::count_if(bob.notices.begin(), bob.notices.end(), [](const core::Notice& n) {
              return n.text.find("Spoofing attempt refused") != std::string::npos;
          }) == 1);  // told once: the address is no longer taken for alice's
}
