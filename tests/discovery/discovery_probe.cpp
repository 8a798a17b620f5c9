// Publishes one Hallway presence and prints what Discovery reports, one line
// per event, for the virtual-LAN tests:
//   found <fp> <nick> <endpoint>   lost <fp>   daemon <state> <message>
// SIGTERM/SIGINT withdraw the service (mDNS goodbye) and exit 0.
#include "discovery/discovery.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <vector>
#include <string>

namespace {

using hallway::discovery::DaemonState;

const char* to_string(DaemonState s) {
    switch (s) {
    case DaemonState::connecting: return "connecting";
    case DaemonState::running: return "running";
    case DaemonState::missing: return "missing";
    case DaemonState::failed: return "failed";
    }
    return "?";
}

int usage() {
    std::cerr << "usage: discovery_probe --nick N --fp DIGITS --port P --seconds S\n";
    return 2;
}

template <typename T>
bool parse_number(const std::string& s, T& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

int main(int argc, char** argv) {
    hallway::discovery::Announcement announcement;
    unsigned seconds = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--nick") announcement.nick = value;
        else if (key == "--fp") announcement.fingerprint = value;
        else if (key == "--port") { if (!parse_number(value, announcement.port)) return usage(); }
        else if (key == "--seconds") { if (!parse_number(value, seconds)) return usage(); }
        else return usage();
    }
    if (argc % 2 == 0 || seconds == 0 || announcement.fingerprint.empty()) return usage();

    asio::io_context io;
    hallway::discovery::DiscoveryCallbacks callbacks;
    callbacks.on_found = [](const hallway::discovery::Sighting& s) {
        std::cout << "found " << s.fingerprint << ' ' << s.nick << ' ' << s.endpoint << std::endl;
    };
    callbacks.on_lost = [](const std::string&, const std::string& fp) { std::cout << "lost " << fp << std::endl; };
    callbacks.on_daemon = [](DaemonState state, std::string_view message) {
        std::cout << "daemon " << to_string(state) << ' ' << message << std::endl;
    };
    callbacks.on_domains = [](const std::vector<std::string>& domains) {
        std::cout << "domains";
        for (const auto& d : domains) std::cout << ' ' << d;
        std::cout << std::endl;
    };
    hallway::discovery::Discovery discovery(io, callbacks);

    asio::signal_set signals(io, SIGTERM, SIGINT);
    asio::steady_timer deadline(io, std::chrono::seconds(seconds));
    auto finish = [&] {
        discovery.stop();
        signals.cancel();
        deadline.cancel();
    };
    signals.async_wait([&](const asio::error_code& ec, int) { if (!ec) finish(); });
    deadline.async_wait([&](const asio::error_code& ec) { if (!ec) finish(); });

    discovery.start(announcement);
    io.run();
    std::cout << "exit" << std::endl;
    return 0;
}
