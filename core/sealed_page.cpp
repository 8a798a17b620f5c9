#include "core/sealed_page.hpp"

#include <sodium.h>

#include <array>
#include <cstring>
#include <string_view>

namespace hallway::core::sealed {

namespace {

constexpr std::string_view kLabel = "hallway-store-v1";
using Ad = std::array<std::uint8_t, kLabel.size() + 5>;

Ad associated(PageFile file, std::uint32_t pgno) {
    Ad ad{};
    std::memcpy(ad.data(), kLabel.data(), kLabel.size());
    ad[kLabel.size()] = static_cast<std::uint8_t>(file);
    for (int i = 0; i < 4; ++i) ad[kLabel.size() + 1 + i] = static_cast<std::uint8_t>(pgno >> (24 - 8 * i));
    return ad;
}

static_assert(kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

}  // namespace

void seal_page(const crypto::Secret<32>& key, PageFile file, std::uint32_t pgno, const std::uint8_t* plain,
               std::uint8_t* out) {
    const Ad ad = associated(file, pgno);
    std::uint8_t* nonce = out + kSealedBytes;
    randombytes_buf(nonce, kNonceBytes);
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out, nonce + kNonceBytes, nullptr, plain, kSealedBytes,
                                                        ad.data(), ad.size(), nullptr, nonce, key.data());
}

bool open_page(const crypto::Secret<32>& key, PageFile file, std::uint32_t pgno, const std::uint8_t* sealed,
               std::uint8_t* out) {
    const Ad ad = associated(file, pgno);
    const std::uint8_t* nonce = sealed + kSealedBytes;
    const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
        out, nullptr, sealed, kSealedBytes, nonce + kNonceBytes, ad.data(), ad.size(), nonce, key.data());
    if (rc != 0) {
        std::memset(out, 0, kPageSize);
        return false;
    }
    std::memset(out + kSealedBytes, 0, kReserve);
    return true;
}

}  // namespace hallway::core::sealed
