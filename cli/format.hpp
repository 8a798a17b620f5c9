#pragma once
// How the terminal front ends print the messenger's events and records.
#include "core/events.hpp"

#include <nlohmann/json.hpp>

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace hallway::cli {

// "14:03" today, "2026-11-20 14:03" otherwise (local time).
std::string format_time(std::int64_t ms_since_epoch);
// The same against a given now, for tests.
std::string format_time(std::int64_t ms_since_epoch, std::int64_t now_ms);
// Turns events into lines, remembering peers' names as they are announced.
class EventPrinter {
public:
    // answer: how the person answers an offer ("/" in chat, "hallway " at a shell);
    // quarters: a line at each quarter of a transfer (not under a progress bar).
    explicit EventPrinter(std::string answer = "hallway ", bool quarters = true)
        : answer_(std::move(answer)), quarters_(quarters) {}
    // One line for an event; empty when the event is not worth a line.
    std::string line(const core::Event& e);
    std::string nick(const core::PeerKey& key) const;
    std::string room_name(const core::RoomId& id) const;
    // The peer was announced as unencrypted (a link-local XMPP buddy).
    bool unencrypted(const core::PeerKey& key) const { return unencrypted_.count(key) != 0; }

private:
    std::string transfer_line(const core::TransferView& t);
    struct Seen {
        core::TransferState state;
        std::uint64_t quarter;  // of the bytes, last said
    };

    std::string answer_;
    bool quarters_;
    std::map<std::uint64_t, Seen> transfers_;  // until done or failed
    std::map<core::RoomId, std::string> rooms_;
    std::map<core::PeerKey, std::string> nicks_;
    std::map<core::PeerKey, bool> online_;
    std::set<core::PeerKey> unencrypted_;  // link-local XMPP buddies seen: their lines say so
};
// What every line about a link-local XMPP buddy (XEP-0174, PeerView::encrypted
// false) says of it: anyone on the LAN reads it and can use its name.
inline constexpr const char* kUnencryptedBadge = "unencrypted \u00b7 not verified";
// "[unencrypted · not verified]" for such a buddy, else "[TRUST]".
std::string trust_tag(const core::PeerView& p);
// How far one of our texts got, in a word or two: the state, but "sent,
// unconfirmed" for "sent" to a link-local XMPP buddy (it never confirms:
// XEP-0174 has no receipts), "seen" once read.
std::string delivery_word(core::MessageState state, core::PeerKind kind, bool seen = false);
// A PeerView from a control "peers" item (docs/CONTROL.md), as hallway peers prints it.
core::PeerView peer_from_json(const nlohmann::json& p);
// Two rows of a peers listing are the same buddy: the same id, and for
// link-local XMPP buddies (no id) the same instance.
std::string peer_identity(const nlohmann::json& p);
std::string describe_peer(const core::PeerView& p);
// One line for a search hit: "[time] CONVERSATION  AUTHOR: the body's line
// with a word" ("#name" for a room, "me" for ours; control characters removed).
std::string search_hit_line(const core::SearchHit& h, const std::vector<std::string>& words);
// A control "search" reply's hit (docs/CONTROL.md "Search") as a SearchHit:
// peer and room by name only.
core::SearchHit search_hit_from_json(const nlohmann::json& hit);
// Control characters (ANSI escapes from a peer) removed: peer text is data.
std::string sanitize(std::string_view text);

// Files -------------------------------------------------------------------
// "512 B", "1.5 KiB", "12.3 MiB", "2.0 GiB": binary units, one decimal.
std::string format_size(std::uint64_t bytes);
// "8.2 MiB/s".
std::string format_rate(double bytes_per_second);
// "0:03", "12:34", "1:02:03"; "-:--" when unknown.
std::string format_eta(std::optional<double> seconds);
// What a transfer is called on one line: "report.pdf", "photos/ (12 files)",
// "a.txt and 2 more". count: its entries (files may list only the first ones).
std::string transfer_name(const std::vector<core::TransferFileView>& files, std::size_t count);
// "report.pdf  12.3 MiB / 40.0 MiB  31%  8.2 MiB/s  0:03 left" (rate 0: not yet known).
std::string progress_line(std::string_view name, std::uint64_t bytes, std::uint64_t total, double rate);
// The byte rate over the last few seconds of samples (seconds since any fixed start).
class RateMeter {
public:
    void add(double seconds, std::uint64_t bytes);
    double rate() const;  // 0 until two samples span some time

private:
    std::deque<std::pair<double, std::uint64_t>> samples_;
};
// The transfers of a control "transfers" reply as a table: ID, DIR, PEER,
// STATE, PROGRESS, NAME; one line each, a header first.
std::string transfers_table(const nlohmann::json& transfers);
// A transfer's file list as the control socket gives it.
std::vector<core::TransferFileView> transfer_files(const nlohmann::json& transfer);
// A transfer as the control socket gives it (its peer by name only); an
// unknown state reads as failed.
core::TransferView transfer_view(const nlohmann::json& transfer);

}  // namespace hallway::cli
