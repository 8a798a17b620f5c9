#include "crypto/symmetric_state.hpp"

#include "crypto/primitives.hpp"

#include <algorithm>

namespace hallway::crypto::detail {

namespace {
// HKDF outputs are HASHLEN; cipher keys are their first 32 bytes (§5.2).
std::span<const std::uint8_t, kKeyLen> truncate_to_key(const Secret<kHashLen>& output) {
    return output.span().first<kKeyLen>();
}
}  // namespace

SymmetricState::SymmetricState(std::string_view protocol_name, Cipher cipher) : cipher_(cipher) {
    const auto* name = reinterpret_cast<const std::uint8_t*>(protocol_name.data());
    if (protocol_name.size() <= kHashLen)
        std::copy(name, name + protocol_name.size(), h_.data());  // the rest stays zero
    else
        blake2b({Bytes(name, protocol_name.size())}, h_.span());
    ck_ = h_;
}

void SymmetricState::mix_key(std::span<const std::uint8_t> input_key_material) {
    std::array<Secret<kHashLen>, 2> out;
    hkdf(ck_.span(), input_key_material, out);
    ck_ = out[0];
    cipher_.initialize_key(truncate_to_key(out[1]));
}

void SymmetricState::mix_hash(std::span<const std::uint8_t> data) {
    Secret<kHashLen> next;
    blake2b({h_.span(), data}, next.span());
    h_ = next;
}

void SymmetricState::mix_key_and_hash(std::span<const std::uint8_t> input_key_material) {
    std::array<Secret<kHashLen>, 3> out;
    hkdf(ck_.span(), input_key_material, out);
    ck_ = out[0];
    mix_hash(out[1].span());
    cipher_.initialize_key(truncate_to_key(out[2]));
}

NoiseError SymmetricState::encrypt_and_hash(std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out) {
    const std::size_t start = out.size();
    if (NoiseError err = cipher_.encrypt_with_ad(h_.span(), plaintext, out); err != NoiseError::ok) return err;
    mix_hash(std::span(out).subspan(start));
    return NoiseError::ok;
}

NoiseError SymmetricState::decrypt_and_hash(std::span<const std::uint8_t> ciphertext, std::vector<std::uint8_t>& out) {
    if (NoiseError err = cipher_.decrypt_with_ad(h_.span(), ciphertext, out); err != NoiseError::ok) return err;
    mix_hash(ciphertext);
    return NoiseError::ok;
}

void SymmetricState::split(CipherState& c1, CipherState& c2) const {
    std::array<Secret<kHashLen>, 2> out;
    hkdf(ck_.span(), {}, out);
    c1 = CipherState(cipher_.cipher());
    c2 = CipherState(cipher_.cipher());
    c1.initialize_key(truncate_to_key(out[0]));
    c2.initialize_key(truncate_to_key(out[1]));
}

}  // namespace hallway::crypto::detail
