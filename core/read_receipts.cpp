#include "core/read_receipts.hpp"

#include <algorithm>

namespace hallway::core {

ReceiptsOwed receipts_owed(bool on, bool session, bool peer_reads) {
    if (!on) return ReceiptsOwed::drop;
    if (!session) return ReceiptsOwed::wait;
    // The peer said, in this session's Hello, that it does not want them (its
    // own setting is off, or it predates §14): what we owe it is forgiven.
    return peer_reads ? ReceiptsOwed::send : ReceiptsOwed::drop;
}

std::vector<transport::Read> read_messages(std::span<const MessageId> ids) {
    std::vector<transport::Read> out;
    for (std::size_t at = 0; at < ids.size(); at += transport::wire::kMaxReadIds) {
        const std::size_t n = std::min(transport::wire::kMaxReadIds, ids.size() - at);
        out.push_back(transport::Read{{ids.begin() + static_cast<std::ptrdiff_t>(at),
                                       ids.begin() + static_cast<std::ptrdiff_t>(at + n)}});
    }
    return out;
}

std::vector<MessageId> ids_to_mark_read(const transport::Read& read, bool on) {
    std::vector<MessageId> out;
    if (!on) return out;
    out.reserve(read.ids.size());
    // At most 64 ids: a quadratic check is cheaper than a set.
    for (const auto& id : read.ids)
        if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    return out;
}

}  // namespace hallway::core
