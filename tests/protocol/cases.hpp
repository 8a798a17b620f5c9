#pragma once
// The conformance cases as data, shared by the ctest suite and the fuzz seed
// generator (each case is also a fuzz seed). A case names the PROTOCOL.md
// section that decides its outcome. Add a case by adding a row.
#include "transport/cbor.hpp"
#include "transport/messages.hpp"
#include "transport/wire.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hallway::protocol_cases {

using Bytes = std::vector<std::uint8_t>;
using transport::cbor::Major;

// What a receiver does with one application message (§6).
enum class Outcome {
    received,  // passed up with exactly the expected fields
    skipped,   // no event; the session stays established
    closed,    // Closed{protocol_error}
};

struct MessageCase {
    std::string name;
    Bytes message;  // the reassembled application message (sent in chunks as needed)
    Outcome outcome;
    std::optional<transport::Message> expected = std::nullopt;  // for received
};

struct HelloCase {
    std::string name;
    Bytes hello;  // the msg3 payload
    bool accepted;
    std::string nick = {};  // as the responder sees it, when accepted
    std::optional<transport::KeyBytes> sign_key = std::nullopt;
};

// --- Building CBOR by hand, including what our encoder never writes.

inline Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}
inline Bytes hex(std::string_view h) {
    Bytes out;
    auto nib = [](char c) { return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<std::uint8_t>(nib(h[i]) << 4 | nib(h[i + 1])));
    return out;
}
inline Bytes head(Major m, std::uint64_t arg) {
    Bytes out;
    transport::cbor::put_head(out, m, arg);
    return out;
}
inline Bytes T(std::string_view s) {
    Bytes out;
    transport::cbor::put_text(out, s);
    return out;
}
inline Bytes U(std::uint64_t v) { return head(Major::uint, v); }
inline Bytes map(std::size_t n) { return head(Major::map, n); }
inline Bytes id16() { return hex("5000112233445566778899aabbccddeeff"); }
inline transport::MessageId the_id() {
    transport::MessageId id{};
    for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(0x11 * i);
    return id;
}
// The entries of a text {body: "hi", id, t: "text", ts: 5}, without the map head.
inline Bytes text_entries(Bytes body = T("hi")) {
    return cat({T("body"), body, T("id"), id16(), T("t"), T("text"), T("ts"), U(5)});
}
// A text with extra entries (key and value items) after the four defined ones.
inline Bytes text_with(std::size_t extra, const Bytes& entries) { return cat({map(4 + extra), text_entries(), entries}); }
inline transport::Text hi() { return transport::Text{the_id(), 5, "hi"}; }
// A byte string item.
inline Bytes B(const Bytes& b) { return cat({head(Major::bytes, b.size()), b}); }
inline std::array<std::uint8_t, 32> gone_key() {
    std::array<std::uint8_t, 32> k{};
    k.fill(0x5a);
    return k;
}
inline Bytes nested_arrays(std::size_t depth) {
    Bytes b(depth, 0x81);
    b.push_back(0x00);
    return b;
}
inline Bytes status(std::string_view presence, std::string_view msg, std::string_view nick) {
    return cat({map(4), T("msg"), T(msg), T("nick"), T(nick), T("presence"), T(presence), T("t"), T("status")});
}

// --- Rooms (§11).
inline transport::RoomId the_room() {
    transport::RoomId r{};
    r.fill(0x77);
    return r;
}
inline Bytes room16() { return B(Bytes(16, 0x77)); }
// A distinct 32-byte key per i (authors of a room_sync, the Hello's sig).
inline transport::KeyBytes key32(std::size_t i) {
    transport::KeyBytes k{};
    k.fill(0x5a);
    k[0] = static_cast<std::uint8_t>(i >> 8);
    k[1] = static_cast<std::uint8_t>(i);
    return k;
}
inline Bytes K(std::size_t i) {
    const auto k = key32(i);
    return B(Bytes(k.begin(), k.end()));
}
inline Bytes the_entry() { return hex("a2616b6474657874616e01"); }  // any bytes: the transport does not read them
inline transport::SignatureBytes the_signature() {
    transport::SignatureBytes s{};
    s.fill(0x5e);
    return s;
}
inline Bytes room_entry(const Bytes& e, const Bytes& s) {
    return cat({map(3), T("e"), e, T("s"), s, T("t"), T("room_entry")});
}
// A room_sync whose have holds these items (already encoded), n of them.
inline Bytes room_sync(std::size_t n, const Bytes& items, const Bytes& room = room16()) {
    return cat({map(3), T("have"), head(Major::array, n), items, T("r"), room, T("t"), T("room_sync")});
}
inline Bytes slot(std::size_t author, std::uint64_t seq) { return cat({head(Major::array, 2), K(author), U(seq)}); }
// n slots for authors 0..n-1, author i at seq i + 1, and the message they decode to.
inline Bytes slots(std::size_t n) {
    Bytes out;
    for (std::size_t i = 0; i < n; ++i) out = cat({out, slot(i, i + 1)});
    return out;
}
inline transport::RoomSync sync_of(std::size_t n) {
    transport::RoomSync m{the_room(), {}};
    for (std::size_t i = 0; i < n; ++i) m.have.push_back({key32(i), i + 1});
    return m;
}
inline Bytes room_ack(const Bytes& a, const Bytes& n) {
    return cat({map(4), T("a"), a, T("n"), n, T("r"), room16(), T("t"), T("room_ack")});
}
inline Bytes room_invite(const Bytes& name) { return cat({map(3), T("name"), name, T("r"), room16(), T("t"), T("room_invite")}); }
// One rooms_list entry {count, name, r, topic}.
inline Bytes listed(const Bytes& name = T("lunch"), const Bytes& topic = T("where"), const Bytes& count = U(3)) {
    return cat({map(4), T("count"), count, T("name"), name, T("r"), room16(), T("topic"), topic});
}
inline Bytes rooms_list(std::size_t n, const Bytes& items) {
    return cat({map(2), T("rooms"), head(Major::array, n), items, T("t"), T("rooms_list")});
}
inline transport::RoomsList list_of(std::size_t n, std::string name = "lunch", std::string topic = "where") {
    return transport::RoomsList{std::vector<transport::ListedRoom>(n, transport::ListedRoom{the_room(), name, topic, 3})};
}
inline Bytes repeat(const Bytes& b, std::size_t n) {
    Bytes out;
    for (std::size_t i = 0; i < n; ++i) out = cat({out, b});
    return out;
}

