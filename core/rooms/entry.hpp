#pragma once
// A room entry: one signed, immutable record of a room's log (a message, or a
// change of membership or settings), the unit of store and forward between
// members (docs/PROTOCOL.md §11). Encoding, decoding, signing and checking one
// entry on its own; what it means for the room is room_state.hpp. Pure.
#include "core/store.hpp"
#include "crypto/signing.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::core::rooms {

using RoomId = std::array<std::uint8_t, 16>;
using Nonce = std::array<std::uint8_t, 16>;

// Bounds (docs/PROTOCOL.md §11.6), enforced when decoding.
inline constexpr std::size_t kMaxRoomName = 64;
inline constexpr std::size_t kMaxRoomTopic = 256;
// Members at once: a room is a team or a hall's channel; the version vector of
// every sync carries one slot per author, so the count bounds its size.
inline constexpr std::size_t kMaxRoomMembers = 256;
// Distinct authors a room's log may hold (members come and go over time).
inline constexpr std::size_t kMaxRoomAuthors = 1024;
// One encoded entry: a text body of wire::kMaxTextBody plus its fields.
inline constexpr std::size_t kMaxEntryBytes = 64 * 1024 + 1024;
// Signature context (§11.2).
inline constexpr std::string_view kEntrySignatureContext = "Hallway/1 room entry";

enum class Kind { create, text, add, remove, leave, set, admin };
std::string_view to_string(Kind k);

struct Entry {
    RoomId room{};
    PeerKey author{};                 // the author's static (Noise) key
    std::uint64_t seq = 0;            // 1, 2, 3... per author per room
    std::uint64_t lamport = 0;        // > every entry the author had seen
    std::uint64_t sent_at_ms = 0;     // author's clock
    Kind kind = Kind::text;
    std::string body;                 // text
    std::string name;                 // create, set
    std::string topic;                // create, set
    bool open = false;                // create, set
    Nonce nonce{};                    // create
    crypto::SignPublicKey sign_key{}; // create: the creator's; add: the member's
    PeerKey member{};                 // add, remove, admin
    std::string member_nick;          // add
};

// The bytes that were signed, kept exactly as received: re-encoding is never
// needed to relay or check an entry.
struct SignedEntry {
    std::vector<std::uint8_t> bytes;
    crypto::Signature signature{};
    bool operator==(const SignedEntry&) const = default;
};

// Keys sorted, definite lengths, shortest heads; text made valid UTF-8. Empty
// when the entry would not decode (a field over its bound, a name empty or
// with control characters, seq or lamport 0 or not below 2^63): never cut.
std::vector<std::uint8_t> encode(const Entry& e);
// nullopt: not an entry (bad CBOR, missing or ill-typed field, over a bound,
// seq or lamport 0 or not below 2^63, a field of another kind, a key twice, a
// create not seq 1 lamport 1). Unknown keys are ignored. Never throws.
std::optional<Entry> decode(std::span<const std::uint8_t> bytes);

// bytes empty (nothing signed) when encode() refuses the entry.
SignedEntry sign(const Entry& e, const crypto::SigningKey& key);
bool signature_valid(const SignedEntry& s, const crypto::SignPublicKey& key);

// BLAKE2b-128("Hallway/1 room" || creator || creator's signing key || nonce):
// a create entry names its room, so nobody can write another create for it.
RoomId room_id(const PeerKey& creator, const crypto::SignPublicKey& sign_key, const Nonce& nonce);
// The entry's id for people and receipts: BLAKE2b-128 of its signed bytes.
MessageId entry_id(const SignedEntry& s);

}  // namespace hallway::core::rooms
