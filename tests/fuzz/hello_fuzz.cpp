// decode_hello on the handshake payload (read before the peer is known).
// Round trip: parse(serialize(parse(x))) == parse(x), fields compared one by one.
#include "transport/messages.hpp"
#include "transport/wire.hpp"

#include <cstdlib>

using namespace hallway::transport;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto hello = decode_hello({data, size});
    if (!hello) return 0;
    if (hello->nick.size() > wire::kMaxNick || hello->capabilities.size() > wire::kMaxCapabilities ||
        hello->lane.size() > wire::kMaxCapabilityName)
        std::abort();
    auto again = decode_hello(encode_hello(*hello));
    if (!again || again->version != hello->version || again->nick != hello->nick ||
        again->capabilities != hello->capabilities || again->lane != hello->lane)
        std::abort();
    return 0;
}
