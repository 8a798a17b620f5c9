#include "core/sealed_vfs.hpp"

#include "core/sealed_page.hpp"
#include "core/store_schema.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>

namespace hallway::core {

using sealed::kPageSize;
using sealed::PageFile;
using store_detail::be32;

namespace {

constexpr sqlite3_int64 kWalHeader = 32;
constexpr sqlite3_int64 kFrameHeader = 24;

// Where pages sit in a file: after a plain file header, each behind a plain
// frame header (WAL), or back to back (main db).
struct Layout {
    sqlite3_int64 file_header;
    sqlite3_int64 frame_header;
    sqlite3_int64 frame() const { return frame_header + static_cast<sqlite3_int64>(kPageSize); }
};
Layout layout_of(PageFile f) {
    return f == PageFile::wal ? Layout{kWalHeader, kFrameHeader} : Layout{0, 0};
}

struct SealedFile {
    sqlite3_file base;  // first: SQLite sees a SealedFile as a sqlite3_file
    SealedVfs* vfs;
    PageFile kind;
    // The default VFS's file follows, szOsFile bytes.
    sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
static_assert(sizeof(SealedFile) % 8 == 0, "the default VFS's file must stay 8-byte aligned");

SealedFile* as_sealed(sqlite3_file* f) { return reinterpret_cast<SealedFile*>(f); }
sqlite3_file* real_of(sqlite3_file* f) { return as_sealed(f)->real(); }

// Runs fn(frame index, frame start) for every frame that [off, end) touches.
template <class Fn>
int for_frames(const Layout& l, sqlite3_int64 off, sqlite3_int64 end, Fn fn) {
    const sqlite3_int64 from = std::max(off, l.file_header);
    if (from >= end) return SQLITE_OK;
    for (sqlite3_int64 k = (from - l.file_header) / l.frame(); l.file_header + k * l.frame() < end; ++k) {
        if (int rc = fn(k, l.file_header + k * l.frame()); rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

// Copies the part of [src_off, src_off + n) that overlaps [off, off + amt) into buf.
void copy_overlap(std::uint8_t* buf, sqlite3_int64 off, sqlite3_int64 amt, const std::uint8_t* src,
                  sqlite3_int64 src_off, sqlite3_int64 n) {
    const sqlite3_int64 lo = std::max(off, src_off), hi = std::min(off + amt, src_off + n);
    if (lo < hi) std::memcpy(buf + (lo - off), src + (lo - src_off), static_cast<std::size_t>(hi - lo));
}

int x_read(sqlite3_file* file, void* out, int amt, sqlite3_int64 off) {
    SealedFile* f = as_sealed(file);
    sqlite3_file* real = f->real();
    const Layout l = layout_of(f->kind);
    auto* buf = static_cast<std::uint8_t*>(out);
    const sqlite3_int64 end = off + amt;
    bool short_read = false;
    if (off < l.file_header) {
        const int n = static_cast<int>(std::min(end, l.file_header) - off);
        const int rc = real->pMethods->xRead(real, buf, n, off);
        if (rc == SQLITE_IOERR_SHORT_READ) short_read = true;
        else if (rc != SQLITE_OK) return rc;
    }
    std::array<std::uint8_t, kFrameHeader + kPageSize> raw;
    std::array<std::uint8_t, kFrameHeader + kPageSize> plain;
    const int rc = for_frames(l, off, end, [&](sqlite3_int64 k, sqlite3_int64 start) {
        const int n = static_cast<int>(l.frame());
        const int rrc = real->pMethods->xRead(real, raw.data(), n, start);
        if (rrc != SQLITE_OK && rrc != SQLITE_IOERR_SHORT_READ) return rrc;
        std::memcpy(plain.data(), raw.data(), static_cast<std::size_t>(l.frame_header));
        std::uint8_t* page = plain.data() + l.frame_header;
        if (rrc == SQLITE_IOERR_SHORT_READ) {
            // Beyond the end (or a torn tail): zeros, as SQLite expects; never ciphertext.
            short_read = true;
            std::memset(page, 0, kPageSize);
        } else {
            const auto pgno = f->kind == PageFile::db ? static_cast<std::uint32_t>(k + 1) : be32(raw.data());
            const bool whole_frame = off <= start;  // WAL recovery reads header and page together
            if (!sealed::open_page(f->vfs->key(), f->kind, pgno, raw.data() + l.frame_header, page) &&
                !(f->kind == PageFile::wal && whole_frame))
                return SQLITE_IOERR_DATA;
        }
        copy_overlap(buf, off, amt, plain.data(), start, l.frame());
        return SQLITE_OK;
    });
    sodium_memzero(plain.data(), plain.size());
    if (rc != SQLITE_OK) return rc;
    return short_read ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

int x_write(sqlite3_file* file, const void* in, int amt, sqlite3_int64 off) {
    SealedFile* f = as_sealed(file);
    sqlite3_file* real = f->real();
    const Layout l = layout_of(f->kind);
    const auto* buf = static_cast<const std::uint8_t*>(in);
    const sqlite3_int64 end = off + amt;
    if (off < l.file_header) {
        const int n = static_cast<int>(std::min(end, l.file_header) - off);
        if (int rc = real->pMethods->xWrite(real, buf, n, off); rc != SQLITE_OK) return rc;
    }
    std::array<std::uint8_t, kPageSize> sealed_page;
    return for_frames(l, off, end, [&](sqlite3_int64 k, sqlite3_int64 start) {
        const sqlite3_int64 page_at = start + l.frame_header;
        if (off < page_at) {  // (part of) a frame header: plaintext by design
            const sqlite3_int64 lo = std::max(off, start), hi = std::min(end, page_at);
            if (int rc = real->pMethods->xWrite(real, buf + (lo - off), static_cast<int>(hi - lo), lo);
                rc != SQLITE_OK)
                return rc;
        }
        if (end <= page_at) return SQLITE_OK;
        if (off > page_at || end < page_at + static_cast<sqlite3_int64>(kPageSize)) return SQLITE_IOERR_WRITE;
        std::uint32_t pgno = static_cast<std::uint32_t>(k + 1);
        if (f->kind == PageFile::wal) {
            std::uint8_t header[4];
            if (off <= start) {
                std::memcpy(header, buf + (start - off), 4);
            } else if (int rc = real->pMethods->xRead(real, header, 4, start); rc != SQLITE_OK) {
                return SQLITE_IOERR_WRITE;
            }
            pgno = be32(header);
        }
        sealed::seal_page(f->vfs->key(), f->kind, pgno, buf + (page_at - off), sealed_page.data());
        return real->pMethods->xWrite(real, sealed_page.data(), static_cast<int>(kPageSize), page_at);
    });
}

int x_close(sqlite3_file* file) {
    sqlite3_file* real = real_of(file);
    return real->pMethods ? real->pMethods->xClose(real) : SQLITE_OK;
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) { return real_of(f)->pMethods->xTruncate(real_of(f), size); }
int x_sync(sqlite3_file* f, int flags) { return real_of(f)->pMethods->xSync(real_of(f), flags); }
int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return real_of(f)->pMethods->xFileSize(real_of(f), size); }
int x_lock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xUnlock(real_of(f), level); }
int x_check_reserved(sqlite3_file* f, int* out) {
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int x_device(sqlite3_file* f) {
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)) | SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}
int x_shm_map(sqlite3_file* f, int pg, int pgsz, int extend, void volatile** pp) {
    return real_of(f)->pMethods->xShmMap(real_of(f), pg, pgsz, extend, pp);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int x_shm_unmap(sqlite3_file* f, int del) { return real_of(f)->pMethods->xShmUnmap(real_of(f), del); }
int x_fetch(sqlite3_file*, sqlite3_int64, int, void** pp) {
    *pp = nullptr;  // no mapping: SQLite falls back to x_read
    return SQLITE_OK;
}
int x_unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

const sqlite3_io_methods kMethods = {
    3,           x_close,         x_read,     x_write,       x_truncate,     x_sync,
    x_file_size, x_lock,          x_unlock,   x_check_reserved, x_file_control, x_sector_size,
    x_device,    x_shm_map,       x_shm_lock, x_shm_barrier, x_shm_unmap,    x_fetch,
    x_unfetch,
};

SealedVfs* self_of(sqlite3_vfs* vfs) { return static_cast<SealedVfs*>(vfs->pAppData); }
sqlite3_vfs* base_of(sqlite3_vfs* vfs) { return self_of(vfs)->base(); }

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    SealedFile* f = as_sealed(file);
    f->base.pMethods = nullptr;
    // Journals, statement journals and temp files would hold plaintext pages:
    // a sealed store runs in WAL mode with temp_store = MEMORY and needs none.
    const PageFile kind = (flags & SQLITE_OPEN_MAIN_DB) ? PageFile::db : PageFile::wal;
    if (name == nullptr || !(flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL))) return SQLITE_CANTOPEN;
    sqlite3_vfs* base = base_of(vfs);
    sqlite3_file* real = f->real();
    real->pMethods = nullptr;
    const int rc = base->xOpen(base, name, real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (real->pMethods) real->pMethods->xClose(real);
        return rc;
    }
    f->vfs = self_of(vfs);
    f->kind = kind;
    f->base.pMethods = &kMethods;
    return SQLITE_OK;
}
int x_delete(sqlite3_vfs* v, const char* name, int sync) { return base_of(v)->xDelete(base_of(v), name, sync); }
int x_access(sqlite3_vfs* v, const char* name, int flags, int* out) {
    return base_of(v)->xAccess(base_of(v), name, flags, out);
}
int x_full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) {
    return base_of(v)->xFullPathname(base_of(v), name, n, out);
}
void* x_dl_open(sqlite3_vfs* v, const char* name) { return base_of(v)->xDlOpen(base_of(v), name); }
void x_dl_error(sqlite3_vfs* v, int n, char* out) { base_of(v)->xDlError(base_of(v), n, out); }
void (*x_dl_sym(sqlite3_vfs* v, void* h, const char* sym))(void) { return base_of(v)->xDlSym(base_of(v), h, sym); }
void x_dl_close(sqlite3_vfs* v, void* h) { base_of(v)->xDlClose(base_of(v), h); }
int x_randomness(sqlite3_vfs* v, int n, char* out) { return base_of(v)->xRandomness(base_of(v), n, out); }
int x_sleep(sqlite3_vfs* v, int us) { return base_of(v)->xSleep(base_of(v), us); }
int x_current_time(sqlite3_vfs* v, double* out) { return base_of(v)->xCurrentTime(base_of(v), out); }
int x_last_error(sqlite3_vfs* v, int n, char* out) { return base_of(v)->xGetLastError(base_of(v), n, out); }
int x_current_time64(sqlite3_vfs* v, sqlite3_int64* out) {
    return base_of(v)->xCurrentTimeInt64(base_of(v), out);
}

std::atomic<unsigned> next_id{0};

}  // namespace

SealedVfs::SealedVfs(const crypto::Secret<32>& key)
    : key_(key), name_("hallway-sealed-" + std::to_string(next_id++)), base_(sqlite3_vfs_find(nullptr)) {
    if (base_ == nullptr || base_->iVersion < 2) return;
    vfs_.iVersion = 2;
    vfs_.szOsFile = static_cast<int>(sizeof(SealedFile)) + base_->szOsFile;
    vfs_.mxPathname = base_->mxPathname;
    vfs_.zName = name_.c_str();
    vfs_.pAppData = this;
    vfs_.xOpen = x_open;
    vfs_.xDelete = x_delete;
    vfs_.xAccess = x_access;
    vfs_.xFullPathname = x_full_pathname;
    vfs_.xDlOpen = x_dl_open;
    vfs_.xDlError = x_dl_error;
    vfs_.xDlSym = x_dl_sym;
    vfs_.xDlClose = x_dl_close;
    vfs_.xRandomness = x_randomness;
    vfs_.xSleep = x_sleep;
    vfs_.xCurrentTime = x_current_time;
    vfs_.xGetLastError = x_last_error;
    vfs_.xCurrentTimeInt64 = x_current_time64;
    registered_ = sqlite3_vfs_register(&vfs_, 0) == SQLITE_OK;
}

SealedVfs::~SealedVfs() {
    if (registered_) sqlite3_vfs_unregister(&vfs_);
}

}  // namespace hallway::core
