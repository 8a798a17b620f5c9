#include "core/store.hpp"

#include "core/store_impl.hpp"
#include "core/store_schema.hpp"
#include "core/store_seal.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

namespace hallway::core {

using namespace store_detail;

namespace {

// A sqlite3 shell reading the file holds its lock briefly; wait rather than fail.
constexpr int kBusyTimeoutMs = 2000;
// After a burst the WAL is cut back to this size at checkpoint instead of
// keeping its peak size on disk.
constexpr std::int64_t kWalSizeLimitBytes = 4 * 1024 * 1024;

constexpr std::string_view kMessageColumns =
    "seq, id, peer, direction, body, sent_at_ms, received_at_ms, state, failure, read_at_ms";

// A contact nothing would be lost by forgetting: no trust decision, no message
// either way (queued ones included).
constexpr std::string_view kStranger =
    "trust = 'unverified' AND NOT EXISTS(SELECT 1 FROM messages WHERE messages.peer = contacts.key)";

constexpr Trust kAllTrust[] = {Trust::unverified, Trust::verified, Trust::blocked};
constexpr Direction kAllDirections[] = {Direction::in, Direction::out};
constexpr AddressSource kAllSources[] = {AddressSource::dialed, AddressSource::inbound, AddressSource::shared};
constexpr MessageState kAllStates[] = {MessageState::queued, MessageState::sent, MessageState::delivered,
                                       MessageState::failed};

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
    c.files = sqlite3_column_int64(s, 6) != 0;
    c.auto_accept_files = sqlite3_column_int64(s, 7) != 0;
    c.shares_addresses = sqlite3_column_int64(s, 8) != 0;
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
    m.read_at_ms = sqlite3_column_int64(s, 9);
    return m;
}

std::optional<KnownAddress> read_address(sqlite3_stmt* s) {
    auto source = parse_enum(column_text(s, 1), kAllSources);
    if (!source) return std::nullopt;
    return KnownAddress{column_text(s, 0), *source, sqlite3_column_int64(s, 2)};
}

std::optional<PeerKey> read_key(sqlite3_stmt* s) {
    PeerKey k{};
    if (!column_blob(s, 0, k)) return std::nullopt;
    return k;
}

}  // namespace

std::string store_detail::statement_sql(Stmt s) {
    const std::string select_messages = "SELECT " + std::string(kMessageColumns) + " FROM messages ";
    const std::string select_contacts =
        "SELECT key, nick, first_seen_ms, last_seen_ms, trust, sign_key, files, auto_accept_files, shares_addresses "
        "FROM contacts ";
    // Sets one column of a contact, creating it when unknown (as set_trust does).
    auto set_contact = [](std::string_view column) {
        const std::string c(column);
        return "INSERT INTO contacts(key, nick, first_seen_ms, last_seen_ms, trust, " + c +
               ") VALUES(?1, '', 0, 0, 'unverified', ?2) ON CONFLICT(key) DO UPDATE SET " + c + " = excluded." + c;
    };
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
    case is_stranger_stmt:
        return "SELECT 1 FROM contacts WHERE key = ?1 AND " + stranger;
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
        return set_contact("sign_key");
    case set_contact_files_stmt:
        return set_contact("files");
    case set_auto_accept_files_stmt:
        return set_contact("auto_accept_files");
    case set_shares_addresses_stmt:
        return set_contact("shares_addresses");
    case remember_address_stmt:
        // Only for a known contact that is not blocked; WHERE also keeps
        // SQLite from reading ON CONFLICT as part of the SELECT's join.
        return "INSERT INTO contact_addresses(key, address, source, last_ok_ms) SELECT ?1, ?2, ?3, ?4 "
               "WHERE EXISTS(SELECT 1 FROM contacts WHERE key = ?1 AND trust <> 'blocked') "
               "ON CONFLICT(key, address) DO UPDATE SET "
               "source = CASE WHEN excluded.source = 'shared' THEN source ELSE excluded.source END, "
               "last_ok_ms = max(last_ok_ms, excluded.last_ok_ms)";
    case trim_addresses_stmt:
        return "DELETE FROM contact_addresses WHERE key = ?1 AND address NOT IN (SELECT address FROM "
               "contact_addresses WHERE key = ?1 ORDER BY last_ok_ms DESC, address LIMIT ?2)";
    case forget_address_stmt:
        return "DELETE FROM contact_addresses WHERE key = ?1 AND address = ?2";
    case addresses_stmt:
        return "SELECT address, source, last_ok_ms FROM contact_addresses WHERE key = ?1 "
               "ORDER BY last_ok_ms DESC, address LIMIT ?2";
    case remembered_contacts_stmt:
        return "SELECT key FROM contacts WHERE trust <> 'blocked' AND NOT (" + stranger +
               ") AND EXISTS(SELECT 1 FROM contact_addresses WHERE contact_addresses.key = contacts.key) "
               "ORDER BY last_seen_ms DESC, key LIMIT ?1";
    case unread_incoming_stmt:
    case mark_incoming_read_stmt:
    case receipts_owed_stmt:
    case receipt_sent_stmt:
    case forgive_receipts_stmt:
    case peer_read_stmt:
        return receipts_statement_sql(s);
    case put_room_stmt:
    case get_room_stmt:
    case list_rooms_stmt:
    case forget_room_stmt:
    case add_unread_stmt:
    case clear_unread_stmt:
    case insert_entry_stmt:
    case room_log_stmt:
    case entries_from_stmt:
    case room_texts_stmt:
    case set_peer_have_stmt:
    case peer_haves_stmt:
        return room_statement_sql(s);
    case put_transfer_stmt:
    case put_transfer_file_stmt:
    case trim_transfer_files_stmt:
    case forget_transfer_stmt:
    case list_transfers_stmt:
    case list_transfer_files_stmt:
    case savepoint_stmt:
    case release_stmt:
    case rollback_to_stmt:
        return transfer_statement_sql(s);
    case search_messages_stmt:
    case search_rooms_stmt:
    case index_room_text_stmt:
    case entry_savepoint_stmt:
    case entry_release_stmt:
    case entry_rollback_to_stmt:
        return search_statement_sql(s);
    case touch_link_local_stmt:
    case trim_link_local_stmt:
    case list_link_local_stmt:
        return link_local_statement_sql(s);
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

std::string_view to_string(AddressSource s) {
    switch (s) {
    case AddressSource::dialed: return "dialed";
    case AddressSource::inbound: return "inbound";
    case AddressSource::shared: return "shared";
    }
    return "?";
}

std::optional<AddressSource> address_source_from_string(std::string_view text) {
    return parse_enum(text, kAllSources);
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
    case StoreError::too_large: return "too_large";
    case StoreError::sealed: return "sealed";
    case StoreError::wrong_key_or_damaged: return "wrong_key_or_damaged";
    case StoreError::not_sealed: return "not_sealed";
    }
    return "?";
}

