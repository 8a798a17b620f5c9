// One file sent over the files lane in one process, through the real code
// paths: core/files Transfers on both sides (offer, pull, file_get, file_chunk
// encode and decode, the BLAKE2b check of every chunk) on PosixFileSystem,
// over two sans-I/O transport Sessions (Noise handshake, framing,
// ChaCha20-Poly1305). Only the socket is replaced: each side's bytes are copied
// into the other's receive_buffer(), as a read would. Single-threaded and
// deterministic (background work runs inline), so instruction counts under
// callgrind are repeatable on a loaded machine:
//   valgrind --tool=callgrind --toggle-collect='*transfer_file*' build/bench/files_bench --mib 16
// counts only the transfer (accept to done), not making and hashing the file.
//
// Usage: files_bench [--mib 64] [--dir DIR (default: the temp folder)]
// files_bench --crypto: one core's MiB/s at ChaCha20-Poly1305, AES-256-GCM
// and the chunk hash, as JSON (scripts/bench_files' crypto floor).
#include "bench/one_core_speed.hpp"
#include "core/files/posix_file_system.hpp"
#include "core/files/transfers.hpp"
#include "transport/session.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

using namespace hallway;
using namespace hallway::core::files;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using core::PeerKey;

namespace {

const transport::MonoTime kNow{0};  // no timer is ever due: the run is deterministic

// Work posted back "to the network thread": run by the main loop in order.
std::deque<std::function<void()>> g_posted;

struct Side final : FilesPort {
    crypto::KeyPair key = crypto::KeyPair::generate(crypto::system_rng());
    PosixFileSystem disk;
    Transfers transfers{crypto::system_rng(), *this};
    std::optional<transport::Session> session;
    Side* other = nullptr;
    std::vector<std::uint8_t> wire;  // encrypted, on its way to other
    std::size_t wire_read = 0;       // how much of wire other has read
    std::optional<Handle> offered, done;

    bool has_session(const PeerKey&) const override { return true; }
    bool send(const PeerKey&, std::span<const std::uint8_t> message) override {
        auto out = session->send_file(message, kNow, std::move(wire));
        wire = std::move(out.bytes);
        return true;
    }
    void reach(const PeerKey&) override {}
    bool blocked(const PeerKey&) const override { return false; }
    void emit(const TransferEvent& e) override {
        if (e.kind == TransferEvent::Kind::offered && e.direction == core::Direction::in) offered = e.handle;
        if (e.kind == TransferEvent::Kind::done) done = e.handle;
        if (e.kind == TransferEvent::Kind::failed) {
            std::fprintf(stderr, "transfer failed: %s\n", e.reason.c_str());
            std::exit(1);
        }
    }
    FileSystem& fs() override { return disk; }
    void save(const SavedIncoming&) override {}
    void forget(const PeerKey&, const TransferId&) override {}
    std::vector<SavedIncoming> load() override { return {}; }
    void save_out(const SavedOutgoing&) override {}
    void forget_out(const PeerKey&, const TransferId&) override {}
    std::vector<SavedOutgoing> load_out() override { return {}; }
    void background(std::function<void()> work, std::function<void()> then) override {
        work();
        g_posted.push_back(std::move(then));
    }

    // Feeds what the other side wrote, in reads of at most the buffer's size.
    bool pump() {
        Side& from = *other;
        if (from.wire_read == from.wire.size()) return false;
        while (from.wire_read < from.wire.size()) {
            const auto into = session->receive_buffer();
            const std::size_t n = std::min(into.size(), from.wire.size() - from.wire_read);
            std::memcpy(into.data(), from.wire.data() + from.wire_read, n);
            from.wire_read += n;
            auto out = session->received(n, kNow);
            append(out.bytes);
            for (auto& e : out.events) {
                if (auto* f = std::get_if<transport::ReceivedFile>(&e)) transfers.handle(other->key.public_key, f->message.bytes);
                if (auto* c = std::get_if<transport::Closed>(&e)) {
                    std::fprintf(stderr, "session closed: %s\n", c->reason.c_str());
                    std::exit(1);
                }
            }
        }
        from.wire.clear();  // its capacity is kept, as the transport's spare buffers are
        from.wire_read = 0;
        return true;
    }
    void append(const std::vector<std::uint8_t>& bytes) { wire.insert(wire.end(), bytes.begin(), bytes.end()); }
};

// Runs both sides until nothing moves.
void settle(Side& a, Side& b) {
    for (bool moved = true; moved;) {
        moved = false;
        while (!g_posted.empty()) {
            auto f = std::move(g_posted.front());
            g_posted.pop_front();
            f();
            moved = true;
        }
        moved |= b.pump();
        moved |= a.pump();
    }
}

// Accept to done: the part callgrind's --toggle-collect='*transfer_file*' counts.
__attribute__((noinline)) void transfer_file(Side& a, Side& b, const std::string& dir) {
    std::string error;
    if (!b.transfers.accept(*b.offered, dir, error)) {
        std::fprintf(stderr, "accept: %s\n", error.c_str());
        std::exit(1);
    }
    settle(a, b);
}

void handshake(Side& a, Side& b) {
    transport::SessionConfig ca;
    ca.identity = a.key;
    ca.hello = transport::Hello{1, "a", {"files"}};
    ca.hello.lane = std::string(transport::to_string(transport::Lane::files));
    ca.rng = crypto::system_rng();
    ca.expected_peer = b.key.public_key;
    transport::SessionConfig cb;
    cb.role = crypto::Role::responder;
    cb.identity = b.key;
    cb.hello = transport::Hello{1, "b", {"files"}};
    cb.rng = crypto::system_rng();
    a.session.emplace(std::move(ca), kNow);
    b.session.emplace(std::move(cb), kNow);
    a.append(a.session->start(kNow).bytes);
    settle(a, b);
    if (a.session->state() != transport::Session::State::established ||
        b.session->state() != transport::Session::State::established) {
        std::fprintf(stderr, "handshake failed\n");
        std::exit(1);
    }
}

}  // namespace

