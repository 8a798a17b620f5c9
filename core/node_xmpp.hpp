#pragma once
// Private to core/node*.cpp: the link-local XMPP bridge on the node
// (XEP-0174, Pidgin's "Bonjour"; docs/PROTOCOL.md §15, docs/XMPP-BRIDGE-DESIGN.md §4.3,
// §4.4). core/link_local_buddies decides who is who; xmpp::LinkLocal moves
// the bytes; this wires them to discovery, the store (messages and outbox
// under each buddy's synthetic key), the retry timer and the front ends.
#include "core/link_local_buddies.hpp"
#include "core/node_impl.hpp"
#include "xmpp/link_local.hpp"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace hallway::core {

// A message that was not written is tried again after this, doubling up to
// the maximum, while its buddy is here (docs/XMPP-BRIDGE-DESIGN.md §4.3: libpurple closes
// a stream it cannot match to a record yet, so the first tries may fail).
inline constexpr auto kLinkLocalRetryMin = std::chrono::seconds(1);
inline constexpr auto kLinkLocalRetryMax = std::chrono::seconds(30);

struct Node::Impl::XmppBridge {
    explicit XmppBridge(Node::Impl& node);
    ~XmppBridge();

    Node::Impl& node;
    LinkLocalBuddies roster;
    // Buddies we exchanged a message with (the store's link_local_buddies).
    std::map<PeerKey, LinkLocalBuddyRow> stored;
    std::unique_ptr<xmpp::LinkLocal> io;       // running
    std::unique_ptr<xmpp::LinkLocal> retired;  // stopped, closing its streams
    bool started = false;  // Node::start ran (and Node::stop did not)
    std::uint16_t port = 0;
    std::string our_name;
    bool published = false;  // our_name is what discovery registered (not a guess)
    std::optional<discovery::LinkLocalAnnouncement> announced;
    std::map<PeerKey, std::uint32_t> unread;
    // Streams open now per instance (both directions; libpurple keeps one):
    // a message given to io for such an instance is written at once.
    std::map<std::string, std::size_t> open;
    // Messages given to io and not yet known written or refused.
    std::set<std::pair<PeerKey, MessageId>> handed;
    struct Retry {
        std::chrono::steady_clock::time_point due{};
        std::chrono::seconds backoff = kLinkLocalRetryMin;
        bool armed = false;
    };
    std::map<PeerKey, Retry> retries;
    asio::steady_timer retry_timer;

    bool knows(const PeerKey& key) const { return stored.count(key) || roster.find(key); }
    bool running() const { return io != nullptr; }
    // (--bonjour, else the setting) and not private.
    bool wanted() const;
    // Starts or stops the bridge as wanted() says (after Node::start).
    void apply();
    void start();
    void stop();
    // Our nick, presence or status message changed: the TXT (and maybe the name) follows.
    void announce();

    PeerView view(const PeerKey& key) const;
    // view(key) as it was, now offline: for a buddy the roster forgets (lost
    // from mDNS, or the bridge stopped), so front ends still know its name.
    PeerView gone_view(const PeerKey& key) const;
    std::vector<PeerView> views() const;
    std::vector<PeerKey> named(std::string_view name) const;

    std::optional<MessageId> send_text(const PeerKey& key, std::string body, std::string& error);
    void mark_read(const PeerKey& key);
    // Gives every queued message of key to io, when its buddy is here.
    void flush(const PeerKey& key);
    // discovery's callbacks (Node::start passes them through).
    void on_sighting(const discovery::LinkLocalSighting& s);
    void on_lost(const std::string& instance);
    void on_published(const std::string& name);

private:
    void on_opened(const std::string& peer);
    void on_ended(const std::string& peer);
    void on_message(const std::string& peer, const xmpp::Message& m);
    void on_not_sent(const std::string& peer, const xmpp::NotSent& n);
    void on_receipt(const std::string& peer, const xmpp::ReceiptReceived& r);
    void mark(const PeerKey& key, const MessageId& id, MessageState state);
    void remember(const PeerKey& key, const std::string& instance, std::string nick);
    void schedule_retry(const PeerKey& key);
    void arm_timer();
    std::string guessed_name() const;
    discovery::LinkLocalAnnouncement announcement() const;
};

// Why a Hallway-only action is refused for a link-local XMPP buddy:
// "\"NICK\" is a link-local XMPP buddy: unencrypted and unauthenticated, so WHAT".
std::string link_local_refusal(const std::string& nick, std::string_view what);

// "hw-" + 32 lower-case hex digits: the XMPP id of our message id.
std::string link_local_message_id(const MessageId& id);
std::optional<MessageId> parse_link_local_message_id(std::string_view text);

}  // namespace hallway::core
