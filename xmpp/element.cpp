// Element tree serializer: escaping and U+FFFD replacement (see element.hpp for why).
#include "xmpp/element.hpp"

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

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

bool is_xml_char(std::uint32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

// Decodes one strict UTF-8 sequence at s[i]; returns its length, or 0 if invalid
// (overlong, surrogate, beyond U+10FFFF, truncated).
std::size_t decode(std::string_view s, std::size_t i, std::uint32_t& cp) {
    const auto b0 = static_cast<std::uint8_t>(s[i]);
    std::size_t len;
    std::uint32_t min;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    } else if ((b0 & 0xE0) == 0xC0) {
        len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<std::uint8_t>(s[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

// Appends sanitized `s`, escaping markup; in attributes also TAB/LF/CR (which
// attribute-value normalization would turn into spaces), in text CR (which
// end-of-line handling would turn into LF).
void append_escaped(std::string& out, std::string_view s, bool attribute) {
    for (std::size_t i = 0; i < s.size();) {
        std::uint32_t cp = 0;
        const std::size_t len = decode(s, i, cp);
        if (len == 0 || !is_xml_char(cp)) {
            out += kReplacement;
            i += len == 0 ? 1 : len;
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
            default: out.append(s.substr(i, len));
        }
        i += len;
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
        std::uint32_t cp = 0;
        const std::size_t len = decode(text, i, cp);
        if (len == 0 || !is_xml_char(cp))
            out += kReplacement;
        else
            out.append(text.substr(i, len));
        i += len == 0 ? 1 : len;
    }
    return out;
}

std::string serialize(const Element& e, std::string_view inherited_ns) {
    std::string out;
    write(out, e, inherited_ns);
    return out;
}

}  // namespace hallway::xmpp
