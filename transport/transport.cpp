// Thin Asio I/O around Session, after Asio's chat example: one thread runs the
// io_context; each connection has at most one read in flight (none while its
// write queue is at the cap), a bounded write queue with one (gathered) write
// in flight, and one timer that wakes at the session's next deadline to drive
// Session::tick.
#include "transport/transport.hpp"

#include "transport/session.hpp"
#include "transport/wire.hpp"

#include <deque>
#include <map>
#include <set>

namespace hallway::transport {

using asio::ip::tcp;

namespace {

MonoTime mono_now() {
    return std::chrono::duration_cast<MonoTime>(std::chrono::steady_clock::now().time_since_epoch());
}

// Dual-stack listeners report IPv4 peers as ::ffff:a.b.c.d; count and show them as IPv4.
tcp::endpoint unmapped(const tcp::endpoint& ep) {
    const auto a = ep.address();
    if (a.is_v6() && a.to_v6().is_v4_mapped()) {
        return {asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()), ep.port()};
    }
    return ep;
}

// Messages queued behind the write in flight share one buffer up to this size
// (sends encrypt straight into it, small replies are copied in): one allocation
// and one iovec for many of them, and large gathered writes for bulk transfers.
constexpr std::size_t kCoalesceBytes = 256 * 1024;
// Written buffers kept per connection for the next sends: a bulk sender then
// allocates (and page-faults) nothing per message. At most the write queue's
// cap is kept, and a chat peer's buffers stay small.
constexpr std::size_t kSpareBuffers = 8;
constexpr std::size_t kMaxSpareCapacity = wire::kMaxWriteQueue / kSpareBuffers;
// iovecs per write: Linux takes up to 1024, Asio passes at most 64 anyway.
constexpr std::size_t kMaxGather = 64;

}  // namespace

struct Connection {
    Connection(asio::io_context& io, bool dialed) : socket(io), timer(io), we_dialed(dialed) {}

    tcp::socket socket;
    asio::steady_timer timer;
    bool we_dialed;
    Lane lane = Lane::chat;  // dialed: asked for; accepted: learnt at Established
    tcp::endpoint remote;
    std::optional<PeerKey> expected;
    Handshake handshake = Handshake::xx;  // dialed: the one asked for
    std::optional<Session> session;
    std::optional<PeerKey> peer;  // once established
    Hello hello;
    std::deque<std::vector<std::uint8_t>> queue;
    std::vector<std::vector<std::uint8_t>> spare;  // written buffers, empty, for reuse
    std::size_t queued_bytes = 0;   // queued and not yet taken by the socket
    std::size_t front_written = 0;  // bytes of queue.front() the socket already took
    std::size_t in_flight = 0;      // queue entries the current write covers
    bool reading = false;           // a read is in flight
    bool holding_writes = false;    // handling a read: its replies leave together at its end
    MonoTime timer_due = MonoTime::max();  // when the pending timer wait ends (max: none pending)
    std::uint64_t timer_generation = 0;    // a wait whose generation is stale was superseded
    bool connecting = false;
    bool counted_unauthenticated = false;
    bool established = false;
    bool closing = false;           // session over: flush the queue, then FIN
    bool shut_down = false;         // FIN sent, waiting for the peer's FIN or the linger deadline
    bool dropped = false;           // socket closed, out of the table
    MonoTime deadline{};            // connect timeout, then linger deadline
};

struct Transport::Impl {
    Impl(asio::io_context& io_, const crypto::KeyPair& identity_, TransportConfig config_, TransportCallbacks cb_)
        : io(io_), identity(identity_), config(std::move(config_)), cb(std::move(cb_)), rng(crypto::system_rng()) {}

    asio::io_context& io;
    crypto::KeyPair identity;
    TransportConfig config;
    TransportCallbacks cb;
    crypto::Rng rng;
    std::optional<tcp::acceptor> acceptor;
    std::set<std::shared_ptr<Connection>> connections;
    // The one session per peer and lane.
    using SessionKey = std::pair<PeerKey, Lane>;
    std::map<SessionKey, std::shared_ptr<Connection>> active;
    std::size_t unauthenticated = 0;
    std::map<asio::ip::address, std::size_t> unauthenticated_by_address;
    rate_limit::SourceRateLimiter handshake_rate{wire::kHandshakeRateLimits};
    bool stopped = false;
    // Handlers hold a weak reference: once the Transport is gone they do nothing.
    std::shared_ptr<Impl*> alive = std::make_shared<Impl*>(this);

