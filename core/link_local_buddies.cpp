#include "core/link_local_buddies.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>

namespace hallway::core {

namespace {

constexpr std::string_view kKeyLabel = "Hallway xmpp-link-local v1";

asio::ip::address unmapped(const asio::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    return a;
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

}  // namespace

PeerKey link_local_key(std::string_view instance) {
    std::string input(kKeyLabel);
    input.push_back('\0');
    input.append(instance);
    PeerKey key{};
    crypto_generichash(key.data(), key.size(), reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                       nullptr, 0);
    return key;
}

std::string_view presence_word(xmpp::Presence presence) {
    switch (presence) {
    case xmpp::Presence::available: return "available";
    case xmpp::Presence::away: return "away";
    case xmpp::Presence::busy: return "busy";
    }
    return "available";
}

xmpp::Presence presence_from_word(std::string_view word) {
    if (word == "away") return xmpp::Presence::away;
    if (word == "busy") return xmpp::Presence::busy;
    return xmpp::Presence::available;
}

std::optional<ManualLinkLocalPeer> parse_manual_link_local_peer(std::string_view text) {
    const auto eq = text.rfind('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string instance(text.substr(0, eq));
    std::string_view where = text.substr(eq + 1);
    if (!xmpp::split_instance(instance)) return std::nullopt;
    const auto colon = where.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    std::string host(where.substr(0, colon));
    std::string_view port_text = where.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](unsigned char c) { return std::isdigit(c); }))
        return std::nullopt;
    const unsigned long port = std::stoul(std::string(port_text));
    if (port == 0 || port > 65535) return std::nullopt;
    asio::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) return std::nullopt;
    return ManualLinkLocalPeer{std::move(instance),
                               asio::ip::tcp::endpoint(address, static_cast<std::uint16_t>(port))};
}

bool same_host(const asio::ip::address& announced, const asio::ip::address& source) {
    const auto a = unmapped(announced);
    const auto s = unmapped(source);
    if (a.is_v4() || s.is_v4()) return a == s;
    const auto a6 = a.to_v6();
    const auto s6 = s.to_v6();
    if (a6.to_bytes() != s6.to_bytes()) return false;
    // fe80:: is ambiguous without its interface: the same address on two
    // links is two hosts. A side that lost its scope id matches any.
    if (!a6.is_link_local()) return true;
    return a6.scope_id() == 0 || s6.scope_id() == 0 || a6.scope_id() == s6.scope_id();
}

LinkLocalBuddy& LinkLocalBuddies::entry(const std::string& instance) {
    auto [it, fresh] = buddies_.try_emplace(instance);
    if (fresh) {
        it->second.instance = instance;
        it->second.key = link_local_key(instance);
        it->second.display_name = xmpp::display_name(it->second.presence, instance);
    }
    return it->second;
}

bool LinkLocalBuddies::sighted(const discovery::LinkLocalSighting& sighting) {
    LinkLocalBuddy before;
    if (auto* b = find_instance(sighting.instance)) before = *b;
    LinkLocalBuddy& b = entry(sighting.instance);
    b.sighted = true;
    b.endpoints = sighting.endpoints;
    if (auto m = manual_.find(sighting.instance); m != manual_.end() &&
                                                  std::find(b.endpoints.begin(), b.endpoints.end(), m->second) ==
                                                      b.endpoints.end())
        b.endpoints.push_back(m->second);
    b.presence = xmpp::parse_txt(sighting.txt);
    b.display_name = xmpp::display_name(b.presence, b.instance);
    return before.instance.empty() || before.sighted != b.sighted || before.presence != b.presence ||
           before.endpoints != b.endpoints;
}

bool LinkLocalBuddies::lost(const std::string& instance) {
    auto it = buddies_.find(instance);
    if (it == buddies_.end() || !it->second.sighted) return false;
    if (auto m = manual_.find(instance); m != manual_.end()) {
        it->second.sighted = false;
        it->second.endpoints = {m->second};
        return true;
    }
    buddies_.erase(it);
    return true;
}

void LinkLocalBuddies::add_manual(const ManualLinkLocalPeer& peer) {
    manual_[peer.instance] = peer.endpoint;
    LinkLocalBuddy& b = entry(peer.instance);
    b.manual = true;
    if (std::find(b.endpoints.begin(), b.endpoints.end(), peer.endpoint) == b.endpoints.end())
        b.endpoints.push_back(peer.endpoint);
}

const LinkLocalBuddy* LinkLocalBuddies::find(const PeerKey& key) const {
    for (auto& [instance, b] : buddies_)
        if (b.key == key) return &b;
    return nullptr;
}

const LinkLocalBuddy* LinkLocalBuddies::find_instance(std::string_view instance) const {
    auto it = buddies_.find(std::string(instance));
    return it == buddies_.end() ? nullptr : &it->second;
}

std::vector<const LinkLocalBuddy*> LinkLocalBuddies::named(std::string_view name) const {
    std::vector<const LinkLocalBuddy*> out;
    for (auto& [instance, b] : buddies_)
        if (instance == name || iequal(b.display_name, name)) out.push_back(&b);
    return out;
}

xmpp::Identification LinkLocalBuddies::identify(const std::optional<std::string>& from,
                                                const std::optional<std::string>& to,
                                                const asio::ip::address& source, const std::string& our_name) const {
    using Verdict = xmpp::Identification::Verdict;
    xmpp::Identification id;
    id.our_name = our_name;
    if (to && *to != our_name) {
        id.verdict = Verdict::wrong_to;
        return id;
    }
    auto from_source = [&](const LinkLocalBuddy& b) {
        return std::any_of(b.endpoints.begin(), b.endpoints.end(),
                           [&](const asio::ip::tcp::endpoint& ep) { return same_host(ep.address(), source); });
    };
    if (from) {
        auto* b = find_instance(*from);
        if (b && from_source(*b)) {
            id.verdict = Verdict::accept;
            id.their_name = b->instance;
            return id;
        }
        id.verdict = Verdict::wait;
        return id;
    }
    const LinkLocalBuddy* match = nullptr;
    std::size_t matches = 0;
    for (auto& [instance, b] : buddies_)
        if (from_source(b)) {
            match = &b;
            ++matches;
        }
    if (matches == 1) {
        id.verdict = Verdict::accept;
        id.their_name = match->instance;
        return id;
    }
    // Two buddies on one host cannot be told apart without `from`: refused
    // rather than guessed. None yet: discovery may catch up.
    id.verdict = matches == 0 ? Verdict::wait : Verdict::unknown_peer;
    return id;
}

}  // namespace hallway::core
