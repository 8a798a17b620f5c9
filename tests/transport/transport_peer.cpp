// Two-process test peer. One process sends N texts, the other acks each.
//   transport_peer listen N            prints the bound port, exits 0 when the sender
//                                      closed after exactly N distinct texts, no duplicates
//   transport_peer dial HOST PORT N    exits 0 when all N texts were acked exactly once
#include "transport/transport.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

using namespace hallway;
using namespace hallway::transport;

namespace {

constexpr auto kOverallLimit = std::chrono::seconds(120);  // a hang bound for CI, not a speed check

MessageId id_of(std::uint32_t n) {
    MessageId id{};
    for (int i = 0; i < 4; ++i) id[i] = static_cast<std::uint8_t>(n >> (8 * i));
    return id;
}

int run_listener(std::uint32_t n) {
    asio::io_context io;
    std::set<MessageId> seen;
    std::size_t duplicates = 0, bad_bodies = 0;
    bool done = false;
    Transport* self = nullptr;
    TransportCallbacks cb;
    cb.on_message = [&](const PeerKey& peer, const AppMessage& m) {
        const auto* t = std::get_if<Text>(&m);
        if (!t) return;
        if (!seen.insert(t->id).second) ++duplicates;
        std::uint32_t k = 0;
        for (int i = 0; i < 4; ++i) k |= std::uint32_t{t->id[i]} << (8 * i);
        if (k >= n || t->body != "text " + std::to_string(k)) ++bad_bodies;
        self->send(peer, Ack{t->id});
    };
    cb.on_session_down = [&](const PeerKey&, std::string_view reason, CloseKind) {
        std::fprintf(stderr, "listener: session down: %.*s\n", static_cast<int>(reason.size()), reason.data());
        done = true;
        self->shutdown("bye");
    };
    Transport t(io, crypto::KeyPair::generate(crypto::system_rng()), TransportConfig{0, Hello{1, "receiver", {}}}, cb);
    self = &t;
    std::printf("%u\n", static_cast<unsigned>(t.listen()));
    std::fflush(stdout);
    io.run_for(kOverallLimit);
    std::fprintf(stderr, "listener: %zu distinct, %zu duplicates, %zu bad bodies\n", seen.size(), duplicates,
                 bad_bodies);
    return done && seen.size() == n && duplicates == 0 && bad_bodies == 0 ? 0 : 1;
}

int run_dialer(const std::string& host, std::uint16_t port, std::uint32_t n) {
    asio::io_context io;
    std::map<MessageId, Text> unacked;
    std::uint32_t next = 0;
    std::size_t acks = 0, unexpected_acks = 0;
    std::optional<PeerKey> peer;
    bool finished = false;
    Transport* self = nullptr;

    // Sends new texts until back-pressure says stop.
    const auto fill = [&] {
        while (peer && next < n) {
            Text text{id_of(next), 1700000000000ull + next, "text " + std::to_string(next)};
            if (self->send(*peer, text) != SendResult::sent) return;
            unacked.emplace(text.id, text);
            ++next;
        }
        if (peer && next == n && unacked.empty() && !finished) {
            finished = true;
            self->shutdown("done");
        }
    };
    TransportCallbacks cb;
    cb.on_session_up = [&](const SessionInfo& s) {
        peer = s.peer;
        for (const auto& [id, text] : unacked) self->send(s.peer, text);
        fill();
    };
    cb.on_session_down = [&](const PeerKey&, std::string_view, CloseKind) { peer.reset(); };
    cb.on_message = [&](const PeerKey&, const AppMessage& m) {
        const auto* a = std::get_if<Ack>(&m);
        if (!a) return;
        ++acks;
        if (unacked.erase(a->id) == 0) ++unexpected_acks;
        fill();
    };
    cb.on_dial_failed = [&](const asio::ip::tcp::endpoint&, std::string_view reason) {
        std::fprintf(stderr, "dialer: dial failed: %.*s\n", static_cast<int>(reason.size()), reason.data());
        io.stop();
    };
    Transport t(io, crypto::KeyPair::generate(crypto::system_rng()), TransportConfig{0, Hello{1, "sender", {}}}, cb);
    self = &t;
    t.dial({asio::ip::make_address(host), port});
    io.run_for(kOverallLimit);
    std::fprintf(stderr, "dialer: sent %u, %zu acks, %zu unexpected, %zu unacked\n", next, acks, unexpected_acks,
                 unacked.size());
    return finished && acks == n && unexpected_acks == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "listen" && argc == 3) return run_listener(static_cast<std::uint32_t>(std::stoul(argv[2])));
    if (mode == "dial" && argc == 5) {
        return run_dialer(argv[2], static_cast<std::uint16_t>(std::stoul(argv[3])),
                          static_cast<std::uint32_t>(std::stoul(argv[4])));
    }
    std::fprintf(stderr, "usage: %s listen N | dial HOST PORT N\n", argv[0]);
    return 2;
}
