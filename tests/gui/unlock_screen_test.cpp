// The unlock screen's state (gui/unlock_screen.hpp): what a try takes from the
// field, what each outcome shows, and real tries against a locked profile.
#include "gui/unlock_screen.hpp"
#include "tests/core/temp_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace hallway;
using gui::UnlockScreen;
using Phase = UnlockScreen::Phase;

namespace {

void type(UnlockScreen& s, std::string_view text) {
    REQUIRE(text.size() < s.field.size());
    std::copy(text.begin(), text.end(), s.field.begin());
}

bool field_wiped(const UnlockScreen& s) {
    return std::all_of(s.field.begin(), s.field.end(), [](char c) { return c == 0; });
}

// Waits for the worker the way the window does: woken, then polled.
void settle(UnlockScreen& s, const std::atomic<int>& wakes, int expected) {
    for (int i = 0; i < 600 && wakes.load() < expected; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(wakes.load() == expected);
    REQUIRE(gui::poll_unlock(s));  // the result is there by the time of the wake
}

}  // namespace

TEST_CASE("a try takes the typed passphrase and wipes the field") {
    UnlockScreen s;
    crypto::Passphrase pass;
    CHECK_FALSE(gui::take_passphrase(s, pass));  // nothing typed
    type(s, "open sesame");
    REQUIRE(gui::take_passphrase(s, pass));
    CHECK(pass.view() == "open sesame");
    CHECK(field_wiped(s));
}

TEST_CASE("no second try while one runs") {
    UnlockScreen s;
    s.phase = Phase::unlocking;
    type(s, "again");
    crypto::Passphrase pass;
    CHECK_FALSE(gui::take_passphrase(s, pass));
    CHECK(pass.empty());
}

TEST_CASE("each outcome: unlocked, wrong passphrase, damaged") {
    UnlockScreen s;
    s.phase = Phase::unlocking;
    s.focus = false;

    gui::finish_unlock(s, {core::UnlockError::wrong_passphrase, "wrong passphrase for /p/identity.locked", nullptr});
    CHECK(s.phase == Phase::typing);
    CHECK(s.error == "Wrong passphrase");
    CHECK(s.focus);  // back in the field for another try
    CHECK_FALSE(s.keys);

    s.phase = Phase::unlocking;
    gui::finish_unlock(s, {core::UnlockError::damaged, "/p/identity.locked is damaged: bad magic", nullptr});
    CHECK(s.phase == Phase::typing);
    CHECK(s.error == "Cannot unlock: /p/identity.locked is damaged: bad magic");

    s.phase = Phase::unlocking;
    auto keys = std::make_shared<const core::UnlockedKeys>();
    gui::finish_unlock(s, {core::UnlockError::ok, "unlocked", keys});
    CHECK(s.phase == Phase::unlocked);
    CHECK(s.keys == keys);
    CHECK(s.error.empty());
}

TEST_CASE("real tries on a locked profile: a wrong passphrase is refused, the right one unlocks") {
    test::TempDir dir;
    ::setenv(core::kTestKdfEnv, "1", 1);  // the cheapest Argon2: this tests the screen, not the KDF
    std::string message;
    const bool locked = core::lock_profile(dir.path(), "correct horse", message);
    ::unsetenv(core::kTestKdfEnv);
    INFO(message);
    REQUIRE(locked);

    UnlockScreen s;
    std::atomic<int> wakes{0};
    const auto wake = [&wakes] { ++wakes; };
    CHECK_FALSE(gui::poll_unlock(s));  // no try yet

    type(s, "battery staple");
    REQUIRE(gui::submit(s, dir.path(), wake));
    CHECK(s.phase == Phase::unlocking);
    CHECK(field_wiped(s));
    settle(s, wakes, 1);
    CHECK(s.phase == Phase::typing);
    CHECK(s.error == "Wrong passphrase");
    CHECK_FALSE(s.keys);

    type(s, "correct horse");
    REQUIRE(gui::submit(s, dir.path(), wake));
    settle(s, wakes, 2);
    CHECK(s.phase == Phase::unlocked);
    REQUIRE(s.keys);
    CHECK(s.error.empty());
}

TEST_CASE("a damaged lock file is said so") {
    test::TempDir dir;
    ::setenv(core::kTestKdfEnv, "1", 1);
    std::string message;
    REQUIRE(core::lock_profile(dir.path(), "correct horse", message));
    ::unsetenv(core::kTestKdfEnv);
    std::filesystem::resize_file(core::locked_identity_path(dir.path()), 10);

    UnlockScreen s;
    std::atomic<int> wakes{0};
    type(s, "correct horse");
    REQUIRE(gui::submit(s, dir.path(), [&wakes] { ++wakes; }));
    settle(s, wakes, 1);
    CHECK(s.phase == Phase::typing);
    CHECK(s.error.starts_with("Cannot unlock: "));
    CHECK(s.error.find("damaged") != std::string::npos);
}
