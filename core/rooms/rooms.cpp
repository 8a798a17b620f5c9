#include "core/rooms/rooms.hpp"

#include "core/outbox.hpp"
#include "core/profile.hpp"
#include "crypto/identity.hpp"
#include "transport/wire.hpp"
#include "text/utf8.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace hallway::core::rooms {

namespace {

std::string hex(const RoomId& id) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (auto b : id) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// A room name is shown in lists and typed after '#': one line of at most
// kMaxRoomName bytes.
std::string check_room_name(std::string_view name) {
    if (name.empty()) return "a room needs a name";
    if (name.size() > kMaxRoomName) return "room name too long (at most " + std::to_string(kMaxRoomName) + " bytes)";
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f) return "a room name is one line without control characters";
    return {};
}

std::string check_topic(std::string_view topic) {
    if (topic.size() > kMaxRoomTopic) return "topic too long (at most " + std::to_string(kMaxRoomTopic) + " bytes)";
    for (unsigned char c : topic)
        if (c < 0x20 || c == 0x7f) return "a topic is one line without control characters";
    return {};
}

transport::RoomEntry wire(const SignedEntry& s) { return transport::RoomEntry{s.bytes, s.signature}; }

SignedEntry signed_entry(const StoredEntry& row) { return SignedEntry{row.bytes, row.signature}; }

std::uint64_t seq_sum(const VersionVector& v) {
    std::uint64_t sum = 0;
    for (auto& [author, seq] : v) sum += seq;
    return sum;
}

}  // namespace

Rooms::Rooms(Store& store, const PeerKey& me, const crypto::SigningKey& signing, crypto::Rng rng, RoomsPort& port)
    : store_(store), me_(me), signing_(signing), rng_(std::move(rng)), port_(port) {}

void Rooms::load() {
    for (auto& row : store_.rooms()) {
        Room room{row, std::nullopt};
        auto log = store_.room_entries(row.id);
        if (!log.empty()) {
            std::string error;
            room.state = RoomState::from_create(signed_entry(log.front()), error);
            if (!room.state) {
                port_.emit(Notice{Notice::Level::warning, "room " + hex(row.id) + " could not be read: " + error});
                continue;
            }
            for (std::size_t i = 1; i < log.size(); ++i) {
                Entry e;
                if (room.state->check(signed_entry(log[i]), e) == Verdict::accepted) room.state->apply(signed_entry(log[i]), e);
            }
        }
        if (room.state)
            for (auto& [author, seq] : room.state->have())
                for (auto& [member, n] : store_.peer_haves(row.id, author)) haves_[row.id][author][member] = n;
        rooms_.emplace(row.id, std::move(room));
    }
}

std::uint64_t Rooms::peer_have(const RoomId& room, const PeerKey& member, const PeerKey& author) const {
    auto r = haves_.find(room);
    if (r == haves_.end()) return 0;
    auto a = r->second.find(author);
    if (a == r->second.end()) return 0;
    auto m = a->second.find(member);
    return m == a->second.end() ? 0 : m->second;
}

void Rooms::save() {
    if (unsaved_.empty()) return;
    Store::Batch batch(store_);
    for (auto& [room, member, author] : unsaved_) store_.set_peer_have(room, member, author, peer_have(room, member, author));
    if (batch.commit() == StoreError::ok) unsaved_.clear();
}

Rooms::Room* Rooms::find(const RoomId& id) {
    auto it = rooms_.find(id);
    return it == rooms_.end() ? nullptr : &it->second;
}
const Rooms::Room* Rooms::find(const RoomId& id) const {
    auto it = rooms_.find(id);
    return it == rooms_.end() ? nullptr : &it->second;
}

Rooms::Room* Rooms::joined_member_room(const RoomId& id, std::string& error) {
    Room* room = find(id);
    if (!room) {
        error = "no such room";
        return nullptr;
    }
    if (room->row.membership == RoomMembership::joined && !room->state) {
        error = "still joining " + room_label(*room) + ": its messages have not arrived from \"" +
                port_.member_view(room->row.invited_by).nick + "\" yet";
        return nullptr;
    }
    if (room->row.membership != RoomMembership::joined || !room->state || !room->state->is_member(me_)) {
        error = "you are not a member of " + room_label(*room);
        return nullptr;
    }
    return room;
}

std::string Rooms::room_label(const Room& room) const {
    return "#" + (room.state ? room.state->name() : room.row.invited_name);
}

// The person's nick as we know it, else as the room's log names it.
std::string Rooms::nick_of(const Room& room, const PeerKey& key) const {
    std::string nick = port_.member_view(key).nick;
    if (auto member = room.state ? room.state->member(key) : std::nullopt; nick.empty() && member) nick = member->nick;
    return nick;
}

// ---- writing ---------------------------------------------------------------

std::optional<SignedEntry> Rooms::write(Room& room, Entry entry, std::string& error) {
    SignedEntry s = sign(entry, signing_);
    Entry checked;
    if (room.state->check(s, checked) != Verdict::accepted) {
        error = "the entry was refused by the room's rules";
        return std::nullopt;
    }
    if (!accept(room, s, checked, me_)) {
        error = "could not store the entry: " + store_.last_error();
        return std::nullopt;
    }
    push(room, s, me_);
    return s;
}

