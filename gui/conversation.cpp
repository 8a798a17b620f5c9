#include "gui/panels.hpp"

#include <imgui.h>

#include <algorithm>

namespace hallway::gui {
namespace {

// A bubble takes at most this share of the width, so ours (right) and theirs
// (left) stay apart at a glance.
constexpr float kBubbleShare = 0.78f;

const ImVec4 kOursColour{0.17f, 0.30f, 0.50f, 1.0f};
const ImVec4 kTheirsColour{0.22f, 0.22f, 0.25f, 1.0f};

ImVec4 state_colour(core::MessageState s) {
    switch (s) {
        case core::MessageState::queued: return {0.65f, 0.65f, 0.65f, 1.0f};
        case core::MessageState::sent: return {0.75f, 0.80f, 0.90f, 1.0f};
        case core::MessageState::delivered: return {0.45f, 0.85f, 0.50f, 1.0f};
        case core::MessageState::failed: return {1.00f, 0.40f, 0.35f, 1.0f};
    }
    return {1, 1, 1, 1};
}

// ImGui treats "##" in a label as the start of the ID part: a nick holding it
// would lose its tail on the tab.
std::string tab_label(std::string name) {
    for (std::size_t p = name.find("##"); p != std::string::npos; p = name.find("##", p + 2)) name.replace(p, 2, "# #");
    return name + "###tab";
}

struct Metrics {
    float pad;
    float line;        // one line of text
    float separator;   // a day separator row
    float gap;         // between bubbles
    float inner_width; // text wrap width inside a bubble
};

Metrics metrics(float avail_width) {
    const ImGuiStyle& style = ImGui::GetStyle();
    Metrics m{};
    m.pad = style.FramePadding.x;
    m.line = ImGui::GetTextLineHeight();
    m.separator = ImGui::GetTextLineHeightWithSpacing() + style.ItemSpacing.y;
    m.gap = style.ItemSpacing.y * 1.5f;
    m.inner_width = std::max(avail_width * kBubbleShare - 2 * m.pad, m.line * 4);
    return m;
}

bool new_day(const std::vector<core::StoredMessage>& msgs, std::size_t i) {
    return i == 0 || day_key(msgs[i].received_at_ms) != day_key(msgs[i - 1].received_at_ms);
}

// The text on a bubble's first line: time, and for ours the delivery state.
std::string meta_text(const core::StoredMessage& m) {
    std::string s = clock_label(m.received_at_ms);
    if (m.direction == core::Direction::out) s += "  " + std::string(state_label(m.state));
    return s;
}

void relayout(ConversationView& view, const std::vector<core::StoredMessage>& msgs, const Metrics& mx, float avail_width) {
    const bool same = view.wrap_width == avail_width && view.font_size == ImGui::GetFontSize() &&
                      view.layout.size() == msgs.size() && (msgs.empty() || (view.first_seq == msgs.front().seq && view.last_seq == msgs.back().seq));
    if (same) return;
    view.wrap_width = avail_width;
    view.font_size = ImGui::GetFontSize();
    view.first_seq = msgs.empty() ? 0 : msgs.front().seq;
    view.last_seq = msgs.empty() ? 0 : msgs.back().seq;
    view.layout.resize(msgs.size());
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        const ImVec2 body = ImGui::CalcTextSize(msgs[i].body.c_str(), nullptr, false, mx.inner_width);
        const float meta = ImGui::CalcTextSize(meta_text(msgs[i]).c_str()).x;
        view.layout[i].bubble_width = std::max(body.x, meta) + 2 * mx.pad;
        view.layout[i].height = (new_day(msgs, i) ? mx.separator : 0.0f) + mx.pad + mx.line + body.y + mx.pad + mx.gap;
    }
}

void draw_message(const core::StoredMessage& m, const MessageLayout& layout, bool separator, float y, float avail_width,
                  std::int64_t now_ms, const Metrics& mx) {
    if (separator) {
        const std::string day = day_label(m.received_at_ms, now_ms);
        const float w = ImGui::CalcTextSize(day.c_str()).x;
        ImGui::SetCursorPos(ImVec2(std::max(0.0f, (avail_width - w) * 0.5f), y));
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        ImGui::TextUnformatted(day.c_str());
        ImGui::PopStyleColor();
        y += mx.separator;
    }
    const bool ours = m.direction == core::Direction::out;
    const float x = ours ? avail_width - layout.bubble_width : 0.0f;
    const float h = layout.height - (separator ? mx.separator : 0.0f) - mx.gap;

    ImGui::SetCursorPos(ImVec2(x, y));
    ImGui::InvisibleButton("##bubble", ImVec2(layout.bubble_width, h));
    const ImVec2 p0 = ImGui::GetItemRectMin();
    const ImVec2 p1 = ImGui::GetItemRectMax();
    ImGui::GetWindowDrawList()->AddRectFilled(p0, p1, ImGui::ColorConvertFloat4ToU32(ours ? kOursColour : kTheirsColour),
                                              ImGui::GetStyle().FrameRounding + mx.pad * 0.5f);
    if (ImGui::BeginPopupContextItem("bubble menu")) {
        if (ImGui::MenuItem("Copy text")) ImGui::SetClipboardText(m.body.c_str());
        ImGui::EndPopup();
    }
    if (ImGui::IsItemHovered() && m.state == core::MessageState::failed && !m.failure.empty()) {
        ImGui::BeginTooltip();
        ImGui::TextUnformatted(m.failure.c_str());
        ImGui::EndTooltip();
    }

    ImGui::SetCursorPos(ImVec2(x + mx.pad, y + mx.pad));
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    const std::string clock = clock_label(m.received_at_ms);
    ImGui::TextUnformatted(clock.c_str());
    ImGui::PopStyleColor();
    if (ours) {
        ImGui::SameLine(0.0f, ImGui::CalcTextSize("  ").x);
        ImGui::PushStyleColor(ImGuiCol_Text, state_colour(m.state));
        const std::string_view st = state_label(m.state);
        ImGui::TextUnformatted(st.data(), st.data() + st.size());
        ImGui::PopStyleColor();
    }
    ImGui::SetCursorPos(ImVec2(x + mx.pad, y + mx.pad + mx.line));
    ImGui::PushTextWrapPos(x + mx.pad + mx.inner_width);
    ImGui::TextUnformatted(m.body.c_str(), m.body.c_str() + m.body.size());
    ImGui::PopTextWrapPos();
}

void draw_messages(const Conversation* conv, ConversationView& view, std::int64_t now_ms) {
    if (!conv || !conv->loaded) {
        ImGui::TextDisabled("Loading...");
        return;
    }
    const auto& msgs = conv->messages;
    if (msgs.empty()) {
        ImGui::TextDisabled("No messages yet. Say hello!");
        return;
    }
    // Follow the newest message unless the person scrolled up to read.
    if (ImGui::GetScrollMaxY() > 0.0f) view.stick_to_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 2.0f;
    const float avail = ImGui::GetContentRegionAvail().x;
    const Metrics mx = metrics(avail);
    relayout(view, msgs, mx, avail);

    // Only the messages in view are laid out; the rest are just their cached heights.
    const float top = ImGui::GetScrollY();
    const float bottom = top + ImGui::GetWindowHeight();
    float y = 0.0f;
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        const float h = view.layout[i].height;
        if (y + h >= top && y <= bottom) {
            ImGui::PushID(static_cast<int>(i));
            draw_message(msgs[i], view.layout[i], new_day(msgs, i), y, avail, now_ms, mx);
            ImGui::PopID();
        }
        search_jump_hook(view, msgs[i].seq, y, h, now_ms);  // gui/search_panel.cpp
        y += h;
    }
    ImGui::SetCursorPos(ImVec2(0.0f, y));
    ImGui::Dummy(ImVec2(0.0f, 0.0f));
    if (view.stick_to_bottom && view.last_count != msgs.size()) ImGui::SetScrollHereY(1.0f);
    view.last_count = msgs.size();
}

