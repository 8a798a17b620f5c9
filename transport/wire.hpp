#pragma once
// The whole Hallway/1 wire format in one place: every size, timeout and limit
// the transport enforces, each with the reason for its value. docs/PROTOCOL.md
// is the normative description; keep the two in step.
#include "rate_limit/source_rate_limiter.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hallway::transport::wire {

using std::chrono::milliseconds;

// Protocol version carried in Hello.v and the TXT record "v". Bumped only on an
// incompatible change; compatible additions use new map keys or message types.
inline constexpr std::uint32_t kVersion = 1;

// The TCP port a node listens on unless told otherwise (issue 16): a fixed one so a
// firewall rule can allow it (dist/ufw, dist/firewalld read it from here). It is
// only a default: when it is taken a node takes any free port, and the port
// announced in the SRV record (or given with --peer) is always the one to dial.
// In the IANA user range, not assigned there.
inline constexpr std::uint16_t kDefaultPort = 49100;

// The Noise protocol: mutual authentication without prior knowledge of the
// peer's key (XX), so a peer found by mDNS can be verified afterwards by fp.
inline constexpr std::string_view kProtocolName = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
// Mixed into the handshake hash: a peer speaking another application or
// version over the same Noise suite fails the handshake instead of confusing us.
inline constexpr std::string_view kPrologue = "Hallway/1 Noise_XX_25519_ChaChaPoly_BLAKE2b";
// The other handshake (issue 17, docs/PROTOCOL.md §4.2): for an initiator that
// already knows the responder's static key. The responder's key never crosses
// the wire, and a stranger's msg1 (made without our key) fails to decrypt, so a
// private node reveals nothing to it. Same suite, its own prologue.
inline constexpr std::string_view kProtocolNameIk = "Noise_IK_25519_ChaChaPoly_BLAKE2b";
inline constexpr std::string_view kPrologueIk = "Hallway/1 Noise_IK_25519_ChaChaPoly_BLAKE2b";
// When both Hellos list this capability, the session's transport messages use
// AESGCM instead of ChaChaPoly under the same keys (§4.2): with AES-NI it is
// about twice as fast, and a files lane is bound by its cipher.
inline constexpr std::string_view kAesGcmCapability = "aesgcm";

// Frame = 2-byte big-endian length + one Noise message. Noise caps a message at
// 65535 bytes, which is exactly what a 16-bit length can say.
inline constexpr std::size_t kFrameHeaderLen = 2;
inline constexpr std::size_t kMaxFrameBody = 65535;
inline constexpr std::size_t kDhLen = 32;
inline constexpr std::size_t kTagLen = 16;

// Handshake message sizes, checked from the length header before decryption.
// msg1 -> e with an empty cleartext payload: exactly one public key.
inline constexpr std::size_t kMsg1Len = kDhLen;
// msg2 <- e, ee, s, es, payload: e + encrypted s (key + tag) + encrypted Hello (tag at least).
inline constexpr std::size_t kMinMsg2Len = kDhLen + (kDhLen + kTagLen) + kTagLen;
// msg3 -> s, se, payload: encrypted s + encrypted Hello.
inline constexpr std::size_t kMinMsg3Len = (kDhLen + kTagLen) + kTagLen;
// IK msg1 -> e, es, s, ss, payload: e + encrypted s + encrypted Hello. Longer
// than an XX msg1 (kMsg1Len), so the responder tells the two apart by length.
inline constexpr std::size_t kMinIkMsg1Len = kDhLen + (kDhLen + kTagLen) + kTagLen;
// IK msg2 <- e, ee, se, payload: e + encrypted Hello.
inline constexpr std::size_t kMinIkMsg2Len = kDhLen + kTagLen;
// A transport message carries at least the fragment flag byte plus the tag.
inline constexpr std::size_t kFlagLen = 1;
inline constexpr std::size_t kMinTransportLen = kFlagLen + kTagLen;

// Fragment flag: first plaintext byte of every transport message.
inline constexpr std::uint8_t kFlagLast = 0x00;  // last (or only) chunk of a message
inline constexpr std::uint8_t kFlagMore = 0x01;  // more chunks of the same message follow
// Largest chunk one transport message can carry (frame body minus tag minus flag).
inline constexpr std::size_t kMaxChunk = kMaxFrameBody - kTagLen - kFlagLen;

