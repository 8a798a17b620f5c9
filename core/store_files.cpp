// The file transfers' part of the store: transfers in progress and their
// files, kept to resume after a restart. Schema: migration 4. Knows nothing of
// core/files: offers and bitmaps are opaque bytes here.
#include "core/store_impl.hpp"

#include <algorithm>
#include <map>
#include <span>

namespace hallway::core {

using namespace store_detail;

namespace {

// Migration 4's CHECKs spell these numbers; a released migration never changes.
static_assert(kMaxStoredOffer == 1048576 && kMaxStoredReason == 256 && kMaxStoredBitmap == 131104 &&
              kMaxStoredFiles == 1024 && kMaxStoredPath == 4096);

constexpr std::string_view kTransferColumns =
    "seq, peer, direction, id, state, offer, dir, reason, created_ms, updated_ms";
constexpr std::string_view kFileColumns = "transfer, idx, target, source, bitmap, done";

constexpr Direction kAllDirections[] = {Direction::in, Direction::out};
constexpr TransferRowState kAllTransferStates[] = {TransferRowState::offered, TransferRowState::active,
                                                   TransferRowState::paused};

// Checked before anything is written, so an over-bound transfer is refused
// whole (the CHECKs would refuse it too, but mid-way through its files).
bool within_bounds(const StoredTransfer& t) {
    if (t.offer.size() > kMaxStoredOffer || t.reason.size() > kMaxStoredReason || t.dir.size() > kMaxStoredPath ||
        t.files.size() > kMaxStoredFiles)
        return false;
    return std::all_of(t.files.begin(), t.files.end(), [](const StoredTransferFile& f) {
        return f.target.size() <= kMaxStoredPath && f.source.size() <= kMaxStoredPath &&
               f.bitmap.size() <= kMaxStoredBitmap;
    });
}

std::vector<std::uint8_t> column_bytes(sqlite3_stmt* s, int i) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, i));
    return p ? std::vector<std::uint8_t>(p, p + sqlite3_column_bytes(s, i)) : std::vector<std::uint8_t>();
}

// (seq, transfer): seq joins it with its files.
using SeqTransfer = std::pair<std::int64_t, StoredTransfer>;
std::optional<SeqTransfer> read_transfer(sqlite3_stmt* s) {
    SeqTransfer r;
    StoredTransfer& t = r.second;
    auto direction = parse_enum(column_text(s, 2), kAllDirections);
    auto state = parse_enum(column_text(s, 4), kAllTransferStates);
    if (!column_blob(s, 1, t.peer) || !direction || !column_blob(s, 3, t.id) || !state) return std::nullopt;
    r.first = sqlite3_column_int64(s, 0);
    t.direction = *direction;
    t.state = *state;
    t.offer = column_bytes(s, 5);
    t.dir = column_text(s, 6);
    t.reason = column_text(s, 7);
    t.created_ms = sqlite3_column_int64(s, 8);
    t.updated_ms = sqlite3_column_int64(s, 9);
    return r;
}

}  // namespace

std::string store_detail::transfer_statement_sql(Stmt s) {
    switch (s) {
    case put_transfer_stmt:
        // An upsert keeps the row's seq (its files' key); RETURNING gives it.
        return "INSERT INTO file_transfers(peer, direction, id, state, offer, dir, reason, created_ms, updated_ms) "
               "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(peer, direction, id) DO UPDATE SET "
               "state = excluded.state, offer = excluded.offer, dir = excluded.dir, reason = excluded.reason, "
               "created_ms = excluded.created_ms, updated_ms = excluded.updated_ms RETURNING seq";
    case put_transfer_file_stmt:
        // An unchanged file is not rewritten: a save after a few chunks writes
        // the one bitmap that moved, not every file's.
        return "INSERT INTO transfer_files(" + std::string(kFileColumns) + ") VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
               "ON CONFLICT(transfer, idx) DO UPDATE SET target = excluded.target, source = excluded.source, "
               "bitmap = excluded.bitmap, done = excluded.done WHERE target <> excluded.target OR "
               "source <> excluded.source OR bitmap <> excluded.bitmap OR done <> excluded.done";
    case trim_transfer_files_stmt:
        return "DELETE FROM transfer_files WHERE transfer = ?1 AND idx >= ?2";
    case forget_transfer_stmt:
        // The trigger file_transfers_forget takes its files.
        return "DELETE FROM file_transfers WHERE peer = ?1 AND direction = ?2 AND id = ?3";
    case list_transfers_stmt:
        return "SELECT " + std::string(kTransferColumns) + " FROM file_transfers ORDER BY created_ms, seq";
    case list_transfer_files_stmt:
        return "SELECT " + std::string(kFileColumns) + " FROM transfer_files ORDER BY transfer, idx";
    // A savepoint, not BEGIN: a save is one transaction alone and nests in a Batch.
    case savepoint_stmt:
        return "SAVEPOINT save_transfer";
    case release_stmt:
        return "RELEASE save_transfer";
    case rollback_to_stmt:
        return "ROLLBACK TO save_transfer";
    default:
        break;
    }
    return {};
}

