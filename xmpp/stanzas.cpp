// Stanza builders and reader (see stanzas.hpp). Builders assemble Element trees
// and let serialize() escape; the reader looks only at what §4.3 uses.
#include "xmpp/stanzas.hpp"

#include "xmpp/limits.hpp"

#include <array>
#include <utility>

namespace hallway::xmpp {

namespace {

constexpr std::array<std::pair<ChatState, std::string_view>, 5> kChatStates{{
    {ChatState::Active, "active"},
    {ChatState::Composing, "composing"},
    {ChatState::Paused, "paused"},
    {ChatState::Inactive, "inactive"},
    {ChatState::Gone, "gone"},
}};

Element element(std::string_view ns, std::string_view name) {
    Element e;
    e.ns = std::string(ns);
    e.name = std::string(name);
    return e;
}

void add_attribute(Element& e, std::string_view name, std::string_view value) {
    e.attributes.push_back({"", std::string(name), std::string(value)});
}

// <font>: the text with each \n as <br/>, so line breaks survive XHTML rendering.
Element font_of(std::string_view text) {
    Element font = element(kXhtmlNamespace, "font");
    std::size_t line_end = text.find('\n');
    font.text = std::string(text.substr(0, line_end));
    while (line_end != std::string_view::npos) {
        const std::size_t start = line_end + 1;
        line_end = text.find('\n', start);
        Element br = element(kXhtmlNamespace, "br");
        br.tail = std::string(text.substr(start, line_end == std::string_view::npos ? line_end : line_end - start));
        font.children.push_back(std::move(br));
    }
    return font;
}

std::string attribute_or_empty(const Element& e, std::string_view name) {
    const std::string* v = e.attribute(name);
    return v ? *v : std::string();
}

// Character data directly inside `e` (its text and its children's tails).
std::string text_of(const Element& e) {
    std::string out = e.text;
    for (const auto& c : e.children) out += c.tail;
    return out;
}

IncomingStanza read_message(const Element& m) {
    IncomingMessage out;
    out.from = attribute_or_empty(m, "from");
    out.to = attribute_or_empty(m, "to");
    out.id = attribute_or_empty(m, "id");
    out.type = attribute_or_empty(m, "type");
    // RFC 6121 §5.2.2: absent or unknown type means normal; these three are not one-to-one chat.
    if (out.type == "error" || out.type == "groupchat" || out.type == "headline")
        return Refused{"message type " + out.type};
    if (const Element* body = m.child(kClientNamespace, "body")) {
        std::string text = text_of(*body);
        if (text.size() > kMaxBodyBytes)
            return Refused{"body of " + std::to_string(text.size()) + " bytes over " + std::to_string(kMaxBodyBytes)};
        out.body = std::move(text);
    }
    for (const auto& c : m.children) {
        if (c.ns == kChatStatesNamespace) {
            for (const auto& [state, name] : kChatStates)
                if (c.name == name) out.chat_state = state;
        } else if (c.ns == kReceiptsNamespace && c.name == "request") {
            out.receipt_requested = true;
        } else if (c.ns == kReceiptsNamespace && c.name == "received") {
            out.receipt_for = attribute_or_empty(c, "id");
        } else if (c.ns == kEventNamespace && c.name == "x") {
            // XEP-0022 §4: an event carries <id/> (the message it is about);
            // without <id/> the <x> only asks the peer to send events. With
            // <id/>, <composing/> = typing and its absence = typing stopped.
            if (c.child(kEventNamespace, "id") != nullptr)
                out.event_typing = c.child(kEventNamespace, "composing") != nullptr;
        }
    }
    return out;
}

}  // namespace

std::string_view chat_state_name(ChatState s) {
    for (const auto& [state, name] : kChatStates)
        if (state == s) return name;
    return "active";
}

std::string stream_header(std::string_view our_name, std::string_view their_name) {
    // serialize() escapes the names; the root stays open, so its "/>" becomes ">".
    Element root = element(kClientNamespace, "stream:stream");
    add_attribute(root, "xmlns:stream", kStreamNamespace);
    add_attribute(root, "from", our_name);
    add_attribute(root, "to", their_name);
    std::string tag = serialize(root);
    tag.resize(tag.size() - 2);
    return "<?xml version='1.0' encoding='UTF-8'?>" + tag + ">";
}

std::string stream_close() { return "</stream:stream>"; }

std::string stream_error(std::string_view condition) {
    Element error = element(kStreamNamespace, "stream:error");
    error.children.push_back(element(kStreamErrorNamespace, condition));
    return serialize(error, kStreamNamespace);
}

std::string stream_error(StreamCondition condition) { return stream_error(condition_name(condition)); }

std::string chat_message(const OutgoingMessage& m) {
    Element message = element(kClientNamespace, "message");
    add_attribute(message, "from", m.from);
    add_attribute(message, "to", m.to);
    add_attribute(message, "type", "chat");
    add_attribute(message, "id", m.id);
    Element body = element(kClientNamespace, "body");
    body.text = m.text;
    message.children.push_back(std::move(body));
    if (m.libpurple_html) {
        Element html = element(kXhtmlImNamespace, "html");
        Element xhtml_body = element(kXhtmlNamespace, "body");
        xhtml_body.children.push_back(font_of(m.text));
        html.children.push_back(std::move(xhtml_body));
        message.children.push_back(std::move(html));
    }
    if (m.chat_state) message.children.push_back(element(kChatStatesNamespace, chat_state_name(*m.chat_state)));
    if (m.request_receipt) message.children.push_back(element(kReceiptsNamespace, "request"));
    return serialize(message, kClientNamespace);
}

std::string receipt(std::string_view from, std::string_view to, std::string_view id) {
    Element message = element(kClientNamespace, "message");
    add_attribute(message, "from", from);
    add_attribute(message, "to", to);
    Element received = element(kReceiptsNamespace, "received");
    add_attribute(received, "id", id);
    message.children.push_back(std::move(received));
    return serialize(message, kClientNamespace);
}

std::string iq_error_service_unavailable(const Element& iq, std::string_view our_name) {
    Element reply = element(kClientNamespace, "iq");
    add_attribute(reply, "from", our_name);
    if (const std::string* their = iq.attribute("from")) add_attribute(reply, "to", *their);
    add_attribute(reply, "type", "error");
    add_attribute(reply, "id", attribute_or_empty(iq, "id"));
    Element error = element(kClientNamespace, "error");
    add_attribute(error, "type", "cancel");
    error.children.push_back(element(kStanzaErrorNamespace, "service-unavailable"));
    reply.children.push_back(std::move(error));
    return serialize(reply, kClientNamespace);
}

IncomingStanza read_stanza(const Element& stanza) {
    if (stanza.ns == kClientNamespace && stanza.name == "message") return read_message(stanza);
    if (stanza.ns == kClientNamespace && stanza.name == "iq")
        return Iq{attribute_or_empty(stanza, "type"), attribute_or_empty(stanza, "id"), attribute_or_empty(stanza, "from")};
    if (stanza.ns == kClientNamespace && stanza.name == "presence") return Ignored{"presence"};
    return Ignored{"unknown element {" + stanza.ns + "}" + stanza.name};
}

}  // namespace hallway::xmpp
