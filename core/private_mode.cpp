#include "core/private_mode.hpp"

#include "crypto/keyed_tag.hpp"

#include <sodium.h>

#include <algorithm>

namespace hallway::core {
namespace {

crypto::KeyedTag tag_of(const PeerKey& key, const PrivateSalt& salt) {
    return crypto::keyed_tag(key, kPrivateTagContext, salt);
}

std::string hex(std::span<const std::uint8_t> bytes) {
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
    out.pop_back();
    return out;
}

}  // namespace

std::string private_record_tag(const PeerKey& key, const PrivateSalt& salt) {
    return hex(salt) + hex(tag_of(key, salt));
}

std::optional<PeerKey> match_private_tag(std::string_view pt, std::span<const PeerKey> keys) {
    std::array<std::uint8_t, kPrivateSaltBytes + kPrivateTagBytes> bytes{};
    std::size_t len = 0;
    if (pt.size() != bytes.size() * 2 ||
        sodium_hex2bin(bytes.data(), bytes.size(), pt.data(), pt.size(), nullptr, &len, nullptr) != 0 ||
        len != bytes.size())
        return std::nullopt;
    PrivateSalt salt{};
    std::copy_n(bytes.begin(), salt.size(), salt.begin());
    for (const PeerKey& key : keys) {
        crypto::KeyedTag published{};
        std::copy_n(bytes.begin() + salt.size(), published.size(), published.begin());
        if (crypto::tags_equal(tag_of(key, salt), published)) return key;
    }
    return std::nullopt;
}

}  // namespace hallway::core
