#pragma once
// A profile is one directory holding one identity's state: the store, the
// settings, the lock that keeps a second process out, the control socket.
// These functions touch only the file system; any thread may call them.
#include "crypto/passphrase.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hallway::core {

// File names inside a profile directory, so every layer uses the same ones.
inline constexpr std::string_view kStoreFileName = "hallway.db";
inline constexpr std::string_view kControlSocketName = "control.sock";
inline constexpr std::string_view kLockFileName = "lock";
inline constexpr std::string_view kSettingsFileName = "settings";
// The settings of a locked profile, sealed with its store key (core/profile_lock.hpp).
inline constexpr std::string_view kSealedSettingsFileName = "settings.sealed";

inline std::filesystem::path store_path(const std::filesystem::path& dir) { return dir / kStoreFileName; }
inline std::filesystem::path control_socket_path(const std::filesystem::path& dir) {
    return dir / kControlSocketName;
}
inline std::filesystem::path lock_path(const std::filesystem::path& dir) { return dir / kLockFileName; }
inline std::filesystem::path settings_path(const std::filesystem::path& dir) { return dir / kSettingsFileName; }
inline std::filesystem::path sealed_settings_path(const std::filesystem::path& dir) {
    return dir / kSealedSettingsFileName;
}

// $HALLWAY_PROFILE, else $XDG_DATA_HOME/hallway (when absolute, as the XDG
// spec requires), else $HOME/.local/share/hallway (HOME from the password
// database when unset). Empty when none of these is known.
std::filesystem::path default_profile_dir();

// Creates dir (and missing parents) with mode 0700 for dir itself; an existing
// dir of ours is narrowed to 0700. false and a one-line message when dir is
// not a directory, is someone else's, or cannot be created.
bool ensure_profile_dir(const std::filesystem::path& dir, std::string& message);

// Exclusive use of a profile by one process: flock(LOCK_EX|LOCK_NB) on
// <dir>/lock, which holds the owner's PID. The kernel drops the lock when the
// object is destroyed or the process dies, however it dies. The descriptor is
// close-on-exec, so child programs never hold the lock.
class ProfileLock {
public:
    // nullptr and message when the profile is in use ("profile <dir> is in use
    // by process <pid>") or the lock file cannot be opened.
    static std::unique_ptr<ProfileLock> acquire(const std::filesystem::path& dir, std::string& message);
    ~ProfileLock();
    ProfileLock(const ProfileLock&) = delete;
    ProfileLock& operator=(const ProfileLock&) = delete;

private:
    explicit ProfileLock(int fd) : fd_(fd) {}
    int fd_;
};

// <dir>/settings: UTF-8 text, one key=value per line (split at the first '=').
// Unknown keys, blank lines and lines starting with '#' are ignored; a later
// line wins over an earlier one with the same key; a trailing CR is dropped.
struct Settings {
    std::string nick;
    std::string presence = "available";
    std::string status_message;
    // "private=1": private mode (docs/PROTOCOL.md §2.1), kept so the window's
    // switch and the next start agree; "private=0" or absent: normal.
    bool private_mode = false;
    // Who may ask us where our contacts are, and be asked (docs/PROTOCOL.md §13):
    // to_string(ShareAddresses).
    std::string share_addresses = "verified";
    // "read_receipts=0": send no `read` and show none (docs/PROTOCOL.md §14);
    // absent or "1": on.
    bool read_receipts = true;
    // What a desktop notification of a message says: to_string(Notifications).
    std::string notifications = "full";
    // "bonjour=1": the link-local XMPP bridge (docs/PROTOCOL.md §15) is on;
    // absent or "0": off (the default: it is unencrypted).
    bool bonjour = false;
};

// Only this much of a settings file is read (ours is a few hundred bytes); the
// rest of a larger, hand-made file is ignored.
inline constexpr std::size_t kMaxSettingsBytes = 64 * 1024;

// The bounds of the values a node sets, saves and announces: the wire's field
// bounds (transport/wire.hpp), so what we keep is what peers accept. Each
// returns empty when the value is acceptable, else a one-line reason.
// nick: non-empty, at most wire::kMaxNick bytes of UTF-8, no control characters.
std::string check_nick(std::string_view nick);
// presence: available, away or busy.
std::string check_presence(std::string_view presence);
// status message: at most wire::kMaxStatusMessage bytes, no line break or NUL.
std::string check_status_message(std::string_view message);

// The setting share_addresses: a verified contact, any contact (neither
// blocked nor a stranger), or nobody may ask us where our contacts are.
enum class ShareAddresses { verified, contacts, off };
std::string_view to_string(ShareAddresses s);
std::optional<ShareAddresses> share_addresses_from(std::string_view name);

// The setting notifications: a desktop notification per message with the
// sender's name and the first line (full), one that says only that a message
// came (hidden: no name, no text), or none (off).
enum class Notifications { full, hidden, off };
std::string_view to_string(Notifications n);
std::optional<Notifications> notifications_from(std::string_view name);
// share_addresses: verified, contacts or off.
std::string check_share_addresses(std::string_view value);
// notifications: full, hidden or off.
std::string check_notifications(std::string_view value);


// Reads <dir>/settings into settings; with a key (a locked profile), reads
// <dir>/settings.sealed and opens it with the key instead. A missing file is
// ok and leaves the defaults. A value over its bound is cut to it; a value
// that still fails its check (above) is ignored, keeping the value settings
// had. false and message only when the file cannot be read (or, sealed, does
// not open with the key); settings is then unchanged.
bool load_settings(const std::filesystem::path& dir, Settings& settings, std::string& message,
                   const crypto::SealKey* key = nullptr);
// Writes <dir>/settings (with a key: <dir>/settings.sealed, sealed with it)
// atomically (temp file, fsync, rename) with mode 0600. false and message when
// a value fails its check (an empty nick is allowed: not chosen yet) or the
// write fails; the old file is then unchanged. So whatever is saved loads back
// unchanged.
bool save_settings(const std::filesystem::path& dir, const Settings& settings, std::string& message,
                   const crypto::SealKey* key = nullptr);

// The profile's small private files (settings, the locked identity).
// Writes data to file atomically: a temp file beside it (mode 0600, fsynced),
// renamed over file, the directory fsynced. false and message on failure;
// file is then unchanged.
bool write_private_file(const std::filesystem::path& file, std::string_view data, std::string& message);
// Reads at most max bytes of file into out. absent: it does not exist (true,
// out empty). too_long: it holds more than max bytes (out has max + 1).
enum class ReadFile { ok, absent, too_long, failed };
ReadFile read_small_file(const std::filesystem::path& file, std::size_t max, std::string& out, std::string& message);
// Overwrites file with zeros, fsyncs, unlinks it and fsyncs the directory, so
// that its plaintext leaves the file system (not necessarily the disk blocks:
// docs/SECURITY.md "At rest"). A missing file is ok.
bool shred_file(const std::filesystem::path& file, std::string& message);

}  // namespace hallway::core
