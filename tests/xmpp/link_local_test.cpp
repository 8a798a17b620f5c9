// xmpp/link_local: the Asio shell on loopback (127.0.0.1, ephemeral ports; no
// mDNS): two instances talking, and raw TCP clients speaking libpurple's bytes.
#include "xmpp/link_local.hpp"
#include "xmpp/limits.hpp"
#include "tests/support/run_until.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace hallway::xmpp;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

using hallway::test_io::run_until;

const std::string kAlice = "alice@h1";
const std::string kBob = "bob@h2";

// libpurple 2.14 bonjour, byte for byte.
const std::string kPurpleHeader =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
    "<stream:stream xmlns=\"jabber:client\" xmlns:stream=\"http://etherx.jabber.org/streams\" "
    "from=\"alice@h1\" to=\"bob@h2\">";
const std::string kPurpleMessage =
    "<message to='bob@h2' from='alice@h1' type='chat'><body>hi &amp; bye</body>"
    "<html xmlns='http://www.w3.org/1999/xhtml'><body><font>hi &amp; bye</font></body></html>"
    "<x xmlns='jabber:x:event'><composing/></x></message>";

// One LinkLocal with everything its callbacks said.
struct Node {
    std::vector<std::string> opened;
    std::vector<std::pair<std::string, Message>> messages;
    std::vector<std::pair<std::string, NotSent>> not_sent;
    std::vector<std::pair<std::string, Ended>> ended;
    std::vector<std::string> logs;
    std::map<std::string, std::string> known;  // their from -> instance name we accept
    bool wait_for_unknown = false;             // the hook answers wait for an unknown from
    std::unique_ptr<LinkLocal> link;
    std::uint16_t port = 0;

    Node(asio::io_context& io, std::string name, std::chrono::milliseconds header_wait = kAcceptHeaderTimeout) {
        LinkLocalConfig config;
        config.our_name = name;
        config.port = 0;
        config.accept_header_timeout = header_wait;
        config.identify = [this, name](const std::optional<std::string>& from, const std::optional<std::string>&,
                                       const asio::ip::address& source) {
            if (from && known.count(*from) && source.is_loopback())
                return Identification{Identification::Verdict::accept, name, known[*from]};
            if (wait_for_unknown) return Identification{Identification::Verdict::wait, name, ""};
            return Identification{Identification::Verdict::unknown_peer, name, ""};
        };
        LinkLocalCallbacks cb;
        cb.on_opened = [this](const std::string& p) { opened.push_back(p); };
        cb.on_message = [this](const std::string& p, const Message& m) { messages.emplace_back(p, m); };
        cb.on_not_sent = [this](const std::string& p, const NotSent& n) { not_sent.emplace_back(p, n); };
        cb.on_ended = [this](const std::string& p, const Ended& e) { ended.emplace_back(p, e); };
        cb.on_log = [this](std::string_view line) { logs.emplace_back(line); };
        link = std::make_unique<LinkLocal>(io, std::move(config), std::move(cb));
        port = link->listen();
    }

    std::vector<tcp::endpoint> endpoints() const { return {tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)}; }
};

OutgoingMessage text(std::string id, std::string body) {
    OutgoingMessage m;
    m.id = std::move(id);
    m.text = std::move(body);
    return m;
}

// A raw TCP client: writes what the test says, collects everything it reads.
struct RawClient {
    tcp::socket socket;
    std::string received;
    bool eof = false;
    std::array<char, 4096> buffer{};

    RawClient(asio::io_context& io, std::uint16_t port, const std::string& from_address = "127.0.0.1") : socket(io) {
        socket.open(tcp::v4());
        socket.bind(tcp::endpoint(asio::ip::make_address(from_address), 0));
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        read();
    }
    void read() {
        socket.async_read_some(asio::buffer(buffer), [this](std::error_code ec, std::size_t n) {
            if (ec) {
                eof = true;
                return;
            }
            received.append(buffer.data(), n);
            read();
        });
    }
    void write(const std::string& bytes) { asio::write(socket, asio::buffer(bytes)); }
    bool got(const std::string& s) const { return received.find(s) != std::string::npos; }
};

}  // namespace

