#include "gui/message_labels.hpp"
#include "gui/message_text.hpp"
#include "gui/panels.hpp"
#include "gui/unread_marker.hpp"

#include <imgui.h>

#include <algorithm>

namespace hallway::gui {
namespace {

// A bubble takes at most this share of the width, so ours (right) and theirs
// (left) stay apart at a glance.
constexpr float kBubbleShare = 0.78f;

const ImVec4 kOursColour{0.17f, 0.30f, 0.50f, 1.0f};
const ImVec4 kTheirsColour{0.22f, 0.22f, 0.25f, 1.0f};

const ImVec4 kSeenColour{0.50f, 0.75f, 1.00f, 1.0f};
const ImVec4 kNewColour{1.00f, 0.60f, 0.35f, 1.0f};
const ImVec4 kUnencryptedColour{1.00f, 0.55f, 0.15f, 1.0f};  // as the warning badge

ImVec4 state_colour(const core::StoredMessage& m) {
    if (m.read_at_ms > 0) return kSeenColour;
    switch (m.state) {
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
    float separator;   // a day separator row, or the "new" line
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

// Where the "new" line goes: the index of view.new_marker's message, or -1.
std::ptrdiff_t marker_index(const std::vector<core::StoredMessage>& msgs, const ConversationView& view) {
    if (!view.new_marker) return -1;
    for (std::size_t i = msgs.size(); i-- > 0;)
        if (msgs[i].direction == core::Direction::in && msgs[i].id == *view.new_marker) return static_cast<std::ptrdiff_t>(i);
    return -1;
}

// What sits above message i: a day separator, the "new" line; their height.
float rows_above(const std::vector<core::StoredMessage>& msgs, std::size_t i, std::ptrdiff_t marker, const Metrics& mx) {
    return (new_day(msgs, i) ? mx.separator : 0.0f) + (static_cast<std::ptrdiff_t>(i) == marker ? mx.separator : 0.0f);
}

void relayout(ConversationView& view, const std::vector<core::StoredMessage>& msgs, std::ptrdiff_t marker, const Metrics& mx,
              float avail_width) {
    const bool same = view.wrap_width == avail_width && view.font_size == ImGui::GetFontSize() && view.layout_marker == marker &&
                      view.layout.size() == msgs.size() && (msgs.empty() || (view.first_seq == msgs.front().seq && view.last_seq == msgs.back().seq));
    if (same) return;
    view.wrap_width = avail_width;
    view.font_size = ImGui::GetFontSize();
    view.layout_marker = marker;
    view.first_seq = msgs.empty() ? 0 : msgs.front().seq;
    view.last_seq = msgs.empty() ? 0 : msgs.back().seq;
    view.layout.resize(msgs.size());
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        const ImVec2 body = body_size(msgs[i].body, mx.inner_width);
        view.layout[i].body_width = body.x;
        view.layout[i].height = rows_above(msgs, i, marker, mx) + mx.pad + mx.line + body.y + mx.pad + mx.gap;
    }
}

// A row across the view with centred text: a day, or the "new" line.
void separator_row(const std::string& text, const ImVec4& colour, bool rule, float y, float avail_width) {
    const float w = ImGui::CalcTextSize(text.c_str()).x;
    const float x = std::max(0.0f, (avail_width - w) * 0.5f);
    ImGui::SetCursorPos(ImVec2(x, y));
    coloured_text(colour, text);
    if (!rule) return;
    // Lines either side of the text, at its middle.
    const ImVec2 t0 = ImGui::GetItemRectMin();
    const ImVec2 t1 = ImGui::GetItemRectMax();
    const float mid = (t0.y + t1.y) * 0.5f;
    const float left = t0.x - x;
    const float gap = ImGui::GetFontSize() * 0.5f;
    const ImU32 c = ImGui::ColorConvertFloat4ToU32(colour);
    ImGui::GetWindowDrawList()->AddLine(ImVec2(left, mid), ImVec2(t0.x - gap, mid), c);
    ImGui::GetWindowDrawList()->AddLine(ImVec2(t1.x + gap, mid), ImVec2(left + avail_width, mid), c);
}

void tooltip_if(bool show, const std::string& text) {
    if (!show) return;
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(text.c_str(), text.c_str() + text.size());
    ImGui::EndTooltip();
}

// One bubble: time (and for ours how far it got) on its first line, the body
// under it with its links; the right-click menu. Hovering the time shows the
// full timestamp, hovering the state what it means.
// peer: the conversation's buddy (null when gone from the model); a
// link-local XMPP buddy's bubbles each say "unencrypted · not verified".
void draw_message(const core::StoredMessage& m, const core::PeerView* peer, const MessageLayout& layout, bool day, bool marker,
                  float y, float avail_width, std::int64_t now_ms, const Metrics& mx, MessageMenuState& menu, Commands& out) {
    const ImVec4 dim = ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
    if (day) {
        separator_row(day_label(m.received_at_ms, now_ms), dim, false, y, avail_width);
        y += mx.separator;
    }
    if (marker) {
        separator_row("new", kNewColour, true, y, avail_width);
        y += mx.separator;
    }
    const bool ours = m.direction == core::Direction::out;
    const core::PeerKind kind = peer ? peer->kind : core::PeerKind::hallway;
    const std::string_view plain = peer ? security_badge(*peer) : std::string_view();
    const std::string time = time_label(m.received_at_ms, now_ms);
    const std::string state = ours ? delivery_label(m, kind) : std::string();
    const float spacing = ImGui::CalcTextSize("  ").x;
    float meta_w = ImGui::CalcTextSize(time.c_str()).x;
    if (ours) meta_w += spacing + ImGui::CalcTextSize(state.c_str()).x;
    if (!plain.empty()) meta_w += spacing + ImGui::CalcTextSize(plain.data(), plain.data() + plain.size()).x;
    const float bubble_w = std::min(std::max(layout.body_width, meta_w) + 2 * mx.pad, avail_width);
    const float x = ours ? avail_width - bubble_w : 0.0f;
    const float h = layout.height - (day ? mx.separator : 0.0f) - (marker ? mx.separator : 0.0f) - mx.gap;

    ImGui::SetCursorPos(ImVec2(x, y));
    ImGui::InvisibleButton("##bubble", ImVec2(bubble_w, h));
    const bool over = ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenBlockedByPopup);
    const bool hover = ImGui::IsItemHovered();  // and no menu in the way: tooltips
    const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    const ImVec2 p0 = ImGui::GetItemRectMin();
    const ImVec2 p1 = ImGui::GetItemRectMax();
    ImGui::GetWindowDrawList()->AddRectFilled(p0, p1, ImGui::ColorConvertFloat4ToU32(ours ? kOursColour : kTheirsColour),
                                              ImGui::GetStyle().FrameRounding + mx.pad * 0.5f);
    // The body is drawn before the menu (draw-list only, no item), so the
    // menu knows the link under the mouse.
    const auto link = draw_body(m.body, ImVec2(p0.x + mx.pad, p0.y + mx.pad + mx.line), mx.inner_width, over);
    message_menu(menu, m.body, link, out);
    if (clicked && link) out.push_back(OpenLink{std::string(*link)});

    ImGui::SetCursorPos(ImVec2(x + mx.pad, y + mx.pad));
    coloured_text(dim, time);
    tooltip_if(hover && ImGui::IsMouseHoveringRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()), time_details(m));
    if (!plain.empty()) {
        ImGui::SameLine(0.0f, spacing);
        coloured_text(kUnencryptedColour, plain);
        tooltip_if(hover && ImGui::IsMouseHoveringRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()), kUnencryptedDetails);
    }
    if (ours) {
        ImGui::SameLine(0.0f, spacing);
        coloured_text(state_colour(m), state);
        tooltip_if(hover && ImGui::IsMouseHoveringRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()),
                   delivery_details(m, kind));
    }
}

