// One link-local XMPP stream's state machine (see conversation.hpp).
#include "xmpp/conversation.hpp"

#include "xmpp/limits.hpp"

#include <algorithm>
#include <utility>

namespace hallway::xmpp {

namespace {

constexpr std::uint64_t kMilliTokenBurst = kStanzaBurst * 1000;

std::optional<std::string> attribute_of(const StreamOpened& header, std::string_view name) {
    for (const auto& a : header.attributes)
        if (a.ns.empty() && a.name == name) return a.value;
    return std::nullopt;
}

// DNS-SD instance names compare case-insensitively (ASCII), like libpurple's self filter.
bool same_name(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

}  // namespace

std::string_view to_string(EndReason r) {
    switch (r) {
        case EndReason::local_close: return "local close";
        case EndReason::idle: return "idle";
        case EndReason::linger_expired: return "linger expired";
        case EndReason::remote_close: return "remote close";
        case EndReason::header_timeout: return "header timeout";
        case EndReason::closed_before_header: return "closed before header";
        case EndReason::connection_lost: return "connection lost";
        case EndReason::invalid_from: return "invalid from";
        case EndReason::host_unknown: return "host unknown";
        case EndReason::stream_error_sent: return "stream error sent";
        case EndReason::stream_error_received: return "stream error received";
    }
    return "unknown";
}

Conversation Conversation::initiator(std::string our_name, std::string their_name, MonoTime now) {
    Conversation c;
    c.initiator_ = true;
    c.our_name_ = std::move(our_name);
    c.their_name_ = std::move(their_name);
    c.header_deadline_ = now + kDialHeaderTimeout;
    return c;
}

Conversation Conversation::responder(IdentifyPeer identify, MonoTime now) {
    Conversation c;
    c.identify_ = std::move(identify);
    c.header_deadline_ = now + kAcceptHeaderTimeout;
    return c;
}

ConversationOutput Conversation::start(MonoTime) {
    ConversationOutput out;
    if (initiator_ && !our_header_sent_ && state_ == State::awaiting_header) {
        out.bytes = stream_header(our_name_, their_name_);
        our_header_sent_ = true;
    }
    out.finished = state_ == State::finished;
    return out;
}

ConversationOutput Conversation::receive(std::string_view bytes, MonoTime now) {
    return receive(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), now);
}

ConversationOutput Conversation::receive(std::span<const std::uint8_t> bytes, MonoTime now) {
    ConversationOutput out;
    if (state_ == State::identifying) {
        if (held_bytes_.size() + bytes.size() > kMaxHeldBytes)
            fail("policy-violation", EndReason::stream_error_sent, "bytes before identification", out);
        else
            held_bytes_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    } else if (state_ != State::finished) {
        process(stream_.feed(bytes), now, out);
    }
    out.finished = state_ == State::finished;
    return out;
}

void Conversation::process(std::vector<StreamEvent> events, MonoTime now, ConversationOutput& out) {
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (state_ == State::finished) return;  // nothing after the end, even from the same read
        if (state_ == State::identifying) {      // kept until the hook decides
            held_events_.assign(std::make_move_iterator(events.begin() + static_cast<std::ptrdiff_t>(i)),
                                std::make_move_iterator(events.end()));
            return;
        }
        const StreamEvent& event = events[i];
        if (const auto* header = std::get_if<StreamOpened>(&event)) {
            on_header(*header, now, out);
        } else if (const auto* stanza = std::get_if<Stanza>(&event)) {
            on_stanza(stanza->element, now, out);
        } else if (std::holds_alternative<StreamClosed>(event)) {
            if (state_ == State::closing) {
                finish(closing_because_, "answered", out);
            } else {
                out.bytes += stream_close();
                finish(EndReason::remote_close, "", out);
            }
        } else if (const auto* error = std::get_if<StreamError>(&event)) {
            fail(condition_name(error->condition), EndReason::stream_error_sent, error->detail, out);
        }
    }
}

void Conversation::on_header(const StreamOpened& header, MonoTime now, ConversationOutput& out) {
    their_header_from_ = attribute_of(header, "from");
    their_header_to_ = attribute_of(header, "to");
    if (initiator_) return open_stream(now, out);
    identify(now, out);
}

