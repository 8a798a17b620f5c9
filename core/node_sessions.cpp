// Sessions with peers: accepting and dialing them (on need, and each
// announced place once), duplicate sessions, the presence ring (Gone claims
// passed to the successor and checked by dialing) and the maintenance tick
// that redials, rechecks and resends.
#include "core/node_conversation.hpp"
#include "core/node_files.hpp"

#include <algorithm>

namespace hallway::core {

using namespace node_detail;

namespace {

// Redials of needed sessions wait for this tick; a message or a focus dials at once.
constexpr auto kMaintenanceTick = std::chrono::seconds(1);
// With nothing to redial the tick sleeps this long (anything that may need a
// redial, a lost session or a failed dial, wakes it sooner): an idle node
// wakes about once a minute, not once a second.
constexpr auto kIdleMaintenanceTick = std::chrono::seconds(60);

}  // namespace

bool Node::Impl::accept_peer(const PeerKey& key) {
    auto c = store->contact(key);
    return !(c && c->trust == Trust::blocked);
}

bool Node::Impl::may_reveal_to(const PeerKey& key) const {
    auto c = store->contact(key);
    return c && c->trust != Trust::blocked;
}

bool Node::Impl::is_private_peer(const PeerKey& key) const {
    return std::any_of(private_records.begin(), private_records.end(),
                       [&](const auto& r) { return r.second == key; });
}

std::optional<bool> Node::Impl::announcement_matches(const transport::SessionInfo& info) {
    if (!info.we_dialed) return std::nullopt;
    auto it = expected_at.find(info.remote);
    if (it == expected_at.end()) return std::nullopt;
    const std::string expected = std::move(it->second);
    expected_at.erase(it);
    if (expected == fingerprint_of(info.peer)) return true;
    report_wrong_key(endpoint_text(info.remote) + " announced fingerprint " + crypto::format_digits(expected),
                     info.peer, info.hello.nick);
    return false;
}

void Node::Impl::report_wrong_key(const std::string& place, const PeerKey& actual, std::string_view actual_nick) {
    std::string text = "Spoofing attempt refused: " + place + " but authenticated as " +
                       crypto::format_digits(fingerprint_of(actual));
    if (!actual_nick.empty()) text += " (\"" + std::string(actual_nick) + "\")";
    notice(Notice::Level::alert, std::move(text));
}

void Node::Impl::on_spoof(const PeerKey& expected, const PeerKey& actual, const asio::ip::tcp::endpoint& ep) {
    const std::string at = endpoint_text(ep);
    auto c = store->contact(expected);
    auto other = store->contact(actual);
    // Not taken for expected's any more: the next probes go elsewhere, and the
    // person is told once, not at every probe.
    store->forget_address(expected, at);
    std::erase(live[expected].addresses, ep);
    report_wrong_key(at + " was dialed as \"" + (c ? c->nick : std::string()) + "\" (" +
                         crypto::format_digits(fingerprint_of(expected)) + ") where it was reached before",
                     actual, other ? std::string_view(other->nick) : std::string_view());
    on_dial_failed(ep);
}

void Node::Impl::on_duplicate(const transport::SessionInfo& info) {
    if (announcement_matches(info) != true) return;
    verify_announcement(info.peer, info.remote);
    peer_changed(info.peer);
    refresh_sessions();
}

void Node::Impl::on_session_up(const transport::SessionInfo& info) {
    const PeerKey& key = info.peer;
    const auto match = announcement_matches(info);
    if (match == false) {
        transport->close(key, "identity does not match its announcement");
        return;
    }
    const bool dialed_announcement = match == true;
    auto before = store->contact(key);
    if (store->touch_contact(key, info.hello.nick, now_ms()) != StoreError::ok) {
        transport->close(key, "local storage failure");
        notice(Notice::Level::alert, "Could not record contact " + info.hello.nick + ": storage failed");
        return;
    }
    Live& l = live[key];
    l.presence = "available";
    l.dials = 0;
    l.backoff = kRedialMin;
    l.next_recheck = {};
    l.recheck_pause = kRecheckMin;
    if (info.we_dialed) l.add_address(info.remote);
    // Where it listens, for the next run or a move: the place we dialed, or
    // an inbound session's address with its Hello's listening port.
    if (info.we_dialed) {
        remember(key, info.remote, AddressSource::dialed);
        if (probing.count(info.remote)) l.found("remembered");
    } else {
        l.found("inbound");
        if (info.hello.port)
            remember(key, asio::ip::tcp::endpoint(info.remote.address(), info.hello.port), AddressSource::inbound);
    }
    remembered.reset(key);
    presence->set_remembered(key, keeps_without_mdns(key));
    for (auto& [id, t] : targets) {
        if (t.endpoint != info.remote) continue;
        t.backoff = kRedialMin;
        if (t.expected_fingerprint.empty()) presence->set_manual(key);
    }
    presence->session_up(key);
    std::erase_if(probing, [&](const auto& ep) {
        auto d = dialing_for.find(ep);
        return d == dialing_for.end() || d->second == key;
    });
    std::erase_if(dialing_for, [&](const auto& d) { return d.second == key; });
    if (dialed_announcement) {
        verify_announcement(key, std::nullopt);  // the address is added above
    } else if (auto at = announced_from(fingerprint_of(key), info.remote.address())) {
        verify_announcement(key, at);
    }
    if (auto namesake = verified_namesake(key, info.hello.nick);
        namesake && (!before || before->trust != Trust::verified)) {
        notice(Notice::Level::alert,
               "\"" + info.hello.nick + "\" with fingerprint " + crypto::format_digits(fingerprint_of(key)) +
                   " is NOT your verified contact of that name (" +
                   crypto::format_digits(fingerprint_of(namesake->key)) +
                   "). It may be an impostor or a new key; nothing is sent to it until you verify it.");
    }
    if (!before) forget_surplus_strangers();
    store->set_contact_files(key, info.hello.lists("files"));
    if (info.hello.sign_key && info.hello.lists("rooms"))
        store->set_sign_key(key, *info.hello.sign_key);
    transport->send(key, status_message());
    if (auto tell = gone_to_tell.extract(key))
        for (auto& gone : tell.mapped()) transport->send(key, transport::Gone{gone});
    conversation->session_up(info);  // before peer_changed: receipts owed go out first
    peer_changed(key);
    flush_outbox(key);
    rooms->on_session_up(key);
    addresses_session_up(info);
    nearby_session_up(info);
    if (!info.we_dialed && info.hello.port) files->dial_back[key] = {info.remote.address(), info.hello.port};
    if (files->busy(key)) files->reach(key);
    refresh_sessions();
}

void Node::Impl::forget_surplus_strangers() {
    for (auto& k : store->surplus_strangers(options.max_strangers)) {
        if (presence->online(k)) continue;
        store->forget_stranger(k);
        live.erase(k);
        fingerprints.erase(k);
    }
}

void Node::Impl::on_session_down(const PeerKey& key, std::string_view reason, transport::CloseKind kind) {
    backlogged.erase(key);
    resends.forget(key);
    nearby.session_down(key);
    conversation->session_down(key);
    SessionEnd end = SessionEnd::lost;
    if (kind == transport::CloseKind::local_close || kind == transport::CloseKind::refused ||
        kind == transport::CloseKind::duplicate)
        end = SessionEnd::quiet;
    else if (kind == transport::CloseKind::remote_close)
        // "idle" and "duplicate session" (the two sides briefly disagreed on
        // which of two sessions to keep) say nothing about the peer leaving.
        end = reason == transport::wire::kReasonIdle || reason == transport::wire::kReasonDuplicate
                  ? SessionEnd::quiet
                  : SessionEnd::goodbye;
    if (presence->session_down(key, end)) tell_ring_gone(key);
    wake_maintenance();
    if (!presence->online(key) && store->contact(key))
        store->touch_contact(key, store->contact(key)->nick, now_ms());
    peer_changed(key);
    refresh_sessions();
}

std::optional<asio::ip::tcp::endpoint> Node::Impl::announced_from(const std::string& fp, const asio::ip::address& address) const {
    for (auto& [id, t] : targets)
        if (t.expected_fingerprint == fp && t.endpoint.address() == address) return t.endpoint;
    return std::nullopt;
}

void Node::Impl::verify_announcement(const PeerKey& key, std::optional<asio::ip::tcp::endpoint> at) {
    const std::string& fp = fingerprint_of(key);
    verified_fingerprints[fp] = key;
    const bool was_online = presence->online(key);
    presence->set_announced(key, sighted.count(fp) > 0);
    if (at) {
        live[key].add_address(*at);
        // An authenticated place of its record: an IPv4 one is worth keeping
        // when the session itself runs over link-local IPv6.
        remember(key, *at, AddressSource::dialed);
    }
    if (!was_online && presence->online(key)) rooms->on_online(key);
}

void Node::Impl::refresh_sessions() {
    if (stopped) return;
    for (auto& s : transport->sessions()) transport->set_liveness(s.peer, presence->liveness(s.peer));
    if (auto succ = presence->successor()) dial_on_need(*succ);
}

bool Node::Impl::dial_on_need(const PeerKey& key) {
    if (stopped || transport->has_session(key)) return true;
    Live& l = live[key];
    if (l.dials > 0) return true;
    if (l.addresses.empty()) return false;
    dial_at(key, std::vector<asio::ip::tcp::endpoint>(l.addresses.begin(), l.addresses.end()));
    l.next_dial = std::chrono::steady_clock::now() + l.backoff;
    l.backoff = std::min<std::chrono::seconds>(l.backoff * 2, kRedialMax);
    return true;
}

void Node::Impl::dial_at(const PeerKey& key, std::span<const asio::ip::tcp::endpoint> endpoints) {
    Live& l = live[key];
    for (auto& ep : endpoints) {
        dialing_for[ep] = key;
        ++l.dials;
        transport->dial(ep, key, transport::Lane::chat, handshake_for(key));
    }
}

bool Node::Impl::remember(const PeerKey& key, const asio::ip::tcp::endpoint& ep, AddressSource source) {
    if (!worth_remembering(ep) || (private_mode && store->is_stranger(key))) return false;
    const std::string text = endpoint_text(ep);
    if (store->remember_address(key, text, source, now_ms()) != StoreError::ok) return false;
    auto kept = store->addresses(key);
    return std::any_of(kept.begin(), kept.end(), [&](const KnownAddress& a) { return a.address == text; });
}

void Node::Impl::learn_addresses(const PeerKey& key, std::span<const asio::ip::tcp::endpoint> endpoints,
                                 AddressSource source) {
    bool learned = false;
    for (auto& ep : endpoints.first(std::min(endpoints.size(), kMaxAddressesPerKey)))
        learned = remember(key, ep, source) || learned;
    if (!learned) return;
    remembered.reset(key);
    wake_maintenance();
}

bool Node::Impl::keeps_without_mdns(const PeerKey& key) const {
    auto c = store->contact(key);
    return c && c->trust != Trust::blocked && !store->is_stranger(key);
}

std::chrono::steady_clock::time_point Node::Impl::probe_remembered(std::chrono::steady_clock::time_point now) {
    // Shown peers are passed over, so ask for enough candidates to still find
    // kMaxPeers others.
    auto hidden = [&](const PeerKey& k) {
        return presence->online(k) || presence->announced(k) || transport->has_session(k);
    };
    const auto shown = std::count_if(live.begin(), live.end(), [&](const auto& l) { return hidden(l.first); });
    const auto candidates = store->remembered_contacts(RememberedAddresses::kMaxPeers + static_cast<std::size_t>(shown));
    for (const PeerKey& key : remembered.due(candidates, hidden, now)) {
        if (live[key].dials > 0) continue;
        std::vector<asio::ip::tcp::endpoint> at;
        for (auto& a : store->addresses(key))
            if (auto ep = parse_address_text(a.address); ep && worth_remembering(*ep)) at.push_back(*ep);
        probing.insert(at.begin(), at.end());
        dial_at(key, at);
    }
    return remembered.next_due();
}

std::vector<std::string> Node::Impl::found_by(const PeerKey& key) const {
    std::set<std::string> how;
    auto l = live.find(key);
    if (l != live.end()) how = l->second.found_by;
    const std::string& fp = fingerprint_of(key);
    auto verified = verified_fingerprints.find(fp);
    const bool announced = verified != verified_fingerprints.end() && verified->second == key;
    for (auto& [id, t] : targets) {
        const bool ours = t.expected_fingerprint.empty() ? l != live.end() && l->second.has_address(t.endpoint)
                                                          : announced && t.expected_fingerprint == fp;
        if (ours && !t.found_by.empty()) how.insert(t.found_by);
    }
    return {how.begin(), how.end()};
}

void Node::Impl::on_dial_failed(const asio::ip::tcp::endpoint& ep) {
    expected_at.erase(ep);
    probing.erase(ep);
    wake_maintenance();
    auto it = dialing_for.find(ep);
    if (it == dialing_for.end()) return;
    const PeerKey key = it->second;
    dialing_for.erase(it);
    Live& l = live[key];
    if (l.dials == 0 || --l.dials > 0 || transport->has_session(key)) return;
    // Its announcement may have moved in place (a restart on another port).
    if (discovery && presence->announced(key)) discovery->resolve_again(fingerprint_of(key));
    // Reached nowhere: a peer being checked after a Gone claim is gone.
    if (presence->check_failed(key)) {
        peer_changed(key);
        refresh_sessions();
    }
    // A key never met (a nearby's hint that led nowhere) keeps no state here:
    // a teller of made-up keys, session after session, must not grow it.
    if (!presence->online(key) && !store->contact(key)) live.erase(key);
}

void Node::Impl::pass_gone(const PeerKey& key, const PeerKey& from) {
    auto succ = presence->successor();
    if (!succ || *succ == from || *succ == key) return;
    if (transport->has_session(*succ)) {
        transport->send(*succ, transport::Gone{key});
    } else {
        gone_to_tell[*succ].insert(key);
        dial_on_need(*succ);
    }
}

void Node::Impl::handle(const PeerKey& from, const transport::Gone& g) {
    PeerKey key{};
    std::copy(g.key.begin(), g.key.end(), key.begin());
    if (!presence->claim_gone(key)) return;
    // Passed on before checking, so the news goes round at LAN speed; each
    // node believes it only when its own dials fail.
    pass_gone(key, from);
    if (!dial_on_need(key) && presence->check_failed(key)) peer_changed(key);
    refresh_sessions();
}

void Node::Impl::maintain() {
    if (stopped) return;
    auto now = std::chrono::steady_clock::now();
    bool waiting = false;  // something is still to be reached: tick again soon
    for (auto& [id, t] : targets) {
        if (t.expected_fingerprint.empty() ? connected_to(t) : !unmet(t.expected_fingerprint)) continue;
        std::optional<PeerKey> ik;
        if (!dialable(t, ik)) continue;  // a stranger's record, in private mode
        waiting = true;
        if (now >= t.next_try) dial(t);
    }
    for (auto& key : presence->needed()) {
        if (transport->has_session(key)) continue;
        waiting = true;
        auto it = live.find(key);
        if (it != live.end() && now >= it->second.next_dial) dial_on_need(key);
    }
    auto next_recheck = std::chrono::steady_clock::time_point::max();
    for (auto& key : presence->to_recheck()) {
        Live& l = live[key];
        if (l.next_recheck == std::chrono::steady_clock::time_point{}) l.next_recheck = now + l.recheck_pause;
        if (now >= l.next_recheck) {
            dial_on_need(key);
            l.recheck_pause = std::min<std::chrono::seconds>(l.recheck_pause * 2, kRecheckMax);
            l.next_recheck = now + l.recheck_pause;
        }
        next_recheck = std::min(next_recheck, l.next_recheck);
    }
    // Contacts no discovery shows, at the addresses they were reached at.
    next_recheck = std::min(next_recheck, probe_remembered(now));
    for (auto& key : resends.due(now)) {
        if (store->has_outbox(key))
            flush_outbox(key);
        else
            resends.forget(key);
    }
    if (files->keep_lanes(now)) waiting = true;
    ask_addresses(now);
    // Members that have not confirmed our room entries are asked again;
    // the tick comes back for that, and for the next recheck.
    const auto due = std::min(rooms->tick(now), next_recheck);
    const auto after = waiting || !resends.empty() ? kMaintenanceTick : kIdleMaintenanceTick;
    schedule_maintenance(due < now + after
                             ? std::max(due - now, std::chrono::steady_clock::duration(kMaintenanceTick))
                             : after);
}

void Node::Impl::schedule_maintenance(std::chrono::steady_clock::duration after) {
    maintenance_due = std::chrono::steady_clock::now() + after;
    maintenance.expires_at(maintenance_due);
    maintenance.async_wait([this](std::error_code ec) {
        if (!ec) maintain();
    });
}

void Node::Impl::wake_maintenance() {
    if (!stopped && maintenance_due > std::chrono::steady_clock::now() + kMaintenanceTick)
        schedule_maintenance(kMaintenanceTick);
}

}  // namespace hallway::core
