#include "core/node.hpp"
#include "core/remembered_addresses.hpp"

#include "core/node_conversation.hpp"
#include "core/node_files.hpp"
#include "core/node_xmpp.hpp"
#include "core/address_sharing.hpp"
#include "core/private_mode.hpp"

#include <algorithm>
#include <cstdlib>
#include <unistd.h>

namespace hallway::core {

using namespace node_detail;

namespace {

// Notices replayed to a new subscriber: enough for what start-up reports.
constexpr std::size_t kRecentNotices = 16;
// A stranger not seen for this long is forgotten at start: it left the LAN.
constexpr std::int64_t kStrangerMaxAgeMs = 30LL * 24 * 60 * 60 * 1000;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string default_nick() {
    if (const char* u = std::getenv("USER"); u && *u) return u;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0 && host[0]) return host;
    return "hallway";
}

}  // namespace

void Node::Impl::emit(const Event& e) {
    // A front end that subscribes later (after start(), or a window opened
    // later) still learns that avahi-daemon is missing or who tried to spoof.
    if (auto* n = std::get_if<Notice>(&e)) {
        if (recent_notices.size() == kRecentNotices) recent_notices.pop_front();
        recent_notices.push_back(*n);
    }
    for (auto& s : sinks) s(e);
}

const std::string& Node::Impl::fingerprint_of(const PeerKey& key) const {
    auto it = fingerprints.find(key);
    if (it == fingerprints.end()) it = fingerprints.emplace(key, crypto::fingerprint(key)).first;
    return it->second;
}

std::optional<Contact> Node::Impl::verified_namesake(const PeerKey& key, std::string_view nick) const {
    return store->verified_namesake(key, nick);
}

PeerView Node::Impl::view(const PeerKey& key, const Contact* c, bool name_clash) const {
    PeerView v;
    v.key = key;
    v.fingerprint = fingerprint_of(key);
    if (c) {
        v.known = true;
        v.nick = c->nick;
        v.trust = c->trust;
    }
    v.online = presence->online(key);
    v.session = transport && transport->has_session(key);
    if (auto it = live.find(key); it != live.end()) {
        v.presence = v.online ? it->second.presence : "";
        v.status_message = v.online ? it->second.status_message : "";
        for (auto& a : it->second.addresses) v.addresses.push_back(endpoint_text(a));
        v.unread = it->second.unread;
    }
    v.name_clash = name_clash && v.trust != Trust::verified;
    v.rooms = c && c->sign_key.has_value();
    v.files = c && c->files;
    v.auto_accept_files = c && c->auto_accept_files;
    v.private_mode = is_private_peer(key);
    v.found_by = found_by(key);
    v.typing = conversation && conversation->typing_in.typing(key);
    return v;
}

PeerView Node::Impl::view(const PeerKey& key) const {
    if (is_link_local(key)) return bridge->view(key);
    auto c = store->contact(key);
    return view(key, c ? &*c : nullptr, c && verified_namesake(key, c->nick));
}

OwnIdentity Node::Impl::own() const {
    return OwnIdentity{settings.nick,
                       fingerprint,
                       settings.presence,
                       settings.status_message,
                       port,
                       private_mode,
                       share_setting(),
                       settings.read_receipts,
                       notifications_from(settings.notifications).value_or(Notifications::full),
                       settings.bonjour,
                       bridge && bridge->running() ? bridge->our_name : std::string()};
}

discovery::Announcement Node::Impl::announcement() const {
    return {settings.nick, fingerprint, port, private_mode ? private_tag : std::string()};
}

void Node::Impl::apply_private_mode(bool on) {
    private_mode = on;
    private_tag.clear();
    if (on) {
        PrivateSalt salt{};
        rng(salt);
        private_tag = private_record_tag(identity.public_key, salt);
    }
    if (transport) {
        transport->set_private_mode(on);
        transport->set_hello(hello());  // no "addresses" in private mode
    }
    if (discovery) discovery->update(announcement());
    if (bridge) bridge->apply();  // the bridge does not run in private mode
}

transport::Status Node::Impl::status_message() const {
    // Our instance name lets a peer see our record without resolving it (§6.5).
    return transport::Status{settings.presence, settings.status_message, settings.nick,
                             tells_nearby() ? service_name : std::string()};
}

