#pragma once
// What the receiver knows of one file while it arrives: which chunks are
// verified and written, which it has asked for, and what to ask for next.
// The receiver pulls (docs/FILES-DESIGN.md): it asks for ranges of chunks, at
// most a window at a time, and takes only chunks it asked for that hash to the
// root of the offer. Resuming is asking again for what the saved bitmap lacks.
// Pure: the caller reads and writes the file and saves the state.
#include "core/files/manifest.hpp"
#include "core/files/messages.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace hallway::core::files {

// One file of an accepted offer.
struct FileSpec {
    std::uint64_t size = 0;
    std::uint32_t chunk_size = kDefaultChunkSize;
    Hash root{};
};

// Chunks in flight per file: 8 x 256 KiB = 2 MiB, under the 4 MiB write queue
// of one session, and the most a resume sends again. One file_get asks for them all.
inline constexpr std::size_t kDefaultWindow = kMaxGetChunks;

class ReceiveState {
public:
    // spec must come from a decoded offer (its bounds hold).
    explicit ReceiveState(const FileSpec& spec);
    // From save() of the same file (same root, size and chunk size). nullopt:
    // not a state of this file (wrong length or root, bits past the last chunk).
    static std::optional<ReceiveState> restore(const FileSpec& spec, std::span<const std::uint8_t> saved);
    // The root, then the bitmap of committed chunks (bit i of byte i / 8, low bit first).
    std::vector<std::uint8_t> save() const;

    std::uint64_t chunks() const { return count_; }
    std::uint64_t committed() const { return committed_; }
    std::uint64_t committed_bytes() const;
    bool is_committed(std::uint64_t index) const;
    // Chunks that failed their hash since the start (the caller gives up on a
    // sender past a few).
    std::uint64_t corrupt() const { return corrupt_; }

    // Marks as asked for, and returns, the missing chunks (lowest first, as
    // ranges) that keep at most window chunks asked for and not yet committed.
    std::vector<Range> request(std::size_t window = kDefaultWindow);

    enum class Fed {
        verified,    // asked for and hashes to the root: write it, then commit()
        corrupt,     // asked for, wrong bytes: dropped, asked for again by request()
        unexpected,  // not asked for (unknown index, past the end, already had): ignored
    };
    Fed feed(std::uint64_t index, std::span<const std::uint8_t> chunk, std::span<const Hash> proof);
    // The verified chunk is written (and, before save() is stored, synced).
    void commit(std::uint64_t index);
    // The verified chunk could not be written (disk full): missing again.
    void release(std::uint64_t index);
    // The session is gone: what was asked for will not come; ask again.
    void lost();

    bool complete() const { return committed_ == count_; }
    // The last check before the file gets its final name: every chunk
    // committed and the root of the bytes on disk (a TreeHasher over the
    // .part file) is the offer's. When complete but the disk disagrees, every
    // chunk is missing again: the file never completes with wrong bytes.
    bool finish(const Hash& disk_root);

private:
    bool asked(std::uint64_t index) const;
    void set(std::uint64_t index, bool on);

    FileSpec spec_;
    std::uint64_t count_ = 0;
    std::vector<std::uint64_t> bits_;
    std::uint64_t committed_ = 0;
    std::vector<std::uint64_t> asked_;     // asked for, not yet fed (at most a window)
    std::vector<std::uint64_t> verified_;  // fed and verified, not yet committed
    std::uint64_t corrupt_ = 0;
};

}  // namespace hallway::core::files
