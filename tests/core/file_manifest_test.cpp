#include "core/files/file_name.hpp"
#include "core/files/manifest.hpp"
#include "transport/cbor.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <sodium.h>

#include <numeric>

using namespace hallway::core::files;
namespace cbor = hallway::transport::cbor;
using cbor::Major;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 8));
    return b;
}

Hash h(std::initializer_list<std::span<const std::uint8_t>> parts) {
    Hash out{};
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, out.size());
    for (auto p : parts) crypto_generichash_update(&st, p.data(), p.size());
    crypto_generichash_final(&st, out.data(), out.size());
    return out;
}

Offer sample() {
    Offer o;
    o.id.fill(0x42);
    o.chunk_size = kDefaultChunkSize;
    o.entries.push_back({"photos", true, 0, {}});
    o.entries.push_back({"photos/a.jpg", false, 5'000'000, Hash{1}});
    o.entries.push_back({"notes.txt", false, 0, Hash{2}});
    return o;
}

// An offer written by hand, for what encode_offer never writes.
struct RawEntry {
    RawEntry(std::string path, std::optional<std::uint64_t> size, bool with_root = true,
             std::optional<std::uint64_t> dir_value = std::nullopt)
        : p(std::move(path)), s(size), r(with_root), dir(dir_value) {}
    std::string p;
    std::optional<std::uint64_t> s;
    bool r;
    std::optional<std::uint64_t> dir;
};
Bytes raw_offer(std::uint64_t chunk, const std::vector<RawEntry>& entries, std::string_view type = "file_offer") {
    Bytes out;
    cbor::put_head(out, Major::map, 4);
    cbor::put_text(out, "c");
    cbor::put_head(out, Major::uint, chunk);
    cbor::put_text(out, "files");
    cbor::put_head(out, Major::array, entries.size());
    const Hash root{};
    for (const auto& e : entries) {
        cbor::put_head(out, Major::map, 1 + (e.s ? 1 : 0) + (e.r ? 1 : 0) + (e.dir ? 1 : 0));
        if (e.dir) {
            cbor::put_text(out, "dir");
            cbor::put_head(out, Major::uint, *e.dir);
        }
        cbor::put_text(out, "p");
        cbor::put_text(out, e.p);
        if (e.r) {
            cbor::put_text(out, "r");
            cbor::put_bytes(out, root);
        }
        if (e.s) {
            cbor::put_text(out, "s");
            cbor::put_head(out, Major::uint, *e.s);
        }
    }
    cbor::put_text(out, "t");
    cbor::put_text(out, type);
    cbor::put_text(out, "x");
    cbor::put_bytes(out, TransferId{});
    return out;
}

}  // namespace

TEST_CASE("file tree: the root follows RFC 9162 with BLAKE2b-256 and the 0x00 / 0x01 prefixes") {
    const std::uint8_t leaf = 0x00, node = 0x01;
    const Bytes a = pattern(10, 1), b = pattern(20, 2), c = pattern(3, 3);
    const Hash la = h({{&leaf, 1}, a}), lb = h({{&leaf, 1}, b}), lc = h({{&leaf, 1}, c});
    CHECK(leaf_hash(a) == la);
    TreeHasher t;
    CHECK(t.root() == h({}));  // no chunks: the hash of nothing
    t.add(a);
    CHECK(t.root() == la);
    t.add(b);
    const Hash ab = h({{&node, 1}, la, lb});
    CHECK(t.root() == ab);
    t.add(c);
    // Three leaves: the left subtree is the largest power of two (2), the third stands alone.
    CHECK(t.root() == h({{&node, 1}, ab, lc}));
    CHECK(Tree({la, lb, lc}).root() == t.root());
    CHECK(Tree({}).root() == h({}));
}

