// "NICK is typing…" (docs/PROTOCOL.md §14.3) as the last line of a
// conversation: it grows the messages' content by one line while shown, and
// keeps the view at the bottom when it was there, so the line is seen.
#include "gui/panels.hpp"

#include <imgui.h>

namespace hallway::gui {

void draw_typing_line(const Model& model, const PeerKey& peer) {
    if (!model.typing.count(peer)) return;
    auto it = model.peers.find(peer);
    if (it == model.peers.end()) return;
    // Read before this frame's line is added: at the bottom as last drawn.
    const bool at_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1.0f;
    const std::string line = display_name(model, it->second) + " is typing\u2026";  // peer text: data, unformatted
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextUnformatted(line.c_str());
    ImGui::PopStyleColor();
    if (at_bottom) ImGui::SetScrollHereY(1.0f);
}

}  // namespace hallway::gui
