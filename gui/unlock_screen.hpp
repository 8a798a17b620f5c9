#pragma once
// The unlock screen: a locked profile's passphrase typed into the window
// before any node exists (core/profile_lock.hpp). The state and its moves are
// here, without ImGui, so tests drive them; draw_unlock_screen (unlock_view.cpp)
// only shows them. Argon2id takes about half a second, so a try runs on a
// worker thread and the window keeps drawing "Unlocking…".
#include "core/profile_lock.hpp"
#include "crypto/passphrase.hpp"

#include <array>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

namespace hallway::gui {

// One try's outcome, as unlock_profile gave it.
struct UnlockResult {
    core::UnlockError error = core::UnlockError::ok;
    std::string message;
    std::shared_ptr<const core::UnlockedKeys> keys;  // set when ok
};

struct UnlockScreen {
    enum class Phase { typing, unlocking, unlocked, quit };

    UnlockScreen() = default;
    UnlockScreen(const UnlockScreen&) = delete;
    UnlockScreen& operator=(const UnlockScreen&) = delete;
    ~UnlockScreen();

    Phase phase = Phase::typing;
    // What the password field edits in place: a fixed array, so no reallocation
    // leaves a copy behind; wiped (sodium_memzero) as soon as a try takes it.
    std::array<char, crypto::kMaxPassphrase + 1> field{};
    std::string error;     // under the field: "Wrong passphrase", or what is damaged
    bool focus = true;     // the field takes the keyboard on the next frame
    std::shared_ptr<const core::UnlockedKeys> keys;  // once unlocked (null: the lock was removed meanwhile)
    std::future<UnlockResult> pending;               // the try running on its worker
    std::jthread worker;  // last: joined before the rest is destroyed
};

// Enter or Unlock: moves the field's text into a Passphrase and wipes the
// field. Empty (nothing to try, or a try already running): false, unchanged.
bool take_passphrase(UnlockScreen& s, crypto::Passphrase& out);

// Applies one try's outcome: ok (or no lock any more) -> unlocked; a wrong
// passphrase or a damaged lock file -> typing again, with the reason shown.
void finish_unlock(UnlockScreen& s, UnlockResult r);

// take_passphrase, then unlock_profile(dir) on a worker thread, which calls
// wake when done (so a sleeping window loop looks again). false: nothing typed.
bool submit(UnlockScreen& s, const std::filesystem::path& dir, std::function<void()> wake);

// Applies a finished worker's outcome; false while it runs (or none does).
bool poll_unlock(UnlockScreen& s);

// The whole window: the field, Unlock and Quit; Enter submits. ImGui frame only.
void draw_unlock_screen(UnlockScreen& s, const std::filesystem::path& dir, const std::function<void()>& wake);

}  // namespace hallway::gui
