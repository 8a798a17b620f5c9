// Read receipts and typing on a core::Node (docs/PROTOCOL.md §14), against
// another node or against bare transports that list exactly the capabilities
// a test chooses and record what arrives.
#include "core/node.hpp"
#include "loopback.hpp"
#include "tests/core/running_node.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using transport::test::run_until;
using Peer = transport::test::Node;
using hallway::test::Running;

namespace {

// A bare peer whose Hello lists these capabilities.
void offer(Peer& peer, std::vector<std::string> caps, std::string nick = "peer") {
    peer.transport->set_hello(transport::Hello{1, std::move(nick), std::move(caps)});
}

transport::PeerKey connect(asio::io_context& io, Peer& peer, const Running& n) {
    const auto ups = peer.ups.size();
    peer.transport->dial(n.endpoint());
    REQUIRE(run_until(io, [&] { return peer.ups.size() > ups; }));
    return peer.ups.back().peer;
}

void disconnect(asio::io_context& io, Peer& peer, const transport::PeerKey& node_key) {
    const auto downs = peer.downs.size();
    peer.transport->close(node_key, "bye");
    REQUIRE(run_until(io, [&] { return peer.downs.size() > downs; }));
}

// The peer's text, acked by the node (so stored).
void say(asio::io_context& io, Peer& peer, const transport::PeerKey& to, std::uint32_t n) {
    peer.say(to, 9, n);
    REQUIRE(run_until(io, [&] { return peer.unacked.empty(); }));
}

template <class T>
std::vector<T> got(const Peer& peer) {
    std::vector<T> out;
    for (const auto& m : peer.others)
        if (const auto* x = std::get_if<T>(&m)) out.push_back(*x);
    return out;
}

std::vector<transport::MessageId> read_ids(const Peer& peer) {
    std::vector<transport::MessageId> out;
    for (const auto& r : got<transport::Read>(peer)) out.insert(out.end(), r.ids.begin(), r.ids.end());
    return out;
}

// Everything a node emits, kept.
struct Events {
    std::vector<core::Event> all;
    explicit Events(core::Node& node) {
        node.subscribe([this](const core::Event& e) { all.push_back(e); });
    }
    template <class T>
    std::vector<T> of() const {
        std::vector<T> out;
        for (const auto& e : all)
            if (const auto* x = std::get_if<T>(&e)) out.push_back(*x);
        return out;
    }
};

// Two nodes: a dials b. Waits until each sees the other with a session.
struct Pair {
    asio::io_context& io;
    Running b;
    Running a;
    transport::PeerKey a_key{}, b_key{};
    Pair(asio::io_context& io_) : io(io_), b(io_, {}, core::kMaxStrangers, "bob"), a(io_, {address(b)}, core::kMaxStrangers, "ana") {
        REQUIRE(run_until(io, [&] { return a.node->peers().size() == 1 && b.node->peers().size() == 1; }));
        b_key = a.node->peers()[0].key;
        a_key = b.node->peers()[0].key;
        REQUIRE(run_until(io, [&] { return a.view(b_key)->session && b.view(a_key)->session; }));
    }
    static std::string address(const Running& r) { return "127.0.0.1:" + std::to_string(r.node->port()); }
};

}  // namespace

