#include "transport/session.hpp"

#include "transport/wire.hpp"

#include <algorithm>

namespace hallway::transport {

std::string_view to_string(CloseKind k) {
    switch (k) {
        case CloseKind::local_close: return "closed locally";
        case CloseKind::remote_close: return "closed by peer";
        case CloseKind::connection_lost: return "connection lost";
        case CloseKind::handshake_timeout: return "handshake timed out";
        case CloseKind::peer_timeout: return "peer timed out";
        case CloseKind::bad_frame: return "bad frame";
        case CloseKind::handshake_failed: return "handshake failed";
        case CloseKind::decrypt_failed: return "message authentication failed";
        case CloseKind::protocol_error: return "protocol error";
        case CloseKind::message_too_large: return "message too large";
        case CloseKind::spoof: return "peer key is not the expected one";
        case CloseKind::refused: return "peer refused";
        case CloseKind::duplicate: return "duplicate session";
        case CloseKind::withheld: return "private mode: our key withheld from an unknown peer";
    }
    return "unknown close kind";
}

std::string_view to_string(Handshake h) {
    return h == Handshake::ik ? wire::kProtocolNameIk : wire::kProtocolName;
}

namespace {

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

template <class T, class Variant>
struct is_alternative;
template <class T, class... Ts>
struct is_alternative<T, std::variant<Ts...>> : std::bool_constant<(std::is_same_v<T, Ts> || ...)> {};

template <class T>
constexpr bool kIsApp = is_alternative<std::decay_t<T>, AppMessage>::value;

// What counts as the layer above's traffic for the idle timeout.
bool is_app_message(const Message& m) {
    return std::holds_alternative<FileData>(m) || std::visit([](const auto& x) { return kIsApp<decltype(x)>; }, m);
}

// Moves m out when the layer above handles its type (AppMessage); else leaves it.
std::optional<AppMessage> take_app_message(Message& m) {
    return std::visit(
        [](auto& x) -> std::optional<AppMessage> {
            if constexpr (kIsApp<decltype(x)>) return std::move(x);
            else return std::nullopt;
        },
        m);
}

}  // namespace

struct Session::Impl {
    SessionConfig config;
    State state = State::handshake;
    std::unique_ptr<crypto::HandshakeState> hs;
    crypto::NoiseError init_error = crypto::NoiseError::ok;
    // The initiator's choice; the responder's is made by msg1's length.
    Handshake pattern = Handshake::xx;
    int handshake_reads = 0;
    crypto::CipherState send_cs;
    crypto::CipherState recv_cs;
    FrameReader reader;
    MonoTime born{};
    MonoTime last_rx{};
    MonoTime last_ping{};
    MonoTime last_app_sent{};
    // Silence is counted from here at the earliest: the moment watching became strict.
    MonoTime watched_since{};
    Liveness liveness;
    std::uint64_t pings_sent = 0;
    std::vector<std::uint8_t> reassembly;
    std::optional<crypto::PublicKey> peer;
    Lane lane = Lane::chat;
    // IK responder after msg2: keys split, but msg1 may have been a replay, so
    // Established waits for the initiator's first transport frame (§4.2).
    std::optional<Established> unconfirmed;

    bool initiator() const { return config.role == crypto::Role::initiator; }

    void create_handshake(Handshake h) {
        pattern = h;
        crypto::HandshakeConfig hc;
        hc.protocol_name = std::string(to_string(h));
        hc.role = config.role;
        hc.prologue = bytes_of(h == Handshake::ik ? wire::kPrologueIk : wire::kPrologue);
        hc.s = config.identity;
        hc.e = config.fixed_ephemeral;
        // IK: the initiator makes msg1 for the key it expects (absent: create fails, missing_key).
        if (h == Handshake::ik && initiator()) hc.rs = config.expected_peer;
        hc.rng = config.rng;
        hs = crypto::HandshakeState::create(std::move(hc), init_error);
    }

    // A private XX initiator reveals its key (msg3) only to a responder it was
    // sent to (expected) or that the layer above approves.
    bool may_reveal(const crypto::PublicKey& responder) const {
        if (!config.private_mode || config.expected_peer) return true;  // an expected one matched already
        return config.may_reveal_to && config.may_reveal_to(responder);
    }

    void fail(SessionOutput& out, CloseKind kind, std::string_view reason) {
        state = State::closed;
        hs.reset();
        send_cs = crypto::CipherState{};
        recv_cs = crypto::CipherState{};
        reassembly.clear();
        unconfirmed.reset();
        out.events.push_back(Closed{kind, std::string(reason)});
    }

