#include "gui/screenshot.hpp"

#include <GLFW/glfw3.h>
#include <stb_image_write.h>  // implementation is in libstb

#include <cstdio>
#include <system_error>
#include <vector>

namespace hallway::gui {

void Screenshot::request(int frames) {
    if (file_.empty()) return;
    started_ = true;
    if (countdown_ == 0) countdown_ = frames;
}

void Screenshot::after_render(int width, int height) {
    if (countdown_ == 0 || --countdown_ > 0) return;
    if (width <= 0 || height <= 0) return;
    std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
    stbi_flip_vertically_on_write(1);  // GL's rows run bottom-up
    std::filesystem::path tmp = file_;
    tmp += ".tmp";
    if (!stbi_write_png(tmp.c_str(), width, height, 3, pixels.data(), width * 3)) {
        std::fprintf(stderr, "hallway-gui: cannot write screenshot %s\n", tmp.c_str());
        return;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file_, ec);
    if (ec)
        std::fprintf(stderr, "hallway-gui: cannot write screenshot %s: %s\n", file_.c_str(), ec.message().c_str());
    else
        std::fprintf(stderr, "hallway-gui: screenshot written to %s\n", file_.c_str());
}

}  // namespace hallway::gui