// Largest reassembled application message: a long text is far smaller; the cap
// bounds the memory one peer can make us hold. Files will need their own chunking.
inline constexpr std::size_t kMaxMessage = 1024 * 1024;

// Largest encoded Hello (a nick of 64 bytes and a few capability names fit many
// times over); it is read before the peer is known, so it stays small.
inline constexpr std::size_t kMaxHello = 4096;
// Longest nick in bytes (UTF-8), the same bound as the TXT record's "nick".
inline constexpr std::size_t kMaxNick = 64;
// Longest capability list in a Hello (unknown capabilities are ignored anyway).
inline constexpr std::size_t kMaxCapabilities = 32;
// Longest capability name: registry names are short words.
inline constexpr std::size_t kMaxCapabilityName = 32;

// Field bounds every receiver enforces at decode time (a message over one is
// skipped, a Hello over one refused), so no field can grow what a peer makes us
// store, show or send to the control socket. Senders never exceed them.
// A text is a chat line, not a file: 64 KiB keeps one message well inside the
// reassembly limit and the window's text layout fast. One limit for both sides.
inline constexpr std::size_t kMaxTextBody = 64 * 1024;
// A status line ("in a meeting until 3"), shown next to a name in a list.
inline constexpr std::size_t kMaxStatusMessage = 256;
// presence is one of a few short words; unknown ones are shown as available.
inline constexpr std::size_t kMaxPresence = 32;
// A close reason is a short human-readable phrase.
inline constexpr std::size_t kMaxCloseReason = 256;
// Rooms (docs/PROTOCOL.md §11).
// One signed room entry: a text of kMaxTextBody plus the entry's other fields
// (keys, ids, numbers: under 200 bytes) with room to spare. core/rooms checks
// entries against this same number.
inline constexpr std::size_t kMaxRoomEntry = kMaxTextBody + 1024;
// Distinct authors a room's log may hold: one room_sync vector slot each, so it
// bounds a sync message (1024 slots of ~45 bytes, well inside kMaxMessage).
inline constexpr std::size_t kMaxRoomAuthors = 1024;
// Rooms in one rooms_list answer: a chooser list, not a directory.
inline constexpr std::size_t kMaxListedRooms = 64;
// A room name is a short label shown in lists, like a nick.
inline constexpr std::size_t kMaxRoomName = 64;
// A topic is a line under the name, like a status message.
inline constexpr std::size_t kMaxRoomTopic = 256;
// Sharing addresses (docs/PROTOCOL.md §13).
// A where's salt and each of its tags: BLAKE2b-128, like private mode's tag.
inline constexpr std::size_t kWhereSaltLen = 16;
inline constexpr std::size_t kWhereTagLen = 16;
// Keys asked in one where, and peers in one here: the contacts a person misses
// at once are a handful; 32 bounds what one answer can make us dial.
inline constexpr std::size_t kMaxWhereKeys = 32;
// Addresses given for one peer: as many as a store remembers per key.
inline constexpr std::size_t kMaxSharedAddresses = 8;
// One address, "host:port" or "[v6]:port": 47 bytes for the longest v6 form.
inline constexpr std::size_t kMaxAddressText = 64;
// Nearby (docs/PROTOCOL.md §6.5): peers in one nearby, as many as a hall's
// crowd a node has met on its link (a larger crowd is told in part; mDNS
// finds the rest).
inline constexpr std::size_t kMaxNearbyPeers = 256;
// A status's "svc": one DNS label, the most an instance name can be (RFC 6763 §4.1.1).
inline constexpr std::size_t kMaxInstanceName = 63;
// Read receipts and typing (docs/PROTOCOL.md §14).
// Ids in one read: a screenful of texts shown at once; more go in several reads.
inline constexpr std::size_t kMaxReadIds = 64;
// A person typing sends typing{on: 1} at most this often per peer while the
// typing goes on; the receiver shows it until typing{on: 0}, a text, the end
// of the session, or this long after the last on: 1 (a lost on: 0, a sender
// that vanished). Expiry is longer than the resend so that one late notice
// does not make the line flicker.
inline constexpr milliseconds kTypingResend{4000};
inline constexpr milliseconds kTypingExpiry{7000};
// Deepest CBOR nesting a receiver reads (the top-level map is depth 1). Our
// messages need 3 (room_sync, rooms_list) or 4 (here); the rest is room for extensions.
// Deeper input is malformed: bounding it keeps decoding free of deep recursion
// and large stacks.
inline constexpr std::size_t kMaxNesting = 16;

