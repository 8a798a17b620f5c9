#pragma once
// Sharing addresses (docs/PROTOCOL.md §13), sans-I/O: whom to ask `where`,
// what to ask, what to answer, and which `here` to believe. The node feeds it
// facts and the clock and does the sending; nothing here touches a socket or
// the store.
#include "core/profile.hpp"
#include "core/store.hpp"
#include "crypto/keyed_tag.hpp"
#include "crypto/rng.hpp"
#include "transport/messages.hpp"

#include <asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::core {

// The Hello capability: "I ask and answer where, and my addresses may be
// shared with my contacts' contacts".
inline constexpr std::string_view kAddressesCapability = "addresses";
inline constexpr std::string_view kWhereTagContext = "hallway where v1";

// What the setting weighs of a peer: nullopt for a key we do not know.
struct Standing {
    Trust trust = Trust::unverified;
    bool stranger = true;  // unverified and no message either way
};
// verified: a verified contact; contacts: any contact that is neither blocked
// nor a stranger; off: nobody.
bool allows(ShareAddresses setting, const std::optional<Standing>& peer);

// The tag a where carries for key with salt.
transport::WhereTag where_tag(const PeerKey& key, const transport::WhereSalt& salt);

// A contact we might ask about: the node lists them all, we pick.
struct WantedCandidate {
    PeerKey key{};
    Standing standing;
    bool online = false;
    std::int64_t last_seen_ms = 0;
};
// Contacts to ask about: not online, not blocked, not strangers, most recently
// seen first, at most wire::kMaxWhereKeys.
std::vector<PeerKey> wanted_keys(std::vector<WantedCandidate> candidates);

// A contact we might answer about.
struct Subject {
    PeerKey key{};
    bool blocked = false;
    bool shares_addresses = false;  // its last Hello offered "addresses"
};

class AddressSharing {
public:
    using Clock = std::chrono::steady_clock;
    // One where per peer per five minutes: a contact that stays away costs its
    // askers a few messages an hour.
    static constexpr auto kAskInterval = std::chrono::minutes(5);
    // Peers asked in one round: a few answer as well as all would.
    static constexpr std::size_t kAskPeersPerRound = 3;
    // A peer's where is answered at most once per 10 s; more are dropped (each
    // costs us one keyed hash per contact).
    static constexpr auto kAnswerInterval = std::chrono::seconds(10);

    explicit AddressSharing(crypto::Rng rng) : rng_(std::move(rng)) {}

    // Of askable (online peers the setting allows that offer "addresses"), those
    // to ask now: none while nothing is wanted, else at most kAskPeersPerRound
    // not asked within kAskInterval.
    std::vector<PeerKey> to_ask(std::span<const PeerKey> askable, bool anything_wanted, Clock::time_point now);
    // The where to send peer about wanted (peer itself left out): a fresh salt,
    // remembered with the keys until its here comes or the next ask.
    transport::Where ask(const PeerKey& peer, std::span<const PeerKey> wanted, Clock::time_point now);

    // The here for asker's where, or nullopt: nothing at all is sent (the
    // setting does not allow the asker, or it asked within kAnswerInterval).
    // Only non-blocked subjects that offer "addresses" and have addresses.
    std::optional<transport::Here> answer(const PeerKey& asker, bool asker_allowed, const transport::Where& where,
                                          std::span<const Subject> subjects,
                                          const std::function<std::vector<std::string>(const PeerKey&)>& addresses_of,
                                          Clock::time_point now);

    struct Learned {
        PeerKey key{};
        std::vector<asio::ip::tcp::endpoint> endpoints;  // at most wire::kMaxSharedAddresses
    };
    // What from's here teaches: nothing unless it answers the where we last
    // sent from (its salt); only keys we asked, each once; malformed addresses
    // dropped. The where is then spent: a second here is ignored.
    std::vector<Learned> accept(const PeerKey& from, const transport::Here& here);

private:
    struct Asked {
        transport::WhereSalt salt{};
        std::vector<PeerKey> keys;
        Clock::time_point at{};
        bool answered = false;
    };
    crypto::Rng rng_;
    std::map<PeerKey, Asked> asked_;                     // peers asked within kAskInterval
    std::map<PeerKey, Clock::time_point> answered_at_;  // askers answered within kAnswerInterval
};

}  // namespace hallway::core