inline std::vector<MessageCase> room_cases() {
    using namespace transport;
    using wire::kMaxRoomEntry, wire::kMaxRoomAuthors, wire::kMaxListedRooms, wire::kMaxRoomName, wire::kMaxRoomTopic;
    const Bytes sig = B(Bytes(64, 0x5e)), entry = B(the_entry()), n1 = U(1);
    const Bytes full(kMaxRoomEntry, 0xee);
    const std::string name_at(kMaxRoomName, 'n'), topic_at(kMaxRoomTopic, 'o');
    return {
        {"§11.5 room_entry: received", room_entry(entry, sig), Outcome::received,
         RoomEntry{the_entry(), the_signature()}},
        {"§11.5 room_entry at its bound: received", room_entry(B(full), sig), Outcome::received,
         RoomEntry{full, the_signature()}},
        {"§11.5 room_entry one over its bound: skipped", room_entry(B(cat({full, Bytes{0xee}})), sig),
         Outcome::skipped},
        {"§11.5 room_entry e as text: skipped", room_entry(T("entry"), sig), Outcome::skipped},
        {"§11.5 room_entry s of 63 bytes: skipped", room_entry(entry, B(Bytes(63, 0x5e))), Outcome::skipped},
        {"§11.5 room_entry s of 65 bytes: skipped", room_entry(entry, B(Bytes(65, 0x5e))), Outcome::skipped},
        {"§11.5 room_entry tagged s: skipped", room_entry(entry, cat({hex("c2"), sig})), Outcome::skipped},
        {"§11.5 room_entry without s: skipped", cat({map(2), T("e"), entry, T("t"), T("room_entry")}),
         Outcome::skipped},
        {"§11.5 room_entry e twice: skipped",
         cat({map(4), T("e"), entry, T("e"), entry, T("s"), sig, T("t"), T("room_entry")}), Outcome::skipped},
        {"§11.5 room_sync: received", room_sync(2, slots(2)), Outcome::received, sync_of(2)},
        {"§11.5 room_sync with an empty have: received", room_sync(0, {}), Outcome::received, sync_of(0)},
        {"§11.5 room_sync with 1024 authors: received", room_sync(kMaxRoomAuthors, slots(kMaxRoomAuthors)),
         Outcome::received, sync_of(kMaxRoomAuthors)},
        {"§11.5 room_sync with 1025 authors: skipped", room_sync(kMaxRoomAuthors + 1, slots(kMaxRoomAuthors + 1)),
         Outcome::skipped},
        {"§11.5 room_sync, indefinite have and slots: received",
         cat({map(3), T("have"), hex("9f9f"), K(0), U(1), hex("ff9f"), K(1), U(2), hex("ffff"), T("r"), room16(),
              T("t"), T("room_sync")}),
         Outcome::received, sync_of(2)},
        {"§11.5 room_sync naming an author twice: skipped", room_sync(2, cat({slot(0, 1), slot(0, 2)})),
         Outcome::skipped},
        {"§11.5 room_sync slot of three items: skipped", room_sync(1, cat({head(Major::array, 3), K(0), U(1), U(1)})),
         Outcome::skipped},
        {"§11.5 room_sync slot of one item: skipped", room_sync(1, cat({head(Major::array, 1), K(0)})),
         Outcome::skipped},
        {"§11.5 room_sync indefinite slot of three items: skipped",
         room_sync(1, cat({hex("9f"), K(0), U(1), U(1), hex("ff")})), Outcome::skipped},
        {"§11.5 room_sync slot not an array: skipped", room_sync(1, cat({map(1), K(0), U(1)})), Outcome::skipped},
        {"§11.5 room_sync author of 31 bytes: skipped",
         room_sync(1, cat({head(Major::array, 2), B(Bytes(31, 1)), U(1)})), Outcome::skipped},
        {"§11.5 room_sync negative seq: skipped", room_sync(1, cat({head(Major::array, 2), K(0), hex("20")})),
         Outcome::skipped},
        {"§11.5 room_sync have not an array: skipped",
         cat({map(3), T("have"), map(0), T("r"), room16(), T("t"), T("room_sync")}), Outcome::skipped},
        {"§11.5 room_sync r of 15 bytes: skipped", room_sync(0, {}, B(Bytes(15, 0x77))), Outcome::skipped},
        {"§11.5 room_sync without r: skipped", cat({map(2), T("have"), hex("80"), T("t"), T("room_sync")}),
         Outcome::skipped},
        {"§11.5 room_ack: received", room_ack(K(9), U(42)), Outcome::received, RoomAck{the_room(), key32(9), 42}},
        {"§11.5 room_ack a of 33 bytes: skipped", room_ack(B(Bytes(33, 1)), U(42)), Outcome::skipped},
        {"§11.5 room_ack n as text: skipped", room_ack(K(9), T("42")), Outcome::skipped},
        {"§11.5 room_ack without n: skipped", cat({map(3), T("a"), K(9), T("r"), room16(), T("t"), T("room_ack")}),
         Outcome::skipped},
        {"§11.5 room_invite: received", room_invite(T("lunch")), Outcome::received, RoomInvite{the_room(), "lunch"}},
        {"§11.5 room_invite name at its bound: received", room_invite(T(name_at)), Outcome::received,
         RoomInvite{the_room(), name_at}},
        {"§11.5 room_invite name over its bound: skipped", room_invite(T(name_at + "n")), Outcome::skipped},
        {"§11.5 room_invite name as bytes: skipped", room_invite(B(Bytes{'a'})), Outcome::skipped},
        {"§11.5 room_join: received", cat({map(2), T("r"), room16(), T("t"), T("room_join")}), Outcome::received,
         RoomJoin{the_room()}},
        {"§11.5 room_join r as text: skipped", cat({map(2), T("r"), T(std::string(16, 'r')), T("t"), T("room_join")}),
         Outcome::skipped},
        {"§11.5 rooms_query: received", cat({map(1), T("t"), T("rooms_query")}), Outcome::received, RoomsQuery{}},
        {"§11.5 rooms_query with an unknown key: received", cat({map(2), T("t"), T("rooms_query"), T("x"), n1}),
         Outcome::received, RoomsQuery{}},
        {"§11.5 rooms_list: received", rooms_list(1, listed()), Outcome::received, list_of(1)},
        {"§11.5 rooms_list empty: received", rooms_list(0, {}), Outcome::received, list_of(0)},
        {"§11.5 rooms_list of 64 rooms: received", rooms_list(kMaxListedRooms, repeat(listed(), kMaxListedRooms)),
         Outcome::received, list_of(kMaxListedRooms)},
        {"§11.5 rooms_list of 65 rooms: skipped",
         rooms_list(kMaxListedRooms + 1, repeat(listed(), kMaxListedRooms + 1)), Outcome::skipped},
        {"§11.5 rooms_list name and topic at their bounds: received", rooms_list(1, listed(T(name_at), T(topic_at))),
         Outcome::received, list_of(1, name_at, topic_at)},
        {"§11.5 rooms_list name over its bound: skipped", rooms_list(1, listed(T(name_at + "n"))), Outcome::skipped},
        {"§11.5 rooms_list topic over its bound: skipped", rooms_list(1, listed(T("lunch"), T(topic_at + "o"))),
         Outcome::skipped},
        {"§11.5 rooms_list count negative: skipped", rooms_list(1, listed(T("lunch"), T("where"), hex("20"))),
         Outcome::skipped},
        {"§11.5 rooms_list room without count: skipped",
         rooms_list(1, cat({map(3), T("name"), T("lunch"), T("r"), room16(), T("topic"), T("where")})),
         Outcome::skipped},
        {"§11.5 rooms_list room with name twice: skipped",
         rooms_list(1, cat({map(5), T("count"), U(3), T("name"), T("lunch"), T("name"), T("lunch"), T("r"), room16(),
                            T("topic"), T("where")})),
         Outcome::skipped},
        {"§11.5 rooms_list room not a map: skipped", rooms_list(1, room16()), Outcome::skipped},
        {"§11.5 rooms_list rooms not an array: skipped", cat({map(2), T("rooms"), listed(), T("t"), T("rooms_list")}),
         Outcome::skipped},
        {"§11.5 rooms_list, indefinite room map with an unknown key: received",
         rooms_list(1, cat({hex("bf"), T("count"), U(3), T("x"), hex("f7"), T("name"), T("lunch"), T("r"), room16(),
                            T("topic"), T("where"), hex("ff")})),
         Outcome::received, list_of(1)},
        // The top-level map, rooms and a room are 3 levels: 13 more fit within 16.
        {"§7 rooms_list nested 16 deep: received",
         rooms_list(1, cat({map(5), T("count"), U(3), T("name"), T("lunch"), T("r"), room16(), T("topic"), T("where"),
                            T("x"), nested_arrays(13)})),
         Outcome::received, list_of(1)},
        {"§7 rooms_list nested 17 deep: closed",
         rooms_list(1, cat({map(5), T("count"), U(3), T("name"), T("lunch"), T("r"), room16(), T("topic"), T("where"),
                            T("x"), nested_arrays(14)})),
         Outcome::closed},
    };
}

