// The profile lock from a terminal: lock, passwd, lock --remove, and the
// passphrase every command that needs the identity asks for on a locked
// profile. The passphrase is read from /dev/tty with echo off, or from
// --passphrase-fd; it is never echoed, printed or kept past its use.
#include "cli/commands.hpp"
#include "cli/remote.hpp"
#include "core/profile_lock.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <cstring>
#include <iostream>

namespace hallway::cli {

namespace {

// Ctrl-C (or a hangup, or kill) at the prompt must not leave the person's
// terminal without echo: while echo is off these signals put the settings back
// and then take their default course. A handler can reach only globals.
int g_prompt_tty = -1;
termios g_prompt_saved{};
constexpr int kPromptSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void restore_tty_and_die(int sig) {
    ::tcsetattr(g_prompt_tty, TCSAFLUSH, &g_prompt_saved);
    (void)!::write(g_prompt_tty, "\n", 1);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// Installs restore_tty_and_die for the prompt's lifetime, then puts the old handlers back.
class PromptSignals {
public:
    PromptSignals(int fd, const termios& saved) {
        g_prompt_tty = fd;
        g_prompt_saved = saved;
        struct sigaction sa {};
        sa.sa_handler = restore_tty_and_die;
        sigemptyset(&sa.sa_mask);
        for (std::size_t i = 0; i < std::size(kPromptSignals); ++i) ::sigaction(kPromptSignals[i], &sa, &old_[i]);
    }
    ~PromptSignals() {
        for (std::size_t i = 0; i < std::size(kPromptSignals); ++i) ::sigaction(kPromptSignals[i], &old_[i], nullptr);
    }
    PromptSignals(const PromptSignals&) = delete;
    PromptSignals& operator=(const PromptSignals&) = delete;

private:
    struct sigaction old_[std::size(kPromptSignals)] {};
};

// Closes the terminal and puts its echo back on every exit path.
class Tty {
public:
    Tty() : fd_(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) {}
    ~Tty() {
        if (fd_ < 0) return;
        if (echo_off_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
        ::close(fd_);
    }
    Tty(const Tty&) = delete;
    Tty& operator=(const Tty&) = delete;

    bool ask(std::string_view prompt, crypto::Passphrase& out, std::string& error) {
        if (fd_ < 0) {
            error = "cannot open the terminal to ask for the passphrase (use --passphrase-fd N)";
            return false;
        }
        if (::tcgetattr(fd_, &saved_) != 0) {
            error = std::string("cannot read the terminal's settings: ") + std::strerror(errno);
            return false;
        }
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        (void)!::write(fd_, prompt.data(), prompt.size());
        const PromptSignals restore_on_signal(fd_, saved_);
        if (::tcsetattr(fd_, TCSAFLUSH, &quiet) != 0) {
            error = std::string("cannot turn the terminal's echo off: ") + std::strerror(errno);
            return false;
        }
        echo_off_ = true;
        const bool ok = core::read_passphrase_line(fd_, out, error);
        ::tcsetattr(fd_, TCSAFLUSH, &saved_);
        echo_off_ = false;
        (void)!::write(fd_, "\n", 1);  // the Enter the user typed was not echoed
        return ok;
    }

private:
    int fd_;
    termios saved_{};
    bool echo_off_ = false;
};

// One passphrase: the next line of --passphrase-fd, else typed at the terminal.
bool read_one(const Args& a, Tty& tty, std::string_view prompt, crypto::Passphrase& out) {
    std::string error;
    const bool ok = a.passphrase_fd ? core::read_passphrase_line(*a.passphrase_fd, out, error)
                                    : tty.ask(prompt, out, error);
    if (!ok) std::cerr << "hallway: " << error << "\n";
    return ok;
}

// A new passphrase: once from --passphrase-fd, twice (and the same) at the terminal.
bool read_new(const Args& a, Tty& tty, crypto::Passphrase& out) {
    if (!read_one(a, tty, "New passphrase: ", out)) return false;
    if (a.passphrase_fd) return true;
    crypto::Passphrase again;
    if (!read_one(a, tty, "The same again: ", again)) return false;
    if (again.view() != out.view()) {
        std::cerr << "hallway: the two passphrases differ; nothing was changed\n";
        return false;
    }
    return true;
}

std::string prompt_for(const Args& a) { return "Passphrase for " + a.profile + ": "; }

int done(bool ok, const std::string& message) {
    (ok ? std::cout : std::cerr) << (ok ? "" : "hallway: ") << message << "\n";
    return ok ? kExitOk : kExitError;
}

}  // namespace

bool unlock_if_locked(const Args& a, std::shared_ptr<const core::UnlockedKeys>& out) {
    out.reset();
    if (!core::profile_is_locked(a.profile)) return true;
    Tty tty;
    crypto::Passphrase pass;
    if (!read_one(a, tty, prompt_for(a), pass)) return false;
    auto keys = std::make_shared<core::UnlockedKeys>();
    std::string message;
    if (core::unlock_profile(a.profile, pass.view(), *keys, message) != core::UnlockError::ok) {
        std::cerr << "hallway: " << message << "\n";
        return false;
    }
    out = std::move(keys);
    return true;
}

int cmd_lock(const Args& a) {
    Tty tty;
    crypto::Passphrase pass;
    std::string message;
    if (a.remove) {
        if (!read_one(a, tty, prompt_for(a), pass)) return kExitError;
        return done(core::remove_lock(a.profile, pass.view(), message), message);
    }
    // An interrupted lock is finished with the passphrase it already has.
    if (core::lock_is_interrupted(a.profile) ? !read_one(a, tty, prompt_for(a), pass) : !read_new(a, tty, pass))
        return kExitError;
    return done(core::lock_profile(a.profile, pass.view(), message), message);
}

int cmd_passwd(const Args& a) {
    Tty tty;
    crypto::Passphrase old_pass, new_pass;
    if (!read_one(a, tty, "Current passphrase: ", old_pass) || !read_new(a, tty, new_pass)) return kExitError;
    std::string message;
    return done(core::change_passphrase(a.profile, old_pass.view(), new_pass.view(), message), message);
}

}  // namespace hallway::cli