void Conversation::identify(MonoTime now, ConversationOutput& out) {
    Identification id = identify_ ? identify_(their_header_from_, their_header_to_) : Identification{};
    if (id.verdict == Identification::Verdict::wait) {
        if (state_ != State::identifying) {
            state_ = State::identifying;
            identify_deadline_ = now + kIdentifyWait;
        }
        if (now < identify_deadline_) return;
        id.verdict = Identification::Verdict::unknown_peer;
    }
    our_name_ = id.our_name;
    // RFC 6120 §4.7.2: our `to` is their `from` verbatim.
    const std::string to = their_header_from_ ? *their_header_from_ : id.their_name;
    out.bytes += stream_header(our_name_, to);
    our_header_sent_ = true;
    state_ = State::awaiting_header;
    switch (id.verdict) {
        case Identification::Verdict::accept: {
            their_name_ = id.their_name;
            open_stream(now, out);
            // What arrived while the hook was deciding, in order.
            std::vector<StreamEvent> held = std::move(held_events_);
            held_events_.clear();
            process(std::move(held), now, out);
            const std::string bytes = std::move(held_bytes_);
            held_bytes_.clear();
            if (!bytes.empty() && state_ != State::finished)
                process(stream_.feed({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}), now, out);
            return;
        }
        case Identification::Verdict::wrong_to:
            return fail("host-unknown", EndReason::host_unknown, their_header_to_.value_or(""), out);
        case Identification::Verdict::unknown_peer:
        case Identification::Verdict::wait:
            return fail("invalid-from", EndReason::invalid_from, their_header_from_.value_or("(no from)"), out);
    }
}

ConversationOutput Conversation::identify_again(MonoTime now) {
    ConversationOutput out;
    if (state_ == State::identifying) identify(now, out);
    out.finished = state_ == State::finished;
    return out;
}

void Conversation::open_stream(MonoTime now, ConversationOutput& out) {
    state_ = State::open;
    last_stanza_ = now;
    milli_tokens_ = kMilliTokenBurst;
    tokens_updated_ = now;
    out.events.push_back(Opened{their_name_});
    while (!queue_.empty()) {
        OutgoingMessage m = std::move(queue_.front());
        queue_.pop_front();
        m.from = our_name_;
        m.to = their_name_;
        out.bytes += chat_message(m);
    }
    queued_bytes_ = 0;
}

bool Conversation::take_token(MonoTime now) {
    if (now > tokens_updated_) {
        const auto elapsed = static_cast<std::uint64_t>((now - tokens_updated_).count());
        // tokens/s × ms = thousandths of a token; capped before it could overflow.
        const std::uint64_t refill = std::min<std::uint64_t>(elapsed, kMilliTokenBurst) * kStanzasPerSecond;
        milli_tokens_ = std::min(kMilliTokenBurst, milli_tokens_ + refill);
        tokens_updated_ = now;
    }
    if (milli_tokens_ < 1000) return false;
    milli_tokens_ -= 1000;
    return true;
}

bool Conversation::peer_is(const std::string& from) const {
    return same_name(from, their_name_) || (their_header_from_ && from == *their_header_from_);
}

void Conversation::on_stanza(const Element& stanza, MonoTime now, ConversationOutput& out) {
    if (!take_token(now))
        return fail("policy-violation", EndReason::stream_error_sent, "stanza rate", out);
    last_stanza_ = now;
    if (stanza.ns == kStreamNamespace && stanza.name == "error") {
        std::string condition = stanza.children.empty() ? std::string("(none)") : stanza.children.front().name;
        if (state_ != State::closing) out.bytes += stream_close();
        return finish(EndReason::stream_error_received, std::move(condition), out);
    }
    const IncomingStanza read = read_stanza(stanza);
    if (const auto* m = std::get_if<IncomingMessage>(&read)) {
        if (!m->from.empty() && !peer_is(m->from))
            return out.events.push_back(Dropped{"message from " + m->from + ", not the stream's peer"});
        return on_message(*m, out);
    }
    if (const auto* iq = std::get_if<Iq>(&read)) {
        if (!iq->from.empty() && !peer_is(iq->from))
            return out.events.push_back(Dropped{"iq from " + iq->from + ", not the stream's peer"});
        // Never answer result/error: two bridges would loop.
        if ((iq->type == "get" || iq->type == "set") && state_ == State::open)
            out.bytes += iq_error_service_unavailable(stanza, our_name_);
        return;
    }
    if (const auto* refused = std::get_if<Refused>(&read)) return out.events.push_back(Dropped{refused->reason});
    // Ignored (presence, stream features, unknown elements): nothing to say.
}

