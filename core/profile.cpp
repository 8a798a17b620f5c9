#include "core/profile.hpp"

#include "crypto/rng.hpp"
#include "transport/messages.hpp"
#include "transport/wire.hpp"
#include "text/utf8.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <span>
#include <sstream>
#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace hallway::core {

namespace {

constexpr mode_t kProfileDirMode = 0700;  // holds the private key
constexpr mode_t kPrivateFileMode = 0600;
// A PID is at most 10 digits; anything longer in the lock file is not a PID.
constexpr std::size_t kMaxPidText = 16;

std::string errno_text(int e) { return std::strerror(e); }

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// Closes a descriptor on every exit path.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// The PID the holder wrote, or empty when it has not written it yet.
std::string read_pid(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string pid;
    std::getline(in, pid);
    if (pid.empty() || pid.size() > kMaxPidText || pid.find_first_not_of("0123456789") != std::string::npos)
        return {};
    return pid;
}

void sync_dir(const std::filesystem::path& dir) {
    Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
}

bool has_line_break(std::string_view v) { return v.find_first_of(std::string_view("\r\n\0", 3)) != v.npos; }

// What a settings value is checked with, and what it is cut to on load.
struct Field {
    std::string_view key;
    std::string Settings::*value;
    std::size_t max_bytes;
    std::string (*check)(std::string_view);
};

std::string check_saved_nick(std::string_view nick) { return nick.empty() ? std::string() : check_nick(nick); }

constexpr std::array<std::string_view, 3> kShareAddressesNames{"verified", "contacts", "off"};
// The longest of kShareAddressesNames.
constexpr std::size_t kMaxShareAddressesName = 8;

constexpr std::array<std::string_view, 3> kNotificationsNames{"full", "hidden", "off"};
constexpr std::size_t kMaxNotificationsName = 6;

// Flags, not text: read only as "0" or "1".
struct Flag {
    std::string_view key;
    bool Settings::*value;
};
constexpr Flag kFlags[] = {
    {"private", &Settings::private_mode},
    {"read_receipts", &Settings::read_receipts},
    {"bonjour", &Settings::bonjour},
};

constexpr Field kFields[] = {
    {"nick", &Settings::nick, transport::wire::kMaxNick, check_saved_nick},
    {"presence", &Settings::presence, transport::wire::kMaxPresence, check_presence},
    {"status_message", &Settings::status_message, transport::wire::kMaxStatusMessage, check_status_message},
    {"share_addresses", &Settings::share_addresses, kMaxShareAddressesName, check_share_addresses},
    {"notifications", &Settings::notifications, kMaxNotificationsName, check_notifications},
};

}  // namespace

std::filesystem::path default_profile_dir() {
    if (std::string p = env("HALLWAY_PROFILE"); !p.empty()) return p;
    if (std::filesystem::path xdg = env("XDG_DATA_HOME"); xdg.is_absolute()) return xdg / "hallway";
    std::string home = env("HOME");
    if (home.empty()) {
        if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir) home = pw->pw_dir;
    }
    if (home.empty()) return {};
    return std::filesystem::path(home) / ".local" / "share" / "hallway";
}

bool ensure_profile_dir(const std::filesystem::path& dir, std::string& message) {
    if (dir.empty()) {
        message = "no profile directory: set HALLWAY_PROFILE or HOME";
        return false;
    }
    std::error_code ec;
    if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
    if (ec) {
        message = "cannot create " + dir.parent_path().string() + ": " + ec.message();
        return false;
    }
    if (::mkdir(dir.c_str(), kProfileDirMode) != 0 && errno != EEXIST) {
        message = "cannot create " + dir.string() + ": " + errno_text(errno);
        return false;
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
        message = dir.string() + ": " + errno_text(errno);
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        message = dir.string() + " is not a directory";
        return false;
    }
    if (st.st_uid != ::geteuid()) {
        message = dir.string() + " belongs to another user";
        return false;
    }
    // mkdir's mode passes through the umask; chmod makes it exactly 0700, and
    // narrows a directory the user made by hand.
    if ((st.st_mode & 07777) != kProfileDirMode && ::chmod(dir.c_str(), kProfileDirMode) != 0) {
        message = "cannot set mode 0700 on " + dir.string() + ": " + errno_text(errno);
        return false;
    }
    return true;
}

