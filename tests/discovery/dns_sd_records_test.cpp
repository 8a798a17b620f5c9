#include "discovery/dns_sd_records.hpp"
#include "discovery/txt_record.hpp"

#include <doctest/doctest.h>

#include <cctype>
#include <string>
#include <vector>

using namespace hallway::discovery;

namespace {

const std::string kFp = "1234567890123456789012345678901234567890";

ServiceRecords alice(const std::string& nick = "Alice") {
    ServiceRecords r;
    r.domain = "office.example.";
    r.instance = service_instance_name(nick, kFp);
    r.host = "laptop.office.example";
    r.port = 7420;
    r.txt = serialize_txt({kTxtVersion, kFp, nick, ""});
    return r;
}

std::string render(const ServiceRecords& r, RecordFormat f) {
    std::string error;
    const auto text = render_dns_sd_records(r, f, error);
    INFO(error);
    REQUIRE(text);
    return *text;
}

std::string refused(const ServiceRecords& r, RecordFormat f = RecordFormat::zone) {
    std::string error;
    CHECK_FALSE(render_dns_sd_records(r, f, error));
    CHECK_FALSE(error.empty());
    return error;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (auto nl = text.find('\n'); nl != std::string::npos; start = nl + 1, nl = text.find('\n', start))
        out.push_back(text.substr(start, nl - start));
    CHECK(start == text.size());  // every line ends with a newline
    return out;
}

// The master-file reading of a TXT record's data: quoted strings with \X and
// \DDD escapes (RFC 1035 §5.1), as bind9, nsd and knot read them.
std::vector<std::string> read_zone_txt(const std::string& data) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == ' ') continue;
        REQUIRE(data[i] == '"');
        std::string s;
        for (++i; i < data.size() && data[i] != '"'; ++i) {
            if (data[i] != '\\') {
                s += data[i];
            } else if (std::isdigit(static_cast<unsigned char>(data[i + 1]))) {
                s += static_cast<char>(std::stoi(data.substr(i + 1, 3)));
                i += 3;
            } else {
                s += data[++i];
            }
        }
        out.push_back(s);
    }
    return out;
}

}  // namespace

TEST_CASE("dns-sd records: zone lines for PTR, SRV, TXT and A") {
    auto r = alice();
    r.address = "10.213.0.5";
    const auto l = lines(render(r, RecordFormat::zone));
    REQUIRE(l.size() == 4);
    CHECK(l[0] == "_hallway._tcp.office.example.\t600\tIN\tPTR\tAlice._hallway._tcp.office.example.");
    CHECK(l[1] == "Alice._hallway._tcp.office.example.\t600\tIN\tSRV\t0 0 7420 laptop.office.example.");
    CHECK(l[2] == "Alice._hallway._tcp.office.example.\t600\tIN\tTXT\t\"v=1\" \"fp=" + kFp + "\" \"nick=Alice\"");
    CHECK(l[3] == "laptop.office.example.\t600\tIN\tA\t10.213.0.5");
}

TEST_CASE("dns-sd records: AAAA for an IPv6 address, none without an address") {
    auto r = alice();
    CHECK(lines(render(r, RecordFormat::zone)).size() == 3);
    CHECK(lines(render(r, RecordFormat::dnsmasq)).size() == 3);
    r.address = "2001:db8::5";
    CHECK(lines(render(r, RecordFormat::zone)).back() == "laptop.office.example.\t600\tIN\tAAAA\t2001:db8::5");
    CHECK(lines(render(r, RecordFormat::dnsmasq)).back() == "host-record=laptop.office.example,2001:db8::5");
}

TEST_CASE("dns-sd records: an instance name with a dot, spaces, a quote and non-ASCII is escaped (RFC 6763 4.3)") {
    const std::string nick = "Dr. \"Zo\xC3\xAB\" Smith;(x)";
    const auto r = alice(nick);
    REQUIRE(r.instance == nick);
    const std::string label = "Dr\\.\\032\\\"Zo\\195\\171\\\"\\032Smith\\;\\(x\\)";
    CHECK(escape_label(nick) == label);
    const auto l = lines(render(r, RecordFormat::zone));
    REQUIRE(l.size() == 3);
    CHECK(l[0] == "_hallway._tcp.office.example.\t600\tIN\tPTR\t" + label + "._hallway._tcp.office.example.");
    CHECK(l[1].rfind(label + "._hallway._tcp.office.example.\t600\tIN\tSRV\t", 0) == 0);
    CHECK(l[2] == label + "._hallway._tcp.office.example.\t600\tIN\tTXT\t\"v=1\" \"fp=" + kFp +
                      "\" \"nick=Dr. \\\"Zo\\195\\171\\\" Smith;(x)\"");
    // What a zone server reads back is exactly our mDNS TXT record.
    const auto data = l[2].substr(l[2].find("\tTXT\t") + 5);
    CHECK(read_zone_txt(data) == r.txt);
    const auto info = parse_txt(read_zone_txt(data));
    REQUIRE(info);
    CHECK(info->nick == nick);
    CHECK(info->fingerprint == kFp);
    // Backslashes and the master file's other specials.
    CHECK(escape_label("a\\b@c$d") == "a\\\\b\\@c\\$d");
}

