#include "gui/message_labels.hpp"
#include "gui/panels.hpp"

#include <imgui.h>

namespace hallway::gui {

namespace {
ImVec4 presence_colour(bool online, std::string_view presence) {
    if (!online) return {0.45f, 0.45f, 0.45f, 1.0f};
    if (presence == "away") return {0.95f, 0.70f, 0.10f, 1.0f};
    if (presence == "busy") return {0.90f, 0.25f, 0.20f, 1.0f};
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

void presence_dot(const core::PeerView& peer) { presence_dot(peer.online, peer.presence); }

void presence_dot(bool online, std::string_view presence) {
    const float h = ImGui::GetTextLineHeight();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float r = h * 0.3f;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 colour = ImGui::ColorConvertFloat4ToU32(presence_colour(online, presence));
    if (online)
        dl->AddCircleFilled(ImVec2(p.x + h * 0.5f, p.y + h * 0.5f), r, colour);
    else
        dl->AddCircle(ImVec2(p.x + h * 0.5f, p.y + h * 0.5f), r, colour, 0, 1.5f);
    ImGui::Dummy(ImVec2(h, h));
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        const std::string_view shown = !online ? "offline" : presence.empty() ? "available" : presence;
        ImGui::TextUnformatted(shown.data(), shown.data() + shown.size());
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

void open_popup_if(bool& requested, const char* name) {
    if (!requested) return;
    ImGui::OpenPopup(name);
    requested = false;
}

bool begin_modal(const char* name, ImGuiWindowFlags flags) {
    ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    return ImGui::BeginPopupModal(name, nullptr, flags);
}

void coloured_text(const ImVec4& colour, std::string_view text) {
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextUnformatted(text.data(), text.data() + text.size());
    ImGui::PopStyleColor();
}

void badge_text(Badge b) { coloured_text(badge_colour(b), to_string(b)); }

void unencrypted_badge_text(const core::PeerView& peer) {
    const std::string_view badge = security_badge(peer);
    if (badge.empty()) return;
    coloured_text(badge_colour(Badge::warning), badge);
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
        ImGui::TextUnformatted(kUnencryptedDetails);
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
}

void peer_badge_text(const core::PeerView& peer) {
    if (security_badge(peer).empty()) badge_text(badge(peer));
    else unencrypted_badge_text(peer);
}

}  // namespace hallway::gui
