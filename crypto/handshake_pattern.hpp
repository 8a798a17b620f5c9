#pragma once
// Internal: handshake patterns (Noise §7, §9, §18) as data, and the parser of
// protocol names. Pure functions, no crypto.
#include "crypto/noise.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace hallway::crypto::detail {

enum class Token : std::uint8_t { e, s, ee, es, se, ss, psk };

struct MessagePattern {
    Role sender = Role::initiator;  // "->" is the initiator, "<-" the responder
    std::vector<Token> tokens;
};

struct HandshakePattern {
    // Pre-messages: whose static key the other side knows in advance ("-> s ...",
    // "<- s ..."). The patterns we support have no other pre-message tokens.
    bool initiator_static_known = false;
    bool responder_static_known = false;
    std::vector<MessagePattern> messages;      // psk tokens already inserted
    std::size_t psk_count = 0;                 // psk tokens, i.e. psks the caller must give
    Cipher cipher = Cipher::chachapoly;        // the suite's AEAD
};

// Parses "Noise_<pattern>[psk modifiers]_25519_{ChaChaPoly,AESGCM}_BLAKE2b". nullopt
// for another suite, an unknown pattern, or a modifier other than pskN with
// N <= number of messages, in ascending order.
std::optional<HandshakePattern> parse_protocol_name(std::string_view protocol_name);

}  // namespace hallway::crypto::detail
