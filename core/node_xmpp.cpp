// The link-local XMPP bridge's side of the node (docs/PROTOCOL.md §15).
#include "core/node_impl.hpp"

namespace hallway::core {

bool Node::set_bonjour(bool on, std::string& error) {
    Impl& d = *impl_;
    error.clear();
    Settings next = d.settings;
    next.bonjour = on;
    if (!save_settings(d.options.profile_dir, next, error, d.store_key())) return false;
    d.settings = std::move(next);
    d.emit(d.own());
    return true;
}

}  // namespace hallway::core
