#pragma once
// Application messages carried inside Noise transport messages, and the hello
// carried in handshake payloads. Encoding (CBOR maps, forward compatible) is in
// messages.cpp and docs/PROTOCOL.md. Pure functions: no I/O.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hallway::transport {

using MessageId = std::array<std::uint8_t, 16>;

// Sent in handshake messages 2 (responder) and 3 (initiator).
struct Hello {
    std::uint32_t version = 1;
    std::string nick;
    std::vector<std::string> capabilities;
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

// Everything a session can carry. Unknown types decode to std::nullopt and are skipped.
using Message = std::variant<Text, Ack, Status, Ping, Pong, Close>;
// What the transport hands to the layer above (ping/pong/close stay inside).
using AppMessage = std::variant<Text, Ack, Status>;

std::vector<std::uint8_t> encode(const Message& m);
// encode() through the general CBOR encoder only (encode() writes Text by hand,
// byte for byte the same); tests check that the two agree.
std::vector<std::uint8_t> encode_generic(const Message& m);
// nullopt: not a message we know (unknown type, or a known type with missing/ill-typed
// fields); the caller skips it. Never throws.
std::optional<Message> decode(std::span<const std::uint8_t> bytes);

// decode() that also tells the two nullopt cases apart: a message to skip (CBOR map
// with a text "t" we do not know, or a known type with missing/ill-typed fields)
// versus bytes that are not a CBOR map with a text "t" at all (the session closes).
enum class DecodeStatus { ok, skipped, malformed };
std::string_view to_string(DecodeStatus s);
DecodeStatus decode_checked(std::span<const std::uint8_t> bytes, std::optional<Message>& out);
// decode_checked() through the general CBOR decoder only, without the fast path
// that decode_checked() takes for Text; tests check that the two agree.
DecodeStatus decode_checked_generic(std::span<const std::uint8_t> bytes, std::optional<Message>& out);

// Text fields are UTF-8: invalid sequences are replaced by U+FFFD, both when
// encoding and when decoding, so no layer above ever sees invalid UTF-8.
std::string sanitize_utf8(std::string_view s);

std::vector<std::uint8_t> encode_hello(const Hello& h);
std::optional<Hello> decode_hello(std::span<const std::uint8_t> bytes);

}  // namespace hallway::transport
