#include "core/control.hpp"

#include "core/control_bonjour.hpp"
#include "core/control_conversation.hpp"
#include "core/control_files.hpp"
#include "core/control_json.hpp"
#include "core/control_peers.hpp"
#include "core/control_rooms.hpp"
#include "core/control_search.hpp"

#include "core/node.hpp"
#include "core/profile.hpp"
#include "crypto/identity.hpp"
#include "text/utf8.hpp"

#include <sodium.h>

#include <deque>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace hallway::core {

using nlohmann::json;
using namespace control_json;

namespace {

// verify and trust "verified" for a link-local XMPP buddy (docs/PROTOCOL.md §15).
constexpr const char* kNoKeyToVerify =
    "a link-local XMPP (Bonjour) buddy has no key to verify: it is unencrypted and unauthenticated, anyone on "
    "the network can use its name";

// A client that stops reading must not make the node buffer without end.
constexpr std::size_t kMaxControlBacklog = 8 * 1024 * 1024;

json message_json(const StoredMessage& m) {
    return json{{"id", to_hex(m.id)},
                {"seq", m.seq},
                {"direction", std::string(to_string(m.direction))},
                {"body", m.body},
                {"sent_at", m.sent_at_ms},
                {"received_at", m.received_at_ms},
                {"state", std::string(to_string(m.state))},
                {"failure", m.failure},
                {"read_at", m.read_at_ms}};
}

// An item that alone does not fit an empty reply (a long text escaped six-fold,
// or a store written before today's bounds): the first of its string fields
// (in the order given) whose cut makes it fit is cut to the longest UTF-8 prefix
// that does, the ones before it emptied; "truncated" is set. The store keeps the
// whole value. Callers list the fields that can be long: with those empty, it fits.
json cut_to_fit(json item, std::initializer_list<const char*> fields, ReplyBudget& budget) {
    item["truncated"] = true;
    for (const char* field : fields) {
        const std::string whole = item[field].get<std::string>();
        item[field] = "";
        if (!budget.fits(item)) continue;
        std::size_t lo = 0, hi = whole.size();  // the prefix of lo bytes fits
        while (lo < hi) {  // binary search: the JSON of a prefix grows with its length
            const std::size_t mid = lo + (hi - lo + 1) / 2;
            item[field] = std::string(text::cut_at_char_boundary(whole, mid));
            if (budget.fits(item)) lo = mid;
            else hi = mid - 1;
        }
        item[field] = std::string(text::cut_at_char_boundary(whole, lo));
        break;
    }
    budget.take(item);
    return item;
}

}  // namespace

json control_json::offset_page(const char* list, std::size_t size, std::uint64_t offset,
                               const std::function<json(std::size_t)>& item, std::initializer_list<const char*> long_fields) {
    ReplyBudget budget(json{{"ok", true}, {list, json::array()}, {"more", true}, {"next", UINT64_MAX}});
    json items = json::array();
    std::uint64_t next = offset;
    for (; next < size; ++next) {
        json i = item(next);
        if (!budget.take(i)) {
            if (!items.empty()) break;
            i = cut_to_fit(std::move(i), long_fields, budget);
        }
        items.push_back(std::move(i));
    }
    json reply{{"ok", true}, {list, std::move(items)}, {"more", next < size}};
    if (next < size) reply["next"] = next;
    return reply;
}

namespace {

// Messages read from the store at a time while a page fills: bounds the node's
// memory whatever the limit, whatever the stored bodies' size.
constexpr std::size_t kHistoryBatch = 64;

// The newest messages before "before", newest first while filling, as many as
// "limit" and the reply line allow; sent oldest first. kind: the peer's
// (docs/CONTROL.md: to a link-local XMPP buddy "sent" is final).
json history_page(const Node& node, const PeerKey& key, std::uint64_t limit, std::int64_t before, PeerKind kind) {
    const std::string kind_name(to_string(kind));
    ReplyBudget budget(json{{"ok", true}, {"messages", json::array()}, {"more", true}, {"before", INT64_MAX}, {"kind", kind_name}});
    std::vector<json> newest_first;
    bool more = false;  // stopped at a message not sent: older ones remain
    std::size_t got = 0;
    do {
        auto batch = node.history(key, kHistoryBatch, before);
        got = batch.size();
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
            json m = message_json(*it);
            if (newest_first.size() == limit) {
                more = true;
                break;
            }
            if (!budget.take(m)) {
                if (!newest_first.empty()) {
                    more = true;
                    break;
                }
                m = cut_to_fit(std::move(m), {"body", "failure"}, budget);  // a page holds at least one
            }
            newest_first.push_back(std::move(m));
            before = it->seq;
        }
    } while (!more && got == kHistoryBatch);
    json messages = json::array();
    for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) messages.push_back(std::move(*it));
    json reply{{"ok", true}, {"messages", std::move(messages)}, {"more", more}, {"kind", kind_name}};
    if (more) reply["before"] = before;
    return reply;
}

}  // namespace

