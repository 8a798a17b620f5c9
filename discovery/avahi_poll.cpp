#include "discovery/avahi_poll.hpp"

#include <avahi-common/timeval.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>

using hallway::discovery::AsioAvahiPoll;

struct AvahiWatch {
    AvahiWatch(asio::io_context& io, int own_fd) : descriptor(io, own_fd) {}
    AsioAvahiPoll* poll = nullptr;
    // A dup of Avahi's fd: D-Bus watches the same socket twice (one read and
    // one write watch) and epoll refuses a second registration of one fd,
    // while a dup is a separate registration. We own and close the dup only.
    asio::posix::stream_descriptor descriptor;
    int avahi_fd = -1;  // the fd reported back to the callback
    AvahiWatchEvent wanted{};
    AvahiWatchEvent happened{};  // what watch_get_events() reports during the callback
    AvahiWatchCallback callback = nullptr;
    void* userdata = nullptr;
    bool read_armed = false;
    bool write_armed = false;
    bool freed = false;
};

struct AvahiTimeout {
    explicit AvahiTimeout(asio::io_context& io) : timer(io) {}
    AsioAvahiPoll* poll = nullptr;
    asio::steady_timer timer;
    AvahiTimeoutCallback callback = nullptr;
    void* userdata = nullptr;
    // Bumped on every update/fire: a completion that was already queued when
    // the timeout changed must not run the callback.
    unsigned generation = 0;
    bool freed = false;
};

namespace hallway::discovery {
namespace {

// Readiness of the wanted events right now, as poll(2) reports it: gives
// Avahi the real event set (HUP, ERR) and filters wake-ups for events no
// longer wanted. D-Bus reads at most a chunk per callback, so watches must be
// level-triggered: Asio (1.22) re-arms epoll with EPOLL_CTL_MOD for each
// async_wait, which reports data left unread (tested).
AvahiWatchEvent ready_events(AvahiWatch& w) {
    pollfd p{w.descriptor.native_handle(), 0, 0};
    if (w.wanted & AVAHI_WATCH_IN) p.events |= POLLIN;
    if (w.wanted & AVAHI_WATCH_OUT) p.events |= POLLOUT;
    if (::poll(&p, 1, 0) <= 0) return AvahiWatchEvent{};
    int e = 0;
    if (p.revents & POLLIN) e |= AVAHI_WATCH_IN;
    if (p.revents & POLLOUT) e |= AVAHI_WATCH_OUT;
    if (p.revents & (POLLERR | POLLNVAL)) e |= AVAHI_WATCH_ERR;
    if (p.revents & POLLHUP) e |= AVAHI_WATCH_HUP;
    return static_cast<AvahiWatchEvent>(e);
}

void arm(const std::shared_ptr<AvahiWatch>& w);

void dispatch(const std::shared_ptr<AvahiWatch>& w) {
    if (w->freed) return;
    const AvahiWatchEvent events = ready_events(*w);
    if (events == 0) {
        arm(w);  // spurious wake-up or no longer wanted
        return;
    }
    w->happened = events;
    w->callback(w.get(), w->avahi_fd, events, w->userdata);
    if (w->freed) return;  // freed by its own callback
    w->happened = AvahiWatchEvent{};
    arm(w);
}

void arm_direction(const std::shared_ptr<AvahiWatch>& w, bool& armed,
                   asio::posix::descriptor_base::wait_type type) {
    armed = true;
    auto on_ready = [w, &armed](const asio::error_code& ec) {
        armed = false;  // `armed` is a member of *w, which the capture keeps alive
        if (ec == asio::error::operation_aborted) return;
        dispatch(w);
    };
    w->descriptor.async_wait(type, on_ready);
}

void arm(const std::shared_ptr<AvahiWatch>& w) {
    if (w->freed) return;
    if ((w->wanted & AVAHI_WATCH_IN) && !w->read_armed)
        arm_direction(w, w->read_armed, asio::posix::descriptor_base::wait_read);
    if ((w->wanted & AVAHI_WATCH_OUT) && !w->write_armed)
        arm_direction(w, w->write_armed, asio::posix::descriptor_base::wait_write);
}

void set_timeout(const std::shared_ptr<AvahiTimeout>& t, const struct timeval* tv) {
    const unsigned generation = ++t->generation;
    t->timer.cancel();
    if (tv == nullptr) return;  // NULL: disabled
    // Avahi's deadlines are absolute gettimeofday() times.
    const AvahiUsec in_usec = -avahi_age(tv);
    t->timer.expires_after(std::chrono::microseconds(in_usec > 0 ? in_usec : 0));
    t->timer.async_wait([t, generation](const asio::error_code& ec) {
        if (ec || t->freed || generation != t->generation) return;
        ++t->generation;  // fired timeouts are disabled until updated again
        t->callback(t.get(), t->userdata);
    });
}

}  // namespace

AsioAvahiPoll::AsioAvahiPoll(asio::io_context& io) : io_(io) {
    api_.userdata = this;
    api_.watch_new = &AsioAvahiPoll::watch_new;
    api_.watch_update = &AsioAvahiPoll::watch_update;
    api_.watch_get_events = &AsioAvahiPoll::watch_get_events;
    api_.watch_free = &AsioAvahiPoll::watch_free;
    api_.timeout_new = &AsioAvahiPoll::timeout_new;
    api_.timeout_update = &AsioAvahiPoll::timeout_update;
    api_.timeout_free = &AsioAvahiPoll::timeout_free;
}

AsioAvahiPoll::~AsioAvahiPoll() {
    for (auto& [raw, w] : watches_) {
        w->freed = true;
        asio::error_code ignored;
        w->descriptor.close(ignored);
    }
    for (auto& [raw, t] : timeouts_) {
        t->freed = true;
        t->timer.cancel();
    }
}

AvahiWatch* AsioAvahiPoll::watch_new(const AvahiPoll* api, int fd, AvahiWatchEvent event,
                                     AvahiWatchCallback callback, void* userdata) {
    auto* self = static_cast<AsioAvahiPoll*>(api->userdata);
    const int own_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own_fd < 0) return nullptr;
    std::shared_ptr<AvahiWatch> w;
    try {
        w = std::make_shared<AvahiWatch>(self->io_, own_fd);
    } catch (const std::system_error&) {  // epoll registration failed
        ::close(own_fd);
        return nullptr;
    }
    w->poll = self;
    w->avahi_fd = fd;
    w->wanted = event;
    w->callback = callback;
    w->userdata = userdata;
    self->watches_.emplace(w.get(), w);
    arm(w);
    return w.get();
}

