// The control socket keeps every reply under the line cap its client accepts
// (history and peers come in pages), and the node takes only settings it can
// load back (nick, presence, status) and texts within the one text limit.
#include "core/control.hpp"
#include "core/control_files.hpp"
#include "core/control_peers.hpp"
#include "core/files/file_name.hpp"
#include "core/node.hpp"
#include "core/profile.hpp"
#include "core/store.hpp"
#include "tests/core/temp_dir.hpp"
#include "transport/wire.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <thread>

using namespace hallway;
using namespace hallway::core;
using hallway::test::TempDir;
using nlohmann::json;

namespace {

constexpr std::size_t kTextLimit = transport::wire::kMaxTextBody;

PeerKey peer_key(std::uint32_t n) {
    PeerKey k{};
    for (std::size_t i = 0; i < 4; ++i) k[i] = static_cast<std::uint8_t>(n >> (8 * i));
    k[31] = 0xee;
    return k;
}

std::string file_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Writes straight into the profile's store, as an older node (or a peer before
// decode-time bounds) could have, before any node opens it.
// Contacts seen just now: a node forgets strangers not seen for a long time at start.
std::int64_t just_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void seed_store(const std::filesystem::path& dir, const std::function<void(Store&)>& fill) {
    StoreError err{};
    std::string message;
    REQUIRE_MESSAGE(ensure_profile_dir(dir, message), message);
    auto store = Store::open(store_path(dir).string(), err, message);
    REQUIRE_MESSAGE(store, message);
    fill(*store);
}

std::unique_ptr<Node> open_node(asio::io_context& io, const std::filesystem::path& dir, bool control_socket = false) {
    NodeOptions o;
    o.profile_dir = dir;
    o.nick = "alice";
    o.mdns = false;
    o.port = 0;  // any free port, not the default: many nodes run at once
    o.control_socket = control_socket;
    std::string error;
    auto node = Node::create(io, o, error);
    REQUIRE_MESSAGE(node, error);
    return node;
}

// Each reply as the socket would send it must fit the line the client accepts.
json checked(const json& reply) {
    CHECK(dump_json(reply).size() <= kMaxControlLine);
    return reply;
}

// Runs io on its own thread; stops the server and joins however a test leaves.
struct NetworkThread {
    asio::io_context& io;
    ControlServer& server;
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
    std::thread thread{[this] { io.run(); }};
    ~NetworkThread() {
        asio::post(io, [this] {
            server.stop();
            work.reset();
        });
        thread.join();
    }
};

}  // namespace

