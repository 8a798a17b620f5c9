#include "crypto/identity.hpp"

#include "crypto/primitives.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hallway::crypto {

namespace {

constexpr std::string_view kIdentityHeader = "hallway-identity v1";
constexpr std::size_t kHexKeyLen = 2 * kDhLen;
// Header, two hex keys, three newlines: anything longer is not ours.
constexpr std::size_t kIdentityFileLen = kIdentityHeader.size() + 2 * kHexKeyLen + 3;
constexpr std::string_view kFingerprintLabel = "Hallway fingerprint v1";
constexpr std::string_view kSafetyNumberLabel = "Hallway safety number v1";
// Each 5-byte chunk of the hash gives 5 digits (40 bits mod 10^5: bias < 10^-7).
constexpr std::size_t kChunkBytes = 5;
constexpr std::size_t kChunkDigits = 5;
constexpr std::uint64_t kChunkModulus = 100000;

// A string that is wiped when it goes away (hex of the private key).
struct WipedString {
    std::string text;
    ~WipedString() { sodium_memzero(text.data(), text.size()); }
};

std::string errno_text() { return std::strerror(errno); }

detail::Bytes as_bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string hash_to_digits(std::initializer_list<detail::Bytes> parts, std::size_t digits) {
    std::array<std::uint8_t, kHashLen> h{};
    detail::blake2b(parts, h);
    std::string out;
    for (std::size_t chunk = 0; chunk < digits / kChunkDigits; ++chunk) {
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < kChunkBytes; ++i) value = (value << 8) | h[chunk * kChunkBytes + i];
        std::string part = std::to_string(value % kChunkModulus);
        out += std::string(kChunkDigits - part.size(), '0') + part;
    }
    return out;
}

bool parse_lower_hex(std::string_view hex, std::span<std::uint8_t, kDhLen> out) {
    if (hex.size() != kHexKeyLen) return false;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < kDhLen; ++i) {
        const int hi = nibble(hex[2 * i]);
        const int lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
}

void append_hex(std::string& out, std::span<const std::uint8_t> bytes) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    for (std::uint8_t b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 0xf];
    }
}

// Pure: the file's text to a key pair, or a reason it is corrupt.
std::optional<KeyPair> parse_identity(std::string_view text, std::string& reason) {
    const std::string header = std::string(kIdentityHeader) + "\n";
    if (!text.starts_with(header)) {
        reason = "line 1 is not \"" + std::string(kIdentityHeader) + "\"";
        return std::nullopt;
    }
    text.remove_prefix(header.size());
    if (text.size() != 2 * (kHexKeyLen + 1) || text[kHexKeyLen] != '\n' || text.back() != '\n') {
        reason = "expected two lines of " + std::to_string(kHexKeyLen) + " hex characters after the header";
        return std::nullopt;
    }
    Secret<kDhLen> private_key;
    PublicKey public_key{};
    if (!parse_lower_hex(text.substr(0, kHexKeyLen), private_key.span()) ||
        !parse_lower_hex(text.substr(kHexKeyLen + 1, kHexKeyLen), public_key)) {
        reason = "a key line is not lowercase hex";
        return std::nullopt;
    }
    KeyPair pair = KeyPair::from_private(private_key.span());
    if (sodium_memcmp(pair.public_key.data(), public_key.data(), kDhLen) != 0) {
        reason = "the public key does not belong to the private key";
        return std::nullopt;
    }
    return pair;
}

enum class ReadResult { ok, absent, failed };

ReadResult read_small_file(const std::filesystem::path& path, WipedString& out) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    // ENOTDIR: a path component is a file; creating the directory will say so.
    if (fd < 0) return errno == ENOENT || errno == ENOTDIR ? ReadResult::absent : ReadResult::failed;
    // One byte more than a valid file may hold, so that an overlong file shows as such.
    out.text.assign(kIdentityFileLen + 1, '\0');
    std::size_t got = 0;
    while (got < out.text.size()) {
        const ssize_t n = ::read(fd, out.text.data() + got, out.text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            return ReadResult::failed;
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    sodium_memzero(out.text.data() + got, out.text.size() - got);
    out.text.resize(got);
    return ReadResult::ok;
}

bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Writes text to a fresh temp file and links it to path, which must not
// exist: link() rather than rename() so that an identity created meanwhile by
// another process is never replaced. EEXIST is reported through errno.
bool write_new_file_atomically(const std::filesystem::path& path, std::string_view text) {
    std::string temp = path.string() + ".tmp.XXXXXX";
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) return false;
    const bool written = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0 && write_all(fd, text) && ::fsync(fd) == 0;
    const bool closed = ::close(fd) == 0;
    const bool linked = written && closed && ::link(temp.c_str(), path.c_str()) == 0;
    const int saved_errno = errno;
    ::unlink(temp.c_str());
    if (!linked) {
        errno = saved_errno;
        return false;
    }
    const int dir_fd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return false;
    const bool synced = ::fsync(dir_fd) == 0;
    ::close(dir_fd);
    return synced;
}