std::unique_ptr<ProfileLock> ProfileLock::acquire(const std::filesystem::path& dir, std::string& message) {
    const auto file = lock_path(dir);
    Fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, kPrivateFileMode));
    if (fd.get() < 0) {
        message = "cannot open " + file.string() + ": " + errno_text(errno);
        return nullptr;
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            message = "cannot lock " + file.string() + ": " + errno_text(errno);
            return nullptr;
        }
        const std::string pid = read_pid(file);
        message = "profile " + dir.string() + " is in use by " + (pid.empty() ? "another process" : "process " + pid);
        return nullptr;
    }
    // The PID is only for the message above; the lock itself is the flock.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd.get(), 0) != 0 || !write_all(fd.get(), pid)) {
        message = "cannot write " + file.string() + ": " + errno_text(errno);
        return nullptr;
    }
    return std::unique_ptr<ProfileLock>(new ProfileLock(fd.release()));
}

ProfileLock::~ProfileLock() {
    // Empty the file first so it never names a process that no longer holds it;
    // never unlink it: another process may be waiting on this very inode.
    (void)!::ftruncate(fd_, 0);
    ::close(fd_);
}

std::string check_nick(std::string_view nick) {
    if (nick.empty()) return "the name must not be empty";
    if (nick.size() > transport::wire::kMaxNick)
        return "the name is " + std::to_string(nick.size()) + " bytes long; at most " +
               std::to_string(transport::wire::kMaxNick) + " bytes";
    if (transport::sanitize_utf8(nick) != nick) return "the name is not valid UTF-8";
    for (unsigned char c : nick)
        if (c < 0x20 || c == 0x7f) return "the name must not contain line breaks or other control characters";
    return {};
}

std::string check_presence(std::string_view presence) {
    if (presence == "available" || presence == "away" || presence == "busy") return {};
    return "presence must be available, away or busy";
}

std::string_view to_string(ShareAddresses s) { return kShareAddressesNames[static_cast<std::size_t>(s)]; }

std::optional<ShareAddresses> share_addresses_from(std::string_view name) {
    const auto* it = std::find(kShareAddressesNames.begin(), kShareAddressesNames.end(), name);
    if (it == kShareAddressesNames.end()) return std::nullopt;
    return static_cast<ShareAddresses>(it - kShareAddressesNames.begin());
}

std::string check_share_addresses(std::string_view value) {
    return share_addresses_from(value) ? std::string() : "must be verified, contacts or off";
}

std::string_view to_string(Notifications n) { return kNotificationsNames[static_cast<std::size_t>(n)]; }

std::optional<Notifications> notifications_from(std::string_view name) {
    const auto* it = std::find(kNotificationsNames.begin(), kNotificationsNames.end(), name);
    if (it == kNotificationsNames.end()) return std::nullopt;
    return static_cast<Notifications>(it - kNotificationsNames.begin());
}

std::string check_notifications(std::string_view value) {
    return notifications_from(value) ? std::string() : "must be full, hidden or off";
}

std::string check_status_message(std::string_view message) {
    if (message.size() > transport::wire::kMaxStatusMessage)
        return "the status message is " + std::to_string(message.size()) + " bytes long; at most " +
               std::to_string(transport::wire::kMaxStatusMessage) + " bytes";
    if (has_line_break(message)) return "the status message must not contain a line break";
    return {};
}

namespace {

// The settings' associated data: a sealed file of another kind never opens as settings.
constexpr std::string_view kSettingsAd = "hallway settings v1";

std::span<const std::uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// A string wiped when it goes away: the settings' plaintext of a locked profile.
struct WipedText {
    std::string text;
    ~WipedText() { sodium_memzero(text.data(), text.size()); }
};

// The text of the settings file, opened with key when there is one. absent: no file yet.
ReadFile read_settings_text(const std::filesystem::path& dir, const crypto::SealKey* key, WipedText& out,
                            std::string& message) {
    const auto file = key ? sealed_settings_path(dir) : settings_path(dir);
    std::string raw;
    // A larger plaintext file is not ours: its tail is ignored rather than the profile refused.
    const ReadFile r = read_small_file(file, key ? kMaxSettingsBytes + crypto::kSealOverhead : kMaxSettingsBytes,
                                       raw, message);
    if (r == ReadFile::absent || r == ReadFile::failed) return r;
    if (!key) {
        raw.resize(std::min(raw.size(), kMaxSettingsBytes));
        out.text = std::move(raw);
        return ReadFile::ok;
    }
    out.text.assign(crypto::sealed_plaintext_size(raw.size()), '\0');
    if (r == ReadFile::too_long || raw.size() < crypto::kSealOverhead ||
        !crypto::open(*key, as_bytes(kSettingsAd), as_bytes(raw),
                      std::span(reinterpret_cast<std::uint8_t*>(out.text.data()), out.text.size()))) {
        message = file.string() + " is damaged or was sealed with another key";
        return ReadFile::failed;
    }
    return ReadFile::ok;
}

}  // namespace

