#include "discovery/avahi_poll.hpp"

#include <avahi-common/timeval.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>

using hallway::discovery::AsioAvahiPoll;

namespace {

// Upper bound for a condition to come true; never an assertion on speed.
constexpr auto kDeadline = std::chrono::seconds(5);

bool run_until(asio::io_context& io, const std::function<bool()>& done) {
    const auto end = std::chrono::steady_clock::now() + kDeadline;
    while (!done() && std::chrono::steady_clock::now() < end) {
        io.restart();
        io.run_one_for(std::chrono::milliseconds(20));
    }
    return done();
}

// Runs whatever is ready now (no waiting).
void drain(asio::io_context& io) {
    io.restart();
    io.poll();
}

struct Pipe {
    Pipe() { REQUIRE(::pipe(fds) == 0); }
    ~Pipe() { ::close(fds[0]); ::close(fds[1]); }
    void put(const char* s) { REQUIRE(::write(fds[1], s, std::strlen(s)) == static_cast<ssize_t>(std::strlen(s))); }
    int fds[2];
};

struct Recorder {
    explicit Recorder(const AvahiPoll* poll_api = nullptr) : api(poll_api) {}
    const AvahiPoll* api = nullptr;
    int calls = 0;
    AvahiWatchEvent last{};
    AvahiWatchEvent seen_by_get_events{};
    std::function<void(AvahiWatch*, int)> on_call;
};

void watch_cb(AvahiWatch* w, int fd, AvahiWatchEvent event, void* userdata) {
    auto* r = static_cast<Recorder*>(userdata);
    ++r->calls;
    r->last = event;
    r->seen_by_get_events = r->api->watch_get_events(w);
    if (r->on_call) r->on_call(w, fd);
}

struct TimeoutRecorder {
    int calls = 0;
    std::function<void(AvahiTimeout*)> on_call;
};

void timeout_cb(AvahiTimeout* t, void* userdata) {
    auto* r = static_cast<TimeoutRecorder*>(userdata);
    ++r->calls;
    if (r->on_call) r->on_call(t);
}

timeval in_ms(int ms) {
    timeval tv;
    avahi_elapse_time(&tv, static_cast<unsigned>(ms), 0);
    return tv;
}

}  // namespace

TEST_CASE("avahi poll: a read watch fires with AVAHI_WATCH_IN, with the caller's fd") {
    asio::io_context io;
    AsioAvahiPoll poll(io);
    Pipe p;
    Recorder r{poll.get()};
    int fd_seen = -1;
    char buf[8];
    r.on_call = [&](AvahiWatch*, int fd) { fd_seen = fd; (void)::read(fd, buf, sizeof buf); };
    AvahiWatch* w = poll.get()->watch_new(poll.get(), p.fds[0], AVAHI_WATCH_IN, watch_cb, &r);
    REQUIRE(w);
    drain(io);
    CHECK(r.calls == 0);
    p.put("x");
    CHECK(run_until(io, [&] { return r.calls == 1; }));
    CHECK(r.last == AVAHI_WATCH_IN);
    CHECK(r.seen_by_get_events == AVAHI_WATCH_IN);
    CHECK(fd_seen == p.fds[0]);
    CHECK(poll.get()->watch_get_events(w) == 0);  // only meaningful inside the callback
    poll.get()->watch_free(w);
    CHECK(poll.watch_count() == 0);
}

TEST_CASE("avahi poll: watches are level-triggered (data left unread fires again)") {
    asio::io_context io;
    AsioAvahiPoll poll(io);
    Pipe p;
    Recorder r{poll.get()};
    char c;
    r.on_call = [&](AvahiWatch*, int fd) { (void)::read(fd, &c, 1); };  // one byte per call, like a chunked reader
    AvahiWatch* w = poll.get()->watch_new(poll.get(), p.fds[0], AVAHI_WATCH_IN, watch_cb, &r);
    p.put("abc");
    CHECK(run_until(io, [&] { return r.calls == 3; }));
    drain(io);
    CHECK(r.calls == 3);  // empty now: no more calls
    poll.get()->watch_free(w);
}

TEST_CASE("avahi poll: two watches on one fd (D-Bus read and write watch)") {
    asio::io_context io;
    AsioAvahiPoll poll(io);
    Pipe p;
    Recorder a{poll.get()}, b{poll.get()};
    AvahiWatch* wa = poll.get()->watch_new(poll.get(), p.fds[1], AVAHI_WATCH_OUT, watch_cb, &a);
    AvahiWatch* wb = poll.get()->watch_new(poll.get(), p.fds[1], AVAHI_WATCH_OUT, watch_cb, &b);
    REQUIRE(wa);
    REQUIRE(wb);
    a.on_call = [&](AvahiWatch* w, int) { poll.get()->watch_update(w, AvahiWatchEvent{}); };
    b.on_call = a.on_call;
    CHECK(run_until(io, [&] { return a.calls == 1 && b.calls == 1; }));
    CHECK(a.last == AVAHI_WATCH_OUT);
    poll.get()->watch_free(wa);
    poll.get()->watch_free(wb);
}

