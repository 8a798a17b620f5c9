#include "core/outbox.hpp"

#include "transport/wire.hpp"

#include <algorithm>

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

void Resends::sent(const PeerKey& peer, Time now) { waits_.try_emplace(peer, Wait{now + kResendFirst, kResendFirst}); }

void Resends::acked(const PeerKey& peer, bool outstanding, Time now) {
    if (outstanding)
        waits_.insert_or_assign(peer, Wait{now + kResendFirst, kResendFirst});
    else
        waits_.erase(peer);
}

void Resends::forget(const PeerKey& peer) { waits_.erase(peer); }

std::vector<PeerKey> Resends::due(Time now) {
    std::vector<PeerKey> out;
    for (auto& [peer, w] : waits_) {
        if (now < w.at) continue;
        out.push_back(peer);
        w.backoff = std::min(w.backoff * 2, kResendMax);
        w.at = now + w.backoff;
    }
    return out;
}

namespace {
std::string from_whom(std::string_view nick, const StorePlace& where) {
    std::string out = "messages from \"" + std::string(nick) + "\"";
    if (where.room) out += " in " + std::string(where.label);
    return out;
}
}  // namespace

std::optional<Notice> StoreTrouble::failed(const PeerKey& peer, std::string_view nick, std::string_view reason,
                                           const StorePlace& where) {
    if (!failing_.insert({peer, where.room}).second) return std::nullopt;
    return Notice{Notice::Level::warning, "cannot store " + from_whom(nick, where) + ": " + std::string(reason) +
                                              "; they will arrive when space is freed"};
}

std::optional<Notice> StoreTrouble::stored(const PeerKey& peer, std::string_view nick, const StorePlace& where) {
    if (failing_.erase({peer, where.room}) == 0) return std::nullopt;
    return Notice{Notice::Level::info, from_whom(nick, where) + " are stored again"};
}

}  // namespace hallway::core
