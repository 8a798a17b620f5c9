#pragma once
// The thin Asio I/O shell of the link-local XMPP bridge (XEP-0174,
// docs/XMPP-BRIDGE-DESIGN.md §4.3): a listener, dialers, and one Conversation per TCP
// stream. All protocol decisions are Conversation's; this only moves bytes,
// keeps one timer per stream at Conversation::next_deadline(), and bounds what
// a LAN stranger can make us hold (pending streams, buffered and queued bytes).
// No mDNS here: the caller's identify hook and send() endpoints come from
// discovery. Everything runs on the thread that runs the io_context; callbacks
// are invoked on that thread, never from inside send() or discovery_changed()
// (stop() reports the streams it ends at once).
#include "xmpp/conversation.hpp"
#include "xmpp/limits.hpp"
#include "xmpp/stanzas.hpp"

#include <asio.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::xmpp {

// The port XEP-0174 peers (libpurple) listen on by default.
inline constexpr std::uint16_t kDefaultLinkLocalPort = 5298;
// Streams accepted whose peer is not identified yet: in total and per source address.
inline constexpr std::size_t kMaxPendingStreams = 64;
inline constexpr std::size_t kMaxPendingStreamsPerSource = 8;
// Streams accepted per source address: a burst, then a steady rate, with
// this many sources tracked (a full table refuses new ones). As the Hallway
// listener's handshakes (docs/PROTOCOL.md §7): far above any honest client,
// which opens one stream per buddy and reuses it.
inline constexpr std::size_t kStreamBurstPerSource = 20;
inline constexpr std::size_t kStreamsPerSecondPerSource = 5;
inline constexpr std::size_t kMaxRateTrackedSources = 4096;
// Streams with both headers out. Checked when accepting and dialing, so
// pending streams that open may pass it by at most kMaxPendingStreams.
inline constexpr std::size_t kMaxEstablishedStreams = 128;
// Dialing one endpoint.
inline constexpr std::chrono::milliseconds kConnectTimeout{3000};
// Reads are fed to the parser once this much is buffered, or a read brings a
// '>': expat 2.5.0 lacks 2.6.0's reparse deferral (CVE-2023-52425), so a big
// token trickled in tiny reads would be rescanned on every one.
inline constexpr std::size_t kReadCoalesceBytes = 16384;

// Who dialed us: the header's from/to (absent or verbatim) and the source
// address (unmapped from ::ffff:a.b.c.d), for the §4.3 check against sightings.
using IdentifyLinkLocalPeer = std::function<Identification(
    const std::optional<std::string>& from, const std::optional<std::string>& to, const asio::ip::address& source)>;

struct LinkLocalConfig {
    std::string our_name;                    // user@host, as registered in DNS-SD
    std::uint16_t port = kDefaultLinkLocalPort;  // 0: any free port
    IdentifyLinkLocalPeer identify;
    // Tests only: wait this long (less than kAcceptHeaderTimeout) for an
    // accepted stream's header, so a unit test need not wait 10 s.
    std::chrono::milliseconds accept_header_timeout = kAcceptHeaderTimeout;
};

// Every callback names the peer by instance name (user@host), as identified
// (accepted streams) or dialed.
struct LinkLocalCallbacks {
    std::function<void(const std::string& peer)> on_opened;
    std::function<void(const std::string& peer, const Message&)> on_message;
    std::function<void(const std::string& peer, const Typing&)> on_typing;
    std::function<void(const std::string& peer, const ReceiptReceived&)> on_receipt;
    // A message given to send() that will not be written: the caller keeps it
    // in its outbox and retries later (after Ended{closed_before_header}: with
    // backoff, the peer has not resolved us yet).
    std::function<void(const std::string& peer, const NotSent&)> on_not_sent;
    // A stream with a named peer ended (a stream refused before
    // identification goes to on_log only).
    std::function<void(const std::string& peer, const Ended&)> on_ended;
    std::function<void(std::string_view line)> on_log;  // may hold peer text: data, not a format
};

class LinkLocal {
public:
    LinkLocal(asio::io_context& io, LinkLocalConfig config, LinkLocalCallbacks callbacks);
    ~LinkLocal();
    LinkLocal(const LinkLocal&) = delete;
    LinkLocal& operator=(const LinkLocal&) = delete;

    // Binds IPv6 dual-stack (IPv4 only on a host without IPv6) on config.port;
    // when that port is taken, on any free port (logged). Returns the bound
    // port, to announce. Throws std::system_error if nothing can be bound.
    std::uint16_t listen();

    // Queues a message to their_name: on an open stream to it in either
    // direction, else on a new dial to endpoints in order (3 s each).
    // Failures come back as on_not_sent (and on_ended for the dial).
    void send(const std::string& their_name, const std::vector<asio::ip::tcp::endpoint>& endpoints,
              OutgoingMessage message);

    // Our registered name changed (Avahi renamed our service, or our nick and
    // so its user part did): the `from` of streams we dial from now on.
    void set_our_name(std::string our_name);

    // Discovery learned something: streams whose header named a peer it did
    // not know yet ask the identify hook again (else they do at kIdentifyWait).
    void discovery_changed();

    // </stream:stream> on every stream, then each closes when the peer answers
    // or after kLingerTimeout; the listener closes. The io_context can then run out.
    void stop();

    // Streams in the table, any state (tests, doctor).
    std::size_t stream_count() const;
    // Streams accepted and dialed since construction (tests: was a stream reused?).
    std::size_t accepted_count() const;
    std::size_t dialed_count() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hallway::xmpp
