#include "transport/framing.hpp"

#include "transport/wire.hpp"

#include <algorithm>

namespace hallway::transport {

std::string_view to_string(FrameError e) {
    switch (e) {
        case FrameError::ok: return "ok";
        case FrameError::zero_length: return "zero-length frame";
        case FrameError::bad_length: return "frame length not allowed here";
    }
    return "unknown frame error";
}

bool encode_frame(std::span<const std::uint8_t> body, std::vector<std::uint8_t>& out) {
    if (body.empty() || body.size() > wire::kMaxFrameBody) return false;
    const std::size_t at = begin_frame(out);
    out.insert(out.end(), body.begin(), body.end());
    return end_frame(out, at);
}

std::size_t begin_frame(std::vector<std::uint8_t>& out) {
    const std::size_t at = out.size();
    out.resize(at + wire::kFrameHeaderLen);
    return at;
}

bool end_frame(std::vector<std::uint8_t>& out, std::size_t frame_at) {
    const std::size_t len = out.size() - frame_at - wire::kFrameHeaderLen;
    if (len == 0 || len > wire::kMaxFrameBody) {
        out.resize(frame_at);
        return false;
    }
    out[frame_at] = static_cast<std::uint8_t>(len >> 8);
    out[frame_at + 1] = static_cast<std::uint8_t>(len & 0xff);
    return true;
}

namespace {
// Reads smaller than this move the partial frame to the front first: a few
// large reads rather than many small ones at the buffer's end.
constexpr std::size_t kMinRead = 4096;
}  // namespace

void FrameReader::set_bounds(std::size_t min_len, std::size_t max_len, std::optional<std::size_t> also_len) {
    min_len_ = std::max<std::size_t>(min_len, 1);
    max_len_ = std::min(max_len, wire::kMaxFrameBody);
    also_len_ = also_len && *also_len >= 1 && *also_len <= max_len_ ? also_len : std::nullopt;
}

std::size_t FrameReader::missing() const {
    const std::size_t have = end_ - start_;
    if (have < wire::kFrameHeaderLen) return wire::kFrameHeaderLen - have;
    const std::size_t len = (std::size_t{buffer_[start_]} << 8) | buffer_[start_ + 1];
    return have < wire::kFrameHeaderLen + len ? wire::kFrameHeaderLen + len - have : 0;
}

std::span<std::uint8_t> FrameReader::prepare() {
    if (start_ == end_ || error_ != FrameError::ok) discard();
    // Two of the longest frames allowed: whatever partial frame is left, one more fits.
    const std::size_t capacity = 2 * (wire::kFrameHeaderLen + max_len_);
    if (capacity_ < capacity) {  // grows once, at the handshake's end
        std::unique_ptr<std::uint8_t[]> bigger(new std::uint8_t[capacity]);
        std::copy(buffer_.get() + start_, buffer_.get() + end_, bigger.get());
        buffer_ = std::move(bigger);
        capacity_ = capacity;
        end_ -= start_;
        start_ = 0;
    }
    if (start_ > 0 && capacity_ - end_ < std::max(missing(), kMinRead)) {
        std::copy(buffer_.get() + start_, buffer_.get() + end_, buffer_.get());
        end_ -= start_;
        start_ = 0;
    }
    return {buffer_.get() + end_, capacity_ - end_};
}

void FrameReader::commit(std::size_t n) { end_ += std::min(n, capacity_ - end_); }

std::optional<std::span<std::uint8_t>> FrameReader::pop() {
    if (error_ != FrameError::ok || end_ - start_ < wire::kFrameHeaderLen) return std::nullopt;
    const std::size_t len = (std::size_t{buffer_[start_]} << 8) | buffer_[start_ + 1];
    if (len == 0) {
        error_ = FrameError::zero_length;
        return std::nullopt;
    }
    if ((len < min_len_ || len > max_len_) && len != also_len_) {
        error_ = FrameError::bad_length;
        return std::nullopt;
    }
    if (end_ - start_ < wire::kFrameHeaderLen + len) return std::nullopt;
    const std::span<std::uint8_t> frame(buffer_.get() + start_ + wire::kFrameHeaderLen, len);
    start_ += wire::kFrameHeaderLen + len;
    return frame;
}

std::optional<std::vector<std::uint8_t>> FrameReader::next(std::span<const std::uint8_t>& input) {
    while (error_ == FrameError::ok) {
        if (auto frame = pop()) return std::vector<std::uint8_t>(frame->begin(), frame->end());
        if (error_ != FrameError::ok || input.empty()) break;
        // No further than this frame: the caller keeps the bytes after it.
        const auto room = prepare();
        const std::size_t n = std::min({missing(), room.size(), input.size()});
        std::copy_n(input.begin(), n, room.begin());
        commit(n);
        input = input.subspan(n);
    }
    return std::nullopt;
}

}  // namespace hallway::transport
