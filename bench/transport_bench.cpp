// Transport figures over loopback, each next to the bound it should approach,
// measured in the same run:
//   (a) one large transfer through a session vs plain TCP vs ChaCha20-Poly1305 on one core
//   (b) round trip of a small text until its app-level ack vs a plain TCP ping-pong
//   (c) handshakes per second on one core vs the X25519 bound (1 keygen + 3 DH per side)
// On a virtual LAN the two ends live in two network namespaces (--netns-a/--netns-b,
// names as in /run/netns, B reached at --addr-b); by default both are on loopback.
// (d) with --node HOST:PORT: Text messages per second that a real node stores and acks.
//
// Usage: transport_bench [--mib 256] [--netns-a NS --netns-b NS --addr-b IP] [--json]
//                        [--node HOST:PORT --count N --window W] [--transfer-only]
// --transfer-only: just (a)'s session part, e.g. under perf record.
#include "bench/one_core_speed.hpp"
#include "transport/session.hpp"
#include "transport/transport.hpp"
#include "transport/wire.hpp"

#include <sodium.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <future>
#include <string>
#include <thread>

using namespace hallway;
using namespace hallway::transport;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Net {
    std::string ns_b;                    // empty: B in our own namespace
    std::string addr_b = "127.0.0.1";
};
Net g_net;

// Moves the calling thread into a named network namespace; sockets it creates live there.
void enter_netns(const std::string& name) {
    if (name.empty()) return;
    const std::string path = "/run/netns/" + name;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "cannot enter network namespace %s: %s\n", name.c_str(), std::strerror(errno));
        std::exit(1);
    }
    ::close(fd);
}

