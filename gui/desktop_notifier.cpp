#include "gui/desktop_notifier.hpp"

#include <systemd/sd-bus.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

namespace hallway::gui {
namespace {

constexpr const char* kService = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";
constexpr const char* kInterface = "org.freedesktop.Notifications";
// The desktop file's name (dist/lan.hallway.Hallway.desktop), also its icon.
constexpr const char* kDesktopEntry = "lan.hallway.Hallway";
// A call the server does not answer in this long fails; shutdown waits at most this.
constexpr std::uint64_t kCallTimeoutUsec = 3'000'000;
// After a failed connection to the bus, the next try waits this long (no retry storm).
constexpr auto kReconnectDelay = std::chrono::seconds(30);
// Notifications waiting for the thread; past this the oldest are dropped.
constexpr std::size_t kMaxPending = 32;

using Clock = std::chrono::steady_clock;

}  // namespace

struct DesktopNotifier::Impl {
    std::function<void()> wake;
    int event_fd = -1;
    std::mutex mutex;  // guards pending, clicked, stop
    std::deque<Notification> pending;
    std::vector<ConversationRef> clicked;
    bool stop = false;
    std::thread thread;

    // The notifier thread's own, below.
    sd_bus* bus = nullptr;
    NotificationSlots slots;
    std::optional<bool> body_markup;  // the server's capability, once asked
    std::string server;               // the unique name that answered Notify: signals must come from it
    Clock::time_point next_connect{};
    std::set<std::string> logged;     // each kind of failure is said once

    void log_once(const std::string& kind, const std::string& text) {
        if (!logged.insert(kind).second) return;
        std::fprintf(stderr, "hallway-gui: desktop notifications: %s\n", text.c_str());
    }

