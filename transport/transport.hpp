#pragma once
// The node's TCP transport: a listener, dialers, and at most one authenticated
// Noise session (XX, or IK to a known key) per peer identity (static key) and lane: the chat lane, and
// the files lane beside it for file_* messages (docs/PROTOCOL.md §6.3). Everything here runs on the
// thread that runs the io_context; callbacks are invoked on that thread.
#include "crypto/noise.hpp"
#include "transport/messages.hpp"
#include "transport/session.hpp"

#include <asio.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::transport {

using PeerKey = crypto::PublicKey;

struct TransportConfig {
    std::uint16_t port = 0;  // 0: ephemeral
    Hello hello;             // what we tell peers about ourselves
    // Private mode (issue 17, docs/PROTOCOL.md §4.2): strangers learn nothing
    // about us. As responder we answer only IK (an XX msg1 is closed unanswered);
    // as initiator we use IK whenever the peer's key is known, and an XX dial
    // reveals our key (msg3) only where may_reveal_to allows.
    bool private_mode = false;
};

struct SessionInfo {
    PeerKey peer{};
    Hello hello;
    asio::ip::tcp::endpoint remote;
    bool we_dialed = false;
    Lane lane = Lane::chat;
};

// on_session_* , on_duplicate and on_message are the chat lane's; on_files_* the files lane's.
struct TransportCallbacks {
    // Authenticated peer (either lane): return false to refuse it (blocked) — it
    // is closed after the handshake without being told why.
    std::function<bool(const PeerKey&)> accept_peer;
    // The peer's session is (now) this one. Fires once per session that becomes the
    // peer's session; when a simultaneous dial replaces an announced session it fires
    // again for the winner without on_session_down in between, so the layer above
    // resends unacknowledged messages that may have been lost on the loser.
    std::function<void(const SessionInfo&)> on_session_up;
    // A handshake completed but its session was closed at once because the
    // peer has one already (§6.3): it still authenticated info.peer at info.remote.
    std::function<void(const SessionInfo&)> on_duplicate;
    // The peer's session ended (Close reason from either side, "peer timed out",
    // "connection lost"...) and how (a Close from us or the peer, or a loss).
    // Not fired for a duplicate that lost to a live session.
    std::function<void(const PeerKey&, std::string_view reason, CloseKind kind)> on_session_down;
    std::function<void(const PeerKey&, const AppMessage&)> on_message;
    // The files lane, as on_session_up / on_session_down above (a files lane
    // that loses to a live one is closed without a callback); a message is one
    // file_* map's bytes, for core/files to decode.
    std::function<void(const SessionInfo&)> on_files_up;
    std::function<void(const PeerKey&, std::string_view reason, CloseKind kind)> on_files_down;
    std::function<void(const PeerKey&, std::span<const std::uint8_t> bytes)> on_files_message;
    // A dial with an expected key met another key (spoofed TXT record).
    std::function<void(const PeerKey& expected, const PeerKey& actual, const asio::ip::tcp::endpoint&)> on_spoof;
    // Private mode, an XX dial without an expected key: the responder authenticated
    // as this key; may we reveal ours to it (send msg3)? Absent: no. A refusal
    // closes the connection without msg3 and reports on_dial_failed.
    std::function<bool(const PeerKey& responder)> may_reveal_to;
    // A dial failed before any session existed (refused, timeout, handshake failure,
    // our key withheld in private mode: the reason says which).
    std::function<void(const asio::ip::tcp::endpoint&, std::string_view reason)> on_dial_failed;
    std::function<void(std::string_view line)> on_log;
};

enum class SendResult {
    sent,          // queued on the peer's session
    no_session,    // no session with the peer
    closing,       // the session is ending
    backpressure,  // wire::kMaxWriteQueue bytes already queued: try again after a later ack
    too_large,     // encoded over wire::kMaxMessage: it can never be sent
};

class Transport {
public:
    Transport(asio::io_context& io, const crypto::KeyPair& identity, TransportConfig config,
              TransportCallbacks callbacks);
    ~Transport();
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    // Binds IPv6 dual-stack (falls back to IPv4) on config.port; returns the bound port.
    // Throws std::system_error when the port cannot be bound (asio::error::address_in_use
    // when something else listens there).
    std::uint16_t listen();
    // The same on the given port (0: any free one) instead of config.port.
    std::uint16_t listen(std::uint16_t port);

    // Connects (with a timeout) and runs the handshake as initiator, asking for
    // lane. When expected is set and the authenticated key differs, the session
    // is refused and on_spoof fires. A dial to a peer that already has a session
    // on that lane is a no-op. The files lane is dialed with the expected key,
    // and only to a peer whose Hello lists "files": one without lanes would
    // take it for a second chat session (docs/PROTOCOL.md §6.3).
    // handshake: Handshake::ik needs expected (else on_dial_failed at once, no
    // connection); in private mode any dial with expected runs IK.
    void dial(const asio::ip::tcp::endpoint& endpoint, std::optional<PeerKey> expected = std::nullopt,
              Lane lane = Lane::chat, Handshake handshake = Handshake::xx);

    // TransportConfig::private_mode from now on: connections accepted or dialed
    // later follow it; handshakes already under way keep their rules.
    void set_private_mode(bool on);

    // Queues a message on the peer's session, or says why not.
    SendResult send(const PeerKey& peer, const AppMessage& message);

    // How the peer's session watches it (Session::set_liveness); new sessions
    // start fast and never idle until told otherwise. No-op without a session.
    void set_liveness(const PeerKey& peer, Liveness liveness);

    bool has_session(const PeerKey& peer) const;
    // The chat lane's sessions.
    std::vector<SessionInfo> sessions() const;

    // Orderly close (a Close message with the reason, then FIN).
    void close(const PeerKey& peer, std::string_view reason);
    // The files lane, as send / set_liveness / has_session / close: encoded is one
    // file_* map (core/files), copied straight into the session's frames.
    SendResult send_file(const PeerKey& peer, std::span<const std::uint8_t> encoded);
    void set_files_liveness(const PeerKey& peer, Liveness liveness);
    bool has_files_session(const PeerKey& peer) const;
    void close_files(const PeerKey& peer, std::string_view reason);

    // Orderly close of every session (both lanes) and the listener; the io_context can then run out.
    void shutdown(std::string_view reason);

    // New hello for sessions opened from now on (nick change).
    void set_hello(Hello hello);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hallway::transport
