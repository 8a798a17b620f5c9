#pragma once
// The room the room_entry fuzz target checks entries against, and its seeds:
// alice (fixed_key(1)) created it and added bob (fixed_key(2)). Shared by the
// target and make_seeds so seeds are entries of this very room.
#include "core/rooms/room_state.hpp"
#include "fuzz_support.hpp"

#include <cstdlib>
#include <vector>

namespace hallway::fuzz {

struct RoomFixture {
    crypto::KeyPair alice_id = fixed_key(1), bob_id = fixed_key(2);
    crypto::SigningKey alice = crypto::SigningKey::derive(alice_id), bob = crypto::SigningKey::derive(bob_id);
    core::rooms::SignedEntry create, add_bob;
    std::optional<core::rooms::RoomState> room;

    RoomFixture() {
        using namespace core::rooms;
        Entry e;
        e.kind = Kind::create;
        std::copy(alice_id.public_key.begin(), alice_id.public_key.end(), e.author.begin());
        e.seq = e.lamport = 1;
        e.name = "lunch";
        e.topic = "where do we eat";
        e.sign_key = alice.public_key;
        e.room = room_id(e.author, e.sign_key, e.nonce);
        create = sign(e, alice);
        std::string error;
        room = RoomState::from_create(create, error);
        if (!room) std::abort();
        Entry add = room->next_entry(e.author, Kind::add, 2);
        std::copy(bob_id.public_key.begin(), bob_id.public_key.end(), add.member.begin());
        add.sign_key = bob.public_key;
        add.member_nick = "bob";
        add_bob = sign(add, alice);
        if (room->check(add_bob, add) != Verdict::accepted) std::abort();
        room->apply(add_bob, add);
    }
};

// An input is one byte choosing the signature, then the entry's bytes.
enum class SignMode : std::uint8_t { zero, alice, bob };

}  // namespace hallway::fuzz
