#include "core/profile_lock.hpp"

#include "core/profile.hpp"
#include "core/store_seal.hpp"
#include "crypto/identity.hpp"
#include "crypto/passphrase.hpp"

#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace hallway::core {

namespace {

constexpr std::string_view kMagic = "HWLOCKED";
constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kKdfArgon2id13 = 2;
constexpr std::size_t kHeaderLen = 8 + 1 + 1 + 4 + 8 + crypto::kKdfSaltLen;  // the AEAD's associated data
constexpr std::size_t kKeysLen = crypto::kDhLen + StoreKey::size();
constexpr std::size_t kChecksumLen = 32;
static_assert(kHeaderLen + crypto::kSealOverhead + kKeysLen + kChecksumLen == kLockedIdentityFileSize);
// What the test suite's locks cost (kTestKdfEnv): libsodium's minimum passes, 64 KiB.
constexpr crypto::KdfParams kTestKdfParams{1, 64 * 1024};

using Bytes = std::vector<std::uint8_t>;

void put_le(Bytes& out, std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get_le(const std::uint8_t* p, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
}

std::array<std::uint8_t, kChecksumLen> checksum(std::span<const std::uint8_t> data) {
    std::array<std::uint8_t, kChecksumLen> h{};
    crypto_generichash(h.data(), h.size(), data.data(), data.size(), nullptr, 0);
    return h;
}

crypto::KdfParams kdf_params_for_new_lock() {
    return std::getenv(kTestKdfEnv) ? kTestKdfParams : crypto::kDefaultKdfParams;
}

// Pure: keys and passphrase -> the file's bytes (random salt and nonce from rng).
bool format_locked(const UnlockedKeys& keys, std::string_view passphrase, const crypto::KdfParams& params,
                   const crypto::Rng& rng, Bytes& out, std::string& message) {
    out.assign(kMagic.begin(), kMagic.end());
    out.push_back(kVersion);
    out.push_back(kKdfArgon2id13);
    put_le(out, params.opslimit, 4);
    put_le(out, params.memlimit, 8);
    std::array<std::uint8_t, crypto::kKdfSaltLen> salt{};
    rng(salt);
    out.insert(out.end(), salt.begin(), salt.end());
    crypto::SealKey kek;
    if (!crypto::derive_key(passphrase, salt, params, kek)) {
        message = "cannot derive a key from the passphrase (out of memory?)";
        return false;
    }
    crypto::Secret<kKeysLen> plain;
    std::memcpy(plain.data(), keys.identity.private_key.data(), crypto::kDhLen);
    std::memcpy(plain.data() + crypto::kDhLen, keys.store_key.data(), StoreKey::size());
    const Bytes sealed = crypto::seal(kek, out, plain.span(), rng);
    out.insert(out.end(), sealed.begin(), sealed.end());
    const auto sum = checksum(out);
    out.insert(out.end(), sum.begin(), sum.end());
    return true;
}

// Pure: the file's bytes -> keys, or why not.
UnlockError parse_locked(std::span<const std::uint8_t> file, std::string_view passphrase, UnlockedKeys& out,
                         std::string& reason) {
    if (file.size() != kLockedIdentityFileSize) {
        reason = "it is " + std::to_string(file.size()) + " bytes long, not " + std::to_string(kLockedIdentityFileSize);
        return UnlockError::damaged;
    }
    const auto body = file.first(file.size() - kChecksumLen);
    const auto sum = checksum(body);
    if (sodium_memcmp(sum.data(), file.data() + body.size(), kChecksumLen) != 0) {
        reason = "its checksum does not match (damaged or truncated)";
        return UnlockError::damaged;
    }
    if (std::memcmp(file.data(), kMagic.data(), kMagic.size()) != 0 || file[8] != kVersion) {
        reason = "it is not a version " + std::to_string(kVersion) + " Hallway locked identity";
        return UnlockError::damaged;
    }
    const crypto::KdfParams params{get_le(file.data() + 10, 4), get_le(file.data() + 14, 8)};
    if (file[9] != kKdfArgon2id13 || !crypto::kdf_params_in_bounds(params)) {
        reason = "its key derivation or its parameters are not ones Hallway accepts";
        return UnlockError::damaged;
    }
    crypto::SealKey kek;
    if (!crypto::derive_key(passphrase, file.subspan(22).first<crypto::kKdfSaltLen>(), params, kek)) {
        reason = "cannot derive the key (out of memory?)";
        return UnlockError::damaged;
    }
    crypto::Secret<kKeysLen> plain;
    if (!crypto::open(kek, file.first(kHeaderLen), body.subspan(kHeaderLen), plain.span())) {
        reason = "wrong passphrase";
        return UnlockError::wrong_passphrase;
    }
    out.identity = crypto::KeyPair::from_private(plain.span().first<crypto::kDhLen>());
    std::memcpy(out.store_key.data(), plain.data() + crypto::kDhLen, StoreKey::size());
    return UnlockError::ok;
}

bool write_locked(const std::filesystem::path& dir, const UnlockedKeys& keys, std::string_view passphrase,
                  std::string& message) {
    if (passphrase.empty()) {
        message = "the passphrase must not be empty";
        return false;
    }
    Bytes file;
    if (!format_locked(keys, passphrase, kdf_params_for_new_lock(), crypto::system_rng(), file, message))
        return false;
    return write_private_file(locked_identity_path(dir),
                              std::string_view(reinterpret_cast<const char*>(file.data()), file.size()), message);
}

bool present(const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(p, ec));
}

// The profile for a change: its directory and exclusive use.
std::unique_ptr<ProfileLock> take(const std::filesystem::path& dir, std::string& message) {
    if (!ensure_profile_dir(dir, message)) return nullptr;
    return ProfileLock::acquire(dir, message);
}

bool unlocked(const std::filesystem::path& dir, std::string_view passphrase, UnlockedKeys& keys,
              std::string& message) {
    return unlock_profile(dir, passphrase, keys, message) == UnlockError::ok;
}

bool remove_file(const std::filesystem::path& file, std::string& message) {
    if (::unlink(file.c_str()) == 0) return true;
    message = "cannot remove " + file.string() + ": " + std::strerror(errno);
    return false;
}

// identity.key, when present beside identity.locked, must hold the same key
// (an interrupted lock or removal); loads it. false with message otherwise.
bool same_identity_key(const std::filesystem::path& dir, const UnlockedKeys& keys, std::string& message) {
    crypto::KeyPair plain;
    if (crypto::load_or_create_identity(dir, crypto::system_rng(), plain, message) != crypto::IdentityError::ok)
        return false;
    if (sodium_memcmp(plain.public_key.data(), keys.identity.public_key.data(), crypto::kDhLen) != 0) {
        message = "identity.key and identity.locked in " + dir.string() +
                  " hold different identities; move one of them away by hand";
        return false;
    }
    return true;
}

}  // namespace

