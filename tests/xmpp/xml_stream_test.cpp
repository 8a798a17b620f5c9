// xmpp/xml_stream: real client headers, split invariance, and every hostile
// input of docs/XMPP-BRIDGE-DESIGN.md §5 cut off with the right stream error condition.
// Every input goes through events_of: fed whole, byte by byte (up to 20 kB) and
// in three random splits, all of which must give the same events.
#include "stream_test_support.hpp"
#include "xmpp/limits.hpp"

#include <doctest/doctest.h>

using namespace hallway::xmpp;
using namespace hallway::xmpp::test;

namespace {

// Every split of `input` gives the same events; returns them.
std::vector<StreamEvent> events_of(const std::string& input) {
    const auto whole = feed_whole(input);
    // Byte by byte is quadratic in expat for long tokens; large inputs get coarser splits only.
    if (input.size() <= 20000) CHECK(feed_bytewise(input) == whole);
    for (unsigned seed = 1; seed <= 3; ++seed) CHECK(feed_random(input, seed) == whole);
    return whole;
}

// The input after a header must end in exactly this error, after the header's StreamOpened.
void check_rejected(const std::string& input, StreamCondition want) {
    const auto events = events_of(input);
    REQUIRE(!events.empty());
    const auto got = error_of(events);
    REQUIRE(got.has_value());
    CHECK(condition_name(*got) == condition_name(want));
    for (std::size_t i = 0; i + 1 < events.size(); ++i) CHECK(!std::holds_alternative<StreamError>(events[i]));
}

const Stanza& stanza_at(const std::vector<StreamEvent>& events, std::size_t i) {
    REQUIRE(i < events.size());
    REQUIRE(std::holds_alternative<Stanza>(events[i]));
    return std::get<Stanza>(events[i]);
}

}  // namespace

TEST_CASE("xml_stream: libpurple header with XML declaration and double quotes, then a message") {
    const std::string input = kLibpurpleHeader +
        "<message to=\"bob@builder\" from=\"alice@wonderland\" type=\"chat\"><body>hi &amp; &lt;bye&gt; &#x1F600;</body>"
        "<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>"
        "<font>hi<br/>there</font></body></html><x xmlns='jabber:x:event'><composing/></x></message>"
        "</stream:stream>";
    const auto events = events_of(input);
    REQUIRE(events.size() == 3);
    REQUIRE(std::holds_alternative<StreamOpened>(events[0]));
    const auto& opened = std::get<StreamOpened>(events[0]);
    CHECK(opened.attributes == std::vector<Attribute>{{"", "from", "alice@wonderland"}, {"", "to", "bob@builder"}});
    const Element& m = stanza_at(events, 1).element;
    CHECK(m.ns == "jabber:client");
    CHECK(m.name == "message");
    REQUIRE(m.attribute("type") != nullptr);
    CHECK(*m.attribute("type") == "chat");
    const Element* body = m.child("jabber:client", "body");
    REQUIRE(body != nullptr);
    CHECK(body->text == "hi & <bye> \xF0\x9F\x98\x80");
    const Element* html = m.child("http://jabber.org/protocol/xhtml-im", "html");
    REQUIRE(html != nullptr);
    const Element* font = html->child("http://www.w3.org/1999/xhtml", "body")->child("http://www.w3.org/1999/xhtml", "font");
    REQUIRE(font != nullptr);
    CHECK(font->text == "hi");
    REQUIRE(font->children.size() == 1);
    CHECK(font->children[0].name == "br");
    CHECK(font->children[0].tail == "there");
    CHECK(m.child("jabber:x:event", "x")->child("jabber:x:event", "composing") != nullptr);
    CHECK(std::holds_alternative<StreamClosed>(events[2]));
}

TEST_CASE("xml_stream: version='1.0' header and stream:features arrive as a stanza") {
    const std::string input =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
        "version='1.0' xml:lang='en' from='gajim@host'>\n"
        "<stream:features/>\n \n<message type='chat'><body>x</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>";
    const auto events = events_of(input);
    REQUIRE(events.size() == 3);
    const auto& attrs = std::get<StreamOpened>(events[0]).attributes;
    CHECK(attrs.size() == 3);
    CHECK(attrs[1] == Attribute{std::string(kXmlNamespace), "lang", "en"});
    CHECK(stanza_at(events, 1).element.ns == kStreamNamespace);
    CHECK(stanza_at(events, 1).element.name == "features");
    CHECK(stanza_at(events, 2).element.child("http://jabber.org/protocol/chatstates", "active") != nullptr);
}

