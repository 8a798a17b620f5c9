#include "gui/message_labels.hpp"
#include "gui/panels.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace hallway::gui {
namespace {

// Below this many buddies the whole list fits on screen; a filter box would
// only take room.
constexpr std::size_t kFilterThreshold = 8;

// How this run found the peer ("mdns eth0", "remembered"...): interface,
// domain and nick are network text, so unformatted.
void found_by_lines(const core::PeerView& peer) {
    if (peer.found_by.empty()) return;
    ImGui::TextDisabled("Found by");
    for (const auto& how : peer.found_by) ImGui::TextUnformatted(how.c_str());
}

void context_menu(const core::PeerView& peer, ConversationsState& conversations, VerifyDialogState& verify, Commands& out) {
    if (!ImGui::BeginPopupContextItem("buddy menu")) return;
    if (ImGui::MenuItem("Open conversation")) open_conversation(conversations, peer.key, out);
    // A link-local XMPP buddy has no key to verify, takes no files, joins no rooms.
    const bool plain = !security_badge(peer).empty();
    if (!plain && ImGui::MenuItem("Verify...")) open_verify(verify, peer.key, out);
    if (peer.trust == core::Trust::blocked) {
        if (ImGui::MenuItem("Unblock")) out.push_back(SetTrust{peer.key, core::Trust::unverified});
    } else if (ImGui::MenuItem("Block")) {
        out.push_back(SetTrust{peer.key, core::Trust::blocked});
    }
    if (!plain) auto_accept_checkbox(peer, out);
    ImGui::Separator();
    if (plain) {
        unencrypted_badge_text(peer);
        ImGui::TextDisabled("Link-local XMPP (Bonjour)");
        ImGui::TextUnformatted(peer.instance.c_str());
    } else {
        if (!peer.rooms) ImGui::TextDisabled("%s", kCannotJoinRooms);
        ImGui::TextDisabled("Fingerprint");
        const std::string fp = group_digits(peer.fingerprint);
        ImGui::TextUnformatted(fp.c_str());
    }
    for (const auto& a : peer.addresses) ImGui::TextUnformatted(a.c_str());
    found_by_lines(peer);
    ImGui::EndPopup();
}

void row(const Model& model, const core::PeerView& peer, ConversationsState& conversations, VerifyDialogState& verify,
         Commands& out) {
    push_id(peer.key);  // not the fingerprint: link-local XMPP buddies have none
    const bool selected = conversations.active && *conversations.active == peer.key;
    const ImVec2 start = ImGui::GetCursorPos();
    const float row_h = ImGui::GetTextLineHeightWithSpacing() * 2.0f;
    if (ImGui::Selectable("##row", selected, ImGuiSelectableFlags_AllowItemOverlap, ImVec2(0, row_h - ImGui::GetStyle().ItemSpacing.y)))
        open_conversation(conversations, peer.key, out);
    const bool plain = !security_badge(peer).empty();
    if (ImGui::IsItemHovered() && (plain || !peer.rooms || !peer.found_by.empty())) {
        ImGui::BeginTooltip();
        if (plain) {
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
            ImGui::TextUnformatted(kUnencryptedDetails);
            ImGui::PopTextWrapPos();
            ImGui::TextUnformatted(peer.instance.c_str());
        } else if (!peer.rooms) {
            ImGui::TextUnformatted(kCannotJoinRooms);
        }
        found_by_lines(peer);
        ImGui::EndTooltip();
    }
    context_menu(peer, conversations, verify, out);

    ImGui::SetCursorPos(start);
    presence_dot(peer);
    ImGui::SameLine();
    const std::string name = display_name(model, peer);
    if (peer.unread > 0) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 1.0f, 1.0f, 1.0f));
    ImGui::TextUnformatted(name.c_str());
    if (peer.unread > 0) {
        ImGui::PopStyleColor();
        ImGui::SameLine();
        const std::string n = std::to_string(peer.unread);
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.35f, 0.65f, 1.0f, 1.0f));
        ImGui::TextUnformatted(n.c_str());
        ImGui::PopStyleColor();
    }
    // Second line: trust badge, then the status message (peer text, unformatted).
    ImGui::SetCursorPosX(start.x + ImGui::GetTextLineHeight() + ImGui::GetStyle().ItemSpacing.x);
    peer_badge_text(peer);
    if (!peer.status_message.empty() && peer.online) {
        ImGui::SameLine();
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        ImGui::TextUnformatted(peer.status_message.c_str());
        ImGui::PopStyleColor();
    }
    ImGui::SetCursorPos(ImVec2(start.x, start.y + row_h));
    ImGui::PopID();
}

}  // namespace

void draw_buddy_list(const Model& model, BuddyListState& state, ConversationsState& conversations,
                     VerifyDialogState& verify, float bottom, Commands& out) {
    const std::size_t all = ordered_buddies(model, "").size();
    if (all >= kFilterThreshold || !state.filter.empty()) {
        ImGui::SetNextItemWidth(-1.0f);
        ImGui::InputTextWithHint("##filter", "Filter buddies", &state.filter);
    }
    const auto buddies = ordered_buddies(model, state.filter);
    if (buddies.empty()) {
        ImGui::TextDisabled(all == 0 ? "Nobody seen yet." : "No buddy matches.");
        return;
    }
    ImGui::BeginChild("buddies", ImVec2(0, -bottom));
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(buddies.size()), ImGui::GetTextLineHeightWithSpacing() * 2.0f);
    while (clipper.Step())
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i)
            row(model, *buddies[static_cast<std::size_t>(i)], conversations, verify, out);
    clipper.End();
    ImGui::EndChild();
}

}  // namespace hallway::gui
