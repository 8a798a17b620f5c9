#include "core/files/receive_state.hpp"

#include <algorithm>

namespace hallway::core::files {

namespace {

bool contains(const std::vector<std::uint64_t>& v, std::uint64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

bool erase(std::vector<std::uint64_t>& v, std::uint64_t x) {
    const auto it = std::find(v.begin(), v.end(), x);
    if (it == v.end()) return false;
    v.erase(it);
    return true;
}

}  // namespace

ReceiveState::ReceiveState(const FileSpec& spec)
    : spec_(spec), count_(chunk_count(spec.size, spec.chunk_size)), bits_((count_ + 63) / 64, 0) {}

std::optional<ReceiveState> ReceiveState::restore(const FileSpec& spec, std::span<const std::uint8_t> saved) {
    ReceiveState s(spec);
    const std::size_t bitmap = static_cast<std::size_t>((s.count_ + 7) / 8);
    if (saved.size() != spec.root.size() + bitmap) return std::nullopt;
    if (!std::equal(spec.root.begin(), spec.root.end(), saved.begin())) return std::nullopt;
    for (std::uint64_t i = 0; i < bitmap * 8; ++i) {
        if (((saved[spec.root.size() + i / 8] >> (i % 8)) & 1) == 0) continue;
        if (i >= s.count_) return std::nullopt;
        s.set(i, true);
    }
    return s;
}

std::vector<std::uint8_t> ReceiveState::save() const {
    std::vector<std::uint8_t> out(spec_.root.begin(), spec_.root.end());
    out.resize(spec_.root.size() + (count_ + 7) / 8, 0);
    for (std::uint64_t i = 0; i < count_; ++i)
        if (is_committed(i)) out[spec_.root.size() + i / 8] |= static_cast<std::uint8_t>(1u << (i % 8));
    return out;
}

bool ReceiveState::is_committed(std::uint64_t index) const {
    return index < count_ && ((bits_[index / 64] >> (index % 64)) & 1) != 0;
}

void ReceiveState::set(std::uint64_t index, bool on) {
    if (is_committed(index) == on) return;
    bits_[index / 64] ^= std::uint64_t{1} << (index % 64);
    if (on)
        ++committed_;
    else
        --committed_;
}

std::uint64_t ReceiveState::committed_bytes() const {
    std::uint64_t n = committed_ * spec_.chunk_size;
    // Only the last chunk is short.
    if (count_ > 0 && is_committed(count_ - 1)) n -= spec_.chunk_size - chunk_length(spec_.size, spec_.chunk_size, count_ - 1);
    return n;
}

bool ReceiveState::asked(std::uint64_t index) const { return contains(asked_, index) || contains(verified_, index); }

std::vector<Range> ReceiveState::request(std::size_t window) {
    std::vector<Range> out;
    std::size_t in_flight = asked_.size() + verified_.size();
    for (std::uint64_t word = 0; word < bits_.size() && in_flight < window; ++word) {
        if (bits_[word] == ~std::uint64_t{0}) continue;  // 64 committed chunks at once
        for (std::uint64_t i = word * 64; i < std::min(count_, word * 64 + 64) && in_flight < window; ++i) {
            if (is_committed(i) || asked(i)) continue;
            asked_.push_back(i);
            ++in_flight;
            if (!out.empty() && out.back().first + out.back().count == i)
                ++out.back().count;
            else
                out.push_back({i, 1});
        }
    }
    return out;
}

ReceiveState::Fed ReceiveState::feed(std::uint64_t index, std::span<const std::uint8_t> chunk,
                                     std::span<const Hash> proof) {
    if (!contains(asked_, index)) return Fed::unexpected;
    erase(asked_, index);
    // A wrong length is refused before hashing it.
    if (chunk.size() != chunk_length(spec_.size, spec_.chunk_size, index) ||
        !verify_chunk(spec_.root, count_, index, chunk, proof)) {
        ++corrupt_;
        return Fed::corrupt;
    }
    verified_.push_back(index);
    return Fed::verified;
}

void ReceiveState::commit(std::uint64_t index) {
    if (erase(verified_, index)) set(index, true);
}

void ReceiveState::release(std::uint64_t index) { erase(verified_, index); }

void ReceiveState::lost() {
    asked_.clear();
    verified_.clear();
}

bool ReceiveState::finish(const Hash& disk_root) {
    if (!complete()) return false;
    if (disk_root == spec_.root) return true;
    std::fill(bits_.begin(), bits_.end(), 0);
    committed_ = 0;
    return false;
}

}  // namespace hallway::core::files
