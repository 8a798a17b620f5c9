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
template <std::size_t N>
std::array<std::uint8_t, N> filled(std::uint8_t v) {
    std::array<std::uint8_t, N> a{};
    a.fill(v);
    return a;
}
template <class Bytes>
json bin(const Bytes& b) {
    return json::binary(std::vector<std::uint8_t>(b.begin(), b.end()));
}
const RoomId kRoom = filled<16>(0x77);
const KeyBytes kAuthor = filled<32>(0xa1);
}  // namespace

TEST_CASE("every message type round-trips through CBOR") {
    const std::vector<Message> all{
        Text{some_id(), 1700000000123ull, "héllo 👋"},
        Ack{some_id()},
        Status{"away", "at lunch", "ana", ""},
        Status{"available", "", "ana", "ana (2)"},
        Gone{{1, 2, 3}},
        Ping{42},
        Pong{UINT64_MAX},
        Close{"bye"},
        RoomEntry{{1, 2, 3}, filled<64>(0x5e)},
        RoomSync{kRoom, {{kAuthor, 3}, {filled<32>(0xb2), UINT64_MAX}}},
        RoomSync{kRoom, {}},
        RoomAck{kRoom, kAuthor, 7},
        RoomInvite{kRoom, "lunch ☕"},
        RoomJoin{kRoom},
        RoomsQuery{},
        RoomsList{{{kRoom, "lunch", "where to eat", 5}, {filled<16>(0x01), "", "", 0}}},
        Where{filled<16>(0x5a), {filled<16>(1), filled<16>(2)}},
        Where{filled<16>(0x5a), {}},
        Here{filled<16>(0x5a), {{kAuthor, {"10.214.0.3:49100", "[fe80::1]:49100"}}, {filled<32>(0xb2), {}}}},
        Nearby{{{kAuthor, {"10.213.0.3:49100"}}, {filled<32>(0xb2), {"10.213.0.4:4000", "[fd00::4]:4000"}}}},
        Nearby{{}},
        Read{{some_id(), filled<16>(0x01)}},
        Typing{true},
        Typing{false},
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
}

// Unicode §3.9 "substitution of maximal subparts" (Python's errors="replace", WHATWG):
// one U+FFFD per maximal subpart of an ill-formed sequence, not one per byte.
TEST_CASE("invalid UTF-8 is replaced one U+FFFD per maximal subpart") {
    const std::string r = "\xEF\xBF\xBD";
    CHECK(sanitize_utf8("\xe2\x82") == r);                    // truncated 3-byte sequence
    CHECK(sanitize_utf8("\xf0\x9f\x98z") == r + "z");         // truncated 4-byte sequence
    CHECK(sanitize_utf8("a\xf1\x80\x80\xe1\x80" "b") == "a" + r + r + "b");
    CHECK(sanitize_utf8("\xf4\x90\x80\x80") == r + r + r + r);  // above U+10FFFF: no valid prefix
    CHECK(sanitize_utf8("\xe0\x80\x80") == r + r + r);          // overlong
    CHECK(sanitize_utf8("\xed\xa0\x80") == r + r + r);          // surrogate
    CHECK(sanitize_utf8("\xc0\xaf\xff\x80") == r + r + r + r);
    CHECK(sanitize_utf8("\xe2\x82\xac\xe2\x82") == "\xe2\x82\xac" + r);
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
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", 5}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"caps", "text"}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"caps", std::vector<std::string>(33, "x")}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"caps", {std::string(33, 'c')}}})));
    CHECK(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"caps", std::vector<std::string>(32, std::string(32, 'c'))}})));
    auto trailing = cbor({{"v", 1}, {"nick", "a"}});
    trailing.push_back(0x00);
    CHECK_FALSE(decode_hello(trailing));
    auto no_caps = decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"extra", true}}));
    REQUIRE(no_caps);
    CHECK(no_caps->capabilities.empty());
    CHECK_FALSE(no_caps->sign_key);
}

