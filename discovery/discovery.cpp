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
#include <net/if.h>

#include <chrono>
#include <functional>
#include <future>
#include <thread>
#include <tuple>
#include <cstring>
#include <map>
#include <set>
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

// Avahi's state and callbacks; everything here runs on the discovery thread.
struct Avahi {
    Avahi(asio::io_context& io_context, DiscoveryCallbacks cb)
        : io(io_context), callbacks(std::move(cb)), poll(io_context), retry_timer(io_context) {}

    asio::io_context& io;
    DiscoveryCallbacks callbacks;
    AsioAvahiPoll poll;
    asio::steady_timer retry_timer;
    // Posted work and timer handlers hold a weak reference: they may run after
    // Discovery is gone.
    std::shared_ptr<int> alive = std::make_shared<int>(0);

    std::optional<Announcement> announcement;
    // browse(): watching only, nothing published, nothing filtered out.
    bool watching = false;
    bool active() const { return announcement || watching; }
    std::string service_name;
    AvahiClient* client = nullptr;
    AvahiEntryGroup* group = nullptr;
    AvahiServiceBrowser* browser = nullptr;
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
        retry_timer.expires_after(kReconnectInterval);
        retry_timer.async_wait([this, weak = std::weak_ptr<int>(alive)](const asio::error_code& ec) {
            if (ec || !weak.lock() || !active() || client != nullptr) return;
            connect();
        });
    }

    void forget_client_objects() {
        group = nullptr;
        browser = nullptr;
        resolvers.clear();
        twins_unresolved.clear();
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
        if (browser != nullptr) return;
        browser = avahi_service_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, kServiceType, nullptr,
                                            AvahiLookupFlags{}, &Avahi::browse_callback, this);
        if (browser == nullptr)
            report(DaemonState::failed, std::string("cannot browse: ") + avahi_strerror(avahi_client_errno(c)));
    }

    static void browse_callback(AvahiServiceBrowser* b, AvahiIfIndex interface, AvahiProtocol protocol,
                                AvahiBrowserEvent event, const char* name, const char*, const char*,
                                AvahiLookupResultFlags, void* userdata) {
        auto* self = static_cast<Avahi*>(userdata);
        switch (event) {
        case AVAHI_BROWSER_NEW:
            self->on_new_instance(avahi_service_browser_get_client(b), {name, interface, protocol});
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

    void on_new_instance(AvahiClient* c, const InstanceKey& key) {
        // Resolving, resolved or waiting for its twin, each counts against the cap.
        if (resolvers.count(key) != 0 ||
            resolvers.size() + sightings.instance_count() + twins_unresolved.size() >= kMaxResolvedInstances)
            return;
        if (has_twin(key)) {
            twins_unresolved.insert(key);
            return;
        }
        resolve(c, key);
    }

    bool has_twin(const InstanceKey& key) const {
        for (const auto& [other, r] : resolvers)
            if (other.service_name == key.service_name && other.interface == key.interface) return true;
        return sightings.has_instance_named(key.service_name, key.interface);
    }

    void resolve(AvahiClient* c, const InstanceKey& key) {
        twins_unresolved.erase(key);
        if (resolvers.count(key) != 0) return;
        // Resolve on the protocol it was seen on, for that family's address:
        // an instance seen over IPv4 and IPv6 mDNS gives both endpoints.
        AvahiServiceResolver* r = avahi_service_resolver_new(
            c, key.interface, key.protocol, key.service_name.c_str(), kServiceType, nullptr, key.protocol,
            AvahiLookupFlags{}, &Avahi::resolve_callback, this);
        if (r != nullptr) resolvers.emplace(key, r);
    }

    // The instance's twins (other protocols, same name and interface).
    std::vector<InstanceKey> unresolved_twins_of(const InstanceKey& key) const {
        std::vector<InstanceKey> out;
        for (const auto& t : twins_unresolved)
            if (t.service_name == key.service_name && t.interface == key.interface && t != key) out.push_back(t);
        return out;
    }

    void on_removed_instance(const InstanceKey& key) {
        twins_unresolved.erase(key);
        if (const auto it = resolvers.find(key); it != resolvers.end()) {
            avahi_service_resolver_free(it->second);
            resolvers.erase(it);
        }
        if (const auto lost = sightings.removed(key)) report_lost(*lost);
        // Still announced over the other protocol: resolve it there (after a
        // goodbye its removal follows at once and ends this resolver too).
        if (client != nullptr && !has_twin(key))
            for (const auto& twin : unresolved_twins_of(key)) resolve(client, twin);
    }

    static void resolve_callback(AvahiServiceResolver* r, AvahiIfIndex interface, AvahiProtocol protocol,
                                 AvahiResolverEvent event, const char* name, const char*, const char*,
                                 const char*, const AvahiAddress* address, std::uint16_t port,
                                 AvahiStringList* txt, AvahiLookupResultFlags, void* userdata) {
        auto* self = static_cast<Avahi*>(userdata);
        if (name == nullptr) return;
        const InstanceKey key{name, interface, protocol};
        // A FAILURE (timeout) keeps the resolver: it reports FOUND if the
        // records show up later, and the browser's REMOVE ends it. Its twins
        // are resolved now: the other protocol may well answer (an mDNS
        // reflector passes IPv4 addresses but never IPv6 link-local ones).
        if (event == AVAHI_RESOLVER_FAILURE && self->client != nullptr)
            for (const auto& twin : self->unresolved_twins_of(key)) self->resolve(self->client, twin);
        if (event != AVAHI_RESOLVER_FOUND || address == nullptr) return;
        self->on_resolved(key, *address, port, txt);
        // Resolved: let go (freeing from its own callback is allowed).
        if (auto it = self->resolvers.find(key); it != self->resolvers.end() && it->second == r) {
            self->resolvers.erase(it);
            avahi_service_resolver_free(r);
        }
    }

    void resolve_again(const std::string& fingerprint) {
        if (client == nullptr) return;
        for (const Sighting& s : sightings.sightings_of(fingerprint)) {
            const InstanceKey key{s.service_name, s.interface, s.protocol};
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
                                to_endpoint(address, key.interface, port), key.interface, key.protocol, "local",
                                key.interface > 0 && if_indextoname(static_cast<unsigned>(key.interface), ifname)
                                    ? ifname
                                    : ""};
        const auto update = sightings.resolved(sighting);
        if (update.lost) report_lost(*update.lost);
        if (update.change != PeerSightings::Change::none && callbacks.on_found) callbacks.on_found(sighting);
    }
    void start(Announcement a) {
        const bool running = announcement.has_value();
        if (!adopt(std::move(a))) return;
        if (!running) {
            connect();
            return;
        }
        if (group != nullptr) avahi_entry_group_reset(group);
        if (client != nullptr) publish(client);
    }

    void browse() {
        if (active()) return;
        watching = true;
        connect();
    }

    void stop() {
        announcement.reset();
        watching = false;
        retry_timer.cancel();
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

void Discovery::stop() { impl_->stop(); }

}  // namespace hallway::discovery
