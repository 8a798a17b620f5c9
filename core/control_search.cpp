#include "core/control_search.hpp"

#include "core/control.hpp"
#include "core/control_json.hpp"
#include "core/node.hpp"
#include "crypto/identity.hpp"

namespace hallway::core {

using nlohmann::json;
using namespace control_json;

namespace {

json hit_json(const SearchHit& h) {
    json j{{"kind", h.in_room ? "room" : "peer"},
           {"id", to_hex(h.id)},
           {"seq", h.seq},
           {"mine", h.mine},
           {"author", h.author_nick},
           {"body", h.body},
           {"sent_at", h.sent_at_ms}};
    if (h.in_room) {
        j["room"] = to_hex(h.room);
        j["name"] = h.conversation;
    } else {
        j["peer"] = crypto::fingerprint(h.peer);
        j["nick"] = h.conversation;
    }
    return j;
}

}  // namespace

std::optional<json> search_request(Node& node, const json& req, const std::string& cmd) {
    if (cmd != "search") return std::nullopt;
    auto text = req.find("text");
    if (text == req.end() || !text->is_string()) return error_json("bad_request", "missing \"text\"");
    std::optional<PeerKey> peer;
    if (req.contains("peer") && !req["peer"].is_null()) {
        PeerKey key{};
        if (auto e = peer_field(node, req, key)) return *e;
        peer = key;
    }
    auto limit = uint_field(req, "limit", kDefaultSearchLimit, 1);
    if (!limit || *limit > kMaxSearchLimit)
        return error_json("bad_request", "limit must be an integer from 1 to " + std::to_string(kMaxSearchLimit));
    std::string error;
    auto done = node.search(text->get<std::string>(), peer, *limit, error);
    if (!done) return error_json("refused", error);
    // As many hits as the line holds, newest first; a hit too long alone has its body cut.
    json reply = offset_page("hits", done->hits.size(), 0, [&](std::size_t i) { return hit_json(done->hits[i]); },
                             {"body", "author"});
    reply["more"] = reply["more"].get<bool>() || done->more;
    reply.erase("next");
    return reply;
}

}  // namespace hallway::core
