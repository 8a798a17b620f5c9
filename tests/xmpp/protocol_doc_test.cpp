// Checks docs/PROTOCOL.md §15.8's worked example against the code: Hallway's two
// blocks are what stream_header() and chat_message() write, byte for byte
// (HALLWAY_REGENERATE_PROTOCOL=1 rewrites them in place), and libpurple's two
// blocks read the way the prose says; and §7's XMPP rows state xmpp/'s limits.
#include "stream_test_support.hpp"
#include "xmpp/limits.hpp"
#include "xmpp/link_local.hpp"
#include "xmpp/stanzas.hpp"

#include "tests/support/protocol_doc.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

using namespace hallway::xmpp;
using namespace hallway::xmpp::test;
namespace test_doc = hallway::test_doc;

namespace {

const std::string kNasty = "<b> & \xC3\xA9\xE2\x9C\x93 ]]>";  // <b> & é✓ ]]>, as Alice typed it

// A block's bytes without the line break that ends it before the closing fence
// (§15.8: the only other LF in these blocks is the one after libpurple's `?>`).
std::string block(const std::string& doc, const std::string& label) {
    const auto blocks = test_doc::find_blocks(doc);
    INFO("block example-" << label);
    REQUIRE(blocks.count(label) == 1);
    const auto [begin, end] = blocks.at(label);
    std::string text = doc.substr(begin, end - begin);
    REQUIRE(!text.empty());
    REQUIRE(text.back() == '\n');
    text.pop_back();
    return text;
}

// Hallway's blocks, from the code with the fields §15.8 names.
std::map<std::string, std::string> generate() {
    OutgoingMessage m;
    m.from = "bob@h2";
    m.to = "alice@h1";
    m.id = "hw-1f";
    m.text = kNasty;
    m.libpurple_html = true;  // Alice's TXT has node=libpurple
    m.chat_state = ChatState::Active;
    m.request_receipt = false;
    return {{"xmpp-hallway-header", stream_header("bob@h2", "alice@h1")}, {"xmpp-hallway-message", chat_message(m)}};
}

std::string attribute(const StreamOpened& opened, const std::string& name) {
    for (const auto& a : opened.attributes)
        if (a.ns.empty() && a.name == name) return a.value;
    return {};
}

std::string n(std::size_t v) { return std::to_string(v); }
std::string s_of(std::chrono::milliseconds ms) { return n(static_cast<std::size_t>(ms.count() / 1000)) + " s"; }

}  // namespace

TEST_CASE("protocol doc: §7's XMPP rows are the limits xmpp/ enforces") {
    const std::string doc = test_doc::read_protocol_doc();
    REQUIRE_FALSE(doc.empty());
    const auto has = [&](const std::string& row, const std::string& value) {
        INFO(row << " should hold " << value);
        CHECK(test_doc::table_row(doc, row).find("| " + value) != std::string::npos);
    };
    has("XMPP stream header", n(kMaxHeaderBytes) + " bytes");
    has("XMPP stanza (", n(kMaxStanzaBytes) + " bytes");
    has("XMPP element depth", n(kMaxDepth));
    has("XMPP attributes per element", n(kMaxAttributes));
    has("XMPP local name", n(kMaxNameBytes) + " bytes");
    has("XMPP attribute value", n(kMaxAttributeValueBytes) + " bytes");
    has("XMPP `<body>` text", n(kMaxBodyBytes) + " bytes");
    has("XMPP parser memory per stream", n(kMaxParserMemory / (1024 * 1024)) + " MiB");
    has("XMPP queued outgoing bytes per stream", n(kMaxQueuedBytes / (1024 * 1024)) + " MiB");
    has("XMPP stanzas per stream", "burst of " + n(kStanzaBurst) + ", then " + n(kStanzasPerSecond) + " per second");
    has("XMPP streams without the peer's header yet / established",
        n(kMaxPendingStreams) + " total and " + n(kMaxPendingStreamsPerSource) + " per source address / " +
            n(kMaxEstablishedStreams));
    has("XMPP streams accepted per source address", "burst of " + n(kStreamBurstPerSource) + ", then " +
                                                        n(kStreamsPerSecondPerSource) + " per second, " +
                                                        n(kMaxRateTrackedSources) + " sources tracked");
    has("XMPP wait for the peer's header: as responder / as initiator",
        s_of(kAcceptHeaderTimeout) + " / " + s_of(kDialHeaderTimeout));
    has("XMPP TCP connect", s_of(kConnectTimeout));
    has("XMPP wait for discovery to see an unknown `from`", s_of(kIdentifyWait) + ", " + n(kMaxHeldBytes) + " bytes");
    has("XMPP idle stream", s_of(kIdleStreamTimeout));
    has("XMPP linger", s_of(kLingerTimeout));
    has("XEP-0174 TXT string we publish", n(kMaxTxtStringBytes) + " bytes");
    has("XEP-0174 peer `msg` / `nick`, `1st`, `last`",
        n(kMaxPresenceMessageBytes) + " / " + n(kMaxPresenceNickBytes) + " bytes");
    has("XEP-0174 user part of our instance name", n(kMaxInstanceUserBytes) + " bytes");
    CHECK(kMaxPresenceNameBytes == kMaxPresenceNickBytes);  // `1st`, `last` share the nick's row
}