// The work no transfer avoids, on one core: sealing (the sender), opening
// (the receiver, about the same) and the receiver's BLAKE2b of every chunk.
// "aesgcm" is null where this CPU cannot run it (then the lane is ChaCha20-Poly1305).
int print_crypto_speeds() {
    std::vector<std::uint8_t> chunk(kDefaultChunkSize, 0x22);
    const double hash = bench::one_core_mib_per_second(chunk.size(), [&] { chunk[0] = leaf_hash(chunk)[0]; });
    const double chacha = bench::aead_mib_per_second();
    char aes[32] = "null";
    if (crypto::cipher_available(crypto::Cipher::aesgcm))
        std::snprintf(aes, sizeof aes, "%.1f", bench::aead_mib_per_second(crypto_aead_aes256gcm_encrypt));
    std::printf("{\"aead\": %.1f, \"aesgcm\": %s, \"leaf_hash\": %.1f}\n", chacha, aes, hash);
    return 0;
}

int main(int argc, char** argv) {
    std::size_t mib = 64;
    fs::path base = fs::temp_directory_path();
    for (int i = 1; i < argc; i += 2) {
        if (!std::strcmp(argv[i], "--crypto")) return print_crypto_speeds();
        if (i + 1 < argc && !std::strcmp(argv[i], "--mib")) mib = std::stoul(argv[i + 1]);
        else if (i + 1 < argc && !std::strcmp(argv[i], "--dir")) base = argv[i + 1];
        else {
            std::fprintf(stderr, "usage: files_bench [--mib N] [--dir DIR] | --crypto\n");
            return 2;
        }
    }
    const fs::path work = base / ("files_bench." + std::to_string(::getpid()));
    fs::create_directories(work / "in");
    const fs::path source = work / "source.bin";
    {
        // Incompressible bytes, as most large files are; a fixed seed keeps runs alike.
        std::mt19937_64 gen(15);
        std::vector<std::uint64_t> block(1 << 17);  // 1 MiB
        std::ofstream f(source, std::ios::binary);
        for (std::size_t m = 0; m < mib; ++m) {
            for (auto& w : block) w = gen();
            f.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(block.size() * 8));
        }
    }

    Side a, b;
    a.other = &b;
    b.other = &a;
    handshake(a, b);
    a.transfers.on_session_up(b.key.public_key);
    b.transfers.on_session_up(a.key.public_key);
    std::string error;
    if (!a.transfers.offer(b.key.public_key, {{source.string(), "bench.bin", false}}, error)) {
        std::fprintf(stderr, "offer: %s\n", error.c_str());
        return 1;
    }
    settle(a, b);  // hashed, offered
    if (!b.offered) {
        std::fprintf(stderr, "no offer arrived\n");
        return 1;
    }

    const auto t0 = Clock::now();
    transfer_file(a, b, (work / "in").string());
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    const bool ok = b.done && a.done && fs::file_size(work / "in" / "bench.bin") == fs::file_size(source);
    fs::remove_all(work);
    if (!ok) {
        std::fprintf(stderr, "the transfer did not complete\n");
        return 1;
    }
    std::printf("files lane, one process: %zu MiB in %.3f s = %.1f MiB/s\n", mib, s, static_cast<double>(mib) / s);
    return 0;
}