// --- Sharing addresses (§13).
inline transport::WhereSalt the_salt() {
    transport::WhereSalt s{};
    s.fill(0x5a);
    return s;
}
inline Bytes salt16() { return B(Bytes(16, 0x5a)); }
// A distinct 16-byte tag per i.
inline transport::WhereTag tag_of(std::size_t i) {
    transport::WhereTag t{};
    t.fill(0x7a);
    t[0] = static_cast<std::uint8_t>(i);
    return t;
}
inline Bytes tags(std::size_t n) {
    Bytes out;
    for (std::size_t i = 0; i < n; ++i) {
        const auto t = tag_of(i);
        out = cat({out, B(Bytes(t.begin(), t.end()))});
    }
    return out;
}
inline Bytes where(std::size_t n, const Bytes& items, const Bytes& salt = salt16()) {
    return cat({map(3), T("q"), head(Major::array, n), items, T("s"), salt, T("t"), T("where")});
}
inline transport::Where where_of(std::size_t n) {
    transport::Where w{the_salt(), {}};
    for (std::size_t i = 0; i < n; ++i) w.tags.push_back(tag_of(i));
    return w;
}
// The longest address allowed, kMaxAddressText bytes (a name, not an IP: the
// transport does not parse it).
inline std::string long_address() {
    return std::string(transport::wire::kMaxAddressText - 6, 'h') + ":49100";
}
// One here peer {a: n copies of address, key: key32(k)}.
inline Bytes shared(std::size_t k, std::size_t n, const std::string& address = "10.214.0.3:49100") {
    return cat({map(2), T("a"), head(Major::array, n), repeat(T(address), n), T("key"), K(k)});
}
inline Bytes here(std::size_t n, const Bytes& items, const Bytes& salt = salt16()) {
    return cat({map(3), T("peers"), head(Major::array, n), items, T("s"), salt, T("t"), T("here")});
}
inline Bytes shared_peers(std::size_t n, std::size_t addresses, const std::string& address = "10.214.0.3:49100") {
    Bytes out;
    for (std::size_t i = 0; i < n; ++i) out = cat({out, shared(i, addresses, address)});
    return out;
}
inline transport::Here here_of(std::size_t n, std::size_t addresses, const std::string& address = "10.214.0.3:49100") {
    transport::Here h{the_salt(), {}};
    for (std::size_t i = 0; i < n; ++i)
        h.peers.push_back({key32(i), std::vector<std::string>(addresses, address)});
    return h;
}

