#include "crypto/noise.hpp"

#include "crypto/handshake_pattern.hpp"
#include "crypto/primitives.hpp"
#include "crypto/symmetric_state.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace hallway::crypto {

using detail::Token;

std::string_view to_string(NoiseError e) {
    switch (e) {
        case NoiseError::ok: return "ok";
        case NoiseError::bad_protocol_name: return "unsupported Noise protocol name";
        case NoiseError::missing_key: return "a key the handshake pattern needs was not given";
        case NoiseError::wrong_state: return "call not valid in the current handshake state";
        case NoiseError::message_too_short: return "message too short";
        case NoiseError::message_too_long: return "message too long";
        case NoiseError::decrypt_failed: return "decryption failed";
        case NoiseError::bad_dh: return "Diffie-Hellman failed (low-order public key)";
        case NoiseError::nonce_exhausted: return "nonce exhausted";
        case NoiseError::unexpected_key: return "a key was given that the handshake pattern does not use";
    }
    return "unknown Noise error";
}

KeyPair KeyPair::generate(const Rng& rng) {
    Secret<kDhLen> private_key;
    rng(private_key.span());
    return from_private(private_key.span());
}

KeyPair KeyPair::from_private(std::span<const std::uint8_t, kDhLen> private_key) {
    detail::ensure_sodium();
    KeyPair pair;
    pair.private_key = Secret<kDhLen>(private_key);
    // X25519 clamps the scalar, so the result is never the identity and this
    // cannot fail; a failure would mean a broken libsodium.
    if (crypto_scalarmult_base(pair.public_key.data(), pair.private_key.data()) != 0) std::abort();
    return pair;
}

// --- CipherState (§5.1) ---

namespace {
// The maximum nonce is reserved for rekey (§5.1, §11.3).
constexpr std::uint64_t kMaxNonce = std::numeric_limits<std::uint64_t>::max();

// Both nonces are 12 bytes: 32 bits of zeros, then n, little-endian for
// ChaChaPoly (§12.3) and big-endian for AESGCM (§12.2).
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == crypto_aead_aes256gcm_NPUBBYTES);
using Nonce = std::array<std::uint8_t, crypto_aead_aes256gcm_NPUBBYTES>;
[[maybe_unused]] Nonce aead_nonce(Cipher cipher, std::uint64_t n) {
    Nonce nonce{};
    for (std::size_t i = 0; i < 8; ++i)
        nonce[cipher == Cipher::chachapoly ? 4 + i : 11 - i] = static_cast<std::uint8_t>(n >> (8 * i));
    return nonce;
}

#ifdef HALLWAY_FUZZ_NO_AEAD
// Fuzz-only: ciphertext = plaintext + 16 zero bytes and any tag is accepted, so a
// fuzzer can reach what lies behind the AEAD (Hello, fragments, messages).
// crypto/CMakeLists.txt allows this only together with HALLWAY_FUZZ.
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#error "HALLWAY_FUZZ_NO_AEAD disables all authentication and confidentiality: fuzz builds only"
#endif
#warning "HALLWAY_FUZZ_NO_AEAD: this build has NO encryption and NO authentication (fuzzing only)"
void aead_encrypt(Cipher, const Secret<kKeyLen>&, std::uint64_t, std::span<const std::uint8_t>,
                  std::span<const std::uint8_t> plaintext, std::uint8_t* out) {
    // in place: may overlap. An empty plaintext may come with null pointers.
    if (!plaintext.empty()) std::memmove(out, plaintext.data(), plaintext.size());
    std::fill(out + plaintext.size(), out + plaintext.size() + kTagLen, std::uint8_t{0});
}
bool aead_decrypt(Cipher, const Secret<kKeyLen>&, std::uint64_t, std::span<const std::uint8_t>,
                  std::span<const std::uint8_t> ciphertext, std::uint8_t* out) {
    if (ciphertext.size() > kTagLen) std::memmove(out, ciphertext.data(), ciphertext.size() - kTagLen);
    return true;
}
#else
// AES-256-GCM takes the key itself, not a precomputed state: expanding it costs
// well under 1 % of a 64 KiB message, and CipherState stays a plain value.
void aead_encrypt(Cipher cipher, const Secret<kKeyLen>& k, std::uint64_t n, std::span<const std::uint8_t> ad,
                  std::span<const std::uint8_t> plaintext, std::uint8_t* out) {
    const auto nonce = aead_nonce(cipher, n);
    const auto encrypt = cipher == Cipher::aesgcm ? crypto_aead_aes256gcm_encrypt
                                                  : crypto_aead_chacha20poly1305_ietf_encrypt;
    encrypt(out, nullptr, plaintext.data(), plaintext.size(), ad.data(), ad.size(), nullptr, nonce.data(), k.data());
}
// ciphertext includes the tag; out receives ciphertext.size() - kTagLen bytes. false: tag mismatch.
bool aead_decrypt(Cipher cipher, const Secret<kKeyLen>& k, std::uint64_t n, std::span<const std::uint8_t> ad,
                  std::span<const std::uint8_t> ciphertext, std::uint8_t* out) {
    const auto nonce = aead_nonce(cipher, n);
    const auto decrypt = cipher == Cipher::aesgcm ? crypto_aead_aes256gcm_decrypt
                                                  : crypto_aead_chacha20poly1305_ietf_decrypt;
    return decrypt(out, nullptr, nullptr, ciphertext.data(), ciphertext.size(), ad.data(), ad.size(), nonce.data(),
                   k.data()) == 0;
}
#endif
}  // namespace

