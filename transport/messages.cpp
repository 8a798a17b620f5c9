#include "transport/messages.hpp"

#include "transport/cbor.hpp"
#include "transport/wire.hpp"
#include "text/utf8.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace hallway::transport {

namespace {

using cbor::Major;
using Bytes = std::vector<std::uint8_t>;

// Message type names: the value of key "t". New message kinds (groups, files)
// get new names; receivers skip names they do not know.
constexpr std::string_view kText = "text";
constexpr std::string_view kAck = "ack";
constexpr std::string_view kStatus = "status";
constexpr std::string_view kGone = "gone";
constexpr std::string_view kPing = "ping";
constexpr std::string_view kPong = "pong";
constexpr std::string_view kClose = "close";
constexpr std::string_view kRoomEntry = "room_entry";
constexpr std::string_view kRoomSync = "room_sync";
constexpr std::string_view kRoomAck = "room_ack";
constexpr std::string_view kRoomInvite = "room_invite";
constexpr std::string_view kRoomJoin = "room_join";
constexpr std::string_view kRoomsQuery = "rooms_query";
constexpr std::string_view kRoomsList = "rooms_list";
constexpr std::string_view kWhere = "where";
constexpr std::string_view kHere = "here";
constexpr std::string_view kNearby = "nearby";
constexpr std::string_view kRead = "read";
constexpr std::string_view kTyping = "typing";
// Every type with this prefix is a file message (§12), passed up as its bytes.
constexpr std::string_view kFilePrefix = "file_";
constexpr std::string_view kLaneFiles = "files";

// Presence values a receiver shows; any other is shown as the first.
constexpr std::array<std::string_view, 3> kPresences{"available", "away", "busy"};

// Index of the first byte of s that does not start a well-formed UTF-8 sequence,
// or s.size(). ASCII is skipped 32, then eight bytes at a time: bodies are
// mostly ASCII, and the wide step lets the compiler use vector loads.
std::size_t first_invalid_utf8(std::string_view s) {
    constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
    std::size_t i = 0;
    while (i < s.size()) {
        if (i + 32 <= s.size()) {
            std::uint64_t words[4];
            std::memcpy(words, s.data() + i, 32);
            if (((words[0] | words[1] | words[2] | words[3]) & kHighBits) == 0) {
                i += 32;
                continue;
            }
        }
        if (i + 8 <= s.size()) {
            std::uint64_t word;
            std::memcpy(&word, s.data() + i, 8);
            if ((word & kHighBits) == 0) {
                i += 8;
                continue;
            }
        }
        const text::Utf8Step step = text::decode_utf8(s, i);
        if (!step.valid) return i;
        i += step.length;
    }
    return s.size();
}

// s as valid UTF-8 of at most max bytes (cut at a character boundary). Views s
// itself when it already is (no copy); otherwise the repaired copy in store.
std::string_view bounded_utf8(std::string_view s, std::size_t max, std::string& store) {
    if (first_invalid_utf8(s) != s.size()) {
        store = sanitize_utf8(s);
        s = store;
    }
    return text::cut_at_char_boundary(s, max);
}

std::string owned_bounded_utf8(std::string_view s, std::size_t max) {
    std::string store;
    const std::string_view v = bounded_utf8(s, max, store);
    if (!store.empty() && v.data() == store.data()) {
        store.resize(v.size());
        return store;
    }
    return std::string(v);
}

// --- Encoding: definite lengths, shortest heads, keys sorted as text strings.

struct MapWriter {
    Bytes out;
    explicit MapWriter(std::size_t entries, std::size_t extra = 0) {
        out.reserve(64 + extra);
        cbor::put_head(out, Major::map, entries);
    }
    MapWriter& text(std::string_view key, std::string_view value, std::size_t max) {
        std::string store;
        return valid_text(key, bounded_utf8(value, max, store));
    }
    // value is already valid UTF-8 within its bound (checked by the caller).
    MapWriter& valid_text(std::string_view key, std::string_view value) {
        cbor::put_text(out, key);
        cbor::put_text(out, value);
        return *this;
    }
    MapWriter& type(std::string_view name) {
        cbor::put_text(out, "t");
        cbor::put_text(out, name);
        return *this;
    }
    MapWriter& bytes(std::string_view key, std::span<const std::uint8_t> value) {
        cbor::put_text(out, key);
        cbor::put_bytes(out, value);
        return *this;
    }
    MapWriter& id(const MessageId& id) { return bytes("id", id); }
    MapWriter& uint(std::string_view key, std::uint64_t v) {
        cbor::put_text(out, key);
        cbor::put_head(out, Major::uint, v);
        return *this;
    }
    // The key and the head of an array of n items, which the caller appends.
    MapWriter& array(std::string_view key, std::size_t n) {
        cbor::put_text(out, key);
        cbor::put_head(out, Major::array, n);
        return *this;
    }
    // The head of a map of n entries inside an array (its entries follow).
    MapWriter& inner_map(std::size_t n) {
        cbor::put_head(out, Major::map, n);
        return *this;
    }
};

struct Encoder {
    Bytes operator()(const Text& x) const {
        std::string repaired;
        const std::string_view body = bounded_utf8(x.body, std::string_view::npos, repaired);
        if (body.size() > wire::kMaxTextBody) return {};
        return MapWriter(4, body.size())
            .valid_text("body", body)
            .id(x.id)
            .type(kText)
            .uint("ts", x.sent_at_ms)
            .out;
    }
    Bytes operator()(const Ack& x) const { return MapWriter(2).id(x.id).type(kAck).out; }
    Bytes operator()(const Status& x) const {
        // An instance name over its bound is left out, never cut: cut, it
        // would name another record.
        const bool svc = !x.instance.empty() && x.instance.size() <= wire::kMaxInstanceName &&
                         first_invalid_utf8(x.instance) == x.instance.size();
        MapWriter w(svc ? 5 : 4);
        w.text("msg", x.message, wire::kMaxStatusMessage)
            .text("nick", x.nick, wire::kMaxNick)
            .text("presence", x.presence, wire::kMaxPresence);
        if (svc) w.valid_text("svc", x.instance);
        return w.type(kStatus).out;
    }
    Bytes operator()(const Gone& x) const { return MapWriter(2).bytes("key", x.key).type(kGone).out; }
    Bytes operator()(const Ping& x) const { return MapWriter(2).uint("n", x.nonce).type(kPing).out; }
    Bytes operator()(const Pong& x) const { return MapWriter(2).uint("n", x.nonce).type(kPong).out; }
    Bytes operator()(const Close& x) const {
        return MapWriter(2).text("reason", x.reason, wire::kMaxCloseReason).type(kClose).out;
    }
    Bytes operator()(const RoomEntry& x) const {
        if (x.entry.size() > wire::kMaxRoomEntry) return {};  // never cut: that would break the signature
        return MapWriter(3, x.entry.size()).bytes("e", x.entry).bytes("s", x.signature).type(kRoomEntry).out;
    }
    Bytes operator()(const RoomSync& x) const {
        const std::size_t n = std::min(x.have.size(), wire::kMaxRoomAuthors);
        MapWriter w(3, n * 48);
        w.array("have", n);
        for (std::size_t i = 0; i < n; ++i) {
            cbor::put_head(w.out, Major::array, 2);
            cbor::put_bytes(w.out, x.have[i].first);
            cbor::put_head(w.out, Major::uint, x.have[i].second);
        }
        return w.bytes("r", x.room).type(kRoomSync).out;
    }
    Bytes operator()(const RoomAck& x) const {
        return MapWriter(4).bytes("a", x.author).uint("n", x.seq).bytes("r", x.room).type(kRoomAck).out;
    }
    Bytes operator()(const RoomInvite& x) const {
        return MapWriter(3).text("name", x.name, wire::kMaxRoomName).bytes("r", x.room).type(kRoomInvite).out;
    }
    Bytes operator()(const RoomJoin& x) const { return MapWriter(2).bytes("r", x.room).type(kRoomJoin).out; }
    Bytes operator()(const RoomsQuery&) const { return MapWriter(1).type(kRoomsQuery).out; }
    Bytes operator()(const RoomsList& x) const {
        const std::size_t n = std::min(x.rooms.size(), wire::kMaxListedRooms);
        MapWriter w(2, n * 128);
        w.array("rooms", n);
        for (std::size_t i = 0; i < n; ++i) {
            const ListedRoom& room = x.rooms[i];
            w.inner_map(4)
                .uint("count", room.members)
                .text("name", room.name, wire::kMaxRoomName)
                .bytes("r", room.room)
                .text("topic", room.topic, wire::kMaxRoomTopic);
        }
        return w.type(kRoomsList).out;
    }
    Bytes operator()(const Where& x) const {
        const std::size_t n = std::min(x.tags.size(), wire::kMaxWhereKeys);
        MapWriter w(3, n * 18);
        w.array("q", n);
        for (std::size_t i = 0; i < n; ++i) cbor::put_bytes(w.out, x.tags[i]);
        return w.bytes("s", x.salt).type(kWhere).out;
    }
    Bytes operator()(const Here& x) const {
        MapWriter w(3, std::min(x.peers.size(), wire::kMaxWhereKeys) * 128);
        put_peers(w, x.peers, wire::kMaxWhereKeys);
        return w.bytes("s", x.salt).type(kHere).out;
    }
    Bytes operator()(const Nearby& x) const {
        MapWriter w(2, std::min(x.peers.size(), wire::kMaxNearbyPeers) * 64);
        put_peers(w, x.peers, wire::kMaxNearbyPeers);
        return w.type(kNearby).out;
    }
    // here's and nearby's "peers": maps {a, key}, at most max of them.
    static void put_peers(MapWriter& w, const std::vector<SharedPeer>& peers, std::size_t max) {
        const std::size_t n = std::min(peers.size(), max);
        w.array("peers", n);
        for (std::size_t i = 0; i < n; ++i) {
            // An address is never cut (that would name another place): one that
            // does not fit is left out.
            std::vector<std::string_view> fit;
            for (const auto& a : peers[i].addresses)
                if (fit.size() < wire::kMaxSharedAddresses && a.size() <= wire::kMaxAddressText &&
                    first_invalid_utf8(a) == a.size())
                    fit.push_back(a);
            w.inner_map(2).array("a", fit.size());
            for (const auto a : fit) cbor::put_text(w.out, a);
            w.bytes("key", peers[i].key);
        }
    }
    Bytes operator()(const Read& x) const {
        const std::size_t n = std::min(x.ids.size(), wire::kMaxReadIds);
        if (n == 0) return {};  // a read of nothing is not a message (§14)
        MapWriter w(2, n * 18);
        w.array("ids", n);
        for (std::size_t i = 0; i < n; ++i) cbor::put_bytes(w.out, x.ids[i]);
        return w.type(kRead).out;
    }
    Bytes operator()(const Typing& x) const { return MapWriter(2).uint("on", x.on ? 1 : 0).type(kTyping).out; }
    Bytes operator()(const FileData& x) const {
        if (x.bytes.size() > wire::kMaxMessage) return {};
        return x.bytes;
    }
};

// --- Decoding.

// Every key a message or Hello defines; any other key is skipped unread.
enum Key : std::size_t {
    kT, kId, kTs, kBody, kPresence, kMsg, kNick, kN, kReason, kV, kCaps, kPeerKey, kSig,
    kE, kS, kR, kHave, kA, kName, kRooms, kTopic, kCount, kLane, kPort, kQ, kPeers, kIds, kOn, kSvc, kKeyCount
};
constexpr std::array<std::string_view, kKeyCount> kKeyNames{
    "t", "id", "ts", "body", "presence", "msg", "nick", "n", "reason", "v", "caps", "key", "sig",
    "e", "s", "r", "have", "a", "name", "rooms", "topic", "count", "lane", "port", "q", "peers", "ids", "on",
    "svc"};

// The values of the defined keys of one map, as the bytes of one item each.
struct Fields {
    std::array<std::span<const std::uint8_t>, kKeyCount> value{};
    std::array<std::uint8_t, kKeyCount> seen{};  // 0, 1, or 2 for "more than once"

