#pragma once
// An AvahiPoll (avahi-common/watch.h) on an asio::io_context: Avahi's watches
// become async_waits on a stream_descriptor, its timeouts steady_timers. No
// thread, no locks: everything runs inside io_context::run() on its thread.
#include <asio.hpp>
#include <avahi-common/watch.h>

#include <map>
#include <memory>

namespace hallway::discovery {

class AsioAvahiPoll {
public:
    explicit AsioAvahiPoll(asio::io_context& io);
    // Must outlive every Avahi object created with get(); anything Avahi did
    // not free is disabled here.
    ~AsioAvahiPoll();
    AsioAvahiPoll(const AsioAvahiPoll&) = delete;
    AsioAvahiPoll& operator=(const AsioAvahiPoll&) = delete;

    // The vtable to pass to avahi_client_new. io_context thread only.
    const AvahiPoll* get() const { return &api_; }

    // Number of live watches/timeouts (for tests).
    std::size_t watch_count() const { return watches_.size(); }
    std::size_t timeout_count() const { return timeouts_.size(); }

private:
    static AvahiWatch* watch_new(const AvahiPoll* api, int fd, AvahiWatchEvent event,
                                 AvahiWatchCallback callback, void* userdata);
    static void watch_update(AvahiWatch* w, AvahiWatchEvent event);
    static AvahiWatchEvent watch_get_events(AvahiWatch* w);
    static void watch_free(AvahiWatch* w);
    static AvahiTimeout* timeout_new(const AvahiPoll* api, const struct timeval* tv,
                                     AvahiTimeoutCallback callback, void* userdata);
    static void timeout_update(AvahiTimeout* t, const struct timeval* tv);
    static void timeout_free(AvahiTimeout* t);

    asio::io_context& io_;
    AvahiPoll api_{};
    // Owning references; pending handlers hold more, so a watch or timeout that
    // Avahi frees from inside its own callback stays valid until that returns.
    std::map<AvahiWatch*, std::shared_ptr<AvahiWatch>> watches_;
    std::map<AvahiTimeout*, std::shared_ptr<AvahiTimeout>> timeouts_;
};

}  // namespace hallway::discovery
