#pragma once
// Internal: the SymmetricState object of Noise §5.2.
#include "crypto/noise.hpp"

namespace hallway::crypto::detail {

class SymmetricState {
public:
    // InitializeSymmetric(protocol_name); cipher is the name's AEAD.
    SymmetricState(std::string_view protocol_name, Cipher cipher);

    void mix_key(std::span<const std::uint8_t> input_key_material);
    void mix_hash(std::span<const std::uint8_t> data);
    void mix_key_and_hash(std::span<const std::uint8_t> input_key_material);
    bool has_key() const { return cipher_.has_key(); }
    const Secret<kHashLen>& handshake_hash() const { return h_; }

    // Append to out; on failure neither out nor the state changes.
    NoiseError encrypt_and_hash(std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out);
    NoiseError decrypt_and_hash(std::span<const std::uint8_t> ciphertext, std::vector<std::uint8_t>& out);

    void split(CipherState& c1, CipherState& c2) const;

private:
    CipherState cipher_;
    Secret<kHashLen> ck_;
    Secret<kHashLen> h_;
};

}  // namespace hallway::crypto::detail