    // Frames one Noise message into out.bytes.
    void emit(SessionOutput& out, const std::vector<std::uint8_t>& noise_message) {
        encode_frame(noise_message, out.bytes);  // sizes are bounded by construction
    }

    void write_handshake(SessionOutput& out, std::span<const std::uint8_t> payload) {
        std::vector<std::uint8_t> msg;
        if (auto err = hs->write_message(payload, msg); err != crypto::NoiseError::ok) {
            fail(out, CloseKind::handshake_failed, crypto::to_string(err));
            return;
        }
        emit(out, msg);
    }

    // msg2 for the initiator, msg3 for the responder: Hello and the peer's key.
    bool accept_peer_hello(SessionOutput& out, std::span<const std::uint8_t> payload, Hello& hello) {
        auto decoded = decode_hello(payload);
        if (!decoded) {
            fail(out, CloseKind::protocol_error, "invalid hello");
            return false;
        }
        if (decoded->version != wire::kVersion) {
            fail(out, CloseKind::protocol_error, "incompatible protocol version");
            return false;
        }
        const auto rs = hs->remote_static();
        if (!rs) {
            fail(out, CloseKind::handshake_failed, "no remote static key");
            return false;
        }
        if (config.expected_peer && *config.expected_peer != *rs) {
            peer = *rs;  // reported to the caller as the spoofing key
            fail(out, CloseKind::spoof, to_string(CloseKind::spoof));
            return false;
        }
        hello = std::move(*decoded);
        return true;
    }

    void finish_handshake(SessionOutput& out, Hello hello, MonoTime now) {
        crypto::CipherState c1, c2;
        if (auto err = hs->split(c1, c2); err != crypto::NoiseError::ok) {
            fail(out, CloseKind::handshake_failed, crypto::to_string(err));
            return;
        }
        peer = hs->remote_static();
        hs.reset();
        send_cs = initiator() ? std::move(c1) : std::move(c2);
        recv_cs = initiator() ? std::move(c2) : std::move(c1);
        // Both Hellos are authenticated by now, so no one in between can steer this choice.
        if (config.hello.lists(wire::kAesGcmCapability) && hello.lists(wire::kAesGcmCapability) &&
            (send_cs.switch_cipher(crypto::Cipher::aesgcm) != crypto::NoiseError::ok ||
             recv_cs.switch_cipher(crypto::Cipher::aesgcm) != crypto::NoiseError::ok)) {
            fail(out, CloseKind::handshake_failed, "AES-256-GCM listed but unavailable");
            return;
        }
        reader.set_bounds(wire::kMinTransportLen, wire::kMaxFrameBody);
        const auto chosen = lane_from(initiator() ? config.hello.lane : hello.lane);
        if (!chosen) {  // a later version's lane: told, so it can fall back
            state = State::established;
            send(out, Close{std::string(wire::kReasonUnknownLane)}, now);
            if (state != State::closed) fail(out, CloseKind::local_close, wire::kReasonUnknownLane);
            return;
        }
        lane = *chosen;
        Established established{*peer, std::move(hello), lane, send_cs.cipher()};
        if (!initiator() && pattern == Handshake::ik) {  // still a handshake, under its timeout
            unconfirmed = std::move(established);
            return;
        }
        establish(out, std::move(established), now);
        // IK key confirmation: the responder counts the session only from our first frame.
        if (initiator() && pattern == Handshake::ik) ping(out, now);
    }

    void establish(SessionOutput& out, Established established, MonoTime now) {
        state = State::established;
        last_rx = now;
        last_ping = now;
        last_app_sent = now;
        watched_since = now;
        out.events.push_back(std::move(established));
    }

