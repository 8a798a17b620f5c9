#include "core/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <type_traits>

namespace hallway::core {

namespace {

// PRAGMA application_id marks the file as a Hallway store ('HWAY').
constexpr std::uint32_t kApplicationId = 0x48574159;

// Migration i takes the schema from user_version i to i + 1. Append only: a
// released migration is never edited. Enum columns hold to_string() names so
// the file reads well in the sqlite3 shell; CHECKs keep them valid.
constexpr std::string_view kMigrations[] = {
    // 1: contacts and messages. The partial index keeps outbox() cheap however
    // long the conversation is (the outbox is nearly always empty).
    R"sql(
CREATE TABLE contacts(
    key BLOB PRIMARY KEY NOT NULL CHECK(length(key) = 32),
    nick TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    trust TEXT NOT NULL CHECK(trust IN ('unverified', 'verified', 'blocked'))
) WITHOUT ROWID;
CREATE TABLE messages(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL UNIQUE CHECK(length(id) = 16),
    peer BLOB NOT NULL CHECK(length(peer) = 32),
    direction TEXT NOT NULL CHECK(direction IN ('in', 'out')),
    body TEXT NOT NULL,
    sent_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL CHECK(state IN ('queued', 'sent', 'delivered', 'failed')),
    failure TEXT NOT NULL DEFAULT ''
);
CREATE INDEX messages_by_peer ON messages(peer, seq);
CREATE INDEX messages_outbox ON messages(peer, seq)
    WHERE direction = 'out' AND state IN ('queued', 'sent');
)sql",
    // 2: message ids are unique per sender, not across peers (PROTOCOL.md §6.1):
    // uniqueness moves from id to (peer, direction, id). SQLite cannot change a
    // constraint in place, so the table is rebuilt (create, copy, drop, rename)
    // keeping every row and its seq; the AUTOINCREMENT high-water mark moves with
    // it so a seq is never reused. Contacts get the indexes that spare the node
    // a scan per event: verified contacts by name (impostor check), all by name
    // (resolve), and unverified ones by last sight (forgetting strangers).
    R"sql(
CREATE TABLE messages_v2(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL CHECK(length(id) = 16),
    peer BLOB NOT NULL CHECK(length(peer) = 32),
    direction TEXT NOT NULL CHECK(direction IN ('in', 'out')),
    body TEXT NOT NULL,
    sent_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL CHECK(state IN ('queued', 'sent', 'delivered', 'failed')),
    failure TEXT NOT NULL DEFAULT '',
    UNIQUE(peer, direction, id)
);
INSERT INTO messages_v2(seq, id, peer, direction, body, sent_at_ms, received_at_ms, state, failure)
    SELECT seq, id, peer, direction, body, sent_at_ms, received_at_ms, state, failure FROM messages ORDER BY seq;
DELETE FROM sqlite_sequence WHERE name = 'messages_v2';
UPDATE sqlite_sequence SET name = 'messages_v2' WHERE name = 'messages';
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
CREATE INDEX messages_by_peer ON messages(peer, seq);
CREATE INDEX messages_outbox ON messages(peer, seq)
    WHERE direction = 'out' AND state IN ('queued', 'sent');
CREATE INDEX contacts_by_nick ON contacts(nick COLLATE NOCASE);
CREATE INDEX contacts_verified_by_nick ON contacts(nick COLLATE NOCASE) WHERE trust = 'verified';
CREATE INDEX contacts_unverified_by_seen ON contacts(last_seen_ms) WHERE trust = 'unverified';
)sql",
    // 3: rooms (docs/PROTOCOL.md §11). A contact keeps the signing key its Hello
    // gave, so it can be invited. Entries are rowid rows (a text entry's bytes
    // are up to 65 KiB, too big for WITHOUT ROWID), unique per (room, author,
    // seq), indexed in log order (lamport, author, seq) for replay and for the
    // history of texts. peer_have is what each member said it holds, per
    // author. Deleting a room's row deletes its log with it, in one statement.
    R"sql(
ALTER TABLE contacts ADD COLUMN sign_key BLOB CHECK(sign_key IS NULL OR length(sign_key) = 32);
CREATE TABLE rooms(
    id BLOB PRIMARY KEY NOT NULL CHECK(length(id) = 16),
    membership TEXT NOT NULL CHECK(membership IN ('invited', 'joined', 'left')),
    invited_by BLOB NOT NULL CHECK(length(invited_by) = 32),
    invited_name TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    unread INTEGER NOT NULL CHECK(unread BETWEEN 0 AND 4294967295)
) WITHOUT ROWID;
CREATE TABLE room_entries(
    room BLOB NOT NULL CHECK(length(room) = 16),
    author BLOB NOT NULL CHECK(length(author) = 32),
    seq INTEGER NOT NULL CHECK(seq >= 1),
    lamport INTEGER NOT NULL CHECK(lamport >= 1),
    id BLOB NOT NULL CHECK(length(id) = 16),
    bytes BLOB NOT NULL,
    signature BLOB NOT NULL CHECK(length(signature) = 64),
    text INTEGER NOT NULL CHECK(text IN (0, 1)),
    received_at_ms INTEGER NOT NULL,
    UNIQUE(room, author, seq)
);
CREATE INDEX room_entries_log ON room_entries(room, lamport, author, seq);
CREATE INDEX room_entries_texts ON room_entries(room, lamport, author, seq) WHERE text = 1;
CREATE TABLE peer_have(
    room BLOB NOT NULL CHECK(length(room) = 16),
    author BLOB NOT NULL CHECK(length(author) = 32),
    member BLOB NOT NULL CHECK(length(member) = 32),
    seq INTEGER NOT NULL CHECK(seq >= 0),
    PRIMARY KEY(room, author, member)
) WITHOUT ROWID;
CREATE TRIGGER rooms_forget AFTER DELETE ON rooms BEGIN
    DELETE FROM room_entries WHERE room = old.id;
    DELETE FROM peer_have WHERE room = old.id;
END;
)sql",
};
constexpr std::int64_t kSchemaVersion = std::size(kMigrations);