TEST_CASE("link_local: two instances exchange a message each way over one stream") {
    asio::io_context io;
    Node alice(io, kAlice);
    Node bob(io, kBob);
    alice.known[kBob] = kBob;
    bob.known[kAlice] = kAlice;

    alice.link->send(kBob, bob.endpoints(), text("hw-1", "hello <bob> & ]]>"));
    REQUIRE(run_until(io, [&] { return !bob.messages.empty(); }));
    CHECK(bob.messages[0].first == kAlice);
    CHECK(bob.messages[0].second.body == "hello <bob> & ]]>");

    // No endpoints: only the stream alice dialed can carry the reply.
    bob.link->send(kAlice, {}, text("hw-2", "hi alice"));
    REQUIRE(run_until(io, [&] { return !alice.messages.empty(); }));
    CHECK(alice.messages[0].first == kBob);
    CHECK(alice.messages[0].second.body == "hi alice");
    CHECK(bob.not_sent.empty());
    CHECK(alice.link->dialed_count() == 1);
    CHECK(bob.link->dialed_count() == 0);
    CHECK(alice.link->accepted_count() == 0);
    CHECK(bob.link->accepted_count() == 1);

    // A second message from alice reuses the stream as well.
    alice.link->send(kBob, bob.endpoints(), text("hw-3", "again"));
    REQUIRE(run_until(io, [&] { return bob.messages.size() == 2; }));
    CHECK(alice.link->dialed_count() == 1);

    alice.link->stop();
    bob.link->stop();
    REQUIRE(run_until(io, [&] { return alice.link->stream_count() == 0 && bob.link->stream_count() == 0; }));
    REQUIRE(alice.ended.size() == 1);
    CHECK(alice.ended[0].second.reason == EndReason::local_close);
}

TEST_CASE("link_local: a message to a name with no stream and no endpoints is not sent") {
    asio::io_context io;
    Node alice(io, kAlice);
    alice.link->send(kBob, {}, text("hw-1", "nobody"));
    CHECK(alice.not_sent.empty());  // reported from the loop, not from inside send()
    REQUIRE(run_until(io, [&] { return !alice.not_sent.empty(); }));
    CHECK(alice.not_sent[0].first == kBob);
    CHECK(alice.not_sent[0].second.id == "hw-1");
}

TEST_CASE("link_local: a refused dial gives the message back and ends closed before header") {
    asio::io_context io;
    Node alice(io, kAlice);
    // A port nobody listens on: bind one, note it, close it.
    std::uint16_t dead_port = 0;
    {
        tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        dead_port = a.local_endpoint().port();
    }
    alice.link->send(kBob, {tcp::endpoint(asio::ip::make_address("127.0.0.1"), dead_port)}, text("hw-9", "x"));
    REQUIRE(run_until(io, [&] { return !alice.ended.empty(); }));
    REQUIRE(alice.not_sent.size() == 1);
    CHECK(alice.not_sent[0].second.id == "hw-9");
    CHECK(alice.ended[0].second.reason == EndReason::closed_before_header);
    CHECK(alice.link->stream_count() == 0);
}

TEST_CASE("link_local: a dial tries the endpoints in order") {
    asio::io_context io;
    Node alice(io, kAlice);
    Node bob(io, kBob);
    bob.known[kAlice] = kAlice;
    std::uint16_t dead_port = 0;
    {
        tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        dead_port = a.local_endpoint().port();
    }
    std::vector<tcp::endpoint> endpoints{tcp::endpoint(asio::ip::make_address("127.0.0.1"), dead_port)};
    endpoints.push_back(bob.endpoints()[0]);
    alice.link->send(kBob, endpoints, text("hw-1", "second address"));
    REQUIRE(run_until(io, [&] { return !bob.messages.empty(); }));
    CHECK(bob.messages[0].second.body == "second address");
    CHECK(alice.not_sent.empty());
    CHECK(alice.ended.empty());
}

