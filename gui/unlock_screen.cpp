#include "gui/unlock_screen.hpp"

#include <sodium.h>

#include <chrono>
#include <cstring>
#include <utility>

namespace hallway::gui {

UnlockScreen::~UnlockScreen() {
    // A window closed mid-try: the worker (joined after this) still owns its
    // passphrase and wipes it.
    sodium_memzero(field.data(), field.size());
}

bool take_passphrase(UnlockScreen& s, crypto::Passphrase& out) {
    if (s.phase != UnlockScreen::Phase::typing) return false;
    const std::size_t n = strnlen(s.field.data(), s.field.size() - 1);
    if (n == 0) return false;
    out = crypto::Passphrase(std::string_view(s.field.data(), n));
    sodium_memzero(s.field.data(), s.field.size());
    return true;
}

void finish_unlock(UnlockScreen& s, UnlockResult r) {
    switch (r.error) {
        case core::UnlockError::ok:
        case core::UnlockError::not_locked:  // unlocked elsewhere meanwhile: the node opens it plain
            s.phase = UnlockScreen::Phase::unlocked;
            s.keys = std::move(r.keys);
            s.error.clear();
            return;
        case core::UnlockError::wrong_passphrase:
            s.error = "Wrong passphrase";
            break;
        case core::UnlockError::damaged:
            s.error = "Cannot unlock: " + r.message;
            break;
    }
    s.phase = UnlockScreen::Phase::typing;
    s.focus = true;
}

bool submit(UnlockScreen& s, const std::filesystem::path& dir, std::function<void()> wake) {
    crypto::Passphrase pass;
    if (!take_passphrase(s, pass)) return false;
    s.phase = UnlockScreen::Phase::unlocking;
    s.error.clear();
    std::promise<UnlockResult> done;
    s.pending = done.get_future();
    // The result is set before the wake, so the woken loop finds it ready.
    s.worker = std::jthread([dir, pass = std::move(pass), wake = std::move(wake), done = std::move(done)]() mutable {
        UnlockResult r;
        auto keys = std::make_shared<core::UnlockedKeys>();
        r.error = core::unlock_profile(dir, pass.view(), *keys, r.message);
        if (r.error == core::UnlockError::ok) r.keys = std::move(keys);
        done.set_value(std::move(r));
        if (wake) wake();
    });
    return true;
}

bool poll_unlock(UnlockScreen& s) {
    if (!s.pending.valid() || s.pending.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
    finish_unlock(s, s.pending.get());
    return true;
}

}  // namespace hallway::gui