TEST_CASE("control: history of 64 KiB control-character texts comes back whole, in pages under the cap") {
    TempDir dir;
    const PeerKey bob = peer_key(1);
    constexpr int kMessages = 8;
    // "\x01" escapes to 6 bytes of JSON: each body is 384 KiB as JSON, eight are 3 MiB.
    const std::string body(kTextLimit, '\x01');
    // One older than any limit (written by a node that accepted 1 MiB): 6 MiB as JSON.
    const std::string huge(1024 * 1024, '\x02');
    seed_store(dir.path(), [&](Store& s) {
        REQUIRE(s.touch_contact(bob, "bob", just_now_ms()) == StoreError::ok);
        for (int i = 0; i <= kMessages; ++i) {
            StoredMessage m;
            m.id.fill(static_cast<std::uint8_t>(i + 1));
            m.peer = bob;
            m.direction = Direction::in;
            m.body = i == 0 ? huge : body + std::to_string(i);
            m.state = MessageState::delivered;
            bool inserted = false;
            REQUIRE(s.add_incoming(m, inserted) == StoreError::ok);
        }
    });
    asio::io_context io;
    auto node = open_node(io, dir.path());
    ControlServer server(io, *node, dir / "test.sock");
    std::string error;
    REQUIRE_MESSAGE(server.start(error), error);
    {
        NetworkThread network{io, server};

        // Through the real socket and client: every page is read, none refused.
        ControlClient client;
        REQUIRE_MESSAGE(client.connect(dir / "test.sock", error), error);
        std::vector<json> newest_first;
        json request{{"cmd", "history"}, {"peer", "bob"}};
        int pages = 0;
        for (; pages < 2 * kMessages; ++pages) {
            json reply;
            REQUIRE(client.send(request, error));
            REQUIRE_MESSAGE(client.receive(reply, std::chrono::seconds(20), error), error);
            REQUIRE(reply.value("ok", false));
            CHECK(dump_json(reply).size() <= kMaxControlLine);
            auto& page = reply["messages"];
            REQUIRE(!page.empty());
            for (auto it = page.rbegin(); it != page.rend(); ++it) newest_first.push_back(*it);
            if (!reply.value("more", false)) break;
            request["before"] = reply["before"];
        }
        CHECK(pages > 1);
        REQUIRE(newest_first.size() == kMessages + 1);
        for (int i = 0; i < kMessages; ++i) {
            const json& m = newest_first[static_cast<std::size_t>(kMessages - 1 - i)];
            CHECK(m.value("body", "") == body + std::to_string(i + 1));
            CHECK_FALSE(m.contains("truncated"));
        }
        // The oversized one comes alone, cut to fit and flagged; the store keeps it whole.
        const json& oldest = newest_first.back();
        CHECK(oldest.value("truncated", false));
        const std::string cut = oldest.value("body", "");
        CHECK(cut.size() > 100 * 1024);
        CHECK(huge.compare(0, cut.size(), cut) == 0);
    }

    // limit: the newest N, and a cursor to go on.
    json r = checked(server.handle({{"cmd", "history"}, {"peer", "bob"}, {"limit", 1}}, 1));
    CHECK(r["messages"].size() == 1);
    CHECK(r["messages"][0].value("body", "") == body + std::to_string(kMessages));
    CHECK(r.value("more", false));
    CHECK(r["before"] == r["messages"][0]["seq"]);
    CHECK(server.handle({{"cmd", "history"}, {"peer", "bob"}, {"limit", 0}}, 1).value("code", "") == "bad_request");
}

TEST_CASE("control: 5,000 contacts with the longest names come in pages under the cap") {
    TempDir dir;
    constexpr std::uint32_t kContacts = 5000;
    // 64 bytes of control characters: 384 bytes of JSON per name.
    const std::string nick(transport::wire::kMaxNick, '\x1b');
    seed_store(dir.path(), [&](Store& s) {
        const std::int64_t now = just_now_ms();
        Store::Batch batch(s);
        for (std::uint32_t i = 0; i < kContacts; ++i) REQUIRE(s.touch_contact(peer_key(i), nick, now) == StoreError::ok);
        REQUIRE(batch.commit() == StoreError::ok);
    });
    asio::io_context io;
    auto node = open_node(io, dir.path());
    ControlServer server(io, *node, dir / "unused.sock");
    std::set<std::string> ids;
    json request{{"cmd", "peers"}};
    int pages = 0;
    for (; pages < 100; ++pages) {
        json reply = checked(server.handle(request, 1));
        REQUIRE(reply.value("ok", false));
        for (auto& p : reply["peers"]) {
            CHECK(p.value("nick", "") == nick);
            ids.insert(p.value("id", ""));
        }
        if (!reply.value("more", false)) break;
        request["offset"] = reply["next"];
    }
    CHECK(pages > 1);
    CHECK(ids.size() == kContacts);
}

