// Links in message text: what is a link, where it ends, that nothing but
// http(s) ever is one, and that a hostile body costs one pass.
#include "gui/links.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace hallway::gui;

namespace {

// The links of body, as text.
std::vector<std::string> links_in(std::string_view body) {
    std::vector<std::string> out;
    for (const TextSpan& s : split_links(body))
        if (s.link) out.emplace_back(body.substr(s.begin, s.end - s.begin));
    return out;
}

using Links = std::vector<std::string>;

}  // namespace

TEST_CASE("links: spans cover the body exactly, text and links alternating") {
    CHECK(split_links("").empty());
    CHECK(split_links("no links here") == std::vector<TextSpan>{{0, 13, false}});
    const std::string body = "see https://example.org/a and http://b.test now";
    const auto spans = split_links(body);
    REQUIRE(spans.size() == 5);
    CHECK(spans[0] == TextSpan{0, 4, false});
    CHECK(spans[1] == TextSpan{4, 25, true});
    CHECK(spans[2] == TextSpan{25, 30, false});
    CHECK(spans[3] == TextSpan{30, 43, true});
    CHECK(spans[4] == TextSpan{43, body.size(), false});
    CHECK(split_links("http://x") == std::vector<TextSpan>{{0, 8, true}});
}

TEST_CASE("links: the link ends at a space, a line break or a delimiter") {
    CHECK(links_in("a https://x.org/p?q=1&r=2#frag b") == Links{"https://x.org/p?q=1&r=2#frag"});
    CHECK(links_in("https://a.b\nhttps://c.d") == Links{"https://a.b", "https://c.d"});
    CHECK(links_in("<https://a.b/x>") == Links{"https://a.b/x"});
    CHECK(links_in("\"https://a.b/x\"") == Links{"https://a.b/x"});
    CHECK(links_in("https://a.b/x\tnext") == Links{"https://a.b/x"});
    CHECK(links_in("https://a.b/x\xc2\xa0next") == Links{"https://a.b/x"});              // no-break space
    CHECK(links_in("https://a.b/x\xe3\x80\x82") == Links{"https://a.b/x"});              // ideographic full stop
    CHECK(links_in("https://a.b/\xc3\xbc" "ber") == Links{"https://a.b/\xc3\xbc" "ber"});  // non-ASCII path kept
}

TEST_CASE("links: trailing punctuation is the sentence's, not the link's") {
    CHECK(links_in("look: https://a.b/x.") == Links{"https://a.b/x"});
    CHECK(links_in("https://a.b/x, and") == Links{"https://a.b/x"});
    CHECK(links_in("really https://a.b/x?!") == Links{"https://a.b/x"});
    CHECK(links_in("'https://a.b/x'") == Links{"https://a.b/x"});
    CHECK(links_in("https://a.b/x.html") == Links{"https://a.b/x.html"});
    CHECK(links_in("https://a.b/x...") == Links{"https://a.b/x"});
}

TEST_CASE("links: a closing bracket is the link's only when it closes one opened in it") {
    CHECK(links_in("(see https://a.b/x)") == Links{"https://a.b/x"});
    CHECK(links_in("https://en.wikipedia.org/wiki/C_(language)") == Links{"https://en.wikipedia.org/wiki/C_(language)"});
    CHECK(links_in("(https://en.wikipedia.org/wiki/C_(language))") == Links{"https://en.wikipedia.org/wiki/C_(language)"});
    CHECK(links_in("(https://en.wikipedia.org/wiki/C_(language)).") == Links{"https://en.wikipedia.org/wiki/C_(language)"});
    CHECK(links_in("[https://a.b/x]") == Links{"https://a.b/x"});
    CHECK(links_in("https://a.b/x[1]") == Links{"https://a.b/x[1]"});
}

TEST_CASE("links: only http and https, any case, at a word start") {
    CHECK(links_in("HTTPS://A.B/X Http://c.d") == Links{"HTTPS://A.B/X", "Http://c.d"});
    CHECK(links_in("file:///etc/passwd").empty());
    CHECK(links_in("javascript:alert(1)").empty());
    CHECK(links_in("ftp://a.b mailto:x@y.z").empty());
    CHECK(links_in("xhttps://a.b").empty());     // inside a word
    CHECK(links_in("3http://a.b").empty());
    CHECK(links_in("(http://a.b").size() == 1);  // after punctuation it starts a link
    CHECK(links_in("http:/a.b https:a.b").empty());
}

TEST_CASE("links: a scheme with nothing after it is text") {
    CHECK(links_in("http://").empty());
    CHECK(links_in("http:// x").empty());
    CHECK(links_in("https://.").empty());
    CHECK(links_in("https://)").empty());
    CHECK(split_links("http://") == std::vector<TextSpan>{{0, 7, false}});
    CHECK(links_in("http://http://a.b") == Links{"http://http://a.b"});
}

TEST_CASE("links: only a whole link may be opened") {
    CHECK(openable_link("https://example.org/a?b=c"));
    CHECK(openable_link("http://x"));
    CHECK_FALSE(openable_link(""));
    CHECK_FALSE(openable_link("https://a.b/x y"));
    CHECK_FALSE(openable_link(" https://a.b"));
    CHECK_FALSE(openable_link("https://a.b/x."));
    CHECK_FALSE(openable_link("file:///etc/passwd"));
    CHECK_FALSE(openable_link("-https://a.b"));
    CHECK_FALSE(openable_link("https://"));
    CHECK_FALSE(openable_link(std::string_view("https://a.b\0x", 13)));
}

TEST_CASE("links: a 64 KiB hostile body is split in one pass") {
    // Only closing brackets after a link: each is dropped in turn, counted once.
    std::string closers = "https://a.b/" + std::string(64 * 1024, ')');
    CHECK(links_in(closers) == Links{"https://a.b/"});
    // Schemes without hosts, back to back.
    std::string schemes;
    while (schemes.size() < 64 * 1024) schemes += "http:// ";
    CHECK(links_in(schemes).empty());
    // As many links as fit: every span accounted for, in order.
    std::string many;
    while (many.size() < 64 * 1024) many += "http://a ";
    const auto spans = split_links(many);
    std::size_t at = 0;
    for (const auto& s : spans) {
        CHECK(s.begin == at);
        CHECK(s.end > s.begin);
        at = s.end;
    }
    CHECK(at == many.size());
    CHECK(links_in(many).size() == many.size() / 9);
}
