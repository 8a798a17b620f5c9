#pragma once
// Frames on the TCP stream: a 2-byte big-endian length, then that many bytes
// (one Noise message). Sans-I/O: the caller feeds whatever the socket gave.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hallway::transport {

enum class FrameError {
    ok,
    zero_length,  // a frame must carry a Noise message
    bad_length,   // outside the bounds the current protocol stage allows
};
std::string_view to_string(FrameError e);

// Appends the frame for body (1..65535 bytes) to out. Returns false (out unchanged)
// when body is empty or too long.
bool encode_frame(std::span<const std::uint8_t> body, std::vector<std::uint8_t>& out);

// Building a frame in place (the body written straight into out, e.g. by an
// encryption): begin_frame appends a header placeholder and returns its offset;
// end_frame fills it with the length of what follows. Returns false (out cut
// back to the offset) when that body is empty or too long.
std::size_t begin_frame(std::vector<std::uint8_t>& out);
bool end_frame(std::vector<std::uint8_t>& out, std::size_t frame_at);

// Splits a byte stream into frames. The bytes live in the reader's own buffer,
// so the I/O layer can read the socket straight into it (prepare, commit) and
// frames come out as views into it, to be decrypted in place: no copy and no
// allocation per frame. The buffer holds two frames of the largest length the
// bounds allow, so a partial frame always fits behind whole ones; a length
// outside [min, max] fails the reader for good as soon as its header is seen.
class FrameReader {
public:
    // Length bounds for the next frames (the session narrows them per message type):
    // [min_len, max_len], and also exactly also_len when given (below min_len: a
    // responder's first frame is an XX msg1 or a longer IK one).
    void set_bounds(std::size_t min_len, std::size_t max_len, std::optional<std::size_t> also_len = std::nullopt);

    // Where the next bytes from the socket go: never empty. Invalidates frames
    // returned by pop().
    std::span<std::uint8_t> prepare();
    // n bytes (at most prepare().size()) were written at the front of prepare().
    void commit(std::size_t n);
    // The next complete frame body, valid (and writable) until the next prepare();
    // nullopt when more bytes are needed or the reader failed (see error()).
    std::optional<std::span<std::uint8_t>> pop();
    // Forgets everything buffered (the session is over).
    void discard() { start_ = end_ = 0; }

    // Takes bytes from the front of input (advancing it) until one frame is
    // complete or input is exhausted. Returns the frame body when complete;
    // nullopt when more bytes are needed or the reader failed (see error()).
    std::optional<std::vector<std::uint8_t>> next(std::span<const std::uint8_t>& input);

    FrameError error() const { return error_; }
    std::size_t buffered() const { return end_ - start_; }

private:
    // Bytes still missing before the frame at start_ (or its header) is whole.
    std::size_t missing() const;

    // Not zero-filled: the pages of an idle peer's buffer that no read reached
    // stay unallocated (a chat peer's reads rarely get past the first ones).
    std::unique_ptr<std::uint8_t[]> buffer_;
    std::size_t capacity_ = 0;
    std::size_t start_ = 0;  // first byte not yet popped
    std::size_t end_ = 0;    // one past the last committed byte
    std::size_t min_len_ = 1;
    std::size_t max_len_ = 65535;
    std::optional<std::size_t> also_len_;
    FrameError error_ = FrameError::ok;
};

}  // namespace hallway::transport
