#include "transport/messages.hpp"

#include "transport/wire.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace hallway::transport {

using nlohmann::json;

namespace {

// Message type names: the value of key "t". New message kinds (groups, files)
// get new names; receivers skip names they do not know.
constexpr std::string_view kText = "text";
constexpr std::string_view kAck = "ack";
constexpr std::string_view kStatus = "status";
constexpr std::string_view kPing = "ping";
constexpr std::string_view kPong = "pong";
constexpr std::string_view kClose = "close";

// Length of the UTF-8 sequence starting at s[i] when it is well formed
// (shortest form, no surrogates, at most U+10FFFF), else 0.
std::size_t utf8_sequence_len(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xc0) == 0x80; };
    const unsigned char c = b(0);
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xe0 && b(1) < 0xa0) return 0;  // overlong
        if (c == 0xed && b(1) > 0x9f) return 0;  // surrogate
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xf0 && b(1) < 0x90) return 0;  // overlong
        if (c == 0xf4 && b(1) > 0x8f) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

// Cuts s to at most max bytes without splitting a UTF-8 sequence (s is valid UTF-8).
std::string truncate_utf8(std::string s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80) --end;
    s.resize(end);
    return s;
}

const json* field(const json& map, std::string_view key) {
    const auto it = map.find(key);
    return it == map.end() ? nullptr : &*it;
}

std::optional<std::string> text_field(const json& map, std::string_view key) {
    const json* v = field(map, key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return sanitize_utf8(v->get_ref<const std::string&>());
}

std::optional<std::uint64_t> uint_field(const json& map, std::string_view key) {
    const json* v = field(map, key);
    if (v == nullptr || !v->is_number_unsigned()) return std::nullopt;
    return v->get<std::uint64_t>();
}

std::optional<MessageId> id_field(const json& map) {
    const json* v = field(map, "id");
    if (v == nullptr || !v->is_binary()) return std::nullopt;
    const auto& bytes = v->get_binary();
    MessageId id{};
    if (bytes.size() != id.size()) return std::nullopt;
    std::copy(bytes.begin(), bytes.end(), id.begin());
    return id;
}

json id_value(const MessageId& id) { return json::binary(std::vector<std::uint8_t>(id.begin(), id.end())); }

json to_map(const Message& m) {
    struct Visitor {
        json operator()(const Text& x) const {
            return {{"t", kText}, {"id", id_value(x.id)}, {"ts", x.sent_at_ms}, {"body", sanitize_utf8(x.body)}};
        }
        json operator()(const Ack& x) const { return {{"t", kAck}, {"id", id_value(x.id)}}; }
        json operator()(const Status& x) const {
            return {{"t", kStatus},
                    {"presence", sanitize_utf8(x.presence)},
                    {"msg", sanitize_utf8(x.message)},
                    {"nick", truncate_utf8(sanitize_utf8(x.nick), wire::kMaxNick)}};
        }
        json operator()(const Ping& x) const { return {{"t", kPing}, {"n", x.nonce}}; }
        json operator()(const Pong& x) const { return {{"t", kPong}, {"n", x.nonce}}; }
        json operator()(const Close& x) const { return {{"t", kClose}, {"reason", sanitize_utf8(x.reason)}}; }
    };
    return std::visit(Visitor{}, m);
}

std::optional<Message> from_map(const json& map, std::string_view type) {
    if (type == kText) {
        auto id = id_field(map);
        auto ts = uint_field(map, "ts");
        auto body = text_field(map, "body");
        if (!id || !ts || !body) return std::nullopt;
        return Text{*id, *ts, std::move(*body)};
    }
    if (type == kAck) {
        auto id = id_field(map);
        if (!id) return std::nullopt;
        return Ack{*id};
    }
    if (type == kStatus) {
        auto presence = text_field(map, "presence");
        auto msg = text_field(map, "msg");
        auto nick = text_field(map, "nick");
        if (!presence || !msg || !nick || nick->size() > wire::kMaxNick) return std::nullopt;
        return Status{std::move(*presence), std::move(*msg), std::move(*nick)};
    }
    if (type == kPing || type == kPong) {
        auto n = uint_field(map, "n");
        if (!n) return std::nullopt;
        if (type == kPing) return Ping{*n};
        return Pong{*n};
    }
    if (type == kClose) {
        auto reason = text_field(map, "reason");
        if (!reason) return std::nullopt;
        return Close{std::move(*reason)};
    }
    return std::nullopt;
}

// Parses CBOR without letting any exception out (allow_exceptions=false reports
// syntax errors as "discarded"; the catch covers allocation failures).
json parse_cbor(std::span<const std::uint8_t> bytes) {
    try {
        return json::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true, /*allow_exceptions=*/false);
    } catch (...) {
        return json(json::value_t::discarded);
    }
}