inline std::vector<MessageCase> address_cases() {
    using namespace transport;
    using wire::kMaxWhereKeys, wire::kMaxSharedAddresses;
    const std::string longest = long_address();
    return {
        {"§13 where: received", where(2, tags(2)), Outcome::received, where_of(2)},
        {"§13 where asking nothing: received", where(0, {}), Outcome::received, where_of(0)},
        {"§13 where of 32 tags: received", where(kMaxWhereKeys, tags(kMaxWhereKeys)), Outcome::received,
         where_of(kMaxWhereKeys)},
        {"§13 where of 33 tags: skipped", where(kMaxWhereKeys + 1, tags(kMaxWhereKeys + 1)), Outcome::skipped},
        {"§13 where, indefinite q and an unknown key: received",
         cat({map(4), T("q"), hex("9f"), tags(2), hex("ff"), T("s"), salt16(), T("t"), T("where"), T("x"), U(1)}),
         Outcome::received, where_of(2)},
        {"§13 where tag of 15 bytes: skipped", where(1, B(Bytes(15, 0x7a))), Outcome::skipped},
        {"§13 where tag of 17 bytes: skipped", where(1, B(Bytes(17, 0x7a))), Outcome::skipped},
        {"§13 where tag as text: skipped", where(1, T(std::string(16, 'q'))), Outcome::skipped},
        {"§13 where q not an array: skipped", cat({map(3), T("q"), tags(1), T("s"), salt16(), T("t"), T("where")}),
         Outcome::skipped},
        {"§13 where without q: skipped", cat({map(2), T("s"), salt16(), T("t"), T("where")}), Outcome::skipped},
        {"§13 where without s: skipped", cat({map(2), T("q"), hex("80"), T("t"), T("where")}), Outcome::skipped},
        {"§13 where s of 15 bytes: skipped", where(0, {}, B(Bytes(15, 0x5a))), Outcome::skipped},
        {"§13 where s of 17 bytes: skipped", where(0, {}, B(Bytes(17, 0x5a))), Outcome::skipped},
        {"§13 where s twice: skipped",
         cat({map(4), T("q"), hex("80"), T("s"), salt16(), T("s"), salt16(), T("t"), T("where")}), Outcome::skipped},
        {"§13 here: received", here(1, shared(0, 2)), Outcome::received, here_of(1, 2)},
        {"§13 here telling nothing: received", here(0, {}), Outcome::received, here_of(0, 0)},
        {"§13 here peer without addresses: received", here(1, shared(0, 0)), Outcome::received, here_of(1, 0)},
        {"§13 here at every bound (32 peers, 8 addresses of 64 bytes): received",
         here(kMaxWhereKeys, shared_peers(kMaxWhereKeys, kMaxSharedAddresses, longest)), Outcome::received,
         here_of(kMaxWhereKeys, kMaxSharedAddresses, longest)},
        {"§13 here of 33 peers: skipped", here(kMaxWhereKeys + 1, shared_peers(kMaxWhereKeys + 1, 1)),
         Outcome::skipped},
        {"§13 here peer of 9 addresses: skipped", here(1, shared(0, kMaxSharedAddresses + 1)), Outcome::skipped},
        {"§13 here address of 65 bytes: skipped", here(1, shared(0, 1, longest + "0")), Outcome::skipped},
        {"§13 here address as bytes: skipped",
         here(1, cat({map(2), T("a"), hex("81"), B(Bytes(4, 1)), T("key"), K(0)})), Outcome::skipped},
        {"§13 here a not an array: skipped", here(1, cat({map(2), T("a"), T("10.0.0.1:1"), T("key"), K(0)})),
         Outcome::skipped},
        {"§13 here key of 31 bytes: skipped", here(1, cat({map(2), T("a"), hex("80"), T("key"), B(Bytes(31, 1))})),
         Outcome::skipped},
        {"§13 here peer without key: skipped", here(1, cat({map(1), T("a"), hex("80")})), Outcome::skipped},
        {"§13 here peer without a: skipped", here(1, cat({map(1), T("key"), K(0)})), Outcome::skipped},
        {"§13 here peer with key twice: skipped",
         here(1, cat({map(3), T("a"), hex("80"), T("key"), K(0), T("key"), K(0)})), Outcome::skipped},
        {"§13 here peer not a map: skipped", here(1, K(0)), Outcome::skipped},
        {"§13 here peers not an array: skipped",
         cat({map(3), T("peers"), shared(0, 1), T("s"), salt16(), T("t"), T("here")}), Outcome::skipped},
        {"§13 here without s: skipped", cat({map(2), T("peers"), hex("80"), T("t"), T("here")}), Outcome::skipped},
        {"§13 here s as text: skipped", here(0, {}, T(std::string(16, 's'))), Outcome::skipped},
        {"§13 here, indefinite peer map and addresses with an unknown key: received",
         here(1, cat({hex("bf"), T("a"), hex("9f"), T("10.214.0.3:49100"), hex("ff"), T("key"), K(0), T("x"),
                      hex("f7"), hex("ff")})),
         Outcome::received, here_of(1, 1)},
        // The top-level map, peers and a peer are 3 levels: 13 more fit within 16.
        {"§7 here nested 16 deep: received",
         here(1, cat({map(3), T("a"), hex("81"), T("10.214.0.3:49100"), T("key"), K(0), T("x"), nested_arrays(13)})),
         Outcome::received, here_of(1, 1)},
        {"§7 here nested 17 deep: closed",
         here(1, cat({map(3), T("a"), hex("81"), T("10.214.0.3:49100"), T("key"), K(0), T("x"), nested_arrays(14)})),
         Outcome::closed},
    };
}