transport::Hello Node::Impl::hello() const {
    transport::Hello h{transport::wire::kVersion, settings.nick, {"text", "rooms", "files"}, signing.public_key};
    if (shares_addresses()) h.capabilities.emplace_back(kAddressesCapability);
    // §14.1: "read" only while we send read receipts ourselves.
    if (settings.read_receipts) h.capabilities.emplace_back(kReadCapability);
    h.capabilities.emplace_back(kTypingCapability);
    if (tells_nearby()) h.capabilities.emplace_back(kNearbyCapability);
    if (crypto::cipher_available(crypto::Cipher::aesgcm)) h.capabilities.emplace_back(transport::wire::kAesGcmCapability);
    h.port = port;  // 0 until listening
    return h;
}

bool Node::Impl::transmit(std::span<const StoredMessage> rows) {
    auto pass = send_outbox(rows, [this](const StoredMessage& m) { return transport->send(m.peer, as_text(m)); });
    for (auto& mark : pass.marks)
        if (store->set_state(mark.peer, mark.id, mark.state, mark.failure) == StoreError::ok)
            emit(MessageStateChanged{mark.id, mark.peer, mark.state});
    if (!rows.empty()) {
        resends.sent(rows.front().peer, std::chrono::steady_clock::now());
        wake_maintenance();  // its tick resends
    }
    return !pass.waiting;
}

void Node::Impl::flush_outbox(const PeerKey& peer) {
    backlogged.erase(peer);
    // Before start() there is no transport: nothing to send yet.
    if (!transport || !transport->has_session(peer) || !may_send_to(peer)) return;
    if (!transmit(store->outbox(peer))) backlogged.insert(peer);
}

bool Node::Impl::may_send_to(const PeerKey& peer) const {
    auto c = store->contact(peer);
    if (!c || c->trust == Trust::blocked) return false;
    return c->trust == Trust::verified || !verified_namesake(peer, c->nick);
}

void Node::Impl::on_message(const PeerKey& key, const transport::AppMessage& msg) {
    std::visit([&](const auto& m) { handle(key, m); }, msg);
}

void Node::Impl::handle(const PeerKey& key, const transport::Text& t) {
    conversation->text_received(key);  // its typing notice ends with the text
    StoredMessage m;
    m.id = t.id;
    m.peer = key;
    m.direction = Direction::in;
    m.body = t.body;
    m.sent_at_ms = static_cast<std::int64_t>(std::min<std::uint64_t>(t.sent_at_ms, INT64_MAX));
    m.received_at_ms = now_ms();
    m.state = MessageState::delivered;
    bool inserted = false;
    StoreError err = store->add_incoming(m, inserted);
    auto c = store->contact(key);
    const std::string nick = c ? c->nick : std::string();
    if (err == StoreError::id_reused) {
        // Not stored, so not acked: the sender must not believe it delivered.
        notice(Notice::Level::warning,
               "\"" + nick + "\" (" + crypto::format_digits(fingerprint_of(key)) +
                   ") sent a different text under the id of an earlier message; it was not stored");
        return;
    }
    if (err != StoreError::ok) {  // not acked: the sender will resend
        if (auto n = store_trouble.failed(key, nick, store->last_error())) emit(*n);
        return;
    }
    if (auto n = store_trouble.stored(key, nick)) emit(*n);
    if (inserted) {
        live[key].unread++;
        if (auto stored = store->message(key, Direction::in, m.id)) m.seq = stored->seq;
        emit(MessageAdded{m});
        peer_changed(key);
    }
    transport->send(key, transport::Ack{t.id});
}

void Node::Impl::handle(const PeerKey& key, const transport::Ack& a) {
    // Only the recipient may acknowledge a message, and only ours to it.
    auto m = store->message(key, Direction::out, a.id);
    if (!m || m->state == MessageState::delivered) return;
    if (store->set_state(key, a.id, MessageState::delivered) != StoreError::ok) return;
    emit(MessageStateChanged{a.id, key, MessageState::delivered});
    if (backlogged.count(key)) flush_outbox(key);
    const bool outstanding = store->has_outbox(key);
    resends.acked(key, outstanding, std::chrono::steady_clock::now());
    if (!outstanding) pending_changed(key);
}

