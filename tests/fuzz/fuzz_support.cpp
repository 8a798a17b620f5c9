#include "fuzz_support.hpp"

#include <cstdlib>
#include <variant>

namespace hallway::fuzz {

namespace {
void check(const transport::Session& session, const transport::SessionOutput& out, bool& closed, int& established,
           bool silent_until_established) {
    if (closed && (!out.bytes.empty() || !out.events.empty())) std::abort();
    for (const auto& e : out.events) {
        if (closed) std::abort();
        if (std::holds_alternative<transport::Established>(e)) ++established;
        if (std::holds_alternative<transport::Closed>(e)) closed = true;
    }
    if (established > 1) std::abort();
    // An IK responder writes msg2 before it is established (that waits for the
    // initiator's key confirmation), but only once msg1 decrypted and named the initiator.
    if (silent_until_established && established == 0 && !out.bytes.empty() && !session.peer()) std::abort();
}
}  // namespace

void drive_session(transport::Session& session, Input& in, transport::MonoTime now, bool silent_until_established) {
    bool closed = session.state() == transport::Session::State::closed;
    int established = session.state() == transport::Session::State::established ? 1 : 0;
    const std::size_t chunk = in.byte();
    while (!in.empty()) {
        auto piece = in.take(chunk == 0 ? in.rest().size() : chunk);
        check(session, session.receive(piece, now), closed, established, silent_until_established);
        now += std::chrono::milliseconds(10);
    }
    if (session.state() == transport::Session::State::established) {
        check(session, session.send(transport::Text{{}, 1, "still here"}, now), closed, established, silent_until_established);
    }
    for (int i = 0; i < 4; ++i) {
        now += std::chrono::seconds(2);
        check(session, session.tick(now), closed, established, silent_until_established);
    }
    if (closed != (session.state() == transport::Session::State::closed)) std::abort();
}

void drive_responder(const std::uint8_t* data, std::size_t size, bool private_mode) {
    Input in(data, size);
    const transport::MonoTime t0{0};
    auto config = bob_config();
    config.private_mode = private_mode;
    transport::Session bob(std::move(config), t0);
    bob.start(t0);
    drive_session(bob, in, t0, private_mode);
}

}  // namespace hallway::fuzz
