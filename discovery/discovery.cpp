#include "discovery/discovery.hpp"

#include "discovery/avahi_poll.hpp"
#include "discovery/avahi_values.hpp"
#include "discovery/link_local_presence.hpp"
#include "discovery/peer_sightings.hpp"
#include "discovery/resolve_queue.hpp"
#include "discovery/txt_record.hpp"

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <net/if.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <thread>
#include <tuple>
#include <cstring>
#include <map>
#include <set>
#include <optional>
#include <random>

namespace hallway::discovery {
namespace {

constexpr std::string_view kMissingMessage =
    "avahi-daemon is not running: peers are not discovered automatically; use --peer HOST:PORT";
// Without a system bus avahi_client_new fails even with AVAHI_CLIENT_NO_FAIL
// (it only waits for the daemon, not for D-Bus), so we retry ourselves; same
// period avahi-daemon uses to reconnect to the bus.
constexpr auto kReconnectInterval = std::chrono::seconds(3);
// A name collision that keeps coming back (e.g. a hostile peer claiming every
// alternative) must not spin: after this many renames in one go we give up.
constexpr int kMaxRenamesPerPublish = 16;
// Service instances resolved (and tracked) at once. Anyone on the LAN can publish
// thousands of _hallway._tcp instances; each costs a resolver in avahi-daemon and
// here plus a sighting. A real LAN has a few peers, each seen once per interface
// and address family. Instances beyond the cap are ignored until others go away
// (the browser reports them again only when they change): a flood can hide
// newcomers from discovery, never make anyone a buddy (that needs a handshake).
constexpr std::size_t kMaxResolvedInstances = 1024;
// avahi-daemon asks a wide-area domain once per browser and never reports a
// wide-area instance gone (avahi-core/browse.c: REMOVE is "not defined for
// wide area DNS"; its cache drops expired records silently). So each
// wide-area browser is made anew this often: records added since are found
// (once the daemon's cached answer is older than its TTL), and instances the
// new answer lacks are removed.
constexpr auto kWideAreaRefresh = std::chrono::seconds(60);
// mDNS records resolved at once (resolve_queue.hpp): a node starting in a
// crowd meets its first peers within a few resolves and hears of the rest
// from them (docs/PROTOCOL.md §6.5), while the crowd's daemons stay free.
constexpr std::size_t kLocalResolvesAtOnce = 1;
// Sighting::domain of mDNS.
const std::string kLocalDomain = "local";

// Domains as avahi spells them may differ in case and a trailing dot; one
// spelling each, so that no domain is browsed twice.
std::string normalized_domain(const char* domain) {
    std::string d = domain != nullptr ? domain : "";
    if (!d.empty() && d.back() == '.') d.pop_back();
    for (char& c : d)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return d;
}

}  // namespace

// Avahi's state and callbacks; everything here runs on the discovery thread.
struct Avahi;

// One service browser for one domain; the browser's userdata, so its events
// say which domain they are about.
struct DomainBrowse {
    Avahi* self = nullptr;
    std::string domain;
    AvahiServiceBrowser* browser = nullptr;
    // Wide-area: the instances known before this browser's answer; those its
    // answer does not name again are gone.
    std::set<InstanceKey> unconfirmed;
    bool failure_reported = false;
};

struct Avahi {
    Avahi(asio::io_context& io_context, DiscoveryCallbacks cb)
        : io(io_context), callbacks(std::move(cb)), poll(io_context), retry_timer(io_context),
          refresh_timer(io_context), link_local(link_local_hooks()) {}

    asio::io_context& io;
    DiscoveryCallbacks callbacks;
    AsioAvahiPoll poll;
    asio::steady_timer retry_timer;
    asio::steady_timer refresh_timer;  // kWideAreaRefresh
    // Posted work and timer handlers hold a weak reference: they may run after
    // Discovery is gone.
    std::shared_ptr<int> alive = std::make_shared<int>(0);