void format_identity(const KeyPair& pair, WipedString& contents) {
    contents.text.reserve(kIdentityFileLen);
    contents.text += std::string(kIdentityHeader) + "\n";
    append_hex(contents.text, pair.private_key.span());
    contents.text += "\n";
    append_hex(contents.text, pair.public_key);
    contents.text += "\n";
}

IdentityError load_identity(const std::filesystem::path& path, std::string_view text, KeyPair& out,
                            std::string& message) {
    std::string reason;
    std::optional<KeyPair> pair = parse_identity(text, reason);
    if (!pair) {
        message = "identity file " + path.string() + " is corrupt (" + reason +
                  "); it was left unchanged. Restore it from a backup, or move it away to create a new identity.";
        return IdentityError::corrupt;
    }
    out = std::move(*pair);
    message = "loaded identity from " + path.string();
    return IdentityError::ok;
}

}  // namespace

std::string_view to_string(IdentityError e) {
    switch (e) {
        case IdentityError::ok: return "ok";
        case IdentityError::unreadable: return "identity file unreadable";
        case IdentityError::corrupt: return "identity file corrupt";
        case IdentityError::cannot_write: return "cannot write identity file";
    }
    return "unknown identity error";
}

IdentityError load_or_create_identity(const std::filesystem::path& dir, const Rng& rng, KeyPair& out,
                                      std::string& message) {
    detail::ensure_sodium();
    const std::filesystem::path path = dir / kIdentityFileName;
    WipedString text;
    switch (read_small_file(path, text)) {
        case ReadResult::ok: return load_identity(path, text.text, out, message);
        case ReadResult::failed:
            message = "cannot read identity file " + path.string() + ": " + errno_text();
            return IdentityError::unreadable;
        case ReadResult::absent: break;
    }

    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        if (!ec) std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
        if (ec) {
            message = "cannot create directory " + dir.string() + ": " + ec.message();
            return IdentityError::cannot_write;
        }
    }
    KeyPair pair = KeyPair::generate(rng);
    WipedString contents;
    format_identity(pair, contents);
    if (!write_new_file_atomically(path, contents.text)) {
        // Another process created it between our read and our link: use theirs.
        if (errno == EEXIST && read_small_file(path, text) == ReadResult::ok)
            return load_identity(path, text.text, out, message);
        message = "cannot write identity file " + path.string() + ": " + errno_text();
        return IdentityError::cannot_write;
    }
    out = std::move(pair);
    message = "created new identity in " + path.string();
    return IdentityError::ok;
}

IdentityError save_identity(const std::filesystem::path& dir, const KeyPair& pair, std::string& message) {
    detail::ensure_sodium();
    const std::filesystem::path path = dir / kIdentityFileName;
    WipedString contents;
    format_identity(pair, contents);
    if (!write_new_file_atomically(path, contents.text)) {
        message = "cannot write identity file " + path.string() + ": " + errno_text();
        return IdentityError::cannot_write;
    }
    message = "wrote identity to " + path.string();
    return IdentityError::ok;
}

std::string fingerprint(const PublicKey& key) {
    detail::ensure_sodium();
    return hash_to_digits({as_bytes(kFingerprintLabel), key}, kFingerprintDigits);
}

std::string format_digits(std::string_view digits) {
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && i % kChunkDigits == 0) out += ' ';
        out += digits[i];
    }
    return out;
}

std::string safety_number(const PublicKey& a, const PublicKey& b) {
    detail::ensure_sodium();
    const bool a_first = std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    const PublicKey& lo = a_first ? a : b;
    const PublicKey& hi = a_first ? b : a;
    return hash_to_digits({as_bytes(kSafetyNumberLabel), lo, hi}, kSafetyNumberDigits);
}

bool fingerprint_matches(std::string_view fp_or_prefix, const PublicKey& key) {
    std::string digits;
    for (char c : fp_or_prefix) {
        if (c == ' ') continue;
        if (c < '0' || c > '9') return false;
        digits += c;
    }
    if (digits.empty() || digits.size() > kFingerprintDigits) return false;
    return fingerprint(key).starts_with(digits);
}

}  // namespace hallway::crypto
