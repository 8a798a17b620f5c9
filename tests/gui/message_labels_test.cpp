// A message's time and delivery words, in a fixed time zone (TZ set here):
// local time, the date only when not today, the full timestamp for the
// tooltip, and how far one of ours got.
#include "gui/message_labels.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <string>

using namespace hallway;
using namespace hallway::gui;

namespace {

// Sets the process's zone for one test case, and puts the old one back.
class Zone {
public:
    explicit Zone(const char* tz) {
        if (const char* old = std::getenv("TZ")) old_ = old;
        setenv("TZ", tz, 1);
        tzset();
    }
    ~Zone() {
        if (old_) setenv("TZ", old_->c_str(), 1);
        else unsetenv("TZ");
        tzset();
    }

private:
    std::optional<std::string> old_;
};

// Central European time as a POSIX rule, so no tzdata is needed.
constexpr const char* kBerlin = "CET-1CEST,M3.5.0,M10.5.0/3";

constexpr std::int64_t kMon1405 = 1717416309000;  // 2024-06-03 12:05:09 UTC: 14:05:09 CEST
constexpr std::int64_t kMon2359 = 1717451940000;  // 21:59 UTC: 23:59 CEST, still Monday
constexpr std::int64_t kTue0030 = 1717453800000;  // 22:30 UTC: 00:30 CEST, Tuesday
constexpr std::int64_t kSun1200 = 1717322400000;  // 2024-06-02 10:00 UTC: 12:00 CEST
constexpr std::int64_t kJan0900 = 1705305600000;  // 2024-01-15 08:00 UTC: 09:00 CET
constexpr std::int64_t kNewYear = 1704063600000;  // 2023-12-31 23:00 UTC: 2024-01-01 00:00 CET

core::StoredMessage message(core::Direction d, std::int64_t received, std::int64_t sent) {
    core::StoredMessage m;
    m.direction = d;
    m.received_at_ms = received;
    m.sent_at_ms = sent;
    return m;
}

}  // namespace

TEST_CASE("message labels: the time alone today, with the date another day, with the year another year") {
    Zone zone(kBerlin);
    CHECK(time_label(kMon1405, kMon2359) == "14:05");
    CHECK(time_label(kMon2359, kMon1405) == "23:59");
    // Midnight is local: 22:30 UTC is already Tuesday here.
    CHECK(time_label(kMon1405, kTue0030) == "3 Jun 14:05");
    CHECK(time_label(kSun1200, kMon1405) == "2 Jun 12:00");
    CHECK(time_label(kJan0900, kMon1405) == "15 Jan 09:00");
    CHECK(time_label(kNewYear, kMon1405) == "1 Jan 00:00");
    CHECK(time_label(kNewYear - 1, kMon1405) == "31 Dec 2023 23:59");
}

TEST_CASE("message labels: the zone decides the day and the hour") {
    Zone zone("UTC0");
    CHECK(time_label(kMon1405, kMon2359) == "12:05");
    CHECK(time_label(kMon1405, kTue0030) == "12:05");  // both Monday in UTC
    CHECK(time_label(kNewYear, kMon1405) == "31 Dec 2023 23:00");
}

TEST_CASE("message labels: the full timestamp has the weekday, seconds and zone") {
    {
        Zone zone(kBerlin);
        CHECK(full_timestamp(kMon1405) == "Mon 3 Jun 2024 14:05:09 CEST (UTC+02:00)");
        CHECK(full_timestamp(kJan0900) == "Mon 15 Jan 2024 09:00:00 CET (UTC+01:00)");
    }
    {
        Zone zone("UTC0");
        CHECK(full_timestamp(kMon1405) == "Mon 3 Jun 2024 12:05:09 UTC");
    }
    {
        Zone zone("<-0330>3:30");  // west of UTC, a half-hour zone
        CHECK(full_timestamp(kMon1405) == "Mon 3 Jun 2024 08:35:09 -0330 (UTC-03:30)");
    }
}