// The fixed 100-byte header at the start of every SQLite 3 file (fileformat2 §1.3).
constexpr std::size_t kHeaderSize = 100;
constexpr std::string_view kHeaderMagic{"SQLite format 3\0", 16};
constexpr std::uint32_t kMinPageSize = 512;
constexpr std::uint32_t kMaxPageSize = 65536;

// A sqlite3 shell reading the file holds its lock briefly; wait rather than fail.
constexpr int kBusyTimeoutMs = 2000;
// After a burst the WAL is cut back to this size at checkpoint instead of
// keeping its peak size on disk.
constexpr std::int64_t kWalSizeLimitBytes = 4 * 1024 * 1024;

constexpr std::string_view kMessageColumns =
    "seq, id, peer, direction, body, sent_at_ms, received_at_ms, state, failure";
constexpr std::string_view kRoomColumns = "id, membership, invited_by, invited_name, updated_ms, unread";
constexpr std::string_view kEntryColumns = "room, author, seq, lamport, id, bytes, signature, text, received_at_ms";

enum Stmt {
    touch_contact_stmt,
    get_contact_stmt,
    list_contacts_stmt,
    contacts_named_stmt,
    verified_named_stmt,
    set_trust_stmt,
    surplus_strangers_stmt,
    forget_stranger_stmt,
    forget_old_strangers_stmt,
    insert_outgoing_stmt,
    insert_incoming_stmt,
    incoming_body_stmt,
    set_state_stmt,
    outbox_stmt,
    outbox_head_stmt,
    outbox_peers_stmt,
    get_message_stmt,
    history_stmt,
    set_sign_key_stmt,
    put_room_stmt,
    get_room_stmt,
    list_rooms_stmt,
    forget_room_stmt,
    add_unread_stmt,
    clear_unread_stmt,
    insert_entry_stmt,
    room_log_stmt,
    entries_from_stmt,
    room_texts_stmt,
    set_peer_have_stmt,
    peer_haves_stmt,
    begin_stmt,
    commit_stmt,
    rollback_stmt,
    stmt_count,
};

// A contact nothing would be lost by forgetting: no trust decision, no message
// either way (queued ones included).
constexpr std::string_view kStranger =
    "trust = 'unverified' AND NOT EXISTS(SELECT 1 FROM messages WHERE messages.peer = contacts.key)";

