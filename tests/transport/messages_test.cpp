#include "transport/messages.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <random>

using namespace hallway::transport;
using nlohmann::json;

namespace {
std::vector<std::uint8_t> cbor(const json& j) {
    std::vector<std::uint8_t> out;
    json::to_cbor(j, out);
    return out;
}
MessageId some_id() {
    MessageId id{};
    for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(0xa0 + i);
    return id;
}
}  // namespace

TEST_CASE("every message type round-trips through CBOR") {
    const std::vector<Message> all{
        Text{some_id(), 1700000000123ull, "héllo 👋"},
        Ack{some_id()},
        Status{"away", "at lunch", "ana"},
        Ping{42},
        Pong{UINT64_MAX},
        Close{"bye"},
    };
    for (const auto& m : all) {
        const auto bytes = encode(m);
        std::optional<Message> back;
        CHECK(decode_checked(bytes, back) == DecodeStatus::ok);
        REQUIRE(back);
        CHECK(back->index() == m.index());
        CHECK(encode(*back) == bytes);
    }
    const auto t = std::get<Text>(*decode(encode(all[0])));
    CHECK(t.id == some_id());
    CHECK(t.sent_at_ms == 1700000000123ull);
    CHECK(t.body == "héllo 👋");
}

TEST_CASE("a text message is a CBOR map with the documented keys") {
    const json j = json::from_cbor(encode(Text{some_id(), 5, "hi"}));
    CHECK(j.at("t") == "text");
    CHECK(j.at("id").is_binary());
    CHECK(j.at("id").get_binary().size() == 16);
    CHECK(j.at("ts") == 5);
    CHECK(j.at("body") == "hi");
}

TEST_CASE("unknown types and ill-typed fields are skipped while non-maps are malformed") {
    std::optional<Message> out;
    CHECK(decode_checked(cbor({{"t", "file"}, {"x", 1}}), out) == DecodeStatus::skipped);
    CHECK(decode_checked(cbor({{"t", "text"}, {"id", json::binary({1, 2})}, {"ts", 1}, {"body", "x"}}), out) ==
          DecodeStatus::skipped);
    CHECK(decode_checked(cbor({{"t", "text"}, {"id", json::binary(std::vector<std::uint8_t>(16))}, {"ts", -1},
                               {"body", "x"}}),
                         out) == DecodeStatus::skipped);
    CHECK(decode_checked(cbor({{"t", "ping"}, {"n", "7"}}), out) == DecodeStatus::skipped);
    CHECK(decode_checked(cbor({{"t", "ack"}}), out) == DecodeStatus::skipped);
    CHECK_FALSE(out);
    CHECK(decode_checked(cbor(json::array({1, 2})), out) == DecodeStatus::malformed);
    CHECK(decode_checked(cbor({{"t", 3}}), out) == DecodeStatus::malformed);
    CHECK(decode_checked(cbor({{"x", "text"}}), out) == DecodeStatus::malformed);
    const std::vector<std::uint8_t> junk{0xff, 0x00, 0x13};
    CHECK(decode_checked(junk, out) == DecodeStatus::malformed);
    CHECK(decode_checked({}, out) == DecodeStatus::malformed);
    // A map that claims 2^32 entries but ends at once.
    const std::vector<std::uint8_t> huge{0xba, 0xff, 0xff, 0xff, 0xff};
    CHECK(decode_checked(huge, out) == DecodeStatus::malformed);
}

TEST_CASE("unknown keys are ignored") {
    auto m = decode(cbor({{"t", "ping"}, {"n", 9}, {"future", {1, 2, 3}}}));
    REQUIRE(m);
    CHECK(std::get<Ping>(*m).nonce == 9);
}

TEST_CASE("invalid UTF-8 in a body is replaced and never passed up") {
    json j = {{"t", "text"}, {"id", json::binary(std::vector<std::uint8_t>(16))}, {"ts", 1}};
    // CBOR text string with invalid bytes built by hand: nlohmann writes std::string bytes as they are.
    j["body"] = std::string("a\xff" "b\xc0\xaf" "c\xed\xa0\x80");
    const auto m = decode(cbor(j));
    REQUIRE(m);
    CHECK(std::get<Text>(*m).body == "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(sanitize_utf8("ok ✓ 𝄞") == "ok ✓ 𝄞");
    CHECK(sanitize_utf8("\xf4\x90\x80\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(sanitize_utf8("\xe2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("hello round-trips and is bounded") {
    Hello h{1, "ana", {"groups", "files"}};
    auto back = decode_hello(encode_hello(h));
    REQUIRE(back);
    CHECK(back->version == 1);
    CHECK(back->nick == "ana");
    CHECK(back->capabilities == h.capabilities);

    // Encoding never emits an over-long nick; it cuts at a character boundary.
    Hello long_nick{1, std::string(63, 'x') + "é", {}};
    auto cut = decode_hello(encode_hello(long_nick));
    REQUIRE(cut);
    CHECK(cut->nick == std::string(63, 'x'));

    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", std::string(65, 'x')}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}})));
    CHECK_FALSE(decode_hello(cbor({{"v", "1"}, {"nick", "a"}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"caps", {1}}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"pad", std::string(wire::kMaxHello, 'p')}})));
    auto no_caps = decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"extra", true}}));
    REQUIRE(no_caps);
    CHECK(no_caps->capabilities.empty());
}