TEST_CASE("link_local: libpurple's exact bytes get our header back and the message delivered") {
    asio::io_context io;
    Node bob(io, kBob);
    bob.known[kAlice] = kAlice;
    RawClient purple(io, bob.port);
    purple.write(kPurpleHeader);
    REQUIRE(run_until(io, [&] { return purple.got("<stream:stream"); }));
    CHECK(purple.got("from='bob@h2'"));
    CHECK(purple.got("to='alice@h1'"));
    purple.write(kPurpleMessage);
    REQUIRE(run_until(io, [&] { return !bob.messages.empty(); }));
    CHECK(bob.messages[0].first == kAlice);
    CHECK(bob.messages[0].second.body == "hi & bye");
    REQUIRE(bob.opened.size() == 1);
    CHECK(bob.opened[0] == kAlice);

    // The stream it opened carries our reply: no dial.
    bob.link->send(kAlice, {}, text("hw-1", "hello pidgin"));
    REQUIRE(run_until(io, [&] { return purple.got("hello pidgin"); }));
    CHECK(bob.link->dialed_count() == 0);

    purple.write("</stream:stream>");
    REQUIRE(run_until(io, [&] { return purple.eof; }));
    CHECK(purple.got("</stream:stream>"));
    REQUIRE(bob.ended.size() == 1);
    CHECK(bob.ended[0].second.reason == EndReason::remote_close);
}

TEST_CASE("link_local: a message split in tiny reads without '>' is fed once one comes") {
    asio::io_context io;
    Node bob(io, kBob);
    bob.known[kAlice] = kAlice;
    RawClient purple(io, bob.port);
    purple.write(kPurpleHeader);
    REQUIRE(run_until(io, [&] { return purple.got("<stream:stream"); }));
    for (char ch : kPurpleMessage) {
        purple.write(std::string(1, ch));
        io.restart();
        io.run_for(1ms);
    }
    REQUIRE(run_until(io, [&] { return !bob.messages.empty(); }));
    CHECK(bob.messages[0].second.body == "hi & bye");
}

TEST_CASE("link_local: an unknown from gets invalid-from and a close") {
    asio::io_context io;
    Node bob(io, kBob);  // knows nobody
    RawClient purple(io, bob.port);
    purple.write(kPurpleHeader);
    REQUIRE(run_until(io, [&] { return purple.eof; }));
    CHECK(purple.got("<stream:stream"));
    CHECK(purple.got("<invalid-from xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"));
    CHECK(purple.got("</stream:stream>"));
    CHECK(bob.messages.empty());
    CHECK(bob.opened.empty());
}

TEST_CASE("link_local: a header held for discovery opens once discovery_changed() says it knows them") {
    asio::io_context io;
    Node bob(io, kBob);
    bob.wait_for_unknown = true;
    RawClient purple(io, bob.port);
    purple.write(kPurpleHeader);
    REQUIRE(run_until(io, [&] { return bob.link->accepted_count() == 1; }));
    io.restart();
    io.run_for(20ms);
    CHECK(purple.received.empty());  // no header of ours while identifying
    CHECK(bob.opened.empty());
    bob.known[kAlice] = kAlice;
    bob.link->discovery_changed();
    CHECK(bob.opened.empty());  // from the loop, not from inside the call
    REQUIRE(run_until(io, [&] { return !bob.opened.empty(); }));
    CHECK(bob.opened[0] == kAlice);
    REQUIRE(run_until(io, [&] { return purple.got("to='alice@h1'"); }));
    CHECK_FALSE(purple.got("invalid-from"));
}

TEST_CASE("link_local: a client that sends nothing is closed after the header wait") {
    asio::io_context io;
    Node bob(io, kBob, 200ms);  // tests only: kAcceptHeaderTimeout is 10 s
    RawClient silent(io, bob.port);
    REQUIRE(run_until(io, [&] { return silent.eof; }));
    CHECK(silent.received.empty());  // nothing sent before their header
    CHECK(run_until(io, [&] { return bob.link->stream_count() == 0; }));
}

