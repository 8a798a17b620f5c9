#pragma once
// What the socket-level attack tests share: connections from any 127.0.0.x (loopback
// has a whole /8 of source addresses), a dialer Session fed by hand, bounded waits,
// the process's memory, and a legitimate peer that must still get through.
#include "loopback.hpp"

#include "transport/session.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace hallway::transport::test {

using Clock = std::chrono::steady_clock;

inline std::size_t vm_rss_kb() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
    return 0;
}

// socket_buffer: when set, SO_RCVBUF and SO_SNDBUF before connecting (they bound the TCP window).
inline int connect_from(const char* source, std::uint16_t port, bool blocking, int socket_buffer = 0) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK), 0);
    if (fd < 0) return -1;
    if (socket_buffer > 0) {
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &socket_buffer, sizeof socket_buffer);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &socket_buffer, sizeof socket_buffer);
    }
    sockaddr_in src{};
    src.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &src.sin_addr);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
        (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS)) {
        ::close(fd);
        return -1;
    }
    return fd;
}

template <class Pred>
bool wait_for(Pred pred, std::chrono::seconds limit) {
    const auto end = Clock::now() + limit;
    while (!pred()) {
        if (Clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

// A dialer's session over a raw socket, fed by hand (the clock does not matter here).
inline Session client_session(std::uint8_t seed, std::string nick) {
    SessionConfig c;
    c.role = crypto::Role::initiator;
    c.identity = fixed_key(seed);
    c.hello = Hello{1, std::move(nick), {}};
    c.rng = crypto::system_rng();
    return Session(std::move(c), MonoTime{0});
}

// What the legitimate peer sends: its key's seed and its one text.
inline constexpr std::uint8_t kLegitimateSeed = 2;
inline const Text kLegitimateText{MessageId{7}, 1, "hello through the flood"};

// A peer doing everything right: connect from 127.0.0.1, handshake, send
// kLegitimateText, wait for its ack. Retries (a full table may refuse it for a while).
inline bool legitimate_peer_delivers(std::uint16_t port, std::chrono::seconds limit) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
        int fd = connect_from("127.0.0.1", port, true);
        if (fd < 0) return false;
        Session s = client_session(kLegitimateSeed, "legit");
        bool sent = false, acked = false, closed = false;
        auto apply = [&](const SessionOutput& out) {
            if (!out.bytes.empty()) ::send(fd, out.bytes.data(), out.bytes.size(), MSG_NOSIGNAL);
            for (const auto& e : out.events) {
                if (std::holds_alternative<Closed>(e)) closed = true;
                if (const auto* r = std::get_if<Received>(&e))
                    if (std::holds_alternative<Ack>(r->message)) acked = true;
            }
        };
        apply(s.start(MonoTime{0}));
        while (!acked && !closed && Clock::now() < end) {
            if (!sent && s.state() == Session::State::established) {
                apply(s.send(kLegitimateText, MonoTime{0}));
                sent = true;
            }
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 200) <= 0) continue;
            std::array<std::uint8_t, 4096> buf{};
            const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
            if (n <= 0) break;
            apply(s.receive(std::span(buf.data(), static_cast<std::size_t>(n)), MonoTime{0}));
        }
        ::close(fd);
        if (acked) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
}

}  // namespace hallway::transport::test