TEST_CASE("message labels: an incoming text's sent time shows only when it differs notably") {
    Zone zone(kBerlin);
    CHECK(time_details(message(core::Direction::in, kMon1405, kMon1405 - 2000)) ==
          "Received Mon 3 Jun 2024 14:05:09 CEST (UTC+02:00)");
    CHECK(time_details(message(core::Direction::in, kMon1405, kMon1405 - kNotableSkewMs)) ==
          "Received Mon 3 Jun 2024 14:05:09 CEST (UTC+02:00)\n"
          "Sent Mon 3 Jun 2024 14:04:09 CEST (UTC+02:00) by the sender's clock");
    // A sender's clock ahead of ours counts the same.
    CHECK(time_details(message(core::Direction::in, kMon1405, kMon1405 + 3600 * 1000)).find("\nSent Mon 3 Jun 2024 15:05:09") !=
          std::string::npos);
    // Ours: when it was written, one line.
    CHECK(time_details(message(core::Direction::out, kMon1405, kSun1200)) == "Written Mon 3 Jun 2024 14:05:09 CEST (UTC+02:00)");
}

TEST_CASE("message labels: how far one of ours got, seen from read_at_ms") {
    Zone zone(kBerlin);
    core::StoredMessage m = message(core::Direction::out, kMon1405, kMon1405);
    m.state = core::MessageState::queued;
    CHECK(delivery_label(m) == "sending");
    m.state = core::MessageState::sent;
    CHECK(delivery_label(m) == "sent");
    m.state = core::MessageState::delivered;
    CHECK(delivery_label(m) == "delivered");
    CHECK(delivery_details(m) == "Delivered: the peer's device has it.");
    m.read_at_ms = kMon2359;
    CHECK(delivery_label(m) == "seen");
    CHECK(delivery_details(m) == "Seen Mon 3 Jun 2024 23:59:00 CEST (UTC+02:00)");
}

TEST_CASE("message labels: a failure shows its reason, cut short on the bubble and whole in the tooltip") {
    core::StoredMessage m = message(core::Direction::out, kMon1405, kMon1405);
    m.state = core::MessageState::failed;
    CHECK(delivery_label(m) == "failed");
    m.failure = "the peer refused it";
    CHECK(delivery_label(m) == "failed: the peer refused it");
    CHECK(delivery_details(m) == "Not delivered: the peer refused it");
    m.failure = "first line\nsecond line";
    CHECK(delivery_label(m) == "failed: first line...");
    // Cut on a character boundary: 47 ASCII bytes, then a 2-byte character across the limit.
    m.failure = std::string(47, 'x') + "\xc3\xa9" + "tail";
    CHECK(delivery_label(m) == "failed: " + std::string(47, 'x') + "...");
    m.failure = "bad\tbyte\x1b[31m";
    CHECK(delivery_label(m) == "failed: bad?byte?[31m");
    CHECK(delivery_details(m) == "Not delivered: bad\tbyte\x1b[31m");
}

TEST_CASE("message labels: a link-local XMPP buddy wears the badge, its texts stay sent, unconfirmed (§15)") {
    core::PeerView hallway_peer;
    CHECK(security_badge(hallway_peer).empty());
    core::PeerView xmpp;
    xmpp.kind = core::PeerKind::xmpp_link_local;
    xmpp.encrypted = false;
    CHECK(security_badge(xmpp) == "unencrypted \u00b7 not verified");
    // Whatever the kind, a buddy not encrypted is marked.
    core::PeerView odd;
    odd.encrypted = false;
    CHECK(security_badge(odd) == kUnencryptedBadge);

    core::StoredMessage m = message(core::Direction::out, kMon1405, kMon1405);
    m.state = core::MessageState::sent;
    CHECK(delivery_label(m, core::PeerKind::xmpp_link_local) == "sent, unconfirmed");
    CHECK(delivery_details(m, core::PeerKind::xmpp_link_local).find("never confirmed") != std::string::npos);
    CHECK(delivery_label(m) == "sent");
    m.state = core::MessageState::queued;
    CHECK(delivery_label(m, core::PeerKind::xmpp_link_local) == "sending");
    m.state = core::MessageState::failed;
    m.failure = "refused";
    CHECK(delivery_label(m, core::PeerKind::xmpp_link_local) == "failed: refused");
}
