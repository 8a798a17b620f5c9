// The "Search messages" window: a field, the hits newest first (time,
// conversation, author, the body's line with a match), and a click that shows
// the message in its conversation or room, scrolled to and highlighted.
#include "core/search_query.hpp"
#include "gui/panels.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <ctime>

namespace hallway::gui {
namespace {

// How long a message jumped to stays highlighted.
constexpr std::int64_t kHighlightMs = 3000;
const ImVec4 kHighlightColour{1.0f, 0.80f, 0.25f, 1.0f};

// "14:03" today, "2026-11-20 14:03" another day (local time).
std::string when(std::int64_t ms, std::int64_t now_ms) {
    const std::time_t t = static_cast<std::time_t>(ms / 1000), now = static_cast<std::time_t>(now_ms / 1000);
    std::tm at{}, today{};
    localtime_r(&t, &at);
    localtime_r(&now, &today);
    char buf[32];
    const bool same_day = at.tm_year == today.tm_year && at.tm_yday == today.tm_yday;
    std::strftime(buf, sizeof buf, same_day ? "%H:%M" : "%Y-%m-%d %H:%M", &at);
    return buf;
}

// One line, control characters shown as spaces: peer text is data.
std::string one_line(std::string s) {
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    return s;
}

void show_hit(const core::SearchHit& hit, SearchPanelState& state, ConversationsState& conversations, RoomsState& rooms,
              Commands& out) {
    if (hit.in_room) {
        open_room(rooms, hit.room, out);
        rooms.scroll[hit.room].jump_id = hit.id;
    } else {
        open_conversation(conversations, hit.peer, out);
        conversations.views[hit.peer].jump_seq = hit.seq;
    }
    state.open = false;
}

// Scrolls so the message at y (height h) is in the middle, once; highlights
// it for a while after.
template <class Id>
void jump_hook(std::optional<Id>& jump, Id& highlighted, std::int64_t& until, bool& stick_to_bottom, const Id& id,
               float y, float h, std::int64_t now_ms) {
    if (jump && *jump == id) {
        ImGui::SetScrollY(std::max(0.0f, y - (ImGui::GetWindowHeight() - h) * 0.5f));
        stick_to_bottom = false;
        jump.reset();
        highlighted = id;
        until = now_ms + kHighlightMs;
    }
    if (highlighted != id || now_ms >= until) return;
    const ImVec2 origin(ImGui::GetWindowPos().x - ImGui::GetScrollX(), ImGui::GetWindowPos().y - ImGui::GetScrollY());
    const float width = ImGui::GetWindowContentRegionMax().x;
    ImGui::GetWindowDrawList()->AddRect(ImVec2(origin.x, origin.y + y), ImVec2(origin.x + width, origin.y + y + h),
                                        ImGui::ColorConvertFloat4ToU32(kHighlightColour), 4.0f, 0, 2.0f);
}

}  // namespace

void open_search(SearchPanelState& state) {
    state.open = true;
    state.focus_field = true;
}

void search_jump_hook(ConversationView& view, std::int64_t seq, float y, float height, std::int64_t now_ms) {
    jump_hook(view.jump_seq, view.highlight_seq, view.highlight_until_ms, view.stick_to_bottom, seq, y, height, now_ms);
}

void search_jump_hook(RoomScroll& scroll, const core::MessageId& id, float y, float height, std::int64_t now_ms) {
    jump_hook(scroll.jump_id, scroll.highlight_id, scroll.highlight_until_ms, scroll.stick_to_bottom, id, y, height,
              now_ms);
}

void draw_search_panel(const Model& model, SearchPanelState& state, ConversationsState& conversations, RoomsState& rooms,
                       std::int64_t now_ms, Commands& out) {
    if (!state.open) return;
    const float em = ImGui::GetFontSize();
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowSize(ImVec2(em * 38.0f, em * 24.0f), ImGuiCond_Appearing);
    ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.4f),
                            ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (state.focus_field) ImGui::SetNextWindowFocus();
    if (!ImGui::Begin("Search messages", &state.open, ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings)) {
        ImGui::End();
        return;
    }
    if (ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows) && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
        state.open = false;
    if (state.focus_field) ImGui::SetKeyboardFocusHere();
    state.focus_field = false;
    ImGui::SetNextItemWidth(-em * 5.0f);
    bool go = ImGui::InputTextWithHint("##search", "Words to find (Enter)", &state.text,
                                       ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    go |= ImGui::Button("Search");
    if (go) {
        state.asked = state.text;
        out.push_back(SearchMessages{state.text});
        state.focus_field = true;  // keep typing
    }
    ImGui::TextDisabled("Every word must match the start of a word; case and accents are ignored.");
    ImGui::Separator();

    const bool answered = model.search && model.search->text == state.asked && !state.asked.empty();
    ImGui::BeginChild("hits");
    if (!state.asked.empty() && !answered) {
        ImGui::TextDisabled("Searching...");
    } else if (answered && !model.search->error.empty()) {
        coloured_text(ImVec4(1.0f, 0.6f, 0.2f, 1.0f), model.search->error);
    } else if (answered && model.search->hits.empty()) {
        ImGui::TextDisabled("No message holds that.");
    } else if (answered) {
        const auto words = core::search_words(state.asked);
        const auto& hits = model.search->hits;
        std::optional<std::size_t> clicked;
        for (std::size_t i = 0; i < hits.size(); ++i) {
            const core::SearchHit& h = hits[i];
            ImGui::PushID(static_cast<int>(i));
            const std::string where = h.in_room ? "#" + h.conversation : h.conversation;
            const std::string head = when(h.sent_at_ms, now_ms) + "  " + one_line(where) + "  " +
                                     (h.mine ? std::string("me") : one_line(h.author_nick)) + ":";
            const std::string line = one_line(core::search_snippet(h.body, words, 200));
            const ImVec2 at = ImGui::GetCursorPos();
            if (ImGui::Selectable("##hit", false, 0, ImVec2(0.0f, ImGui::GetTextLineHeight()))) clicked = i;
            ImGui::SetCursorPos(at);
            coloured_text(ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled), head);
            ImGui::SameLine();
            ImGui::TextUnformatted(line.c_str(), line.c_str() + line.size());
            ImGui::PopID();
        }
        if (model.search->more)
            ImGui::TextDisabled("Only the newest %zu are listed: add words to narrow it down.", hits.size());
        if (clicked) show_hit(hits[*clicked], state, conversations, rooms, out);
    }
    ImGui::EndChild();
    ImGui::End();
}

}  // namespace hallway::gui
