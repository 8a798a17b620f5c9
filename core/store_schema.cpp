#include "core/store_schema.hpp"

#include "core/store_impl.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>

namespace hallway::core::store_detail {

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
    // 4: file transfers in progress (docs/FILES-DESIGN.md), kept to resume
    // after a restart; an ended one is forgotten, so only live states exist.
    // (peer, direction, id) is unique (an id is unique per offering peer, like
    // a message id); rows are keyed by a local seq. The offer (up to 1 MiB) and
    // a file's bitmap (up to 128 KiB) are too big for WITHOUT ROWID. A
    // transfer's files are one row per offer entry (idx = entry index) and go
    // with it. Contacts learn whether a peer's Hello offered "files" and
    // whether we accept its offers unasked.
    R"sql(
ALTER TABLE contacts ADD COLUMN files INTEGER NOT NULL DEFAULT 0 CHECK(files IN (0, 1));
ALTER TABLE contacts ADD COLUMN auto_accept_files INTEGER NOT NULL DEFAULT 0 CHECK(auto_accept_files IN (0, 1));
CREATE TABLE file_transfers(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    peer BLOB NOT NULL CHECK(length(peer) = 32),
    direction TEXT NOT NULL CHECK(direction IN ('in', 'out')),
    id BLOB NOT NULL CHECK(length(id) = 16),
    state TEXT NOT NULL CHECK(state IN ('offered', 'active', 'paused')),
    offer BLOB NOT NULL CHECK(length(offer) <= 1048576),
    dir TEXT NOT NULL CHECK(length(CAST(dir AS BLOB)) <= 4096),
    reason TEXT NOT NULL CHECK(length(CAST(reason AS BLOB)) <= 256),
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    UNIQUE(peer, direction, id)
);
CREATE TABLE transfer_files(
    transfer INTEGER NOT NULL,
    idx INTEGER NOT NULL CHECK(idx BETWEEN 0 AND 1023),
    target TEXT NOT NULL CHECK(length(CAST(target AS BLOB)) <= 4096),
    source TEXT NOT NULL CHECK(length(CAST(source AS BLOB)) <= 4096),
    bitmap BLOB NOT NULL CHECK(length(bitmap) <= 131104),
    done INTEGER NOT NULL CHECK(done IN (0, 1)),
    PRIMARY KEY(transfer, idx)
);
CREATE TRIGGER file_transfers_forget AFTER DELETE ON file_transfers BEGIN
    DELETE FROM transfer_files WHERE transfer = old.seq;
END;
)sql",
    // 5: texts failed by a bug, queued again. A text whose session ended in the
    // read that established it was resent on that dead session, and the
    // transport's "nothing sent" read as "too large", so the text failed for
    // good. A text within the 64 KiB limit failed as too large is one of
    // those; it goes out again (its receiver keeps one copy of a text it
    // already has).
    R"sql(
UPDATE messages SET state = 'queued', failure = ''
    WHERE direction = 'out' AND state = 'failed' AND failure LIKE 'too large to send:%'
      AND length(CAST(body AS BLOB)) <= 65536;
)sql",
    // 6: remembered addresses (issue 21): where each contact was reached, to
    // dial it again when no discovery shows it; a contact keeps whether its
    // Hello offered "addresses". Triggers forget a contact's addresses when it
    // is deleted (a stranger forgotten) or blocked, whoever writes the row.
    R"sql(
ALTER TABLE contacts ADD COLUMN shares_addresses INTEGER NOT NULL DEFAULT 0 CHECK(shares_addresses IN (0, 1));
CREATE TABLE contact_addresses(
    key BLOB NOT NULL CHECK(length(key) = 32),
    address TEXT NOT NULL CHECK(length(CAST(address AS BLOB)) BETWEEN 1 AND 64),
    source TEXT NOT NULL CHECK(source IN ('dialed', 'inbound', 'shared')),
    last_ok_ms INTEGER NOT NULL,
    PRIMARY KEY(key, address)
) WITHOUT ROWID;
CREATE TRIGGER contacts_forget_addresses AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_addresses WHERE key = old.key;
END;
CREATE TRIGGER contacts_block_addresses AFTER UPDATE OF trust ON contacts WHEN new.trust = 'blocked' BEGIN
    DELETE FROM contact_addresses WHERE key = new.key;
END;
)sql",
    // 7: read receipts (docs/PROTOCOL.md §14). A message keeps when it was read:
    // ours, when the peer said it showed it; the peer's, when we showed it to
    // our person. read_sent: a peer's text read and answered (our `read` went
    // out, or none is owed). Texts received before this version count as read
    // when they arrived, with nothing owed: no receipts for old history. The
    // partial index holds the peer's texts unread or owed a receipt, few at
    // any time however long the conversation.
    R"sql(
