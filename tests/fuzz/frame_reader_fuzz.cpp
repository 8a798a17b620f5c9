// FrameReader on arbitrary stream bytes, cut into arbitrary reads. Properties:
// every frame respects the bounds; re-encoding the frames gives back exactly the
// bytes consumed; the reader never buffers more than one frame.
#include "fuzz_support.hpp"
#include "transport/framing.hpp"

#include <cstdlib>

using namespace hallway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    const std::size_t a = (std::size_t{in.byte()} << 8 | in.byte());
    const std::size_t b = (std::size_t{in.byte()} << 8 | in.byte());
    const std::size_t min_len = std::max<std::size_t>(1, std::min(a, b));
    const std::size_t max_len = std::max<std::size_t>(min_len, std::max(a, b));
    const std::size_t chunk = std::size_t{in.byte()} + 1;

    transport::FrameReader reader;
    reader.set_bounds(min_len, max_len);
    const auto stream = in.rest();
    std::vector<std::uint8_t> reencoded;
    std::size_t consumed = 0;
    while (consumed < stream.size() && reader.error() == transport::FrameError::ok) {
        auto piece = stream.subspan(consumed, std::min(chunk, stream.size() - consumed));
        const std::size_t before = piece.size();
        while (auto frame = reader.next(piece)) {
            if (frame->size() < min_len || frame->size() > max_len) std::abort();
            if (!transport::encode_frame(*frame, reencoded)) std::abort();
        }
        consumed += before - piece.size();
        if (reader.buffered() > 2 + max_len) std::abort();
        if (!piece.empty() && reader.error() == transport::FrameError::ok) std::abort();  // stalled
    }
    // Whatever frames came out are the stream's own bytes, in order.
    if (reencoded.size() > consumed || !std::equal(reencoded.begin(), reencoded.end(), stream.begin())) std::abort();
    return 0;
}
