#include "discovery/resolve_queue.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using hallway::discovery::InstanceKey;
using hallway::discovery::ResolveQueue;

namespace {

InstanceKey local(const std::string& name, int protocol = 0) { return {name, 2, protocol, "local"}; }

}  // namespace

TEST_CASE("resolve queue: at most the in-flight limit resolves at once, and a finished one frees its slot") {
    ResolveQueue q(2, 1);
    for (int i = 0; i < 5; ++i) q.add(local("peer" + std::to_string(i)));
    const auto a = q.next();
    const auto b = q.next();
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a != *b);
    CHECK_FALSE(q.next());  // both slots taken
    CHECK(q.queued() == 3);
    q.done(*a);
    const auto c = q.next();
    REQUIRE(c);
    CHECK(*c != *b);
    CHECK_FALSE(q.next());
    CHECK(q.busy());
}

TEST_CASE("resolve queue: every record is resolved once, and then it is not busy") {
    ResolveQueue q(3, 7);
    std::set<InstanceKey> added, started;
    for (int i = 0; i < 40; ++i) added.insert(local("n" + std::to_string(i)));
    for (const auto& k : added) q.add(k);
    q.add(local("n3"));  // found again (another browser event): not twice
    while (q.busy()) {
        std::vector<InstanceKey> now;
        while (auto k = q.next()) now.push_back(*k);
        REQUIRE_FALSE(now.empty());
        for (const auto& k : now) {
            CHECK(started.insert(k).second);
            q.done(k);
        }
    }
    CHECK(started == added);
}

TEST_CASE("resolve queue: two crowds' nodes do not start with the same record") {
    // With the same records, different seeds pick different firsts: the
    // crowd spreads its first questions instead of all asking about one.
    std::set<InstanceKey> firsts;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        ResolveQueue q(1, seed);
        for (int i = 0; i < 40; ++i) q.add(local("n" + std::to_string(i)));
        firsts.insert(*q.next());
    }
    CHECK(firsts.size() > 5);
}

TEST_CASE("resolve queue: a record removed while queued is never started, and twins are told apart") {
    ResolveQueue q(1, 3);
    q.add(local("a", 0));
    q.add(local("b", 0));
    CHECK(q.queued_named(local("a", 1)));  // same name, other protocol: a twin waits
    CHECK_FALSE(q.queued_named(InstanceKey{"a", 3, 1, "local"}));  // another interface
    q.done(local("a", 0));
    CHECK_FALSE(q.queued_named(local("a", 1)));
    const auto k = q.next();
    REQUIRE(k);
    CHECK(k->service_name == "b");
    q.done(*k);
    CHECK_FALSE(q.busy());
    q.add(local("c"));
    q.clear();
    CHECK_FALSE(q.busy());
    CHECK_FALSE(q.next());
}

TEST_CASE("resolve queue: a record known by its peer's word is set aside, and back in turn when that word fails") {
    ResolveQueue q(1, 5);
    q.add(local("claimed", 0));
    q.add(local("claimed", 1));
    q.add(local("x"));
    q.set_known("claimed", true);
    CHECK(q.queued() == 3);  // still counted against the cap
    CHECK(q.queued_named(local("claimed", 0)));
    const auto x = q.next();
    REQUIRE(x);
    CHECK(x->service_name == "x");
    q.done(*x);
    CHECK_FALSE(q.next());  // the known ones are not resolved
    CHECK_FALSE(q.busy());  // and nothing waits: presence stops keeping sessions for records
    q.add(local("claimed", 0));  // found again: stays aside
    CHECK_FALSE(q.next());
    q.set_known("claimed", false);  // two peers claim it now: the record decides
    CHECK(q.busy());
    const auto a = q.next();
    REQUIRE(a);
    CHECK(a->service_name == "claimed");
    q.done(*a);
    const auto b = q.next();
    REQUIRE(b);
    CHECK(b->protocol != a->protocol);
    q.done(*b);
    CHECK_FALSE(q.busy());
    q.done(local("claimed", 0));
    CHECK(q.queued() == 0);
}

TEST_CASE("resolve queue: a twin over another protocol takes the place of one that waits, not of one resolving") {
    ResolveQueue q(1, 3);
    q.add(local("a", 1));
    q.add(local("b", 1));
    const auto first = q.next();  // a or b, now resolving
    REQUIRE(first);
    const std::string waiting = first->service_name == "a" ? "b" : "a";
    // The waiting one gives its place; the resolving one keeps it.
    const auto displaced = q.replace_twin(local(waiting, 0));
    REQUIRE(displaced);
    CHECK(*displaced == local(waiting, 1));
    CHECK_FALSE(q.replace_twin(local(first->service_name, 0)));
    CHECK_FALSE(q.replace_twin(local("c", 0)));  // no twin at all
    CHECK(q.queued() == 1);
    q.done(*first);
    CHECK(q.next() == local(waiting, 0));
    // Set aside (known by its peer's word): it stays aside.
    q.add(local("d", 1));
    q.set_known("d", true);
    CHECK_FALSE(q.replace_twin(local("d", 0)));
}