void draw_messages(const Conversation* conv, const core::PeerView* peer, ConversationView& view, bool focused,
                   MessageMenuState& menu, std::int64_t now_ms, Commands& out) {
    // Came into view (opened, its tab picked, back from a room): unread texts
    // get the "new" line once the history is there.
    const int frame = ImGui::GetFrameCount();
    if (view.shown_frame != frame - 1) {
        view.new_marker.reset();
        view.unread_at_show.reset();
        if (peer && peer->unread > 0) view.unread_at_show = peer->unread;
    }
    view.shown_frame = frame;
    if (!conv || !conv->loaded) {
        ImGui::TextDisabled("Loading...");
        return;
    }
    const auto& msgs = conv->messages;
    if (view.unread_at_show) {
        if (auto i = first_unread(msgs, *view.unread_at_show)) {
            view.new_marker = msgs[*i].id;
            view.scroll_to_marker = true;
        }
        view.unread_at_show.reset();
    } else if (!focused && peer && peer->unread > 0) {
        // Arriving while the person is away: unread until the window is
        // focused again, so the line goes above the first of them.
        if (auto i = first_unread(msgs, peer->unread)) view.new_marker = msgs[*i].id;
    }
    if (msgs.empty()) {
        ImGui::TextDisabled("No messages yet. Say hello!");
        return;
    }
    // Follow the newest message unless the person scrolled up to read (all in
    // view counts as at the bottom).
    view.stick_to_bottom = ImGui::GetScrollMaxY() <= 0.0f || ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 2.0f;
    const float avail = ImGui::GetContentRegionAvail().x;
    const Metrics mx = metrics(avail);
    const std::ptrdiff_t marker = marker_index(msgs, view);
    relayout(view, msgs, marker, mx, avail);

    // Only the messages in view are laid out; the rest are just their cached heights.
    const float top = ImGui::GetScrollY();
    const float bottom = top + ImGui::GetWindowHeight();
    float y = 0.0f, marker_y = -1.0f;
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        const float h = view.layout[i].height;
        const bool at_marker = static_cast<std::ptrdiff_t>(i) == marker;
        if (at_marker) marker_y = y + (new_day(msgs, i) ? mx.separator : 0.0f);
        if (y + h >= top && y <= bottom) {
            ImGui::PushID(static_cast<int>(i));
            draw_message(msgs[i], peer, view.layout[i], new_day(msgs, i), at_marker, y, avail, now_ms, mx, menu, out);
            ImGui::PopID();
        }
        search_jump_hook(view, msgs[i].seq, y, h, now_ms);  // gui/search_panel.cpp
        y += h;
    }
    ImGui::SetCursorPos(ImVec2(0.0f, y));
    ImGui::Dummy(ImVec2(0.0f, 0.0f));
    if (view.scroll_to_marker && marker_y >= 0.0f) {
        // Open at the "new" line, a line of what was read above it.
        ImGui::SetScrollY(std::max(0.0f, marker_y - mx.line));
        view.stick_to_bottom = false;
    } else if (view.stick_to_bottom && view.last_count != msgs.size()) {
        ImGui::SetScrollHereY(1.0f);
    }
    view.scroll_to_marker = false;
    view.last_count = msgs.size();
}

