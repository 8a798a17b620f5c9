#include "core/remembered_addresses.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace hallway::core {

std::string endpoint_text(const asio::ip::tcp::endpoint& ep) {
    if (ep.address().is_v6() && !ep.address().to_v6().is_v4_mapped())
        return "[" + ep.address().to_string() + "]:" + std::to_string(ep.port());
    auto a = ep.address().is_v6() ? asio::ip::address(asio::ip::make_address_v4(asio::ip::v4_mapped, ep.address().to_v6()))
                                  : ep.address();
    return a.to_string() + ":" + std::to_string(ep.port());
}

std::optional<asio::ip::tcp::endpoint> parse_address_text(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.size() > transport::wire::kMaxAddressText) return std::nullopt;
    std::string_view host = text.substr(0, colon);
    const std::string_view port_text = text.substr(colon + 1);
    const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
    if (bracketed) host = host.substr(1, host.size() - 2);
    // Digits only, as endpoint_text writes them: from_chars alone would take
    // "+1", a leading zero or trailing junk as fine.
    unsigned port = 0;
    if (port_text.empty() || port_text.size() > 5 || port_text.front() == '0' ||
        !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port == 0 || port > 65535 || host.find('%') != std::string_view::npos) return std::nullopt;
    std::error_code ec;
    const auto address = asio::ip::make_address(std::string(host), ec);
    // A v6 address is written in brackets, a v4 one never is.
    if (ec || address.is_v6() != bracketed) return std::nullopt;
    return asio::ip::tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

bool worth_remembering(const asio::ip::tcp::endpoint& ep) {
    const auto& a = ep.address();
    if (ep.port() == 0 || a.is_unspecified() || a.is_multicast()) return false;
    return !(a.is_v6() && a.to_v6().is_link_local());
}

std::vector<PeerKey> RememberedAddresses::due(std::span<const PeerKey> candidates,
                                              const std::function<bool(const PeerKey&)>& hidden,
                                              Clock::time_point now) {
    std::map<PeerKey, Probe> kept;
    std::vector<PeerKey> out;
    next_due_ = Clock::time_point::max();
    for (const PeerKey& key : candidates) {
        if (kept.size() == kMaxPeers) break;
        if (hidden(key) || kept.count(key)) continue;
        auto it = probes_.find(key);
        Probe p = it == probes_.end() ? Probe{} : it->second;
        if (now >= p.next) {
            out.push_back(key);
            p.next = now + p.pause;
            p.pause = std::min<std::chrono::seconds>(p.pause * 2, kPauseMax);
        }
        next_due_ = std::min(next_due_, p.next);
        kept.emplace(key, p);
    }
    // A peer online (or shown) now starts afresh when it is next unreachable.
    probes_ = std::move(kept);
    return out;
}

void RememberedAddresses::reset(const PeerKey& key) { probes_.erase(key); }

}  // namespace hallway::core