    std::optional<Announcement> announcement;
    // browse(): watching only, nothing published, nothing filtered out.
    bool watching = false;
    // _hallway._tcp is published or browsed.
    bool hallway_active() const { return announcement || watching; }
    // The client is needed (for _hallway._tcp or the link-local bridge).
    bool active() const { return hallway_active() || link_local.wanted(); }
    // A reconnect is scheduled (retry_timer): no client until then.
    bool reconnect_pending = false;
    std::string service_name;
    AvahiClient* client = nullptr;
    AvahiEntryGroup* group = nullptr;
    // By domain: "local" and the wide-area domains (at most kMaxBrowseDomains).
    std::map<std::string, std::unique_ptr<DomainBrowse>> browsers;
    AvahiDomainBrowser* domain_browser = nullptr;
    // Who reports each wide-area domain (interface, protocol): mDNS may report
    // one on several interfaces, and it goes only when the last one removes it.
    std::map<std::string, std::set<std::pair<int, int>>> domain_sources;
    bool too_many_domains_reported = false;
    std::vector<std::string> reported_domains;
    // Resolvers run until their instance resolves (or is removed), not
    // longer: a running resolver makes avahi-daemon re-query the peer's SRV and
    // address records before their 120 s TTL ends, so one per peer would make
    // every node's idle mDNS traffic grow with the size of the LAN. A nick
    // change is a new instance name (REMOVE, NEW). What a resolver would have
    // seen change in place (a port after a crash and restart, another host
    // taking the name after a collision) is asked for with resolve_again()
    // when dialing the old address fails; avahi-daemon's cache holds the
    // records received since.
    std::map<InstanceKey, AvahiServiceResolver*> resolvers;
    // Instances not resolved because their twin (the same name on the same
    // interface, over the other mDNS protocol: the same records) is: each
    // resolve makes avahi-daemon query, and a crowd starting at once keeps
    // every daemon busy with what the whole LAN asks. Resolved when the twin
    // goes away, its resolve times out or its address fails (resolve_again).
    std::set<InstanceKey> twins_unresolved;
    // mDNS records found and waiting for their turn to be resolved, or
    // resolving in their turn (wide-area ones are resolved at once: unicast).
    ResolveQueue queue{kLocalResolvesAtOnce, std::random_device{}()};
    // .local instances browsed now (resolved or not), for on_browsed.
    std::set<InstanceKey> browsed;
    bool reported_busy = false;
    PeerSightings sightings;
    bool missing_reported = false;
    // _presence._tcp: its own entry group, browser and resolvers on our client.
    LinkLocalPresence link_local;

    LinkLocalPresence::Hooks link_local_hooks() {
        LinkLocalPresence::Hooks hooks;
        hooks.report = [this](DaemonState state, std::string_view message) { report(state, message); };
        hooks.found = [this](const LinkLocalSighting& s) {
            if (callbacks.on_link_local) callbacks.on_link_local(s);
        };
        hooks.lost = [this](const std::string& instance) {
            if (callbacks.on_link_local_lost) callbacks.on_link_local_lost(instance);
        };
        hooks.published = [this](const std::string& instance) {
            if (callbacks.on_link_local_published) callbacks.on_link_local_published(instance);
        };
        return hooks;
    }

    void report(DaemonState state, std::string_view message) {
        if (callbacks.on_daemon) callbacks.on_daemon(state, message);
    }
    // Takes a new announcement (and its service name); false when it is unusable.
    bool adopt(Announcement a) {
        if (!is_valid_fingerprint(a.fingerprint)) {
            report(DaemonState::failed, "not publishing: the fingerprint is not 40 digits");
            return false;
        }
        if (!a.private_tag.empty() && !is_valid_private_tag(a.private_tag)) {
            report(DaemonState::failed, "not publishing: the private tag is not 64 hex digits");
            return false;
        }
        service_name = a.private_tag.empty() ? service_instance_name(a.nick, a.fingerprint)
                                             : private_instance_name(a.private_tag);
        announcement = std::move(a);
        return true;
    }

    void report_missing() {
        if (missing_reported) return;
        missing_reported = true;
        report(DaemonState::missing, kMissingMessage);
    }
    // Starts the queued resolves that fit, and says whether records wait.
    void pump() {
        while (client != nullptr) {
            const auto key = queue.next();
            if (!key) break;
            if (resolvers.count(*key) != 0 || sightings.contains(*key)) {
                queue.done(*key);  // resolved meanwhile (resolve_again, a twin's failure)
                continue;
            }
            resolve(client, *key);
            if (resolvers.count(*key) == 0) queue.done(*key);  // avahi refused it
        }
        report_resolving();
    }
    void report_browsed(const std::string& name, bool present) {
        if (callbacks.on_browsed) callbacks.on_browsed(name, present);
    }
    void report_resolving() {
        if (queue.busy() == reported_busy) return;
        reported_busy = queue.busy();
        if (callbacks.on_resolving) callbacks.on_resolving(reported_busy);
    }

    void report_lost(const LostPeer& lost) {
        if (callbacks.on_lost) callbacks.on_lost(lost.service_name, lost.fingerprint);
    }

