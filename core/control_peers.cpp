#include "core/control_peers.hpp"

#include "core/control.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace hallway::core {

using nlohmann::json;

json peer_json(const PeerView& p) {
    const auto listed = std::min(p.addresses.size(), kMaxListedAddresses);
    json j{{"nick", p.nick},
           {"id", p.fingerprint},
           {"online", p.online},
           {"session", p.session},
           {"addresses", std::vector<std::string>(p.addresses.begin(), p.addresses.begin() + listed)},
           {"trust", std::string(to_string(p.trust))},
           {"known", p.known},
           {"presence", p.presence},
           {"status", p.status_message},
           {"unread", p.unread},
           {"name_clash", p.name_clash},
           {"rooms", p.rooms},
           {"files", p.files},
           {"auto_accept_files", p.auto_accept_files},
           {"private", p.private_mode},
           {"found_by", p.found_by},
           {"typing", p.typing},
           // Every listing says what the buddy is and whether it is encrypted:
           // a link-local XMPP buddy (docs/PROTOCOL.md §15) never is.
           {"kind", std::string(to_string(p.kind))},
           {"encrypted", p.encrypted}};
    if (p.kind == PeerKind::xmpp_link_local) j["instance"] = p.instance;
    return j;
}

}  // namespace hallway::core