    // The value of a key present exactly once (a repeated key has no value).
    std::optional<std::span<const std::uint8_t>> get(Key k) const {
        if (seen[k] != 1) return std::nullopt;
        return value[k];
    }
};

// Reads bytes as one map and nothing after it, every item well-formed and
// nested at most wire::kMaxNesting deep, keeping the values of defined keys.
bool read_map(std::span<const std::uint8_t> bytes, Fields& f) {
    return cbor::read_text_keyed_map(bytes, [&](std::string_view name, std::span<const std::uint8_t> value) {
        const auto* it = std::find(kKeyNames.begin(), kKeyNames.end(), name);
        if (it == kKeyNames.end()) return true;
        const auto k = static_cast<std::size_t>(it - kKeyNames.begin());
        f.value[k] = value;
        f.seen[k] = static_cast<std::uint8_t>(std::min(f.seen[k] + 1, 2));
        return true;
    });
}

// A string item of the given major, its bytes as on the wire.
std::optional<std::string_view> string_item(std::span<const std::uint8_t> item, Major major, std::string& scratch) {
    cbor::Reader r(item);
    cbor::Head h;
    std::string_view s;
    if (!r.head(h) || !r.string_body(h, major, scratch, s)) return std::nullopt;
    return s;
}

// A text field of at most max bytes on the wire, as valid UTF-8 (replacement
// can lengthen it; it is then cut back to max at a character boundary).
std::optional<std::string> text_field(const Fields& f, Key k, std::size_t max) {
    const auto item = f.get(k);
    std::string scratch;
    const auto s = item ? string_item(*item, Major::text, scratch) : std::nullopt;
    if (!s || s->size() > max) return std::nullopt;
    return owned_bounded_utf8(*s, max);
}

std::optional<std::uint64_t> uint_field(const Fields& f, Key k) {
    const auto item = f.get(k);
    if (!item) return std::nullopt;
    cbor::Reader r(*item);
    cbor::Head h;
    if (!r.head(h) || h.major != Major::uint) return std::nullopt;
    return h.arg;
}

// A byte string item of exactly N bytes (an array's item).
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> fixed_bytes_item(std::span<const std::uint8_t> item) {
    std::string scratch;
    const auto s = string_item(item, Major::bytes, scratch);
    if (!s || s->size() != N) return std::nullopt;
    std::array<std::uint8_t, N> out{};
    std::memcpy(out.data(), s->data(), N);
    return out;
}

// A byte string field of exactly N bytes.
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> fixed_bytes_field(const Fields& f, Key k) {
    const auto item = f.get(k);
    return item ? fixed_bytes_item<N>(*item) : std::nullopt;
}

std::optional<MessageId> id_field(const Fields& f) { return fixed_bytes_field<MessageId{}.size()>(f, kId); }
std::optional<RoomId> room_field(const Fields& f) { return fixed_bytes_field<RoomId{}.size()>(f, kR); }

// A byte string of at most max bytes.
std::optional<std::vector<std::uint8_t>> bytes_field(const Fields& f, Key k, std::size_t max) {
    const auto item = f.get(k);
    std::string scratch;
    const auto s = item ? string_item(*item, Major::bytes, scratch) : std::nullopt;
    if (!s || s->size() > max) return std::nullopt;
    return std::vector<std::uint8_t>(s->begin(), s->end());
}

// The items of an array field (any length form), each handed to item() as its
// own bytes; nullopt when the field is not an array, holds more than max items
// or item() refuses one. The message was checked well-formed and nested within
// bounds as a whole, so each item is too.
template <class T, class ItemFn>
std::optional<std::vector<T>> array_field(const Fields& f, Key k, std::size_t max, ItemFn item) {
    const auto field = f.get(k);
    if (!field) return std::nullopt;
    cbor::Reader r(*field);
    cbor::Head h;
    if (!r.head(h) || h.major != Major::array) return std::nullopt;
    std::vector<T> out;
    for (std::uint64_t i = 0; h.indefinite ? !r.take_break() : i < h.arg; ++i) {
        const std::size_t at = r.offset();
        if (out.size() == max || !r.skip(2)) return std::nullopt;
        auto value = item(field->subspan(at, r.offset() - at));
        if (!value) return std::nullopt;
        out.push_back(std::move(*value));
    }
    return out;
}

// room_sync "have": [author: bytes(32), seq: uint] pairs, each author once.
std::optional<std::vector<std::pair<KeyBytes, std::uint64_t>>> have_field(const Fields& f) {
    using Slot = std::pair<KeyBytes, std::uint64_t>;
    auto have = array_field<Slot>(f, kHave, wire::kMaxRoomAuthors, [](std::span<const std::uint8_t> item) {
        cbor::Reader r(item);
        cbor::Head pair, key, seq;
        std::string scratch;
        std::string_view author;
        if (!r.head(pair) || pair.major != Major::array || (!pair.indefinite && pair.arg != 2) || !r.head(key) ||
            !r.string_body(key, Major::bytes, scratch, author) || author.size() != KeyBytes{}.size() ||
            !r.head(seq) || seq.major != Major::uint || (pair.indefinite && !r.take_break()))
            return std::optional<Slot>();
        Slot slot{{}, seq.arg};
        std::memcpy(slot.first.data(), author.data(), author.size());
        return std::optional<Slot>(slot);
    });
    if (!have) return std::nullopt;
    // One author twice would make the vector ambiguous.
    std::vector<KeyBytes> authors;
    authors.reserve(have->size());
    for (const auto& slot : *have) authors.push_back(slot.first);
    std::sort(authors.begin(), authors.end());
    if (std::adjacent_find(authors.begin(), authors.end()) != authors.end()) return std::nullopt;
    return have;
}

// rooms_list "rooms": maps {count, name, r, topic}, each read by the rules of a
// message's map (unknown keys ignored, a defined key twice refused).
std::optional<std::vector<ListedRoom>> rooms_field(const Fields& f) {
    return array_field<ListedRoom>(f, kRooms, wire::kMaxListedRooms, [](std::span<const std::uint8_t> item) {
        Fields inner;
        if (!read_map(item, inner)) return std::optional<ListedRoom>();
        auto room = room_field(inner);
        auto name = text_field(inner, kName, wire::kMaxRoomName);
        auto topic = text_field(inner, kTopic, wire::kMaxRoomTopic);
        auto count = uint_field(inner, kCount);
        if (!room || !name || !topic || !count) return std::optional<ListedRoom>();
        return std::optional<ListedRoom>(ListedRoom{*room, std::move(*name), std::move(*topic), *count});
    });
}

std::optional<WhereSalt> salt_field(const Fields& f) { return fixed_bytes_field<WhereSalt{}.size()>(f, kS); }

// where "q": at most kMaxWhereKeys tags of 16 bytes.
std::optional<std::vector<WhereTag>> tags_field(const Fields& f) {
    return array_field<WhereTag>(f, kQ, wire::kMaxWhereKeys, fixed_bytes_item<WhereTag{}.size()>);
}

// here's and nearby's "peers": at most max maps {a, key}, read by the rules of
// a message's map; each address a text of at most kMaxAddressText bytes, at
// most kMaxSharedAddresses.
std::optional<std::vector<SharedPeer>> peers_field(const Fields& f, std::size_t max) {
    return array_field<SharedPeer>(f, kPeers, max, [](std::span<const std::uint8_t> item) {
        Fields inner;
        if (!read_map(item, inner)) return std::optional<SharedPeer>();
        auto key = fixed_bytes_field<KeyBytes{}.size()>(inner, kPeerKey);
        auto addresses = array_field<std::string>(
            inner, kA, wire::kMaxSharedAddresses, [](std::span<const std::uint8_t> a) -> std::optional<std::string> {
                std::string scratch;
                const auto s = string_item(a, Major::text, scratch);
                if (!s || s->size() > wire::kMaxAddressText) return std::nullopt;
                return owned_bounded_utf8(*s, wire::kMaxAddressText);
            });
        if (!key || !addresses) return std::optional<SharedPeer>();
        return std::optional<SharedPeer>(SharedPeer{*key, std::move(*addresses)});
    });
}

std::optional<Message> from_fields(const Fields& f, std::string_view type) {
    if (type == kText) {
        auto id = id_field(f);
        auto ts = uint_field(f, kTs);
        auto body = text_field(f, kBody, wire::kMaxTextBody);
        if (!id || !ts || !body) return std::nullopt;
        return Text{*id, *ts, std::move(*body)};
    }
    if (type == kAck) {
        auto id = id_field(f);
        if (!id) return std::nullopt;
        return Ack{*id};
    }
    if (type == kStatus) {
        auto presence = text_field(f, kPresence, wire::kMaxPresence);
        auto msg = text_field(f, kMsg, wire::kMaxStatusMessage);
        auto nick = text_field(f, kNick, wire::kMaxNick);
        // Optional: absent from a peer without mDNS or from before it (§6.5).
        auto svc = f.seen[kSvc] != 0 ? text_field(f, kSvc, wire::kMaxInstanceName) : std::string();
        if (!presence || !msg || !nick || !svc) return std::nullopt;
        if (std::find(kPresences.begin(), kPresences.end(), *presence) == kPresences.end()) *presence = kPresences[0];
        return Status{std::move(*presence), std::move(*msg), std::move(*nick), std::move(*svc)};
    }
    if (type == kGone) {
        auto key = fixed_bytes_field<Gone{}.key.size()>(f, kPeerKey);
        if (!key) return std::nullopt;
        return Gone{*key};
    }
    if (type == kPing || type == kPong) {
        auto n = uint_field(f, kN);
        if (!n) return std::nullopt;
        if (type == kPing) return Ping{*n};
        return Pong{*n};
    }
    if (type == kClose) {
        auto reason = text_field(f, kReason, wire::kMaxCloseReason);
        if (!reason) return std::nullopt;
        return Close{std::move(*reason)};
    }
    if (type == kRoomEntry) {
        auto entry = bytes_field(f, kE, wire::kMaxRoomEntry);
        auto signature = fixed_bytes_field<SignatureBytes{}.size()>(f, kS);
        if (!entry || !signature) return std::nullopt;
        return RoomEntry{std::move(*entry), *signature};
    }
    if (type == kRoomSync) {
        auto room = room_field(f);
        auto have = have_field(f);
        if (!room || !have) return std::nullopt;
        return RoomSync{*room, std::move(*have)};
    }
    if (type == kRoomAck) {
        auto room = room_field(f);
        auto author = fixed_bytes_field<KeyBytes{}.size()>(f, kA);
        auto seq = uint_field(f, kN);
        if (!room || !author || !seq) return std::nullopt;
        return RoomAck{*room, *author, *seq};
    }
    if (type == kRoomInvite) {
        auto room = room_field(f);
        auto name = text_field(f, kName, wire::kMaxRoomName);
        if (!room || !name) return std::nullopt;
        return RoomInvite{*room, std::move(*name)};
    }
    if (type == kRoomJoin) {
        auto room = room_field(f);
        if (!room) return std::nullopt;
        return RoomJoin{*room};
    }
    if (type == kRoomsQuery) return RoomsQuery{};
    if (type == kRoomsList) {
        auto rooms = rooms_field(f);
        if (!rooms) return std::nullopt;
        return RoomsList{std::move(*rooms)};
    }
    if (type == kWhere) {
        auto salt = salt_field(f);
        auto tags = tags_field(f);
        if (!salt || !tags) return std::nullopt;
        return Where{*salt, std::move(*tags)};
    }
    if (type == kHere) {
        auto salt = salt_field(f);
        auto peers = peers_field(f, wire::kMaxWhereKeys);
        if (!salt || !peers) return std::nullopt;
        return Here{*salt, std::move(*peers)};
    }
    if (type == kNearby) {
        auto peers = peers_field(f, wire::kMaxNearbyPeers);
        if (!peers) return std::nullopt;
        return Nearby{std::move(*peers)};
    }
    if (type == kRead) {
        // read "ids": 1 .. kMaxReadIds message ids of 16 bytes.
        auto ids = array_field<MessageId>(f, kIds, wire::kMaxReadIds, fixed_bytes_item<MessageId{}.size()>);
        if (!ids || ids->empty()) return std::nullopt;
        return Read{std::move(*ids)};
    }
    if (type == kTyping) {
        auto on = uint_field(f, kOn);
        if (!on || *on > 1) return std::nullopt;
        return Typing{*on == 1};
    }
    return std::nullopt;
}

// Hello "caps": an array (any length form) of at most kMaxCapabilities texts,
// each at most kMaxCapabilityName bytes; anything else refuses the Hello.
bool read_caps(std::span<const std::uint8_t> item, std::vector<std::string>& out) {
    cbor::Reader r(item);
    cbor::Head h;
    if (!r.head(h) || h.major != Major::array) return false;
    std::string scratch;
    for (std::uint64_t i = 0; h.indefinite ? !r.take_break() : i < h.arg; ++i) {
        cbor::Head c;
        std::string_view name;
        if (out.size() == wire::kMaxCapabilities || !r.head(c) || !r.string_body(c, Major::text, scratch, name) ||
            name.size() > wire::kMaxCapabilityName)
            return false;
        out.push_back(owned_bounded_utf8(name, wire::kMaxCapabilityName));
    }
    return true;
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
        const text::Utf8Step step = text::decode_utf8(s, i);
        if (step.valid) {
            out.append(s.substr(i, step.length));
        } else {
            out += text::kReplacementUtf8;  // once per maximal subpart
        }
        i += step.length;
    }
    return out;
}