    template <typename F>
    void post_guarded(F f) {
        asio::post(io, [weak = std::weak_ptr<int>(alive), f] {
            if (weak.lock()) f();
        });
    }

    void connect() {
        int error = 0;
        AvahiClient* c = avahi_client_new(poll.get(), AVAHI_CLIENT_NO_FAIL, &Avahi::client_callback, this, &error);
        if (c == nullptr) {
            // Whatever the callback created during avahi_client_new was freed with it.
            forget_client_objects();
            report_missing();
            schedule_reconnect();
            return;
        }
        client = c;
    }

    void schedule_reconnect() {
        reconnect_pending = true;
        retry_timer.expires_after(kReconnectInterval);
        retry_timer.async_wait([this, weak = std::weak_ptr<int>(alive)](const asio::error_code& ec) {
            if (!weak.lock()) return;
            reconnect_pending = false;
            if (ec || !active() || client != nullptr) return;
            connect();
        });
    }

    // The client's objects are gone with it (avahi_client_free frees them).
    void forget_client_objects() {
        group = nullptr;
        browsers.clear();
        domain_browser = nullptr;
        domain_sources.clear();
        too_many_domains_reported = false;
        resolvers.clear();
        twins_unresolved.clear();
        queue.clear();
        report_resolving();
        std::set<std::string> names;
        for (const auto& k : browsed) names.insert(k.service_name);
        browsed.clear();
        for (const auto& name : names) report_browsed(name, false);
        link_local.client_freed();
        report_domains();
    }

    // Frees the client and everything it owns (the entry group withdraws our
    // service with an mDNS goodbye).
    void free_client() {
        if (client != nullptr) avahi_client_free(client);
        client = nullptr;
        forget_client_objects();
    }

    void reconnect_after_failure() {
        free_client();
        for (const LostPeer& lost : sightings.clear()) report_lost(lost);
        link_local.report_all_lost();
        if (active()) connect();
    }

    static void client_callback(AvahiClient* c, AvahiClientState state, void* userdata) {
        static_cast<Avahi*>(userdata)->on_client_state(c, state);
    }

    void on_client_state(AvahiClient* c, AvahiClientState state) {
        switch (state) {
        case AVAHI_CLIENT_S_RUNNING:
            missing_reported = false;
            report(DaemonState::running, "avahi-daemon is running");
            if (hallway_active()) {
                publish(c);
                browse(c);
            }
            link_local.client_running(c);
            break;
        case AVAHI_CLIENT_S_COLLISION:
            report(DaemonState::running, "host name collision: avahi-daemon is picking another host name");
            [[fallthrough]];
        case AVAHI_CLIENT_S_REGISTERING:
            // Our records go away with the old host name; S_RUNNING publishes again.
            if (group != nullptr) avahi_entry_group_reset(group);
            link_local.client_registering();
            break;
        case AVAHI_CLIENT_CONNECTING:
            report_missing();
            break;
        case AVAHI_CLIENT_FAILURE: {
            const int error = avahi_client_errno(c);
            // Freeing the client inside its own (D-Bus dispatch) callback is not
            // allowed: do it from the io_context.
            if (error == AVAHI_ERR_DISCONNECTED) {
                report(DaemonState::connecting, "avahi-daemon went away; waiting for it to come back");
                post_guarded([this] { reconnect_after_failure(); });
            } else {
                report(DaemonState::failed, std::string("avahi client failed: ") + avahi_strerror(error));
                post_guarded([this] {
                    free_client();
                    for (const LostPeer& lost : sightings.clear()) report_lost(lost);
                    link_local.report_all_lost();
                    if (active()) schedule_reconnect();
                });
            }
            break;
        }
        }
    }

    void publish(AvahiClient* c) {
        if (!announcement || avahi_client_get_state(c) != AVAHI_CLIENT_S_RUNNING) return;
        if (group == nullptr) group = avahi_entry_group_new(c, &Avahi::group_callback, this);
        if (group == nullptr) {
            report(DaemonState::failed, std::string("cannot create entry group: ") + avahi_strerror(avahi_client_errno(c)));
            return;
        }
        if (!avahi_entry_group_is_empty(group)) return;

        const TxtInfo info = announcement->private_tag.empty()
                                 ? TxtInfo{kTxtVersion, announcement->fingerprint, announcement->nick, ""}
                                 : TxtInfo{kTxtVersion, "", "", announcement->private_tag};
        AvahiStringList* txt = to_string_list(serialize_txt(info));
        int ret = AVAHI_ERR_COLLISION;
        for (int renames = 0; ret == AVAHI_ERR_COLLISION && renames <= kMaxRenamesPerPublish; ++renames) {
            ret = avahi_entry_group_add_service_strlst(group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                                       AvahiPublishFlags{}, service_name.c_str(), kServiceType,
                                                       nullptr, nullptr, announcement->port, txt);
            if (ret == AVAHI_ERR_COLLISION) rename();  // a local service has the name already
        }
        avahi_string_list_free(txt);
        if (ret >= 0) ret = avahi_entry_group_commit(group);
        if (ret < 0) report(DaemonState::failed, std::string("cannot publish: ") + avahi_strerror(ret));
    }

