#include "core/files/messages.hpp"
#include "tests/core/doc_block.hpp"
#include "transport/cbor.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <numeric>

using namespace hallway::core::files;
namespace cbor = hallway::transport::cbor;
namespace wire = hallway::transport::wire;
using cbor::Major;
using Bytes = std::vector<std::uint8_t>;

namespace {

// A map written by hand: each pair is a text key and one encoded value.
using Pairs = std::vector<std::pair<std::string, Bytes>>;
Bytes map(const Pairs& pairs) {
    Bytes out;
    cbor::put_head(out, Major::map, pairs.size());
    for (const auto& [k, v] : pairs) {
        cbor::put_text(out, k);
        out.insert(out.end(), v.begin(), v.end());
    }
    return out;
}
Bytes u(std::uint64_t n) {
    Bytes out;
    cbor::put_head(out, Major::uint, n);
    return out;
}
Bytes txt(std::string_view s) {
    Bytes out;
    cbor::put_text(out, s);
    return out;
}
Bytes bin(std::span<const std::uint8_t> b) {
    Bytes out;
    cbor::put_bytes(out, b);
    return out;
}
Bytes bin(std::size_t n, std::uint8_t fill) { return bin(Bytes(n, fill)); }
Bytes ranges(std::initializer_list<std::pair<std::uint64_t, std::uint64_t>> rs) {
    Bytes out;
    cbor::put_head(out, Major::array, rs.size());
    for (auto [first, count] : rs) {
        cbor::put_head(out, Major::array, 2);
        cbor::put_head(out, Major::uint, first);
        cbor::put_head(out, Major::uint, count);
    }
    return out;
}

TransferId tid() {
    TransferId id{};
    std::iota(id.begin(), id.end(), std::uint8_t{0});
    return id;
}
Bytes x() { return bin(tid()); }

// One valid map of each small type, as a sender may write it (any key order).
std::vector<std::pair<std::string, Pairs>> valid_maps() {
    return {
        {"accept", {{"t", txt("file_accept")}, {"x", x()}}},
        {"decline", {{"x", x()}, {"t", txt("file_decline")}}},
        {"done", {{"t", txt("file_done")}, {"x", x()}}},
        {"get", {{"t", txt("file_get")}, {"x", x()}, {"f", u(3)}, {"r", ranges({{0, 2}, {5, 6}})}}},
        {"chunk", {{"t", txt("file_chunk")}, {"x", x()}, {"f", u(0)}, {"i", u(7)}, {"d", bin(100, 0xab)},
                   {"p", bin(64, 0xcd)}}},
        {"cancel", {{"t", txt("file_cancel")}, {"x", x()}, {"reason", txt("no space")}}},
    };
}

bool refused(const Bytes& b) { return !decode_file_message(b).has_value(); }

std::string hex(std::span<const std::uint8_t> b) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (auto c : b) {
        s += digits[c >> 4];
        s += digits[c & 15];
    }
    return s;
}

}  // namespace

TEST_CASE("file messages: each round-trips, and what decodes re-encodes to the same message") {
    FileChunk chunk{tid(), 2, 9, Bytes(kMaxChunkSize, 0x5a), std::vector<Hash>(kMaxProof, Hash{7})};
    Offer offer;
    offer.id = tid();
    offer.entries = {{"a.txt", false, 10, Hash{1}}};
    const std::vector<FileMessage> all{
        offer,
        FileAccept{tid()},
        FileDecline{tid()},
        FileGet{tid(), kMaxEntries - 1, {{0, 1}, {3, 2}, {kMaxChunks - 5, 5}}},
        chunk,
        FileChunk{tid(), 0, kMaxChunks - 1, Bytes{1}, {}},
        FileCancel{tid(), "file changed"},
        FileCancel{tid(), ""},
        FileDone{tid()},
        FilePause{tid(), "disk full"},
    };
    for (const auto& m : all) {
        CAPTURE(type_name(m));
        const Bytes b = encode_file_message(m);
        REQUIRE(!b.empty());
        CHECK(b.size() <= wire::kMaxMessage);
        const auto back = decode_file_message(b);
        REQUIRE(back);
        CHECK(*back == m);
        CHECK(encode_file_message(*back) == b);
    }
}

