// Thin Asio I/O around Conversation, in the style of transport/transport.cpp
// (Asio's chat example): one thread runs the io_context; each stream has at
// most one read in flight (none while its write queue is at the cap), one
// write in flight, and one timer at the next deadline.
//
// Accept limits: a token bucket per source address (rate_limit/, shared with
// transport's listener), and pending (unidentified) streams counted in total
// and per source here.
#include "xmpp/link_local.hpp"

#include "xmpp/limits.hpp"

#include "rate_limit/source_rate_limiter.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <map>
#include <set>

namespace hallway::xmpp {

using asio::ip::tcp;

namespace {

MonoTime mono_now() {
    return std::chrono::duration_cast<MonoTime>(std::chrono::steady_clock::now().time_since_epoch());
}

asio::ip::address unmapped(const asio::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    return a;
}

// The stream table's key: DNS-SD names compare case-insensitively (ASCII), as Conversation does.
std::string name_key(std::string_view name) {
    std::string k(name);
    for (char& c : k)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return k;
}

// After the conversation finished and our bytes are out: FIN, then wait this
// long for theirs before closing (closing with unread input sends a RST that
// can destroy what we wrote).
constexpr std::chrono::milliseconds kShutdownLinger{2000};
// Longest single timer sleep: deadlines far away are re-checked, never overflowed.
constexpr std::chrono::milliseconds kMaxTimerSleep{60000};

}  // namespace

struct LinkStream {
    LinkStream(asio::io_context& io, bool dialed_) : socket(io), timer(io), dialed(dialed_) {}

    tcp::socket socket;
    asio::steady_timer timer;
    bool dialed;
    std::optional<Conversation> conversation;
    std::string peer;  // dialed: from the start; accepted: once identified
    asio::ip::address source;
    bool counted_pending = false;
    bool counted_established = false;
    // Dialing: the endpoints left to try.
    std::vector<tcp::endpoint> endpoints;
    std::size_t next_endpoint = 0;
    bool connecting = false;
    MonoTime connect_deadline{};
    MonoTime accept_header_deadline = MonoTime::max();
    // Reading: bytes not yet fed to the parser (coalescing).
    std::array<char, 4096> read_buffer{};
    std::string unfed;
    bool reading = false;
    // Writing.
    std::deque<std::string> queue;
    std::size_t queued_bytes = 0;
    bool writing = false;
    bool finished = false;   // the conversation is over: flush, then FIN
    bool shut_down = false;  // FIN sent: waiting for theirs or kShutdownLinger
    MonoTime shutdown_deadline{};
    bool dropped = false;
    MonoTime timer_due = MonoTime::max();
    std::uint64_t timer_generation = 0;
};

struct LinkLocal::Impl {
    using Conn = std::shared_ptr<LinkStream>;

    Impl(asio::io_context& io_, LinkLocalConfig config_, LinkLocalCallbacks cb_)
        : io(io_), config(std::move(config_)), cb(std::move(cb_)) {}

