// xmpp/presence_txt: what we publish in our _presence._tcp TXT record (and
// nothing more), and how a peer's record (libpurple's above all) is read.
#include "xmpp/limits.hpp"
#include "xmpp/presence_txt.hpp"

#include <doctest/doctest.h>

using namespace hallway::xmpp;

namespace {

using Strings = std::vector<std::string>;

// Every byte after a cut must start a character: no stray continuation byte at the end.
bool ends_on_char_boundary(const std::string& s) {
    std::size_t i = s.size();
    std::size_t continuation = 0;
    while (i > 0 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) --i, ++continuation;
    if (i == 0) return continuation == 0;
    const auto lead = static_cast<unsigned char>(s[i - 1]);
    const std::size_t len = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    return continuation == len - 1;
}

// libpurple 2.14.12's record, captured on the virtual LAN (Away with a message).
const Strings kLibpurpleTxt = {"txtvers=1",     "1st=root",           "last=",     "port.p2pj=5298", "status=dnd",
                               "msg=gone fishing", "node=libpurple", "ver=2.14.12", "vc=!"};

}  // namespace

TEST_CASE("presence_txt: build_txt writes txtvers first, then port, status, msg, nick, and nothing else") {
    CHECK(build_txt({Presence::available, "", ""}, 5298) == Strings{"txtvers=1", "port.p2pj=5298", "status=avail"});
    CHECK(build_txt({Presence::away, "lunch", ""}, 1) ==
          Strings{"txtvers=1", "port.p2pj=1", "status=away", "msg=lunch"});
    CHECK(build_txt({Presence::busy, "", "Zoë"}, 65535) ==
          Strings{"txtvers=1", "port.p2pj=65535", "status=dnd", "nick=Zoë"});
    CHECK(build_txt({Presence::busy, "in a call", "Zoë Smith"}, 5298) ==
          Strings{"txtvers=1", "port.p2pj=5298", "status=dnd", "msg=in a call", "nick=Zoë Smith"});
    // Our own text is cleaned like a peer's: no controls, no invalid UTF-8 on the wire.
    CHECK(build_txt({Presence::available, "a\nb\x01" "c\xFF", ""}, 5298).back() == "msg=abc\xEF\xBF\xBD");
}

TEST_CASE("presence_txt: long msg and nick are cut to 255-byte strings on a character boundary") {
    // "é" is 2 bytes: "msg=" + 1 + 125*2 = 255 exactly, so a 2-byte char straddles nothing;
    // with 2 leading bytes it would end at byte 256, so it must drop to 254.
    std::string two_byte_edge = "ab";
    for (int i = 0; i < 200; ++i) two_byte_edge += "é";
    std::string four_byte_edge = "x";
    for (int i = 0; i < 100; ++i) four_byte_edge += "😀";  // 4 bytes each
    const auto txt = build_txt({Presence::available, two_byte_edge, four_byte_edge}, 5298);
    REQUIRE(txt.size() == 5);
    const std::string& msg = txt[3];
    const std::string& nick = txt[4];
    CHECK(msg.starts_with("msg=ab"));
    CHECK(msg.size() == 254);  // 255 would split an "é"
    CHECK(ends_on_char_boundary(msg));
    CHECK(nick.starts_with("nick=x"));
    CHECK(nick.size() == 5 + 1 + 62 * 4);  // 254: the 63rd emoji would end at 258
    CHECK(ends_on_char_boundary(nick));
    for (const auto& s : txt) CHECK(s.size() <= kMaxTxtStringBytes);

    // A value that fits exactly is kept whole.
    const std::string exact(kMaxTxtStringBytes - 4, 'm');
    CHECK(build_txt({Presence::available, exact, ""}, 5298)[3].size() == kMaxTxtStringBytes);
}

TEST_CASE("presence_txt: libpurple 2.14.12's real record reads as away, its message, named by 1st") {
    const PeerPresence peer = parse_txt(kLibpurpleTxt);
    CHECK(peer.status == Presence::away);  // libpurple's Away is published as dnd
    CHECK(peer.message == "gone fishing");
    CHECK(peer.nick.empty());
    CHECK(peer.first == "root");
    CHECK(peer.last.empty());
    CHECK(peer.libpurple);
    CHECK(peer.port_p2pj == std::optional<std::uint16_t>(5298));
    CHECK(display_name(peer, "root@debian") == "root");
}

TEST_CASE("presence_txt: status mapping: dnd is busy except from libpurple, unknown or absent is available") {
    CHECK(parse_txt({"status=avail"}).status == Presence::available);
    CHECK(parse_txt({"status=away"}).status == Presence::away);
    CHECK(parse_txt({"status=dnd"}).status == Presence::busy);
    CHECK(parse_txt({"status=dnd", "node=other"}).status == Presence::busy);
    CHECK(parse_txt({"node=libpurple", "status=dnd"}).status == Presence::away);
    CHECK(parse_txt({"status=away", "node=libpurple"}).status == Presence::away);
    CHECK(parse_txt({"status=sleeping"}).status == Presence::available);
    CHECK(parse_txt({"status="}).status == Presence::available);
    CHECK(parse_txt({"txtvers=1"}).status == Presence::available);
}

TEST_CASE("presence_txt: an empty record is an available peer with nothing else") {
    CHECK(parse_txt({}) == PeerPresence{});
    CHECK(parse_txt({""}) == PeerPresence{});  // XEP-0174 allows a single empty string
    CHECK(display_name(parse_txt({}), "juliet@pronto") == "juliet");
}

