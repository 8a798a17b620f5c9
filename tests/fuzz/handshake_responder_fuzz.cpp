// A responder Session (fixed keys) fed whatever a stranger sends after connecting:
// an XX msg1 then msg3, or an IK msg1, then transport frames. Seeds are a real
// initiator's transcripts (XX and IK).
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hallway::fuzz::drive_responder(data, size, false);
    return 0;
}
