#pragma once
// The text font: DejaVu Sans (fonts-dejavu-core) when installed, scaled by
// the monitor's content scale and by Ctrl +/- . UI thread only.
#include <imgui.h>

namespace hallway::gui {

struct Fonts {
    float content_scale = 1.0f;  // glfwGetWindowContentScale
    float user_scale = 1.0f;     // Ctrl +/- , Ctrl 0 resets
    bool dirty = true;           // rebuild before the next frame
    bool dejavu = false;         // false: ImGui's built-in font is in use
    ImVector<ImWchar> ranges;    // must outlive the atlas build
    bool dejavu_found() const { return dejavu; }
};

// Rebuilds the atlas and the GPU texture, and rescales the style from base.
// Call between frames (never between NewFrame and Render).
void rebuild_fonts(Fonts& fonts, const ImGuiStyle& base);
// Inside a frame: Ctrl +/-/0 change user_scale and mark the fonts dirty.
void handle_zoom_keys(Fonts& fonts);

}  // namespace hallway::gui
