// How long one passphrase derivation takes with the default Argon2id cost
// (and a few neighbours), to choose crypto::kDefaultKdfParams: about 0.5 s.
// Usage: passphrase_bench [RUNS]
#include "crypto/passphrase.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace hallway::crypto;

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
    const std::array<std::uint8_t, kKdfSaltLen> salt{};
    const KdfParams candidates[] = {
        {2, 128ull << 20}, {3, 128ull << 20}, {4, 128ull << 20}, {2, 192ull << 20}, {2, 256ull << 20},
        {3, 256ull << 20}, {4, 256ull << 20}, {3, 384ull << 20}, {5, 256ull << 20}, kDefaultKdfParams};
    for (const KdfParams& p : candidates) {
        if (&p != &candidates[std::size(candidates) - 1] && p == kDefaultKdfParams) continue;  // listed last
        SealKey key;
        double best = 1e9;
        for (int i = 0; i < runs; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            if (!derive_key("bench passphrase", salt, p, key)) {
                std::printf("ops=%llu mem=%llu MiB: derivation failed\n", static_cast<unsigned long long>(p.opslimit),
                            static_cast<unsigned long long>(p.memlimit >> 20));
                break;
            }
            best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::printf("ops=%llu mem=%llu MiB: %.3f s (best of %d)%s\n", static_cast<unsigned long long>(p.opslimit),
                    static_cast<unsigned long long>(p.memlimit >> 20), best, runs,
                    p == kDefaultKdfParams ? "  <- default" : "");
    }
    return 0;
}
