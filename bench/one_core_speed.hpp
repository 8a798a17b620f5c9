// One core's speed at a primitive, measured for about a second: the limits
// the benches compare Hallway's figures with.
#pragma once

#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <vector>

namespace hallway::bench {

// MiB/s of fn(), which handles `bytes` per call, run for about a second.
template <class Fn>
double one_core_mib_per_second(std::size_t bytes, Fn&& fn) {
    using Clock = std::chrono::steady_clock;
    if (sodium_init() < 0) std::abort();  // before it, libsodium runs its portable code, not its fastest
    const auto t0 = Clock::now();
    std::size_t done = 0;
    double seconds = 0;
    while (seconds < 1.0) {
        for (int i = 0; i < 16; ++i) fn();
        done += 16 * bytes;
        seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    return static_cast<double>(done) / (1024.0 * 1024.0) / seconds;
}

// An AEAD (ChaCha20-Poly1305 unless told; AES-256-GCM takes the same
// arguments) sealing transport frames of the largest size.
using AeadEncrypt = decltype(&crypto_aead_chacha20poly1305_ietf_encrypt);
inline double aead_mib_per_second(AeadEncrypt encrypt = crypto_aead_chacha20poly1305_ietf_encrypt) {
    std::vector<std::uint8_t> msg(65519, 0x11), out(msg.size() + 16);
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 12> nonce{};
    return one_core_mib_per_second(msg.size(), [&] {
        unsigned long long n = 0;
        encrypt(out.data(), &n, msg.data(), msg.size(), nullptr, 0, nullptr, nonce.data(), key.data());
        nonce[0]++;
    });
}

}  // namespace hallway::bench
