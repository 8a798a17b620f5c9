#include "core/profile.hpp"
#include "transport/wire.hpp"
#include "tests/core/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>

using namespace hallway::core;
using hallway::test::TempDir;
namespace transport = hallway::transport;

namespace {

// Sets (or unsets, with nullopt) an environment variable for one scope.
class EnvVar {
public:
    EnvVar(const char* name, std::optional<std::string> value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value)
            ::setenv(name, value->c_str(), 1);
        else
            ::unsetenv(name);
    }
    ~EnvVar() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

mode_t mode_of(const std::filesystem::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

struct ChildResult {
    int exit_code = -1;
    std::string message;
};

// Tries ProfileLock::acquire in a forked child (a separate process, as a second
// hallway would be). Exit code 0: refused, 1: acquired; the message comes back
// through a pipe.
ChildResult acquire_in_child(const std::filesystem::path& dir) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        std::string message;
        auto lock = ProfileLock::acquire(dir, message);
        (void)!::write(fds[1], message.data(), message.size());
        ::_exit(lock ? 1 : 0);
    }
    ::close(fds[1]);
    ChildResult r;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) r.message.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    r.exit_code = WEXITSTATUS(status);
    return r;
}

}  // namespace

TEST_CASE("profile: the default directory follows HALLWAY_PROFILE, XDG_DATA_HOME, HOME") {
    EnvVar home("HOME", "/home/tester");
    {
        EnvVar profile("HALLWAY_PROFILE", "/srv/p");
        EnvVar xdg("XDG_DATA_HOME", "/data");
        CHECK(default_profile_dir() == "/srv/p");
    }
    {
        EnvVar profile("HALLWAY_PROFILE", std::nullopt);
        EnvVar xdg("XDG_DATA_HOME", "/data");
        CHECK(default_profile_dir() == "/data/hallway");
    }
    {
        EnvVar profile("HALLWAY_PROFILE", "");
        EnvVar xdg("XDG_DATA_HOME", "relative/is/ignored");
        CHECK(default_profile_dir() == "/home/tester/.local/share/hallway");
    }
    {
        EnvVar profile("HALLWAY_PROFILE", std::nullopt);
        EnvVar xdg("XDG_DATA_HOME", std::nullopt);
        CHECK(default_profile_dir() == "/home/tester/.local/share/hallway");
    }
}

TEST_CASE("profile: the directory is created with mode 0700, parents as needed") {
    TempDir tmp;
    const mode_t old_umask = ::umask(0);  // the mode must not depend on the umask
    const auto dir = tmp / "a" / "b" / "profile";
    std::string message;
    CHECK(ensure_profile_dir(dir, message));
    ::umask(old_umask);
    INFO(message);
    CHECK(mode_of(dir) == 0700);
    CHECK(ensure_profile_dir(dir, message));  // existing is fine

    const auto loose = tmp / "loose";
    REQUIRE(::mkdir(loose.c_str(), 0755) == 0);
    REQUIRE(::chmod(loose.c_str(), 0755) == 0);
    CHECK(ensure_profile_dir(loose, message));
    CHECK(mode_of(loose) == 0700);
}

TEST_CASE("profile: a directory that cannot be made is reported") {
    TempDir tmp;
    write_text(tmp / "file", "x");
    std::string message;
    CHECK_FALSE(ensure_profile_dir(tmp / "file", message));
    CHECK(message.find("not a directory") != std::string::npos);
    message.clear();
    CHECK_FALSE(ensure_profile_dir(tmp / "file" / "sub", message));
    CHECK(!message.empty());
    message.clear();
    CHECK_FALSE(ensure_profile_dir({}, message));
    CHECK(!message.empty());
}

TEST_CASE("profile: a second process cannot take the lock and is told who holds it") {
    TempDir dir;
    std::string message;
    auto lock = ProfileLock::acquire(dir.path(), message);
    INFO(message);
    REQUIRE(lock);
    CHECK(file_text(dir / "lock") == std::to_string(::getpid()) + "\n");

    ChildResult r = acquire_in_child(dir.path());
    CHECK(r.exit_code == 0);
    CHECK(r.message == "profile " + dir.path().string() + " is in use by process " + std::to_string(::getpid()));

    lock.reset();
    r = acquire_in_child(dir.path());
    CHECK(r.exit_code == 1);
    CHECK(r.message.empty());
}