void draw_header(const Model& model, const core::PeerView& peer, VerifyDialogState& verify, Commands& out) {
    presence_dot(peer);
    ImGui::SameLine();
    const std::string name = display_name(model, peer);
    ImGui::TextUnformatted(name.c_str());
    ImGui::SameLine();
    badge_text(badge(peer));
    ImGui::SameLine();
    if (ImGui::SmallButton("Verify...")) open_verify(verify, peer.key, out);
    if (peer.online && !peer.status_message.empty()) {
        ImGui::SameLine();
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        ImGui::TextUnformatted(peer.status_message.c_str());
        ImGui::PopStyleColor();
    }
    const Badge b = badge(peer);
    if (b == Badge::warning) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.6f, 0.2f, 1.0f));
        ImGui::TextWrapped("%s", "A verified contact has this name with a different key. This may be an impostor: "
                                 "compare the safety number in person before you trust it.");
        ImGui::PopStyleColor();
    } else if (b == Badge::blocked) {
        ImGui::TextDisabled("Blocked: nothing is sent to or accepted from this key.");
        ImGui::SameLine();
        if (ImGui::SmallButton("Unblock")) out.push_back(SetTrust{peer.key, core::Trust::unverified});
    } else if (!peer.online) {
        ImGui::TextDisabled("Offline: messages wait in the outbox and go out when they are back.");
    }
    ImGui::Separator();
}

