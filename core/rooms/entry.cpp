#include "core/rooms/entry.hpp"

#include "transport/cbor.hpp"
#include "transport/messages.hpp"
#include "transport/wire.hpp"
#include "text/utf8.hpp"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace hallway::core::rooms {

namespace {

using transport::cbor::Major;
using Bytes = std::vector<std::uint8_t>;

constexpr std::array<Kind, 7> kAllKinds{Kind::create, Kind::text, Kind::add, Kind::remove,
                                        Kind::leave,  Kind::set,  Kind::admin};
constexpr std::string_view kRoomIdContext = "Hallway/1 room";

// The keys of an entry, in the order they are written (sorted as text strings, bytewise).
enum Field : std::size_t { fA, fBody, fK, fL, fM, fMn, fN, fName, fNonce, fOpen, fR, fSk, fTopic, fTs, kFieldCount };
constexpr std::array<std::string_view, kFieldCount> kFieldNames{"a", "body", "k",    "l", "m",  "mn",    "n",
                                                                "name", "nonce", "open", "r", "sk", "topic", "ts"};
using FieldSet = std::uint32_t;
constexpr FieldSet bit(Field f) { return FieldSet{1} << f; }
constexpr FieldSet kCommon = bit(fA) | bit(fK) | bit(fL) | bit(fN) | bit(fR) | bit(fTs);
constexpr FieldSet kSettings = bit(fName) | bit(fTopic) | bit(fOpen);

// Exactly the fields an entry of this kind has: each one required, any other defined one refused.
FieldSet fields_of(Kind k) {
    switch (k) {
    case Kind::create: return kCommon | kSettings | bit(fNonce) | bit(fSk);
    case Kind::text: return kCommon | bit(fBody);
    case Kind::add: return kCommon | bit(fSk) | bit(fM) | bit(fMn);
    case Kind::remove:
    case Kind::admin: return kCommon | bit(fM);
    case Kind::leave: return kCommon;
    case Kind::set: return kCommon | kSettings;
    }
    return 0;
}

// Seq and lamport are stored in SQLite's signed 64-bit integers.
constexpr std::uint64_t kMaxCounter = std::numeric_limits<std::int64_t>::max();

// A room name is shown as a title: no control characters (C0, DEL, C1).
bool plain_name(std::string_view s) {
    if (s.empty()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) return false;
        if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xa0) return false;
    }
    return true;
}

// One item's value, read by the decoder.
struct Item {
    std::span<const std::uint8_t> bytes;

    std::optional<std::uint64_t> uint() const {
        transport::cbor::Reader r(bytes);
        transport::cbor::Head h;
        if (!r.head(h) || h.major != Major::uint) return std::nullopt;
        return h.arg;
    }
    std::optional<std::string_view> string(Major major, std::string& scratch) const {
        transport::cbor::Reader r(bytes);
        transport::cbor::Head h;
        std::string_view s;
        if (!r.head(h) || !r.string_body(h, major, scratch, s)) return std::nullopt;
        return s;
    }
    template <std::size_t N>
    bool fixed(std::array<std::uint8_t, N>& out) const {
        std::string scratch;
        const auto s = string(Major::bytes, scratch);
        if (!s || s->size() != N) return false;
        std::memcpy(out.data(), s->data(), N);
        return true;
    }
    // At most max bytes as sent, then valid UTF-8 cut back to max at a character boundary.
    bool text(std::string& out, std::size_t max) const {
        std::string scratch;
        const auto s = string(Major::text, scratch);
        if (!s || s->size() > max) return false;
        out = transport::sanitize_utf8(*s);
        out.resize(text::cut_at_char_boundary(out, max).size());
        return true;
    }
};

// The top-level map: each defined key's value, once. Unknown keys (and keys
// that are not text) are skipped; a defined key twice refuses the entry.
bool read_fields(std::span<const std::uint8_t> bytes, std::array<std::optional<Item>, kFieldCount>& out) {
    return transport::cbor::read_text_keyed_map(bytes, [&](std::string_view name, std::span<const std::uint8_t> value) {
        const auto it = std::find(kFieldNames.begin(), kFieldNames.end(), name);
        if (it == kFieldNames.end()) return true;
        auto& slot = out[static_cast<std::size_t>(it - kFieldNames.begin())];
        if (slot) return false;
        slot = Item{value};
        return true;
    });
}

std::optional<Kind> kind_named(std::string_view name) {
    for (Kind k : kAllKinds)
        if (to_string(k) == name) return k;
    return std::nullopt;
}

