// xmpp/stanzas: builders give exact bytes, everything built reads back to what
// was sent through XmlStream + read_stanza, and libpurple's real bytes read right.
#include "stream_test_support.hpp"
#include "xmpp/limits.hpp"
#include "xmpp/stanzas.hpp"

#include <doctest/doctest.h>

using namespace hallway::xmpp;
using namespace hallway::xmpp::test;

namespace {

const std::string kNasty = "<b> & \xC3\xA9\xE2\x9C\x93 ]]>";  // <b> & é✓ ]]>

// The stanzas of `header + stanzas + close`, parsed whole (split invariance is xml_stream_test's job).
std::vector<Element> parse(const std::string& header, const std::string& stanzas) {
    const auto events = feed_whole(header + stanzas + stream_close());
    std::vector<Element> out;
    REQUIRE(!events.empty());
    CHECK(std::holds_alternative<StreamOpened>(events.front()));
    CHECK(std::holds_alternative<StreamClosed>(events.back()));
    for (const auto& e : events)
        if (const auto* s = std::get_if<Stanza>(&e)) out.push_back(s->element);
    return out;
}

IncomingStanza read_one(const std::string& stanza, const std::string& header = kHeader) {
    const auto elements = parse(header, stanza);
    REQUIRE(elements.size() == 1);
    return read_stanza(elements[0]);
}

IncomingMessage message_of(const IncomingStanza& s) {
    REQUIRE(std::holds_alternative<IncomingMessage>(s));
    return std::get<IncomingMessage>(s);
}

}  // namespace