std::string dump_json(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::optional<json> control_json::peer_field(const Node& node, const json& req, PeerKey& key) {
    std::string q = string_field(req, "peer");
    if (q.empty()) return error_json("bad_request", "missing \"peer\"");
    std::string error;
    auto k = node.resolve(q, error);
    if (!k) return error_json(error.find("ambiguous") != std::string::npos ? "ambiguous" : "no_peer", error);
    key = *k;
    return std::nullopt;
}

struct ControlServer::Connection : std::enable_shared_from_this<Connection> {
    asio::local::stream_protocol::socket socket;
    std::string in;
    std::deque<std::string> out;
    std::size_t out_bytes = 0;
    ControlServer* server;
    std::uint64_t id;
    bool closed = false;

    Connection(asio::local::stream_protocol::socket s, ControlServer* srv, std::uint64_t i)
        : socket(std::move(s)), server(srv), id(i) {}

    void read() {
        auto self = shared_from_this();
        asio::async_read_until(socket, asio::dynamic_buffer(in, kMaxControlLine), '\n',
                               [self](std::error_code ec, std::size_t n) {
                                   if (self->closed) return;
                                   if (ec) return self->close();
                                   std::string line = self->in.substr(0, n - 1);
                                   self->in.erase(0, n);
                                   json req = json::parse(line, nullptr, false);
                                   json resp = req.is_object() ? self->server->handle(req, self->id)
                                                               : error_json("bad_request", "not a JSON object");
                                   self->write(resp);
                                   self->read();
                               });
    }

    void write(const json& j) {
        if (closed) return;
        std::string line = dump_json(j) + "\n";
        if (out_bytes + line.size() > kMaxControlBacklog) return close();
        out_bytes += line.size();
        out.push_back(std::move(line));
        if (out.size() == 1) write_next();
    }

    void write_next() {
        auto self = shared_from_this();
        asio::async_write(socket, asio::buffer(out.front()), [self](std::error_code ec, std::size_t) {
            if (self->closed) return;
            if (ec) return self->close();
            self->out_bytes -= self->out.front().size();
            self->out.pop_front();
            if (!self->out.empty()) self->write_next();
        });
    }

    void close() {
        if (closed) return;
        closed = true;
        std::error_code ec;
        socket.close(ec);
        server->connection_closed(id);
    }
};

ControlServer::ControlServer(asio::io_context& io, Node& node, std::filesystem::path socket_path)
    : node_(node), path_(std::move(socket_path)), acceptor_(io) {}

ControlServer::~ControlServer() {
    *alive_ = false;
    stop();
}

bool ControlServer::start(std::string& error) {
    std::error_code ec;
    std::filesystem::remove(path_, ec);  // stale from a crash: we hold the profile lock
    // Created 0600 from the start: no window in which another user could connect.
    mode_t old = ::umask(0177);
    acceptor_.open(asio::local::stream_protocol(), ec);
    if (!ec) acceptor_.bind(asio::local::stream_protocol::endpoint(path_.string()), ec);
    ::umask(old);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        error = path_.string() + ": " + ec.message();
        return false;
    }
    if (!subscribed_) {
        subscribed_ = true;
        std::weak_ptr<bool> alive = alive_;
        node_.subscribe([this, alive](const Event& e) {
            if (alive.expired()) return;
            if (auto* s = std::get_if<MessageStateChanged>(&e)) {
                on_state(s->peer, s->id, std::string(to_string(s->state)));
                if (s->read_at_ms > 0) on_read(s->peer, s->id, s->read_at_ms);
            }
            if (auto* d = std::get_if<RoomDeliveryChanged>(&e)) on_room_delivery(*d);
            if (auto* t = std::get_if<TransferChanged>(&e)) on_transfer(t->transfer);
        });
    }
    accept();
    return true;
}