    void rename() {
        char* alternative = avahi_alternative_service_name(service_name.c_str());
        report(DaemonState::running,
               "service name \"" + service_name + "\" is taken; renamed to \"" + alternative + "\"");
        service_name = alternative;
        avahi_free(alternative);
    }

    static void group_callback(AvahiEntryGroup* g, AvahiEntryGroupState state, void* userdata) {
        static_cast<Avahi*>(userdata)->on_group_state(g, state);
    }

    void on_group_state(AvahiEntryGroup* g, AvahiEntryGroupState state) {
        group = g;  // may be called from within avahi_entry_group_new
        switch (state) {
        case AVAHI_ENTRY_GROUP_ESTABLISHED:
            report(DaemonState::running, "published as \"" + service_name + "\"");
            if (callbacks.on_published) callbacks.on_published(service_name);
            break;
        case AVAHI_ENTRY_GROUP_COLLISION:
            rename();
            avahi_entry_group_reset(g);
            publish(avahi_entry_group_get_client(g));
            break;
        case AVAHI_ENTRY_GROUP_FAILURE:
            report(DaemonState::failed, std::string("publishing failed: ") +
                                            avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
            break;
        case AVAHI_ENTRY_GROUP_UNCOMMITED:
        case AVAHI_ENTRY_GROUP_REGISTERING:
            break;
        }
    }

    void browse(AvahiClient* c) {
        browse_in(c, kLocalDomain);
        if (domain_browser != nullptr) return;
        schedule_refresh();
        // Domain nullptr: the daemon's own domain ("local"), where it asks
        // b._dns-sd._udp by mDNS; it adds its static browse domains itself.
        domain_browser = avahi_domain_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, nullptr,
                                                  AVAHI_DOMAIN_BROWSER_BROWSE, AvahiLookupFlags{},
                                                  &Avahi::domain_callback, this);
        if (domain_browser == nullptr)
            report(DaemonState::failed, std::string("cannot browse for wide-area domains: ") +
                                            avahi_strerror(avahi_client_errno(c)));
    }

    void browse_in(AvahiClient* c, const std::string& domain) {
        if (browsers.count(domain) != 0) return;
        auto entry = std::make_unique<DomainBrowse>();
        entry->self = this;
        entry->domain = domain;
        entry->browser = avahi_service_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, kServiceType,
                                                   domain == kLocalDomain ? nullptr : domain.c_str(),
                                                   AvahiLookupFlags{}, &Avahi::browse_callback, entry.get());
        if (entry->browser == nullptr) {
            report(DaemonState::failed, "cannot browse in " + domain + ": " + avahi_strerror(avahi_client_errno(c)));
            return;
        }
        browsers.emplace(domain, std::move(entry));
    }

    void schedule_refresh() {
        refresh_timer.expires_after(kWideAreaRefresh);
        refresh_timer.async_wait([this, weak = std::weak_ptr<int>(alive)](const asio::error_code& ec) {
            if (ec || !weak.lock() || client == nullptr) return;
            for (auto& [domain, entry] : browsers)
                if (domain != kLocalDomain) refresh(*entry);
            schedule_refresh();
        });
    }

    // A new browser for a wide-area domain; what it does not report again is swept.
    void refresh(DomainBrowse& entry) {
        AvahiServiceBrowser* b = avahi_service_browser_new(client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, kServiceType,
                                                           entry.domain.c_str(), AvahiLookupFlags{},
                                                           &Avahi::browse_callback, &entry);
        if (b == nullptr) return;  // the old one stays; the next round tries again
        avahi_service_browser_free(entry.browser);
        entry.browser = b;
        entry.unconfirmed.clear();
        for (const auto& key : sightings.keys_in_domain(entry.domain)) entry.unconfirmed.insert(key);
        for (const auto& [key, r] : resolvers)
            if (key.domain == entry.domain) entry.unconfirmed.insert(key);
    }

