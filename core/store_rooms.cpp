// The rooms' part of the store: rooms, their signed logs (room_entries) and
// what each member said it holds (peer_have). Schema: migration 3.
#include "core/store_impl.hpp"

#include <algorithm>
#include <span>

namespace hallway::core {

using namespace store_detail;

namespace {

constexpr std::string_view kRoomColumns = "id, membership, invited_by, invited_name, updated_ms, unread";
constexpr std::string_view kEntryColumns = "room, author, seq, lamport, id, bytes, signature, text, received_at_ms";

constexpr RoomMembership kAllMemberships[] = {RoomMembership::invited, RoomMembership::joined, RoomMembership::left};

std::optional<StoredRoom> read_room(sqlite3_stmt* s) {
    StoredRoom r;
    auto membership = parse_enum(column_text(s, 1), kAllMemberships);
    if (!column_blob(s, 0, r.id) || !membership || !column_blob(s, 2, r.invited_by)) return std::nullopt;
    r.membership = *membership;
    r.invited_name = column_text(s, 3);
    r.updated_ms = sqlite3_column_int64(s, 4);
    r.unread = static_cast<std::uint32_t>(sqlite3_column_int64(s, 5));
    return r;
}
std::optional<StoredEntry> read_entry(sqlite3_stmt* s) {
    StoredEntry e;
    if (!column_blob(s, 0, e.room) || !column_blob(s, 1, e.author) || !column_blob(s, 4, e.id) ||
        !column_blob(s, 6, e.signature))
        return std::nullopt;
    e.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 2));
    e.lamport = static_cast<std::uint64_t>(sqlite3_column_int64(s, 3));
    const auto* bytes = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 5));
    e.bytes.assign(bytes, bytes + sqlite3_column_bytes(s, 5));
    e.text = sqlite3_column_int64(s, 7) != 0;
    e.received_at_ms = sqlite3_column_int64(s, 8);
    return e;
}

// SQLite's integers are signed: seq and lamport are below 2^63 (entries over it
// do not decode), a count beyond it is clamped.
std::int64_t sql_int(std::uint64_t v) { return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX)); }

}  // namespace

std::string store_detail::room_statement_sql(Stmt s) {
    const std::string select_rooms = "SELECT " + std::string(kRoomColumns) + " FROM rooms ";
    const std::string select_entries = "SELECT " + std::string(kEntryColumns) + " FROM room_entries ";
    switch (s) {
    case put_room_stmt:
        // An upsert, not INSERT OR REPLACE: a replace deletes the row, which would
        // take the log with it if delete triggers ever fired for it.
        return "INSERT INTO rooms(" + std::string(kRoomColumns) + ") VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
               "ON CONFLICT(id) DO UPDATE SET membership = excluded.membership, invited_by = excluded.invited_by, "
               "invited_name = excluded.invited_name, updated_ms = excluded.updated_ms, unread = excluded.unread";
    case get_room_stmt:
        return select_rooms + "WHERE id = ?1";
    case list_rooms_stmt:
        return select_rooms + "ORDER BY updated_ms DESC, id";
    case forget_room_stmt:
        return "DELETE FROM rooms WHERE id = ?1";
    case add_unread_stmt:
        return "UPDATE rooms SET unread = min(unread + ?2, 4294967295) WHERE id = ?1";
    case clear_unread_stmt:
        return "UPDATE rooms SET unread = 0 WHERE id = ?1";
    case insert_entry_stmt:
        return "INSERT INTO room_entries(" + std::string(kEntryColumns) + ") "
               "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(room, author, seq) DO NOTHING";
    case room_log_stmt:
        return select_entries + "WHERE room = ?1 ORDER BY lamport, author, seq";
    case entries_from_stmt:
        return select_entries + "WHERE room = ?1 AND author = ?2 AND seq >= ?3 ORDER BY seq LIMIT ?4";
    case room_texts_stmt:
        // text = 1 spelled as in room_entries_texts so the planner uses it.
        return select_entries +
               "WHERE room = ?1 AND text = 1 AND lamport <= ?2 ORDER BY lamport DESC, author DESC, seq DESC LIMIT ?3";
    case set_peer_have_stmt:
        return "INSERT INTO peer_have(room, author, member, seq) VALUES(?1, ?2, ?3, ?4) "
               "ON CONFLICT(room, author, member) DO UPDATE SET seq = max(seq, excluded.seq)";
    case peer_haves_stmt:
        return "SELECT member, seq FROM peer_have WHERE room = ?1 AND author = ?2 ORDER BY member";
    default:
        break;
    }
    return {};
}

std::string_view to_string(RoomMembership m) {
    switch (m) {
    case RoomMembership::invited: return "invited";
    case RoomMembership::joined: return "joined";
    case RoomMembership::left: return "left";
    }
    return "?";
}

StoreError Store::put_room(const StoredRoom& room) {
    Use u(impl_->stmt(put_room_stmt));
    return impl_->run(u, bind_all(u.get(), 1, room.id, to_string(room.membership), room.invited_by, room.invited_name,
                                  room.updated_ms, std::int64_t{room.unread}));
}

