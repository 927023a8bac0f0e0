// Drawing helpers shared by the views: colormaps (the same numbers feed the shader's LUT), weight scaling, token
// labels and the heatmap widget. ImGui only; GL stays in renderer.cpp.
#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "app.h"
#include "renderer.h"

namespace attnviz {
namespace {

struct Rgb {
  float r, g, b;
};

// Degree-6 polynomial fits of matplotlib's viridis and magma (Matt Zucker's CC0 fits of the BIDS colormap data).
Rgb poly6(const float c[7][3], float t) {
  Rgb o;
  float* out[3] = {&o.r, &o.g, &o.b};
  for (int ch = 0; ch < 3; ch++) {
    float v = c[6][ch];
    for (int k = 5; k >= 0; k--) v = v * t + c[k][ch];
    *out[ch] = v;
  }
  return o;
}

const float kViridis[7][3] = {
    {0.2777273272234177f, 0.005407344544966578f, 0.3340998053353061f},
    {0.1050930431085774f, 1.404613529898575f, 1.384590162594685f},
    {-0.3308618287255563f, 0.214847559468213f, 0.09509516302823659f},
    {-4.634230498983486f, -5.799100973351585f, -19.33244095627987f},
    {6.228269936347081f, 14.17993336680509f, 56.69055260068105f},
    {4.776384997670288f, -13.74514537774601f, -65.35303263337234f},
    {-5.435455855934631f, 4.645852612178535f, 26.3124352495832f}};
const float kMagma[7][3] = {
    {-0.002136485053939582f, -0.000749655052795221f, -0.005386127855323933f},
    {0.2516605407371642f, 0.6775232436837668f, 2.494026599312351f},
    {8.353717279216625f, -3.577719514958484f, 0.3144679030132573f},
    {-27.66873308576866f, 14.26473078096533f, -13.64921318813922f},
    {52.17613981234068f, -27.94360607168351f, 12.94416944238394f},
    {-50.76852536473588f, 29.04658282127291f, 4.23415299384598f},
    {18.65570506591883f, -11.48977351997711f, -5.601961508734096f}};
// Cividis (Nuñez et al. 2018) at six even stops (viridisLite's cividis(6)), interpolated linearly.
const float kCividis[6][3] = {{0x00, 0x20, 0x4D}, {0x31, 0x44, 0x6B}, {0x66, 0x69, 0x70},
                              {0x95, 0x8F, 0x78}, {0xCB, 0xBA, 0x69}, {0xFF, 0xEA, 0x46}};

}  // namespace

uint32_t colormap_color(Colormap cm, float t) {
  if (!(t >= 0)) t = 0;  // also NaN
  if (t > 1) t = 1;
  Rgb c{t, t, t};
  switch (cm) {
    case Colormap::Viridis: c = poly6(kViridis, t); break;
    case Colormap::Magma: c = poly6(kMagma, t); break;
    case Colormap::Cividis: {
      float x = t * 5;
      int i = std::min(4, static_cast<int>(x));
      float f = x - i;
      c = {(kCividis[i][0] * (1 - f) + kCividis[i + 1][0] * f) / 255.0f,
           (kCividis[i][1] * (1 - f) + kCividis[i + 1][1] * f) / 255.0f,
           (kCividis[i][2] * (1 - f) + kCividis[i + 1][2] * f) / 255.0f};
      break;
    }
    case Colormap::Gray: break;
  }
  auto to8 = [](float v) { return static_cast<uint32_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); };
  return IM_COL32(to8(c.r), to8(c.g), to8(c.b), 255);
}

float scaled_weight(const ViewState& s, float w) {
  float t = w < s.threshold ? 0.0f : w;
  if (s.scale == Scale::Sqrt) t = std::sqrt(std::max(t, 0.0f));
  else if (s.scale == Scale::Log) t = t <= 0 ? 0.0f : (std::log10(t) + 4.0f) / 4.0f;
  if (!(t >= 0)) t = 0;
  return std::min(t, 1.0f);
}

std::string token_label(const App& app, int i) {
  const Encoding& e = app.run.enc;
  if (i < 0) return "";
  std::string s;
  if (i < static_cast<int>(e.display.size())) s = e.display[i];
  else if (i < static_cast<int>(e.tokens.size())) s = e.tokens[i];
  else return "";
  // Whitespace-only labels (a GPT-2 space or newline token) would be invisible.
  if (s.empty() || s.find_first_not_of(" \t\r\n") == std::string::npos) {
    std::string v;
    for (char c : s) v += c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : "·";
    s = v.empty() ? "∅" : v;
  }
  note_glyphs(s);
  return s;
}

bool draw_heatmap(App& app, HeatSource src, int layer, int head, float width, float height) {
  ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImVec2 size(std::max(width, 1.0f), std::max(height, 1.0f));
  ImGui::PushID(static_cast<int>(src) * 100000 + layer * 1000 + head);
  bool clicked = ImGui::InvisibleButton("##heat", size);
  ImGui::PopID();
  ImVec2 p1(p0.x + size.x, p0.y + size.y);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (!ImGui::IsRectVisible(p0, p1)) return clicked;
  bool drawn = app.renderer && app.renderer->add_heatmap(dl, app.view, src, layer, head, p0, p1);
  if (!drawn) {
    // No GPU image (shader failed or nothing uploaded): draw the cells on the CPU when they are few enough.
    const float* m = app_grid_matrix(app, src, layer, head);
    int n = app.grid.n;
    if (m && n > 0 && n <= 96) {
      float cw = size.x / n, ch = size.y / n;
      for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++)
          dl->AddRectFilled(ImVec2(p0.x + c * cw, p0.y + r * ch), ImVec2(p0.x + (c + 1) * cw, p0.y + (r + 1) * ch),
                            colormap_color(app.view.colormap, scaled_weight(app.view, m[r * n + c])));
    } else {
      dl->AddRectFilled(p0, p1, IM_COL32(40, 40, 46, 255));
    }
  }
  return clicked;
}

}  // namespace attnviz