void ControlServer::stop() {
    if (!acceptor_.is_open()) return;
    std::error_code ec;
    acceptor_.close(ec);
    std::filesystem::remove(path_, ec);
    auto conns = connections_;
    for (auto& [id, c] : conns) c->close();
}

void ControlServer::accept() {
    acceptor_.async_accept([this, alive = std::weak_ptr<bool>(alive_)](std::error_code ec,
                                                                       asio::local::stream_protocol::socket s) {
        if (alive.expired() || !acceptor_.is_open()) return;
        if (!ec) {
            auto c = std::make_shared<Connection>(std::move(s), this, next_id_++);
            connections_[c->id] = c;
            c->read();
        }
        accept();
    });
}

void ControlServer::connection_closed(std::uint64_t id) {
    connections_.erase(id);
    // A text may never be read, or (to a link-local XMPP buddy) never
    // delivered: what the connection waited for goes with it.
    for (auto* waits : {&read_waiting_, &waiting_})
        for (auto it = waits->begin(); it != waits->end();) {
            it->second.erase(id);
            it = it->second.empty() ? waits->erase(it) : std::next(it);
        }
    // A client's foreground conversation ends with the client.
    // Not while the server is destroyed: the node is going away too.
    if (focus_owner_ == id && *alive_) {
        focus_owner_ = 0;
        node_.set_focus(std::nullopt);
    }
}

void ControlServer::on_state(const PeerKey& peer, const MessageId& id, const std::string& state) {
    auto it = waiting_.find({peer, id});
    if (it == waiting_.end()) return;
    for (auto cid : it->second)
        if (auto c = connections_.find(cid); c != connections_.end())
            c->second->write(json{{"event", "state"}, {"id", to_hex(id)}, {"state", state}});
    if (state == "delivered" || state == "failed") waiting_.erase(it);
}

void ControlServer::on_read(const PeerKey& peer, const MessageId& id, std::int64_t read_at_ms) {
    auto it = read_waiting_.find({peer, id});
    if (it == read_waiting_.end()) return;
    for (auto cid : it->second)
        if (auto c = connections_.find(cid); c != connections_.end())
            c->second->write(json{{"event", "read"}, {"id", to_hex(id)}, {"read_at", read_at_ms}});
    read_waiting_.erase(it);
}

void ControlServer::on_room_delivery(const RoomDeliveryChanged& d) {
    auto it = room_waiting_.find(d.id);
    if (it == room_waiting_.end()) return;
    for (auto cid : it->second)
        if (auto c = connections_.find(cid); c != connections_.end())
            c->second->write(json{{"event", "delivery"}, {"id", to_hex(d.id)}, {"delivered", d.delivered}, {"of", d.of}});
    if (d.delivered >= d.of) room_waiting_.erase(it);
}

void ControlServer::on_transfer(const TransferView& t) {
    auto it = transfer_waiting_.find(t.id);
    if (it == transfer_waiting_.end()) return;
    for (auto cid : it->second)
        if (auto c = connections_.find(cid); c != connections_.end())
            c->second->write(json{{"event", "transfer"}, {"transfer", transfer_json(t)}});
    if (t.state == TransferState::done || t.state == TransferState::failed) transfer_waiting_.erase(it);
}

