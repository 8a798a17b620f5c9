#pragma once
// Session-level conformance cases as data (§4.1 framing, §4.2 handshake, §5
// fragmentation, §6.2 keepalive), shared by session_conformance_test.cpp and
// the fuzz seed generator. Each case names the PROTOCOL.md section that
// decides its outcome. Add a case by adding a row.
#include "cases.hpp"
#include "transport/session.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hallway::protocol_cases {

using transport::CloseKind;

// Where the session under test is when the case's bytes arrive.
enum class Stage {
    responder_fresh,       // a responder that has read nothing (expects msg1)
    responder_after_msg1,  // a responder that sent msg2 (expects msg3)
    initiator_after_msg1,  // an initiator that sent msg1 (expects msg2)
    established,           // a responder after the handshake (expects transport messages)
};

// §4.1: only the two length bytes of a frame arrive.
struct FrameCase {
    std::string name;
    Stage stage;
    std::uint16_t length;
    bool closes;  // true: closed as bad_frame on the header alone; false: waits for the body
};

inline std::vector<FrameCase> frame_cases() {
    using S = Stage;
    using namespace transport::wire;
    const auto u16 = [](std::size_t n) { return static_cast<std::uint16_t>(n); };
    return {
        {"§4.1 msg1 zero length: closed", S::responder_fresh, 0, true},
        {"§4.1 msg1 length 31: closed", S::responder_fresh, 31, true},
        {"§4.1 msg1 length 32: waits for the body", S::responder_fresh, 32, false},
        {"§4.2 msg1 with a payload (length 33): closed", S::responder_fresh, 33, true},
        {"§4.1 msg1 length 65535: closed", S::responder_fresh, 65535, true},
        {"§4.1 msg2 zero length: closed", S::initiator_after_msg1, 0, true},
        {"§4.1 msg2 length 95: closed", S::initiator_after_msg1, 95, true},
        {"§4.1 msg2 length 96: waits for the body", S::initiator_after_msg1, 96, false},
        {"§4.1 msg2 length 96 + 4096: waits for the body", S::initiator_after_msg1, u16(96 + kMaxHello), false},
        {"§4.1 msg2 length 96 + 4097: closed", S::initiator_after_msg1, u16(96 + kMaxHello + 1), true},
        {"§4.1 msg3 zero length: closed", S::responder_after_msg1, 0, true},
        {"§4.1 msg3 length 63: closed", S::responder_after_msg1, 63, true},
        {"§4.1 msg3 length 64: waits for the body", S::responder_after_msg1, 64, false},
        {"§4.1 msg3 length 64 + 4096: waits for the body", S::responder_after_msg1, u16(64 + kMaxHello), false},
        {"§4.1 msg3 length 64 + 4097: closed", S::responder_after_msg1, u16(64 + kMaxHello + 1), true},
        {"§4.1 transport zero length: closed", S::established, 0, true},
        {"§4.1 transport length 16: closed", S::established, 16, true},
        {"§4.1 transport length 17: waits for the body", S::established, 17, false},
        {"§4.1 transport length 65535: waits for the body", S::established, 65535, false},
    };
}

inline Bytes frame_header(std::uint16_t length) {
    return {static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length & 0xff)};
}

// §4.2: the handshake against a real peer Session, timed by tick().
struct HandshakeCase {
    std::string name;
    crypto::Role role;               // the session under test
    int peer_messages;               // handshake messages the peer gets to deliver (0..2)
    int peer_at_ms;                  // when they arrive
    int tick_at_ms;                  // then one tick at this time
    std::optional<CloseKind> closed; // nullopt: still open (established when the peer finished)
    std::uint32_t peer_version = 1;  // the v in the peer's Hello
};

