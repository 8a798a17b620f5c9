// xmpp/conversation: one link-local stream in both roles, wired back to back and
// against libpurple's real bytes; timers driven by an injected clock.
#include "stream_test_support.hpp"
#include "xmpp/conversation.hpp"
#include "xmpp/limits.hpp"
#include "xmpp/stanzas.hpp"

#include <doctest/doctest.h>

using namespace hallway::xmpp;
using namespace hallway::xmpp::test;
using namespace std::chrono_literals;

namespace {

const std::string kAlice = "alice@h1";
const std::string kBob = "bob@h2";
const std::string kNasty = "<b> & \xC3\xA9\xE2\x9C\x93 ]]>";  // <b> & é✓ ]]>

// libpurple 2.14 bonjour, byte for byte (jabber.c DOCTYPE macro, bonjour_jabber_send_message).
const std::string kPurpleHeader =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
    "<stream:stream xmlns=\"jabber:client\" xmlns:stream=\"http://etherx.jabber.org/streams\" "
    "from=\"alice@h1\" to=\"bob@h2\">";
const std::string kPurpleMessage =
    "<message to='bob@h2' from='alice@h1' type='chat'><body>&lt;b&gt; &amp; \xC3\xA9\xE2\x9C\x93 ]]&gt;</body>"
    "<html xmlns='http://www.w3.org/1999/xhtml'><body><font>&lt;b&gt; &amp; \xC3\xA9\xE2\x9C\x93 ]]&gt;</font>"
    "</body></html><x xmlns='jabber:x:event'><composing/></x></message>";
const std::string kPurpleClose = "</stream:stream>";

// The identification hook of a responder registered as bob@h2 that knows alice@h1.
struct Identifier {
    std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> calls;
    IdentifyPeer hook() {
        return [this](const std::optional<std::string>& from, const std::optional<std::string>& to) {
            calls.emplace_back(from, to);
            if (to && *to != kBob) return Identification{Identification::Verdict::wrong_to, kBob, ""};
            if (from && *from == kAlice) return Identification{Identification::Verdict::accept, kBob, kAlice};
            return Identification{Identification::Verdict::unknown_peer, kBob, ""};
        };
    }
};

template <typename T>
std::vector<T> events_of(const std::vector<ConversationEvent>& events) {
    std::vector<T> out;
    for (const auto& e : events)
        if (const auto* t = std::get_if<T>(&e)) out.push_back(*t);
    return out;
}

template <typename T>
std::vector<T> events_of(const ConversationOutput& out) {
    return events_of<T>(out.events);
}

std::optional<EndReason> ended(const ConversationOutput& out) {
    const auto e = events_of<Ended>(out);
    if (e.empty()) return std::nullopt;
    return e.back().reason;
}

void append(ConversationOutput& into, ConversationOutput more) {
    into.bytes += more.bytes;
    for (auto& e : more.events) into.events.push_back(std::move(e));
    into.finished = into.finished || more.finished;
}

// `bytes` delivered whole or one byte per call.
ConversationOutput deliver(Conversation& c, const std::string& bytes, MonoTime now, bool bytewise) {
    if (!bytewise) return c.receive(bytes, now);
    ConversationOutput all;
    for (char ch : bytes) append(all, c.receive(std::string_view(&ch, 1), now));
    return all;
}

OutgoingMessage outgoing(std::string id, std::string text, bool request_receipt = false) {
    OutgoingMessage m;
    m.id = std::move(id);
    m.text = std::move(text);
    m.chat_state = ChatState::Active;
    m.request_receipt = request_receipt;
    return m;
}

// Alice dials Bob; everything each writes is delivered to the other until both are quiet.
struct BackToBack {
    Identifier identifier;
    Conversation alice = Conversation::initiator(kAlice, kBob, 0ms);
    Conversation bob = Conversation::responder(identifier.hook(), 0ms);
    ConversationOutput at_alice, at_bob;  // everything each side produced
    bool bytewise = false;

