// Discovery runs avahi-client on a thread of its own (its D-Bus calls block);
// the caller's thread only ever sees posted callbacks. Without a system bus
// (none here: the address names a socket that does not exist) it reports the
// daemon missing, keeps retrying on its thread, and stops and goes away cleanly
// while the caller keeps calling it. scripts/tsan runs this under
// ThreadSanitizer (label threads).
#include "discovery/discovery.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

using namespace hallway::discovery;

TEST_CASE("discovery: callbacks arrive on the caller's io_context, calls from it are safe while avahi is away") {
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/hallway-test-bus", 1);
    asio::io_context io;
    const auto caller = std::this_thread::get_id();
    int missing = 0;
    bool on_caller_thread = true;
    DiscoveryCallbacks cb;
    cb.on_daemon = [&](DaemonState state, std::string_view) {
        on_caller_thread = on_caller_thread && std::this_thread::get_id() == caller;
        if (state == DaemonState::missing) ++missing;
    };
    cb.on_found = [&](const Sighting&) { FAIL("nothing can be found without a daemon"); };
    {
        Discovery d(io, cb);
        // Without work an io_context's run_for returns at once and stays stopped,
        // so a callback posted later would never run here.
        const auto work = asio::make_work_guard(io);
        const Announcement a{"ana", std::string(40, '1'), 4000, ""};
        d.start(a);
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (missing == 0 && std::chrono::steady_clock::now() < end) io.run_for(std::chrono::milliseconds(20));
        REQUIRE(missing == 1);  // said once, not once per retry
        for (int i = 0; i < 50; ++i) {  // the caller keeps talking to it while it retries
            d.update(Announcement{"ana " + std::to_string(i), std::string(40, '1'), 4000, ""});
            d.resolve_again(std::string(40, '2'));
        }
        d.stop();
        d.start(a);  // and again: stop is not the end
        io.run_for(std::chrono::milliseconds(100));
    }
    // Callbacks posted before it went away do not run after.
    io.restart();
    io.run_for(std::chrono::milliseconds(100));
    CHECK(on_caller_thread);
}

TEST_CASE("discovery: the link-local side alone connects, and mixes with start/stop while avahi is away") {
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/hallway-test-bus", 1);
    asio::io_context io;
    int missing = 0;
    DiscoveryCallbacks cb;
    cb.on_daemon = [&](DaemonState state, std::string_view) {
        if (state == DaemonState::missing) ++missing;
    };
    cb.on_link_local = [&](const LinkLocalSighting&) { FAIL("nothing can be found without a daemon"); };
    cb.on_link_local_published = [&](const std::string&) { FAIL("nothing is published without a daemon"); };
    {
        Discovery d(io, cb);
        const auto work = asio::make_work_guard(io);
        LinkLocalAnnouncement ll{"ana", 5298, {"txtvers=1", "port.p2pj=5298", "status=avail"}};
        d.set_link_local(ll);  // no start(): the client is needed for this alone
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (missing == 0 && std::chrono::steady_clock::now() < end) io.run_for(std::chrono::milliseconds(20));
        REQUIRE(missing == 1);
        for (int i = 0; i < 20; ++i) {
            ll.txt[2] = i % 2 ? "status=away" : "status=avail";
            d.set_link_local(ll);
            d.start(Announcement{"ana", std::string(40, '1'), 4000, ""});
            if (i % 5 == 0) d.set_link_local(std::nullopt);
        }
        d.stop();
        d.set_link_local(ll);
        io.run_for(std::chrono::milliseconds(100));
    }
    io.restart();
    io.run_for(std::chrono::milliseconds(100));
}