std::string statement_sql(Stmt s) {
    const std::string select_messages = "SELECT " + std::string(kMessageColumns) + " FROM messages ";
    const std::string select_contacts = "SELECT key, nick, first_seen_ms, last_seen_ms, trust, sign_key FROM contacts ";
    const std::string select_rooms = "SELECT " + std::string(kRoomColumns) + " FROM rooms ";
    const std::string select_entries = "SELECT " + std::string(kEntryColumns) + " FROM room_entries ";
    const std::string stranger(kStranger);
    switch (s) {
    case touch_contact_stmt:
        return "INSERT INTO contacts(key, nick, first_seen_ms, last_seen_ms, trust) "
               "VALUES(?1, ?2, ?3, ?3, 'unverified') "
               "ON CONFLICT(key) DO UPDATE SET "
               "nick = CASE WHEN excluded.nick = '' THEN nick ELSE excluded.nick END, "
               "last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)";
    case get_contact_stmt:
        return select_contacts + "WHERE key = ?1";
    case list_contacts_stmt:
        return select_contacts + "ORDER BY nick COLLATE NOCASE, key";
    case contacts_named_stmt:
        return select_contacts + "WHERE nick = ?1 COLLATE NOCASE ORDER BY key";
    case verified_named_stmt:
        // trust = 'verified' spelled as in contacts_verified_by_nick so the planner uses it.
        return select_contacts + "WHERE trust = 'verified' AND nick = ?1 COLLATE NOCASE AND key <> ?2 LIMIT 1";
    case surplus_strangers_stmt:
        return "SELECT key FROM contacts WHERE " + stranger + " ORDER BY last_seen_ms DESC, key DESC LIMIT -1 OFFSET ?1";
    case forget_stranger_stmt:
        return "DELETE FROM contacts WHERE key = ?1 AND " + stranger;
    case forget_old_strangers_stmt:
        return "DELETE FROM contacts WHERE last_seen_ms < ?1 AND " + stranger;
    case set_trust_stmt:
        return "INSERT INTO contacts(key, nick, first_seen_ms, last_seen_ms, trust) "
               "VALUES(?1, '', 0, 0, ?2) ON CONFLICT(key) DO UPDATE SET trust = excluded.trust";
    case insert_outgoing_stmt:
        return "INSERT INTO messages(id, peer, direction, body, sent_at_ms, received_at_ms, state) "
               "VALUES(?1, ?2, 'out', ?3, ?4, ?5, 'queued')";
    case insert_incoming_stmt:
        return "INSERT INTO messages(id, peer, direction, body, sent_at_ms, received_at_ms, state, failure) "
               "VALUES(?1, ?2, 'in', ?3, ?4, ?5, ?6, ?7) ON CONFLICT(peer, direction, id) DO NOTHING";
    case incoming_body_stmt:
        return "SELECT body FROM messages WHERE peer = ?1 AND direction = 'in' AND id = ?2";
    case set_state_stmt:
        return "UPDATE messages SET state = ?3, failure = ?4 "
               "WHERE peer = ?1 AND direction = 'out' AND id = ?2 AND state <> 'delivered'";
    case outbox_stmt:
        // Same WHERE terms as messages_outbox so the planner uses that index.
        return select_messages +
               "WHERE peer = ?1 AND direction = 'out' AND state IN ('queued', 'sent') ORDER BY seq";
    case outbox_head_stmt:
        return "SELECT 1 FROM messages WHERE peer = ?1 AND direction = 'out' AND state IN ('queued', 'sent') LIMIT 1";
    case outbox_peers_stmt:
        return "SELECT DISTINCT peer FROM messages WHERE direction = 'out' AND state IN ('queued', 'sent')";
    case get_message_stmt:
        return select_messages + "WHERE peer = ?1 AND direction = ?2 AND id = ?3";
    case history_stmt:
        return select_messages + "WHERE peer = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3";
    case set_sign_key_stmt:
        return "INSERT INTO contacts(key, nick, first_seen_ms, last_seen_ms, trust, sign_key) "
               "VALUES(?1, '', 0, 0, 'unverified', ?2) ON CONFLICT(key) DO UPDATE SET sign_key = excluded.sign_key";
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
    case begin_stmt:
        return "BEGIN IMMEDIATE";
    case commit_stmt:
        return "COMMIT";
    case rollback_stmt:
        return "ROLLBACK";
    case stmt_count:
        break;
    }
    return {};
}

template <class E, std::size_t N>
std::optional<E> parse_enum(std::string_view text, const E (&all)[N]) {
    for (E e : all)
        if (to_string(e) == text) return e;
    return std::nullopt;
}
constexpr Trust kAllTrust[] = {Trust::unverified, Trust::verified, Trust::blocked};
constexpr Direction kAllDirections[] = {Direction::in, Direction::out};
constexpr MessageState kAllStates[] = {MessageState::queued, MessageState::sent, MessageState::delivered,
                                       MessageState::failed};
constexpr RoomMembership kAllMemberships[] = {RoomMembership::invited, RoomMembership::joined, RoomMembership::left};

// Resets a cached statement and drops its bindings (they point into caller
// memory, bound with SQLITE_STATIC) when the call using it returns.
class Use {
public:
    explicit Use(sqlite3_stmt* s) : s_(s) {}
    ~Use() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    sqlite3_stmt* get() const { return s_; }

private:
    sqlite3_stmt* s_;
};

int bind_blob(sqlite3_stmt* s, int i, std::span<const std::uint8_t> b) {
    // "" because a null pointer would bind NULL.
    return sqlite3_bind_blob64(s, i, b.empty() ? static_cast<const void*>("") : b.data(), b.size(), SQLITE_STATIC);
}
int bind_text(sqlite3_stmt* s, int i, std::string_view t) {
    // text64 reports SQLITE_TOOBIG instead of truncating; "" because a null
    // pointer would bind NULL.
    return sqlite3_bind_text64(s, i, t.empty() ? "" : t.data(), t.size(), SQLITE_STATIC, SQLITE_UTF8);
}
// Binds values left to right from index 1; stops at the first error.
int bind_all(sqlite3_stmt*, int) { return SQLITE_OK; }
template <class T, class... Rest>
int bind_all(sqlite3_stmt* s, int i, const T& v, const Rest&... rest) {
    int rc;
    if constexpr (std::is_same_v<T, std::int64_t>)
        rc = sqlite3_bind_int64(s, i, v);
    else if constexpr (std::is_convertible_v<const T&, std::string_view>)
        rc = bind_text(s, i, v);
    else
        rc = bind_blob(s, i, v);
    return rc == SQLITE_OK ? bind_all(s, i + 1, rest...) : rc;
}

