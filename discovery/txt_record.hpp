#pragma once
// The TXT record of our _hallway._tcp service (RFC 6763 §6): pure parse and
// serialize, no Avahi. Keys: "v" (protocol version), "fp" (fingerprint of the
// static key, 40 decimal digits), "nick" (display name, UTF-8).
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

struct TxtInfo {
    std::uint32_t version = kTxtVersion;
    std::string fingerprint;
    std::string nick;
    bool operator==(const TxtInfo&) const = default;
};

// True if `fp` is exactly kFingerprintDigits ASCII digits.
bool is_valid_fingerprint(std::string_view fp);

// Makes `nick` displayable: invalid UTF-8 becomes U+FFFD, control characters
// (and bidi overrides, which can disguise a name) are removed, and the result
// is cut to kMaxNickBytes at a character boundary. Idempotent.
std::string sanitize_nick(std::string_view nick);

// Parses raw TXT strings ("key=value"). Keys are case-insensitive, the first
// occurrence of a key wins (RFC 6763 §6.4), unknown keys, entries without "="
// and oversized entries are ignored. nullopt when "v" is missing or not a
// decimal number, or "fp" is missing or not 40 digits. A version other than
// kTxtVersion is returned as is. The nick is passed through sanitize_nick.
std::optional<TxtInfo> parse_txt(const std::vector<std::string>& entries);

// A DNS label holds at most 63 bytes (RFC 1035 §2.3.4); the instance name is one label.
inline constexpr std::size_t kMaxServiceNameBytes = 63;

// The DNS-SD instance name we publish for `nick`: the sanitized nick cut to
// kMaxServiceNameBytes at a character boundary, or "Hallway <first 8 fp digits>"
// when the nick is empty.
std::string service_instance_name(std::string_view nick, std::string_view fingerprint);

// The TXT strings for `info` (nick sanitized). parse_txt(serialize_txt(x)) == x
// for every x with a valid fingerprint and an already sanitized nick.
std::vector<std::string> serialize_txt(const TxtInfo& info);

}  // namespace hallway::discovery