bool cipher_available(Cipher cipher) {
    detail::ensure_sodium();
    return cipher == Cipher::chachapoly || crypto_aead_aes256gcm_is_available() == 1;
}

NoiseError CipherState::switch_cipher(Cipher cipher) {
    if (!has_key_ || n_ != 0) return NoiseError::wrong_state;
    if (!cipher_available(cipher)) return NoiseError::bad_protocol_name;
    cipher_ = cipher;
    return NoiseError::ok;
}

void CipherState::initialize_key(std::span<const std::uint8_t, kKeyLen> key) {
    detail::ensure_sodium();
    k_ = Secret<kKeyLen>(key);
    has_key_ = true;
    n_ = 0;
}

// What encrypting a plaintext of n bytes needs; ok when it may go ahead (keyed or not).
NoiseError CipherState::check_encrypt(std::size_t n) const {
    if (n > kMaxNoiseMessage - (has_key_ ? kTagLen : 0)) return NoiseError::message_too_long;
    if (has_key_ && n_ == kMaxNonce) return NoiseError::nonce_exhausted;
    return NoiseError::ok;
}

// What decrypting a ciphertext of n bytes needs; ok when it may go ahead (keyed or not).
NoiseError CipherState::check_decrypt(std::size_t n) const {
    if (n > kMaxNoiseMessage) return NoiseError::message_too_long;
    if (!has_key_) return NoiseError::ok;
    if (n_ == kMaxNonce) return NoiseError::nonce_exhausted;
    if (n < kTagLen) return NoiseError::message_too_short;
    return NoiseError::ok;
}

NoiseError CipherState::encrypt_with_ad(std::span<const std::uint8_t> ad, std::span<const std::uint8_t> plaintext,
                                        std::vector<std::uint8_t>& out) {
    if (auto err = check_encrypt(plaintext.size()); err != NoiseError::ok) return err;
    if (!has_key_) {
        out.insert(out.end(), plaintext.begin(), plaintext.end());
        return NoiseError::ok;
    }
    const std::size_t start = out.size();
    out.resize(start + plaintext.size() + kTagLen);
    aead_encrypt(cipher_, k_, n_, ad, plaintext, out.data() + start);
    ++n_;
    return NoiseError::ok;
}

NoiseError CipherState::encrypt_in_place(std::span<const std::uint8_t> ad, std::span<std::uint8_t> message) {
    const std::size_t tag = has_key_ ? kTagLen : 0;
    if (message.size() < tag) return NoiseError::message_too_short;
    const auto plaintext = message.first(message.size() - tag);
    if (auto err = check_encrypt(plaintext.size()); err != NoiseError::ok) return err;
    if (!has_key_) return NoiseError::ok;
    aead_encrypt(cipher_, k_, n_, ad, plaintext, message.data());  // libsodium allows exact overlap
    ++n_;
    return NoiseError::ok;
}