TEST_CASE("node: a text read sends read, and its sender sees it read and delivered") {
    asio::io_context io;
    Pair p(io);
    Events a_events(*p.a.node);
    std::string error;
    const auto id = p.a.node->send_text(p.b_key, "did you see this?", error);
    REQUIRE(id);
    REQUIRE(run_until(io, [&] { return p.b.node->history(p.a_key).size() == 1; }));
    CHECK(p.b.view(p.a_key)->unread == 1);
    CHECK(p.b.node->history(p.a_key)[0].read_at_ms == 0);

    p.b.node->mark_read(p.a_key);  // the window showed it
    CHECK(p.b.view(p.a_key)->unread == 0);
    CHECK(p.b.node->history(p.a_key)[0].read_at_ms > 0);
    REQUIRE(run_until(io, [&] { return p.a.node->message(p.b_key, core::Direction::out, *id)->read_at_ms > 0; }));
    const auto m = p.a.node->message(p.b_key, core::Direction::out, *id);
    CHECK(m->state == core::MessageState::delivered);
    bool told = false;
    for (const auto& e : a_events.of<core::MessageStateChanged>())
        if (e.id == *id && e.read_at_ms == m->read_at_ms) told = true;
    CHECK(told);

    // Turned off, the sender sees no seen marks, also earlier ones; they come back when on.
    REQUIRE(p.a.node->set_read_receipts(false, error));
    CHECK(p.a.node->message(p.b_key, core::Direction::out, *id)->read_at_ms == 0);
    CHECK(p.a.node->history(p.b_key).at(0).read_at_ms == 0);
    REQUIRE(p.a.node->set_read_receipts(true, error));
    CHECK(p.a.node->history(p.b_key).at(0).read_at_ms == m->read_at_ms);
}

TEST_CASE("node: with read receipts off, none is sent, none asked for, and a peer's read is not believed") {
    asio::io_context io;
    Running n(io);
    std::string error;
    REQUIRE(n.node->set_read_receipts(false, error));
    CHECK_FALSE(n.node->own().read_receipts);
    Peer peer(io, 30, "peer");
    offer(peer, {"text", "read", "typing"});
    const auto node_key = connect(io, peer, n);
    const auto& caps = peer.ups.back().hello.capabilities;
    CHECK(std::count(caps.begin(), caps.end(), "read") == 0);  // not asked for
    CHECK(std::count(caps.begin(), caps.end(), "typing") == 1);

    say(io, peer, node_key, 1);
    n.node->mark_read(peer.key.public_key);
    // Our text to it, acked; then its read.
    const auto ours = n.node->send_text(peer.key.public_key, "ours", error);
    REQUIRE(ours);
    REQUIRE(run_until(io, [&] { return peer.shown.size() == 1; }));
    peer.transport->send(node_key, transport::Read{{*ours}});
    // A marker after it: once the node saw the second text, it saw the read.
    say(io, peer, node_key, 2);
    CHECK(n.node->message(peer.key.public_key, core::Direction::out, *ours)->read_at_ms == 0);
    CHECK(got<transport::Read>(peer).empty());
    // Not later either: what was read while off is owed to nobody.
    REQUIRE(n.node->set_read_receipts(true, error));
    disconnect(io, peer, node_key);
    connect(io, peer, n);
    say(io, peer, node_key, 3);
    CHECK(got<transport::Read>(peer).empty());
}

TEST_CASE("node: a peer without the read capability gets no read, and is owed none later") {
    asio::io_context io;
    Running n(io);
    Peer peer(io, 31, "old");  // a Hello with no capabilities at all
    const auto node_key = connect(io, peer, n);
    say(io, peer, node_key, 1);
    n.node->mark_read(peer.key.public_key);
    CHECK(n.node->history(peer.key.public_key)[0].read_at_ms > 0);  // read here all the same
    disconnect(io, peer, node_key);
    offer(peer, {"text", "read"});  // upgraded: it wants receipts from now on
    connect(io, peer, n);
    say(io, peer, node_key, 2);
    CHECK(got<transport::Read>(peer).empty());
    n.node->mark_read(peer.key.public_key);
    REQUIRE(run_until(io, [&] { return !got<transport::Read>(peer).empty(); }));
    CHECK(read_ids(peer) == std::vector<transport::MessageId>{transport::test::make_id(9, 2)});
}

