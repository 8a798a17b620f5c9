#include "core/files/manifest.hpp"

#include "core/files/cbor_fields.hpp"
#include "core/files/file_name.hpp"
#include "transport/cbor.hpp"
#include "transport/wire.hpp"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <string_view>
#include <unordered_set>

namespace hallway::core::files {

namespace {

using namespace detail;  // the field readers, cbor and Major
using Bytes = std::vector<std::uint8_t>;

constexpr std::string_view kOfferType = "file_offer";
constexpr std::uint8_t kLeafPrefix = 0x00;
constexpr std::uint8_t kNodePrefix = 0x01;

Hash node_hash(const Hash& left, const Hash& right) {
    Hash out{};
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, out.size());
    crypto_generichash_update(&st, &kNodePrefix, 1);
    crypto_generichash_update(&st, left.data(), left.size());
    crypto_generichash_update(&st, right.data(), right.size());
    crypto_generichash_final(&st, out.data(), out.size());
    return out;
}

Hash empty_root() {
    Hash out{};
    crypto_generichash(out.data(), out.size(), nullptr, 0, nullptr, 0);
    return out;
}

bool valid_chunk_size(std::uint64_t c) {
    return c >= kMinChunkSize && c <= kMaxChunkSize && std::has_single_bit(c);
}

// Keys of an offer and of one entry, in the order they are written.
enum OfferKey : std::size_t { kC, kFiles, kT, kX, kOfferKeys };
constexpr std::array<std::string_view, kOfferKeys> kOfferNames{"c", "files", "t", "x"};
enum EntryKey : std::size_t { kDir, kP, kR, kS, kEntryKeys };
constexpr std::array<std::string_view, kEntryKeys> kEntryNames{"dir", "p", "r", "s"};

std::optional<OfferEntry> decode_entry(std::span<const std::uint8_t> bytes, std::uint32_t chunk_size) {
    std::array<std::optional<Value>, kEntryKeys> f;
    if (!read_map(bytes, kEntryNames, f) || !f[kP]) return std::nullopt;
    OfferEntry e;
    std::string sent;
    if (!f[kP]->string(Major::text, kMaxRelativePath, sent)) return std::nullopt;
    auto safe = safe_relative_path(sent);
    if (!safe) return std::nullopt;
    e.path = std::move(*safe);
    if (f[kDir]) {
        if (f[kDir]->uint() != std::optional<std::uint64_t>{1} || f[kS] || f[kR]) return std::nullopt;
        e.dir = true;
        return e;
    }
    const auto size = f[kS] ? f[kS]->uint() : std::nullopt;
    if (!size || !f[kR] || !f[kR]->fixed(e.root)) return std::nullopt;
    if (chunk_count(*size, chunk_size) > kMaxChunks) return std::nullopt;  // so size <= kMaxFileSize
    e.size = *size;
    return e;
}

// Paths distinct, and none inside a file (a file "a" and an entry "a/b").
bool consistent(const std::vector<OfferEntry>& entries) {
    std::unordered_set<std::string_view> paths, files;
    for (const auto& e : entries) {
        if (!paths.insert(e.path).second) return false;
        if (!e.dir) files.insert(e.path);
    }
    for (const auto& e : entries) {
        for (std::size_t slash = e.path.find('/'); slash != std::string::npos; slash = e.path.find('/', slash + 1))
            if (files.count(std::string_view(e.path).substr(0, slash))) return false;
    }
    return true;
}

}  // namespace

std::uint64_t chunk_count(std::uint64_t size, std::uint32_t chunk_size) {
    return size / chunk_size + (size % chunk_size != 0 ? 1 : 0);
}

std::uint32_t chunk_length(std::uint64_t size, std::uint32_t chunk_size, std::uint64_t index) {
    const std::uint64_t start = index * chunk_size;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(chunk_size, size - start));
}

std::optional<std::uint32_t> chunk_size_for(std::uint64_t largest) {
    if (largest > kMaxFileSize) return std::nullopt;
    std::uint32_t c = kDefaultChunkSize;
    while (chunk_count(largest, c) > kMaxChunks) c *= 2;
    return c;
}

Hash leaf_hash(std::span<const std::uint8_t> chunk) {
    Hash out{};
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, out.size());
    crypto_generichash_update(&st, &kLeafPrefix, 1);
    crypto_generichash_update(&st, chunk.data(), chunk.size());
    crypto_generichash_final(&st, out.data(), out.size());
    return out;
}

void TreeHasher::add(std::span<const std::uint8_t> chunk) {
    stack_.push_back({leaf_hash(chunk), 0});
    ++count_;
    // Two perfect subtrees of one height make one of the next.
    while (stack_.size() >= 2 && stack_[stack_.size() - 2].height == stack_.back().height) {
        const Subtree right = stack_.back();
        stack_.pop_back();
        stack_.back() = {node_hash(stack_.back().hash, right.hash), right.height + 1};
    }
}

