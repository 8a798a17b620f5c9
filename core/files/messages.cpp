#include "core/files/messages.hpp"

#include "core/files/cbor_fields.hpp"
#include "core/profile.hpp"
#include "transport/messages.hpp"
#include "transport/wire.hpp"
#include "text/utf8.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace hallway::core::files {

namespace {

using namespace detail;  // the field readers, cbor and Major
using Bytes = std::vector<std::uint8_t>;

// `t` of each alternative of FileMessage, in its order.
constexpr std::array<std::string_view, std::variant_size_v<FileMessage>> kTypes{
    "file_offer", "file_accept", "file_decline", "file_get", "file_chunk", "file_cancel", "file_done", "file_pause"};
constexpr std::size_t kChunkType = 4;
static_assert(std::is_same_v<std::variant_alternative_t<kChunkType, FileMessage>, FileChunk>);

bool valid_file(std::uint64_t f) { return f < kMaxEntries; }

bool valid_ranges(std::span<const Range> ranges) {
    if (ranges.empty() || ranges.size() > kMaxGetChunks) return false;
    std::uint64_t next = 0, total = 0;
    for (const Range& r : ranges) {
        if (r.count == 0 || r.first < next || r.first >= kMaxChunks || r.count > kMaxChunks - r.first) return false;
        total += r.count;  // each count <= kMaxChunks: no overflow
        if (total > kMaxGetChunks) return false;
        next = r.first + r.count;
    }
    return true;
}

bool valid_chunk(std::uint64_t file, std::uint64_t index, std::size_t length, std::size_t proof) {
    return valid_file(file) && index < kMaxChunks && length != 0 && length <= kMaxChunkSize && proof <= kMaxProof;
}

// --- Encoding: keys sorted as text strings; every message ends with t, x.

void key(Bytes& out, std::string_view k) { cbor::put_text(out, k); }

// Room for every head, key, `t` and `x` of a map besides its extra payload: a
// file_chunk's are up to 63 bytes, and growing past the reserve would copy its data.
constexpr std::size_t kMapFraming = 64;

Bytes open_map(std::size_t keys, std::size_t extra = 0) {
    Bytes out;
    out.reserve(kMapFraming + extra);
    cbor::put_head(out, Major::map, keys);
    return out;
}

Bytes close_map(Bytes out, std::string_view type, const TransferId& id) {
    key(out, "t");
    cbor::put_text(out, type);
    key(out, "x");
    cbor::put_bytes(out, id);
    return out;
}

struct Encoder {
    std::string_view type;

