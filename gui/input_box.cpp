#include "gui/panels.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace hallway::gui {
namespace {

// Rows of text the input box shows before it scrolls.
constexpr float kInputRows = 3.0f;

// Enter sends, Shift+Enter is a new line. ImGui inserts '\n' for Enter in a
// multi-line field and passes it through the character filter first, so the
// filter can swallow a plain Enter and ask for a send. Ctrl is held while
// pasting (Ctrl+V), so pasted line breaks stay.
int callback(ImGuiInputTextCallbackData* data) {
    auto& state = *static_cast<InputBoxState*>(data->UserData);
    const ImGuiIO& io = ImGui::GetIO();
    if (data->EventFlag == ImGuiInputTextFlags_CallbackCharFilter) {
        if (data->EventChar == '\n' && !io.KeyShift && !io.KeyCtrl) {
            state.send_requested = true;
            return 1;
        }
        return 0;
    }
    // CallbackAlways runs later in the same frame: take the text out of the
    // widget's own buffer, which would otherwise write it back next frame.
    if (data->EventFlag == ImGuiInputTextFlags_CallbackAlways && state.send_requested) {
        state.send_requested = false;
        state.to_send.assign(data->Buf, static_cast<std::size_t>(data->BufTextLen));
        data->DeleteChars(0, data->BufTextLen);
        state.taken = true;
    }
    return 0;
}

// A line break or space left at the end is a slip of the finger, not content.
void trim_end(std::string& s) { s.erase(s.find_last_not_of(" \t\r\n") + 1); }

}  // namespace

float input_box_height() {
    return ImGui::GetTextLineHeight() * kInputRows + ImGui::GetStyle().FramePadding.y * 2;
}

bool draw_input_box(std::string& draft, InputBoxState& state, bool focus, std::string& out_body) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float button_w = ImGui::CalcTextSize("Send").x + style.FramePadding.x * 2;
    const float h = ImGui::GetContentRegionAvail().y;
    if (focus) ImGui::SetKeyboardFocusHere();
    ImGui::InputTextMultiline("##draft", &draft, ImVec2(-(button_w + style.ItemSpacing.x), h),
                              ImGuiInputTextFlags_CallbackCharFilter | ImGuiInputTextFlags_CallbackAlways, callback, &state);
    ImGui::SameLine();
    const bool clicked = ImGui::Button("Send", ImVec2(button_w, h));

    std::string body;
    if (state.taken) {
        state.taken = false;
        body = std::move(state.to_send);
        state.to_send.clear();
    } else if (clicked) {
        body = std::move(draft);
        draft.clear();
    } else {
        return false;
    }
    trim_end(body);
    // An empty message is refused by the node anyway; do not even ask.
    if (body.empty()) return false;
    out_body = std::move(body);
    return true;
}

bool draw_input_box(std::string& draft, InputBoxState& state, bool focus, std::string& out_body, const PeerKey& peer,
                    Commands& out) {
    const std::string before = draft;
    const bool send = draw_input_box(draft, state, focus, out_body);
    // Every edit goes to the node, which decides what the peer hears.
    if (!send && draft != before) out.push_back(SetTyping{peer, !draft.empty()});
    return send;
}

}  // namespace hallway::gui