// Runs f on a short-lived thread inside B's namespace (creating sockets there).
template <class F>
auto in_b(F f) {
    auto task = std::async(std::launch::async, [f = std::move(f)]() mutable {
        enter_netns(g_net.ns_b);
        return f();
    });
    return task.get();
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// CPU seconds (user + system) the whole process used so far: on a shared
// machine, what the transfer costs is steadier than how fast it went.
double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    const auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

struct Pair {
    asio::io_context io_a, io_b;
    crypto::KeyPair ka = crypto::KeyPair::generate(crypto::system_rng());
    crypto::KeyPair kb = crypto::KeyPair::generate(crypto::system_rng());
    std::unique_ptr<Transport> a, b;
    std::function<void(const AppMessage&)> a_got;  // runs on A's thread
    std::atomic<bool> up{false};
    std::thread b_thread;

    Pair() {
        TransportCallbacks ca, cb;
        ca.on_session_up = [this](const SessionInfo&) { up = true; };
        ca.on_message = [this](const PeerKey&, const AppMessage& m) { a_got(m); };
        cb.on_message = [this](const PeerKey& p, const AppMessage& m) {
            if (const auto* t = std::get_if<Text>(&m)) b->send(p, Ack{t->id});
        };
        a = std::make_unique<Transport>(io_a, ka, TransportConfig{0, Hello{1, "a", {}}}, ca);
        b = std::make_unique<Transport>(io_b, kb, TransportConfig{0, Hello{1, "b", {}}}, cb);
        const auto port = in_b([this] { return b->listen(); });
        b_thread = std::thread([this] {
            auto guard = asio::make_work_guard(io_b);
            io_b.run();
        });
        a->dial({asio::ip::make_address(g_net.addr_b), port});
        while (!up) io_a.run_one();
    }
    ~Pair() {
        io_b.stop();
        b_thread.join();
    }
    template <class Pred>
    void run_a_until(Pred p) {
        while (!p()) io_a.run_one();
    }
};

MessageId id_of(std::uint64_t n) {
    MessageId id{};
    for (int i = 0; i < 8; ++i) id[i] = static_cast<std::uint8_t>(n >> (8 * i));
    return id;
}

struct Throughput {
    double mib_per_s;
    double mib_per_cpu_s;  // both ends together
};

// (a) MiB/s of Text bodies through a session, acked one by one.
Throughput session_throughput(std::size_t mib) {
    Pair p;
    // The largest text the protocol carries; 32 in flight (2 MiB) keep the pipe full.
    const std::size_t body = wire::kMaxTextBody;
    const std::size_t count = mib * 1024 * 1024 / body;
    std::size_t sent = 0, acked = 0;
    const std::string payload(body, 'x');
    const auto t0 = Clock::now();
    const double cpu0 = cpu_seconds();
    auto fill = [&] {
        while (sent < count && sent - acked < 32 &&
               p.a->send(p.kb.public_key, Text{id_of(sent), 0, payload}) == SendResult::sent)
            ++sent;
    };
    p.a_got = [&](const AppMessage& m) {
        if (std::holds_alternative<Ack>(m)) ++acked;
        fill();
    };
    fill();
    p.run_a_until([&] { return acked == count; });
    const double mib_moved = static_cast<double>(count * body) / (1024.0 * 1024.0);
    return {mib_moved / seconds_since(t0), mib_moved / (cpu_seconds() - cpu0)};
}

// Connected loopback socket pair (blocking).
std::pair<tcp::socket, tcp::socket> tcp_pair(asio::io_context& io) {
    tcp::acceptor acc = in_b([&io] { return tcp::acceptor(io, {asio::ip::make_address(g_net.addr_b), 0}); });
    tcp::socket c(io), s(io);
    c.connect(acc.local_endpoint());
    acc.accept(s);
    c.set_option(tcp::no_delay(true));
    s.set_option(tcp::no_delay(true));
    return {std::move(c), std::move(s)};
}

double tcp_throughput(std::size_t mib) {
    asio::io_context io;
    auto [c, s] = tcp_pair(io);
    const std::size_t total = mib * 1024 * 1024;
    const auto t0 = Clock::now();
    std::thread reader([&s = s, total] {
        std::vector<std::uint8_t> buf(256 * 1024);
        std::size_t got = 0;
        while (got < total) got += s.read_some(asio::buffer(buf));
    });
    std::vector<std::uint8_t> chunk(256 * 1024, 0x55);
    for (std::size_t done = 0; done < total; done += chunk.size()) asio::write(c, asio::buffer(chunk));
    reader.join();
    return static_cast<double>(mib) / seconds_since(t0);
}

struct Percentiles {
    double p50_us, p99_us;
};
Percentiles percentiles(std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2] * 1e6, v[v.size() * 99 / 100] * 1e6};
}

constexpr int kRoundTrips = 10000;
const std::string kSmallBody(32, 'm');

Percentiles session_rtt() {
    Pair p;
    std::vector<double> rtts;
    bool acked = false;
    p.a_got = [&](const AppMessage& m) { acked = std::holds_alternative<Ack>(m); };
    for (int i = 0; i < kRoundTrips; ++i) {
        acked = false;
        const auto t0 = Clock::now();
        p.a->send(p.kb.public_key, Text{id_of(static_cast<std::uint64_t>(i)), 0, kSmallBody});
        p.run_a_until([&] { return acked; });
        rtts.push_back(seconds_since(t0));
    }
    return percentiles(rtts);
}

Percentiles tcp_rtt(std::size_t size) {
    asio::io_context io;
    auto [c, s] = tcp_pair(io);
    std::thread echo([&s = s, size] {
        std::vector<std::uint8_t> buf(size);
        for (int i = 0; i < kRoundTrips; ++i) {
            asio::read(s, asio::buffer(buf));
            asio::write(s, asio::buffer(buf));
        }
    });
    std::vector<std::uint8_t> buf(size, 0x42);
    std::vector<double> rtts;
    for (int i = 0; i < kRoundTrips; ++i) {
        const auto t0 = Clock::now();
        asio::write(c, asio::buffer(buf));
        asio::read(c, asio::buffer(buf));
        rtts.push_back(seconds_since(t0));
    }
    echo.join();
    return percentiles(rtts);
}

