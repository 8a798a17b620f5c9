#pragma once
// Pure builders and readers of what Hallway sends and accepts on a link-local
// XMPP stream (docs/XMPP-BRIDGE-DESIGN.md §4.3): bytes out, Element in, no I/O, no state.
// Everything written goes through xmpp/element.hpp's serializer, so peer text
// is always escaped and sanitized in one place.
#include "xmpp/element.hpp"
#include "xmpp/xml_stream.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace hallway::xmpp {

inline constexpr std::string_view kChatStatesNamespace = "http://jabber.org/protocol/chatstates";
inline constexpr std::string_view kReceiptsNamespace = "urn:xmpp:receipts";
inline constexpr std::string_view kXhtmlImNamespace = "http://jabber.org/protocol/xhtml-im";
inline constexpr std::string_view kXhtmlNamespace = "http://www.w3.org/1999/xhtml";
inline constexpr std::string_view kEventNamespace = "jabber:x:event";
inline constexpr std::string_view kStreamErrorNamespace = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr std::string_view kStanzaErrorNamespace = "urn:ietf:params:xml:ns:xmpp-stanzas";

// XEP-0085 chat states.
enum class ChatState { Active, Composing, Paused, Inactive, Gone };
std::string_view chat_state_name(ChatState s);  // "active", ...

// Our stream header: no `version`, so no peer offers stream features (XEP-0174
// streams have none); no DOCTYPE. Names are attribute-escaped.
std::string stream_header(std::string_view our_name, std::string_view their_name);
std::string stream_close();
// <stream:error> with an RFC 6120 §4.9.3 condition ("policy-violation", "invalid-from" ...).
std::string stream_error(std::string_view condition);
std::string stream_error(StreamCondition condition);

struct OutgoingMessage {
    std::string from;
    std::string to;
    std::string id;
    std::string text;
    // Add the XHTML-IM copy: libpurple renders a plain <body> as unescaped HTML
    // (docs/XMPP-BRIDGE-DESIGN.md §2), so for it the escaped text goes into <font> too.
    bool libpurple_html = false;
    std::optional<ChatState> chat_state;
    bool request_receipt = false;  // XEP-0184
};
std::string chat_message(const OutgoingMessage& m);
// XEP-0184 answer to a receipt request for message `id`.
std::string receipt(std::string_view from, std::string_view to, std::string_view id);
// RFC 6120 §8.3 error reply to an iq of type get or set (never answer result/error:
// that could loop). `to` is the iq's from, omitted if it had none.
std::string iq_error_service_unavailable(const Element& iq, std::string_view our_name);

struct IncomingMessage {
    std::string from, to, id;  // empty when absent
    std::string type;          // "chat", "normal" or empty (absent); anything else we do not refuse
    std::optional<std::string> body;  // <body> in jabber:client, text only; the html part is never read
    std::optional<ChatState> chat_state;
    bool receipt_requested = false;
    std::optional<std::string> receipt_for;  // id of a XEP-0184 <received/> (empty if it had none)
    // XEP-0022 composing *event* (an <x> with <id/>): true = typing, false = stopped.
    // An <x> without <id/> is only a request for events (libpurple sends one in
    // every message) and says nothing about typing: nullopt.
    std::optional<bool> event_typing;
    bool operator==(const IncomingMessage&) const = default;
};
struct Iq {
    std::string type, id, from;
    bool operator==(const Iq&) const = default;
};
struct Ignored {  // presence, stream:features, unknown elements
    std::string reason;
    bool operator==(const Ignored&) const = default;
};
struct Refused {  // a message we must not show: over kMaxBodyBytes, or type error/groupchat/headline
    std::string reason;
    bool operator==(const Refused&) const = default;
};
using IncomingStanza = std::variant<IncomingMessage, Iq, Ignored, Refused>;

// Reads one stanza (a depth-2 element from XmlStream).
IncomingStanza read_stanza(const Element& stanza);

}  // namespace hallway::xmpp