template <std::size_t N>
bool column_blob(sqlite3_stmt* s, int i, std::array<std::uint8_t, N>& out) {
    const void* p = sqlite3_column_blob(s, i);
    if (p == nullptr || sqlite3_column_bytes(s, i) != static_cast<int>(N)) return false;
    std::memcpy(out.data(), p, N);
    return true;
}
std::string column_text(sqlite3_stmt* s, int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

// Rows that fail these checks cannot come from our own writes (CHECK
// constraints); they are skipped rather than shown half-read.
std::optional<Contact> read_contact(sqlite3_stmt* s) {
    Contact c;
    auto trust = parse_enum(column_text(s, 4), kAllTrust);
    if (!column_blob(s, 0, c.key) || !trust) return std::nullopt;
    c.nick = column_text(s, 1);
    c.first_seen_ms = sqlite3_column_int64(s, 2);
    c.last_seen_ms = sqlite3_column_int64(s, 3);
    c.trust = *trust;
    if (sqlite3_column_type(s, 5) != SQLITE_NULL) {
        if (!column_blob(s, 5, c.sign_key.emplace())) return std::nullopt;
    }
    return c;
}
std::optional<StoredMessage> read_message(sqlite3_stmt* s) {
    StoredMessage m;
    auto direction = parse_enum(column_text(s, 3), kAllDirections);
    auto state = parse_enum(column_text(s, 7), kAllStates);
    if (!column_blob(s, 1, m.id) || !column_blob(s, 2, m.peer) || !direction || !state) return std::nullopt;
    m.seq = sqlite3_column_int64(s, 0);
    m.direction = *direction;
    m.body = column_text(s, 4);
    m.sent_at_ms = sqlite3_column_int64(s, 5);
    m.received_at_ms = sqlite3_column_int64(s, 6);
    m.state = *state;
    m.failure = column_text(s, 8);
    return m;
}

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

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

std::uint32_t be16(const unsigned char* p) { return std::uint32_t(p[0]) << 8 | p[1]; }
std::uint32_t be32(const unsigned char* p) {
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

// Checks the raw header and size with plain reads, before SQLite sees the file,
// so garbage and truncated files are refused without any chance of a write.
// With a WAL beside it the page count is not checked: a checkpoint cut short
// (kill -9, power loss) may have written page 1 before extending the file,
// and the WAL still holds every page.
StoreError check_header(const std::string& path, bool has_wal, std::string& message) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    std::ifstream in(path, std::ios::binary);
    if (ec || !in) {
        message = path + ": cannot read the file";
        return StoreError::cannot_open;
    }
    if (size == 0) return StoreError::ok;  // an empty file is an empty database to SQLite
    unsigned char h[kHeaderSize];
    if (size < kHeaderSize || !in.read(reinterpret_cast<char*>(h), kHeaderSize) ||
        std::string_view(reinterpret_cast<const char*>(h), kHeaderMagic.size()) != kHeaderMagic) {
        message = path + " is not a SQLite database";
        return StoreError::not_a_database;
    }
    std::uint32_t page_size = be16(h + 16);
    if (page_size == 1) page_size = kMaxPageSize;  // 65536 does not fit in 16 bits
    const bool page_size_ok =
        page_size >= kMinPageSize && page_size <= kMaxPageSize && (page_size & (page_size - 1)) == 0;
    // The in-header page count is valid only when the change counter matches
    // version-valid-for (fileformat2 §1.3.7).
    const std::uint64_t pages = be32(h + 24) == be32(h + 92) ? be32(h + 28) : 0;
    if (!page_size_ok || size % page_size != 0 || (!has_wal && size < pages * page_size)) {
        message = path + " is damaged or truncated (" + std::to_string(size) + " bytes)";
        return StoreError::not_a_database;
    }
    return StoreError::ok;
}

StoreError from_sqlite_open_error(int rc) {
    rc &= 0xff;
    return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? StoreError::not_a_database : StoreError::cannot_open;
}

// One integer from a PRAGMA or SELECT; rc is the SQLite result.
int query_int(sqlite3* db, const char* sql, std::int64_t& out) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
    StmtPtr s(raw);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(s.get());
    if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
    out = sqlite3_column_int64(s.get(), 0);
    return SQLITE_OK;
}

