// Presence without sockets: who is online, which sessions are kept and how
// closely they are watched, and how a Gone claim is believed.
#include "core/presence.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using namespace hallway::core;
using transport::Keepalive;

namespace {

PeerKey key(std::uint8_t b) {
    PeerKey k{};
    k.fill(b);
    return k;
}

// Announced, authenticated peers at these key bytes, seen from `own`.
Presence hall(std::uint8_t own, std::initializer_list<std::uint8_t> others) {
    Presence p(key(own));
    for (auto b : others) p.set_announced(key(b), true);
    return p;
}

}  // namespace

TEST_CASE("online: a session, or an announcement nobody saw vanish") {
    Presence p(key(50));
    CHECK_FALSE(p.online(key(1)));
    p.set_announced(key(1), true);
    CHECK(p.online(key(1)));
    p.session_up(key(2));
    CHECK(p.online(key(2)));  // a --peer or a peer that dialed us: no mDNS needed
    CHECK_FALSE(p.session_down(key(2), SessionEnd::quiet));
    CHECK_FALSE(p.online(key(2)));
    p.set_announced(key(1), false);  // mDNS goodbye
    CHECK_FALSE(p.online(key(1)));
}

TEST_CASE("an idle close keeps an announced peer online, a goodbye or a loss does not") {
    auto p = hall(50, {1, 2, 3});
    for (auto b : {1, 2, 3}) p.session_up(key(static_cast<std::uint8_t>(b)));
    CHECK_FALSE(p.session_down(key(1), SessionEnd::quiet));
    CHECK(p.online(key(1)));
    CHECK_FALSE(p.session_down(key(2), SessionEnd::goodbye));  // mDNS says it to everyone
    CHECK_FALSE(p.online(key(2)));
    CHECK(p.session_down(key(3), SessionEnd::lost));  // only we saw it: the ring must hear
    CHECK_FALSE(p.online(key(3)));
    CHECK_FALSE(p.session_down(key(3), SessionEnd::lost));  // told once
    p.session_up(key(3));  // back: a session proves it
    CHECK(p.online(key(3)));
}

TEST_CASE("a loss of a peer that was never announced is not passed on") {
    Presence p(key(50));
    p.session_up(key(9));
    CHECK_FALSE(p.session_down(key(9), SessionEnd::lost));
    CHECK_FALSE(p.online(key(9)));
}

TEST_CASE("the ring: each node's successor and predecessor by key, wrapping round") {
    auto p = hall(50, {10, 40, 60, 90});
    CHECK(p.successor() == key(60));
    CHECK(p.predecessor() == key(40));
    auto top = hall(95, {10, 40, 60, 90});
    CHECK(top.successor() == key(10));  // wraps
    CHECK(top.predecessor() == key(90));
    auto bottom = hall(5, {10, 40, 60, 90});
    CHECK(bottom.predecessor() == key(90));
    Presence alone(key(5));
    CHECK_FALSE(alone.successor());
    CHECK_FALSE(alone.predecessor());
    auto pair = hall(5, {10});
    CHECK(pair.successor() == key(10));
    CHECK(pair.predecessor() == key(10));
}

TEST_CASE("a vanished successor leaves the ring and the next one takes its place") {
    auto p = hall(50, {10, 60, 70});
    p.session_up(key(60));
    CHECK(p.successor() == key(60));
    CHECK(p.session_down(key(60), SessionEnd::lost));
    CHECK(p.successor() == key(70));
    CHECK(p.needed().count(key(70)));
    CHECK_FALSE(p.needed().count(key(60)));
}

TEST_CASE("liveness: fast while something is pending or in focus, slow for ring neighbours, idle otherwise") {
    auto p = hall(50, {10, 40, 60, 90});
    CHECK(p.liveness(key(60)).keepalive == Keepalive::slow);
    CHECK_FALSE(p.liveness(key(60)).close_when_idle);
    CHECK_FALSE(p.liveness(key(40)).close_when_idle);  // the predecessor's link is kept too
    CHECK(p.liveness(key(90)).keepalive == Keepalive::slow);
    CHECK(p.liveness(key(90)).close_when_idle);
    p.set_pending(key(90), true);
    CHECK(p.liveness(key(90)).keepalive == Keepalive::fast);
    CHECK_FALSE(p.liveness(key(90)).close_when_idle);
    p.set_pending(key(90), false);
    CHECK(p.liveness(key(90)).close_when_idle);
    p.set_focus(key(10));
    CHECK(p.liveness(key(10)).keepalive == Keepalive::fast);
    p.set_focus(std::nullopt);
    CHECK(p.liveness(key(10)).close_when_idle);
    p.set_manual(key(7));  // given by hand: nothing else would show it
    CHECK(p.liveness(key(7)).keepalive == Keepalive::fast);
    CHECK_FALSE(p.liveness(key(7)).close_when_idle);
}

TEST_CASE("needed: the successor, and pending or focused peers that are here, never the predecessor") {
    auto p = hall(50, {10, 40, 60, 90});
    CHECK(p.needed() == std::set<PeerKey>{key(60)});
    p.set_pending(key(90), true);
    p.set_focus(key(10));
    p.set_pending(key(33), true);  // not here: nothing to dial
    p.set_manual(key(7));
    p.set_pending(key(7), true);   // by hand: the node redials it by address
    CHECK(p.needed() == std::set<PeerKey>{key(10), key(60), key(90)});
}

