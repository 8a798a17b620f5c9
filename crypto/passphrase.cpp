#include "crypto/passphrase.hpp"

#include "crypto/primitives.hpp"

#include <sodium.h>

#include <algorithm>
#include <utility>

namespace hallway::crypto {

static_assert(kKdfSaltLen == crypto_pwhash_SALTBYTES);
static_assert(kSealKeyLen == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kSealNonceLen == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kSealTagLen == crypto_aead_xchacha20poly1305_ietf_ABYTES);

bool kdf_params_in_bounds(const KdfParams& p) {
    return p.opslimit >= std::max<std::uint64_t>(kMinKdfParams.opslimit, crypto_pwhash_argon2id_OPSLIMIT_MIN) &&
           p.opslimit <= kMaxKdfParams.opslimit &&
           p.memlimit >= std::max<std::uint64_t>(kMinKdfParams.memlimit, crypto_pwhash_argon2id_MEMLIMIT_MIN) &&
           p.memlimit <= std::min<std::uint64_t>(kMaxKdfParams.memlimit, crypto_pwhash_argon2id_MEMLIMIT_MAX);
}

Passphrase::Passphrase() : buf_(new char[kMaxPassphrase]) {}

Passphrase::Passphrase(std::string_view text) : Passphrase() {
    for (char c : text.substr(0, kMaxPassphrase)) push_back(c);
}

Passphrase::Passphrase(Passphrase&& o) noexcept : buf_(std::move(o.buf_)), size_(std::exchange(o.size_, 0)) {}

Passphrase& Passphrase::operator=(Passphrase&& o) noexcept {
    if (this != &o) {
        clear();
        buf_ = std::move(o.buf_);
        size_ = std::exchange(o.size_, 0);
    }
    return *this;
}

Passphrase::~Passphrase() {
    if (buf_) sodium_memzero(buf_.get(), kMaxPassphrase);
}

bool Passphrase::push_back(char c) {
    if (!buf_) buf_.reset(new char[kMaxPassphrase]);  // a moved-from holder is usable again
    if (size_ == kMaxPassphrase) return false;
    buf_[size_++] = c;
    return true;
}

void Passphrase::pop_back() {
    if (size_ == 0) return;
    buf_[--size_] = 0;
}

void Passphrase::clear() {
    if (buf_) sodium_memzero(buf_.get(), kMaxPassphrase);
    size_ = 0;
}

std::string_view Passphrase::view() const { return buf_ ? std::string_view(buf_.get(), size_) : std::string_view(); }

bool derive_key(std::string_view passphrase, std::span<const std::uint8_t, kKdfSaltLen> salt, const KdfParams& params,
                SealKey& out) {
    detail::ensure_sodium();
    if (!kdf_params_in_bounds(params)) return false;
    return crypto_pwhash(out.data(), out.size(), passphrase.data(), passphrase.size(), salt.data(),
                         static_cast<unsigned long long>(params.opslimit), static_cast<std::size_t>(params.memlimit),
                         crypto_pwhash_ALG_ARGON2ID13) == 0;
}

std::vector<std::uint8_t> seal(const SealKey& key, std::span<const std::uint8_t> ad,
                               std::span<const std::uint8_t> plaintext, const Rng& rng) {
    detail::ensure_sodium();
    std::vector<std::uint8_t> out(kSealOverhead + plaintext.size());
    rng(std::span(out.data(), kSealNonceLen));
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kSealNonceLen, &written, plaintext.data(),
                                               plaintext.size(), ad.data(), ad.size(), nullptr, out.data(),
                                               key.data());
    return out;
}

bool open(const SealKey& key, std::span<const std::uint8_t> ad, std::span<const std::uint8_t> sealed,
          std::span<std::uint8_t> out) {
    detail::ensure_sodium();
    if (sealed.size() < kSealOverhead || out.size() != sealed_plaintext_size(sealed.size())) {
        sodium_memzero(out.data(), out.size());
        return false;
    }
    unsigned long long written = 0;
    const auto ciphertext = sealed.subspan(kSealNonceLen);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &written, nullptr, ciphertext.data(),
                                                   ciphertext.size(), ad.data(), ad.size(), sealed.data(),
                                                   key.data()) != 0) {
        sodium_memzero(out.data(), out.size());
        return false;
    }
    return true;
}

}  // namespace hallway::crypto
