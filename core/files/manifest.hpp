#pragma once
// The offer of a file transfer and the hashes that commit the sender to every
// byte of it (docs/FILES-DESIGN.md). A file is cut into chunks of the offer's
// chunk size (the last one shorter); its root is the Merkle tree hash of RFC
// 9162 §2.1.1 over the chunks, with BLAKE2b-256 (libsodium crypto_generichash):
// a leaf is H(0x00 || chunk), a node H(0x01 || left || right), no chunks H().
// Each chunk travels with its audit path, so the receiver checks it on arrival
// against the root alone, whatever the file's size. Pure: no I/O.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hallway::core::files {

using Hash = std::array<std::uint8_t, 32>;
using TransferId = std::array<std::uint8_t, 16>;

// Chunk sizes: powers of two. 256 KiB makes a 4 GiB file 16384 chunks (a 2 KiB
// bitmap to resume from) while one chunk with its path stays far inside the
// 1 MiB message limit; larger files get larger chunks.
inline constexpr std::uint32_t kMinChunkSize = 16 * 1024;
inline constexpr std::uint32_t kDefaultChunkSize = 256 * 1024;
inline constexpr std::uint32_t kMaxChunkSize = 512 * 1024;
// Chunks of one file: bounds the receiver's bitmap (128 KiB) and the audit path.
inline constexpr std::uint64_t kMaxChunks = std::uint64_t{1} << 20;
inline constexpr std::size_t kMaxProof = 20;  // log2(kMaxChunks)
inline constexpr std::uint64_t kMaxFileSize = std::uint64_t{kMaxChunkSize} * kMaxChunks;  // 512 GiB
// Entries of one offer: a folder of photos, not a disk. With paths of up to
// kMaxRelativePath bytes the encoded offer can pass the 1 MiB message limit;
// such an offer cannot be sent (encode_offer refuses it).
inline constexpr std::size_t kMaxEntries = 1024;

// A file, or a folder (so that empty folders arrive too).
struct OfferEntry {
    std::string path;  // relative, '/'-separated; decoded: as safe_relative_path made it
    bool dir = false;
    std::uint64_t size = 0;  // files only
    Hash root{};             // files only
    bool operator==(const OfferEntry&) const = default;
};
struct Offer {
    TransferId id{};
    std::uint32_t chunk_size = kDefaultChunkSize;
    std::vector<OfferEntry> entries;
    bool operator==(const Offer&) const = default;
};

// Chunks of a file of size bytes (0 for an empty file), and the length of one.
// Call only with a size and chunk size an offer may hold.
std::uint64_t chunk_count(std::uint64_t size, std::uint32_t chunk_size);
std::uint32_t chunk_length(std::uint64_t size, std::uint32_t chunk_size, std::uint64_t index);
// The chunk size a sender uses when its largest file is `largest` bytes: the
// default, or the smallest power of two that keeps it within kMaxChunks.
// nullopt: over kMaxFileSize.
std::optional<std::uint32_t> chunk_size_for(std::uint64_t largest);

Hash leaf_hash(std::span<const std::uint8_t> chunk);

// The root of a file fed chunk by chunk, in order, in O(log n) memory.
class TreeHasher {
public:
    void add(std::span<const std::uint8_t> chunk);
    Hash root() const;
    std::uint64_t chunks() const { return count_; }

private:
    struct Subtree {
        Hash hash;
        unsigned height;
    };
    std::vector<Subtree> stack_;  // perfect subtrees, largest first
    std::uint64_t count_ = 0;
};

// The whole tree of a file, kept by its sender to give each chunk its path
// (2 n hashes: 1 MiB for a 4 GiB file of 256 KiB chunks).
class Tree {
public:
    explicit Tree(std::vector<Hash> leaves);
    Hash root() const;
    std::uint64_t chunks() const { return levels_.front().size(); }
    // The audit path of chunk index (< chunks()), leaf side first.
    std::vector<Hash> proof(std::uint64_t index) const;

private:
    std::vector<std::vector<Hash>> levels_;  // leaves first; an odd last node moves up unpaired
};

// Whether chunk index of a file of count chunks, with this path, hashes to root.
bool verify_chunk(const Hash& root, std::uint64_t count, std::uint64_t index, std::span<const std::uint8_t> chunk,
                  std::span<const Hash> proof);

// The `file_offer` message (docs/FILES-DESIGN.md). Keys sorted, definite
// lengths, shortest heads. Empty when decode_offer would refuse the result
// (a bound passed, an unsafe or repeated path, over the 1 MiB message limit):
// nothing is cut.
std::vector<std::uint8_t> encode_offer(const Offer& offer);
// nullopt: not an offer we accept. Refused: not one well-formed CBOR map (at
// most 1 MiB, nested at most 16) with t = "file_offer"; a defined key missing,
// ill-typed or twice; a chunk size that is not a power of two in
// [kMinChunkSize, kMaxChunkSize]; no entries or more than kMaxEntries; a file
// over kMaxFileSize or over kMaxChunks chunks; a folder with a size or root;
// a path safe_relative_path refuses; two entries with one (rewritten) path;
// an entry inside a file. Unknown keys are ignored. Never throws.
std::optional<Offer> decode_offer(std::span<const std::uint8_t> bytes);

}  // namespace hallway::core::files
