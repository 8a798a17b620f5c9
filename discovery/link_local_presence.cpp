#include "discovery/link_local_presence.hpp"

#include "discovery/avahi_values.hpp"
#include "discovery/txt_record.hpp"

#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <net/if.h>

#include <algorithm>
#include <vector>

namespace hallway::discovery {
namespace {

// XEP-0174 is mDNS only: never a wide-area domain.
constexpr const char* kLocal = "local";
// As for _hallway._tcp: a collision that keeps coming back must not spin.
constexpr int kMaxRenamesPerPublish = 16;

bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

// Unusable announcements are refused with a reason (nothing is published).
std::string invalid_reason(const LinkLocalAnnouncement& a) {
    if (a.user.empty()) return "the user name is empty";
    if (a.user.size() + 1 > kMaxServiceNameBytes) return "the user name is too long";
    if (a.port == 0) return "the port is 0";
    if (a.txt.size() > kMaxLinkLocalTxtStrings) return "too many TXT strings";
    for (const auto& s : a.txt)
        if (s.size() > kMaxTxtEntryBytes) return "a TXT string is longer than 255 bytes";
    return {};
}

}  // namespace

void LinkLocalPresence::set(std::optional<LinkLocalAnnouncement> announcement, AvahiClient* client) {
    if (!announcement) {
        withdraw();
        stop_browsing();
        announcement_.reset();
        name_.clear();
        cap_reported_ = false;
        return;
    }
    if (const auto why = invalid_reason(*announcement); !why.empty()) {
        hooks_.report(DaemonState::failed, "not publishing " + std::string(kLinkLocalServiceType) + ": " + why);
        return;
    }
    // A new user is a new instance name; a new port or TXT keeps the name.
    if (!announcement_ || announcement_->user != announcement->user) name_.clear();
    announcement_ = std::move(announcement);
    if (client == nullptr || avahi_client_get_state(client) != AVAHI_CLIENT_S_RUNNING) return;
    publish(client);
    browse(client);
}

void LinkLocalPresence::client_running(AvahiClient* client) {
    if (!announcement_) return;
    // The host name may have changed (a collision, a daemon restart): start over from user@host.
    if (group_ == nullptr || avahi_entry_group_is_empty(group_)) {
        name_.clear();
        in_group_.reset();
    }
    publish(client);
    browse(client);
}

void LinkLocalPresence::client_registering() {
    if (group_ != nullptr) avahi_entry_group_reset(group_);
    in_group_.reset();
}

void LinkLocalPresence::client_freed() {
    group_ = nullptr;
    in_group_.reset();
    browser_ = nullptr;
    resolvers_.clear();  // the AvahiServiceResolvers went with the client
    own_named_.clear();
}

void LinkLocalPresence::report_all_lost() {
    for (const auto& instance : sightings_.clear()) hooks_.lost(instance);
}

void LinkLocalPresence::publish(AvahiClient* c) {
    if (!announcement_ || avahi_client_get_state(c) != AVAHI_CLIENT_S_RUNNING) return;
    if (group_ == nullptr) group_ = avahi_entry_group_new(c, &LinkLocalPresence::group_callback, this);
    if (group_ == nullptr) {
        hooks_.report(DaemonState::failed, std::string("cannot create an entry group for ") + kLinkLocalServiceType +
                                               ": " + avahi_strerror(avahi_client_errno(c)));
        return;
    }
    const LinkLocalAnnouncement& a = *announcement_;
    if (in_group_ && !avahi_entry_group_is_empty(group_)) {
        if (in_group_->user == a.user && in_group_->port == a.port && !name_.empty()) {
            if (in_group_->txt == a.txt) return;
            // Presence changed: the TXT in place, same name (peers' resolvers see it in a second or two).
            AvahiStringList* txt = to_string_list(a.txt);
            const int ret = avahi_entry_group_update_service_txt_strlst(
                group_, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, AvahiPublishFlags{}, name_.c_str(),
                kLinkLocalServiceType, nullptr, txt);
            avahi_string_list_free(txt);
            if (ret < 0) {
                hooks_.report(DaemonState::failed, "cannot update the TXT of \"" + name_ + "\": " + avahi_strerror(ret));
                return;
            }
            in_group_ = a;
            return;
        }
        avahi_entry_group_reset(group_);
        in_group_.reset();
    }
    const std::string before = name_;
    if (name_.empty()) {
        const char* host = avahi_client_get_host_name(c);
        name_ = a.user + "@" + (host != nullptr ? host : "");
    }
    AvahiStringList* txt = to_string_list(a.txt);
    int ret = AVAHI_ERR_COLLISION;
    for (int renames = 0; ret == AVAHI_ERR_COLLISION && renames <= kMaxRenamesPerPublish; ++renames) {
        ret = avahi_entry_group_add_service_strlst(group_, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, AvahiPublishFlags{},
                                                   name_.c_str(), kLinkLocalServiceType, nullptr, nullptr, a.port,
                                                   txt);
        if (ret == AVAHI_ERR_COLLISION) rename();  // a local service has the name already
    }
    avahi_string_list_free(txt);
    if (ret >= 0) ret = avahi_entry_group_commit(group_);
    if (ret < 0)
        hooks_.report(DaemonState::failed, "cannot publish \"" + name_ + "\": " + avahi_strerror(ret));
    else
        in_group_ = a;
    if (name_ != before) own_name_changed(c);
}

void LinkLocalPresence::rename() {
    char* alternative = avahi_alternative_service_name(name_.c_str());
    hooks_.report(DaemonState::running,
                  "link-local name \"" + name_ + "\" is taken; renamed to \"" + alternative + "\"");
    name_ = alternative;
    avahi_free(alternative);
}

void LinkLocalPresence::withdraw() {
    // Freeing the group sends the mDNS goodbye for its records.
    if (group_ != nullptr) avahi_entry_group_free(group_);
    group_ = nullptr;
    in_group_.reset();
}

void LinkLocalPresence::group_callback(AvahiEntryGroup* g, AvahiEntryGroupState state, void* userdata) {
    auto* self = static_cast<LinkLocalPresence*>(userdata);
    self->group_ = g;  // may be called from within avahi_entry_group_new
    switch (state) {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
        self->hooks_.report(DaemonState::running, "link-local published as \"" + self->name_ + "\"");
        self->hooks_.published(self->name_);
        break;
    case AVAHI_ENTRY_GROUP_COLLISION: {
        const std::string before = self->name_;
        self->rename();
        avahi_entry_group_reset(g);
        self->in_group_.reset();
        const std::string renamed = self->name_;
        self->publish(avahi_entry_group_get_client(g));
        // publish() keeps a non-empty name: tell the browsing side here.
        if (self->name_ == renamed && renamed != before) self->own_name_changed(avahi_entry_group_get_client(g));
        break;
    }
    case AVAHI_ENTRY_GROUP_FAILURE:
        self->hooks_.report(DaemonState::failed,
                            std::string("publishing ") + kLinkLocalServiceType + " failed: " +
                                avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
        break;
    case AVAHI_ENTRY_GROUP_UNCOMMITED:
    case AVAHI_ENTRY_GROUP_REGISTERING:
        break;
    }
}

void LinkLocalPresence::browse(AvahiClient* c) {
    if (browser_ != nullptr || !announcement_) return;
    browser_ = avahi_service_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, kLinkLocalServiceType, kLocal,
                                         AvahiLookupFlags{}, &LinkLocalPresence::browse_callback, this);
    if (browser_ == nullptr)
        hooks_.report(DaemonState::failed, std::string("cannot browse ") + kLinkLocalServiceType + ": " +
                                               avahi_strerror(avahi_client_errno(c)));
}

void LinkLocalPresence::stop_browsing() {
    for (auto& [key, entry] : resolvers_) avahi_service_resolver_free(entry->resolver);
    resolvers_.clear();
    if (browser_ != nullptr) avahi_service_browser_free(browser_);
    browser_ = nullptr;
    own_named_.clear();
    sightings_.clear();
}

bool LinkLocalPresence::is_own(const std::string& instance) const {
    return !name_.empty() && equal_ignoring_ascii_case(instance, name_);
}

void LinkLocalPresence::browse_callback(AvahiServiceBrowser* b, AvahiIfIndex interface, AvahiProtocol protocol,
                                        AvahiBrowserEvent event, const char* name, const char*, const char*,
                                        AvahiLookupResultFlags flags, void* userdata) {
    auto* self = static_cast<LinkLocalPresence*>(userdata);
    switch (event) {
    case AVAHI_BROWSER_NEW:
        self->on_new(avahi_service_browser_get_client(b), Key{name, interface, protocol},
                     (flags & AVAHI_LOOKUP_RESULT_OUR_OWN) != 0);
        break;
    case AVAHI_BROWSER_REMOVE:
        self->on_remove(Key{name, interface, protocol});
        break;
    case AVAHI_BROWSER_FAILURE:
        self->hooks_.report(DaemonState::failed,
                            std::string("browsing ") + kLinkLocalServiceType + " failed: " +
                                avahi_strerror(avahi_client_errno(avahi_service_browser_get_client(b))));
        break;
    case AVAHI_BROWSER_CACHE_EXHAUSTED:
    case AVAHI_BROWSER_ALL_FOR_NOW:
        break;
    }
}

void LinkLocalPresence::on_new(AvahiClient* c, const Key& key, bool from_this_host) {
    // By name only, not AVAHI_LOOKUP_RESULT_OUR_OWN: a Pidgin on this host
    // shares our avahi-daemon, and it is a buddy.
    if (is_own(key.instance)) {
        own_named_[key] = from_this_host;
        return;
    }
    // Anyone on the LAN can announce thousands; each costs resolvers here and in avahi-daemon.
    if (!sightings_.browsed(key.instance, {key.interface, key.protocol})) {
        if (!cap_reported_)
            hooks_.report(DaemonState::running, "more than " + std::to_string(kMaxLinkLocalInstances) + " " +
                                                    kLinkLocalServiceType + " instances: ignoring the others");
        cap_reported_ = true;
        return;
    }
    if (resolvers_.count(key) != 0) return;
    // Kept while the browser sees the instance: unlike a one-shot resolve it
    // reports again when the TXT (the buddy's presence) or an address changes.
    auto entry = std::make_unique<Resolve>(Resolve{this, key});
    entry->resolver = avahi_service_resolver_new(c, key.interface, key.protocol, key.instance.c_str(),
                                                 kLinkLocalServiceType, kLocal, key.protocol, AvahiLookupFlags{},
                                                 &LinkLocalPresence::resolve_callback, entry.get());
    if (entry->resolver == nullptr) return;  // browsed, unresolved; its REMOVE forgets it
    resolvers_.emplace(key, std::move(entry));
}

void LinkLocalPresence::on_remove(const Key& key) {
    own_named_.erase(key);
    if (const auto it = resolvers_.find(key); it != resolvers_.end()) {
        avahi_service_resolver_free(it->second->resolver);
        resolvers_.erase(it);
    }
    const auto removal = sightings_.removed(key.instance, {key.interface, key.protocol});
    if (removal.lost) hooks_.lost(key.instance);
    else if (removal.change) hooks_.found(*removal.change);
}

void LinkLocalPresence::own_name_changed(AvahiClient* c) {
    // Instances hidden as ours that another host holds (we were renamed away
    // from their name) are theirs: report them now, the browser will not again.
    // Those from this host are our old record (its REMOVE follows).
    std::vector<Key> theirs;
    for (auto it = own_named_.begin(); it != own_named_.end();) {
        if (is_own(it->first.instance)) {
            ++it;
            continue;
        }
        if (!it->second) theirs.push_back(it->first);
        it = own_named_.erase(it);
    }
    for (const auto& key : theirs) on_new(c, key, false);
}

void LinkLocalPresence::resolve_callback(AvahiServiceResolver*, AvahiIfIndex, AvahiProtocol,
                                         AvahiResolverEvent event, const char*, const char*, const char*, const char*,
                                         const AvahiAddress* address, std::uint16_t port, AvahiStringList* txt,
                                         AvahiLookupResultFlags, void* userdata) {
    const auto* entry = static_cast<Resolve*>(userdata);
    // A FAILURE (timeout) keeps the resolver: it reports FOUND if the records show up later.
    if (event != AVAHI_RESOLVER_FOUND || address == nullptr) return;
    const Key& key = entry->key;
    char ifname[IF_NAMESIZE] = {};
    LinkLocalResolution resolution{
        to_endpoint(*address, key.interface, port),
        key.interface > 0 && if_indextoname(static_cast<unsigned>(key.interface), ifname) != nullptr ? ifname : "",
        to_strings(txt)};
    if (auto changed = entry->self->sightings_.resolved(key.instance, {key.interface, key.protocol},
                                                        std::move(resolution)))
        entry->self->hooks_.found(*changed);
}

}  // namespace hallway::discovery