TEST_CASE("avahi poll: watch_update to no events stops callbacks, back to IN resumes") {
    asio::io_context io;
    AsioAvahiPoll poll(io);
    Pipe p;
    Recorder r{poll.get()};
    r.on_call = [&](AvahiWatch* w, int) { poll.get()->watch_update(w, AvahiWatchEvent{}); };
    AvahiWatch* w = poll.get()->watch_new(poll.get(), p.fds[0], AVAHI_WATCH_IN, watch_cb, &r);
    p.put("x");  // never read: stays readable
    CHECK(run_until(io, [&] { return r.calls == 1; }));
    drain(io);
    CHECK(r.calls == 1);
    r.on_call = [&](AvahiWatch* self, int) { poll.get()->watch_free(self); };
    poll.get()->watch_update(w, AVAHI_WATCH_IN);
    CHECK(run_until(io, [&] { return r.calls == 2; }));
    CHECK(poll.watch_count() == 0);
}

TEST_CASE("avahi poll: a watch freed inside its own callback is never called again") {
    asio::io_context io;
    AsioAvahiPoll poll(io);
    Pipe p;
    Recorder r{poll.get()};
    r.on_call = [&](AvahiWatch* w, int) { poll.get()->watch_free(w); };
    poll.get()->watch_new(poll.get(), p.fds[0], static_cast<AvahiWatchEvent>(AVAHI_WATCH_IN), watch_cb, &r);
    p.put("xyz");
    CHECK(run_until(io, [&] { return r.calls == 1; }));
    drain(io);
    CHECK(r.calls == 1);
    CHECK(poll.watch_count() == 0);
}

TEST_CASE("avahi poll: HUP is reported when the writer goes away") {
    asio::io_context io;
    AsioAvahiPoll poll(io);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    Recorder r{poll.get()};
    r.on_call = [&](AvahiWatch* w, int) { poll.get()->watch_free(w); };
    poll.get()->watch_new(poll.get(), fds[0], AVAHI_WATCH_IN, watch_cb, &r);
    ::close(fds[1]);
    CHECK(run_until(io, [&] { return r.calls == 1; }));
    CHECK((r.last & AVAHI_WATCH_HUP) != 0);
    ::close(fds[0]);
}

TEST_CASE("avahi poll: a timeout fires once, NULL disables it") {
    asio::io_context io;
    AsioAvahiPoll poll(io);
    TimeoutRecorder r;
    const timeval soon = in_ms(10);
    AvahiTimeout* t = poll.get()->timeout_new(poll.get(), &soon, timeout_cb, &r);
    CHECK(run_until(io, [&] { return r.calls == 1; }));
    const timeval later = in_ms(30);
    poll.get()->timeout_update(t, &later);
    poll.get()->timeout_update(t, nullptr);  // disabled before it fires
    AvahiTimeout* disabled = poll.get()->timeout_new(poll.get(), nullptr, timeout_cb, &r);
    TimeoutRecorder marker;
    const timeval after = in_ms(80);
    AvahiTimeout* m = poll.get()->timeout_new(poll.get(), &after, timeout_cb, &marker);
    CHECK(run_until(io, [&] { return marker.calls == 1; }));
    CHECK(r.calls == 1);
    poll.get()->timeout_free(t);
    poll.get()->timeout_free(disabled);
    poll.get()->timeout_free(m);
    CHECK(poll.timeout_count() == 0);
}

TEST_CASE("avahi poll: a past deadline fires at once, callbacks may re-arm or free their timeout") {
    asio::io_context io;
    AsioAvahiPoll poll(io);
    TimeoutRecorder r;
    r.on_call = [&](AvahiTimeout* t) {
        if (r.calls < 3) {
            const timeval again = in_ms(1);
            poll.get()->timeout_update(t, &again);
        } else {
            poll.get()->timeout_free(t);
        }
    };
    timeval past;
    avahi_elapse_time(&past, 0, 0);
    past.tv_sec -= 10;
    poll.get()->timeout_new(poll.get(), &past, timeout_cb, &r);
    CHECK(run_until(io, [&] { return r.calls == 3; }));
    drain(io);
    CHECK(r.calls == 3);
    CHECK(poll.timeout_count() == 0);
}

TEST_CASE("avahi poll: objects Avahi never freed are disabled by the poll's destructor") {
    asio::io_context io;
    Pipe p;
    Recorder r;
    TimeoutRecorder tr;
    {
        AsioAvahiPoll poll(io);
        r.api = poll.get();
        poll.get()->watch_new(poll.get(), p.fds[0], AVAHI_WATCH_IN, watch_cb, &r);
        const timeval soon = in_ms(1);
        poll.get()->timeout_new(poll.get(), &soon, timeout_cb, &tr);
    }
    p.put("x");
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
    CHECK(r.calls == 0);
    CHECK(tr.calls == 0);
}
