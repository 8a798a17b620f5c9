// An initiator Session (fixed keys) after it sent msg1, fed whatever the
// "responder" answers: msg2, then transport frames. Seeds are a real responder's
// transcript, valid here because both sides' ephemerals are fixed.
#include "fuzz_support.hpp"

using namespace hallway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    const transport::MonoTime t0{0};
    transport::Session alice(fuzz::alice_config(), t0);
    alice.start(t0);
    fuzz::drive_session(alice, in, t0);
    return 0;
}