std::vector<std::uint8_t> to_cbor(const json& j) {
    std::vector<std::uint8_t> out;
    json::to_cbor(j, out);
    return out;
}

}  // namespace

std::string sanitize_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::size_t run = i;  // ASCII runs are copied whole: bodies are mostly ASCII
        while (run < s.size() && static_cast<unsigned char>(s[run]) < 0x80) ++run;
        if (run > i) {
            out.append(s.substr(i, run - i));
            i = run;
            continue;
        }
        const std::size_t n = utf8_sequence_len(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string_view to_string(DecodeStatus s) {
    switch (s) {
        case DecodeStatus::ok: return "ok";
        case DecodeStatus::skipped: return "unknown or ill-typed message (skipped)";
        case DecodeStatus::malformed: return "not a CBOR map with a text \"t\"";
    }
    return "unknown decode status";
}

std::vector<std::uint8_t> encode(const Message& m) { return to_cbor(to_map(m)); }

DecodeStatus decode_checked(std::span<const std::uint8_t> bytes, std::optional<Message>& out) {
    out.reset();
    const json map = parse_cbor(bytes);
    if (map.is_discarded() || !map.is_object()) return DecodeStatus::malformed;
    const json* type = field(map, "t");
    if (type == nullptr || !type->is_string()) return DecodeStatus::malformed;
    out = from_map(map, type->get_ref<const std::string&>());
    return out ? DecodeStatus::ok : DecodeStatus::skipped;
}

std::optional<Message> decode(std::span<const std::uint8_t> bytes) {
    std::optional<Message> out;
    decode_checked(bytes, out);
    return out;
}

std::vector<std::uint8_t> encode_hello(const Hello& h) {
    json caps = json::array();
    for (const auto& c : h.capabilities) {
        if (caps.size() == wire::kMaxCapabilities) break;
        caps.push_back(sanitize_utf8(c));
    }
    return to_cbor({{"v", h.version}, {"nick", truncate_utf8(sanitize_utf8(h.nick), wire::kMaxNick)}, {"caps", caps}});
}

std::optional<Hello> decode_hello(std::span<const std::uint8_t> bytes) {
    if (bytes.size() > wire::kMaxHello) return std::nullopt;
    const json map = parse_cbor(bytes);
    if (map.is_discarded() || !map.is_object()) return std::nullopt;
    const auto version = uint_field(map, "v");
    auto nick = text_field(map, "nick");
    if (!version || *version > UINT32_MAX || !nick || nick->size() > wire::kMaxNick) return std::nullopt;
    Hello h;
    h.version = static_cast<std::uint32_t>(*version);
    h.nick = std::move(*nick);
    if (const json* caps = field(map, "caps")) {  // optional: absent means none
        if (!caps->is_array() || caps->size() > wire::kMaxCapabilities) return std::nullopt;
        for (const auto& c : *caps) {
            if (!c.is_string()) return std::nullopt;
            h.capabilities.push_back(sanitize_utf8(c.get_ref<const std::string&>()));
        }
    }
    return h;
}

}  // namespace hallway::transport
