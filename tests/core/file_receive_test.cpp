#include "core/files/receive_state.hpp"

#include <doctest/doctest.h>

using namespace hallway::core::files;
using Bytes = std::vector<std::uint8_t>;

namespace {

// A file the sender holds: its bytes, tree and spec.
struct Sent {
    Bytes bytes;
    std::uint32_t chunk_size;
    std::vector<Hash> leaves;
    Hash root;

    Sent(std::uint64_t size, std::uint32_t chunk_bytes) : bytes(size), chunk_size(chunk_bytes) {
        for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 31 + (i >> 9));
        TreeHasher t;
        for (std::uint64_t i = 0; i < chunk_count(size, chunk_bytes); ++i) {
            t.add(chunk(i));
            leaves.push_back(leaf_hash(chunk(i)));
        }
        root = t.root();
    }
    std::span<const std::uint8_t> chunk(std::uint64_t i) const {
        return std::span(bytes).subspan(i * chunk_size, chunk_length(bytes.size(), chunk_size, i));
    }
    std::vector<Hash> proof(std::uint64_t i) const { return Tree(leaves).proof(i); }
    FileSpec spec() const { return {bytes.size(), chunk_size, root}; }
};

// What the receiver writes: a sparse copy, and the root of it as finish() wants.
struct Disk {
    Bytes bytes;
    std::uint32_t chunk_size;
    Disk(std::uint64_t size, std::uint32_t chunk) : bytes(size, 0), chunk_size(chunk) {}
    void write(std::uint64_t i, std::span<const std::uint8_t> data) {
        std::copy(data.begin(), data.end(), bytes.begin() + static_cast<std::ptrdiff_t>(i * chunk_size));
    }
    Hash root() const {
        TreeHasher t;
        for (std::uint64_t i = 0; i < chunk_count(bytes.size(), chunk_size); ++i)
            t.add(std::span(bytes).subspan(i * chunk_size, chunk_length(bytes.size(), chunk_size, i)));
        return t.root();
    }
};

// Asks and answers until complete or until a round brings nothing.
void pull_all(ReceiveState& r, const Sent& s, Disk& d, std::uint64_t& sent_chunks) {
    for (;;) {
        const auto ranges = r.request();
        if (ranges.empty()) return;
        for (const Range& g : ranges)
            for (std::uint64_t i = g.first; i < g.first + g.count; ++i) {
                ++sent_chunks;
                REQUIRE(r.feed(i, s.chunk(i), s.proof(i)) == ReceiveState::Fed::verified);
                d.write(i, s.chunk(i));
                r.commit(i);
            }
    }
}

constexpr std::uint32_t kChunk = kMinChunkSize;

}  // namespace

TEST_CASE("receiving: a file arrives in windows of asked-for chunks and completes once the disk matches") {
    const Sent s(kChunk * 20 + 123, kChunk);
    ReceiveState r(s.spec());
    REQUIRE(r.chunks() == 21);
    const auto first = r.request(8);
    CHECK(first == std::vector<Range>{{0, 8}});
    CHECK(r.request(8).empty());  // the window is full until chunks come
    Disk d(s.bytes.size(), kChunk);
    std::uint64_t sent = 0;
    for (std::uint64_t i = 0; i < 8; ++i) {
        REQUIRE(r.feed(i, s.chunk(i), s.proof(i)) == ReceiveState::Fed::verified);
        d.write(i, s.chunk(i));
        r.commit(i);
    }
    CHECK(r.committed() == 8);
    CHECK(r.committed_bytes() == 8 * kChunk);
    CHECK(!r.finish(d.root()));
    pull_all(r, s, d, sent);
    CHECK(sent == 13);
    CHECK(r.complete());
    CHECK(r.committed_bytes() == s.bytes.size());
    CHECK(r.finish(d.root()));
    CHECK(d.bytes == s.bytes);
}

TEST_CASE("receiving: a chunk with a flipped bit is refused and asked for again") {
    const Sent s(kChunk * 4, kChunk);
    ReceiveState r(s.spec());
    CHECK(r.request(4) == std::vector<Range>{{0, 4}});
    Bytes bad(s.chunk(2).begin(), s.chunk(2).end());
    bad[100] ^= 0x01;
    CHECK(r.feed(2, bad, s.proof(2)) == ReceiveState::Fed::corrupt);
    CHECK(r.corrupt() == 1);
    CHECK(!r.is_committed(2));
    // A wrong length, and a good chunk with another chunk's path, are corrupt too.
    CHECK(r.request(4) == std::vector<Range>{{2, 1}});
    CHECK(r.feed(2, s.chunk(2).first(kChunk - 1), s.proof(2)) == ReceiveState::Fed::corrupt);
    CHECK(r.request(4) == std::vector<Range>{{2, 1}});
    CHECK(r.feed(2, s.chunk(2), s.proof(3)) == ReceiveState::Fed::corrupt);
    CHECK(r.request(4) == std::vector<Range>{{2, 1}});
    CHECK(r.feed(2, s.chunk(2), s.proof(2)) == ReceiveState::Fed::verified);
    CHECK(r.corrupt() == 3);
}