    using Conn = std::shared_ptr<Connection>;

    template <class F>
    auto guarded(F f) {
        return [weak = std::weak_ptr<Impl*>(alive), f = std::move(f)](auto&&... args) mutable {
            auto strong = weak.lock();
            if (strong && *strong) f(std::forward<decltype(args)>(args)...);
        };
    }

    void log(const std::string& line) const {
        if (cb.on_log) cb.on_log(line);
    }

    SessionInfo info(const Connection& c) const {
        return SessionInfo{*c.peer, c.hello, c.remote, c.we_dialed, c.lane};
    }

    // The peer's session on lane, or null.
    Conn find(const PeerKey& peer, Lane lane) const {
        const auto it = active.find({peer, lane});
        return it == active.end() ? nullptr : it->second;
    }

    // --- accepting ---

    void start_accept() {
        acceptor->async_accept(guarded([this](std::error_code ec, tcp::socket socket) {
            if (stopped || !acceptor || !acceptor->is_open()) return;
            if (!ec) on_accept(std::move(socket));
            start_accept();
        }));
    }

    void on_accept(tcp::socket socket) {
        std::error_code ec;
        const auto remote = socket.remote_endpoint(ec);
        if (ec) return;
        const auto address = unmapped(remote).address();
        if (unauthenticated >= wire::kMaxUnauthenticated ||
            unauthenticated_by_address[address] >= wire::kMaxUnauthenticatedPerAddress) {
            log("refused connection from " + address.to_string() + ": too many unauthenticated connections");
            socket.close(ec);
            return;
        }
        if (!handshake_rate.allow(address.to_string(), mono_now())) {
            log("refused connection from " + address.to_string() + ": too many handshake attempts");
            socket.close(ec);
            return;
        }
        auto c = std::make_shared<Connection>(io, false);
        c->socket = std::move(socket);
        c->remote = unmapped(remote);
        c->counted_unauthenticated = true;
        ++unauthenticated;
        ++unauthenticated_by_address[address];
        connections.insert(c);
        start_session(c, crypto::Role::responder);
    }

    void uncount(Connection& c) {
        if (!c.counted_unauthenticated) return;
        c.counted_unauthenticated = false;
        --unauthenticated;
        auto it = unauthenticated_by_address.find(c.remote.address());
        if (it != unauthenticated_by_address.end() && --it->second == 0) unauthenticated_by_address.erase(it);
    }

    // --- dialing ---

    void dial(const tcp::endpoint& endpoint, std::optional<PeerKey> expected, Lane lane, Handshake handshake) {
        if (stopped || (expected && find(*expected, lane))) return;
        if (handshake == Handshake::ik && !expected) {
            // Reported from the loop, like every other dial failure, not from inside dial().
            asio::post(io, guarded([this, endpoint] {
                if (cb.on_dial_failed) cb.on_dial_failed(endpoint, "IK needs the responder's key");
            }));
            return;
        }
        auto c = std::make_shared<Connection>(io, true);
        c->lane = lane;
        c->remote = endpoint;
        c->expected = expected;
        c->handshake = handshake;
        c->connecting = true;
        c->deadline = mono_now() + wire::kConnectTimeout;
        connections.insert(c);
        schedule_tick(c);
        c->socket.async_connect(endpoint, guarded([this, c](std::error_code ec) {
            if (c->dropped) return;
            c->connecting = false;
            if (ec) {
                const bool timed_out = ec == asio::error::operation_aborted;
                if (cb.on_dial_failed) cb.on_dial_failed(c->remote, timed_out ? "connect timed out" : ec.message());
                drop(c);
                return;
            }
            start_session(c, crypto::Role::initiator);
        }));
    }

    // --- the session ---

