#include "gui/message_menu.hpp"

#include "gui/panels.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

namespace hallway::gui {
namespace {

constexpr const char* kSelectTitle = "Select text";
// The Select text window's field, in font sizes and lines.
constexpr float kSelectWidth = 36.0f;
constexpr float kSelectLines = 12.0f;

}  // namespace

void message_menu(MessageMenuState& state, std::string_view body, std::optional<std::string_view> link_under_mouse,
                  Commands& out) {
    // The link is taken when the menu opens (on release, as the menu opens), so
    // it stays the one clicked while the mouse moves over the menu.
    if (ImGui::IsMouseReleased(ImGuiMouseButton_Right) && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenBlockedByPopup))
        state.link = link_under_mouse ? std::string(*link_under_mouse) : std::string();
    if (!ImGui::BeginPopupContextItem("message menu")) return;
    const std::string text(body);  // SetClipboardText wants a terminated string
    if (ImGui::MenuItem("Copy text")) ImGui::SetClipboardText(text.c_str());
    if (ImGui::MenuItem("Select text...")) {
        state.select_body = text;
        state.select_popup = true;
    }
    if (!state.link.empty()) {
        ImGui::Separator();
        if (ImGui::MenuItem("Copy link")) ImGui::SetClipboardText(state.link.c_str());
        if (ImGui::MenuItem("Open link")) out.push_back(OpenLink{state.link});
    }
    ImGui::EndPopup();
}

void draw_select_text(MessageMenuState& state) {
    open_popup_if(state.select_popup, kSelectTitle);
    if (!begin_modal(kSelectTitle)) return;
    const float w = std::min(ImGui::GetFontSize() * kSelectWidth, ImGui::GetMainViewport()->WorkSize.x * 0.8f);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    // Read-only: the field only selects and copies; the message stays as it came.
    ImGui::InputTextMultiline("##selectable", &state.select_body, ImVec2(w, ImGui::GetTextLineHeight() * kSelectLines),
                              ImGuiInputTextFlags_ReadOnly);
    ImGui::TextDisabled("Select with the mouse or Ctrl+A, copy with Ctrl+C.");
    if (ImGui::Button("Copy all")) ImGui::SetClipboardText(state.select_body.c_str());
    ImGui::SameLine();
    if (ImGui::Button("Close")) {
        state.select_body.clear();
        ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
}

}  // namespace hallway::gui
