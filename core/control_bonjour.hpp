#pragma once
// The control socket's "bonjour" command (docs/CONTROL.md): the link-local
// XMPP bridge's setting (docs/PROTOCOL.md §15), apart from control.cpp.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace hallway::core {

class Node;

// The reply to bonjour; nullopt when cmd is another command.
std::optional<nlohmann::json> bonjour_request(Node& node, const nlohmann::json& request, const std::string& cmd);

}  // namespace hallway::core
