#include "core/presence.hpp"

namespace hallway::core {

const Presence::State* Presence::find(const PeerKey& peer) const {
    auto it = peers_.find(peer);
    return it == peers_.end() ? nullptr : &it->second;
}

void Presence::update_ring(const PeerKey& peer) {
    const State* s = find(peer);
    if (s && in_ring(*s) && peer != own_) {
        ring_.insert(peer);
    } else {
        ring_.erase(peer);
    }
}

void Presence::session_up(const PeerKey& peer) {
    State& s = peers_[peer];
    s.session = true;
    s.gone = false;
    s.checking = false;
    update_ring(peer);
}

bool Presence::session_down(const PeerKey& peer, SessionEnd end) {
    State& s = peers_[peer];
    s.session = false;
    bool tell = false;
    if (end == SessionEnd::goodbye) {
        s.gone = true;
    } else if (end == SessionEnd::lost && !s.gone) {
        s.gone = true;
        tell = s.announced;
    }
    if (s.gone) s.checking = false;
    update_ring(peer);
    return tell;
}

void Presence::set_announced(const PeerKey& peer, bool announced) {
    State& s = peers_[peer];
    s.announced = announced;
    if (announced) s.awaiting_record = false;
    if (!announced) s.checking = false;
    update_ring(peer);
}

void Presence::set_pending(const PeerKey& peer, bool pending) { peers_[peer].pending = pending; }

void Presence::set_manual(const PeerKey& peer) { peers_[peer].manual = true; }

void Presence::set_remembered(const PeerKey& peer, bool remembered) { peers_[peer].remembered = remembered; }

void Presence::set_focus(std::optional<PeerKey> peer) { focus_ = peer; }

void Presence::set_awaiting_record(const PeerKey& peer) {
    State& s = peers_[peer];
    s.awaiting_record = !s.announced;
}

void Presence::stop_awaiting() {
    for (auto& [key, s] : peers_) s.awaiting_record = false;
}

bool Presence::claim_gone(const PeerKey& peer) {
    if (peer == own_) return false;
    auto it = peers_.find(peer);
    if (it == peers_.end()) return false;
    State& s = it->second;
    if (!s.announced || s.gone || s.checking || s.session) return false;
    s.checking = true;
    update_ring(peer);
    return true;
}

bool Presence::check_failed(const PeerKey& peer) {
    auto it = peers_.find(peer);
    if (it == peers_.end() || !it->second.checking) return false;
    it->second.checking = false;
    it->second.gone = true;
    update_ring(peer);
    return true;
}

bool Presence::checking(const PeerKey& peer) const {
    const State* s = find(peer);
    return s && s->checking;
}

bool Presence::online(const PeerKey& peer) const {
    const State* s = find(peer);
    return s && here(*s);
}

bool Presence::announced(const PeerKey& peer) const {
    const State* s = find(peer);
    return s && s->announced;
}

std::optional<PeerKey> Presence::successor() const {
    if (ring_.empty()) return std::nullopt;
    auto it = ring_.upper_bound(own_);
    return it == ring_.end() ? *ring_.begin() : *it;
}

std::optional<PeerKey> Presence::predecessor() const {
    if (ring_.empty()) return std::nullopt;
    auto it = ring_.lower_bound(own_);
    return it == ring_.begin() ? *ring_.rbegin() : *std::prev(it);
}

transport::Liveness Presence::liveness(const PeerKey& peer) const {
    const State* s = find(peer);
    if (s && urgent(peer, *s)) return {transport::Keepalive::fast, false};
    if (successor() == peer || predecessor() == peer || (s && s->remembered && !s->announced) ||
        (s && s->awaiting_record))
        return {transport::Keepalive::slow, false};
    return {transport::Keepalive::slow, true};
}

std::set<PeerKey> Presence::needed() const {
    std::set<PeerKey> out;
    for (const auto& [key, s] : peers_)
        if ((s.pending || focus_ == key) && !s.manual && here(s)) out.insert(key);
    if (auto succ = successor()) out.insert(*succ);
    return out;
}

std::set<PeerKey> Presence::to_recheck() const {
    std::set<PeerKey> out;
    for (const auto& [key, s] : peers_)
        if (s.announced && s.gone && !s.session && !s.checking && key != own_) out.insert(key);
    return out;
}

}  // namespace hallway::core
