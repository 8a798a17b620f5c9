#pragma once
// How the terminal front ends print the messenger's events and records.
#include "core/events.hpp"

#include <map>
#include <string>

namespace hallway::cli {

// "14:03" today, "2026-11-20 14:03" otherwise (local time).
std::string format_time(std::int64_t ms_since_epoch);
// Turns events into lines, remembering peers' names as they are announced.
class EventPrinter {
public:
    // One line for an event; empty when the event is not worth a line.
    std::string line(const core::Event& e);
    std::string nick(const core::PeerKey& key) const;
    std::string room_name(const core::RoomId& id) const;

private:
    std::map<core::RoomId, std::string> rooms_;
    std::map<core::PeerKey, std::string> nicks_;
    std::map<core::PeerKey, bool> online_;
};
std::string describe_peer(const core::PeerView& p);
// Control characters (ANSI escapes from a peer) removed: peer text is data.
std::string sanitize(std::string_view text);

}  // namespace hallway::cli
