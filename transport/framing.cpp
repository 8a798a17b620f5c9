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

void FrameReader::set_bounds(std::size_t min_len, std::size_t max_len) {
    min_len_ = std::max<std::size_t>(min_len, 1);
    max_len_ = std::min(max_len, wire::kMaxFrameBody);
}

std::optional<std::vector<std::uint8_t>> FrameReader::next(std::span<const std::uint8_t>& input) {
    if (error_ != FrameError::ok) return std::nullopt;
    while (header_fill_ < wire::kFrameHeaderLen) {
        if (input.empty()) return std::nullopt;
        header_[header_fill_++] = input.front();
        input = input.subspan(1);
        if (header_fill_ == wire::kFrameHeaderLen) {
            expected_ = (std::size_t{header_[0]} << 8) | header_[1];
            if (expected_ == 0) {
                error_ = FrameError::zero_length;
                return std::nullopt;
            }
            if (expected_ < min_len_ || expected_ > max_len_) {
                error_ = FrameError::bad_length;
                return std::nullopt;
            }
            body_.reserve(expected_);
        }
    }
    const std::size_t take = std::min(expected_ - body_.size(), input.size());
    body_.insert(body_.end(), input.begin(), input.begin() + static_cast<std::ptrdiff_t>(take));
    input = input.subspan(take);
    if (body_.size() < expected_) return std::nullopt;
    std::vector<std::uint8_t> frame;
    frame.swap(body_);
    header_fill_ = 0;
    expected_ = 0;
    return frame;
}

}  // namespace hallway::transport
