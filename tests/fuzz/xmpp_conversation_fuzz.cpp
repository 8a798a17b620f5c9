// One link-local XMPP stream (xmpp/conversation) driven by a stranger's bytes
// and by our own calls in any order. Input: byte 0 picks the role, bytes
// 1..kControlBytes are control bytes (cycled), the rest is what the peer sends.
// Each control byte sets the next chunk's length and what we do after feeding
// it (advance the clock, on_timer at next_deadline, send, close, identify_again).
// Asserts: exactly one Ended, last in its output, with `finished` first true
// there; after it no bytes and no event (but the NotSent a later send() gets);
// no <message or <iq out before Opened, nor before an independent reader saw
// the peer's header; no stanza event before Opened; everything we write
// parses in our own XmlStream as one well-formed stream prefix with nothing
// after its </stream:stream>; every message given to send() is either
// written once or reported NotSent once, never both, never neither.
// Not checked: the queue and held-bytes bounds (Conversation exposes no
// accessor for them; the parser's own budget is xmpp_stream's target).
#include "xmpp/conversation.hpp"
#include "xmpp/limits.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using namespace hallway::xmpp;

namespace {

constexpr std::size_t kControlBytes = 16;

enum class Role { initiator, accepts, unknown, wait_then_accept, always_wait, count };

// Everything the caller has seen so far, checked after every call.
struct Checker {
    bool ended = false;
    bool opened = false;
    bool their_header_seen = false;  // by the independent reader of their bytes
    bool our_stream_closed = false;
    XmlStream their_bytes;           // a second reader of what the peer sent
    XmlStream our_bytes;             // a fresh reader of everything we wrote
    bool our_bytes_budget_hit = false;
    std::map<std::string, int> fate;  // send() id -> times written or refused

    void peer_sent(std::span<const std::uint8_t> chunk) {
        if (their_header_seen) return;
        for (const auto& e : their_bytes.feed(chunk))
            if (std::holds_alternative<StreamOpened>(e)) their_header_seen = true;
    }

    // `sent` is the id a send() call gave, or nullptr for other calls.
    void check(const ConversationOutput& out, const std::string* sent) {
        if (ended) {
            if (!out.finished || !out.bytes.empty()) __builtin_trap();
            if (out.events.empty()) return;
            // A send() after the end is refused with its own NotSent, nothing else.
            if (sent == nullptr || out.events.size() != 1) __builtin_trap();
            const auto* refused = std::get_if<NotSent>(&out.events[0]);
            if (refused == nullptr || refused->id != *sent) __builtin_trap();
            ++fate[refused->id];
            return;
        }
        for (std::size_t i = 0; i < out.events.size(); ++i) {
            if (std::holds_alternative<Opened>(out.events[i])) {
                if (opened) __builtin_trap();  // opened once
                opened = true;
            }
            const auto& e = out.events[i];
            if (!opened && (std::holds_alternative<Message>(e) || std::holds_alternative<Typing>(e) ||
                            std::holds_alternative<ReceiptReceived>(e)))
                __builtin_trap();  // the peer's stanzas count only in an open stream
            if (const auto* refused = std::get_if<NotSent>(&e)) ++fate[refused->id];
            if (std::holds_alternative<Ended>(out.events[i])) {
                if (i + 1 != out.events.size()) __builtin_trap();  // nothing after Ended
                ended = true;
            }
        }
        if (out.finished != ended) __builtin_trap();
        const bool stanza_out = out.bytes.find("<message") != std::string::npos ||
                                out.bytes.find("<iq") != std::string::npos;
        if (stanza_out && (!opened || !their_header_seen)) __builtin_trap();
        check_wire(out.bytes);
    }

    void check_fates() const {
        if (our_bytes_budget_hit) return;
        for (const auto& [id, n] : fate)
            if (n != 1) __builtin_trap();
    }

