#include "fuzz_support.hpp"

#include <cstdlib>
#include <variant>

namespace hallway::fuzz {

namespace {
void check(const transport::SessionOutput& out, bool& closed, int& established) {
    if (closed && (!out.bytes.empty() || !out.events.empty())) std::abort();
    for (const auto& e : out.events) {
        if (closed) std::abort();
        if (std::holds_alternative<transport::Established>(e)) ++established;
        if (std::holds_alternative<transport::Closed>(e)) closed = true;
    }
    if (established > 1) std::abort();
}
}  // namespace

void drive_session(transport::Session& session, Input& in, transport::MonoTime now) {
    bool closed = session.state() == transport::Session::State::closed;
    int established = session.state() == transport::Session::State::established ? 1 : 0;
    const std::size_t chunk = in.byte();
    while (!in.empty()) {
        auto piece = in.take(chunk == 0 ? in.rest().size() : chunk);
        check(session.receive(piece, now), closed, established);
        now += std::chrono::milliseconds(10);
    }
    if (session.state() == transport::Session::State::established) {
        check(session.send(transport::Text{{}, 1, "still here"}, now), closed, established);
    }
    for (int i = 0; i < 4; ++i) {
        now += std::chrono::seconds(2);
        check(session.tick(now), closed, established);
    }
    if (closed != (session.state() == transport::Session::State::closed)) std::abort();
}

}  // namespace hallway::fuzz