double handshakes_per_second() {
    const auto rng = crypto::system_rng();
    SessionConfig ca;
    ca.identity = crypto::KeyPair::generate(rng);
    ca.hello = Hello{1, "a", {}};
    ca.rng = rng;
    SessionConfig cb;
    cb.role = crypto::Role::responder;
    cb.identity = crypto::KeyPair::generate(rng);
    cb.hello = Hello{1, "b", {}};
    cb.rng = rng;
    const auto t0 = Clock::now();
    int n = 0;
    while (seconds_since(t0) < 2.0) {
        Session a(ca, MonoTime{0}), b(cb, MonoTime{0});
        auto m1 = a.start(MonoTime{0});
        auto m2 = b.receive(m1.bytes, MonoTime{0});
        auto m3 = a.receive(m2.bytes, MonoTime{0});
        b.receive(m3.bytes, MonoTime{0});
        if (b.state() != Session::State::established) std::abort();
        ++n;
    }
    return n / seconds_since(t0);
}

double x25519_per_second() {
    std::array<std::uint8_t, 32> sk{}, pk{}, out{};
    randombytes_buf(sk.data(), sk.size());
    crypto_scalarmult_base(pk.data(), sk.data());
    const auto t0 = Clock::now();
    int n = 0;
    while (seconds_since(t0) < 1.0) {
        for (int i = 0; i < 100; ++i) {
            if (crypto_scalarmult(out.data(), sk.data(), pk.data()) != 0) std::abort();
            sk[0] ^= out[0];
        }
        n += 100;
    }
    return n / seconds_since(t0);
}

// (d) Texts per second a real node stores durably and acks, with `window` unacked in flight.
double node_messages_per_second(const std::string& host_port, std::size_t count, std::size_t window) {
    const auto colon = host_port.rfind(':');
    const tcp::endpoint node{asio::ip::make_address(host_port.substr(0, colon)),
                             static_cast<std::uint16_t>(std::stoul(host_port.substr(colon + 1)))};
    asio::io_context io;
    const auto key = crypto::KeyPair::generate(crypto::system_rng());
    std::optional<PeerKey> peer;
    std::size_t sent = 0, acked = 0;
    std::unique_ptr<Transport> t;
    const std::string body(80, 'x');  // a typical chat line, as in store_bench
    auto fill = [&] {
        while (peer && sent < count && sent - acked < window &&
               t->send(*peer, Text{id_of(sent), 0, body}) == SendResult::sent)
            ++sent;
    };
    TransportCallbacks cb;
    cb.on_session_up = [&](const SessionInfo& i) { peer = i.peer; };
    cb.on_message = [&](const PeerKey&, const AppMessage& m) {
        if (std::holds_alternative<Ack>(m)) ++acked;
        fill();
    };
    cb.on_dial_failed = [](const tcp::endpoint&, std::string_view why) {
        std::fprintf(stderr, "dial failed: %.*s\n", static_cast<int>(why.size()), why.data());
        std::exit(1);
    };
    t = std::make_unique<Transport>(io, key, TransportConfig{0, Hello{1, "bench", {}}}, cb);
    t->dial(node);
    while (!peer) io.run_one();
    const auto t0 = Clock::now();
    fill();
    while (acked < count) io.run_one();
    const double rate = static_cast<double>(count) / seconds_since(t0);
    t->shutdown("done");
    io.run_for(std::chrono::milliseconds(200));
    return rate;
}

struct Row {
    std::string key, what, unit;
    double value, bound;
};