std::optional<RoomId> Rooms::create(std::string_view name, bool open, std::string_view topic, std::string& error) {
    error = check_room_name(name);
    if (error.empty()) error = check_topic(topic);
    if (!error.empty()) return std::nullopt;
    if (rooms_.size() >= kMaxRooms) {
        error = "too many rooms (at most " + std::to_string(kMaxRooms) + ")";
        return std::nullopt;
    }
    Entry e;
    rng_(e.nonce);
    e.room = room_id(me_, signing_.public_key, e.nonce);
    e.author = me_;
    e.seq = 1;
    e.lamport = 1;
    e.sent_at_ms = static_cast<std::uint64_t>(port_.now_ms());
    e.kind = Kind::create;
    e.name = std::string(name);
    e.topic = std::string(topic);
    e.open = open;
    e.sign_key = signing_.public_key;
    SignedEntry s = sign(e, signing_);
    auto state = RoomState::from_create(s, error);
    if (!state) return std::nullopt;
    Room room{StoredRoom{e.room, RoomMembership::joined, {}, {}, port_.now_ms(), 0}, std::move(state)};
    StoredEntry row{e.room, me_, 1, 1, entry_id(s), s.bytes, s.signature, false, port_.now_ms()};
    {
        Store::Batch batch(store_);
        if (store_.put_room(room.row) != StoreError::ok || store_.add_room_entry(row) != StoreError::ok ||
            batch.commit() != StoreError::ok) {
            error = "could not store the room: " + store_.last_error();
            return std::nullopt;
        }
    }
    auto& stored = rooms_.emplace(e.room, std::move(room)).first->second;
    room_changed(stored);
    port_.emit(RoomMessageAdded{make_message(stored, row, e)});
    return e.room;
}

bool Rooms::invite(const RoomId& id, const PeerKey& peer, std::string& error) {
    Room* room = joined_member_room(id, error);
    if (!room) return false;
    if (room->state->is_member(peer)) {
        invites_to_send_[peer].insert(id);  // asked again: say it again
        if (port_.has_session(peer)) on_session_up(peer);
        else port_.reach(peer);
        return true;
    }
    error = room->state->may(me_, Kind::add, peer);
    if (!error.empty()) return false;
    auto sign_key = port_.sign_key(peer);
    if (!sign_key) {
        error = port_.member_view(peer).nick + " cannot join rooms (an older Hallway, or never met)";
        return false;
    }
    Entry e = room->state->next_entry(me_, Kind::add, port_.now_ms());
    e.member = peer;
    e.sign_key = *sign_key;
    e.member_nick = std::string(text::cut_at_char_boundary(port_.member_view(peer).nick, kMaxRoomName));
    if (!write(*room, std::move(e), error)) return false;
    invites_to_send_[peer].insert(id);
    if (port_.has_session(peer)) on_session_up(peer);
    else port_.reach(peer);
    refresh_pending(peer);
    return true;
}

bool Rooms::join(const RoomId& id, std::string& error) {
    if (Room* room = find(id)) {
        if (room->row.membership == RoomMembership::joined) return true;
        if (room->row.membership == RoomMembership::left) {
            error = "you left " + room_label(*room) + "; a member must invite you again";
            return false;
        }
        room->row.membership = RoomMembership::joined;
        room->row.updated_ms = port_.now_ms();
        if (store_.put_room(room->row) != StoreError::ok) {
            error = "could not store the room: " + store_.last_error();
            return false;
        }
        room_changed(*room);
        // The inviter sends the log: from the create on.
        if (port_.has_session(room->row.invited_by)) send_sync(*room, room->row.invited_by);
        else port_.reach(room->row.invited_by);
        refresh_pending(room->row.invited_by);
        return true;
    }
    auto from = heard_from_.find(id);
    if (from == heard_from_.end() || from->second.empty()) {
        error = "no such room (list open rooms first: hallway rooms --open)";
        return false;
    }
    // Any member that listed it can add us; the first one reachable does.
    PeerKey member = *from->second.begin();
    for (auto& k : from->second)
        if (port_.has_session(k)) member = k;
    joins_asked_[id] = member;
    if (port_.has_session(member)) port_.send(member, transport::RoomJoin{id});
    else port_.reach(member);
    refresh_pending(member);
    return true;
}

bool Rooms::leave(const RoomId& id, std::string& error) {
    Room* room = find(id);
    if (!room) {
        error = "no such room";
        return false;
    }
    if (room->row.membership == RoomMembership::invited) {
        if (store_.forget_room(id) != StoreError::ok) {
            error = "could not forget the invitation: " + store_.last_error();
            return false;
        }
        rooms_.erase(id);
        port_.emit(RoomRemoved{id});
        return true;
    }
    if (room->row.membership == RoomMembership::left) return true;
    if (room->state && room->state->is_member(me_)) {
        if (!write(*room, room->state->next_entry(me_, Kind::leave, port_.now_ms()), error)) return false;
    }
    room->row.membership = RoomMembership::left;
    store_.put_room(room->row);
    room_changed(*room);
    return true;
}