    void pump(ConversationOutput from_alice, ConversationOutput from_bob, MonoTime now) {
        std::string to_bob = from_alice.bytes, to_alice = from_bob.bytes;
        append(at_alice, std::move(from_alice));
        append(at_bob, std::move(from_bob));
        while (!to_bob.empty() || !to_alice.empty()) {
            ConversationOutput b = to_bob.empty() ? ConversationOutput{} : deliver(bob, to_bob, now, bytewise);
            ConversationOutput a = to_alice.empty() ? ConversationOutput{} : deliver(alice, to_alice, now, bytewise);
            to_alice = b.bytes;
            to_bob = a.bytes;
            append(at_bob, std::move(b));
            append(at_alice, std::move(a));
        }
    }
    void open() {
        pump(alice.start(0ms), bob.start(0ms), 0ms);
        REQUIRE(alice.state() == Conversation::State::open);
        REQUIRE(bob.state() == Conversation::State::open);
    }
};

std::string header_from(const std::string& from, const std::string& to) {
    return "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='" + from +
           "' to='" + to + "'>";
}

// A responder Bob that Alice's header opened.
Conversation open_responder(Identifier& identifier, ConversationOutput* first = nullptr) {
    Conversation bob = Conversation::responder(identifier.hook(), 0ms);
    auto out = bob.receive(kPurpleHeader, 0ms);
    REQUIRE(bob.state() == Conversation::State::open);
    if (first) *first = std::move(out);
    return bob;
}

}  // namespace

TEST_CASE("two conversations back to back exchange messages both ways, whole and byte by byte") {
    for (bool bytewise : {false, true}) {
        CAPTURE(bytewise);
        BackToBack link;
        link.bytewise = bytewise;
        link.pump(link.alice.send(outgoing("hw-1", kNasty), 0ms), {}, 0ms);  // queued before the header
        link.open();
        CHECK(events_of<Opened>(link.at_alice) == std::vector{Opened{kBob}});
        CHECK(events_of<Opened>(link.at_bob) == std::vector{Opened{kAlice}});
        CHECK(link.identifier.calls.size() == 1);
        link.pump(link.alice.send(outgoing("hw-2", "line\nbreak"), 1ms), link.bob.send(outgoing("hw-3", "hi"), 1ms), 1ms);
        CHECK(events_of<Message>(link.at_bob) ==
              std::vector{Message{kNasty, "hw-1", ChatState::Active}, Message{"line\nbreak", "hw-2", ChatState::Active}});
        CHECK(events_of<Message>(link.at_alice) == std::vector{Message{"hi", "hw-3", ChatState::Active}});
        CHECK(events_of<Typing>(link.at_bob) == std::vector{Typing{false}, Typing{false}});
        CHECK(events_of<Dropped>(link.at_bob).empty());
        CHECK(events_of<Dropped>(link.at_alice).empty());

        // Alice closes; Bob answers; both are finished with nothing else written.
        link.pump(link.alice.close(2ms), {}, 2ms);
        CHECK(link.alice.state() == Conversation::State::finished);
        CHECK(link.bob.state() == Conversation::State::finished);
        CHECK(ended(link.at_alice) == EndReason::local_close);
        CHECK(ended(link.at_bob) == EndReason::remote_close);
        CHECK(link.at_alice.finished);
        CHECK(link.at_bob.finished);
        CHECK(link.alice.next_deadline() == MonoTime::max());
    }
}

TEST_CASE("responder against libpurple's real bytes, whole and byte by byte") {
    for (bool bytewise : {false, true}) {
        CAPTURE(bytewise);
        Identifier identifier;
        Conversation bob = Conversation::responder(identifier.hook(), 0ms);
        CHECK(bob.start(0ms).bytes.empty());
        auto out = deliver(bob, kPurpleHeader, 0ms, bytewise);
        CHECK(out.bytes == stream_header(kBob, kAlice));
        CHECK(events_of<Opened>(out) == std::vector{Opened{kAlice}});
        REQUIRE(identifier.calls.size() == 1);
        CHECK(identifier.calls[0].first == kAlice);
        CHECK(identifier.calls[0].second == kBob);

        out = deliver(bob, kPurpleMessage, 1ms, bytewise);
        CHECK(out.bytes.empty());
        // The <x> without <id/> only requests events: no typing; the html part is never read.
        CHECK(out.events == std::vector<ConversationEvent>{Message{kNasty, "", std::nullopt}});

        out = deliver(bob, kPurpleClose, 2ms, bytewise);
        CHECK(out.bytes == stream_close());
        CHECK(out.finished);
        CHECK(ended(out) == EndReason::remote_close);
    }
}

