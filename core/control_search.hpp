#pragma once
// The control socket's search command (docs/CONTROL.md "Search").
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace hallway::core {

class Node;

// The reply to a search request; nullopt when cmd is not one.
std::optional<nlohmann::json> search_request(Node& node, const nlohmann::json& request, const std::string& cmd);

}  // namespace hallway::core