TEST_CASE("decoding random bytes and mutated messages never throws") {
    std::mt19937 gen(1234);
    const auto base = encode(Text{some_id(), 77, "mutate me"});
    for (int i = 0; i < 20000; ++i) {
        std::vector<std::uint8_t> b = base;
        if (i % 2 == 0) {
            b[gen() % b.size()] = static_cast<std::uint8_t>(gen());
            b.resize(gen() % (b.size() + 1));
        } else {
            b.resize(gen() % 40);
            for (auto& x : b) x = static_cast<std::uint8_t>(gen());
        }
        std::optional<Message> out;
        CHECK_NOTHROW(decode_checked(b, out));
        CHECK_NOTHROW(decode_hello(b));
        if (out) {
            // Round-trip property: what decodes re-encodes to something that decodes the same.
            CHECK(encode(*decode(encode(*out))) == encode(*out));
        }
    }
}

// encode()/decode_checked() write and read Text by hand for speed; the general
// nlohmann path must give the same bytes and the same results.
TEST_CASE("the Text fast path agrees with the general CBOR codec") {
    std::mt19937_64 rng(7);
    const std::vector<std::uint64_t> stamps{0, 23, 24, 255, 256, 65535, 65536, 0xffffffffull, 0x100000000ull,
                                            1700000000123ull, UINT64_MAX};
    const std::vector<std::size_t> lengths{0, 1, 23, 24, 255, 256, 65535, 65536, 200000};
    std::vector<std::vector<std::uint8_t>> samples;
    for (std::size_t len : lengths) {
        for (std::uint64_t ts : stamps) {
            std::string body(len, 'a');
            for (auto& ch : body) ch = static_cast<char>(rng() % 3 == 0 ? rng() : 'a' + rng() % 26);  // some invalid UTF-8
            const Text t{some_id(), ts, body};
            const auto fast = encode(t);
            CHECK(fast == encode_generic(t));
            samples.push_back(fast);
        }
    }
    // Shapes the fast path leaves to nlohmann: other key orders, wider integers,
    // extra, missing or repeated keys, wrong types, trailing bytes.
    const json base = {{"t", "text"}, {"id", json::binary({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})},
                       {"ts", 5}, {"body", "hi"}};
    samples.push_back(cbor(base));
    samples.push_back({0xa4, 0x61, 't', 0x64, 't', 'e', 'x', 't', 0x62, 't', 's', 0x1b, 0, 0, 0, 0, 0, 0, 0, 9,
                       0x62, 'i', 'd', 0x50, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                       0x64, 'b', 'o', 'd', 'y', 0x78, 2, 'o', 'k'});  // any order, non-shortest heads
    samples.push_back({0xa4, 0x61, 't', 0x64, 't', 'e', 'x', 't', 0x61, 't', 0x64, 't', 'e', 'x', 't', 0x62, 't',
                       's', 0x01, 0x64, 'b', 'o', 'd', 'y', 0x60});  // repeated key, no id
    for (auto mutate : {0, 1, 2, 3}) {
        json j = base;
        if (mutate == 0) j["extra"] = 1;
        if (mutate == 1) j.erase("ts");
        if (mutate == 2) j["ts"] = -1;
        if (mutate == 3) j["id"] = json::binary({1, 2});
        samples.push_back(cbor(j));
    }
    auto trailing = cbor(base);
    trailing.push_back(0);
    samples.push_back(trailing);
    // Every prefix and single-byte change of a few encodings.
    const auto small = encode(Text{some_id(), 300, "héllo"});
    for (std::size_t i = 0; i < small.size(); ++i) {
        samples.emplace_back(small.begin(), small.begin() + static_cast<std::ptrdiff_t>(i));
        for (std::uint8_t delta : {1, 0x20, 0x80}) {
            auto m = small;
            m[i] = static_cast<std::uint8_t>(m[i] + delta);
            samples.push_back(m);
        }
    }
    for (const auto& bytes : samples) {
        std::optional<Message> fast, general;
        const auto fast_status = decode_checked(bytes, fast);
        CHECK(fast_status == decode_checked_generic(bytes, general));
        REQUIRE(fast.has_value() == general.has_value());
        if (fast) {
            const auto* a = std::get_if<Text>(&*fast);
            const auto* b = std::get_if<Text>(&*general);
            REQUIRE((a != nullptr) == (b != nullptr));
            if (a) {
                CHECK(a->id == b->id);
                CHECK(a->sent_at_ms == b->sent_at_ms);
                CHECK(a->body == b->body);
            }
        }
    }
}