// A half-open handshake holds a slot for unauthenticated input: it must finish
// quickly; three LAN round trips take milliseconds.
inline constexpr milliseconds kHandshakeTimeout{5000};
// TCP connect on a LAN either succeeds within milliseconds or the address is stale.
inline constexpr milliseconds kConnectTimeout{3000};
// After this much silence from the peer we send a Ping, so an idle but live
// session keeps receiving (Pong) frames. One Ping and one Pong per idle peer
// every 2 s keeps 50 idle peers well under 0.1% of a core.
inline constexpr milliseconds kKeepaliveInterval{2000};
// No frame at all for this long: the peer is gone (sleep, cable, crash without
// FIN). Three keepalive intervals tolerate a lost or late Pong; a crash or a
// graceful exit is seen at once anyway (RST, FIN or Close).
inline constexpr milliseconds kDeadPeerTimeout{6000};
// A session with nothing pending is watched slowly (docs/PROTOCOL.md §6.2):
// it links ring neighbours, whose only job is to notice a vanished peer within
// two minutes, so one Ping and one Pong per half minute is enough. Three
// intervals of silence, as above, before the peer is declared gone.
inline constexpr milliseconds kSlowKeepaliveInterval{30000};
inline constexpr milliseconds kSlowDeadPeerTimeout{90000};
// A session nobody needs closes itself after this long without a frame from
// the peer or an application message from us: long enough for a reply to a
// message, short enough that a crowd's start-up mesh is gone within a minute.
inline constexpr milliseconds kIdleSessionTimeout{15000};
// The longest a connection's timer sleeps when nothing is due (a closed session).
inline constexpr milliseconds kMaxTimerSleep{60000};
// After sending Close we wait this long for the peer's FIN before dropping the
// socket, so the Close is not destroyed by an RST.
inline constexpr milliseconds kCloseLinger{2000};

// Connections that have not finished the handshake cost memory and DH work
// from anyone on the LAN: cap them in total and per source address.
inline constexpr std::size_t kMaxUnauthenticated = 64;
inline constexpr std::size_t kMaxUnauthenticatedPerAddress = 8;
// The caps above bound concurrent half-open handshakes, not their rate: a source
// that connects, sends msg1 and hangs up at once still makes us generate a key
// and do two DH each time. Each source address gets a token bucket: a burst
// for reconnect storms (wake-up, simultaneous dials), then a steady rate far
// above any honest peer's (it reconnects a few times a minute at most).
inline constexpr std::size_t kHandshakeBurstPerAddress = 20;
inline constexpr std::size_t kHandshakesPerSecondPerAddress = 5;
// Sources whose bucket is tracked at once; a full table refuses new sources
// (fail closed) after forgetting those whose bucket has refilled (idle ones).
// Bounds the limiter's memory against a LAN attacker with many addresses.
inline constexpr std::size_t kMaxRateTrackedAddresses = 4096;
// The three as the listener's limiter takes them.
inline constexpr rate_limit::SourceRateLimits kHandshakeRateLimits{
    kHandshakeBurstPerAddress, kHandshakesPerSecondPerAddress, kMaxRateTrackedAddresses};

// Bytes queued for writing on one session before send() refuses (back-pressure):
// a few reassembled messages' worth, so a stalled peer cannot grow us without bound.
inline constexpr std::size_t kMaxWriteQueue = 4 * 1024 * 1024;

// The files lane answers what its receivers asked for: at most a window of 8
// chunks of up to 512 KiB per file, for up to 4 transfers a receiver pulls at
// once (docs/PROTOCOL.md §12), so an honest pull never meets this cap.
inline constexpr std::size_t kMaxFilesWriteQueue = 4 * 8 * 512 * 1024;

// Close reasons with meaning to both sides.
inline constexpr std::string_view kReasonDuplicate = "duplicate session";
inline constexpr std::string_view kReasonPeerTimeout = "peer timed out";
inline constexpr std::string_view kReasonIdle = "idle";
inline constexpr std::string_view kReasonUnknownLane = "unknown lane";

}  // namespace hallway::transport::wire