TEST_CASE("receiving: chunks not asked for are ignored, however many come") {
    const Sent s(kChunk * 4, kChunk);
    ReceiveState r(s.spec());
    // Nothing asked yet: even a good chunk is unexpected.
    CHECK(r.feed(0, s.chunk(0), s.proof(0)) == ReceiveState::Fed::unexpected);
    CHECK(r.request(2) == std::vector<Range>{{0, 2}});
    CHECK(r.feed(3, s.chunk(3), s.proof(3)) == ReceiveState::Fed::unexpected);  // not asked
    CHECK(r.feed(4, s.chunk(3), s.proof(3)) == ReceiveState::Fed::unexpected);  // past the last chunk
    CHECK(r.feed(~std::uint64_t{0}, s.chunk(3), {}) == ReceiveState::Fed::unexpected);
    CHECK(r.feed(0, s.chunk(0), s.proof(0)) == ReceiveState::Fed::verified);
    CHECK(r.feed(0, s.chunk(0), s.proof(0)) == ReceiveState::Fed::unexpected);  // twice
    r.commit(0);
    r.commit(3);  // never verified: no effect
    CHECK(!r.is_committed(3));
    CHECK(r.committed() == 1);
    CHECK(r.corrupt() == 0);
}

TEST_CASE("receiving: resume from the saved bitmap asks only for what is missing") {
    const Sent s(kChunk * 100 + 1, kChunk);
    ReceiveState r(s.spec());
    Disk d(s.bytes.size(), kChunk);
    // Commit chunks 0..29 and 40, with 30..37 asked for when the link is cut.
    for (const Range& g : r.request(30))
        for (std::uint64_t i = g.first; i < g.first + g.count; ++i) {
            REQUIRE(r.feed(i, s.chunk(i), s.proof(i)) == ReceiveState::Fed::verified);
            d.write(i, s.chunk(i));
            r.commit(i);
        }
    CHECK(r.request(8) == std::vector<Range>{{30, 8}});
    const Bytes saved = r.save();
    CHECK(saved.size() == 32 + 13);

    auto again = ReceiveState::restore(s.spec(), saved);
    REQUIRE(again);
    CHECK(again->committed() == 30);
    CHECK(again->request(8) == std::vector<Range>{{30, 8}});  // asked again: nothing was in flight after a restart
    again->lost();
    std::uint64_t sent = 0;
    pull_all(*again, s, d, sent);
    CHECK(sent == 101 - 30);
    CHECK(again->finish(d.root()));
    CHECK(d.bytes == s.bytes);
}

TEST_CASE("receiving: a saved state of another file, or with bits past the end, is not restored") {
    const Sent s(kChunk * 10, kChunk);
    ReceiveState r(s.spec());
    Bytes saved = r.save();
    REQUIRE(saved.size() == 32 + 2);
    CHECK(ReceiveState::restore(s.spec(), saved));
    FileSpec other = s.spec();
    other.root[0] ^= 1;
    CHECK(!ReceiveState::restore(other, saved));
    other = s.spec();
    other.size += kChunk * 8;  // more chunks, a longer bitmap
    CHECK(!ReceiveState::restore(other, saved));
    Bytes past = saved;
    past.back() |= 0x04;  // chunk 10 of 10
    CHECK(!ReceiveState::restore(s.spec(), past));
    CHECK(!ReceiveState::restore(s.spec(), Bytes(saved.begin(), saved.end() - 1)));
    saved.back() |= 0x02;  // chunk 9: the last one
    const auto last = ReceiveState::restore(s.spec(), saved);
    REQUIRE(last);
    CHECK(last->is_committed(9));
    CHECK(last->committed() == 1);
}

TEST_CASE("receiving: a disk that disagrees with the offer makes every chunk missing again") {
    const Sent s(kChunk * 3, kChunk);
    ReceiveState r(s.spec());
    Disk d(s.bytes.size(), kChunk);
    std::uint64_t sent = 0;
    pull_all(r, s, d, sent);
    REQUIRE(r.complete());
    d.bytes[kChunk + 5] ^= 0x80;  // the disk lost a write the bitmap claims
    CHECK(!r.finish(d.root()));
    CHECK(r.committed() == 0);
    CHECK(r.request(8) == std::vector<Range>{{0, 3}});
}

TEST_CASE("receiving: a write that fails leaves the chunk missing, and a lost session forgets what was asked") {
    const Sent s(kChunk * 5, kChunk);
    ReceiveState r(s.spec());
    CHECK(r.request(3) == std::vector<Range>{{0, 3}});
    REQUIRE(r.feed(1, s.chunk(1), s.proof(1)) == ReceiveState::Fed::verified);
    r.release(1);  // disk full
    r.commit(1);   // too late: no effect
    CHECK(!r.is_committed(1));
    CHECK(r.request(3) == std::vector<Range>{{1, 1}});
    r.lost();
    CHECK(r.feed(0, s.chunk(0), s.proof(0)) == ReceiveState::Fed::unexpected);
    CHECK(r.request(3) == std::vector<Range>{{0, 3}});
}

TEST_CASE("receiving: an empty file has no chunks and completes on the empty root") {
    const Sent s(0, kChunk);
    ReceiveState r(s.spec());
    CHECK(r.chunks() == 0);
    CHECK(r.request().empty());
    CHECK(r.save().size() == 32);
    CHECK(r.finish(TreeHasher().root()));
}

TEST_CASE("receiving: a 4 GiB file's state is a 2 KiB bitmap, and a window stays a window") {
    FileSpec big{std::uint64_t{4} << 30, kDefaultChunkSize, Hash{7}};
    ReceiveState r(big);
    CHECK(r.chunks() == 16384);
    CHECK(r.save().size() == 32 + 2048);
    const auto ranges = r.request(kDefaultWindow);
    CHECK(ranges == std::vector<Range>{{0, kDefaultWindow}});
}