struct Identity {
    std::int64_t application_id = 0;
    std::int64_t user_version = 0;
    std::int64_t schema_objects = 0;
};

int read_identity(sqlite3* db, Identity& id) {
    int rc = query_int(db, "PRAGMA application_id", id.application_id);
    if (rc == SQLITE_OK) rc = query_int(db, "PRAGMA user_version", id.user_version);
    if (rc == SQLITE_OK) rc = query_int(db, "SELECT count(*) FROM sqlite_master", id.schema_objects);
    return rc;
}

// Ours (any version we know), or a blank database we may adopt; else foreign.
StoreError classify(const Identity& id, const std::string& path, std::string& message) {
    const bool blank = id.application_id == 0 && id.user_version == 0 && id.schema_objects == 0;
    if (id.application_id != kApplicationId && !blank) {
        message = path + " is a SQLite database of another program";
        return StoreError::foreign_schema;
    }
    // user_version is a signed 32-bit field anyone can set: it becomes an index
    // into kMigrations, so anything outside 0..kSchemaVersion is refused here.
    if (id.user_version < 0) {
        message = path + " has an invalid schema version (" + std::to_string(id.user_version) + ")";
        return StoreError::foreign_schema;
    }
    if (id.user_version > kSchemaVersion) {
        message = path + " was made by a newer Hallway (schema " + std::to_string(id.user_version) +
                  ", this one knows up to " + std::to_string(kSchemaVersion) + ")";
        return StoreError::foreign_schema;
    }
    return StoreError::ok;
}

// "file:" URI for path: everything but unreserved characters and '/' is
// percent-encoded, so '?', '#' and '%' in a directory name stay part of it.
std::string file_uri(const std::string& path) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string uri = "file:";
    for (unsigned char c : path) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
            uri += static_cast<char>(c);
        } else {
            uri += '%';
            uri += kHex[c >> 4];
            uri += kHex[c & 15];
        }
    }
    return uri;
}

// Looks at an existing file before anything may write it. immutable=1 reads
// the main file only: no locks, no -wal/-shm side files, no journal rollback,
// so a refused file and its directory stay exactly as they were. When a WAL
// exists the main file alone is not the database; open() then decides on its
// own connection, which does not checkpoint until the file is known as ours.
StoreError inspect_existing(const std::string& path, std::string& message) {
    std::error_code ec;
    const auto wal_size = std::filesystem::file_size(path + "-wal", ec);
    const bool has_wal = !ec && wal_size > 0;
    if (StoreError e = check_header(path, has_wal, message); e != StoreError::ok || has_wal) return e;
    sqlite3* raw = nullptr;
    const std::string uri = file_uri(path) + "?immutable=1";
    int rc = sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
    DbPtr db(raw);
    Identity id;
    if (rc == SQLITE_OK) rc = read_identity(db.get(), id);
    if (rc != SQLITE_OK) {
        message = path + ": " + (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc));
        return from_sqlite_open_error(rc);
    }
    if (StoreError e = classify(id, path, message); e != StoreError::ok) return e;
    // A file we are about to write (adopt a blank one, or migrate an older one)
    // must be sound first: switching it to WAL rewrites its header, and a
    // migration that then fails on a damaged page would leave it changed.
    if (id.user_version < kSchemaVersion) {
        std::string check;
        sqlite3_stmt* q = nullptr;
        rc = sqlite3_prepare_v2(db.get(), "PRAGMA quick_check(1)", -1, &q, nullptr);
        StmtPtr stmt(q);
        if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) check = column_text(q, 0);
        if (check != "ok") {
            message = path + " is damaged (" + (check.empty() ? sqlite3_errmsg(db.get()) : check) + ")";
            return StoreError::not_a_database;
        }
    }
    return StoreError::ok;
}

}  // namespace

std::string_view to_string(Trust t) {
    switch (t) {
    case Trust::unverified: return "unverified";
    case Trust::verified: return "verified";
    case Trust::blocked: return "blocked";
    }
    return "?";
}

std::string_view to_string(Direction d) {
    switch (d) {
    case Direction::in: return "in";
    case Direction::out: return "out";
    }
    return "?";
}

std::string_view to_string(MessageState s) {
    switch (s) {
    case MessageState::queued: return "queued";
    case MessageState::sent: return "sent";
    case MessageState::delivered: return "delivered";
    case MessageState::failed: return "failed";
    }
    return "?";
}

std::string_view to_string(RoomMembership m) {
    switch (m) {
    case RoomMembership::invited: return "invited";
    case RoomMembership::joined: return "joined";
    case RoomMembership::left: return "left";
    }
    return "?";
}

std::string_view to_string(StoreError e) {
    switch (e) {
    case StoreError::ok: return "ok";
    case StoreError::cannot_open: return "cannot_open";
    case StoreError::not_a_database: return "not_a_database";
    case StoreError::foreign_schema: return "foreign_schema";
    case StoreError::io: return "io";
    case StoreError::duplicate_id: return "duplicate_id";
    case StoreError::id_reused: return "id_reused";
    }
    return "?";
}

