#pragma once
// The typing notice (docs/PROTOCOL.md §14.3), sans I/O: when to tell a peer
// that our person types (TypingSender), and how long to show that a peer
// types to us (TypingWatcher). Both are fed a monotonic now in ms; the node
// (core/node_conversation.cpp) sends and shows what they return.
#include "core/store.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace hallway::core {

// Per peer: one typing{on: 1} at once, then at most one per
// wire::kTypingResend while the typing goes on; one typing{on: 0} when the
// input empties without a text having been sent.
class TypingSender {
public:
    // The person's input for peer changed: typing = it is not empty. What to
    // send now: true (on: 1), false (on: 0), or nothing.
    std::optional<bool> input_changed(const PeerKey& peer, bool typing, std::int64_t now_ms);
    // A text went to peer: the receiver clears the notice on the text, so the
    // input emptying next sends nothing.
    void text_sent(const PeerKey& peer);
    // The session with peer ended: the receiver cleared the notice; the next
    // edit starts afresh (on: 1 at once on the next session).
    void forget(const PeerKey& peer);
    bool typing(const PeerKey& peer) const { return last_on_.count(peer) > 0; }

private:
    std::map<PeerKey, std::int64_t> last_on_;  // peers we said on: 1 to, and when
};

// Per peer: typing from its last on: 1 until on: 0, a text, the end of the
// session, or wire::kTypingExpiry later.
class TypingWatcher {
public:
    // typing{on} arrived from peer. true when what is shown changed.
    bool received(const PeerKey& peer, bool on, std::int64_t now_ms);
    // A text from peer, or its session ended: it stopped. true when it was typing.
    bool stopped(const PeerKey& peer);
    // Peers whose notice expired by now_ms (no longer typing from here on).
    std::vector<PeerKey> expire(std::int64_t now_ms);
    // When the next notice expires; nullopt when nobody types.
    std::optional<std::int64_t> next_expiry() const;
    bool typing(const PeerKey& peer) const { return until_.count(peer) > 0; }

private:
    std::map<PeerKey, std::int64_t> until_;  // typing peers, shown until
};

}  // namespace hallway::core