// §4.2: `lane` is optional text; a lane this version does not know is decoded as
// sent (the session, not the Hello, refuses it: later lanes keep handshaking).
TEST_CASE("hello carries the initiator's lane, bounded like a capability name") {
    Hello h{1, "ana", {"files"}};
    h.lane = "files";
    auto back = decode_hello(encode_hello(h));
    REQUIRE(back);
    CHECK(back->lane == "files");
    CHECK(back->capabilities == h.capabilities);
    // The chat lane is the key's absence: a chat Hello is the same bytes as before lanes.
    CHECK(encode_hello(Hello{1, "ana", {}}) == cbor({{"caps", json::array()}, {"nick", "ana"}, {"v", 1}}));
    CHECK(decode_hello(cbor({{"v", 1}, {"nick", "a"}}))->lane.empty());
    CHECK(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"lane", "bogus"}}))->lane == "bogus");
    CHECK(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"lane", std::string(32, 'l')}}))->lane.size() == 32);
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"lane", std::string(33, 'l')}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"lane", 1}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"lane", bin(filled<5>('f'))}})));
    // The sender cuts an over-long lane like a capability name.
    h.lane = std::string(40, 'l');
    CHECK(decode_hello(encode_hello(h))->lane == std::string(32, 'l'));

    CHECK(lane_from("") == Lane::chat);
    CHECK(lane_from("files") == Lane::files);
    CHECK_FALSE(lane_from("bogus"));
    CHECK_FALSE(lane_from("Files"));
    CHECK(lane_from(to_string(Lane::files)) == Lane::files);
    CHECK(lane_from(to_string(Lane::chat)) == Lane::chat);
}

TEST_CASE("hello says the listening port when known, 1 to 65535") {
    Hello h{1, "ana", {}};
    CHECK(decode_hello(encode_hello(h))->port == 0);  // not said: no key
    h.port = 40123;
    CHECK(encode_hello(h) == cbor({{"caps", json::array()}, {"nick", "ana"}, {"port", 40123}, {"v", 1}}));
    CHECK(decode_hello(encode_hello(h))->port == 40123);
    CHECK(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"port", 65535}}))->port == 65535);
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"port", 0}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"port", 65536}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"port", "80"}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"port", -1}})));
}

// §12's messages are core/files': the transport passes each up as the bytes it
// received, whatever their form, and writes them back unchanged.
TEST_CASE("a file_* map decodes to FileData holding its exact bytes, malformed is still malformed") {
    std::optional<Message> out;
    // Not the canonical form: keys unsorted, an unknown key, a long head for "f".
    const std::vector<std::uint8_t> odd{0xa3, 0x61, 't', 0x6a, 'f', 'i', 'l', 'e', '_', 'c', 'h', 'u', 'n', 'k',
                                        0x61, 'f', 0x18, 0x01, 0x61, 'z', 0xf5};
    for (const auto& bytes : {odd, cbor({{"t", "file_offer"}, {"x", bin(filled<16>(1))}}),
                              cbor({{"t", "file_"}}), cbor({{"t", "file_unknown_later"}, {"n", {1, 2}}})}) {
        REQUIRE(decode_checked(bytes, out) == DecodeStatus::ok);
        REQUIRE(std::holds_alternative<FileData>(*out));
        CHECK(std::get<FileData>(*out).bytes == bytes);
        CHECK(encode(*out) == bytes);
    }
    // The prefix is "file_": a "file" or "files" type is simply unknown.
    CHECK(decode_checked(cbor({{"t", "files"}}), out) == DecodeStatus::skipped);
    CHECK(decode_checked(cbor({{"t", "File_done"}}), out) == DecodeStatus::skipped);
    // Still a map with one text "t", checked whole.
    auto trailing = odd;
    trailing.push_back(0x00);
    CHECK(decode_checked(trailing, out) == DecodeStatus::malformed);
    CHECK(decode_checked(std::span(odd).first(odd.size() - 1), out) == DecodeStatus::malformed);
    const std::vector<std::uint8_t> two_types{0xa2, 0x61, 't', 0x65, 'f', 'i', 'l', 'e', '_',
                                              0x61, 't', 0x65, 'f', 'i', 'l', 'e', '_'};
    CHECK(decode_checked(two_types, out) == DecodeStatus::malformed);
    CHECK(decode_checked(cbor(json::array({"t", "file_done"})), out) == DecodeStatus::malformed);
    CHECK_FALSE(out);
    // A sender never writes more than one message may hold.
    CHECK(encode(FileData{std::vector<std::uint8_t>(wire::kMaxMessage + 1, 0xa0)}).empty());
    CHECK(encode(FileData{odd}) == odd);
}

