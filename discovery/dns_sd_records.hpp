#pragma once
// The unicast DNS-SD records (RFC 6763) an administrator publishes so that a
// node is found in a wide-area domain: pure rendering, no I/O. Hallway never
// registers itself in DNS; `hallway dns-sd-records` prints these for a person
// to put in a zone (or to feed to nsupdate) or in dnsmasq's configuration.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::discovery {

enum class RecordFormat {
    zone,     // RFC 1035 master-file lines (bind9, nsd, knot; "update add" + line for nsupdate)
    dnsmasq,  // ptr-record=, srv-host=, txt-record=, host-record= lines
};
std::optional<RecordFormat> record_format_from_string(std::string_view name);

// Long enough to keep queries few, short enough that a moved node's new
// records (and a removed node's absence) are seen within ten minutes.
inline constexpr std::uint32_t kDefaultRecordTtl = 600;

struct ServiceRecords {
    std::string domain;    // "office.example" (one trailing dot allowed)
    std::string instance;  // the DNS-SD instance name: one label, UTF-8, dots and spaces allowed
    std::string host;      // the SRV target, fully qualified; it must resolve by unicast DNS
    std::uint16_t port = 0;
    std::vector<std::string> txt;  // the TXT strings (serialize_txt: what our mDNS record holds)
    std::string address;   // optional: an IPv4 or IPv6 address of host (an A or AAAA record)
    std::uint32_t ttl = kDefaultRecordTtl;
};

// The records as text, one per line: PTR _hallway._tcp.DOMAIN -> the instance,
// its SRV (priority 0, weight 0, port, host) and TXT, and host's A or AAAA
// when an address is given. nullopt and a one-line reason when a field cannot
// be published: a domain or host that is not letters, digits, '-' and '_'
// labels (an IDN in its xn-- form), "local", a bad address, port 0, an
// instance over 63 bytes or with control characters, or, for dnsmasq, an
// instance name its configuration cannot say (dots, non-ASCII, quotes...).
std::optional<std::string> render_dns_sd_records(const ServiceRecords& records, RecordFormat format,
                                                 std::string& error);

// One label in master-file presentation form (RFC 1035 §5.1, RFC 6763 §4.3):
// '.', '\\', '"', ';', '(', ')', '@', '$' get a backslash, spaces, controls and
// non-ASCII bytes become \DDD.
std::string escape_label(std::string_view label);

}  // namespace hallway::discovery