void Conversation::on_message(const IncomingMessage& m, ConversationOutput& out) {
    bool said_something = false;
    if (m.receipt_for && !m.receipt_for->empty()) {
        out.events.push_back(ReceiptReceived{*m.receipt_for});
        said_something = true;
    }
    if (m.body && !m.body->empty()) {
        out.events.push_back(Message{*m.body, m.id, m.chat_state});
        said_something = true;
        // Our receipt only for a message we pass up, and only while we may still write stanzas.
        if (m.receipt_requested && !m.id.empty() && state_ == State::open)
            out.bytes += receipt(our_name_, their_name_, m.id);
    }
    if (m.chat_state) {
        out.events.push_back(Typing{*m.chat_state == ChatState::Composing});
        said_something = true;
    } else if (m.event_typing) {
        out.events.push_back(Typing{*m.event_typing});
        said_something = true;
    }
    if (!said_something) out.events.push_back(Dropped{"message with nothing to show"});
}

ConversationOutput Conversation::send(OutgoingMessage message, MonoTime now) {
    ConversationOutput out;
    if (state_ == State::open) {
        message.from = our_name_;
        message.to = their_name_;
        out.bytes = chat_message(message);
        last_stanza_ = now;
    } else if ((state_ == State::awaiting_header || state_ == State::identifying) && queued_bytes_ + message.text.size() <= kMaxQueuedBytes) {
        queued_bytes_ += message.text.size();
        queue_.push_back(std::move(message));
    } else {
        out.events.push_back(NotSent{std::move(message.id)});
    }
    out.finished = state_ == State::finished;
    return out;
}

ConversationOutput Conversation::close(MonoTime now) {
    ConversationOutput out;
    if (state_ == State::open) {
        start_closing(EndReason::local_close, now, out);
    } else if (state_ == State::awaiting_header || state_ == State::identifying) {
        // Nothing to linger for: they have not opened. Our header alone is
        // closed properly (libpurple parses what we sent).
        if (our_header_sent_) out.bytes += stream_close();
        finish(EndReason::local_close, "before their header", out);
    }
    out.finished = state_ == State::finished;
    return out;
}

ConversationOutput Conversation::connection_closed(MonoTime) {
    ConversationOutput out;
    if (state_ == State::awaiting_header || state_ == State::identifying)
        finish(EndReason::closed_before_header, "", out);
    else if (state_ == State::closing)
        finish(closing_because_, "connection closed while lingering", out);
    else if (state_ == State::open)
        finish(EndReason::connection_lost, "", out);
    out.finished = state_ == State::finished;
    return out;
}

ConversationOutput Conversation::on_timer(MonoTime now) {
    ConversationOutput out;
    if (state_ == State::awaiting_header && now >= header_deadline_) {
        if (our_header_sent_) out.bytes += stream_close();
        finish(EndReason::header_timeout, "", out);
    } else if (state_ == State::identifying && now >= identify_deadline_) {
        identify(now, out);
    } else if (state_ == State::open && now >= last_stanza_ + kIdleStreamTimeout) {
        start_closing(EndReason::idle, now, out);
    } else if (state_ == State::closing && now >= linger_deadline_) {
        finish(EndReason::linger_expired, "", out);
    }
    out.finished = state_ == State::finished;
    return out;
}

MonoTime Conversation::next_deadline() const {
    switch (state_) {
        case State::awaiting_header: return header_deadline_;
        case State::identifying: return identify_deadline_;
        case State::open: return last_stanza_ + kIdleStreamTimeout;
        case State::closing: return linger_deadline_;
        case State::finished: break;
    }
    return MonoTime::max();
}

void Conversation::start_closing(EndReason why, MonoTime now, ConversationOutput& out) {
    out.bytes += stream_close();
    state_ = State::closing;
    closing_because_ = why;
    linger_deadline_ = now + kLingerTimeout;
}

void Conversation::fail(std::string_view condition, EndReason reason, std::string detail, ConversationOutput& out) {
    // A <stream:error> only inside our open stream: before our header it would be
    // bytes outside any stream, after our </stream:stream> too.
    if (our_header_sent_ && state_ != State::closing) out.bytes += stream_error(condition) + stream_close();
    finish(reason, std::string(condition) + ": " + detail, out);
}

void Conversation::finish(EndReason reason, std::string detail, ConversationOutput& out) {
    for (auto& m : queue_) out.events.push_back(NotSent{std::move(m.id)});
    queue_.clear();
    queued_bytes_ = 0;
    held_events_.clear();
    held_bytes_.clear();
    state_ = State::finished;
    out.events.push_back(Ended{reason, std::move(detail)});
}

}  // namespace hallway::xmpp