TEST_CASE("xml_stream: UTF-8 split across feeds") {
    const std::string text = "\xC3\xA9\xE2\x9C\x93\xF0\x9F\x98\x80";  // é ✓ 😀
    const std::string input = kHeader + "<message><body>" + text + "</body></message>";
    for (std::size_t cut = 1; cut < text.size(); ++cut) {
        XmlStream s;
        const std::size_t at = kHeader.size() + 15 + cut;
        auto first = s.feed(bytes_of(std::string_view(input).substr(0, at)));
        auto second = s.feed(bytes_of(std::string_view(input).substr(at)));
        CHECK(first.size() == 1);
        REQUIRE(second.size() == 1);
        CHECK(stanza_at(second, 0).element.child("jabber:client", "body")->text == text);
    }
}

TEST_CASE("xml_stream: a stream header at the byte limit passes, one byte more is a policy violation") {
    const std::string head = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='";
    const std::string fits = head + std::string(kMaxHeaderBytes - head.size() - 2, 'a') + "'>";
    REQUIRE(fits.size() == kMaxHeaderBytes);
    CHECK(std::holds_alternative<StreamOpened>(events_of(fits + "<a/>").at(0)));
    // 4097 bytes of the header: longer than the value limit is not reached (attribute value 4000ish).
    const std::string over = head + std::string(kMaxHeaderBytes - head.size() - 1, 'a') + "'>";
    check_rejected(over, StreamCondition::PolicyViolation);
    check_rejected(std::string(kMaxHeaderBytes + 10, ' '), StreamCondition::PolicyViolation);
}

TEST_CASE("xml_stream: DOCTYPE with a billion-laughs entity set is restricted-xml, nothing expanded") {
    const std::string bomb =
        "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
        "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
        "<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>"
        "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]>" +
        kHeader + "<message><body>&lol3;</body></message>";
    const auto events = events_of(bomb);
    REQUIRE(events.size() == 1);
    CHECK(error_of(events) == StreamCondition::RestrictedXml);
}

TEST_CASE("xml_stream: SYSTEM entity, comment and processing instruction are restricted-xml") {
    check_rejected("<!DOCTYPE s SYSTEM 'file:///etc/passwd'>" + kHeader, StreamCondition::RestrictedXml);
    check_rejected("<!DOCTYPE s [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>" + kHeader + "<a>&x;</a>",
                   StreamCondition::RestrictedXml);
    check_rejected(kHeader + "<message><!-- hi --></message>", StreamCondition::RestrictedXml);
    check_rejected("<!-- before -->" + kHeader, StreamCondition::RestrictedXml);
    check_rejected(kHeader + "<?php echo 1; ?>", StreamCondition::RestrictedXml);
    check_rejected("<?xml-stylesheet href='x'?>" + kHeader, StreamCondition::RestrictedXml);
}

TEST_CASE("xml_stream: depth 16 passes, depth 17 is a policy violation") {
    const auto nest = [](std::size_t levels) {  // stanza-level nesting below the root
        std::string s = kHeader;
        for (std::size_t i = 0; i < levels; ++i) s += "<a>";
        for (std::size_t i = 0; i < levels; ++i) s += "</a>";
        return s;
    };
    CHECK(std::holds_alternative<Stanza>(events_of(nest(kMaxDepth - 1)).at(1)));
    check_rejected(nest(kMaxDepth), StreamCondition::PolicyViolation);
}

TEST_CASE("xml_stream: 32 attributes pass, 33 are a policy violation") {
    const auto with = [](std::size_t n) {
        std::string s = kHeader + "<message";
        for (std::size_t i = 0; i < n; ++i) s += " a" + std::to_string(i) + "='v'";
        return s + "/>";
    };
    CHECK(std::get<Stanza>(events_of(with(kMaxAttributes)).at(1)).element.attributes.size() == kMaxAttributes);
    check_rejected(with(kMaxAttributes + 1), StreamCondition::PolicyViolation);
}

TEST_CASE("xml_stream: 256-byte names pass, 257 bytes are a policy violation") {
    const std::string ok(kMaxNameBytes, 'n'), long_name(kMaxNameBytes + 1, 'n');
    CHECK(std::holds_alternative<Stanza>(events_of(kHeader + "<" + ok + "/>").at(1)));
    check_rejected(kHeader + "<" + long_name + "/>", StreamCondition::PolicyViolation);
    check_rejected(kHeader + "<m " + long_name + "='v'/>", StreamCondition::PolicyViolation);
}

TEST_CASE("xml_stream: 4096-byte attribute values pass, 4097 bytes are a policy violation") {
    CHECK(std::holds_alternative<Stanza>(
        events_of(kHeader + "<m v='" + std::string(kMaxAttributeValueBytes, 'v') + "'/>").at(1)));
    check_rejected(kHeader + "<m v='" + std::string(kMaxAttributeValueBytes + 1, 'v') + "'/>",
                   StreamCondition::PolicyViolation);
}

