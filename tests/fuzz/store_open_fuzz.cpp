// Store::open on a database file holding arbitrary bytes (a damaged or planted
// hallway.db): it opens (and then reads without crashing) or refuses; a refused
// file is never modified, not even through a WAL left next to it. The same
// bytes opened as a locked store (with a key) are refused, untouched.
#include "core/store.hpp"
#include "fuzz_support.hpp"

#include <sqlite3.h>

#include <cstdlib>
#include <fstream>

using namespace hallway;

namespace {

// What the refused file becomes once SQLite applies the WAL left beside it: a
// copy of both, checkpointed. A WAL holding only frames of a rolled-back
// transaction (a migration that failed on a damaged table, with pages spilled)
// changes nothing; one with a committed frame would change the file.
std::string after_wal_applied(const std::filesystem::path& dir) {
    const auto copy = dir.parent_path() / "store-wal-check";
    std::error_code ec;
    std::filesystem::remove_all(copy, ec);
    std::filesystem::create_directories(copy);
    std::filesystem::copy_file(dir / "hallway.db", copy / "hallway.db");
    std::filesystem::copy_file(dir / "hallway.db-wal", copy / "hallway.db-wal");
    sqlite3* db = nullptr;
    if (sqlite3_open((copy / "hallway.db").c_str(), &db) == SQLITE_OK)
        sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return fuzz::read_file(copy / "hallway.db");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto dir = fuzz::scratch_dir() / "store";
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::create_directories(dir);
    const auto file = dir / "hallway.db";
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << bytes;
    }
    core::StoreError err{};
    std::string message;
    {
        // As a locked store: arbitrary bytes never open with a key (only an
        // empty file does, as a new store) and are left as they were.
        const core::StoreKey key;
        auto sealed = core::Store::open(file.string(), err, message, &key);
        if (sealed ? size != 0 : err == core::StoreError::ok || fuzz::read_file(file) != bytes) std::abort();
        sealed.reset();
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
    }
    auto store = core::Store::open(file.string(), err, message);
    if (!store) {
        if (err == core::StoreError::ok) std::abort();
        if (fuzz::read_file(file) != bytes) std::abort();
        // Nor changed by proxy: a WAL left behind is applied at the next open.
        std::error_code size_ec;
        const auto wal = std::filesystem::file_size(dir / "hallway.db-wal", size_ec);
        if (!size_ec && wal != 0 && after_wal_applied(dir) != bytes) std::abort();
        return 0;
    }
    for (const auto& c : store->contacts()) store->history(c.key, 50);
    store->transfers();
    return 0;
}
