#pragma once
// A buddy as the control socket lists it (docs/CONTROL.md "peers"): apart
// from control.cpp so that tests and the CLI's own listing read one shape.
#include "core/events.hpp"

#include <nlohmann/json.hpp>

namespace hallway::core {

// {nick, id, online, ..., kind, encrypted}; "instance" (user@host) only for a
// link-local XMPP buddy, whose "id" is empty (it has no key to print).
nlohmann::json peer_json(const PeerView& p);

}  // namespace hallway::core