TEST_CASE("a file_* map decoded with its owner takes the owner's buffer instead of a copy") {
    std::optional<Message> out;
    const auto map = cbor({{"t", "file_chunk"}, {"d", bin(std::vector<std::uint8_t>(3000, 0x7e))}});
    std::vector<std::uint8_t> owner = map;
    const auto* where = owner.data();
    REQUIRE(decode_checked(owner, out, &owner) == DecodeStatus::ok);
    REQUIRE(std::holds_alternative<FileData>(*out));
    CHECK(std::get<FileData>(*out).bytes == map);
    CHECK(std::get<FileData>(*out).bytes.data() == where);
    CHECK(owner.empty());
    // Any other message leaves the owner as it was.
    owner = cbor({{"t", "ping"}, {"n", 7}});
    REQUIRE(decode_checked(owner, out, &owner) == DecodeStatus::ok);
    CHECK(std::holds_alternative<Ping>(*out));
    CHECK(owner == cbor({{"t", "ping"}, {"n", 7}}));
}

// §4.2: `sig` is optional, but one that is there must be a 32-byte key.
TEST_CASE("hello carries an optional signing key") {
    Hello h{1, "ana", {"text", "rooms"}, kAuthor};
    auto back = decode_hello(encode_hello(h));
    REQUIRE(back);
    CHECK(back->sign_key == kAuthor);
    CHECK(back->capabilities == h.capabilities);
    CHECK(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"sig", bin(kAuthor)}}))->sign_key == kAuthor);
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"sig", bin(filled<31>(1))}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"sig", std::string(32, 's')}})));
    CHECK_FALSE(decode_hello(cbor({{"v", 1}, {"nick", "a"}, {"sig", nullptr}})));
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

// Senders write definite lengths, shortest heads and keys sorted as text
// strings: exactly what nlohmann::to_cbor writes of the same map (its object is
// a std::map), which serves as the oracle here.
TEST_CASE("encode writes shortest heads and keys sorted as text strings") {
    const MessageId raw_id = some_id();
    const json id = json::binary(std::vector<std::uint8_t>(raw_id.begin(), raw_id.end()));
    const std::vector<std::uint64_t> stamps{0, 23, 24, 255, 256, 65535, 65536, 0xffffffffull, 0x100000000ull,
                                            1700000000123ull, UINT64_MAX};
    for (std::uint64_t v : stamps) {
        for (std::size_t len : {0, 1, 23, 24, 255, 256, 65535, 65536}) {
            const std::string body(len, 'b');
            CHECK(encode(Text{some_id(), v, body}) == cbor({{"t", "text"}, {"id", id}, {"ts", v}, {"body", body}}));
        }
        CHECK(encode(Ping{v}) == cbor({{"t", "ping"}, {"n", v}}));
        CHECK(encode(Pong{v}) == cbor({{"t", "pong"}, {"n", v}}));
    }
    CHECK(encode(Ack{some_id()}) == cbor({{"t", "ack"}, {"id", id}}));
    CHECK(encode(Status{"away", "lunch", "ana", ""}) ==
          cbor({{"t", "status"}, {"presence", "away"}, {"msg", "lunch"}, {"nick", "ana"}}));
    CHECK(encode(Close{"bye"}) == cbor({{"t", "close"}, {"reason", "bye"}}));
    CHECK(encode_hello(Hello{1, "ana", {"text", "files"}}) ==
          cbor({{"v", 1}, {"nick", "ana"}, {"caps", {"text", "files"}}}));
    CHECK(encode_hello(Hello{1, "ana", {"rooms"}, kAuthor}) ==
          cbor({{"v", 1}, {"nick", "ana"}, {"caps", {"rooms"}}, {"sig", bin(kAuthor)}}));
}