std::optional<StoredRoom> Store::room(const RoomId& id) const {
    Use u(impl_->stmt(get_room_stmt));
    return impl_->row<StoredRoom>(u, bind_all(u.get(), 1, id), read_room);
}

std::vector<StoredRoom> Store::rooms() const {
    Use u(impl_->stmt(list_rooms_stmt));
    return impl_->rows<StoredRoom>(u, SQLITE_OK, read_room);
}

StoreError Store::forget_room(const RoomId& id) {
    Use u(impl_->stmt(forget_room_stmt));
    return impl_->run(u, bind_all(u.get(), 1, id));
}

StoreError Store::add_unread(const RoomId& id, std::uint32_t n) {
    Use u(impl_->stmt(add_unread_stmt));
    return impl_->run(u, bind_all(u.get(), 1, id, std::int64_t{n}));
}

StoreError Store::clear_unread(const RoomId& id) {
    Use u(impl_->stmt(clear_unread_stmt));
    return impl_->run(u, bind_all(u.get(), 1, id));
}

StoreError Store::add_room_entry(const StoredEntry& e) {
    // The entry and its search index row together, or neither (a savepoint:
    // also inside a Batch).
    auto insert = [&]() -> StoreError {
        Use u(impl_->stmt(insert_entry_stmt));
        const std::span<const std::uint8_t> bytes(e.bytes);
        if (StoreError err = impl_->run(u, bind_all(u.get(), 1, e.room, e.author, sql_int(e.seq), sql_int(e.lamport),
                                                    e.id, bytes, e.signature, std::int64_t{e.text}, e.received_at_ms));
            err != StoreError::ok)
            return err;
        if (sqlite3_changes(impl_->db.get()) != 1) return StoreError::duplicate_id;
        if (!e.text) return StoreError::ok;
        const int rc = index_room_text(impl_->stmt(index_room_text_stmt), sqlite3_last_insert_rowid(impl_->db.get()),
                                       e.bytes);
        return rc == SQLITE_OK ? StoreError::ok : impl_->fail(rc);
    };
    const bool outermost = sqlite3_get_autocommit(impl_->db.get()) != 0;
    if (StoreError err = impl_->run(Use(impl_->stmt(entry_savepoint_stmt)), SQLITE_OK); err != StoreError::ok)
        return err;
    StoreError err = insert();
    if (err == StoreError::ok) err = impl_->run(Use(impl_->stmt(entry_release_stmt)), SQLITE_OK);
    if (err == StoreError::ok) return err;
    const std::string error = impl_->last_error;
    impl_->run(Use(impl_->stmt(entry_rollback_to_stmt)), SQLITE_OK);
    impl_->run(Use(impl_->stmt(entry_release_stmt)), SQLITE_OK);
    if (outermost && sqlite3_get_autocommit(impl_->db.get()) == 0) impl_->run(Use(impl_->stmt(rollback_stmt)), SQLITE_OK);
    impl_->last_error = error;
    return err;
}

std::vector<StoredEntry> Store::room_entries(const RoomId& room) const {
    Use u(impl_->stmt(room_log_stmt));
    return impl_->rows<StoredEntry>(u, bind_all(u.get(), 1, room), read_entry);
}

std::vector<StoredEntry> Store::room_entries_from(const RoomId& room, const PeerKey& author, std::uint64_t first_seq,
                                                  std::size_t limit) const {
    Use u(impl_->stmt(entries_from_stmt));
    return impl_->rows<StoredEntry>(u, bind_all(u.get(), 1, room, author, sql_int(first_seq), sql_int(limit)),
                                    read_entry);
}

std::vector<StoredEntry> Store::room_texts(const RoomId& room, std::size_t limit, std::uint64_t before_lamport) const {
    if (before_lamport == 0) return {};
    Use u(impl_->stmt(room_texts_stmt));
    auto newest_first = impl_->rows<StoredEntry>(
        u, bind_all(u.get(), 1, room, sql_int(before_lamport - 1), sql_int(limit)), read_entry);
    std::reverse(newest_first.begin(), newest_first.end());
    return newest_first;
}

StoreError Store::set_peer_have(const RoomId& room, const PeerKey& member, const PeerKey& author, std::uint64_t seq) {
    Use u(impl_->stmt(set_peer_have_stmt));
    return impl_->run(u, bind_all(u.get(), 1, room, author, member, sql_int(seq)));
}

std::vector<std::pair<PeerKey, std::uint64_t>> Store::peer_haves(const RoomId& room, const PeerKey& author) const {
    Use u(impl_->stmt(peer_haves_stmt));
    using Have = std::pair<PeerKey, std::uint64_t>;
    return impl_->rows<Have>(u, bind_all(u.get(), 1, room, author), [](sqlite3_stmt* s) -> std::optional<Have> {
        Have h{};
        if (!column_blob(s, 0, h.first)) return std::nullopt;
        h.second = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
        return h;
    });
}

}  // namespace hallway::core
