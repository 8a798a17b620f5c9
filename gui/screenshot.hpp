#pragma once
// --screenshot FILE: a PNG of the rendered window, written once the window is
// up and again whenever asked (SIGUSR1). UI thread only, with the GL context.
#include <filesystem>

namespace hallway::gui {

class Screenshot {
public:
    // An empty file disables screenshots.
    explicit Screenshot(std::filesystem::path file) : file_(std::move(file)) {}
    // Capture after `frames` more frames are rendered (keeps the first request
    // if one is already counting down).
    void request(int frames);
    bool started() const { return started_; }
    bool pending() const { return countdown_ > 0; }
    // Call after rendering, before swapping: counts down and, at zero, reads
    // the back buffer and writes FILE (via FILE.tmp and rename, so a reader
    // never sees half a file). Failures are reported on stderr.
    void after_render(int width, int height);

private:
    std::filesystem::path file_;
    int countdown_ = 0;
    bool started_ = false;
};

}  // namespace hallway::gui