TEST_CASE("initiator against libpurple: nothing before its header, then the queue") {
    for (bool bytewise : {false, true}) {
        CAPTURE(bytewise);
        Conversation we = Conversation::initiator(kBob, kAlice, 0ms);  // bob@h2 dialing alice@h1
        ConversationOutput written = we.send(outgoing("hw-1", kNasty), 0ms);
        append(written, we.start(0ms));
        append(written, we.send(outgoing("hw-2", "second"), 1ms));
        CHECK(written.bytes == stream_header(kBob, kAlice));
        // libpurple's answer header (from alice@h1, to us): no <message until its last byte.
        const std::string header =
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
            "<stream:stream xmlns=\"jabber:client\" xmlns:stream=\"http://etherx.jabber.org/streams\" "
            "from=\"alice@h1\" to=\"bob@h2\">";
        std::string after;
        if (bytewise) {
            for (std::size_t i = 0; i + 1 < header.size(); ++i) {
                auto out = we.receive(header.substr(i, 1), 2ms);
                CHECK(out.bytes.find("<message") == std::string::npos);
                CHECK(out.events.empty());
            }
            after = we.receive(header.substr(header.size() - 1), 2ms).bytes;
        } else {
            after = we.receive(header, 2ms).bytes;
        }
        OutgoingMessage m1 = outgoing("hw-1", kNasty), m2 = outgoing("hw-2", "second");
        m1.from = m2.from = kBob;
        m1.to = m2.to = kAlice;
        CHECK(after == chat_message(m1) + chat_message(m2));
        CHECK(we.state() == Conversation::State::open);
    }
}

TEST_CASE("initiator: the queue holds kMaxQueuedBytes of text, one byte more is NotSent at once, the rest goes at their header") {
    // A dial that never answers must not let the caller pile up memory (limits.hpp).
    Conversation alice = Conversation::initiator(kAlice, kBob, 0ms);
    alice.start(0ms);
    const std::string quarter(kMaxQueuedBytes / 4, 'q');
    for (int i = 0; i < 4; ++i) {
        const auto out = alice.send(outgoing("hw-" + std::to_string(i), quarter), 0ms);
        CHECK(out.bytes.empty());
        CHECK(out.events.empty());
    }
    auto out = alice.send(outgoing("hw-over", "x"), 0ms);  // one byte over
    CHECK(out.bytes.empty());
    CHECK(out.events == std::vector<ConversationEvent>{NotSent{"hw-over"}});
    out = alice.receive(kPurpleHeader.substr(0, kPurpleHeader.find("from=")) + "from=\"bob@h2\" to=\"alice@h1\">", 1ms);
    CHECK(events_of<Opened>(out).size() == 1);
    CHECK(events_of<NotSent>(out).empty());
    std::size_t messages = 0;
    for (std::size_t at = out.bytes.find("<message"); at != std::string::npos; at = out.bytes.find("<message", at + 1))
        ++messages;
    CHECK(messages == 4);
}