TEST_CASE("control: a status or nick the profile could not load back is refused, the file kept") {
    TempDir dir;
    const std::string saved = [&] {
        asio::io_context io;
        auto node = open_node(io, dir.path());
        ControlServer server(io, *node, dir / "unused.sock");
        REQUIRE(server.handle({{"cmd", "status"}, {"presence", "away"}, {"message", "at lunch"}}, 1).value("ok", false));
        const std::string before = file_text(settings_path(dir.path()));

        auto refused = [&](const json& request) {
            json r = server.handle(request, 1);
            CHECK_FALSE(r.value("ok", true));
            CHECK(r.value("code", "") == "refused");
            CHECK(!r.value("error", "").empty());
            CHECK(file_text(settings_path(dir.path())) == before);
        };
        refused({{"cmd", "status"}, {"presence", "away"}, {"message", std::string(70000, 'x')}});
        refused({{"cmd", "status"}, {"presence", "away"}, {"message", "two\nlines"}});
        refused({{"cmd", "status"}, {"presence", "asleep"}, {"message", ""}});
        refused({{"cmd", "nick"}, {"nick", std::string(transport::wire::kMaxNick + 1, 'n')}});
        refused({{"cmd", "nick"}, {"nick", "bell\x07"}});
        refused({{"cmd", "nick"}, {"nick", "bad \xff utf-8"}});
        CHECK(node->own().status_message == "at lunch");
        CHECK(node->own().nick == "alice");

        const std::string longest(transport::wire::kMaxNick, 'n');
        CHECK(server.handle({{"cmd", "nick"}, {"nick", longest}}, 1).value("ok", false));
        CHECK(node->own().nick == longest);
        const std::string status(transport::wire::kMaxStatusMessage, 's');
        CHECK(server.handle({{"cmd", "status"}, {"presence", "busy"}, {"message", status}}, 1).value("ok", false));
        return file_text(settings_path(dir.path()));
    }();

    // What was written loads, for the node and for `hallway id`.
    Settings s;
    std::string error;
    REQUIRE_MESSAGE(load_settings(dir.path(), s, error), error);
    CHECK(s.nick == std::string(transport::wire::kMaxNick, 'n'));
    CHECK(s.status_message == std::string(transport::wire::kMaxStatusMessage, 's'));
    asio::io_context io;
    NodeOptions o;
    o.profile_dir = dir.path();
    o.mdns = false;
    o.port = 0;  // any free port, not the default: many nodes run at once
    o.control_socket = false;
    auto again = Node::create(io, o, error);
    REQUIRE_MESSAGE(again, error);
    CHECK(again->own().presence == "busy");
    CHECK(file_text(settings_path(dir.path())) == saved);
}

TEST_CASE("control: one text limit, measured on the text as sent") {
    TempDir dir;
    const PeerKey bob = peer_key(2);
    seed_store(dir.path(), [&](Store& s) { REQUIRE(s.touch_contact(bob, "bob", just_now_ms()) == StoreError::ok); });
    asio::io_context io;
    auto node = open_node(io, dir.path());
    std::string error;
    CHECK(node->send_text(bob, std::string(kTextLimit, 'a'), error));
    CHECK_FALSE(node->send_text(bob, std::string(kTextLimit + 1, 'a'), error));
    CHECK(error.find(std::to_string(kTextLimit)) != std::string::npos);
    // Each invalid byte is sent as U+FFFD (3 bytes): 30,000 of them are 90,000 bytes.
    CHECK_FALSE(node->send_text(bob, std::string(30000, '\xff'), error));
    CHECK(error.find(std::to_string(kTextLimit)) != std::string::npos);
    // What is stored is what is sent.
    auto id = node->send_text(bob, "ok \xff", error);
    REQUIRE(id);
    CHECK(node->message(bob, Direction::out, *id)->body == "ok \xEF\xBF\xBD");
}

TEST_CASE("control: id says the node's port and the service name it published (none without mDNS)") {
    TempDir dir;
    asio::io_context io;
    auto node = open_node(io, dir.path());
    node->start();
    ControlServer server(io, *node, dir.path() / "test.sock");
    const json id = checked(server.handle({{"cmd", "id"}}, 1));
    CHECK(id.value("port", 0) == node->own().port);
    CHECK(id.value("port", 0) != 0);
    REQUIRE(id.contains("service"));
    CHECK(id["service"] == "");  // hallway doctor: "not published"
    node->stop("test over");
}

