// The "new" line of a conversation opened with unread texts: above the first
// unread incoming one, our replies in between not counted.
#include "gui/unread_marker.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using gui::first_unread;

namespace {

// A conversation from a pattern: 'i' incoming, 'o' ours, oldest first.
std::vector<core::StoredMessage> conversation(std::string_view pattern) {
    std::vector<core::StoredMessage> out;
    for (char c : pattern) {
        core::StoredMessage m;
        m.direction = c == 'i' ? core::Direction::in : core::Direction::out;
        m.seq = static_cast<std::int64_t>(out.size()) + 1;
        out.push_back(m);
    }
    return out;
}

}  // namespace

TEST_CASE("unread marker: above the first of the last N incoming texts") {
    CHECK(first_unread(conversation("oiii"), 1) == 3u);
    CHECK(first_unread(conversation("oiii"), 2) == 2u);
    CHECK(first_unread(conversation("oiii"), 3) == 1u);
}

TEST_CASE("unread marker: our own texts between the unread ones are not counted") {
    // Two unread: the last two incoming, one of ours between them.
    CHECK(first_unread(conversation("iioioo"), 2) == 1u);
    CHECK(first_unread(conversation("iioioo"), 1) == 3u);
}

TEST_CASE("unread marker: none without unread or without incoming texts") {
    CHECK_FALSE(first_unread(conversation("iii"), 0));
    CHECK_FALSE(first_unread(conversation("ooo"), 2));
    CHECK_FALSE(first_unread(conversation(""), 1));
}

TEST_CASE("unread marker: more unread than held: the oldest incoming one held") {
    CHECK(first_unread(conversation("oioi"), 5) == 1u);
    CHECK(first_unread(conversation("ii"), 3) == 0u);
}
