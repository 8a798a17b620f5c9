// The CBOR reader on RFC 8949 examples (Appendix A) and on input that is not
// well-formed (Appendix F), truncation, nesting and claimed sizes.
#include "transport/cbor.hpp"
#include "transport/messages.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace hallway::transport;
using Bytes = std::vector<std::uint8_t>;

namespace {
Bytes hex(std::string_view h) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    return out;
}
Bytes nested(std::size_t depth, std::uint8_t open = 0x81) {
    Bytes b(depth, open);
    b.push_back(0x00);
    return b;
}
}  // namespace

TEST_CASE("cbor: every major type, tags, simple values, floats and indefinite lengths are well-formed") {
    for (std::string_view item : {
             "00", "17", "1818", "190100", "1a000f4240", "1b000000e8d4a51000",  // uint, every head width
             "20", "3863", "3bffffffffffffffff",                              // negative
             "40", "4401020304", "5f42010243030405ff", "5fff",                 // bytes, indefinite
             "60", "6161", "7f657374726561646d696e67ff", "7f60ff",             // text, indefinite
             "80", "83010203", "9fff", "9f018202039f0405ffff", "83019f0203ff820405",
             "a0", "a201020304", "bf61610161629f0203ffff", "bfff",             // maps
             "c074323031332d30332d32315432303a30343a30305a", "c11a514b67b0",  // tags
             "d818456449455446", "d9d9f7c0c1c2f6",                            // tag 24, nested tags
             "f4", "f5", "f6", "f7", "f0", "f820", "f8ff",                     // simple incl. undefined
             "f93c00", "f97bff", "fa47c35000", "fb3ff199999999999a",         // half, single, double
         }) {
        CAPTURE(item);
        CHECK(cbor::well_formed(hex(item)));
    }
}

TEST_CASE("cbor: input that is not well-formed is refused") {
    for (std::string_view item : {
             "", "1c", "1d", "1e", "3c", "5c", "7d", "9e", "bc", "dc", "fc", "fd", "fe",  // reserved info
             "1f", "3f", "df", "ff",                // no indefinite form; break outside a container
             "f800", "f81f",                        // simple value < 32 in two bytes
             "18", "1900", "1b00000000000000",      // truncated argument
             "41", "6261", "81", "a100", "a1", "c0", "9f", "bf00", "5f", "7f",  // missing content
             "5f00ff", "5f5f4100ffff", "7f4100ff", "5f6100ff",  // bad chunks of indefinite strings
             "bf00ff", "9fc0ff", "81c0",            // odd map, tag without item
             "0000", "a0ff",                        // trailing bytes
             "5bffffffffffffffff", "9bffffffffffffffff", "bbffffffffffffffff", "9a7fffffff00",  // claimed sizes
         }) {
        CAPTURE(item);
        CHECK_FALSE(cbor::well_formed(hex(item)));
    }
}

TEST_CASE("cbor: truncation at every byte is refused") {
    const Bytes whole = hex("bf61610161629f02d8203a000f4240f97bff5f42010243030405ff7f6161ff8201a1f6f7ffff");
    REQUIRE(cbor::well_formed(whole));
    for (std::size_t n = 0; n < whole.size(); ++n) {
        CAPTURE(n);
        CHECK_FALSE(cbor::well_formed(std::span(whole).first(n)));
    }
}

TEST_CASE("cbor: nesting 16 deep is read, 17 is refused, tags do not nest") {
    CHECK(cbor::well_formed(nested(wire::kMaxNesting)));
    CHECK_FALSE(cbor::well_formed(nested(wire::kMaxNesting + 1)));
    Bytes maps;
    for (std::size_t i = 0; i < wire::kMaxNesting; ++i) maps.insert(maps.end(), {0xa1, 0x00});
    maps.push_back(0x00);
    CHECK(cbor::well_formed(maps));
    maps.insert(maps.begin(), {0xa1, 0x00});
    CHECK_FALSE(cbor::well_formed(maps));
    Bytes indefinite(wire::kMaxNesting, 0x9f);
    indefinite.insert(indefinite.end(), wire::kMaxNesting, 0xff);
    CHECK(cbor::well_formed(indefinite));
    CHECK_FALSE(cbor::well_formed(nested(wire::kMaxNesting + 1, 0x9f)));
    CHECK(cbor::well_formed(nested(100000, 0xc0)));  // tag chains are walked, not nested
}

// Issue 22.1: the recursive decoder overflowed the stack on this input.
TEST_CASE("cbor: a million nested arrays are refused without recursion") {
    const Bytes deep = nested(1000000);
    CHECK_FALSE(cbor::well_formed(deep));
    std::optional<Message> out;
    CHECK(decode_checked(deep, out) == DecodeStatus::malformed);
    CHECK_FALSE(decode_hello(deep));
    // The same nesting as the value of a key of a proper message.
    Bytes in_map = hex("a2617464746578746178");
    in_map.insert(in_map.end(), deep.begin(), deep.end());
    CHECK(decode_checked(in_map, out) == DecodeStatus::malformed);
}

TEST_CASE("cbor: strings are views into the input unless indefinite") {
    const Bytes b = hex("63616263" "7f62616261" "63ff");
    cbor::Reader r(b);
    cbor::Head h;
    std::string scratch;
    std::string_view s;
    REQUIRE(r.head(h));
    REQUIRE(r.string_body(h, cbor::Major::text, scratch, s));
    CHECK(s == "abc");
    CHECK(reinterpret_cast<const std::uint8_t*>(s.data()) == b.data() + 1);
    REQUIRE(r.head(h));
    CHECK(h.indefinite);
    REQUIRE(r.string_body(h, cbor::Major::text, scratch, s));
    CHECK(s == "abc");
    CHECK(r.at_end());
    const Bytes byte_string = hex("43616263");  // the reader views its input: keep it alive
    cbor::Reader bytes_as_text(byte_string);
    REQUIRE(bytes_as_text.head(h));
    CHECK_FALSE(bytes_as_text.string_body(h, cbor::Major::text, scratch, s));
}

TEST_CASE("cbor: the writer uses the shortest head") {
    const std::vector<std::pair<std::uint64_t, std::string_view>> cases{
        {0, "00"}, {23, "17"}, {24, "1818"}, {255, "18ff"}, {256, "190100"}, {65535, "19ffff"},
        {65536, "1a00010000"}, {0xffffffffull, "1affffffff"}, {0x100000000ull, "1b0000000100000000"}};
    for (const auto& [v, want] : cases) {
        Bytes out;
        cbor::put_head(out, cbor::Major::uint, v);
        CHECK(out == hex(want));
    }
    Bytes out;
    cbor::put_text(out, "ab");
    cbor::put_bytes(out, hex("0102"));
    CHECK(out == hex("626162420102"));
}
