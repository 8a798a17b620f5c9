#include "gui/panels.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <array>

namespace hallway::gui {
namespace {

constexpr std::array<const char*, 3> kPresences{"available", "away", "busy"};

// What private mode costs, said plainly (docs/PROTOCOL.md §2.3).
constexpr const char* kPrivateModeHelp =
    "Private mode: strangers on the network cannot find you or see who you are. "
    "Only people who already have your key (you met in normal mode once) can reach you; "
    "new people cannot add you until you turn it off.";

// Who may ask where your contacts are (docs/PROTOCOL.md §13), in the order of
// core::ShareAddresses.
constexpr std::array<const char*, 3> kShareChoices{"Verified contacts", "Any contact", "Nobody"};
constexpr const char* kShareHelp =
    "Who may ask this computer where your contacts are, so they can reach one that is on another network. "
    "Only contacts that allow it themselves are told of, and only to people who already know their key. "
    "Nobody: you neither ask nor answer.";

// An edit field that shows the node's value until the person edits it, and
// reports the new value once editing ends (Enter or focus lost).
bool edit_field(const char* label, const char* hint, const std::string& current, std::string& edit, bool& active) {
    if (!active) edit = current;
    ImGui::SetNextItemWidth(-1.0f);
    ImGui::InputTextWithHint(label, hint, &edit);
    active = ImGui::IsItemActive();
    return ImGui::IsItemDeactivatedAfterEdit() && edit != current;
}

// A wrapped tooltip for the item just drawn, while hovered.
void help_tooltip(const char* text) {
    if (!ImGui::IsItemHovered()) return;
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

}  // namespace

void draw_identity_panel(const Model& model, IdentityPanelState& state, SettingsDialogState& settings, Commands& out) {
    if (!model.own) {
        ImGui::TextDisabled("Starting...");
        return;
    }
    const core::OwnIdentity& own = *model.own;

    if (edit_field("##nick", "Your name", own.nick, state.nick_edit, state.nick_active) && !state.nick_edit.empty())
        out.push_back(SetNick{state.nick_edit});

    int current = 0;
    for (std::size_t i = 0; i < kPresences.size(); ++i)
        if (own.presence == kPresences[i]) current = static_cast<int>(i);
    ImGui::SetNextItemWidth(-1.0f);
    if (ImGui::Combo("##presence", &current, kPresences.data(), static_cast<int>(kPresences.size())))
        out.push_back(SetPresence{kPresences[static_cast<std::size_t>(current)], own.status_message});

    if (edit_field("##status", "Status message", own.status_message, state.status_edit, state.status_active))
        out.push_back(SetPresence{own.presence, state.status_edit});

    // Shows the node's state (OwnIdentity), so a refused change springs back.
    bool private_mode = own.private_mode;
    if (ImGui::Checkbox("Private mode", &private_mode)) out.push_back(SetPrivateMode{private_mode});
    help_tooltip(kPrivateModeHelp);
    ImGui::SameLine();
    ImGui::TextDisabled("(?)");
    help_tooltip(kPrivateModeHelp);

    int share = static_cast<int>(own.share_addresses);
    ImGui::TextDisabled("Share addresses with");
    ImGui::SetNextItemWidth(-1.0f);
    if (ImGui::Combo("##share_addresses", &share, kShareChoices.data(), static_cast<int>(kShareChoices.size())))
        out.push_back(SetShareAddresses{static_cast<core::ShareAddresses>(share)});
    help_tooltip(kShareHelp);

    ImGui::TextDisabled("Your fingerprint");
    settings_button(settings);  // a small button: the row keeps its height
    // Read-only but selectable, so it can be copied into another program.
    std::string fp = two_lines(group_digits(own.fingerprint));
    ImGui::SetNextItemWidth(-1.0f);
    ImGui::InputTextMultiline("##fingerprint", &fp, ImVec2(-1.0f, ImGui::GetTextLineHeight() * 2 + ImGui::GetStyle().FramePadding.y * 2),
                              ImGuiInputTextFlags_ReadOnly);
    if (ImGui::SmallButton("Copy fingerprint")) ImGui::SetClipboardText(group_digits(own.fingerprint).c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("port %u", static_cast<unsigned>(own.port));
}

}  // namespace hallway::gui
