// §6.1 delivery as the spec states it, at the store (sans-I/O enough: a temp
// dir). The node acknowledges a text exactly when add_incoming returns ok
// (core/node.cpp), so "acked" below is that rule applied to the store's answer.
#include "core/store.hpp"
#include "tests/core/temp_dir.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace hallway;
using namespace hallway::core;

namespace {

enum class Outcome {
    stored,   // stored and acked
    resend,   // acked again, not stored a second time
    refused,  // id re-use: neither stored nor acked
};

struct Arrival {
    int sender;         // which peer sent it
    std::uint8_t id;    // first byte of the 16-byte id
    std::string body;
    Outcome outcome;
    bool ours = false;  // our own outgoing text to `sender` with this id (queued, not an arrival)
};

struct DeliveryCase {
    std::string name;
    std::vector<Arrival> arrivals;
    std::vector<std::vector<std::string>> history;  // per sender 1, 2: incoming bodies, oldest first
};

std::vector<DeliveryCase> delivery_cases() {
    using O = Outcome;
    return {
        {"§6.1 same (sender, id, body) twice: stored once, acked again",
         {{1, 1, "hi", O::stored}, {1, 1, "hi", O::resend}}, {{"hi"}, {}}},
        {"§6.1 same id from two senders: both stored", {{1, 1, "hi", O::stored}, {2, 1, "hi", O::stored}},
         {{"hi"}, {"hi"}}},
        {"§6.1 same (sender, id), another body: refused, not acked",
         {{1, 1, "hi", O::stored}, {1, 1, "ho", O::refused}}, {{"hi"}, {}}},
        {"§6.1 the original is still a resend after an id re-use",
         {{1, 1, "hi", O::stored}, {1, 1, "ho", O::refused}, {1, 1, "hi", O::resend}}, {{"hi"}, {}}},
        {"§6.1 same body under another id: a different message",
         {{1, 1, "hi", O::stored}, {1, 2, "hi", O::stored}}, {{"hi", "hi"}, {}}},
        {"§6.1 our own text with that id is not the sender's: stored",
         {{1, 1, "mine", O::stored, true}, {1, 1, "hi", O::stored}}, {{"hi"}, {}}},
    };
}

PeerKey key(int n) {
    PeerKey k{};
    k.fill(static_cast<std::uint8_t>(n));
    return k;
}

std::vector<std::string> incoming_bodies(const Store& store, const PeerKey& peer) {
    std::vector<std::string> out;
    for (const auto& m : store.history(peer))
        if (m.direction == Direction::in) out.push_back(m.body);
    return out;
}

}  // namespace

TEST_CASE("conformance: delivery and acknowledgement (§6.1)") {
    for (const auto& c : delivery_cases()) {
        SUBCASE(c.name.c_str()) {
            test::TempDir dir;
            StoreError err{};
            std::string message;
            auto store = Store::open((dir / "store.db").string(), err, message);
            REQUIRE(store);
            for (const auto& a : c.arrivals) {
                CAPTURE(a.body);
                StoredMessage m;
                m.id[0] = a.id;
                m.peer = key(a.sender);
                m.body = a.body;
                m.sent_at_ms = 5;
                if (a.ours) {
                    REQUIRE(store->add_outgoing(m) == StoreError::ok);
                    continue;
                }
                m.direction = Direction::in;
                m.state = MessageState::delivered;
                bool inserted = false;
                const StoreError got = store->add_incoming(m, inserted);
                const bool acked = got == StoreError::ok;
                switch (a.outcome) {
                    case Outcome::stored: CHECK(acked); CHECK(inserted); break;
                    case Outcome::resend: CHECK(acked); CHECK_FALSE(inserted); break;
                    case Outcome::refused: CHECK(got == StoreError::id_reused); CHECK_FALSE(inserted); break;
                }
            }
            for (std::size_t s = 0; s < c.history.size(); ++s)
                CHECK(incoming_bodies(*store, key(static_cast<int>(s + 1))) == c.history[s]);
        }
    }
}