TEST_CASE("file messages: keys sorted as text strings, shortest heads") {
    // {"f": 0, "r": [[0, 8]], "t": "file_get", "x": h'00..0f'}
    const Bytes b = encode_file_message(FileGet{tid(), 0, {{0, 8}}});
    const Bytes want = map({{"f", u(0)}, {"r", ranges({{0, 8}})}, {"t", txt("file_get")}, {"x", x()}});
    CHECK(hex(b) == hex(want));
    const Bytes c = encode_file_message(FileCancel{tid(), "bye"});
    CHECK(hex(c) == hex(map({{"reason", txt("bye")}, {"t", txt("file_cancel")}, {"x", x()}})));
}

TEST_CASE("file messages: every defined key missing, twice, tagged or of another type is refused") {
    for (const auto& entry : valid_maps()) {
        const auto& name = entry.first;
        const auto& pairs = entry.second;
        CAPTURE(name);
        REQUIRE(!refused(map(pairs)));
        for (std::size_t k = 0; k < pairs.size(); ++k) {
            CAPTURE(pairs[k].first);
            Pairs p = pairs;
            p.erase(p.begin() + static_cast<std::ptrdiff_t>(k));
            CHECK(refused(map(p)));  // missing
            p = pairs;
            p.push_back(pairs[k]);
            CHECK(refused(map(p)));  // twice, even with the same value
            p = pairs;
            p[k].second.insert(p[k].second.begin(), 0xc1);  // tag 1 before the value
            CHECK(refused(map(p)));
            for (const Bytes& other : {Bytes{0xf4} /* false */, Bytes{0xf9, 0x3c, 0x00} /* 1.0 */, Bytes{0x80} /* [] */,
                                       Bytes{0xa0} /* {} */, Bytes{0x20} /* -1 */}) {
                p[k].second = other;
                CHECK(refused(map(p)));
            }
        }
    }
}

TEST_CASE("file messages: unknown keys of any type are ignored, keys of other file types too") {
    for (const auto& entry : valid_maps()) {
        const auto& name = entry.first;
        const auto& pairs = entry.second;
        CAPTURE(name);
        const auto plain = decode_file_message(map(pairs));
        REQUIRE(plain);
        Bytes b = map(pairs);
        // Three more pairs: an integer key, an unknown text key twice (tagged
        // float, nested array), and "c" (a key of file_offer) twice.
        b[0] = static_cast<std::uint8_t>(b[0] + 5);
        const Bytes extra{0x01, 0x02,                                        // 1: 2
                          0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0xc1, 0xfb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44,
                          0x2d, 0x18,                                        // "version": 1(3.14159...)
                          0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x81, 0x81, 0x80,  // "version": [[[]]]
                          0x61, 'c', 0xf6, 0x61, 'c', 0x01};                 // "c": null, "c": 1
        b.insert(b.end(), extra.begin(), extra.end());
        const auto with = decode_file_message(b);
        REQUIRE(with);
        CHECK(*with == *plain);
    }
}