TEST_CASE("profile: the lock file is not inherited through exec") {
    // O_CLOEXEC: a program we start must not keep the profile locked.
    TempDir dir;
    std::string message;
    auto lock = ProfileLock::acquire(dir.path(), message);
    REQUIRE(lock);
    const std::string fd_dir = "/proc/self/fd";
    bool found_cloexec_lock = false;
    for (const auto& e : std::filesystem::directory_iterator(fd_dir)) {
        std::error_code ec;
        if (std::filesystem::read_symlink(e.path(), ec) != dir / "lock") continue;
        const int fd = std::stoi(e.path().filename().string());
        found_cloexec_lock = (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
    }
    CHECK(found_cloexec_lock);
}

TEST_CASE("profile: settings round-trip through the file") {
    TempDir dir;
    std::string message;
    Settings s;
    CHECK(load_settings(dir.path(), s, message));  // no file yet: defaults
    CHECK(s.nick.empty());
    CHECK(s.presence == "available");

    s.nick = "Zoë = \"z\" # not a comment";
    s.presence = "away";
    s.status_message = "  at lunch; back =soon= \xF0\x9F\x8D\x95  ";
    CHECK(save_settings(dir.path(), s, message));
    CHECK(mode_of(dir / "settings") == 0600);
    CHECK_FALSE(std::filesystem::exists(dir / "settings.tmp"));

    Settings back;
    CHECK(load_settings(dir.path(), back, message));
    CHECK(back.nick == s.nick);
    CHECK(back.presence == s.presence);
    CHECK(back.status_message == s.status_message);
}

TEST_CASE("profile: private mode is kept in settings as private=1") {
    TempDir dir;
    std::string message;
    Settings s;
    CHECK_FALSE(s.private_mode);
    s.private_mode = true;
    REQUIRE(save_settings(dir.path(), s, message));
    CHECK(file_text(dir / "settings").find("\nprivate=1\n") != std::string::npos);
    Settings back;
    CHECK(load_settings(dir.path(), back, message));
    CHECK(back.private_mode);
    // Only 0 and 1 mean anything; anything else keeps what was there.
    write_text(dir / "settings", "private=yes\n");
    CHECK(load_settings(dir.path(), back, message));
    CHECK(back.private_mode);
    write_text(dir / "settings", "private=0\n");
    CHECK(load_settings(dir.path(), back, message));
    CHECK_FALSE(back.private_mode);
}

TEST_CASE("profile: share_addresses is verified unless set to contacts or off (§13)") {
    TempDir dir;
    std::string message;
    Settings s;
    CHECK(s.share_addresses == "verified");
    s.share_addresses = "contacts";
    REQUIRE(save_settings(dir.path(), s, message));
    CHECK(file_text(dir / "settings").find("\nshare_addresses=contacts\n") != std::string::npos);
    Settings back;
    CHECK(load_settings(dir.path(), back, message));
    CHECK(back.share_addresses == "contacts");
    // Another word, or a long one cut to the bound, keeps what was there.
    write_text(dir / "settings", "share_addresses=everyone\nshare_addresses=offoffoffoff\n");
    CHECK(load_settings(dir.path(), back, message));
    CHECK(back.share_addresses == "contacts");
    write_text(dir / "settings", "share_addresses=off\n");
    CHECK(load_settings(dir.path(), back, message));
    CHECK(back.share_addresses == "off");
    s.share_addresses = "all";
    CHECK_FALSE(save_settings(dir.path(), s, message));
    CHECK(share_addresses_from("off") == ShareAddresses::off);
    CHECK(to_string(ShareAddresses::contacts) == "contacts");
}

TEST_CASE("profile: a value with a line break is refused and the old file kept") {
    TempDir dir;
    std::string message;
    Settings s;
    s.nick = "alice";
    REQUIRE(save_settings(dir.path(), s, message));
    const std::string before = file_text(dir / "settings");

    for (const std::string& bad : {std::string("two\nlines"), std::string("cr\rhere"), std::string("nul\0byte", 8)}) {
        Settings worse = s;
        worse.status_message = bad;
        message.clear();
        CHECK_FALSE(save_settings(dir.path(), worse, message));
        CHECK(message.find("status_message") != std::string::npos);
        CHECK(message.find("line break") != std::string::npos);
    }
    Settings nick_bad = s;
    nick_bad.nick = "a\nb";
    CHECK_FALSE(save_settings(dir.path(), nick_bad, message));
    CHECK(file_text(dir / "settings") == before);
}

TEST_CASE("profile: unknown keys, comments and odd lines in settings are ignored") {
    TempDir dir;
    write_text(dir / "settings",
               "# written by a future Hallway\r\n"
               "theme=dark\r\n"
               "nick=old\n"
               "no equals sign here\n"
               "\n"
               "nick=bob\r\n"
               "status_message=\n"
               "presence=busy=really\n"
               "presence=away\n");
    Settings s;
    s.status_message = "replaced by the empty value";
    std::string message;
    CHECK(load_settings(dir.path(), s, message));
    CHECK(s.nick == "bob");
    CHECK(s.presence == "away");
    CHECK(s.status_message.empty());
}

TEST_CASE("profile: hand-edited settings over the bounds are cut or ignored, never refuse the profile") {
    TempDir dir;
    // A line longer than the whole file limit, as an older node could write it.
    write_text(dir / "settings",
               "presence=away\n"
               "nick=Zo\xC3\xAB" + std::string(kMaxSettingsBytes, 'x') + "\n"
               "status_message=" + std::string(70000, 's') + "\n");
    Settings s;
    s.status_message = "kept: its line is past the part read";
    std::string message;
    REQUIRE_MESSAGE(load_settings(dir.path(), s, message), message);
    CHECK(s.presence == "away");
    CHECK(s.nick == "Zo\xC3\xAB" + std::string(transport::wire::kMaxNick - 4, 'x'));
    CHECK(s.status_message == "kept: its line is past the part read");

    // Cut where a UTF-8 sequence would split; a value failing its check is ignored.
    write_text(dir / "settings", "nick=" + std::string(63, 'n') + "\xC3\xAB\n"
                                 "status_message=" + std::string(300, 's') + "\n"
                                 "presence=asleep\n");
    Settings t;
    t.nick = "old";
    REQUIRE(load_settings(dir.path(), t, message));
    CHECK(t.nick == std::string(63, 'n'));
    CHECK(t.status_message == std::string(transport::wire::kMaxStatusMessage, 's'));
    CHECK(t.presence == "available");
    // And what loaded saves and loads back the same.
    REQUIRE_MESSAGE(save_settings(dir.path(), t, message), message);
    Settings back;
    REQUIRE(load_settings(dir.path(), back, message));
    CHECK(back.nick == t.nick);
    CHECK(back.status_message == t.status_message);
}

TEST_CASE("profile: save refuses what load would not take back") {
    TempDir dir;
    std::string message;
    Settings ok;
    ok.nick = std::string(transport::wire::kMaxNick, 'n');
    ok.status_message = std::string(transport::wire::kMaxStatusMessage, 's');
    REQUIRE(save_settings(dir.path(), ok, message));
    const std::string before = file_text(dir / "settings");
    Settings long_nick = ok, long_status = ok, bad_presence = ok, control = ok;
    long_nick.nick += "n";
    long_status.status_message += "s";
    bad_presence.presence = "asleep";
    control.nick = "tab\there";
    for (const Settings* bad : {&long_nick, &long_status, &bad_presence, &control}) {
        message.clear();
        CHECK_FALSE(save_settings(dir.path(), *bad, message));
        CHECK(!message.empty());
    }
    CHECK(file_text(dir / "settings") == before);
}