TEST_CASE("control: share_addresses reads and sets the setting, saved for the next start (§13)") {
    TempDir dir;
    asio::io_context io;
    auto node = open_node(io, dir.path());
    node->start();
    ControlServer server(io, *node, dir.path() / "test.sock");
    CHECK(checked(server.handle({{"cmd", "share_addresses"}}, 1))["share_addresses"] == "verified");
    CHECK(checked(server.handle({{"cmd", "id"}}, 1))["share_addresses"] == "verified");
    CHECK(checked(server.handle({{"cmd", "share_addresses"}, {"value", "off"}}, 1))["share_addresses"] == "off");
    const json bad = server.handle({{"cmd", "share_addresses"}, {"value", "everyone"}}, 1);
    CHECK_FALSE(bad.value("ok", true));
    CHECK(bad["code"] == "bad_request");
    CHECK(node->own().share_addresses == ShareAddresses::off);
    node->stop("test over");
    Settings saved;
    std::string message;
    REQUIRE(load_settings(dir.path(), saved, message));
    CHECK(saved.share_addresses == "off");
}

TEST_CASE("control: notifications reads and sets the setting, saved for the next start, OwnIdentity emitted") {
    TempDir dir;
    asio::io_context io;
    auto node = open_node(io, dir.path());
    std::vector<Notifications> told;
    node->subscribe([&](const Event& e) {
        if (auto* own = std::get_if<OwnIdentity>(&e)) told.push_back(own->notifications);
    });
    node->start();
    ControlServer server(io, *node, dir.path() / "test.sock");
    CHECK(checked(server.handle({{"cmd", "notifications"}}, 1))["notifications"] == "full");
    CHECK(checked(server.handle({{"cmd", "id"}}, 1))["notifications"] == "full");
    told.clear();
    CHECK(checked(server.handle({{"cmd", "notifications"}, {"value", "hidden"}}, 1))["notifications"] == "hidden");
    REQUIRE(!told.empty());
    CHECK(told.back() == Notifications::hidden);
    const json bad = server.handle({{"cmd", "notifications"}, {"value", "loud"}}, 1);
    CHECK_FALSE(bad.value("ok", true));
    CHECK(bad["code"] == "bad_request");
    CHECK(node->own().notifications == Notifications::hidden);
    CHECK(checked(server.handle({{"cmd", "notifications"}, {"value", "off"}}, 1))["notifications"] == "off");
    node->stop("test over");
    Settings saved;
    std::string message;
    REQUIRE(load_settings(dir.path(), saved, message));
    CHECK(saved.notifications == "off");
}

TEST_CASE("control: a node not yet started takes a trust decision") {
    TempDir dir;
    seed_store(dir.path(), [&](Store& s) {
        REQUIRE(s.touch_contact(peer_key(1), "bob", just_now_ms()) == StoreError::ok);
    });
    asio::io_context io;
    auto node = open_node(io, dir.path());
    node->set_trust(peer_key(1), Trust::verified);  // it used to reach for the transport start() makes
    const auto peers = node->peers();
    REQUIRE(peers.size() == 1);
    CHECK(peers[0].trust == Trust::verified);
}

