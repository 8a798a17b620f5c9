#pragma once
// What one pass over a peer's outbox does to its rows, without I/O: the send is
// injected, the caller writes the marks to the store and tells the front ends.
// Rows go out in order; a row that must wait (back-pressure, no session) stops
// the pass so order is kept, a row that can never be sent is failed and skipped.
#include "core/store.hpp"
#include "transport/transport.hpp"

#include <functional>
#include <optional>
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

}  // namespace hallway::core
