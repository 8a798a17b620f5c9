// The TXT record parser on the RDATA a stranger publishes by mDNS (length-prefixed
// strings, RFC 6763 §6.1). Round trip: parse(serialize(parse(x))) == parse(x);
// sanitize_nick is idempotent and bounded; a record is ordinary or private, never both.
#include "discovery/txt_record.hpp"

#include <cstdint>
#include <cstdlib>

using namespace hallway::discovery;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> entries;
    for (std::size_t i = 0; i < size;) {
        const std::size_t len = std::min<std::size_t>(data[i], size - i - 1);
        entries.emplace_back(reinterpret_cast<const char*>(data + i + 1), len);
        i += 1 + len;
    }
    const auto info = parse_txt(entries);
    if (!info) return 0;
    // Either an ordinary record (digits, no tag) or a private one (a tag, nothing else).
    const bool ordinary = is_valid_fingerprint(info->fingerprint) && info->private_tag.empty();
    const bool hidden = is_valid_private_tag(info->private_tag) && info->fingerprint.empty() && info->nick.empty();
    if (ordinary == hidden || info->nick.size() > kMaxNickBytes) std::abort();
    if (sanitize_nick(info->nick) != info->nick) std::abort();
    const auto again = parse_txt(serialize_txt(*info));
    if (!again || *again != *info) std::abort();
    const auto name = hidden ? private_instance_name(info->private_tag)
                             : service_instance_name(info->nick, info->fingerprint);
    if (name.empty() || name.size() > kMaxServiceNameBytes) std::abort();
    return 0;
}
