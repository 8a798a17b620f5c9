// Read receipts and typing on the node (docs/PROTOCOL.md §14): marking a
// conversation read and sending `read`s, believing a peer's `read`, telling a
// peer our person types and showing that a peer types to us.
#include "core/node_conversation.hpp"

#include <algorithm>

namespace hallway::core {

using namespace node_detail;

namespace {

// Owed receipts sent in one go: a long backlog goes out in rounds of this
// many ids (a few reads each), so one session start never reads the whole
// conversation into memory.
constexpr std::size_t kReceiptsPerRound = 16 * transport::wire::kMaxReadIds;
constexpr std::size_t kMaxReceiptRounds = 64;

}  // namespace

Node::Impl::Conversation::Conversation(Node::Impl& n) : node(n), expiry(n.io) {}

std::int64_t Node::Impl::Conversation::mono_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void Node::Impl::Conversation::session_up(const transport::SessionInfo& info) {
    const PeerKey& peer = info.peer;
    caps[peer] = Caps{info.hello.lists(kReadCapability), info.hello.lists(kTypingCapability)};
    // A replaced session (a simultaneous dial) starts the typing afresh too.
    typing_out.forget(peer);
    switch (receipts_owed(node.settings.read_receipts, true, caps[peer].read)) {
    case ReceiptsOwed::send: send_receipts(peer); break;
    case ReceiptsOwed::drop: node.store->forgive_receipts(peer); break;
    case ReceiptsOwed::wait: break;
    }
}

void Node::Impl::Conversation::session_down(const PeerKey& peer) {
    caps.erase(peer);
    typing_out.forget(peer);
    if (typing_in.stopped(peer)) typing_shown(peer, false);
}

void Node::Impl::Conversation::text_received(const PeerKey& peer) {
    if (typing_in.stopped(peer)) typing_shown(peer, false);
}

void Node::Impl::Conversation::text_sent(const PeerKey& peer) { typing_out.text_sent(peer); }

void Node::Impl::Conversation::mark_read(const PeerKey& peer) {
    const bool session = node.transport && node.transport->has_session(peer);
    auto it = caps.find(peer);
    const auto owed = receipts_owed(node.settings.read_receipts, session, it != caps.end() && it->second.read);
    std::vector<MessageId> newly_read;
    if (node.store->mark_incoming_read(peer, node_detail::now_ms(), owed != ReceiptsOwed::drop, newly_read) != StoreError::ok)
        return;
    if (owed == ReceiptsOwed::send && !newly_read.empty()) send_receipts(peer);
}

void Node::Impl::Conversation::send_receipts(const PeerKey& peer) {
    auto it = caps.find(peer);
    if (!node.transport || !node.transport->has_session(peer) || it == caps.end() ||
        receipts_owed(node.settings.read_receipts, true, it->second.read) != ReceiptsOwed::send)
        return;
    for (std::size_t round = 0; round < kMaxReceiptRounds; ++round) {
        const auto ids = node.store->receipts_owed(peer, kReceiptsPerRound);
        for (const auto& read : read_messages(ids)) {
            // Not sent (a full write queue, the session ending): still owed,
            // sent with the next session or the next mark_read.
            if (node.transport->send(peer, read) != transport::SendResult::sent) return;
            if (node.store->mark_receipts_sent(peer, read.ids) != StoreError::ok) return;
        }
        if (ids.size() < kReceiptsPerRound) return;
    }
}

void Node::Impl::Conversation::set_typing(const PeerKey& peer, bool typing) {
    // Never dials (§14.3): only a live session whose Hello listed "typing",
    // with a peer texts may go to.
    auto it = caps.find(peer);
    if (!node.transport || !node.transport->has_session(peer) || it == caps.end() || !it->second.typing ||
        !node.may_send_to(peer))
        return;
    if (auto on = typing_out.input_changed(peer, typing, mono_ms())) node.transport->send(peer, transport::Typing{*on});
}

void Node::Impl::Conversation::handle(const PeerKey& from, const transport::Read& read) {
    const auto ids = ids_to_mark_read(read, node.settings.read_receipts);
    std::vector<MessageId> changed;
    if (ids.empty() || node.store->apply_peer_read(from, ids, node_detail::now_ms(), changed) != StoreError::ok ||
        changed.empty())
        return;
    for (const auto& id : changed) {
        const auto m = node.store->message(from, Direction::out, id);
        node.emit(MessageStateChanged{id, from, MessageState::delivered, m ? m->read_at_ms : node_detail::now_ms()});
    }
    // A text read is delivered: as for an ack (§6.1), the outbox moves on.
    if (node.backlogged.count(from)) node.flush_outbox(from);
    const bool outstanding = node.store->has_outbox(from);
    node.resends.acked(from, outstanding, std::chrono::steady_clock::now());
    if (!outstanding) node.pending_changed(from);
}

void Node::Impl::Conversation::handle(const PeerKey& from, const transport::Typing& typing) {
    if (typing_in.received(from, typing.on, mono_ms())) typing_shown(from, typing.on);
    schedule_expiry();
}

void Node::Impl::Conversation::typing_shown(const PeerKey& peer, bool typing) {
    node.emit(TypingChanged{peer, typing});
    // `peers --json` says who types to us (PeerView::typing).
    node.peer_changed(peer);
}

void Node::Impl::Conversation::schedule_expiry() {
    const auto next = typing_in.next_expiry();
    if (!next) {
        expiry.cancel();
        return;
    }
    expiry.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(0, *next - mono_ms())));
    expiry.async_wait([this](std::error_code ec) {
        if (ec) return;  // cancelled or rescheduled
        for (const auto& peer : typing_in.expire(mono_ms())) typing_shown(peer, false);
        schedule_expiry();
    });
}

// ---- the node's side -----------------------------------------------------------

void Node::Impl::handle(const PeerKey& from, const transport::Read& read) { conversation->handle(from, read); }

void Node::Impl::handle(const PeerKey& from, const transport::Typing& typing) { conversation->handle(from, typing); }

void Node::set_typing(const PeerKey& peer, bool typing) {
    // Link-local XMPP: libpurple sends no standalone chat states, so neither do we (docs/XMPP-BRIDGE-DESIGN.md §4.3).
    if (impl_->is_link_local(peer)) return;
    impl_->conversation->set_typing(peer, typing);
}

bool Node::set_read_receipts(bool on, std::string& error) {
    Impl& d = *impl_;
    error.clear();
    Settings next = d.settings;
    next.read_receipts = on;
    if (!save_settings(d.options.profile_dir, next, error, d.store_key())) return false;
    d.settings = std::move(next);
    // New sessions' Hellos list "read" or not; sessions up now keep theirs
    // (a `read` on one is ignored while the setting is off).
    if (d.transport) d.transport->set_hello(d.hello());
    d.emit(d.own());
    return true;
}

}  // namespace hallway::core
