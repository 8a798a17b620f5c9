#include "discovery/daemon_probe.hpp"

#include <avahi-client/client.h>
#include <avahi-common/error.h>
#include <avahi-common/simple-watch.h>

#include <memory>

namespace hallway::discovery {

DaemonProbe probe_daemon() {
    DaemonProbe probe;
    // avahi_client_new asks the daemon synchronously; the poll is only there because the API wants one.
    std::unique_ptr<AvahiSimplePoll, decltype(&avahi_simple_poll_free)> poll(avahi_simple_poll_new(), avahi_simple_poll_free);
    if (!poll) {
        probe.error = "out of memory";
        return probe;
    }
    int error = 0;
    std::unique_ptr<AvahiClient, decltype(&avahi_client_free)> client(
        avahi_client_new(avahi_simple_poll_get(poll.get()), AvahiClientFlags{}, [](AvahiClient*, AvahiClientState, void*) {},
                         nullptr, &error),
        avahi_client_free);
    if (!client) {
        probe.error = avahi_strerror(error);
        probe.result = error == AVAHI_ERR_NO_DAEMON ? DaemonProbe::Result::no_daemon
                       : error == AVAHI_ERR_DBUS_ERROR ? DaemonProbe::Result::no_bus
                                                       : DaemonProbe::Result::failed;
        return probe;
    }
    probe.result = DaemonProbe::Result::reachable;
    if (const char* v = avahi_client_get_version_string(client.get())) probe.version = v;
    if (const char* h = avahi_client_get_host_name_fqdn(client.get())) probe.host_name = h;
    return probe;
}

}  // namespace hallway::discovery
