#include "core/store_seal.hpp"

#include "core/profile.hpp"
#include "core/sealed_page.hpp"
#include "core/sealed_vfs.hpp"
#include "core/store_impl.hpp"
#include "core/store_schema.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

namespace hallway::core {

using namespace store_detail;
using sealed::kPageSize;
using sealed::PageFile;

namespace {

constexpr std::string_view kMagic{"SQLite format 3\0", 16};
constexpr std::size_t kWalHeader = 32;
constexpr std::size_t kFrameHeader = 24;
constexpr std::size_t kFrame = kFrameHeader + kPageSize;
// The names a conversion writes next to db: the new file, then the old one
// (a second link to the old inode, to overwrite once the new one is in place).
constexpr std::string_view kConvertSuffix = ".convert";
constexpr std::string_view kOldSuffix = ".old";

std::uintmax_t size_or_zero(const std::string& path) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(path, ec);
    return ec ? 0 : n;
}

bool read_at(std::ifstream& in, std::uintmax_t off, std::uint8_t* out, std::size_t n) {
    in.seekg(static_cast<std::streamoff>(off));
    return static_cast<bool>(in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n)));
}

// The WAL frames SQLite would replay (salts matching the header) and whether
// they open: ok (all), torn (only the last one fails: a write cut short),
// bad (an earlier one fails). frames = 0: none to replay.
struct WalCheck {
    std::size_t frames = 0;
    std::size_t opened = 0;
    bool bad = false;
};
WalCheck check_wal(const std::string& wal, const StoreKey& key) {
    WalCheck c;
    std::ifstream in(wal, std::ios::binary);
    std::array<std::uint8_t, kWalHeader> h{};
    if (!in || !read_at(in, 0, h.data(), h.size())) return c;
    if (be32(h.data() + 8) != kPageSize) {
        c.bad = true;
        return c;
    }
    std::array<std::uint8_t, kFrame> frame;
    std::array<std::uint8_t, kPageSize> plain;
    std::optional<std::size_t> failed;
    const std::uintmax_t size = size_or_zero(wal);
    for (std::size_t i = 0; kWalHeader + (i + 1) * kFrame <= size; ++i) {
        if (!read_at(in, kWalHeader + i * kFrame, frame.data(), frame.size())) break;
        if (std::memcmp(frame.data() + 8, h.data() + 16, 8) != 0) break;  // an older log's frame
        ++c.frames;
        if (sealed::open_page(key, PageFile::wal, be32(frame.data()), frame.data() + kFrameHeader, plain.data()))
            ++c.opened;
        else if (!failed)
            failed = i;
    }
    sodium_memzero(plain.data(), plain.size());
    c.bad = failed && *failed + 1 != c.frames;
    return c;
}

// Opens pages [0, count) of the main file (count 1: page 1 only); page 1's
// plaintext must be SQLite's header for 4096-byte pages with our reserve.
bool check_main(const std::string& path, const StoreKey& key, std::uintmax_t count) {
    std::ifstream in(path, std::ios::binary);
    std::array<std::uint8_t, kPageSize> page;
    std::array<std::uint8_t, kPageSize> plain;
    bool ok = static_cast<bool>(in);
    for (std::uintmax_t k = 0; k < count && ok; ++k) {
        ok = read_at(in, k * kPageSize, page.data(), kPageSize) &&
             sealed::open_page(key, PageFile::db, static_cast<std::uint32_t>(k + 1), page.data(), plain.data());
        if (ok && k == 0)
            ok = std::memcmp(plain.data(), kMagic.data(), kMagic.size()) == 0 && plain[16] == kPageSize >> 8 &&
                 plain[17] == 0 && plain[20] == sealed::kReserve;
    }
    sodium_memzero(plain.data(), plain.size());
    return ok;
}

// core::shred_file, where the caller says its own words on failure.
bool shred(const std::string& path) {
    std::string ignored;
    return shred_file(path, ignored);
}

bool fsync_path(const std::string& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

int exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }

// What a copy must keep: the quick_check verdict and every table's row count.
std::string content_summary(sqlite3* db) {
    std::string out;
    sqlite3_stmt* raw = nullptr;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1, &raw, nullptr);
    StmtPtr tables(raw);
    std::int64_t n = 0;
    if (query_int(db, "SELECT count(*) FROM sqlite_master", n) != SQLITE_OK) return {};
    while (tables && sqlite3_step(tables.get()) == SQLITE_ROW) {
        const std::string name = column_text(tables.get(), 0);
        std::string quoted = "\"";
        for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        if (query_int(db, ("SELECT count(*) FROM " + quoted + "\"").c_str(), n) != SQLITE_OK) return {};
        out += name + '=' + std::to_string(n) + ';';
    }
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &q, nullptr);
    StmtPtr check(q);
    if (!check || sqlite3_step(q) != SQLITE_ROW || column_text(q, 0) != "ok") return {};
    return out;
}

