#include "core/outbox.hpp"

#include "transport/wire.hpp"

namespace hallway::core {

transport::Text as_text(const StoredMessage& m) {
    return transport::Text{m.id, static_cast<std::uint64_t>(m.sent_at_ms), m.body};
}

namespace {

// Measured as the body would be sent (invalid UTF-8 replaced), against the text limit.
std::string too_large(const StoredMessage& m) {
    return "too large to send: " + std::to_string(transport::sanitize_utf8(m.body).size()) +
           " bytes, the limit is " + std::to_string(transport::wire::kMaxTextBody);
}

}  // namespace

OutboxPass send_outbox(std::span<const StoredMessage> rows, const OutboxSend& send) {
    OutboxPass pass;
    for (const auto& m : rows) {
        switch (send(m)) {
        case transport::SendResult::sent:
            if (m.state == MessageState::queued) pass.marks.push_back({m.id, m.peer, MessageState::sent, {}});
            break;
        case transport::SendResult::too_large:
            // It will never fit: waiting for it would hold back everything behind it.
            pass.marks.push_back({m.id, m.peer, MessageState::failed, too_large(m)});
            break;
        case transport::SendResult::no_session:
        case transport::SendResult::closing:
        case transport::SendResult::backpressure:
            pass.waiting = true;
            return pass;
        }
    }
    return pass;
}

std::optional<std::string> outgoing_text(std::string_view body, std::string& error) {
    if (body.empty()) {
        error = "empty message";
        return std::nullopt;
    }
    // Measured as sent: each invalid byte becomes a 3-byte U+FFFD.
    std::string text = transport::sanitize_utf8(body);
    if (text.size() > transport::wire::kMaxTextBody) {
        error = "message too long (" + std::to_string(text.size()) + " bytes as UTF-8; the limit is " +
                std::to_string(transport::wire::kMaxTextBody) + " bytes, 64 KiB)";
        return std::nullopt;
    }
    return text;
}

}  // namespace hallway::core