TEST_CASE("stanzas: stream header, close and error are exact bytes") {
    CHECK(stream_header("me@h1", "you@h2") ==
          "<?xml version='1.0' encoding='UTF-8'?><stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' from='me@h1' to='you@h2'>");
    CHECK(stream_header("a'b&c", "<x>") ==
          "<?xml version='1.0' encoding='UTF-8'?><stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' from='a&apos;b&amp;c' to='&lt;x&gt;'>");
    CHECK(stream_close() == "</stream:stream>");
    CHECK(stream_error("invalid-from") ==
          "<stream:error><invalid-from xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
    CHECK(stream_error(StreamCondition::PolicyViolation) ==
          "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
}

TEST_CASE("stanzas: our header opens a stream XmlStream accepts, names escaped and read back") {
    const auto events = feed_whole(stream_header("a'b&c@h", "<x>@h") + stream_error("host-unknown") + stream_close());
    REQUIRE(events.size() == 3);
    const auto& opened = std::get<StreamOpened>(events[0]);
    CHECK(opened.attributes == std::vector<Attribute>{{"", "from", "a'b&c@h"}, {"", "to", "<x>@h"}});
    const Element& error = std::get<Stanza>(events[1]).element;
    CHECK(error.ns == kStreamNamespace);
    CHECK(error.name == "error");
    CHECK(error.child(kStreamErrorNamespace, "host-unknown") != nullptr);
    CHECK(read_stanza(error) == IncomingStanza{Ignored{"unknown element {http://etherx.jabber.org/streams}error"}});
}

TEST_CASE("stanzas: chat message exact bytes, plain and with the libpurple html part") {
    OutgoingMessage m{"me@h1", "you@h2", "hw-1f", "a <b>\n& c", false, ChatState::Active, false};
    CHECK(chat_message(m) ==
          "<message from='me@h1' to='you@h2' type='chat' id='hw-1f'><body>a &lt;b&gt;\n&amp; c</body>"
          "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
    m.libpurple_html = true;
    m.chat_state.reset();
    m.request_receipt = true;
    CHECK(chat_message(m) ==
          "<message from='me@h1' to='you@h2' type='chat' id='hw-1f'><body>a &lt;b&gt;\n&amp; c</body>"
          "<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>"
          "<font>a &lt;b&gt;<br/>&amp; c</font></body></html>"
          "<request xmlns='urn:xmpp:receipts'/></message>");
}

TEST_CASE("stanzas: receipt and iq error reply exact bytes") {
    CHECK(receipt("me@h1", "you@h2", "m'1") ==
          "<message from='me@h1' to='you@h2'><received xmlns='urn:xmpp:receipts' id='m&apos;1'/></message>");
    const auto elements = parse(kHeader,
        "<iq type='get' id='q1' from='b@h' to='a@h'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
        "<iq type='set' id='s2'><si xmlns='http://jabber.org/protocol/si'/></iq>");
    REQUIRE(elements.size() == 2);
    CHECK(read_stanza(elements[0]) == IncomingStanza{Iq{"get", "q1", "b@h"}});
    CHECK(iq_error_service_unavailable(elements[0], "a@h") ==
          "<iq from='a@h' to='b@h' type='error' id='q1'><error type='cancel'>"
          "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    // The reply reads back as an error iq, which a reader never answers (no loops).
    CHECK(read_one(iq_error_service_unavailable(elements[0], "a@h")) == IncomingStanza{Iq{"error", "q1", "a@h"}});
    CHECK(read_stanza(elements[1]) == IncomingStanza{Iq{"set", "s2", ""}});
    CHECK(iq_error_service_unavailable(elements[1], "a@h") ==
          "<iq from='a@h' type='error' id='s2'><error type='cancel'>"
          "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
}

TEST_CASE("stanzas: everything built reads back to what was sent") {
    const std::vector<std::string> texts{kNasty, "line 1\nline 2\n\n", "\n", "", "tab\there \"q\" 'a'", "crlf\r\nline\r", kNasty + "\n" + kNasty};
    for (const auto& text : texts) {
        for (const bool html : {false, true}) {
            for (const bool request : {false, true}) {
                CAPTURE(text);
                CAPTURE(html);
                const OutgoingMessage sent{"me@h1", "you@h2", "hw-" + std::to_string(text.size()), text, html,
                                           ChatState::Composing, request};
                const auto got = message_of(read_one(chat_message(sent)));
                CHECK(got.from == sent.from);
                CHECK(got.to == sent.to);
                CHECK(got.id == sent.id);
                CHECK(got.type == "chat");
                CHECK(got.body == std::optional<std::string>(text));
                CHECK(got.chat_state == std::optional<ChatState>(ChatState::Composing));
                CHECK(got.receipt_requested == request);
                CHECK(!got.receipt_for.has_value());
                CHECK(!got.event_typing.has_value());
            }
        }
    }
    for (const ChatState s :
         {ChatState::Active, ChatState::Composing, ChatState::Paused, ChatState::Inactive, ChatState::Gone}) {
        const auto got = message_of(read_one(chat_message({"a@h", "b@h", "1", "x", false, s, false})));
        CHECK(got.chat_state == std::optional<ChatState>(s));
    }
    const auto r = message_of(read_one(receipt("me@h1", "you@h2", kNasty)));
    CHECK(r.receipt_for == std::optional<std::string>(kNasty));
    CHECK(!r.body.has_value());
    CHECK(r.type.empty());
}

TEST_CASE("stanzas: bytes XML cannot carry are sent as U+FFFD, not dropped with the stream") {
    const OutgoingMessage sent{"me@h1", "you@h2", "1", "a\x01" "b\xFF" "c", true, std::nullopt, false};
    const std::string bytes = chat_message(sent);
    CHECK(bytes.find("<font>a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c</font>") != std::string::npos);
    CHECK(message_of(read_one(bytes)).body == std::optional<std::string>("a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c"));
}

TEST_CASE("stanzas: libpurple's real bytes from the virtual LAN") {
    const std::string header =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<stream:stream xmlns=\"jabber:client\" "
        "xmlns:stream=\"http://etherx.jabber.org/streams\" from=\"alice@h1\" to=\"bob@h2\">";
    const auto got = message_of(read_one(
        "<message to='bob@h2' from='alice@h1' type='chat'><body>&lt;b&gt; &amp; \xC3\xA9\xE2\x9C\x93 ]]&gt;</body>"
        "<html xmlns='http://www.w3.org/1999/xhtml'><body><font>&lt;b&gt; &amp; \xC3\xA9\xE2\x9C\x93 ]]&gt;</font>"
        "</body></html><x xmlns='jabber:x:event'><composing/></x></message>",
        header));
    CHECK(got.from == "alice@h1");
    CHECK(got.to == "bob@h2");
    CHECK(got.id.empty());
    CHECK(got.type == "chat");
    CHECK(got.body == std::optional<std::string>(kNasty));  // the html part's <body> is another namespace
    CHECK(!got.chat_state.has_value());
    // <x><composing/></x> without <id/> asks for composing events (XEP-0022 §4); it is not typing.
    CHECK(!got.event_typing.has_value());
}

TEST_CASE("stanzas: XEP-0022 composing events") {
    const auto on = message_of(read_one(
        "<message from='a@h' to='b@h'><x xmlns='jabber:x:event'><composing/><id>m1</id></x></message>"));
    CHECK(on.event_typing == std::optional<bool>(true));
    CHECK(!on.body.has_value());
    const auto off = message_of(read_one("<message from='a@h' to='b@h'><x xmlns='jabber:x:event'><id/></x></message>"));
    CHECK(off.event_typing == std::optional<bool>(false));
}

TEST_CASE("stanzas: Gajim-style message with a chat state and a receipt request") {
    const auto got = message_of(read_one(
        "<message xmlns='jabber:client' to='bob@h2' type='chat' id='5f3c-aa' from='carol@h3' xml:lang='en'>"
        "<body>hi\nthere</body><origin-id xmlns='urn:xmpp:sid:0' id='5f3c-aa'/>"
        "<request xmlns='urn:xmpp:receipts'/><active xmlns='http://jabber.org/protocol/chatstates'/></message>"));
    CHECK(got.from == "carol@h3");
    CHECK(got.id == "5f3c-aa");
    CHECK(got.body == std::optional<std::string>("hi\nthere"));
    CHECK(got.chat_state == std::optional<ChatState>(ChatState::Active));
    CHECK(got.receipt_requested);
    const auto typing = message_of(read_one(
        "<message to='bob@h2' type='chat' from='carol@h3'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>"));
    CHECK(!typing.body.has_value());
    CHECK(typing.chat_state == std::optional<ChatState>(ChatState::Composing));
}

TEST_CASE("stanzas: body limit is after unescaping, at 65536 bytes") {
    const std::string at_limit(kMaxBodyBytes, 'a');
    CHECK(message_of(read_one("<message type='chat'><body>" + at_limit + "</body></message>")).body ==
          std::optional<std::string>(at_limit));
    CHECK(std::holds_alternative<Refused>(read_one("<message type='chat'><body>" + at_limit + "a</body></message>")));
    // Counted after unescaping: a quarter of the text as "&lt;" (4 bytes each on the wire) still fits.
    std::string escaped(kMaxBodyBytes / 4 * 3, 'a');
    for (std::size_t i = 0; i < kMaxBodyBytes / 4; ++i) escaped += "&lt;";
    CHECK(message_of(read_one("<message><body>" + escaped + "</body></message>")).body->size() == kMaxBodyBytes);
    CHECK(std::holds_alternative<Refused>(read_one("<message><body>" + escaped + "&amp;</body></message>")));
}

TEST_CASE("stanzas: refused message types, ignored presence and unknown elements") {
    for (const std::string type : {"error", "groupchat", "headline"}) {
        CAPTURE(type);
        CHECK(std::holds_alternative<Refused>(read_one("<message type='" + type + "'><body>x</body></message>")));
    }
    CHECK(message_of(read_one("<message type='normal'><body>x</body></message>")).type == "normal");
    CHECK(message_of(read_one("<message type='bogus'><body>x</body></message>")).body == std::optional<std::string>("x"));
    CHECK(read_one("<presence/>") == IncomingStanza{Ignored{"presence"}});
    CHECK(std::holds_alternative<Ignored>(read_one("<stream:features/>")));
    CHECK(std::holds_alternative<Ignored>(read_one("<foo xmlns='urn:x'><message/></foo>")));
    CHECK(std::holds_alternative<Ignored>(read_one("<message xmlns='urn:other'><body>x</body></message>")));
    // A <body> in another namespace, or children of <body>, are not the body text.
    const auto m = message_of(read_one("<message><body xmlns='urn:x'>no</body><body>y<i>no</i>es</body></message>"));
    CHECK(m.body == std::optional<std::string>("yes"));
}
