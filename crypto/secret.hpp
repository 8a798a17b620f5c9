#pragma once
// Fixed-size secret bytes that are wiped when they go out of scope.
#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace hallway::crypto {

template <std::size_t N>
class Secret {
public:
    Secret() { bytes_.fill(0); }
    explicit Secret(std::span<const std::uint8_t, N> src) { std::copy(src.begin(), src.end(), bytes_.begin()); }
    Secret(const Secret& o) : bytes_(o.bytes_) {}
    Secret& operator=(const Secret& o) { bytes_ = o.bytes_; return *this; }
    ~Secret() { sodium_memzero(bytes_.data(), N); }

    std::uint8_t* data() { return bytes_.data(); }
    const std::uint8_t* data() const { return bytes_.data(); }
    static constexpr std::size_t size() { return N; }
    std::span<std::uint8_t, N> span() { return bytes_; }
    std::span<const std::uint8_t, N> span() const { return bytes_; }

private:
    std::array<std::uint8_t, N> bytes_;
};

}  // namespace hallway::crypto