    void start_session(const Conn& c, crypto::Role role) {
        std::error_code ec;
        c->socket.set_option(tcp::no_delay(true), ec);  // small messages: latency matters more than packets
        SessionConfig sc;
        sc.role = role;
        sc.identity = identity;
        sc.hello = config.hello;
        // The initiator asks for its lane; the responder learns it from that Hello.
        sc.hello.lane = role == crypto::Role::initiator ? std::string(to_string(c->lane)) : std::string();
        sc.rng = rng;
        sc.expected_peer = c->expected;
        // Private mode: a known key means IK, so ours is never shown to anyone else.
        sc.handshake = c->expected && config.private_mode ? Handshake::ik : c->handshake;
        sc.private_mode = config.private_mode;
        sc.may_reveal_to = cb.may_reveal_to;
        const MonoTime now = mono_now();
        c->session.emplace(std::move(sc), now);
        apply(c, c->session->start(now));
        if (!c->dropped) start_read(c);
    }

    // Every session call goes through here, so the timer follows the session's
    // deadline as soon as it moves (the handshake's end brings the keepalive forward).
    void apply(const Conn& c, SessionOutput out) {
        if (!out.bytes.empty()) enqueue(c, std::move(out.bytes));
        for (auto& event : out.events) {
            if (c->dropped) return;
            std::visit([&](auto& e) { on_event(c, e); }, event);
        }
        if (!c->dropped) schedule_tick(c);
    }

    void on_event(const Conn& c, Established& e) {
        uncount(*c);
        c->established = true;
        c->peer = e.peer;
        c->hello = std::move(e.hello);
        c->lane = e.lane;
        if (cb.accept_peer && !cb.accept_peer(e.peer)) {
            log("refused peer after handshake");
            apply(c, c->session->abort(CloseKind::refused, to_string(CloseKind::refused)));
            return;
        }
        auto it = active.find({e.peer, e.lane});
        if (it == active.end()) {
            active.emplace(SessionKey{e.peer, e.lane}, c);
            announce_up(*c);
            return;
        }
        const Conn existing = it->second;
        if (keep_new(*existing, *c)) {
            it->second = c;
            close_session(existing, wire::kReasonDuplicate);
            // Announced again: what was queued on the loser may be lost, and the
            // layer above resends unacknowledged messages on session up.
            announce_up(*c);
        } else {
            close_session(c, wire::kReasonDuplicate);
            if (c->lane == Lane::chat && cb.on_duplicate) cb.on_duplicate(info(*c));
        }
    }

    void announce_up(const Connection& c) {
        const auto& up = c.lane == Lane::chat ? cb.on_session_up : cb.on_files_up;
        if (up) up(info(c));
    }

    // Simultaneous dial: both ends keep the session initiated by the lower static
    // key; two sessions initiated by the same side: the newer one (the old is stale).
    bool keep_new(const Connection& existing, const Connection& fresh) const {
        if (existing.we_dialed == fresh.we_dialed) return true;
        const bool we_are_lower = identity.public_key < *fresh.peer;
        return fresh.we_dialed == we_are_lower;
    }

    void on_event(const Conn& c, Received& r) {
        if (c->peer && cb.on_message) cb.on_message(*c->peer, r.message);
    }

    void on_event(const Conn& c, ReceivedFile& r) {
        if (c->peer && cb.on_files_message) cb.on_files_message(*c->peer, r.message.bytes);
    }

    void on_event(const Conn& c, Closed& closed) {
        uncount(*c);
        const auto it = c->peer ? active.find({*c->peer, c->lane}) : active.end();
        if (it != active.end() && it->second == c) {
            active.erase(it);
            const auto& down = c->lane == Lane::chat ? cb.on_session_down : cb.on_files_down;
            if (down) down(*c->peer, closed.reason, closed.kind);
        } else if (!c->established && c->we_dialed && !stopped) {
            if (closed.kind == CloseKind::spoof && c->expected && c->session->peer()) {
                if (cb.on_spoof) cb.on_spoof(*c->expected, *c->session->peer(), c->remote);
            } else if (cb.on_dial_failed) {
                cb.on_dial_failed(c->remote, closed.reason);
            }
        } else {
            log("session with " + c->remote.address().to_string() + " ended: " + std::string(to_string(closed.kind)));
        }
        if (closed.kind == CloseKind::local_close || closed.kind == CloseKind::remote_close) {
            begin_graceful_close(c);
        } else {
            drop(c);
        }
    }

    void close_session(Conn c, std::string_view reason) {  // by value: closing erases it from active
        if (c->session && !c->dropped) apply(c, c->session->close(reason, mono_now()));
    }

    // --- reading ---

