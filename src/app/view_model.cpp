// Model view: every head of every layer as a small heatmap (rows = layers, columns = heads). The overview where
// students spot patterns (diagonals = previous/next-token heads, bright [CLS]/[SEP] columns = "no-op" heads).
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app.h"

namespace attnviz {

void draw_model_view(App& app) {
  int L = app_n_layers(app), H = app_n_heads(app);
  if (L == 0 || H == 0) return;
  ViewState& v = app.view;
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float label_w = 34, label_h = ImGui::GetTextLineHeightWithSpacing();
  float gap = 4;
  float cell = std::min((avail.x - label_w) / H - gap, (avail.y - label_h) / L - gap);
  cell = std::clamp(cell, 28.0f, 220.0f);
  ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (int h = 0; h < H; h++) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "H%d", h);
    float tw = ImGui::CalcTextSize(buf).x;
    dl->AddText(ImVec2(origin.x + label_w + h * (cell + gap) + (cell - tw) / 2, origin.y),
                h == v.head ? IM_COL32(255, 220, 120, 255) : IM_COL32(170, 170, 180, 255), buf);
  }
  for (int l = 0; l < L; l++) {
    float y = origin.y + label_h + l * (cell + gap);
    char buf[16];
    std::snprintf(buf, sizeof(buf), "L%d", l);
    dl->AddText(ImVec2(origin.x, y + cell / 2 - ImGui::GetTextLineHeight() / 2),
                l == v.layer ? IM_COL32(255, 220, 120, 255) : IM_COL32(170, 170, 180, 255), buf);
    for (int h = 0; h < H; h++) {
      ImVec2 p0(origin.x + label_w + h * (cell + gap), y);
      ImGui::SetCursorScreenPos(p0);
      if (draw_heatmap(app, HeatSource::Attention, l, h, cell, cell)) {
        v.layer = l;
        v.head = h;
      }
      bool hovered = ImGui::IsItemHovered();
      if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
        v.layer = l;
        v.head = h;
        v.view = ViewKind::Matrix;
      }
      ImVec2 p1(p0.x + cell, p0.y + cell);
      bool knocked = std::binary_search(v.knocked_out.begin(), v.knocked_out.end(), HeadRef{l, h});
      if (knocked) {
        dl->AddLine(p0, p1, IM_COL32(255, 80, 80, 220), 2);
        dl->AddLine(ImVec2(p1.x, p0.y), ImVec2(p0.x, p1.y), IM_COL32(255, 80, 80, 220), 2);
      }
      if (l == v.layer && h == v.head)
        dl->AddRect(ImVec2(p0.x - 2, p0.y - 2), ImVec2(p1.x + 2, p1.y + 2), IM_COL32(255, 220, 120, 255), 0, 0, 2);
      else if (hovered)
        dl->AddRect(ImVec2(p0.x - 1, p0.y - 1), ImVec2(p1.x + 1, p1.y + 1), IM_COL32(255, 255, 255, 160));
      if (hovered) {
        ImGui::BeginTooltip();
        ImGui::Text(tr("model.tip_layer_head"), l, h, knocked ? tr("model.tip_knocked") : "");
        size_t idx = static_cast<size_t>(l) * H + h;
        if (idx < app.run.stats.size()) {
          const HeadStats& s = app.run.stats[idx];
          ImGui::Text(tr("model.tip_entropy"), s.entropy, s.mean_distance);
          ImGui::Text(tr("model.tip_special"), s.cls, s.sep, s.self);
          ImGui::Text(tr("model.tip_prev_next"), s.prev, s.next);
          const char* pattern = nullptr;
          if (s.prev > 0.5f) pattern = tr("model.pattern_prev");
          else if (s.next > 0.5f) pattern = tr("model.pattern_next");
          else if (s.self > 0.5f) pattern = tr("model.pattern_self");
          else if (s.cls + s.sep > 0.6f) pattern = tr("model.pattern_special");
          else if (s.entropy > 0.8f * std::log(std::max(2, app_n_tokens(app)))) pattern = tr("model.pattern_broad");
          if (pattern) ImGui::TextColored(ImVec4(1, 0.85f, 0.5f, 1), tr("model.pattern"), pattern);
        }
        draw_heatmap(app, HeatSource::Attention, l, h, 180, 180);
        ImGui::TextDisabled("%s", tr("model.tip_click"));
        ImGui::EndTooltip();
      }
    }
  }
  ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + label_h + L * (cell + gap)));
  ImGui::Dummy(ImVec2(label_w + H * (cell + gap), 1));
}

}  // namespace attnviz
