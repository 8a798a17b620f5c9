#pragma once
// The messages of a file transfer (docs/FILES-DESIGN.md, "Wire format"): the
// offer (manifest.hpp) and the seven small maps that follow it on the files lane.
// Every size and count is bounded; what a receiver would refuse is never
// written. Pure: no I/O.
#include "core/files/manifest.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace hallway::core::files {

// Chunks first .. first + count - 1 of one file.
struct Range {
    std::uint64_t first = 0;
    std::uint64_t count = 0;
    bool operator==(const Range&) const = default;
};

// Chunks one file_get asks for, in all: the receiver's window (2 MiB of 256 KiB
// chunks), so one request never makes the sender queue more than that.
inline constexpr std::size_t kMaxGetChunks = 8;

struct FileAccept {
    TransferId id{};
    bool operator==(const FileAccept&) const = default;
};
struct FileDecline {
    TransferId id{};
    bool operator==(const FileDecline&) const = default;
};
// Chunks of entry `file` of the offer: 1 .. kMaxGetChunks ranges, ascending and
// disjoint, none empty or past kMaxChunks, kMaxGetChunks chunks in all.
struct FileGet {
    TransferId id{};
    std::uint32_t file = 0;  // < kMaxEntries
    std::vector<Range> ranges;
    bool operator==(const FileGet&) const = default;
};
// One chunk with its audit path (Tree::proof). Its exact length and the path
// are checked against the offer by ReceiveState::feed, not here.
struct FileChunk {
    TransferId id{};
    std::uint32_t file = 0;    // < kMaxEntries
    std::uint64_t index = 0;   // < kMaxChunks
    std::vector<std::uint8_t> data;  // 1 .. kMaxChunkSize bytes
    std::vector<Hash> proof;         // at most kMaxProof
    bool operator==(const FileChunk&) const = default;
};
struct FileCancel {
    TransferId id{};
    std::string reason;  // valid UTF-8, at most wire::kMaxCloseReason bytes once decoded
    bool operator==(const FileCancel&) const = default;
};
struct FileDone {
    TransferId id{};
    bool operator==(const FileDone&) const = default;
};
// The receiver stops pulling for now (its disk is full): the transfer stays,
// and its next file_get resumes it. Same fields and bounds as FileCancel.
struct FilePause {
    TransferId id{};
    std::string reason;
    bool operator==(const FilePause&) const = default;
};

using FileMessage = std::variant<Offer, FileAccept, FileDecline, FileGet, FileChunk, FileCancel, FileDone, FilePause>;

// The message's `t`.
std::string_view type_name(const FileMessage& m);

// CBOR as senders write it (definite lengths, shortest heads, keys sorted).
// A cancel reason is made valid UTF-8 and cut to wire::kMaxCloseReason at a
// character boundary; anything else over its bound makes the result empty (not
// sent): an offer as encode_offer refuses it, a get or chunk out of the bounds
// above.
std::vector<std::uint8_t> encode_file_message(const FileMessage& m);
// nullopt: skip the message (PROTOCOL.md §6). Refused: not one well-formed CBOR
// map (at most 1 MiB, nested at most 16) whose `t` is one of the eight file
// types; a key defined for that type missing, ill-typed (a tagged value is),
// twice or over its bound; a range item that is not an array of two uints.
// Keys not defined for the type, of any type and with any value, are ignored.
// An offer is decode_offer's. Never throws.
std::optional<FileMessage> decode_file_message(std::span<const std::uint8_t> bytes);

// The two ends of a file_chunk on the hot path, without a copy of its data.
//
// encode_file_message(FileChunk{id, file, index, data, proof}) where fill
// writes the `length` bytes of data in place (a read from the file): empty when
// fill fails or the chunk is out of bounds.
std::vector<std::uint8_t> encode_file_chunk(const TransferId& id, std::uint32_t file, std::uint64_t index,
                                            std::size_t length, std::span<const Hash> proof,
                                            const std::function<bool(std::span<std::uint8_t>)>& fill);
// A FileChunk whose data is a view into the message it was decoded from.
struct ChunkView {
    TransferId id{};
    std::uint32_t file = 0;
    std::uint64_t index = 0;
    std::span<const std::uint8_t> data;
    std::vector<Hash> proof;
};
// bytes as decode_file_message reads them, when they are a valid file_chunk
// whose data lies whole in bytes (a definite-length string); nullopt for
// anything else, which decode_file_message then reads.
std::optional<ChunkView> decode_chunk_view(std::span<const std::uint8_t> bytes);

}  // namespace hallway::core::files
