#pragma once
// Avahi's addresses and string lists to and from ours (discovery's internals).
#include <asio.hpp>
#include <avahi-common/address.h>
#include <avahi-common/strlst.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace hallway::discovery {

inline asio::ip::tcp::endpoint to_endpoint(const AvahiAddress& a, AvahiIfIndex interface, std::uint16_t port) {
    if (a.proto == AVAHI_PROTO_INET) {
        asio::ip::address_v4::bytes_type bytes;
        std::memcpy(bytes.data(), &a.data.ipv4.address, bytes.size());  // network order
        return {asio::ip::address_v4(bytes), port};
    }
    asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), a.data.ipv6.address, bytes.size());
    asio::ip::address_v6 v6(bytes);
    // A link-local address means nothing without the interface it is on.
    if (v6.is_link_local() && interface > 0) v6.scope_id(static_cast<unsigned long>(interface));
    return {v6, port};
}

inline std::vector<std::string> to_strings(AvahiStringList* txt) {
    std::vector<std::string> out;
    for (AvahiStringList* l = txt; l != nullptr; l = avahi_string_list_get_next(l))
        out.emplace_back(reinterpret_cast<const char*>(avahi_string_list_get_text(l)),
                         avahi_string_list_get_size(l));
    return out;
}

inline AvahiStringList* to_string_list(const std::vector<std::string>& strings) {
    AvahiStringList* list = nullptr;
    // avahi_string_list_add prepends; add in reverse to keep our order on the wire.
    for (auto it = strings.rbegin(); it != strings.rend(); ++it)
        list = avahi_string_list_add_arbitrary(list, reinterpret_cast<const std::uint8_t*>(it->data()),
                                               it->size());
    return list;
}

}  // namespace hallway::discovery
