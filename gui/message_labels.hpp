#pragma once
// The words on a message's first line and in its tooltips: when (local time)
// and, for ours, how far it got. Pure: the caller passes now_ms; the local
// time zone is the process's (TZ), as everywhere in the window.
#include "core/events.hpp"
#include "core/store.hpp"

#include <cstdint>
#include <string>

namespace hallway::gui {

// From this far apart, an incoming text's sent time (the sender's clock) is
// worth showing next to the time it arrived: it waited, or a clock is off.
inline constexpr std::int64_t kNotableSkewMs = 60 * 1000;
// A failure reason on the bubble is cut to this many bytes; the tooltip has it all.
inline constexpr std::size_t kShortReasonBytes = 48;

// "14:05" today; "3 Jun 14:05" another day this year; "3 Jun 2024 14:05" before.
std::string time_label(std::int64_t ms, std::int64_t now_ms);
// "Mon 3 Jun 2024 14:05:09 CEST (UTC+02:00)"; in UTC just "... 14:05:09 UTC".
std::string full_timestamp(std::int64_t ms);
// The tooltip of a message's time: the full timestamp of the time shown
// (received_at_ms); for an incoming text whose sent time differs by
// kNotableSkewMs or more, a second line with that too.
std::string time_details(const core::StoredMessage& m);
// The same for any message (a room's too): incoming or ours, and its times.
std::string time_details(bool incoming, std::int64_t received_at_ms, std::int64_t sent_at_ms);
// How far one of our messages got: "sending", "sent", "delivered", "seen"
// (read_at_ms > 0), "failed: REASON" (first line, cut at kShortReasonBytes).
// To a link-local XMPP buddy "sent" is "sent, unconfirmed": XEP-0174 has no
// receipts, it never becomes delivered.
std::string delivery_label(const core::StoredMessage& m, core::PeerKind kind = core::PeerKind::hallway);
// Its tooltip, in a sentence: what the state means, when it was seen, the
// whole failure reason.
std::string delivery_details(const core::StoredMessage& m, core::PeerKind kind = core::PeerKind::hallway);

// The words a link-local XMPP buddy (docs/PROTOCOL.md §15) wears on its row,
// its conversation's header and every bubble of it.
inline constexpr const char* kUnencryptedBadge = "unencrypted \u00b7 not verified";
// kUnencryptedBadge for a buddy that is not encrypted (a link-local XMPP
// one, or any not a Hallway peer), else empty: nothing to warn of.
std::string_view security_badge(const core::PeerView& peer);
// The badge's tooltip, in a sentence.
inline constexpr const char* kUnencryptedDetails =
    "Link-local XMPP (Pidgin/Adium \"Bonjour\"): not encrypted and not authenticated. Anyone on this network can "
    "read these messages and write as this name. No read or delivery receipts, no files, no rooms.";

}  // namespace hallway::gui
