#pragma once
// The window's panels. Each draw() reads the model, keeps its own UI state in
// the plain struct it is given (never in function-local statics) and appends
// Commands for the node. UI thread only, between ImGui::NewFrame and Render.
#include "gui/commands.hpp"
#include "gui/message_menu.hpp"
#include "gui/model.hpp"

#include <imgui.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hallway::gui {

// Why a buddy is not offered for rooms (PeerView::rooms false: its Hello
// offered no rooms capability, or it was not met since it could).
inline constexpr const char* kCannotJoinRooms = "Cannot join rooms (an older Hallway, or not met since it could)";

struct IdentityPanelState {
    std::string nick_edit;    // what is typed, while the field has focus
    std::string status_edit;
    bool nick_active = false;
    bool status_active = false;
};

// The Settings dialog, opened from the identity panel.
struct SettingsDialogState {
    bool open_popup = false;  // ImGui::OpenPopup on the next frame
};

struct BuddyListState {
    std::string filter;
};

// Layout cache of one conversation: message heights for the wrap width and
// font size they were measured at, so only visible messages are laid out.
struct MessageLayout {
    float body_width = 0.0f;  // the bubble is as wide as this or its first line
    float height = 0.0f;      // including a day separator and the "new" line above it, if any
};
struct ConversationView {
    std::vector<MessageLayout> layout;
    std::int64_t first_seq = 0;  // with the count, tells a reload from the cached list
    std::int64_t last_seq = 0;
    float wrap_width = -1.0f;
    float font_size = -1.0f;
    std::ptrdiff_t layout_marker = -1;  // the "new" line's message index the layout was made with
    std::size_t last_count = 0;
    bool stick_to_bottom = true;  // false once the person scrolls up
    // A search result to show (gui/search_panel.cpp): scrolled to once it is
    // in the list, then highlighted until highlight_until_ms.
    std::optional<std::int64_t> jump_seq;
    std::int64_t highlight_seq = 0;
    std::int64_t highlight_until_ms = 0;
    // The "new" line (gui/unread_marker.hpp) sits above this incoming text. It
    // is placed when the tab comes into view with unread texts (once the
    // history is there: unread_at_show waits for it; the view then opens
    // scrolled to it) or when texts arrive while the window is not focused,
    // and stays until the tab goes out of view.
    std::optional<core::MessageId> new_marker;
    std::optional<std::uint32_t> unread_at_show;
    bool scroll_to_marker = false;
    int shown_frame = -1;  // ImGui frame it was last drawn in: a gap means it came into view again
};

struct InputBoxState {
    // Set by the InputText callbacks: plain Enter was pressed, then the text
    // was taken out of the widget's own buffer.
    bool send_requested = false;
    bool taken = false;
    std::string to_send;
};

struct ConversationsState {
    std::vector<PeerKey> open;           // tabs, in opening order
    std::optional<PeerKey> active;       // the tab shown
    std::optional<PeerKey> select;       // a tab to bring to front next frame
    std::map<PeerKey, ConversationView> views;
    std::map<PeerKey, std::string> drafts;  // kept per peer until sent
    InputBoxState input;
    bool focus_input = false;
    MessageMenuState menu;  // a message's right-click menu and Select text window
    // Texts that arrive while the window is not focused are unread even in
    // the tab in view: they get the "new" line too.
    bool window_focused = true;
};

struct VerifyDialogState {
    std::optional<PeerKey> peer;  // the dialog is open for this peer
    bool open_popup = false;      // ImGui::OpenPopup on the next frame
    std::string safety_number;    // empty while the node has not answered
};

struct NoticesState {
    std::uint64_t dismissed = 0;  // notices numbered below this are not in the banner
    bool show_log = false;
};

// The room form (create, and an admin's rename): name, topic, open.
struct RoomFormState {
    std::string name;
    std::string topic;
    bool open = false;
};