json ControlServer::handle(const json& req, std::uint64_t connection_id) {
    std::string cmd = string_field(req, "cmd");
    std::string error;
    if (auto reply = files_request(node_, req, cmd)) {
        // The sender may follow its transfer to the end, as a text's sender its delivery.
        if (cmd == "send_files" && reply->value("ok", false) && bool_field(req, "watch"))
            transfer_waiting_[(*reply)["id"].get<std::uint64_t>()].insert(connection_id);
        return *reply;
    }
    if (auto reply = room_request(node_, req, cmd)) {
        // A room text's sender may wait to hear how many members hold it.
        if (cmd == "send" && reply->value("ok", false) && bool_field(req, "wait") &&
            reply->value("delivered", 0u) < reply->value("of", 0u)) {
            MessageId id{};
            sodium_hex2bin(id.data(), id.size(), (*reply)["id"].get<std::string>().c_str(), 32, nullptr, nullptr, nullptr);
            room_waiting_[id].insert(connection_id);
        }
        return *reply;
    }
    if (auto reply = conversation_request(node_, req, cmd)) return *reply;
    if (auto reply = search_request(node_, req, cmd)) return *reply;
    if (auto reply = bonjour_request(node_, req, cmd)) return *reply;
    auto peer_arg = [&](PeerKey& key) { return peer_field(node_, req, key); };

    if (cmd == "id") {
        auto o = node_.own();
        return json{{"ok", true}, {"nick", o.nick}, {"id", o.fingerprint}, {"port", o.port},
                    {"presence", o.presence}, {"status", o.status_message}, {"service", node_.service_name()},
                    {"private", o.private_mode}, {"share_addresses", to_string(o.share_addresses)},
                    {"notifications", to_string(o.notifications)},
                    {"domains", node_.browse_domains()}, {"remembered", node_.remembered_contacts()},
                    {"read_receipts", o.read_receipts}, {"bonjour", o.bonjour},
                    {"link_local_name", o.link_local_name}};
    }
    if (cmd == "peers") {
        auto offset = uint_field(req, "offset", 0);
        if (!offset) return error_json("bad_request", "offset must be a non-negative integer");
        // Made afresh for each request: a peer whose place changes between pages can
        // be listed twice (clients drop repeated ids) or missed by that listing.
        const auto all = node_.peers();
        return offset_page("peers", all.size(), *offset, [&](std::size_t i) { return peer_json(all[i]); },
                           {"status", "nick"});  // a store from before the bounds
    }
    PeerKey key{};
    if (cmd == "send") {
        if (auto e = peer_arg(key)) return *e;
        auto id = node_.send_text(key, string_field(req, "text"), error);
        if (!id) return error_json("refused", error);
        std::string hex = to_hex(*id);
        auto view = node_.peers();
        bool online = false;
        std::string nick;
        PeerKind kind = PeerKind::hallway;
        for (auto& p : view)
            if (p.key == key) online = p.online, nick = p.nick, kind = p.kind;
        auto stored = node_.message(key, Direction::out, *id);
        std::string state(to_string(stored ? stored->state : MessageState::queued));
        // To a link-local XMPP buddy "sent" is final and nobody reads receipts: nothing to wait for.
        const bool final_state = state == "delivered" || (kind != PeerKind::hallway && state == "sent");
        if (bool_field(req, "wait") && !final_state) waiting_[{key, *id}].insert(connection_id);
        if (bool_field(req, "wait") && kind == PeerKind::hallway) read_waiting_[{key, *id}].insert(connection_id);
        // kind: a link-local XMPP buddy never confirms (no receipts in XEP-0174): "sent" is final.
        return json{{"ok", true}, {"id", hex}, {"state", state}, {"online", online}, {"nick", nick},
                    {"kind", std::string(to_string(kind))}};
    }
    if (cmd == "history") {
        if (auto e = peer_arg(key)) return *e;
        auto limit = uint_field(req, "limit", kDefaultHistoryLimit, 1);
        if (!limit) return error_json("bad_request", "limit must be a positive integer");
        auto before = uint_field(req, "before", INT64_MAX);
        if (!before) return error_json("bad_request", "before must be a non-negative integer (a seq)");
        PeerKind kind = PeerKind::hallway;
        for (auto& p : node_.peers())
            if (p.key == key) kind = p.kind;
        return history_page(node_, key, *limit, static_cast<std::int64_t>(std::min<std::uint64_t>(*before, INT64_MAX)), kind);
    }
    if (cmd == "verify") {
        if (auto e = peer_arg(key)) return *e;
        for (auto& p : node_.peers())
            if (p.key == key && p.kind != PeerKind::hallway) return error_json("refused", kNoKeyToVerify);
        if (bool_field(req, "confirm")) node_.set_trust(key, Trust::verified);
        for (auto& p : node_.peers())
            if (p.key == key)
                return json{{"ok", true},
                            {"nick", p.nick},
                            {"id", p.fingerprint},
                            {"own_id", node_.own().fingerprint},
                            {"trust", std::string(to_string(p.trust))},
                            {"safety_number", node_.safety_number(key)}};
        return error_json("no_peer", "peer vanished");
    }
    if (cmd == "trust") {
        if (auto e = peer_arg(key)) return *e;
        std::string t = string_field(req, "trust");
        if (t == "verified")
            for (auto& p : node_.peers())
                if (p.key == key && p.kind != PeerKind::hallway) return error_json("refused", kNoKeyToVerify);
        if (t == "verified") node_.set_trust(key, Trust::verified);
        else if (t == "unverified") node_.set_trust(key, Trust::unverified);
        else if (t == "blocked") node_.set_trust(key, Trust::blocked);
        else return error_json("bad_request", "trust must be verified, unverified or blocked");
        return json{{"ok", true}};
    }
    if (cmd == "nick") {
        std::string n = string_field(req, "nick");
        if (n.empty()) return error_json("bad_request", "missing \"nick\"");
        if (!node_.set_nick(n, error)) return error_json("refused", error);
        return json{{"ok", true}};
    }
    if (cmd == "focus") {
        if (!req.contains("peer") || req["peer"].is_null()) {
            focus_owner_ = 0;
            node_.set_focus(std::nullopt);
            return json{{"ok", true}};
        }
        if (auto e = peer_arg(key)) return *e;
        focus_owner_ = connection_id;
        node_.set_focus(key);
        return json{{"ok", true}};
    }
    if (cmd == "share_addresses") {
        if (req.contains("value")) {
            const auto who = share_addresses_from(string_field(req, "value"));
            if (!who) return error_json("bad_request", "value must be verified, contacts or off");
            if (!node_.set_share_addresses(*who, error)) return error_json("refused", error);
        }
        return json{{"ok", true}, {"share_addresses", to_string(node_.own().share_addresses)}};
    }
    if (cmd == "notifications") {
        if (req.contains("value")) {
            const auto what = notifications_from(string_field(req, "value"));
            if (!what) return error_json("bad_request", "value must be full, hidden or off");
            if (!node_.set_notifications(*what, error)) return error_json("refused", error);
        }
        return json{{"ok", true}, {"notifications", to_string(node_.own().notifications)}};
    }
    if (cmd == "status") {
        if (!node_.set_presence(string_field(req, "presence"), string_field(req, "message"), error))
            return error_json("refused", error);
        return json{{"ok", true}};
    }
    return error_json("bad_request", "unknown command \"" + cmd + "\"");
}

