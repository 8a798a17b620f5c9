// The search's part of the store: the FTS5 indexes of migration 8 (one-to-one
// texts kept by triggers, room texts indexed as add_room_entry stores them)
// and Store::search. What a person types becomes a query through
// core/search_query.hpp only: never FTS5 syntax.
#include "core/rooms/entry.hpp"
#include "core/search_query.hpp"
#include "core/store_impl.hpp"
#include "core/store_schema.hpp"

#include <algorithm>

namespace hallway::core {

using namespace store_detail;

namespace {

constexpr Direction kAllDirections[] = {Direction::in, Direction::out};

// A text entry's body; nullopt for any other entry or bytes that do not decode.
std::optional<rooms::Entry> text_entry(std::span<const std::uint8_t> bytes) {
    auto e = rooms::decode(bytes);
    if (!e || e->kind != rooms::Kind::text) return std::nullopt;
    return e;
}

// hallway_room_text(bytes): the decoded body, NULL when not a text entry.
void room_text_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_value_blob(argv[0]));
    const auto n = static_cast<std::size_t>(sqlite3_value_bytes(argv[0]));
    auto e = p ? text_entry({p, n}) : std::nullopt;
    if (!e) return sqlite3_result_null(ctx);
    sqlite3_result_text64(ctx, e->body.data(), e->body.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

std::optional<StoredHit> read_message_hit(sqlite3_stmt* s) {
    StoredHit h;
    auto direction = parse_enum(column_text(s, 3), kAllDirections);
    if (!column_blob(s, 1, h.id) || !column_blob(s, 2, h.peer) || !direction) return std::nullopt;
    h.seq = sqlite3_column_int64(s, 0);
    h.direction = *direction;
    h.body = column_text(s, 4);
    h.sent_at_ms = sqlite3_column_int64(s, 5);
    h.received_at_ms = sqlite3_column_int64(s, 6);
    h.peer_nick = column_text(s, 7);
    return h;
}

std::optional<StoredHit> read_room_hit(sqlite3_stmt* s) {
    StoredHit h;
    h.in_room = true;
    if (!column_blob(s, 0, h.room) || !column_blob(s, 1, h.id)) return std::nullopt;
    const auto* bytes = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 2));
    h.entry.assign(bytes, bytes + sqlite3_column_bytes(s, 2));
    h.received_at_ms = sqlite3_column_int64(s, 3);
    auto e = text_entry(h.entry);
    if (!e) return std::nullopt;
    h.author = e->author;
    h.body = std::move(e->body);
    h.sent_at_ms = static_cast<std::int64_t>(std::min<std::uint64_t>(e->sent_at_ms, INT64_MAX));
    return h;
}

}  // namespace

int store_detail::register_search_functions(sqlite3* db) {
    // Innocuous and deterministic: usable in the schema (the migration's backfill).
    return sqlite3_create_function_v2(db, "hallway_room_text", 1,
                                      SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                      room_text_function, nullptr, nullptr, nullptr);
}

int store_detail::index_room_text(sqlite3_stmt* index_stmt, std::int64_t rowid,
                                  const std::vector<std::uint8_t>& bytes) {
    auto e = text_entry(bytes);
    if (!e) return SQLITE_OK;
    Use u(index_stmt);
    int rc = bind_all(u.get(), 1, rowid, std::string_view(e->body));
    if (rc == SQLITE_OK) rc = sqlite3_step(u.get());
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

std::string store_detail::search_statement_sql(Stmt s) {
    switch (s) {
    case search_messages_stmt:
        // The index drives the query; ?2 NULL searches every conversation.
        return "SELECT m.seq, m.id, m.peer, m.direction, m.body, m.sent_at_ms, m.received_at_ms, "
               "coalesce(c.nick, '') FROM messages_search JOIN messages m ON m.seq = messages_search.rowid "
               "LEFT JOIN contacts c ON c.key = m.peer "
               "WHERE messages_search MATCH ?1 AND (?2 IS NULL OR m.peer = ?2) "
               "ORDER BY m.received_at_ms DESC, m.seq DESC LIMIT ?3";
    case search_rooms_stmt:
        return "SELECT e.room, e.id, e.bytes, e.received_at_ms FROM room_texts_search "
               "JOIN room_entries e ON e.rowid = room_texts_search.rowid JOIN rooms r ON r.id = e.room "
               "WHERE room_texts_search MATCH ?1 AND r.membership IN ('joined', 'left') "
               "ORDER BY e.received_at_ms DESC, e.rowid DESC LIMIT ?2";
    case index_room_text_stmt:
        return "INSERT INTO room_texts_search(rowid, body) VALUES(?1, ?2)";
    case entry_savepoint_stmt:
        return "SAVEPOINT add_room_entry";
    case entry_release_stmt:
        return "RELEASE add_room_entry";
    case entry_rollback_to_stmt:
        return "ROLLBACK TO add_room_entry";
    default:
        break;
    }
    return {};
}

std::optional<std::vector<StoredHit>> Store::search(std::string_view text, const std::optional<PeerKey>& peer,
                                                    std::size_t limit, bool& more, std::string& error) const {
    more = false;
    auto match = search_match_expression(text, error);
    if (!match) return std::nullopt;
    limit = std::clamp<std::size_t>(limit, 1, kMaxSearchLimit);
    const auto fetch = static_cast<std::int64_t>(limit + 1);  // one more tells whether more matched
    std::vector<StoredHit> hits;
    {
        Use u(impl_->stmt(search_messages_stmt));
        int rc = bind_text(u.get(), 1, *match);
        if (rc == SQLITE_OK && peer) rc = bind_blob(u.get(), 2, *peer);
        if (rc == SQLITE_OK) rc = sqlite3_bind_int64(u.get(), 3, fetch);
        while (rc == SQLITE_OK && (rc = sqlite3_step(u.get())) == SQLITE_ROW) {
            if (auto h = read_message_hit(u.get())) hits.push_back(std::move(*h));
            rc = SQLITE_OK;
        }
        if (rc != SQLITE_DONE) {
            error = std::string("cannot search: ") + sqlite3_errmsg(impl_->db.get());
            return std::nullopt;
        }
    }
    if (!peer) {
        Use u(impl_->stmt(search_rooms_stmt));
        int rc = bind_all(u.get(), 1, std::string_view(*match), fetch);
        while (rc == SQLITE_OK && (rc = sqlite3_step(u.get())) == SQLITE_ROW) {
            if (auto h = read_room_hit(u.get())) hits.push_back(std::move(*h));
            rc = SQLITE_OK;
        }
        if (rc != SQLITE_DONE) {
            error = std::string("cannot search: ") + sqlite3_errmsg(impl_->db.get());
            return std::nullopt;
        }
    }
    // Both lists are newest first: merged, the newest limit of them.
    std::stable_sort(hits.begin(), hits.end(),
                     [](const StoredHit& a, const StoredHit& b) { return a.received_at_ms > b.received_at_ms; });
    if (hits.size() > limit) {
        more = true;
        hits.resize(limit);
    }
    return hits;
}

}  // namespace hallway::core