    void run();
    bool connect();
    void disconnect();
    void ask_capabilities();
    void notify(const Notification& n);
    static int on_action(sd_bus_message* m, void* self, sd_bus_error*);
    static int on_closed(sd_bus_message* m, void* self, sd_bus_error*);
};

bool DesktopNotifier::Impl::connect() {
    if (bus) return true;
    if (Clock::now() < next_connect) return false;
    next_connect = Clock::now() + kReconnectDelay;
    // The session bus: DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus.
    if (int r = sd_bus_open_user(&bus); r < 0) {
        bus = nullptr;
        log_once("bus", std::string("no session bus (") + std::strerror(-r) + "); none are shown");
        return false;
    }
    sd_bus_set_method_call_timeout(bus, kCallTimeoutUsec);
    // Floating matches (no slot kept): they live as long as the connection.
    int r = sd_bus_match_signal(bus, nullptr, nullptr, kPath, kInterface, "ActionInvoked", &Impl::on_action, this);
    if (r >= 0) r = sd_bus_match_signal(bus, nullptr, nullptr, kPath, kInterface, "NotificationClosed", &Impl::on_closed, this);
    if (r < 0) {
        log_once("match", std::string("cannot listen for clicks (") + std::strerror(-r) + ")");
        disconnect();
        return false;
    }
    logged.erase("bus");
    return true;
}

void DesktopNotifier::Impl::disconnect() {
    if (bus) sd_bus_flush_close_unref(bus);
    bus = nullptr;
    body_markup.reset();
    server.clear();
    slots = NotificationSlots{};  // ids of a lost connection's server mean nothing now
}

// Whether the server renders markup in bodies: then peer text is escaped;
// a server without it shows the text as it is (the spec's rule).
void DesktopNotifier::Impl::ask_capabilities() {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(bus, kService, kPath, kInterface, "GetCapabilities", &error, &reply, "");
    if (r >= 0) {
        bool markup = false;
        r = sd_bus_message_enter_container(reply, 'a', "s");
        const char* cap = nullptr;
        while (r >= 0 && (r = sd_bus_message_read_basic(reply, 's', &cap)) > 0)
            if (std::strcmp(cap, "body-markup") == 0) markup = true;
        if (r >= 0) body_markup = markup;
    }
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
}

void DesktopNotifier::Impl::notify(const Notification& n) {
    if (!connect()) return;
    if (!body_markup) ask_capabilities();
    const std::string body = body_markup.value_or(true) ? escape_markup(n.body) : n.body;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(bus, kService, kPath, kInterface, "Notify", &error, &reply, "susssasa{sv}i", "Hallway",
                               slots.replaces(n.conversation), kDesktopEntry, n.summary.c_str(), body.c_str(),
                               2, "default", "Open",  // "default": a click on the notification itself
                               2, "category", "s", "im.received", "desktop-entry", "s", kDesktopEntry,
                               -1);
    std::uint32_t id = 0;
    if (r >= 0) r = sd_bus_message_read(reply, "u", &id);
    if (r >= 0) {
        slots.shown(n.conversation, id);
        if (const char* sender = sd_bus_message_get_sender(reply)) server = sender;
        logged.erase("notify");
    } else if (sd_bus_error_is_set(&error)) {
        // No server (ServiceUnknown), or one that refused: the next message tries again.
        log_once("notify", std::string("the notification server did not take one (") + error.name +
                               (error.message ? std::string(": ") + error.message : std::string()) + ")");
        body_markup.reset();
    } else {
        log_once("notify", std::string("lost the session bus (") + std::strerror(-r) + ")");
        disconnect();
    }
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
}

int DesktopNotifier::Impl::on_action(sd_bus_message* m, void* self, sd_bus_error*) {
    auto& d = *static_cast<Impl*>(self);
    std::uint32_t id = 0;
    const char* action = nullptr;
    if (sd_bus_message_read(m, "us", &id, &action) < 0) return 0;
    // Any client may send this signal: only the server's own clicks count.
    const char* sender = sd_bus_message_get_sender(m);
    if (!sender || d.server.empty() || d.server != sender || std::strcmp(action, "default") != 0) return 0;
    auto conversation = d.slots.conversation_of(id);
    if (!conversation) return 0;
    {
        std::lock_guard lock(d.mutex);
        d.clicked.push_back(*conversation);
    }
    if (d.wake) d.wake();
    return 0;
}

int DesktopNotifier::Impl::on_closed(sd_bus_message* m, void* self, sd_bus_error*) {
    auto& d = *static_cast<Impl*>(self);
    std::uint32_t id = 0, reason = 0;
    if (sd_bus_message_read(m, "uu", &id, &reason) < 0) return 0;
    const char* sender = sd_bus_message_get_sender(m);
    if (sender && d.server == sender) d.slots.closed(id);
    return 0;
}

void DesktopNotifier::Impl::run() {
    connect();
    for (;;) {
        std::deque<Notification> todo;
        {
            std::lock_guard lock(mutex);
            if (stop) break;
            todo.swap(pending);
        }
        for (const auto& n : todo) notify(n);
        // Signals (clicks, closes) the calls above left queued, then new ones.
        while (bus) {
            const int r = sd_bus_process(bus, nullptr);
            if (r == 0) break;
            if (r < 0) {
                log_once("process", std::string("lost the session bus (") + std::strerror(-r) + ")");
                disconnect();
            }
        }
        pollfd fds[2] = {{event_fd, POLLIN, 0}, {-1, 0, 0}};
        int timeout_ms = -1;
        if (bus) {
            const int fd = sd_bus_get_fd(bus), events = sd_bus_get_events(bus);
            if (fd < 0 || events < 0) {
                log_once("process", std::string("lost the session bus (") + std::strerror(-(fd < 0 ? fd : events)) + ")");
                disconnect();
                continue;
            }
            fds[1].fd = fd;
            fds[1].events = static_cast<short>(events);
            std::uint64_t until = 0;
            if (sd_bus_get_timeout(bus, &until) >= 0 && until != UINT64_MAX) {
                timespec now{};
                clock_gettime(CLOCK_MONOTONIC, &now);
                const std::uint64_t now_us = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000 +
                                             static_cast<std::uint64_t>(now.tv_nsec) / 1000;
                timeout_ms = until <= now_us ? 0 : static_cast<int>(std::min<std::uint64_t>((until - now_us + 999) / 1000, 60'000));
            }
        }
        if (poll(fds, bus ? 2 : 1, timeout_ms) < 0 && errno != EINTR) break;
        if (fds[0].revents & POLLIN) {
            std::uint64_t count = 0;
            [[maybe_unused]] auto n = read(event_fd, &count, sizeof count);
        }
    }
    disconnect();
}

DesktopNotifier::DesktopNotifier(std::function<void()> wake) : impl_(std::make_unique<Impl>()) {
    impl_->wake = std::move(wake);
    impl_->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (impl_->event_fd < 0) {
        std::fprintf(stderr, "hallway-gui: desktop notifications: no eventfd (%s); none are shown\n", std::strerror(errno));
        return;
    }
    impl_->thread = std::thread([d = impl_.get()] { d->run(); });
}

DesktopNotifier::~DesktopNotifier() {
    if (impl_->thread.joinable()) {
        {
            std::lock_guard lock(impl_->mutex);
            impl_->stop = true;
        }
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = write(impl_->event_fd, &one, sizeof one);
        impl_->thread.join();
    }
    if (impl_->event_fd >= 0) close(impl_->event_fd);
}

void DesktopNotifier::show(Notification notification) {
    if (!impl_->thread.joinable()) return;
    {
        std::lock_guard lock(impl_->mutex);
        // A newer one for the same conversation replaces it anyway.
        std::erase_if(impl_->pending, [&](const Notification& n) { return n.conversation == notification.conversation; });
        if (impl_->pending.size() >= kMaxPending) impl_->pending.pop_front();
        impl_->pending.push_back(std::move(notification));
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(impl_->event_fd, &one, sizeof one);
}

std::vector<ConversationRef> DesktopNotifier::take_clicked() {
    std::lock_guard lock(impl_->mutex);
    return std::exchange(impl_->clicked, {});
}

}  // namespace hallway::gui
