// The application-message decoder on decrypted bytes (what an authenticated but
// hostile peer can send). Round trip: a decoded message re-encodes to bytes that
// decode to the same message (compared by their canonical encoding). Whatever
// is not closed on is well-formed CBOR.
#include "transport/cbor.hpp"
#include "transport/messages.hpp"

#include <cstdlib>

using namespace hallway::transport;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::optional<Message> m;
    const auto status = decode_checked({data, size}, m);
    if ((status == DecodeStatus::ok) != m.has_value()) std::abort();
    if (decode({data, size}).has_value() != m.has_value()) std::abort();
    if (status != DecodeStatus::malformed && !cbor::well_formed({data, size})) std::abort();
    if (!m) return 0;
    const auto once = encode(*m);
    std::optional<Message> again;
    if (decode_checked(once, again) != DecodeStatus::ok) std::abort();
    if (again->index() != m->index() || encode(*again) != once) std::abort();
    return 0;
}