// --- Nearby and the status's instance name (§6.5).
inline Bytes nearby(std::size_t n, const Bytes& items) {
    return cat({map(2), T("peers"), head(Major::array, n), items, T("t"), T("nearby")});
}
inline transport::Nearby nearby_of(std::size_t n, std::size_t addresses, const std::string& address = "10.214.0.3:49100") {
    return {here_of(n, addresses, address).peers};
}
inline Bytes status_svc(const Bytes& svc) {
    return cat({map(5), T("msg"), T(""), T("nick"), T("ana"), T("presence"), T("available"), T("svc"), svc, T("t"),
                T("status")});
}

inline std::vector<MessageCase> nearby_cases() {
    using namespace transport;
    using wire::kMaxNearbyPeers, wire::kMaxInstanceName;
    return {
        {"§6.5 nearby: received", nearby(2, shared_peers(2, 1)), Outcome::received, nearby_of(2, 1)},
        {"§6.5 nearby telling nothing: received", nearby(0, {}), Outcome::received, nearby_of(0, 0)},
        {"§6.5 nearby of 256 peers: received", nearby(kMaxNearbyPeers, shared_peers(kMaxNearbyPeers, 1)),
         Outcome::received, nearby_of(kMaxNearbyPeers, 1)},
        {"§6.5 nearby of 257 peers: skipped", nearby(kMaxNearbyPeers + 1, shared_peers(kMaxNearbyPeers + 1, 1)),
         Outcome::skipped},
        {"§6.5 nearby peer of 9 addresses: skipped", nearby(1, shared(0, wire::kMaxSharedAddresses + 1)),
         Outcome::skipped},
        {"§6.5 nearby peer without key: skipped", nearby(1, cat({map(1), T("a"), hex("80")})), Outcome::skipped},
        {"§6.5 nearby without peers: skipped", cat({map(1), T("t"), T("nearby")}), Outcome::skipped},
        {"§6.5 status with svc: received", status_svc(T("ana (2)")), Outcome::received,
         Status{"available", "", "ana", "ana (2)"}},
        {"§6.5 status svc of 63 bytes: received", status_svc(T(std::string(kMaxInstanceName, 's'))),
         Outcome::received, Status{"available", "", "ana", std::string(kMaxInstanceName, 's')}},
        {"§6.5 status svc of 64 bytes: skipped", status_svc(T(std::string(kMaxInstanceName + 1, 's'))),
         Outcome::skipped},
        {"§6.5 status svc as bytes: skipped", status_svc(B(Bytes(3, 's'))), Outcome::skipped},
    };
}

// --- Read receipts and typing (§14).
// A distinct 16-byte id per i (i = 0 is the_id()'s bytes with a first byte of 0).
inline transport::MessageId read_id(std::size_t i) {
    transport::MessageId id = the_id();
    id[0] = static_cast<std::uint8_t>(i);
    return id;
}
inline Bytes read_ids(std::size_t n) {
    Bytes out;
    for (std::size_t i = 0; i < n; ++i) {
        const auto id = read_id(i);
        out = cat({out, B(Bytes(id.begin(), id.end()))});
    }
    return out;
}
inline Bytes read_msg(std::size_t n, const Bytes& items) {
    return cat({map(2), T("ids"), head(Major::array, n), items, T("t"), T("read")});
}
inline transport::Read read_of(std::size_t n) {
    transport::Read r;
    for (std::size_t i = 0; i < n; ++i) r.ids.push_back(read_id(i));
    return r;
}
inline Bytes typing_msg(const Bytes& on) { return cat({map(2), T("on"), on, T("t"), T("typing")}); }

