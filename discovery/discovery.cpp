#include "discovery/discovery.hpp"

#include "discovery/avahi_poll.hpp"
#include "discovery/peer_sightings.hpp"
#include "discovery/txt_record.hpp"

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>

#include <chrono>
#include <cstring>
#include <map>
#include <optional>

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

asio::ip::tcp::endpoint to_endpoint(const AvahiAddress& a, AvahiIfIndex interface, std::uint16_t port) {
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

std::vector<std::string> to_strings(AvahiStringList* txt) {
    std::vector<std::string> out;
    for (AvahiStringList* l = txt; l != nullptr; l = avahi_string_list_get_next(l))
        out.emplace_back(reinterpret_cast<const char*>(avahi_string_list_get_text(l)),
                         avahi_string_list_get_size(l));
    return out;
}

AvahiStringList* to_string_list(const std::vector<std::string>& strings) {
    AvahiStringList* list = nullptr;
    // avahi_string_list_add prepends; add in reverse to keep our order on the wire.
    for (auto it = strings.rbegin(); it != strings.rend(); ++it)
        list = avahi_string_list_add_arbitrary(list, reinterpret_cast<const std::uint8_t*>(it->data()),
                                               it->size());
    return list;
}

}  // namespace

struct Discovery::Impl {
    Impl(asio::io_context& io_context, DiscoveryCallbacks cb)
        : io(io_context), callbacks(std::move(cb)), poll(io_context), retry_timer(io_context) {}

    asio::io_context& io;
    DiscoveryCallbacks callbacks;
    AsioAvahiPoll poll;
    asio::steady_timer retry_timer;
    // Posted work and timer handlers hold a weak reference: they may run after
    // Discovery is gone.
    std::shared_ptr<int> alive = std::make_shared<int>(0);

    std::optional<Announcement> announcement;
    std::string service_name;
    AvahiClient* client = nullptr;
    AvahiEntryGroup* group = nullptr;
    AvahiServiceBrowser* browser = nullptr;
    // Resolvers stay alive until their instance is removed: Avahi keeps
    // watching the SRV/TXT/address records and reports FOUND again when they
    // change (new nick, new port, or another host taking over the name after a
    // collision: the PTR record is identical, so the browser never says
    // REMOVE/NEW). A resolve-once design would keep the old owner forever.
    // Mid-change, FOUND may briefly pair new TXT with the old address; that
    // is harmless since the transport authenticates the fingerprint.
    std::map<InstanceKey, AvahiServiceResolver*> resolvers;
    PeerSightings sightings;
    bool missing_reported = false;

    void report(DaemonState state, std::string_view message) {
        if (callbacks.on_daemon) callbacks.on_daemon(state, message);
    }
    // Takes a new announcement (and its service name); false when it is unusable.
    bool adopt(Announcement a) {
        if (!is_valid_fingerprint(a.fingerprint)) {
            report(DaemonState::failed, "not publishing: the fingerprint is not 40 digits");
            return false;
        }
        service_name = service_instance_name(a.nick, a.fingerprint);
        announcement = std::move(a);
        return true;
    }

    void report_missing() {
        if (missing_reported) return;
        missing_reported = true;
        report(DaemonState::missing, kMissingMessage);
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
        AvahiClient* c = avahi_client_new(poll.get(), AVAHI_CLIENT_NO_FAIL, &Impl::client_callback, this, &error);
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
        retry_timer.expires_after(kReconnectInterval);
        retry_timer.async_wait([this, weak = std::weak_ptr<int>(alive)](const asio::error_code& ec) {
            if (ec || !weak.lock() || !announcement || client != nullptr) return;
            connect();
        });
    }

    void forget_client_objects() {
        group = nullptr;
        browser = nullptr;
        resolvers.clear();
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
        if (announcement) connect();
    }

    static void client_callback(AvahiClient* c, AvahiClientState state, void* userdata) {
        static_cast<Impl*>(userdata)->on_client_state(c, state);
    }

