// Issue 22: a stranger with a throwaway key who completes a handshake must not be
// able to crash or bloat a node, nor make it drop another peer's messages. The
// victim is a real core::Node (store and all) on its own thread, reached only
// through asio::post; attackers connect over loopback from 127.0.0.x, run the
// Noise handshake by hand and then send plaintext no honest sender writes.
#include "attack_support.hpp"
#include "raw_peer.hpp"

#include "core/node.hpp"
#include "tests/core/temp_dir.hpp"
#include "transport/cbor.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <deque>
#include <future>

using namespace hallway;
using namespace hallway::transport;
using namespace hallway::transport::test;

namespace {

constexpr auto kDeadline = std::chrono::seconds(10);

// The node under attack: its io_context runs on its own thread.
struct Victim {
    hallway::test::TempDir dir;
    asio::io_context io;
    std::unique_ptr<core::Node> node;
    std::uint16_t port = 0;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread thread;

    Victim() {
        core::NodeOptions o;
        o.profile_dir = dir.path() / "profile";
        o.nick = "victim";
        o.mdns = false;
        o.port = 0;  // any free port, not the default: many nodes run at once
        o.control_socket = false;
        std::string error;
        node = core::Node::create(io, o, error);
        INFO(error);
        REQUIRE(node);
        node->start();
        port = node->port();
        work.emplace(io.get_executor());
        thread = std::thread([this] { io.run(); });
    }
    ~Victim() {
        asio::post(io, [this] { node->stop(); });
        work.reset();
        io.stop();
        thread.join();
    }
    // f(node) on the network thread; its result here (REQUIREd within the deadline).
    template <class F>
    auto call(F f) {
        std::promise<decltype(f(*node))> result;
        auto future = result.get_future();
        asio::post(io, [&] { result.set_value(f(*node)); });
        REQUIRE(future.wait_for(kDeadline) == std::future_status::ready);
        return future.get();
    }
    std::vector<core::StoredMessage> history(const PeerKey& peer) {
        return call([&](core::Node& n) { return n.history(peer); });
    }
    std::optional<core::PeerView> view(const PeerKey& peer) {
        return call([&](core::Node& n) -> std::optional<core::PeerView> {
            for (auto& p : n.peers())
                if (p.key == peer) return p;
            return std::nullopt;
        });
    }
};

// A stranger with a throwaway key over a raw socket: the handshake is run by hand,
// so after it any plaintext goes out in valid transport messages. It answers Pings.
struct Attacker {
    crypto::KeyPair key = crypto::KeyPair::generate(crypto::system_rng());
    RawInitiator noise{key};
    int fd = -1;
    FrameReader frames;
    std::deque<std::vector<std::uint8_t>> inbox;  // whole frames not yet read
    std::vector<std::uint8_t> reassembly;
    std::vector<Message> received;
    bool eof = false;

    Attacker(const char* source, std::uint16_t port) {
        fd = connect_from(source, port, true);
        REQUIRE(fd >= 0);
        std::vector<std::uint8_t> m1, payload, m3;
        REQUIRE(noise.hs->write_message({}, m1) == crypto::NoiseError::ok);
        write(frame_of(m1));
        auto m2 = next_frame();
        REQUIRE(m2);
        REQUIRE(noise.hs->read_message(*m2, payload) == crypto::NoiseError::ok);
        REQUIRE(noise.hs->write_message(encode_hello(Hello{1, "attacker", {}}), m3) == crypto::NoiseError::ok);
        write(frame_of(m3));
        REQUIRE(noise.hs->split(noise.send_cs, noise.recv_cs) == crypto::NoiseError::ok);
    }
    ~Attacker() { ::close(fd); }
    Attacker(const Attacker&) = delete;
    Attacker& operator=(const Attacker&) = delete;

    // False once the node has closed the connection.
    bool write(std::span<const std::uint8_t> bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes = bytes.subspan(static_cast<std::size_t>(n));
        }
        return true;
    }
    // Any plaintext as one application message (in continuation chunks as needed).
    void send_raw(std::span<const std::uint8_t> message) {
        noise.seal_message(message, [&](const std::vector<std::uint8_t>& frame) { return write(frame); });
    }
    void send(const Message& m) { send_raw(encode(m)); }

    // The next whole frame from the node; nullopt at EOF or after the deadline.
    std::optional<std::vector<std::uint8_t>> next_frame() {
        const auto end = Clock::now() + kDeadline;
        while (inbox.empty() && !eof && Clock::now() < end) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            std::array<std::uint8_t, 4096> buf{};
            const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
            eof = n <= 0;
            std::span<const std::uint8_t> in(buf.data(), eof ? 0 : static_cast<std::size_t>(n));
            while (auto f = frames.next(in)) inbox.push_back(std::move(*f));
            REQUIRE(frames.error() == FrameError::ok);
        }
        if (inbox.empty()) return std::nullopt;
        auto f = std::move(inbox.front());
        inbox.pop_front();
        return f;
    }

    // Reads and decrypts until pred() holds over what was received (or EOF / the deadline).
    template <class Pred>
    bool read_until(Pred pred) {
        const auto end = Clock::now() + kDeadline;
        while (!pred()) {
            auto frame = next_frame();
            if (!frame || Clock::now() > end) return false;
            std::vector<std::uint8_t> plain;
            REQUIRE(noise.recv_cs.decrypt_with_ad({}, *frame, plain) == crypto::NoiseError::ok);
            REQUIRE(!plain.empty());
            reassembly.insert(reassembly.end(), plain.begin() + 1, plain.end());
            if (plain[0] == wire::kFlagMore) continue;
            auto m = decode(reassembly);
            reassembly.clear();
            if (!m) continue;
            if (const auto* ping = std::get_if<Ping>(&*m)) send(Pong{ping->nonce});
            received.push_back(std::move(*m));
        }
        return true;
    }
    bool acked(const MessageId& id) const {
        for (const auto& m : received)
            if (const auto* a = std::get_if<Ack>(&m); a && a->id == id) return true;
        return false;
    }
    // A Ping answered: the node has handled everything sent before it.
    bool round_trip(std::uint64_t nonce) {
        send(Ping{nonce});
        return read_until([&] {
            for (const auto& m : received)
                if (const auto* p = std::get_if<Pong>(&m); p && p->nonce == nonce) return true;
            return false;
        });
    }
    // True when the node closes the connection within the deadline.
    bool closed_by_node() {
        read_until([&] { return false; });
        return eof;
    }
};

