// The handshake_responder target for a node in private mode (issue 17): it must
// refuse XX at msg1's length and send nothing before it has read an IK msg1
// that decrypted. Seeds as handshake_responder's.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hallway::fuzz::drive_responder(data, size, true);
    return 0;
}