    asio::io_context& io;
    LinkLocalConfig config;
    LinkLocalCallbacks cb;
    std::optional<tcp::acceptor> acceptor;
    std::set<Conn> streams;
    std::map<std::string, Conn> by_name;  // name_key(peer) -> the stream send() uses
    std::size_t pending = 0;
    std::size_t established = 0;
    std::map<asio::ip::address, std::size_t> pending_by_source;
    rate_limit::SourceRateLimiter accept_rate{
        {kStreamBurstPerSource, kStreamsPerSecondPerSource, kMaxRateTrackedSources}};
    std::size_t accepted = 0;
    std::size_t dialed = 0;
    bool stopped = false;
    std::shared_ptr<Impl*> alive = std::make_shared<Impl*>(this);

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
        const auto source = unmapped(remote.address());
        if (!accept_rate.allow(source.to_string(), mono_now())) {
            log("refused XMPP stream from " + source.to_string() + ": too many streams from it");
            socket.close(ec);
            return;
        }
        if (pending >= kMaxPendingStreams || pending_by_source[source] >= kMaxPendingStreamsPerSource ||
            established >= kMaxEstablishedStreams) {
            if (pending_by_source[source] == 0) pending_by_source.erase(source);
            log("refused XMPP stream from " + source.to_string() + ": too many pending streams");
            socket.close(ec);
            return;
        }
        auto c = std::make_shared<LinkStream>(io, false);
        c->socket = std::move(socket);
        c->source = source;
        c->counted_pending = true;
        ++pending;
        ++pending_by_source[source];
        ++accepted;
        streams.insert(c);
        const MonoTime now = mono_now();
        if (config.accept_header_timeout < kAcceptHeaderTimeout)
            c->accept_header_deadline = now + config.accept_header_timeout;
        // The hook sees the source address; Conversation's hook does not need to.
        auto identify = [hook = config.identify, source](const std::optional<std::string>& from,
                                                        const std::optional<std::string>& to) {
            return hook ? hook(from, to, source) : Identification{};
        };
        c->conversation.emplace(Conversation::responder(std::move(identify), now));
        apply(c, c->conversation->start(now));
        start_read(c);
    }

    void uncount(LinkStream& c) {
        if (c.counted_established) {
            c.counted_established = false;
            --established;
        }
        if (!c.counted_pending) return;
        c.counted_pending = false;
        --pending;
        auto it = pending_by_source.find(c.source);
        if (it != pending_by_source.end() && --it->second == 0) pending_by_source.erase(it);
    }

    // --- dialing ---

    void send(const std::string& their_name, const std::vector<tcp::endpoint>& endpoints, OutgoingMessage message) {
        const MonoTime now = mono_now();
        const auto it = by_name.find(name_key(their_name));
        if (it != by_name.end()) {
            const Conn c = it->second;
            const auto state = c->conversation->state();
            const bool usable = !c->finished && state != Conversation::State::closing &&
                                state != Conversation::State::finished;
            if (usable) {
                if (c->queued_bytes >= kMaxQueuedBytes) return report_later(their_name, NotSent{message.id});
                return apply_from_call(c, c->conversation->send(std::move(message), now));
            }
        }
        if (stopped || endpoints.empty() || established >= kMaxEstablishedStreams) return report_later(their_name, NotSent{message.id});
        auto c = std::make_shared<LinkStream>(io, true);
        c->peer = their_name;
        c->endpoints = endpoints;
        c->conversation.emplace(Conversation::initiator(config.our_name, their_name, now));
        // Queued until their header arrives (Conversation holds it, bounded).
        apply_from_call(c, c->conversation->send(std::move(message), now));
        streams.insert(c);
        by_name[name_key(their_name)] = c;
        ++dialed;
        connect_next(c);
    }

    void report_later(const std::string& peer, NotSent not_sent) {
        asio::post(io, guarded([this, peer, not_sent] {
            if (cb.on_not_sent) cb.on_not_sent(peer, not_sent);
        }));
    }

    // Output of a public call: its NotSent events are reported from the loop.
    void apply_from_call(const Conn& c, ConversationOutput out) {
        std::vector<ConversationEvent> now_events;
        for (auto& event : out.events) {
            if (auto* n = std::get_if<NotSent>(&event)) {
                report_later(c->peer, std::move(*n));
            } else {
                now_events.push_back(std::move(event));
            }
        }
        out.events = std::move(now_events);
        apply(c, std::move(out));
    }

