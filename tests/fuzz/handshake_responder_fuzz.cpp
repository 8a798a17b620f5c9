// A responder Session (fixed keys) fed whatever a stranger sends after connecting:
// msg1, msg3, then transport frames. Seeds are a real initiator's transcript.
#include "fuzz_support.hpp"

using namespace hallway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    const transport::MonoTime t0{0};
    transport::Session bob(fuzz::bob_config(), t0);
    bob.start(t0);
    fuzz::drive_session(bob, in, t0);
    return 0;
}
