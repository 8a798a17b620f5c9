#pragma once
// Shared by the xmpp tests: feeding a whole input in different splits.
#include "xmpp/xml_stream.hpp"

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::xmpp::test {

inline std::span<const std::uint8_t> bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// All events of `input` fed in pieces of the given sizes (the rest in one piece).
inline std::vector<StreamEvent> feed_split(std::string_view input, const std::vector<std::size_t>& sizes) {
    XmlStream stream;
    std::vector<StreamEvent> all;
    std::size_t at = 0;
    for (std::size_t n : sizes) {
        if (at >= input.size()) break;
        n = std::min(n, input.size() - at);
        for (auto& e : stream.feed(bytes_of(input.substr(at, n)))) all.push_back(std::move(e));
        at += n;
    }
    if (at < input.size())
        for (auto& e : stream.feed(bytes_of(input.substr(at)))) all.push_back(std::move(e));
    return all;
}

inline std::vector<StreamEvent> feed_whole(std::string_view input) { return feed_split(input, {}); }

inline std::vector<StreamEvent> feed_bytewise(std::string_view input) {
    return feed_split(input, std::vector<std::size_t>(input.size(), 1));
}

inline std::vector<StreamEvent> feed_random(std::string_view input, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> len(1, 64);
    std::vector<std::size_t> sizes;
    for (std::size_t total = 0; total < input.size();) {
        sizes.push_back(len(rng));
        total += sizes.back();
    }
    return feed_split(input, sizes);
}

inline const std::string kLibpurpleHeader =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
    "<stream:stream xmlns=\"jabber:client\" xmlns:stream=\"http://etherx.jabber.org/streams\" "
    "from=\"alice@wonderland\" to=\"bob@builder\">";
inline const std::string kHeader =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='a@h' to='b@h'>";

inline std::optional<StreamCondition> error_of(const std::vector<StreamEvent>& events) {
    if (events.empty()) return std::nullopt;
    if (const auto* e = std::get_if<StreamError>(&events.back())) return e->condition;
    return std::nullopt;
}

}  // namespace hallway::xmpp::test
