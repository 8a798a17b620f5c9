#pragma once
// Private to core/store*.cpp: what makes a file a Hallway store at some
// schema version, the checks made before anything writes a file, and the
// migrations from one version to the next.
#include "core/store.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace hallway::core::store_detail {

// A big-endian 32-bit field of SQLite's file formats (database header, WAL frames).
inline std::uint32_t be32(const unsigned char* p) {
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

// The schema version this build writes: the number of migrations.
extern const std::int64_t kSchemaVersion;

struct Identity {
    std::int64_t application_id = 0;
    std::int64_t user_version = 0;
    std::int64_t schema_objects = 0;
};
int read_identity(sqlite3* db, Identity& id);
// Ours (any version we know), or a blank database we may adopt; else foreign.
StoreError classify(const Identity& id, const std::string& path, std::string& message);

// Looks at an existing file before anything may write it. immutable=1 reads
// the main file only: no locks, no -wal/-shm side files, no journal rollback,
// so a refused file and its directory stay exactly as they were. When a WAL
// exists the main file alone is not the database; open() then decides on its
// own connection, which does not checkpoint until the file is known as ours.
StoreError inspect_existing(const std::string& path, std::string& message);

// Takes the schema from from_version to kSchemaVersion and stamps the file as
// ours; inside the caller's transaction. The SQLite result.
int migrate(sqlite3* db, std::int64_t from_version);

StoreError from_sqlite_open_error(int rc);

// Registers hallway_room_text(bytes) on db (store_search.cpp): a room entry's
// text body, NULL when the bytes are not a text entry. Migration 8 and the
// room index use it; before the migration runs.
int register_search_functions(sqlite3* db);

// "file:" URI for path (every reserved character percent-encoded).
std::string file_uri(const std::string& path);

// Locked stores (core/store_seal.cpp) -------------------------------------
// Checks an existing file before SQLite sees it, with plain reads: a sealed
// file whose key opens page 1 (or a WAL frame) and, when no WAL holds newer
// pages, every page. not_sealed for a plaintext SQLite header.
StoreError check_sealed(const std::string& path, const StoreKey& key, std::string& message);
// Settings of a connection through a SealedVfs, before anything else runs on
// it: 4096-byte pages with 40 reserve bytes, temp_store = MEMORY, WAL
// (entered through journal_mode MEMORY, which needs no journal file).
int enter_sealed_mode(sqlite3* db);
// Overwrites, then removes the plaintext a seal_store cut short left behind.
void remove_leftovers(const std::string& path);
// One integer from a PRAGMA or SELECT; rc is the SQLite result.
int query_int(sqlite3* db, const char* sql, std::int64_t& out);

}  // namespace hallway::core::store_detail
