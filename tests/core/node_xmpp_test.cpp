// The link-local XMPP bridge on a core::Node (docs/PROTOCOL.md §15): the node
// is given its buddy by hand (link_local_peers, no mDNS), and the buddy is a
// test-owned xmpp::LinkLocal on 127.0.0.1 playing Pidgin's side.
#include "core/link_local_buddies.hpp"
#include "core/node.hpp"
#include "loopback.hpp"
#include "tests/core/temp_dir.hpp"
#include "xmpp/link_local.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using transport::test::run_until;

namespace {

const std::string kPurple = "purple@testhost";

// A port free now (the buddy's, given to the node before the buddy listens).
std::uint16_t free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

// Pidgin's side: accepts a stream from whatever name the node registered,
// from loopback; records what it hears.
struct Purple {
    asio::io_context& io;
    std::string node_name;  // set by the test once the node runs
    std::vector<std::pair<std::string, xmpp::Message>> messages;
    std::vector<std::string> opened;
    std::unique_ptr<xmpp::LinkLocal> link;
    std::uint16_t port = 0;

    Purple(asio::io_context& io_, std::uint16_t wanted_port) : io(io_) {
        xmpp::LinkLocalConfig config;
        config.our_name = kPurple;
        config.port = wanted_port;
        config.identify = [this](const std::optional<std::string>& from, const std::optional<std::string>&,
                                 const asio::ip::address& source) {
            if (from && *from == node_name && source.is_loopback())
                return xmpp::Identification{xmpp::Identification::Verdict::accept, kPurple, *from};
            return xmpp::Identification{xmpp::Identification::Verdict::unknown_peer, kPurple, ""};
        };
        xmpp::LinkLocalCallbacks cb;
        cb.on_opened = [this](const std::string& p) { opened.push_back(p); };
        cb.on_message = [this](const std::string& p, const xmpp::Message& m) { messages.emplace_back(p, m); };
        link = std::make_unique<xmpp::LinkLocal>(io, std::move(config), std::move(cb));
        port = link->listen();
    }
    ~Purple() {
        link->stop();
        io.restart();
        io.run_for(std::chrono::milliseconds(50));
    }
    void say(std::uint16_t node_port, std::string id, std::string text) {
        xmpp::OutgoingMessage m;
        m.from = kPurple;
        m.to = node_name;
        m.id = std::move(id);
        m.text = std::move(text);
        link->send(node_name, {asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), node_port)},
                   std::move(m));
    }
};

// A node with the bridge on and the buddy at 127.0.0.1:purple_port.
struct BridgedNode {
    hallway::test::TempDir dir;
    asio::io_context& io;
    core::NodeOptions options;
    std::unique_ptr<core::Node> node;
    std::vector<core::Event> events;

    BridgedNode(asio::io_context& io_, std::uint16_t purple_port) : io(io_) {
        options.profile_dir = dir.path() / "profile";
        options.nick = "Node One";
        options.download_dir = dir.path() / "downloads";
        options.mdns = false;
        options.port = 0;
        options.control_socket = false;
        options.bonjour = true;
        options.link_local_default_port = 0;
        options.link_local_peers = {kPurple + "=127.0.0.1:" + std::to_string(purple_port)};
        boot();
    }
    void boot() {
        std::string error;
        node = core::Node::create(io, options, error);
        INFO(error);
        REQUIRE(node);
        node->start();
        node->subscribe([this](const core::Event& e) { events.push_back(e); });
    }
    void restart() {
        node->stop("restart");
        io.restart();
        io.run_for(std::chrono::milliseconds(100));
        io.restart();
        node.reset();
        events.clear();
        boot();
    }
    core::PeerKey buddy() const {
        std::string error;
        auto key = node->resolve("purple", error);
        INFO(error);
        REQUIRE(key);
        return *key;
    }
    std::optional<core::PeerView> view(const core::PeerKey& key) const {
        for (auto& p : node->peers())
            if (p.key == key) return p;
        return std::nullopt;
    }
    std::optional<core::MessageState> state(const core::PeerKey& key, const core::MessageId& id) const {
        auto m = node->message(key, core::Direction::out, id);
        if (!m) return std::nullopt;
        return m->state;
    }
};

}  // namespace