inline std::vector<MessageCase> conversation_cases() {
    using transport::Read, transport::Typing, transport::wire::kMaxReadIds;
    return {
        // The worked bytes of §14.
        {"§14 read: received", hex("a263696473815000112233445566778899aabbccddeeff6174647265" "6164"),
         Outcome::received, Read{{the_id()}}},
        {"§14 read of 64 ids: received", read_msg(kMaxReadIds, read_ids(kMaxReadIds)), Outcome::received,
         read_of(kMaxReadIds)},
        {"§14 read of 65 ids: skipped", read_msg(kMaxReadIds + 1, read_ids(kMaxReadIds + 1)), Outcome::skipped},
        {"§14 read of no ids: skipped", read_msg(0, {}), Outcome::skipped},
        {"§14 read id of 15 bytes: skipped", read_msg(1, B(Bytes(15, 0x11))), Outcome::skipped},
        {"§14 read id of 17 bytes: skipped", read_msg(1, B(Bytes(17, 0x11))), Outcome::skipped},
        {"§14 read id as text: skipped", read_msg(1, T(std::string(16, 'i'))), Outcome::skipped},
        {"§14 read id as a tagged byte string: skipped", read_msg(1, cat({hex("c2"), id16()})), Outcome::skipped},
        {"§14 read with an id and an array among the ids: skipped", read_msg(2, cat({read_ids(1), hex("81"), id16()})),
         Outcome::skipped},
        {"§14 read ids not an array: skipped", cat({map(2), T("ids"), id16(), T("t"), T("read")}), Outcome::skipped},
        {"§14 read without ids: skipped", cat({map(1), T("t"), T("read")}), Outcome::skipped},
        {"§14 read with ids twice: skipped",
         cat({map(3), T("ids"), hex("81"), id16(), T("ids"), hex("81"), id16(), T("t"), T("read")}), Outcome::skipped},
        {"§14 read, indefinite ids and an unknown key: received",
         cat({map(3), T("ids"), hex("9f"), read_ids(2), hex("ff"), T("t"), T("read"), T("x"), U(1)}), Outcome::received,
         read_of(2)},
        {"§14 read with one id twice: received as sent", read_msg(2, cat({id16(), id16()})), Outcome::received,
         Read{{the_id(), the_id()}}},
        {"§14 typing on: received", hex("a2626f6e0161746674797069" "6e67"), Outcome::received, Typing{true}},
        {"§14 typing off: received", typing_msg(U(0)), Outcome::received, Typing{false}},
        {"§14 typing on with a non-shortest head: received", typing_msg(hex("1b0000000000000001")), Outcome::received,
         Typing{true}},
        {"§14 typing on 2: skipped", typing_msg(U(2)), Outcome::skipped},
        {"§14 typing on as true: skipped", typing_msg(hex("f5")), Outcome::skipped},
        {"§14 typing on negative: skipped", typing_msg(hex("20")), Outcome::skipped},
        {"§14 typing on as text: skipped", typing_msg(T("1")), Outcome::skipped},
        {"§14 typing on tagged: skipped", typing_msg(hex("c101")), Outcome::skipped},
        {"§14 typing without on: skipped", cat({map(1), T("t"), T("typing")}), Outcome::skipped},
        {"§14 typing with on twice: skipped", cat({map(3), T("on"), U(1), T("on"), U(1), T("t"), T("typing")}),
         Outcome::skipped},
        {"§7 read nested 16 deep: received",
         cat({map(3), T("ids"), hex("81"), id16(), T("t"), T("read"), T("x"), nested_arrays(15)}), Outcome::received,
         Read{{the_id()}}},
        {"§7 read nested 17 deep: closed",
         cat({map(3), T("ids"), hex("81"), id16(), T("t"), T("read"), T("x"), nested_arrays(16)}), Outcome::closed},
    };
}

