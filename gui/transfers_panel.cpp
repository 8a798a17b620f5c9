#include "gui/panels.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace hallway::gui {
namespace {

// Transfers shown above a conversation; the rest are in the Transfers window.
constexpr std::size_t kShownInConversation = 3;

const ImVec4 kDoneColour{0.45f, 0.85f, 0.50f, 1.0f};
const ImVec4 kProblemColour{1.00f, 0.55f, 0.25f, 1.0f};

// The peer as the buddy list names it, else the nick the node gave.
std::string peer_name(const Model& model, const core::TransferView& v) {
    if (auto p = model.peers.find(v.peer); p != model.peers.end()) return display_name(model, p->second);
    return v.peer_nick.empty() ? std::string("someone") : v.peer_nick;
}

// One line of text, wrapped; peer text (names, reasons) is data.
void wrapped(std::string_view s, const ImVec4* colour = nullptr) {
    if (colour) ImGui::PushStyleColor(ImGuiCol_Text, *colour);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(s.data(), s.data() + s.size());
    ImGui::PopTextWrapPos();
    if (colour) ImGui::PopStyleColor();
}

void disabled_text(std::string_view s) { coloured_text(ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled), s); }

// A progress bar leaving room on its right for `buttons` small buttons.
void bar(float fraction, float buttons_width) {
    ImGui::ProgressBar(fraction, ImVec2(-buttons_width, ImGui::GetTextLineHeight()), nullptr);
    if (buttons_width > 0.0f) ImGui::SameLine();
}

float small_buttons_width(std::initializer_list<const char*> labels) {
    const ImGuiStyle& style = ImGui::GetStyle();
    float w = 0.0f;
    for (const char* l : labels) w += ImGui::CalcTextSize(l).x + style.FramePadding.x * 2 + style.ItemSpacing.x;
    return w;
}

// One transfer: who and what, the line of progress, and what can be done.
void card(const Model& model, const Transfer& t, bool with_peer, TransfersState& state, std::int64_t now_ms, Commands& out) {
    const core::TransferView& v = t.view;
    const bool in = v.direction == core::Direction::in;
    const char* id = reinterpret_cast<const char*>(&v.id);
    ImGui::PushID(id, id + sizeof v.id);
    std::string head = with_peer ? (in ? "From " : "To ") + peer_name(model, v) + ": " : std::string(in ? "Incoming: " : "Outgoing: ");
    head += t.names + " (" + size_label(v.total) + ")";
    wrapped(head);

    const TransferLine line = transfer_line(t, now_ms);
    switch (v.state) {
        case core::TransferState::offered:
            disabled_text(line.text);
            if (in) {
                if (ImGui::SmallButton("Accept")) out.push_back(AcceptTransfer{v.id, {}});
                ImGui::SameLine();
                if (ImGui::SmallButton("Save to...")) {
                    state.accept_to = v.id;
                    state.accept_dir.clear();
                    state.accept_popup = true;
                }
                ImGui::SameLine();
                if (ImGui::SmallButton("Decline")) out.push_back(DeclineTransfer{v.id});
            } else if (ImGui::SmallButton("Cancel")) {
                out.push_back(CancelTransfer{v.id});
            }
            break;
        case core::TransferState::preparing:
        case core::TransferState::active:
            ImGui::TextUnformatted(line.text.c_str());
            bar(line.fraction, small_buttons_width({"Cancel"}));
            if (ImGui::SmallButton("Cancel")) out.push_back(CancelTransfer{v.id});
            break;
        case core::TransferState::paused:
            ImGui::TextUnformatted(line.text.c_str());
            if (!v.reason.empty()) wrapped(v.reason, &kProblemColour);
            bar(line.fraction, in ? small_buttons_width({"Resume", "Cancel"}) : small_buttons_width({"Cancel"}));
            // Only our own disk pauses an incoming transfer; the sender waits for the receiver.
            if (in) {
                if (ImGui::SmallButton("Resume")) out.push_back(ResumeTransfer{v.id});
                ImGui::SameLine();
            }
            if (ImGui::SmallButton("Cancel")) out.push_back(CancelTransfer{v.id});
            break;
        case core::TransferState::done:
            coloured_text(kDoneColour, line.text);
            if (in && !v.folder.empty()) {
                ImGui::SameLine();
                if (ImGui::SmallButton("Open folder")) out.push_back(OpenFolder{v.folder});
            }
            ImGui::SameLine();
            if (ImGui::SmallButton("Clear")) state.forget = v.id;
            break;
        case core::TransferState::failed:
            disabled_text(line.text);
            if (!v.reason.empty()) wrapped(v.reason, &kProblemColour);
            if (ImGui::SmallButton("Clear")) state.forget = v.id;
            break;
    }
    ImGui::PopID();
}

}  // namespace

