#include "core/files/posix_file_system.hpp"

#include "core/files/file_name.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <utility>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)  // linux/fs.h; older glibc headers lack it
#endif

namespace hallway::core::files {

namespace {

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        std::swap(fd_, o.fd_);
        return *this;
    }
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }

private:
    int fd_;
};

// The folder that holds rel's last component, and that component; no
// symlink followed on the way. An invalid fd when a component is missing, a
// symlink, not a folder, or rel is not a plain relative path.
struct Parent {
    Fd fd;
    std::string leaf;
};

Parent open_parent(const std::string& dir, const std::string& rel) {
    Parent p;
    // The service only hands paths safe_relative_path made; this holds even if not.
    Fd at(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::size_t begin = 0;
    for (std::size_t depth = 0; at; ++depth) {
        const std::size_t slash = rel.find('/', begin);
        std::string part = rel.substr(begin, slash == std::string::npos ? std::string::npos : slash - begin);
        if (part.empty() || part == "." || part == ".." || depth >= kMaxDepth) return p;
        if (slash == std::string::npos) {
            p.fd = std::move(at);
            p.leaf = std::move(part);
            return p;
        }
        at = Fd(::openat(at.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        begin = slash + 1;
    }
    return p;
}

// A regular file only: O_NONBLOCK so that a FIFO planted by that name cannot block the open.
Fd open_regular(int at, const char* name, int flags, mode_t mode = 0) {
    Fd fd(::openat(at, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode));
    struct stat st {};
    if (fd && (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))) return Fd();
    return fd;
}

class PosixReadFile final : public ReadFile {
public:
    PosixReadFile(Fd fd, std::uint64_t size) : fd_(std::move(fd)), size_(size) {}
    std::uint64_t size() const override { return size_; }
    bool read(std::uint64_t offset, std::span<std::uint8_t> out) override {
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = ::pread(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;  // an error, or the file is shorter now
            done += static_cast<std::size_t>(n);
        }
        return true;
    }

private:
    Fd fd_;
    std::uint64_t size_;
};

std::unique_ptr<ReadFile> make_reader(Fd fd) {
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) return nullptr;
    return std::make_unique<PosixReadFile>(std::move(fd), static_cast<std::uint64_t>(st.st_size));
}

class PosixPartFile final : public PartFile {
public:
    explicit PosixPartFile(Fd fd) : fd_(std::move(fd)) {}
    WriteResult write(std::uint64_t offset, std::span<const std::uint8_t> data) override {
        std::size_t done = 0;
        while (done < data.size()) {
            const ssize_t n =
                ::pwrite(fd_.get(), data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return write_result_for(errno);
            if (n == 0) return WriteResult::failed;
            done += static_cast<std::size_t>(n);
        }
        return WriteResult::ok;
    }
    void write_back(std::uint64_t offset, std::uint64_t length) override {
        constexpr unsigned kWriteAndWait =
            SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
        int rc;
        do rc = ::sync_file_range(fd_.get(), static_cast<off_t>(offset), static_cast<off_t>(length), kWriteAndWait);
        while (rc != 0 && errno == EINTR);
    }
    // The data itself must be on the disk before the file takes its final
    // name and the sender forgets it: a power loss then loses nothing.
    bool sync() override {
        int rc;
        do rc = ::fdatasync(fd_.get());
        while (rc != 0 && errno == EINTR);
        return rc == 0;
    }

private:
    Fd fd_;
};

bool renameat2_noreplace(int from_dir, const char* from, int to_dir, const char* to) {
    // Through syscall(): the glibc wrapper is recent (2.28) and we need nothing more.
    if (::syscall(SYS_renameat2, from_dir, from, to_dir, to, RENAME_NOREPLACE) == 0) return true;
    if (errno != EINVAL && errno != ENOSYS) return false;
    // A file system without RENAME_NOREPLACE: a hard link never replaces
    // either (EEXIST); then the old name goes.
    if (::linkat(from_dir, from, to_dir, to, 0) != 0) return false;
    ::unlinkat(from_dir, from, 0);
    return true;
}

}  // namespace

WriteResult write_result_for(int error) {
    return error == ENOSPC || error == EDQUOT ? WriteResult::no_space : WriteResult::failed;
}

std::unique_ptr<ReadFile> PosixFileSystem::open_read(const std::string& path) {
    return make_reader(open_regular(AT_FDCWD, path.c_str(), O_RDONLY));
}

std::unique_ptr<ReadFile> PosixFileSystem::open_read_at(const std::string& dir, const std::string& rel) {
    const Parent p = open_parent(dir, rel);
    return p.fd ? make_reader(open_regular(p.fd.get(), p.leaf.c_str(), O_RDONLY)) : nullptr;
}

std::unique_ptr<PartFile> PosixFileSystem::open_part(const std::string& dir, const std::string& rel, bool create) {
    const Parent p = open_parent(dir, rel);
    if (!p.fd) return nullptr;
    // 0644 before the umask, as any file a program saves.
    Fd fd = open_regular(p.fd.get(), p.leaf.c_str(), O_WRONLY | (create ? O_CREAT | O_EXCL : 0), 0644);
    return fd ? std::make_unique<PosixPartFile>(std::move(fd)) : nullptr;
}

bool PosixFileSystem::make_dir(const std::string& dir, const std::string& rel) {
    const Parent p = open_parent(dir, rel);
    if (!p.fd) return false;
    ::mkdirat(p.fd.get(), p.leaf.c_str(), 0755);  // EEXIST is fine if it is a folder
    struct stat st {};
    return ::fstatat(p.fd.get(), p.leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

bool PosixFileSystem::rename_noreplace(const std::string& dir, const std::string& from, const std::string& to) {
    const Parent a = open_parent(dir, from), b = open_parent(dir, to);
    return a.fd && b.fd && renameat2_noreplace(a.fd.get(), a.leaf.c_str(), b.fd.get(), b.leaf.c_str());
}

bool PosixFileSystem::exists(const std::string& dir, const std::string& rel) {
    const Parent p = open_parent(dir, rel);
    struct stat st {};
    return p.fd && ::fstatat(p.fd.get(), p.leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

void PosixFileSystem::remove(const std::string& dir, const std::string& rel) {
    if (const Parent p = open_parent(dir, rel); p.fd) ::unlinkat(p.fd.get(), p.leaf.c_str(), 0);
}

}  // namespace hallway::core::files
