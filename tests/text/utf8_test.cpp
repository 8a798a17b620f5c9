#include "text/utf8.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace hallway::text;

namespace {

// Every step of decoding s: (valid, length) pairs.
std::vector<std::pair<bool, std::size_t>> steps(std::string_view s) {
    std::vector<std::pair<bool, std::size_t>> out;
    for (std::size_t i = 0; i < s.size();) {
        const Utf8Step step = decode_utf8(s, i);
        out.emplace_back(step.valid, step.length);
        i += step.length;
    }
    return out;
}

}  // namespace

TEST_CASE("utf8: well-formed sequences of every length decode to their code points") {
    const std::string s = "a\xC3\xA9\xE2\x9C\x93\xF0\x9F\x98\x80";  // a é ✓ 😀
    std::vector<char32_t> cps;
    for (std::size_t i = 0; i < s.size();) {
        const Utf8Step step = decode_utf8(s, i);
        CHECK(step.valid);
        cps.push_back(step.code_point);
        i += step.length;
    }
    CHECK(cps == std::vector<char32_t>{U'a', 0xE9, 0x2713, 0x1F600});
    std::string round;
    for (char32_t c : cps) append_utf8(round, c);
    CHECK(round == s);
}

TEST_CASE("utf8: an ill-formed sequence is replaced per maximal subpart (Unicode 3.9)") {
    // Unicode's table 3-8 example: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64.
    const std::string s = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
    const std::vector<std::pair<bool, std::size_t>> want{{true, 1},  {false, 3}, {false, 2}, {false, 1},
                                                         {true, 1},  {false, 1}, {true, 1},  {false, 1},
                                                         {false, 1}, {true, 1}};
    CHECK(steps(s) == want);
    // Overlong, surrogate and beyond U+10FFFF: rejected at the second byte.
    CHECK(steps("\xE0\x80\x80") == std::vector<std::pair<bool, std::size_t>>{{false, 1}, {false, 1}, {false, 1}});
    CHECK(steps("\xED\xA0\x80") == std::vector<std::pair<bool, std::size_t>>{{false, 1}, {false, 1}, {false, 1}});
    CHECK(steps("\xF4\x90\x80\x80").front() == std::pair<bool, std::size_t>{false, 1});
    // Cut short at the end: one replacement for what is there.
    CHECK(steps("\xF0\x9F\x98") == std::vector<std::pair<bool, std::size_t>>{{false, 3}});
}

TEST_CASE("utf8: cut_at_char_boundary never splits a character") {
    const std::string s = "ab\xE2\x9C\x93";  // ab✓
    CHECK(cut_at_char_boundary(s, 10) == s);
    CHECK(cut_at_char_boundary(s, 5) == s);
    CHECK(cut_at_char_boundary(s, 4) == "ab");
    CHECK(cut_at_char_boundary(s, 3) == "ab");
    CHECK(cut_at_char_boundary(s, 0).empty());
}

TEST_CASE("utf8: sanitize_label repairs, removes controls and bidi, bounds and is idempotent") {
    const std::string dirty = "Bob\x01\n\xE2\x80\xAE" "evil\xFF\xC2\x85x\xE2\x80\xA8y";  // SOH LF RLO … FF NEL … LS
    const std::string clean = sanitize_label(dirty, 64);
    CHECK(clean == "Bobevil" + std::string(kReplacementUtf8) + "xy");
    CHECK(sanitize_label(clean, 64) == clean);
    // The bound falls inside é: the whole character goes.
    CHECK(sanitize_label("abc\xC3\xA9", 4) == "abc");
    // A huge value is cut, not copied whole first.
    CHECK(sanitize_label(std::string(1 << 20, 'x'), 10) == std::string(10, 'x'));
}
