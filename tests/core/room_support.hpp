#pragma once
// People and rooms for the room tests: fixed keys, entries written the way the
// node writes them (next_entry, fill in, sign), and delivery in any order.
#include "core/rooms/room_state.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace hallway::test {

using namespace hallway::core;
using namespace hallway::core::rooms;

struct Person {
    crypto::KeyPair identity;
    crypto::SigningKey signing;
    PeerKey key{};

    // Identity private key: 32 bytes of fill.
    explicit Person(std::uint8_t fill) : Person(filled(fill)) {}
    explicit Person(const std::array<std::uint8_t, 32>& priv)
        : identity(crypto::KeyPair::from_private(priv)), signing(crypto::SigningKey::derive(identity)) {
        std::copy(identity.public_key.begin(), identity.public_key.end(), key.begin());
    }
    // A distinct person per number (for crowds).
    static Person numbered(std::uint32_t n) {
        std::array<std::uint8_t, 32> priv{};
        priv.fill(0x55);
        // Not byte 0: X25519 clamps its low bits.
        for (std::size_t i = 0; i < 4; ++i) priv[i + 1] = static_cast<std::uint8_t>(n >> (8 * i));
        return Person(priv);
    }

private:
    static std::array<std::uint8_t, 32> filled(std::uint8_t fill) {
        std::array<std::uint8_t, 32> a{};
        a.fill(fill);
        return a;
    }
};

inline Nonce counting_nonce() {
    Nonce n{};
    for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(i);
    return n;
}

inline Entry create_entry(const Person& creator, std::string name = "lunch", std::string topic = "where do we eat",
                          bool open = false, std::uint64_t ts = 1700000000000) {
    Entry e;
    e.kind = Kind::create;
    e.author = creator.key;
    e.seq = 1;
    e.lamport = 1;
    e.sent_at_ms = ts;
    e.name = std::move(name);
    e.topic = std::move(topic);
    e.open = open;
    e.nonce = counting_nonce();
    e.sign_key = creator.signing.public_key;
    e.room = room_id(creator.key, e.sign_key, e.nonce);
    return e;
}

inline RoomState room_of(const SignedEntry& create) {
    std::string error;
    auto state = RoomState::from_create(create, error);
    INFO(error);
    REQUIRE(state);
    return std::move(*state);
}

// An entry by `by` as the node writes it on its own view of the room.
struct Writer {
    const RoomState& view;
    const Person& by;
    std::uint64_t ts = 1700000001000;

    Entry next(Kind kind) const { return view.next_entry(by.key, kind, ts); }
    SignedEntry text(std::string body) const {
        Entry e = next(Kind::text);
        e.body = std::move(body);
        return sign(e, by.signing);
    }
    SignedEntry add(const Person& who, std::string nick = "nick") const {
        Entry e = next(Kind::add);
        e.member = who.key;
        e.sign_key = who.signing.public_key;
        e.member_nick = std::move(nick);
        return sign(e, by.signing);
    }
    SignedEntry about(Kind kind, const Person& who) const {
        Entry e = next(kind);
        e.member = who.key;
        return sign(e, by.signing);
    }
    SignedEntry leave() const { return sign(next(Kind::leave), by.signing); }
    SignedEntry set(std::string name, std::string topic, bool open) const {
        Entry e = next(Kind::set);
        e.name = std::move(name);
        e.topic = std::move(topic);
        e.open = open;
        return sign(e, by.signing);
    }
};

inline Verdict offer(RoomState& room, const SignedEntry& s) {
    Entry e;
    const Verdict v = room.check(s, e);
    if (v == Verdict::accepted) room.apply(s, e);
    return v;
}

// Writes and takes one entry on the writer's own view; it must be accepted.
inline SignedEntry write(RoomState& room, const SignedEntry& s) {
    REQUIRE(offer(room, s) == Verdict::accepted);
    return s;
}

// Offers every entry until nothing more is accepted (entries ahead of what is
// held come back as gaps and are retried). Returns how many were accepted.
inline std::size_t deliver(RoomState& room, const std::vector<SignedEntry>& entries) {
    std::vector<const SignedEntry*> pending;
    for (const auto& s : entries) pending.push_back(&s);
    std::size_t accepted = 0;
    for (bool progress = true; progress;) {
        progress = false;
        for (auto it = pending.begin(); it != pending.end();) {
            const Verdict v = offer(room, **it);
            if (v == Verdict::gap) {
                ++it;
                continue;
            }
            if (v == Verdict::accepted) {
                ++accepted;
                progress = true;
            }
            it = pending.erase(it);
        }
    }
    return accepted;
}

}  // namespace hallway::test
