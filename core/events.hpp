#pragma once
// What the messenger tells front ends, and the one queue that carries it from
// the network thread to a UI thread.
#include "core/store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace hallway::core {

// A buddy as the front ends show it: a contact (or a stranger seen on the LAN)
// merged with its live presence.
struct PeerView {
    PeerKey key{};
    std::string fingerprint;             // 40 digits
    std::string nick;
    // Here: a session is up, or its mDNS announcement (authenticated once by
    // a handshake) stands and nobody saw it vanish (core/presence.hpp).
    bool online = false;
    bool session = false;                // an authenticated session is up right now
    std::vector<std::string> addresses;  // "host:port" where we saw or reached it
    Trust trust = Trust::unverified;
    bool known = false;                  // in contacts (has had a session)
    std::string presence;                // available / away / busy (online only)
    std::string status_message;
    std::uint32_t unread = 0;
    // Its name is also the name of a verified contact with another key: a
    // possible impostor (or a key change) the person must look at.
    bool name_clash = false;
};

struct PeerChanged {
    PeerView peer;
};
// A message was stored (incoming) or queued (outgoing).
struct MessageAdded {
    StoredMessage message;
};
struct MessageStateChanged {
    MessageId id{};
    PeerKey peer{};
    MessageState state = MessageState::queued;
};
// Answer to Node::request_history.
struct HistoryLoaded {
    PeerKey peer{};
    std::vector<StoredMessage> messages;
};
struct OwnIdentity {
    std::string nick;
    std::string fingerprint;
    std::string presence;
    std::string status_message;
    std::uint16_t port = 0;
};
struct Notice {
    enum class Level { info, warning, alert };
    Level level = Level::info;
    std::string text;
};

using Event = std::variant<PeerChanged, MessageAdded, MessageStateChanged, HistoryLoaded, OwnIdentity, Notice>;

// Network thread -> UI thread. push() from any thread calls the waker (e.g.
// glfwPostEmptyEvent) so the UI wakes; the UI drains once per frame.
class EventQueue {
public:
    void set_waker(std::function<void()> waker) {
        std::lock_guard lock(mutex_);
        waker_ = std::move(waker);
    }
    void push(Event e) {
        std::function<void()> wake;
        {
            std::lock_guard lock(mutex_);
            events_.push_back(std::move(e));
            wake = waker_;
        }
        cv_.notify_all();
        if (wake) wake();
    }
    std::vector<Event> drain() {
        std::lock_guard lock(mutex_);
        std::vector<Event> out(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
        events_.clear();
        return out;
    }
    // For terminal front ends without an event loop of their own.
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> d) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, d, [this] { return !events_.empty(); });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Event> events_;
    std::function<void()> waker_;
};

}  // namespace hallway::core
