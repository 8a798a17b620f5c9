#pragma once
// Contacts no discovery shows are dialed at the addresses they were reached at
// before (core/store.hpp "Remembered addresses"): a laptop that moved to
// another subnet, a network without mDNS. Sans-I/O: the node gives the
// candidates (Store::remembered_contacts) and what hides them (online, or
// shown by mDNS); the planner says whom to dial now and when to come back.
#include "core/store.hpp"

#include <asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hallway::core {

// "host:port" as the user sees it and the wire carries it ("[v6]:port"; a
// v4-mapped address as v4).
std::string endpoint_text(const asio::ip::tcp::endpoint& ep);

// "a.b.c.d:port" or "[v6]:port" (endpoint_text's form) back to
// an endpoint; nullopt for anything else (a scope id, port 0, a name, junk):
// the text comes from a file or from a peer.
std::optional<asio::ip::tcp::endpoint> parse_address_text(std::string_view text);

// Whether an address is worth keeping across runs: not a link-local IPv6 one
// (its scope id, the interface, changes from run to run), nor unspecified, nor port 0.
bool worth_remembering(const asio::ip::tcp::endpoint& ep);

class RememberedAddresses {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t kMaxPeers = 32;
    static constexpr std::chrono::seconds kPauseMin{5};
    static constexpr std::chrono::seconds kPauseMax{300};

    // candidates: most recently seen first. hidden(key): online or shown by
    // mDNS, so not probed. Of the first kMaxPeers candidates not hidden,
    // returns those due now; each one's pause then doubles (kPauseMin ..
    // kPauseMax). A candidate first met is due at once.
    std::vector<PeerKey> due(std::span<const PeerKey> candidates, const std::function<bool(const PeerKey&)>& hidden,
                             Clock::time_point now);
    // When the next probe of the peers due() last considered falls due
    // (time_point::max() when none).
    Clock::time_point next_due() const { return next_due_; }
    // The peer was reached, or new addresses of it were learned: its pause
    // starts again from nothing (due at once when it is next a candidate).
    void reset(const PeerKey& key);

private:
    struct Probe {
        Clock::time_point next{};
        std::chrono::seconds pause = kPauseMin;
    };
    std::map<PeerKey, Probe> probes_;  // at most kMaxPeers: the peers due() last considered
    Clock::time_point next_due_ = Clock::time_point::max();
};

}  // namespace hallway::core
