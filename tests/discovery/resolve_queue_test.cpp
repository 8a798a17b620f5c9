#include "discovery/resolve_queue.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using hallway::discovery::InstanceKey;
using hallway::discovery::ResolveQueue;
using namespace std::chrono_literals;

namespace {

const ResolveQueue::Clock::time_point t0{};

InstanceKey local(const std::string& name, int protocol = 0) { return {name, 2, protocol, "local"}; }

}  // namespace

TEST_CASE("resolve queue: at most the in-flight limit resolves at once, and a finished one frees its slot") {
    ResolveQueue q(2, 2s, 1);
    for (int i = 0; i < 5; ++i) q.add(local("peer" + std::to_string(i)));
    const auto a = q.next(t0);
    const auto b = q.next(t0);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a != *b);
    CHECK_FALSE(q.next(t0));  // both slots taken
    CHECK(q.queued() == 3);
    q.done(*a, t0);
    const auto c = q.next(t0);
    REQUIRE(c);
    CHECK(*c != *b);
    CHECK_FALSE(q.next(t0));
    CHECK(q.busy());
}

TEST_CASE("resolve queue: every record is resolved once, and then it is not busy") {
    ResolveQueue q(3, 2s, 7);
    std::set<InstanceKey> added, started;
    for (int i = 0; i < 40; ++i) added.insert(local("n" + std::to_string(i)));
    for (const auto& k : added) q.add(k);
    q.add(local("n3"));  // found again (another browser event): not twice
    while (q.busy()) {
        std::vector<InstanceKey> now;
        while (auto k = q.next(t0)) now.push_back(*k);
        REQUIRE_FALSE(now.empty());
        for (const auto& k : now) {
            CHECK(started.insert(k).second);
            q.done(k, t0);
        }
    }
    CHECK(started == added);
}

TEST_CASE("resolve queue: two crowds' nodes do not start with the same record") {
    // With the same records, different seeds pick different firsts: the
    // crowd spreads its first questions instead of all asking about one.
    std::set<InstanceKey> firsts;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        ResolveQueue q(1, 2s, seed);
        for (int i = 0; i < 40; ++i) q.add(local("n" + std::to_string(i)));
        firsts.insert(*q.next(t0));
    }
    CHECK(firsts.size() > 5);
}

TEST_CASE("resolve queue: a record removed while queued is never started, and twins are told apart") {
    ResolveQueue q(1, 2s, 3);
    q.add(local("a", 0));
    q.add(local("b", 0));
    CHECK(q.queued_named(local("a", 1)));  // same name, other protocol: a twin waits
    CHECK_FALSE(q.queued_named(InstanceKey{"a", 3, 1, "local"}));  // another interface
    q.done(local("a", 0), t0);
    CHECK_FALSE(q.queued_named(local("a", 1)));
    const auto k = q.next(t0);
    REQUIRE(k);
    CHECK(k->service_name == "b");
    q.done(*k, t0);
    CHECK_FALSE(q.busy());
    q.add(local("c"));
    q.clear();
    CHECK_FALSE(q.busy());
    CHECK_FALSE(q.next(t0));
}

TEST_CASE("resolve queue: a record known by its peer's word waits until the rest is resolved, then goes alone") {
    ResolveQueue q(2, 2s, 5);
    q.add(local("claimed", 0));
    q.add(local("claimed", 1));
    q.add(local("x"));
    q.add(local("y"));
    q.defer("claimed");
    CHECK(q.queued() == 4);
    CHECK(q.queued_named(local("claimed", 0)));
    std::set<std::string> first;
    while (auto k = q.next(t0)) first.insert(k->service_name);
    CHECK(first == std::set<std::string>{"x", "y"});  // the deferred ones wait
    q.done(local("x"), t0);
    CHECK_FALSE(q.next(t0));  // y still resolves: deferred ones go only when nothing else does
    q.done(local("y"), t0);
    CHECK(q.wake_at() == t0);
    const auto a = q.next(t0);
    REQUIRE(a);
    CHECK(a->service_name == "claimed");
    CHECK_FALSE(q.next(t0));  // one at a time
    q.done(*a, t0 + 1s);
    CHECK(q.wake_at() == t0 + 3s);  // and a pause apart
    CHECK_FALSE(q.next(t0 + 2s));
    const auto b = q.next(t0 + 3s);
    REQUIRE(b);
    CHECK(b->protocol != a->protocol);
    q.done(*b, t0 + 3s);
    CHECK_FALSE(q.busy());
    CHECK_FALSE(q.wake_at());
}
