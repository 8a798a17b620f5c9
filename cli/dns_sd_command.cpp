// hallway dns-sd-records: the records that make this node found in a
// wide-area DNS-SD domain, printed for an administrator (Hallway never
// registers itself in DNS; docs/WIDE-AREA.md).
#include "cli/commands.hpp"
#include "cli/remote.hpp"
#include "core/profile.hpp"
#include "crypto/identity.hpp"
#include "discovery/dns_sd_records.hpp"
#include "discovery/txt_record.hpp"

#include <unistd.h>

#include <climits>
#include <iostream>

namespace hallway::cli {

namespace {

// This machine's name without its domain, or empty when it has none.
std::string short_host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name - 1) != 0) return {};
    const std::string full = name;
    return full.substr(0, full.find('.'));
}

}  // namespace

int cmd_dns_sd_records(const Args& a) {
    if (!a.port || *a.port == 0 || *a.port > 65535) {
        std::cerr << "hallway: --port must be 1 to 65535: the port the node listens on (start it with that --port)\n";
        return kExitUsage;
    }
    crypto::KeyPair keys;
    core::Settings settings;
    if (!profile_keys_and_settings(a, keys, settings)) return kExitError;
    if (settings.private_mode) {
        std::cerr << "hallway: this profile is in private mode: a DNS record names you and your fingerprint to "
                     "everyone who can query the zone. Turn private mode off first if that is what you want\n";
        return kExitError;
    }
    const std::string fingerprint = crypto::fingerprint(keys.public_key);
    discovery::ServiceRecords records;
    records.domain = a.domain;
    records.instance = a.instance.empty() ? discovery::service_instance_name(settings.nick, fingerprint) : a.instance;
    records.host = a.host.empty() ? short_host_name() : a.host;
    // A name without a dot is a host in DOMAIN.
    if (!records.host.empty() && records.host.find('.') == std::string::npos) records.host += "." + a.domain;
    records.port = static_cast<std::uint16_t>(*a.port);
    records.txt = discovery::serialize_txt({discovery::kTxtVersion, fingerprint, settings.nick, ""});
    records.address = a.address;
    const auto format = discovery::record_format_from_string(a.format);
    if (!format) {
        std::cerr << "hallway: --format must be zone or dnsmasq\n";
        return kExitUsage;
    }
    std::string error;
    const auto text = discovery::render_dns_sd_records(records, *format, error);
    if (!text) {
        std::cerr << "hallway: " << error << "\n";
        return kExitUsage;
    }
    std::cout << *text;
    return kExitOk;
}

}  // namespace hallway::cli
