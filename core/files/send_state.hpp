#pragma once
// What the sender knows of one offered file while the receiver pulls it: the
// chunks asked for and not yet sent. The receiver drives (docs/FILES-DESIGN.md):
// a file_get names ranges, the sender reads those chunks and answers each with
// a file_chunk. A get past the file, over the window or asking again for a
// chunk still waiting is refused whole (the caller cancels the transfer: the
// receiver broke the protocol). Pure: the caller reads the bytes.
#include "core/files/messages.hpp"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace hallway::core::files {

// Where one chunk lies in the file: read exactly length bytes at offset (fewer
// means the file changed under the sender).
struct ChunkRead {
    std::uint64_t index = 0;
    std::uint64_t offset = 0;
    std::uint32_t length = 0;
    bool operator==(const ChunkRead&) const = default;
};

class SendState {
public:
    // size and chunk_size as offered (the offer's bounds hold). window: chunks
    // asked for and not yet sent at once; a receiver keeps at most its own
    // window in flight, and counts a chunk until it is written, so longer.
    SendState(std::uint64_t size, std::uint32_t chunk_size, std::size_t window = kMaxGetChunks);

    enum class Verdict {
        ok,
        past_end,     // a range past the file's last chunk
        over_window,  // more chunks waiting than the window
        repeated,     // a chunk asked for while it is still waiting (or twice in one get)
    };
    // ok: reads holds the chunks to read, in the order asked, and they wait
    // until sent(). Otherwise nothing changes and reads is empty.
    Verdict get(std::span<const Range> ranges, std::vector<ChunkRead>& reads);
    // The chunk's file_chunk was handed to the session. false: it was not waiting.
    bool sent(std::uint64_t index);
    // The session is gone: the receiver will ask again.
    void lost() { waiting_.clear(); }

    std::uint64_t chunks() const { return count_; }
    std::size_t waiting() const { return waiting_.size(); }
    // Chunks sent since the start, repeats included (for progress and logs).
    std::uint64_t served() const { return served_; }

private:
    std::uint64_t size_;
    std::uint32_t chunk_size_;
    std::uint64_t count_;
    std::size_t window_;
    std::vector<std::uint64_t> waiting_;  // at most window_
    std::uint64_t served_ = 0;
};

// A reason for the file_cancel that answers a refused get.
std::string_view to_string(SendState::Verdict v);

}  // namespace hallway::core::files