void AsioAvahiPoll::watch_update(AvahiWatch* raw, AvahiWatchEvent event) {
    const auto& w = raw->poll->watches_.at(raw);
    w->wanted = event;
    arm(w);
}

AvahiWatchEvent AsioAvahiPoll::watch_get_events(AvahiWatch* w) { return w->happened; }

void AsioAvahiPoll::watch_free(AvahiWatch* raw) {
    auto& watches = raw->poll->watches_;
    const auto it = watches.find(raw);
    if (it == watches.end()) return;
    raw->freed = true;
    asio::error_code ignored;
    raw->descriptor.close(ignored);  // our dup; cancels pending waits
    watches.erase(it);               // pending handlers keep *raw alive until they run
}

AvahiTimeout* AsioAvahiPoll::timeout_new(const AvahiPoll* api, const struct timeval* tv,
                                         AvahiTimeoutCallback callback, void* userdata) {
    auto* self = static_cast<AsioAvahiPoll*>(api->userdata);
    auto t = std::make_shared<AvahiTimeout>(self->io_);
    t->poll = self;
    t->callback = callback;
    t->userdata = userdata;
    self->timeouts_.emplace(t.get(), t);
    set_timeout(t, tv);
    return t.get();
}

void AsioAvahiPoll::timeout_update(AvahiTimeout* raw, const struct timeval* tv) {
    set_timeout(raw->poll->timeouts_.at(raw), tv);
}

void AsioAvahiPoll::timeout_free(AvahiTimeout* raw) {
    auto& timeouts = raw->poll->timeouts_;
    const auto it = timeouts.find(raw);
    if (it == timeouts.end()) return;
    raw->freed = true;
    raw->timer.cancel();
    timeouts.erase(it);
}

}  // namespace hallway::discovery