struct Store::Impl {
    DbPtr db;
    // Declared after db so they are finalized before it closes.
    std::array<StmtPtr, stmt_count> stmts;
    std::string last_error;

    sqlite3_stmt* stmt(Stmt s) const { return stmts[s].get(); }

    StoreError fail(int rc) {
        last_error = sqlite3_errmsg(db.get());
        if (last_error.empty()) last_error = sqlite3_errstr(rc);
        return StoreError::io;
    }

    // Runs a write statement whose bindings are done; rc of the bind, if any failed.
    StoreError run(const Use& u, int bind_rc) {
        int rc = bind_rc == SQLITE_OK ? sqlite3_step(u.get()) : bind_rc;
        return rc == SQLITE_DONE ? StoreError::ok : fail(rc);
    }

    template <class Row, class Read>
    std::vector<Row> rows(const Use& u, int bind_rc, Read read) const {
        std::vector<Row> out;
        if (bind_rc != SQLITE_OK) return out;
        while (sqlite3_step(u.get()) == SQLITE_ROW)
            if (auto r = read(u.get())) out.push_back(std::move(*r));
        return out;
    }

    template <class Row, class Read>
    std::optional<Row> row(const Use& u, int bind_rc, Read read) const {
        auto found = rows<Row>(u, bind_rc, read);
        if (found.empty()) return std::nullopt;
        return std::move(found.front());
    }
};

std::unique_ptr<Store> Store::open(const std::string& path, StoreError& err, std::string& message) {
    err = StoreError::ok;
    message.clear();
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    const bool exists = std::filesystem::exists(status);
    if (ec && !exists && status.type() != std::filesystem::file_type::not_found) {
        err = StoreError::cannot_open;
        message = path + ": " + ec.message();
        return nullptr;
    }
    if (exists && !std::filesystem::is_regular_file(status)) {
        err = StoreError::cannot_open;
        message = path + " is not a regular file";
        return nullptr;
    }
    if (exists) {
        err = inspect_existing(path, message);
        if (err != StoreError::ok) return nullptr;
    }

    auto impl = std::make_unique<Impl>();
    sqlite3* raw = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    impl->db.reset(raw);
    auto failed = [&](StoreError e) -> std::unique_ptr<Store> {
        err = e;
        message = path + ": " + (impl->db ? sqlite3_errmsg(impl->db.get()) : sqlite3_errstr(rc));
        return nullptr;
    };
    if (rc != SQLITE_OK) return failed(from_sqlite_open_error(rc));
    sqlite3* db = impl->db.get();
    sqlite3_extended_result_codes(db, 0);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    // Closing the last connection checkpoints the WAL into the main file; not
    // before we know the file is ours (a foreign WAL the pre-check missed).
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    Identity id;
    rc = read_identity(db, id);
    if (rc != SQLITE_OK) return failed(from_sqlite_open_error(rc));
    if (StoreError e = classify(id, path, message); e != StoreError::ok) {
        err = e;
        return nullptr;
    }

    // FULL: every commit is fsynced, so a message we acknowledged survives
    // power loss, not just a crash (NORMAL in WAL mode may lose the last
    // commits on power loss). Neither pragma writes the file.
    std::int64_t ignored = 0;
    const std::string size_limit = "PRAGMA journal_size_limit = " + std::to_string(kWalSizeLimitBytes);
    rc = sqlite3_exec(db, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) rc = query_int(db, size_limit.c_str(), ignored);
    if (rc != SQLITE_OK) return failed(from_sqlite_open_error(rc));

    // Migrate in one transaction, reading the version again under the write
    // lock: the application_id is written with the tables, so a file is either
    // blank or fully ours at some version.
    auto rolled_back = [&](std::unique_ptr<Store> none) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return none;
    };
    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) rc = read_identity(db, id);
    if (rc != SQLITE_OK) return rolled_back(failed(StoreError::io));
    if (StoreError e = classify(id, path, message); e != StoreError::ok) {
        err = e;
        return rolled_back(nullptr);
    }
    if (id.user_version < kSchemaVersion) {
        for (std::int64_t v = id.user_version; v < kSchemaVersion && rc == SQLITE_OK; ++v)
            rc = sqlite3_exec(db, std::string(kMigrations[v]).c_str(), nullptr, nullptr, nullptr);
        const std::string stamp = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                                  "; PRAGMA user_version = " + std::to_string(kSchemaVersion);
        if (rc == SQLITE_OK) rc = sqlite3_exec(db, stamp.c_str(), nullptr, nullptr, nullptr);
    }
    // Our id and version but tables our statements do not fit: damaged, not
    // ours to touch. Prepared inside the transaction, so a migration that made
    // such a file "current" is rolled back instead of committed to the WAL.
    for (int s = 0; s < stmt_count && rc == SQLITE_OK; ++s) {
        const std::string sql = statement_sql(static_cast<Stmt>(s));
        sqlite3_stmt* prepared = nullptr;
        rc = sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size() + 1), SQLITE_PREPARE_PERSISTENT,
                                &prepared, nullptr);
        impl->stmts[s].reset(prepared);
        if (rc != SQLITE_OK)
            return rolled_back(failed((rc & 0xff) == SQLITE_ERROR ? StoreError::not_a_database
                                                                  : from_sqlite_open_error(rc)));
    }
    // Nothing to migrate: end the transaction without a commit, which could still
    // write a page to a file not yet known to be usable.
    const char* end = id.user_version < kSchemaVersion ? "COMMIT" : "ROLLBACK";
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, end, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return rolled_back(failed(StoreError::io));  // failed() reads the error first

    // WAL: readers never block the writer. Switched only now that the file is
    // known to be ours and fit: in a file not yet in WAL mode the switch
    // rewrites the header, which a refused file must never see.
    rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return failed(from_sqlite_open_error(rc));

    // Only now is the file known to be usable as ours: closing may checkpoint
    // into it (before this, a refusal would have rewritten the refused file).
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, nullptr);

    std::unique_ptr<Store> store(new Store());
    store->impl_ = std::move(impl);
    return store;
}

