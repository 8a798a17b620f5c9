#pragma once
// The control socket's room commands (docs/CONTROL.md "Rooms"), apart from
// the one-to-one ones in control.cpp.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace hallway::core {

class Node;

// The reply to a room request; nullopt when cmd is not one (send and history
// are room requests when they name a "room").
std::optional<nlohmann::json> room_request(Node& node, const nlohmann::json& request, const std::string& cmd);

}  // namespace hallway::core
