#include "gui/panels.hpp"

#include <imgui.h>

namespace hallway::gui {

namespace {
ImVec4 presence_colour(const core::PeerView& peer) {
    if (!peer.online) return {0.45f, 0.45f, 0.45f, 1.0f};
    if (peer.presence == "away") return {0.95f, 0.70f, 0.10f, 1.0f};
    if (peer.presence == "busy") return {0.90f, 0.25f, 0.20f, 1.0f};
    return {0.25f, 0.80f, 0.35f, 1.0f};
}

ImVec4 badge_colour(Badge b) {
    switch (b) {
        case Badge::verified: return {0.35f, 0.80f, 0.45f, 1.0f};
        case Badge::warning: return {1.00f, 0.55f, 0.15f, 1.0f};
        case Badge::blocked: return {0.90f, 0.30f, 0.30f, 1.0f};
        case Badge::unverified: break;
    }
    return {0.60f, 0.60f, 0.60f, 1.0f};
}
}  // namespace

void presence_dot(const core::PeerView& peer) {
    const float h = ImGui::GetTextLineHeight();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float r = h * 0.3f;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 colour = ImGui::ColorConvertFloat4ToU32(presence_colour(peer));
    if (peer.online)
        dl->AddCircleFilled(ImVec2(p.x + h * 0.5f, p.y + h * 0.5f), r, colour);
    else
        dl->AddCircle(ImVec2(p.x + h * 0.5f, p.y + h * 0.5f), r, colour, 0, 1.5f);
    ImGui::Dummy(ImVec2(h, h));
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::TextUnformatted(peer.online ? (peer.presence.empty() ? "available" : peer.presence.c_str()) : "offline");
        ImGui::EndTooltip();
    }
}

std::string two_lines(std::string grouped) {
    const std::size_t groups = (grouped.size() + 1) / 6;
    std::size_t space = 0;
    for (std::size_t i = 0; i < groups / 2 && space != std::string::npos; ++i) space = grouped.find(' ', space + (i ? 1 : 0));
    if (groups > 1 && space != std::string::npos) grouped[space] = '\n';
    return grouped;
}

void badge_text(Badge b) {
    ImGui::PushStyleColor(ImGuiCol_Text, badge_colour(b));
    const std::string_view s = to_string(b);
    ImGui::TextUnformatted(s.data(), s.data() + s.size());
    ImGui::PopStyleColor();
}

}  // namespace hallway::gui