    // The wide-area answer is complete: what it did not name is gone.
    void sweep(DomainBrowse& entry) {
        const auto gone = std::move(entry.unconfirmed);
        entry.unconfirmed.clear();
        for (const auto& key : gone) on_removed_instance(key);
    }

    // The wide-area domains browsed, for on_domains when they changed.
    void report_domains() {
        std::vector<std::string> domains;
        for (const auto& [domain, entry] : browsers)
            if (domain != kLocalDomain) domains.push_back(domain);
        if (domains == reported_domains) return;
        reported_domains = domains;
        if (callbacks.on_domains) callbacks.on_domains(domains);
    }

    static void domain_callback(AvahiDomainBrowser* b, AvahiIfIndex interface, AvahiProtocol protocol,
                                AvahiBrowserEvent event, const char* domain, AvahiLookupResultFlags, void* userdata) {
        auto* self = static_cast<Avahi*>(userdata);
        switch (event) {
        case AVAHI_BROWSER_NEW:
            self->on_new_domain(avahi_domain_browser_get_client(b), normalized_domain(domain), {interface, protocol});
            break;
        case AVAHI_BROWSER_REMOVE:
            self->on_removed_domain(normalized_domain(domain), {interface, protocol});
            break;
        case AVAHI_BROWSER_FAILURE:
            self->report(DaemonState::failed,
                         std::string("browsing for wide-area domains failed: ") +
                             avahi_strerror(avahi_client_errno(avahi_domain_browser_get_client(b))));
            break;
        case AVAHI_BROWSER_CACHE_EXHAUSTED:
        case AVAHI_BROWSER_ALL_FOR_NOW:
            break;
        }
    }

    void on_new_domain(AvahiClient* c, const std::string& domain, std::pair<int, int> source) {
        // .local is browsed already (a static browse-domains=local, or a
        // b._dns-sd._udp.local PTR naming it, would report it).
        if (domain.empty() || domain == kLocalDomain) return;
        if (const auto it = domain_sources.find(domain); it != domain_sources.end()) {
            it->second.insert(source);
            return;
        }
        if (domain_sources.size() >= kMaxBrowseDomains) {
            if (!too_many_domains_reported)
                report(DaemonState::running, "more than " + std::to_string(kMaxBrowseDomains) +
                                                 " wide-area browse domains: not browsing " + domain +
                                                 " (nor any other beyond the first " +
                                                 std::to_string(kMaxBrowseDomains) + ")");
            too_many_domains_reported = true;
            return;
        }
        domain_sources[domain].insert(source);
        browse_in(c, domain);
        report_domains();
    }

    void on_removed_domain(const std::string& domain, std::pair<int, int> source) {
        const auto it = domain_sources.find(domain);
        if (it == domain_sources.end()) return;
        it->second.erase(source);
        if (!it->second.empty()) return;
        domain_sources.erase(it);
        if (const auto b = browsers.find(domain); b != browsers.end()) {
            avahi_service_browser_free(b->second->browser);
            browsers.erase(b);
        }
        for (auto r = resolvers.begin(); r != resolvers.end();) {
            if (r->first.domain != domain) {
                ++r;
                continue;
            }
            avahi_service_resolver_free(r->second);
            r = resolvers.erase(r);
        }
        std::erase_if(twins_unresolved, [&](const InstanceKey& k) { return k.domain == domain; });
        for (const LostPeer& lost : sightings.removed_domain(domain)) report_lost(lost);
        report_domains();
    }