    void handle_handshake(SessionOutput& out, std::span<const std::uint8_t> frame, MonoTime now) {
        if (!hs && !initiator() && handshake_reads == 0) {
            // The reader let through only an XX msg1's exact length or an IK msg1's range.
            create_handshake(frame.size() == wire::kMsg1Len ? Handshake::xx : Handshake::ik);
            if (!hs) {
                fail(out, CloseKind::handshake_failed, crypto::to_string(init_error));
                return;
            }
        }
        if (hs->action() != crypto::HandshakeAction::read_message) {
            fail(out, CloseKind::protocol_error, "handshake message out of turn");
            return;
        }
        std::vector<std::uint8_t> payload;
        if (auto err = hs->read_message(frame, payload); err != crypto::NoiseError::ok) {
            fail(out, CloseKind::handshake_failed, crypto::to_string(err));
            return;
        }
        ++handshake_reads;
        if (!initiator() && pattern == Handshake::xx && handshake_reads == 1) {  // XX msg1: e, empty payload
            if (!payload.empty()) {
                fail(out, CloseKind::protocol_error, "non-empty first handshake payload");
                return;
            }
            write_handshake(out, encode_hello(config.hello));  // msg2
            reader.set_bounds(wire::kMinMsg3Len, wire::kMinMsg3Len + wire::kMaxHello);
            return;
        }
        // The peer's Hello: XX msg2 or msg3, IK msg1 or msg2.
        Hello hello;
        if (!accept_peer_hello(out, payload, hello)) return;
        if (hs->action() == crypto::HandshakeAction::write_message) {  // XX msg3, IK msg2: our Hello
            if (initiator() && !may_reveal(*hs->remote_static())) {
                peer = hs->remote_static();  // who it was withheld from, for the caller
                fail(out, CloseKind::withheld, to_string(CloseKind::withheld));
                return;
            }
            write_handshake(out, encode_hello(config.hello));
            if (state == State::closed) return;
        }
        finish_handshake(out, std::move(hello), now);
    }

    // Each lane passes up only its own kind; the other kind is skipped like an unknown type.
    void dispatch(SessionOutput& out, Message message, MonoTime now) {
        if (auto* file = std::get_if<FileData>(&message)) {
            if (lane == Lane::files) out.events.push_back(ReceivedFile{std::move(*file)});
        } else if (auto app = take_app_message(message)) {
            if (lane == Lane::chat) out.events.push_back(Received{std::move(*app)});
        } else if (const auto* ping = std::get_if<Ping>(&message)) {
            send(out, Pong{ping->nonce}, now);
        } else if (const auto* close = std::get_if<Close>(&message)) {
            fail(out, CloseKind::remote_close, close->reason);
        }
        // Pong: its arrival already refreshed last_rx.
    }

    // The frame is decrypted where it lies, in the reader's buffer.
    void handle_transport(SessionOutput& out, std::span<std::uint8_t> frame, MonoTime now) {
        if (recv_cs.decrypt_in_place({}, frame) != crypto::NoiseError::ok) {
            if (unconfirmed) fail(out, CloseKind::handshake_failed, "key confirmation failed");
            else fail(out, CloseKind::decrypt_failed, to_string(CloseKind::decrypt_failed));
            return;
        }
        if (unconfirmed) {  // the initiator holds the keys: msg1 was no replay
            establish(out, std::move(*unconfirmed), now);
            unconfirmed.reset();
        }
        const auto plain = frame.first(frame.size() - wire::kTagLen);
        const std::uint8_t flag = plain[0];  // min frame length guarantees one byte
        if (flag != wire::kFlagLast && flag != wire::kFlagMore) {
            fail(out, CloseKind::protocol_error, "bad fragment flag");
            return;
        }
        if (reassembly.size() + plain.size() - wire::kFlagLen > wire::kMaxMessage) {
            fail(out, CloseKind::message_too_large, to_string(CloseKind::message_too_large));
            return;
        }
        const std::span<const std::uint8_t> chunk = plain.subspan(wire::kFlagLen);
        if (flag == wire::kFlagMore) {
            // A file message takes the buffer it was joined in (decode_checked's
            // owner): the next one starts with room for the largest, not growing
            // and copying its way there.
            if (lane == Lane::files && reassembly.empty()) reassembly.reserve(wire::kMaxMessage);
            reassembly.insert(reassembly.end(), chunk.begin(), chunk.end());
            return;
        }
        std::optional<Message> message;
        DecodeStatus status;
        if (reassembly.empty()) {  // a message in one chunk: decoded in place
            status = decode_checked(chunk, message);
        } else {
            reassembly.insert(reassembly.end(), chunk.begin(), chunk.end());
            status = decode_checked(reassembly, message, &reassembly);
            reassembly.clear();
        }
        if (status == DecodeStatus::malformed) {
            fail(out, CloseKind::protocol_error, to_string(status));
            return;
        }
        if (message) dispatch(out, std::move(*message), now);
    }

    MonoTime keepalive_interval() const {
        return liveness.keepalive == Keepalive::fast ? wire::kKeepaliveInterval : wire::kSlowKeepaliveInterval;
    }
    MonoTime dead_peer_timeout() const {
        return liveness.keepalive == Keepalive::fast ? wire::kDeadPeerTimeout : wire::kSlowDeadPeerTimeout;
    }
    MonoTime heard() const { return std::max(last_rx, watched_since); }
    MonoTime idle_deadline() const {
        return liveness.close_when_idle ? std::max(last_rx, last_app_sent) + wire::kIdleSessionTimeout
                                        : MonoTime::max();
    }

