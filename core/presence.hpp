#pragma once
// Who is here, and which sessions that takes (docs/ARCHITECTURE.md, "The event
// hall"). Sans-I/O: the node feeds it facts (sessions, mDNS announcements,
// pending messages, the conversation in the foreground) and asks it who is
// online, which sessions to keep and how closely to watch them.
//
// A peer is online while it has a session, or while its mDNS service is
// announced at a place a handshake authenticated it and nobody has seen it
// vanish. Sessions exist only on need: something pending (fast keepalive),
// the peer's neighbours on the presence ring (slow keepalive), peers given by
// hand (no mDNS to show them otherwise), contacts no mDNS shows (reached at a
// remembered or shared address, or dialing us from another subnet: slow
// keepalive); the rest close when idle. The ring —
// every announced peer ordered by key, each watching its successor — is what
// notices a session-less peer that vanished without a goodbye; the watcher
// says so (Gone) to its own successor, and the news goes round, each node
// checking for itself before it believes it.
#include "core/store.hpp"
#include "transport/session.hpp"

#include <map>
#include <optional>
#include <set>

namespace hallway::core {

// How a session ended, as far as presence is concerned.
enum class SessionEnd {
    quiet,    // we closed it (idle, blocked, spoof) or it lost a duplicate race: the peer is as it was
    goodbye,  // the peer closed it with a reason other than "idle": it is leaving
    lost,     // no Close: timeout, reset, EOF. The peer vanished.
};

class Presence {
public:
    explicit Presence(const PeerKey& own) : own_(own) {}

    // ---- facts -------------------------------------------------------------
    // An authenticated session is (still) up: the peer is alive.
    void session_up(const PeerKey& peer);
    // True when the ring must be told the peer vanished (it was announced
    // and is now believed gone; a goodbye needs no telling: mDNS says it).
    bool session_down(const PeerKey& peer, SessionEnd end);
    // Its mDNS service is (no longer) announced at an authenticated place.
    void set_announced(const PeerKey& peer, bool announced);
    // It has messages of ours not yet acknowledged.
    void set_pending(const PeerKey& peer, bool pending);
    // Reached through --peer: mDNS will never show it, so its session is kept.
    void set_manual(const PeerKey& peer);
    // A contact (not a stranger, not blocked) the node keeps a session with
    // while mDNS does not show it (core/remembered_addresses.hpp): only that
    // session shows it online. Once mDNS shows it, the rules above apply.
    void set_remembered(const PeerKey& peer, bool remembered);
    // The conversation in the foreground (at most one).
    void set_focus(std::optional<PeerKey> peer);
    // A session came up with a peer on our link whose mDNS record we have not
    // resolved yet, while records still wait their turn (discovery/
    // resolve_queue.hpp): its session is kept, watched slowly, until its
    // record is authenticated (set_announced) or none waits any more
    // (stop_awaiting). Closed as idle before, it would show the peer gone
    // while it is here.
    void set_awaiting_record(const PeerKey& peer);
    void stop_awaiting();

    // ---- a Gone claim -------------------------------------------------------
    // Another node says peer vanished. True when we should check (dial it)
    // and pass the claim on: it is announced, not checked or gone already,
    // and has no session here (a session proves it alive).
    bool claim_gone(const PeerKey& peer);
    // Every dial of a check failed: believed gone. True when it was being checked.
    bool check_failed(const PeerKey& peer);
    bool checking(const PeerKey& peer) const;

    // ---- answers ------------------------------------------------------------
    bool online(const PeerKey& peer) const;
    bool announced(const PeerKey& peer) const;
    // The ring's members (announced, not gone, not being checked) around us.
    std::optional<PeerKey> successor() const;
    std::optional<PeerKey> predecessor() const;
    // How its session (if any) is watched.
    transport::Liveness liveness(const PeerKey& peer) const;
    // The sessions to dial when there are none: peers with something pending
    // or in focus that are online, and the ring successor. Not the predecessor
    // (it dials us, its successor: each ring link is dialed once), not peers
    // given by hand (the node redials those by address).
    std::set<PeerKey> needed() const;
    // Peers believed gone while their mDNS record still stands: a session
    // lost to a silence (a frozen laptop, a Wi-Fi gap, an overloaded node)
    // does not prove the peer left, and both sides may have given up on each
    // other. The node dials these now and then (with a growing pause) so a
    // peer that is here is shown again; a goodbye withdraws the record.
    std::set<PeerKey> to_recheck() const;

private:
    struct State {
        bool session = false;
        bool announced = false;
        bool gone = false;
        bool checking = false;
        bool pending = false;
        bool manual = false;
        bool remembered = false;
        bool awaiting_record = false;
    };
    const State* find(const PeerKey& peer) const;
    // Online: a session, or an announcement nobody saw vanish (one being
    // checked still counts until the check says otherwise).
    static bool here(const State& s) { return s.session || (s.announced && !s.gone); }
    bool in_ring(const State& s) const { return s.announced && !s.gone && !s.checking; }
    void update_ring(const PeerKey& peer);
    bool urgent(const PeerKey& peer, const State& s) const { return s.pending || s.manual || focus_ == peer; }

    PeerKey own_;
    std::map<PeerKey, State> peers_;
    std::set<PeerKey> ring_;  // in_ring() peers, ordered by key
    std::optional<PeerKey> focus_;
};

}  // namespace hallway::core
