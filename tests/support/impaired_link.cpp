// impaired_link: a point-to-point Ethernet link between two network
// namespaces that delays and drops frames, for tests on kernels without
// netem. It creates a TAP device "imp0" in each namespace and forwards frames
// between them: each frame is dropped with probability LOSS, else delivered
// DELAY_MS later. It stops by itself after SECONDS, or on SIGTERM/SIGINT.
// With CORRUPT, each IPv4 TCP frame that carries data has, with that
// probability, one random bit of its TCP payload flipped (the checksum is
// fixed up: see corrupt_tcp_payload).
//
//   impaired_link NS_A NS_B DELAY_MS LOSS SECONDS [CORRUPT]
//
// Addresses are configured by the caller (ip -n NS addr add ... dev imp0).
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <csignal>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Frames in flight per direction: 200 ms at line rate of a busy test is far
// below this; beyond it we drop, as a full router queue would.
constexpr std::size_t kMaxQueued = 20000;
constexpr std::size_t kMaxFrame = 65536;

volatile sig_atomic_t stop_requested = 0;

struct Frame {
    Clock::time_point due;
    std::vector<unsigned char> bytes;
};

int open_tap_in(const std::string& ns) {
    std::string path = "/var/run/netns/" + ns;
    int nsfd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) {
        std::perror(path.c_str());
        std::exit(1);
    }
    ::close(nsfd);
    int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        std::perror("/dev/net/tun");
        std::exit(1);
    }
    ifreq ifr{};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::strncpy(ifr.ifr_name, "imp0", IFNAMSIZ - 1);
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
        std::perror("TUNSETIFF");
        std::exit(1);
    }
    return fd;
}

// The Internet checksum (RFC 1071) of bytes, continuing from sum.
std::uint32_t add_ones_complement(std::uint32_t sum, const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += (std::uint32_t{p[i]} << 8) | p[i + 1];
    if (n % 2) sum += std::uint32_t{p[n - 1]} << 8;
    return sum;
}

std::uint16_t fold(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

// Flips one bit, chosen with rng, of the TCP payload of an Ethernet frame
// holding an unfragmented IPv4 TCP segment with data, and recomputes the TCP
// checksum: the kernel then takes the segment, so the damage reaches the
// application's own integrity check (as a bit flipped in a NIC's memory past
// its checksum offload would), not just TCP's. false: not such a frame.
bool corrupt_tcp_payload(unsigned char* f, std::size_t n, std::mt19937_64& rng) {
    constexpr std::size_t kEth = 14;
    if (n < kEth + 20 || f[12] != 0x08 || f[13] != 0x00) return false;  // not IPv4
    unsigned char* ip = f + kEth;
    const std::size_t ihl = (ip[0] & 0x0f) * 4u;
    const std::size_t ip_len = (std::size_t{ip[2]} << 8) | ip[3];
    const bool fragment = (ip[6] & 0x3f) != 0 || ip[7] != 0;  // MF or an offset
    if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6 || fragment || ip_len > n - kEth || ip_len < ihl + 20) return false;
    unsigned char* tcp = ip + ihl;
    const std::size_t tcp_len = ip_len - ihl;
    const std::size_t header = (tcp[12] >> 4) * 4u;
    if (header < 20 || header >= tcp_len) return false;  // no payload
    std::uniform_int_distribution<std::size_t> bit(0, (tcp_len - header) * 8 - 1);
    const std::size_t b = bit(rng);
    tcp[header + b / 8] ^= static_cast<unsigned char>(1u << (b % 8));
    // Pseudo-header (addresses, protocol, TCP length), then the segment with a zero checksum.
    tcp[16] = tcp[17] = 0;
    std::uint32_t sum = add_ones_complement(0, ip + 12, 8);
    sum += 6 + static_cast<std::uint32_t>(tcp_len);
    const std::uint16_t c = fold(add_ones_complement(sum, tcp, tcp_len));
    tcp[16] = static_cast<unsigned char>(c >> 8);
    tcp[17] = static_cast<unsigned char>(c & 0xff);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6 && argc != 7) {
        std::fprintf(stderr, "usage: %s NS_A NS_B DELAY_MS LOSS SECONDS [CORRUPT]\n", argv[0]);
        return 2;
    }
    const auto delay = std::chrono::milliseconds(std::atol(argv[3]));
    const double loss = std::atof(argv[4]);
    const auto end = Clock::now() + std::chrono::seconds(std::atol(argv[5]));
    const double corrupt_p = argc == 7 ? std::atof(argv[6]) : 0.0;
    int fds[2] = {open_tap_in(argv[1]), open_tap_in(argv[2])};
    std::signal(SIGTERM, [](int) { stop_requested = 1; });
    std::signal(SIGINT, [](int) { stop_requested = 1; });
    std::printf("ready\n");
    std::fflush(stdout);

    std::mt19937_64 rng(12345);  // fixed: the same frames are lost on every run with the same traffic
    std::bernoulli_distribution drop(loss);
    std::bernoulli_distribution corrupt(corrupt_p);
    unsigned long corrupted = 0;
    std::deque<Frame> queues[2];  // queues[i]: frames to write to fds[i]
    unsigned char buf[kMaxFrame];
    while (!stop_requested && Clock::now() < end) {
        auto now = Clock::now();
        int timeout_ms = 100;
        for (auto& q : queues)
            if (!q.empty())
                timeout_ms = std::min<int>(timeout_ms, std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(q.front().due - now).count()));
        pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
        if (::poll(p, 2, timeout_ms) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (!(p[i].revents & POLLIN)) continue;
            for (;;) {
                ssize_t n = ::read(fds[i], buf, sizeof buf);
                if (n <= 0) break;
                if (drop(rng) || queues[1 - i].size() >= kMaxQueued) continue;
                // Drawn only when asked for: without CORRUPT, the same frames are lost as before.
                if (corrupt_p > 0 && corrupt(rng) && corrupt_tcp_payload(buf, static_cast<std::size_t>(n), rng)) {
                    std::printf("corrupted %lu\n", ++corrupted);  // tests check the damage was done
                    std::fflush(stdout);
                }
                queues[1 - i].push_back(Frame{Clock::now() + delay, {buf, buf + n}});
            }
        }
        now = Clock::now();
        for (int i = 0; i < 2; ++i)
            while (!queues[i].empty() && queues[i].front().due <= now) {
                [[maybe_unused]] auto w = ::write(fds[i], queues[i].front().bytes.data(), queues[i].front().bytes.size());
                queues[i].pop_front();
            }
    }
    return 0;
}
