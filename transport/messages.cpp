#include "transport/messages.hpp"

#include "transport/wire.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

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

// Index of the first byte of s that does not start a well-formed UTF-8 sequence,
// or s.size(). ASCII is skipped eight bytes at a time: bodies are mostly ASCII.
std::size_t first_invalid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        if (i + 8 <= s.size()) {
            std::uint64_t word;
            std::memcpy(&word, s.data() + i, 8);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        const std::size_t n = utf8_sequence_len(s, i);
        if (n == 0) return i;
        i += n;
    }
    return s.size();
}

// --- Fast path for Text, the only message whose size matters (bodies up to
// wire::kMaxMessage). nlohmann reads and writes CBOR strings one byte at a time
// through its SAX layer, several times slower than the AEAD. The fast path
// handles exactly the shape encode() produces (a definite map of the four Text
// keys, any order, any integer width); anything else goes to nlohmann, which
// stays the general decoder. messages_test checks that both agree.

// CBOR major types (RFC 8949 §3.1).
constexpr std::uint8_t kMajorUint = 0;
constexpr std::uint8_t kMajorBytes = 2;
constexpr std::uint8_t kMajorText = 3;
constexpr std::uint8_t kMajorMap = 5;

// Head of a data item with the shortest argument encoding (as nlohmann writes it).
void put_head(std::vector<std::uint8_t>& out, std::uint8_t major, std::uint64_t v) {
    const auto m = static_cast<std::uint8_t>(major << 5);
    int bytes = 0;
    if (v < 24) {
        out.push_back(static_cast<std::uint8_t>(m | v));
        return;
    }
    if (v <= 0xff) {
        out.push_back(m | 24);
        bytes = 1;
    } else if (v <= 0xffff) {
        out.push_back(m | 25);
        bytes = 2;
    } else if (v <= 0xffffffffULL) {
        out.push_back(m | 26);
        bytes = 4;
    } else {
        out.push_back(m | 27);
        bytes = 8;
    }
    for (int k = bytes - 1; k >= 0; --k) out.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
}

void put_text(std::vector<std::uint8_t>& out, std::string_view s) {
    put_head(out, kMajorText, s.size());
    const std::size_t at = out.size();
    out.resize(at + s.size());  // memcpy: inserting chars into bytes would copy one by one
    if (!s.empty()) std::memcpy(out.data() + at, s.data(), s.size());
}

// Same bytes as nlohmann::to_cbor of the Text map: keys in std::map order.
std::vector<std::uint8_t> encode_text(const Text& x) {
    std::string sanitized;
    std::string_view body = x.body;
    if (first_invalid_utf8(body) != body.size()) {
        sanitized = sanitize_utf8(body);
        body = sanitized;
    }
    std::vector<std::uint8_t> out;
    out.reserve(body.size() + 64);
    put_head(out, kMajorMap, 4);
    put_text(out, "body");
    put_text(out, body);
    put_text(out, "id");
    put_head(out, kMajorBytes, x.id.size());
    out.insert(out.end(), x.id.begin(), x.id.end());
    put_text(out, "t");
    put_text(out, kText);
    put_text(out, "ts");
    put_head(out, kMajorUint, x.sent_at_ms);
    return out;
}

// Reads CBOR heads from a byte span; any shape it does not expect makes it fail.
struct CborCursor {
    std::span<const std::uint8_t> in;
    bool ok = true;

    // Head with a definite argument; fails on indefinite lengths, tags, floats.
    std::uint64_t head(std::uint8_t& major) {
        if (!ok || in.empty()) return fail();
        const std::uint8_t b = in[0];
        major = static_cast<std::uint8_t>(b >> 5);
        const std::uint8_t info = b & 0x1f;
        in = in.subspan(1);
        if (info < 24) return info;
        if (info > 27) return fail();
        const std::size_t n = std::size_t{1} << (info - 24);
        if (in.size() < n) return fail();
        std::uint64_t v = 0;
        for (std::size_t k = 0; k < n; ++k) v = (v << 8) | in[k];
        in = in.subspan(n);
        return v;
    }
    // Body of a text or byte string of the given major type.
    std::span<const std::uint8_t> string(std::uint8_t want) {
        std::uint8_t major = 0;
        const std::uint64_t len = head(major);
        if (!ok || major != want || len > in.size()) {
            fail();
            return {};
        }
        auto s = in.first(static_cast<std::size_t>(len));
        in = in.subspan(static_cast<std::size_t>(len));
        return s;
    }
    std::uint64_t fail() {
        ok = false;
        return 0;
    }
};

std::string_view as_chars(std::span<const std::uint8_t> s) {
    return {reinterpret_cast<const char*>(s.data()), s.size()};
}

// The Text in bytes when they have the shape encode() writes; nullopt means
// "not handled here", never "invalid": the caller then asks nlohmann.
std::optional<Text> decode_text_fast(std::span<const std::uint8_t> bytes) {
    CborCursor c{bytes};
    std::uint8_t major = 0;
    if (c.head(major) != 4 || major != kMajorMap) return std::nullopt;
    std::optional<std::span<const std::uint8_t>> body, id;
    std::optional<std::uint64_t> ts;
    bool type_seen = false;
    for (int i = 0; i < 4 && c.ok; ++i) {
        const std::string_view key = as_chars(c.string(kMajorText));
        if (!c.ok) return std::nullopt;
        if (key == "body" && !body) {
            body = c.string(kMajorText);
        } else if (key == "id" && !id) {
            id = c.string(kMajorBytes);
        } else if (key == "t" && !type_seen) {
            type_seen = true;
            if (as_chars(c.string(kMajorText)) != kText) return std::nullopt;
        } else if (key == "ts" && !ts) {
            ts = c.head(major);
            if (major != kMajorUint) return std::nullopt;
        } else {
            return std::nullopt;  // unknown or repeated key
        }
    }
    if (!c.ok || !c.in.empty() || !body || !id || !ts || !type_seen) return std::nullopt;
    Text t;
    if (id->size() != t.id.size()) return std::nullopt;
    std::copy(id->begin(), id->end(), t.id.begin());
    t.sent_at_ms = *ts;
    const std::string_view text = as_chars(*body);
    t.body = first_invalid_utf8(text) == text.size() ? std::string(text) : sanitize_utf8(text);
    return t;
}

const json* field(const json& map, std::string_view key) {
    const auto it = map.find(key);
    return it == map.end() ? nullptr : &*it;
}

std::optional<std::string> text_field(const json& map, std::string_view key) {
    const json* v = field(map, key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    const auto& s = v->get_ref<const std::string&>();
    return first_invalid_utf8(s) == s.size() ? s : sanitize_utf8(s);
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
    const std::size_t valid = first_invalid_utf8(s);
    std::string out(s.substr(0, valid));
    if (valid == s.size()) return out;
    out.reserve(s.size() + 2);
    for (std::size_t i = valid; i < s.size();) {
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

std::vector<std::uint8_t> encode(const Message& m) {
    if (const auto* text = std::get_if<Text>(&m)) return encode_text(*text);
    return encode_generic(m);
}

std::vector<std::uint8_t> encode_generic(const Message& m) { return to_cbor(to_map(m)); }

DecodeStatus decode_checked(std::span<const std::uint8_t> bytes, std::optional<Message>& out) {
    if (auto text = decode_text_fast(bytes)) {
        out = std::move(*text);
        return DecodeStatus::ok;
    }
    return decode_checked_generic(bytes, out);
}

DecodeStatus decode_checked_generic(std::span<const std::uint8_t> bytes, std::optional<Message>& out) {
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