    static void browse_callback(AvahiServiceBrowser* b, AvahiIfIndex interface, AvahiProtocol protocol,
                                AvahiBrowserEvent event, const char* name, const char*, const char*,
                                AvahiLookupResultFlags, void* userdata) {
        auto* entry = static_cast<DomainBrowse*>(userdata);
        auto* self = entry->self;
        const bool wide_area = entry->domain != kLocalDomain;
        switch (event) {
        case AVAHI_BROWSER_NEW: {
            const InstanceKey key{name, interface, protocol, entry->domain};
            entry->unconfirmed.erase(key);
            if (!wide_area && self->browsed.size() < kMaxResolvedInstances && self->browsed.insert(key).second &&
                self->browsed_named(name) == 1)
                self->report_browsed(name, true);
            self->on_new_instance(avahi_service_browser_get_client(b), key);
            break;
        }
        case AVAHI_BROWSER_REMOVE:
            self->on_removed_instance({name, interface, protocol, entry->domain});
            if (!wide_area && self->browsed.erase({name, interface, protocol, entry->domain}) != 0 &&
                self->browsed_named(name) == 0)
                self->report_browsed(name, false);
            break;
        case AVAHI_BROWSER_FAILURE: {
            const int error = avahi_client_errno(avahi_service_browser_get_client(b));
            if (!wide_area) {
                self->report(DaemonState::failed, std::string("browsing failed: ") + avahi_strerror(error));
                break;
            }
            // No _hallway._tcp records (any more): none of its instances is left.
            // A timeout (DNS server down) keeps them until it answers again.
            if (error == AVAHI_ERR_NOT_FOUND) {
                self->sweep(*entry);
                break;
            }
            if (!entry->failure_reported)
                self->report(DaemonState::running, "no answer about " + std::string(kServiceType) + "." +
                                                       entry->domain + ": " + avahi_strerror(error));
            entry->failure_reported = true;
            break;
        }
        case AVAHI_BROWSER_ALL_FOR_NOW:
            if (!wide_area) break;
            entry->failure_reported = false;
            self->sweep(*entry);
            break;
        case AVAHI_BROWSER_CACHE_EXHAUSTED:
            break;
        }
    }

    std::size_t browsed_named(const std::string& name) const {
        return static_cast<std::size_t>(std::count_if(browsed.begin(), browsed.end(),
                                                      [&](const InstanceKey& k) { return k.service_name == name; }));
    }

    void on_new_instance(AvahiClient* c, const InstanceKey& key) {
        // Known already (a wide-area browser made anew reports it again).
        if (sightings.contains(key) || twins_unresolved.count(key) != 0) return;
        // Resolving, resolved or waiting for its twin, each counts against the cap.
        if (resolvers.count(key) != 0 || resolvers.size() + sightings.instance_count() + twins_unresolved.size() +
                                                 queue.queued() >= kMaxResolvedInstances)
            return;
        if (has_twin(key)) {
            // The IPv4 record goes first while its twin still waits its turn:
            // an IPv6 link-local answer is good on this link only, so it
            // would cost a second resolve (and a second dial) for the address
            // a node can remember (resolve_callback).
            if (key.protocol == AVAHI_PROTO_INET)
                if (auto waiting = queue.replace_twin(key)) {
                    twins_unresolved.insert(*waiting);
                    return;
                }
            twins_unresolved.insert(key);
            return;
        }
        if (key.domain != kLocalDomain) {
            resolve(c, key);
            return;
        }
        queue.add(key);
        pump();
    }

    bool has_twin(const InstanceKey& key) const {
        for (const auto& [other, r] : resolvers)
            if (other.service_name == key.service_name && other.interface == key.interface &&
                other.domain == key.domain)
                return true;
        return queue.queued_named(key) || sightings.has_instance_named(key.service_name, key.interface, key.domain);
    }

    void resolve(AvahiClient* c, const InstanceKey& key) {
        twins_unresolved.erase(key);
        if (resolvers.count(key) != 0) return;
        // Resolve on the protocol it was seen on, for that family's address:
        // an instance seen over IPv4 and IPv6 mDNS gives both endpoints.
        AvahiServiceResolver* r = avahi_service_resolver_new(
            c, key.interface, key.protocol, key.service_name.c_str(), kServiceType,
            key.domain == kLocalDomain ? nullptr : key.domain.c_str(), key.protocol, AvahiLookupFlags{},
            &Avahi::resolve_callback, this);
        if (r != nullptr) resolvers.emplace(key, r);
    }

    // The instance's twins (other protocols, same name and interface).
    std::vector<InstanceKey> unresolved_twins_of(const InstanceKey& key) const {
        std::vector<InstanceKey> out;
        for (const auto& t : twins_unresolved)
            if (t.service_name == key.service_name && t.interface == key.interface && t.domain == key.domain &&
                t != key)
                out.push_back(t);
        return out;
    }

    void on_removed_instance(const InstanceKey& key) {
        twins_unresolved.erase(key);
        queue.done(key);
        if (const auto it = resolvers.find(key); it != resolvers.end()) {
            avahi_service_resolver_free(it->second);
            resolvers.erase(it);
        }
        if (const auto lost = sightings.removed(key)) report_lost(*lost);
        // Still announced over the other protocol: resolve it there (after a
        // goodbye its removal follows at once and ends this resolver too).
        if (client != nullptr && !has_twin(key))
            for (const auto& twin : unresolved_twins_of(key)) resolve(client, twin);
        pump();
    }