// A Text or Status as its CBOR map, with fields of any length (encode() refuses
// or cuts what is over the wire.hpp bounds; an attacker does not).
std::vector<std::uint8_t> raw_text(const MessageId& id, std::string_view body) {
    std::vector<std::uint8_t> out;
    cbor::put_head(out, cbor::Major::map, 4);
    cbor::put_text(out, "body");
    cbor::put_text(out, body);
    cbor::put_text(out, "id");
    cbor::put_bytes(out, id);
    cbor::put_text(out, "t");
    cbor::put_text(out, "text");
    cbor::put_text(out, "ts");
    cbor::put_head(out, cbor::Major::uint, 1700000000000ull);
    return out;
}
std::vector<std::uint8_t> raw_status(std::string_view message) {
    std::vector<std::uint8_t> out;
    cbor::put_head(out, cbor::Major::map, 4);
    cbor::put_text(out, "msg");
    cbor::put_text(out, message);
    cbor::put_text(out, "nick");
    cbor::put_text(out, "attacker");
    cbor::put_text(out, "presence");
    cbor::put_text(out, "busy");
    cbor::put_text(out, "t");
    cbor::put_text(out, "status");
    return out;
}

}  // namespace

TEST_CASE("attack 22.1: a megabyte of nested CBOR arrays closes the attacker and the node keeps serving") {
    Victim victim;
    Attacker attacker("127.0.0.10", victim.port);
    // The input: 1,000,000 array heads of one element each, then a 0.
    std::vector<std::uint8_t> nested(1'000'000, 0x81);
    nested.push_back(0x00);
    attacker.send_raw(nested);
    CHECK(attacker.closed_by_node());
    CHECK(legitimate_peer_delivers(victim.port, kDeadline));
    const auto texts = victim.history(fixed_key(kLegitimateSeed).public_key);
    REQUIRE(texts.size() == 1);
    CHECK(texts[0].body == kLegitimateText.body);
}

TEST_CASE("attack 22.3: a text over the body bound is neither stored nor acked, one at the bound is both") {
    Victim victim;
    Attacker attacker("127.0.0.11", victim.port);
    // The largest message reassembly takes: 1 MiB in all, headers included.
    const MessageId big_id{1}, bound_id{2};
    const std::size_t overhead = raw_text(big_id, std::string(wire::kMaxTextBody + 1, 'x')).size() -
                                 (wire::kMaxTextBody + 1);
    const auto big = raw_text(big_id, std::string(wire::kMaxMessage - overhead, 'x'));
    REQUIRE(big.size() == wire::kMaxMessage);
    attacker.send_raw(big);
    attacker.send_raw(raw_text(bound_id, std::string(wire::kMaxTextBody, 'y')));
    // Acks come in order: once the second one is here, the first would have been.
    REQUIRE(attacker.read_until([&] { return attacker.acked(bound_id); }));
    CHECK_FALSE(attacker.acked(big_id));
    CHECK_FALSE(attacker.eof);
    const auto texts = victim.history(attacker.key.public_key);
    REQUIRE(texts.size() == 1);
    CHECK(texts[0].id == bound_id);
    CHECK(texts[0].body == std::string(wire::kMaxTextBody, 'y'));
}

TEST_CASE("attack 22.4: a status with a megabyte message is skipped, a later valid one applied") {
    Victim victim;
    Attacker attacker("127.0.0.12", victim.port);
    const auto huge = raw_status(std::string(1'000'000, 's'));
    REQUIRE(huge.size() < wire::kMaxMessage);
    attacker.send_raw(huge);
    REQUIRE(attacker.round_trip(1));
    CHECK_FALSE(attacker.eof);
    auto seen = victim.view(attacker.key.public_key);
    REQUIRE(seen);
    CHECK(seen->online);
    CHECK(seen->status_message.empty());
    CHECK(seen->presence != "busy");

    attacker.send(Status{"away", "back at 3", "attacker", ""});
    REQUIRE(attacker.round_trip(2));
    seen = victim.view(attacker.key.public_key);
    REQUIRE(seen);
    CHECK(seen->presence == "away");
    CHECK(seen->status_message == "back at 3");
}

TEST_CASE("attack 12.2: a stranger reusing another peer's message id cannot hide that peer's text") {
    Victim victim;
    REQUIRE(legitimate_peer_delivers(victim.port, kDeadline));
    Attacker attacker("127.0.0.13", victim.port);
    attacker.send(Text{kLegitimateText.id, 2, "the impostor's text"});
    REQUIRE(attacker.read_until([&] { return attacker.acked(kLegitimateText.id); }));
    const auto theirs = victim.history(fixed_key(kLegitimateSeed).public_key);
    REQUIRE(theirs.size() == 1);
    CHECK(theirs[0].body == kLegitimateText.body);
    const auto attackers = victim.history(attacker.key.public_key);
    REQUIRE(attackers.size() == 1);
    CHECK(attackers[0].body == "the impostor's text");
}