    void on_client_state(AvahiClient* c, AvahiClientState state) {
        switch (state) {
        case AVAHI_CLIENT_S_RUNNING:
            missing_reported = false;
            report(DaemonState::running, "avahi-daemon is running");
            publish(c);
            browse(c);
            break;
        case AVAHI_CLIENT_S_COLLISION:
            report(DaemonState::running, "host name collision: avahi-daemon is picking another host name");
            [[fallthrough]];
        case AVAHI_CLIENT_S_REGISTERING:
            // Our records go away with the old host name; S_RUNNING publishes again.
            if (group != nullptr) avahi_entry_group_reset(group);
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
                    if (announcement) schedule_reconnect();
                });
            }
            break;
        }
        }
    }

    void publish(AvahiClient* c) {
        if (!announcement || avahi_client_get_state(c) != AVAHI_CLIENT_S_RUNNING) return;
        if (group == nullptr) group = avahi_entry_group_new(c, &Impl::group_callback, this);
        if (group == nullptr) {
            report(DaemonState::failed, std::string("cannot create entry group: ") + avahi_strerror(avahi_client_errno(c)));
            return;
        }
        if (!avahi_entry_group_is_empty(group)) return;

        const TxtInfo info{kTxtVersion, announcement->fingerprint, announcement->nick};
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
        static_cast<Impl*>(userdata)->on_group_state(g, state);
    }

    void on_group_state(AvahiEntryGroup* g, AvahiEntryGroupState state) {
        group = g;  // may be called from within avahi_entry_group_new
        switch (state) {
        case AVAHI_ENTRY_GROUP_ESTABLISHED:
            report(DaemonState::running, "published as \"" + service_name + "\"");
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
        if (browser != nullptr) return;
        browser = avahi_service_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, kServiceType, nullptr,
                                            AvahiLookupFlags{}, &Impl::browse_callback, this);
        if (browser == nullptr)
            report(DaemonState::failed, std::string("cannot browse: ") + avahi_strerror(avahi_client_errno(c)));
    }

    static void browse_callback(AvahiServiceBrowser* b, AvahiIfIndex interface, AvahiProtocol protocol,
                                AvahiBrowserEvent event, const char* name, const char* type, const char* domain,
                                AvahiLookupResultFlags, void* userdata) {
        auto* self = static_cast<Impl*>(userdata);
        switch (event) {
        case AVAHI_BROWSER_NEW:
            self->on_new_instance(avahi_service_browser_get_client(b), {name, interface, protocol}, type, domain);
            break;
        case AVAHI_BROWSER_REMOVE:
            self->on_removed_instance({name, interface, protocol});
            break;
        case AVAHI_BROWSER_FAILURE:
            self->report(DaemonState::failed,
                         std::string("browsing failed: ") +
                             avahi_strerror(avahi_client_errno(avahi_service_browser_get_client(b))));
            break;
        case AVAHI_BROWSER_CACHE_EXHAUSTED:
        case AVAHI_BROWSER_ALL_FOR_NOW:
            break;
        }
    }

    void on_new_instance(AvahiClient* c, const InstanceKey& key, const char* type, const char* domain) {
        if (resolvers.count(key) != 0 || resolvers.size() >= kMaxResolvedInstances) return;
        // Resolve on the protocol it was seen on, for that family's address:
        // an instance seen over IPv4 and IPv6 mDNS gives both endpoints.
        AvahiServiceResolver* r = avahi_service_resolver_new(
            c, key.interface, key.protocol, key.service_name.c_str(), type, domain, key.protocol,
            AvahiLookupFlags{}, &Impl::resolve_callback, this);
        if (r != nullptr) resolvers.emplace(key, r);
    }

    void on_removed_instance(const InstanceKey& key) {
        if (const auto it = resolvers.find(key); it != resolvers.end()) {
            avahi_service_resolver_free(it->second);
            resolvers.erase(it);
        }
        if (const auto lost = sightings.removed(key)) report_lost(*lost);
    }

    static void resolve_callback(AvahiServiceResolver*, AvahiIfIndex interface, AvahiProtocol protocol,
                                 AvahiResolverEvent event, const char* name, const char*, const char*,
                                 const char*, const AvahiAddress* address, std::uint16_t port,
                                 AvahiStringList* txt, AvahiLookupResultFlags, void* userdata) {
        // A FAILURE (timeout) keeps the resolver: it reports FOUND if the
        // records show up later, and the browser's REMOVE ends it.
        if (event != AVAHI_RESOLVER_FOUND || address == nullptr) return;
        static_cast<Impl*>(userdata)->on_resolved(InstanceKey{name, interface, protocol}, *address, port, txt);
    }

    void on_resolved(const InstanceKey& key, const AvahiAddress& address, std::uint16_t port, AvahiStringList* txt) {
        const auto info = parse_txt(to_strings(txt));
        if (!info) return;  // not a Hallway record we understand: peer data, never an error
        // Decided by fingerprint only: AVAHI_LOOKUP_RESULT_OUR_OWN would also
        // hide a spoofer running on this host.
        if (announcement && info->fingerprint == announcement->fingerprint) return;
        const Sighting sighting{key.service_name, info->fingerprint, info->nick, info->version,
                                to_endpoint(address, key.interface, port), key.interface, key.protocol};
        const auto update = sightings.resolved(sighting);
        if (update.lost) report_lost(*update.lost);
        if (update.change != PeerSightings::Change::none && callbacks.on_found) callbacks.on_found(sighting);
    }
};

Discovery::Discovery(asio::io_context& io, DiscoveryCallbacks callbacks)
    : impl_(std::make_unique<Impl>(io, std::move(callbacks))) {}

Discovery::~Discovery() { stop(); }

void Discovery::start(Announcement announcement) {
    const bool running = impl_->announcement.has_value();
    if (!impl_->adopt(std::move(announcement))) return;
    if (!running) {
        impl_->connect();
        return;
    }
    if (impl_->group != nullptr) avahi_entry_group_reset(impl_->group);
    if (impl_->client != nullptr) impl_->publish(impl_->client);
}

void Discovery::update(Announcement announcement) { start(std::move(announcement)); }

void Discovery::stop() {
    impl_->announcement.reset();
    impl_->retry_timer.cancel();
    impl_->free_client();
    impl_->sightings.clear();
    impl_->missing_reported = false;
}

}  // namespace hallway::discovery
