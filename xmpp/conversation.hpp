#pragma once
// One link-local XMPP stream (XEP-0174) as a sans-I/O state machine, either
// role: bytes from the socket in, bytes to write and events out. It never
// touches a socket or a clock: the caller passes the monotonic time to every
// call and calls on_timer() at next_deadline(). Single-threaded.
//
// The rules it enforces come from libpurple's bonjour prpl (docs/XMPP-BRIDGE-DESIGN.md §2,
// §4.3): no stanza before the peer's header (libpurple can crash on one), our
// header's from/to exactly the registered names, a stanza whose `from` is not
// the stream's peer dropped, iq get/set answered with service-unavailable, and
// the limits of xmpp/limits.hpp.
#include "xmpp/stanzas.hpp"
#include "xmpp/xml_stream.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hallway::xmpp {

// Monotonic time since an arbitrary origin, injected by the caller (as transport's).
using MonoTime = std::chrono::milliseconds;

// Both headers are out: stanzas flow. peer_name is whom stanzas go to.
struct Opened {
    std::string peer_name;
    bool operator==(const Opened&) const = default;
};
// A chat message from the peer (a body that is not empty).
struct Message {
    std::string body;
    std::string id;  // the peer's XMPP id; optional and not unique, so never a key
    std::optional<ChatState> chat_state;
    bool operator==(const Message&) const = default;
};
// XEP-0085 chat state or XEP-0022 event: composing = on; active, paused,
// inactive, gone = off.
struct Typing {
    bool on = false;
    bool operator==(const Typing&) const = default;
};
// XEP-0184 <received/> for one of our message ids.
struct ReceiptReceived {
    std::string id;
    bool operator==(const ReceiptReceived&) const = default;
};
// A stanza not passed up, for logs and system notices (a body over the limit).
struct Dropped {
    std::string reason;
    bool operator==(const Dropped&) const = default;
};
// A message given to send() that will never be written: refused (queue full,
// stream closing) or still queued when the stream ended. The caller keeps it.
struct NotSent {
    std::string id;
    bool operator==(const NotSent&) const = default;
};

enum class EndReason {
    local_close,           // close(): they answered our </stream:stream>
    idle,                  // kIdleStreamTimeout without stanzas, then they answered
    linger_expired,        // we closed and they did not answer within kLingerTimeout
    remote_close,          // their </stream:stream> first; we answered
    header_timeout,        // their header did not come in time
    closed_before_header,  // the connection closed before their header (initiator: retry later)
    connection_lost,       // the connection closed after their header (connection_closed())
    invalid_from,          // responder: the identification hook did not know them
    host_unknown,          // responder: their `to` is not us
    stream_error_sent,     // we sent <stream:error> (bad XML, a limit, the stanza rate)
    stream_error_received, // they sent <stream:error>; we answered </stream:stream>
};
std::string_view to_string(EndReason r);

// Sent once, in the output whose `finished` first is true.
struct Ended {
    EndReason reason = EndReason::local_close;
    std::string detail;  // for logs only; may hold peer text
    bool operator==(const Ended& o) const { return reason == o.reason; }
};

using ConversationEvent = std::variant<Opened, Message, Typing, ReceiptReceived, Dropped, NotSent, Ended>;

struct ConversationOutput {
    std::string bytes;                     // write to the socket, in order
    std::vector<ConversationEvent> events; // in the order they happened
    bool finished = false;                 // the stream is over: flush bytes, then close the socket
};

// The responder's answer to an initiator's header (its `from` and `to`, absent
// or verbatim). The hook checks `from` against current sightings and the source
// address (§4.3); it is the caller's because it knows discovery.
struct Identification {
    enum class Verdict {
        accept,        // their_name is the peer
        unknown_peer,  // <invalid-from/>
        wrong_to,      // `to` is present and not our name: <host-unknown/>
        wait,          // not known yet: asked again by identify_again() and at
                       // kIdentifyWait, after which it counts as unknown_peer
    };
    Verdict verdict = Verdict::unknown_peer;
    std::string our_name;    // always: the `from` of our header
    std::string their_name;  // accept: the peer's instance name
};
using IdentifyPeer =
    std::function<Identification(const std::optional<std::string>& from, const std::optional<std::string>& to)>;

