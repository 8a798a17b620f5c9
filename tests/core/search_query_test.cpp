// What a person types is never FTS5 syntax: every word a quoted prefix,
// operators and column filters searched for as words, bounds enforced.
#include "core/search_query.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace hallway::core;

namespace {

std::string match(std::string_view text) {
    std::string error;
    auto m = search_match_expression(text, error);
    INFO(error);
    REQUIRE(m);
    CHECK(error.empty());
    return *m;
}

std::string refused(std::string_view text) {
    std::string error;
    CHECK_FALSE(search_match_expression(text, error));
    CHECK_FALSE(error.empty());
    return error;
}

}  // namespace

TEST_CASE("search query: words become quoted prefixes, ANDed") {
    CHECK(match("hello") == R"("hello"*)");
    CHECK(match("  hello   World ") == R"("hello"* AND "World"*)");
    CHECK(match("Café crème") == "\"Café\"* AND \"crème\"*");
    CHECK(match("don't") == R"("don"* AND "t"*)");
    CHECK(match("2026-11-27") == R"("2026"* AND "11"* AND "27"*)");
}

TEST_CASE("search query: FTS5 operators and syntax in the text are words or separators, never syntax") {
    CHECK(match(R"("hello" OR world)") == R"("hello"* AND "OR"* AND "world"*)");
    CHECK(match("NEAR(a b, 3)") == R"("NEAR"* AND "a"* AND "b"* AND "3"*)");
    CHECK(match("a NOT b AND c") == R"("a"* AND "NOT"* AND "b"* AND "AND"* AND "c"*)");
    CHECK(match("body:secret") == R"("body"* AND "secret"*)");
    CHECK(match("{body peer}:x") == R"("body"* AND "peer"* AND "x"*)");
    CHECK(match("^start* end*") == R"("start"* AND "end"*)");
    CHECK(match("\"\"\"x\"\"") == R"("x"*)");
    CHECK(match("a+b-c(d)") == R"("a"* AND "b"* AND "c"* AND "d"*)");
    CHECK(match("x\x01y\ty\nz") == R"("x"* AND "y"* AND "y"* AND "z"*)");
    CHECK(match("'; DROP TABLE messages; --") == R"("DROP"* AND "TABLE"* AND "messages"*)");
    // Every quote in the expression opens or closes a phrase: an even count, and
    // outside phrases only " AND " and "*".
    const std::string m = match(R"(a"b "c" d"*"e)");
    CHECK(std::count(m.begin(), m.end(), '"') % 2 == 0);
    CHECK(m == R"("a"* AND "b"* AND "c"* AND "d"* AND "e"*)");
}

TEST_CASE("search query: punctuation and symbols beyond ASCII separate words") {
    CHECK(match("«salut» — ça va…") == "\"salut\"* AND \"ça\"* AND \"va\"*");
    CHECK(match("ok👍fine") == R"("ok"* AND "fine"*)");
    CHECK(match("１２３") == "\"１２３\"*");  // fullwidth digits are digits
    CHECK(search_words("naïve x²") == std::vector<std::string>{"naïve", "x²"});
}

TEST_CASE("search query: nothing to search for, too long, too many words, not UTF-8") {
    CHECK(refused("") == "nothing to search for");
    CHECK(refused("   ") == "nothing to search for");
    CHECK(refused("\"*()^:-+") == "nothing to search for");
    CHECK(refused("«…» 👍") == "nothing to search for");
    CHECK(refused(std::string(kMaxSearchBytes + 1, 'a')).find("too long") != std::string::npos);
    CHECK(match(std::string(kMaxSearchBytes, 'a')).size() == kMaxSearchBytes + 3);
    std::string words;
    for (std::size_t i = 0; i < kMaxSearchTokens; ++i) words += "w ";
    CHECK_NOTHROW(match(words));
    CHECK(refused(words + "w").find("too many words") != std::string::npos);
    CHECK(refused("abc\xff").find("UTF-8") != std::string::npos);
    CHECK(refused("\xc3").find("UTF-8") != std::string::npos);        // cut short
    CHECK(refused("\xc0\xaf").find("UTF-8") != std::string::npos);    // overlong '/'
    CHECK(refused("\xed\xa0\x80").find("UTF-8") != std::string::npos);  // a surrogate
}

TEST_CASE("search query: a snippet is the first line holding a word, cut on a character boundary") {
    CHECK(search_snippet("first\nthe Secret is here\nlast", {"secret"}) == "the Secret is here");
    CHECK(search_snippet("first\r\nsecond", {"nothing"}) == "first");
    CHECK(search_snippet("", {"x"}).empty());
    const std::string long_line = std::string(200, 'e') + "é";
    const std::string cut = search_snippet("é" + long_line, {"x"}, 10);
    CHECK(cut.size() <= 10);
    CHECK(cut.rfind("\xE2\x80\xA6") == cut.size() - 3);  // ends with "…"
}