std::string_view to_string(UnlockError e) {
    switch (e) {
        case UnlockError::ok: return "ok";
        case UnlockError::not_locked: return "profile is not locked";
        case UnlockError::wrong_passphrase: return "wrong passphrase";
        case UnlockError::damaged: return "locked identity damaged";
    }
    return "unknown unlock error";
}

bool profile_is_locked(const std::filesystem::path& dir) { return present(locked_identity_path(dir)); }

bool lock_is_interrupted(const std::filesystem::path& dir) {
    return profile_is_locked(dir) && present(dir / crypto::kIdentityFileName);
}

UnlockError unlock_profile(const std::filesystem::path& dir, std::string_view passphrase, UnlockedKeys& out,
                           std::string& message) {
    const auto file = locked_identity_path(dir);
    std::string raw;
    switch (read_small_file(file, kLockedIdentityFileSize, raw, message)) {
        case ReadFile::absent: message = "profile " + dir.string() + " is not locked"; return UnlockError::not_locked;
        case ReadFile::failed: return UnlockError::damaged;
        case ReadFile::ok:
        case ReadFile::too_long: break;
    }
    std::string reason;
    const UnlockError e = parse_locked(
        std::span(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()), passphrase, out, reason);
    if (e == UnlockError::wrong_passphrase) message = "wrong passphrase for " + file.string();
    else if (e == UnlockError::damaged) message = file.string() + " is damaged: " + reason;
    else message = "unlocked " + file.string();
    return e;
}

