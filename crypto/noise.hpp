#pragma once
// The Noise Protocol Framework (revision 34) for the suites
// 25519_ChaChaPoly_BLAKE2b and 25519_AESGCM_BLAKE2b, as a pure state machine: bytes in, bytes out, no
// sockets, clocks or threads. Any handshake pattern of the spec (fundamental,
// one-way, deferred, psk modifiers) is interpreted from its protocol name.
// All types are single-threaded; move them between threads only whole.
#include "crypto/rng.hpp"
#include "crypto/secret.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hallway::crypto {

inline constexpr std::size_t kDhLen = 32;       // X25519
inline constexpr std::size_t kHashLen = 64;     // BLAKE2b-512
inline constexpr std::size_t kKeyLen = 32;      // ChaCha20-Poly1305 and AES-256-GCM
inline constexpr std::size_t kTagLen = 16;
inline constexpr std::size_t kMaxNoiseMessage = 65535;  // spec §3

using PublicKey = std::array<std::uint8_t, kDhLen>;

enum class NoiseError {
    ok,
    bad_protocol_name,   // not Noise_<pattern>_25519_{ChaChaPoly,AESGCM}_BLAKE2b, unknown pattern,
                         // or AESGCM where this CPU cannot run it (cipher_available)
    missing_key,         // the pattern needs s, rs or a psk that was not given (psks: fewer than its modifiers)
    wrong_state,         // write when it is the peer's turn, split before the end, use after failure
    message_too_short,   // truncated handshake or transport message
    message_too_long,    // would exceed kMaxNoiseMessage
    decrypt_failed,      // AEAD tag mismatch
    bad_dh,              // libsodium refused the DH (low-order point)
    nonce_exhausted,     // n reached 2^64-1
    unexpected_key,      // s, e, rs or a psk was given that the pattern never uses
};
std::string_view to_string(NoiseError e);

struct KeyPair {
    Secret<kDhLen> private_key;
    PublicKey public_key{};

    static KeyPair generate(const Rng& rng);
    static KeyPair from_private(std::span<const std::uint8_t, kDhLen> private_key);
};

// The AEAD of a CipherState (Noise §12.3 ChaChaPoly, §12.2 AESGCM).
enum class Cipher : std::uint8_t { chachapoly, aesgcm };
// libsodium runs AES-256-GCM only on its hardware path (AES-NI and CLMUL).
bool cipher_available(Cipher cipher);

// Noise §5.1.
class CipherState {
public:
    CipherState() = default;
    explicit CipherState(Cipher cipher) : cipher_(cipher) {}
    void initialize_key(std::span<const std::uint8_t, kKeyLen> key);
    bool has_key() const { return has_key_; }
    Cipher cipher() const { return cipher_; }
    // The same key and nonce under another AEAD, for Hallway's transport cipher
    // (docs/PROTOCOL.md §4.2): only with a key and before its first message
    // (nonce 0), else wrong_state; bad_protocol_name when this CPU cannot run it.
    NoiseError switch_cipher(Cipher cipher);
    void set_nonce(std::uint64_t n) { n_ = n; }
    std::uint64_t nonce() const { return n_; }

    // Appends ciphertext (plaintext + 16-byte tag when keyed) to out; plaintext must not
    // alias out. Errors: nonce_exhausted, message_too_long (ciphertext > kMaxNoiseMessage).
    // A failed call changes neither the nonce nor out.
    NoiseError encrypt_with_ad(std::span<const std::uint8_t> ad, std::span<const std::uint8_t> plaintext,
                               std::vector<std::uint8_t>& out);
    // Appends plaintext to out. Errors: nonce_exhausted, message_too_long, message_too_short
    // (shorter than the tag), decrypt_failed. On failure the nonce does not advance and out is unchanged.
    NoiseError decrypt_with_ad(std::span<const std::uint8_t> ad, std::span<const std::uint8_t> ciphertext,
                               std::vector<std::uint8_t>& out);
    // In place, for bulk transport without copies: message holds the plaintext followed by
    // kTagLen bytes of room and becomes the ciphertext. Errors as for encrypt_with_ad, plus
    // message_too_short (no room for the tag); a failed call changes neither the nonce nor message.
    NoiseError encrypt_in_place(std::span<const std::uint8_t> ad, std::span<std::uint8_t> message);
    // In place: message holds a ciphertext; on success its first size() - kTagLen bytes are the
    // plaintext. Errors as for decrypt_with_ad; on failure the nonce does not advance and
    // message may have been wiped.
    NoiseError decrypt_in_place(std::span<const std::uint8_t> ad, std::span<std::uint8_t> message);
    // Noise §4.2 REKEY: k = first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zero bytes);
    // the nonce is kept. No effect without a key.
    void rekey();

private:
    NoiseError check_encrypt(std::size_t plaintext_len) const;
    NoiseError check_decrypt(std::size_t ciphertext_len) const;

    Secret<kKeyLen> k_;
    Cipher cipher_ = Cipher::chachapoly;
    bool has_key_ = false;
    std::uint64_t n_ = 0;
};

enum class Role { initiator, responder };

// What the caller should do next with a HandshakeState (noise-c's "action").
enum class HandshakeAction { write_message, read_message, split, failed };

struct HandshakeConfig {
    std::string protocol_name;               // e.g. "Noise_XX_25519_ChaChaPoly_BLAKE2b"
    Role role = Role::initiator;
    std::vector<std::uint8_t> prologue;
    std::optional<KeyPair> s;                 // local static
    std::optional<KeyPair> e;                 // fixed ephemeral: tests and vectors only
    std::optional<PublicKey> rs;              // remote static known in advance
    std::vector<Secret<kKeyLen>> psks;        // in psk-modifier order
    Rng rng;                                  // for ephemeral keys when e is not fixed
};

class HandshakeState {
public:
    // Returns nullptr and sets err when the configuration is unusable: bad_protocol_name,
    // missing_key (also: no rng and no fixed e), unexpected_key. Otherwise err = ok.
    static std::unique_ptr<HandshakeState> create(HandshakeConfig config, NoiseError& err);
    ~HandshakeState();

    HandshakeAction action() const;

    // Appends the next handshake message to `message` (payload encrypted when a key exists).
    // On any error (wrong_state when it is not our turn, bad_dh, message_too_long, ...)
    // nothing is appended and the state becomes failed for good.
    NoiseError write_message(std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& message);
    // Reads the peer's next handshake message and appends its payload to `payload`.
    // Errors as for write_message plus message_too_short and decrypt_failed; same failure rule.
    NoiseError read_message(std::span<const std::uint8_t> message, std::vector<std::uint8_t>& payload);

    // After the last message: the two CipherStates (initiator->responder, responder->initiator).
    // wrong_state before the end, after a failure, or when called a second time.
    NoiseError split(CipherState& c1, CipherState& c2);

    std::array<std::uint8_t, kHashLen> handshake_hash() const;
    std::optional<PublicKey> remote_static() const;

private:
    HandshakeState() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hallway::crypto