TEST_CASE("protocol doc: §15.8's Hallway header and message are the bytes the code writes") {
    const auto generated = generate();
    std::string doc = test_doc::read_protocol_doc();
    REQUIRE_FALSE(doc.empty());
    if (std::getenv("HALLWAY_REGENERATE_PROTOCOL")) {
        // Back to front so earlier offsets stay valid.
        const auto blocks = test_doc::find_blocks(doc);
        std::vector<std::pair<std::size_t, std::pair<std::size_t, std::string>>> edits;
        for (const auto& [label, range] : blocks)
            if (generated.count(label)) edits.push_back({range.first, {range.second, generated.at(label) + "\n"}});
        std::sort(edits.rbegin(), edits.rend());
        for (const auto& [begin, rest] : edits) doc.replace(begin, rest.first - begin, rest.second);
        std::ofstream(test_doc::kProtocolDocPath) << doc;
        MESSAGE("rewrote " << test_doc::kProtocolDocPath);
    }
    for (const auto& entry : generated) {  // not a structured binding: clang 14 cannot capture one in INFO
        INFO("block example-" << entry.first);
        CHECK(block(doc, entry.first) == entry.second);
    }
}

TEST_CASE("protocol doc: §15.8's libpurple header and message read as the prose says") {
    const std::string doc = test_doc::read_protocol_doc();
    REQUIRE_FALSE(doc.empty());
    const std::string header = block(doc, "xmpp-libpurple-header");
    const std::string message = block(doc, "xmpp-libpurple-message");
    // One LF, after `?>`, and no other (the prose says so; libpurple sends it).
    CHECK(std::count(header.begin(), header.end(), '\n') == 1);
    CHECK(header.find("?>\n<stream:stream ") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);

    const std::string input = header + message;
    const auto events = feed_whole(input);
    CHECK(feed_bytewise(input) == events);  // the reader does not depend on how bytes arrive
    REQUIRE(events.size() == 2);
    REQUIRE(std::holds_alternative<StreamOpened>(events[0]));
    const auto& opened = std::get<StreamOpened>(events[0]);
    CHECK(attribute(opened, "from") == "alice@h1");
    CHECK(attribute(opened, "to") == "bob@h2");
    REQUIRE(std::holds_alternative<Stanza>(events[1]));

    const auto read = read_stanza(std::get<Stanza>(events[1]).element);
    REQUIRE(std::holds_alternative<IncomingMessage>(read));
    const auto& got = std::get<IncomingMessage>(read);
    CHECK(got.from == "alice@h1");
    CHECK(got.to == "bob@h2");
    CHECK(got.id.empty());
    CHECK(got.type == "chat");
    CHECK(got.body == std::optional<std::string>(kNasty));
    CHECK(!got.chat_state.has_value());
    CHECK(!got.event_typing.has_value());  // the <x> has no <id/>: a request for events, not typing
    CHECK(!got.receipt_requested);
    CHECK(!got.receipt_for.has_value());
}

TEST_CASE("protocol doc: §15.8's Hallway message reads back as the text Alice typed") {
    const std::string doc = test_doc::read_protocol_doc();
    REQUIRE_FALSE(doc.empty());
    // Bob's stanza as Alice's side of the stream would parse it (behind a header to Alice).
    const auto events = feed_whole(stream_header("alice@h1", "bob@h2") + block(doc, "xmpp-hallway-message"));
    REQUIRE(events.size() == 2);
    REQUIRE(std::holds_alternative<Stanza>(events[1]));
    const auto read = read_stanza(std::get<Stanza>(events[1]).element);
    REQUIRE(std::holds_alternative<IncomingMessage>(read));
    const auto& got = std::get<IncomingMessage>(read);
    CHECK(got.from == "bob@h2");
    CHECK(got.to == "alice@h1");
    CHECK(got.id == "hw-1f");
    CHECK(got.type == "chat");
    CHECK(got.body == std::optional<std::string>(kNasty));
    CHECK(got.chat_state == std::optional<ChatState>(ChatState::Active));
    CHECK(!got.receipt_requested);
}