TEST_CASE("file tree: every chunk's path verifies for every tree size, and nothing else does") {
    for (std::uint64_t n = 1; n <= 70; ++n) {
        std::vector<Bytes> chunks;
        std::vector<Hash> leaves;
        TreeHasher streamed;
        for (std::uint64_t i = 0; i < n; ++i) {
            chunks.push_back(pattern(16, static_cast<std::uint8_t>(i)));
            leaves.push_back(leaf_hash(chunks.back()));
            streamed.add(chunks.back());
        }
        const Tree tree(leaves);
        CAPTURE(n);
        REQUIRE(tree.root() == streamed.root());
        for (std::uint64_t i = 0; i < n; ++i) {
            const auto proof = tree.proof(i);
            CHECK(proof.size() <= kMaxProof);
            CHECK(verify_chunk(tree.root(), n, i, chunks[i], proof));
            Bytes flipped = chunks[i];
            flipped[5] ^= 0x10;
            CHECK(!verify_chunk(tree.root(), n, i, flipped, proof));
            // A good chunk claimed at another index, or past the end.
            if (n > 1) CHECK(!verify_chunk(tree.root(), n, (i + 1) % n, chunks[i], proof));
            CHECK(!verify_chunk(tree.root(), n, n + i, chunks[i], proof));
            if (!proof.empty()) {
                auto shorter = proof;
                shorter.pop_back();
                CHECK(!verify_chunk(tree.root(), n, i, chunks[i], shorter));
            }
            auto longer = proof;
            longer.push_back(Hash{});
            CHECK(!verify_chunk(tree.root(), n, i, chunks[i], longer));
        }
    }
}

TEST_CASE("file chunks: counts and lengths, and the chunk size grows only for files past 256 GiB") {
    CHECK(chunk_count(0, kDefaultChunkSize) == 0);
    CHECK(chunk_count(1, kDefaultChunkSize) == 1);
    CHECK(chunk_count(kDefaultChunkSize, kDefaultChunkSize) == 1);
    CHECK(chunk_count(kDefaultChunkSize + 1, kDefaultChunkSize) == 2);
    const std::uint64_t four_gib = std::uint64_t{4} << 30;
    CHECK(chunk_count(four_gib, kDefaultChunkSize) == 16384);
    CHECK(chunk_length(kDefaultChunkSize + 1, kDefaultChunkSize, 0) == kDefaultChunkSize);
    CHECK(chunk_length(kDefaultChunkSize + 1, kDefaultChunkSize, 1) == 1);
    CHECK(chunk_size_for(four_gib) == kDefaultChunkSize);
    CHECK(chunk_size_for(std::uint64_t{kDefaultChunkSize} * kMaxChunks) == kDefaultChunkSize);
    CHECK(chunk_size_for(std::uint64_t{kDefaultChunkSize} * kMaxChunks + 1) == kMaxChunkSize);
    CHECK(chunk_size_for(kMaxFileSize) == kMaxChunkSize);
    CHECK(!chunk_size_for(kMaxFileSize + 1));
}

TEST_CASE("file offer: round-trips with sorted keys and shortest heads") {
    const Offer o = sample();
    const Bytes bytes = encode_offer(o);
    REQUIRE(!bytes.empty());
    CHECK(cbor::well_formed(bytes));
    CHECK(decode_offer(bytes) == o);
    // Keys in order: c, files, t, x.
    CHECK(bytes[0] == 0xa4);
    CHECK(bytes[1] == 0x61);
    CHECK(bytes[2] == 'c');
    // The hand-written form decodes to the same thing.
    Offer plain;
    plain.entries.push_back({"a", false, 7, Hash{}});
    CHECK(decode_offer(raw_offer(kDefaultChunkSize, {{"a", 7}})) == plain);
}

TEST_CASE("file offer: a sender never writes what a receiver would refuse or rename") {
    Offer o = sample();
    o.entries[1].path = "../escape.jpg";
    CHECK(encode_offer(o).empty());
    o = sample();
    o.entries[1].path = "photos/CON";  // the receiver would call it _CON
    CHECK(encode_offer(o).empty());
    o = sample();
    o.entries.push_back(o.entries[2]);
    CHECK(encode_offer(o).empty());
    o = sample();
    o.chunk_size = 100'000;
    CHECK(encode_offer(o).empty());
    o = sample();
    o.entries.clear();
    CHECK(encode_offer(o).empty());
    // 1024 entries of the longest paths do not fit in one message.
    o = sample();
    o.entries.clear();
    for (std::size_t i = 0; i < kMaxEntries; ++i) {
        std::string p = std::to_string(i);
        while (p.size() + 201 <= kMaxRelativePath) p += "/" + std::string(200, 'p');
        p += "/" + std::string(kMaxRelativePath - p.size() - 1, 'q');
        REQUIRE(p.size() == kMaxRelativePath);
        o.entries.push_back({p, false, 1, Hash{}});
    }
    CHECK(encode_offer(o).empty());
    o.entries.resize(kMaxEntries / 2);  // about 540 KB: fits
    CHECK(!encode_offer(o).empty());
}