TEST_CASE("presence_txt: duplicate keys: the first wins (a boolean one too), keys are case-insensitive") {
    CHECK(parse_txt({"msg=first", "msg=second"}).message == "first");
    CHECK(parse_txt({"status=away", "status=dnd"}).status == Presence::away);
    CHECK(parse_txt({"MSG=upper", "msg=lower"}).message == "upper");
    const PeerPresence upper = parse_txt({"STATUS=DND", "Nick=Bob", "1ST=Ann", "LAST=Lee", "NODE=libpurple"});
    CHECK(upper.status == Presence::away);
    CHECK(upper.nick == "Bob");
    CHECK(upper.first == "Ann");
    CHECK(upper.last == "Lee");
    CHECK(upper.libpurple);
    // A key without '=' is a boolean: it claims the key (RFC 6763 §6.4) and carries nothing.
    CHECK(parse_txt({"msg", "msg=later"}).message.empty());
    CHECK(parse_txt({"node", "node=libpurple"}).libpurple == false);
    // An empty key is no key.
    CHECK(parse_txt({"=x", "msg=y"}).message == "y");
}

TEST_CASE("presence_txt: a 255-byte value: msg kept whole, nick cut to 64 bytes on a boundary") {
    const std::string msg(255, 'a');
    CHECK(parse_txt({"msg=" + msg}).message == msg);
    std::string nick = "n";
    for (int i = 0; i < 127; ++i) nick += "é";  // 255 bytes, "é" straddles byte 64
    REQUIRE(nick.size() == 255);
    const std::string parsed = parse_txt({"nick=" + nick}).nick;
    CHECK(parsed.size() == 63);
    CHECK(ends_on_char_boundary(parsed));
    CHECK(parse_txt({"msg=" + std::string(300, 'b')}).message.size() == kMaxPresenceMessageBytes);
    CHECK(parse_txt({"1st=" + std::string(100, 'c')}).first.size() == kMaxPresenceNameBytes);
}

TEST_CASE("presence_txt: invalid UTF-8 becomes U+FFFD and control characters are removed") {
    using namespace std::string_literals;  // the NUL below must stay in the string
    const PeerPresence peer = parse_txt({"msg=ok\xC3(\xFF\r\n\x1B[31mred\x7F"s, "nick=B\xE2\x80\xAEob\x00x\xF0\x9F\x98"s});
    CHECK(peer.message == "ok\xEF\xBF\xBD(\xEF\xBF\xBD[31mred");
    // The bidi override is removed; the embedded NUL is a control; the truncated emoji becomes U+FFFD.
    CHECK(peer.nick == std::string("Bob") + "x\xEF\xBF\xBD");
    // Overlong and surrogate encodings are invalid too.
    CHECK(parse_txt({"msg=\xC0\xAF\xED\xA0\x80"}).message ==
          "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("presence_txt: display_name: nick, else '1st last' trimmed, else the instance's user part") {
    CHECK(display_name(parse_txt({"nick=Bobby", "1st=Robert", "last=Smith"}), "bob@host") == "Bobby");
    CHECK(display_name(parse_txt({"1st=Robert", "last=Smith"}), "bob@host") == "Robert Smith");
    CHECK(display_name(parse_txt({"1st=", "last=Smith"}), "bob@host") == "Smith");
    CHECK(display_name(parse_txt({"1st= ", "last= "}), "bob@host") == "bob");
    CHECK(display_name(parse_txt({}), "a@b@host") == "a@b");
    CHECK(display_name(parse_txt({}), "no-at-sign") == "no-at-sign");
}

TEST_CASE("presence_txt: instance_user keeps [A-Za-z0-9._-], spaces become '-', at most 32 bytes") {
    CHECK(instance_user("Zoë Smith!") == "Zo-Smith");
    CHECK(instance_user("") == "hallway");
    CHECK(instance_user("ëëë!!") == "hallway");
    CHECK(instance_user(" Bob ") == "Bob");
    CHECK(instance_user("..-x-..") == "x");
    CHECK(instance_user("a@b") == "ab");
    CHECK(instance_user("first.last_1-2") == "first.last_1-2");
    const std::string hundred(100, 'q');
    CHECK(instance_user(hundred) == std::string(kMaxInstanceUserBytes, 'q'));
    // A cut that ends on '-' is trimmed again.
    CHECK(instance_user(std::string(31, 'a') + " b") == std::string(31, 'a'));
}

TEST_CASE("presence_txt: instance_name and split_instance (at the last '@', ASCII host)") {
    CHECK(instance_name("zoe", "pronto") == "zoe@pronto");
    CHECK(split_instance("zoe@pronto") == InstanceName{"zoe", "pronto"});
    CHECK(split_instance("a@b@host") == InstanceName{"a@b", "host"});
    CHECK(split_instance("Zoë@pronto") == InstanceName{"Zoë", "pronto"});  // the user part may be UTF-8
    const auto round = split_instance(instance_name(instance_user("Zoë Smith!"), "pc-1.local"));
    CHECK(round == InstanceName{"Zo-Smith", "pc-1.local"});
    CHECK_FALSE(split_instance("zoe@prontö"));
    CHECK_FALSE(split_instance("zoe@pro nto"));
    CHECK_FALSE(split_instance("zoe"));
    CHECK_FALSE(split_instance("@host"));
    CHECK_FALSE(split_instance("zoe@"));
    CHECK_FALSE(split_instance(""));
}