void print(const std::vector<Row>& rows, bool json) {
    if (json) {
        std::printf("[");
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& r = rows[i];
            std::printf("%s{\"key\":\"%s\",\"what\":\"%s\",\"unit\":\"%s\",\"value\":%.3f,\"bound\":%.3f,"
                        "\"ratio\":%.3f}",
                        i ? "," : "", r.key.c_str(), r.what.c_str(), r.unit.c_str(), r.value, r.bound,
                        r.bound > 0 ? r.value / r.bound : 0.0);
        }
        std::printf("]\n");
        return;
    }
    std::printf("%-52s %12s %12s %7s\n", "measure", "hallway", "bound", "ratio");
    for (const auto& r : rows) {
        std::printf("%-52s %12.1f %12.1f %7.2f\n", (r.what + " " + r.unit).c_str(), r.value, r.bound,
                    r.bound > 0 ? r.value / r.bound : 0.0);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (sodium_init() < 0) return 1;
    std::size_t mib = 256, count = 20000, window = 64;
    std::string ns_a, node;
    bool json = false, transfer_only = false;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        const bool has_value = i + 1 < argc;
        if (flag == "--json") json = true;
        else if (flag == "--transfer-only") transfer_only = true;
        else if (flag == "--mib" && has_value) mib = std::stoul(argv[++i]);
        else if (flag == "--netns-a" && has_value) ns_a = argv[++i];
        else if (flag == "--netns-b" && has_value) g_net.ns_b = argv[++i];
        else if (flag == "--addr-b" && has_value) g_net.addr_b = argv[++i];
        else if (flag == "--node" && has_value) node = argv[++i];
        else if (flag == "--count" && has_value) count = std::stoul(argv[++i]);
        else if (flag == "--window" && has_value) window = std::stoul(argv[++i]);
        else {
            std::fprintf(stderr, "usage: transport_bench [--mib N] [--netns-a NS --netns-b NS --addr-b IP] [--json]\n"
                                 "                       [--node HOST:PORT [--count N] [--window W]] [--transfer-only]\n");
            return 2;
        }
    }
    enter_netns(ns_a);  // before any thread: B's threads enter their own namespace
    if (!node.empty()) {
        const double rate = node_messages_per_second(node, count, window);
        print({{"node_store", "(d) texts/s a node stores durably and acks", "msg/s", rate, 0}}, json);
        return 0;
    }
    const auto [s_tp, s_cpu] = session_throughput(mib);
    const Row cost{"transfer_cpu", "(a) transfer per CPU-second, both ends", "MiB", s_cpu, 0};
    if (transfer_only) {
        print({{"transfer", "(a) transfer through a session", "MiB/s", s_tp, 0}, cost}, json);
        return 0;
    }
    const double t_tp = tcp_throughput(mib);
    const double aead = bench::aead_mib_per_second();
    const auto s_rtt = session_rtt();
    const std::size_t small_frame = 2 + 16 + 1 + encode(Text{id_of(0), 0, kSmallBody}).size();
    const auto t_rtt = tcp_rtt(small_frame);
    const double hs = handshakes_per_second();
    const double x = x25519_per_second();
    const double hs_bound = x / 8;  // both sides on one core: 2 x (1 keygen + 3 DH)
    print({{"transfer_tcp", "(a) transfer vs plain TCP", "MiB/s", s_tp, t_tp},
           {"transfer_aead", "(a) transfer vs ChaCha20-Poly1305 1 core", "MiB/s", s_tp, aead},
           cost,
           {"rtt_p50", "(b) round trip p50 text->ack vs TCP", "us", s_rtt.p50_us, t_rtt.p50_us},
           {"rtt_p99", "(b) round trip p99 text->ack vs TCP", "us", s_rtt.p99_us, t_rtt.p99_us},
           {"handshakes", "(c) handshakes/s 1 core vs X25519 bound", "1/s", hs, hs_bound}},
          json);
    if (!json) {
        std::printf("(a) %zu MiB in 64 KiB texts (the text limit); (b) %d round trips, %zu-byte frames; X25519 %.0f ops/s\n", mib,
                    kRoundTrips, small_frame, x);
    }
    return 0;
}