TEST_CASE("file messages: bounds of file_get") {
    const auto get = [](Bytes r, std::uint64_t f = 0) {
        return map({{"f", u(f)}, {"r", std::move(r)}, {"t", txt("file_get")}, {"x", x()}});
    };
    CHECK(!refused(get(ranges({{0, 8}}))));
    CHECK(!refused(get(ranges({{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}, {7, 1}}))));
    CHECK(!refused(get(ranges({{kMaxChunks - 1, 1}}))));
    CHECK(!refused(get(ranges({{0, 1}}), kMaxEntries - 1)));
    CHECK(refused(get(ranges({{0, 1}}), kMaxEntries)));                    // no such entry
    CHECK(refused(get(ranges({}))));                                        // nothing asked
    CHECK(refused(get(ranges({{0, 9}}))));                                  // more than a window
    CHECK(refused(get(ranges({{0, 4}, {10, 5}}))));                         // ... in all
    CHECK(refused(get(ranges({{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}, {7, 1}, {8, 1}}))));
    CHECK(refused(get(ranges({{0, 0}}))));                                  // an empty range
    CHECK(refused(get(ranges({{3, 2}, {0, 1}}))));                          // descending
    CHECK(refused(get(ranges({{0, 2}, {1, 2}}))));                          // overlapping
    CHECK(refused(get(ranges({{kMaxChunks - 1, 2}}))));                     // past the last chunk a file has
    CHECK(refused(get(ranges({{~std::uint64_t{0}, 2}}))));                  // and no overflow
    CHECK(refused(get(ranges({{2, ~std::uint64_t{0}}}))));
    CHECK(refused(get(Bytes{0x81, 0x83, 0x00, 0x01, 0x02})));               // [[0, 1, 2]]
    CHECK(refused(get(Bytes{0x81, 0x81, 0x00})));                           // [[0]]
    CHECK(refused(get(Bytes{0x81, 0x82, 0x00, 0x61, '1'})));                // [[0, "1"]]
    CHECK(refused(get(Bytes{0x81, 0x82, 0x00, 0xc1, 0x01})));               // [[0, 1(1)]]
    CHECK(refused(get(Bytes{0x81, 0x00})));                                 // [0]
    // Indefinite lengths are read like definite ones.
    const auto back = decode_file_message(get(Bytes{0x9f, 0x9f, 0x02, 0x03, 0xff, 0xff}));
    REQUIRE(back);
    CHECK(std::get<FileGet>(*back).ranges == std::vector<Range>{{2, 3}});
    // The encoder writes none of what is refused.
    CHECK(encode_file_message(FileGet{tid(), 0, {{0, 9}}}).empty());
    CHECK(encode_file_message(FileGet{tid(), 0, {}}).empty());
    CHECK(encode_file_message(FileGet{tid(), kMaxEntries, {{0, 1}}}).empty());
    CHECK(encode_file_message(FileGet{tid(), 0, {{4, 1}, {0, 1}}}).empty());
}

TEST_CASE("file messages: bounds of file_chunk") {
    const auto chunk = [](Bytes d, Bytes p, std::uint64_t i = 0, std::uint64_t f = 0) {
        return map({{"d", std::move(d)}, {"f", u(f)}, {"i", u(i)}, {"p", std::move(p)}, {"t", txt("file_chunk")},
                    {"x", x()}});
    };
    CHECK(!refused(chunk(bin(kMaxChunkSize, 1), bin(kMaxProof * 32, 2), kMaxChunks - 1, kMaxEntries - 1)));
    CHECK(!refused(chunk(bin(1, 1), bin(0, 0))));
    CHECK(refused(chunk(bin(kMaxChunkSize + 1, 1), bin(0, 0))));     // over the largest chunk
    CHECK(refused(chunk(bin(0, 0), bin(0, 0))));                     // no chunk is empty
    CHECK(refused(chunk(bin(1, 1), bin((kMaxProof + 1) * 32, 2))));  // a path longer than 2^20 chunks need
    CHECK(refused(chunk(bin(1, 1), bin(33, 2))));                    // not whole hashes
    CHECK(refused(chunk(bin(1, 1), bin(31, 2))));
    CHECK(refused(chunk(bin(1, 1), bin(0, 0), kMaxChunks)));         // past the last chunk
    CHECK(refused(chunk(bin(1, 1), bin(0, 0), 0, kMaxEntries)));     // no such entry
    CHECK(refused(chunk(txt("a"), bin(0, 0))));                      // text is not bytes
    // An indefinite byte string is joined.
    const auto back = decode_file_message(chunk(Bytes{0x5f, 0x41, 'a', 0x42, 'b', 'c', 0xff}, bin(0, 0)));
    REQUIRE(back);
    CHECK(std::get<FileChunk>(*back).data == Bytes{'a', 'b', 'c'});
    // The encoder writes none of what is refused.
    CHECK(encode_file_message(FileChunk{tid(), 0, 0, Bytes(kMaxChunkSize + 1), {}}).empty());
    CHECK(encode_file_message(FileChunk{tid(), 0, 0, Bytes{}, {}}).empty());
    CHECK(encode_file_message(FileChunk{tid(), 0, 0, Bytes{1}, std::vector<Hash>(kMaxProof + 1)}).empty());
    CHECK(encode_file_message(FileChunk{tid(), 0, kMaxChunks, Bytes{1}, {}}).empty());
}

