// A file offer as a peer can send it (docs/FILES-DESIGN.md): the decoder.
// Invariants: every decoded path is relative and stays under the download
// folder (no empty, "." or ".." component, no control character), and is
// already what safe_relative_path makes of it; what decodes re-encodes
// (unless rewritten paths make it pass the message limit, which needs an
// input of over 300 KB) to bytes that decode the same.
#include "core/files/file_name.hpp"
#include "core/files/manifest.hpp"

#include <cstdlib>
#include <string_view>

using namespace hallway::core::files;

namespace {

bool stays_under(std::string_view path) {
    if (path.empty() || path.front() == '/' || path.back() == '/') return false;
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = path.find('/', start);
        const std::string_view part = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
        if (part.empty() || part == "." || part == "..") return false;
        for (char c : part)
            if (static_cast<unsigned char>(c) < 0x20 || c == '\\') return false;
        if (slash == std::string_view::npos) return true;
        start = slash + 1;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto offer = decode_offer(std::span(data, size));
    if (!offer) return 0;
    if (offer->entries.empty() || offer->entries.size() > kMaxEntries) std::abort();
    for (const auto& e : offer->entries) {
        if (!stays_under(e.path) || safe_relative_path(e.path) != e.path) std::abort();
        if (!e.dir && chunk_count(e.size, offer->chunk_size) > kMaxChunks) std::abort();
    }
    const auto again = encode_offer(*offer);
    if (again.empty() ? size < 300'000 : decode_offer(again) != offer) std::abort();
    return 0;
}