    static void resolve_callback(AvahiServiceResolver* r, AvahiIfIndex, AvahiProtocol, AvahiResolverEvent event,
                                 const char*, const char*, const char*, const char*, const AvahiAddress* address,
                                 std::uint16_t port, AvahiStringList* txt, AvahiLookupResultFlags, void* userdata) {
        auto* self = static_cast<Avahi*>(userdata);
        // The key it was started for (a wide-area answer names no interface,
        // and the domain as the server spells it).
        const auto it = std::find_if(self->resolvers.begin(), self->resolvers.end(),
                                     [r](const auto& entry) { return entry.second == r; });
        if (it == self->resolvers.end()) return;
        const InstanceKey key = it->first;
        // Its turn is over either way: a failed one waits on, outside the queue.
        self->queue.done(key);
        self->pump();
        // A FAILURE (timeout) keeps the resolver: it reports FOUND if the
        // records show up later, and the browser's REMOVE ends it. Its twins
        // are resolved now: the other protocol may well answer (an mDNS
        // reflector passes IPv4 addresses but never IPv6 link-local ones).
        if (event == AVAHI_RESOLVER_FAILURE && self->client != nullptr)
            for (const auto& twin : self->unresolved_twins_of(key)) self->resolve(self->client, twin);
        if (event != AVAHI_RESOLVER_FOUND || address == nullptr) return;
        self->resolvers.erase(it);
        // An IPv6 link-local address works on this link only, and not after
        // the peer moves to another subnet: the twin's address (IPv4, say)
        // is what the node can remember and reach it at later.
        const auto at = to_endpoint(*address, key.interface, port).address();
        const bool link_local = at.is_v6() && at.to_v6().is_link_local();
        self->on_resolved(key, *address, port, txt);
        // Resolved: let go (freeing from its own callback is allowed).
        avahi_service_resolver_free(r);
        if (link_local && self->client != nullptr)
            for (const auto& twin : self->unresolved_twins_of(key)) self->resolve(self->client, twin);
    }

    void resolve_again(const std::string& fingerprint) {
        if (client == nullptr) return;
        for (const Sighting& s : sightings.sightings_of(fingerprint)) {
            const InstanceKey key{s.service_name, s.interface, s.protocol, s.domain};
            resolve(client, key);
            for (const auto& twin : unresolved_twins_of(key)) resolve(client, twin);
        }
    }

    void on_resolved(const InstanceKey& key, const AvahiAddress& address, std::uint16_t port, AvahiStringList* txt) {
        const auto info = parse_txt(to_strings(txt));
        if (!info) return;  // not a Hallway record we understand: peer data, never an error
        const std::string id = info->private_tag.empty() ? info->fingerprint : private_peer_id(info->private_tag);
        // Decided by fingerprint (or our private tag) only: AVAHI_LOOKUP_RESULT_OUR_OWN
        // would also hide a spoofer running on this host.
        if (announcement && (id == announcement->fingerprint ||
                             (!announcement->private_tag.empty() && id == private_peer_id(announcement->private_tag))))
            return;
        char ifname[IF_NAMESIZE] = {};
        const Sighting sighting{key.service_name, id, info->nick, info->version,
                                to_endpoint(address, key.interface, port), key.interface, key.protocol, key.domain,
                                key.interface > 0 && if_indextoname(static_cast<unsigned>(key.interface), ifname)
                                    ? ifname
                                    : ""};
        const auto update = sightings.resolved(sighting);
        if (update.lost) report_lost(*update.lost);
        if (update.change != PeerSightings::Change::none && callbacks.on_found) callbacks.on_found(sighting);
    }
    // Connects unless a client exists or is about to (the link-local side
    // may have made one already); true when it exists and runs now.
    bool ensure_client() {
        if (client == nullptr) {
            if (!reconnect_pending) connect();
            return false;
        }
        return avahi_client_get_state(client) == AVAHI_CLIENT_S_RUNNING;
    }

    void start(Announcement a) {
        const bool running = announcement.has_value();
        if (!adopt(std::move(a))) return;
        if (running && group != nullptr) avahi_entry_group_reset(group);
        if (!ensure_client()) return;  // S_RUNNING publishes and browses
        publish(client);
        if (!running) browse(client);
    }

    void browse() {
        if (hallway_active()) return;
        watching = true;
        if (ensure_client()) browse(client);
    }

    void set_link_local(std::optional<LinkLocalAnnouncement> a) {
        const bool wanted = a.has_value();
        link_local.set(std::move(a), client);
        if (wanted) ensure_client();
    }

