#pragma once
// What one room's log means: who is a member, who may do what, which entries
// are accepted and which texts are shown, and what a member lacks. Sans-I/O:
// fed entries, asked questions; persistence is the Store's (core/store.hpp),
// wiring is the node's. Deterministic: members holding the same set of
// entries agree on everything here, whatever order the entries came in.
#include "core/rooms/entry.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hallway::core::rooms {

// Highest contiguous seq held per author: what a member has of a room.
using VersionVector = std::map<PeerKey, std::uint64_t>;

struct Member {
    PeerKey key{};
    crypto::SignPublicKey sign_key{};
    std::string nick;                  // as the adding entry named it
    bool creator = false;
    bool admin = false;                // creator, or made admin by the creator
    PeerKey added_by{};
};

enum class Verdict {
    accepted,        // new, valid: store it, then apply()
    duplicate,       // already held, same bytes: nothing to do
    gap,             // valid signature unknown yet or seq ahead: ask for a sync
    forged,          // the signature does not match the author's key: report the relay
    equivocation,    // the author signed two different entries with one seq: report the author
    invalid,         // not an entry of this room, or breaks a rule: drop
};
std::string_view to_string(Verdict v);

class RoomState {
public:
    // A room starts from its create entry: nullopt + error unless it is a
    // well-formed, self-signed create whose room id matches (room_id()).
    static std::optional<RoomState> from_create(const SignedEntry& create, std::string& error);
    RoomState(const RoomState& other);
    RoomState& operator=(const RoomState& other);
    RoomState(RoomState&&) noexcept;
    RoomState& operator=(RoomState&&) noexcept;
    ~RoomState();

    // Checks an entry against what is held (decoded into out when accepted).
    Verdict check(const SignedEntry& s, Entry& out) const;
    // Adds an entry check() accepted. Membership and settings are recomputed.
    void apply(const SignedEntry& s, const Entry& e);

    const RoomId& id() const;
    const std::string& name() const;
    const std::string& topic() const;
    bool open() const;
    const PeerKey& creator() const;
    // Current members, by key.
    const std::vector<Member>& members() const;
    std::optional<Member> member(const PeerKey& key) const;
    bool is_member(const PeerKey& key) const;

    // Whether a text entry is shown: its author was a member at its place in
    // the log's order (lamport, author, seq), i.e. in the fold of the entries
    // before it. Asked of another kind, the same question about its author.
    bool shown(const Entry& text) const;

    const VersionVector& have() const;
    std::uint64_t lamport() const;  // highest held

    // The next entry by `me` (seq and lamport filled in, room set): for the
    // node to fill in kind and fields, sign and offer to itself.
    Entry next_entry(const PeerKey& me, Kind kind, std::uint64_t now_ms) const;

    // Whether `actor` may write an entry of this kind about `member` now
    // (to refuse a command before writing: add needs membership, remove, set
    // and admin need an admin, admin needs the creator...). "" when allowed,
    // else a one-line reason.
    std::string may(const PeerKey& actor, Kind kind, const PeerKey& member = {}) const;

private:
    RoomState();
    struct Impl;
    std::unique_ptr<Impl> impl_;  // never null, except in a moved-from state
};

// Entries in `ours` that `theirs` lacks, as (author, first seq) ranges: the
// node reads them from the store in log order.
std::vector<std::pair<PeerKey, std::uint64_t>> lacking(const VersionVector& ours, const VersionVector& theirs);

}  // namespace hallway::core::rooms
