// impaired_link: a point-to-point Ethernet link between two network
// namespaces that delays and drops frames, for tests on kernels without
// netem. It creates a TAP device "imp0" in each namespace and forwards frames
// between them: each frame is dropped with probability LOSS, else delivered
// DELAY_MS later. It stops by itself after SECONDS, or on SIGTERM/SIGINT.
//
//   impaired_link NS_A NS_B DELAY_MS LOSS SECONDS
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

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s NS_A NS_B DELAY_MS LOSS SECONDS\n", argv[0]);
        return 2;
    }
    const auto delay = std::chrono::milliseconds(std::atol(argv[3]));
    const double loss = std::atof(argv[4]);
    const auto end = Clock::now() + std::chrono::seconds(std::atol(argv[5]));
    int fds[2] = {open_tap_in(argv[1]), open_tap_in(argv[2])};
    std::signal(SIGTERM, [](int) { stop_requested = 1; });
    std::signal(SIGINT, [](int) { stop_requested = 1; });
    std::printf("ready\n");
    std::fflush(stdout);

    std::mt19937_64 rng(12345);  // fixed: the same frames are lost on every run with the same traffic
    std::bernoulli_distribution drop(loss);
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