TEST_CASE("room messages are written in the same canonical form") {
    const auto sig = filled<64>(0x5e);
    for (std::size_t len : {0, 23, 24, 255, 256, 65535, 65536}) {
        const std::vector<std::uint8_t> e(len, 0xee);
        CHECK(encode(RoomEntry{e, sig}) == cbor({{"t", "room_entry"}, {"e", bin(e)}, {"s", bin(sig)}}));
    }
    for (std::size_t n : {0, 1, 23, 24, 1024}) {
        RoomSync m{kRoom, {}};
        json have = json::array();
        for (std::size_t i = 0; i < n; ++i) {
            KeyBytes k = kAuthor;
            k[0] = static_cast<std::uint8_t>(i >> 8);
            k[1] = static_cast<std::uint8_t>(i);
            m.have.push_back({k, i * 1000});
            have.push_back(json::array({bin(k), i * 1000}));
        }
        CHECK(encode(m) == cbor({{"t", "room_sync"}, {"r", bin(kRoom)}, {"have", have}}));
    }
    CHECK(encode(RoomAck{kRoom, kAuthor, 300}) ==
          cbor({{"t", "room_ack"}, {"r", bin(kRoom)}, {"a", bin(kAuthor)}, {"n", 300}}));
    CHECK(encode(RoomInvite{kRoom, "lunch"}) == cbor({{"t", "room_invite"}, {"r", bin(kRoom)}, {"name", "lunch"}}));
    CHECK(encode(RoomJoin{kRoom}) == cbor({{"t", "room_join"}, {"r", bin(kRoom)}}));
    CHECK(encode(RoomsQuery{}) == cbor({{"t", "rooms_query"}}));
    CHECK(encode(RoomsList{{{kRoom, "lunch", "where", 5}}}) ==
          cbor({{"t", "rooms_list"},
                {"rooms", json::array({{{"r", bin(kRoom)}, {"name", "lunch"}, {"topic", "where"}, {"count", 5}}})}}));
    CHECK(encode(RoomsList{}) == cbor({{"t", "rooms_list"}, {"rooms", json::array()}}));
}

TEST_CASE("senders never exceed a room bound: lists and names are cut, an entry is refused") {
    CHECK(std::get<RoomEntry>(*decode(encode(RoomEntry{std::vector<std::uint8_t>(wire::kMaxRoomEntry, 1), {}})))
              .entry.size() == wire::kMaxRoomEntry);
    CHECK(encode(RoomEntry{std::vector<std::uint8_t>(wire::kMaxRoomEntry + 1, 1), {}}).empty());
    RoomSync sync{kRoom, {}};
    for (std::size_t i = 0; i <= wire::kMaxRoomAuthors; ++i) {
        KeyBytes k{};
        k[0] = static_cast<std::uint8_t>(i >> 8);
        k[1] = static_cast<std::uint8_t>(i);
        sync.have.push_back({k, 1});
    }
    const auto cut_sync = std::get<RoomSync>(*decode(encode(sync)));
    CHECK(cut_sync.have.size() == wire::kMaxRoomAuthors);
    CHECK(cut_sync.have.back() == sync.have[wire::kMaxRoomAuthors - 1]);
    const std::string name = std::string(63, 'n') + "é";
    CHECK(std::get<RoomInvite>(*decode(encode(RoomInvite{kRoom, name}))).name == std::string(63, 'n'));
    RoomsList list{std::vector<ListedRoom>(wire::kMaxListedRooms + 1,
                                           ListedRoom{kRoom, name, std::string(300, 't'), 1})};
    const auto cut_list = std::get<RoomsList>(*decode(encode(list)));
    REQUIRE(cut_list.rooms.size() == wire::kMaxListedRooms);
    CHECK(cut_list.rooms[0].name == std::string(63, 'n'));
    CHECK(cut_list.rooms[0].topic == std::string(wire::kMaxRoomTopic, 't'));
}

TEST_CASE("senders never exceed a field bound: names and reasons are cut, a text body is refused") {
    const std::string nick = std::string(63, 'n') + "é";
    const auto s = std::get<Status>(*decode(encode(Status{"away", std::string(300, 'm'), nick, ""})));
    CHECK(s.message == std::string(wire::kMaxStatusMessage, 'm'));
    CHECK(s.nick == std::string(63, 'n'));
    CHECK(std::get<Close>(*decode(encode(Close{std::string(1000, 'r')}))).reason.size() == wire::kMaxCloseReason);
    CHECK(std::get<Text>(*decode(encode(Text{some_id(), 1, std::string(wire::kMaxTextBody, 'x')}))).body.size() ==
          wire::kMaxTextBody);
    CHECK(encode(Text{some_id(), 1, std::string(wire::kMaxTextBody + 1, 'x')}).empty());
    // Measured as sent: each invalid byte becomes U+FFFD, three bytes.
    CHECK(encode(Text{some_id(), 1, std::string(wire::kMaxTextBody / 3 + 1, '\xff')}).empty());
}

