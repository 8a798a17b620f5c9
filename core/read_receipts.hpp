#pragma once
// Read receipts (docs/PROTOCOL.md §14.2), sans I/O: which `read` messages say
// that our person saw a peer's texts, and what a peer's `read` may change.
// The node (core/node_conversation.cpp) asks the store and the transport.
#include "core/store.hpp"
#include "transport/messages.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace hallway::core {

// The Hello capabilities of §14.1.
inline constexpr std::string_view kReadCapability = "read";
inline constexpr std::string_view kTypingCapability = "typing";

// What we owe a peer for texts our person saw, as the node decides it.
enum class ReceiptsOwed {
    send,     // our setting is on and the peer's session lists "read": send now
    wait,     // our setting is on, no session with the peer: send when one is up
    drop,     // our setting is off, or the peer's session does not want them: never send
};
// on: our setting read_receipts; session: a chat session with the peer is up;
// peer_reads: its Hello listed "read" (meaningful with a session only).
ReceiptsOwed receipts_owed(bool on, bool session, bool peer_reads);

// ids in `read`s of at most wire::kMaxReadIds each, in the order given
// (the order the texts arrived); none for no ids.
std::vector<transport::Read> read_messages(std::span<const MessageId> ids);

// The ids of a peer's `read` worth looking up in the store: each once, in the
// order given; none when our setting is off (we do not believe receipts we do
// not send, §14.2).
std::vector<MessageId> ids_to_mark_read(const transport::Read& read, bool on);

}  // namespace hallway::core