struct RoomScroll {
    std::size_t last_count = 0;
    bool stick_to_bottom = true;  // false once the person scrolls up
    // As ConversationView's: a search result, by entry id.
    std::optional<core::MessageId> jump_id;
    core::MessageId highlight_id{};
    std::int64_t highlight_until_ms = 0;
};

struct RoomsState {
    std::optional<core::RoomId> active;  // shown on the right instead of the conversations
    // A room to show once the model holds it: one just created, or an open
    // room just joined (its RoomChanged is still on the way).
    std::optional<core::RoomId> pending;
    std::map<core::RoomId, std::string> drafts;
    std::map<core::RoomId, RoomScroll> scroll;
    InputBoxState input;
    bool focus_input = false;
    MessageMenuState menu;  // a line's right-click menu and Select text window
    // Dialogs: *_popup asks for ImGui::OpenPopup on the next frame.
    bool create_popup = false;
    RoomFormState create;
    bool rename_popup = false;
    RoomFormState rename;
    bool invite_popup = false;
    bool browse_popup = false;
    bool leave_popup = false;
    std::optional<PeerKey> remove;  // a member the admin asked to remove, awaiting confirmation
    bool remove_popup = false;
    std::optional<PeerKey> promote;  // a member the creator asked to make an admin, awaiting confirmation
    bool promote_popup = false;
    bool search_requested = false;  // the Search button on the Rooms row: main opens the search window
};

struct TransfersState {
    bool show_window = false;           // the Transfers window
    std::optional<std::uint64_t> forget;  // an ended transfer the person cleared, for main to drop
    // "Save to...": the offer and the folder typed for it.
    std::optional<std::uint64_t> accept_to;
    std::string accept_dir;
    bool accept_popup = false;
};

// Shows room on the right and loads its history.
void open_room(RoomsState& state, const core::RoomId& room, Commands& out);
// Opens state.pending once the model holds that room.
void open_pending_room(const Model& model, RoomsState& state, Commands& out);
// Join / Decline buttons for an invitation; Join also shows the room.
void answer_invitation(const core::RoomView& room, RoomsState& state, Commands& out);
// The Rooms section of the side list: invitations (Join / Decline), rooms
// with unread counts, and the buttons for the create and browse dialogs.
void draw_room_list(const Model& model, RoomsState& state, Commands& out);
// The active room: header, conversation, input, members panel.
void draw_room(const Model& model, RoomsState& state, std::int64_t now_ms, Commands& out);
// Members of room with presence, badges, marks; admins get Remove.
void draw_room_members(const Model& model, const core::RoomView& room, RoomsState& state);
// Create, rename, invite, leave and remove dialogs.
void draw_room_dialogs(const Model& model, RoomsState& state, Commands& out);
// The open rooms heard of, with Join.
void draw_open_rooms(const Model& model, RoomsState& state, Commands& out);

// Opens (or brings to front) the conversation with peer and loads its history.
void open_conversation(ConversationsState& state, const PeerKey& peer, Commands& out);

void draw_identity_panel(const Model& model, IdentityPanelState& state, SettingsDialogState& settings, Commands& out);
// The "Settings..." button, on the current row's right end (settings_dialog.cpp).
void settings_button(SettingsDialogState& state);
// Notifications, read receipts, link-local XMPP.
void draw_settings_dialog(const Model& model, SettingsDialogState& state, Commands& out);
// bottom: height left free under the list (the Transfers button).
void draw_buddy_list(const Model& model, BuddyListState& state, ConversationsState& conversations,
                     VerifyDialogState& verify, float bottom, Commands& out);
// Tabs of open conversations, with the peer's transfers above the messages
// and the input box under them.
void draw_conversations(const Model& model, ConversationsState& state, VerifyDialogState& verify,
                        TransfersState& transfers, std::int64_t now_ms, Commands& out);
// The message editor: Enter sends (true, body moved to out_body), Shift+Enter
// is a new line, pasted line breaks are kept.
bool draw_input_box(std::string& draft, InputBoxState& state, bool focus, std::string& out_body);
// The same for the conversation with peer, which is told when the input
// changes (SetTyping: typing while it is not empty; nothing for the emptying
// by a send, the text itself ends the notice there).
bool draw_input_box(std::string& draft, InputBoxState& state, bool focus, std::string& out_body, const PeerKey& peer,
                    Commands& out);
