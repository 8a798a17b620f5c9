#include "gui/unlock_screen.hpp"

#include <imgui.h>
#include <imgui_internal.h>
#include <sodium.h>

#include <algorithm>

namespace hallway::gui {
namespace {

template <class T>
void wipe(ImVector<T>& v) {
    if (v.Data) sodium_memzero(v.Data, static_cast<std::size_t>(v.Capacity) * sizeof(T));
}

// ImGui keeps its own copies of an edited field (the edit buffers of the one
// active text field) and of the typed characters not yet taken: wiped with
// ours once a passphrase is taken. Undo is off for the field, so no other copy.
void wipe_imgui_copies() {
    ImGui::ClearActiveID();
    ImGuiInputTextState& st = ImGui::GetCurrentContext()->InputTextState;
    wipe(st.TextW);
    wipe(st.TextA);
    wipe(st.InitialTextA);
    st.CurLenW = st.CurLenA = 0;
    wipe(ImGui::GetIO().InputQueueCharacters);
}

}  // namespace

void draw_unlock_screen(UnlockScreen& s, const std::filesystem::path& dir, const std::function<void()>& wake) {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    ImGui::Begin("Unlock", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
    // A column of about 26 characters' width, centred, a third of the way down.
    const float em = ImGui::GetFontSize();
    const float width = std::min(em * 26.0f, ImGui::GetContentRegionAvail().x);
    const float left = std::max(0.0f, (ImGui::GetContentRegionAvail().x - width) * 0.5f);
    ImGui::SetCursorPosY(ImGui::GetContentRegionAvail().y * 0.3f);
    ImGui::SetCursorPosX(left);
    ImGui::BeginGroup();
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
    ImGui::TextUnformatted("This profile is locked.");
    ImGui::TextDisabled("%s", dir.string().c_str());
    ImGui::Spacing();
    if (s.phase == UnlockScreen::Phase::unlocking) {
        ImGui::TextUnformatted("Unlocking\xe2\x80\xa6");
    } else {
        if (s.focus) {
            ImGui::SetKeyboardFocusHere();
            s.focus = false;
        }
        ImGui::SetNextItemWidth(width);
        const bool enter = ImGui::InputTextWithHint(
            "##passphrase", "Passphrase", s.field.data(), s.field.size(),
            ImGuiInputTextFlags_Password | ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_NoUndoRedo);
        if (!s.error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", s.error.c_str());
        const bool unlock = ImGui::Button("Unlock");
        ImGui::SameLine();
        if (ImGui::Button("Quit")) s.phase = UnlockScreen::Phase::quit;
        if (enter || unlock) {
            if (submit(s, dir, wake))
                wipe_imgui_copies();
            else
                s.focus = true;  // nothing typed: back to the field
        }
    }
    ImGui::PopTextWrapPos();
    ImGui::EndGroup();
    ImGui::End();
}

}  // namespace hallway::gui