    void stop() {
        link_local.set(std::nullopt, client);
        announcement.reset();
        watching = false;
        retry_timer.cancel();
        reconnect_pending = false;
        refresh_timer.cancel();
        free_client();
        sightings.clear();
        missing_reported = false;
    }
};

// Avahi's client calls are blocking D-Bus round trips to avahi-daemon, and a
// daemon busy with a crowd's mDNS (dozens of nodes starting at once) answers
// them in seconds. They run on a thread of their own, with its own io_context
// for the AvahiPoll and timers, so they never stall the caller's sessions (a
// handshake stalled that long times out). Results are posted to the caller's
// io_context; the caller's calls are posted to the discovery thread.
struct Discovery::Impl {
    asio::io_context own_io;
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(own_io);
    // Posted callbacks run only while the Discovery lives (checked on the caller's thread).
    std::shared_ptr<int> alive = std::make_shared<int>(0);
    std::unique_ptr<Avahi> avahi;
    std::thread thread;

    Impl(asio::io_context& caller, DiscoveryCallbacks cb) {
        DiscoveryCallbacks relayed;
        relayed.on_found = on_caller(caller, std::move(cb.on_found));
        relayed.on_lost = on_caller(caller, std::move(cb.on_lost));
        relayed.on_daemon = on_caller(caller, std::move(cb.on_daemon));
        relayed.on_published = on_caller(caller, std::move(cb.on_published));
        relayed.on_domains = on_caller(caller, std::move(cb.on_domains));
        relayed.on_link_local = on_caller(caller, std::move(cb.on_link_local));
        relayed.on_link_local_lost = on_caller(caller, std::move(cb.on_link_local_lost));
        relayed.on_link_local_published = on_caller(caller, std::move(cb.on_link_local_published));
        relayed.on_resolving = on_caller(caller, std::move(cb.on_resolving));
        relayed.on_browsed = on_caller(caller, std::move(cb.on_browsed));
        avahi = std::make_unique<Avahi>(own_io, std::move(relayed));
        thread = std::thread([this] { own_io.run(); });
    }
    ~Impl() {
        stop();
        work.reset();
        own_io.stop();
        thread.join();
    }

    // The argument as the posted closure keeps it: a string_view becomes the string.
    static std::string held(std::string_view s) { return std::string(s); }
    template <typename T>
    static T held(const T& v) { return v; }

    // f, called on the discovery thread, runs on the caller's io_context instead.
    template <typename... Args>
    std::function<void(Args...)> on_caller(asio::io_context& caller, std::function<void(Args...)> f) {
        if (!f) return {};
        return [&caller, weak = std::weak_ptr<int>(alive), f = std::move(f)](Args... args) {
            asio::post(caller, [weak, f, copies = std::make_tuple(held(args)...)] {
                if (weak.lock()) std::apply(f, copies);
            });
        };
    }

    template <typename F>
    void post(F f) {
        asio::post(own_io, [this, f = std::move(f)]() mutable { f(*avahi); });
    }

    // Withdraws the service before returning: a node that exits right after
    // has said goodbye.
    void stop() {
        if (!thread.joinable()) return;
        std::promise<void> done;
        post([&done](Avahi& a) {
            a.stop();
            done.set_value();
        });
        done.get_future().wait();
    }
};

Discovery::Discovery(asio::io_context& io, DiscoveryCallbacks callbacks)
    : impl_(std::make_unique<Impl>(io, std::move(callbacks))) {}

Discovery::~Discovery() = default;

void Discovery::start(Announcement announcement) {
    impl_->post([a = std::move(announcement)](Avahi& avahi) mutable { avahi.start(std::move(a)); });
}

void Discovery::browse() {
    impl_->post([](Avahi& avahi) { avahi.browse(); });
}

void Discovery::update(Announcement announcement) { start(std::move(announcement)); }

void Discovery::resolve_again(const std::string& fingerprint) {
    impl_->post([fingerprint](Avahi& avahi) { avahi.resolve_again(fingerprint); });
}

void Discovery::set_known(const std::string& service_name, bool known) {
    impl_->post([service_name, known](Avahi& avahi) {
        avahi.queue.set_known(service_name, known);
        avahi.pump();
    });
}

void Discovery::set_link_local(std::optional<LinkLocalAnnouncement> announcement) {
    impl_->post([a = std::move(announcement)](Avahi& avahi) mutable { avahi.set_link_local(std::move(a)); });
}

void Discovery::stop() { impl_->stop(); }

}  // namespace hallway::discovery