TEST_CASE("file offer: hostile manifests are refused") {
    const auto refused = [](const Bytes& b) { return !decode_offer(b).has_value(); };
    CHECK(!refused(raw_offer(kDefaultChunkSize, {{"a", 1}})));
    SUBCASE("traversal and unsafe paths") {
        for (const std::string& p : std::vector<std::string>{"../x", "/etc/passwd", "a/../../x", "a//b", "", std::string("a\0b", 3)}) {
            CAPTURE(p);
            CHECK(refused(raw_offer(kDefaultChunkSize, {{p, 1}})));
        }
    }
    SUBCASE("sizes past the bounds, and sizes that would overflow a chunk count") {
        CHECK(!refused(raw_offer(kDefaultChunkSize, {{"a", std::uint64_t{kDefaultChunkSize} * kMaxChunks}})));
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"a", std::uint64_t{kDefaultChunkSize} * kMaxChunks + 1}})));
        CHECK(!refused(raw_offer(kMaxChunkSize, {{"a", kMaxFileSize}})));
        CHECK(refused(raw_offer(kMaxChunkSize, {{"a", kMaxFileSize + 1}})));
        CHECK(refused(raw_offer(kMaxChunkSize, {{"a", ~std::uint64_t{0}}})));
        CHECK(refused(raw_offer(kMaxChunkSize, {{"a", ~std::uint64_t{0} - kMaxChunkSize + 2}})));
    }
    SUBCASE("chunk sizes that are not a power of two within bounds") {
        for (std::uint64_t c : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{kMinChunkSize / 2},
                                std::uint64_t{kMaxChunkSize * 2}, std::uint64_t{kDefaultChunkSize + 1},
                                std::uint64_t{1} << 40}) {
            CAPTURE(c);
            CHECK(refused(raw_offer(c, {{"a", 1}})));
        }
    }
    SUBCASE("entry counts") {
        CHECK(refused(raw_offer(kDefaultChunkSize, {})));
        std::vector<RawEntry> many;
        for (std::size_t i = 0; i < kMaxEntries; ++i) many.push_back({"f" + std::to_string(i), 1});
        CHECK(!refused(raw_offer(kDefaultChunkSize, many)));
        many.push_back({"one-more", 1});
        CHECK(refused(raw_offer(kDefaultChunkSize, many)));
    }
    SUBCASE("entry shapes") {
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"a", std::nullopt}})));             // a file without size
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"a", 1, false}})));                 // ... without root
        CHECK(!refused(raw_offer(kDefaultChunkSize, {{"d", std::nullopt, false, 1}})));  // a folder
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"d", 1, false, 1}})));              // a folder with a size
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"d", std::nullopt, true, 1}})));    // ... with a root
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"d", std::nullopt, false, 0}})));   // dir must be 1
    }
    SUBCASE("paths that collide or nest inside a file") {
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"a", 1}, {"a", 2}})));
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"a?", 1}, {"a*", 2}})));  // both become a_
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"a", 1}, {"a/b", 2}})));
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"a/b/c", 1}, {"a/b", 2}})));
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"a", 1}, {"a", std::nullopt, false, 1}})));
        CHECK(!refused(raw_offer(kDefaultChunkSize, {{"a", std::nullopt, false, 1}, {"a/b", 2}, {"ab", 3}})));
    }
    SUBCASE("not an offer") {
        CHECK(refused(raw_offer(kDefaultChunkSize, {{"a", 1}}, "file_offers")));
        Bytes b = raw_offer(kDefaultChunkSize, {{"a", 1}});
        b.push_back(0x00);  // a byte after the map
        CHECK(refused(b));
        b = raw_offer(kDefaultChunkSize, {{"a", 1}});
        b.pop_back();  // truncated
        CHECK(refused(b));
    }
}

TEST_CASE("file offer: indefinite lengths are read like definite ones") {
    Bytes b = raw_offer(kDefaultChunkSize, {{"a", 1}, {"b", 2}});
    // Re-write the files array head (0x82 after "files") as indefinite, with a break after its items.
    const Bytes files_key{0x65, 'f', 'i', 'l', 'e', 's'};
    auto at = std::search(b.begin(), b.end(), files_key.begin(), files_key.end()) + 6;
    REQUIRE(*at == 0x82);
    *at = 0x9f;
    const Bytes t_key{0x61, 't'};
    const auto t_at = std::search(b.begin(), b.end(), t_key.begin(), t_key.end());
    b.insert(t_at, 0xff);
    const auto o = decode_offer(b);
    REQUIRE(o);
    CHECK(o->entries.size() == 2);
}
