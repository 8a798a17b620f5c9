// xmpp/element: the serializer writes what the parser reads back unchanged,
// and never writes markup or an XML-illegal character from peer text.
#include "stream_test_support.hpp"

#include <doctest/doctest.h>

using namespace hallway::xmpp;
using namespace hallway::xmpp::test;

namespace {

// `e` written as a stanza and read back by XmlStream.
Element round_trip(const Element& e) {
    const std::string wire = kHeader + serialize(e, kClientNamespace) + "</stream:stream>";
    const auto events = feed_whole(wire);
    REQUIRE(events.size() == 3);
    REQUIRE(std::holds_alternative<Stanza>(events[1]));
    return std::get<Stanza>(events[1]).element;
}

Element message(std::string body) {
    Element m{std::string(kClientNamespace), "message", {{"", "type", "chat"}, {"", "to", "b@h"}}, "", {}, ""};
    m.children.push_back(Element{std::string(kClientNamespace), "body", {}, std::move(body), {}, ""});
    return m;
}

}  // namespace

TEST_CASE("element: markup characters, quotes, CDATA end and emoji round trip exactly") {
    const std::string tricky = "a < b && c > d \"q\" 'a' ]]> \xF0\x9F\x98\x80 caf\xC3\xA9\ttab\nline\r\ncrlf";
    Element m = message(tricky);
    m.attributes.push_back({"", "id", tricky});
    m.attributes.push_back({std::string(kXmlNamespace), "lang", "en"});
    m.attributes.push_back({"urn:x", "extra", "1"});
    Element html{"http://jabber.org/protocol/xhtml-im", "html", {}, "", {}, ""};
    Element font{"http://www.w3.org/1999/xhtml", "font", {}, "one", {}, ""};
    font.children.push_back(Element{"http://www.w3.org/1999/xhtml", "br", {}, "", {}, "two <&>"});
    html.children.push_back(font);
    m.children.push_back(html);
    const std::string wire = serialize(m, kClientNamespace);
    CHECK(wire.find("]]>") == std::string::npos);
    CHECK(wire.find('"') == std::string::npos);
    CHECK(round_trip(m) == m);
}

TEST_CASE("element: control characters, U+FFFE/U+FFFF, surrogates and invalid UTF-8 become U+FFFD") {
    const std::string bad = std::string("a\0b", 3) + "\x01\x1F\x7F" + "\xEF\xBF\xBE\xEF\xBF\xBF" + "\xED\xA0\x80" +
                            "\xC3\x28" + "\xF4\x90\x80\x80" + "\xC0\xAF" + "\xE2\x82";
    const Element back = round_trip(message(bad));
    const std::string text = back.child("jabber:client", "body")->text;
    CHECK(text == sanitize_xml_text(bad));
    CHECK(text.find('\0') == std::string::npos);
    CHECK(text.find('\x01') == std::string::npos);
    CHECK(text.substr(0, 5) == "a\xEF\xBF\xBD" "b");
    CHECK(text.find("\x7F") != std::string::npos);  // DEL is a legal XML character
    CHECK(sanitize_xml_text(text) == text);          // idempotent
    Element attr = message("x");
    attr.attributes.push_back({"", "id", bad});
    CHECK(*round_trip(attr).attribute("id") == sanitize_xml_text(bad));
}

TEST_CASE("element: empty elements are self-closed and xmlns is written only where it changes") {
    Element m = message("");
    m.children[0].children.clear();
    CHECK(serialize(m, kClientNamespace) == "<message type='chat' to='b@h'><body/></message>");
    CHECK(serialize(m) == "<message xmlns='jabber:client' type='chat' to='b@h'><body/></message>");
    Element active{"http://jabber.org/protocol/chatstates", "active", {}, "", {}, ""};
    CHECK(serialize(active, kClientNamespace) == "<active xmlns='http://jabber.org/protocol/chatstates'/>");
}
