#pragma once
// One Hallway session as a sans-I/O state machine: raw TCP bytes in, bytes to
// write and events out. It runs the Noise_XX handshake (Hello payloads), then
// carries fragmented, encrypted application messages and keeps the session
// alive. An initiator that knows the responder's key may run Noise_IK instead
// (docs/PROTOCOL.md §4.2); a responder speaks both, telling them apart by msg1's
// length. It never touches a socket, a timer or a clock: the caller passes the
// current monotonic time to every call. Single-threaded.
#include "crypto/noise.hpp"
#include "transport/framing.hpp"
#include "transport/messages.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hallway::transport {

// Monotonic time since an arbitrary origin, injected by the caller.
using MonoTime = std::chrono::milliseconds;

// Why a session ended. The peer is never told the error kinds, only Close reasons.
enum class CloseKind {
    local_close,        // close() was called here
    remote_close,       // the peer sent Close (the reason is the peer's text)
    connection_lost,    // EOF or socket error (reported by the I/O layer)
    handshake_timeout,
    peer_timeout,       // no frame for wire::kDeadPeerTimeout
    bad_frame,          // zero length or a length not allowed for the stage
    handshake_failed,   // Noise refused a handshake message
    decrypt_failed,     // a transport message failed authentication
    protocol_error,     // bad Hello, bad fragment flag, bytes that are not a message
    message_too_large,  // reassembly beyond wire::kMaxMessage
    spoof,              // the authenticated key is not the expected one
    refused,            // the layer above refused the peer (I/O layer)
    duplicate,          // another session to the same peer was kept (I/O layer)
    withheld,           // private mode: our key was not revealed to this responder (no msg3)
};
std::string_view to_string(CloseKind k);

struct Established {
    crypto::PublicKey peer{};
    Hello hello;
    // The initiator's choice: its own Hello's lane, or the peer's (responder).
    Lane lane = Lane::chat;
    // Of the transport messages: AESGCM when both Hellos list "aesgcm".
    crypto::Cipher cipher = crypto::Cipher::chachapoly;
};
// A message of the chat lane.
struct Received {
    AppMessage message;
};
// A message of the files lane.
struct ReceivedFile {
    FileData message;
};
struct Closed {
    CloseKind kind = CloseKind::local_close;
    std::string reason;  // human-readable; for remote_close the peer's text (data only)
};
using SessionEvent = std::variant<Established, Received, ReceivedFile, Closed>;

struct SessionOutput {
    std::vector<std::uint8_t> bytes;   // write to the socket, in order
    std::vector<SessionEvent> events;  // in the order they happened
};

// How closely an established session watches its peer, chosen by the layer
// above from what the session is for (docs/PROTOCOL.md §6.2).
enum class Keepalive {
    fast,  // something is pending: Ping after 2 s of silence, dead after 6 s
    slow,  // nothing pending: Ping after 30 s of silence, dead after 90 s
};
struct Liveness {
    Keepalive keepalive = Keepalive::fast;
    // Close (reason "idle") after wire::kIdleSessionTimeout without a frame
    // from the peer or an application message from us.
    bool close_when_idle = false;
};

// The initiator's handshake pattern (docs/PROTOCOL.md §4.2). The responder
// does not choose: it answers whichever msg1 arrives.
enum class Handshake {
    xx,  // Noise_XX: learns the responder's key; reveals ours in msg3
    ik,  // Noise_IK: needs the responder's key in advance (expected_peer)
};
std::string_view to_string(Handshake h);

struct SessionConfig {
    crypto::Role role = crypto::Role::initiator;
    crypto::KeyPair identity;
    Hello hello;
    crypto::Rng rng;
    // Initiator: refuse any other key (spoof); with Handshake::ik, the key msg1 is made for.
    std::optional<crypto::PublicKey> expected_peer;
    std::optional<crypto::KeyPair> fixed_ephemeral;  // tests and the PROTOCOL.md example only
    // Below: issue 17, after the older fields so their positional initializers still hold.
    Handshake handshake = Handshake::xx;  // initiator only
    // Private mode. Responder: an XX msg1 is refused at its length (closed,
    // nothing sent). XX initiator: before msg3, which reveals our key,
    // may_reveal_to(the responder's authenticated key) must say yes (absent: no;
    // an expected_peer it matched is yes), else the session closes as withheld.
    bool private_mode = false;
    std::function<bool(const crypto::PublicKey&)> may_reveal_to = {};
};

class Session {
public:
    enum class State { handshake, established, closed };

    // now: the session's birth, for the handshake timeout.
    Session(SessionConfig config, MonoTime now);
    ~Session();
    Session(Session&&) noexcept;
    Session& operator=(Session&&) noexcept;

    // Initiator: the first handshake message. Responder: nothing. Call once.
    SessionOutput start(MonoTime now);
    // Consumes bytes from the socket. Any invalid input closes the session
    // (a Closed event); after that everything is ignored. A responder whose
    // initiator asks for a lane it does not know closes at the handshake's end
    // (Close "unknown lane", no Established). Each lane passes up only its own
    // messages (Received on the chat lane, ReceivedFile on the files lane) and
    // skips the others.
    SessionOutput receive(std::span<const std::uint8_t> bytes, MonoTime now);
    // receive() without a copy, for the I/O layer: read the socket straight into
    // receive_buffer() (never empty), then say how many bytes arrived. Frames are
    // decrypted where they lie. The buffer stays where it is until the next receive(),
    // receive_buffer() or received() (other calls may come while a read is pending).
    std::span<std::uint8_t> receive_buffer();
    SessionOutput received(std::size_t n, MonoTime now);
    // Encrypts one message (fragmented as needed). Empty output when not established.
    // Oversized messages (> wire::kMaxMessage encoded) are not sent: empty output.
    SessionOutput send(const Message& message, MonoTime now);
    // The same for a message of the layer above, its frames appended to `into`
    // (a buffer to reuse) which comes back as the output's bytes: nothing appended
    // when not sent.
    SessionOutput send(const AppMessage& message, MonoTime now, std::vector<std::uint8_t> into);
    // The same for one encoded file_* map (FileData's bytes), without a copy first.
    SessionOutput send_file(std::span<const std::uint8_t> encoded, MonoTime now, std::vector<std::uint8_t> into);
    // Keepalive, dead-peer, idle and handshake timeouts.
    SessionOutput tick(MonoTime now);
    // From now on (the default is fast, never idle). Going to fast after a
    // silence longer than its interval pings at once and gives the peer a whole
    // fast dead-peer timeout from now to answer: a message about to be sent
    // learns quickly whether anyone is there.
    SessionOutput set_liveness(Liveness liveness, MonoTime now);
    // When tick() next has something to do (MonoTime::max() once closed): the
    // caller sleeps until then instead of polling.
    MonoTime next_deadline() const;
    // Orderly close: a Close message with the reason when established, then Closed.
    SessionOutput close(std::string_view reason, MonoTime now);
    // Close without telling the peer (socket errors, refusal, duplicates decided above).
    SessionOutput abort(CloseKind kind, std::string_view reason);

    State state() const;
    std::optional<crypto::PublicKey> peer() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hallway::transport