bool Rooms::remove(const RoomId& id, const PeerKey& peer, std::string& error) {
    Room* room = joined_member_room(id, error);
    if (!room) return false;
    error = room->state->may(me_, Kind::remove, peer);
    if (!error.empty()) return false;
    Entry e = room->state->next_entry(me_, Kind::remove, port_.now_ms());
    e.member = peer;
    auto s = write(*room, std::move(e), error);
    if (!s) return false;
    // The removed member learns it was removed, and nothing after.
    if (port_.has_session(peer)) port_.send(peer, wire(*s));
    return true;
}

bool Rooms::make_admin(const RoomId& id, const PeerKey& peer, std::string& error) {
    Room* room = joined_member_room(id, error);
    if (!room) return false;
    error = room->state->may(me_, Kind::admin, peer);
    if (!error.empty()) return false;
    Entry e = room->state->next_entry(me_, Kind::admin, port_.now_ms());
    e.member = peer;
    return write(*room, std::move(e), error).has_value();
}

bool Rooms::set(const RoomId& id, std::string_view name, std::string_view topic, bool open, std::string& error) {
    Room* room = joined_member_room(id, error);
    if (!room) return false;
    error = check_room_name(name);
    if (error.empty()) error = check_topic(topic);
    if (error.empty()) error = room->state->may(me_, Kind::set);
    if (!error.empty()) return false;
    Entry e = room->state->next_entry(me_, Kind::set, port_.now_ms());
    e.name = std::string(name);
    e.topic = std::string(topic);
    e.open = open;
    return write(*room, std::move(e), error).has_value();
}

std::optional<MessageId> Rooms::send_text(const RoomId& id, std::string_view body, std::string& error) {
    Room* room = joined_member_room(id, error);
    if (!room) return std::nullopt;
    auto text = outgoing_text(body, error);
    if (!text) return std::nullopt;
    Entry e = room->state->next_entry(me_, Kind::text, port_.now_ms());
    e.body = std::move(*text);
    auto s = write(*room, std::move(e), error);
    if (!s) return std::nullopt;
    return entry_id(*s);
}

// ---- the store and the room's rules ------------------------------------------

bool Rooms::accept(Room& room, const SignedEntry& s, const Entry& e, const PeerKey& from) {
    StoredEntry row{e.room, e.author, e.seq, e.lamport, entry_id(s), s.bytes, s.signature, e.kind == Kind::text,
                    port_.now_ms()};
    const StorePlace place{room.row.id, room_label(room)};
    if (store_.add_room_entry(row) != StoreError::ok) {
        if (from == me_) return false;  // our own: the command says why
        if (auto n = store_trouble_.failed(e.author, nick_of(room, e.author), store_.last_error(), place))
            port_.emit(*n);
        // Not acknowledged: the sender asks again later (tick()), and that ask
        // must be answered by asking back although our last ask brought nothing.
        synced_at_.erase({from, room.row.id});
        return false;
    }
    if (auto n = store_trouble_.stored(e.author, nick_of(room, e.author), place)) port_.emit(*n);
    const bool was_member = room.state->is_member(me_);
    room.state->apply(s, e);
    const bool shown = e.kind != Kind::text || room.state->shown(e);
    if (shown) port_.emit(RoomMessageAdded{make_message(room, row, e)});
    if (e.kind == Kind::text && shown && e.author != me_ && from != me_) {
        store_.add_unread(room.row.id, 1);
        ++room.row.unread;
    }
    // A joiner's log replays others' arrivals before its own: only a change
    // from member to non-member is a removal.
    if (e.kind != Kind::text && was_member && !room.state->is_member(me_)) no_longer_member(room);
    if (e.kind != Kind::text || (shown && e.author != me_)) room_changed(room);
    return true;
}

void Rooms::no_longer_member(Room& room) {
    if (room.row.membership != RoomMembership::joined) return;
    room.row.membership = RoomMembership::left;
    store_.put_room(room.row);
    port_.emit(Notice{Notice::Level::info, "You are no longer a member of " + room_label(room) + "."});
}

// ---- the exchange between members ---------------------------------------------

void Rooms::push(const Room& room, const SignedEntry& s, const PeerKey& skip) {
    auto now = std::chrono::steady_clock::now();
    for (auto& m : room.state->members()) {
        if (m.key == me_ || m.key == skip) continue;
        if (port_.has_session(m.key)) {
            port_.send(m.key, wire(s));
            resync_.try_emplace({m.key, room.row.id}, Resync{now + kResyncMin, kResyncMin});
        } else {
            port_.reach(m.key);
        }
        refresh_pending(m.key);
    }
}

