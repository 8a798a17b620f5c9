// How fast the store takes incoming messages, and how big it grows.
// Each message is stored as a receiver does it: add_incoming (stored before the
// ack) then set_state (the ack went out). "durable" commits each write on its
// own, as the node does (two fsyncs per message); "batched" groups --batch
// messages per transaction, the upper bound for a burst. --sealed 1 does the
// same on a locked profile's store (every page sealed, core/sealed_vfs.hpp);
// "reopen" is what opening the finished store costs (a sealed one checks pages).
//
//   store_bench [--n 100000] [--mode durable|batched|both] [--batch 1000]
//               [--body 80] [--dir /tmp] [--sealed 0|1]
#include "core/store.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

using namespace hallway::core;
namespace fs = std::filesystem;

namespace {

struct Options {
    std::size_t n = 100000;
    std::string mode = "both";
    std::size_t batch = 1000;
    std::size_t body_bytes = 80;  // a typical chat line
    fs::path dir = "/tmp";
    bool sealed = false;
};

// Deterministic stand-in for random message ids (splitmix64), so the UNIQUE
// index sees ids spread like real ones rather than sequential.
std::uint64_t splitmix(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uintmax_t size_or_zero(const fs::path& p) {
    std::error_code ec;
    auto s = fs::file_size(p, ec);
    return ec ? 0 : s;
}

bool run(const Options& o, bool batched) {
    std::string tmpl = (o.dir / "hallway-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
        std::perror("mkdtemp");
        return false;
    }
    const fs::path dir = tmpl;
    const fs::path db = dir / "hallway.db";
    StoreError err = StoreError::ok;
    std::string message;
    StoreKey key;  // all zero: the cost does not depend on the key
    const StoreKey* sealed = o.sealed ? &key : nullptr;
    auto store = Store::open(db.string(), err, message, sealed);
    if (!store) {
        std::fprintf(stderr, "open: %s\n", message.c_str());
        return false;
    }

    constexpr std::size_t kPeers = 10;
    std::uint64_t rng = 1;
    StoredMessage m;
    m.direction = Direction::in;
    m.state = MessageState::sent;
    m.body.assign(o.body_bytes, 'x');
    bool ok = true;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < o.n && ok;) {
        std::optional<Store::Batch> batch;
        if (batched) batch.emplace(*store);
        const std::size_t end = batched ? std::min(o.n, i + o.batch) : i + 1;
        for (; i < end && ok; ++i) {
            for (std::size_t k = 0; k < m.id.size(); k += 8) {
                std::uint64_t r = splitmix(rng);
                std::memcpy(m.id.data() + k, &r, 8);
            }
            m.peer.fill(static_cast<std::uint8_t>(i % kPeers));
            m.sent_at_ms = m.received_at_ms = static_cast<std::int64_t>(i);
            bool inserted = false;
            ok = store->add_incoming(m, inserted) == StoreError::ok && inserted &&
                 store->set_state(m.peer, m.id, MessageState::delivered) == StoreError::ok;
        }
        if (batch && ok) ok = batch->commit() == StoreError::ok;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!ok) std::fprintf(stderr, "write failed: %s\n", store->last_error().c_str());
    store.reset();  // the last connection checkpoints the WAL into the main file
    const auto reopen_start = std::chrono::steady_clock::now();
    ok = Store::open(db.string(), err, message, sealed) != nullptr && ok;
    const double reopen_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - reopen_start).count();

    const auto wal = size_or_zero(fs::path(db.string() + "-wal"));
    const auto total = size_or_zero(db) + wal;
    std::printf("%-8s%s n=%zu body=%zuB%s: %.2f s, %.0f messages/s, %.1f MiB per 100000 messages (WAL %ju B), "
                "reopen %.0f ms\n",
                batched ? "batched" : "durable", o.sealed ? " sealed" : "", o.n, o.body_bytes,
                batched ? (" batch=" + std::to_string(o.batch)).c_str() : "", seconds, double(o.n) / seconds,
                double(total) * 100000.0 / double(o.n) / (1024.0 * 1024.0), wal, reopen_ms);
    std::error_code ec;
    fs::remove_all(dir, ec);
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const char* v = argv[i + 1];
        if (flag == "--n") o.n = std::strtoull(v, nullptr, 10);
        else if (flag == "--mode") o.mode = v;
        else if (flag == "--batch") o.batch = std::strtoull(v, nullptr, 10);
        else if (flag == "--body") o.body_bytes = std::strtoull(v, nullptr, 10);
        else if (flag == "--dir") o.dir = v;
        else if (flag == "--sealed") o.sealed = std::strcmp(v, "0") != 0;
        else {
            std::fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (o.n == 0 || o.batch == 0 || (o.mode != "durable" && o.mode != "batched" && o.mode != "both")) {
        std::fprintf(stderr, "usage: store_bench [--n N] [--mode durable|batched|both] [--batch B] [--body BYTES] [--dir DIR] "
                             "[--sealed 0|1]\n");
        return 2;
    }
    bool ok = true;
    if (o.mode != "batched") ok = run(o, false) && ok;
    if (o.mode != "durable") ok = run(o, true) && ok;
    return ok ? 0 : 1;
}