std::optional<Entry> from_fields(const std::array<std::optional<Item>, kFieldCount>& f) {
    std::string scratch;
    const auto kind_text = f[fK] ? f[fK]->string(Major::text, scratch) : std::nullopt;
    const auto kind = kind_text ? kind_named(*kind_text) : std::nullopt;
    if (!kind) return std::nullopt;
    const FieldSet want = fields_of(*kind);
    for (std::size_t i = 0; i < kFieldCount; ++i)
        if (f[i].has_value() != ((want & bit(static_cast<Field>(i))) != 0)) return std::nullopt;

    Entry e;
    e.kind = *kind;
    const auto seq = f[fN]->uint();
    const auto lamport = f[fL]->uint();
    const auto ts = f[fTs]->uint();
    if (!seq || !lamport || !ts || *seq == 0 || *lamport == 0 || *seq > kMaxCounter || *lamport > kMaxCounter)
        return std::nullopt;
    e.seq = *seq;
    e.lamport = *lamport;
    e.sent_at_ms = *ts;
    if (!f[fA]->fixed(e.author) || !f[fR]->fixed(e.room)) return std::nullopt;
    if (f[fBody] && !f[fBody]->text(e.body, transport::wire::kMaxTextBody)) return std::nullopt;
    if (f[fName] && (!f[fName]->text(e.name, kMaxRoomName) || !plain_name(e.name))) return std::nullopt;
    if (f[fTopic] && !f[fTopic]->text(e.topic, kMaxRoomTopic)) return std::nullopt;
    if (f[fOpen]) {
        const auto open = f[fOpen]->uint();
        if (!open || *open > 1) return std::nullopt;
        e.open = *open == 1;
    }
    if (f[fNonce] && !f[fNonce]->fixed(e.nonce)) return std::nullopt;
    if (f[fSk] && !f[fSk]->fixed(e.sign_key)) return std::nullopt;
    if (f[fM] && !f[fM]->fixed(e.member)) return std::nullopt;
    if (f[fMn] && !f[fMn]->text(e.member_nick, transport::wire::kMaxNick)) return std::nullopt;
    // The create starts the log: its author's first entry, before every other.
    if (e.kind == Kind::create && (e.seq != 1 || e.lamport != 1)) return std::nullopt;
    return e;
}

void put_key(Bytes& out, Field f) { transport::cbor::put_text(out, kFieldNames[f]); }

}  // namespace

std::string_view to_string(Kind k) {
    switch (k) {
    case Kind::create: return "create";
    case Kind::text: return "text";
    case Kind::add: return "add";
    case Kind::remove: return "remove";
    case Kind::leave: return "leave";
    case Kind::set: return "set";
    case Kind::admin: return "admin";
    }
    return "?";
}

std::vector<std::uint8_t> encode(const Entry& e) {
    const FieldSet has = fields_of(e.kind);
    Bytes out;
    out.reserve(256 + e.body.size());
    transport::cbor::put_head(out, Major::map, static_cast<std::uint64_t>(std::popcount(has)));
    // Every field in kFieldNames order, when the kind has it.
    for (std::size_t i = 0; i < kFieldCount; ++i) {
        const auto f = static_cast<Field>(i);
        if ((has & bit(f)) == 0) continue;
        put_key(out, f);
        switch (f) {
        case fA: transport::cbor::put_bytes(out, e.author); break;
        case fBody: transport::cbor::put_text(out, transport::sanitize_utf8(e.body)); break;
        case fK: transport::cbor::put_text(out, to_string(e.kind)); break;
        case fL: transport::cbor::put_head(out, Major::uint, e.lamport); break;
        case fM: transport::cbor::put_bytes(out, e.member); break;
        case fMn: transport::cbor::put_text(out, transport::sanitize_utf8(e.member_nick)); break;
        case fN: transport::cbor::put_head(out, Major::uint, e.seq); break;
        case fName: transport::cbor::put_text(out, transport::sanitize_utf8(e.name)); break;
        case fNonce: transport::cbor::put_bytes(out, e.nonce); break;
        case fOpen: transport::cbor::put_head(out, Major::uint, e.open ? 1 : 0); break;
        case fR: transport::cbor::put_bytes(out, e.room); break;
        case fSk: transport::cbor::put_bytes(out, e.sign_key); break;
        case fTopic: transport::cbor::put_text(out, transport::sanitize_utf8(e.topic)); break;
        case fTs: transport::cbor::put_head(out, Major::uint, e.sent_at_ms); break;
        case kFieldCount: break;
        }
    }
    // Never write what no member would accept (a field over its bound, seq 0...).
    if (out.size() > kMaxEntryBytes || !decode(out)) return {};
    return out;
}

std::optional<Entry> decode(std::span<const std::uint8_t> bytes) {
    std::array<std::optional<Item>, kFieldCount> fields;
    if (bytes.size() > kMaxEntryBytes || !read_fields(bytes, fields)) return std::nullopt;
    return from_fields(fields);
}

SignedEntry sign(const Entry& e, const crypto::SigningKey& key) {
    SignedEntry s;
    s.bytes = encode(e);
    if (!s.bytes.empty()) s.signature = crypto::sign(key, kEntrySignatureContext, s.bytes);
    return s;
}

bool signature_valid(const SignedEntry& s, const crypto::SignPublicKey& key) {
    return crypto::verify(key, kEntrySignatureContext, s.bytes, s.signature);
}

RoomId room_id(const PeerKey& creator, const crypto::SignPublicKey& sign_key, const Nonce& nonce) {
    RoomId id{};
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, id.size());
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(kRoomIdContext.data()),
                              kRoomIdContext.size());
    crypto_generichash_update(&state, creator.data(), creator.size());
    crypto_generichash_update(&state, sign_key.data(), sign_key.size());
    crypto_generichash_update(&state, nonce.data(), nonce.size());
    crypto_generichash_final(&state, id.data(), id.size());
    return id;
}

MessageId entry_id(const SignedEntry& s) {
    MessageId id{};
    crypto_generichash(id.data(), id.size(), s.bytes.data(), s.bytes.size(), nullptr, 0);
    return id;
}

}  // namespace hallway::core::rooms