inline std::vector<MessageCase> message_cases() {
    using transport::Status, transport::Ack, transport::Text;
    const std::string fffd = "\xEF\xBF\xBD";
    const std::string at_limit(transport::wire::kMaxTextBody, 'x');
    return {
        {"§6 text: received", cat({map(4), text_entries()}), Outcome::received, hi()},
        {"§6 ack: received", cat({map(2), T("id"), id16(), T("t"), T("ack")}), Outcome::received, Ack{the_id()}},
        {"§6 gone: received", cat({map(2), T("key"), B(Bytes(32, 0x5a)), T("t"), T("gone")}), Outcome::received,
         transport::Gone{gone_key()}},
        {"§6 gone with a key of 31 bytes: skipped", cat({map(2), T("key"), B(Bytes(31, 0x5a)), T("t"), T("gone")}),
         Outcome::skipped},
        {"§6 gone with the key as text: skipped", cat({map(2), T("key"), T(std::string(32, 'k')), T("t"), T("gone")}),
         Outcome::skipped},
        {"§6 status: received", status("busy", "in a meeting", "ana"), Outcome::received,
         Status{"busy", "in a meeting", "ana", ""}},
        {"§6 keys in any order: received",
         cat({map(4), T("ts"), U(5), T("t"), T("text"), T("id"), id16(), T("body"), T("hi")}), Outcome::received, hi()},
        {"§6 unknown type: skipped", cat({map(2), T("t"), T("file"), T("x"), U(1)}), Outcome::skipped},
        {"§6 unknown key with a tag value: ignored", text_with(1, cat({T("x"), hex("c06a323031332d30332d3231")})),
         Outcome::received, hi()},
        {"§6 unknown key with undefined: ignored", text_with(1, cat({T("x"), hex("f7")})), Outcome::received, hi()},
        {"§6 unknown keys with simple values and floats: ignored",
         text_with(5, cat({T("a"), hex("f0"), T("b"), hex("f8ff"), T("c"), hex("f93c00"), T("d"), hex("fa47c35000"),
                           T("e"), hex("fb3ff199999999999a")})),
         Outcome::received, hi()},
        {"§6 integer, negative, bytes, array and map keys: ignored",
         text_with(5, cat({U(1), U(2), hex("20"), T("v"), hex("4101"), hex("f6"), hex("8101"), hex("f5"), hex("a0"),
                           hex("80")})),
         Outcome::received, hi()},
        {"§6 nested unknown values of every type: ignored",
         text_with(1, cat({T("x"), hex("83a201c1f7f6bf61619fd9d9f7f8ffffff5f4101fff93c00")})), Outcome::received, hi()},
        {"§6 unknown key holding a defined key name inside: ignored",
         text_with(1, cat({T("x"), map(1), T("body"), T("not this")})), Outcome::received, hi()},
        {"§6 Encoding: indefinite-length map and strings: received",
         cat({hex("bf"), T("body"), hex("7f6168616960ff"), T("id"), hex("5f48001122334455667748"),
              hex("8899aabbccddeeffff"), T("t"), T("text"), T("ts"), U(5), hex("ff")}),
         Outcome::received, hi()},
        {"§6 Encoding: non-shortest heads: received",
         cat({hex("b80478"), hex("04"), Bytes{'b', 'o', 'd', 'y'}, hex("7900026869"), T("id"), id16(), T("t"),
              T("text"), T("ts"), hex("1b0000000000000005")}),
         Outcome::received, hi()},
        {"§6 id of 15 bytes: skipped",
         cat({map(4), T("body"), T("hi"), T("id"), hex("4f00112233445566778899aabbccddee"), T("t"), T("text"), T("ts"),
              U(5)}),
         Outcome::skipped},
        {"§6 id as text: skipped", cat({map(4), T("body"), T("hi"), T("id"), T("0123456789abcdef"), T("t"), T("text"),
                                         T("ts"), U(5)}),
         Outcome::skipped},
        {"§6 ts negative: skipped", cat({map(4), T("body"), T("hi"), T("id"), id16(), T("t"), T("text"), T("ts"),
                                          hex("20")}),
         Outcome::skipped},
        {"§6 ts as a float: skipped", cat({map(4), T("body"), T("hi"), T("id"), id16(), T("t"), T("text"), T("ts"),
                                            hex("f94500")}),
         Outcome::skipped},
        {"§6 tagged ts (a tag is a wrong type): skipped",
         cat({map(4), T("body"), T("hi"), T("id"), id16(), T("t"), T("text"), T("ts"), hex("c105")}),
         Outcome::skipped},
        {"§6 body as bytes: skipped", cat({map(4), text_entries(hex("426869"))}), Outcome::skipped},
        {"§6 tagged body: skipped", cat({map(4), text_entries(hex("d820626869"))}), Outcome::skipped},
        {"§6 missing ts: skipped", cat({map(3), T("body"), T("hi"), T("id"), id16(), T("t"), T("text")}),
         Outcome::skipped},
        {"§6 Encoding: a defined key twice: skipped", text_with(1, cat({T("body"), T("hi")})), Outcome::skipped},
        {"§6 a key not defined for the type twice: ignored", text_with(2, cat({T("nick"), T("a"), T("nick"), T("b")})),
         Outcome::received, hi()},
        {"§6 Encoding: t twice: closed", text_with(1, cat({T("t"), T("text")})), Outcome::closed},
        {"§6 t not a text: closed", cat({map(1), T("t"), U(1)}), Outcome::closed},
        {"§6 tagged t: closed", cat({map(1), T("t"), hex("c0"), T("text")}), Outcome::closed},
        {"§6 no t: closed", cat({map(1), T("body"), T("hi")}), Outcome::closed},
        {"§6 not a map (array): closed", hex("8261746474657874"), Outcome::closed},
        {"§6 not a map (text): closed", T("text"), Outcome::closed},
        {"§6 Encoding: trailing bytes after the map: closed", cat({map(4), text_entries(), hex("00")}),
         Outcome::closed},
        {"§6 Encoding: two maps: closed", cat({map(4), text_entries(), map(4), text_entries()}), Outcome::closed},
        {"§6 Encoding: truncated map: closed", cat({map(5), text_entries()}), Outcome::closed},
        {"§6 Encoding: reserved additional info inside an unknown key: closed", text_with(1, cat({T("x"), hex("1c")})),
         Outcome::closed},
        {"§6 Encoding: break outside an indefinite item: closed", text_with(1, cat({T("x"), hex("ff")})),
         Outcome::closed},
        {"§6 Encoding: two-byte simple value below 32: closed", text_with(1, cat({T("x"), hex("f814")})),
         Outcome::closed},
        {"§7 nesting 16 (map + 15 arrays): received", text_with(1, cat({T("x"), nested_arrays(15)})),
         Outcome::received, hi()},
        {"§7 nesting 17: closed", text_with(1, cat({T("x"), nested_arrays(16)})), Outcome::closed},
        {"§7 a million nested arrays (issue 22.1): closed", nested_arrays(1000000), Outcome::closed},
        {"§7 a million nested arrays inside a map: closed", text_with(1, cat({T("x"), nested_arrays(1000000)})),
         Outcome::closed},
        {"§7 body at its bound: received", cat({map(4), text_entries(T(at_limit))}), Outcome::received,
         Text{the_id(), 5, at_limit}},
        {"§7 body over its bound: skipped", cat({map(4), text_entries(T(at_limit + "x"))}), Outcome::skipped},
        {"§7 status nick over 64 bytes: skipped", status("away", "", std::string(65, 'n')), Outcome::skipped},
        {"§7 status msg over 256 bytes: skipped", status("away", std::string(257, 'm'), "ana"), Outcome::skipped},
        {"§7 presence over 32 bytes: skipped", status(std::string(33, 'p'), "", "ana"), Outcome::skipped},
        {"§7 close reason over 256 bytes: skipped", cat({map(2), T("reason"), T(std::string(257, 'r')), T("t"),
                                                          T("close")}),
         Outcome::skipped},
        {"§6 unknown presence: shown as available", status("dnd", "", "ana"), Outcome::received,
         Status{"available", "", "ana", ""}},
        {"§6 invalid UTF-8: one U+FFFD per maximal subpart", cat({map(4), text_entries(T("a\xe2\x82" "b\xff\xf0\x9f\x98"))}),
         Outcome::received, Text{the_id(), 5, "a" + fffd + "b" + fffd + fffd}},
    };
}