    void connect_next(const Conn& c) {
        if (c->dropped) return;
        if (c->next_endpoint >= c->endpoints.size()) {
            c->connecting = false;
            log("could not connect to " + c->peer);
            apply(c, c->conversation->connection_closed(mono_now()));  // closed_before_header
            return;
        }
        const tcp::endpoint endpoint = c->endpoints[c->next_endpoint++];
        std::error_code ec;
        if (c->socket.is_open()) c->socket.close(ec);
        c->connecting = true;
        c->connect_deadline = mono_now() + kConnectTimeout;
        schedule_timer(c);
        c->socket.async_connect(endpoint, guarded([this, c, endpoint](std::error_code connect_error) {
            if (c->dropped) return;
            c->connecting = false;
            if (connect_error || !c->socket.is_open()) {
                log("connect to " + c->peer + " at " + endpoint.address().to_string() + " failed: " +
                    (connect_error ? connect_error.message() : std::string("timed out")));
                return connect_next(c);
            }
            const MonoTime now = mono_now();
            apply(c, c->conversation->start(now));
            start_read(c);
        }));
    }

    // --- the conversation's output ---

    void apply(const Conn& c, ConversationOutput out) {
        if (!out.bytes.empty()) enqueue(c, std::move(out.bytes));
        for (auto& event : out.events) dispatch(c, event);
        if (out.finished && !c->finished) {
            c->finished = true;
            uncount(*c);
            forget_name(c);
            if (c->connecting || !c->socket.is_open()) {
                drop(c);
                return;
            }
            if (!c->writing) flush_or_shut_down(c);
        }
        if (!c->dropped) schedule_timer(c);
    }

    void forget_name(const Conn& c) {
        if (c->peer.empty()) return;
        const auto it = by_name.find(name_key(c->peer));
        if (it != by_name.end() && it->second == c) by_name.erase(it);
    }

    void dispatch(const Conn& c, ConversationEvent& event) {
        if (auto* opened = std::get_if<Opened>(&event)) {
            uncount(*c);  // no longer pending
            c->counted_established = true;
            ++established;
            if (!c->dialed) {
                c->peer = opened->peer_name;
                // The newest stream to a name wins: libpurple drops its older one
                // when a new one matches, so ours to it is likely dead already.
                by_name[name_key(c->peer)] = c;
            }
            if (cb.on_opened) cb.on_opened(c->peer);
        } else if (const auto* m = std::get_if<Message>(&event)) {
            if (cb.on_message) cb.on_message(c->peer, *m);
        } else if (const auto* t = std::get_if<Typing>(&event)) {
            if (cb.on_typing) cb.on_typing(c->peer, *t);
        } else if (const auto* r = std::get_if<ReceiptReceived>(&event)) {
            if (cb.on_receipt) cb.on_receipt(c->peer, *r);
        } else if (const auto* n = std::get_if<NotSent>(&event)) {
            if (cb.on_not_sent) cb.on_not_sent(c->peer, *n);
        } else if (const auto* d = std::get_if<Dropped>(&event)) {
            log("XMPP stanza from " + (c->peer.empty() ? c->source.to_string() : c->peer) + " dropped: " + d->reason);
        } else if (const auto* e = std::get_if<Ended>(&event)) {
            if (c->peer.empty()) {
                log("XMPP stream from " + c->source.to_string() + " ended: " + std::string(to_string(e->reason)) +
                    (e->detail.empty() ? "" : " (" + e->detail + ")"));
            } else if (cb.on_ended) {
                cb.on_ended(c->peer, *e);
            }
        }
    }

    // --- reading ---

    // No read while the write queue is at its cap: a peer that does not read
    // is held by TCP's flow control (its receipt requests queue replies).
    void start_read(const Conn& c) {
        if (c->reading || c->dropped || c->connecting || c->queued_bytes >= kMaxQueuedBytes) return;
        c->reading = true;
        c->socket.async_read_some(asio::buffer(c->read_buffer),
                                  guarded([this, c](std::error_code ec, std::size_t n) {
            c->reading = false;
            if (c->dropped) return;
            if (c->shut_down) {  // draining until their FIN
                if (ec) return drop(c);
                return start_read(c);
            }
            if (ec) return on_connection_closed(c);
            if (!c->finished) {
                const char* data = c->read_buffer.data();
                c->unfed.append(data, n);
                if (c->unfed.size() >= kReadCoalesceBytes || std::memchr(data, '>', n) != nullptr) feed(c);
            }
            start_read(c);
        }));
    }

