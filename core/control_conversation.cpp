#include "core/control_conversation.hpp"

#include "core/control_json.hpp"
#include "core/node.hpp"

namespace hallway::core {

using nlohmann::json;
using namespace control_json;

std::optional<json> conversation_request(Node& node, const json& req, const std::string& cmd) {
    if (cmd != "read" && cmd != "typing" && cmd != "read_receipts") return std::nullopt;
    if (cmd == "read_receipts") {
        if (req.contains("value")) {
            if (!req["value"].is_boolean()) return error_json("bad_request", "value must be true or false");
            std::string error;
            if (!node.set_read_receipts(req["value"].get<bool>(), error)) return error_json("refused", error);
        }
        return json{{"ok", true}, {"read_receipts", node.own().read_receipts}};
    }
    PeerKey key{};
    if (auto e = peer_field(node, req, key)) return *e;
    if (cmd == "read") {
        // As the window opening the conversation: unread cleared, receipts sent.
        node.mark_read(key);
        return json{{"ok", true}};
    }
    if (req.contains("on") && !req["on"].is_boolean()) return error_json("bad_request", "on must be true or false");
    node.set_typing(key, !req.contains("on") || req["on"].get<bool>());
    return json{{"ok", true}};
}

}  // namespace hallway::core
