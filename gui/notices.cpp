#include "gui/panels.hpp"

#include <imgui.h>

#include <algorithm>

namespace hallway::gui {
namespace {

ImVec4 level_colour(core::Notice::Level level) {
    switch (level) {
        case core::Notice::Level::alert: return {1.00f, 0.40f, 0.35f, 1.0f};
        case core::Notice::Level::warning: return {1.00f, 0.70f, 0.25f, 1.0f};
        case core::Notice::Level::info: break;
    }
    return {0.70f, 0.80f, 0.95f, 1.0f};
}

void notice_line(const core::Notice& n) {
    ImGui::PushStyleColor(ImGuiCol_Text, level_colour(n.level));
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(n.text.c_str(), n.text.c_str() + n.text.size());  // may quote peer text
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
}

}  // namespace

void draw_notices(const Model& model, NoticesState& state) {
    const std::uint64_t total = model.notices_dropped + model.notices.size();
    const std::size_t first = static_cast<std::size_t>(std::max(state.dismissed, model.notices_dropped) - model.notices_dropped);
    const std::size_t pending = model.notices.size() - first;
    if (pending > 0) {
        // The most serious pending notice heads the banner; the newest of that level.
        const core::Notice* top = nullptr;
        for (std::size_t i = first; i < model.notices.size(); ++i)
            if (!top || model.notices[i].level >= top->level) top = &model.notices[i];
        notice_line(*top);
        if (pending > 1) {
            ImGui::SameLine();
            ImGui::TextDisabled("(+%zu)", pending - 1);
        }
        ImGui::SameLine();
        if (ImGui::SmallButton("Dismiss")) state.dismissed = total;
        ImGui::SameLine();
    }
    if (!model.notices.empty()) {
        if (ImGui::SmallButton(state.show_log ? "Hide log" : "Log")) state.show_log = !state.show_log;
    }
    if (state.show_log) {
        ImGui::BeginChild("log", ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * 6), true);
        for (const auto& n : model.notices) notice_line(n);
        if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY()) ImGui::SetScrollHereY(1.0f);
        ImGui::EndChild();
    }
    if (!model.notices.empty()) ImGui::Separator();
}

}  // namespace hallway::gui
