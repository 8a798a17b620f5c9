#pragma once
// Locking and unlocking a store: converting hallway.db between plaintext
// SQLite and sealed pages (core/sealed_vfs.hpp, docs/SECURITY.md "At rest").
// The key is the caller's (the profile's passphrase side derives and keeps it).
#include "core/store.hpp"

#include <filesystem>
#include <string>

namespace hallway::core {

// True when db exists and is not a plaintext SQLite file: whole 4096-byte
// pages without SQLite's header (what sealed pages look like, as would
// random bytes of that size).
bool store_is_sealed(const std::filesystem::path& db);

// Converts the plaintext store at db (with its -wal) into a sealed one:
// copied (VACUUM INTO memory, then the backup API through the sealed VFS)
// into "<db>.convert", checked
// (quick_check, every table's row count), fsynced and renamed over db. The
// old -wal, -shm and -journal are overwritten with zeros and removed before
// the rename, the old db after it. false with a message, db left as it was,
// when anything fails.
bool seal_store(const std::filesystem::path& db, const StoreKey& key, std::string& message);
// The reverse (removing the lock): the sealed store at db, opened with key,
// becomes plaintext SQLite again.
bool unseal_store(const std::filesystem::path& db, const StoreKey& key, std::string& message);

}  // namespace hallway::core