DbPtr open_db(const std::string& path, int flags, const SealedVfs* vfs) {
    sqlite3* raw = nullptr;
    sqlite3_open_v2(path.c_str(), &raw, flags, vfs ? vfs->name() : nullptr);
    DbPtr db(raw);
    if (db) sqlite3_extended_result_codes(db.get(), 1);
    return db;
}

// Copies the store at path through from (null: plaintext) into a new file
// through to (null: plaintext), then puts it in place (store_seal.hpp).
bool convert(const std::string& path, const StoreKey* from, const StoreKey* to, std::string& message) {
    const bool sealed_now = store_is_sealed(path);
    if (!std::filesystem::exists(path) || sealed_now != (from != nullptr)) {
        message = path + (!std::filesystem::exists(path) ? ": no store there"
                          : sealed_now                   ? " is already locked"
                                                         : " is not locked");
        return false;
    }
    remove_leftovers(path);
    const StoreError checked = from ? check_sealed(path, *from, message) : inspect_existing(path, message);
    if (checked != StoreError::ok) return false;
    std::optional<SealedVfs> from_vfs, to_vfs;
    if (from) from_vfs.emplace(*from);
    if (to) to_vfs.emplace(*to);
    const std::string tmp = path + std::string(kConvertSuffix);
    auto fail = [&](sqlite3* db, const std::string& what) {
        message = path + ": " + what + (db ? std::string(": ") + sqlite3_errmsg(db) : std::string());
        shred(tmp);
        return false;
    };

    // VACUUM INTO a file needs a rollback journal for it (which the sealed
    // VFS refuses), and the backup API copies the source's reserve (0 in a
    // plaintext store): so VACUUM INTO memory with 40 reserve bytes, then
    // back up that into the new file, already in WAL mode.
    static std::atomic<unsigned> copies{0};
    const std::string memory =
        "file:/hallway-convert-" + std::to_string(::getpid()) + "-" + std::to_string(copies++) + "?vfs=memdb";
    DbPtr mem = open_db(memory, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, nullptr);
    if (!mem) return fail(nullptr, "out of memory");
    std::string summary;
    {
        DbPtr src = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, from ? &*from_vfs : nullptr);
        if (!src || (from ? enter_sealed_mode(src.get()) : exec(src.get(), "PRAGMA temp_store = MEMORY")) != SQLITE_OK)
            return fail(src.get(), "cannot open the store");
        // The old WAL stays on close (to be overwritten below, not just unlinked)
        // once a full checkpoint has put all of it into the main file.
        int persist = 1;
        sqlite3_file_control(src.get(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
        std::int64_t busy = 1;
        if (query_int(src.get(), "PRAGMA wal_checkpoint(RESTART)", busy) != SQLITE_OK || busy != 0)
            return fail(src.get(), "cannot checkpoint the store");
        std::int64_t page_size = 0;
        if (query_int(src.get(), "PRAGMA page_size", page_size) != SQLITE_OK || page_size != kPageSize)
            return fail(nullptr, "the store's pages are not 4096 bytes");
        // VACUUM INTO gives the copy this reserve (SQLite keeps the larger of
        // the file's and the requested one: an unlocked store keeps 40).
        int reserve = static_cast<int>(sealed::kReserve);
        sqlite3_file_control(src.get(), "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
        summary = content_summary(src.get());
        if (summary.empty()) return fail(src.get(), "the store does not read back whole");
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v2(src.get(), "VACUUM INTO ?1", -1, &raw, nullptr);
        StmtPtr vacuum(raw);
        if (rc == SQLITE_OK) rc = sqlite3_bind_text(raw, 1, memory.c_str(), -1, SQLITE_TRANSIENT);
        if (rc == SQLITE_OK) rc = sqlite3_step(raw);
        if (rc != SQLITE_DONE) return fail(src.get(), "cannot copy the store");
    }
    {
        shred(tmp);
        DbPtr dst = open_db(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, to ? &*to_vfs : nullptr);
        int rc = !dst ? SQLITE_CANTOPEN
                 : to ? enter_sealed_mode(dst.get())
                      : exec(dst.get(), "PRAGMA journal_mode = WAL");
        if (rc != SQLITE_OK) return fail(dst.get(), "cannot create the copy");
        sqlite3_backup* backup = sqlite3_backup_init(dst.get(), "main", mem.get(), "main");
        rc = backup ? sqlite3_backup_step(backup, -1) : SQLITE_ERROR;
        sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE) return fail(dst.get(), "cannot write the copy");
        if (content_summary(dst.get()) != summary) return fail(dst.get(), "the copy differs from the store");
    }
    mem.reset();
    if (!fsync_path(tmp, O_RDONLY)) return fail(nullptr, "cannot sync the copy");
    // All of the old WAL is in the old main file now: only that and the new copy hold the store.
    for (const char* side : {"-wal", "-shm", "-journal"}) {
        if (!shred(path + side)) return fail(nullptr, std::string("cannot remove the old ") + side);
    }
    const std::string old = path + std::string(kOldSuffix);
    const std::string dir = std::filesystem::path(path).parent_path().string();
    if (::link(path.c_str(), old.c_str()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(old.c_str());
        return fail(nullptr, std::string("cannot put the copy in place: ") + std::strerror(errno));
    }
    fsync_path(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY);
    if (!shred(old)) {
        message = path + ": converted, but the old file " + old + " could not be overwritten";
        return false;
    }
    return true;
}

}  // namespace

bool store_is_sealed(const std::filesystem::path& db) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(db, ec)) return false;
    const std::uintmax_t size = size_or_zero(db.string());
    if (size < kPageSize || size % kPageSize != 0) return false;
    std::ifstream in(db, std::ios::binary);
    std::array<std::uint8_t, kMagic.size()> head{};
    return in && read_at(in, 0, head.data(), head.size()) && std::memcmp(head.data(), kMagic.data(), kMagic.size()) != 0;
}