    // Replies (pongs) are queued without send()'s check, so reading stops while
    // the write queue is at its cap and resumes when the socket takes bytes: a
    // peer that does not read is stopped by TCP's own flow control, and its
    // silence then ends the session (dead-peer rule).
    void start_read(const Conn& c) {
        if (c->reading || c->dropped || c->queued_bytes >= wire::kMaxWriteQueue) return;
        c->reading = true;
        // Straight into the session's frame buffer, as much as it has room for.
        const auto room = c->session->receive_buffer();
        c->socket.async_read_some(asio::buffer(room.data(), room.size()),
                                  guarded([this, c](std::error_code ec, std::size_t n) {
            c->reading = false;
            if (c->dropped) return;
            if (ec) {
                on_socket_error(c, ec == asio::error::eof ? "connection closed by peer" : ec.message());
                return;
            }
            // The acks to every message of this read, and what the layer above sends
            // in reply, leave in one write rather than one each.
            c->holding_writes = true;
            apply(c, c->session->received(n, mono_now()));  // ignored once the session is closed
            c->holding_writes = false;
            if (!c->dropped && c->in_flight == 0 && !c->queue.empty()) write_queued(c);
            start_read(c);
        }));
    }

    void on_socket_error(const Conn& c, const std::string& what) {
        if (c->session && c->session->state() != Session::State::closed) {
            apply(c, c->session->abort(CloseKind::connection_lost, what));  // drops via Closed
        } else {
            drop(c);
        }
    }

    // --- writing ---

    void enqueue(const Conn& c, std::vector<std::uint8_t> bytes) {
        if (c->dropped || c->shut_down) return;
        c->queued_bytes += bytes.size();
        if (c->queue.size() > c->in_flight && c->queue.back().size() + bytes.size() <= kCoalesceBytes) {
            c->queue.back().insert(c->queue.back().end(), bytes.begin(), bytes.end());
            recycle(*c, std::move(bytes));
        } else {
            c->queue.push_back(std::move(bytes));
        }
        if (c->in_flight == 0 && !c->holding_writes) write_queued(c);
    }

    // Where the next send encrypts to: the last queued buffer while no write
    // covers it and it has room (taken out of the queue; enqueue puts it back),
    // else a spare one.
    std::vector<std::uint8_t> take_tail(Connection& c) {
        const std::size_t busy = std::max<std::size_t>(c.in_flight, c.front_written > 0 ? 1 : 0);
        if (c.queue.size() > busy && c.queue.back().size() < kCoalesceBytes) {
            std::vector<std::uint8_t> tail = std::move(c.queue.back());
            c.queue.pop_back();
            c.queued_bytes -= tail.size();
            return tail;
        }
        if (c.spare.empty()) {
            // Room for a full tail plus a large message: appends do not reallocate,
            // and the buffer is kept once written. Untouched pages cost no memory.
            std::vector<std::uint8_t> fresh;
            fresh.reserve(kMaxSpareCapacity);
            return fresh;
        }
        std::vector<std::uint8_t> buffer = std::move(c.spare.back());
        c.spare.pop_back();
        return buffer;
    }

    void recycle(Connection& c, std::vector<std::uint8_t> buffer) {
        if (c.spare.size() >= kSpareBuffers || buffer.capacity() > kMaxSpareCapacity) return;
        buffer.clear();
        c.spare.push_back(std::move(buffer));
    }

    // One gathered write of what is queued: few syscalls for many small messages.
    // Whatever part the socket takes leaves the queue at once, so a slow reader
    // lets us read again as soon as it reads some.
    void write_queued(const Conn& c) {
        if (c->queue.empty()) {
            if (c->closing) finish_graceful_close(c);
            return;
        }
        std::vector<asio::const_buffer> buffers;
        for (const auto& b : c->queue) {
            if (buffers.size() == kMaxGather) break;
            buffers.push_back(asio::buffer(b) + (buffers.empty() ? c->front_written : 0));
        }
        c->in_flight = buffers.size();
        c->socket.async_write_some(buffers, guarded([this, c](std::error_code ec, std::size_t n) {
            if (c->dropped) return;
            if (ec) {
                on_socket_error(c, ec.message());
                return;
            }
            c->in_flight = 0;
            c->queued_bytes -= n;
            while (n > 0) {
                const std::size_t rest = c->queue.front().size() - c->front_written;
                if (n < rest) {
                    c->front_written += n;
                    break;
                }
                n -= rest;
                c->front_written = 0;
                recycle(*c, std::move(c->queue.front()));
                c->queue.pop_front();
            }
            start_read(c);
            write_queued(c);
        }));
    }

