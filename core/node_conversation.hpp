#pragma once
// Private to core/node*.cpp: read receipts and typing (docs/PROTOCOL.md §14)
// on the node. core/read_receipts and core/typing decide; this wires them to
// the store, the chat lane, a timer for typing that expires, and the front
// ends' events.
#include "core/node_impl.hpp"
#include "core/read_receipts.hpp"
#include "core/typing.hpp"

#include <map>

namespace hallway::core {

struct Node::Impl::Conversation {
    explicit Conversation(Node::Impl& node);

    Node::Impl& node;
    TypingSender typing_out;
    TypingWatcher typing_in;
    // Fires when a peer's typing notice expires (TypingWatcher::next_expiry).
    asio::steady_timer expiry;
    // What each chat session's Hello listed (§14.1); only while it is up.
    struct Caps {
        bool read = false;
        bool typing = false;
    };
    std::map<PeerKey, Caps> caps;

    // Monotonic ms for typing: a wall clock step must not keep a notice up.
    static std::int64_t mono_ms();

    void session_up(const transport::SessionInfo& info);
    void session_down(const PeerKey& peer);
    // A text from peer arrived (its typing notice ends) / one went to peer.
    void text_received(const PeerKey& peer);
    void text_sent(const PeerKey& peer);
    // Our person saw peer's texts: marked read, receipts sent or kept.
    void mark_read(const PeerKey& peer);
    // Sends what the store owes peer, on its live session, when it wants them.
    void send_receipts(const PeerKey& peer);
    void set_typing(const PeerKey& peer, bool typing);
    void handle(const PeerKey& from, const transport::Read& read);
    void handle(const PeerKey& from, const transport::Typing& typing);

private:
    void typing_shown(const PeerKey& peer, bool typing);
    void schedule_expiry();
};

}  // namespace hallway::core
