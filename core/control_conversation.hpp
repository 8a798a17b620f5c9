#pragma once
// The control socket's read receipt and typing commands (docs/CONTROL.md
// "Read receipts and typing"), apart from the others in control.cpp.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace hallway::core {

class Node;

// The reply to read, typing or read_receipts; nullopt when cmd is none of them.
std::optional<nlohmann::json> conversation_request(Node& node, const nlohmann::json& request, const std::string& cmd);

}  // namespace hallway::core
