#include "gui/panels.hpp"

#include <imgui.h>

namespace hallway::gui {

void draw_open_rooms(const Model& model, RoomsState& state, Commands& out) {
    open_popup_if(state.browse_popup, "Open rooms");
    ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 30.0f, ImGui::GetFontSize() * 20.0f), ImGuiCond_Appearing);
    if (!begin_modal("Open rooms", 0)) return;
    ImGui::TextDisabled("Open rooms the peers online here are in.");
    ImGui::SameLine();
    if (ImGui::SmallButton("Ask again")) out.push_back(QueryOpenRooms{});
    ImGui::Separator();
    const float footer = ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y;
    ImGui::BeginChild("open rooms", ImVec2(0, -footer));
    if (model.open_rooms.empty()) ImGui::TextDisabled("None heard of yet: answers arrive as peers reply.");
    for (const core::OpenRoom& r : model.open_rooms) {
        push_id(r.id);
        const std::string name = "# " + r.name;
        ImGui::TextUnformatted(name.c_str());
        ImGui::SameLine();
        ImGui::TextDisabled("%u %s", r.members, r.members == 1 ? "member" : "members");
        ImGui::SameLine();
        if (r.joined) {
            ImGui::TextDisabled("(joined)");
        } else if (ImGui::SmallButton("Join")) {
            out.push_back(JoinRoom{r.id});
            // Shown once the node holds it: opening it now would find no room and close it.
            state.pending = r.id;
            ImGui::CloseCurrentPopup();
        }
        if (!r.topic.empty()) {
            ImGui::PushTextWrapPos(0.0f);
            ImGui::TextUnformatted(r.topic.c_str());
            ImGui::PopTextWrapPos();
        }
        ImGui::Separator();
        ImGui::PopID();
    }
    ImGui::EndChild();
    if (ImGui::Button("Close")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

}  // namespace hallway::gui