bool lock_profile(const std::filesystem::path& dir, std::string_view passphrase, std::string& message) {
    if (passphrase.empty()) {
        message = "the passphrase must not be empty";
        return false;
    }
    auto lock = take(dir, message);
    if (!lock) return false;
    UnlockedKeys keys;
    if (profile_is_locked(dir)) {
        if (!lock_is_interrupted(dir)) {
            message = "profile " + dir.string() + " is already locked (change the passphrase with 'hallway passwd')";
            return false;
        }
        if (!unlocked(dir, passphrase, keys, message) || !same_identity_key(dir, keys, message)) return false;
    } else {
        if (crypto::load_or_create_identity(dir, crypto::system_rng(), keys.identity, message) !=
            crypto::IdentityError::ok)
            return false;
        crypto::system_rng()(keys.store_key.span());
        if (!write_locked(dir, keys, passphrase, message)) return false;
    }
    // From here identity.locked holds the keys; identity.key goes last, so a
    // crash anywhere leaves both files and 'hallway lock' finishes the job.
    if (present(settings_path(dir))) {
        Settings settings;
        if (!load_settings(dir, settings, message) || !save_settings(dir, settings, message, &keys.store_key) ||
            !shred_file(settings_path(dir), message))
            return false;
    }
    const auto db = store_path(dir);
    if (present(db) && !store_is_sealed(db) && !seal_store(db, keys.store_key, message)) return false;
    if (!shred_file(dir / crypto::kIdentityFileName, message)) return false;
    message = "profile " + dir.string() + " is locked";
    return true;
}

bool change_passphrase(const std::filesystem::path& dir, std::string_view old_pass, std::string_view new_pass,
                       std::string& message) {
    auto lock = take(dir, message);
    if (!lock) return false;
    UnlockedKeys keys;
    if (!unlocked(dir, old_pass, keys, message) || !write_locked(dir, keys, new_pass, message)) return false;
    message = "the passphrase of " + dir.string() + " is changed";
    return true;
}

bool remove_lock(const std::filesystem::path& dir, std::string_view passphrase, std::string& message) {
    auto lock = take(dir, message);
    if (!lock) return false;
    UnlockedKeys keys;
    if (!unlocked(dir, passphrase, keys, message)) return false;
    // identity.key first, identity.locked last: never neither.
    if (present(dir / crypto::kIdentityFileName)) {
        if (!same_identity_key(dir, keys, message)) return false;
    } else if (crypto::save_identity(dir, keys.identity, message) != crypto::IdentityError::ok) {
        return false;
    }
    if (present(sealed_settings_path(dir))) {
        Settings settings;
        if (!load_settings(dir, settings, message, &keys.store_key) || !save_settings(dir, settings, message) ||
            !remove_file(sealed_settings_path(dir), message))
            return false;
    }
    const auto db = store_path(dir);
    if (present(db) && store_is_sealed(db) && !unseal_store(db, keys.store_key, message)) return false;
    if (!remove_file(locked_identity_path(dir), message)) return false;
    message = "the lock of " + dir.string() + " is removed: its files are plaintext again";
    return true;
}

bool read_passphrase_line(int fd, crypto::Passphrase& out, std::string& error) {
    out.clear();
    for (;;) {
        char c = 0;
        const ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = "cannot read the passphrase from descriptor " + std::to_string(fd) + ": " + std::strerror(errno);
            return false;
        }
        if (n == 0 || c == '\n') break;
        if (!out.push_back(c)) {
            error = "the passphrase is longer than " + std::to_string(crypto::kMaxPassphrase) + " bytes";
            out.clear();
            return false;
        }
    }
    if (!out.empty() && out.view().back() == '\r') out.pop_back();
    if (out.empty()) {
        error = "no passphrase on descriptor " + std::to_string(fd);
        return false;
    }
    return true;
}

}  // namespace hallway::core
