#include "discovery/txt_record.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace hallway::discovery;

namespace {

const std::string kFp = "1234567890123456789012345678901234567890";

}  // namespace

TEST_CASE("txt: parses the three keys") {
    const auto info = parse_txt({"v=1", "fp=" + kFp, "nick=Alice"});
    REQUIRE(info);
    CHECK(info->version == 1);
    CHECK(info->fingerprint == kFp);
    CHECK(info->nick == "Alice");
}

TEST_CASE("txt: keys are case-insensitive, unknown keys and boolean attributes are ignored") {
    const auto info = parse_txt({"colour=blue", "V=1", "flag", "FP=" + kFp, "Nick=Bob", "=orphan"});
    REQUIRE(info);
    CHECK(info->version == 1);
    CHECK(info->nick == "Bob");
}

TEST_CASE("txt: the first occurrence of a key wins") {
    const auto info = parse_txt({"v=1", "fp=" + kFp, "nick=first", "NICK=second", "v=2",
                                 "fp=0000000000000000000000000000000000000000"});
    REQUIRE(info);
    CHECK(info->nick == "first");
    CHECK(info->version == 1);
    CHECK(info->fingerprint == kFp);
    // An invalid first value is not rescued by a valid later one.
    CHECK_FALSE(parse_txt({"v=x", "v=1", "fp=" + kFp}));
}

TEST_CASE("txt: missing or invalid v/fp gives nullopt") {
    CHECK_FALSE(parse_txt({}));
    CHECK_FALSE(parse_txt({"fp=" + kFp}));
    CHECK_FALSE(parse_txt({"v=1"}));
    CHECK_FALSE(parse_txt({"v=1", "fp=" + kFp.substr(1)}));          // 39 digits
    CHECK_FALSE(parse_txt({"v=1", "fp=" + kFp + "1"}));               // 41 digits
    CHECK_FALSE(parse_txt({"v=1", "fp=" + kFp.substr(1) + "a"}));     // not a digit
    CHECK_FALSE(parse_txt({"v=", "fp=" + kFp}));
    CHECK_FALSE(parse_txt({"v=-1", "fp=" + kFp}));
    CHECK_FALSE(parse_txt({"v=+1", "fp=" + kFp}));
    CHECK_FALSE(parse_txt({"v= 1", "fp=" + kFp}));
    CHECK_FALSE(parse_txt({"v=1x", "fp=" + kFp}));
    CHECK_FALSE(parse_txt({"v=99999999999", "fp=" + kFp}));  // does not fit 32 bits
    CHECK_FALSE(parse_txt({"v", "fp=" + kFp}));             // boolean attribute has no value
}

TEST_CASE("txt: another version is passed through for the caller to report") {
    const auto info = parse_txt({"v=7", "fp=" + kFp});
    REQUIRE(info);
    CHECK(info->version == 7);
    CHECK(info->nick.empty());
}

TEST_CASE("txt: oversized entries are ignored") {
    const std::string big_nick = "nick=" + std::string(300, 'x');
    const auto info = parse_txt({big_nick, "v=1", "fp=" + kFp, "nick=small"});
    REQUIRE(info);
    CHECK(info->nick == "small");
    CHECK_FALSE(parse_txt({"v=1", "fp=" + kFp + std::string(300, '0')}));
}