inline Bytes hello(std::initializer_list<Bytes> entries, std::size_t n) {
    Bytes out = map(n);
    for (const auto& e : entries) out.insert(out.end(), e.begin(), e.end());
    return out;
}

inline std::vector<HelloCase> hello_cases() {
    const Bytes nick = cat({T("nick"), T("ana")}), v1 = cat({T("v"), U(1)});
    Bytes many_caps = head(Major::array, 33), long_cap = cat({head(Major::array, 1), T(std::string(33, 'c'))});
    for (int i = 0; i < 33; ++i) many_caps = cat({many_caps, T("text")});
    return {
        {"§4.2 Hello: accepted", hello({cat({T("caps"), hex("81"), T("text")}), nick, v1}, 3), true, "ana"},
        {"§4.2 Hello without caps: accepted", hello({nick, v1}, 2), true, "ana"},
        {"§4.2 Hello with unknown caps and keys of any type: accepted",
         hello({cat({T("caps"), hex("82"), T("text"), T("teleport")}), nick, v1, U(7), hex("c0f7"), T("x"), hex("f8ff")},
               5),
         true, "ana"},
        {"§4.2 Hello with indefinite lengths: accepted",
         cat({hex("bf"), T("caps"), hex("9f"), T("text"), hex("ff"), T("nick"), hex("7f6161626e61ff"), v1, hex("ff")}),
         true, "ana"},
        {"§4.2 Hello over 4096 bytes: refused", hello({nick, v1, T("pad"), T(std::string(4096, 'p'))}, 3), false},
        {"§4.2 Hello not well-formed: refused", hex("a2ff"), false},
        {"§4.2 Hello with trailing bytes: refused", cat({hello({nick, v1}, 2), hex("00")}), false},
        {"§4.2 Hello nested 17 deep: refused", hello({nick, v1, T("x"), nested_arrays(16)}, 3), false},
        {"§4.2 Hello not a map: refused", cat({head(Major::array, 3), U(1), T("ana"), hex("80")}), false},
        {"§4.2 Hello without v: refused", hello({nick}, 1), false},
        {"§4.2 Hello v not an unsigned integer: refused", hello({nick, T("v"), T("1")}, 2), false},
        {"§4.2 Hello v = 2: refused", hello({nick, T("v"), U(2)}, 2), false},
        {"§4.2 Hello without nick: refused", hello({v1}, 1), false},
        {"§4.2 Hello nick not a text: refused", hello({T("nick"), hex("43616e61"), v1}, 2), false},
        {"§4.2 Hello nick over 64 bytes: refused", hello({T("nick"), T(std::string(65, 'n')), v1}, 2), false},
        {"§4.2 Hello nick twice: refused", hello({nick, nick, v1}, 3), false},
        {"§4.2 Hello caps not an array: refused", hello({T("caps"), T("text"), nick, v1}, 3), false},
        {"§4.2 Hello caps with a non-text: refused", hello({T("caps"), hex("8101"), nick, v1}, 3), false},
        {"§4.2 Hello with 33 caps: refused", hello({T("caps"), many_caps, nick, v1}, 3), false},
        {"§4.2 Hello cap name over 32 bytes: refused", hello({T("caps"), long_cap, nick, v1}, 3), false},
        {"§4.2 Hello with sig: accepted", hello({cat({T("caps"), hex("81"), T("rooms")}), nick, T("sig"), K(5), v1}, 4),
         true, "ana", key32(5)},
        {"§4.2 Hello sig of 31 bytes: refused", hello({nick, T("sig"), B(Bytes(31, 1)), v1}, 3), false},
        {"§4.2 Hello sig of 33 bytes: refused", hello({nick, T("sig"), B(Bytes(33, 1)), v1}, 3), false},
        {"§4.2 Hello sig as text: refused", hello({nick, T("sig"), T(std::string(32, 's')), v1}, 3), false},
        {"§4.2 Hello tagged sig: refused", hello({nick, T("sig"), cat({hex("c2"), K(5)}), v1}, 3), false},
        {"§4.2 Hello sig twice: refused", hello({nick, T("sig"), K(5), T("sig"), K(5), v1}, 4), false},
    };
}

}  // namespace hallway::protocol_cases