TEST_CASE("their header does not come: header timeout") {
    SUBCASE("initiator: 5 s, our header closed, queued messages not sent") {
        Conversation alice = Conversation::initiator(kAlice, kBob, 100ms);
        alice.start(100ms);
        alice.send(outgoing("hw-1", "x"), 100ms);
        CHECK(alice.next_deadline() == 100ms + kDialHeaderTimeout);
        auto out = alice.on_timer(100ms + kDialHeaderTimeout - 1ms);
        CHECK(out.bytes.empty());
        CHECK_FALSE(out.finished);
        out = alice.on_timer(100ms + kDialHeaderTimeout);
        CHECK(out.bytes == stream_close());
        CHECK(out.finished);
        CHECK(out.events == std::vector<ConversationEvent>{NotSent{"hw-1"}, Ended{EndReason::header_timeout, ""}});
    }
    SUBCASE("responder: 10 s, nothing written") {
        Identifier identifier;
        Conversation bob = Conversation::responder(identifier.hook(), 0ms);
        CHECK(bob.next_deadline() == kAcceptHeaderTimeout);
        bob.receive(std::string_view("<?xml version='1.0'?><stream:str"), 1ms);  // half a header
        auto out = bob.on_timer(kAcceptHeaderTimeout);
        CHECK(out.bytes.empty());
        CHECK(out.finished);
        CHECK(ended(out) == EndReason::header_timeout);
        CHECK(identifier.calls.empty());
    }
}

TEST_CASE("the connection closes before their header: closed before header, the message stays the caller's") {
    Conversation alice = Conversation::initiator(kAlice, kBob, 0ms);
    alice.start(0ms);
    alice.send(outgoing("hw-7", "later"), 0ms);
    auto out = alice.connection_closed(10ms);
    CHECK(out.bytes.empty());
    CHECK(out.finished);
    CHECK(out.events ==
          std::vector<ConversationEvent>{NotSent{"hw-7"}, Ended{EndReason::closed_before_header, ""}});
    // A finished conversation refuses further messages and is silent.
    CHECK(events_of<NotSent>(alice.send(outgoing("hw-8", "x"), 11ms)) == std::vector{NotSent{"hw-8"}});
    CHECK(alice.receive(kPurpleHeader, 12ms).events.empty());
}

TEST_CASE("responder: an unknown from gets <invalid-from/>, and nothing of the same read is read") {
    Identifier identifier;
    Conversation bob = Conversation::responder(identifier.hook(), 0ms);
    const std::string message = "<message from='mallory@h3' type='chat'><body>hi</body></message>";
    auto out = bob.receive(header_from("mallory@h3", kBob) + message, 0ms);
    CHECK(out.bytes == stream_header(kBob, "mallory@h3") + stream_error("invalid-from") + stream_close());
    CHECK(out.finished);
    CHECK(out.events == std::vector<ConversationEvent>{Ended{EndReason::invalid_from, ""}});
    CHECK(bob.receive(message, 1ms).bytes.empty());
}

TEST_CASE("responder: a to that is not us gets <host-unknown/>") {
    Identifier identifier;
    Conversation bob = Conversation::responder(identifier.hook(), 0ms);
    auto out = bob.receive(header_from(kAlice, "carol@h4"), 0ms);
    CHECK(out.bytes == stream_header(kBob, kAlice) + stream_error("host-unknown") + stream_close());
    CHECK(out.finished);
    CHECK(ended(out) == EndReason::host_unknown);
    REQUIRE(identifier.calls.size() == 1);
    CHECK(identifier.calls[0].second == "carol@h4");
}

TEST_CASE("a stanza from another name than the stream's peer is dropped") {
    Identifier identifier;
    Conversation bob = open_responder(identifier);
    auto out = bob.receive(std::string_view("<message from='mallory@h3' type='chat'><body>spoof</body></message>"), 1ms);
    CHECK(events_of<Message>(out).empty());
    CHECK(events_of<Dropped>(out).size() == 1);
    CHECK(out.bytes.empty());
    // No from (libpurple's fallback) and the peer's name in another case are the peer.
    out = bob.receive(std::string_view("<message type='chat'><body>a</body></message>"
                                       "<message from='Alice@H1'><body>b</body></message>"),
                      2ms);
    CHECK(events_of<Message>(out) == std::vector{Message{"a", "", std::nullopt}, Message{"b", "", std::nullopt}});
    // An iq from someone else gets no answer either.
    CHECK(bob.receive(std::string_view("<iq from='mallory@h3' type='get' id='q'><query xmlns='jabber:iq:version'/></iq>"), 3ms)
              .bytes.empty());
}