// ---- client -------------------------------------------------------------------

ControlClient::~ControlClient() {
    if (fd_ >= 0) ::close(fd_);
}

bool ControlClient::connect(const std::filesystem::path& socket_path, std::string& error) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string p = socket_path.string();
    if (p.size() >= sizeof addr.sun_path) {
        error = "control socket path too long: " + p;
        return false;
    }
    std::copy(p.begin(), p.end(), addr.sun_path);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        error = "no Hallway node is running for this profile (" + p + " not reachable); start one with 'hallway daemon'";
        return false;
    }
    return true;
}

bool ControlClient::send(const json& request, std::string& error) {
    std::string line = dump_json(request) + "\n";
    std::size_t off = 0;
    while (off < line.size()) {
        ssize_t n = ::send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
        if (n <= 0) {
            error = "the node closed the control connection";
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    return true;
}

bool ControlClient::receive(json& out, std::chrono::milliseconds timeout, std::string& error) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
            out = json::parse(buffer_.substr(0, nl), nullptr, false);
            buffer_.erase(0, nl + 1);
            if (out.is_discarded()) {
                error = "the node sent an unreadable reply";
                return false;
            }
            return true;
        }
        // Rounded up: "timed out" only once the deadline has passed, never a part of a millisecond early.
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            error = "timed out";
            return false;
        }
        pollfd p{fd_, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
        if (r < 0 && errno != EINTR) {
            error = "poll failed";
            return false;
        }
        if (r <= 0) continue;
        char buf[65536];
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) {
            error = "the node closed the control connection";
            return false;
        }
        buffer_.append(buf, static_cast<std::size_t>(n));
        if (buffer_.find('\n') == std::string::npos && buffer_.size() > kMaxControlLine) {
            error = "reply too large";
            return false;
        }
    }
}

}  // namespace hallway::core