TEST_CASE("link_local: pending streams are limited per source and in total") {
    asio::io_context io;
    Node bob(io, kBob);
    std::vector<std::unique_ptr<RawClient>> clients;
    for (std::size_t i = 0; i < kMaxPendingStreamsPerSource; ++i)
        clients.push_back(std::make_unique<RawClient>(io, bob.port, "127.0.0.1"));
    REQUIRE(run_until(io, [&] { return bob.link->accepted_count() == kMaxPendingStreamsPerSource; }));
    RawClient one_more(io, bob.port, "127.0.0.1");
    REQUIRE(run_until(io, [&] { return one_more.eof; }));
    CHECK(bob.link->accepted_count() == kMaxPendingStreamsPerSource);
    for (const auto& c : clients) CHECK_FALSE(c->eof);

    // Other sources (127.0.0.0/8 is all loopback) fill the total.
    for (std::size_t source = 2; clients.size() < kMaxPendingStreams; ++source)
        for (std::size_t i = 0; i < kMaxPendingStreamsPerSource && clients.size() < kMaxPendingStreams; ++i)
            clients.push_back(std::make_unique<RawClient>(io, bob.port, "127.0.0." + std::to_string(source)));
    REQUIRE(run_until(io, [&] { return bob.link->accepted_count() == kMaxPendingStreams; }));
    RawClient over_total(io, bob.port, "127.0.0.200");
    REQUIRE(run_until(io, [&] { return over_total.eof; }));
    CHECK(bob.link->accepted_count() == kMaxPendingStreams);

    // An identified stream is no longer pending: its source may open another.
    bob.known[kAlice] = kAlice;
    clients[0]->write(kPurpleHeader);
    REQUIRE(run_until(io, [&] { return !bob.opened.empty(); }));
    RawClient after(io, bob.port, "127.0.0.1");
    REQUIRE(run_until(io, [&] { return bob.link->accepted_count() == kMaxPendingStreams + 1; }));
    io.restart();
    io.run_for(20ms);
    CHECK_FALSE(after.eof);
}

TEST_CASE("link_local: streams from one source are rate-limited, other sources are not") {
    asio::io_context io;
    Node bob(io, kBob);
    const auto start = std::chrono::steady_clock::now();
    // Each stream closes before the next opens, so only the rate can refuse one.
    std::size_t accepted = 0;
    bool refused = false;
    for (std::size_t i = 0; i < 10 * kStreamBurstPerSource && !refused; ++i) {
        RawClient c(io, bob.port, "127.0.0.1");
        REQUIRE(run_until(io, [&] { return c.eof || bob.link->accepted_count() > accepted; }));
        if (bob.link->accepted_count() == accepted) {
            refused = true;  // closed without being taken
            break;
        }
        accepted = bob.link->accepted_count();
        c.socket.close();
        REQUIRE(run_until(io, [&] { return bob.link->stream_count() == 0; }));
    }
    CHECK(refused);
    // The burst, plus what refilled while the loop ran (it may run slowly).
    const auto elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(accepted >= kStreamBurstPerSource);
    CHECK(accepted <= kStreamBurstPerSource + static_cast<std::size_t>(elapsed_s * kStreamsPerSecondPerSource) + 1);
    CHECK(bob.logs.back().find("too many streams from it") != std::string::npos);
    // Another address has a bucket of its own.
    RawClient other(io, bob.port, "127.0.0.2");
    REQUIRE(run_until(io, [&] { return other.eof || bob.link->accepted_count() > accepted; }));
    CHECK(bob.link->accepted_count() == accepted + 1);
}

TEST_CASE("link_local: stop() closes open streams with </stream:stream>") {
    asio::io_context io;
    Node bob(io, kBob);
    bob.known[kAlice] = kAlice;
    RawClient purple(io, bob.port);
    purple.write(kPurpleHeader);
    REQUIRE(run_until(io, [&] { return !bob.opened.empty(); }));
    const std::size_t before = purple.received.size();
    bob.link->stop();
    REQUIRE(run_until(io, [&] { return purple.received.find("</stream:stream>", before) != std::string::npos; }));
    purple.write("</stream:stream>");  // libpurple answers
    REQUIRE(run_until(io, [&] { return purple.eof; }));
    REQUIRE(bob.ended.size() == 1);
    CHECK(bob.ended[0].second.reason == EndReason::local_close);
    CHECK(run_until(io, [&] { return bob.link->stream_count() == 0; }));
}

TEST_CASE("link_local: a taken port falls back to a free one") {
    asio::io_context io;
    // Held the way our listener binds (dual-stack), so the conflict is real on both families.
    tcp::acceptor holder(io);
    holder.open(tcp::v6());
    holder.set_option(asio::ip::v6_only(false));
    holder.bind(tcp::endpoint(asio::ip::address_v6::any(), 0));
    holder.listen();
    const std::uint16_t taken = holder.local_endpoint().port();

    LinkLocalConfig config;
    config.our_name = kBob;
    config.port = taken;
    std::vector<std::string> logs;
    LinkLocalCallbacks cb;
    cb.on_log = [&](std::string_view line) { logs.emplace_back(line); };
    LinkLocal link(io, config, cb);
    const std::uint16_t bound = link.listen();
    CHECK(bound != 0);
    CHECK(bound != taken);
    CHECK_FALSE(logs.empty());
}
