// fake_notifications FILE: a desktop notification server for tests. Owns
// org.freedesktop.Notifications on the session bus (DBUS_SESSION_BUS_ADDRESS:
// the test's private bus), answers Notify with increasing ids and appends
// each call to FILE as one JSON line {id, app, replaces_id, icon, summary,
// body, actions, hints (string hints only)}. SIGUSR1: the person "clicks" the
// last notification (ActionInvoked(last id, "default")). SIGTERM/SIGINT: exit.
// GetCapabilities says body, body-markup and actions; GetServerInformation
// and CloseNotification (NotificationClosed, reason 3) are minimal.
#include <nlohmann/json.hpp>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace {

constexpr const char* kName = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";
constexpr const char* kInterface = "org.freedesktop.Notifications";

struct Server {
    std::string file;
    sd_bus* bus = nullptr;
    std::uint32_t next_id = 1;
    std::uint32_t last_id = 0;
};

int fail(const char* what, int r) {
    std::fprintf(stderr, "fake_notifications: %s: %s\n", what, std::strerror(-r));
    return 1;
}

int notify(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto& s = *static_cast<Server*>(userdata);
    const char *app = nullptr, *icon = nullptr, *summary = nullptr, *body = nullptr;
    std::uint32_t replaces = 0;
    int r = sd_bus_message_read(m, "susss", &app, &replaces, &icon, &summary, &body);
    if (r < 0) return r;
    nlohmann::json actions = nlohmann::json::array();
    if ((r = sd_bus_message_enter_container(m, 'a', "s")) < 0) return r;
    const char* action = nullptr;
    while ((r = sd_bus_message_read_basic(m, 's', &action)) > 0) actions.push_back(action);
    if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0) return r;
    nlohmann::json hints = nlohmann::json::object();
    if ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0) return r;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char* key = nullptr;
        if ((r = sd_bus_message_read_basic(m, 's', &key)) < 0) return r;
        const char* contents = nullptr;
        if ((r = sd_bus_message_peek_type(m, nullptr, &contents)) < 0) return r;
        if (std::strcmp(contents, "s") == 0) {
            const char* value = nullptr;
            if ((r = sd_bus_message_read(m, "v", "s", &value)) < 0) return r;
            hints[key] = value;
        } else if ((r = sd_bus_message_skip(m, "v")) < 0) {
            return r;
        }
        if ((r = sd_bus_message_exit_container(m)) < 0) return r;
    }
    if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0) return r;
    std::int32_t expire = 0;
    if ((r = sd_bus_message_read(m, "i", &expire)) < 0) return r;

    // As a server does: a nonzero replaces_id keeps its id.
    const std::uint32_t id = replaces != 0 ? replaces : s.next_id++;
    s.last_id = id;
    const nlohmann::json line{{"id", id},           {"app", app},   {"replaces_id", replaces}, {"icon", icon},
                              {"summary", summary}, {"body", body}, {"actions", actions},      {"hints", hints}};
    std::ofstream(s.file, std::ios::app) << line.dump() << "\n" << std::flush;
    return sd_bus_reply_method_return(m, "u", id);
}

int get_capabilities(sd_bus_message* m, void*, sd_bus_error*) {
    sd_bus_message* reply = nullptr;
    int r = sd_bus_message_new_method_return(m, &reply);
    if (r >= 0) r = sd_bus_message_append(reply, "as", 3, "body", "body-markup", "actions");
    if (r >= 0) r = sd_bus_send(nullptr, reply, nullptr);
    sd_bus_message_unref(reply);
    return r;
}

int get_server_information(sd_bus_message* m, void*, sd_bus_error*) {
    return sd_bus_reply_method_return(m, "ssss", "fake_notifications", "hallway tests", "1", "1.2");
}

int close_notification(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto& s = *static_cast<Server*>(userdata);
    std::uint32_t id = 0;
    int r = sd_bus_message_read(m, "u", &id);
    if (r < 0) return r;
    sd_bus_emit_signal(s.bus, kPath, kInterface, "NotificationClosed", "uu", id, 3u);  // 3: closed by a call
    return sd_bus_reply_method_return(m, "");
}

const sd_bus_vtable kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Notify", "susssasa{sv}i", "u", notify, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("GetCapabilities", "", "as", get_capabilities, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("GetServerInformation", "", "ssss", get_server_information, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("CloseNotification", "u", "", close_notification, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL("ActionInvoked", "us", 0),
    SD_BUS_SIGNAL("NotificationClosed", "uu", 0),
    SD_BUS_VTABLE_END};

int on_click(sd_event_source*, const signalfd_siginfo*, void* userdata) {
    auto& s = *static_cast<Server*>(userdata);
    if (s.last_id == 0) {
        std::fprintf(stderr, "fake_notifications: SIGUSR1 before any notification\n");
        return 0;
    }
    const int r = sd_bus_emit_signal(s.bus, kPath, kInterface, "ActionInvoked", "us", s.last_id, "default");
    if (r < 0) std::fprintf(stderr, "fake_notifications: ActionInvoked not sent: %s\n", std::strerror(-r));
    return 0;
}

int on_quit(sd_event_source* source, const signalfd_siginfo*, void*) {
    return sd_event_exit(sd_event_source_get_event(source), 0);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fake_notifications FILE\n");
        return 2;
    }
    Server s;
    s.file = argv[1];
    // sd-event takes these signals through a signalfd: they must be blocked first.
    sigset_t mask;
    sigemptyset(&mask);
    for (int sig : {SIGUSR1, SIGTERM, SIGINT}) sigaddset(&mask, sig);
    sigprocmask(SIG_BLOCK, &mask, nullptr);

    sd_event* event = nullptr;
    int r = sd_event_default(&event);
    if (r < 0) return fail("sd_event_default", r);
    if ((r = sd_bus_open_user(&s.bus)) < 0) return fail("no session bus", r);
    if ((r = sd_bus_add_object_vtable(s.bus, nullptr, kPath, kInterface, kVtable, &s)) < 0) return fail("vtable", r);
    if ((r = sd_bus_request_name(s.bus, kName, 0)) < 0) return fail("cannot own org.freedesktop.Notifications", r);
    if ((r = sd_bus_attach_event(s.bus, event, SD_EVENT_PRIORITY_NORMAL)) < 0) return fail("attach", r);
    sd_event_add_signal(event, nullptr, SIGUSR1, on_click, &s);
    sd_event_add_signal(event, nullptr, SIGTERM, on_quit, nullptr);
    sd_event_add_signal(event, nullptr, SIGINT, on_quit, nullptr);
    r = sd_event_loop(event);
    sd_bus_flush_close_unref(s.bus);
    sd_event_unref(event);
    return r < 0 ? fail("event loop", r) : 0;
}
