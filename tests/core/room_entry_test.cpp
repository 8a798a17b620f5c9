#include "tests/core/doc_block.hpp"
#include "tests/core/room_support.hpp"
#include "transport/cbor.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <sodium.h>

#include <algorithm>

using namespace hallway::test;
using hallway::transport::cbor::Major;
namespace cbor = hallway::transport::cbor;
namespace wire = hallway::transport::wire;

namespace {

using Bytes = std::vector<std::uint8_t>;

std::string hex(std::span<const std::uint8_t> b) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (auto c : b) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

// An entry of each kind, every field of it set.
std::vector<Entry> one_of_each(const Person& a, const Person& b) {
    const Entry create = create_entry(a);
    std::vector<Entry> out{create};
    auto next = [&](Kind k) {
        Entry e;
        e.room = create.room;
        e.author = a.key;
        e.seq = out.size() + 1;
        e.lamport = out.size() + 7;
        e.sent_at_ms = 1700000000000 + out.size();
        e.kind = k;
        return e;
    };
    Entry text = next(Kind::text);
    text.body = "hello, room \xe2\x9c\x93";
    out.push_back(text);
    Entry add = next(Kind::add);
    add.member = b.key;
    add.sign_key = b.signing.public_key;
    add.member_nick = "bob";
    out.push_back(add);
    for (Kind k : {Kind::remove, Kind::admin}) {
        Entry e = next(k);
        e.member = b.key;
        out.push_back(e);
    }
    out.push_back(next(Kind::leave));
    Entry set = next(Kind::set);
    set.name = "lunch 2";
    set.topic = "";
    set.open = true;
    out.push_back(set);
    return out;
}

void check_same(const Entry& x, const Entry& y) {
    CHECK(x.room == y.room);
    CHECK(x.author == y.author);
    CHECK(x.seq == y.seq);
    CHECK(x.lamport == y.lamport);
    CHECK(x.sent_at_ms == y.sent_at_ms);
    CHECK(x.kind == y.kind);
    CHECK(x.body == y.body);
    CHECK(x.name == y.name);
    CHECK(x.topic == y.topic);
    CHECK(x.open == y.open);
    CHECK(x.nonce == y.nonce);
    CHECK(x.sign_key == y.sign_key);
    CHECK(x.member == y.member);
    CHECK(x.member_nick == y.member_nick);
}

// A map with one key/value pair appended to the encoding (the map head's count raised).
Bytes with_extra(Bytes bytes, const Bytes& pair) {
    REQUIRE(bytes[0] >= 0xa0);
    REQUIRE(bytes[0] < 0xb7);
    ++bytes[0];
    bytes.insert(bytes.end(), pair.begin(), pair.end());
    return bytes;
}
Bytes text_item(std::string_view s) {
    Bytes out;
    cbor::put_text(out, s);
    return out;
}
Bytes uint_item(std::uint64_t v) {
    Bytes out;
    cbor::put_head(out, Major::uint, v);
    return out;
}
Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("room entry: each kind round-trips, encoded with sorted keys and shortest heads") {
    const Person alice(0x01), bob(0x02);
    for (const Entry& e : one_of_each(alice, bob)) {
        CAPTURE(to_string(e.kind));
        const Bytes bytes = encode(e);
        REQUIRE(!bytes.empty());
        CHECK(cbor::well_formed(bytes));
        const auto back = decode(bytes);
        REQUIRE(back);
        check_same(*back, e);
        CHECK(encode(*back) == bytes);
    }
}

TEST_CASE("room entry: the worked example (docs): alice creates, adds bob, bob writes") {
    const Person alice(0x01), bob(0x02);
    const SignedEntry create = sign(create_entry(alice), alice.signing);
    RoomState room = room_of(create);
    const SignedEntry add = write(room, Writer{room, alice}.add(bob, "bob"));
    const SignedEntry text = write(room, Writer{room, bob, 1700000002000}.text("hi all"));
    CHECK(hex(room.id()) ==
          "28f847adbfe8d74b5846539087517445");
    CHECK(hex(create.bytes) ==
          "ab61615820a4e09292b651c278b9772c569f5fa9bb13d906b46ab68c9df9dc2b4409f8a209616b66637265617465616c01616e01646e"
              "616d65656c756e6368656e6f6e636550000102030405060708090a0b0c0d0e0f646f70656e0061725028f847adbfe8d74b5846"
              "53908751744562736b58206a40ed8d4b5b94ef96775de68d9a4652a0d34a803da5eb0c0ca2785a71897f9565746f7069636f77"
              "6865726520646f207765206561746274731b0000018bcfe56800");
    CHECK(hex(create.signature) ==
          "ba44912b304f81f3271008baec487be243f167388669da856ada0e114c1aebe04be284bd5773f988899a63ec55ad9781c7dd0a110167"
              "ad69ad54a18e44ac370a");
    CHECK(hex(add.bytes) ==
          "a961615820a4e09292b651c278b9772c569f5fa9bb13d906b46ab68c9df9dc2b4409f8a209616b63616464616c02616d5820ce8d"
           "3ad1ccb633ec7b70c17814a5c76ecd029685050d344745ba05870e587d59626d6e63626f62616e0261725028f847adbfe8d74b58"
           "4653908751744562736b58201a99eef4f1b3276f03f44b29a26b7e58af57270b0ac0ab0545f119e967763ce36274731b000001"
           "8bcfe56be8");
    CHECK(hex(text.bytes) ==
          "a761615820ce8d3ad1ccb633ec7b70c17814a5c76ecd029685050d344745ba05870e587d5964626f647966686920616c6c616b"
            "6474657874616c03616e0161725028f847adbfe8d74b58465390875174456274731b0000018bcfe56fd0");
    CHECK(hex(entry_id(text)) ==
          "84b229b0855225217ef467a6e6522025");
}

TEST_CASE("room entry: ids are BLAKE2b-128 of what docs/PROTOCOL.md §11.2 names") {
    const Person alice(0x01);
    const Entry e = create_entry(alice);
    Bytes input(std::string_view("Hallway/1 room").begin(), std::string_view("Hallway/1 room").end());
    input.insert(input.end(), alice.key.begin(), alice.key.end());
    input.insert(input.end(), e.sign_key.begin(), e.sign_key.end());
    input.insert(input.end(), e.nonce.begin(), e.nonce.end());
    RoomId want{};
    crypto_generichash(want.data(), want.size(), input.data(), input.size(), nullptr, 0);
    CHECK(room_id(alice.key, e.sign_key, e.nonce) == want);
    Nonce other = e.nonce;
    other[0] ^= 1;
    CHECK(room_id(alice.key, e.sign_key, other) != want);

    const SignedEntry s = sign(e, alice.signing);
    MessageId id{};
    crypto_generichash(id.data(), id.size(), s.bytes.data(), s.bytes.size(), nullptr, 0);
    CHECK(entry_id(s) == id);
}

TEST_CASE("room entry: the signature covers the bytes under the entry context") {
    const Person alice(0x01), bob(0x02);
    SignedEntry s = sign(create_entry(alice), alice.signing);
    CHECK(signature_valid(s, alice.signing.public_key));
    CHECK(!signature_valid(s, bob.signing.public_key));
    // Another purpose's signature over the same bytes is not an entry's.
    SignedEntry other = s;
    other.signature = hallway::crypto::sign(alice.signing, "Hallway/1 something else", s.bytes);
    CHECK(!signature_valid(other, alice.signing.public_key));
    s.bytes.back() ^= 1;
    CHECK(!signature_valid(s, alice.signing.public_key));
}

TEST_CASE("room entry: unknown keys are ignored, any well-formed CBOR in them") {
    const Person alice(0x01);
    const Bytes bytes = encode(create_entry(alice));
    CHECK(decode(with_extra(bytes, cat(text_item("zz"), {0x9f, 0x01, 0xf9, 0x3c, 0x00, 0xff}))));
    CHECK(decode(with_extra(bytes, cat(uint_item(7), text_item("a key that is no text")))));
    CHECK(decode(with_extra(bytes, cat(text_item("future"), {0xc1, 0x1a, 0x00, 0x00, 0x00, 0x01}))));
}

TEST_CASE("room entry: what is not an entry") {
    const Person alice(0x01), bob(0x02);
    const auto all = one_of_each(alice, bob);
    const Entry& create = all[0];
    const Entry& text = all[1];
    const Bytes create_bytes = encode(create);

    SUBCASE("a field of another kind") {
        CHECK(!decode(with_extra(encode(text), cat(text_item("name"), text_item("x")))));
        CHECK(!decode(with_extra(create_bytes, cat(text_item("body"), text_item("x")))));
        CHECK(!decode(with_extra(encode(all[5]), cat(text_item("m"), text_item("x")))));  // leave
    }
    SUBCASE("a field of its kind missing or ill-typed") {
        Bytes m;
        cbor::put_head(m, Major::map, 6);
        for (auto [k, v] : std::initializer_list<std::pair<std::string_view, Bytes>>{
                 {"a", cat({0x58, 0x20}, Bytes(32, 1))},
                 {"k", text_item("text")},
                 {"l", uint_item(2)},
                 {"n", uint_item(2)},
                 {"r", cat({0x50}, Bytes(16, 1))},
                 {"ts", uint_item(1)}})
            m = cat(cat(m, text_item(k)), v);
        CHECK(!decode(m));  // a text without its body
        CHECK(decode(with_extra(m, cat(text_item("body"), text_item("hi")))));
        CHECK(!decode(with_extra(m, cat(text_item("body"), {0x42, 'h', 'i'}))));  // bytes, not text
    }
    SUBCASE("a key twice") {
        CHECK(!decode(with_extra(encode(text), cat(text_item("ts"), uint_item(5)))));
    }
    SUBCASE("an unknown kind") {
        Bytes b = encode(all[5]);  // leave: replace the kind's text
        const std::string_view leave = "\x65leave";
        auto at = std::search(b.begin(), b.end(), leave.begin(), leave.end());
        REQUIRE(at != b.end());
        std::copy_n("\x65Leave", 6, at);
        CHECK(!decode(b));
    }
    SUBCASE("bounds") {
        Entry e = text;
        e.body.assign(wire::kMaxTextBody, 'x');
        CHECK(decode(encode(e)));
        e.body += 'x';
        CHECK(encode(e).empty());
        e = create;
        e.name.assign(kMaxRoomName, 'n');
        CHECK(decode(encode(e)));
        e.name += 'n';
        CHECK(encode(e).empty());
        e = create;
        e.topic.assign(kMaxRoomTopic + 1, 't');
        CHECK(encode(e).empty());
        e = all[2];
        e.member_nick.assign(wire::kMaxNick + 1, 'b');
        CHECK(encode(e).empty());
        CHECK(!decode(Bytes(kMaxEntryBytes + 1, 0)));
    }
    SUBCASE("names: not empty, no control characters") {
        for (const std::string& bad : std::vector<std::string>{"", "a\nb", std::string("a\0b", 3), "tab\t", "del\x7f", "c1 \xc2\x85"}) {
            Entry e = create;
            e.name = bad;
            CAPTURE(bad);
            CHECK(encode(e).empty());
        }
        Entry e = create;
        e.name = "caf\xc3\xa9 \xc2\xa0";  // U+00A0 is not a control character
        CHECK(decode(encode(e)));
    }
    SUBCASE("seq and lamport start at 1 and fit a signed 64-bit integer; open is 0 or 1") {
        Entry e = text;
        e.seq = 0;
        CHECK(encode(e).empty());
        e = text;
        e.lamport = 0;
        CHECK(encode(e).empty());
        e.lamport = std::uint64_t{1} << 63;
        CHECK(encode(e).empty());
        e.lamport = (std::uint64_t{1} << 63) - 1;
        CHECK(decode(encode(e)));
        Bytes b = create_bytes;
        const std::string_view open0 = "\x64open\x00";
        auto at = std::search(b.begin(), b.end(), open0.begin(), open0.begin() + 6);
        REQUIRE(at != b.end());
        at[5] = 0x02;
        CHECK(!decode(b));
    }
    SUBCASE("a create is seq 1, lamport 1") {
        Entry e = create;
        e.seq = 2;
        CHECK(encode(e).empty());
        e = create;
        e.lamport = 2;
        CHECK(encode(e).empty());
    }
    SUBCASE("fixed-size byte strings") {
        Bytes b = create_bytes;
        const Bytes nonce = cat(text_item("nonce"), {0x50});
        auto at = std::search(b.begin(), b.end(), nonce.begin(), nonce.end());
        REQUIRE(at != b.end());
        at[6] = 0x4f;  // a well-formed map whose nonce has 15 bytes
        b.erase(at + 7);
        CHECK(cbor::well_formed(b));
        CHECK(!decode(b));
    }
    SUBCASE("not one map") {
        CHECK(!decode({}));
        CHECK(!decode(Bytes{0x80}));
        CHECK(!decode(cat(create_bytes, {0x00})));
        Bytes cut(create_bytes.begin(), create_bytes.end() - 1);
        CHECK(!decode(cut));
    }
    SUBCASE("nesting deeper than the wire allows, in an ignored key") {
        Bytes deep(wire::kMaxNesting, 0x81);
        deep.push_back(0x00);
        CHECK(!decode(with_extra(create_bytes, cat(text_item("zz"), deep))));
        Bytes ok(wire::kMaxNesting - 2, 0x81);
        ok.push_back(0x00);
        CHECK(decode(with_extra(create_bytes, cat(text_item("zz"), ok))));
    }
}

TEST_CASE("room entry: text made valid UTF-8 on both sides") {
    const Person alice(0x01), bob(0x02);
    Entry e = one_of_each(alice, bob)[1];
    e.body = "a\xff" "b";
    const auto back = decode(encode(e));
    REQUIRE(back);
    CHECK(back->body == "a\xef\xbf\xbd" "b");
    // Invalid bytes as sent are replaced when read, the bytes kept as signed.
    Bytes raw = encode(e);
    const Bytes fffd{0xef, 0xbf, 0xbd};
    auto at = std::search(raw.begin(), raw.end(), fffd.begin(), fffd.end());
    REQUIRE(at != raw.end());
    at[0] = 0xc0;
    at[1] = 0xc0;
    at[2] = 0x41;
    const auto read = decode(raw);
    REQUIRE(read);
    CHECK(read->body == "a\xef\xbf\xbd\xef\xbf\xbd" "Ab");
}

namespace {

// A labelled hex block of docs/PROTOCOL.md §9 ("```hex example-LABEL").
std::vector<std::uint8_t> doc_block(const std::string& label) { return ::doc_block("PROTOCOL.md", "example-" + label); }

}  // namespace

TEST_CASE("room entry: core/rooms writes and reads the example of docs/PROTOCOL.md §9 byte for byte") {
    // §9's Alice: static private key 00 01 02 ... 1f.
    std::array<std::uint8_t, 32> priv{};
    for (std::size_t i = 0; i < priv.size(); ++i) priv[i] = static_cast<std::uint8_t>(i);
    const auto alice = hallway::crypto::KeyPair::from_private(priv);
    const auto signing = hallway::crypto::SigningKey::derive(alice);
    CHECK(std::vector<std::uint8_t>(signing.public_key.begin(), signing.public_key.end()) ==
          doc_block("alice-sign-public"));
    Entry e;
    for (std::size_t i = 0; i < e.nonce.size(); ++i) e.nonce[i] = static_cast<std::uint8_t>(i);
    e.room = room_id(alice.public_key, signing.public_key, e.nonce);
    CHECK(std::vector<std::uint8_t>(e.room.begin(), e.room.end()) == doc_block("room-id"));
    e.author = alice.public_key;
    e.seq = 1;
    e.lamport = 1;
    e.sent_at_ms = 1700000000000ull;
    e.kind = Kind::create;
    e.name = "lunch";
    e.open = true;
    e.sign_key = signing.public_key;
    const auto bytes = encode(e);
    CHECK(bytes == doc_block("room-create-entry"));
    const auto id = entry_id(SignedEntry{bytes, {}});
    CHECK(std::vector<std::uint8_t>(id.begin(), id.end()) == doc_block("room-entry-id"));
    // The room_entry of §9 carries a signature core/rooms accepts, and the room starts from it.
    const auto wire = doc_block("room-entry-cbor");
    const auto signature = std::search(wire.begin(), wire.end(), bytes.begin(), bytes.end()) + bytes.size() + 4;  // then "s", bytes(64)
    REQUIRE(wire.end() - signature >= 64);
    SignedEntry s{bytes, {}};
    std::copy(signature, signature + 64, s.signature.begin());
    CHECK(signature_valid(s, signing.public_key));
    std::string error;
    auto state = RoomState::from_create(s, error);
    REQUIRE_MESSAGE(state, error);
    CHECK(state->name() == "lunch");
    CHECK(state->open());
}