void Node::Impl::handle(const PeerKey& key, const transport::Status& s) {
    Live& l = live[key];
    l.presence = check_presence(s.presence).empty() ? s.presence : "available";
    l.status_message = s.message;
    if (!s.nick.empty()) {
        auto c = store->contact(key);
        if (c && c->nick != s.nick) store->touch_contact(key, s.nick, now_ms());
    }
    claim_instance(key, s.instance);
    peer_changed(key);
}

namespace {

// A locked profile needs its keys, and an unlocked one must not get any (its
// files would be written sealed beside plaintext ones).
bool usable_lock_state(const std::filesystem::path& dir, const UnlockedKeys* unlocked, std::string& error) {
    if (lock_is_interrupted(dir)) {
        error = "profile is locked: an interrupted 'hallway lock' (or 'lock --remove') left both identity.key and "
                "identity.locked in " + dir.string() + "; run the same command again to finish it";
        return false;
    }
    if (profile_is_locked(dir) && !unlocked) {
        error = "profile is locked: " + dir.string() + " needs its passphrase (e.g. --passphrase-fd)";
        return false;
    }
    if (!profile_is_locked(dir) && unlocked) {
        error = "profile " + dir.string() + " is not locked, yet keys to unlock it were given";
        return false;
    }
    return true;
}

}  // namespace

std::unique_ptr<Node> Node::create(asio::io_context& io, NodeOptions options, std::string& error) {
    auto impl = std::make_unique<Impl>(io, std::move(options));
    auto& dir = impl->options.profile_dir;
    if (!ensure_profile_dir(dir, error)) return nullptr;
    impl->lock = ProfileLock::acquire(dir, error);
    if (!impl->lock) return nullptr;
    const UnlockedKeys* unlocked = impl->options.unlocked.get();
    const StoreKey* store_key = impl->store_key();
    if (!usable_lock_state(dir, unlocked, error)) return nullptr;
    if (unlocked) impl->identity = unlocked->identity;
    else if (crypto::load_or_create_identity(dir, impl->rng, impl->identity, error) != crypto::IdentityError::ok)
        return nullptr;
    impl->fingerprint = crypto::fingerprint(impl->identity.public_key);
    impl->presence = std::make_unique<Presence>(impl->identity.public_key);
    impl->signing = crypto::SigningKey::derive(impl->identity);
    StoreError serr;
    impl->store = Store::open(store_path(dir).string(), serr, error, store_key);
    if (!impl->store) return nullptr;
    impl->store->forget_strangers_seen_before(now_ms() - kStrangerMaxAgeMs);
    if (!load_settings(dir, impl->settings, error, store_key)) return nullptr;
    if (!impl->options.nick.empty() && impl->options.nick != impl->settings.nick) {
        impl->settings.nick = impl->options.nick;
        if (!save_settings(dir, impl->settings, error, store_key)) return nullptr;
    }
    if (impl->settings.nick.empty()) impl->settings.nick = default_nick();
    if (!check_presence(impl->settings.presence).empty()) impl->settings.presence = "available";
    impl->rooms = std::make_unique<core::rooms::Rooms>(*impl->store, impl->identity.public_key, impl->signing, impl->rng,
                                                 *impl);
    impl->rooms->load();
    impl->files = std::make_unique<Impl::Files>(*impl);
    impl->conversation = std::make_unique<Impl::Conversation>(*impl);
    impl->bridge = std::make_unique<Impl::XmppBridge>(*impl);
    auto node = std::unique_ptr<Node>(new Node());
    node->impl_ = std::move(impl);
    return node;
}

Node::Impl::Impl(asio::io_context& io_, NodeOptions o) : io(io_), options(std::move(o)) {}
Node::Impl::~Impl() = default;
Node::~Node() = default;

