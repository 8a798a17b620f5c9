// The remembered-addresses planner without sockets: whom to dial at the
// addresses it was reached at before, and when; and the address text a file
// or a peer gives.
#include "core/remembered_addresses.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace hallway::core;
using namespace std::chrono_literals;
using Clock = RememberedAddresses::Clock;

namespace {

PeerKey key(std::uint8_t b) {
    PeerKey k{};
    k.fill(b);
    return k;
}

const auto kNobodyHidden = [](const PeerKey&) { return false; };

}  // namespace

TEST_CASE("remembered: address text parses back to the endpoint, and nothing malformed does") {
    auto v4 = parse_address_text("10.213.0.3:47800");
    REQUIRE(v4);
    CHECK(v4->address().to_string() == "10.213.0.3");
    CHECK(v4->port() == 47800);
    auto v6 = parse_address_text("[fd00::1]:1");
    REQUIRE(v6);
    CHECK(v6->address().to_string() == "fd00::1");
    CHECK(v6->port() == 1);
    for (std::string_view bad :
         {"", ":", "10.0.0.1", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:+80", "10.0.0.1:80x",
          "10.0.0.1:0080000", "10.0.0.1:065", "[10.0.0.1]:80", "fd00::1:80", "[fd00::1]80", "[fe80::1%eth0]:80", "host.lan:80",
          "10.0.0.256:80", "[]:80", "[fd00::1]:-1", "10.0.0.1: 80"}) {
        CAPTURE(bad);
        CHECK(!parse_address_text(bad));
    }
    CHECK(!parse_address_text("[" + std::string(70, '1') + "]:80"));
}

TEST_CASE("remembered: link-local IPv6 and unspecified addresses are not worth remembering") {
    CHECK(worth_remembering(*parse_address_text("10.213.0.3:47800")));
    CHECK(worth_remembering(*parse_address_text("[fd00::1]:47800")));
    CHECK(worth_remembering(*parse_address_text("127.0.0.1:47800")));
    CHECK(!worth_remembering(asio::ip::tcp::endpoint(asio::ip::make_address("fe80::1"), 47800)));
    CHECK(!worth_remembering(asio::ip::tcp::endpoint(asio::ip::make_address("0.0.0.0"), 47800)));
    CHECK(!worth_remembering(*parse_address_text("[::]:5")));
    CHECK(!worth_remembering(*parse_address_text("224.0.0.251:5353")));
    CHECK(!worth_remembering(asio::ip::tcp::endpoint(asio::ip::make_address("10.0.0.1"), 0)));
}

TEST_CASE("remembered: a candidate is dialed at once, then after a pause doubling 5 s .. 5 min") {
    RememberedAddresses r;
    const Clock::time_point t0{};
    const std::vector<PeerKey> one{key(1)};
    CHECK(r.due(one, kNobodyHidden, t0) == one);
    CHECK(r.next_due() == t0 + 5s);
    CHECK(r.due(one, kNobodyHidden, t0 + 4s).empty());
    CHECK(r.due(one, kNobodyHidden, t0 + 5s) == one);
    CHECK(r.next_due() == t0 + 15s);
    auto now = t0 + 15s;
    std::vector<Clock::duration> pauses;
    for (int i = 0; i < 10; ++i) {
        CHECK(r.due(one, kNobodyHidden, now) == one);
        pauses.push_back(r.next_due() - now);
        now = r.next_due();
    }
    CHECK(pauses.front() == 20s);
    CHECK(pauses[3] == 160s);
    CHECK(pauses[4] == 300s);
    CHECK(pauses.back() == 300s);
}

TEST_CASE("remembered: reached or newly learned, the pause starts again") {
    RememberedAddresses r;
    const Clock::time_point t0{};
    const std::vector<PeerKey> one{key(1)};
    for (auto t : {0s, 5s, 15s}) CHECK(r.due(one, kNobodyHidden, t0 + t).size() == 1);
    CHECK(r.next_due() == t0 + 35s);
    r.reset(key(1));
    CHECK(r.due(one, kNobodyHidden, t0 + 16s) == one);
    CHECK(r.next_due() == t0 + 21s);
}

TEST_CASE("remembered: peers online or shown by mDNS are not probed, and start afresh when they leave") {
    RememberedAddresses r;
    const Clock::time_point t0{};
    const std::vector<PeerKey> both{key(1), key(2)};
    std::set<PeerKey> hidden{key(2)};
    auto is_hidden = [&](const PeerKey& k) { return hidden.count(k) > 0; };
    CHECK(r.due(both, is_hidden, t0) == std::vector<PeerKey>{key(1)});
    CHECK(r.due(both, is_hidden, t0 + 5s) == std::vector<PeerKey>{key(1)});
    hidden = {key(1)};
    CHECK(r.due(both, is_hidden, t0 + 6s) == std::vector<PeerKey>{key(2)});
    hidden.clear();
    // key(1) was online: dialed at once when it is not, its pause from the start.
    CHECK(r.due(both, is_hidden, t0 + 7s) == std::vector<PeerKey>{key(1)});
    CHECK(r.next_due() == t0 + 11s);  // key(2)'s next
    CHECK(r.due(both, is_hidden, t0 + 11s) == std::vector<PeerKey>{key(2)});
    CHECK(r.next_due() == t0 + 12s);  // key(1)'s next
}

TEST_CASE("remembered: at most 32 peers are probed, the most recently seen first") {
    RememberedAddresses r;
    std::vector<PeerKey> many;
    for (std::uint8_t b = 0; b < 40; ++b) many.push_back(key(b));
    auto hidden = [](const PeerKey& k) { return k == key(0); };
    auto dialed = r.due(many, hidden, Clock::time_point{});
    REQUIRE(dialed.size() == RememberedAddresses::kMaxPeers);
    CHECK(dialed.front() == key(1));
    CHECK(dialed.back() == key(32));
    // Nothing due, nothing else either: the 33rd waits for a place.
    CHECK(r.due(many, hidden, Clock::time_point{} + 1s).empty());
    CHECK(r.due({}, hidden, Clock::time_point{} + 1s).empty());
    CHECK(r.next_due() == Clock::time_point::max());
}
