// The one place where threads meet (STYLE habit 11): the network thread pushes
// events, the UI thread drains them and posts commands back with asio::post.
// Label "threads": scripts/tsan runs these under ThreadSanitizer.
#include "core/events.hpp"
#include "core/node.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace hallway;
using namespace hallway::core;

TEST_CASE("event queue: events pushed on one thread are drained on another, all of them, in order") {
    constexpr int kEvents = 20000;
    EventQueue queue;
    std::atomic<int> wakes{0};
    queue.set_waker([&] { wakes.fetch_add(1, std::memory_order_relaxed); });
    std::thread network([&] {
        for (int i = 0; i < kEvents; ++i) queue.push(Notice{Notice::Level::info, std::to_string(i)});
    });
    std::vector<std::string> seen;
    while (seen.size() < static_cast<std::size_t>(kEvents)) {
        if (!queue.wait_for(std::chrono::seconds(20))) break;  // hang bound only
        for (auto& e : queue.drain()) seen.push_back(std::get<Notice>(e).text);
    }
    network.join();
    REQUIRE(seen.size() == static_cast<std::size_t>(kEvents));
    for (int i = 0; i < kEvents; ++i) CHECK_MESSAGE(seen[static_cast<std::size_t>(i)] == std::to_string(i), i);
    CHECK(wakes.load() == kEvents);  // the waker runs once per push, on the pushing thread
    CHECK(queue.drain().empty());
}

TEST_CASE("event queue: a node on its network thread feeds a UI thread that posts commands back") {
    test::TempDir dir;
    asio::io_context io;
    NodeOptions options;
    options.profile_dir = dir.path();
    options.nick = "alice";
    options.mdns = false;
    options.port = 0;  // any free port, not the default: many nodes run at once
    options.control_socket = false;
    std::string error;
    auto node = Node::create(io, options, error);
    REQUIRE_MESSAGE(node, error);
    EventQueue queue;
    node->subscribe([&](const Event& e) { queue.push(e); });  // runs on the network thread
    auto work = asio::make_work_guard(io);
    std::thread network([&] { io.run(); });
    asio::post(io, [&] { node->start(); });

    // The UI thread: change the nick a few times, each through asio::post, and
    // watch the node's OwnIdentity events come back through the queue.
    std::string last_nick;
    for (int round = 0; round < 50; ++round) {
        const std::string nick = "alice" + std::to_string(round);
        asio::post(io, [&node, nick] {
            std::string error;
            node->set_nick(nick, error);
        });
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (last_nick != nick && std::chrono::steady_clock::now() < end) {
            queue.wait_for(std::chrono::milliseconds(100));
            for (auto& e : queue.drain())
                if (auto* own = std::get_if<OwnIdentity>(&e)) last_nick = own->nick;
        }
        REQUIRE(last_nick == nick);
    }
    asio::post(io, [&] { node->stop(); });
    work.reset();
    network.join();
    node.reset();
}