inline std::vector<HandshakeCase> handshake_cases() {
    using R = crypto::Role;
    return {
        {"§4.2 responder, silent dialer: open at 4999 ms", R::responder, 0, 0, 4999, std::nullopt},
        {"§4.2 responder, silent dialer: timed out at 5 s", R::responder, 0, 0, 5000, CloseKind::handshake_timeout},
        {"§4.2 responder, msg1 but no msg3: timed out at 5 s from the connection", R::responder, 1, 4000, 5000,
         CloseKind::handshake_timeout},
        {"§4.2 responder, msg3 at 4999 ms: established, not timed out", R::responder, 2, 4999, 5000, std::nullopt},
        {"§4.2 initiator, silent responder: timed out at 5 s", R::initiator, 0, 0, 5000,
         CloseKind::handshake_timeout},
        {"§4.2 initiator, msg2 at 4999 ms: established, not timed out", R::initiator, 1, 4999, 5000, std::nullopt},
        {"§4.2 initiator, responder Hello v = 2: refused", R::initiator, 1, 0, 0, CloseKind::protocol_error, 2},
        {"§4.2 responder, initiator Hello v = 2: refused", R::responder, 2, 0, 0, CloseKind::protocol_error, 2},
        {"§4.2 initiator, responder Hello v = 0: refused", R::initiator, 1, 0, 0, CloseKind::protocol_error, 0},
    };
}

// One transport message's plaintext: the flag byte and the chunk.
struct Chunk {
    std::uint8_t flag;
    Bytes data;
    bool tamper = false;  // flip a ciphertext bit: fails authentication
};

// A message in chunks of at most `size` bytes, every one flagged more, then an
// empty last chunk when `empty_last`; otherwise the final data chunk is last.
inline std::vector<Chunk> chunked(const Bytes& message, std::size_t size, bool empty_last = false) {
    using namespace transport::wire;
    std::vector<Chunk> out;
    for (std::size_t at = 0; at < message.size(); at += size) {
        const std::size_t n = std::min(size, message.size() - at);
        out.push_back({kFlagMore, Bytes(message.begin() + static_cast<std::ptrdiff_t>(at),
                                        message.begin() + static_cast<std::ptrdiff_t>(at + n))});
    }
    if (empty_last || out.empty()) out.push_back({kFlagLast, {}});
    else out.back().flag = kFlagLast;
    return out;
}

// A valid text (the hi() of cases.hpp) padded with an unknown byte-string key
// to exactly `size` encoded bytes (size > 100).
inline Bytes text_of_size(std::size_t size) {
    const Bytes fixed = cat({map(5), text_entries(), T("x")});
    std::size_t pad = 0;
    for (std::size_t head_len : {1u, 2u, 3u, 5u, 9u}) {  // the CBOR head's length depends on pad
        pad = size - fixed.size() - head_len;
        if (head(Major::bytes, pad).size() == head_len) break;
    }
    Bytes out = cat({fixed, head(Major::bytes, pad)});
    out.resize(size, 0xab);
    return out;
}

// §5: chunks into an established session.
struct FragmentCase {
    std::string name;
    std::vector<Chunk> chunks;
    std::size_t received;              // texts passed up (each is hi())
    std::optional<CloseKind> closed = std::nullopt;
    std::size_t closed_after = 0;      // chunks fed when it closes (never earlier)
};

inline std::vector<FragmentCase> fragment_cases() {
    using namespace transport::wire;
    const Bytes hi_bytes = transport::encode(hi());
    const Bytes mib = text_of_size(kMaxMessage), over = text_of_size(kMaxMessage + 1);
    const std::size_t passing = kMaxMessage / kMaxChunk + 1;  // the chunk whose running total passes 1 MiB
    std::vector<Chunk> two = chunked(hi_bytes, 10);
    std::vector<Chunk> empties{{kFlagMore, {}}, {kFlagMore, {}}, {kFlagLast, hi_bytes}};
    std::vector<Chunk> streaming(passing + 1, Chunk{kFlagMore, Bytes(kMaxChunk, 0)});
    std::vector<Chunk> then_hi = chunked(mib, kMaxChunk);
    then_hi.push_back({kFlagLast, hi_bytes});
    return {
        {"§5 one chunk, flag 0x00: received", {{kFlagLast, hi_bytes}}, 1},
        {"§5 chunks reassembled across the CBOR: received", two, 1},
        {"§5 empty chunks with flag 0x01: received", empties, 1},
        {"§5 chunk of 65518 bytes: received", {{kFlagLast, text_of_size(kMaxChunk)}}, 1},
        {"§5 message of exactly 1 MiB: received", chunked(mib, kMaxChunk, true), 1},
        {"§5 1 MiB message, then a new message (the total restarts): both received", then_hi, 2},
        {"§5 message of 1 MiB + 1: closed when the total passes, before the last chunk", chunked(over, kMaxChunk, true),
         0, CloseKind::message_too_large, passing},
        {"§5 endless 0x01 chunks: closed when the total passes 1 MiB", streaming, 0, CloseKind::message_too_large,
         passing},
        {"§5 flag 0x02: closed", {{0x02, hi_bytes}}, 0, CloseKind::protocol_error, 1},
        {"§5 flag 0xff: closed", {{0xff, hi_bytes}}, 0, CloseKind::protocol_error, 1},
        {"§5 flag 0x80 after a 0x01 chunk: closed", {{kFlagMore, {0xa4}}, {0x80, hi_bytes}}, 0,
         CloseKind::protocol_error, 2},
        {"§5 empty message (flag 0x00, no chunk): closed", {{kFlagLast, {}}}, 0, CloseKind::protocol_error, 1},
        {"§5 transport message failing authentication: closed", {{kFlagLast, hi_bytes, true}}, 0,
         CloseKind::decrypt_failed, 1},
        {"§5 a message received before a bad chunk stays received", {{kFlagLast, hi_bytes}, {0x02, hi_bytes}}, 1,
         CloseKind::protocol_error, 2},
    };
}

