// The rooms service's port on the node (sessions, dials on need, peer views,
// events) and the Node commands that go to the rooms service.
#include "core/node_files.hpp"
#include "core/node_xmpp.hpp"

namespace hallway::core {

void Node::Impl::pending_changed(const PeerKey& key) {
    presence->set_pending(key, store->has_outbox(key) || rooms->pending(key) || (files && files->busy(key)));
    if (transport && transport->has_session(key)) transport->set_liveness(key, presence->liveness(key));
    wake_maintenance();
}

bool Node::Impl::has_session(const PeerKey& key) const { return transport && transport->has_session(key); }

bool Node::Impl::send(const PeerKey& key, const transport::AppMessage& m) {
    return transport && transport->send(key, m) == transport::SendResult::sent;
}

void Node::Impl::reach(const PeerKey& key) {
    if (transport && presence->online(key)) dial_on_need(key);
}

bool Node::Impl::online(const PeerKey& key) const { return presence->online(key); }

std::optional<crypto::SignPublicKey> Node::Impl::sign_key(const PeerKey& key) const {
    auto c = store->contact(key);
    return c ? c->sign_key : std::nullopt;
}

RoomMemberView Node::Impl::member_view(const PeerKey& key) const {
    RoomMemberView m;
    m.key = key;
    m.fingerprint = fingerprint_of(key);
    m.online = key == identity.public_key || presence->online(key);
    if (key == identity.public_key) {
        m.nick = settings.nick;
        m.trust = Trust::verified;
    } else if (auto c = store->contact(key)) {
        m.nick = c->nick;
        m.trust = c->trust;
        m.name_clash = c->trust != Trust::verified && verified_namesake(key, c->nick).has_value();
    }
    return m;
}

std::int64_t Node::Impl::now_ms() const { return node_detail::now_ms(); }

std::optional<RoomId> Node::create_room(std::string_view name, bool open, std::string_view topic, std::string& error) {
    return impl_->rooms->create(name, open, topic, error);
}
bool Node::invite(const RoomId& room, const PeerKey& peer, std::string& error) {
    if (impl_->is_link_local(peer)) {
        error = link_local_refusal(impl_->bridge->view(peer).nick, "it cannot be invited to rooms");
        return false;
    }
    return impl_->rooms->invite(room, peer, error);
}
bool Node::join_room(const RoomId& room, std::string& error) { return impl_->rooms->join(room, error); }
bool Node::leave_room(const RoomId& room, std::string& error) { return impl_->rooms->leave(room, error); }
bool Node::remove_member(const RoomId& room, const PeerKey& peer, std::string& error) {
    return impl_->rooms->remove(room, peer, error);
}
bool Node::make_admin(const RoomId& room, const PeerKey& peer, std::string& error) {
    return impl_->rooms->make_admin(room, peer, error);
}
bool Node::set_room(const RoomId& room, std::string_view name, std::string_view topic, bool open, std::string& error) {
    return impl_->rooms->set(room, name, topic, open, error);
}
std::optional<MessageId> Node::send_room_text(const RoomId& room, std::string_view body, std::string& error) {
    return impl_->rooms->send_text(room, body, error);
}
std::vector<RoomView> Node::rooms() const { return impl_->rooms->views(); }
std::optional<RoomView> Node::room(const RoomId& id) const { return impl_->rooms->view(id); }
std::optional<RoomId> Node::resolve_room(std::string_view name_or_id, std::string& error) const {
    return impl_->rooms->resolve(name_or_id, error);
}
std::vector<RoomMessage> Node::room_history(const RoomId& room, std::size_t limit) const {
    return impl_->rooms->history(room, limit);
}
void Node::request_room_history(const RoomId& room, std::size_t limit) {
    impl_->emit(RoomHistoryLoaded{room, room_history(room, limit)});
    mark_room_read(room);
}
void Node::mark_room_read(const RoomId& room) { impl_->rooms->mark_read(room); }
void Node::query_open_rooms() {
    Impl& d = *impl_;
    std::vector<PeerKey> peers;
    for (auto& [key, l] : d.live)
        if (d.presence->online(key) && d.sign_key(key)) peers.push_back(key);
    d.rooms->query_open_rooms(peers);
}
std::vector<OpenRoom> Node::open_rooms() const { return impl_->rooms->open_rooms(); }

}  // namespace hallway::core