    void ping(SessionOutput& out, MonoTime now) {
        last_ping = now;
        send(out, Ping{++pings_sent}, now);
    }

    void send(SessionOutput& out, const Message& message, MonoTime now) {
        if (state != State::established) return;
        if (is_app_message(message)) {
            send_app(out, encode(message), now);
        } else {
            send_encoded(out, encode(message));
        }
    }

    // An encoded message of the layer above: it keeps the session from idling.
    void send_app(SessionOutput& out, std::span<const std::uint8_t> encoded, MonoTime now) {
        const std::size_t before = out.bytes.size();
        send_encoded(out, encoded);
        if (out.bytes.size() > before) last_app_sent = now;
    }

    // Each chunk is copied once, behind its frame header and flag, and encrypted there.
    void send_encoded(SessionOutput& out, std::span<const std::uint8_t> encoded) {
        if (state != State::established) return;
        if (encoded.empty() || encoded.size() > wire::kMaxMessage) return;  // not sendable as is
        const std::size_t chunks = (encoded.size() + wire::kMaxChunk - 1) / wire::kMaxChunk;
        const std::size_t needed =
            out.bytes.size() + encoded.size() + chunks * (wire::kFrameHeaderLen + wire::kFlagLen + wire::kTagLen);
        // Geometric growth: out may be a buffer that many messages are appended to.
        if (needed > out.bytes.capacity()) out.bytes.reserve(std::max(needed, 2 * out.bytes.capacity()));
        std::span<const std::uint8_t> rest(encoded);
        do {
            const std::size_t n = std::min(rest.size(), wire::kMaxChunk);
            const std::size_t frame_at = begin_frame(out.bytes);
            out.bytes.push_back(n == rest.size() ? wire::kFlagLast : wire::kFlagMore);
            out.bytes.insert(out.bytes.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(n));
            out.bytes.resize(out.bytes.size() + wire::kTagLen);
            rest = rest.subspan(n);
            const auto body = std::span(out.bytes).subspan(frame_at + wire::kFrameHeaderLen);
            if (auto err = send_cs.encrypt_in_place({}, body); err != crypto::NoiseError::ok) {
                out.bytes.resize(frame_at);
                fail(out, CloseKind::protocol_error, crypto::to_string(err));
                return;
            }
            end_frame(out.bytes, frame_at);  // sizes are bounded by construction
        } while (!rest.empty());
    }

    // A private responder's refusal of XX is a length the reader refused: say so.
    std::string_view bad_frame_reason() const {
        if (!initiator() && config.private_mode && handshake_reads == 0) return "private mode: not an IK msg1";
        return to_string(reader.error());
    }

