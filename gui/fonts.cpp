#include "gui/fonts.hpp"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_opengl3.h>

#include <algorithm>
#include <filesystem>

namespace hallway::gui {
namespace {

constexpr const char* kDejaVuPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr float kBaseFontPixels = 16.0f;
// Past these the layout stops being usable (or the atlas gets huge).
constexpr float kMinUserScale = 0.6f;
constexpr float kMaxUserScale = 3.0f;
constexpr float kZoomStep = 1.1f;

// Latin Extended-A/B, Greek and Coptic, general punctuation (dashes, quotes,
// ellipsis), and the arrows and check marks people type.
const ImWchar kExtraRanges[] = {0x0100, 0x024F, 0x0370, 0x03FF, 0x2000, 0x206F, 0x2190, 0x21FF, 0x2713, 0x2717, 0};

}  // namespace

void rebuild_fonts(Fonts& fonts, const ImGuiStyle& base) {
    ImGuiIO& io = ImGui::GetIO();
    const float scale = fonts.content_scale * fonts.user_scale;
    io.Fonts->Clear();
    fonts.dejavu = std::filesystem::exists(kDejaVuPath);
    if (fonts.dejavu) {
        if (fonts.ranges.empty()) {
            ImFontGlyphRangesBuilder builder;
            builder.AddRanges(io.Fonts->GetGlyphRangesDefault());   // Basic Latin + Latin-1
            builder.AddRanges(io.Fonts->GetGlyphRangesCyrillic());
            builder.AddRanges(kExtraRanges);
            builder.BuildRanges(&fonts.ranges);
        }
        fonts.dejavu = io.Fonts->AddFontFromFileTTF(kDejaVuPath, kBaseFontPixels * scale, nullptr, fonts.ranges.Data) != nullptr;
    }
    if (!fonts.dejavu) {
        ImFontConfig config;
        config.SizePixels = 13.0f * scale;
        io.Fonts->AddFontDefault(&config);
    }
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();

    ImGuiStyle style = base;
    style.WindowRounding = 0.0f;
    style.FrameRounding = 3.0f;
    style.ScaleAllSizes(scale);
    ImGui::GetStyle() = style;
    fonts.dirty = false;
}

void handle_zoom_keys(Fonts& fonts) {
    const ImGuiIO& io = ImGui::GetIO();
    if (!io.KeyCtrl) return;
    float s = fonts.user_scale;
    if (ImGui::IsKeyPressed(GLFW_KEY_EQUAL) || ImGui::IsKeyPressed(GLFW_KEY_KP_ADD)) s *= kZoomStep;
    if (ImGui::IsKeyPressed(GLFW_KEY_MINUS) || ImGui::IsKeyPressed(GLFW_KEY_KP_SUBTRACT)) s /= kZoomStep;
    if (ImGui::IsKeyPressed(GLFW_KEY_0) || ImGui::IsKeyPressed(GLFW_KEY_KP_0)) s = 1.0f;
    s = std::clamp(s, kMinUserScale, kMaxUserScale);
    if (s != fonts.user_scale) {
        fonts.user_scale = s;
        fonts.dirty = true;
    }
}

}  // namespace hallway::gui