ALTER TABLE messages ADD COLUMN read_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN read_sent INTEGER NOT NULL DEFAULT 0 CHECK(read_sent IN (0, 1));
UPDATE messages SET read_at_ms = received_at_ms, read_sent = 1 WHERE direction = 'in';
CREATE INDEX messages_receipts ON messages(peer, seq) WHERE direction = 'in' AND read_sent = 0;
)sql",
    // 8: search (issue 18). One-to-one texts: an FTS5 index with external
    // content on messages (keyed by seq, kept by triggers, built for the rows
    // there). Room texts: the body is inside an entry's signed CBOR, so the
    // index holds the decoded body (hallway_room_text(), registered by
    // Store::open; later entries are indexed by add_room_entry), keyed by the
    // entry's rowid (VACUUM INTO, which seal_store uses, keeps rowids); a
    // deleted entry (a room forgotten) leaves the index with it. unicode61
    // folds case and accents ("cafe" finds "Café"). The index pages live in
    // the same file: a locked store seals them like the texts.
    R"sql(
CREATE VIRTUAL TABLE messages_search USING fts5(body, content='messages', content_rowid='seq',
    tokenize='unicode61 remove_diacritics 2');
INSERT INTO messages_search(messages_search) VALUES('rebuild');
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_search(rowid, body) VALUES(new.seq, new.body);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_search(messages_search, rowid, body) VALUES('delete', old.seq, old.body);
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_search(messages_search, rowid, body) VALUES('delete', old.seq, old.body);
    INSERT INTO messages_search(rowid, body) VALUES(new.seq, new.body);
END;
CREATE VIRTUAL TABLE room_texts_search USING fts5(body, tokenize='unicode61 remove_diacritics 2');
INSERT INTO room_texts_search(rowid, body)
    SELECT rowid, hallway_room_text(bytes) FROM room_entries
    WHERE text = 1 AND hallway_room_text(bytes) IS NOT NULL;
CREATE TRIGGER room_entries_unsearch AFTER DELETE ON room_entries WHEN old.text = 1 BEGIN
    DELETE FROM room_texts_search WHERE rowid = old.rowid;
END;
)sql",
    // 9: link-local XMPP buddies (docs/PROTOCOL.md §15). A row is made on the
    // first message either way (a sighting alone is not kept) and names the
    // synthetic key its messages are stored under in messages (which has no
    // foreign key to contacts): the instance and the nick it last showed, so
    // history stays labelled while it is away. Bounded by the store code.
    R"sql(
CREATE TABLE link_local_buddies(
    key BLOB PRIMARY KEY CHECK(length(key) = 32),
    instance TEXT UNIQUE NOT NULL,
    nick TEXT,
    last_seen_ms INTEGER
);
)sql",
};

// The fixed 100-byte header at the start of every SQLite 3 file (fileformat2 §1.3).
constexpr std::size_t kHeaderSize = 100;
constexpr std::string_view kHeaderMagic{"SQLite format 3\0", 16};
constexpr std::uint32_t kMinPageSize = 512;
constexpr std::uint32_t kMaxPageSize = 65536;

std::uint32_t be16(const unsigned char* p) { return std::uint32_t(p[0]) << 8 | p[1]; }

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

}  // namespace

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

const std::int64_t kSchemaVersion = std::size(kMigrations);

StoreError from_sqlite_open_error(int rc) {
    rc &= 0xff;
    return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? StoreError::not_a_database : StoreError::cannot_open;
}

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

int read_identity(sqlite3* db, Identity& id) {
    int rc = query_int(db, "PRAGMA application_id", id.application_id);
    if (rc == SQLITE_OK) rc = query_int(db, "PRAGMA user_version", id.user_version);
    if (rc == SQLITE_OK) rc = query_int(db, "SELECT count(*) FROM sqlite_master", id.schema_objects);
    return rc;
}

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

int migrate(sqlite3* db, std::int64_t from_version) {
    int rc = SQLITE_OK;
    for (std::int64_t v = from_version; v < kSchemaVersion && rc == SQLITE_OK; ++v)
        rc = sqlite3_exec(db, std::string(kMigrations[v]).c_str(), nullptr, nullptr, nullptr);
    const std::string stamp = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                              "; PRAGMA user_version = " + std::to_string(kSchemaVersion);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, stamp.c_str(), nullptr, nullptr, nullptr);
    return rc;
}

}  // namespace hallway::core::store_detail
