#pragma once
// Reading the fields of the file messages (docs/FILES-DESIGN.md), shared by the
// offer and the small messages so that both apply PROTOCOL.md §6's rules the
// same way: unknown keys (of any type) ignored, a defined key twice refused, a
// tagged value is of the wrong type. Internal to core/files.
#include "transport/cbor.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hallway::core::files::detail {

namespace cbor = transport::cbor;
using transport::cbor::Major;

// One value of a map, as the bytes of one well-formed item.
struct Value {
    std::span<const std::uint8_t> bytes;

    std::optional<std::uint64_t> uint() const {
        cbor::Reader r(bytes);
        cbor::Head h;
        if (!r.head(h) || h.major != Major::uint) return std::nullopt;
        return h.arg;
    }
    // A text or byte string of at most max bytes (as on the wire), where it lies
    // in bytes; a string sent in pieces (indefinite length) is joined in scratch.
    bool view(Major major, std::size_t max, std::string& scratch, std::string_view& s) const {
        cbor::Reader r(bytes);
        cbor::Head h;
        return r.head(h) && r.string_body(h, major, scratch, s) && s.size() <= max;
    }
    // The same, copied into out.
    template <typename Out>
    bool string(Major major, std::size_t max, Out& out) const {
        std::string scratch;
        std::string_view s;
        if (!view(major, max, scratch, s)) return false;
        out.assign(s.begin(), s.end());
        return true;
    }
    // A byte string of exactly N bytes.
    template <std::size_t N>
    bool fixed(std::array<std::uint8_t, N>& out) const {
        std::string s;
        if (!string(Major::bytes, N, s) || s.size() != N) return false;
        std::memcpy(out.data(), s.data(), N);
        return true;
    }
};

// The values of the keys named in `names` (each at most once) of the map in bytes.
template <std::size_t N>
bool read_map(std::span<const std::uint8_t> bytes, const std::array<std::string_view, N>& names,
              std::array<std::optional<Value>, N>& out) {
    return cbor::read_text_keyed_map(bytes, [&](std::string_view key, std::span<const std::uint8_t> value) {
        const auto it = std::find(names.begin(), names.end(), key);
        if (it == names.end()) return true;
        auto& slot = out[static_cast<std::size_t>(it - names.begin())];
        if (slot) return false;
        slot = Value{value};
        return true;
    });
}

// The items of the array in bytes (definite or indefinite), each handed to
// each() as its bytes; false past max items or when each() refuses one. depth:
// the containers open around the array (1 for an array in the top-level map).
template <typename Each>
bool read_array(std::span<const std::uint8_t> bytes, std::size_t depth, std::size_t max, Each&& each) {
    cbor::Reader r(bytes);
    cbor::Head h;
    if (!r.head(h) || h.major != Major::array) return false;
    for (std::uint64_t i = 0; h.indefinite || i < h.arg; ++i) {
        if (h.indefinite && r.take_break()) break;
        if (i >= max) return false;
        const std::size_t start = r.offset();
        if (!r.skip(depth + 1) || !each(r.input().subspan(start, r.offset() - start))) return false;
    }
    return true;
}

}  // namespace hallway::core::files::detail
