#include "core/rooms/room_state.hpp"

#include <algorithm>
#include <compare>

namespace hallway::core::rooms {

namespace {

// An entry's place in the log: the order every member folds in.
struct Pos {
    std::uint64_t lamport = 0;
    PeerKey author{};
    std::uint64_t seq = 0;
    auto operator<=>(const Pos&) const = default;
};
Pos pos_of(const Entry& e) { return {e.lamport, e.author, e.seq}; }

// What is held of one author's entries.
struct AuthorLog {
    std::vector<MessageId> digests;  // entry id of seq i + 1: duplicate or equivocation
    std::uint64_t lamport = 0;       // of the newest one
};

}  // namespace

std::string_view to_string(Verdict v) {
    switch (v) {
    case Verdict::accepted: return "accepted";
    case Verdict::duplicate: return "duplicate";
    case Verdict::gap: return "gap";
    case Verdict::forged: return "forged";
    case Verdict::equivocation: return "equivocation";
    case Verdict::invalid: return "invalid";
    }
    return "?";
}

struct RoomState::Impl {
    RoomId id{};
    PeerKey creator{};
    VersionVector have;
    std::map<PeerKey, AuthorLog> authors;
    std::uint64_t lamport = 0;
    // Signing keys bound to a key: the create's for the creator, each held add's
    // for the member it names. Whether the add took effect does not matter: the
    // set of held entries alone decides, so members agree.
    std::map<PeerKey, std::vector<crypto::SignPublicKey>> keys;
    // Every held entry other than a text (texts change nothing), in log order.
    std::map<Pos, Entry> changes;

    // The fold of changes, up to and including folded.
    std::optional<Pos> folded;
    std::map<PeerKey, Member> current;
    std::vector<Member> members;  // current, published after each step
    std::string name, topic;
    bool open = false;
    // Per key, where in the log it became (true) or stopped being (false) a member.
    std::map<PeerKey, std::vector<std::pair<Pos, bool>>> timeline;

    void mark(const PeerKey& key, const Pos& at, bool member) { timeline[key].emplace_back(at, member); }

    void step(const Entry& e) {
        const Pos at = pos_of(e);
        const auto actor = current.find(e.author);
        const bool by_member = actor != current.end();
        const bool by_admin = by_member && actor->second.admin;
        const bool about_member = current.count(e.member) != 0;
        switch (e.kind) {
        case Kind::create:
            current[e.author] = Member{e.author, e.sign_key, {}, true, true, e.author};
            mark(e.author, at, true);
            name = e.name;
            topic = e.topic;
            open = e.open;
            break;
        case Kind::add:
            if (by_member && !about_member && current.size() < kMaxRoomMembers) {
                // The creator re-added after leaving is the creator again.
                const bool is_creator = e.member == creator;
                current[e.member] = Member{e.member, e.sign_key, e.member_nick, is_creator, is_creator, e.author};
                mark(e.member, at, true);
            }
            break;
        case Kind::remove:
            if (by_admin && about_member && e.member != creator) {
                current.erase(e.member);
                mark(e.member, at, false);
            }
            break;
        case Kind::leave:
            if (by_member) {
                current.erase(actor);
                mark(e.author, at, false);
            }
            break;
        case Kind::set:
            if (by_admin) {
                name = e.name;
                topic = e.topic;
                open = e.open;
            }
            break;
        case Kind::admin:
            if (by_member && e.author == creator && about_member) current[e.member].admin = true;
            break;
        case Kind::text: break;
        }
        folded = at;
    }

    void publish() {
        members.clear();
        for (const auto& [key, m] : current) members.push_back(m);
    }