class Conversation {
public:
    enum class State {
        awaiting_header,  // initiator: our header is out; responder: nothing sent yet
        identifying,      // responder: their header came, the hook said wait; nothing sent
        open,             // both headers exchanged
        closing,          // our </stream:stream> is out, lingering for theirs
        finished,
    };

    // We dialed `their_name`, registered as `our_name`. start() writes our header.
    static Conversation initiator(std::string our_name, std::string their_name, MonoTime now);
    // They dialed us; `identify` is called once, when their header has arrived.
    static Conversation responder(IdentifyPeer identify, MonoTime now);

    // Initiator: our stream header. Responder: nothing. Call once, first.
    ConversationOutput start(MonoTime now);
    // Bytes from the socket, any split.
    ConversationOutput receive(std::span<const std::uint8_t> bytes, MonoTime now);
    ConversationOutput receive(std::string_view bytes, MonoTime now);
    // One chat message; `from` and `to` are overwritten with the stream's names.
    // Before their header it is queued (at most kMaxQueuedBytes of text).
    ConversationOutput send(OutgoingMessage message, MonoTime now);
    // Orderly close: </stream:stream>, then linger kLingerTimeout for theirs.
    ConversationOutput close(MonoTime now);
    // The socket reported EOF or an error: nothing is written any more.
    ConversationOutput connection_closed(MonoTime now);
    // Responder while identifying: discovery learned something, ask the hook again.
    ConversationOutput identify_again(MonoTime now);
    // Header wait, identification wait, idle and linger timeouts.
    ConversationOutput on_timer(MonoTime now);
    // When on_timer() next has something to do (MonoTime::max() once finished).
    MonoTime next_deadline() const;

    State state() const { return state_; }
    bool is_initiator() const { return initiator_; }
    const std::string& our_name() const { return our_name_; }
    const std::string& peer_name() const { return their_name_; }  // empty until a responder identified them

private:
    Conversation() = default;

    void open_stream(MonoTime now, ConversationOutput& out);
    void process(std::vector<StreamEvent> events, MonoTime now, ConversationOutput& out);
    void on_header(const StreamOpened& header, MonoTime now, ConversationOutput& out);
    void identify(MonoTime now, ConversationOutput& out);
    void on_stanza(const Element& stanza, MonoTime now, ConversationOutput& out);
    void on_message(const IncomingMessage& m, ConversationOutput& out);
    bool take_token(MonoTime now);
    void start_closing(EndReason why, MonoTime now, ConversationOutput& out);
    void fail(std::string_view condition, EndReason reason, std::string detail, ConversationOutput& out);
    void finish(EndReason reason, std::string detail, ConversationOutput& out);
    bool peer_is(const std::string& from) const;

    bool initiator_ = false;
    State state_ = State::awaiting_header;
    IdentifyPeer identify_;
    std::string our_name_;
    std::string their_name_;
    std::optional<std::string> their_header_from_;
    std::optional<std::string> their_header_to_;
    // While identifying: events of the read that brought the header, and later bytes.
    std::vector<StreamEvent> held_events_;
    std::string held_bytes_;
    MonoTime identify_deadline_{};
    bool our_header_sent_ = false;
    XmlStream stream_;
    std::deque<OutgoingMessage> queue_;
    std::size_t queued_bytes_ = 0;
    MonoTime header_deadline_{};
    MonoTime last_stanza_{};
    MonoTime linger_deadline_{};
    EndReason closing_because_ = EndReason::local_close;
    // Stanza token bucket in thousandths of a token, so refill stays integral.
    std::uint64_t milli_tokens_ = 0;
    MonoTime tokens_updated_{};
};

}  // namespace hallway::xmpp