void Node::start() {
    Impl& d = *impl_;
    transport::TransportCallbacks cb;
    cb.accept_peer = [&d](const PeerKey& k) { return d.accept_peer(k); };
    cb.on_session_up = [&d](const transport::SessionInfo& s) { d.on_session_up(s); };
    cb.on_duplicate = [&d](const transport::SessionInfo& s) { d.on_duplicate(s); };
    cb.on_session_down = [&d](const PeerKey& k, std::string_view r, transport::CloseKind kind) {
        d.on_session_down(k, r, kind);
    };
    cb.on_message = [&d](const PeerKey& k, const transport::AppMessage& m) { d.on_message(k, m); };
    cb.on_files_up = [&d](const transport::SessionInfo& s) { d.files->on_lane_up(s); };
    cb.on_files_down = [&d](const PeerKey& k, std::string_view, transport::CloseKind) { d.files->on_lane_down(k); };
    cb.on_files_message = [&d](const PeerKey& k, std::span<const std::uint8_t> m) { d.files->transfers.handle(k, m); };
    cb.on_dial_failed = [&d](const asio::ip::tcp::endpoint& ep, std::string_view) { d.on_dial_failed(ep); };
    cb.on_spoof = [&d](const PeerKey& expected, const PeerKey& actual, const asio::ip::tcp::endpoint& ep) {
        d.on_spoof(expected, actual, ep);
    };
    cb.may_reveal_to = [&d](const PeerKey& k) { return d.may_reveal_to(k); };
    d.apply_private_mode(d.options.private_mode.value_or(d.settings.private_mode));
    transport::TransportConfig tc;
    tc.hello = d.hello();
    tc.private_mode = d.private_mode;
    d.transport = std::make_unique<transport::Transport>(d.io, d.identity, tc, cb);
    d.port = d.listen();
    d.transport->set_hello(d.hello());
    d.files->transfers.load();

    if (d.options.control_socket) {
        d.control = std::make_unique<ControlServer>(d.io, *this, control_socket_path(d.options.profile_dir));
        std::string err;
        if (!d.control->start(err)) d.notice(Notice::Level::warning, "control socket: " + err);
    }
    if (d.options.mdns) {
        discovery::DiscoveryCallbacks dc;
        dc.on_found = [&d](const discovery::Sighting& s) { d.on_found(s); };
        dc.on_lost = [&d](const std::string&, const std::string& fp) { d.on_lost(fp); };
        dc.on_daemon = [&d](discovery::DaemonState st, std::string_view msg) {
            d.notice(st == discovery::DaemonState::running ? Notice::Level::info : Notice::Level::warning,
                     std::string(msg));
        };
        dc.on_published = [&d](const std::string& name) {
            if (name == d.service_name) return;
            d.service_name = name;
            for (auto& s : d.transport->sessions()) d.transport->send(s.peer, d.status_message());
        };
        dc.on_browsed = [&d](const std::string& name, bool present) { d.on_browsed(name, present); };
        dc.on_domains = [&d](const std::vector<std::string>& domains) { d.browse_domains = domains; };
        dc.on_link_local = [&d](const discovery::LinkLocalSighting& s) { d.bridge->on_sighting(s); };
        dc.on_link_local_lost = [&d](const std::string& instance) { d.bridge->on_lost(instance); };
        dc.on_link_local_published = [&d](const std::string& name) { d.bridge->on_published(name); };
        dc.on_resolving = [&d](bool waiting) {
            d.discovery_resolving = waiting;
            if (waiting) return;
            d.presence->stop_awaiting();  // sessions kept for a record now close when idle
            d.refresh_sessions();
        };
        d.discovery = std::make_unique<discovery::Discovery>(d.io, dc);
        d.discovery->start(d.announcement());
    }
    for (auto& p : d.options.manual_peers) d.add_manual_peer(p);
    for (auto& peer : d.store->outbox_peers())
        if (!d.is_link_local(peer)) d.presence->set_pending(peer, true);
    for (auto& peer : d.rooms->pending_peers()) d.presence->set_pending(peer, true);
    for (auto& t : transfers())
        if (d.files->busy(t.peer)) d.presence->set_pending(t.peer, true);
    d.maintain();
    d.bridge->started = true;
    d.bridge->apply();
    d.emit(d.own());
}