void draw_peer_transfers(const Model& model, const PeerKey& peer, TransfersState& state, std::int64_t now_ms, Commands& out) {
    const auto list = ordered_transfers(model, &peer);
    if (list.empty()) return;
    for (std::size_t i = 0; i < list.size() && i < kShownInConversation; ++i) {
        card(model, *list[i], false, state, now_ms, out);
        ImGui::Spacing();
    }
    if (list.size() > kShownInConversation) {
        const std::string more = std::to_string(list.size() - kShownInConversation) + " more...";
        if (ImGui::SmallButton(more.c_str())) state.show_window = true;
    }
    ImGui::Separator();
}

float transfers_button_height(const Model& model) {
    return model.transfers.empty() ? 0.0f : ImGui::GetFrameHeightWithSpacing();
}

void draw_transfers_button(const Model& model, TransfersState& state) {
    if (model.transfers.empty()) return;
    // Pinned to the bottom: rows above it do not move when it appears.
    ImGui::SetCursorPosY(ImGui::GetWindowHeight() - ImGui::GetStyle().WindowPadding.y - ImGui::GetFrameHeight());
    std::size_t moving = 0;
    for (const auto& [id, t] : model.transfers) moving += ended(t.view.state) ? 0 : 1;
    const std::string label = "Transfers" + (moving ? " (" + std::to_string(moving) + ")" : std::string()) + "###transfers";
    if (ImGui::Button(label.c_str())) state.show_window = !state.show_window;
}

void draw_transfers_window(const Model& model, TransfersState& state, std::int64_t now_ms, Commands& out) {
    if (!state.show_window) return;
    ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 30.0f, ImGui::GetFontSize() * 20.0f), ImGuiCond_FirstUseEver);
    if (ImGui::Begin("Transfers", &state.show_window, ImGuiWindowFlags_NoSavedSettings)) {
        const auto list = ordered_transfers(model);
        if (list.empty()) ImGui::TextDisabled("No transfers.");
        for (const Transfer* t : list) {
            card(model, *t, true, state, now_ms, out);
            ImGui::Separator();
        }
    }
    ImGui::End();
}

void draw_transfer_dialogs(const Model& model, TransfersState& state, Commands& out) {
    open_popup_if(state.accept_popup, "Save files to");
    if (!begin_modal("Save files to")) return;
    auto t = state.accept_to ? model.transfers.find(*state.accept_to) : model.transfers.end();
    if (t == model.transfers.end() || t->second.view.state != core::TransferState::offered) {
        ImGui::TextDisabled("This offer is gone.");
        if (ImGui::Button("Close")) ImGui::CloseCurrentPopup();
        ImGui::EndPopup();
        return;
    }
    wrapped(t->second.names);
    ImGui::TextDisabled("Folder (empty: the download folder)");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24.0f);
    ImGui::InputTextWithHint("##dir", "/home/me/Downloads/Hallway", &state.accept_dir);
    if (ImGui::Button("Accept")) {
        out.push_back(AcceptTransfer{t->first, state.accept_dir});
        ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

}  // namespace hallway::gui
