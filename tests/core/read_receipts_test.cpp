// Read receipts without sockets (docs/PROTOCOL.md §14.2): what is owed to a
// peer, `read`s of at most 64 ids, and what a received `read` may touch.
#include "core/read_receipts.hpp"

#include <doctest/doctest.h>

using namespace hallway;
using namespace hallway::core;

namespace {
MessageId id(std::size_t i) {
    MessageId m{};
    m[0] = static_cast<std::uint8_t>(i);
    m[1] = static_cast<std::uint8_t>(i >> 8);
    return m;
}
std::vector<MessageId> ids(std::size_t n) {
    std::vector<MessageId> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(id(i));
    return out;
}
}  // namespace

TEST_CASE("receipts are sent on a session whose Hello lists read, kept without one, dropped otherwise") {
    CHECK(receipts_owed(true, true, true) == ReceiptsOwed::send);
    CHECK(receipts_owed(true, false, false) == ReceiptsOwed::wait);
    CHECK(receipts_owed(true, false, true) == ReceiptsOwed::wait);
    // The peer does not want them (its setting is off, or it predates §14).
    CHECK(receipts_owed(true, true, false) == ReceiptsOwed::drop);
    // Our setting is off: nothing now, nothing later.
    CHECK(receipts_owed(false, true, true) == ReceiptsOwed::drop);
    CHECK(receipts_owed(false, false, true) == ReceiptsOwed::drop);
}

TEST_CASE("ids go out in reads of at most 64, in order") {
    CHECK(read_messages({}).empty());
    auto one = read_messages(ids(1));
    REQUIRE(one.size() == 1);
    CHECK(one[0].ids == ids(1));
    CHECK(read_messages(ids(64)).size() == 1);
    const auto all = ids(150);
    const auto reads = read_messages(all);
    REQUIRE(reads.size() == 3);
    CHECK(reads[0].ids.size() == 64);
    CHECK(reads[1].ids.size() == 64);
    CHECK(reads[2].ids.size() == 22);
    std::vector<MessageId> back;
    for (auto& r : reads) back.insert(back.end(), r.ids.begin(), r.ids.end());
    CHECK(back == all);
    // Each encodes: never over the wire bound, never empty.
    for (auto& r : reads) CHECK_FALSE(transport::encode(r).empty());
}

TEST_CASE("a received read is looked up once per id, and not at all with the setting off") {
    transport::Read r{{id(1), id(2), id(1), id(3), id(2)}};
    CHECK(ids_to_mark_read(r, true) == std::vector<MessageId>{id(1), id(2), id(3)});
    CHECK(ids_to_mark_read(r, false).empty());
}
