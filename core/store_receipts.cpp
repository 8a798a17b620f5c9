// Read receipts' part of the store (docs/PROTOCOL.md §14): when each message
// was read, and which of a peer's texts we still owe a `read` for.
// Schema: the messages columns read_at_ms and read_sent (migration 7).
#include "core/store_impl.hpp"

namespace hallway::core {

using namespace store_detail;

namespace {

std::optional<MessageId> read_id(sqlite3_stmt* s) {
    MessageId id{};
    if (!column_blob(s, 0, id)) return std::nullopt;
    return id;
}

}  // namespace

std::string store_detail::receipts_statement_sql(Stmt s) {
    // The WHERE terms of messages_receipts (direction = 'in' AND read_sent = 0)
    // come first so the planner uses that partial index.
    switch (s) {
    case unread_incoming_stmt:
        return "SELECT id FROM messages WHERE direction = 'in' AND read_sent = 0 AND peer = ?1 AND read_at_ms = 0 "
               "ORDER BY seq";
    case mark_incoming_read_stmt:
        return "UPDATE messages SET read_at_ms = ?2, read_sent = ?3 "
               "WHERE direction = 'in' AND read_sent = 0 AND peer = ?1 AND read_at_ms = 0";
    case receipts_owed_stmt:
        return "SELECT id FROM messages WHERE direction = 'in' AND read_sent = 0 AND peer = ?1 AND read_at_ms <> 0 "
               "ORDER BY seq LIMIT ?2";
    case receipt_sent_stmt:
        return "UPDATE messages SET read_sent = 1 WHERE direction = 'in' AND read_sent = 0 AND peer = ?1 AND id = ?2";
    case forgive_receipts_stmt:
        return "UPDATE messages SET read_sent = 1 "
               "WHERE direction = 'in' AND read_sent = 0 AND peer = ?1 AND read_at_ms <> 0";
    case peer_read_stmt:
        return "UPDATE messages SET read_at_ms = ?3, state = 'delivered', failure = '' "
               "WHERE peer = ?1 AND direction = 'out' AND id = ?2 AND read_at_ms = 0";
    default:
        return {};
    }
}

StoreError Store::mark_incoming_read(const PeerKey& peer, std::int64_t now_ms, bool receipt_owed,
                                     std::vector<MessageId>& newly_read) {
    // One thread writes: what the select finds is what the update changes.
    {
        Use u(impl_->stmt(unread_incoming_stmt));
        newly_read = impl_->rows<MessageId>(u, bind_all(u.get(), 1, peer), read_id);
    }
    if (newly_read.empty()) return StoreError::ok;
    Use u(impl_->stmt(mark_incoming_read_stmt));
    return impl_->run(u, bind_all(u.get(), 1, peer, now_ms, std::int64_t{receipt_owed ? 0 : 1}));
}

std::vector<MessageId> Store::receipts_owed(const PeerKey& peer, std::size_t limit) const {
    Use u(impl_->stmt(receipts_owed_stmt));
    const auto n = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    return impl_->rows<MessageId>(u, bind_all(u.get(), 1, peer, n), read_id);
}

StoreError Store::mark_receipts_sent(const PeerKey& peer, std::span<const MessageId> ids) {
    if (ids.empty()) return StoreError::ok;
    Batch batch(*this);  // one fsync for the lot
    if (batch.begun() != StoreError::ok) return batch.begun();
    for (const auto& id : ids) {
        Use u(impl_->stmt(receipt_sent_stmt));
        if (StoreError e = impl_->run(u, bind_all(u.get(), 1, peer, id)); e != StoreError::ok) return e;
    }
    return batch.commit();
}

StoreError Store::forgive_receipts(const PeerKey& peer) {
    Use u(impl_->stmt(forgive_receipts_stmt));
    return impl_->run(u, bind_all(u.get(), 1, peer));
}

StoreError Store::apply_peer_read(const PeerKey& peer, std::span<const MessageId> ids, std::int64_t now_ms,
                                  std::vector<MessageId>& changed) {
    changed.clear();
    if (ids.empty()) return StoreError::ok;
    std::vector<MessageId> done;
    Batch batch(*this);
    if (batch.begun() != StoreError::ok) return batch.begun();
    for (const auto& id : ids) {
        Use u(impl_->stmt(peer_read_stmt));
        if (StoreError e = impl_->run(u, bind_all(u.get(), 1, peer, id, now_ms)); e != StoreError::ok) return e;
        if (sqlite3_changes(impl_->db.get()) == 1) done.push_back(id);
    }
    if (StoreError e = batch.commit(); e != StoreError::ok) return e;
    changed = std::move(done);
    return StoreError::ok;
}

}  // namespace hallway::core
