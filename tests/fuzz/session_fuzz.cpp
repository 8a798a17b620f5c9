// An established session (Bob, after a real handshake with Alice) fed arbitrary
// transport frames. With HALLWAY_FUZZ_NO_AEAD the fuzzer controls the plaintext
// (fragment flags, reassembly, CBOR messages) directly; with the real AEAD only
// the framing and authentication failures are reachable.
#include "fuzz_support.hpp"

#include <cstdlib>

using namespace hallway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const transport::MonoTime t0{0};
    transport::Session alice(fuzz::alice_config(), t0);
    transport::Session bob(fuzz::bob_config(), t0);
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