    void feed(const Conn& c) {
        if (c->unfed.empty() || c->finished) return;
        const std::string bytes = std::move(c->unfed);
        c->unfed.clear();
        apply(c, c->conversation->receive(std::string_view(bytes), mono_now()));
    }

    void on_connection_closed(const Conn& c) {
        feed(c);  // what came before their FIN, even without a '>'
        if (c->dropped) return;
        if (!c->finished) apply(c, c->conversation->connection_closed(mono_now()));
        drop(c);
    }

    // --- writing ---

    void enqueue(const Conn& c, std::string bytes) {
        if (c->dropped || c->shut_down) return;
        c->queued_bytes += bytes.size();
        c->queue.push_back(std::move(bytes));
        if (!c->writing && !c->connecting) write_front(c);
    }

    void write_front(const Conn& c) {
        if (c->queue.empty() || c->writing || c->dropped) return;
        c->writing = true;
        asio::async_write(c->socket, asio::buffer(c->queue.front()),
                          guarded([this, c](std::error_code ec, std::size_t n) {
            c->writing = false;
            if (c->dropped) return;
            if (ec) return on_connection_closed(c);
            c->queued_bytes -= n;
            c->queue.pop_front();
            if (!c->queue.empty()) return write_front(c);
            if (c->finished) return flush_or_shut_down(c);
            start_read(c);
        }));
    }

    void flush_or_shut_down(const Conn& c) {
        if (!c->queue.empty()) return write_front(c);
        if (c->shut_down) return;
        std::error_code ec;
        c->socket.shutdown(tcp::socket::shutdown_send, ec);
        c->shut_down = true;
        c->shutdown_deadline = mono_now() + kShutdownLinger;
        schedule_timer(c);
        start_read(c);
    }

    void drop(const Conn& c) {
        if (c->dropped) return;
        c->dropped = true;
        uncount(*c);
        forget_name(c);
        std::error_code ec;
        c->socket.close(ec);
        c->timer.cancel();
        streams.erase(c);
    }

    // --- time ---

    MonoTime due(const LinkStream& c) const {
        if (c.connecting) return c.connect_deadline;
        if (c.shut_down) return c.shutdown_deadline;
        if (c.finished) return MonoTime::max();  // flushing: the write ends it
        const MonoTime next = c.conversation->next_deadline();
        if (c.conversation->state() != Conversation::State::awaiting_header) return next;
        return std::min(next, c.accept_header_deadline);
    }

    void schedule_timer(const Conn& c) {
        const MonoTime when = due(*c);
        if (when == MonoTime::max() || c->dropped) return;
        const MonoTime now = mono_now();
        const MonoTime wait = when <= now ? MonoTime(1) : std::min<MonoTime>(when - now, kMaxTimerSleep);
        if (c->timer_due <= now + wait) return;  // a pending wait ends in time
        c->timer_due = now + wait;
        const std::uint64_t generation = ++c->timer_generation;
        c->timer.expires_after(wait);
        c->timer.async_wait(guarded([this, c, generation](std::error_code ec) {
            if (ec || c->dropped || generation != c->timer_generation) return;
            c->timer_due = MonoTime::max();
            on_timer(c);
            if (!c->dropped) schedule_timer(c);
        }));
    }

    void on_timer(const Conn& c) {
        const MonoTime now = mono_now();
        if (c->connecting) {
            if (now < c->connect_deadline) return;
            std::error_code ec;
            c->socket.close(ec);  // the connect handler tries the next endpoint
            return;
        }
        if (c->shut_down) {
            if (now >= c->shutdown_deadline) drop(c);
            return;
        }
        if (c->finished) return;
        if (now >= c->accept_header_deadline && c->conversation->state() == Conversation::State::awaiting_header) {
            return apply(c, c->conversation->close(now));  // tests' shorter header wait
        }
        apply(c, c->conversation->on_timer(now));
    }

