#pragma once
// The TXT record of our _hallway._tcp service (RFC 6763 §6): pure parse and
// serialize, no Avahi. Keys: "v" (protocol version), "fp" (fingerprint of the
// static key, 40 decimal digits), "nick" (display name, UTF-8); a private
// node's record has only "v" and "pt" (salt || tag, 64 hex digits: core/private_mode.hpp).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::discovery {

// The presence format version we publish. Peers with another version are still
// parsed so the caller can say "incompatible version" instead of ignoring them.
inline constexpr std::uint32_t kTxtVersion = 1;
// crypto::fingerprint() renders the static key as this many decimal digits.
inline constexpr std::size_t kFingerprintDigits = 40;
// Display names are short labels; the limit keeps TXT records well under one
// mDNS packet and the UI lines readable.
inline constexpr std::size_t kMaxNickBytes = 64;
// One TXT character-string has a one-byte length (RFC 6763 §6.1): anything
// longer cannot have come off the wire and is ignored.
inline constexpr std::size_t kMaxTxtEntryBytes = 255;

// A private record's "pt": 16 bytes of salt and 16 of tag, in hex.
inline constexpr std::size_t kPrivateTagHexDigits = 64;

struct TxtInfo {
    std::uint32_t version = kTxtVersion;
    std::string fingerprint;  // empty for a private record
    std::string nick;
    std::string private_tag;  // a private record's "pt", lower-case hex; empty otherwise
    bool operator==(const TxtInfo&) const = default;
};

// True if `fp` is exactly kFingerprintDigits ASCII digits.
bool is_valid_fingerprint(std::string_view fp);
// True if `pt` is exactly kPrivateTagHexDigits lower-case hex digits.
bool is_valid_private_tag(std::string_view pt);

// A private record names no fingerprint; discovery reports it (Sighting::fingerprint,
// on_lost) under this id instead: the prefix and its tag, unique to that node's start.
inline constexpr std::string_view kPrivateIdPrefix = "pt:";
std::string private_peer_id(std::string_view private_tag);
// The tag of a private_peer_id(), or empty for a fingerprint.
std::string_view private_tag_of(std::string_view peer_id);

// Makes `nick` displayable: invalid UTF-8 becomes U+FFFD, control characters
// (and bidi overrides, which can disguise a name) are removed, and the result
// is cut to kMaxNickBytes at a character boundary. Idempotent.
std::string sanitize_nick(std::string_view nick);

// Parses raw TXT strings ("key=value"). Keys are case-insensitive, the first
// occurrence of a key wins (RFC 6763 §6.4), unknown keys, entries without "="
// and oversized entries are ignored. nullopt when "v" is missing or not a
// decimal number, or "fp" is missing or not 40 digits. A version other than
// kTxtVersion is returned as is. The nick is passed through sanitize_nick.
// Without "fp", a "pt" of 64 hex digits (either case, returned lower-case)
// makes a private record (no nick); with "fp", "pt" is ignored.
std::optional<TxtInfo> parse_txt(const std::vector<std::string>& entries);

// A DNS label holds at most 63 bytes (RFC 1035 §2.3.4); the instance name is one label.
inline constexpr std::size_t kMaxServiceNameBytes = 63;

// The DNS-SD instance name we publish for `nick`: the sanitized nick cut to
// kMaxServiceNameBytes at a character boundary, or "Hallway <first 8 fp digits>"
// when the nick is empty.
std::string service_instance_name(std::string_view nick, std::string_view fingerprint);
// A private node's instance name: "Hallway " and the first 8 hex digits of its
// tag (of the salt: random, new on every start). Nothing in it names the node.
std::string private_instance_name(std::string_view private_tag);

// The TXT strings for `info` (nick sanitized): v, fp, nick; or only v and pt
// when private_tag is set. parse_txt(serialize_txt(x)) == x for every x with
// a valid fingerprint and an already sanitized nick, or a valid private_tag alone.
std::vector<std::string> serialize_txt(const TxtInfo& info);

}  // namespace hallway::discovery
