#pragma once
// A small XML element tree for XMPP stanzas and its serializer. Peer text goes
// into it verbatim and comes out escaped: & < > " ' are always escaped (so `]]>`
// can never appear) and code points XML forbids (C0 controls but TAB/LF/CR,
// U+FFFE/U+FFFF, surrogates, invalid UTF-8) become U+FFFD, because one bad
// byte would make the peer's parser drop the whole stream.
#include <string>
#include <string_view>
#include <vector>

namespace hallway::xmpp {

inline constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

struct Attribute {
    std::string ns;  // namespace URI; empty for an unprefixed attribute
    std::string name;
    std::string value;
    bool operator==(const Attribute&) const = default;
};

// Mixed content as in ElementTree: `text` before the first child, each child's
// `tail` after it, so <font>a<br/>b</font> keeps its order.
struct Element {
    std::string ns;  // namespace URI
    std::string name;
    std::vector<Attribute> attributes;
    std::string text;
    std::vector<Element> children;
    std::string tail;
    bool operator==(const Element&) const = default;

    // The first child with this namespace and name, or null.
    const Element* child(std::string_view ns, std::string_view name) const;
    // An unprefixed attribute's value, or null.
    const std::string* attribute(std::string_view name) const;
};

// UTF-8 text with every invalid sequence and XML-illegal code point replaced by U+FFFD.
std::string sanitize_xml_text(std::string_view text);

// `e` (not its tail) as XML. `inherited_ns` is the default namespace in scope
// where it is written (jabber:client for a stanza); xmlns is emitted only when
// `e.ns` differs. Names are the caller's and must be valid XML names.
std::string serialize(const Element& e, std::string_view inherited_ns = {});

}  // namespace hallway::xmpp
