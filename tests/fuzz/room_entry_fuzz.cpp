// A room entry as a member or relay can hand it to us (room_entry's `e`): the
// decoder, then RoomState::check against a room alice created and added bob
// to, signed by nobody, alice or bob (first input byte). Invariants: decode
// and encode agree (what decodes re-encodes to an entry that decodes the
// same), a verdict other than invalid needs a decoded entry of this room, and
// an accepted entry applied is held: offered again it is a duplicate.
#include "room_fixture.hpp"

#include <cstdlib>

using namespace hallway;
using namespace hallway::core::rooms;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const fuzz::RoomFixture fixture;
    if (size == 0) return 0;
    SignedEntry s;
    s.bytes.assign(data + 1, data + size);
    const auto mode = static_cast<fuzz::SignMode>(data[0] % 3);
    if (mode != fuzz::SignMode::zero)
        s.signature = crypto::sign(mode == fuzz::SignMode::alice ? fixture.alice : fixture.bob,
                                   kEntrySignatureContext, s.bytes);

    const auto e = decode(s.bytes);
    if (e) {
        const auto once = encode(*e);
        const auto again = once.empty() ? std::nullopt : decode(once);
        if (!again || encode(*again) != once) std::abort();
    }
    RoomState room = *fixture.room;
    Entry out;
    const Verdict v = room.check(s, out);
    if (v != Verdict::invalid && (!e || e->room != room.id())) std::abort();
    if (v != Verdict::accepted) return 0;
    room.apply(s, out);
    if (room.have().at(out.author) != out.seq || room.check(s, out) != Verdict::duplicate) std::abort();
    if (out.kind == Kind::text) (void)room.shown(out);
    return 0;
}
