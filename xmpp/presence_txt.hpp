#pragma once
// XEP-0174 presence in the TXT record of a _presence._tcp service: pure build
// and parse, no Avahi (docs/XMPP-BRIDGE-DESIGN.md §4.2, §4.4). Link-local XMPP has no
// <presence/> stanzas; a TXT change is the presence change.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::xmpp {

// Mirrors Hallway's profile presence ("available" / "away" / "busy",
// core/profile.hpp) without depending on core.
enum class Presence { available, away, busy };

// What we announce.
struct LinkLocalPresence {
    Presence status = Presence::available;
    std::string message;  // "msg"; omitted when empty
    std::string nick;     // "nick"; omitted when empty
};

// The TXT strings for our record, in this order and nothing else:
// txtvers=1, port.p2pj=PORT, status=avail|away|dnd, msg=… (if set), nick=… (if set).
// Text is sanitized like a peer's (UTF-8 repaired, controls stripped) and each
// string cut to kMaxTxtStringBytes on a character boundary.
std::vector<std::string> build_txt(const LinkLocalPresence& presence, std::uint16_t port);

// What a peer announces, sanitized and bounded.
struct PeerPresence {
    Presence status = Presence::available;
    std::string message;  // "msg", ≤ kMaxPresenceMessageBytes
    std::string nick;     // "nick", ≤ kMaxPresenceNickBytes
    std::string first;    // "1st", ≤ kMaxPresenceNameBytes
    std::string last;     // "last", ≤ kMaxPresenceNameBytes
    // "port.p2pj" when it is a decimal 1..65535. Informational only: XEP-0174
    // says receivers MUST use the SRV port.
    std::optional<std::uint16_t> port_p2pj;
    bool libpurple = false;  // node=libpurple (Pidgin, Finch, …)
    bool operator==(const PeerPresence&) const = default;
};

// Parses raw TXT strings ("key=value"). Keys are ASCII case-insensitive; the
// first occurrence of a key wins, even when it is a boolean (no '=', RFC 6763
// §6.4), which then hides later values of that key; booleans carry nothing we
// use. Unknown keys are ignored, no key is required (an empty record is an
// available peer). Values: invalid UTF-8 becomes U+FFFD, control characters and
// bidi overrides are removed, then the value is cut on a character boundary.
// Strings longer than a TXT string can be are accepted; the field caps bound them.
// status: avail→available, away→away, dnd→busy, absent/unknown→available;
// with node=libpurple, dnd→away (libpurple publishes its Away as dnd).
PeerPresence parse_txt(const std::vector<std::string>& strings);

// The name to show for a peer: its nick, else "1st last" trimmed, else the
// user part of `instance` (the whole instance when it does not split).
std::string display_name(const PeerPresence& peer, std::string_view instance);

// The user part we announce for `hallway_nick`: each ASCII space becomes '-',
// every byte outside [A-Za-z0-9._-] is dropped (so all non-ASCII, and '@'),
// leading and trailing '-' and '.' are trimmed, the result is cut to
// kMaxInstanceUserBytes (and trimmed again); "hallway" when nothing is left.
// E.g. "Zoë Smith!" → "Zo-Smith". Never the Unix user, a key or a fingerprint.
std::string instance_user(std::string_view hallway_nick);

// "user@host", the presence name (our "from" on every stream and stanza).
std::string instance_name(std::string_view user, std::string_view host);

struct InstanceName {
    std::string user;
    std::string host;
    bool operator==(const InstanceName&) const = default;
};
// Splits at the last '@' (the user part may contain '@', the host may not).
// nullopt without '@', with an empty user or host, or when the host is not
// printable ASCII (XEP-0174: the machine part MUST be ASCII).
std::optional<InstanceName> split_instance(std::string_view instance);

}  // namespace hallway::xmpp
