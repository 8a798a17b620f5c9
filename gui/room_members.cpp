#include "gui/panels.hpp"

#include <algorithm>
#include <imgui.h>

namespace hallway::gui {
namespace {

const ImVec4 kWarningColour{1.0f, 0.6f, 0.2f, 1.0f};

bool is_me(const Model& model, const core::RoomMemberView& m) {
    return model.own && model.own->fingerprint == m.fingerprint;
}

bool i_am_creator(const Model& model, const core::RoomView& room) {
    return std::any_of(room.members.begin(), room.members.end(),
                       [&](const core::RoomMemberView& m) { return m.creator && is_me(model, m); });
}

void member_row(const Model& model, const core::RoomView& room, const core::RoomMemberView& m, RoomsState& state) {
    // The buddy's presence (away, busy) when we know it; the room only says online.
    auto peer = model.peers.find(m.key);
    presence_dot(m.online, peer != model.peers.end() ? std::string_view(peer->second.presence) : std::string_view());
    ImGui::SameLine();
    const std::string name = m.nick.empty() ? m.fingerprint.substr(0, 5) : m.nick;
    ImGui::TextUnformatted(name.c_str(), name.c_str() + name.size());
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::TextDisabled("Fingerprint");
        const std::string fp = two_lines(group_digits(m.fingerprint));
        ImGui::TextUnformatted(fp.c_str());
        ImGui::EndTooltip();
    }
    if (m.creator || m.admin) {
        ImGui::SameLine();
        ImGui::TextDisabled(m.creator ? "creator" : "admin");
    }
    ImGui::Indent(ImGui::GetTextLineHeight() + ImGui::GetStyle().ItemSpacing.x);
    if (is_me(model, m)) {
        ImGui::TextDisabled("you");
    } else {
        badge_text(badge(m));
        // Only the creator outranks admins: the node refuses removing the creator.
        if (room.admin && !m.creator && room.membership == core::RoomMembership::joined) {
            ImGui::SameLine();
            if (ImGui::SmallButton("Remove")) {
                state.remove = m.key;
                state.remove_popup = true;
            }
        }
        if (i_am_creator(model, room) && !m.admin && room.membership == core::RoomMembership::joined) {
            ImGui::SameLine();
            if (ImGui::SmallButton("Make admin")) {
                state.promote = m.key;
                state.promote_popup = true;
            }
        }
    }
    if (m.name_clash) {
        ImGui::PushTextWrapPos(0.0f);
        coloured_text(kWarningColour, "Possible impostor: a verified contact has this name with another key.");
        ImGui::PopTextWrapPos();
    }
    ImGui::Unindent(ImGui::GetTextLineHeight() + ImGui::GetStyle().ItemSpacing.x);
}

}  // namespace

void draw_room_members(const Model& model, const core::RoomView& room, RoomsState& state) {
    ImGui::TextDisabled("Members (%zu)", room.members.size());
    ImGui::Separator();
    for (const core::RoomMemberView* m : ordered_members(room)) {
        push_id(m->key);
        member_row(model, room, *m, state);
        ImGui::PopID();
    }
}

}  // namespace hallway::gui