// Replacement can lengthen a field (one byte becomes three); what a receiver
// keeps stays within the bound, so it re-encodes to the same message.
TEST_CASE("a field at its bound with invalid UTF-8 decodes within the bound") {
    json j = {{"t", "status"}, {"presence", "busy"}, {"msg", ""}, {"nick", std::string(wire::kMaxNick, '\xff')}};
    const auto s = std::get<Status>(*decode(cbor(j)));
    CHECK(s.nick.size() <= wire::kMaxNick);
    CHECK(s.nick.size() == wire::kMaxNick / 3 * 3);
    CHECK(std::get<Status>(*decode(encode(s))).nick == s.nick);
}

TEST_CASE("where and here are CBOR maps with the documented keys (§13)") {
    const auto salt = filled<16>(0x5a), tag = filled<16>(0x7a);
    CHECK(encode(Where{salt, {tag}}) == cbor({{"t", "where"}, {"s", bin(salt)}, {"q", json::array({bin(tag)})}}));
    CHECK(encode(Here{salt, {{kAuthor, {"10.0.0.1:49100"}}}}) ==
          cbor({{"t", "here"},
                {"s", bin(salt)},
                {"peers", json::array({{{"key", bin(kAuthor)}, {"a", json::array({"10.0.0.1:49100"})}}})}}));
}

TEST_CASE("senders never exceed a where or here bound: lists are cut, an address that does not fit is left out") {
    Where where{filled<16>(1), std::vector<WhereTag>(wire::kMaxWhereKeys + 1, filled<16>(2))};
    CHECK(std::get<Where>(*decode(encode(where))).tags.size() == wire::kMaxWhereKeys);
    const std::string longest = std::string(wire::kMaxAddressText - 2, 'h') + ":1";
    std::vector<std::string> addresses(wire::kMaxSharedAddresses + 1, longest);
    addresses.front() = longest + "0";   // over its bound
    addresses[1] = "\xff:1";             // not UTF-8
    Here here{filled<16>(1), std::vector<SharedPeer>(wire::kMaxWhereKeys + 1, SharedPeer{kAuthor, addresses})};
    const auto back = std::get<Here>(*decode(encode(here)));
    REQUIRE(back.peers.size() == wire::kMaxWhereKeys);
    CHECK(back.peers[0].addresses == std::vector<std::string>(wire::kMaxSharedAddresses - 1, longest));
}

TEST_CASE("read and typing are CBOR maps with the documented keys (§14)") {
    CHECK(encode(Read{{some_id()}}) == cbor({{"t", "read"}, {"ids", json::array({bin(some_id())})}}));
    CHECK(encode(Typing{true}) == cbor({{"t", "typing"}, {"on", 1}}));
    CHECK(encode(Typing{false}) == cbor({{"t", "typing"}, {"on", 0}}));
    CHECK(std::get<Typing>(*decode(encode(Typing{true}))).on);
    CHECK_FALSE(std::get<Typing>(*decode(encode(Typing{false}))).on);
}

TEST_CASE("senders never exceed a read bound: ids are cut to 64, a read of none is not sent") {
    Read many{std::vector<MessageId>(wire::kMaxReadIds + 5, some_id())};
    CHECK(std::get<Read>(*decode(encode(many))).ids.size() == wire::kMaxReadIds);
    CHECK(encode(Read{}).empty());
    std::optional<Message> out;
    CHECK(decode_checked(cbor({{"t", "read"}, {"ids", json::array()}}), out) == DecodeStatus::skipped);
    CHECK(decode_checked(cbor({{"t", "typing"}, {"on", 2}}), out) == DecodeStatus::skipped);
    CHECK(decode_checked(cbor({{"t", "typing"}, {"on", true}}), out) == DecodeStatus::skipped);
}