// "NICK is typing…" as the last line of the conversation with peer while it
// types to us (gui/typing_line.cpp); call inside the messages' child window.
void draw_typing_line(const Model& model, const PeerKey& peer);
// The height draw_input_box wants below a conversation.
float input_box_height();
// Opens the verify dialog for peer and asks the node for the safety number.
void open_verify(VerifyDialogState& state, const PeerKey& peer, Commands& out);
void draw_verify_dialog(const Model& model, VerifyDialogState& state, Commands& out);
void draw_notices(const Model& model, NoticesState& state);

// Files (transfers_panel.cpp). Offers from peer (Accept / Save to... /
// Decline) and its transfers with progress, above its conversation.
void draw_peer_transfers(const Model& model, const PeerKey& peer, TransfersState& state, std::int64_t now_ms, Commands& out);
// "Transfers (N)" under the side list, when there are any: toggles the
// window. Its height (0 when there are none), for the list to leave free.
float transfers_button_height(const Model& model);
void draw_transfers_button(const Model& model, TransfersState& state);
// Every transfer, with every peer.
void draw_transfers_window(const Model& model, TransfersState& state, std::int64_t now_ms, Commands& out);
// The "Save to..." folder dialog.
void draw_transfer_dialogs(const Model& model, TransfersState& state, Commands& out);
// The "Accept files automatically" switch, for verified contacts only.
void auto_accept_checkbox(const core::PeerView& peer, Commands& out);

// Search (search_panel.cpp): the "Search messages" window, opened by the
// Search button on the Rooms row or Ctrl+F. A hit clicked shows its
// conversation (or room) scrolled to it, highlighted briefly.
struct SearchPanelState {
    bool open = false;
    bool focus_field = false;  // put the cursor in the field next frame
    std::string text;
    std::string asked;         // the text of the search in flight or last answered
};
void open_search(SearchPanelState& state);
void draw_search_panel(const Model& model, SearchPanelState& state, ConversationsState& conversations, RoomsState& rooms,
                       std::int64_t now_ms, Commands& out);
// The hooks of the message lists: called for every message (visible or not)
// at its y in the list's window and its height; scroll to a pending jump and
// draw the highlight.
void search_jump_hook(ConversationView& view, std::int64_t seq, float y, float height, std::int64_t now_ms);
void search_jump_hook(RoomScroll& scroll, const core::MessageId& id, float y, float height, std::int64_t now_ms);

// Shared bits of drawing (widgets.cpp).
// Grouped digits broken after the middle group, to fit a narrow panel.
std::string two_lines(std::string grouped);
void presence_dot(const core::PeerView& peer);
void presence_dot(bool online, std::string_view presence);
// An ImGui id scope for a key or room id (the bytes, not text).
template <std::size_t N>
void push_id(const std::array<std::uint8_t, N>& bytes) {
    const char* p = reinterpret_cast<const char*>(bytes.data());
    ImGui::PushID(p, p + N);
}
// ImGui::OpenPopup(name) once when requested; it must run in the id scope of
// the BeginPopupModal, so dialogs call it where they draw.
void open_popup_if(bool& requested, const char* name);
// A modal centred on the window.
bool begin_modal(const char* name, ImGuiWindowFlags flags = ImGuiWindowFlags_AlwaysAutoResize);
// Text of a given colour, unformatted (peer text is data).
void coloured_text(const ImVec4& colour, std::string_view text);
void badge_text(Badge b);
// The trust badge, or for a buddy that is not encrypted (link-local XMPP)
// "unencrypted · not verified" in the warning colour, its tooltip saying what
// that means.
void peer_badge_text(const core::PeerView& peer);
// security_badge(peer) alone, same colour and tooltip; nothing for an encrypted peer.
void unencrypted_badge_text(const core::PeerView& peer);

}  // namespace hallway::gui
