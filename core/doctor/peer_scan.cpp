// Gathering for the peer checks: browse mDNS, then probe each announced place
// with a TCP connect and a Noise handshake. Thin: peer_checks.cpp judges.
#include "core/doctor/peer_checks.hpp"

#include "crypto/identity.hpp"
#include "crypto/rng.hpp"
#include "discovery/discovery.hpp"
#include "transport/session.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>
#include <functional>
#include <memory>

namespace hallway::core::doctor {
namespace {

// A LAN peer answers a TCP connect within milliseconds; 2 s leaves room for a
// busy Wi-Fi without making a silent firewall cost much.
constexpr auto kConnectTimeout = std::chrono::seconds(2);
// The peer's first handshake answer is one DH away once TCP is up.
constexpr auto kHandshakeTimeout = std::chrono::seconds(3);
// Anyone can announce thousands of instances; a probe costs a socket.
constexpr std::size_t kMaxProbes = 64;

transport::MonoTime mono_now() {
    return std::chrono::duration_cast<transport::MonoTime>(std::chrono::steady_clock::now().time_since_epoch());
}

// This computer's addresses, to tell our own announcements from another computer's.
std::vector<asio::ip::address> local_addresses() {
    std::vector<asio::ip::address> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return out;
    for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr) continue;
        if (i->ifa_addr->sa_family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
            out.push_back(asio::ip::address_v4(ntohl(in->sin_addr.s_addr)));
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
            asio::ip::address_v6::bytes_type bytes;
            std::memcpy(bytes.data(), in6->sin6_addr.s6_addr, bytes.size());
            out.push_back(asio::ip::address_v6(bytes));
        }
    }
    freeifaddrs(list);
    return out;
}

bool is_local(const asio::ip::address& a, const std::vector<asio::ip::address>& locals) {
    // Without the scope id: a link-local address is ours whatever interface reported it.
    const auto plain = a.is_v6() ? asio::ip::address(asio::ip::address_v6(a.to_v6().to_bytes())) : a;
    for (const auto& l : locals)
        if (l == plain) return true;
    return false;
}

std::string interface_name(int index) {
    char name[IF_NAMESIZE] = {};
    if (index <= 0 || if_indextoname(static_cast<unsigned>(index), name) == nullptr) return {};
    return name;
}

// One probe: connect, send the handshake's first message, read until the
// responder's answer authenticates its key. The third message is never sent,
// so the peer never sees a session (nothing in its list or history).
class Prober : public std::enable_shared_from_this<Prober> {
public:
    Prober(asio::io_context& io, asio::ip::tcp::endpoint endpoint, std::function<void(Probe)> done)
        : socket_(io), timer_(io), endpoint_(endpoint), done_(std::move(done)),
          session_(config(), mono_now()) {}

    void start() {
        timer_.expires_after(kConnectTimeout);
        timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
            if (!ec) self->finish({Reach::timed_out, "", ""});
        });
        socket_.async_connect(endpoint_, [self = shared_from_this()](const asio::error_code& ec) {
            if (self->finished_) return;
            if (ec) return self->finish({reach_of_connect_error(ec), "", ec.message()});
            self->handshake();
        });
    }

private:
    static transport::SessionConfig config() {
        transport::SessionConfig c;
        c.role = crypto::Role::initiator;
        c.rng = crypto::system_rng();
        // Never sent (it would go in the third message): any key will do.
        c.identity = crypto::KeyPair::generate(c.rng);
        return c;
    }

    void handshake() {
        timer_.expires_after(kHandshakeTimeout);
        timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
            if (!ec) self->finish({Reach::no_handshake, "", ""});
        });
        first_ = session_.start(mono_now()).bytes;
        asio::async_write(socket_, asio::buffer(first_),
                          [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                              if (ec && !self->finished_) self->finish({Reach::handshake_failed, "", ec.message()});
                          });
        read();
    }

    void read() {
        const auto into = session_.receive_buffer();
        socket_.async_read_some(asio::buffer(into.data(), into.size()),
                                [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                                    if (self->finished_) return;
                                    if (ec == asio::error::eof)
                                        return self->finish(
                                            {Reach::handshake_failed, "", "they closed the connection"});
                                    if (ec) return self->finish({Reach::handshake_failed, "", ec.message()});
                                    self->received(n);
                                });
    }

    void received(std::size_t n) {
        for (auto& event : session_.received(n, mono_now()).events) {
            if (const auto* up = std::get_if<transport::Established>(&event))
                return finish({Reach::reachable, crypto::fingerprint(up->peer), ""});
            if (const auto* closed = std::get_if<transport::Closed>(&event))
                return finish({Reach::handshake_failed, "", closed->reason});
        }
        read();
    }

    void finish(Probe p) {
        if (finished_) return;
        finished_ = true;
        timer_.cancel();
        asio::error_code ignored;
        socket_.close(ignored);
        done_(std::move(p));
    }

    asio::ip::tcp::socket socket_;
    asio::steady_timer timer_;
    asio::ip::tcp::endpoint endpoint_;
    std::function<void(Probe)> done_;
    transport::Session session_;
    std::vector<std::uint8_t> first_;
    bool finished_ = false;
};

}  // namespace

PeerScan scan_peers(const Context& ctx) {
    asio::io_context io;
    PeerScan scan;
    const auto locals = local_addresses();
    std::size_t probes = 0;

    discovery::DiscoveryCallbacks cb;
    cb.on_daemon = [&](discovery::DaemonState state, std::string_view message) {
        if (state == discovery::DaemonState::running) {
            scan.mdns = true;
            scan.mdns_error.clear();
        } else if (state == discovery::DaemonState::missing || state == discovery::DaemonState::failed) {
            // Discovery's own words for "missing" end in advice doctor gives itself.
            scan.mdns_error = state == discovery::DaemonState::missing
                                  ? "avahi-daemon is not running, or not reachable over D-Bus"
                                  : std::string(message);
        }
    };
    cb.on_found = [&](const discovery::Sighting& s) {
        SeenPeer seen{s.service_name, s.nick, s.fingerprint, s.endpoint, interface_name(s.interface),
                      is_local(s.endpoint.address(), locals), std::nullopt};
        const bool probe = needs_probe(ctx, seen);
        scan.seen.push_back(std::move(seen));
        if (!probe) return;
        if (probes == kMaxProbes) {
            ++scan.not_probed;
            return;
        }
        ++probes;
        const std::size_t index = scan.seen.size() - 1;  // the vector may grow: keep the index
        std::make_shared<Prober>(io, s.endpoint, [&scan, index](Probe p) { scan.seen[index].probe = std::move(p); })
            ->start();
    };

    discovery::Discovery discovery(io, std::move(cb));
    discovery.browse();
    asio::steady_timer browse_end(io);
    browse_end.expires_after(ctx.browse_time);
    browse_end.async_wait([&](const asio::error_code&) { discovery.stop(); });
    // Runs until the browse ends and every probe has finished (each is bounded).
    io.run();
    return scan;
}

}  // namespace hallway::core::doctor