    // --- closing ---

    void begin_graceful_close(const Conn& c) {
        c->closing = true;
        if (c->in_flight == 0) write_queued(c);
    }

    void finish_graceful_close(const Conn& c) {
        if (c->shut_down) return;
        std::error_code ec;
        c->socket.shutdown(tcp::socket::shutdown_send, ec);
        c->shut_down = true;
        c->deadline = mono_now() + wire::kCloseLinger;
        schedule_tick(c);  // the linger may end before the session's next deadline
    }

    void drop(const Conn& c) {
        if (c->dropped) return;
        c->dropped = true;
        uncount(*c);
        std::error_code ec;
        c->socket.close(ec);
        c->timer.cancel();
        connections.erase(c);
    }

    // --- time ---

    // The connection's timer sleeps until its next deadline (connect, linger,
    // or what the session asks for) rather than ticking: idle peers cost no wakeups.
    // Called whenever the deadline may have moved: a pending wait that ends in
    // time is kept, one that would end too late is replaced.
    void schedule_tick(const Conn& c) {
        const MonoTime due = (c->connecting || c->shut_down || !c->session) ? c->deadline : c->session->next_deadline();
        const MonoTime now = mono_now();
        const MonoTime wait = due <= now ? MonoTime(1) : std::min<MonoTime>(due - now, wire::kMaxTimerSleep);
        if (c->timer_due <= now + wait) return;
        c->timer_due = now + wait;
        const std::uint64_t generation = ++c->timer_generation;
        c->timer.expires_after(wait);  // cancels the wait it replaces
        c->timer.async_wait(guarded([this, c, generation](std::error_code ec) {
            // A replaced wait may already have completed: its generation tells.
            if (ec || c->dropped || generation != c->timer_generation) return;
            c->timer_due = MonoTime::max();
            on_tick(c);
            if (!c->dropped) schedule_tick(c);
        }));
    }

    void on_tick(const Conn& c) {
        const MonoTime now = mono_now();
        if (c->connecting || c->shut_down) {
            if (now < c->deadline) return;
            if (c->connecting) {
                std::error_code ec;
                c->socket.close(ec);  // the connect handler reports the timeout
            } else {
                drop(c);
            }
            return;
        }
        if (c->session && c->session->state() != Session::State::closed) apply(c, c->session->tick(now));
    }

    void shutdown(std::string_view reason) {
        stopped = true;
        if (acceptor) {
            std::error_code ec;
            acceptor->close(ec);
        }
        const auto all = connections;  // closing edits the set
        for (const auto& c : all) {
            if (c->established && c->session->state() == Session::State::established) {
                close_session(c, reason);
            } else {
                drop(c);
            }
        }
    }

    // The public calls, for either lane (defined with them below).
    template <class Encrypt>
    SendResult send_on(const PeerKey& peer, Lane lane, Encrypt encrypt);
    void set_liveness(const PeerKey& peer, Lane lane, Liveness liveness);
    void close(const PeerKey& peer, Lane lane, std::string_view reason);

    ~Impl() {
        *alive = nullptr;
        std::error_code ec;
        if (acceptor) acceptor->close(ec);
        for (const auto& c : connections) {
            c->dropped = true;
            c->socket.close(ec);
            c->timer.cancel();
        }
    }
};

Transport::Transport(asio::io_context& io, const crypto::KeyPair& identity, TransportConfig config,
                     TransportCallbacks callbacks)
    : impl_(std::make_unique<Impl>(io, identity, std::move(config), std::move(callbacks))) {}

Transport::~Transport() = default;

std::uint16_t Transport::listen() { return listen(impl_->config.port); }

