#pragma once
// Private to core/store*.cpp (never installed or included elsewhere): the
// cached statements, the helpers that bind and read them, and Store::Impl,
// shared by store.cpp (contacts, messages), store_rooms.cpp (rooms),
// store_files.cpp (file transfers), store_receipts.cpp (read receipts) and
// store_search.cpp (search).
#include "core/sealed_vfs.hpp"
#include "core/store.hpp"

#include <sqlite3.h>

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace hallway::core {

namespace store_detail {

enum Stmt {
    touch_contact_stmt,
    get_contact_stmt,
    list_contacts_stmt,
    contacts_named_stmt,
    verified_named_stmt,
    set_trust_stmt,
    surplus_strangers_stmt,
    forget_stranger_stmt,
    is_stranger_stmt,
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
    unread_incoming_stmt,
    mark_incoming_read_stmt,
    receipts_owed_stmt,
    receipt_sent_stmt,
    forgive_receipts_stmt,
    peer_read_stmt,
    set_sign_key_stmt,
    set_contact_files_stmt,
    set_auto_accept_files_stmt,
    set_shares_addresses_stmt,
    remember_address_stmt,
    trim_addresses_stmt,
    forget_address_stmt,
    addresses_stmt,
    remembered_contacts_stmt,
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
    put_transfer_stmt,
    put_transfer_file_stmt,
    trim_transfer_files_stmt,
    forget_transfer_stmt,
    list_transfers_stmt,
    list_transfer_files_stmt,
    savepoint_stmt,
    release_stmt,
    rollback_to_stmt,
    search_messages_stmt,
    search_rooms_stmt,
    index_room_text_stmt,
    entry_savepoint_stmt,
    entry_release_stmt,
    entry_rollback_to_stmt,
    touch_link_local_stmt,
    trim_link_local_stmt,
    list_link_local_stmt,
    begin_stmt,
    commit_stmt,
    rollback_stmt,
    stmt_count,
};

// The SQL of each statement, prepared once by open(): store_rooms.cpp has
// the rooms' statements, store_files.cpp the transfers', store.cpp the others.
std::string statement_sql(Stmt s);
std::string room_statement_sql(Stmt s);
std::string transfer_statement_sql(Stmt s);
std::string receipts_statement_sql(Stmt s);
// store_search.cpp: the search's statements and the room index's.
std::string search_statement_sql(Stmt s);
// store_link_local.cpp: the link-local XMPP buddies'.
std::string link_local_statement_sql(Stmt s);

template <class E, std::size_t N>
std::optional<E> parse_enum(std::string_view text, const E (&all)[N]) {
    for (E e : all)
        if (to_string(e) == text) return e;
    return std::nullopt;
}

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

inline int bind_blob(sqlite3_stmt* s, int i, std::span<const std::uint8_t> b) {
    // "" because a null pointer would bind NULL.
    return sqlite3_bind_blob64(s, i, b.empty() ? static_cast<const void*>("") : b.data(), b.size(), SQLITE_STATIC);
}
inline int bind_text(sqlite3_stmt* s, int i, std::string_view t) {
    // text64 reports SQLITE_TOOBIG instead of truncating; "" because a null
    // pointer would bind NULL.
    return sqlite3_bind_text64(s, i, t.empty() ? "" : t.data(), t.size(), SQLITE_STATIC, SQLITE_UTF8);
}
// Binds values left to right from index 1; stops at the first error.
inline int bind_all(sqlite3_stmt*, int) { return SQLITE_OK; }
template <class T, class... Rest>
inline int bind_all(sqlite3_stmt* s, int i, const T& v, const Rest&... rest) {
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
inline std::string column_text(sqlite3_stmt* s, int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

}  // namespace store_detail

struct Store::Impl {
    // A locked store's VFS; declared before db so it is unregistered after db closes.
    std::unique_ptr<SealedVfs> vfs;
    store_detail::DbPtr db;
    // Declared after db so they are finalized before it closes.
    std::array<store_detail::StmtPtr, store_detail::stmt_count> stmts;
    std::string last_error;

    sqlite3_stmt* stmt(store_detail::Stmt s) const { return stmts[s].get(); }

    StoreError fail(int rc) {
        last_error = sqlite3_errmsg(db.get());
        if (last_error.empty()) last_error = sqlite3_errstr(rc);
        return StoreError::io;
    }

    // Runs a write statement whose bindings are done; rc of the bind, if any failed.
    StoreError run(const store_detail::Use& u, int bind_rc) {
        int rc = bind_rc == SQLITE_OK ? sqlite3_step(u.get()) : bind_rc;
        return rc == SQLITE_DONE ? StoreError::ok : fail(rc);
    }

    template <class Row, class Read>
    std::vector<Row> rows(const store_detail::Use& u, int bind_rc, Read read) const {
        std::vector<Row> out;
        if (bind_rc != SQLITE_OK) return out;
        while (sqlite3_step(u.get()) == SQLITE_ROW)
            if (auto r = read(u.get())) out.push_back(std::move(*r));
        return out;
    }

    template <class Row, class Read>
    std::optional<Row> row(const store_detail::Use& u, int bind_rc, Read read) const {
        auto found = rows<Row>(u, bind_rc, read);
        if (found.empty()) return std::nullopt;
        return std::move(found.front());
    }
};

namespace store_detail {
// Indexes a text entry stored at rowid for search with index_room_text_stmt
// (store_search.cpp); SQLITE_OK and nothing indexed when bytes are not a
// text entry; else the SQLite error.
int index_room_text(sqlite3_stmt* index_stmt, std::int64_t rowid, const std::vector<std::uint8_t>& bytes);
}  // namespace store_detail

}  // namespace hallway::core
