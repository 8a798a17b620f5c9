#pragma once
// The node's static X25519 identity on disk, and the digit strings people
// compare to verify each other's keys (fingerprints, safety numbers).
// Everything here is safe to call from any thread.
#include "crypto/noise.hpp"
#include "crypto/rng.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace hallway::crypto {

inline constexpr std::string_view kIdentityFileName = "identity.key";
inline constexpr std::size_t kFingerprintDigits = 40;
inline constexpr std::size_t kSafetyNumberDigits = 60;

enum class IdentityError { ok, unreadable, corrupt, cannot_write };
std::string_view to_string(IdentityError e);

// Loads <dir>/identity.key, or creates it (dir too, mode 0700, if absent) with a
// key from rng. Creation is atomic (temp file, fsync, link into place, fsync of
// dir), mode 0600, and never replaces an existing file. Errors: unreadable (I/O),
// corrupt (bad format, or the public key does not match the private key; the
// file is left untouched), cannot_write. `message` says what happened in words
// (also on success: "created ..." or "loaded ...").
IdentityError load_or_create_identity(const std::filesystem::path& dir, const Rng& rng, KeyPair& out,
                                      std::string& message);

// Writes pair to <dir>/identity.key with the same care as creation (atomic,
// 0600); never replaces an existing file (cannot_write, errno EEXIST). For
// taking a profile's lock off (core/profile_lock.hpp).
IdentityError save_identity(const std::filesystem::path& dir, const KeyPair& pair, std::string& message);

// 40 decimal digits derived from the key (see PROTOCOL.md "Fingerprints").
std::string fingerprint(const PublicKey& key);

// Groups of 5 digits separated by single spaces, for display.
std::string format_digits(std::string_view digits);

// 60 digits for a pair of keys, the same whichever order they are given in.
std::string safety_number(const PublicKey& a, const PublicKey& b);

// True when fp_or_prefix (spaces ignored, at least 1 digit, digits only) is a
// prefix of key's fingerprint.
bool fingerprint_matches(std::string_view fp_or_prefix, const PublicKey& key);

}  // namespace hallway::crypto
