#pragma once
// Sans-I/O reader of one incoming XMPP stream (RFC 6120 §4, XEP-0174): bytes
// in, events out. expat does the XML; this class adds what XMPP restricts
// (no DTD, comments, PIs: RFC 6120 §11.1), the stream root check, and hard
// limits (xmpp/limits.hpp) so a stranger on the LAN cannot make us buffer,
// nest or allocate without bound. After an Error the stream is dead: no
// further events, and the caller sends <stream:error> and closes.
#include "xmpp/element.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace hallway::xmpp {

inline constexpr std::string_view kStreamNamespace = "http://etherx.jabber.org/streams";
inline constexpr std::string_view kClientNamespace = "jabber:client";

// RFC 6120 §4.9.3 stream error conditions this reader can raise.
enum class StreamCondition {
    NotWellFormed,
    RestrictedXml,     // DOCTYPE, entity declaration, comment, processing instruction
    InvalidNamespace,  // root is not {streams}stream or the default namespace is not jabber:client
    PolicyViolation,   // a limit of xmpp/limits.hpp, the memory budget included
};
std::string_view condition_name(StreamCondition c);  // "not-well-formed", ...

struct StreamOpened {
    std::vector<Attribute> attributes;  // of <stream:stream>: from, to, version, xml:lang ...
    bool operator==(const StreamOpened&) const = default;
};
struct Stanza {
    Element element;  // a complete depth-2 child (message, presence, iq, stream:features ...)
    bool operator==(const Stanza&) const = default;
};
struct StreamClosed {
    bool operator==(const StreamClosed&) const = default;
};
struct StreamError {
    StreamCondition condition;
    std::string detail;  // for logs only; not compared
    bool operator==(const StreamError& o) const { return condition == o.condition; }
};
using StreamEvent = std::variant<StreamOpened, Stanza, StreamClosed, StreamError>;

class XmlStream {
public:
    XmlStream();
    ~XmlStream();
    XmlStream(XmlStream&&) noexcept;
    XmlStream& operator=(XmlStream&&) noexcept;

    // Parses the next bytes (any split, even inside a UTF-8 sequence) and
    // returns the events they complete, in order.
    std::vector<StreamEvent> feed(std::span<const std::uint8_t> bytes);

    bool failed() const;
    // Bytes currently charged against kMaxParserMemory (expat's heap + the stanza tree).
    std::size_t memory_in_use() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace hallway::xmpp
