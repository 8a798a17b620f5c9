#pragma once
// A SQLite VFS shim that seals every page of a locked store (core/sealed_page.hpp)
// on its way to the default VFS. Why a shim: Debian 12's SQLCipher bundles
// SQLite 3.15 (2016, older than our schema's features, known CVEs), and
// sealing columns would leave indexes, row counts and sizes visible and
// change every query (docs/SECURITY.md "At rest").
//
// Files it handles, all else is refused (SQLITE_CANTOPEN) so nothing is ever
// written in plaintext:
//   main db  page k (1-based) at (k-1)*4096, every byte sealed, page 1 too;
//   WAL      32-byte header and 24-byte frame headers in plaintext (salts,
//            page numbers, checksums), each page image at 32 + i*4120 + 24
//            sealed with the page number of its frame header;
//   -shm     the WAL index (no content): SQLite maps it through the default
//            VFS's shm methods, untouched.
// Reads return the 40 reserve bytes as zeros: SQLite checksums WAL frames
// over the page as it wrote it (zeros there) and checks them again on
// recovery. A write must cover whole pages: with POWERSAFE_OVERWRITE (the
// default VFS's default) SQLite never splits one; a split would be refused,
// never padded with plaintext.
// A page whose tag fails reads as SQLITE_IOERR_DATA, except in the read of a
// whole WAL frame (header and page: WAL recovery), where it reads as zeros,
// so its checksum fails and the log ends there as at a torn write.
// Memory-mapped reads are declined (they would bypass the shim).
#include "crypto/secret.hpp"

#include <sqlite3.h>

#include <string>

namespace hallway::core {

class SealedVfs {
public:
    // Registers a VFS named "hallway-sealed-<n>" (unique per instance; never
    // the default) over the default VFS, with its own copy of key.
    explicit SealedVfs(const crypto::Secret<32>& key);
    // Unregisters it: close every connection using it first.
    ~SealedVfs();
    SealedVfs(const SealedVfs&) = delete;
    SealedVfs& operator=(const SealedVfs&) = delete;

    // The name to give sqlite3_open_v2 or a "vfs=" URI parameter; "" when
    // registration failed (then every open through it fails).
    const char* name() const { return registered_ ? name_.c_str() : ""; }
    const crypto::Secret<32>& key() const { return key_; }
    sqlite3_vfs* base() const { return base_; }

private:
    crypto::Secret<32> key_;
    std::string name_;
    sqlite3_vfs* base_ = nullptr;
    sqlite3_vfs vfs_{};
    bool registered_ = false;
};

}  // namespace hallway::core
