// Element tree serializer: escaping and U+FFFD replacement (see element.hpp for why).
#include "xmpp/element.hpp"

#include "text/utf8.hpp"

#include <cstdint>

namespace hallway::xmpp {

const Element* Element::child(std::string_view want_ns, std::string_view want_name) const {
    for (const auto& c : children)
        if (c.ns == want_ns && c.name == want_name) return &c;
    return nullptr;
}

const std::string* Element::attribute(std::string_view want) const {
    for (const auto& a : attributes)
        if (a.ns.empty() && a.name == want) return &a.value;
    return nullptr;
}

namespace {

bool is_xml_char(char32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

// Appends sanitized `s`, escaping markup; in attributes also TAB/LF/CR (which
// attribute-value normalization would turn into spaces), in text CR (which
// end-of-line handling would turn into LF).
void append_escaped(std::string& out, std::string_view s, bool attribute) {
    for (std::size_t i = 0; i < s.size();) {
        const text::Utf8Step step = text::decode_utf8(s, i);
        const char32_t cp = step.code_point;
        if (!step.valid || !is_xml_char(cp)) {
            out += text::kReplacementUtf8;
            i += step.length;
            continue;
        }
        switch (cp) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            case '\r': out += "&#13;"; break;
            case '\t': out += attribute ? "&#9;" : "\t"; break;
            case '\n': out += attribute ? "&#10;" : "\n"; break;
            default: out.append(s.substr(i, step.length));
        }
        i += step.length;
    }
}

void write(std::string& out, const Element& e, std::string_view inherited_ns) {
    out += '<';
    out += e.name;
    if (e.ns != inherited_ns) {
        out += " xmlns='";
        append_escaped(out, e.ns, true);
        out += '\'';
    }
    // Namespaced attributes (rare in XMPP) get prefixes a0, a1, ... declared on this element.
    std::vector<std::string_view> prefixed;
    for (const auto& a : e.attributes) {
        out += ' ';
        if (a.ns == kXmlNamespace) {
            out += "xml:";
        } else if (!a.ns.empty()) {
            std::size_t n = 0;
            while (n < prefixed.size() && prefixed[n] != a.ns) ++n;
            const std::string prefix = "a" + std::to_string(n);
            if (n == prefixed.size()) {
                prefixed.push_back(a.ns);
                out += "xmlns:" + prefix + "='";
                append_escaped(out, a.ns, true);
                out += "' ";
            }
            out += prefix + ":";
        }
        out += a.name;
        out += "='";
        append_escaped(out, a.value, true);
        out += '\'';
    }
    if (e.text.empty() && e.children.empty()) {
        out += "/>";
        return;
    }
    out += '>';
    append_escaped(out, e.text, false);
    for (const auto& c : e.children) {
        write(out, c, e.ns);
        append_escaped(out, c.tail, false);
    }
    out += "</";
    out += e.name;
    out += '>';
}

}  // namespace

std::string sanitize_xml_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const text::Utf8Step step = text::decode_utf8(text, i);
        if (!step.valid || !is_xml_char(step.code_point))
            out += text::kReplacementUtf8;
        else
            out.append(text.substr(i, step.length));
        i += step.length;
    }
    return out;
}

std::string serialize(const Element& e, std::string_view inherited_ns) {
    std::string out;
    write(out, e, inherited_ns);
    return out;
}

}  // namespace hallway::xmpp