TEST_CASE("control: file requests name what they may, and say what is wrong") {
    TempDir dir;
    seed_store(dir.path(), [&](Store& s) {
        REQUIRE(s.touch_contact(peer_key(1), "bob", just_now_ms()) == StoreError::ok);
        REQUIRE(s.touch_contact(peer_key(2), "carol", just_now_ms()) == StoreError::ok);
        REQUIRE(s.set_trust(peer_key(2), Trust::verified) == StoreError::ok);
    });
    asio::io_context io;
    auto node = open_node(io, dir.path());
    ControlServer server(io, *node, dir / "unused.sock");
    auto code = [&](const json& req) { return checked(server.handle(req, 1)).value("code", "ok"); };
    const json one_path = json::array({(dir / "a.txt").string()});

    // send_files: the paths first (an array of 1 to 1,024 absolute paths of at most 4,095 bytes), then the peer.
    CHECK(code({{"cmd", "send_files"}, {"peer", "bob"}}) == "bad_request");
    CHECK(code({{"cmd", "send_files"}, {"peer", "bob"}, {"paths", json::array()}}) == "bad_request");
    CHECK(code({{"cmd", "send_files"}, {"peer", "bob"}, {"paths", "/etc/hosts"}}) == "bad_request");
    CHECK(code({{"cmd", "send_files"}, {"peer", "bob"}, {"paths", json::array({42})}}) == "bad_request");
    CHECK(code({{"cmd", "send_files"}, {"peer", "bob"}, {"paths", json::array({"relative/a.txt"})}}) == "bad_request");
    CHECK(code({{"cmd", "send_files"}, {"peer", "bob"}, {"paths", json::array({std::string("/a\0b", 4)})}}) ==
          "bad_request");
    const std::string longest = "/" + std::string(kMaxSendPathBytes - 1, 'x');
    const json too_long = server.handle({{"cmd", "send_files"}, {"peer", "bob"}, {"paths", json::array({longest + "x"})}}, 1);
    CHECK(too_long.value("code", "") == "bad_request");
    CHECK(too_long.value("error", "").find("4095") != std::string::npos);
    const json too_many = server.handle(
        {{"cmd", "send_files"}, {"peer", "bob"}, {"paths", json(std::vector<std::string>(kMaxSendPaths + 1, "/a"))}}, 1);
    CHECK(too_many.value("code", "") == "bad_request");
    CHECK(too_many.value("error", "").find("1024") != std::string::npos);
    CHECK(code({{"cmd", "send_files"}, {"paths", one_path}}) == "bad_request");
    CHECK(code({{"cmd", "send_files"}, {"peer", "nobody"}, {"paths", one_path}}) == "no_peer");
    // Within the bounds, the node decides (bob is offline and never said he speaks files).
    CHECK(code({{"cmd", "send_files"}, {"peer", "bob"}, {"paths", json::array({longest})}}) == "refused");
    CHECK(code({{"cmd", "send_files"}, {"peer", "bob"}, {"paths", json(std::vector<std::string>(kMaxSendPaths, "/a"))}}) ==
          "refused");

    // transfers: none yet; a bad cursor.
    json list = checked(server.handle({{"cmd", "transfers"}}, 1));
    CHECK(list.value("ok", false));
    CHECK(list["transfers"] == json::array());
    CHECK_FALSE(list.value("more", true));
    CHECK(code({{"cmd", "transfers"}, {"offset", -1}}) == "bad_request");

    // A transfer id: present, a non-negative integer, one the node has.
    for (const char* cmd : {"accept", "decline", "cancel", "resume"}) {
        CAPTURE(cmd);
        CHECK(code({{"cmd", cmd}}) == "bad_request");
        CHECK(code({{"cmd", cmd}, {"id", "1"}}) == "bad_request");
        CHECK(code({{"cmd", cmd}, {"id", -1}}) == "bad_request");
        CHECK(code({{"cmd", cmd}, {"id", 1.5}}) == "bad_request");
        CHECK(code({{"cmd", cmd}, {"id", 7}}) == "no_transfer");
    }

    // auto_accept: a peer, a boolean, and only for a verified contact.
    CHECK(code({{"cmd", "auto_accept"}, {"on", true}}) == "bad_request");
    CHECK(code({{"cmd", "auto_accept"}, {"peer", "nobody"}, {"on", true}}) == "no_peer");
    CHECK(code({{"cmd", "auto_accept"}, {"peer", "bob"}}) == "bad_request");
    CHECK(code({{"cmd", "auto_accept"}, {"peer", "bob"}, {"on", "yes"}}) == "bad_request");
    CHECK(code({{"cmd", "auto_accept"}, {"peer", "bob"}, {"on", true}}) == "refused");
    CHECK(code({{"cmd", "auto_accept"}, {"peer", "carol"}, {"on", true}}) == "ok");
    std::map<std::string, bool> shown;
    const json peers = checked(server.handle({{"cmd", "peers"}}, 1));
    for (auto& p : peers["peers"]) shown[p.value("nick", "")] = p.value("auto_accept_files", false);
    CHECK_FALSE(shown["bob"]);
    CHECK(shown["carol"]);
}

