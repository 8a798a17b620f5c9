#include "core/control_bonjour.hpp"

#include "core/control_json.hpp"
#include "core/node.hpp"

namespace hallway::core {

using nlohmann::json;
using namespace control_json;

std::optional<json> bonjour_request(Node& node, const json& req, const std::string& cmd) {
    if (cmd != "bonjour") return std::nullopt;
    if (req.contains("value")) {
        if (!req["value"].is_boolean()) return error_json("bad_request", "value must be true or false");
        std::string error;
        if (!node.set_bonjour(req["value"].get<bool>(), error)) return error_json("refused", error);
    }
    const OwnIdentity own = node.own();
    return json{{"ok", true}, {"bonjour", own.bonjour}, {"link_local_name", own.link_local_name}};
}

}  // namespace hallway::core
