#include "core/control_rooms.hpp"

#include "core/control.hpp"
#include "core/control_json.hpp"
#include "core/node.hpp"
#include "crypto/identity.hpp"

#include <algorithm>

namespace hallway::core {

using nlohmann::json;
using namespace control_json;

namespace {

json member_json(const RoomMemberView& m) {
    return json{{"nick", m.nick},           {"id", m.fingerprint}, {"online", m.online},
                {"trust", std::string(to_string(m.trust))}, {"creator", m.creator}, {"admin", m.admin},
                {"name_clash", m.name_clash}};
}

json room_json(const RoomView& r) {
    json j{{"id", r.id_hex},
           {"name", r.name},
           {"topic", r.topic},
           {"open", r.open},
           {"membership", std::string(to_string(r.membership))},
           {"members", r.members.size()},
           {"unread", r.unread},
           {"admin", r.admin}};
    if (r.membership == RoomMembership::invited) j["invited_by"] = r.invited_by_nick;
    return j;
}

json open_room_json(const OpenRoom& r) {
    return json{{"id", r.id_hex}, {"name", r.name}, {"topic", r.topic}, {"members", r.members}, {"joined", r.joined}};
}

json room_message_json(const RoomMessage& m) {
    json j{{"id", to_hex(m.id)},       {"author", m.author_nick}, {"author_id", crypto::fingerprint(m.author)},
           {"mine", m.mine},           {"kind", m.text ? "text" : "event"}, {"body", m.body},
           {"sent_at", m.sent_at_ms},  {"received_at", m.received_at_ms}};
    if (m.mine && m.text) {
        j["delivered"] = m.delivered;
        j["of"] = m.of;
    }
    return j;
}

}  // namespace

std::optional<json> room_request(Node& node, const json& req, const std::string& cmd) {
    const bool names_room = req.contains("room");
    static const char* const kCommands[] = {"rooms",      "room_create", "room_invite", "room_join",   "room_leave",
                                            "room_remove", "room_admin", "room_set",    "room_members"};
    if (std::find(std::begin(kCommands), std::end(kCommands), cmd) == std::end(kCommands) &&
        !((cmd == "send" || cmd == "history") && names_room))
        return std::nullopt;
    std::string error;
    if (cmd == "rooms") {
        json rooms = json::array();
        if (bool_field(req, "open")) {
            if (bool_field(req, "query")) node.query_open_rooms();
            for (auto& r : node.open_rooms()) rooms.push_back(open_room_json(r));
        } else {
            for (auto& r : node.rooms()) rooms.push_back(room_json(r));
        }
        return json{{"ok", true}, {"rooms", std::move(rooms)}};
    }
    if (cmd == "room_create") {
        std::string name = string_field(req, "name");
        if (!name.empty() && name.front() == '#') name.erase(0, 1);
        auto id = node.create_room(name, bool_field(req, "open"), string_field(req, "topic"), error);
        if (!id) return error_json("refused", error);
        return json{{"ok", true}, {"room", room_json(*node.room(*id))}};
    }
    std::string q = string_field(req, "room");
    if (q.empty()) return error_json("bad_request", "missing \"room\"");
    auto room = node.resolve_room(q, error);
    if (!room) return error_json(error.find("several") != std::string::npos ? "ambiguous" : "no_room", error);
    auto peer = [&]() -> std::optional<PeerKey> {
        std::string p = string_field(req, "peer");
        if (p.empty()) {
            error = "missing \"peer\"";
            return std::nullopt;
        }
        return node.resolve(p, error);
    };
    if (cmd == "room_invite" || cmd == "room_remove" || cmd == "room_admin") {
        auto key = peer();
        if (!key) return error_json("no_peer", error);
        bool ok = cmd == "room_invite"   ? node.invite(*room, *key, error)
                  : cmd == "room_remove" ? node.remove_member(*room, *key, error)
                                         : node.make_admin(*room, *key, error);
        if (!ok) return error_json("refused", error);
        return json{{"ok", true}};
    }
    if (cmd == "room_join" || cmd == "room_leave") {
        bool ok = cmd == "room_join" ? node.join_room(*room, error) : node.leave_room(*room, error);
        if (!ok) return error_json("refused", error);
        auto v = node.room(*room);
        return json{{"ok", true}, {"room", v ? room_json(*v) : json()}};
    }
    if (cmd == "room_set") {
        auto v = node.room(*room);
        if (!v) return error_json("no_room", "no such room");
        const std::string name = req.contains("name") ? string_field(req, "name") : v->name;
        const std::string topic = req.contains("topic") ? string_field(req, "topic") : v->topic;
        const bool open = req.contains("open") ? bool_field(req, "open") : v->open;
        if (!node.set_room(*room, name, topic, open, error)) return error_json("refused", error);
        return json{{"ok", true}};
    }
    if (cmd == "room_members") {
        auto v = node.room(*room);
        if (!v) return error_json("no_room", "no such room");
        json members = json::array();
        for (auto& m : v->members) members.push_back(member_json(m));
        return json{{"ok", true}, {"room", room_json(*v)}, {"members", std::move(members)}};
    }
    if (cmd == "send") {
        auto id = node.send_room_text(*room, string_field(req, "text"), error);
        if (!id) return error_json("refused", error);
        for (auto& m : node.room_history(*room, 16))
            if (m.id == *id)
                return json{{"ok", true}, {"id", to_hex(*id)}, {"delivered", m.delivered}, {"of", m.of}};
        return json{{"ok", true}, {"id", to_hex(*id)}, {"delivered", 0}, {"of", 0}};
    }
    // history
    auto limit = uint_field(req, "limit", kDefaultHistoryLimit, 1);
    if (!limit) return error_json("bad_request", "limit must be a positive integer");
    json messages = json::array();
    std::size_t bytes = 0;
    auto all = node.room_history(*room, *limit);
    // Newest first into the reply line's budget, then oldest first.
    std::vector<json> newest_first;
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
        json m = room_message_json(*it);
        bytes += dump_json(m).size() + 1;
        if (bytes > kMaxControlLine - 1024) break;
        newest_first.push_back(std::move(m));
    }
    for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) messages.push_back(std::move(*it));
    return json{{"ok", true}, {"messages", std::move(messages)}, {"more", newest_first.size() < all.size()}};
}

}  // namespace hallway::core