void draw_one(const Model& model, const PeerKey& key, ConversationsState& state, VerifyDialogState& verify,
              TransfersState& transfers, std::int64_t now_ms, Commands& out) {
    auto peer = model.peers.find(key);
    if (peer != model.peers.end()) draw_header(model, peer->second, verify, out);
    draw_peer_transfers(model, key, transfers, now_ms, out);

    const ImGuiStyle& style = ImGui::GetStyle();
    const float input_h = input_box_height();
    auto conv = model.conversations.find(key);
    ImGui::BeginChild("messages", ImVec2(0, -(input_h + style.ItemSpacing.y)), false);
    draw_messages(conv == model.conversations.end() ? nullptr : &conv->second, state.views[key], now_ms);
    draw_typing_line(model, key);
    ImGui::EndChild();

    // The node refuses to send to a blocked key; say so up front (header) and
    // keep the draft rather than lose it to a refusal.
    const bool blocked = peer != model.peers.end() && peer->second.trust == core::Trust::blocked;
    ImGui::BeginDisabled(blocked);
    std::string body;
    const bool send = draw_input_box(state.drafts[key], state.input, state.focus_input && !blocked, body, key, out);
    ImGui::EndDisabled();
    if (send) {
        out.push_back(SendText{key, std::move(body)});
        state.views[key].stick_to_bottom = true;
    }
    state.focus_input = false;
}

}  // namespace

void open_conversation(ConversationsState& state, const PeerKey& peer, Commands& out) {
    if (std::find(state.open.begin(), state.open.end(), peer) == state.open.end()) state.open.push_back(peer);
    state.select = peer;
    state.active = peer;
    state.focus_input = true;
    out.push_back(OpenConversation{peer});
}

void draw_conversations(const Model& model, ConversationsState& state, VerifyDialogState& verify,
                        TransfersState& transfers, std::int64_t now_ms, Commands& out) {
    if (state.open.empty()) {
        ImGui::TextDisabled("Pick a buddy on the left to start a conversation.");
        return;
    }
    if (!ImGui::BeginTabBar("conversations", ImGuiTabBarFlags_FittingPolicyScroll | ImGuiTabBarFlags_Reorderable)) return;
    std::optional<PeerKey> closed;
    for (const PeerKey& key : state.open) {
        auto peer = model.peers.find(key);
        ImGuiTabItemFlags flags = 0;
        if (state.select && *state.select == key) flags |= ImGuiTabItemFlags_SetSelected;
        if (peer != model.peers.end() && peer->second.unread > 0) flags |= ImGuiTabItemFlags_UnsavedDocument;
        const std::string label = tab_label(peer != model.peers.end() ? display_name(model, peer->second) : "?");
        bool keep = true;
        push_id(key);
        if (ImGui::BeginTabItem(label.c_str(), &keep, flags)) {
            if (!state.active || *state.active != key) {
                state.active = key;
                state.focus_input = true;
            }
            draw_one(model, key, state, verify, transfers, now_ms, out);
            ImGui::EndTabItem();
        }
        ImGui::PopID();
        if (!keep) closed = key;
    }
    ImGui::EndTabBar();
    state.select.reset();
    if (closed) {
        std::erase(state.open, *closed);
        state.views.erase(*closed);
        if (state.active == closed) state.active.reset();
    }
}

}  // namespace hallway::gui
