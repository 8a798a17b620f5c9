#include "gui/message_labels.hpp"
#include "gui/message_text.hpp"
#include "gui/panels.hpp"

#include <imgui.h>

#include <algorithm>

namespace hallway::gui {
namespace {

// Width of the members panel, in font sizes.
constexpr float kMembersWidth = 14.0f;

const ImVec4 kMineColour{0.55f, 0.75f, 1.0f, 1.0f};
const ImVec4 kDeliveryColour{0.45f, 0.85f, 0.50f, 1.0f};

// The author as the buddy list names them, else as the room does.
std::string author_name(const Model& model, const core::RoomMessage& m) {
    if (m.mine) return model.own ? model.own->nick : "me";
    if (auto p = model.peers.find(m.author); p != model.peers.end()) return display_name(model, p->second);
    return m.author_nick;
}

void disabled_text(std::string_view s) { coloured_text(ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled), s); }

void day_separator(std::int64_t ms, std::int64_t now_ms) {
    const std::string day = day_label(ms, now_ms);
    ImGui::SetCursorPosX(std::max(0.0f, (ImGui::GetContentRegionAvail().x - ImGui::CalcTextSize(day.c_str()).x) * 0.5f));
    disabled_text(day);
}

// The time, its full timestamp on hover.
void time_text(const core::RoomMessage& m, std::int64_t now_ms) {
    disabled_text(time_label(m.received_at_ms, now_ms));
    if (!ImGui::IsItemHovered()) return;
    ImGui::BeginTooltip();
    const std::string details = time_details(!m.mine, m.received_at_ms, m.sent_at_ms);
    ImGui::TextUnformatted(details.c_str(), details.c_str() + details.size());
    ImGui::EndTooltip();
}

void draw_line(const Model& model, const core::RoomView& room, const core::RoomMessage& m, MessageMenuState& menu,
               std::int64_t now_ms, Commands& out) {
    if (!m.text) {
        // A membership or settings change: who did it, then the node's words
        // for what ("added dan"; nicks and names quoted: data, never a format).
        time_text(m, now_ms);
        ImGui::SameLine();
        ImGui::PushTextWrapPos(0.0f);
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        const std::string line = author_name(model, m) + " " + m.body;
        ImGui::TextUnformatted(line.c_str(), line.c_str() + line.size());
        ImGui::PopStyleColor();
        ImGui::PopTextWrapPos();
        return;
    }
    const std::string author = author_name(model, m);
    coloured_text(m.mine ? kMineColour : ImGui::GetStyleColorVec4(ImGuiCol_Text), author);
    if (!m.mine) {
        ImGui::SameLine();
        badge_text(author_badge(model, room, m.author));
    }
    ImGui::SameLine();
    time_text(m, now_ms);
    if (const std::string delivery = m.mine ? delivery_label(m) : std::string(); !delivery.empty()) {
        ImGui::SameLine();
        coloured_text(m.delivered >= m.of ? kDeliveryColour : ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled), delivery);
    }
    // The body over an invisible button: its right-click menu, its links.
    const float wrap = std::max(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize());
    const ImVec2 size = body_size(m.body, wrap);
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##body", ImVec2(std::max(size.x, 1.0f), std::max(size.y, 1.0f)));
    const auto link = draw_body(m.body, pos, wrap, ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenBlockedByPopup));
    const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    message_menu(menu, m.body, link, out);
    if (clicked && link) out.push_back(OpenLink{std::string(*link)});
}

void draw_messages(const Model& model, const core::RoomView& room, RoomScroll& scroll, MessageMenuState& menu,
                   std::int64_t now_ms, Commands& out) {
    auto conv = model.room_conversations.find(room.id);
    if (conv == model.room_conversations.end() || !conv->second.loaded) {
        ImGui::TextDisabled("Loading...");
        return;
    }
    const auto& msgs = conv->second.messages;
    if (msgs.empty()) {
        ImGui::TextDisabled("No messages yet.");
        return;
    }
    // Follow the newest message unless the person scrolled up to read.
    if (ImGui::GetScrollMaxY() > 0.0f) scroll.stick_to_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 2.0f;
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        if (i == 0 || day_key(msgs[i].received_at_ms) != day_key(msgs[i - 1].received_at_ms))
            day_separator(msgs[i].received_at_ms, now_ms);
        ImGui::PushID(static_cast<int>(i));
        const float y = ImGui::GetCursorPosY();
        draw_line(model, room, msgs[i], menu, now_ms, out);
        search_jump_hook(scroll, msgs[i].id, y, ImGui::GetCursorPosY() - y, now_ms);  // gui/search_panel.cpp
        ImGui::PopID();
        ImGui::Spacing();
    }
    if (scroll.stick_to_bottom && scroll.last_count != msgs.size()) ImGui::SetScrollHereY(1.0f);
    scroll.last_count = msgs.size();
}

void draw_header(const Model& model, const core::RoomView& room, RoomsState& state, Commands& out) {
    const std::string name = "# " + room.name;
    ImGui::TextUnformatted(name.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled(room.open ? "open" : "invite only");
    const bool joined = room.membership == core::RoomMembership::joined;
    if (joined) {
        ImGui::SameLine();
        if (ImGui::SmallButton("Invite...")) state.invite_popup = true;
        if (room.admin) {
            ImGui::SameLine();
            if (ImGui::SmallButton("Rename...")) {
                state.rename = RoomFormState{room.name, room.topic, room.open};
                state.rename_popup = true;
            }
        }
        ImGui::SameLine();
        if (ImGui::SmallButton("Leave...")) state.leave_popup = true;
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("Close")) state.active.reset();
    if (!room.topic.empty()) {
        ImGui::PushTextWrapPos(0.0f);
        disabled_text(room.topic);
        ImGui::PopTextWrapPos();
    }
    if (room.membership == core::RoomMembership::invited) {
        const std::string who = invitation_label(model, room);
        ImGui::TextUnformatted(who.c_str());
        ImGui::SameLine();
        answer_invitation(room, state, out);
    } else if (room.membership == core::RoomMembership::left) {
        ImGui::TextDisabled("You left this room: what was said before stays readable here.");
    }
    ImGui::Separator();
}

}  // namespace

void draw_room(const Model& model, RoomsState& state, std::int64_t now_ms, Commands& out) {
    auto it = state.active ? model.rooms.find(*state.active) : model.rooms.end();
    if (it == model.rooms.end()) {  // removed (declined, forgotten) since it was picked
        state.active.reset();
        return;
    }
    const core::RoomView& room = it->second;
    draw_header(model, room, state, out);
    const bool joined = room.membership == core::RoomMembership::joined;

    const ImGuiStyle& style = ImGui::GetStyle();
    const float input_h = joined ? input_box_height() + style.ItemSpacing.y : 0.0f;
    const float members_w = ImGui::GetFontSize() * kMembersWidth;
    ImGui::BeginChild("room messages", ImVec2(-(members_w + style.ItemSpacing.x), -input_h), false);
    draw_messages(model, room, state.scroll[room.id], state.menu, now_ms, out);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("room members", ImVec2(0, -input_h), true);
    draw_room_members(model, room, state);
    ImGui::EndChild();

    if (joined) {
        std::string body;
        if (draw_input_box(state.drafts[room.id], state.input, state.focus_input, body)) {
            out.push_back(SendRoomText{room.id, std::move(body)});
            state.scroll[room.id].stick_to_bottom = true;
        }
    }
    state.focus_input = false;
    draw_select_text(state.menu);
}

}  // namespace hallway::gui