bool seal_store(const std::filesystem::path& db, const StoreKey& key, std::string& message) {
    return convert(db.string(), nullptr, &key, message);
}

bool unseal_store(const std::filesystem::path& db, const StoreKey& key, std::string& message) {
    return convert(db.string(), &key, nullptr, message);
}

namespace store_detail {

StoreError check_sealed(const std::string& path, const StoreKey& key, std::string& message) {
    const std::uintmax_t size = size_or_zero(path);
    std::ifstream in(path, std::ios::binary);
    std::array<std::uint8_t, kMagic.size()> head{};
    if (size >= kMagic.size() && in && read_at(in, 0, head.data(), head.size()) &&
        std::memcmp(head.data(), kMagic.data(), kMagic.size()) == 0) {
        message = path + " is not locked (a plaintext store): lock it first";
        return StoreError::not_sealed;
    }
    const WalCheck wal = check_wal(path + "-wal", key);
    // With frames to replay, main pages may be torn by a checkpoint cut short
    // (the WAL still holds them): then page 1 only, and only when no frame
    // already showed the key is right.
    const std::uintmax_t pages = size / kPageSize;
    const bool main_ok = size % kPageSize == 0 &&
                         (wal.frames == 0 ? check_main(path, key, pages)
                                          : wal.opened > 0 || check_main(path, key, std::min<std::uintmax_t>(pages, 1)));
    if (!main_ok || wal.bad || (size == 0 && wal.frames > 0 && wal.opened == 0)) {
        message = path + " cannot be unlocked: wrong key, or the file is damaged";
        return StoreError::wrong_key_or_damaged;
    }
    return StoreError::ok;
}

int enter_sealed_mode(sqlite3* db) {
    int reserve = static_cast<int>(sealed::kReserve);
    sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
    int rc = exec(db, "PRAGMA page_size = 4096; PRAGMA temp_store = MEMORY");
    sqlite3_stmt* raw = nullptr;
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &raw, nullptr);
    StmtPtr mode(raw);
    if (rc != SQLITE_OK || sqlite3_step(raw) != SQLITE_ROW) return rc == SQLITE_OK ? sqlite3_errcode(db) : rc;
    if (column_text(raw, 0) == "wal") return SQLITE_OK;
    mode.reset();
    // From MEMORY, SQLite switches to WAL through mode OFF: the header change
    // is written without a rollback journal (which the sealed VFS refuses).
    rc = exec(db, "PRAGMA journal_mode = MEMORY; PRAGMA journal_mode = WAL");
    raw = nullptr;
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &raw, nullptr);
    mode.reset(raw);
    if (rc == SQLITE_OK && (sqlite3_step(raw) != SQLITE_ROW || column_text(raw, 0) != "wal")) rc = SQLITE_CANTOPEN;
    return rc;
}

void remove_leftovers(const std::string& path) {
    shred(path + std::string(kConvertSuffix));
    // Still the store itself when the rename did not happen: unlink only.
    const std::string old = path + std::string(kOldSuffix);
    std::error_code ec;
    if (std::filesystem::equivalent(path, old, ec)) ::unlink(old.c_str());
    else if (!ec) shred(old);
}

}  // namespace store_detail

}  // namespace hallway::core