std::uint16_t Transport::listen(std::uint16_t port) {
    Impl& s = *impl_;
    tcp::acceptor acceptor(s.io);
    std::error_code ec;
    acceptor.open(tcp::v6(), ec);
    if (!ec) acceptor.set_option(asio::ip::v6_only(false), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(tcp::endpoint(asio::ip::address_v6::any(), port), ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    // A taken port is not a host without IPv6: no IPv4-only try (it would be taken too,
    // or leave IPv6 peers nothing), so the caller sees address_in_use and can move on.
    if (ec == asio::error::address_in_use) throw std::system_error(ec, "bind");
    if (ec) {  // no IPv6 on this host: IPv4 only
        s.log("IPv6 listener unavailable (" + ec.message() + "), listening on IPv4 only");
        acceptor = tcp::acceptor(s.io);
        acceptor.open(tcp::v4());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(tcp::endpoint(asio::ip::address_v4::any(), port));
        acceptor.listen();
    }
    const auto bound = acceptor.local_endpoint().port();
    s.acceptor.emplace(std::move(acceptor));
    s.start_accept();
    return bound;
}

void Transport::dial(const tcp::endpoint& endpoint, std::optional<PeerKey> expected, Lane lane, Handshake handshake) {
    impl_->dial(endpoint, expected, lane, handshake);
}

void Transport::set_private_mode(bool on) { impl_->config.private_mode = on; }

// Queues one message on the peer's session on lane; encrypt appends its frames
// to the buffer it is given (Session::send or send_file).
template <class Encrypt>
SendResult Transport::Impl::send_on(const PeerKey& peer, Lane lane, Encrypt encrypt) {
    const Conn c = find(peer, lane);
    if (!c) return SendResult::no_session;
    // Checked before encrypting: a message encrypted and then dropped would break the nonce sequence.
    // A session can be over while still active: the read that established it may also
    // have carried its end (a peer's Close right behind its last handshake message), and
    // on_session_up runs before that Closed event; what is sent from there must wait for
    // the next session, not count as unsendable.
    if (c->closing || c->session->state() != Session::State::established) return SendResult::closing;
    if (c->queued_bytes >= (lane == Lane::files ? wire::kMaxFilesWriteQueue : wire::kMaxWriteQueue))
        return SendResult::backpressure;
    auto tail = take_tail(*c);
    const std::size_t before = tail.size();
    auto out = encrypt(*c->session, std::move(tail));
    // The session is established, so only the size makes it send nothing.
    const bool sent = out.bytes.size() > before;
    apply(c, std::move(out));  // the tail goes back to the queue either way
    return sent ? SendResult::sent : SendResult::too_large;
}

void Transport::Impl::set_liveness(const PeerKey& peer, Lane lane, Liveness liveness) {
    const Conn c = find(peer, lane);
    if (c && !c->closing) apply(c, c->session->set_liveness(liveness, mono_now()));
}

void Transport::Impl::close(const PeerKey& peer, Lane lane, std::string_view reason) {
    if (const Conn c = find(peer, lane)) close_session(c, reason);
}

SendResult Transport::send(const PeerKey& peer, const AppMessage& message) {
    return impl_->send_on(peer, Lane::chat, [&](Session& session, std::vector<std::uint8_t> into) {
        return session.send(message, mono_now(), std::move(into));
    });
}

SendResult Transport::send_file(const PeerKey& peer, std::span<const std::uint8_t> encoded) {
    return impl_->send_on(peer, Lane::files, [&](Session& session, std::vector<std::uint8_t> into) {
        return session.send_file(encoded, mono_now(), std::move(into));
    });
}

void Transport::set_liveness(const PeerKey& peer, Liveness liveness) {
    impl_->set_liveness(peer, Lane::chat, liveness);
}

void Transport::set_files_liveness(const PeerKey& peer, Liveness liveness) {
    impl_->set_liveness(peer, Lane::files, liveness);
}

bool Transport::has_session(const PeerKey& peer) const { return impl_->find(peer, Lane::chat) != nullptr; }

bool Transport::has_files_session(const PeerKey& peer) const { return impl_->find(peer, Lane::files) != nullptr; }

std::vector<SessionInfo> Transport::sessions() const {
    std::vector<SessionInfo> out;
    for (const auto& [key, c] : impl_->active)
        if (key.second == Lane::chat) out.push_back(impl_->info(*c));
    return out;
}

void Transport::close(const PeerKey& peer, std::string_view reason) { impl_->close(peer, Lane::chat, reason); }

void Transport::close_files(const PeerKey& peer, std::string_view reason) {
    impl_->close(peer, Lane::files, reason);
}

void Transport::shutdown(std::string_view reason) { impl_->shutdown(reason); }

void Transport::set_hello(Hello hello) { impl_->config.hello = std::move(hello); }

}  // namespace hallway::transport
