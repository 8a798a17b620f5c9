// An established session (Bob, after a real handshake with Alice) fed arbitrary
// transport frames. With HALLWAY_FUZZ_NO_AEAD the fuzzer controls the plaintext
// (fragment flags, reassembly, CBOR messages) directly; with the real AEAD only
// the framing and authentication failures are reachable.
#include "fuzz_support.hpp"
#include "transport/wire.hpp"

#include <cstdlib>

using namespace hallway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const transport::MonoTime t0{0};
    // Both list "aesgcm" where the CPU has it, so the real-AEAD build opens frames
    // with AES-256-GCM, the cipher two Hallway nodes agree on there (the
    // handshake targets' transcripts keep ChaCha20-Poly1305).
    auto alice_config = fuzz::alice_config(), bob_config = fuzz::bob_config();
    if (crypto::cipher_available(crypto::Cipher::aesgcm))
        for (auto* c : {&alice_config, &bob_config})
            c->hello.capabilities.emplace_back(transport::wire::kAesGcmCapability);
    transport::Session alice(std::move(alice_config), t0);
    transport::Session bob(std::move(bob_config), t0);
    auto a = alice.start(t0);
    bob.start(t0);
    while (!a.bytes.empty()) {
        auto b = bob.receive(a.bytes, t0);
        a = alice.receive(b.bytes, t0);
    }
    if (bob.state() != transport::Session::State::established) std::abort();
    fuzz::Input in(data, size);
    fuzz::drive_session(bob, in, t0);
    return 0;
}