void Rooms::send_sync(const Room& room, const PeerKey& peer) {
    if (!room.state) {
        // Joining: we hold nothing, not even the create.
        port_.send(peer, transport::RoomSync{room.row.id, {}});
        awaiting_.insert({peer, room.row.id});
        return;
    }
    transport::RoomSync sync{room.row.id, {}};
    for (auto& [author, seq] : room.state->have()) sync.have.emplace_back(author, seq);
    if (port_.send(peer, sync)) {
        awaiting_.insert({peer, room.row.id});
        synced_at_[{peer, room.row.id}] = seq_sum(room.state->have());
    }
}

void Rooms::answer_sync(const Room& room, const PeerKey& peer, const VersionVector& theirs) {
    const auto& ours = room.state->have();
    std::vector<StoredEntry> missing;
    for (auto& [author, first] : lacking(ours, theirs)) {
        auto rows = store_.room_entries_from(room.row.id, author, first, kMaxSyncBatch);
        missing.insert(missing.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
    }
    std::sort(missing.begin(), missing.end(), [](const StoredEntry& a, const StoredEntry& b) {
        return std::tie(a.lamport, a.author, a.seq) < std::tie(b.lamport, b.author, b.seq);
    });
    const bool truncated = missing.size() > kMaxSyncBatch;
    if (truncated) missing.resize(kMaxSyncBatch);
    for (auto& row : missing) port_.send(peer, wire(signed_entry(row)));
    // Ask back when they hold what we lack, or when they must ask for the rest;
    // not when nothing came of our last ask (entries we cannot accept would
    // otherwise bounce between us for ever).
    const bool we_lack = !lacking(theirs, ours).empty();
    auto last = synced_at_.find({peer, room.row.id});
    const bool progressed = last == synced_at_.end() || last->second != seq_sum(ours);
    if (truncated || (we_lack && progressed)) {
        ask(room, peer, theirs);
    } else if (auto h = held_back_.find(room.row.id); h != held_back_.end() && h->second.erase(peer)) {
        send_sync(room, peer);  // held back at its session's start: it learns what we hold
    }
    pull_progressed(room);
}

bool Rooms::ahead(const Room& room, const std::optional<VersionVector>& theirs) const {
    return theirs && !lacking(*theirs, room.state->have()).empty();
}

void Rooms::ask(const Room& room, const PeerKey& peer, std::optional<VersionVector> theirs) {
    const auto now = std::chrono::steady_clock::now();
    auto p = pulls_.find(room.row.id);
    if (p != pulls_.end() && p->second.peer != peer && port_.has_session(p->second.peer) &&
        now < p->second.since + kResyncMin) {
        auto& waiting = held_back_[room.row.id][peer];
        if (theirs) waiting = std::move(theirs);
        return;
    }
    if (!theirs && p != pulls_.end() && p->second.peer == peer) theirs = p->second.theirs;
    start_pull(room, peer, now, std::move(theirs));
}

void Rooms::start_pull(const Room& room, const PeerKey& peer, std::chrono::steady_clock::time_point now,
                       std::optional<VersionVector> theirs) {
    if (auto h = held_back_.find(room.row.id); h != held_back_.end()) {
        h->second.erase(peer);
        if (h->second.empty()) held_back_.erase(h);
    }
    pulls_[room.row.id] = Pull{peer, now, std::move(theirs)};
    send_sync(room, peer);
    refresh_pending(peer);  // the node's next tick comes by the pull's deadline
}

void Rooms::pull_progressed(const Room& room) {
    auto p = pulls_.find(room.row.id);
    if (p == pulls_.end() || !p->second.theirs || ahead(room, p->second.theirs)) return;
    pulls_.erase(p);
    next_pull(room, std::chrono::steady_clock::now(), false);
}

void Rooms::next_pull(const Room& room, std::chrono::steady_clock::time_point now, bool any) {
    auto h = held_back_.find(room.row.id);
    if (h == held_back_.end() || pulls_.count(room.row.id)) return;
    std::optional<std::pair<PeerKey, std::optional<VersionVector>>> next;
    for (auto it = h->second.begin(); it != h->second.end();) {
        auto& [peer, theirs] = *it;
        if (!port_.has_session(peer)) {
            it = h->second.erase(it);  // asked afresh when its session is back
        } else if (ahead(room, theirs) || (!theirs && any)) {
            if (!next || (!next->second && theirs)) next.emplace(peer, theirs);
            ++it;
        } else if (theirs) {
            send_sync(room, peer);  // it holds nothing we lack: only what we hold is owed
            it = h->second.erase(it);
        } else {
            ++it;  // not heard yet: its own room_sync comes
        }
    }
    if (next) start_pull(room, next->first, now, std::move(next->second));
    else if (h->second.empty()) held_back_.erase(h);
}

void Rooms::handle(const PeerKey& from, const transport::RoomEntry& m) {
    SignedEntry s{m.entry, m.signature};
    auto decoded = decode(s.bytes);
    if (!decoded) return;
    Room* room = find(decoded->room);
    if (!room || room->row.membership != RoomMembership::joined) return;
    if (!room->state) {
        if (decoded->kind != Kind::create) return;
        std::string error;
        auto state = RoomState::from_create(s, error);
        if (!state) return;
        room->state = std::move(state);
        StoredEntry row{decoded->room, decoded->author, 1, 1, entry_id(s), s.bytes, s.signature, false, port_.now_ms()};
        if (store_.add_room_entry(row) != StoreError::ok) {
            if (auto n = store_trouble_.failed(decoded->author, port_.member_view(decoded->author).nick,
                                               store_.last_error(), StorePlace{room->row.id, room_label(*room)}))
                port_.emit(*n);
            room->state.reset();
            return;
        }
        port_.emit(RoomMessageAdded{make_message(*room, row, *decoded)});
        room_changed(*room);
        return;
    }
    Entry e;
    switch (room->state->check(s, e)) {
    case Verdict::accepted:
        if (!accept(*room, s, e, from)) return;  // not stored: not acknowledged
        [[fallthrough]];
    case Verdict::duplicate: {
        const PeerKey author = decoded->author;
        auto held = room->state->have().find(author);
        if (held == room->state->have().end()) return;
        transport::RoomAck ack{room->row.id, author, held->second};
        if (room->state->is_member(from)) port_.send(from, ack);
        if (author != from && author != me_ && port_.has_session(author) && room->state->is_member(author))
            port_.send(author, ack);
        pull_progressed(*room);
        return;
    }
    case Verdict::gap:
        if (!awaiting_.count({from, room->row.id})) ask(*room, from, VersionVector{{decoded->author, decoded->seq}});
        return;
    case Verdict::forged: {
        auto relay = port_.member_view(from);
        auto author = port_.member_view(decoded->author);
        port_.emit(Notice{Notice::Level::alert,
                          "\"" + relay.nick + "\" (" + crypto::format_digits(relay.fingerprint) + ") sent a message in " +
                              room_label(*room) + " that \"" + author.nick +
                              "\" did not write (its signature is wrong); it was not shown"});
        return;
    }
    case Verdict::equivocation: {
        auto author = port_.member_view(decoded->author);
        port_.emit(Notice{Notice::Level::alert, "\"" + author.nick + "\" (" +
                                                     crypto::format_digits(author.fingerprint) +
                                                     ") signed two different messages with one number in " +
                                                     room_label(*room) + "; the second was not shown"});
        return;
    }
    case Verdict::invalid:
        return;
    }
}

void Rooms::handle(const PeerKey& from, const transport::RoomSync& m) {
    Room* room = find(m.room);
    if (!room || room->row.membership != RoomMembership::joined) return;
    if (!room->state) {
        // Joining, and the log we were sent could not be stored: the one who
        // let us in asks again (tick()), and we ask for the log again.
        if (from == room->row.invited_by) send_sync(*room, from);
        return;
    }
    // Only members are served: a non-member claiming membership gets nothing.
    if (!room->state->is_member(from) || !room->state->is_member(me_)) return;
    awaiting_.erase({from, m.room});
    VersionVector theirs;
    for (auto& [author, seq] : m.have) theirs[author] = seq;
    for (auto& [author, seq] : theirs)
        if (room->state->have().count(author)) record_have(*room, from, author, seq);
    if (auto p = pulls_.find(m.room); p != pulls_.end() && p->second.peer == from) p->second.theirs = theirs;
    if (auto h = held_back_.find(m.room); h != held_back_.end())
        if (auto w = h->second.find(from); w != h->second.end()) w->second = theirs;
    answer_sync(*room, from, theirs);
}

void Rooms::handle(const PeerKey& from, const transport::RoomAck& m) {
    Room* room = find(m.room);
    if (!room || !room->state || !room->state->is_member(from)) return;
    record_have(*room, from, m.author, m.seq);
}

void Rooms::record_have(const Room& room, const PeerKey& member, const PeerKey& author, std::uint64_t seq) {
    auto held = room.state->have().find(author);
    if (held == room.state->have().end()) return;
    seq = std::min(seq, held->second);  // nobody holds more than exists, as far as we know
    const std::uint64_t before = peer_have(room.row.id, member, author);
    if (seq <= before) return;
    // Kept in memory and saved by the next tick in one transaction: a joiner
    // acknowledges a whole log, and a flush per receipt would stall the
    // network thread past the peers' keepalive. Lost in a crash, receipts
    // only cost a sync that sends what the member already holds.
    haves_[room.row.id][author][member] = seq;
    unsaved_.insert({room.row.id, member, author});
    if (author != me_) {
        port_.pending_changed(member);  // brings the tick that saves it
        return;
    }
    for (auto& row : store_.room_entries_from(room.row.id, me_, before + 1, seq - before)) {
        if (!row.text) continue;
        auto [delivered, of] = delivery(room, row.seq);
        port_.emit(RoomDeliveryChanged{room.row.id, row.id, delivered, of});
    }
    if (!lags_on_ours(room, member)) resync_.erase({member, room.row.id});
    refresh_pending(member);
}

void Rooms::handle(const PeerKey& from, const transport::RoomInvite& m) {
    if (Room* room = find(m.room)) {
        // The answer to our join request, or an invitation repeated.
        if (room->row.membership == RoomMembership::joined && !room->state && port_.has_session(from))
            send_sync(*room, from);
        return;
    }
    auto asked = joins_asked_.find(m.room);
    const bool requested = asked != joins_asked_.end() && asked->second == from;
    std::size_t invitations = 0;
    for (auto& [id, r] : rooms_) invitations += r.row.membership == RoomMembership::invited;
    if (!requested && invitations >= kMaxInvitations) return;
    if (rooms_.size() >= kMaxRooms) return;
    StoredRoom row{m.room, requested ? RoomMembership::joined : RoomMembership::invited, from, m.name,
                   port_.now_ms(), 0};
    if (store_.put_room(row) != StoreError::ok) return;
    auto& room = rooms_.emplace(m.room, Room{row, std::nullopt}).first->second;
    room_changed(room);
    if (requested) {
        joins_asked_.erase(asked);
        send_sync(room, from);
        refresh_pending(from);
    } else {
        port_.emit(Notice{Notice::Level::info, "\"" + port_.member_view(from).nick + "\" invited you to #" + m.name +
                                                   " (room " + hex(m.room) + ")"});
    }
}

void Rooms::handle(const PeerKey& from, const transport::RoomJoin& m) {
    Room* room = find(m.room);
    if (!room || room->row.membership != RoomMembership::joined || !room->state || !room->state->open() ||
        !room->state->is_member(me_))
        return;
    if (!room->state->is_member(from)) {
        auto sign_key = port_.sign_key(from);
        if (!sign_key || !room->state->may(me_, Kind::add, from).empty()) return;
        Entry e = room->state->next_entry(me_, Kind::add, port_.now_ms());
        e.member = from;
        e.sign_key = *sign_key;
        e.member_nick = std::string(text::cut_at_char_boundary(port_.member_view(from).nick, kMaxRoomName));
        std::string error;
        if (!write(*room, std::move(e), error)) return;
    }
    port_.send(from, transport::RoomInvite{m.room, room->state->name()});
}

void Rooms::handle(const PeerKey& from, const transport::RoomsQuery&) {
    transport::RoomsList list;
    for (auto& [id, room] : rooms_) {
        if (list.rooms.size() == transport::wire::kMaxListedRooms) break;
        if (room.row.membership != RoomMembership::joined || !room.state || !room.state->open()) continue;
        list.rooms.push_back(transport::ListedRoom{id, room.state->name(), room.state->topic(),
                                                   static_cast<std::uint32_t>(room.state->members().size())});
    }
    port_.send(from, list);
}

void Rooms::handle(const PeerKey& from, const transport::RoomsList& m) {
    for (auto& listed : m.rooms) {
        if (!heard_.count(listed.room) && heard_.size() >= kMaxOpenRoomsHeard) break;
        OpenRoom& r = heard_[listed.room];
        r.id = listed.room;
        r.id_hex = hex(listed.room);
        r.name = listed.name;
        r.topic = listed.topic;
        r.members = std::max(r.members, static_cast<std::uint32_t>(std::min<std::uint64_t>(listed.members, UINT32_MAX)));
        heard_from_[listed.room].insert(from);
    }
    port_.emit(OpenRoomsListed{open_rooms()});
}

void Rooms::query_open_rooms(const std::vector<PeerKey>& peers) {
    for (auto& p : peers) {
        if (port_.has_session(p)) {
            port_.send(p, transport::RoomsQuery{});
        } else {
            queries_to_send_.insert(p);
            port_.reach(p);
        }
    }
    port_.emit(OpenRoomsListed{open_rooms()});
}

std::vector<OpenRoom> Rooms::open_rooms() const {
    std::map<RoomId, OpenRoom> all = heard_;
    for (auto& [id, room] : rooms_) {
        if (!room.state || !room.state->open() || room.row.membership != RoomMembership::joined) continue;
        OpenRoom& r = all[id];
        r = OpenRoom{id, hex(id), room.state->name(), room.state->topic(),
                     static_cast<std::uint32_t>(room.state->members().size()), true};
    }
    std::vector<OpenRoom> out;
    for (auto& [id, r] : all) {
        out.push_back(r);
        if (const Room* mine = find(id)) out.back().joined = mine->row.membership == RoomMembership::joined;
    }
    return out;
}

void Rooms::on_session_up(const PeerKey& peer) {
    for (auto& [id, room] : rooms_) {
        if (room.row.membership != RoomMembership::joined) continue;
        if (!room.state) {
            if (room.row.invited_by == peer) send_sync(room, peer);
            continue;
        }
        if (!room.state->is_member(peer) || !room.state->is_member(me_)) continue;
        // An invitation we made that was never answered is made again.
        auto m = room.state->member(peer);
        bool never_synced = true;
        for (auto& [author, seq] : room.state->have())
            if (peer_have(id, peer, author) > 0) never_synced = false;
        if (m && m->added_by == me_ && never_synced) invites_to_send_[peer].insert(id);
        ask(room, peer, std::nullopt);
    }
    if (auto invites = invites_to_send_.extract(peer))
        for (auto& id : invites.mapped())
            if (const Room* room = find(id); room && room->state)
                port_.send(peer, transport::RoomInvite{id, room->state->name()});
    for (auto& [id, member] : joins_asked_)
        if (member == peer) port_.send(peer, transport::RoomJoin{id});
    if (queries_to_send_.erase(peer)) port_.send(peer, transport::RoomsQuery{});
    refresh_pending(peer);
}

void Rooms::on_online(const PeerKey& peer) {
    for (auto& [id, room] : rooms_) {
        if (room.row.membership != RoomMembership::joined || !room.state || !room.state->is_member(peer)) continue;
        if (lags(room, peer)) {
            port_.reach(peer);
            return;
        }
    }
}

std::chrono::steady_clock::time_point Rooms::tick(std::chrono::steady_clock::time_point now) {
    save();
    auto next = std::chrono::steady_clock::time_point::max();
    for (auto it = resync_.begin(); it != resync_.end();) {
        const auto& [peer, id] = it->first;
        const Room* room = find(id);
        if (!room || !room->state || !room->state->is_member(peer) || !lags_on_ours(*room, peer)) {
            it = resync_.erase(it);
            continue;
        }
        Resync& r = it->second;
        if (port_.has_session(peer) && now >= r.due) {
            awaiting_.erase({peer, id});
            synced_at_.erase({peer, id});
            send_sync(*room, peer);
            r.backoff = std::min(r.backoff * 2, kResyncMax);
            r.due = now + r.backoff;
        }
        next = std::min(next, r.due);
        ++it;
    }
    // A pull whose member is gone or has not given what it said it holds
    // within kResyncMin (slow, or withholding): the next member is asked.
    std::set<RoomId> stalled;  // each room once, though both loops may name it
    for (auto& [id, p] : pulls_)
        if (!port_.has_session(p.peer) || now >= p.since + kResyncMin) stalled.insert(id);
    for (auto& id : stalled) pulls_.erase(id);
    for (auto& [id, waiting] : held_back_)
        if (!pulls_.count(id)) stalled.insert(id);
    for (auto& id : stalled) {
        const Room* room = find(id);
        if (room && room->state) next_pull(*room, now, true);
        else held_back_.erase(id);
    }
    for (auto& [id, p] : pulls_) next = std::min(next, p.since + kResyncMin);
    return next;
}

// ---- who needs a session ---------------------------------------------------------

bool Rooms::lags_on_ours(const Room& room, const PeerKey& member) const {
    auto held = room.state->have().find(me_);
    if (held == room.state->have().end()) return false;
    return peer_have(room.row.id, member, me_) < held->second;
}

bool Rooms::lags(const Room& room, const PeerKey& member) const {
    for (auto& [author, seq] : room.state->have()) {
        if (author != member && peer_have(room.row.id, member, author) < seq) return true;
    }
    return false;
}

bool Rooms::pending(const PeerKey& peer) const {
    if (invites_to_send_.count(peer) || queries_to_send_.count(peer)) return true;
    for (auto& [id, member] : joins_asked_)
        if (member == peer) return true;
    for (auto& [id, room] : rooms_) {
        if (room.row.membership != RoomMembership::joined) continue;
        if (!room.state) {
            if (room.row.invited_by == peer) return true;
            continue;
        }
        if (peer != me_ && room.state->is_member(peer) && room.state->is_member(me_) && lags_on_ours(room, peer))
            return true;
    }
    return false;
}

std::vector<PeerKey> Rooms::pending_peers() const {
    std::set<PeerKey> candidates;
    for (auto& [id, room] : rooms_) {
        if (room.state)
            for (auto& m : room.state->members()) candidates.insert(m.key);
        candidates.insert(room.row.invited_by);
    }
    for (auto& [peer, ids] : invites_to_send_) candidates.insert(peer);
    std::vector<PeerKey> out;
    for (auto& k : candidates)
        if (k != me_ && pending(k)) out.push_back(k);
    return out;
}

void Rooms::refresh_pending(const PeerKey& peer) { port_.pending_changed(peer); }

// ---- views ---------------------------------------------------------------------

void Rooms::room_changed(const Room& room) { port_.emit(RoomChanged{make_view(room)}); }

RoomView Rooms::make_view(const Room& room) const {
    RoomView v;
    v.id = room.row.id;
    v.id_hex = hex(room.row.id);
    v.membership = room.row.membership;
    v.unread = room.row.unread;
    v.invited_by = room.row.invited_by;
    if (room.row.membership == RoomMembership::invited) v.invited_by_nick = port_.member_view(room.row.invited_by).nick;
    if (!room.state) {
        v.name = room.row.invited_name;
        return v;
    }
    v.name = room.state->name();
    v.topic = room.state->topic();
    v.open = room.state->open();
    v.admin = room.state->may(me_, Kind::set).empty();
    for (auto& m : room.state->members()) {
        RoomMemberView mv = port_.member_view(m.key);
        if (mv.nick.empty()) mv.nick = m.nick;
        mv.creator = m.creator;
        mv.admin = m.admin;
        v.members.push_back(std::move(mv));
    }
    return v;
}

std::vector<RoomView> Rooms::views() const {
    std::vector<RoomView> out;
    for (auto& [id, room] : rooms_) out.push_back(make_view(room));
    std::sort(out.begin(), out.end(), [](const RoomView& a, const RoomView& b) { return lower(a.name) < lower(b.name); });
    return out;
}

std::optional<RoomView> Rooms::view(const RoomId& id) const {
    const Room* room = find(id);
    if (!room) return std::nullopt;
    return make_view(*room);
}

std::optional<RoomId> Rooms::resolve(std::string_view query, std::string& error) const {
    if (!query.empty() && query.front() == '#') query.remove_prefix(1);
    std::vector<const Room*> by_name, by_id;
    for (auto& [id, room] : rooms_) {
        const std::string name = room.state ? room.state->name() : room.row.invited_name;
        if (lower(name) == lower(query)) by_name.push_back(&room);
        if (!query.empty() && hex(id).rfind(lower(query), 0) == 0) by_id.push_back(&room);
    }
    auto& hits = by_name.empty() ? by_id : by_name;
    if (hits.size() == 1) return hits.front()->row.id;
    if (hits.empty()) {
        // An open room heard of but not joined yet can be named by its id.
        for (auto& [id, r] : heard_)
            if (!query.empty() && (lower(r.name) == lower(query) || hex(id).rfind(lower(query), 0) == 0)) return id;
        error = "no room named or with id \"" + std::string(query) + "\"";
        return std::nullopt;
    }
    error = "\"" + std::string(query) + "\" names several rooms; use an id prefix:";
    for (auto* r : hits) error += "\n  " + hex(r->row.id) + "  " + room_label(*r);
    return std::nullopt;
}

std::pair<std::uint32_t, std::uint32_t> Rooms::delivery(const Room& room, std::uint64_t seq) const {
    std::uint32_t delivered = 0, of = 0;
    for (auto& m : room.state->members()) {
        if (m.key == me_) continue;
        ++of;
        if (peer_have(room.row.id, m.key, me_) >= seq) ++delivered;
    }
    return {delivered, of};
}

std::string Rooms::describe(const Room& room, const Entry& e) const {
    auto nick = [&](const PeerKey& k) {
        if (auto m = room.state->member(k); m && !m->nick.empty()) return m->nick;
        return port_.member_view(k).nick;
    };
    switch (e.kind) {
    case Kind::create: return "created the room \"" + e.name + "\"";
    case Kind::add: return "added " + (e.member_nick.empty() ? nick(e.member) : e.member_nick);
    case Kind::remove: return "removed " + nick(e.member);
    case Kind::leave: return "left";
    case Kind::set: return "set the room to \"" + e.name + "\"" + (e.topic.empty() ? "" : ", topic \"" + e.topic + "\"") +
                           (e.open ? ", open to everyone" : ", by invitation");
    case Kind::admin: return "made " + nick(e.member) + " an admin";
    case Kind::text: return e.body;
    }
    return {};
}

RoomMessage Rooms::make_message(const Room& room, const StoredEntry& row, const Entry& e) const {
    RoomMessage m;
    m.room = room.row.id;
    m.id = row.id;
    m.author = e.author;
    m.author_nick = nick_of(room, e.author);
    m.mine = e.author == me_;
    m.text = e.kind == Kind::text;
    m.body = describe(room, e);
    m.sent_at_ms = static_cast<std::int64_t>(std::min<std::uint64_t>(e.sent_at_ms, INT64_MAX));
    m.received_at_ms = row.received_at_ms;
    m.lamport = e.lamport;
    if (m.mine && m.text) std::tie(m.delivered, m.of) = delivery(room, e.seq);
    return m;
}

std::vector<RoomMessage> Rooms::history(const RoomId& id, std::size_t limit) const {
    const Room* room = find(id);
    if (!room || !room->state) return {};
    std::vector<RoomMessage> out;
    for (auto& row : store_.room_entries(id)) {
        auto e = decode(row.bytes);
        if (!e || (e->kind == Kind::text && !room->state->shown(*e))) continue;
        out.push_back(make_message(*room, row, *e));
    }
    if (out.size() > limit) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
    return out;
}

void Rooms::mark_read(const RoomId& id) {
    Room* room = find(id);
    if (!room || room->row.unread == 0) return;
    store_.clear_unread(id);
    room->row.unread = 0;
    room_changed(*room);
}

std::optional<SearchHit> Rooms::search_hit(const StoredHit& hit) const {
    const Room* room = find(hit.room);
    if (!room || !room->state) return std::nullopt;
    auto e = decode(hit.entry);
    if (!e || e->kind != Kind::text || !room->state->shown(*e)) return std::nullopt;
    SearchHit h;
    h.in_room = true;
    h.room = hit.room;
    h.conversation = room->state->name();
    h.id = hit.id;
    h.mine = e->author == me_;
    h.author_nick = nick_of(*room, e->author);
    h.body = hit.body;
    h.sent_at_ms = hit.sent_at_ms;
    return h;
}

}  // namespace hallway::core::rooms
