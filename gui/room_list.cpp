#include "gui/panels.hpp"

#include <imgui.h>

#include <algorithm>

namespace hallway::gui {
namespace {

// The rooms section never takes more than this share of the side list: the
// buddies below must stay reachable.
constexpr float kMaxShare = 0.4f;

const ImVec4 kUnreadColour{0.35f, 0.65f, 1.0f, 1.0f};

void invitation_row(const Model& model, const core::RoomView& room, RoomsState& state, Commands& out) {
    const std::string name = "# " + room.name;
    ImGui::TextUnformatted(name.c_str());
    ImGui::Indent();
    const std::string who = invitation_label(model, room);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextUnformatted(who.c_str());
    ImGui::PopStyleColor();
    answer_invitation(room, state, out);
    ImGui::Unindent();
}

void room_row(const core::RoomView& room, RoomsState& state, Commands& out) {
    const bool selected = state.active && *state.active == room.id;
    const ImVec2 start = ImGui::GetCursorPos();
    // The label is drawn over the row: a name holding "##" must not become an ImGui id.
    if (ImGui::Selectable("##room", selected, ImGuiSelectableFlags_AllowItemOverlap)) open_room(state, room.id, out);
    if (!room.topic.empty() && ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
        ImGui::TextUnformatted(room.topic.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
    ImGui::SetCursorPos(start);
    const std::string name = "# " + room.name;
    const bool left = room.membership == core::RoomMembership::left;
    if (left) ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextUnformatted(name.c_str());
    if (left) {
        ImGui::PopStyleColor();
        ImGui::SameLine();
        ImGui::TextDisabled("(left)");
    } else if (room.unread > 0) {
        ImGui::SameLine();
        coloured_text(kUnreadColour, std::to_string(room.unread));
    }
}

}  // namespace

void open_room(RoomsState& state, const core::RoomId& room, Commands& out) {
    state.active = room;
    state.focus_input = true;
    out.push_back(OpenRoomConversation{room});
}

void open_pending_room(const Model& model, RoomsState& state, Commands& out) {
    if (!state.pending || !model.rooms.contains(*state.pending)) return;
    open_room(state, *state.pending, out);
    state.pending.reset();
}

void answer_invitation(const core::RoomView& room, RoomsState& state, Commands& out) {
    if (ImGui::SmallButton("Join")) {
        out.push_back(JoinRoom{room.id});
        open_room(state, room.id, out);
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("Decline")) {
        out.push_back(LeaveRoom{room.id});
        if (state.active == room.id) state.active.reset();
    }
}

void draw_room_list(const Model& model, RoomsState& state, Commands& out) {
    open_pending_room(model, state, out);
    ImGui::TextDisabled("Rooms");
    ImGui::SameLine();
    if (ImGui::SmallButton("New...")) {
        state.create = RoomFormState{};
        state.create_popup = true;
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("Browse...")) {
        out.push_back(QueryOpenRooms{});
        state.browse_popup = true;
    }
    // On this row, not a row of its own: nothing below moves (gui/search_panel.cpp).
    ImGui::SameLine();
    if (ImGui::SmallButton("Search")) state.search_requested = true;
    const auto rooms = ordered_rooms(model);
    if (rooms.empty()) {
        ImGui::TextDisabled("No rooms yet.");
        return;
    }
    const float line = ImGui::GetTextLineHeightWithSpacing();
    float want = ImGui::GetStyle().WindowPadding.y * 2;
    for (const auto* r : rooms) want += r->membership == core::RoomMembership::invited ? line * 3.0f : line;
    const float height = std::min(want, ImGui::GetContentRegionAvail().y * kMaxShare);
    ImGui::BeginChild("rooms", ImVec2(0, height));
    for (const auto* r : rooms) {
        push_id(r->id);
        if (r->membership == core::RoomMembership::invited)
            invitation_row(model, *r, state, out);
        else
            room_row(*r, state, out);
        ImGui::PopID();
    }
    ImGui::EndChild();
}

}  // namespace hallway::gui
