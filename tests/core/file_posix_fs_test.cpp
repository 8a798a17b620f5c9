// core/files/posix_file_system.hpp on the real disk, in temp folders: nothing
// under the download folder follows a symlink, nothing is ever replaced.
#include "core/files/posix_file_system.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sys/stat.h>

using namespace hallway::core::files;
using hallway::test::TempDir;
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

void put(const fs::path& p, std::string_view text) { std::ofstream(p, std::ios::binary) << text; }
std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
Bytes bytes(std::string_view s) { return {s.begin(), s.end()}; }
std::size_t entries(const fs::path& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("file disk (posix): a symlinked folder inside the relative path is refused, and nothing lands outside") {
    TempDir dl, elsewhere;
    const std::string dir = dl.path().string();
    put(elsewhere / "victim", "theirs");
    fs::create_directory_symlink(elsewhere.path(), dl / "sub");
    PosixFileSystem disk;
    CHECK_FALSE(disk.open_part(dir, "sub/x.part", true));
    CHECK_FALSE(disk.open_part(dir, "sub/victim", false));
    CHECK_FALSE(disk.open_read_at(dir, "sub/victim"));
    CHECK_FALSE(disk.make_dir(dir, "sub"));  // a symlink to a folder is not a folder here
    CHECK_FALSE(disk.make_dir(dir, "sub/y"));
    CHECK_FALSE(disk.exists(dir, "sub/victim"));
    disk.remove(dir, "sub/victim");
    REQUIRE(disk.open_part(dir, "mine.part", true));
    CHECK_FALSE(disk.rename_noreplace(dir, "mine.part", "sub/mine"));
    CHECK(slurp(elsewhere / "victim") == "theirs");
    CHECK(entries(elsewhere.path()) == 1);
    // Not a plain relative path: refused whatever is on disk.
    for (const char* rel : {"../escape", "/tmp/abs", "a//b", "./x", ""}) {
        CAPTURE(rel);
        CHECK_FALSE(disk.open_part(dir, rel, true));
        CHECK_FALSE(disk.make_dir(dir, rel));
    }
    CHECK_FALSE(fs::exists(dl.path().parent_path() / "escape"));
}

TEST_CASE("file disk (posix): a symlink as the last component is neither followed nor replaced") {
    TempDir dl, elsewhere;
    const std::string dir = dl.path().string();
    put(elsewhere / "target", "theirs");
    fs::create_symlink(elsewhere / "target", dl / "link");
    fs::create_symlink(elsewhere / "new", dl / "dangling");
    fs::create_directory_symlink(elsewhere.path(), dl / "dirlink");
    PosixFileSystem disk;
    CHECK_FALSE(disk.open_part(dir, "link", false));
    CHECK_FALSE(disk.open_part(dir, "link", true));
    CHECK_FALSE(disk.open_part(dir, "dangling", true));  // O_EXCL with O_NOFOLLOW: not created through it
    CHECK_FALSE(disk.open_part(dir, "dangling", false));
    CHECK_FALSE(disk.open_read_at(dir, "link"));
    CHECK_FALSE(disk.open_read((dl / "link").string()));
    CHECK_FALSE(disk.make_dir(dir, "dirlink"));
    CHECK(disk.exists(dir, "dangling"));  // taken: unique_name moves on
    REQUIRE(disk.open_part(dir, "a.part", true));
    CHECK_FALSE(disk.rename_noreplace(dir, "a.part", "link"));
    CHECK_FALSE(disk.rename_noreplace(dir, "a.part", "dangling"));
    CHECK(slurp(elsewhere / "target") == "theirs");
    CHECK_FALSE(fs::exists(elsewhere / "new"));
    CHECK(entries(elsewhere.path()) == 1);
    CHECK(fs::is_symlink(dl / "link"));
}

TEST_CASE("file disk (posix): a .part is created only when its name is free") {
    TempDir dl;
    const std::string dir = dl.path().string();
    PosixFileSystem disk;
    REQUIRE(disk.open_part(dir, "f.part", true));
    CHECK_FALSE(disk.open_part(dir, "f.part", true));
    CHECK(disk.open_part(dir, "f.part", false));  // a resume
    CHECK_FALSE(disk.open_part(dir, "g.part", false));
    REQUIRE(disk.make_dir(dir, "d"));
    CHECK(disk.make_dir(dir, "d"));  // already a folder
    CHECK_FALSE(disk.open_part(dir, "d", true));
    CHECK_FALSE(disk.open_part(dir, "d", false));  // not a regular file
    CHECK_FALSE(disk.open_read((dl / "d").string()));
    REQUIRE(::mkfifo((dl / "fifo").c_str(), 0600) == 0);
    CHECK_FALSE(disk.open_part(dir, "fifo", false));  // and the open does not block
    CHECK_FALSE(disk.open_read((dl / "fifo").string()));
}

TEST_CASE("file disk (posix): rename never replaces an existing file") {
    TempDir dl;
    const std::string dir = dl.path().string();
    PosixFileSystem disk;
    put(dl / "b", "mine");
    {
        auto part = disk.open_part(dir, "a.part", true);
        REQUIRE(part);
        REQUIRE(part->write(0, bytes("new")) == WriteResult::ok);
    }
    CHECK_FALSE(disk.rename_noreplace(dir, "a.part", "b"));
    CHECK(slurp(dl / "b") == "mine");
    CHECK(slurp(dl / "a.part") == "new");
    REQUIRE(disk.make_dir(dir, "sub"));
    CHECK(disk.rename_noreplace(dir, "a.part", "sub/a"));
    CHECK(slurp(dl / "sub" / "a") == "new");
    CHECK_FALSE(disk.exists(dir, "a.part"));
    CHECK(disk.exists(dir, "sub/a"));
    disk.remove(dir, "sub/a");
    CHECK_FALSE(fs::exists(dl / "sub" / "a"));
}

TEST_CASE("file disk (posix): writes at offsets in nested folders read back") {
    TempDir dl;
    const std::string dir = dl.path().string();
    PosixFileSystem disk;
    REQUIRE(disk.make_dir(dir, "a"));
    REQUIRE(disk.make_dir(dir, "a/b"));
    auto part = disk.open_part(dir, "a/b/f.part", true);
    REQUIRE(part);
    CHECK(part->write(5, bytes("world")) == WriteResult::ok);
    CHECK(part->write(0, bytes("hello")) == WriteResult::ok);
    CHECK(part->sync());
    part.reset();
    struct stat st {};
    REQUIRE(::stat((dl / "a/b/f.part").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777 & ~0644) == 0);  // no more than 0644, whatever the umask
    std::vector<std::unique_ptr<ReadFile>> readers;
    readers.push_back(disk.open_read_at(dir, "a/b/f.part"));
    readers.push_back(disk.open_read((dl / "a/b/f.part").string()));
    for (auto& f : readers) {
        REQUIRE(f);
        CHECK(f->size() == 10);
        Bytes out(10);
        REQUIRE(f->read(0, out));
        CHECK(out == bytes("helloworld"));
        Bytes tail(3);
        REQUIRE(f->read(7, tail));
        CHECK(tail == bytes("rld"));
        Bytes past(4);
        CHECK_FALSE(f->read(8, past));  // shorter than asked: the file changed
    }
}

TEST_CASE("file disk (posix): a full disk or quota pauses, other write errors fail") {
    CHECK(write_result_for(ENOSPC) == WriteResult::no_space);
    CHECK(write_result_for(EDQUOT) == WriteResult::no_space);
    CHECK(write_result_for(EIO) == WriteResult::failed);
    CHECK(write_result_for(EBADF) == WriteResult::failed);
}