TEST_CASE("iq get or set is answered service-unavailable, result and error are not") {
    Identifier identifier;
    Conversation bob = open_responder(identifier);
    const std::string iq = "<iq from='alice@h1' to='bob@h2' type='set' id='si1'><si xmlns='http://jabber.org/protocol/si'/></iq>";
    auto out = bob.receive(iq, 1ms);
    const auto stanzas = feed_whole(kHeader + iq);
    REQUIRE(stanzas.size() == 2);
    CHECK(out.bytes == iq_error_service_unavailable(std::get<Stanza>(stanzas[1]).element, kBob));
    CHECK(out.bytes.find("service-unavailable") != std::string::npos);
    CHECK(bob.receive(std::string_view("<iq from='alice@h1' type='result' id='r'/><iq type='error' id='e'/>"), 2ms)
              .bytes.empty());
    // Presence and unknown elements are ignored quietly.
    out = bob.receive(std::string_view("<presence/><stream:features/><foo xmlns='x'/>"), 3ms);
    CHECK(out.bytes.empty());
    CHECK(out.events.empty());
}

TEST_CASE("receipt round trip and typing") {
    BackToBack link;
    link.open();
    link.pump(link.alice.send(outgoing("hw-9", "ack me", true), 1ms), {}, 1ms);
    CHECK(events_of<Message>(link.at_bob) == std::vector{Message{"ack me", "hw-9", ChatState::Active}});
    CHECK(events_of<ReceiptReceived>(link.at_alice) == std::vector{ReceiptReceived{"hw-9"}});
    CHECK(events_of<Message>(link.at_alice).empty());  // the receipt is not a message

    // An empty-body message with a chat state is typing only.
    auto out = link.bob.receive(std::string_view("<message from='alice@h1'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>"
                                                 "<message from='alice@h1'><body/><paused xmlns='http://jabber.org/protocol/chatstates'/></message>"
                                                 "<message from='alice@h1'><x xmlns='jabber:x:event'><composing/><id>1</id></x></message>"),
                                2ms);
    CHECK(out.events == std::vector<ConversationEvent>{Typing{true}, Typing{false}, Typing{true}});
    CHECK(out.bytes.empty());
}

TEST_CASE("stanza rate: a burst of 50, then 20 per second, one more is a policy violation") {
    Identifier identifier;
    Conversation bob = open_responder(identifier);
    const std::string presence = "<presence/>";
    for (std::size_t i = 0; i < kStanzaBurst; ++i) REQUIRE_FALSE(bob.receive(presence, 1000ms).finished);
    // One second refills kStanzasPerSecond.
    for (std::size_t i = 0; i < kStanzasPerSecond; ++i) REQUIRE_FALSE(bob.receive(presence, 2000ms).finished);
    auto out = bob.receive(presence + "<message from='alice@h1'><body>late</body></message>", 2000ms);
    CHECK(out.bytes == stream_error("policy-violation") + stream_close());
    CHECK(out.finished);
    CHECK(events_of<Message>(out).empty());
    CHECK(ended(out) == EndReason::stream_error_sent);
}