TEST_CASE("txt: nick sanitizing") {
    CHECK(sanitize_nick("Al\x01ice\n\x7f") == "Alice");
    CHECK(sanitize_nick("a\xC2\x85" "b") == "ab");                    // C1 control (NEL)
    CHECK(sanitize_nick("\xE2\x80\xAE" "evil") == "evil");            // RIGHT-TO-LEFT OVERRIDE
    CHECK(sanitize_nick("caf\xC3\xA9") == "caf\xC3\xA9");             // valid UTF-8 kept
    CHECK(sanitize_nick("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");   // 4-byte emoji kept
    CHECK(sanitize_nick("a\xFF" "b") == "a\xEF\xBF\xBD" "b");         // invalid byte -> U+FFFD
    CHECK(sanitize_nick("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");   // overlong: two bad bytes
    CHECK(sanitize_nick("\xED\xA0\x80") ==                            // surrogate
          "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(sanitize_nick("\xE2\x82" "x") == "\xEF\xBF\xBD" "x");       // truncated sequence: one U+FFFD
    CHECK(sanitize_nick("\xF4\x90\x80\x80").find("\xEF\xBF\xBD") == 0);  // above U+10FFFF
    const auto parsed = parse_txt({"v=1", "fp=" + kFp, std::string("nick=B\0ob", 9)});
    REQUIRE(parsed);
    CHECK(parsed->nick == "Bob");
}

TEST_CASE("txt: nick is cut to 64 bytes at a UTF-8 boundary") {
    CHECK(sanitize_nick(std::string(80, 'a')) == std::string(kMaxNickBytes, 'a'));
    // 63 ASCII bytes then a 2-byte character: keeping it would need 65 bytes.
    const std::string cut = sanitize_nick(std::string(63, 'a') + "\xC3\xA9" "z");
    CHECK(cut == std::string(63, 'a'));
    // Replacement characters (3 bytes each) are counted after replacing.
    CHECK(sanitize_nick(std::string(40, '\xFF')).size() == 63);
    const auto info = parse_txt({"v=1", "fp=" + kFp, "nick=" + std::string(100, 'n')});
    REQUIRE(info);
    CHECK(info->nick.size() == kMaxNickBytes);
}

TEST_CASE("txt: service instance name") {
    CHECK(service_instance_name("Alice", kFp) == "Alice");
    CHECK(service_instance_name("", kFp) == "Hallway 12345678");
    CHECK(service_instance_name("\x01\x02", kFp) == "Hallway 12345678");
    CHECK(service_instance_name(std::string(64, 'x'), kFp).size() == kMaxServiceNameBytes);
    CHECK(service_instance_name(std::string(62, 'x') + "\xC3\xA9", kFp) == std::string(62, 'x'));
}

TEST_CASE("txt: serialize writes v, fp, nick") {
    const auto entries = serialize_txt({1, kFp, "Alice", ""});
    CHECK(entries == std::vector<std::string>{"v=1", "fp=" + kFp, "nick=Alice"});
    CHECK(serialize_txt({1, kFp, "A\nB", ""})[2] == "nick=AB");
}

TEST_CASE("txt: round trip parse(serialize(x)) == x") {
    std::mt19937 rng(20240611);  // fixed seed: reproducible
    std::uniform_int_distribution<int> byte(0, 255), len(0, 90), digit('0', '9');
    for (int i = 0; i < 2000; ++i) {
        TxtInfo x;
        x.version = static_cast<std::uint32_t>(rng());
        for (std::size_t d = 0; d < kFingerprintDigits; ++d) x.fingerprint += static_cast<char>(digit(rng));
        std::string raw;
        for (int n = len(rng); n > 0; --n) raw += static_cast<char>(byte(rng));
        x.nick = sanitize_nick(raw);
        CHECK(sanitize_nick(x.nick) == x.nick);  // idempotent
        const auto parsed = parse_txt(serialize_txt(x));
        REQUIRE(parsed);
        CHECK(*parsed == x);
        // Arbitrary entries never crash and re-parse to the same value.
        const std::vector<std::string> noise{raw, "v=" + raw, "fp=" + raw, "nick=" + raw};
        if (const auto p = parse_txt(noise)) CHECK(parse_txt(serialize_txt(*p)) == p);
    }
}

namespace {

const std::string kPt = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafd28728de33995996d72822763bb98598";

}  // namespace

TEST_CASE("txt: a record with pt and no fp is private: no fingerprint, no nick") {
    const auto info = parse_txt({"v=1", "pt=" + kPt, "nick=Alice"});
    REQUIRE(info);
    CHECK(info->fingerprint.empty());
    CHECK(info->nick.empty());
    CHECK(info->private_tag == kPt);
    // Upper-case hex is read and returned lower-case: one record, one id.
    std::string upper = kPt;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto shouted = parse_txt({"v=1", "PT=" + upper});
    REQUIRE(shouted);
    CHECK(shouted->private_tag == kPt);
}

TEST_CASE("txt: a malformed pt is no record") {
    CHECK_FALSE(parse_txt({"v=1", "pt=" + kPt.substr(1)}));        // 63 digits
    CHECK_FALSE(parse_txt({"v=1", "pt=" + kPt + "0"}));            // 65 digits
    CHECK_FALSE(parse_txt({"v=1", "pt=" + kPt.substr(1) + "g"}));  // not hex
    CHECK_FALSE(parse_txt({"v=1", "pt="}));
    CHECK_FALSE(parse_txt({"pt=" + kPt}));                          // no version
    CHECK_FALSE(parse_txt({"v=1", "pt=" + std::string(300, 'a')}));  // over one TXT string
}

TEST_CASE("txt: a record with both fp and pt is the ordinary record") {
    const auto info = parse_txt({"v=1", "pt=" + kPt, "fp=" + kFp, "nick=Alice"});
    REQUIRE(info);
    CHECK(info->fingerprint == kFp);
    CHECK(info->nick == "Alice");
    CHECK(info->private_tag.empty());
}

TEST_CASE("txt: the private record serializes to v and pt only, and round-trips") {
    const TxtInfo x{1, "", "", kPt};
    CHECK(serialize_txt(x) == std::vector<std::string>{"v=1", "pt=" + kPt});
    CHECK(parse_txt(serialize_txt(x)) == x);
    CHECK(private_instance_name(kPt) == "Hallway a0a1a2a3");
    CHECK(private_tag_of(private_peer_id(kPt)) == kPt);
    CHECK(private_tag_of(kFp).empty());
}