std::string_view to_string(Lane lane) { return lane == Lane::files ? kLaneFiles : std::string_view(); }

std::optional<Lane> lane_from(std::string_view name) {
    if (name.empty()) return Lane::chat;
    if (name == kLaneFiles) return Lane::files;
    return std::nullopt;
}

std::string_view to_string(DecodeStatus s) {
    switch (s) {
        case DecodeStatus::ok: return "ok";
        case DecodeStatus::skipped: return "unknown, ill-typed or oversized message (skipped)";
        case DecodeStatus::malformed: return "not a CBOR map with a text \"t\"";
    }
    return "unknown decode status";
}

std::vector<std::uint8_t> encode(const Message& m) { return std::visit(Encoder{}, m); }
std::vector<std::uint8_t> encode_app(const AppMessage& m) { return std::visit(Encoder{}, m); }

DecodeStatus decode_checked(std::span<const std::uint8_t> bytes, std::optional<Message>& out,
                            std::vector<std::uint8_t>* owner) {
    out.reset();
    Fields f;
    std::string scratch;
    const auto type = read_map(bytes, f) && f.get(kT) ? string_item(*f.get(kT), Major::text, scratch) : std::nullopt;
    if (!type) return DecodeStatus::malformed;
    if (type->starts_with(kFilePrefix)) {
        if (bytes.size() > wire::kMaxMessage) return DecodeStatus::skipped;  // encode() could not write it back
        out = owner ? FileData{std::exchange(*owner, {})} : FileData{{bytes.begin(), bytes.end()}};
        return DecodeStatus::ok;
    }
    out = from_fields(f, *type);
    return out ? DecodeStatus::ok : DecodeStatus::skipped;
}