TEST_CASE("hostile bytes: a stream error, finished, nothing after") {
    SUBCASE("after the headers: <stream:error> then </stream:stream>") {
        Identifier identifier;
        Conversation bob = open_responder(identifier);
        auto out = bob.receive(std::string_view("<message><body>a</body></message><!-- no --><message from='alice@h1'><body>b</body></message>"), 1ms);
        CHECK(out.bytes == stream_error("restricted-xml") + stream_close());
        CHECK(out.finished);
        CHECK(events_of<Message>(out) == std::vector{Message{"a", "", std::nullopt}});
        CHECK(ended(out) == EndReason::stream_error_sent);
        out = bob.receive(std::string_view("<message><body>c</body></message>"), 2ms);
        CHECK(out.bytes.empty());
        CHECK(out.events.empty());
        CHECK(out.finished);
        CHECK(bob.on_timer(1h).bytes.empty());
        CHECK(bob.close(1h).bytes.empty());
    }
    SUBCASE("before our header: nothing written") {
        Identifier identifier;
        Conversation bob = Conversation::responder(identifier.hook(), 0ms);
        auto out = bob.receive(std::string_view("GET / HTTP/1.1\r\n"), 0ms);
        CHECK(out.bytes.empty());
        CHECK(out.finished);
        CHECK(ended(out) == EndReason::stream_error_sent);
        CHECK(identifier.calls.empty());
    }
    SUBCASE("a wrong root") {
        Conversation alice = Conversation::initiator(kAlice, kBob, 0ms);
        alice.start(0ms);
        auto out = alice.receive(std::string_view("<html xmlns='jabber:client'>"), 0ms);
        CHECK(out.bytes == stream_error("invalid-namespace") + stream_close());
        CHECK(out.finished);
    }
}

TEST_CASE("their <stream:error> is answered with </stream:stream>") {
    Identifier identifier;
    Conversation bob = open_responder(identifier);
    auto out = bob.receive(std::string_view("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"), 1ms);
    CHECK(out.bytes == stream_close());
    CHECK(out.finished);
    REQUIRE(events_of<Ended>(out).size() == 1);
    CHECK(events_of<Ended>(out)[0].reason == EndReason::stream_error_received);
    CHECK(events_of<Ended>(out)[0].detail == "conflict");
}

TEST_CASE("idle: 300 s without stanzas closes, then their answer finishes") {
    BackToBack link;
    link.open();
    link.pump(link.alice.send(outgoing("hw-1", "x"), 10s), {}, 10s);
    CHECK(link.bob.next_deadline() == 10s + kIdleStreamTimeout);
    CHECK(link.alice.next_deadline() == 10s + kIdleStreamTimeout);
    auto out = link.bob.on_timer(10s + kIdleStreamTimeout - 1ms);
    CHECK(out.bytes.empty());
    out = link.bob.on_timer(10s + kIdleStreamTimeout);
    CHECK(out.bytes == stream_close());
    CHECK_FALSE(out.finished);
    CHECK(link.bob.state() == Conversation::State::closing);
    // Messages in flight while we linger are still passed up; we no longer send.
    CHECK(events_of<NotSent>(link.bob.send(outgoing("hw-2", "y"), 311s)) == std::vector{NotSent{"hw-2"}});
    auto alice_out = link.alice.receive(out.bytes, 311s);
    CHECK(alice_out.bytes == stream_close());
    CHECK(ended(alice_out) == EndReason::remote_close);
    out = link.bob.receive(alice_out.bytes, 311s);
    CHECK(out.bytes.empty());
    CHECK(out.finished);
    CHECK(ended(out) == EndReason::idle);
}

TEST_CASE("linger: no answer to our </stream:stream> within 2 s") {
    Identifier identifier;
    Conversation bob = open_responder(identifier);
    auto out = bob.close(5s);
    CHECK(out.bytes == stream_close());
    CHECK_FALSE(out.finished);
    CHECK(bob.next_deadline() == 5s + kLingerTimeout);
    // A message still arriving is passed up, with no receipt written after our close.
    out = bob.receive(std::string_view("<message from='alice@h1' id='m'><body>last</body><request xmlns='urn:xmpp:receipts'/></message>"), 6s);
    CHECK(events_of<Message>(out) == std::vector{Message{"last", "m", std::nullopt}});
    CHECK(out.bytes.empty());
    CHECK(bob.on_timer(5s + kLingerTimeout - 1ms).events.empty());
    out = bob.on_timer(5s + kLingerTimeout);
    CHECK(out.bytes.empty());
    CHECK(out.finished);
    CHECK(ended(out) == EndReason::linger_expired);
    CHECK(bob.next_deadline() == MonoTime::max());
}