TEST_CASE("node xmpp: a text goes to the buddy exactly, its answer is stored and evented, history survives a restart") {
    asio::io_context io;
    const std::uint16_t port = free_port();
    Purple purple(io, port);
    REQUIRE(purple.port == port);
    BridgedNode n(io, port);
    const std::string our_name = n.node->own().link_local_name;
    CHECK(our_name.rfind("Node-One@", 0) == 0);
    CHECK(n.node->own().bonjour == false);  // --bonjour this run; the setting is untouched
    CHECK(n.node->link_local_port() != 0);
    purple.node_name = our_name;

    const auto key = n.buddy();
    CHECK(key == core::link_local_key(kPurple));
    auto v = n.view(key);
    REQUIRE(v);
    CHECK(v->kind == core::PeerKind::xmpp_link_local);
    CHECK(!v->encrypted);
    CHECK(v->instance == kPurple);
    CHECK(v->nick == "purple");
    CHECK(v->online);
    CHECK(v->fingerprint.empty());
    CHECK(v->trust == core::Trust::unverified);
    CHECK(!v->rooms);
    CHECK(!v->files);

    const std::string text = "<b> & ]]> \xc3\xa9\nline two";
    std::string error;
    auto id = n.node->send_text(key, text, error);
    INFO(error);
    REQUIRE(id);
    REQUIRE(run_until(io, [&] { return !purple.messages.empty(); }));
    CHECK(purple.messages[0].first == our_name);
    CHECK(purple.messages[0].second.body == text);
    CHECK(purple.messages[0].second.id == "hw-" + [&] {
        std::string hex;
        for (auto b : *id) {
            static const char* digits = "0123456789abcdef";
            hex += digits[b >> 4];
            hex += digits[b & 15];
        }
        return hex;
    }());
    REQUIRE(run_until(io, [&] { return n.state(key, *id) == core::MessageState::sent; }));

    // The answer, on the stream the node opened.
    purple.say(n.node->link_local_port(), "p1", "hi back <i>");
    REQUIRE(run_until(io, [&] {
        auto h = n.node->history(key);
        return h.size() == 2;
    }));
    auto h = n.node->history(key);
    CHECK(h[1].direction == core::Direction::in);
    CHECK(h[1].body == "hi back <i>");
    bool evented = false;
    for (auto& e : n.events)
        if (auto* a = std::get_if<core::MessageAdded>(&e)) evented |= a->message.body == "hi back <i>";
    CHECK(evented);
    CHECK(n.view(key)->unread == 1);
    n.node->mark_read(key);
    CHECK(n.view(key)->unread == 0);

    n.restart();
    purple.node_name = n.node->own().link_local_name;
    h = n.node->history(key);
    REQUIRE(h.size() == 2);
    CHECK(h[0].body == text);
    CHECK(h[1].body == "hi back <i>");
    v = n.view(key);
    REQUIRE(v);
    CHECK(v->kind == core::PeerKind::xmpp_link_local);
}

TEST_CASE("node xmpp: a buddy's own dial is identified, its text stored") {
    asio::io_context io;
    const std::uint16_t port = free_port();
    Purple purple(io, port);
    BridgedNode n(io, port);
    purple.node_name = n.node->own().link_local_name;
    purple.say(n.node->link_local_port(), "x1", "first from pidgin");
    const auto key = core::link_local_key(kPurple);
    REQUIRE(run_until(io, [&] { return n.node->history(key).size() == 1; }));
    CHECK(n.node->history(key)[0].body == "first from pidgin");
    CHECK(n.node->history(key)[0].direction == core::Direction::in);
}

TEST_CASE("node xmpp: a text to an offline buddy stays queued and goes when it listens") {
    asio::io_context io;
    const std::uint16_t port = free_port();
    BridgedNode n(io, port);
    const auto key = n.buddy();
    std::string error;
    auto id = n.node->send_text(key, "are you there?", error);
    REQUIRE(id);
    io.restart();
    io.run_for(std::chrono::milliseconds(1500));  // a refused dial or two
    CHECK(n.state(key, *id) == core::MessageState::queued);

    Purple purple(io, port);
    REQUIRE(purple.port == port);
    purple.node_name = n.node->own().link_local_name;
    REQUIRE(run_until(io, [&] { return !purple.messages.empty(); }, std::chrono::seconds(40)));
    CHECK(purple.messages[0].second.body == "are you there?");
    CHECK(purple.messages.size() == 1);
    REQUIRE(run_until(io, [&] { return n.state(key, *id) == core::MessageState::sent; }));
}

