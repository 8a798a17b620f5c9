#pragma once
// Application messages carried inside Noise transport messages, and the hello
// carried in handshake payloads. Encoding (CBOR maps, forward compatible) is in
// messages.cpp and docs/PROTOCOL.md. Pure functions: no I/O.
#include "transport/wire.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hallway::transport {

using MessageId = std::array<std::uint8_t, 16>;
using RoomId = std::array<std::uint8_t, 16>;
using KeyBytes = std::array<std::uint8_t, 32>;  // a static (Noise) or signing public key
using SignatureBytes = std::array<std::uint8_t, 64>;  // Ed25519

// A peer may hold two sessions with us (docs/PROTOCOL.md §6.3): the chat lane
// for everything but files, and the files lane for file_* messages only, so a
// chat line never waits behind file chunks in one TCP stream.
enum class Lane { chat, files };
// The Hello "lane" value: "" for chat, "files".
std::string_view to_string(Lane lane);
// nullopt: a lane this version does not know (the session is closed, "unknown lane").
std::optional<Lane> lane_from(std::string_view name);

// Sent in handshake messages 2 (responder) and 3 (initiator).
struct Hello {
    std::uint32_t version = 1;
    std::string nick;
    std::vector<std::string> capabilities;
    // Ed25519 public key the peer signs room entries with (§11.1); absent from
    // peers that do not speak rooms.
    std::optional<KeyBytes> sign_key = std::nullopt;
    // The initiator's lane (to_string(Lane)), decoded as sent (at most
    // wire::kMaxCapabilityName bytes); empty for chat. A responder's is ignored.
    std::string lane = {};
    // The port the sender listens on (0: not said): a peer that only ever
    // reached us can still be dialed back, at the session's address (§4.2).
    std::uint16_t port = 0;

    // Whether capabilities names this one (unknown ones are simply never asked for).
    bool lists(std::string_view capability) const {
        return std::find(capabilities.begin(), capabilities.end(), capability) != capabilities.end();
    }
};

struct Text {
    MessageId id{};
    std::uint64_t sent_at_ms = 0;  // sender's clock, ms since the Unix epoch
    std::string body;              // UTF-8
};
struct Ack {
    MessageId id{};
};
// Presence and display name, sent when a session opens and whenever they change.
struct Status {
    std::string presence;  // "available", "away", "busy"
    std::string message;
    std::string nick;
    // "svc": the DNS-SD instance name the sender publishes its _hallway._tcp
    // service under (docs/PROTOCOL.md §6.5); empty when it publishes none.
    std::string instance;
};
// "This peer vanished": sent along the presence ring by the neighbour that
// watched it (docs/PROTOCOL.md §6.4). A claim, not a proof: a receiver checks.
struct Gone {
    std::array<std::uint8_t, 32> key{};  // the vanished peer's static public key
};
struct Ping {
    std::uint64_t nonce = 0;
};
struct Pong {
    std::uint64_t nonce = 0;
};
struct Close {
    std::string reason;
};

// Rooms (docs/PROTOCOL.md §11). The transport checks shapes and bounds only;
// what an entry says and who may send what is core/rooms'.
// One signed room entry, its bytes exactly as signed (never re-encoded).
struct RoomEntry {
    std::vector<std::uint8_t> entry;  // at most wire::kMaxRoomEntry bytes
    SignatureBytes signature{};
};
// What the sender holds of a room: per author, the highest contiguous seq.
struct RoomSync {
    RoomId room{};
    std::vector<std::pair<KeyBytes, std::uint64_t>> have;  // distinct authors, at most wire::kMaxRoomAuthors
};
// The sender holds author's entries 1..seq of the room.
struct RoomAck {
    RoomId room{};
    KeyBytes author{};
    std::uint64_t seq = 0;
};
// The sender added the receiver to the room.
struct RoomInvite {
    RoomId room{};
    std::string name;
};
// The sender asks to be added to an open room.
struct RoomJoin {
    RoomId room{};
};
// Which open rooms is the receiver a member of?
struct RoomsQuery {};
struct ListedRoom {
    RoomId room{};
    std::string name;
    std::string topic;
    std::uint64_t members = 0;  // "count" on the wire
};
// The answer to RoomsQuery.
struct RoomsList {
    std::vector<ListedRoom> rooms;  // at most wire::kMaxListedRooms
};