void draw_header(const Model& model, const core::PeerView& peer, VerifyDialogState& verify, Commands& out) {
    presence_dot(peer);
    ImGui::SameLine();
    const std::string name = display_name(model, peer);
    ImGui::TextUnformatted(name.c_str());
    ImGui::SameLine();
    peer_badge_text(peer);
    const bool plain = !security_badge(peer).empty();
    if (!plain) {  // a link-local XMPP buddy has no key to verify
        ImGui::SameLine();
        if (ImGui::SmallButton("Verify...")) open_verify(verify, peer.key, out);
    }
    if (peer.online && !peer.status_message.empty()) {
        ImGui::SameLine();
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        ImGui::TextUnformatted(peer.status_message.c_str());
        ImGui::PopStyleColor();
    }
    const Badge b = badge(peer);
    if (plain) {
        ImGui::PushStyleColor(ImGuiCol_Text, kUnencryptedColour);
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextUnformatted(kUnencryptedDetails);
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
    }
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
    draw_messages(conv == model.conversations.end() ? nullptr : &conv->second,
                  peer == model.peers.end() ? nullptr : &peer->second, state.views[key], state.window_focused, state.menu,
                  now_ms, out);
    draw_typing_line(model, key);
    ImGui::EndChild();
    draw_select_text(state.menu);

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
