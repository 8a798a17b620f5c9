// Private mode's record tag: the worked example of docs/PROTOCOL.md §2.1 and
// who recognises a record.
#include "core/private_mode.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <numeric>
#include <sstream>
#include <vector>

using namespace hallway::core;

namespace {

// The inputs of the worked example: key 00 01 .. 1f, salt a0 a1 .. af.
PeerKey example_key() {
    PeerKey k{};
    std::iota(k.begin(), k.end(), std::uint8_t{0});
    return k;
}
PrivateSalt example_salt() {
    PrivateSalt s{};
    std::iota(s.begin(), s.end(), std::uint8_t{0xa0});
    return s;
}
constexpr const char* kExamplePt = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafd28728de33995996d72822763bb98598";

}  // namespace

TEST_CASE("private tag: the worked example of PROTOCOL.md") {
    CHECK(private_record_tag(example_key(), example_salt()) == kExamplePt);
    // The document shows the same hex, so it stays true.
    std::ifstream in(std::string(HALLWAY_SOURCE_DIR) + "/docs/PROTOCOL.md");
    std::stringstream doc;
    doc << in.rdbuf();
    CHECK(doc.str().find(kExamplePt) != std::string::npos);
}

TEST_CASE("private tag: only the key that made it matches") {
    const PeerKey ours = example_key();
    PeerKey other{};
    other.fill(0x42);
    const std::string pt = private_record_tag(ours, example_salt());
    CHECK(match_private_tag(pt, std::vector<PeerKey>{other, ours}) == ours);
    CHECK_FALSE(match_private_tag(pt, std::vector<PeerKey>{other}));
    CHECK_FALSE(match_private_tag(pt, std::vector<PeerKey>{}));
    // Another salt is another tag: records of two starts cannot be linked.
    PrivateSalt salt2 = example_salt();
    salt2[0] ^= 1;
    const std::string pt2 = private_record_tag(ours, salt2);
    CHECK(pt2.substr(32) != pt.substr(32));
    CHECK(match_private_tag(pt2, std::vector<PeerKey>{ours}) == ours);
}

TEST_CASE("private tag: a tampered or malformed tag matches nothing") {
    const PeerKey ours = example_key();
    std::string pt = private_record_tag(ours, example_salt());
    const std::vector<PeerKey> keys{ours};
    for (std::size_t i : {0UL, 31UL, 32UL, 63UL}) {
        std::string t = pt;
        t[i] = t[i] == '0' ? '1' : '0';
        CHECK_FALSE(match_private_tag(t, keys));
    }
    CHECK_FALSE(match_private_tag(pt.substr(0, 62), keys));
    CHECK_FALSE(match_private_tag(pt + "00", keys));
    CHECK_FALSE(match_private_tag(std::string(64, 'z'), keys));
    CHECK_FALSE(match_private_tag("", keys));
}
