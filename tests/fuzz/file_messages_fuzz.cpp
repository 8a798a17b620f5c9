// The small file messages as a peer can send them (docs/FILES-DESIGN.md, "Wire
// format"): the decoder. Invariants: every decoded message is within its
// bounds (a get asks for 1..kMaxGetChunks chunks in ascending disjoint ranges
// inside kMaxChunks, a chunk is 1..kMaxChunkSize bytes with at most kMaxProof
// hashes, a cancel reason is valid UTF-8 of at most kMaxCloseReason bytes);
// what decodes re-encodes to bytes that decode the same; a SendState fed a
// decoded get never hands out a read past the file or more than its window;
// decode_chunk_view agrees with the decoder.
#include "core/files/messages.hpp"
#include "core/files/send_state.hpp"
#include "transport/messages.hpp"
#include "transport/wire.hpp"

#include <algorithm>
#include <cstdlib>

using namespace hallway::core::files;
namespace wire = hallway::transport::wire;

namespace {

void check_get(const FileGet& g) {
    std::uint64_t total = 0, next = 0;
    if (g.file >= kMaxEntries || g.ranges.empty()) std::abort();
    for (const auto& r : g.ranges) {
        if (r.count == 0 || r.first < next || r.first + r.count > kMaxChunks) std::abort();
        total += r.count;
        next = r.first + r.count;
    }
    if (total > kMaxGetChunks) std::abort();
    // A file of 5 chunks, the last one short.
    SendState s(4 * kMinChunkSize + 1, kMinChunkSize);
    std::vector<ChunkRead> reads;
    const auto v = s.get(g.ranges, reads);
    if ((v == SendState::Verdict::ok) != !reads.empty() || reads.size() > kMaxGetChunks) std::abort();
    for (const auto& r : reads)
        if (r.index >= s.chunks() || r.offset + r.length > 4 * kMinChunkSize + 1 || r.length == 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto m = decode_file_message(std::span(data, size));
    // The receiver's in-place view of a chunk reads what the decoder reads, from the input itself.
    if (const auto v = decode_chunk_view(std::span(data, size))) {
        const auto* c = m ? std::get_if<FileChunk>(&*m) : nullptr;
        if (!c || v->id != c->id || v->file != c->file || v->index != c->index || v->proof != c->proof ||
            !std::equal(v->data.begin(), v->data.end(), c->data.begin(), c->data.end()) || v->data.data() < data ||
            v->data.data() + v->data.size() > data + size)
            std::abort();
    }
    if (!m) return 0;
    if (const auto* g = std::get_if<FileGet>(&*m)) check_get(*g);
    if (const auto* c = std::get_if<FileChunk>(&*m)) {
        if (c->data.empty() || c->data.size() > kMaxChunkSize || c->proof.size() > kMaxProof || c->index >= kMaxChunks ||
            c->file >= kMaxEntries)
            std::abort();
    }
    if (const auto* c = std::get_if<FileCancel>(&*m)) {
        if (c->reason.size() > wire::kMaxCloseReason || hallway::transport::sanitize_utf8(c->reason) != c->reason)
            std::abort();
    }
    const auto again = encode_file_message(*m);
    // An offer whose rewritten paths pass the message limit cannot be re-sent
    // (see file_offer_fuzz); every other message can.
    if (again.empty() ? !(std::holds_alternative<Offer>(*m) && size >= 300'000) : decode_file_message(again) != m)
        std::abort();
    return 0;
}