    Bytes operator()(const Offer& o) const { return encode_offer(o); }
    // FileAccept, FileDecline, FileDone: the id alone.
    template <typename IdOnly>
    Bytes operator()(const IdOnly& m) const {
        return close_map(open_map(2), type, m.id);
    }
    Bytes operator()(const FileGet& m) const {
        if (!valid_file(m.file) || !valid_ranges(m.ranges)) return {};
        Bytes out = open_map(4, 16 * m.ranges.size());
        key(out, "f");
        cbor::put_head(out, Major::uint, m.file);
        key(out, "r");
        cbor::put_head(out, Major::array, m.ranges.size());
        for (const Range& r : m.ranges) {
            cbor::put_head(out, Major::array, 2);
            cbor::put_head(out, Major::uint, r.first);
            cbor::put_head(out, Major::uint, r.count);
        }
        return close_map(std::move(out), type, m.id);
    }
    Bytes operator()(const FileChunk& m) const {
        return encode_file_chunk(m.id, m.file, m.index, m.data.size(), m.proof, [&](std::span<std::uint8_t> d) {
            std::copy(m.data.begin(), m.data.end(), d.begin());
            return true;
        });
    }
    Bytes operator()(const FileCancel& m) const { return with_reason(m.id, m.reason); }
    Bytes operator()(const FilePause& m) const { return with_reason(m.id, m.reason); }
    Bytes with_reason(const TransferId& id, std::string_view reason) const {
        Bytes out = open_map(3, transport::wire::kMaxCloseReason);
        key(out, "reason");
        const std::string valid = transport::sanitize_utf8(reason);
        cbor::put_text(out, text::cut_at_char_boundary(valid, transport::wire::kMaxCloseReason));
        return close_map(std::move(out), type, id);
    }
};

// --- Decoding: the keys of one type, read once each; x is every type's id.

template <std::size_t N>
using Fields = std::array<std::optional<Value>, N>;

// Reads the keys of names (the last one "x") and the id; false when one is missing.
template <std::size_t N>
bool read_fields(std::span<const std::uint8_t> bytes, const std::array<std::string_view, N>& names, Fields<N>& f,
                 TransferId& id) {
    static_assert(N > 0);
    return read_map(bytes, names, f) && std::all_of(f.begin(), f.end(), [](const auto& v) { return v.has_value(); }) &&
           f[N - 1]->fixed(id);
}

template <typename T>
std::optional<FileMessage> decode_id_only(std::span<const std::uint8_t> bytes) {
    Fields<1> f;
    T m;
    if (!read_fields(bytes, std::array<std::string_view, 1>{"x"}, f, m.id)) return std::nullopt;
    return m;
}

std::optional<std::uint32_t> file_field(const Value& v) {
    const auto f = v.uint();
    if (!f || !valid_file(*f)) return std::nullopt;
    return static_cast<std::uint32_t>(*f);
}

std::optional<FileMessage> decode_offer_message(std::span<const std::uint8_t> bytes) {
    auto o = decode_offer(bytes);
    if (!o) return std::nullopt;
    return FileMessage{std::move(*o)};
}

std::optional<FileMessage> decode_get(std::span<const std::uint8_t> bytes) {
    Fields<3> f;
    FileGet m;
    if (!read_fields(bytes, std::array<std::string_view, 3>{"f", "r", "x"}, f, m.id)) return std::nullopt;
    const auto file = file_field(*f[0]);
    if (!file) return std::nullopt;
    m.file = *file;
    // A range is [first, count]: an array inside the array r, at depth 3.
    const bool ok = read_array(f[1]->bytes, 1, kMaxGetChunks, [&](std::span<const std::uint8_t> item) {
        std::vector<std::uint64_t> pair;
        const bool two = read_array(item, 2, 2, [&](std::span<const std::uint8_t> v) {
            const auto n = Value{v}.uint();
            if (n) pair.push_back(*n);
            return n.has_value();
        });
        if (!two || pair.size() != 2) return false;
        m.ranges.push_back({pair[0], pair[1]});
        return true;
    });
    if (!ok || !valid_ranges(m.ranges)) return std::nullopt;
    return m;
}

// A file_chunk's fields; its data where it lies in bytes, or in scratch when
// sent in pieces (indefinite length).
bool read_chunk(std::span<const std::uint8_t> bytes, ChunkView& m, std::string& scratch) {
    Fields<5> f;
    if (!read_fields(bytes, std::array<std::string_view, 5>{"d", "f", "i", "p", "x"}, f, m.id)) return false;
    const auto file = file_field(*f[1]);
    const auto index = f[2]->uint();
    std::string proof;
    std::string_view data;
    if (!file || !index || !f[0]->view(Major::bytes, kMaxChunkSize, scratch, data) ||
        !f[3]->string(Major::bytes, kMaxProof * sizeof(Hash), proof) || proof.size() % sizeof(Hash) != 0)
        return false;
    m.file = *file;
    m.index = *index;
    m.data = {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()};
    m.proof.resize(proof.size() / sizeof(Hash));
    for (std::size_t k = 0; k < m.proof.size(); ++k)
        std::copy_n(proof.begin() + static_cast<std::ptrdiff_t>(k * sizeof(Hash)), sizeof(Hash), m.proof[k].begin());
    return valid_chunk(m.file, m.index, m.data.size(), m.proof.size());
}

std::optional<FileMessage> decode_chunk(std::span<const std::uint8_t> bytes) {
    ChunkView v;
    std::string scratch;
    if (!read_chunk(bytes, v, scratch)) return std::nullopt;
    return FileChunk{v.id, v.file, v.index, Bytes(v.data.begin(), v.data.end()), std::move(v.proof)};
}

// FileCancel, FilePause: the id and a reason.
template <typename T>
std::optional<FileMessage> decode_with_reason(std::span<const std::uint8_t> bytes) {
    Fields<2> f;
    T m;
    std::string reason;
    if (!read_fields(bytes, std::array<std::string_view, 2>{"reason", "x"}, f, m.id) ||
        !f[0]->string(Major::text, transport::wire::kMaxCloseReason, reason))
        return std::nullopt;
    // Replacement can lengthen it: cut back to the bound.
    m.reason = std::string(text::cut_at_char_boundary(transport::sanitize_utf8(reason), transport::wire::kMaxCloseReason));
    return m;
}

using Decoder = std::optional<FileMessage> (*)(std::span<const std::uint8_t>);
// The decoder of each alternative of FileMessage, in its order (as kTypes).
constexpr std::array<Decoder, std::variant_size_v<FileMessage>> kDecoders{
    decode_offer_message, decode_id_only<FileAccept>, decode_id_only<FileDecline>, decode_get,
    decode_chunk,         decode_with_reason<FileCancel>, decode_id_only<FileDone>, decode_with_reason<FilePause>};
constexpr std::size_t kLongestType = std::ranges::max(kTypes, {}, &std::string_view::size).size();

}  // namespace

