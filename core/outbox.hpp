#pragma once
// What one pass over a peer's outbox does to its rows, without I/O: the send is
// injected, the caller writes the marks to the store and tells the front ends.
// Rows go out in order; a row that must wait (back-pressure, no session) stops
// the pass so order is kept, a row that can never be sent is failed and skipped.
#include "core/events.hpp"
#include "core/store.hpp"
#include "transport/transport.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::core {

// A state change for one row.
struct OutboxMark {
    MessageId id{};
    PeerKey peer{};
    MessageState state = MessageState::sent;  // sent or failed
    std::string failure;                      // why, when failed
};

struct OutboxPass {
    std::vector<OutboxMark> marks;  // in row order
    bool waiting = false;           // stopped at a row that must be sent again later
};

using OutboxSend = std::function<transport::SendResult(const StoredMessage&)>;

// Offers rows (oldest first) to send until one must wait.
OutboxPass send_outbox(std::span<const StoredMessage> rows, const OutboxSend& send);

// A text (one-to-one or in a room) as it will be sent (invalid UTF-8 replaced, which can make it longer),
// or nullopt + error when it is empty or over the one text limit,
// transport::wire::kMaxTextBody bytes (the error says the limit).
std::optional<std::string> outgoing_text(std::string_view body, std::string& error);

// The wire form of an outgoing row.
transport::Text as_text(const StoredMessage& m);

// Resending within a session (docs/PROTOCOL.md §6.1). A text sent on a live
// session and not acknowledged was not stored (the receiver's disk is full):
// the peer's outbox is sent again, in order, on the same session, so the texts
// arrive soon after the receiver can store again instead of at the next
// session. The wait starts at kResendFirst when texts go out and doubles up to
// kResendMax while no ack comes; any ack starts it over.
inline constexpr std::chrono::milliseconds kResendFirst{2000};
inline constexpr std::chrono::milliseconds kResendMax{30000};

class Resends {
public:
    using Time = std::chrono::steady_clock::time_point;

    // Texts went out to peer: its wait starts at now unless one is running.
    void sent(const PeerKey& peer, Time now);
    // peer acknowledged a text: the wait starts over from now, or ends when
    // nothing is left unacknowledged (outstanding false).
    void acked(const PeerKey& peer, bool outstanding, Time now);
    // The session ended: the next one's start sends the outbox anyway.
    void forget(const PeerKey& peer);
    // The peers whose outbox is due again at now; each then waits twice as
    // long as before (at most kResendMax), counted from now.
    std::vector<PeerKey> due(Time now);
    // Nothing is waiting for an ack.
    bool empty() const { return waits_.empty(); }

private:
    struct Wait {
        Time at;
        std::chrono::milliseconds backoff;
    };
    std::map<PeerKey, Wait> waits_;  // at most one per session
};

// Where texts that could not be stored were going: the one-to-one
// conversation (no room) or a room, shown by its label ("#team").
struct StorePlace {
    std::optional<RoomId> room;
    std::string label;
};

// The receiving side: a text (one-to-one or a room's) that could not be stored
// is not acknowledged (its sender sends it again: above, and §11.5 for rooms).
// Its person is told once per sender and place while storing fails, and once
// when it works again, not once per text.
class StoreTrouble {
public:
    // Storing a text from peer failed for reason (the store's words): the
    // warning to show, or nullopt when it was shown already.
    std::optional<Notice> failed(const PeerKey& peer, std::string_view nick, std::string_view reason,
                                 const StorePlace& where = {});
    // A text from peer was stored: the all-clear when storing had failed.
    std::optional<Notice> stored(const PeerKey& peer, std::string_view nick, const StorePlace& where = {});

private:
    std::set<std::pair<PeerKey, std::optional<RoomId>>> failing_;  // while its texts fail
};

}  // namespace hallway::core
