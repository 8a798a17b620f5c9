#pragma once
// What the panels ask of the node. Panels only append these; main.cpp posts
// each to the network thread, so no panel ever touches core directly.
#include "core/profile.hpp"
#include "core/store.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace hallway::gui {

struct OpenConversation {  // -> Node::request_history (also clears unread)
    core::PeerKey peer{};
};
struct MarkRead {
    core::PeerKey peer{};
};
struct SendText {
    core::PeerKey peer{};
    std::string body;
};
// The input to peer changed: typing = it is not empty (-> Node::set_typing,
// which rate-limits what the peer is told, docs/PROTOCOL.md §14).
struct SetTyping {
    core::PeerKey peer{};
    bool typing = false;
};
// -> Node::set_read_receipts; a refusal comes back as a Notice.
struct SetReadReceipts {
    bool on = true;
};
// -> Node::set_bonjour (the link-local XMPP bridge); a refusal comes back as a Notice.
struct SetBonjour {
    bool on = false;
};
struct SetNick {
    std::string nick;
};
struct SetPresence {
    std::string presence;
    std::string message;
};
struct SetTrust {
    core::PeerKey peer{};
    core::Trust trust = core::Trust::unverified;
};
// -> Node::set_private_mode; a refusal comes back as a Notice.
struct SetPrivateMode {
    bool on = false;
};
// -> Node::set_share_addresses; a refusal comes back as a Notice.
struct SetShareAddresses {
    core::ShareAddresses who = core::ShareAddresses::verified;
};
// -> Node::set_notifications; a refusal comes back as a Notice.
struct SetNotifications {
    core::Notifications what = core::Notifications::full;
};
// Opens the verify dialog; the safety number comes back asynchronously.
struct RequestSafetyNumber {
    core::PeerKey peer{};
};

// Rooms: each -> the Node method of the same name; a refusal comes back as a Notice.
struct CreateRoom {
    std::string name;
    std::string topic;
    bool open = false;
};
struct OpenRoomConversation {  // -> Node::request_room_history (also clears unread)
    core::RoomId room{};
};
struct MarkRoomRead {
    core::RoomId room{};
};
struct SendRoomText {
    core::RoomId room{};
    std::string body;
};
struct Invite {
    core::RoomId room{};
    core::PeerKey peer{};
};
struct JoinRoom {  // accepts an invitation, or joins an open room
    core::RoomId room{};
};
struct LeaveRoom {  // also declines an invitation
    core::RoomId room{};
};
struct RemoveMember {
    core::RoomId room{};
    core::PeerKey peer{};
};
struct MakeAdmin {  // the creator only
    core::RoomId room{};
    core::PeerKey peer{};
};
struct SetRoom {
    core::RoomId room{};
    std::string name;
    std::string topic;
    bool open = false;
};
struct QueryOpenRooms {};

// Files: each -> the Node method of the same name; a refusal comes back as a Notice.
struct SendFiles {
    core::PeerKey peer{};
    std::vector<std::string> paths;
};
struct AcceptTransfer {
    std::uint64_t id = 0;
    std::string dir;  // empty: the node's download folder
};
struct DeclineTransfer {
    std::uint64_t id = 0;
};
struct CancelTransfer {
    std::uint64_t id = 0;
};
struct ResumeTransfer {
    std::uint64_t id = 0;
};
struct SetAutoAcceptFiles {
    core::PeerKey peer{};
    bool on = false;
};
// -> Node::request_search: the answer comes as SearchDone (Model::search).
struct SearchMessages {
    std::string text;
};
// Shows a folder in the desktop's file manager (xdg-open; no node involved).
struct OpenFolder {
    std::string path;
};
// Opens a web link from a message in the desktop's browser (xdg-open), only
// when the person clicked it; main checks it is a whole http(s) link again.
struct OpenLink {
    std::string url;
};

using Command = std::variant<OpenConversation, MarkRead, SendText, SetTyping, SetReadReceipts, SetBonjour, SetNick, SetPresence, SetPrivateMode, SetShareAddresses, SetNotifications, SetTrust, RequestSafetyNumber,
                             CreateRoom, OpenRoomConversation, MarkRoomRead, SendRoomText, Invite, JoinRoom, LeaveRoom,
                             RemoveMember, MakeAdmin, SetRoom, QueryOpenRooms, SendFiles, AcceptTransfer, DeclineTransfer,
                             CancelTransfer, ResumeTransfer, SetAutoAcceptFiles, OpenFolder, SearchMessages, OpenLink>;
using Commands = std::vector<Command>;

}  // namespace hallway::gui