std::string_view to_string(TransferRowState s) {
    switch (s) {
    case TransferRowState::offered: return "offered";
    case TransferRowState::active: return "active";
    case TransferRowState::paused: return "paused";
    }
    return "?";
}

StoreError Store::save_transfer(const StoredTransfer& t, std::int64_t now_ms) {
    Impl& impl = *impl_;
    if (!within_bounds(t)) {
        impl.last_error = "a transfer field is over its bound";
        return StoreError::too_large;
    }
    // The writes, inside the savepoint.
    auto write = [&]() -> StoreError {
        std::int64_t seq = 0;
        {
            Use u(impl.stmt(put_transfer_stmt));
            const std::span<const std::uint8_t> offer(t.offer);
            int rc = bind_all(u.get(), 1, t.peer, to_string(t.direction), t.id, to_string(t.state), offer, t.dir,
                              t.reason, t.created_ms, now_ms);
            if (rc == SQLITE_OK) rc = sqlite3_step(u.get());
            if (rc != SQLITE_ROW) return impl.fail(rc);
            seq = sqlite3_column_int64(u.get(), 0);
        }
        for (std::size_t i = 0; i < t.files.size(); ++i) {
            const StoredTransferFile& f = t.files[i];
            Use u(impl.stmt(put_transfer_file_stmt));
            const std::span<const std::uint8_t> bitmap(f.bitmap);
            if (StoreError e = impl.run(u, bind_all(u.get(), 1, seq, static_cast<std::int64_t>(i), f.target, f.source,
                                                    bitmap, std::int64_t{f.done}));
                e != StoreError::ok)
                return e;
        }
        Use u(impl.stmt(trim_transfer_files_stmt));
        return impl.run(u, bind_all(u.get(), 1, seq, static_cast<std::int64_t>(t.files.size())));
    };
    const bool outermost = sqlite3_get_autocommit(impl.db.get()) != 0;
    // Progress is saved after every window of chunks: without an fsync of its
    // own (WAL, synchronous NORMAL), which a killed process still keeps; a
    // power loss may lose the last saves, and the receiver fetches those
    // chunks again. Other rows keep the store's FULL durability.
    struct Relaxed {
        sqlite3* db;
        explicit Relaxed(sqlite3* d) : db(d) { if (db) sqlite3_exec(db, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr); }
        ~Relaxed() { if (db) sqlite3_exec(db, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr); }
    } relaxed(outermost ? impl.db.get() : nullptr);
    if (StoreError e = impl.run(Use(impl.stmt(savepoint_stmt)), SQLITE_OK); e != StoreError::ok) return e;
    StoreError e = write();
    if (e == StoreError::ok) e = impl.run(Use(impl.stmt(release_stmt)), SQLITE_OK);
    if (e == StoreError::ok) return e;
    // Undo whatever was written, keeping the first error's message.
    const std::string error = impl.last_error;
    impl.run(Use(impl.stmt(rollback_to_stmt)), SQLITE_OK);
    impl.run(Use(impl.stmt(release_stmt)), SQLITE_OK);
    // A failed RELEASE of the outermost savepoint (disk full, busy) may leave
    // the transaction open: end it, as Batch does.
    if (outermost && sqlite3_get_autocommit(impl.db.get()) == 0) impl.run(Use(impl.stmt(rollback_stmt)), SQLITE_OK);
    impl.last_error = error;
    return e;
}

StoreError Store::forget_transfer(const PeerKey& peer, Direction direction, const TransferId& id) {
    Use u(impl_->stmt(forget_transfer_stmt));
    return impl_->run(u, bind_all(u.get(), 1, peer, to_string(direction), id));
}

std::vector<StoredTransfer> Store::transfers() const {
    std::vector<SeqTransfer> found;
    {
        Use u(impl_->stmt(list_transfers_stmt));
        found = impl_->rows<SeqTransfer>(u, SQLITE_OK, read_transfer);
    }
    std::map<std::int64_t, StoredTransfer*> by_seq;
    for (auto& [seq, t] : found) by_seq[seq] = &t;
    Use u(impl_->stmt(list_transfer_files_stmt));
    while (sqlite3_step(u.get()) == SQLITE_ROW) {
        sqlite3_stmt* s = u.get();
        auto it = by_seq.find(sqlite3_column_int64(s, 0));
        const std::int64_t idx = sqlite3_column_int64(s, 1);
        // Rows our writes cannot make (an orphan, an index out of bounds) are
        // skipped; files come in idx order, so a missing index stays default.
        if (it == by_seq.end() || idx < 0 || idx >= static_cast<std::int64_t>(kMaxStoredFiles)) continue;
        auto& files = it->second->files;
        if (files.size() <= static_cast<std::size_t>(idx)) files.resize(static_cast<std::size_t>(idx) + 1);
        StoredTransferFile& f = files[static_cast<std::size_t>(idx)];
        f.target = column_text(s, 2);
        f.source = column_text(s, 3);
        f.bitmap = column_bytes(s, 4);
        f.done = sqlite3_column_int64(s, 5) != 0;
    }
    std::vector<StoredTransfer> out;
    out.reserve(found.size());
    for (auto& st : found) out.push_back(std::move(st.second));
    return out;
}

}  // namespace hallway::core
