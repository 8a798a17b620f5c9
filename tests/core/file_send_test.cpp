#include "core/files/receive_state.hpp"
#include "core/files/send_state.hpp"

#include <doctest/doctest.h>

using namespace hallway::core::files;
using Bytes = std::vector<std::uint8_t>;
using Verdict = SendState::Verdict;

namespace {

constexpr std::uint32_t kChunk = kMinChunkSize;

std::vector<std::uint64_t> indices(const std::vector<ChunkRead>& reads) {
    std::vector<std::uint64_t> out;
    for (const auto& r : reads) out.push_back(r.index);
    return out;
}

}  // namespace

TEST_CASE("file send: a get gives each chunk's offset and length, and the chunks wait until sent") {
    SendState s(10 * kChunk + 5, kChunk);  // 11 chunks, the last one 5 bytes
    REQUIRE(s.chunks() == 11);
    std::vector<ChunkRead> reads;
    const std::vector<Range> ask{{0, 2}, {10, 1}};
    REQUIRE(s.get(ask, reads) == Verdict::ok);
    CHECK(reads == std::vector<ChunkRead>{{0, 0, kChunk}, {1, kChunk, kChunk}, {10, 10ull * kChunk, 5}});
    CHECK(s.waiting() == 3);
    CHECK(s.sent(1));
    CHECK_FALSE(s.sent(1));  // sent already
    CHECK_FALSE(s.sent(5));  // never asked for
    CHECK(s.waiting() == 2);
    CHECK(s.served() == 1);
    // A sent chunk may be asked for again (the receiver found it corrupt, or lost it).
    const std::vector<Range> again{{1, 1}};
    CHECK(s.get(again, reads) == Verdict::ok);
    CHECK(indices(reads) == std::vector<std::uint64_t>{1});
}

TEST_CASE("file send: ranges past the file are refused, whatever their numbers") {
    SendState s(3 * kChunk, kChunk);
    std::vector<ChunkRead> reads;
    for (const Range r : {Range{3, 1}, Range{2, 2}, Range{0, 4}, Range{~0ull, 2}, Range{1, ~0ull}, Range{kMaxChunks, 1}}) {
        CAPTURE(r.first);
        CAPTURE(r.count);
        const std::vector<Range> ask{{0, 1}, r};
        CHECK(s.get(ask, reads) == Verdict::past_end);
        CHECK(reads.empty());
        CHECK(s.waiting() == 0);  // nothing of a refused get is kept
    }
    SendState empty(0, kChunk);  // an empty file has no chunk to ask for
    const std::vector<Range> first{{0, 1}};
    CHECK(empty.get(first, reads) == Verdict::past_end);
}

TEST_CASE("file send: more chunks waiting than the window are refused") {
    SendState s(100 * kChunk, kChunk);
    std::vector<ChunkRead> reads;
    const std::vector<Range> nine{{0, 9}};
    CHECK(s.get(nine, reads) == Verdict::over_window);
    const std::vector<Range> five{{0, 5}}, four{{5, 4}}, three{{5, 3}};
    REQUIRE(s.get(five, reads) == Verdict::ok);
    CHECK(s.get(four, reads) == Verdict::over_window);  // 5 waiting + 4
    CHECK(s.waiting() == 5);
    REQUIRE(s.get(three, reads) == Verdict::ok);
    CHECK(s.sent(0));
    const std::vector<Range> next{{8, 1}};
    CHECK(s.get(next, reads) == Verdict::ok);  // a slot is free again
    SendState small(100 * kChunk, kChunk, 2);
    const std::vector<Range> two{{0, 1}, {4, 1}}, one{{6, 1}};
    CHECK(small.get(two, reads) == Verdict::ok);
    CHECK(small.get(one, reads) == Verdict::over_window);
}

TEST_CASE("file send: a chunk asked for while it waits is refused, and lost() forgets what waits") {
    SendState s(20 * kChunk, kChunk);
    std::vector<ChunkRead> reads;
    const std::vector<Range> first{{2, 2}}, overlap{{0, 3}}, twice{{6, 2}, {7, 1}};
    REQUIRE(s.get(first, reads) == Verdict::ok);
    CHECK(s.get(overlap, reads) == Verdict::repeated);
    CHECK(reads.empty());
    CHECK(s.get(twice, reads) == Verdict::repeated);  // not from the codec, which refuses overlaps itself
    CHECK(s.waiting() == 2);
    s.lost();
    CHECK(s.waiting() == 0);
    CHECK(s.get(overlap, reads) == Verdict::ok);  // a new session asks again
    CHECK(to_string(Verdict::repeated) == "asked again for a chunk not yet sent");
}

// The receiver's requests, through the codec, into the sender's state and back
// as chunks: a well-behaved receiver is never refused, and every chunk verifies.
TEST_CASE("file send: ReceiveState and SendState pull a whole file through the codec") {
    for (const std::uint64_t size : {std::uint64_t{1}, std::uint64_t{kChunk}, std::uint64_t{37} * kChunk + 1234}) {
        CAPTURE(size);
        Bytes file(size);
        for (std::size_t i = 0; i < file.size(); ++i) file[i] = static_cast<std::uint8_t>(i * 13 + (i >> 10));
        std::vector<Hash> leaves;
        for (std::uint64_t i = 0; i < chunk_count(size, kChunk); ++i)
            leaves.push_back(leaf_hash(std::span(file).subspan(i * kChunk, chunk_length(size, kChunk, i))));
        const Tree tree(leaves);
        ReceiveState receiver({size, kChunk, tree.root()});
        SendState sender(size, kChunk);
        const TransferId id{9};
        for (int round = 0; !receiver.complete(); ++round) {
            REQUIRE(round < 100);
            const auto get = decode_file_message(encode_file_message(FileGet{id, 0, receiver.request()}));
            REQUIRE(get);
            std::vector<ChunkRead> reads;
            REQUIRE(sender.get(std::get<FileGet>(*get).ranges, reads) == Verdict::ok);
            for (const auto& r : reads) {
                const auto bytes = std::span(file).subspan(r.offset, r.length);
                const auto wire = encode_file_message(
                    FileChunk{id, 0, r.index, Bytes(bytes.begin(), bytes.end()), tree.proof(r.index)});
                REQUIRE(sender.sent(r.index));
                const auto chunk = decode_file_message(wire);
                REQUIRE(chunk);
                const auto& c = std::get<FileChunk>(*chunk);
                REQUIRE(receiver.feed(c.index, c.data, c.proof) == ReceiveState::Fed::verified);
                receiver.commit(c.index);
            }
        }
        CHECK(sender.served() == chunk_count(size, kChunk));
        CHECK(sender.waiting() == 0);
    }
}
