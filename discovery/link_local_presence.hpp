#pragma once
// Discovery's link-local XMPP side (XEP-0174, docs/PROTOCOL.md §15): our
// _presence._tcp service in an entry group of its own, and a browser plus
// resolvers for the others' instances in .local, all on Discovery's
// AvahiClient and thread. Private to discovery.cpp, which owns the client and
// tells this part when it runs, re-registers or goes away.
#include "discovery/discovery.hpp"
#include "discovery/link_local_sightings.hpp"

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

namespace hallway::discovery {

class LinkLocalPresence {
public:
    struct Hooks {
        std::function<void(DaemonState, std::string_view)> report;
        std::function<void(const LinkLocalSighting&)> found;
        std::function<void(const std::string&)> lost;
        std::function<void(const std::string&)> published;
    };
    explicit LinkLocalPresence(Hooks hooks) : hooks_(std::move(hooks)) {}
    LinkLocalPresence(const LinkLocalPresence&) = delete;
    LinkLocalPresence& operator=(const LinkLocalPresence&) = delete;

    // True while an announcement is set: the client must be kept connected.
    bool wanted() const { return announcement_.has_value(); }
    // A new announcement or nullopt; `client` is the current one (may be null
    // or not running yet: client_running() follows then).
    void set(std::optional<LinkLocalAnnouncement> announcement, AvahiClient* client);
    // The client is S_RUNNING (first time, or again after a restart or a
    // host name change): publish and browse.
    void client_running(AvahiClient* client);
    // The host name is being (re)registered: our records go with the old name.
    void client_registering();
    // The client was freed, and with it our group, browser and resolvers.
    // What was found stays until report_all_lost() or the browser says again.
    void client_freed();
    // The daemon is gone: nobody can tell us about any instance any more.
    void report_all_lost();

private:
    struct Key {
        std::string instance;
        int interface;
        int protocol;
        bool operator<(const Key& o) const {
            return std::tie(instance, interface, protocol) < std::tie(o.instance, o.interface, o.protocol);
        }
    };
    // A resolver's userdata: which key it resolves.
    struct Resolve {
        LinkLocalPresence* self;
        Key key;
        AvahiServiceResolver* resolver = nullptr;
    };

    void publish(AvahiClient* c);
    void rename();
    void withdraw();
    void browse(AvahiClient* c);
    void stop_browsing();
    bool is_own(const std::string& instance) const;
    void on_new(AvahiClient* c, const Key& key, bool from_this_host);
    void on_remove(const Key& key);
    void own_name_changed(AvahiClient* c);
    static void group_callback(AvahiEntryGroup* g, AvahiEntryGroupState state, void* userdata);
    static void browse_callback(AvahiServiceBrowser* b, AvahiIfIndex interface, AvahiProtocol protocol,
                                AvahiBrowserEvent event, const char* name, const char* type, const char* domain,
                                AvahiLookupResultFlags flags, void* userdata);
    static void resolve_callback(AvahiServiceResolver* r, AvahiIfIndex interface, AvahiProtocol protocol,
                                 AvahiResolverEvent event, const char* name, const char* type, const char* domain,
                                 const char* host_name, const AvahiAddress* address, std::uint16_t port,
                                 AvahiStringList* txt, AvahiLookupResultFlags flags, void* userdata);

    Hooks hooks_;
    std::optional<LinkLocalAnnouncement> announcement_;
    // What the entry group holds now (its TXT may be updated in place).
    std::optional<LinkLocalAnnouncement> in_group_;
    std::string name_;  // our instance name, after renames
    AvahiEntryGroup* group_ = nullptr;
    AvahiServiceBrowser* browser_ = nullptr;
    // One resolver per (instance, interface, protocol), kept while the browser
    // sees it: it reports again when the TXT (presence) or an address changes.
    std::map<Key, std::unique_ptr<Resolve>> resolvers_;
    // Browsed under our own name, and whether from this host's daemon
    // (AVAHI_LOOKUP_RESULT_OUR_OWN): after a rename, the others are another
    // host's, ours are our old record going away.
    std::map<Key, bool> own_named_;
    LinkLocalSightings sightings_;
    bool cap_reported_ = false;
};

}  // namespace hallway::discovery
