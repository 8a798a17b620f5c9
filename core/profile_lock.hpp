#pragma once
// A locked profile: the identity's private key and the store's key live only
// in <dir>/identity.locked, sealed with a key derived from a passphrase
// (Argon2id); the store (hallway.db) and the settings are sealed with the
// store key. See docs/SECURITY.md "At rest" for what this protects.
//
// <dir>/identity.locked, 174 bytes, integers little-endian:
//   0   8  magic "HWLOCKED"
//   8   1  version (1)
//   9   1  KDF (2: Argon2id v1.3, one lane)
//  10   4  opslimit (passes)
//  14   8  memlimit (bytes)
//  22  16  salt
//  38  24  nonce                                   } XChaCha20-Poly1305, key from the KDF,
//  62  80  ciphertext + tag of                      } associated data = bytes 0..37
//          identity private key (32) || store key (32)
// 142  32  BLAKE2b-256 of bytes 0..141: tells a damaged file (damaged) from a
//          wrong passphrase (the AEAD alone cannot); no secret goes into it
// Anything else (size, magic, version, KDF, parameters out of bounds) is damaged.
//
// lock_profile, change_passphrase and remove_lock take the profile's
// ProfileLock: they fail while a node runs on it. None of them ever leaves a
// state with neither identity.key nor identity.locked; an interrupted one
// leaves both, and running the same command again finishes it.
#include "core/store.hpp"
#include "crypto/noise.hpp"
#include "crypto/passphrase.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace hallway::core {

inline constexpr std::string_view kLockedIdentityFileName = "identity.locked";
inline std::filesystem::path locked_identity_path(const std::filesystem::path& dir) {
    return dir / kLockedIdentityFileName;
}
inline constexpr std::size_t kLockedIdentityFileSize = 174;

// Set (to anything) only by the test suite: new locks use the cheapest KDF
// parameters, so that tests run fast. Never set it for a real profile.
inline constexpr const char* kTestKdfEnv = "HALLWAY_TEST_CHEAP_KDF";

struct UnlockedKeys {
    crypto::KeyPair identity;
    StoreKey store_key;
};

enum class UnlockError { ok, not_locked, wrong_passphrase, damaged };
std::string_view to_string(UnlockError e);

// <dir>/identity.locked exists.
bool profile_is_locked(const std::filesystem::path& dir);

// Both identity.key and identity.locked exist: a lock, or its removal, was
// interrupted; the node refuses such a profile until the command is run again.
bool lock_is_interrupted(const std::filesystem::path& dir);

// Reads and opens <dir>/identity.locked. Reads only; takes no ProfileLock.
UnlockError unlock_profile(const std::filesystem::path& dir, std::string_view passphrase, UnlockedKeys& out,
                           std::string& message);

// identity.key (created first when the profile has none) -> identity.locked
// with a new random store key; then the settings and the store are sealed and
// identity.key is overwritten, fsynced and unlinked, in that order. On an
// interrupted lock (both files), checks the passphrase and finishes. false and
// message when the passphrase is empty, the profile is in use or already
// locked, or a step fails.
bool lock_profile(const std::filesystem::path& dir, std::string_view passphrase, std::string& message);

// Re-wraps the same keys under new_pass (new salt and nonce, current default
// KDF parameters); the store and settings are untouched. A wrong old_pass
// changes nothing.
bool change_passphrase(const std::filesystem::path& dir, std::string_view old_pass, std::string_view new_pass,
                       std::string& message);

// Back to plaintext: identity.key written, settings and store unsealed, then
// identity.locked removed. A wrong passphrase changes nothing.
bool remove_lock(const std::filesystem::path& dir, std::string_view passphrase, std::string& message);

// --passphrase-fd N: reads one line from fd (up to a newline or the end; the
// newline and a CR before it dropped) a byte at a time, so that a second call
// reads the next line (old and new passphrase). false and error when the fd
// cannot be read, the line is empty or longer than crypto::kMaxPassphrase.
bool read_passphrase_line(int fd, crypto::Passphrase& out, std::string& error);

}  // namespace hallway::core