TEST_CASE("file messages: a cancel reason is bounded on the wire and valid UTF-8 once read") {
    const auto cancel = [](Bytes reason) { return map({{"reason", std::move(reason)}, {"t", txt("file_cancel")}, {"x", x()}}); };
    CHECK(!refused(cancel(txt(std::string(wire::kMaxCloseReason, 'a')))));
    CHECK(refused(cancel(txt(std::string(wire::kMaxCloseReason + 1, 'a')))));
    // 256 bytes on the wire whose replacement is longer: cut back at a character boundary.
    const auto back = decode_file_message(cancel(txt(std::string(wire::kMaxCloseReason, '\xff'))));
    REQUIRE(back);
    const std::string& reason = std::get<FileCancel>(*back).reason;
    CHECK(reason.size() == wire::kMaxCloseReason - wire::kMaxCloseReason % 3);
    CHECK(reason.substr(0, 3) == "\xef\xbf\xbd");
    // The sender cuts an over-long reason instead of refusing to send it.
    const std::string long_reason = std::string(wire::kMaxCloseReason - 1, 'a') + "\xc3\xa9";
    const auto sent = decode_file_message(encode_file_message(FileCancel{tid(), long_reason}));
    REQUIRE(sent);
    CHECK(std::get<FileCancel>(*sent).reason == std::string(wire::kMaxCloseReason - 1, 'a'));
}

TEST_CASE("file messages: what is not one of them is refused") {
    CHECK(refused(map({{"t", txt("file_accepted")}, {"x", x()}})));
    CHECK(refused(map({{"t", txt("text")}, {"x", x()}})));
    CHECK(refused(map({{"t", u(1)}, {"x", x()}})));
    CHECK(refused(map({{"t", txt("file_done")}, {"x", bin(15, 0)}})));  // an id is 16 bytes
    CHECK(refused(map({{"t", txt("file_done")}, {"x", bin(17, 0)}})));
    Bytes b = map({{"t", txt("file_done")}, {"x", x()}});
    b.push_back(0x00);  // a byte after the map
    CHECK(refused(b));
    b.pop_back();
    b.pop_back();  // truncated
    CHECK(refused(b));
    CHECK(refused(Bytes{}));
    CHECK(refused(Bytes{0x80}));
    // Over the message limit, whatever it holds.
    Bytes big = map({{"t", txt("file_done")}, {"x", x()}, {"pad", bin(wire::kMaxMessage, 0)}});
    CHECK(refused(big));
}

