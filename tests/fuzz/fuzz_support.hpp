#pragma once
// Shared by the fuzz targets: deterministic keys and randomness (so a crash
// replays exactly), a way to carve one input into several values, and a
// scratch directory for targets whose parser reads a file.
#include "crypto/noise.hpp"
#include "transport/session.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <unistd.h>

namespace hallway::fuzz {

// A Curve25519 key pair from a one-byte seed.
inline crypto::KeyPair fixed_key(std::uint8_t seed) {
    std::array<std::uint8_t, crypto::kDhLen> priv{};
    priv.fill(seed);
    return crypto::KeyPair::from_private(priv);
}

// The keys of the PROTOCOL.md worked example: 32 consecutive byte values from `first`.
inline crypto::KeyPair counting_key(std::uint8_t first) {
    std::array<std::uint8_t, crypto::kDhLen> priv{};
    for (std::size_t i = 0; i < priv.size(); ++i) priv[i] = static_cast<std::uint8_t>(first + i);
    return crypto::KeyPair::from_private(priv);
}

// Deterministic "randomness": a counter, so every run of an input is identical.
inline crypto::Rng counter_rng() {
    return [n = std::uint8_t{0}](std::span<std::uint8_t> out) mutable {
        for (auto& b : out) b = ++n;
    };
}

// Alice (initiator) and Bob (responder) of the PROTOCOL.md example, fixed
// ephemerals included: a recorded transcript replays exactly against a fresh
// Session, so seeds reach past the handshake even with the real AEAD.
inline transport::SessionConfig alice_config() {
    transport::SessionConfig c;
    c.role = crypto::Role::initiator;
    c.identity = counting_key(0x00);
    c.fixed_ephemeral = counting_key(0x40);
    c.hello = transport::Hello{1, "alice", {}};
    c.rng = counter_rng();
    return c;
}
inline transport::SessionConfig bob_config() {
    transport::SessionConfig c;
    c.role = crypto::Role::responder;
    c.identity = counting_key(0x20);
    c.fixed_ephemeral = counting_key(0x60);
    c.hello = transport::Hello{1, "bob", {}};
    c.rng = counter_rng();
    return c;
}

// A whole file's bytes (empty when unreadable): "was the file left untouched?"
inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Reads the input front to back; runs dry gracefully (zeros, empty spans).
class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) : rest_(data, size) {}
    std::uint8_t byte() {
        if (rest_.empty()) return 0;
        auto b = rest_.front();
        rest_ = rest_.subspan(1);
        return b;
    }
    std::span<const std::uint8_t> take(std::size_t n) {
        n = std::min(n, rest_.size());
        auto s = rest_.first(n);
        rest_ = rest_.subspan(n);
        return s;
    }
    std::span<const std::uint8_t> rest() const { return rest_; }
    bool empty() const { return rest_.empty(); }

private:
    std::span<const std::uint8_t> rest_;
};

// Feeds the rest of `in` to a session as socket reads of a size taken from the
// first byte (0: all at once), then lets time pass far beyond every timeout.
// Checks: a closed session says and writes nothing more; at most one Established;
// with silent_until_established, no byte before it is established or has read an
// IK msg1 that decrypted (a private responder answers only those, §4.2).
void drive_session(transport::Session& session, Input& in, transport::MonoTime now,
                   bool silent_until_established = false);

// The handshake_responder targets: Bob (normal or private) fed the whole input.
void drive_responder(const std::uint8_t* data, std::size_t size, bool private_mode);

// A private directory for the process (on tmpfs when available, since some
// targets fsync), removed at exit.
inline const std::filesystem::path& scratch_dir() {
    static const std::filesystem::path dir = [] {
        std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
        std::string tmpl = base + "/hallway-fuzz-XXXXXX";
        if (!::mkdtemp(tmpl.data())) std::abort();
        std::atexit([] { std::error_code ec; std::filesystem::remove_all(scratch_dir(), ec); });
        return std::filesystem::path(tmpl);
    }();
    return dir;
}

}  // namespace hallway::fuzz