Store::~Store() = default;

const std::string& Store::last_error() const { return impl_->last_error; }

Store::Batch::Batch(Store& store) : store_(store) {
    Impl& impl = *store_.impl_;
    begun_ = impl.run(Use(impl.stmt(begin_stmt)), SQLITE_OK);
    open_ = begun_ == StoreError::ok;
}

Store::Batch::~Batch() {
    if (open_) {
        Impl& impl = *store_.impl_;
        impl.run(Use(impl.stmt(rollback_stmt)), SQLITE_OK);
    }
}

StoreError Store::Batch::commit() {
    if (!open_) return begun_ == StoreError::ok ? StoreError::io : begun_;
    Impl& impl = *store_.impl_;
    StoreError e = impl.run(Use(impl.stmt(commit_stmt)), SQLITE_OK);
    // A failed COMMIT may have rolled back already (disk full) or still be
    // pending (busy); the destructor rolls back only what is still open.
    open_ = sqlite3_get_autocommit(impl.db.get()) == 0;
    return e;
}

StoreError Store::touch_contact(const PeerKey& key, std::string_view nick, std::int64_t now_ms) {
    Use u(impl_->stmt(touch_contact_stmt));
    return impl_->run(u, bind_all(u.get(), 1, key, nick, now_ms));
}

std::optional<Contact> Store::contact(const PeerKey& key) const {
    Use u(impl_->stmt(get_contact_stmt));
    return impl_->row<Contact>(u, bind_all(u.get(), 1, key), read_contact);
}

std::vector<Contact> Store::contacts() const {
    Use u(impl_->stmt(list_contacts_stmt));
    return impl_->rows<Contact>(u, SQLITE_OK, read_contact);
}

std::vector<Contact> Store::contacts_named(std::string_view nick) const {
    Use u(impl_->stmt(contacts_named_stmt));
    return impl_->rows<Contact>(u, bind_all(u.get(), 1, nick), read_contact);
}

std::optional<Contact> Store::verified_namesake(const PeerKey& key, std::string_view nick) const {
    if (nick.empty()) return std::nullopt;
    Use u(impl_->stmt(verified_named_stmt));
    return impl_->row<Contact>(u, bind_all(u.get(), 1, nick, key), read_contact);
}

namespace {
std::optional<PeerKey> read_key(sqlite3_stmt* s) {
    PeerKey k{};
    if (!column_blob(s, 0, k)) return std::nullopt;
    return k;
}
}  // namespace

std::vector<PeerKey> Store::surplus_strangers(std::size_t keep) const {
    Use u(impl_->stmt(surplus_strangers_stmt));
    const auto offset = static_cast<std::int64_t>(std::min<std::size_t>(keep, INT64_MAX));
    return impl_->rows<PeerKey>(u, bind_all(u.get(), 1, offset), read_key);
}

StoreError Store::forget_stranger(const PeerKey& key) {
    Use u(impl_->stmt(forget_stranger_stmt));
    return impl_->run(u, bind_all(u.get(), 1, key));
}

StoreError Store::forget_strangers_seen_before(std::int64_t cutoff_ms) {
    Use u(impl_->stmt(forget_old_strangers_stmt));
    return impl_->run(u, bind_all(u.get(), 1, cutoff_ms));
}

StoreError Store::set_trust(const PeerKey& key, Trust trust) {
    Use u(impl_->stmt(set_trust_stmt));
    return impl_->run(u, bind_all(u.get(), 1, key, to_string(trust)));
}