// Sharing addresses (docs/PROTOCOL.md §13). The transport checks shapes and
// bounds only; whom to ask and what to answer is core/address_sharing's.
using WhereSalt = std::array<std::uint8_t, wire::kWhereSaltLen>;
using WhereTag = std::array<std::uint8_t, wire::kWhereTagLen>;
// "Where are these peers?": each tag names a static key only to whoever holds it.
struct Where {
    WhereSalt salt{};
    std::vector<WhereTag> tags;  // "q": at most wire::kMaxWhereKeys
};
struct SharedPeer {
    KeyBytes key{};
    std::vector<std::string> addresses;  // "a": "host:port", at most wire::kMaxSharedAddresses
};
// The answer to a Where (its salt): the asked peers the sender may tell of.
struct Here {
    WhereSalt salt{};
    std::vector<SharedPeer> peers;  // at most wire::kMaxWhereKeys
};

// Nearby (docs/PROTOCOL.md §6.5): peers the sender met on its link, each
// with where it listens. A hint: the receiver dials them expecting each key.
struct Nearby {
    std::vector<SharedPeer> peers;  // at most wire::kMaxNearbyPeers
};

// Read receipts and typing (docs/PROTOCOL.md §14). The transport checks
// shapes and bounds only; who may send what is core's.
// "I showed my person these texts of yours" (ids as the receiver sent them).
struct Read {
    std::vector<MessageId> ids;  // 1 .. wire::kMaxReadIds
};
// "My person is typing to you" (on) or "stopped" (the input emptied).
struct Typing {
    bool on = false;
};

// A file_* message (docs/PROTOCOL.md §12): the exact bytes of its CBOR map,
// which core/files decodes. Carried on the files lane only.
struct FileData {
    std::vector<std::uint8_t> bytes;
};

// Everything a session can carry. Unknown types decode to std::nullopt and are skipped.
// Status.presence decodes to one of the three values named above.
using Message = std::variant<Text, Ack, Status, Gone, Ping, Pong, Close, RoomEntry, RoomSync, RoomAck, RoomInvite,
                             RoomJoin, RoomsQuery, RoomsList, Where, Here, Read, Typing, FileData, Nearby>;
// What the transport hands to the layer above on the chat lane (ping/pong/close
// stay inside; FileData travels on the files lane, handed up as bytes).
using AppMessage =
    std::variant<Text, Ack, Status, Gone, RoomEntry, RoomSync, RoomAck, RoomInvite, RoomJoin, RoomsQuery, RoomsList,
                 Where, Here, Read, Typing, Nearby>;

// CBOR as senders write it (definite lengths, shortest heads, keys sorted as
// text strings); every text field is valid UTF-8 within its wire.hpp bound:
// names, status and reasons are cut at a character boundary, but a text body
// is never cut (that would change what the person wrote): empty when the body,
// made valid UTF-8, is over wire::kMaxTextBody, and the message is not sent.
// Likewise a room entry over wire::kMaxRoomEntry (cutting breaks its signature);
// room_sync, rooms_list, where, here, nearby and read lists are cut to their bounds (a
// read of no ids is empty: not sent), and an
// address of a here or nearby over wire::kMaxAddressText or not valid UTF-8 is left out. FileData is written
// as it is (it is already a map): empty when over wire::kMaxMessage.
std::vector<std::uint8_t> encode(const Message& m);
// encode() of what the layer above sends, without copying it into a Message first.
std::vector<std::uint8_t> encode_app(const AppMessage& m);
// nullopt: not a message we know (unknown type, or a known type with a field
// missing, ill-typed, repeated or over its bound); the caller skips it. Never throws.
// A map whose "t" starts with "file_" decodes to FileData holding all of bytes.
std::optional<Message> decode(std::span<const std::uint8_t> bytes);

// decode() that also tells the two nullopt cases apart: a message to skip (a
// well-formed CBOR map with one text "t", of a type we do not know or with a bad
// field) versus bytes the session closes on: not well-formed CBOR, nested deeper
// than wire::kMaxNesting, bytes after the map, not a map, no text "t" or two.
// Any well-formed CBOR is read (indefinite lengths, long heads); keys we do not
// define, of any type and with values of any type, are skipped.
enum class DecodeStatus { ok, skipped, malformed };
std::string_view to_string(DecodeStatus s);
// owner: the vector bytes views, if any; a FileData then takes it (left empty)
// instead of a copy.
DecodeStatus decode_checked(std::span<const std::uint8_t> bytes, std::optional<Message>& out,
                            std::vector<std::uint8_t>* owner = nullptr);

// Text fields are UTF-8: each maximal subpart of an ill-formed sequence (Unicode
// §3.9) is replaced by one U+FFFD, both when encoding and when decoding, so no
// layer above ever sees invalid UTF-8.
std::string sanitize_utf8(std::string_view s);

// nullopt: refuse the peer (see docs/PROTOCOL.md §4.2). Version is returned as
// sent; the session refuses versions it does not speak.
std::vector<std::uint8_t> encode_hello(const Hello& h);
std::optional<Hello> decode_hello(std::span<const std::uint8_t> bytes);

}  // namespace hallway::transport