TEST_CASE("control: a transfer's line stays bounded and valid whatever the peer named its files") {
    TransferView t;
    t.id = 9;
    t.peer = peer_key(1);
    t.peer_nick = "bob\xff";
    t.direction = Direction::in;
    t.state = TransferState::offered;
    // An offer's most entries with the longest relative paths, all escaping six-fold.
    for (std::size_t i = 0; i < files::kMaxEntries; ++i)
        t.files.push_back({std::string(files::kMaxRelativePath - 4, '\x01') + std::to_string(i), 1, false});
    t.reason = "\xc3(";
    const json j = transfer_json(t);
    const std::string line = dump_json(j);
    CHECK(line.size() < kMaxListedFilesJson + 4096);
    CHECK(j.value("file_count", 0u) == files::kMaxEntries);
    CHECK(j.value("files_more", false));
    REQUIRE(!j["files"].empty());
    CHECK(j["files"][0].value("path", "") == t.files[0].path);
    // Invalid UTF-8 from the peer is replaced, never thrown on.
    CHECK(json::parse(line)["nick"] == "bob\xef\xbf\xbd");
    // A short list is whole and says nothing more.
    t.files.resize(3);
    const json small = transfer_json(t);
    CHECK(small["files"].size() == 3);
    CHECK_FALSE(small.contains("files_more"));
}

TEST_CASE("control: read marks a conversation read, typing and read_receipts take booleans (§14)") {
    TempDir dir;
    const PeerKey bob = peer_key(1);
    seed_store(dir.path(), [&](Store& s) {
        REQUIRE(s.touch_contact(bob, "bob", just_now_ms()) == StoreError::ok);
        StoredMessage m;
        m.id[0] = 1;
        m.peer = bob;
        m.direction = Direction::in;
        m.body = "hi";
        m.sent_at_ms = m.received_at_ms = just_now_ms();
        m.state = MessageState::delivered;
        bool inserted = false;
        REQUIRE(s.add_incoming(m, inserted) == StoreError::ok);
    });
    asio::io_context io;
    auto node = open_node(io, dir.path());
    node->start();
    ControlServer server(io, *node, dir.path() / "test.sock");
    auto history = [&] { return checked(server.handle({{"cmd", "history"}, {"peer", "bob"}}, 1))["messages"]; };
    CHECK(history()[0]["read_at"] == 0);
    // The reply says the peer's kind: to a link-local XMPP buddy "sent" is final (§15).
    CHECK(checked(server.handle({{"cmd", "history"}, {"peer", "bob"}}, 1))["kind"] == "hallway");
    CHECK(checked(server.handle({{"cmd", "read"}, {"peer", "bob"}}, 1))["ok"] == true);
    CHECK(history()[0]["read_at"].get<std::int64_t>() > 0);
    CHECK(checked(server.handle({{"cmd", "read"}, {"peer", "nobody"}}, 1))["code"] == "no_peer");
    CHECK(checked(server.handle({{"cmd", "read"}}, 1))["code"] == "bad_request");
    // No session with bob: nothing is sent, and that is no error.
    CHECK(checked(server.handle({{"cmd", "typing"}, {"peer", "bob"}, {"on", true}}, 1))["ok"] == true);
    CHECK(checked(server.handle({{"cmd", "typing"}, {"peer", "bob"}, {"on", "yes"}}, 1))["code"] == "bad_request");
    CHECK(checked(server.handle({{"cmd", "peers"}}, 1))["peers"][0]["typing"] == false);

    CHECK(checked(server.handle({{"cmd", "read_receipts"}}, 1))["read_receipts"] == true);
    CHECK(checked(server.handle({{"cmd", "read_receipts"}, {"value", "off"}}, 1))["code"] == "bad_request");
    CHECK(checked(server.handle({{"cmd", "read_receipts"}, {"value", false}}, 1))["read_receipts"] == false);
    CHECK(checked(server.handle({{"cmd", "id"}}, 1))["read_receipts"] == false);
    CHECK_FALSE(node->own().read_receipts);
    node->stop("test over");
    Settings saved;
    std::string message;
    REQUIRE(load_settings(dir.path(), saved, message));
    CHECK_FALSE(saved.read_receipts);
}

