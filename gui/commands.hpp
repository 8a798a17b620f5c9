#pragma once
// What the panels ask of the node. Panels only append these; main.cpp posts
// each to the network thread, so no panel ever touches core directly.
#include "core/store.hpp"

#include <string>
#include <variant>
#include <vector>

namespace hallway::gui {

struct OpenConversation {  // -> Node::request_history (also clears unread)
    core::PeerKey peer{};
};
struct MarkRead {
    core::PeerKey peer{};
};
struct SendText {
    core::PeerKey peer{};
    std::string body;
};
struct SetNick {
    std::string nick;
};
struct SetPresence {
    std::string presence;
    std::string message;
};
struct SetTrust {
    core::PeerKey peer{};
    core::Trust trust = core::Trust::unverified;
};
// Opens the verify dialog; the safety number comes back asynchronously.
struct RequestSafetyNumber {
    core::PeerKey peer{};
};

using Command = std::variant<OpenConversation, MarkRead, SendText, SetNick, SetPresence, SetTrust, RequestSafetyNumber>;
using Commands = std::vector<Command>;

}  // namespace hallway::gui