    void check_wire(const std::string& bytes) {
        if (bytes.empty() || our_bytes_budget_hit) return;
        if (our_stream_closed) __builtin_trap();  // nothing after our </stream:stream>
        for (const auto& e : our_bytes.feed({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()})) {
            if (const auto* error = std::get_if<StreamError>(&e)) {
                if (error->detail != "memory budget exceeded") __builtin_trap();
                our_bytes_budget_hit = true;
                return;
            }
            if (const auto* stanza = std::get_if<Stanza>(&e); stanza && stanza->element.name == "message")
                if (const std::string* id = stanza->element.attribute("id"); id && fate.count(*id)) ++fate[*id];
            if (std::holds_alternative<StreamClosed>(e)) our_stream_closed = true;
        }
    }
};

IdentifyPeer hook(Role role) {
    return [role, asked = 0](const std::optional<std::string>& from, const std::optional<std::string>& to) mutable {
        Identification id;
        id.our_name = "bob@h2";
        ++asked;
        if (role == Role::always_wait || (role == Role::wait_then_accept && asked == 1)) {
            id.verdict = Identification::Verdict::wait;
        } else if (role != Role::unknown && from == "alice@h1") {
            id.verdict = Identification::Verdict::accept;
            id.their_name = "alice@h1";
        } else if (to && *to != "bob@h2") {
            id.verdict = Identification::Verdict::wrong_to;
        } else {
            id.verdict = Identification::Verdict::unknown_peer;
        }
        return id;
    };
}

// Control byte: low 5 bits the chunk length (0 = all that is left, 1..15
// bytes, 16..31 = 2^(k-12) bytes), high 3 bits the call after the chunk.
std::size_t chunk_length(std::uint8_t control, std::size_t left) {
    const unsigned k = control & 31u;
    if (k == 0) return left;
    return std::min(left, k < 16 ? std::size_t{k} : std::size_t{1} << (k - 12));
}

OutgoingMessage next_message(unsigned n, std::uint8_t control) {
    static const std::string kLong(60000, 'x');
    static const std::string_view kTexts[] = {"hi", "<b> & é✓ ]]>", "", "'\"\t\r\n"};
    OutgoingMessage m;
    m.id = "m" + std::to_string(n);
    m.text = (control & 3u) == 3u && (n % 2) ? kLong : std::string(kTexts[control & 3u]);
    m.libpurple_html = (n % 2) == 0;
    m.request_receipt = (control & 4u) != 0;
    if (control & 8u) m.chat_state = ChatState::Active;
    return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto role = static_cast<Role>(data[0] % static_cast<unsigned>(Role::count));
    const std::span<const std::uint8_t> controls(data + 1, std::min(size - 1, kControlBytes));
    const std::span<const std::uint8_t> peer = std::span(data, size).subspan(1 + controls.size());

    MonoTime now{1000};
    Checker checker;
    Conversation c = role == Role::initiator ? Conversation::initiator("alice@h1", "bob@h2", now)
                                             : Conversation::responder(hook(role), now);
    checker.check(c.start(now), nullptr);
    unsigned sent = 0;
    const auto send = [&](std::uint8_t control) {
        OutgoingMessage m = next_message(sent++, control);
        const std::string id = m.id;
        checker.fate.emplace(id, 0);
        checker.check(c.send(std::move(m), now), &id);
    };
    if (role == Role::initiator) send(0);  // queued until their header

    std::size_t at = 0;
    for (std::size_t step = 0; at < peer.size(); ++step) {
        const std::uint8_t control = controls.empty() ? 0 : controls[step % controls.size()];
        const auto chunk = peer.subspan(at, chunk_length(control, peer.size() - at));
        at += chunk.size();
        checker.peer_sent(chunk);
        checker.check(c.receive(chunk, now), nullptr);
        switch (control >> 5) {
            case 1: now += MonoTime{10}; break;
            case 2: now += MonoTime{100}; break;
            case 3: now += MonoTime{1000}; break;
            case 4:
                if (c.next_deadline() != MonoTime::max()) now = std::max(now, c.next_deadline());
                checker.check(c.on_timer(now), nullptr);
                break;
            case 5: send(static_cast<std::uint8_t>(step)); break;
            case 6: checker.check(c.close(now), nullptr); break;
            case 7:
                now += MonoTime{1000};
                checker.check(c.identify_again(now), nullptr);
                break;
            default: break;
        }
    }

    // Wind down: close, let every timer fire, then the socket goes.
    checker.check(c.close(now), nullptr);
    for (int i = 0; i < 4 && c.next_deadline() != MonoTime::max(); ++i) {
        now = std::max(now, c.next_deadline());
        checker.check(c.on_timer(now), nullptr);
    }
    checker.check(c.connection_closed(now), nullptr);
    if (!checker.ended || c.state() != Conversation::State::finished) __builtin_trap();
    checker.check_fates();

    // The end is final, whatever comes next.
    const std::uint8_t more[] = {'<', '/', '>'};
    checker.check(c.receive(std::span(more), now), nullptr);
    send(0);
    checker.check(c.close(now), nullptr);
    checker.check(c.identify_again(now), nullptr);
    checker.check(c.on_timer(now + kIdleStreamTimeout), nullptr);
    checker.check(c.connection_closed(now), nullptr);
    return 0;
}
