// Link-local XMPP buddies' part of the store (docs/PROTOCOL.md §15): one row
// per buddy we exchanged a message with. Schema: migration 9.
#include "core/store_impl.hpp"

namespace hallway::core {

using namespace store_detail;

std::string store_detail::link_local_statement_sql(Stmt s) {
    switch (s) {
    case touch_link_local_stmt:
        return "INSERT INTO link_local_buddies(key, instance, nick, last_seen_ms) VALUES(?1, ?2, ?3, ?4) "
               "ON CONFLICT(key) DO UPDATE SET "
               "nick = CASE WHEN excluded.nick = '' THEN nick ELSE excluded.nick END, "
               "last_seen_ms = max(coalesce(last_seen_ms, 0), excluded.last_seen_ms)";
    case trim_link_local_stmt:
        // Kept first: those with messages, then the most recently seen.
        return "DELETE FROM link_local_buddies WHERE key IN ("
               "SELECT key FROM link_local_buddies b ORDER BY "
               "EXISTS(SELECT 1 FROM messages m WHERE m.peer = b.key) DESC, coalesce(last_seen_ms, 0) DESC, key "
               "LIMIT -1 OFFSET ?1)";
    case list_link_local_stmt:
        return "SELECT key, instance, coalesce(nick, ''), coalesce(last_seen_ms, 0) FROM link_local_buddies "
               "ORDER BY instance";
    default:
        return {};
    }
}

StoreError Store::touch_link_local_buddy(const LinkLocalBuddyRow& buddy) {
    {
        Use u(impl_->stmt(touch_link_local_stmt));
        StoreError e = impl_->run(u, bind_all(u.get(), 1, buddy.key, buddy.instance, buddy.nick, buddy.last_seen_ms));
        if (e != StoreError::ok) return e;
    }
    Use u(impl_->stmt(trim_link_local_stmt));
    return impl_->run(u, bind_all(u.get(), 1, static_cast<std::int64_t>(kMaxLinkLocalBuddies)));
}

std::vector<LinkLocalBuddyRow> Store::link_local_buddies() const {
    Use u(impl_->stmt(list_link_local_stmt));
    return impl_->rows<LinkLocalBuddyRow>(u, SQLITE_OK, [](sqlite3_stmt* s) -> std::optional<LinkLocalBuddyRow> {
        LinkLocalBuddyRow r;
        if (!column_blob(s, 0, r.key)) return std::nullopt;
        r.instance = column_text(s, 1);
        r.nick = column_text(s, 2);
        r.last_seen_ms = sqlite3_column_int64(s, 3);
        return r;
    });
}

}  // namespace hallway::core