std::uint16_t Node::Impl::listen() {
    if (options.port) return transport->listen(*options.port);
    try {
        return transport->listen(options.default_port);
    } catch (const std::system_error& e) {
        // Only a taken default is ours to work around: a second node on this host still runs.
        if (options.default_port == 0 || e.code() != asio::error::address_in_use) throw;
    }
    const auto port = transport->listen(0);
    // Peers dial the announced port, so this works on the LAN; a firewall opened for the
    // default (dist/ufw, dist/firewalld) does not, and the user is the one to know that.
    const auto wanted = std::to_string(options.default_port);
    notice(Notice::Level::warning, "port " + wanted + " is in use (another Hallway?); listening on " +
                                       std::to_string(port) + " instead; a firewall rule for " + wanted +
                                       " will not cover this");
    return port;
}

void Node::stop(std::string_view reason) {
    Impl& d = *impl_;
    if (d.stopped) return;
    d.stopped = true;
    d.maintenance.cancel();
    d.rooms->save();
    d.bridge->stop();  // </stream:stream> on its streams, its service withdrawn
    d.bridge->started = false;
    if (d.discovery) d.discovery->stop();
    if (d.control) d.control->stop();
    if (d.transport) d.transport->shutdown(reason);
}

void Node::subscribe(std::function<void(const Event&)> sink) {
    Impl& d = *impl_;
    sink(d.own());
    for (auto& p : peers()) sink(PeerChanged{p});
    for (auto& r : d.rooms->views()) sink(RoomChanged{r});
    for (auto& t : transfers()) sink(TransferChanged{t});
    for (auto& n : d.recent_notices) sink(n);
    d.sinks.push_back(std::move(sink));
}

OwnIdentity Node::own() const { return impl_->own(); }

const std::string& Node::service_name() const { return impl_->service_name; }

const std::vector<std::string>& Node::browse_domains() const { return impl_->browse_domains; }

std::size_t Node::remembered_contacts() const {
    return impl_->store->remembered_contacts(RememberedAddresses::kMaxPeers).size();
}

std::vector<PeerView> Node::peers() const {
    const Impl& d = *impl_;
    auto contacts = d.store->contacts();
    // One pass to index what the views need: no scan per key.
    std::map<PeerKey, const Contact*> by_key;
    std::map<std::string, std::vector<PeerKey>> verified_by_name;
    for (auto& c : contacts) {
        by_key.emplace(c.key, &c);
        if (c.trust == Trust::verified && !c.nick.empty()) verified_by_name[lower(c.nick)].push_back(c.key);
    }
    auto clashes = [&](const Contact& c) {
        auto it = verified_by_name.find(lower(c.nick));
        return it != verified_by_name.end() &&
               std::any_of(it->second.begin(), it->second.end(), [&](const PeerKey& k) { return k != c.key; });
    };
    std::vector<PeerView> out;
    for (auto& c : contacts) out.push_back(d.view(c.key, &c, clashes(c)));
    for (auto& [k, l] : d.live)
        if (!by_key.count(k)) out.push_back(d.view(k, nullptr, false));
    // Link-local XMPP buddies: another key space, never merged with a contact of the same name.
    for (auto& v : d.bridge->views()) out.push_back(std::move(v));
    std::stable_sort(out.begin(), out.end(), [](const PeerView& a, const PeerView& b) {
        if (a.online != b.online) return a.online;
        return lower(a.nick) < lower(b.nick);
    });
    return out;
}

std::optional<PeerKey> Node::resolve(std::string_view query, std::string& error) const {
    const Impl& d = *impl_;
    error.clear();
    std::vector<PeerView> by_name, by_fp;
    for (auto& c : d.store->contacts_named(query)) by_name.push_back(d.view(c.key));
    for (auto& k : d.bridge->named(query)) by_name.push_back(d.view(k));
    std::string digits;
    for (char c : query)
        if (c != ' ') digits += c;
    bool numeric = !digits.empty() && std::all_of(digits.begin(), digits.end(), ::isdigit);
    // A fingerprint is a hash of the key: a prefix cannot be looked up, only
    // matched. Once per command, with the fingerprints memoized.
    if (by_name.empty() && numeric) {
        std::set<PeerKey> keys;
        for (auto& c : d.store->contacts()) keys.insert(c.key);
        for (auto& [k, l] : d.live) keys.insert(k);
        for (auto& k : keys)
            if (d.fingerprint_of(k).rfind(digits, 0) == 0) by_fp.push_back(d.view(k));
    }
    auto& hits = by_name.empty() ? by_fp : by_name;
    if (hits.size() == 1) return hits.front().key;
    if (hits.empty()) {
        error = "no peer named or with fingerprint \"" + std::string(query) + "\"";
        return std::nullopt;
    }
    error = "\"" + std::string(query) + "\" is ambiguous; use a fingerprint prefix:";
    for (auto& p : hits)
        error += "\n  " +
                 (p.kind == PeerKind::xmpp_link_local ? p.instance + " (link-local XMPP, unencrypted)"
                                                      : crypto::format_digits(p.fingerprint)) +
                 "  " + p.nick + (p.online ? " (online)" : "") + (p.trust == Trust::verified ? " [verified]" : "");
    return std::nullopt;
}