TEST_CASE("a Gone claim: checked once, believed only when the check fails") {
    auto p = hall(50, {10, 60, 70});
    CHECK(p.claim_gone(key(70)));
    CHECK(p.checking(key(70)));
    CHECK(p.online(key(70)));             // shown until the check says otherwise
    CHECK_FALSE(p.claim_gone(key(70)));   // being checked: not passed on again
    CHECK(p.check_failed(key(70)));
    CHECK_FALSE(p.online(key(70)));
    CHECK_FALSE(p.claim_gone(key(70)));   // already gone: the news stops here

    CHECK(p.claim_gone(key(10)));
    p.session_up(key(10));                // it answered: a false or stale claim
    CHECK(p.online(key(10)));
    CHECK_FALSE(p.checking(key(10)));
    CHECK_FALSE(p.check_failed(key(10)));  // a late dial failure changes nothing
    CHECK(p.online(key(10)));
}

TEST_CASE("a Gone claim is refused for a peer with a session, an unknown peer, or ourselves") {
    auto p = hall(50, {10, 60});
    p.session_up(key(60));
    CHECK_FALSE(p.claim_gone(key(60)));
    CHECK_FALSE(p.claim_gone(key(99)));
    CHECK_FALSE(p.claim_gone(key(50)));
    p.set_announced(key(10), false);
    CHECK_FALSE(p.claim_gone(key(10)));  // not here anyway
}

TEST_CASE("a peer being checked is out of the ring, so the ring routes round it") {
    auto p = hall(50, {60, 70});
    CHECK(p.successor() == key(60));
    CHECK(p.claim_gone(key(60)));
    CHECK(p.successor() == key(70));
}

TEST_CASE("a peer lost to silence while its record stands is rechecked until a session or a goodbye") {
    Presence p(key(50));
    p.set_announced(key(1), true);
    p.session_up(key(1));
    CHECK(p.to_recheck().empty());
    p.session_down(key(1), SessionEnd::lost);
    CHECK_FALSE(p.online(key(1)));  // shown gone at once
    CHECK(p.to_recheck() == std::set<PeerKey>{key(1)});
    p.session_up(key(1));  // a recheck's dial got through: it was only silent
    CHECK(p.online(key(1)));
    CHECK(p.to_recheck().empty());
    p.session_down(key(1), SessionEnd::lost);
    p.set_announced(key(1), false);  // its goodbye, or its record expired
    CHECK(p.to_recheck().empty());
    // A peer never announced (a --peer, or one that dialed us) is redialed by address, not rechecked.
    p.session_up(key(2));
    p.session_down(key(2), SessionEnd::lost);
    CHECK(p.to_recheck().empty());
}

TEST_CASE("a contact no mDNS shows keeps its session (slow keepalive) until mDNS shows it") {
    Presence p(key(50));
    p.session_up(key(7));
    CHECK(p.liveness(key(7)).close_when_idle);
    p.set_remembered(key(7), true);
    CHECK(p.liveness(key(7)).keepalive == Keepalive::slow);
    CHECK_FALSE(p.liveness(key(7)).close_when_idle);
    CHECK(p.needed().empty());  // redialed by the remembered-address planner, not as needed
    // Shown by mDNS (and no ring neighbour of ours): an ordinary announced peer.
    for (std::uint8_t b : {7, 8, 9, 60}) p.set_announced(key(b), true);
    CHECK(p.liveness(key(7)).close_when_idle);
    p.set_announced(key(7), false);
    CHECK_FALSE(p.liveness(key(7)).close_when_idle);
    p.set_remembered(key(7), false);
    CHECK(p.liveness(key(7)).close_when_idle);
}

TEST_CASE("awaiting its record: a peer met before its mDNS record is resolved keeps its session until it is") {
    Presence p = hall(50, {60, 40});
    p.session_up(key(90));  // it dialed us (or a nearby told of it); its record waits in our queue
    CHECK(p.liveness(key(90)).close_when_idle);
    p.set_awaiting_record(key(90));
    CHECK_FALSE(p.liveness(key(90)).close_when_idle);  // closed now, it would show gone while here
    CHECK(p.liveness(key(90)).keepalive == Keepalive::slow);
    p.set_announced(key(90), true);  // resolved and authenticated: the record shows it from now on
    CHECK(p.liveness(key(90)).close_when_idle);

    p.session_up(key(95));
    p.set_awaiting_record(key(95));
    CHECK_FALSE(p.liveness(key(95)).close_when_idle);
    p.stop_awaiting();  // no record waits any more: a peer without one is shown by its session alone
    CHECK(p.liveness(key(95)).close_when_idle);
    p.set_awaiting_record(key(60));  // already announced: nothing to wait for
    CHECK_FALSE(p.liveness(key(60)).close_when_idle);  // (a ring neighbour)
    p.set_awaiting_record(key(70));
    p.set_announced(key(70), true);
    CHECK(p.liveness(key(70)).close_when_idle);
}