    void refold() {
        folded.reset();
        current.clear();
        timeline.clear();
        name.clear();
        topic.clear();
        open = false;
        for (const auto& [at, e] : changes) step(e);
        publish();
    }
};

RoomState::RoomState() : impl_(std::make_unique<Impl>()) {}
RoomState::RoomState(const RoomState& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
RoomState& RoomState::operator=(const RoomState& other) {
    if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
    return *this;
}
RoomState::RoomState(RoomState&&) noexcept = default;
RoomState& RoomState::operator=(RoomState&&) noexcept = default;
RoomState::~RoomState() = default;

std::optional<RoomState> RoomState::from_create(const SignedEntry& create, std::string& error) {
    const auto e = decode(create.bytes);
    if (!e) {
        error = "not a room entry";
        return std::nullopt;
    }
    if (e->kind != Kind::create) {
        error = "not a create entry";
        return std::nullopt;
    }
    if (room_id(e->author, e->sign_key, e->nonce) != e->room) {
        error = "the room id does not match its create entry";
        return std::nullopt;
    }
    if (!signature_valid(create, e->sign_key)) {
        error = "the create entry's signature is not valid";
        return std::nullopt;
    }
    RoomState state;
    state.impl_->id = e->room;
    state.impl_->creator = e->author;
    state.impl_->keys[e->author].push_back(e->sign_key);
    state.apply(create, *e);
    return state;
}

Verdict RoomState::check(const SignedEntry& s, Entry& out) const {
    const Impl& st = *impl_;
    auto e = decode(s.bytes);
    if (!e || e->room != st.id) return Verdict::invalid;
    const auto held = st.authors.find(e->author);
    const std::uint64_t have = held == st.authors.end() ? 0 : held->second.digests.size();
    if (e->kind == Kind::create)  // the room's one create names the room: any other is not of it
        return e->author == st.creator && e->seq <= have && held->second.digests[0] == entry_id(s)
                   ? Verdict::duplicate
                   : Verdict::invalid;
    if (have == 0 && st.authors.size() >= kMaxRoomAuthors) return Verdict::invalid;

    const auto bound = st.keys.find(e->author);
    const auto signed_by_author = [&] {
        if (bound == st.keys.end()) return false;
        return std::any_of(bound->second.begin(), bound->second.end(),
                           [&](const crypto::SignPublicKey& k) { return signature_valid(s, k); });
    };
    if (e->seq <= have) {
        if (held->second.digests[e->seq - 1] == entry_id(s)) return Verdict::duplicate;
        // Only a valid signature proves the author wrote both; else the relay made it up.
        return signed_by_author() ? Verdict::equivocation : Verdict::forged;
    }
    if (e->seq > have + 1 || bound == st.keys.end()) return Verdict::gap;
    if (!signed_by_author()) return Verdict::forged;
    if (have > 0 && e->lamport <= held->second.lamport) return Verdict::invalid;
    out = std::move(*e);
    return Verdict::accepted;
}

void RoomState::apply(const SignedEntry& s, const Entry& e) {
    Impl& st = *impl_;
    const auto held = st.have.find(e.author);
    const std::uint64_t have = held == st.have.end() ? 0 : held->second;
    if (e.room != st.id || e.seq != have + 1) return;  // not what check() accepted
    AuthorLog& log = st.authors[e.author];
    log.digests.push_back(entry_id(s));
    log.lamport = e.lamport;
    st.have[e.author] = e.seq;
    st.lamport = std::max(st.lamport, e.lamport);
    if (e.kind == Kind::add) {
        auto& keys = st.keys[e.member];
        if (std::find(keys.begin(), keys.end(), e.sign_key) == keys.end()) keys.push_back(e.sign_key);
    }
    if (e.kind == Kind::text) return;
    const Pos at = pos_of(e);
    st.changes.emplace(at, e);
    // Entries mostly arrive in log order (replay at start, live writing): fold
    // on from where the fold stands; one that lands earlier refolds the log.
    if (st.folded && *st.folded < at) {
        st.step(e);
        st.publish();
    } else {
        st.refold();
    }
}

const RoomId& RoomState::id() const { return impl_->id; }
const std::string& RoomState::name() const { return impl_->name; }
const std::string& RoomState::topic() const { return impl_->topic; }
bool RoomState::open() const { return impl_->open; }
const PeerKey& RoomState::creator() const { return impl_->creator; }
const std::vector<Member>& RoomState::members() const { return impl_->members; }

std::optional<Member> RoomState::member(const PeerKey& key) const {
    const auto it = impl_->current.find(key);
    if (it == impl_->current.end()) return std::nullopt;
    return it->second;
}

bool RoomState::is_member(const PeerKey& key) const { return impl_->current.count(key) != 0; }

bool RoomState::shown(const Entry& text) const {
    if (text.room != impl_->id) return false;
    const auto it = impl_->timeline.find(text.author);
    if (it == impl_->timeline.end()) return false;
    const auto& changes = it->second;
    // The last change of the author's membership before the text.
    const auto after = std::lower_bound(changes.begin(), changes.end(), pos_of(text),
                                        [](const auto& change, const Pos& at) { return change.first < at; });
    return after != changes.begin() && std::prev(after)->second;
}

const VersionVector& RoomState::have() const { return impl_->have; }
std::uint64_t RoomState::lamport() const { return impl_->lamport; }

Entry RoomState::next_entry(const PeerKey& me, Kind kind, std::uint64_t now_ms) const {
    Entry e;
    e.room = impl_->id;
    e.author = me;
    const auto it = impl_->have.find(me);
    e.seq = (it == impl_->have.end() ? 0 : it->second) + 1;
    e.lamport = impl_->lamport + 1;
    e.sent_at_ms = now_ms;
    e.kind = kind;
    return e;
}

std::string RoomState::may(const PeerKey& actor, Kind kind, const PeerKey& member) const {
    const auto me = this->member(actor);
    if (kind == Kind::create) return "the room exists already";
    if (!me) return "you are not a member of this room";
    switch (kind) {
    case Kind::text:
    case Kind::leave: return "";
    case Kind::add:
        if (is_member(member)) return "already a member";
        if (impl_->current.size() >= kMaxRoomMembers)
            return "the room is full (" + std::to_string(kMaxRoomMembers) + " members)";
        return "";
    case Kind::remove:
        if (!me->admin) return "only an admin may remove members";
        if (member == impl_->creator) return "the creator cannot be removed";
        return is_member(member) ? "" : "not a member";
    case Kind::set: return me->admin ? "" : "only an admin may change the room";
    case Kind::admin:
        if (actor != impl_->creator) return "only the creator may make admins";
        if (!is_member(member)) return "not a member";
        return impl_->current.at(member).admin ? "already an admin" : "";
    case Kind::create: break;
    }
    return "";
}

std::vector<std::pair<PeerKey, std::uint64_t>> lacking(const VersionVector& ours, const VersionVector& theirs) {
    std::vector<std::pair<PeerKey, std::uint64_t>> out;
    for (const auto& [author, seq] : ours) {
        const auto it = theirs.find(author);
        const std::uint64_t held = it == theirs.end() ? 0 : it->second;
        if (held < seq) out.emplace_back(author, held + 1);
    }
    return out;
}

}  // namespace hallway::core::rooms
