// Room subcommands (docs/CONTROL.md "Rooms"), asked of the running node.
#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/remote.hpp"
#include "core/control.hpp"

#include <chrono>
#include <iostream>
#include <thread>

namespace hallway::cli {

using nlohmann::json;

namespace {

// Prints what the node said about one room, or the list's JSON.
void print_room(const json& r) {
    std::cout << "#" << sanitize(r.value("name", "")) << "  " << r.value("id", "").substr(0, 8);
    const std::string membership = r.value("membership", "");
    if (membership == "invited") std::cout << "  invited by " << sanitize(r.value("invited_by", ""));
    else if (membership == "left") std::cout << "  (left)";
    else std::cout << "  " << r.value("members", 0u) << " members";
    if (r.value("open", false)) std::cout << "  open";
    if (r.value("unread", 0u) > 0) std::cout << "  " << r.value("unread", 0u) << " unread";
    if (!r.value("topic", "").empty()) std::cout << "  \"" << sanitize(r.value("topic", "")) << "\"";
    std::cout << "\n";
}

int simple(const Args& a, const json& request, const char* done) {
    json reply;
    if (int rc = ask(a, request, reply)) return rc;
    std::cout << done << "\n";
    return kExitOk;
}

}  // namespace

int cmd_rooms(const Args& a) {
    json reply;
    core::ControlClient client;
    if (int rc = ask(client, a, {{"cmd", "rooms"}, {"open", a.open}, {"query", a.open}}, reply)) return rc;
    if (a.open) {
        // Members answer within a LAN round trip or a session's start: listen a moment, then ask what came.
        std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long>(a.listen_seconds * 1000)));
        if (int rc = exchange(client, {{"cmd", "rooms"}, {"open", true}}, reply)) return rc;
    }
    const json& rooms = reply["rooms"];
    if (a.json) {
        std::cout << core::dump_json(rooms) << "\n";
        return kExitOk;
    }
    if (rooms.empty()) std::cout << (a.open ? "No open rooms heard of.\n" : "No rooms yet.\n");
    for (auto& r : rooms) {
        if (a.open) {
            std::cout << "#" << sanitize(r.value("name", "")) << "  " << r.value("id", "").substr(0, 8) << "  "
                      << r.value("members", 0u) << " members" << (r.value("joined", false) ? "  (joined)" : "");
            if (!r.value("topic", "").empty()) std::cout << "  \"" << sanitize(r.value("topic", "")) << "\"";
            std::cout << "\n";
        } else {
            print_room(r);
        }
    }
    return kExitOk;
}

int cmd_room_create(const Args& a) {
    json reply;
    if (int rc = ask(a, {{"cmd", "room_create"}, {"name", a.room}, {"open", a.open}, {"topic", a.topic}}, reply))
        return rc;
    std::cout << "created ";
    print_room(reply["room"]);
    return kExitOk;
}

int cmd_room_invite(const Args& a) {
    return simple(a, {{"cmd", "room_invite"}, {"room", a.room}, {"peer", a.peer}}, "invited");
}

int cmd_room_join(const Args& a) {
    json reply;
    if (int rc = ask(a, {{"cmd", "room_join"}, {"room", a.room}}, reply)) return rc;
    if (reply["room"].is_object()) {
        std::cout << "joined ";
        print_room(reply["room"]);
    } else {
        std::cout << "asked a member to let us in; the room appears in 'hallway rooms' once it has\n";
    }
    return kExitOk;
}

int cmd_room_leave(const Args& a) { return simple(a, {{"cmd", "room_leave"}, {"room", a.room}}, "left"); }

int cmd_room_remove(const Args& a) {
    return simple(a, {{"cmd", "room_remove"}, {"room", a.room}, {"peer", a.peer}}, "removed");
}

int cmd_room_admin(const Args& a) {
    return simple(a, {{"cmd", "room_admin"}, {"room", a.room}, {"peer", a.peer}}, "made an admin");
}

int cmd_room_members(const Args& a) {
    json reply;
    if (int rc = ask(a, {{"cmd", "room_members"}, {"room", a.room}}, reply)) return rc;
    if (a.json) {
        std::cout << core::dump_json(reply["members"]) << "\n";
        return kExitOk;
    }
    for (auto& m : reply["members"]) {
        core::PeerView v;
        v.nick = m.value("nick", "");
        v.fingerprint = m.value("id", "");
        v.online = m.value("online", false);
        v.name_clash = m.value("name_clash", false);
        std::string t = m.value("trust", "unverified");
        v.trust = t == "verified" ? core::Trust::verified : t == "blocked" ? core::Trust::blocked : core::Trust::unverified;
        std::cout << describe_peer(v) << (m.value("creator", false) ? "  [creator]" : m.value("admin", false) ? "  [admin]" : "")
                  << "\n";
    }
    return kExitOk;
}

int cmd_room_send(const Args& a) {
    if (int rc = check_text(a.text)) return rc;
    std::string error;
    core::ControlClient client;
    json reply;
    const bool wait = a.timeout > 0;
    if (int rc = ask(client, a, {{"cmd", "send"}, {"room", a.peer}, {"text", a.text}, {"wait", wait}}, reply)) return rc;
    unsigned delivered = reply.value("delivered", 0u), of = reply.value("of", 0u);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(a.timeout * 1000));
    while (wait && delivered < of) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        json ev;
        if (left.count() <= 0 || !client.receive(ev, left, error)) break;
        if (ev.value("id", "") == reply.value("id", "")) delivered = ev.value("delivered", delivered), of = ev.value("of", of);
    }
    std::cout << "delivered to " << delivered << " of " << of << (of == 1 ? " member" : " members") << "\n";
    if (!wait || delivered >= of) return kExitOk;
    std::cerr << "hallway: not yet held by every member; the others get it when they are back\n";
    return kExitNotDelivered;
}

int cmd_room_history(const Args& a) {
    json reply;
    if (int rc = ask(a, {{"cmd", "history"}, {"room", a.peer}, {"limit", a.limit}}, reply)) return rc;
    if (a.json) {
        std::cout << core::dump_json(reply["messages"]) << "\n";
        return kExitOk;
    }
    for (auto& m : reply["messages"]) {
        const bool mine = m.value("mine", false);
        std::cout << "[" << format_time(m.value("sent_at", 0ll)) << "] ";
        if (m.value("kind", "") == "event") {
            std::cout << "* " << sanitize(m.value("author", "")) << " " << sanitize(m.value("body", "")) << "\n";
            continue;
        }
        std::cout << (mine ? "me" : sanitize(m.value("author", ""))) << ": " << sanitize(m.value("body", ""));
        if (mine) std::cout << "  (delivered to " << m.value("delivered", 0u) << " of " << m.value("of", 0u) << ")";
        std::cout << "\n";
    }
    return kExitOk;
}

}  // namespace hallway::cli