TEST_CASE("xml_stream: a stanza of 262144 bytes passes, 262145 bytes are a policy violation") {
    const auto stanza = [](std::size_t bytes) {
        const std::string open = "<message><body>", close = "</body></message>";
        return open + std::string(bytes - open.size() - close.size(), 'x') + close;
    };
    const auto ok = events_of(kHeader + stanza(kMaxStanzaBytes) + stanza(100));
    REQUIRE(ok.size() == 3);
    CHECK(stanza_at(ok, 1).element.child("jabber:client", "body")->text.size() == kMaxStanzaBytes - 32);
    check_rejected(kHeader + stanza(kMaxStanzaBytes + 1), StreamCondition::PolicyViolation);
    // An unfinished stanza is cut off as soon as it is too long, not when it ends.
    check_rejected(kHeader + "<message><body>" + std::string(kMaxStanzaBytes, 'x'), StreamCondition::PolicyViolation);
}

TEST_CASE("xml_stream: invalid UTF-8, NUL, CDATA end in text and an unbound prefix are not-well-formed") {
    check_rejected(kHeader + "<message><body>\xC3\x28</body></message>", StreamCondition::NotWellFormed);
    check_rejected(kHeader + "<message><body>\xED\xA0\x80</body></message>", StreamCondition::NotWellFormed);
    check_rejected(kHeader + std::string("<message><body>a\0b</body></message>", 35), StreamCondition::NotWellFormed);
    check_rejected(kHeader + "<message><body>a]]>b</body></message>", StreamCondition::NotWellFormed);
    check_rejected(kHeader + "<message><foo:x/></message>", StreamCondition::NotWellFormed);
    check_rejected(kHeader + "<message><body>&unknown;</body></message>", StreamCondition::NotWellFormed);
    check_rejected(kHeader + "<message></presence>", StreamCondition::NotWellFormed);
}

TEST_CASE("xml_stream: wrong root or default namespace is invalid-namespace") {
    check_rejected("<stream:stream xmlns='jabber:client' xmlns:stream='urn:evil'>", StreamCondition::InvalidNamespace);
    check_rejected("<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>",
                   StreamCondition::InvalidNamespace);
    check_rejected("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>", StreamCondition::InvalidNamespace);
    check_rejected("<stream xmlns='jabber:client'>", StreamCondition::InvalidNamespace);
    check_rejected("<message xmlns='jabber:client'/>", StreamCondition::InvalidNamespace);
}

TEST_CASE("xml_stream: junk after </stream:stream> is not-well-formed, and nothing follows an error") {
    const auto events = events_of(kHeader + "</stream:stream><message/>");
    REQUIRE(events.size() == 3);
    CHECK(std::holds_alternative<StreamClosed>(events[1]));
    CHECK(error_of(events) == StreamCondition::NotWellFormed);

    XmlStream s;
    CHECK(s.feed(bytes_of(kHeader + "<!-- x -->")).size() == 2);
    CHECK(s.failed());
    CHECK(s.feed(bytes_of("<message/>")).empty());
}

TEST_CASE("xml_stream: the memory budget stops a stream that makes expat allocate without bound") {
    // Many namespace declarations on one start tag: expat keeps them all, none is an attribute
    // and the tag stays under the stanza limit in bytes only if the budget is what stops it.
    std::string input = kHeader + "<message";
    for (std::size_t i = 0; input.size() < kMaxStanzaBytes - 1000; ++i)
        input += " xmlns:p" + std::to_string(i) + "='urn:" + std::to_string(i) + std::string(200, 'u') + "'";
    input += "/>";
    XmlStream s;
    const auto events = s.feed(bytes_of(input));
    REQUIRE(!events.empty());
    CHECK(error_of(events) == StreamCondition::PolicyViolation);
    CHECK(std::get<StreamError>(events.back()).detail == "memory budget exceeded");
    CHECK(s.memory_in_use() <= kMaxParserMemory);

    // The stanza tree counts too: many small elements.
    std::string many = kHeader + "<message>";
    while (many.size() < kMaxStanzaBytes - 100) many += "<a/>";
    many += "</message>";
    XmlStream t;
    const auto tree_events = t.feed(bytes_of(many));
    REQUIRE(error_of(tree_events) == StreamCondition::PolicyViolation);
    CHECK(std::get<StreamError>(tree_events.back()).detail == "memory budget exceeded");
}

TEST_CASE("xml_stream: memory is given back after each stanza") {
    XmlStream s;
    s.feed(bytes_of(kHeader));
    const std::size_t base = s.memory_in_use();
    for (int i = 0; i < 1000; ++i) {
        const auto events = s.feed(bytes_of("<message><body>" + std::string(1000, 'x') + "</body></message>"));
        REQUIRE(events.size() == 1);
    }
    CHECK(s.memory_in_use() < base + 64 * 1024);
    CHECK(s.memory_in_use() > 0);
}