    // Feeds every whole frame the reader holds to the state machine.
    void process_frames(SessionOutput& out, MonoTime now) {
        while (state != State::closed) {
            if (state == State::handshake && !hs && initiator()) {
                fail(out, CloseKind::handshake_failed, crypto::to_string(init_error));
                break;
            }
            auto frame = reader.pop();
            if (!frame) {
                if (reader.error() != FrameError::ok)
                    fail(out, unconfirmed ? CloseKind::handshake_failed : CloseKind::bad_frame, bad_frame_reason());
                break;
            }
            last_rx = now;
            if (state == State::handshake && !unconfirmed) {
                handle_handshake(out, *frame, now);
            } else {
                handle_transport(out, *frame, now);
            }
        }
        if (state == State::closed) reader.discard();  // everything after the end is ignored
    }
};

Session::Session(SessionConfig config, MonoTime now) : impl_(std::make_unique<Impl>()) {
    Impl& s = *impl_;
    s.config = std::move(config);
    s.born = now;
    if (s.initiator()) {
        s.create_handshake(s.config.handshake);
        const std::size_t min2 = s.pattern == Handshake::ik ? wire::kMinIkMsg2Len : wire::kMinMsg2Len;
        s.reader.set_bounds(min2, min2 + wire::kMaxHello);
    } else {
        // The handshake state waits for msg1, whose length picks the pattern;
        // a private responder does not allow XX's length at all.
        const auto xx = s.config.private_mode ? std::nullopt : std::optional(wire::kMsg1Len);
        s.reader.set_bounds(wire::kMinIkMsg1Len, wire::kMinIkMsg1Len + wire::kMaxHello, xx);
    }
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

SessionOutput Session::start(MonoTime /*now*/) {
    SessionOutput out;
    Impl& s = *impl_;
    if (s.state != State::handshake || !s.initiator()) return out;
    if (!s.hs) {
        s.fail(out, CloseKind::handshake_failed, crypto::to_string(s.init_error));
        return out;
    }
    if (s.hs->action() == crypto::HandshakeAction::write_message) {
        // XX msg1: e, empty payload; IK msg1 carries our Hello.
        s.write_handshake(out, s.pattern == Handshake::ik ? encode_hello(s.config.hello) : std::vector<std::uint8_t>{});
    }
    return out;
}

SessionOutput Session::receive(std::span<const std::uint8_t> bytes, MonoTime now) {
    SessionOutput out;
    Impl& s = *impl_;
    // Through the reader's buffer, as much at a time as it takes.
    do {
        const auto room = s.reader.prepare();
        const std::size_t n = std::min(room.size(), bytes.size());
        std::copy_n(bytes.begin(), n, room.begin());
        s.reader.commit(n);
        bytes = bytes.subspan(n);
        s.process_frames(out, now);
    } while (!bytes.empty() && s.state != State::closed);
    return out;
}

std::span<std::uint8_t> Session::receive_buffer() { return impl_->reader.prepare(); }

SessionOutput Session::received(std::size_t n, MonoTime now) {
    SessionOutput out;
    impl_->reader.commit(n);
    impl_->process_frames(out, now);
    return out;
}

SessionOutput Session::send(const Message& message, MonoTime now) {
    SessionOutput out;
    impl_->send(out, message, now);
    return out;
}

SessionOutput Session::send(const AppMessage& message, MonoTime now, std::vector<std::uint8_t> into) {
    SessionOutput out{std::move(into), {}};
    if (impl_->state == State::established) impl_->send_app(out, encode_app(message), now);
    return out;
}

SessionOutput Session::send_file(std::span<const std::uint8_t> encoded, MonoTime now, std::vector<std::uint8_t> into) {
    SessionOutput out{std::move(into), {}};
    impl_->send_app(out, encoded, now);
    return out;
}

SessionOutput Session::tick(MonoTime now) {
    SessionOutput out;
    Impl& s = *impl_;
    if (s.state == State::handshake && now - s.born >= wire::kHandshakeTimeout) {
        s.fail(out, CloseKind::handshake_timeout, to_string(CloseKind::handshake_timeout));
    } else if (s.state == State::established) {
        const auto interval = s.keepalive_interval();
        if (now - s.heard() >= s.dead_peer_timeout()) {
            s.fail(out, CloseKind::peer_timeout, wire::kReasonPeerTimeout);
        } else if (now >= s.idle_deadline()) {
            s.send(out, Close{std::string(wire::kReasonIdle)}, now);
            if (s.state != State::closed) s.fail(out, CloseKind::local_close, wire::kReasonIdle);
        } else if (now - s.heard() >= interval && now - s.last_ping >= interval) {
            s.ping(out, now);
        }
    }
    return out;
}

SessionOutput Session::set_liveness(Liveness liveness, MonoTime now) {
    SessionOutput out;
    Impl& s = *impl_;
    const bool stricter = liveness.keepalive == Keepalive::fast && s.liveness.keepalive == Keepalive::slow;
    s.liveness = liveness;
    if (s.state == State::established && stricter) {
        s.watched_since = now;
        if (now - s.last_rx >= wire::kKeepaliveInterval) s.ping(out, now);
    }
    return out;
}

MonoTime Session::next_deadline() const {
    const Impl& s = *impl_;
    switch (s.state) {
    case State::handshake: return s.born + wire::kHandshakeTimeout;
    case State::established:
        // tick() pings once both the silence and the last ping are a keepalive old.
        return std::min({s.heard() + s.dead_peer_timeout(), std::max(s.heard(), s.last_ping) + s.keepalive_interval(),
                         s.idle_deadline()});
    case State::closed: break;
    }
    return MonoTime::max();
}

SessionOutput Session::close(std::string_view reason, MonoTime now) {
    SessionOutput out;
    Impl& s = *impl_;
    if (s.state == State::closed) return out;
    s.send(out, Close{std::string(reason)}, now);
    if (s.state != State::closed) s.fail(out, CloseKind::local_close, reason);
    return out;
}

SessionOutput Session::abort(CloseKind kind, std::string_view reason) {
    SessionOutput out;
    if (impl_->state != State::closed) impl_->fail(out, kind, reason);
    return out;
}

Session::State Session::state() const { return impl_->state; }
std::optional<crypto::PublicKey> Session::peer() const { return impl_->peer; }

}  // namespace hallway::transport
