#pragma once
// Test helpers for transports on loopback: a node with a tiny acked-messaging
// layer on top (resend unacknowledged on every session up, ack every text,
// show each id once), and a raw client that speaks through a hand-fed Session.
#include "transport/session.hpp"
#include "transport/transport.hpp"
#include "tests/support/run_until.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <set>

namespace hallway::transport::test {

using hallway::test_io::run_until;

inline crypto::KeyPair fixed_key(std::uint8_t seed) {
    std::array<std::uint8_t, 32> priv{};
    priv.fill(seed);
    return crypto::KeyPair::from_private(priv);
}

inline MessageId make_id(std::uint32_t owner, std::uint32_t n) {
    MessageId id{};
    for (int i = 0; i < 4; ++i) {
        id[i] = static_cast<std::uint8_t>(owner >> (8 * i));
        id[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
    }
    return id;
}

struct Node {
    crypto::KeyPair key;
    std::vector<SessionInfo> ups;
    std::vector<SendResult> sends_at_up;  // what each resend from on_session_up returned
    std::vector<std::pair<PeerKey, std::string>> downs;
    std::vector<PeerKey> spoofs;
    std::vector<std::string> dial_failures;
    std::vector<SessionInfo> duplicates;
    // The files lane.
    std::vector<SessionInfo> files_ups;
    std::vector<std::pair<PeerKey, std::string>> files_downs;
    std::vector<std::vector<std::uint8_t>> files_got;
    std::map<MessageId, Text> unacked;     // ours, waiting for an ack
    std::map<MessageId, std::string> shown;  // theirs, once per id
    std::size_t texts_received = 0;
    std::vector<AppMessage> others;  // every message but texts and acks, in order
    bool accept = true;
    // Private mode: what may_reveal_to answers, and whom it was asked about.
    bool reveal = false;
    std::vector<PeerKey> asked_reveal;
    std::unique_ptr<Transport> transport;

    Node(asio::io_context& io, std::uint8_t seed, std::string nick) : key(fixed_key(seed)) {
        TransportCallbacks cb;
        cb.accept_peer = [this](const PeerKey&) { return accept; };
        cb.on_session_up = [this](const SessionInfo& s) {
            ups.push_back(s);
            for (const auto& [id, t] : unacked) sends_at_up.push_back(transport->send(s.peer, t));
        };
        cb.on_session_down = [this](const PeerKey& p, std::string_view r, CloseKind) { downs.emplace_back(p, std::string(r)); };
        cb.on_message = [this](const PeerKey& p, const AppMessage& m) {
            if (const auto* t = std::get_if<Text>(&m)) {
                ++texts_received;
                shown.emplace(t->id, t->body);
                transport->send(p, Ack{t->id});
            } else if (const auto* a = std::get_if<Ack>(&m)) {
                unacked.erase(a->id);
            } else {
                others.push_back(m);
            }
        };
        cb.on_duplicate = [this](const SessionInfo& s) { duplicates.push_back(s); };
        cb.on_files_up = [this](const SessionInfo& s) { files_ups.push_back(s); };
        cb.on_files_down = [this](const PeerKey& p, std::string_view r, CloseKind) {
            files_downs.emplace_back(p, std::string(r));
        };
        cb.on_files_message = [this](const PeerKey&, std::span<const std::uint8_t> bytes) {
            files_got.emplace_back(bytes.begin(), bytes.end());
        };
        cb.on_spoof = [this](const PeerKey&, const PeerKey& actual, const asio::ip::tcp::endpoint&) {
            spoofs.push_back(actual);
        };
        cb.on_dial_failed = [this](const asio::ip::tcp::endpoint&, std::string_view r) {
            dial_failures.emplace_back(r);
        };
        cb.may_reveal_to = [this](const PeerKey& k) {
            asked_reveal.push_back(k);
            return reveal;
        };
        transport = std::make_unique<Transport>(io, key, TransportConfig{0, Hello{1, std::move(nick), {}}}, cb);
    }

    // Queues a text for peer and sends it now when a session exists.
    void say(const PeerKey& peer, std::uint32_t owner, std::uint32_t n) {
        Text t{make_id(owner, n), 1700000000000ull + n, "message " + std::to_string(n)};
        unacked.emplace(t.id, t);
        transport->send(peer, t);
    }
};

// A socket driven by a Session fed by hand (blocking writes, non-blocking reads):
// a client it connects, or a connection accepted by the test.
struct RawClient {
    asio::ip::tcp::socket socket;
    std::optional<Session> session;
    std::vector<SessionEvent> events;
    std::vector<std::uint8_t> got;  // every byte read from the peer
    bool eof = false;

    RawClient(asio::io_context& io, std::uint16_t port) : socket(io) {
        socket.connect({asio::ip::make_address("127.0.0.1"), port});
        socket.non_blocking(true);
    }
    explicit RawClient(asio::ip::tcp::socket accepted) : socket(std::move(accepted)) { socket.non_blocking(true); }
    void write(std::span<const std::uint8_t> bytes) {
        socket.non_blocking(false);
        std::error_code ec;
        asio::write(socket, asio::buffer(bytes.data(), bytes.size()), ec);
        socket.non_blocking(true);
    }
    static SessionConfig config(std::uint8_t seed, Lane lane = Lane::chat) {
        SessionConfig c;
        c.role = crypto::Role::initiator;
        c.identity = fixed_key(seed);
        c.hello = Hello{1, "raw", {}};
        c.hello.lane = to_string(lane);
        c.rng = crypto::system_rng();
        return c;
    }
    void start_session(std::uint8_t seed, Lane lane = Lane::chat) { start_session(config(seed, lane)); }
    void start_session(SessionConfig c) {
        session.emplace(std::move(c), MonoTime{0});
        take(session->start(MonoTime{0}));
    }
    // While holding, what the session writes is kept in held (to write it later in one piece).
    bool holding = false;
    std::vector<std::uint8_t> held;
    void take(SessionOutput out) {
        if (holding)
            held.insert(held.end(), out.bytes.begin(), out.bytes.end());
        else
            write(out.bytes);
        for (auto& e : out.events) events.push_back(std::move(e));
    }
    // Reads what is available; feeds the session when there is one. True at EOF/error.
    bool poll() {
        std::array<std::uint8_t, 4096> buf{};
        for (;;) {
            std::error_code ec;
            const std::size_t n = socket.read_some(asio::buffer(buf), ec);
            if (ec == asio::error::would_block) return eof;
            if (ec) return eof = true;
            got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
            if (session) take(session->receive(std::span(buf.data(), n), MonoTime{0}));
        }
    }
    bool established() const {
        for (const auto& e : events)
            if (std::holds_alternative<Established>(e)) return true;
        return false;
    }
};

}  // namespace hallway::transport::test
