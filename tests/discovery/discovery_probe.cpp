// Publishes one Hallway presence and prints what Discovery reports, one line
// per event, for the virtual-LAN tests:
//   found <fp> <nick> <endpoint>   lost <fp>   daemon <state> <message>
// SIGTERM/SIGINT withdraw the service (mDNS goodbye) and exit 0.
// Link-local XMPP (--ll-user U --ll-port P [--ll-txt S]...; --fp is then
// optional): publishes _presence._tcp too and prints
//   link_local <instance> endpoints=<e,e> interfaces=<i,i> txt "<s>" "<s>"...
//   link_local_lost <instance>   link_local_published <instance>
// With --stdin yes it reads commands, one a line: "txt S|S|..." (new TXT
// strings, '|'-separated), "withdraw" (set_link_local(nullopt)).
#include "discovery/discovery.hpp"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
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
    std::cerr << "usage: discovery_probe [--nick N --fp DIGITS --port P] [--ll-user U --ll-port P [--ll-txt S]...]\n"
                 "                       [--stdin yes] --seconds S\n";
    return 2;
}

template <typename T>
bool parse_number(const std::string& s, T& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

std::vector<std::string> split_txt(const std::string& line) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t bar; (bar = line.find('|', start)) != std::string::npos; start = bar + 1)
        out.push_back(line.substr(start, bar - start));
    out.push_back(line.substr(start));
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    hallway::discovery::Announcement announcement;
    unsigned seconds = 0;
    std::optional<hallway::discovery::LinkLocalAnnouncement> link_local;
    bool commands = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--nick") announcement.nick = value;
        else if (key == "--fp") announcement.fingerprint = value;
        else if (key == "--port") { if (!parse_number(value, announcement.port)) return usage(); }
        else if (key == "--seconds") { if (!parse_number(value, seconds)) return usage(); }
        else if (key == "--ll-user") { if (!link_local) link_local.emplace(); link_local->user = value; }
        else if (key == "--ll-port") {
            if (!link_local) link_local.emplace();
            if (!parse_number(value, link_local->port)) return usage();
        }
        else if (key == "--ll-txt") { if (!link_local) link_local.emplace(); link_local->txt.push_back(value); }
        else if (key == "--stdin") commands = value == "yes";
        else return usage();
    }
    if (argc % 2 == 0 || seconds == 0 || (announcement.fingerprint.empty() && !link_local)) return usage();

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
    callbacks.on_link_local = [](const hallway::discovery::LinkLocalSighting& s) {
        std::cout << "link_local " << s.instance << " endpoints=";
        for (std::size_t i = 0; i < s.endpoints.size(); ++i) std::cout << (i ? "," : "") << s.endpoints[i];
        std::cout << " interfaces=";
        for (std::size_t i = 0; i < s.interfaces.size(); ++i) std::cout << (i ? "," : "") << s.interfaces[i];
        std::cout << " txt";
        for (const auto& t : s.txt) std::cout << " \"" << t << '"';
        std::cout << std::endl;
    };
    callbacks.on_link_local_lost = [](const std::string& instance) {
        std::cout << "link_local_lost " << instance << std::endl;
    };
    callbacks.on_link_local_published = [](const std::string& instance) {
        std::cout << "link_local_published " << instance << std::endl;
    };
    hallway::discovery::Discovery discovery(io, callbacks);

    asio::signal_set signals(io, SIGTERM, SIGINT);
    asio::steady_timer deadline(io, std::chrono::seconds(seconds));
    asio::posix::stream_descriptor input(io);
    asio::streambuf input_buffer;
    auto finish = [&] {
        discovery.stop();
        signals.cancel();
        deadline.cancel();
        if (input.is_open()) input.close();
    };
    std::function<void()> read_command = [&] {
        asio::async_read_until(input, input_buffer, '\n', [&](const asio::error_code& ec, std::size_t) {
            if (ec) return;  // EOF or closed: no more commands
            std::istream in(&input_buffer);
            std::string line;
            std::getline(in, line);
            if (line.rfind("txt ", 0) == 0 && link_local) {
                link_local->txt = split_txt(line.substr(4));
                discovery.set_link_local(link_local);
            } else if (line == "withdraw") {
                discovery.set_link_local(std::nullopt);
            } else {
                std::cout << "error unknown command" << std::endl;
            }
            read_command();
        });
    };
    if (commands) {
        input.assign(::dup(STDIN_FILENO));
        read_command();
    }
    signals.async_wait([&](const asio::error_code& ec, int) { if (!ec) finish(); });
    deadline.async_wait([&](const asio::error_code& ec) { if (!ec) finish(); });

    if (!announcement.fingerprint.empty()) discovery.start(announcement);
    if (link_local) discovery.set_link_local(link_local);
    io.run();
    std::cout << "exit" << std::endl;
    return 0;
}