    void discovery_changed() {
        const auto all = streams;  // applying may drop
        for (const auto& c : all)
            if (!c->dropped && !c->finished && c->conversation->state() == Conversation::State::identifying)
                apply(c, c->conversation->identify_again(mono_now()));
    }

    void stop() {
        stopped = true;
        std::error_code ec;
        if (acceptor) acceptor->close(ec);
        const auto all = streams;  // closing edits the set
        const MonoTime now = mono_now();
        for (const auto& c : all) {
            if (c->dropped || c->finished) continue;
            if (c->connecting) {
                apply(c, c->conversation->connection_closed(now));
                drop(c);
                continue;
            }
            apply(c, c->conversation->close(now));
        }
    }

    ~Impl() {
        *alive = nullptr;
        std::error_code ec;
        if (acceptor) acceptor->close(ec);
        for (const auto& c : streams) {
            c->dropped = true;
            c->socket.close(ec);
            c->timer.cancel();
        }
    }
};

LinkLocal::LinkLocal(asio::io_context& io, LinkLocalConfig config, LinkLocalCallbacks callbacks)
    : impl_(std::make_unique<Impl>(io, std::move(config), std::move(callbacks))) {}

LinkLocal::~LinkLocal() = default;

namespace {

// Dual-stack on IPv6 where the host has it, else IPv4 (as transport's listen()).
std::error_code bind_listener(tcp::acceptor& acceptor, std::uint16_t port, bool v6) {
    std::error_code ec;
    acceptor.open(v6 ? tcp::v6() : tcp::v4(), ec);
    if (!ec && v6) acceptor.set_option(asio::ip::v6_only(false), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
        acceptor.bind(v6 ? tcp::endpoint(asio::ip::address_v6::any(), port)
                         : tcp::endpoint(asio::ip::address_v4::any(), port),
                      ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        std::error_code ignored;
        acceptor.close(ignored);
    }
    return ec;
}

}  // namespace

std::uint16_t LinkLocal::listen() {
    Impl& s = *impl_;
    tcp::acceptor acceptor(s.io);
    std::uint16_t port = s.config.port;
    std::error_code ec = bind_listener(acceptor, port, true);
    if (ec == asio::error::address_in_use && port != 0) {
        // Another XEP-0174 client (Pidgin itself) has 5298: any port works,
        // peers learn ours from the SRV record.
        s.log("XMPP port " + std::to_string(port) + " in use, listening on a free port");
        port = 0;
        ec = bind_listener(acceptor, port, true);
    }
    if (ec) {
        s.log("IPv6 listener unavailable (" + ec.message() + "), XMPP on IPv4 only");
        ec = bind_listener(acceptor, port, false);
        if (ec == asio::error::address_in_use && port != 0) ec = bind_listener(acceptor, 0, false);
        if (ec) throw std::system_error(ec, "bind");
    }
    const auto bound = acceptor.local_endpoint().port();
    s.acceptor.emplace(std::move(acceptor));
    s.start_accept();
    return bound;
}

void LinkLocal::send(const std::string& their_name, const std::vector<tcp::endpoint>& endpoints,
                     OutgoingMessage message) {
    impl_->send(their_name, endpoints, std::move(message));
}

void LinkLocal::discovery_changed() {
    Impl& s = *impl_;
    asio::post(s.io, s.guarded([&s] { s.discovery_changed(); }));
}

void LinkLocal::set_our_name(std::string our_name) { impl_->config.our_name = std::move(our_name); }

void LinkLocal::stop() { impl_->stop(); }

std::size_t LinkLocal::stream_count() const { return impl_->streams.size(); }
std::size_t LinkLocal::accepted_count() const { return impl_->accepted; }
std::size_t LinkLocal::dialed_count() const { return impl_->dialed; }

}  // namespace hallway::xmpp
