// How node calls that read contacts scale with the number of contacts: a
// profile is filled with N contacts (each with one message, so none is a
// stranger the node may forget), a few of them verified, then Node::peers(),
// resolve + history (what `hallway history NAME` does) and set_trust (one
// PeerChanged plus the namesake check) are timed on it.
//
//   contacts_bench [--n 20000] [--n 40000 ...] [--dir /tmp]
#include "core/node.hpp"
#include "core/profile.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

using namespace hallway::core;
namespace fs = std::filesystem;

namespace {

PeerKey key_of(std::size_t i) {
    PeerKey k{};
    for (std::size_t b = 0; b < 8; ++b) k[b] = static_cast<std::uint8_t>(i >> (8 * b));
    k[31] = 0x5a;
    return k;
}

std::string nick_of(std::size_t i) { return "peer" + std::to_string(i); }

bool fill(const fs::path& profile, std::size_t n) {
    std::string message;
    if (!ensure_profile_dir(profile, message)) {
        std::fprintf(stderr, "%s\n", message.c_str());
        return false;
    }
    StoreError err = StoreError::ok;
    auto store = Store::open(store_path(profile).string(), err, message);
    if (!store) {
        std::fprintf(stderr, "open: %s\n", message.c_str());
        return false;
    }
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    Store::Batch batch(*store);
    for (std::size_t i = 0; i < n; ++i) {
        StoredMessage m;
        m.peer = key_of(i);
        std::memcpy(m.id.data(), &i, sizeof i);
        m.direction = Direction::in;
        m.body = "hello";
        m.state = MessageState::delivered;
        bool inserted = false;
        if (store->touch_contact(m.peer, nick_of(i), now) != StoreError::ok ||
            store->add_incoming(m, inserted) != StoreError::ok)
            return false;
        if (i % 100 == 0 && store->set_trust(m.peer, Trust::verified) != StoreError::ok) return false;
    }
    return batch.commit() == StoreError::ok;
}

template <class F>
double seconds(F f) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool run(const fs::path& base, std::size_t n) {
    std::string tmpl = (base / "hallway-contacts-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
        std::perror("mkdtemp");
        return false;
    }
    const fs::path dir = tmpl;
    const fs::path profile = dir / "profile";
    bool ok = fill(profile, n);
    if (ok) {
        asio::io_context io;
        NodeOptions o;
        o.profile_dir = profile;
        o.nick = "bench";
        o.mdns = false;
        o.port = 0;  // any free port, not the default: many nodes run at once
        o.control_socket = false;
        std::string error;
        auto node = Node::create(io, o, error);
        if (!node) {
            std::fprintf(stderr, "node: %s\n", error.c_str());
            ok = false;
        } else {
            node->start();  // listens (nothing dials it); set_trust needs the transport
            std::size_t listed = 0, shown = 0;
            const std::size_t target = n / 2;
            double peers_s = seconds([&] { listed = node->peers().size(); });
            double history_s = seconds([&] {
                std::string err;
                if (auto k = node->resolve(nick_of(target), err)) shown = node->history(*k).size();
            });
            double trust_s = seconds([&] { node->set_trust(key_of(target), Trust::unverified); });
            std::printf("contacts %zu: peers %.3f s (%zu listed), resolve+history %.3f s (%zu shown), "
                        "set_trust %.3f s\n",
                        n, peers_s, listed, history_s, shown, trust_s);
            node->stop();
        }
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes;
    fs::path dir = "/tmp";
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--n") && i + 1 < argc) sizes.push_back(std::strtoull(argv[++i], nullptr, 10));
        else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
        else {
            std::fprintf(stderr, "usage: contacts_bench [--n N]... [--dir DIR]\n");
            return 2;
        }
    }
    if (sizes.empty()) sizes = {20000, 40000};
    for (auto n : sizes)
        if (!run(dir, n)) return 1;
    return 0;
}
