// Sharing addresses (docs/PROTOCOL.md §13) without sockets: the tag's worked
// example, whom the setting allows, what is asked, answered and believed.
#include "core/address_sharing.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <numeric>

using namespace hallway;
using namespace hallway::core;
using transport::wire::kMaxSharedAddresses;
using transport::wire::kMaxWhereKeys;
using Clock = AddressSharing::Clock;

namespace {

PeerKey key(std::uint8_t i) {
    PeerKey k{};
    k.fill(i);
    return k;
}
// Counts up, so each salt differs.
crypto::Rng counting_rng() {
    auto n = std::make_shared<std::uint8_t>(0);
    return [n](std::span<std::uint8_t> out) {
        for (auto& b : out) b = ++*n;
    };
}
std::string hex(std::span<const std::uint8_t> b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (auto x : b) s += {d[x >> 4], d[x & 15]};
    return s;
}
const Clock::time_point t0{};
const Standing kVerified{Trust::verified, false}, kKnown{Trust::unverified, false}, kStranger{},
    kBlocked{Trust::blocked, false};

std::vector<std::string> no_addresses(const PeerKey&) { return {}; }

}  // namespace

TEST_CASE("§13 where tag: the worked example of docs/PROTOCOL.md") {
    PeerKey k{};
    std::iota(k.begin(), k.end(), std::uint8_t{0});
    transport::WhereSalt s{};
    std::iota(s.begin(), s.end(), std::uint8_t{0xa0});
    CHECK(hex(where_tag(k, s)) == "f4cd24faa23a7c732a7f4857796572b7");
    // Another salt, another tag: two wheres about one key cannot be linked.
    s[0] ^= 1;
    CHECK(hex(where_tag(k, s)) != "f4cd24faa23a7c732a7f4857796572b7");
}

TEST_CASE("the setting names round-trip and unknown names are refused") {
    for (auto s : {ShareAddresses::verified, ShareAddresses::contacts, ShareAddresses::off})
        CHECK(share_addresses_from(to_string(s)) == s);
    CHECK_FALSE(share_addresses_from("everyone"));
    CHECK_FALSE(share_addresses_from(""));
}

TEST_CASE("whom the setting allows to ask and answer") {
    CHECK(allows(ShareAddresses::verified, kVerified));
    CHECK_FALSE(allows(ShareAddresses::verified, kKnown));
    CHECK_FALSE(allows(ShareAddresses::verified, kStranger));
    CHECK_FALSE(allows(ShareAddresses::verified, std::nullopt));
    CHECK(allows(ShareAddresses::contacts, kVerified));
    CHECK(allows(ShareAddresses::contacts, kKnown));
    CHECK_FALSE(allows(ShareAddresses::contacts, kStranger));
    CHECK_FALSE(allows(ShareAddresses::contacts, kBlocked));
    CHECK_FALSE(allows(ShareAddresses::off, kVerified));
}

TEST_CASE("wanted keys: contacts not online, not blocked, not strangers, most recent first, at most 32") {
    std::vector<WantedCandidate> c{
        {key(1), kKnown, false, 10}, {key(2), kVerified, false, 30}, {key(3), kKnown, true, 50},
        {key(4), kBlocked, false, 60}, {key(5), kStranger, false, 70},
    };
    CHECK(wanted_keys(c) == std::vector<PeerKey>{key(2), key(1)});
    std::vector<WantedCandidate> many;
    for (std::uint8_t i = 0; i < 40; ++i) many.push_back({key(i), kKnown, false, i});
    const auto w = wanted_keys(many);
    REQUIRE(w.size() == kMaxWhereKeys);
    CHECK(w.front() == key(39));
    CHECK(w.back() == key(39 - kMaxWhereKeys + 1));
}

TEST_CASE("asking: a few peers per round, each at most once per five minutes, only while something is wanted") {
    AddressSharing s(counting_rng());
    const std::vector<PeerKey> askable{key(1), key(2), key(3), key(4)};
    CHECK(s.to_ask(askable, false, t0).empty());
    const auto first = s.to_ask(askable, true, t0);
    CHECK(first == std::vector<PeerKey>{key(1), key(2), key(3)});
    for (const auto& p : first) s.ask(p, std::vector<PeerKey>{key(9)}, t0);
    CHECK(s.to_ask(askable, true, t0 + std::chrono::seconds(1)) == std::vector<PeerKey>{key(4)});
    CHECK(s.to_ask(askable, true, t0 + AddressSharing::kAskInterval - std::chrono::seconds(1)) ==
          std::vector<PeerKey>{key(4)});
    CHECK(s.to_ask(askable, true, t0 + AddressSharing::kAskInterval).size() == 3);
}