// §6.2: what the session under test writes or reports at one moment.
enum class Expect {
    nothing,  // writes nothing, stays open
    ping,     // writes exactly one ping
    pong,     // writes exactly one pong with `n`
    dead,     // closed as peer_timeout, writing nothing (no close message)
};

struct KeepaliveStep {
    int at_ms;                 // the peer's chunks (if any) arrive, then tick() at this time
    std::vector<Chunk> peer;   // what the peer sends at at_ms
    Expect expect;
    std::uint64_t n = 0;       // for pong
};

// A responder whose handshake ends (msg3 received) at established_at_ms, then the steps.
struct KeepaliveCase {
    std::string name;
    int established_at_ms;
    std::vector<KeepaliveStep> steps;
};

inline std::vector<Chunk> one(const transport::Message& m) { return {{transport::wire::kFlagLast, transport::encode(m)}}; }

inline std::vector<KeepaliveCase> keepalive_cases() {
    using E = Expect;
    using transport::Ping, transport::Pong;
    const std::vector<Chunk> unknown{{transport::wire::kFlagLast, cat({map(1), T("t"), T("file")})}};
    const std::vector<Chunk> fragment{{transport::wire::kFlagMore, {0xa1}}};
    return {
        {"§6.2 no ping before 2 s of silence", 0, {{1999, {}, E::nothing}}},
        {"§6.2 ping at 2 s of silence after the handshake", 0, {{1999, {}, E::nothing}, {2000, {}, E::ping}}},
        {"§6.2 silence counted from msg3, not from the connection", 1500,
         {{3499, {}, E::nothing}, {3500, {}, E::ping}}},
        {"§6.2 at most one ping per 2 s", 0,
         {{2000, {}, E::ping}, {2001, {}, E::nothing}, {3999, {}, E::nothing}, {4000, {}, E::ping}}},
        {"§6.2 dead at 6 s without a frame: peer_timeout, nothing sent", 0,
         {{2000, {}, E::ping}, {4000, {}, E::ping}, {5999, {}, E::nothing}, {6000, {}, E::dead}}},
        {"§6.2 a pong resets the silence", 0,
         {{2000, {}, E::ping}, {3000, one(Pong{1}), E::nothing}, {4999, {}, E::nothing}, {5000, {}, E::ping},
          {7000, {}, E::ping}, {8999, {}, E::nothing}, {9000, {}, E::dead}}},
        {"§6.2 a skipped unknown type resets the silence", 0,
         {{1500, unknown, E::nothing}, {2000, {}, E::nothing}, {3499, {}, E::nothing}, {3500, {}, E::ping}}},
        {"§6.2 a lone fragment resets the silence", 0,
         {{5000, fragment, E::nothing}, {6000, {}, E::nothing}, {7000, {}, E::ping}, {9000, {}, E::ping}, {10999, {}, E::nothing},
          {11000, {}, E::dead}}},
        {"§6.2 every ping answered with a pong of the same n", 0,
         {{100, one(Ping{7}), E::pong, 7}, {200, one(Ping{7}), E::pong, 7}, {300, one(Ping{0}), E::pong, 0},
          {400, one(Ping{UINT64_MAX}), E::pong, UINT64_MAX}}},
        {"§6.2 a ping is answered even while we are due to ping", 0, {{2500, one(Ping{3}), E::pong, 3}}},
    };
}

}  // namespace hallway::protocol_cases
