#include "gui/message_text.hpp"

#include "gui/links.hpp"

#include <cfloat>
#include <cstring>
#include <vector>

namespace hallway::gui {
namespace {

const ImVec4 kLinkColour{0.55f, 0.78f, 1.0f, 1.0f};
const ImVec4 kHoveredLinkColour{0.75f, 0.90f, 1.0f, 1.0f};

struct Line {
    std::size_t begin = 0;  // byte offsets into the body
    std::size_t end = 0;
};

// Bytes of the UTF-8 character at s (1 for a stray byte), not past end.
std::size_t char_length(const char* s, const char* end) {
    const auto c = static_cast<unsigned char>(*s);
    const std::size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    return std::min<std::size_t>(n, static_cast<std::size_t>(end - s));
}

// Lines as ImGui wraps text: each paragraph (between '\n's) broken with the
// font's own word wrap, blanks at a break dropped. An empty paragraph is an
// empty line.
std::vector<Line> wrap_lines(std::string_view text, float wrap_width) {
    ImFont* font = ImGui::GetFont();
    const float scale = ImGui::GetFontSize() / font->FontSize;
    const char* base = text.data();
    const char* end = base + text.size();
    std::vector<Line> out;
    const char* para = base;
    while (true) {
        const void* nl = std::memchr(para, '\n', static_cast<std::size_t>(end - para));
        const char* para_end = nl ? static_cast<const char*>(nl) : end;
        const char* s = para;
        do {
            const char* eol = s < para_end ? font->CalcWordWrapPositionA(scale, s, para_end, wrap_width) : para_end;
            if (eol <= s && s < para_end) eol = s + char_length(s, para_end);  // narrower than a character: one per line
            out.push_back({static_cast<std::size_t>(s - base), static_cast<std::size_t>(eol - base)});
            s = eol;
            while (s < para_end && (*s == ' ' || *s == '\t')) ++s;
        } while (s < para_end);
        if (para_end == end) break;
        para = para_end + 1;
    }
    return out;
}

float text_width(const char* b, const char* e) {
    return ImGui::GetFont()->CalcTextSizeA(ImGui::GetFontSize(), FLT_MAX, 0.0f, b, e).x;
}

}  // namespace

ImVec2 body_size(std::string_view body, float wrap_width) {
    const std::vector<Line> lines = wrap_lines(body, wrap_width);
    float w = 0.0f;
    for (const Line& l : lines) w = std::max(w, text_width(body.data() + l.begin, body.data() + l.end));
    return ImVec2(w, ImGui::GetFontSize() * static_cast<float>(lines.size()));
}

std::optional<std::string_view> draw_body(std::string_view body, ImVec2 pos, float wrap_width, bool mouse_over) {
    const std::vector<Line> lines = wrap_lines(body, wrap_width);
    const std::vector<TextSpan> spans = split_links(body);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImFont* font = ImGui::GetFont();
    const float size = ImGui::GetFontSize();
    const ImVec2 clip_min = dl->GetClipRectMin();
    const ImVec2 clip_max = dl->GetClipRectMax();
    const ImVec2 mouse = ImGui::GetMousePos();
    const ImU32 text_colour = ImGui::GetColorU32(ImGuiCol_Text);

    // The link under the mouse, found first so all its pieces (a wrapped link
    // has several) are drawn hovered.
    std::optional<std::size_t> hovered;
    std::size_t si = 0;
    const auto for_each_piece = [&](auto&& piece) {
        si = 0;
        for (std::size_t li = 0; li < lines.size(); ++li) {
            const float y = pos.y + size * static_cast<float>(li);
            if (y + size < clip_min.y) continue;
            if (y > clip_max.y) break;
            float x = pos.x;
            for (std::size_t b = lines[li].begin; b < lines[li].end;) {
                while (spans[si].end <= b) ++si;
                const std::size_t e = std::min(lines[li].end, spans[si].end);
                const float w = text_width(body.data() + b, body.data() + e);
                piece(si, b, e, ImVec2(x, y), w);
                x += w;
                b = e;
            }
        }
    };
    if (mouse_over)
        for_each_piece([&](std::size_t span, std::size_t, std::size_t, ImVec2 p, float w) {
            if (spans[span].link && mouse.x >= p.x && mouse.x < p.x + w && mouse.y >= p.y && mouse.y < p.y + size) hovered = span;
        });
    for_each_piece([&](std::size_t span, std::size_t b, std::size_t e, ImVec2 p, float w) {
        if (!spans[span].link) {
            dl->AddText(font, size, p, text_colour, body.data() + b, body.data() + e);
            return;
        }
        const ImU32 c = ImGui::ColorConvertFloat4ToU32(hovered == span ? kHoveredLinkColour : kLinkColour);
        dl->AddText(font, size, p, c, body.data() + b, body.data() + e);
        dl->AddLine(ImVec2(p.x, p.y + size - 1.0f), ImVec2(p.x + w, p.y + size - 1.0f), c, hovered == span ? 1.5f : 1.0f);
    });
    if (!hovered) return std::nullopt;
    ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
    return body.substr(spans[*hovered].begin, spans[*hovered].end - spans[*hovered].begin);
}

}  // namespace hallway::gui
