#pragma once
// Internal to the control socket's files (control.cpp, control_rooms.cpp,
// control_files.cpp): reading request fields and writing replies, never
// throwing on bad input.
#include "core/control.hpp"
#include "core/events.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hallway::core {
class Node;
}

namespace hallway::core::control_json {

using nlohmann::json;

inline std::string to_hex(std::span<const std::uint8_t> bytes) {
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
    out.pop_back();
    return out;
}

inline json error_json(std::string_view code, std::string_view message) {
    return json{{"ok", false}, {"code", code}, {"error", message}};
}

inline std::string string_field(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// json::value() throws when the field has another type; a request line must never
// throw out of the read handler (that would stop the node), so ill-typed means false.
inline bool bool_field(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

// An unsigned integer field, fallback when absent; nullopt when ill-typed or below min.
inline std::optional<std::uint64_t> uint_field(const json& j, const char* key, std::uint64_t fallback,
                                        std::uint64_t min = 0) {
    auto it = j.find(key);
    if (it == j.end()) return fallback;
    // Parsed JSON holds a non-negative number as unsigned, a built one maybe as signed.
    if (!it->is_number_integer() || (!it->is_number_unsigned() && it->get<std::int64_t>() < 0) ||
        it->get<std::uint64_t>() < min)
        return std::nullopt;
    return it->get<std::uint64_t>();
}

// The request's "peer" resolved into key; else the error reply (bad_request,
// no_peer, ambiguous).
std::optional<json> peer_field(const Node& node, const json& req, PeerKey& key);

// The bytes left for list items in a reply line: kMaxControlLine less the
// reply's other fields, measured with their longest values.
class ReplyBudget {
public:
    explicit ReplyBudget(const json& envelope) : left_(kMaxControlLine - dump_json(envelope).size()) {}
    bool fits(const json& item) const { return cost(item) <= left_; }
    // false, and nothing taken, when item does not fit.
    bool take(const json& item) {
        const std::size_t n = cost(item);
        if (n > left_) return false;
        left_ -= n;
        return true;
    }

private:
    static std::size_t cost(const json& item) { return dump_json(item).size() + 1; }  // 1: the comma
    std::size_t left_;
};

// The reply with the list's items from offset on (item(i) makes the i-th), as
// many as the line allows, at least one: one too large alone has the first of
// long_fields that makes it fit cut (and "truncated"); "more", and "next" the
// offset of the next page.
json offset_page(const char* list, std::size_t size, std::uint64_t offset, const std::function<json(std::size_t)>& item,
                 std::initializer_list<const char*> long_fields);

}  // namespace hallway::core::control_json
