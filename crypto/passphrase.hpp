#pragma once
// Keys from passphrases (Argon2id) and sealing small secrets with them
// (XChaCha20-Poly1305): what a locked profile is made of. Pure: no files, no
// environment; randomness comes from the caller.
#include "crypto/rng.hpp"
#include "crypto/secret.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace hallway::crypto {

inline constexpr std::size_t kKdfSaltLen = 16;     // crypto_pwhash_SALTBYTES
inline constexpr std::size_t kSealKeyLen = 32;     // XChaCha20-Poly1305 key
inline constexpr std::size_t kSealNonceLen = 24;   // random nonces are safe at this size
inline constexpr std::size_t kSealTagLen = 16;
// A typed passphrase is a line; anything longer than this is not one.
inline constexpr std::size_t kMaxPassphrase = 1024;

using SealKey = Secret<kSealKeyLen>;

// Argon2id (v1.3, one lane) cost: passes over memory and bytes of memory.
struct KdfParams {
    std::uint64_t opslimit = 0;
    std::uint64_t memlimit = 0;
    bool operator==(const KdfParams&) const = default;
};

// The defaults new locks use: one derivation takes about 0.5 s on a 2026
// laptop core (bench/passphrase_bench measures it; docs/SECURITY.md "At rest").
inline constexpr KdfParams kDefaultKdfParams{4, 256ull * 1024 * 1024};
// What a stored profile may ask for: libsodium's minimum up to a bound that a
// damaged or hostile file cannot turn into a huge allocation or an hour's work.
inline constexpr KdfParams kMinKdfParams{1, 8 * 1024};
inline constexpr KdfParams kMaxKdfParams{64, 4ull * 1024 * 1024 * 1024};
bool kdf_params_in_bounds(const KdfParams& p);

// A passphrase in memory: one fixed buffer (never reallocated, so never
// copied behind our back), wiped when destroyed. Move-only; it has no way to
// print itself.
class Passphrase {
public:
    Passphrase();
    explicit Passphrase(std::string_view text);  // cut at kMaxPassphrase
    Passphrase(Passphrase&& o) noexcept;
    Passphrase& operator=(Passphrase&& o) noexcept;
    Passphrase(const Passphrase&) = delete;
    Passphrase& operator=(const Passphrase&) = delete;
    ~Passphrase();

    // false (and nothing appended) when full.
    bool push_back(char c);
    void pop_back();
    void clear();
    std::string_view view() const;
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    bool full() const { return size_ == kMaxPassphrase; }

private:
    std::unique_ptr<char[]> buf_;
    std::size_t size_ = 0;
};

// Argon2id(passphrase, salt, params) -> 32-byte key. false when the params are
// out of bounds or the memory cannot be had.
bool derive_key(std::string_view passphrase, std::span<const std::uint8_t, kKdfSaltLen> salt, const KdfParams& params,
                SealKey& out);

// XChaCha20-Poly1305 with a random nonce from rng: nonce || ciphertext || tag
// (kSealNonceLen + plaintext.size() + kSealTagLen bytes). ad is authenticated, not encrypted.
std::vector<std::uint8_t> seal(const SealKey& key, std::span<const std::uint8_t> ad,
                               std::span<const std::uint8_t> plaintext, const Rng& rng);
// The reverse: false when sealed is too short, or was made with another key or
// ad or altered. out must hold exactly sealed_plaintext_size(sealed.size()) bytes;
// on failure it is zeroed.
bool open(const SealKey& key, std::span<const std::uint8_t> ad, std::span<const std::uint8_t> sealed,
          std::span<std::uint8_t> out);
inline constexpr std::size_t kSealOverhead = kSealNonceLen + kSealTagLen;
inline std::size_t sealed_plaintext_size(std::size_t sealed_size) {
    return sealed_size < kSealOverhead ? 0 : sealed_size - kSealOverhead;
}

}  // namespace hallway::crypto
