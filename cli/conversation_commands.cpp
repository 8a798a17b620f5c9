// Read receipts and typing from a shell (docs/PROTOCOL.md §14): they ask the
// running node through its control socket, as the window would.
#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/remote.hpp"

#include <iostream>

namespace hallway::cli {

using nlohmann::json;

int cmd_read(const Args& a) {
    json reply;
    return ask(a, {{"cmd", "read"}, {"peer", a.peer}}, reply);
}

int cmd_typing(const Args& a) {
    json reply;
    return ask(a, {{"cmd", "typing"}, {"peer", a.peer}, {"on", !a.stop}}, reply);
}

int cmd_read_receipts(const Args& a) {
    json request{{"cmd", "read_receipts"}};
    if (!a.setting.empty()) request["value"] = a.setting == "on";
    json reply;
    if (int rc = ask(a, request, reply)) return rc;
    std::cout << (reply.value("read_receipts", true) ? "on" : "off") << "\n";
    return kExitOk;
}

int cmd_bonjour(const Args& a) {
    json request{{"cmd", "bonjour"}};
    if (!a.setting.empty()) request["value"] = a.setting == "on";
    json reply;
    if (int rc = ask(a, request, reply)) return rc;
    const bool on = reply.value("bonjour", false);
    std::cout << (on ? "on" : "off") << "\n";
    // Said every time it is on: the person must not forget what it costs.
    if (on) {
        const std::string name = reply.value("link_local_name", "");
        std::cerr << "hallway: link-local XMPP is unencrypted and unauthenticated: anyone on the network can read "
                     "those messages and use any name; "
                  << (name.empty() ? std::string("not running now (private mode, or starting)")
                                   : "running as " + sanitize(name))
                  << "\n";
    }
    return kExitOk;
}

}  // namespace hallway::cli
