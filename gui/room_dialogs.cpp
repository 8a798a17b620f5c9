#include "gui/panels.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace hallway::gui {
namespace {

const ImVec4 kErrorColour{1.0f, 0.55f, 0.35f, 1.0f};

// Name, topic, open; true (OK pressed) only for a form the node would take.
bool room_form(RoomFormState& form, const char* ok) {
    const float w = ImGui::GetFontSize() * 22.0f;
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    ImGui::SetNextItemWidth(w);
    ImGui::InputTextWithHint("Name", "e.g. team", &form.name);
    ImGui::SetNextItemWidth(w);
    ImGui::InputTextWithHint("Topic", "optional", &form.topic);
    ImGui::Checkbox("Open: anyone on the LAN may find and join it", &form.open);
    const std::string error = room_form_error(form.name, form.topic);
    // An empty name is the form's starting point, not a mistake to shout about.
    if (!error.empty() && !form.name.empty()) coloured_text(kErrorColour, error);
    ImGui::BeginDisabled(!error.empty());
    const bool pressed = ImGui::Button(ok);
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    return pressed;
}

const core::RoomView* active_room(const Model& model, const RoomsState& state) {
    auto it = state.active ? model.rooms.find(*state.active) : model.rooms.end();
    return it == model.rooms.end() ? nullptr : &it->second;
}

void invite_dialog(const Model& model, const core::RoomView& room, Commands& out) {
    const InviteChoices choices = invite_choices(model, room.id);
    if (choices.can.empty()) ImGui::TextDisabled("Nobody else here can be invited.");
    for (const core::PeerView* p : choices.can) {
        push_id(p->key);
        presence_dot(*p);
        ImGui::SameLine();
        const std::string name = display_name(model, *p);
        ImGui::TextUnformatted(name.c_str());
        ImGui::SameLine();
        badge_text(badge(*p));
        ImGui::SameLine();
        if (ImGui::SmallButton("Invite")) out.push_back(Invite{room.id, p->key});
        ImGui::PopID();
    }
    if (!choices.cannot.empty()) {
        ImGui::Separator();
        ImGui::TextDisabled("%s:", kCannotJoinRooms);
        for (const core::PeerView* p : choices.cannot) {
            const std::string name = display_name(model, *p);
            ImGui::BulletText("%s", name.c_str());
        }
    }
    ImGui::Separator();
    if (ImGui::Button("Close")) ImGui::CloseCurrentPopup();
}

// Yes/No for a step that cannot be undone from this side.
bool confirm(const std::string& question, const char* yes) {
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
    ImGui::TextUnformatted(question.c_str());
    ImGui::PopTextWrapPos();
    const bool pressed = ImGui::Button(yes);
    ImGui::SameLine();
    if (pressed || ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    return pressed;
}

std::string member_name(const core::RoomView& room, const PeerKey& key) {
    for (const auto& m : room.members)
        if (m.key == key) return m.nick.empty() ? m.fingerprint.substr(0, 5) : m.nick;
    return "?";
}

}  // namespace

void draw_room_dialogs(const Model& model, RoomsState& state, Commands& out) {
    open_popup_if(state.create_popup, "New room");
    open_popup_if(state.rename_popup, "Change room");
    open_popup_if(state.invite_popup, "Invite to room");
    open_popup_if(state.leave_popup, "Leave room");
    open_popup_if(state.remove_popup, "Remove member");
    open_popup_if(state.promote_popup, "Make admin");

    if (begin_modal("New room")) {
        if (room_form(state.create, "Create")) {
            out.push_back(CreateRoom{state.create.name, state.create.topic, state.create.open});
            ImGui::CloseCurrentPopup();
        }
        ImGui::EndPopup();
    }
    // The room may go away under an open dialog (removed, left elsewhere): close it.
    const core::RoomView* room = active_room(model, state);
    if (begin_modal("Change room")) {
        if (!room) ImGui::CloseCurrentPopup();
        else if (room_form(state.rename, "Save")) {
            out.push_back(SetRoom{room->id, state.rename.name, state.rename.topic, state.rename.open});
            ImGui::CloseCurrentPopup();
        }
        ImGui::EndPopup();
    }
    if (begin_modal("Invite to room")) {
        if (!room) ImGui::CloseCurrentPopup();
        else invite_dialog(model, *room, out);
        ImGui::EndPopup();
    }
    if (begin_modal("Leave room")) {
        if (!room) ImGui::CloseCurrentPopup();
        else if (confirm("Leave # " + room->name + "? You need a new invitation to come back" +
                             (room->open ? " (or join it again: it is open)." : "."),
                         "Leave")) {
            out.push_back(LeaveRoom{room->id});
            state.active.reset();
        }
        ImGui::EndPopup();
    }
    if (begin_modal("Remove member")) {
        if (!room || !state.remove) ImGui::CloseCurrentPopup();
        else if (confirm("Remove " + member_name(*room, *state.remove) + " from # " + room->name +
                             "? They get nothing said in the room after this.",
                         "Remove")) {
            out.push_back(RemoveMember{room->id, *state.remove});
            state.remove.reset();
        }
        ImGui::EndPopup();
    }
    if (begin_modal("Make admin")) {
        if (!room || !state.promote) ImGui::CloseCurrentPopup();
        else if (confirm("Make " + member_name(*room, *state.promote) + " an admin of # " + room->name +
                             "? Admins may remove members and change the room; only you can make admins.",
                         "Make admin")) {
            out.push_back(MakeAdmin{room->id, *state.promote});
            state.promote.reset();
        }
        ImGui::EndPopup();
    }
}

}  // namespace hallway::gui