std::optional<MessageId> Node::send_text(const PeerKey& peer, std::string_view body, std::string& error) {
    Impl& d = *impl_;
    error.clear();
    auto text = outgoing_text(body, error);
    if (!text) return std::nullopt;
    if (d.is_link_local(peer)) return d.bridge->send_text(peer, std::move(*text), error);
    auto c = d.store->contact(peer);
    if (!c) {
        error = "unknown peer";
        return std::nullopt;
    }
    if (c->trust == Trust::blocked) {
        error = c->nick + " is blocked";
        return std::nullopt;
    }
    if (!d.may_send_to(peer)) {
        error = "\"" + c->nick + "\" (" + crypto::format_digits(d.fingerprint_of(peer)) +
                ") is not your verified contact of that name; verify it first (hallway verify)";
        return std::nullopt;
    }
    StoredMessage m;
    d.rng(m.id);
    m.peer = peer;
    m.direction = Direction::out;
    m.body = std::move(*text);
    m.sent_at_ms = m.received_at_ms = now_ms();
    m.state = MessageState::queued;
    if (d.store->add_outgoing(m) != StoreError::ok) {
        error = "could not store the message";
        return std::nullopt;
    }
    if (auto stored = d.store->message(peer, Direction::out, m.id)) m.seq = stored->seq;
    d.emit(MessageAdded{m});
    d.pending_changed(peer);
    d.conversation->text_sent(peer);
    if (!d.transport) return m.id;
    // Behind a backlog the message waits its turn, so order is kept.
    if (d.transport->has_session(peer)) {
        d.transport->set_liveness(peer, d.presence->liveness(peer));
        if (!d.backlogged.count(peer) && !d.transmit(m)) d.backlogged.insert(peer);
    } else if (d.presence->online(peer)) {
        d.dial_on_need(peer);  // the session's start flushes the outbox
    }
    return m.id;
}

namespace {
// With read receipts off a person sees none, also those that came before
// (docs/PROTOCOL.md §14, as Signal does): the times stay stored for when
// they are turned on again.
void hide_peer_reads(StoredMessage& m) {
    if (m.direction == Direction::out) m.read_at_ms = 0;
}
}  // namespace

std::vector<StoredMessage> Node::history(const PeerKey& peer, std::size_t limit, std::int64_t before_seq) const {
    auto messages = impl_->store->history_before(peer, before_seq, limit);
    if (!impl_->settings.read_receipts) std::for_each(messages.begin(), messages.end(), hide_peer_reads);
    return messages;
}

std::optional<StoredMessage> Node::message(const PeerKey& peer, Direction direction, const MessageId& id) const {
    auto m = impl_->store->message(peer, direction, id);
    if (m && !impl_->settings.read_receipts) hide_peer_reads(*m);
    return m;
}

void Node::request_history(const PeerKey& peer, std::size_t limit) {
    impl_->emit(HistoryLoaded{peer, history(peer, limit)});
    mark_read(peer);
}

void Node::set_focus(std::optional<PeerKey> peer) {
    Impl& d = *impl_;
    // A link-local XMPP buddy has no session to watch: never a transport key.
    if (peer && d.is_link_local(*peer)) peer.reset();
    d.presence->set_focus(peer);
    if (!d.transport) return;
    if (peer && d.presence->online(*peer)) d.dial_on_need(*peer);
    d.refresh_sessions();
}

