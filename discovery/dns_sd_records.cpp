#include "discovery/dns_sd_records.hpp"

#include "discovery/discovery.hpp"
#include "discovery/txt_record.hpp"

#include <asio/ip/address.hpp>

#include <algorithm>
#include <cstdio>

namespace hallway::discovery {
namespace {

// A domain name is at most 255 bytes on the wire (RFC 1035 §3.1), each label 63.
constexpr std::size_t kMaxWireName = 255;
constexpr std::size_t kMaxLabel = 63;

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Splits a host or domain name (one trailing dot allowed) into its labels;
// empty when it is not letters, digits, '-' and '_' labels of 1..63 bytes.
std::vector<std::string_view> host_labels(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    std::vector<std::string_view> labels;
    while (!name.empty()) {
        const auto dot = name.find('.');
        const auto label = name.substr(0, dot);
        if (label.empty() || label.size() > kMaxLabel || !std::all_of(label.begin(), label.end(), is_host_char))
            return {};
        labels.push_back(label);
        name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
        if (dot != std::string_view::npos && name.empty()) return {};  // "a..": an empty label
    }
    return labels;
}

std::string joined(const std::vector<std::string_view>& labels) {
    std::string out;
    for (const auto label : labels) {
        if (!out.empty()) out += '.';
        out += label;
    }
    return out;
}

std::size_t wire_length(const std::vector<std::string_view>& labels) {
    std::size_t n = 1;  // the root's zero
    for (const auto label : labels) n += 1 + label.size();
    return n;
}

bool is_mdns_domain(std::string_view last_label) {
    return std::equal(last_label.begin(), last_label.end(), std::string_view("local").begin(),
                      std::string_view("local").end(),
                      [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b; });
}

std::string decimal_escape(unsigned char c) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
    return buf;
}

// A TXT character-string in master-file form: quoted, '"' and '\\' escaped,
// everything outside printable ASCII as \DDD.
std::string quoted_zone_string(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c >= 0x7F) {
            out += decimal_escape(c);
        } else {
            out += ch;
        }
    }
    return out + '"';
}

// dnsmasq reads its configuration as text: a name is split at dots and a line
// at commas, '#' starts a comment and non-ASCII names are turned into IDNA.
// An instance name outside this set cannot be served by it.
bool dnsmasq_can_say(std::string_view instance) {
    if (instance.front() == ' ' || instance.back() == ' ') return false;
    return std::all_of(instance.begin(), instance.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c >= 0x20 && c < 0x7F && ch != '.' && ch != ',' && ch != '#' && ch != '"' && ch != '\\';
    });
}

// A TXT string in dnsmasq's quoted form (its parser undoes \" and \\).
std::string quoted_dnsmasq_string(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + '"';
}

}  // namespace

std::optional<RecordFormat> record_format_from_string(std::string_view name) {
    if (name == "zone") return RecordFormat::zone;
    if (name == "dnsmasq") return RecordFormat::dnsmasq;
    return std::nullopt;
}

std::string escape_label(std::string_view label) {
    std::string out;
    for (const char ch : label) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7F)
            out += decimal_escape(c);
        else if (std::string_view(".\\\"();@$").find(ch) != std::string_view::npos)
            out += '\\', out += ch;
        else
            out += ch;
    }
    return out;
}

std::optional<std::string> render_dns_sd_records(const ServiceRecords& r, RecordFormat format, std::string& error) {
    const auto domain_labels = host_labels(r.domain);
    if (domain_labels.empty()) {
        error = "the domain must be a DNS name of letters, digits, '-' and '_' (an international name in its xn-- form)";
        return std::nullopt;
    }
    const std::string domain = joined(domain_labels);
    if (is_mdns_domain(domain_labels.back())) {
        error = "names under .local are mDNS, where nodes announce themselves: name a unicast DNS domain";
        return std::nullopt;
    }
    const auto host_parts = host_labels(r.host);
    if (host_parts.empty()) {
        error = "the host must be a DNS name of letters, digits, '-' and '_' (an international name in its xn-- form)";
        return std::nullopt;
    }
    const std::string host = joined(host_parts);
    if (wire_length(host_parts) > kMaxWireName) {
        error = "the host name is longer than 255 bytes";
        return std::nullopt;
    }
    // Peers show the instance name; ours are sanitized nicks, and so must this be.
    if (r.instance.empty() || r.instance.size() > kMaxServiceNameBytes || sanitize_nick(r.instance) != r.instance) {
        error = "the instance name must be 1 to " + std::to_string(kMaxServiceNameBytes) +
                " bytes of UTF-8 without control characters";
        return std::nullopt;
    }
    const std::string service_type = kServiceType;
    std::vector<std::string_view> service_labels{r.instance};
    for (const auto& labels : {host_labels(service_type), domain_labels})
        service_labels.insert(service_labels.end(), labels.begin(), labels.end());
    if (wire_length(service_labels) > kMaxWireName) {
        error = "the service's name (instance, _hallway._tcp and the domain) is longer than 255 bytes";
        return std::nullopt;
    }
    if (r.port == 0) {
        error = "the port must be 1 to 65535";
        return std::nullopt;
    }
    for (const auto& s : r.txt)
        if (s.size() > kMaxTxtEntryBytes) {
            error = "a TXT string is longer than 255 bytes";
            return std::nullopt;
        }
    std::optional<asio::ip::address> address;
    if (!r.address.empty()) {
        asio::error_code ec;
        address = asio::ip::make_address(r.address, ec);
        if (ec || (address->is_v6() && address->to_v6().scope_id() != 0)) {
            error = "the address must be an IPv4 or IPv6 address (without a %scope)";
            return std::nullopt;
        }
    }
    if (format == RecordFormat::dnsmasq && !dnsmasq_can_say(r.instance)) {
        error = "dnsmasq cannot serve the instance name \"" + r.instance +
                "\" (dots, commas, '#', quotes, backslashes, non-ASCII or edge spaces): choose another with "
                "--instance, or use the zone format";
        return std::nullopt;
    }

    const std::string ptr_owner = service_type + "." + domain;
    const std::string ttl = std::to_string(r.ttl);
    const std::string port = std::to_string(r.port);
    std::string out;
    if (format == RecordFormat::zone) {
        const std::string instance = escape_label(r.instance) + "." + ptr_owner + ".";
        const auto line = [&](const std::string& owner, const char* type, const std::string& data) {
            out += owner + '\t' + ttl + "\tIN\t" + type + '\t' + data + '\n';
        };
        line(ptr_owner + ".", "PTR", instance);
        line(instance, "SRV", "0 0 " + port + " " + host + ".");
        std::string txt;
        for (const auto& s : r.txt) txt += (txt.empty() ? "" : " ") + quoted_zone_string(s);
        line(instance, "TXT", txt.empty() ? "\"\"" : txt);  // an empty TXT holds one empty string (RFC 6763 §6.1)
        if (address) line(host + ".", address->is_v4() ? "A" : "AAAA", address->to_string());
    } else {
        const std::string instance = r.instance + "." + ptr_owner;
        out += "ptr-record=" + ptr_owner + "," + instance + "\n";
        out += "srv-host=" + instance + "," + host + "," + port + ",0,0\n";
        std::string txt;
        for (const auto& s : r.txt) txt += "," + quoted_dnsmasq_string(s);
        out += "txt-record=" + instance + txt + "\n";
        if (address) out += "host-record=" + host + "," + address->to_string() + "\n";
    }
    return out;
}

}  // namespace hallway::discovery