bool load_settings(const std::filesystem::path& dir, Settings& settings, std::string& message,
                   const crypto::SealKey* key) {
    WipedText text;
    switch (read_settings_text(dir, key, text, message)) {
        case ReadFile::absent: return true;  // first run: defaults
        case ReadFile::failed: return false;
        case ReadFile::ok:
        case ReadFile::too_long: break;
    }

    Settings loaded = settings;
    std::istringstream lines(text.text);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();  // edited on Windows
        if (line.empty() || line.front() == '#') continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        const std::string_view key_name(line.data(), eq);
        for (const Flag& f : kFlags) {
            const std::string_view value = std::string_view(line).substr(eq + 1);
            if (key_name == f.key && (value == "0" || value == "1")) loaded.*f.value = value == "1";
        }
        for (const Field& f : kFields) {
            if (key_name != f.key) continue;
            // Hand-edited over-long values are cut, not a reason to refuse the profile.
            const std::string_view value = text::cut_at_char_boundary(std::string_view(line).substr(eq + 1), f.max_bytes);
            if (f.check(value).empty()) loaded.*f.value = std::string(value);
        }
    }
    settings = std::move(loaded);
    return true;
}

bool save_settings(const std::filesystem::path& dir, const Settings& settings, std::string& message,
                   const crypto::SealKey* key) {
    WipedText text{"# Hallway profile settings\n"};
    for (const Field& f : kFields) {
        const std::string& value = settings.*f.value;
        // The same checks as loading: a file we write always loads back as written.
        if (std::string why = f.check(value); !why.empty()) {
            message = std::string(f.key) + ": " + why;
            return false;
        }
        text.text.append(f.key).append("=").append(value).append("\n");
    }
    for (const Flag& f : kFlags) text.text.append(f.key).append(settings.*f.value ? "=1\n" : "=0\n");
    if (!key) return write_private_file(settings_path(dir), text.text, message);
    const auto sealed = crypto::seal(*key, as_bytes(kSettingsAd), as_bytes(text.text), crypto::system_rng());
    return write_private_file(sealed_settings_path(dir),
                              std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()), message);
}

bool write_private_file(const std::filesystem::path& file, std::string_view data, std::string& message) {
    auto tmp = file;
    tmp += ".tmp";  // one writer per profile (the lock), so a fixed name is safe
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, kPrivateFileMode));
    auto fail = [&](const std::filesystem::path& what) {
        message = "cannot write " + what.string() + ": " + errno_text(errno);
        ::unlink(tmp.c_str());
        return false;
    };
    if (fd.get() < 0) return fail(tmp);
    if (::fchmod(fd.get(), kPrivateFileMode) != 0 || !write_all(fd.get(), data) || ::fsync(fd.get()) != 0)
        return fail(tmp);
    if (::close(fd.release()) != 0) return fail(tmp);
    if (::rename(tmp.c_str(), file.c_str()) != 0) return fail(file);
    // The rename is durable only once the directory entry is synced.
    sync_dir(file.parent_path());
    return true;
}

ReadFile read_small_file(const std::filesystem::path& file, std::size_t max, std::string& out, std::string& message) {
    out.clear();
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) {
        if (errno == ENOENT) return ReadFile::absent;
        message = "cannot read " + file.string() + ": " + errno_text(errno);
        return ReadFile::failed;
    }
    // One byte more than allowed, so that an overlong file shows as such.
    out.assign(max + 1, '\0');
    std::size_t got = 0;
    while (got < out.size()) {
        const ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            message = "cannot read " + file.string() + ": " + errno_text(errno);
            out.clear();
            return ReadFile::failed;
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return got > max ? ReadFile::too_long : ReadFile::ok;
}

bool shred_file(const std::filesystem::path& file, std::string& message) {
    Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) {
        if (errno == ENOENT) return true;
        message = "cannot open " + file.string() + ": " + errno_text(errno);
        return false;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        message = file.string() + ": " + errno_text(errno);
        return false;
    }
    // In pieces: a store being shredded can be large.
    static const std::array<char, 65536> zeros{};
    bool ok = true;
    for (off_t done = 0; ok && done < st.st_size;) {
        const auto n = std::min<off_t>(st.st_size - done, static_cast<off_t>(zeros.size()));
        ok = write_all(fd.get(), std::string_view(zeros.data(), static_cast<std::size_t>(n)));
        done += n;
    }
    if (!ok || ::fsync(fd.get()) != 0 || ::close(fd.release()) != 0 || ::unlink(file.c_str()) != 0) {
        message = "cannot overwrite and remove " + file.string() + ": " + errno_text(errno);
        return false;
    }
    sync_dir(file.parent_path());
    return true;
}

}  // namespace hallway::core
