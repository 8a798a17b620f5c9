#pragma once
// Limits on what a link-local XMPP peer may make us parse (docs/XMPP-BRIDGE-DESIGN.md §4.5).
// Anyone on the LAN can open a stream, so every byte they send is bounded: one
// place for the numbers so the parser, the tests and the docs agree.
#include <chrono>
#include <cstddef>

namespace hallway::xmpp {

// Bytes up to and including the '>' of the <stream:stream> start tag (XML declaration included).
inline constexpr std::size_t kMaxHeaderBytes = 4096;
// Bytes of one stanza, from its start tag to its end tag.
inline constexpr std::size_t kMaxStanzaBytes = 262144;
// Element depth: the stream root is 1, a stanza 2.
inline constexpr std::size_t kMaxDepth = 16;
inline constexpr std::size_t kMaxAttributes = 32;
// Local name of an element or attribute.
inline constexpr std::size_t kMaxNameBytes = 256;
// An attribute value (after unescaping); also bounds namespace URIs.
inline constexpr std::size_t kMaxAttributeValueBytes = 4096;
// Text of a message's <body> after unescaping (Hallway's `text` limit).
inline constexpr std::size_t kMaxBodyBytes = 65536;
// Everything expat allocates for one stream plus the stanza tree being built.
inline constexpr std::size_t kMaxParserMemory = 1024 * 1024;

// One stream (xmpp/conversation.hpp).
// Stanzas from the peer: a token bucket of kStanzaBurst refilled at
// kStanzasPerSecond; one more is a <policy-violation/> and the stream closes.
inline constexpr std::size_t kStanzaBurst = 50;
inline constexpr std::size_t kStanzasPerSecond = 20;
// Waiting for the peer's stream header: we dialed / they dialed.
inline constexpr std::chrono::milliseconds kDialHeaderTimeout{5000};
inline constexpr std::chrono::milliseconds kAcceptHeaderTimeout{10000};
// Responder: a header whose `from` discovery does not know yet is held this
// long (a fresh peer's announcement may be on its way), then <invalid-from/>.
inline constexpr std::chrono::milliseconds kIdentifyWait{3000};
// Bytes after such a header held unparsed meanwhile (libpurple sends none:
// it waits for our header).
inline constexpr std::size_t kMaxHeldBytes = 16384;
// No stanza either way for this long: we close (libpurple reopens on need).
inline constexpr std::chrono::milliseconds kIdleStreamTimeout{300000};
// After our </stream:stream>, how long we wait for theirs.
inline constexpr std::chrono::milliseconds kLingerTimeout{2000};
// Messages queued until the peer's header arrives (text bytes).
inline constexpr std::size_t kMaxQueuedBytes = 1024 * 1024;

// Presence in DNS-SD TXT records (xmpp/presence_txt.hpp).
// One TXT character-string has a one-byte length (RFC 6763 §6.1), "key=value" included.
inline constexpr std::size_t kMaxTxtStringBytes = 255;
// A peer's status message ("msg") and nickname ("nick") after sanitizing (§4.4).
inline constexpr std::size_t kMaxPresenceMessageBytes = 256;
inline constexpr std::size_t kMaxPresenceNickBytes = 64;
// A peer's "1st" and "last": display-only, as short as a nick.
inline constexpr std::size_t kMaxPresenceNameBytes = 64;
// The user part of the instance name we announce (user@host), derived from the nick.
inline constexpr std::size_t kMaxInstanceUserBytes = 32;

}  // namespace hallway::xmpp
