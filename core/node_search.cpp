// Node::search: the store finds the texts (core/store_search.cpp), the node
// names them as the person knows them now (nicks, room names) and leaves out
// room texts the room does not show.
#include "core/node_impl.hpp"

namespace hallway::core {

std::optional<SearchDone> Node::search(std::string_view text, const std::optional<PeerKey>& peer, std::size_t limit,
                                       std::string& error) const {
    const Impl& d = *impl_;
    bool more = false;
    auto found = d.store->search(text, peer, limit, more, error);
    if (!found) return std::nullopt;
    SearchDone done;
    done.text = std::string(text);
    done.more = more;
    for (auto& f : *found) {
        if (f.in_room) {
            if (auto h = d.rooms->search_hit(f)) done.hits.push_back(std::move(*h));
            continue;
        }
        SearchHit h;
        h.peer = f.peer;
        h.conversation = f.peer_nick.empty() ? d.fingerprint_of(f.peer).substr(0, 8) : f.peer_nick;
        h.id = f.id;
        h.seq = f.seq;
        h.mine = f.direction == Direction::out;
        h.author_nick = h.mine ? d.settings.nick : h.conversation;
        h.body = std::move(f.body);
        h.sent_at_ms = f.sent_at_ms;
        done.hits.push_back(std::move(h));
    }
    return done;
}

void Node::request_search(std::string_view text, const std::optional<PeerKey>& peer, std::size_t limit) {
    std::string error;
    auto done = search(text, peer, limit, error);
    if (!done) {
        done.emplace();
        done->text = std::string(text);
        done->error = error;
    }
    impl_->emit(*done);
}

}  // namespace hallway::core
