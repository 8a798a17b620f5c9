// Sharing addresses (docs/PROTOCOL.md §13): the node's side of
// core/address_sharing, which decides; here it is fed the store and the
// sessions, and what it decides is sent or learned.
#include "core/address_sharing.hpp"
#include "core/node_impl.hpp"

namespace hallway::core {

ShareAddresses Node::Impl::share_setting() const {
    return share_addresses_from(settings.share_addresses).value_or(ShareAddresses::verified);
}

Standing Node::Impl::standing(const Contact& c) const {
    return Standing{c.trust, store->is_stranger(c.key)};
}

std::optional<Standing> Node::Impl::standing(const PeerKey& key) const {
    const auto c = store->contact(key);
    if (!c) return std::nullopt;
    return standing(*c);
}

void Node::Impl::ask_addresses(std::chrono::steady_clock::time_point now) {
    if (!shares_addresses()) return;
    const auto contacts = store->contacts();
    std::vector<PeerKey> askable;
    for (const Contact& c : contacts)
        if (c.shares_addresses && online(c.key) && allows(share_setting(), standing(c))) askable.push_back(c.key);
    // Cheap checks first: the wanted list costs a query per unverified contact.
    if (askable.empty() || sharing.to_ask(askable, true, now).empty()) return;
    std::vector<WantedCandidate> candidates;
    for (const Contact& c : contacts)
        if (c.trust != Trust::blocked && !online(c.key))
            candidates.push_back({c.key, standing(c), false, c.last_seen_ms});
    const auto wanted = wanted_keys(std::move(candidates));
    for (const PeerKey& peer : sharing.to_ask(askable, !wanted.empty(), now)) {
        auto where = sharing.ask(peer, wanted, now);
        if (where.tags.empty()) continue;
        if (!send(peer, where)) {  // sent when the session comes up
            wheres_waiting[peer] = std::move(where);
            dial_on_need(peer);
        }
    }
}

void Node::Impl::addresses_session_up(const transport::SessionInfo& info) {
    const PeerKey& key = info.peer;
    if (auto told = shared_by.find(key); told != shared_by.end() && info.we_dialed) {
        const auto& at = told->second.endpoints;
        if (std::find(at.begin(), at.end(), info.remote) != at.end()) live[key].found("shared by " + told->second.nick);
        shared_by.erase(told);
    }
    store->set_contact_shares_addresses(key, info.hello.lists(kAddressesCapability));
    if (auto waiting = wheres_waiting.extract(key)) send(key, waiting.mapped());
    ask_addresses(std::chrono::steady_clock::now());
}

void Node::Impl::handle(const PeerKey& from, const transport::Where& w) {
    if (!shares_addresses()) return;
    const bool allowed = allows(share_setting(), standing(from));
    std::vector<Subject> subjects;
    if (allowed)
        for (const Contact& c : store->contacts())
            subjects.push_back({c.key, c.trust == Trust::blocked, c.shares_addresses});
    const auto addresses_of = [this](const PeerKey& key) {
        std::vector<std::string> out;
        for (auto& a : store->addresses(key)) out.push_back(std::move(a.address));
        return out;
    };
    if (auto here = sharing.answer(from, allowed, w, subjects, addresses_of, std::chrono::steady_clock::now()))
        send(from, *here);
}

void Node::Impl::handle(const PeerKey& from, const transport::Here& h) {
    if (!shares_addresses() || !allows(share_setting(), standing(from))) return;
    const auto teller = store->contact(from);
    for (auto& learned : sharing.accept(from, h)) {
        learn_addresses(learned.key, learned.endpoints, AddressSource::shared);
        // Bounded: one entry per key asked, forgotten when it is reached.
        if (shared_by.size() < kMaxSharedBy || shared_by.contains(learned.key))
            shared_by[learned.key] = {teller->nick, std::move(learned.endpoints)};
    }
}

}  // namespace hallway::core