std::optional<Message> decode(std::span<const std::uint8_t> bytes) {
    std::optional<Message> out;
    decode_checked(bytes, out);
    return out;
}

std::vector<std::uint8_t> encode_hello(const Hello& h) {
    const std::size_t caps = std::min(h.capabilities.size(), wire::kMaxCapabilities);
    MapWriter w(3 + (h.sign_key ? 1 : 0) + (h.lane.empty() ? 0 : 1) + (h.port ? 1 : 0));
    w.array("caps", caps);
    std::string store;
    for (std::size_t i = 0; i < caps; ++i)
        cbor::put_text(w.out, bounded_utf8(h.capabilities[i], wire::kMaxCapabilityName, store));
    if (!h.lane.empty()) w.text("lane", h.lane, wire::kMaxCapabilityName);
    w.text("nick", h.nick, wire::kMaxNick);
    if (h.port) w.uint("port", h.port);
    if (h.sign_key) w.bytes("sig", *h.sign_key);
    return w.uint("v", h.version).out;
}

std::optional<Hello> decode_hello(std::span<const std::uint8_t> bytes) {
    Fields f;
    if (bytes.size() > wire::kMaxHello || !read_map(bytes, f)) return std::nullopt;
    const auto version = uint_field(f, kV);
    auto nick = text_field(f, kNick, wire::kMaxNick);
    if (!version || *version > UINT32_MAX || !nick) return std::nullopt;
    Hello h;
    h.version = static_cast<std::uint32_t>(*version);
    h.nick = std::move(*nick);
    if (f.seen[kCaps] != 0) {  // optional: absent means none
        const auto caps = f.get(kCaps);
        if (!caps || !read_caps(*caps, h.capabilities)) return std::nullopt;
    }
    if (f.seen[kLane] != 0) {  // optional: absent means the chat lane
        auto lane = text_field(f, kLane, wire::kMaxCapabilityName);
        if (!lane) return std::nullopt;
        h.lane = std::move(*lane);
    }
    if (f.seen[kPort] != 0) {  // optional: absent when not said
        const auto port = uint_field(f, kPort);
        if (!port || *port == 0 || *port > UINT16_MAX) return std::nullopt;
        h.port = static_cast<std::uint16_t>(*port);
    }
    if (f.seen[kSig] != 0) {  // optional: absent from peers without rooms
        h.sign_key = fixed_bytes_field<KeyBytes{}.size()>(f, kSig);
        if (!h.sign_key) return std::nullopt;
    }
    return h;
}

}  // namespace hallway::transport
