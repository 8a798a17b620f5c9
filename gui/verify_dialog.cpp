#include "gui/panels.hpp"

#include <imgui.h>

namespace hallway::gui {

void open_verify(VerifyDialogState& state, const PeerKey& peer, Commands& out) {
    state.peer = peer;
    state.open_popup = true;
    state.safety_number.clear();
    out.push_back(RequestSafetyNumber{peer});
}

void auto_accept_checkbox(const core::PeerView& peer, Commands& out) {
    // The node refuses it for anyone else: a stranger's files are always asked about.
    if (peer.trust != core::Trust::verified || peer.kind != core::PeerKind::hallway) return;
    bool on = peer.auto_accept_files;
    if (ImGui::Checkbox("Accept files automatically", &on)) out.push_back(SetAutoAcceptFiles{peer.key, on});
}

void draw_verify_dialog(const Model& model, VerifyDialogState& state, Commands& out) {
    open_popup_if(state.open_popup, "Verify contact");
    if (!begin_modal("Verify contact")) return;
    auto peer = state.peer ? model.peers.find(*state.peer) : model.peers.end();
    if (peer == model.peers.end()) {
        ImGui::TextDisabled("This contact is gone.");
        if (ImGui::Button("Close")) ImGui::CloseCurrentPopup();
        ImGui::EndPopup();
        return;
    }
    const core::PeerView& p = peer->second;
    if (p.kind != core::PeerKind::hallway) {  // no key: nothing to compare, nothing to mark verified
        unencrypted_badge_text(p);
        ImGui::TextDisabled("A link-local XMPP buddy has no key to verify.");
        if (ImGui::Button("Close")) ImGui::CloseCurrentPopup();
        ImGui::EndPopup();
        return;
    }
    const std::string name = display_name(model, p);
    ImGui::TextUnformatted(name.c_str());
    ImGui::SameLine();
    badge_text(badge(p));
    ImGui::TextDisabled("Their fingerprint");
    const std::string fp = two_lines(group_digits(p.fingerprint));
    ImGui::TextUnformatted(fp.c_str());
    ImGui::Separator();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
    ImGui::TextUnformatted("Compare this safety number with the one their Hallway shows for you, "
                           "in person or over a call. If every digit matches, nobody is in between.");
    ImGui::PopTextWrapPos();
    ImGui::Spacing();
    if (state.safety_number.empty()) {
        ImGui::TextDisabled("Computing...");
    } else {
        const std::string sn = two_lines(group_digits(state.safety_number));
        ImGui::TextUnformatted(sn.c_str());
        if (ImGui::SmallButton("Copy")) ImGui::SetClipboardText(group_digits(state.safety_number).c_str());
    }
    ImGui::Separator();
    auto_accept_checkbox(p, out);
    ImGui::BeginDisabled(state.safety_number.empty() || p.trust == core::Trust::verified);
    if (ImGui::Button("Mark verified")) {
        out.push_back(SetTrust{p.key, core::Trust::verified});
        ImGui::CloseCurrentPopup();
    }
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (p.trust == core::Trust::blocked) {
        if (ImGui::Button("Unblock")) {
            out.push_back(SetTrust{p.key, core::Trust::unverified});
            ImGui::CloseCurrentPopup();
        }
    } else if (ImGui::Button("Block")) {
        out.push_back(SetTrust{p.key, core::Trust::blocked});
        ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Close")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

}  // namespace hallway::gui