TEST_CASE("a where carries one tag per wanted key, with a fresh salt, never about the peer asked") {
    AddressSharing s(counting_rng());
    const std::vector<PeerKey> wanted{key(1), key(2), key(3)};
    const auto a = s.ask(key(2), wanted, t0);
    REQUIRE(a.tags.size() == 2);
    CHECK(a.tags[0] == where_tag(key(1), a.salt));
    CHECK(a.tags[1] == where_tag(key(3), a.salt));
    CHECK(s.ask(key(4), wanted, t0).salt != a.salt);
}

TEST_CASE("answering: only allowed askers, only asked subjects that offer addresses, not blocked") {
    AddressSharing s(counting_rng());
    transport::WhereSalt salt{};
    salt.fill(7);
    const transport::Where where{salt, {where_tag(key(1), salt), where_tag(key(2), salt), where_tag(key(3), salt),
                                        where_tag(key(8), salt)}};
    const std::vector<Subject> subjects{
        {key(1), false, true},   // answered
        {key(2), false, false},  // does not offer addresses
        {key(3), true, true},    // blocked
        {key(4), false, true},   // not asked
        {key(5), false, true},   // asked? no: key(8) is unknown to us
    };
    auto addresses_of = [](const PeerKey& k) {
        return std::vector<std::string>(k == key(1) ? 10 : 1, "10.214.0.3:49100");
    };
    SUBCASE("a stranger gets nothing at all, not an empty here") {
        CHECK_FALSE(s.answer(key(6), false, where, subjects, addresses_of, t0));
    }
    SUBCASE("an allowed asker hears of the one subject it may, at most 8 addresses") {
        const auto here = s.answer(key(6), true, where, subjects, addresses_of, t0);
        REQUIRE(here);
        CHECK(here->salt == salt);
        REQUIRE(here->peers.size() == 1);
        CHECK(here->peers[0].key == key(1));
        CHECK(here->peers[0].addresses.size() == kMaxSharedAddresses);
        SUBCASE("a second where within 10 s is dropped; after it, answered") {
            CHECK_FALSE(s.answer(key(6), true, where, subjects, addresses_of, t0 + std::chrono::seconds(9)));
            CHECK(s.answer(key(7), true, where, subjects, addresses_of, t0 + std::chrono::seconds(9)));
            CHECK(s.answer(key(6), true, where, subjects, addresses_of, t0 + AddressSharing::kAnswerInterval));
        }
    }
    SUBCASE("a subject without addresses is left out") {
        const auto here = s.answer(key(6), true, where, subjects, no_addresses, t0);
        REQUIRE(here);
        CHECK(here->peers.empty());
    }
}

TEST_CASE("accepting: only a here to the where we sent, only keys we asked, addresses parsed strictly") {
    AddressSharing s(counting_rng());
    const auto where = s.ask(key(1), std::vector<PeerKey>{key(2), key(3)}, t0);
    const auto here_with = [&](transport::WhereSalt salt) {
        return transport::Here{salt,
                               {{key(2), {"10.214.0.3:49100", "nonsense", "[fe80::1%eth0]:1", "0.0.0.0:1",
                                          "10.0.0.1:065", "10.0.0.1:0", "10.0.0.1:65536", "[::1]:7", "::1:7",
                                          "224.0.0.1:5", "host.example:5"}},
                                {key(4), {"10.0.0.4:1"}},       // not asked
                                {key(2), {"10.0.0.2:2"}}}};     // asked, but twice
    };
    SUBCASE("from another peer: nothing") { CHECK(s.accept(key(5), here_with(where.salt)).empty()); }
    SUBCASE("another salt: nothing") {
        auto other = where.salt;
        other[0] ^= 1;
        CHECK(s.accept(key(1), here_with(other)).empty());
    }
    SUBCASE("the answer: the asked key's well-formed addresses, once") {
        const auto learned = s.accept(key(1), here_with(where.salt));
        REQUIRE(learned.size() == 1);
        CHECK(learned[0].key == key(2));
        REQUIRE(learned[0].endpoints.size() == 2);
        CHECK(learned[0].endpoints[0] == asio::ip::tcp::endpoint(asio::ip::make_address("10.214.0.3"), 49100));
        CHECK(learned[0].endpoints[1] == asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 7));
        CHECK(s.accept(key(1), here_with(where.salt)).empty());  // spent
    }
}
