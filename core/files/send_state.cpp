#include "core/files/send_state.hpp"

#include <algorithm>

namespace hallway::core::files {

SendState::SendState(std::uint64_t size, std::uint32_t chunk_size, std::size_t window)
    : size_(size), chunk_size_(chunk_size), count_(chunk_count(size, chunk_size)), window_(window) {}

SendState::Verdict SendState::get(std::span<const Range> ranges, std::vector<ChunkRead>& reads) {
    reads.clear();
    // Bounds first, without enumerating: counts come from the peer.
    std::uint64_t asked = 0;
    for (const Range& r : ranges) {
        if (r.first >= count_ || r.count > count_ - r.first) return Verdict::past_end;
        asked += r.count;  // each count <= count_ <= kMaxChunks: no overflow
        if (asked > window_ - waiting_.size()) return Verdict::over_window;
    }
    for (const Range& r : ranges) {
        for (std::uint64_t i = r.first; i < r.first + r.count; ++i) {
            const auto again = [i](const auto& c) { return c.index == i; };
            if (std::find(waiting_.begin(), waiting_.end(), i) != waiting_.end() ||
                std::any_of(reads.begin(), reads.end(), again)) {
                reads.clear();
                return Verdict::repeated;
            }
            reads.push_back({i, i * chunk_size_, chunk_length(size_, chunk_size_, i)});
        }
    }
    for (const auto& c : reads) waiting_.push_back(c.index);
    return Verdict::ok;
}

bool SendState::sent(std::uint64_t index) {
    const auto it = std::find(waiting_.begin(), waiting_.end(), index);
    if (it == waiting_.end()) return false;
    waiting_.erase(it);
    ++served_;
    return true;
}

std::string_view to_string(SendState::Verdict v) {
    switch (v) {
    case SendState::Verdict::ok: return "ok";
    case SendState::Verdict::past_end: return "asked for chunks past the end of the file";
    case SendState::Verdict::over_window: return "asked for more chunks than the window";
    case SendState::Verdict::repeated: return "asked again for a chunk not yet sent";
    }
    return "refused";
}

}  // namespace hallway::core::files