NoiseError CipherState::decrypt_with_ad(std::span<const std::uint8_t> ad, std::span<const std::uint8_t> ciphertext,
                                        std::vector<std::uint8_t>& out) {
    if (auto err = check_decrypt(ciphertext.size()); err != NoiseError::ok) return err;
    if (!has_key_) {
        out.insert(out.end(), ciphertext.begin(), ciphertext.end());
        return NoiseError::ok;
    }
    const std::size_t start = out.size();
    out.resize(start + ciphertext.size() - kTagLen);
    if (!aead_decrypt(cipher_, k_, n_, ad, ciphertext, out.data() + start)) {
        out.resize(start);
        return NoiseError::decrypt_failed;
    }
    ++n_;
    return NoiseError::ok;
}

NoiseError CipherState::decrypt_in_place(std::span<const std::uint8_t> ad, std::span<std::uint8_t> message) {
    if (auto err = check_decrypt(message.size()); err != NoiseError::ok) return err;
    if (!has_key_) return NoiseError::ok;
    // libsodium allows exact overlap; on a bad tag it wipes the output.
    if (!aead_decrypt(cipher_, k_, n_, ad, message, message.data())) return NoiseError::decrypt_failed;
    ++n_;
    return NoiseError::ok;
}

void CipherState::rekey() {
    if (!has_key_) return;
    const std::array<std::uint8_t, kKeyLen> zeros{};
    Secret<kKeyLen + kTagLen> ciphertext;
    aead_encrypt(cipher_, k_, kMaxNonce, {}, zeros, ciphertext.data());
    k_ = Secret<kKeyLen>(ciphertext.span().first<kKeyLen>());
}

// --- HandshakeState (§5.3) ---

namespace {

// What changes while one message is processed; copied, worked on, and
// committed only when the whole message succeeded (fail closed).
struct Progress {
    detail::SymmetricState symmetric;
    std::optional<KeyPair> e;
    std::optional<PublicKey> re;
    std::optional<PublicKey> rs;
    std::size_t next_psk = 0;
};

// For a DH token "xy", x is the initiator's key and y the responder's.
struct DhKeys {
    bool local_is_ephemeral;
    bool remote_is_ephemeral;
};

DhKeys dh_keys(Token token, Role role) {
    const bool initiator_e = token == Token::ee || token == Token::es;
    const bool responder_e = token == Token::ee || token == Token::se;
    return role == Role::initiator ? DhKeys{initiator_e, responder_e} : DhKeys{responder_e, initiator_e};
}

bool is_dh(Token token) {
    return token == Token::ee || token == Token::es || token == Token::se || token == Token::ss;
}

// Which keys a role needs, derived from the pattern, to check the config up front.
struct KeyUse {
    bool local_static = false;
    bool local_ephemeral = false;
    bool remote_static_pre = false;
};

KeyUse key_use(const detail::HandshakePattern& pattern, Role role) {
    KeyUse use;
    const bool initiator = role == Role::initiator;
    use.local_static = initiator ? pattern.initiator_static_known : pattern.responder_static_known;
    use.remote_static_pre = initiator ? pattern.responder_static_known : pattern.initiator_static_known;
    for (const detail::MessagePattern& message : pattern.messages) {
        for (Token token : message.tokens) {
            if (message.sender == role && token == Token::s) use.local_static = true;
            if (message.sender == role && token == Token::e) use.local_ephemeral = true;
            if (is_dh(token) && !dh_keys(token, role).local_is_ephemeral) use.local_static = true;
        }
    }
    return use;
}

}  // namespace

struct HandshakeState::Impl {
    detail::HandshakePattern pattern;
    Role role = Role::initiator;
    bool psk_handshake = false;
    std::optional<KeyPair> s;
    std::optional<KeyPair> fixed_e;
    std::vector<Secret<kKeyLen>> psks;
    Rng rng;
    Progress progress;
    std::size_t next_message = 0;
    bool failed = false;
    bool split_done = false;