// docs/PROTOCOL.md §12.5's worked example: a file of 32773 bytes in chunks of
// 16 KiB (two chunks of zeros, then "hello"); the receiver asks for chunks 0
// and 2, the sender answers chunk 2 with its path (the hash of chunks 0 and 1).
TEST_CASE("file messages: the worked example of docs/PROTOCOL.md §12.5, byte for byte") {
    Bytes file(2 * kMinChunkSize, 0);
    const std::string hello = "hello";
    file.insert(file.end(), hello.begin(), hello.end());
    std::vector<Hash> leaves;
    TreeHasher hasher;
    for (std::uint64_t i = 0; i < chunk_count(file.size(), kMinChunkSize); ++i) {
        const auto c = std::span(file).subspan(i * kMinChunkSize, chunk_length(file.size(), kMinChunkSize, i));
        leaves.push_back(leaf_hash(c));
        hasher.add(c);
    }
    const Tree tree(leaves);
    REQUIRE(tree.root() == hasher.root());
    CHECK(hex(tree.root()) == hex(doc_block("PROTOCOL.md", "files-root")));

    const Bytes get = encode_file_message(FileGet{tid(), 0, {{0, 1}, {2, 1}}});
    CHECK(hex(get) == hex(doc_block("PROTOCOL.md", "files-get")));
    const FileChunk chunk{tid(), 0, 2, Bytes(hello.begin(), hello.end()), tree.proof(2)};
    const Bytes wire_chunk = encode_file_message(chunk);
    CHECK(hex(wire_chunk) == hex(doc_block("PROTOCOL.md", "files-chunk")));
    const auto back = decode_file_message(wire_chunk);
    REQUIRE(back);
    const auto& c = std::get<FileChunk>(*back);
    CHECK(verify_chunk(tree.root(), tree.chunks(), c.index, c.data, c.proof));
}

// The hot path's two ends (encode_file_chunk, decode_chunk_view) are the
// same wire as FileChunk's, and the view reads the data where it lies.
TEST_CASE("file messages: a chunk encoded in place and read in place is FileChunk's wire") {
    const FileChunk chunk{tid(), 3, 41, Bytes(1000, 0x5a), std::vector<Hash>(4, Hash{9})};
    const Bytes wire_chunk = encode_file_message(chunk);
    const Bytes in_place = encode_file_chunk(chunk.id, chunk.file, chunk.index, chunk.data.size(), chunk.proof,
                                             [&](std::span<std::uint8_t> d) {
                                                 REQUIRE(d.size() == chunk.data.size());
                                                 std::copy(chunk.data.begin(), chunk.data.end(), d.begin());
                                                 return true;
                                             });
    CHECK(hex(in_place) == hex(wire_chunk));
    // A failed read (the file changed) or a chunk out of bounds writes nothing.
    const auto ok = [](std::span<std::uint8_t>) { return true; };
    CHECK(encode_file_chunk(tid(), 0, 0, 10, {}, [](std::span<std::uint8_t>) { return false; }).empty());
    CHECK(encode_file_chunk(tid(), 0, 0, kMaxChunkSize + 1, {}, ok).empty());
    CHECK(encode_file_chunk(tid(), 0, 0, 0, {}, ok).empty());
    CHECK(encode_file_chunk(tid(), kMaxEntries, 0, 1, {}, ok).empty());

    const auto view = decode_chunk_view(wire_chunk);
    REQUIRE(view);
    CHECK(view->id == chunk.id);
    CHECK(view->file == chunk.file);
    CHECK(view->index == chunk.index);
    CHECK(view->proof == chunk.proof);
    REQUIRE(view->data.size() == chunk.data.size());
    CHECK(std::equal(view->data.begin(), view->data.end(), chunk.data.begin()));
    CHECK(view->data.data() >= wire_chunk.data());  // in the message, not a copy
    CHECK(view->data.data() + view->data.size() <= wire_chunk.data() + wire_chunk.size());

    // Anything else is left to decode_file_message: other types, refused
    // chunks, and a chunk sent in pieces (not in one place to view).
    CHECK(!decode_chunk_view(encode_file_message(FileDone{tid()})));
    CHECK(!decode_chunk_view(map({{"t", txt("file_chunk")}, {"x", x()}, {"f", u(0)}, {"i", u(0)}, {"d", bin(0, 0)},
                                  {"p", bin(0, 0)}})));
    const Bytes pieces = map({{"d", Bytes{0x5f, 0x41, 'a', 0x42, 'b', 'c', 0xff}}, {"f", u(0)}, {"i", u(0)},
                              {"p", bin(0, 0)}, {"t", txt("file_chunk")}, {"x", x()}});
    CHECK(!decode_chunk_view(pieces));
    CHECK(decode_file_message(pieces));
}