TEST_CASE("the connection is lost after the headers") {
    Identifier identifier;
    Conversation bob = open_responder(identifier);
    auto out = bob.connection_closed(1s);
    CHECK(out.bytes.empty());
    CHECK(out.finished);
    CHECK(ended(out) == EndReason::connection_lost);
}

TEST_CASE("responder: a from discovery does not know yet is held, then accepted or invalid-from at 3 s") {
    bool known = false;
    std::size_t calls = 0;
    IdentifyPeer hook = [&known, &calls](const std::optional<std::string>&, const std::optional<std::string>&) {
        ++calls;
        return known ? Identification{Identification::Verdict::accept, kBob, kAlice}
                     : Identification{Identification::Verdict::wait, kBob, ""};
    };
    const std::string first = "<message from='alice@h1' id='1'><body>one</body></message>";
    const std::string second = "<message from='alice@h1' id='2'><body>two</body></message>";

    SUBCASE("discovery catches up: our header, then what was held, in order") {
        Conversation bob = Conversation::responder(hook, 0ms);
        auto out = bob.receive(kPurpleHeader + first, 0ms);
        CHECK(out.bytes.empty());  // nothing before we know whom we talk to
        CHECK(out.events.empty());
        CHECK(bob.state() == Conversation::State::identifying);
        CHECK(bob.next_deadline() == kIdentifyWait);
        CHECK(bob.receive(second, 1s).events.empty());
        bob.send(outgoing("hw-1", "queued"), 1s);
        CHECK(bob.identify_again(2s).bytes.empty());  // still unknown
        known = true;
        out = bob.identify_again(2500ms);
        OutgoingMessage m = outgoing("hw-1", "queued");
        m.from = kBob;
        m.to = kAlice;
        CHECK(out.bytes == stream_header(kBob, kAlice) + chat_message(m));
        CHECK(events_of<Message>(out) == std::vector{Message{"one", "1", std::nullopt}, Message{"two", "2", std::nullopt}});
        CHECK(bob.state() == Conversation::State::open);
        CHECK(calls == 3);
    }
    SUBCASE("still unknown at 3 s: <invalid-from/>") {
        Conversation bob = Conversation::responder(hook, 0ms);
        bob.receive(kPurpleHeader + first, 0ms);
        CHECK(bob.on_timer(kIdentifyWait - 1ms).bytes.empty());
        auto out = bob.on_timer(kIdentifyWait);
        CHECK(out.bytes == stream_header(kBob, kAlice) + stream_error("invalid-from") + stream_close());
        CHECK(out.finished);
        CHECK(events_of<Message>(out).empty());
        CHECK(ended(out) == EndReason::invalid_from);
    }
    SUBCASE("too many bytes while held: closed, nothing written") {
        Conversation bob = Conversation::responder(hook, 0ms);
        bob.receive(kPurpleHeader, 0ms);
        auto out = bob.receive(std::string(kMaxHeldBytes + 1, ' '), 1ms);
        CHECK(out.bytes.empty());
        CHECK(out.finished);
        CHECK(ended(out) == EndReason::stream_error_sent);
    }
}

TEST_CASE("a libpurple session in random splits gives the same bytes and events") {
    const std::string input = kPurpleHeader + kPurpleMessage + "\n" + kPurpleMessage + kPurpleClose;
    Identifier identifier;
    Conversation whole = Conversation::responder(identifier.hook(), 0ms);
    const ConversationOutput expected = whole.receive(input, 0ms);
    REQUIRE(expected.finished);
    REQUIRE(events_of<Message>(expected).size() == 2);
    for (unsigned seed = 1; seed <= 20; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        std::uniform_int_distribution<std::size_t> len(1, 64);
        Conversation bob = Conversation::responder(identifier.hook(), 0ms);
        ConversationOutput got;
        for (std::size_t at = 0; at < input.size();) {
            const std::size_t n = std::min(len(rng), input.size() - at);
            append(got, bob.receive(std::string_view(input).substr(at, n), 0ms));
            at += n;
        }
        CHECK(got.bytes == expected.bytes);
        CHECK(got.events == expected.events);
        CHECK(got.finished);
    }
}