StoreError Store::set_sign_key(const PeerKey& key, const std::array<std::uint8_t, 32>& sign_key) {
    Use u(impl_->stmt(set_sign_key_stmt));
    return impl_->run(u, bind_all(u.get(), 1, key, sign_key));
}

StoreError Store::add_outgoing(const StoredMessage& m) {
    Use u(impl_->stmt(insert_outgoing_stmt));
    int rc = bind_all(u.get(), 1, m.id, m.peer, m.body, m.sent_at_ms, m.received_at_ms);
    if (rc == SQLITE_OK) rc = sqlite3_step(u.get());
    if (rc == SQLITE_DONE) return StoreError::ok;
    StoreError e = impl_->fail(rc);
    return (rc & 0xff) == SQLITE_CONSTRAINT && message(m.peer, Direction::out, m.id) ? StoreError::duplicate_id : e;
}

StoreError Store::add_incoming(const StoredMessage& m, bool& inserted) {
    inserted = false;
    {
        Use u(impl_->stmt(insert_incoming_stmt));
        const std::string_view failure = m.state == MessageState::failed ? std::string_view(m.failure) : "";
        int rc = bind_all(u.get(), 1, m.id, m.peer, m.body, m.sent_at_ms, m.received_at_ms, to_string(m.state),
                          failure);
        if (rc == SQLITE_OK) rc = sqlite3_step(u.get());
        if (rc != SQLITE_DONE) return impl_->fail(rc);
        if (sqlite3_changes(impl_->db.get()) == 1) {
            inserted = true;
            return StoreError::ok;
        }
    }
    // This sender already used the id: a resend if the text is the same.
    Use u(impl_->stmt(incoming_body_stmt));
    if (int rc = bind_all(u.get(), 1, m.peer, m.id); rc != SQLITE_OK) return impl_->fail(rc);
    if (sqlite3_step(u.get()) != SQLITE_ROW) return impl_->fail(sqlite3_errcode(impl_->db.get()));
    return column_text(u.get(), 0) == m.body ? StoreError::ok : StoreError::id_reused;
}

StoreError Store::set_state(const PeerKey& peer, const MessageId& id, MessageState state, std::string_view failure) {
    Use u(impl_->stmt(set_state_stmt));
    if (state != MessageState::failed) failure = {};
    return impl_->run(u, bind_all(u.get(), 1, peer, id, to_string(state), failure));
}

std::vector<StoredMessage> Store::outbox(const PeerKey& peer) const {
    Use u(impl_->stmt(outbox_stmt));
    return impl_->rows<StoredMessage>(u, bind_all(u.get(), 1, peer), read_message);
}

bool Store::has_outbox(const PeerKey& peer) const {
    Use u(impl_->stmt(outbox_head_stmt));
    return impl_->row<bool>(u, bind_all(u.get(), 1, peer), [](sqlite3_stmt*) -> std::optional<bool> { return true; })
        .has_value();
}

std::vector<PeerKey> Store::outbox_peers() const {
    Use u(impl_->stmt(outbox_peers_stmt));
    return impl_->rows<PeerKey>(u, SQLITE_OK, read_key);
}

std::optional<StoredMessage> Store::message(const PeerKey& peer, Direction direction, const MessageId& id) const {
    Use u(impl_->stmt(get_message_stmt));
    return impl_->row<StoredMessage>(u, bind_all(u.get(), 1, peer, to_string(direction), id), read_message);
}

std::vector<StoredMessage> Store::history(const PeerKey& peer, std::size_t limit) const {
    return history_before(peer, INT64_MAX, limit);
}

std::vector<StoredMessage> Store::history_before(const PeerKey& peer, std::int64_t before_seq,
                                                 std::size_t limit) const {
    Use u(impl_->stmt(history_stmt));
    // LIMIT is signed in SQLite; clamp so a huge limit does not wrap to negative.
    const auto n = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    auto newest_first = impl_->rows<StoredMessage>(u, bind_all(u.get(), 1, peer, before_seq, n), read_message);
    std::reverse(newest_first.begin(), newest_first.end());
    return newest_first;
}

namespace {
// SQLite's integers are signed: seq and lamport are below 2^63 (entries over it
// do not decode), a count beyond it is clamped.
std::int64_t sql_int(std::uint64_t v) { return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX)); }
}  // namespace

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
    Use u(impl_->stmt(insert_entry_stmt));
    const std::span<const std::uint8_t> bytes(e.bytes);
    if (StoreError err = impl_->run(u, bind_all(u.get(), 1, e.room, e.author, sql_int(e.seq), sql_int(e.lamport), e.id,
                                                bytes, e.signature, std::int64_t{e.text}, e.received_at_ms));
        err != StoreError::ok)
        return err;
    return sqlite3_changes(impl_->db.get()) == 1 ? StoreError::ok : StoreError::duplicate_id;
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