TEST_CASE("control: a peer says its kind and whether it is encrypted, a link-local XMPP buddy its instance (§15)") {
    PeerView hallway_peer;
    hallway_peer.nick = "bob";
    hallway_peer.fingerprint = std::string(40, '1');
    const json h = peer_json(hallway_peer);
    CHECK(h["kind"] == "hallway");
    CHECK(h["encrypted"] == true);
    CHECK_FALSE(h.contains("instance"));

    PeerView xmpp;
    xmpp.kind = PeerKind::xmpp_link_local;
    xmpp.encrypted = false;
    xmpp.nick = "Carol";
    xmpp.instance = "carol@laptop";
    const json x = peer_json(xmpp);
    CHECK(x["kind"] == "xmpp-link-local");
    CHECK(x["encrypted"] == false);
    CHECK(x["instance"] == "carol@laptop");
    CHECK(x["id"] == "");
    CHECK(x["trust"] == "unverified");
    // Peer text: an instance that is not UTF-8 still makes a valid line.
    xmpp.instance = "bad\xff@host";
    CHECK(json::parse(dump_json(peer_json(xmpp)))["instance"] == "bad\xef\xbf\xbd@host");
}

TEST_CASE("control: bonjour reads and sets the link-local XMPP setting, saved, OwnIdentity emitted (§15)") {
    TempDir dir;
    asio::io_context io;
    auto node = open_node(io, dir.path());
    std::vector<bool> told;
    node->subscribe([&](const Event& e) {
        if (auto* own = std::get_if<OwnIdentity>(&e)) told.push_back(own->bonjour);
    });
    node->start();
    ControlServer server(io, *node, dir.path() / "test.sock");
    // Off by default: it is unencrypted.
    const json off = checked(server.handle({{"cmd", "bonjour"}}, 1));
    CHECK(off["bonjour"] == false);
    CHECK(off["link_local_name"] == "");
    const json id = checked(server.handle({{"cmd", "id"}}, 1));
    CHECK(id["bonjour"] == false);
    CHECK(id["link_local_name"] == "");
    CHECK(checked(server.handle({{"cmd", "bonjour"}, {"value", "on"}}, 1))["code"] == "bad_request");
    CHECK(checked(server.handle({{"cmd", "bonjour"}, {"value", 1}}, 1))["code"] == "bad_request");
    CHECK_FALSE(node->own().bonjour);
    told.clear();
    CHECK(checked(server.handle({{"cmd", "bonjour"}, {"value", true}}, 1))["bonjour"] == true);
    REQUIRE(!told.empty());
    CHECK(told.back());
    CHECK(checked(server.handle({{"cmd", "id"}}, 1))["bonjour"] == true);
    node->stop("test over");
    Settings saved;
    std::string message;
    REQUIRE(load_settings(dir.path(), saved, message));
    CHECK(saved.bonjour);
}
