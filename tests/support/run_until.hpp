#pragma once
// Driving an io_context in a test until something holds.
#include <asio.hpp>

#include <chrono>

namespace hallway::test_io {

// Runs the io_context until pred holds or a generous deadline passes (a hang bound, not a timing check).
template <class Pred>
bool run_until(asio::io_context& io, Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return false;
        io.restart();
        io.run_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace hallway::test_io