TEST_CASE("dns-sd records: a nick at the maximum length") {
    const std::string nick(kMaxNickBytes, 'n');
    const auto r = alice(nick);
    CHECK(r.instance.size() == kMaxServiceNameBytes);  // the label is cut, the TXT keeps the whole nick
    const auto l = lines(render(r, RecordFormat::zone));
    CHECK(l[0].find(std::string(kMaxServiceNameBytes, 'n') + "._hallway") != std::string::npos);
    CHECK(parse_txt(read_zone_txt(l[2].substr(l[2].find("\tTXT\t") + 5)))->nick == nick);
    CHECK(lines(render(r, RecordFormat::dnsmasq))[2].find("\"nick=" + nick + "\"") != std::string::npos);
    // Multi-byte characters are cut whole, and escape as \DDD each byte.
    std::string wide;
    while (wide.size() + 2 <= kMaxNickBytes) wide += "\xC3\xA9";
    const auto w = alice(wide);
    CHECK(w.instance.size() == 62);
    CHECK(render(w, RecordFormat::zone).find(std::string("\\195\\169") + "._hallway") != std::string::npos);

    auto over = alice();
    over.instance = std::string(kMaxServiceNameBytes + 1, 'n');
    refused(over);
    // The whole service name must fit in 255 bytes.
    auto deep = alice(nick);
    deep.domain.clear();
    for (int i = 0; i < 3; ++i) deep.domain += std::string(60, 'd') + ".";
    CHECK(refused(deep).find("255") != std::string::npos);
}

TEST_CASE("dns-sd records: dnsmasq lines") {
    auto r = alice("Alice Smith");
    r.address = "10.214.0.7";
    const auto l = lines(render(r, RecordFormat::dnsmasq));
    REQUIRE(l.size() == 4);
    CHECK(l[0] == "ptr-record=_hallway._tcp.office.example,Alice Smith._hallway._tcp.office.example");
    CHECK(l[1] == "srv-host=Alice Smith._hallway._tcp.office.example,laptop.office.example,7420,0,0");
    CHECK(l[2] == "txt-record=Alice Smith._hallway._tcp.office.example,\"v=1\",\"fp=" + kFp +
                      "\",\"nick=Alice Smith\"");
    CHECK(l[3] == "host-record=laptop.office.example,10.214.0.7");
    // A quote in the TXT is escaped the way dnsmasq's parser undoes.
    auto q = alice("Al");
    q.txt = serialize_txt({kTxtVersion, kFp, "A \"q\" \\", ""});
    CHECK(lines(render(q, RecordFormat::dnsmasq))[2].find("\"nick=A \\\"q\\\" \\\\\"") != std::string::npos);
}

TEST_CASE("dns-sd records: dnsmasq cannot say every instance name, the zone format can") {
    for (const std::string nick : {"Dr. Who", "Zo\xC3\xAB", "a,b", "a#b", "say \"hi\"", "back\\slash"}) {
        CAPTURE(nick);
        const auto r = alice(nick);
        CHECK(refused(r, RecordFormat::dnsmasq).find("--instance") != std::string::npos);
        CHECK(lines(render(r, RecordFormat::zone)).size() == 3);
    }
    auto r = alice("Zo\xC3\xAB");
    r.instance = "Zoe";
    CHECK(lines(render(r, RecordFormat::dnsmasq)).size() == 3);
}

TEST_CASE("dns-sd records: what cannot be published is refused with a reason") {
    auto r = alice();
    for (const std::string& domain : std::vector<std::string>{"", ".", "office..example", "off ice.example", "local",
                                                             "LOCAL.", "corp.local", "\xC3\xA9t\xC3\xA9.example",
                                                             std::string(64, 'x') + ".example"}) {
        CAPTURE(domain);
        r.domain = domain;
        refused(r);
    }
    r = alice();
    for (const std::string host : {"", "a b.example", "laptop..example", "laptop.example.."}) {
        CAPTURE(host);
        r.host = host;
        refused(r);
    }
    r = alice();
    for (const std::string address : {"10.0.0", "fe80::1%eth0", "example.org", "10.0.0.1 "}) {
        CAPTURE(address);
        r.address = address;
        refused(r);
    }
    r = alice();
    r.port = 0;
    refused(r);
    r = alice();
    for (const std::string instance : {"", "tab\there", "new\nline", "bidi\xE2\x80\xAE", "bad\xFF"}) {
        CAPTURE(instance);
        r.instance = instance;
        refused(r);
    }
    r = alice();
    r.txt.push_back(std::string(256, 't'));
    refused(r);
}

TEST_CASE("dns-sd records: format names") {
    CHECK(record_format_from_string("zone") == RecordFormat::zone);
    CHECK(record_format_from_string("dnsmasq") == RecordFormat::dnsmasq);
    CHECK_FALSE(record_format_from_string("bind"));
}
