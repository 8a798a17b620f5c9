#include "transport/framing.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

using namespace hallway::transport;

namespace {
std::vector<std::uint8_t> bytes_of(std::size_t n, std::uint8_t start = 0) {
    std::vector<std::uint8_t> v(n);
    std::iota(v.begin(), v.end(), start);
    return v;
}
}  // namespace

TEST_CASE("frame encoding writes a big-endian length and refuses empty or oversized bodies") {
    std::vector<std::uint8_t> out;
    CHECK(encode_frame(bytes_of(3, 7), out));
    CHECK(out == std::vector<std::uint8_t>{0x00, 0x03, 7, 8, 9});
    out.clear();
    CHECK(encode_frame(bytes_of(300), out));
    CHECK(out[0] == 0x01);
    CHECK(out[1] == 0x2c);
    CHECK(out.size() == 302);
    out.clear();
    CHECK_FALSE(encode_frame({}, out));
    CHECK_FALSE(encode_frame(bytes_of(wire::kMaxFrameBody + 1), out));
    CHECK(out.empty());
    CHECK(encode_frame(bytes_of(wire::kMaxFrameBody), out));
    CHECK(out[0] == 0xff);
    CHECK(out[1] == 0xff);
}

TEST_CASE("a frame built in place has the same bytes as encode_frame and is cut back when empty or oversized") {
    std::vector<std::uint8_t> in_place{0xaa}, encoded{0xaa};
    const auto body = bytes_of(300, 5);
    const std::size_t at = begin_frame(in_place);
    in_place.insert(in_place.end(), body.begin(), body.end());
    CHECK(end_frame(in_place, at));
    CHECK(encode_frame(body, encoded));
    CHECK(in_place == encoded);
    CHECK_FALSE(end_frame(in_place, begin_frame(in_place)));
    CHECK(in_place == encoded);
    const std::size_t big = begin_frame(in_place);
    in_place.resize(in_place.size() + wire::kMaxFrameBody + 1);
    CHECK_FALSE(end_frame(in_place, big));
    CHECK(in_place == encoded);
}

TEST_CASE("frame reader reassembles frames fed one byte at a time and several at once") {
    std::vector<std::uint8_t> stream;
    const auto a = bytes_of(5, 1), b = bytes_of(70000 % 65535, 2), c = bytes_of(1, 9);
    REQUIRE(encode_frame(a, stream));
    REQUIRE(encode_frame(b, stream));
    REQUIRE(encode_frame(c, stream));

    FrameReader bytewise;
    std::vector<std::vector<std::uint8_t>> got;
    for (std::uint8_t byte : stream) {
        std::span<const std::uint8_t> in(&byte, 1);
        if (auto f = bytewise.next(in)) got.push_back(*f);
        CHECK(in.empty());
        CHECK(bytewise.buffered() <= wire::kFrameHeaderLen + wire::kMaxFrameBody);
    }
    CHECK(got == std::vector<std::vector<std::uint8_t>>{a, b, c});

    FrameReader whole;
    got.clear();
    std::span<const std::uint8_t> in(stream);
    while (auto f = whole.next(in)) got.push_back(*f);
    CHECK(in.empty());
    CHECK(whole.error() == FrameError::ok);
    CHECK(got == std::vector<std::vector<std::uint8_t>>{a, b, c});
}

TEST_CASE("frame reader stops at a zero-length frame and stays failed") {
    FrameReader r;
    std::vector<std::uint8_t> stream{0x00, 0x00, 0x00, 0x01, 0x42};
    std::span<const std::uint8_t> in(stream);
    CHECK_FALSE(r.next(in));
    CHECK(r.error() == FrameError::zero_length);
    CHECK_FALSE(r.next(in));
    CHECK(r.error() == FrameError::zero_length);
}

TEST_CASE("frame reader rejects a length outside the bounds from the header alone") {
    FrameReader r;
    r.set_bounds(32, 32);
    std::vector<std::uint8_t> header{0x00, 0x21};  // 33, body never sent
    std::span<const std::uint8_t> in(header);
    CHECK_FALSE(r.next(in));
    CHECK(r.error() == FrameError::bad_length);

    FrameReader ok;
    ok.set_bounds(2, 4);
    std::vector<std::uint8_t> s{0x00, 0x02, 1, 2, 0x00, 0x01, 1};
    std::span<const std::uint8_t> in2(s);
    CHECK(ok.next(in2));
    CHECK_FALSE(ok.next(in2));
    CHECK(ok.error() == FrameError::bad_length);
}

TEST_CASE("bytes read into the reader's buffer come out as whole frames wherever the reads cut") {
    const std::vector<std::vector<std::uint8_t>> frames{bytes_of(1), bytes_of(300, 3), bytes_of(wire::kMaxFrameBody, 5),
                                                        bytes_of(2, 7), bytes_of(wire::kMaxFrameBody, 9),
                                                        bytes_of(40000, 11)};
    std::vector<std::uint8_t> stream;
    for (const auto& f : frames) REQUIRE(encode_frame(f, stream));
    FrameReader r;
    r.set_bounds(1, wire::kMaxFrameBody);
    std::vector<std::vector<std::uint8_t>> got;
    std::span<const std::uint8_t> rest(stream);
    const std::size_t steps[] = {1, 5, 4096, 70000, 300000, 3};  // parts of a header up to many frames
    for (std::size_t i = 0; !rest.empty(); ++i) {
        const auto room = r.prepare();
        REQUIRE_FALSE(room.empty());
        const std::size_t n = std::min({room.size(), steps[i % std::size(steps)], rest.size()});
        std::copy_n(rest.begin(), n, room.begin());
        r.commit(n);
        rest = rest.subspan(n);
        while (auto frame = r.pop()) got.emplace_back(frame->begin(), frame->end());
        CHECK(r.buffered() < wire::kFrameHeaderLen + wire::kMaxFrameBody);  // at most one partial frame left
    }
    CHECK(r.error() == FrameError::ok);
    CHECK(got == frames);
}

TEST_CASE("a frame length out of bounds fails the buffered reader at its header, before its body") {
    FrameReader r;
    r.set_bounds(10, 20);
    auto room = r.prepare();
    room[0] = 0x00;
    room[1] = 21;
    r.commit(2);
    CHECK_FALSE(r.pop());
    CHECK(r.error() == FrameError::bad_length);
    CHECK_FALSE(r.prepare().empty());  // the failed reader still takes (and drops) bytes
}
