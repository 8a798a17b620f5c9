#pragma once
// Small helpers shared by the crypto tests.
#include "crypto/noise.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::crypto::test {

inline std::vector<std::uint8_t> from_hex(std::string_view hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

inline std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::uint8_t b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 0xf];
    }
    return out;
}

inline std::vector<std::uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }

// A deterministic Rng: byte i of the stream is seed + i, so runs are reproducible.
inline Rng counting_rng(std::uint8_t seed) {
    return [counter = seed](std::span<std::uint8_t> out) mutable {
        for (std::uint8_t& b : out) b = counter++;
    };
}

}  // namespace hallway::crypto::test