TEST_CASE("node xmpp: trust, safety numbers, rooms and files are refused for a link-local buddy") {
    asio::io_context io;
    BridgedNode n(io, free_port());
    const auto key = n.buddy();
    CHECK(n.node->safety_number(key).empty());
    n.node->set_trust(key, core::Trust::verified);
    CHECK(n.view(key)->trust == core::Trust::unverified);
    bool warned = false;
    for (auto& e : n.events)
        if (auto* notice = std::get_if<core::Notice>(&e))
            warned |= notice->text.find("is a link-local XMPP buddy: unencrypted") != std::string::npos;
    CHECK(warned);

    std::string error;
    auto room = n.node->create_room("lab", false, "", error);
    REQUIRE(room);
    CHECK(!n.node->invite(*room, key, error));
    CHECK(error.find("is a link-local XMPP buddy: unencrypted") != std::string::npos);
    error.clear();
    CHECK(!n.node->send_files(key, {n.dir.path()}, error));
    CHECK(error.find("is a link-local XMPP buddy: unencrypted") != std::string::npos);
    error.clear();
    CHECK(!n.node->set_auto_accept_files(key, true, error));
    CHECK(error.find("is a link-local XMPP buddy: unencrypted") != std::string::npos);
}

TEST_CASE("node xmpp: the bridge stops in private mode and when turned off, and starts when turned on") {
    asio::io_context io;
    BridgedNode n(io, free_port());
    REQUIRE(n.node->link_local_port() != 0);
    std::string error;
    REQUIRE(n.node->set_private_mode(true, error));
    CHECK(n.node->link_local_port() == 0);
    CHECK(n.node->own().link_local_name.empty());
    CHECK(!n.view(core::link_local_key(kPurple)));  // never talked to: gone with the bridge
    REQUIRE(n.node->set_private_mode(false, error));
    CHECK(n.node->link_local_port() != 0);
    REQUIRE(n.node->set_bonjour(false, error));
    CHECK(n.node->link_local_port() == 0);
    CHECK(!n.node->own().bonjour);
    REQUIRE(n.node->set_bonjour(true, error));
    CHECK(n.node->link_local_port() != 0);
    CHECK(n.node->own().bonjour);
    CHECK(!n.node->own().link_local_name.empty());
}

TEST_CASE("node xmpp: a Hallway contact of the same name is never merged with the buddy") {
    asio::io_context io;
    BridgedNode n(io, free_port());
    transport::test::Node hallway_purple(io, 41, "purple");
    hallway_purple.transport->set_hello(transport::Hello{1, "purple", {"text"}});
    hallway_purple.transport->dial({asio::ip::make_address("127.0.0.1"), n.node->port()});
    REQUIRE(run_until(io, [&] { return !hallway_purple.ups.empty(); }));
    REQUIRE(run_until(io, [&] {
        auto v = n.view(hallway_purple.key.public_key);
        return v && v->nick == "purple";
    }));
    auto contact = n.view(hallway_purple.key.public_key);
    auto buddy = n.view(core::link_local_key(kPurple));
    REQUIRE(contact);
    REQUIRE(buddy);
    CHECK(contact->kind == core::PeerKind::hallway);
    CHECK(contact->encrypted);
    CHECK(buddy->kind == core::PeerKind::xmpp_link_local);
    CHECK(buddy->nick == contact->nick);
    std::string error;
    CHECK(!n.node->resolve("purple", error));
    CHECK(error.find("ambiguous") != std::string::npos);
    CHECK(error.find(kPurple + " (link-local XMPP, unencrypted)") != std::string::npos);
    CHECK(n.node->resolve(kPurple, error) == core::link_local_key(kPurple));
    // A text to the buddy never reaches the Hallway contact's session.
    REQUIRE(n.node->send_text(core::link_local_key(kPurple), "to the xmpp one", error));
    io.restart();
    io.run_for(std::chrono::milliseconds(200));
    CHECK(hallway_purple.texts_received == 0);
    CHECK(n.node->history(hallway_purple.key.public_key).empty());
}

TEST_CASE("node xmpp: the buddy's composing shows as typing, its next text ends it") {
    asio::io_context io;
    const std::uint16_t port = free_port();
    Purple purple(io, port);
    BridgedNode n(io, port);
    purple.node_name = n.node->own().link_local_name;
    const auto key = core::link_local_key(kPurple);
    xmpp::OutgoingMessage composing;
    composing.from = kPurple;
    composing.to = purple.node_name;
    composing.id = "c1";
    composing.chat_state = xmpp::ChatState::Composing;
    purple.link->send(purple.node_name,
                      {asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), n.node->link_local_port())},
                      composing);
    REQUIRE(run_until(io, [&] { return n.view(key) && n.view(key)->typing; }));
    CHECK(n.node->history(key).empty());  // typing only, nothing stored
    purple.say(n.node->link_local_port(), "c2", "done typing");
    REQUIRE(run_until(io, [&] { return n.node->history(key).size() == 1; }));
    CHECK(!n.view(key)->typing);
}