    Impl(detail::HandshakePattern p, HandshakeConfig& config)
        : pattern(std::move(p)),
          role(config.role),
          psk_handshake(pattern.psk_count > 0),
          s(std::move(config.s)),
          fixed_e(std::move(config.e)),
          psks(std::move(config.psks)),
          rng(std::move(config.rng)),
          progress{detail::SymmetricState(config.protocol_name, pattern.cipher), std::nullopt, std::nullopt, config.rs, 0} {}

    void fail() {
        failed = true;
        progress = Progress{detail::SymmetricState("", pattern.cipher), std::nullopt, std::nullopt, std::nullopt, 0};
        s.reset();
        fixed_e.reset();
        psks.clear();
    }

    NoiseError dh(Progress& p, Token token) const {
        const DhKeys keys = dh_keys(token, role);
        const std::optional<KeyPair>& local = keys.local_is_ephemeral ? p.e : s;
        const std::optional<PublicKey>& remote = keys.remote_is_ephemeral ? p.re : p.rs;
        if (!local || !remote) return NoiseError::missing_key;
        Secret<kDhLen> shared;
        if (NoiseError err = detail::x25519(local->private_key, *remote, shared); err != NoiseError::ok) return err;
        p.symmetric.mix_key(shared.span());
        return NoiseError::ok;
    }

    void mix_ephemeral(Progress& p, const PublicKey& key) const {
        p.symmetric.mix_hash(key);
        if (psk_handshake) p.symmetric.mix_key(key);  // §9.2
    }

    void mix_psk(Progress& p) const { p.symmetric.mix_key_and_hash(psks[p.next_psk++].span()); }

    NoiseError mix_secret(Progress& p, Token token) const {
        if (token != Token::psk) return dh(p, token);
        mix_psk(p);
        return NoiseError::ok;
    }

    NoiseError write_tokens(Progress& p, std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out) {
        for (Token token : pattern.messages[next_message].tokens) {
            NoiseError err = NoiseError::ok;
            switch (token) {
                case Token::e:  // e
                    p.e = fixed_e ? *fixed_e : KeyPair::generate(rng);
                    out.insert(out.end(), p.e->public_key.begin(), p.e->public_key.end());
                    mix_ephemeral(p, p.e->public_key);
                    break;
                case Token::s:  // s
                    err = p.symmetric.encrypt_and_hash(s->public_key, out);
                    break;
                default:  // psk, ee, es, se, ss: the same for the writer and the reader
                    err = mix_secret(p, token);
                    break;
            }
            if (err != NoiseError::ok) return err;
        }
        if (NoiseError err = p.symmetric.encrypt_and_hash(payload, out); err != NoiseError::ok) return err;
        return out.size() > kMaxNoiseMessage ? NoiseError::message_too_long : NoiseError::ok;
    }

    NoiseError read_tokens(Progress& p, std::span<const std::uint8_t> in, std::vector<std::uint8_t>& payload) const {
        for (Token token : pattern.messages[next_message].tokens) {
            NoiseError err = NoiseError::ok;
            switch (token) {
                case Token::e: {  // e
                    if (in.size() < kDhLen) return NoiseError::message_too_short;
                    PublicKey re;
                    std::copy_n(in.begin(), kDhLen, re.begin());
                    in = in.subspan(kDhLen);
                    p.re = re;
                    mix_ephemeral(p, re);
                    break;
                }
                case Token::s: {  // s
                    const std::size_t len = kDhLen + (p.symmetric.has_key() ? kTagLen : 0);
                    if (in.size() < len) return NoiseError::message_too_short;
                    std::vector<std::uint8_t> rs;
                    err = p.symmetric.decrypt_and_hash(in.first(len), rs);
                    if (err == NoiseError::ok) {
                        p.rs.emplace();
                        std::copy(rs.begin(), rs.end(), p.rs->begin());
                    }
                    in = in.subspan(len);
                    break;
                }
                default:  // psk, ee, es, se, ss: the same for the writer and the reader
                    err = mix_secret(p, token);
                    break;
            }
            if (err != NoiseError::ok) return err;
        }
        return p.symmetric.decrypt_and_hash(in, payload);
    }
};