TEST_CASE("node: texts read while the peer is away are told when its next session is up, 64 ids a read") {
    asio::io_context io;
    Running n(io);
    Peer peer(io, 32, "peer");
    offer(peer, {"text", "read"});
    const auto node_key = connect(io, peer, n);
    std::vector<transport::MessageId> ids;
    for (std::uint32_t i = 1; i <= 70; ++i) {
        peer.say(node_key, 9, i);
        ids.push_back(transport::test::make_id(9, i));
    }
    REQUIRE(run_until(io, [&] { return peer.unacked.empty(); }));
    disconnect(io, peer, node_key);
    REQUIRE(run_until(io, [&] { return !n.view(peer.key.public_key)->session; }));
    n.node->mark_read(peer.key.public_key);  // shown with nobody to tell
    CHECK(got<transport::Read>(peer).empty());
    connect(io, peer, n);
    REQUIRE(run_until(io, [&] { return read_ids(peer).size() == 70; }));
    const auto reads = got<transport::Read>(peer);
    REQUIRE(reads.size() == 2);
    CHECK(reads[0].ids.size() == 64);
    CHECK(read_ids(peer) == ids);  // in the order they came
    // Told once: shown again, or another session, sends nothing more.
    n.node->mark_read(peer.key.public_key);
    disconnect(io, peer, node_key);
    connect(io, peer, n);
    say(io, peer, node_key, 71);
    CHECK(read_ids(peer).size() == 70);
}

TEST_CASE("node: typing goes on a live session to a peer that lists it, rate-limited, and stops once") {
    asio::io_context io;
    Running n(io);
    Peer peer(io, 33, "peer"), old(io, 34, "old");
    offer(peer, {"text", "typing"});
    connect(io, peer, n);
    connect(io, old, n);
    for (int i = 0; i < 5; ++i) n.node->set_typing(peer.key.public_key, true);  // five keystrokes
    n.node->set_typing(old.key.public_key, true);
    n.node->set_typing(peer.key.public_key, false);  // the input emptied
    REQUIRE(run_until(io, [&] { return got<transport::Typing>(peer).size() == 2; }));
    const auto t = got<transport::Typing>(peer);
    CHECK(t[0].on);
    CHECK_FALSE(t[1].on);
    // A text sent ends the notice there: no off follows the emptied input.
    n.node->set_typing(peer.key.public_key, true);
    std::string error;
    REQUIRE(n.node->send_text(peer.key.public_key, "done", error));
    n.node->set_typing(peer.key.public_key, false);
    REQUIRE(run_until(io, [&] { return peer.shown.size() == 1; }));
    CHECK(got<transport::Typing>(peer).size() == 3);
    CHECK(got<transport::Typing>(old).empty());
}

TEST_CASE("node: a peer typing is shown until its text, its off, or its session's end") {
    asio::io_context io;
    Running n(io);
    Events events(*n.node);
    Peer peer(io, 35, "peer");
    offer(peer, {"text", "typing"});
    const auto node_key = connect(io, peer, n);
    const auto typing = [&] {  // the dialer is up before the node lists it
        const auto v = n.view(peer.key.public_key);
        return v && v->typing;
    };
    const auto shown = [&] { return events.of<core::TypingChanged>().size(); };

    peer.transport->send(node_key, transport::Typing{true});
    REQUIRE(run_until(io, typing));
    CHECK(events.of<core::TypingChanged>().back().typing);
    say(io, peer, node_key, 1);  // the text ends it
    CHECK_FALSE(typing());
    CHECK(shown() == 2);

    peer.transport->send(node_key, transport::Typing{true});
    REQUIRE(run_until(io, typing));
    peer.transport->send(node_key, transport::Typing{false});
    REQUIRE(run_until(io, [&] { return !typing(); }));
    CHECK(shown() == 4);

    peer.transport->send(node_key, transport::Typing{true});
    REQUIRE(run_until(io, typing));
    disconnect(io, peer, node_key);
    REQUIRE(run_until(io, [&] { return !typing(); }));
    CHECK_FALSE(events.of<core::TypingChanged>().back().typing);
}
