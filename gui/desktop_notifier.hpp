#pragma once
// Desktop notifications over D-Bus (the freedesktop Notifications
// interface, org.freedesktop.Notifications on the session bus). Thin I/O:
// what to show is decided by notification_policy.hpp. A thread of its own
// owns the sd-bus connection, so a slow or missing notification server never
// stalls the window; without a session bus or a server the window only loses
// its notifications (one line on stderr says so).
#include "gui/notification_policy.hpp"

#include <functional>
#include <memory>
#include <vector>

namespace hallway::gui {

class DesktopNotifier {
public:
    // wake: called from the notifier's thread after a click was queued for
    // take_clicked (the window's glfwPostEmptyEvent).
    explicit DesktopNotifier(std::function<void()> wake);
    ~DesktopNotifier();  // stops the thread: calls in flight end within the bus timeout
    DesktopNotifier(const DesktopNotifier&) = delete;
    DesktopNotifier& operator=(const DesktopNotifier&) = delete;

    // Any thread; never blocks on D-Bus. Replaces this conversation's last
    // notification, if the server still shows it.
    void show(Notification notification);
    // The conversations whose notification the person clicked since the last
    // call (UI thread, once per frame).
    std::vector<ConversationRef> take_clicked();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hallway::gui