Hash TreeHasher::root() const {
    if (stack_.empty()) return empty_root();
    // RFC 9162: the left subtree is the largest perfect one, so fold from the right.
    Hash r = stack_.back().hash;
    for (auto it = stack_.rbegin() + 1; it != stack_.rend(); ++it) r = node_hash(it->hash, r);
    return r;
}

Tree::Tree(std::vector<Hash> leaves) {
    levels_.push_back(std::move(leaves));
    while (levels_.back().size() > 1) {
        const auto& below = levels_.back();
        std::vector<Hash> up;
        up.reserve((below.size() + 1) / 2);
        for (std::size_t i = 0; i + 1 < below.size(); i += 2) up.push_back(node_hash(below[i], below[i + 1]));
        if (below.size() % 2 == 1) up.push_back(below.back());
        levels_.push_back(std::move(up));
    }
}

Hash Tree::root() const { return levels_.back().empty() ? empty_root() : levels_.back().front(); }

std::vector<Hash> Tree::proof(std::uint64_t index) const {
    std::vector<Hash> path;
    for (std::size_t level = 0; level + 1 < levels_.size(); ++level, index /= 2) {
        const std::uint64_t sibling = index ^ 1;
        if (sibling < levels_[level].size()) path.push_back(levels_[level][sibling]);
    }
    return path;
}

bool verify_chunk(const Hash& root, std::uint64_t count, std::uint64_t index, std::span<const std::uint8_t> chunk,
                  std::span<const Hash> proof) {
    // RFC 9162 §2.1.3.2, verifying an inclusion proof.
    if (index >= count || proof.size() > kMaxProof) return false;
    std::uint64_t fn = index, sn = count - 1;
    Hash r = leaf_hash(chunk);
    for (const Hash& p : proof) {
        if (sn == 0) return false;
        if ((fn & 1) != 0 || fn == sn) {
            r = node_hash(p, r);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && r == root;
}

std::vector<std::uint8_t> encode_offer(const Offer& offer) {
    Bytes out;
    cbor::put_head(out, Major::map, kOfferKeys);
    cbor::put_text(out, kOfferNames[kC]);
    cbor::put_head(out, Major::uint, offer.chunk_size);
    cbor::put_text(out, kOfferNames[kFiles]);
    cbor::put_head(out, Major::array, offer.entries.size());
    for (const auto& e : offer.entries) {
        cbor::put_head(out, Major::map, e.dir ? 2 : 3);
        if (e.dir) {
            cbor::put_text(out, kEntryNames[kDir]);
            cbor::put_head(out, Major::uint, 1);
        }
        cbor::put_text(out, kEntryNames[kP]);
        cbor::put_text(out, e.path);
        if (!e.dir) {
            cbor::put_text(out, kEntryNames[kR]);
            cbor::put_bytes(out, e.root);
            cbor::put_text(out, kEntryNames[kS]);
            cbor::put_head(out, Major::uint, e.size);
        }
        if (out.size() > transport::wire::kMaxMessage) return {};
    }
    cbor::put_text(out, kOfferNames[kT]);
    cbor::put_text(out, kOfferType);
    cbor::put_text(out, kOfferNames[kX]);
    cbor::put_bytes(out, offer.id);
    // Never send what the receiver would refuse: a path it rewrites counts too,
    // since the sender would then name files the receiver does not.
    const auto back = decode_offer(out);
    if (!back || *back != offer) return {};
    return out;
}

std::optional<Offer> decode_offer(std::span<const std::uint8_t> bytes) {
    std::array<std::optional<Value>, kOfferKeys> f;
    if (bytes.size() > transport::wire::kMaxMessage || !read_map(bytes, kOfferNames, f)) return std::nullopt;
    if (std::any_of(f.begin(), f.end(), [](const auto& v) { return !v; })) return std::nullopt;
    std::string type;
    if (!f[kT]->string(Major::text, kOfferType.size(), type) || type != kOfferType) return std::nullopt;
    Offer offer;
    if (!f[kX]->fixed(offer.id)) return std::nullopt;
    const auto chunk = f[kC]->uint();
    if (!chunk || !valid_chunk_size(*chunk)) return std::nullopt;
    offer.chunk_size = static_cast<std::uint32_t>(*chunk);
    const bool ok = read_array(f[kFiles]->bytes, 1, kMaxEntries, [&](std::span<const std::uint8_t> item) {
        auto e = decode_entry(item, offer.chunk_size);
        if (!e) return false;
        offer.entries.push_back(std::move(*e));
        return true;
    });
    if (!ok || offer.entries.empty() || !consistent(offer.entries)) return std::nullopt;
    return offer;
}

}  // namespace hallway::core::files
