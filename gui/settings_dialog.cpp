#include "gui/panels.hpp"

#include <imgui.h>

#include <array>

namespace hallway::gui {
namespace {

constexpr const char* kTitle = "Settings";

// What a desktop notification of a message says, in the order of
// core::Notifications.
constexpr std::array<const char*, 3> kNotificationChoices{"Show name and text", "Hide name and text", "Off"};
constexpr const char* kNotificationsHelp =
    "When a message arrives while the Hallway window is not in front. "
    "Hidden: the notification says only \"New message\", for screens others can see. "
    "None come from blocked people, or while your status is busy.";

constexpr const char* kReadReceiptsHelp =
    "People see \"seen\" under the messages you have read. Off: you tell no one, and you see no one's either.";

constexpr const char* kBonjourLabel = "Link-local XMPP (Pidgin/Adium Bonjour)";
constexpr const char* kBonjourHelp =
    "Unencrypted and unauthenticated: anyone on this network can read those chats and use any name. "
    "Off in private mode.";

}  // namespace

void settings_button(SettingsDialogState& state) {
    // On the row of the label before it, right-aligned: the panel keeps its
    // rows (the window's tests click fixed places below it).
    const char* label = "Settings...";
    const float w = ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2.0f;
    // The label before it is short: the panel is at least 17 em wide.
    ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - w);
    if (ImGui::SmallButton(label)) state.open_popup = true;
}

void draw_settings_dialog(const Model& model, SettingsDialogState& state, Commands& out) {
    open_popup_if(state.open_popup, kTitle);
    if (!begin_modal(kTitle)) return;
    if (!model.own) {
        ImGui::TextDisabled("Starting...");
    } else {
        const core::OwnIdentity& own = *model.own;
        ImGui::TextUnformatted("Notifications");
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
        ImGui::TextDisabled("%s", kNotificationsHelp);
        ImGui::PopTextWrapPos();
        // Shows the node's value (OwnIdentity): a refused change springs back.
        int current = static_cast<int>(own.notifications);
        for (std::size_t i = 0; i < kNotificationChoices.size(); ++i)
            if (ImGui::RadioButton(kNotificationChoices[i], &current, static_cast<int>(i)))
                out.push_back(SetNotifications{static_cast<core::Notifications>(i)});
        ImGui::Separator();
        bool receipts = own.read_receipts;
        if (ImGui::Checkbox("Send read receipts", &receipts)) out.push_back(SetReadReceipts{receipts});
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
        ImGui::TextDisabled("%s", kReadReceiptsHelp);
        ImGui::PopTextWrapPos();
        ImGui::Separator();
        // Shows the node's value (OwnIdentity), as above.
        bool bonjour = own.bonjour;
        if (ImGui::Checkbox(kBonjourLabel, &bonjour)) out.push_back(SetBonjour{bonjour});
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
        ImGui::TextDisabled("%s", kBonjourHelp);
        if (own.bonjour && !own.link_local_name.empty()) {
            const std::string as = "Seen as " + own.link_local_name;  // our user@host
            ImGui::TextDisabled("%s", as.c_str());
        } else if (own.bonjour && own.private_mode) {
            ImGui::TextDisabled("%s", "Not running now: private mode is on.");
        }
        ImGui::PopTextWrapPos();
    }
    if (ImGui::Button("Close")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

}  // namespace hallway::gui