std::string_view type_name(const FileMessage& m) { return kTypes[m.index()]; }

std::vector<std::uint8_t> encode_file_message(const FileMessage& m) { return std::visit(Encoder{type_name(m)}, m); }

namespace {

// The index in kTypes of the message's `t`; nullopt when not one of them.
std::optional<std::size_t> type_of(std::span<const std::uint8_t> bytes) {
    if (bytes.size() > transport::wire::kMaxMessage) return std::nullopt;
    Fields<1> t;
    std::string type;
    if (!read_map(bytes, std::array<std::string_view, 1>{"t"}, t) || !t[0] ||
        !t[0]->string(Major::text, kLongestType, type))
        return std::nullopt;
    const auto it = std::find(kTypes.begin(), kTypes.end(), type);
    if (it == kTypes.end()) return std::nullopt;
    return static_cast<std::size_t>(it - kTypes.begin());
}

}  // namespace

std::optional<FileMessage> decode_file_message(std::span<const std::uint8_t> bytes) {
    const auto type = type_of(bytes);
    if (!type) return std::nullopt;
    return kDecoders[*type](bytes);
}

std::vector<std::uint8_t> encode_file_chunk(const TransferId& id, std::uint32_t file, std::uint64_t index,
                                            std::size_t length, std::span<const Hash> proof,
                                            const std::function<bool(std::span<std::uint8_t>)>& fill) {
    if (!valid_chunk(file, index, length, proof.size())) return {};
    Bytes out = open_map(6, length + proof.size() * sizeof(Hash));
    key(out, "d");
    cbor::put_head(out, Major::bytes, length);
    const std::size_t data_at = out.size();
    out.resize(data_at + length);
    if (!fill(std::span(out).subspan(data_at))) return {};
    key(out, "f");
    cbor::put_head(out, Major::uint, file);
    key(out, "i");
    cbor::put_head(out, Major::uint, index);
    key(out, "p");
    cbor::put_head(out, Major::bytes, proof.size() * sizeof(Hash));
    for (const Hash& h : proof) out.insert(out.end(), h.begin(), h.end());
    return close_map(std::move(out), kTypes[kChunkType], id);
}

std::optional<ChunkView> decode_chunk_view(std::span<const std::uint8_t> bytes) {
    if (type_of(bytes) != kChunkType) return std::nullopt;
    ChunkView v;
    std::string scratch;
    // Joined in scratch: not in place, so left to decode_file_message.
    if (!read_chunk(bytes, v, scratch) || !scratch.empty()) return std::nullopt;
    return v;
}

}  // namespace hallway::core::files