void Node::mark_read(const PeerKey& peer) {
    if (impl_->is_link_local(peer)) return impl_->bridge->mark_read(peer);
    if (auto it = impl_->live.find(peer); it != impl_->live.end() && it->second.unread != 0) {
        it->second.unread = 0;
        impl_->peer_changed(peer);
    }
    impl_->conversation->mark_read(peer);
}

bool Node::set_nick(std::string_view nick, std::string& error) {
    Impl& d = *impl_;
    error = check_nick(nick);
    if (!error.empty()) return false;
    if (nick == d.settings.nick) return true;
    Settings next = d.settings;
    next.nick = std::string(nick);
    if (!save_settings(d.options.profile_dir, next, error, d.store_key())) return false;
    d.settings = std::move(next);
    if (d.transport) {
        d.transport->set_hello(d.hello());
        for (auto& s : d.transport->sessions()) d.transport->send(s.peer, d.status_message());
    }
    if (d.discovery) d.discovery->update(d.announcement());
    d.bridge->announce();
    d.emit(d.own());
    return true;
}

bool Node::set_presence(std::string_view presence, std::string_view message, std::string& error) {
    Impl& d = *impl_;
    error = check_presence(presence);
    if (error.empty()) error = check_status_message(message);
    if (!error.empty()) return false;
    Settings next = d.settings;
    next.presence = std::string(presence);
    next.status_message = std::string(message);
    if (!save_settings(d.options.profile_dir, next, error, d.store_key())) return false;
    d.settings = std::move(next);
    if (d.transport)
        for (auto& s : d.transport->sessions()) d.transport->send(s.peer, d.status_message());
    d.bridge->announce();
    d.emit(d.own());
    return true;
}

bool Node::set_private_mode(bool on, std::string& error) {
    Impl& d = *impl_;
    error.clear();
    Settings next = d.settings;
    next.private_mode = on;
    if (!save_settings(d.options.profile_dir, next, error, d.store_key())) return false;
    d.settings = std::move(next);
    if (on != d.private_mode) {
        d.apply_private_mode(on);
        d.wake_maintenance();  // records set aside while private may be dialed now
    }
    d.emit(d.own());
    return true;
}

bool Node::set_share_addresses(ShareAddresses who, std::string& error) {
    Impl& d = *impl_;
    error.clear();
    Settings next = d.settings;
    next.share_addresses = std::string(to_string(who));
    if (!save_settings(d.options.profile_dir, next, error, d.store_key())) return false;
    d.settings = std::move(next);
    if (d.transport) d.transport->set_hello(d.hello());
    d.emit(d.own());
    return true;
}

bool Node::set_notifications(Notifications what, std::string& error) {
    Impl& d = *impl_;
    error.clear();
    Settings next = d.settings;
    next.notifications = std::string(to_string(what));
    if (!save_settings(d.options.profile_dir, next, error, d.store_key())) return false;
    d.settings = std::move(next);
    d.emit(d.own());
    return true;
}

std::string Node::safety_number(const PeerKey& peer) const {
    if (impl_->is_link_local(peer)) return {};
    return crypto::safety_number(impl_->identity.public_key, peer);
}

void Node::set_trust(const PeerKey& peer, Trust trust) {
    Impl& d = *impl_;
    if (d.is_link_local(peer)) {
        d.notice(Notice::Level::warning, link_local_refusal(d.bridge->view(peer).nick, "its trust cannot be set"));
        return;
    }
    if (!d.store->contact(peer) || d.store->set_trust(peer, trust) != StoreError::ok) return;
    if (trust == Trust::blocked && d.transport && d.transport->has_session(peer)) d.transport->close(peer, "closed");
    d.peer_changed(peer);
    // Others who share its name may now clash (or stop clashing) with it.
    for (auto& c : d.store->contacts_named(d.store->contact(peer)->nick))
        if (c.key != peer) d.peer_changed(c.key);
    if (trust != Trust::blocked) d.flush_outbox(peer);
}


std::uint16_t Node::port() const { return impl_->port; }
const std::filesystem::path& Node::profile_dir() const { return impl_->options.profile_dir; }

}  // namespace hallway::core