std::unique_ptr<HandshakeState> HandshakeState::create(HandshakeConfig config, NoiseError& err) {
    detail::ensure_sodium();
    std::optional<detail::HandshakePattern> pattern = detail::parse_protocol_name(config.protocol_name);
    if (!pattern || !cipher_available(pattern->cipher)) {
        err = NoiseError::bad_protocol_name;
        return nullptr;
    }
    const KeyUse use = key_use(*pattern, config.role);
    const bool can_make_e = config.e.has_value() || static_cast<bool>(config.rng);
    if ((use.local_static && !config.s) || (use.remote_static_pre && !config.rs) ||
        (use.local_ephemeral && !can_make_e) || config.psks.size() < pattern->psk_count) {
        err = NoiseError::missing_key;
        return nullptr;
    }
    if ((!use.local_static && config.s) || (!use.remote_static_pre && config.rs) ||
        (!use.local_ephemeral && config.e) || config.psks.size() > pattern->psk_count) {
        err = NoiseError::unexpected_key;
        return nullptr;
    }

    std::unique_ptr<HandshakeState> state(new HandshakeState());
    state->impl_ = std::make_unique<Impl>(std::move(*pattern), config);
    Impl& impl = *state->impl_;
    Progress& p = impl.progress;
    p.symmetric.mix_hash(config.prologue);
    // Pre-messages (§5.3 Initialize): the initiator's keys first, then the responder's.
    // The keys exist: checked above.
    for (Role owner : {Role::initiator, Role::responder}) {
        const bool known = owner == Role::initiator ? impl.pattern.initiator_static_known
                                                    : impl.pattern.responder_static_known;
        if (known) p.symmetric.mix_hash(owner == config.role ? impl.s->public_key : *p.rs);
    }
    err = NoiseError::ok;
    return state;
}

HandshakeState::~HandshakeState() = default;

HandshakeAction HandshakeState::action() const {
    if (impl_->failed) return HandshakeAction::failed;
    if (impl_->next_message == impl_->pattern.messages.size()) return HandshakeAction::split;
    return impl_->pattern.messages[impl_->next_message].sender == impl_->role ? HandshakeAction::write_message
                                                                               : HandshakeAction::read_message;
}

NoiseError HandshakeState::write_message(std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& message) {
    Impl& impl = *impl_;
    NoiseError err = NoiseError::wrong_state;
    std::vector<std::uint8_t> out;
    Progress next = impl.progress;
    if (action() == HandshakeAction::write_message) err = impl.write_tokens(next, payload, out);
    if (err != NoiseError::ok) {
        impl.fail();
        return err;
    }
    impl.progress = std::move(next);
    ++impl.next_message;
    message.insert(message.end(), out.begin(), out.end());
    return NoiseError::ok;
}

NoiseError HandshakeState::read_message(std::span<const std::uint8_t> message, std::vector<std::uint8_t>& payload) {
    Impl& impl = *impl_;
    NoiseError err = NoiseError::wrong_state;
    std::vector<std::uint8_t> out;
    Progress next = impl.progress;
    if (message.size() > kMaxNoiseMessage)
        err = NoiseError::message_too_long;
    else if (action() == HandshakeAction::read_message)
        err = impl.read_tokens(next, message, out);
    if (err != NoiseError::ok) {
        sodium_memzero(out.data(), out.size());
        impl.fail();
        return err;
    }
    impl.progress = std::move(next);
    ++impl.next_message;
    payload.insert(payload.end(), out.begin(), out.end());
    sodium_memzero(out.data(), out.size());
    return NoiseError::ok;
}

NoiseError HandshakeState::split(CipherState& c1, CipherState& c2) {
    if (action() != HandshakeAction::split || impl_->split_done) return NoiseError::wrong_state;
    impl_->progress.symmetric.split(c1, c2);
    impl_->split_done = true;
    return NoiseError::ok;
}

std::array<std::uint8_t, kHashLen> HandshakeState::handshake_hash() const {
    std::array<std::uint8_t, kHashLen> h{};
    const Secret<kHashLen>& current = impl_->progress.symmetric.handshake_hash();
    std::copy(current.data(), current.data() + kHashLen, h.begin());
    return h;
}

std::optional<PublicKey> HandshakeState::remote_static() const { return impl_->progress.rs; }

}  // namespace hallway::crypto
