// The link-local XMPP bridge's side of the node (docs/PROTOCOL.md §15):
// Node's entry points for it, and Node::Impl::XmppBridge (core/node_xmpp.hpp).
#include "core/node_xmpp.hpp"

#include "core/node_conversation.hpp"

#include <unistd.h>

#include <algorithm>

namespace hallway::core {

using namespace node_detail;

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string host_name() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || !host[0]) return "localhost";
    std::string h(host);
    // Avahi registers the first label (".local" is the domain, not the name).
    if (auto dot = h.find('.'); dot != std::string::npos && dot > 0) h.resize(dot);
    return h;
}

}  // namespace

std::string link_local_refusal(const std::string& nick, std::string_view what) {
    return "\"" + nick + "\" is a link-local XMPP buddy: unencrypted and unauthenticated, so " + std::string(what);
}

std::string link_local_message_id(const MessageId& id) {
    std::string out = "hw-";
    for (std::uint8_t b : id) {
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out;
}

std::optional<MessageId> parse_link_local_message_id(std::string_view text) {
    if (text.size() != 3 + 32 || text.substr(0, 3) != "hw-") return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    MessageId id{};
    for (std::size_t i = 0; i < id.size(); ++i) {
        const int hi = nibble(text[3 + 2 * i]), lo = nibble(text[4 + 2 * i]);
        if (hi < 0 || lo < 0) return std::nullopt;
        id[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return id;
}

// ---- the bridge ------------------------------------------------------------------

Node::Impl::XmppBridge::XmppBridge(Node::Impl& n) : node(n), retry_timer(n.io) {
    for (auto& row : node.store->link_local_buddies()) stored.emplace(row.key, row);
}

Node::Impl::XmppBridge::~XmppBridge() = default;

bool Node::Impl::XmppBridge::wanted() const {
    return node.options.bonjour.value_or(node.settings.bonjour) && !node.private_mode;
}

std::string Node::Impl::XmppBridge::guessed_name() const {
    return xmpp::instance_name(xmpp::instance_user(node.settings.nick), host_name());
}

discovery::LinkLocalAnnouncement Node::Impl::XmppBridge::announcement() const {
    xmpp::LinkLocalPresence p{presence_from_word(node.settings.presence), node.settings.status_message,
                              node.settings.nick};
    return {xmpp::instance_user(node.settings.nick), port, xmpp::build_txt(p, port)};
}

void Node::Impl::XmppBridge::apply() {
    if (!started) return;
    if (wanted() && !running()) start();
    else if (!wanted() && running()) stop();
}

void Node::Impl::XmppBridge::start() {
    xmpp::LinkLocalConfig config;
    our_name = guessed_name();
    published = false;
    config.our_name = our_name;
    config.port = node.options.link_local_default_port;
    config.identify = [this](const std::optional<std::string>& from, const std::optional<std::string>& to,
                             const asio::ip::address& source) { return roster.identify(from, to, source, our_name); };
    xmpp::LinkLocalCallbacks cb;
    cb.on_opened = [this](const std::string& peer) { on_opened(peer); };
    cb.on_message = [this](const std::string& peer, const xmpp::Message& m) { on_message(peer, m); };
    cb.on_typing = [this](const std::string& peer, const xmpp::Typing& t) {
        node.conversation->handle(link_local_key(peer), transport::Typing{t.on});
    };
    cb.on_receipt = [this](const std::string& peer, const xmpp::ReceiptReceived& r) { on_receipt(peer, r); };
    cb.on_not_sent = [this](const std::string& peer, const xmpp::NotSent& n) { on_not_sent(peer, n); };
    cb.on_ended = [this](const std::string& peer, const xmpp::Ended&) { on_ended(peer); };
    retired.reset();
    io = std::make_unique<xmpp::LinkLocal>(node.io, std::move(config), std::move(cb));
    try {
        port = io->listen();
    } catch (const std::system_error& e) {
        io.reset();
        node.notice(Notice::Level::warning, std::string("link-local XMPP: cannot listen: ") + e.what());
        return;
    }
    if (node.options.link_local_default_port != 0 && port != node.options.link_local_default_port)
        node.notice(Notice::Level::warning, "link-local XMPP: port " +
                                                std::to_string(node.options.link_local_default_port) +
                                                " is in use; listening on " + std::to_string(port) + " instead");
    for (auto& text : node.options.link_local_peers) {
        if (auto p = parse_manual_link_local_peer(text)) roster.add_manual(*p);
        else node.notice(Notice::Level::warning, "--xmpp-peer " + text + ": not user@host=HOST:PORT");
    }
    announced = announcement();
    if (node.discovery) node.discovery->set_link_local(announced);
    for (auto& [instance, b] : roster.all()) node.peer_changed(b.key);
    for (auto& [instance, b] : roster.all()) flush(b.key);
}

void Node::Impl::XmppBridge::stop() {
    if (!io) return;
    if (node.discovery) node.discovery->set_link_local(std::nullopt);
    announced.reset();
    retired = std::move(io);  // its streams close gracefully; reports come now
    retired->stop();
    retry_timer.cancel();
    retries.clear();
    open.clear();
    handed.clear();
    std::vector<PeerView> gone;
    for (auto& [instance, b] : roster.all()) gone.push_back(gone_view(b.key));
    roster.clear();
    our_name.clear();
    port = 0;
    for (auto& v : gone) node.emit(PeerChanged{std::move(v)});
}

void Node::Impl::XmppBridge::announce() {
    if (!io) return;
    if (!published) {
        our_name = guessed_name();
        io->set_our_name(our_name);
    }
    auto next = announcement();
    if (next == announced) return;
    announced = next;
    if (node.discovery) node.discovery->set_link_local(announced);
}

void Node::Impl::XmppBridge::on_published(const std::string& name) {
    if (!io) return;
    published = true;
    our_name = name;
    io->set_our_name(name);
    node.emit(node.own());
    for (auto& [instance, b] : roster.all()) flush(b.key);
}

void Node::Impl::XmppBridge::on_sighting(const discovery::LinkLocalSighting& s) {
    if (!io || !roster.sighted(s)) return;
    const PeerKey key = link_local_key(s.instance);
    // Talked to before: its row keeps the name it shows now.
    if (stored.count(key)) remember(key, s.instance, roster.find(key)->display_name);
    io->discovery_changed();
    node.peer_changed(key);
    // It is back (or changed): what waits for it goes now.
    retries.erase(key);
    flush(key);
}

void Node::Impl::XmppBridge::on_lost(const std::string& instance) {
    if (!io) return;
    const PeerKey key = link_local_key(instance);
    PeerView before = gone_view(key);
    if (!roster.lost(instance)) return;
    if (roster.find(key)) node.peer_changed(key);
    else node.emit(PeerChanged{std::move(before)});
}

PeerView Node::Impl::XmppBridge::gone_view(const PeerKey& key) const {
    PeerView v = view(key);
    v.online = v.session = v.typing = false;
    v.presence.clear();
    v.status_message.clear();
    return v;
}

PeerView Node::Impl::XmppBridge::view(const PeerKey& key) const {
    PeerView v;
    v.key = key;
    v.kind = PeerKind::xmpp_link_local;
    v.encrypted = false;
    v.trust = Trust::unverified;
    if (auto it = stored.find(key); it != stored.end()) {
        v.known = true;
        v.instance = it->second.instance;
        v.nick = it->second.nick.empty() ? v.instance : it->second.nick;
    }
    if (auto* b = roster.find(key)) {
        v.instance = b->instance;
        v.nick = b->display_name;
        v.online = b->online();
        v.session = open.count(b->instance) > 0;
        if (v.online) {
            v.presence = std::string(presence_word(b->presence.status));
            v.status_message = b->presence.message;
        }
        for (auto& ep : b->endpoints) v.addresses.push_back(endpoint_text(ep));
        if (b->sighted) v.found_by.push_back("mdns");
        if (b->manual) v.found_by.push_back("--xmpp-peer");
    }
    if (auto it = unread.find(key); it != unread.end()) v.unread = it->second;
    v.typing = node.conversation && node.conversation->typing_in.typing(key);
    return v;
}

std::vector<PeerView> Node::Impl::XmppBridge::views() const {
    std::set<PeerKey> keys;
    for (auto& [k, row] : stored) keys.insert(k);
    for (auto& [instance, b] : roster.all()) keys.insert(b.key);
    std::vector<PeerView> out;
    for (auto& k : keys) out.push_back(view(k));
    return out;
}

std::vector<PeerKey> Node::Impl::XmppBridge::named(std::string_view name) const {
    std::set<PeerKey> keys;
    for (auto* b : roster.named(name)) keys.insert(b->key);
    for (auto& [k, row] : stored) {
        const auto& nick = row.nick;
        const bool nick_match = nick.size() == name.size() &&
                                std::equal(nick.begin(), nick.end(), name.begin(), [](unsigned char a, unsigned char b) {
                                    return std::tolower(a) == std::tolower(b);
                                });
        if (row.instance == name || nick_match) keys.insert(k);
    }
    return {keys.begin(), keys.end()};
}

void Node::Impl::XmppBridge::remember(const PeerKey& key, const std::string& instance, std::string nick) {
    LinkLocalBuddyRow row{key, instance, std::move(nick), node_detail::now_ms()};
    if (node.store->touch_link_local_buddy(row) != StoreError::ok) return;
    // The store may have forgotten others to stay bounded: read it back.
    stored.clear();
    for (auto& r : node.store->link_local_buddies()) stored.emplace(r.key, r);
}

std::optional<MessageId> Node::Impl::XmppBridge::send_text(const PeerKey& key, std::string body, std::string& error) {
    const LinkLocalBuddy* b = roster.find(key);
    auto s = stored.find(key);
    if (!b && s == stored.end()) {
        error = "unknown peer";
        return std::nullopt;
    }
    const std::string instance = b ? b->instance : s->second.instance;
    const std::string nick = b ? b->display_name : s->second.nick;
    StoredMessage m;
    node.rng(m.id);
    m.peer = key;
    m.direction = Direction::out;
    m.body = std::move(body);
    m.sent_at_ms = m.received_at_ms = node_detail::now_ms();
    m.state = MessageState::queued;
    if (node.store->add_outgoing(m) != StoreError::ok) {
        error = "could not store the message";
        return std::nullopt;
    }
    remember(key, instance, nick);
    if (auto stored_m = node.store->message(key, Direction::out, m.id)) m.seq = stored_m->seq;
    node.emit(MessageAdded{m});
    flush(key);
    return m.id;
}

void Node::Impl::XmppBridge::flush(const PeerKey& key) {
    const LinkLocalBuddy* b = roster.find(key);
    // A buddy found by mDNS is not dialed before avahi-daemon registered our
    // name: it could not know us yet, and libpurple may crash on a stream
    // from a name it has not resolved (docs/PROTOCOL.md §15.3). A buddy given
    // by hand is dialed with the name we guess.
    if (!io || !b || !b->online() || (b->sighted && !b->manual && !published)) return;
    for (const auto& m : node.store->outbox(key)) {
        // `sent` was written once: resending could show it twice (no acks here).
        if (m.state != MessageState::queued || handed.count({key, m.id})) continue;
        xmpp::OutgoingMessage out;
        out.from = our_name;
        out.to = b->instance;
        out.id = link_local_message_id(m.id);
        out.text = m.body;
        out.libpurple_html = b->presence.libpurple;
        out.chat_state = xmpp::ChatState::Active;
        handed.insert({key, m.id});
        const bool written = open.count(b->instance) > 0;
        io->send(b->instance, b->endpoints, std::move(out));
        if (written) {
            handed.erase({key, m.id});
            mark(key, m.id, MessageState::sent);
        }
    }
}

void Node::Impl::XmppBridge::mark(const PeerKey& key, const MessageId& id, MessageState state) {
    auto m = node.store->message(key, Direction::out, id);
    if (!m || m->state == state || m->state == MessageState::delivered) return;
    if (node.store->set_state(key, id, state) != StoreError::ok) return;
    node.emit(MessageStateChanged{id, key, state});
}

void Node::Impl::XmppBridge::on_ended(const std::string& peer) {
    // A dial that never opened ends too; it was made only with none open.
    auto it = open.find(peer);
    if (it == open.end()) return;
    if (--it->second == 0) open.erase(it);
    node.peer_changed(link_local_key(peer));
}

void Node::Impl::XmppBridge::on_opened(const std::string& peer) {
    ++open[peer];
    const PeerKey key = link_local_key(peer);
    retries.erase(key);
    // What was given for it before the stream opened is written now.
    std::vector<MessageId> written;
    for (auto& [k, id] : handed)
        if (k == key) written.push_back(id);
    for (auto& id : written) {
        handed.erase({key, id});
        mark(key, id, MessageState::sent);
    }
    node.peer_changed(key);
    flush(key);
}

void Node::Impl::XmppBridge::on_not_sent(const std::string& peer, const xmpp::NotSent& n) {
    const PeerKey key = link_local_key(peer);
    auto id = parse_link_local_message_id(n.id);
    if (!id) return;
    handed.erase({key, *id});
    mark(key, *id, MessageState::queued);  // a `sent` guess undone: it goes again
    schedule_retry(key);
}

void Node::Impl::XmppBridge::on_receipt(const std::string& peer, const xmpp::ReceiptReceived& r) {
    if (auto id = parse_link_local_message_id(r.id)) mark(link_local_key(peer), *id, MessageState::delivered);
}

void Node::Impl::XmppBridge::on_message(const std::string& peer, const xmpp::Message& msg) {
    const PeerKey key = link_local_key(peer);
    node.conversation->text_received(key);
    StoredMessage m;
    node.rng(m.id);  // the XMPP id is optional and not unique: never a key
    m.peer = key;
    m.direction = Direction::in;
    m.body = msg.body;
    m.sent_at_ms = m.received_at_ms = node_detail::now_ms();
    m.state = MessageState::delivered;
    bool inserted = false;
    if (node.store->add_incoming(m, inserted) != StoreError::ok || !inserted) {
        node.notice(Notice::Level::warning, "a link-local XMPP message from " + peer + " could not be stored");
        return;
    }
    const LinkLocalBuddy* b = roster.find(key);
    remember(key, peer, b ? b->display_name : std::string());
    unread[key]++;
    if (auto s = node.store->message(key, Direction::in, m.id)) m.seq = s->seq;
    node.emit(MessageAdded{m});
    node.peer_changed(key);
}

void Node::Impl::XmppBridge::mark_read(const PeerKey& key) {
    // No read receipts go to such a buddy: nothing is owed.
    std::vector<MessageId> newly_read;
    node.store->mark_incoming_read(key, node_detail::now_ms(), false, newly_read);
    if (auto it = unread.find(key); it != unread.end() && it->second != 0) {
        it->second = 0;
        node.peer_changed(key);
    }
}

void Node::Impl::XmppBridge::schedule_retry(const PeerKey& key) {
    const LinkLocalBuddy* b = roster.find(key);
    if (!io || !b || !b->online()) return;
    Retry& r = retries[key];
    if (r.armed) return;  // one NotSent per message: the batch waits once
    r.armed = true;
    r.due = std::chrono::steady_clock::now() + r.backoff;
    r.backoff = std::min(r.backoff * 2, std::chrono::duration_cast<std::chrono::seconds>(kLinkLocalRetryMax));
    arm_timer();
}

void Node::Impl::XmppBridge::arm_timer() {
    std::optional<std::chrono::steady_clock::time_point> next;
    for (auto& [k, r] : retries)
        if (r.armed && (!next || r.due < *next)) next = r.due;
    if (!next) return;
    retry_timer.expires_at(*next);
    retry_timer.async_wait([this](const asio::error_code& ec) {
        if (ec) return;
        const auto now = std::chrono::steady_clock::now();
        std::vector<PeerKey> due;
        for (auto& [k, r] : retries)
            if (r.armed && r.due <= now) {
                r.armed = false;
                due.push_back(k);
            }
        for (auto& k : due) flush(k);
        arm_timer();
    });
}

// ---- the node's entry points ---------------------------------------------------------

bool Node::Impl::is_link_local(const PeerKey& key) const { return bridge && bridge->knows(key); }

bool Node::set_bonjour(bool on, std::string& error) {
    Impl& d = *impl_;
    error.clear();
    Settings next = d.settings;
    next.bonjour = on;
    if (!save_settings(d.options.profile_dir, next, error, d.store_key())) return false;
    d.settings = std::move(next);
    // The saved choice decides from now on, whatever --bonjour said at start.
    d.options.bonjour.reset();
    d.bridge->apply();
    d.emit(d.own());
    return true;
}

std::uint16_t Node::link_local_port() const { return impl_->bridge->port; }

}  // namespace hallway::core