std::unique_ptr<Store> Store::open(const std::string& path, StoreError& err, std::string& message,
                                   const StoreKey* key) {
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
    if (key) remove_leftovers(path);
    if (exists) {
        if (key) {
            err = check_sealed(path, *key, message);
        } else if (store_is_sealed(path)) {
            err = StoreError::sealed;
            message = path + " is locked (or not a SQLite file): it opens only with its passphrase";
        } else {
            err = inspect_existing(path, message);
        }
        if (err != StoreError::ok) return nullptr;
    }

    auto impl = std::make_unique<Impl>();
    if (key) impl->vfs = std::make_unique<SealedVfs>(*key);
    sqlite3* raw = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, key ? impl->vfs->name() : nullptr);
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
    // A sealed store must never need a rollback journal or temp file (the
    // VFS refuses them): WAL before the migration's transaction.
    if (key && (rc = enter_sealed_mode(db)) != SQLITE_OK) return failed(from_sqlite_open_error(rc));
    if ((rc = register_search_functions(db)) != SQLITE_OK) return failed(from_sqlite_open_error(rc));
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
    if (id.user_version < kSchemaVersion) rc = migrate(db, id.user_version);
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

std::vector<PeerKey> Store::surplus_strangers(std::size_t keep) const {
    Use u(impl_->stmt(surplus_strangers_stmt));
    const auto offset = static_cast<std::int64_t>(std::min<std::size_t>(keep, INT64_MAX));
    return impl_->rows<PeerKey>(u, bind_all(u.get(), 1, offset), read_key);
}

bool Store::is_stranger(const PeerKey& key) const {
    Use u(impl_->stmt(is_stranger_stmt));
    return impl_->row<bool>(u, bind_all(u.get(), 1, key), [](sqlite3_stmt*) -> std::optional<bool> { return true; })
        .has_value();
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

StoreError Store::set_contact_files(const PeerKey& key, bool files) {
    Use u(impl_->stmt(set_contact_files_stmt));
    return impl_->run(u, bind_all(u.get(), 1, key, std::int64_t{files}));
}

StoreError Store::set_auto_accept_files(const PeerKey& key, bool auto_accept) {
    Use u(impl_->stmt(set_auto_accept_files_stmt));
    return impl_->run(u, bind_all(u.get(), 1, key, std::int64_t{auto_accept}));
}

StoreError Store::set_contact_shares_addresses(const PeerKey& key, bool shares) {
    Use u(impl_->stmt(set_shares_addresses_stmt));
    return impl_->run(u, bind_all(u.get(), 1, key, std::int64_t{shares}));
}

StoreError Store::remember_address(const PeerKey& key, std::string_view address, AddressSource source,
                                   std::int64_t ms) {
    if (address.empty() || address.size() > transport::wire::kMaxAddressText) return StoreError::too_large;
    {
        Use u(impl_->stmt(remember_address_stmt));
        if (StoreError e = impl_->run(u, bind_all(u.get(), 1, key, address, to_string(source), ms));
            e != StoreError::ok)
            return e;
    }
    Use u(impl_->stmt(trim_addresses_stmt));
    return impl_->run(u, bind_all(u.get(), 1, key, std::int64_t{kMaxAddressesPerKey}));
}

StoreError Store::forget_address(const PeerKey& key, std::string_view address) {
    Use u(impl_->stmt(forget_address_stmt));
    return impl_->run(u, bind_all(u.get(), 1, key, address));
}

std::vector<KnownAddress> Store::addresses(const PeerKey& key) const {
    Use u(impl_->stmt(addresses_stmt));
    return impl_->rows<KnownAddress>(u, bind_all(u.get(), 1, key, std::int64_t{kMaxAddressesPerKey}), read_address);
}

std::vector<PeerKey> Store::remembered_contacts(std::size_t limit) const {
    Use u(impl_->stmt(remembered_contacts_stmt));
    const auto n = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    return impl_->rows<PeerKey>(u, bind_all(u.get(), 1, n), read_key);
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

}  // namespace hallway::core
