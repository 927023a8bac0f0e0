// Matrix view: the selected head (or its layer's mean, or the rollout) as one big heatmap with token labels on both
// axes, hover crosshair with exact weights, wheel zoom and drag pan for long inputs, click to pin a query row.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app.h"
#include "renderer.h"

namespace attnviz {
namespace {

struct MatrixNav {
  float zoom = 1;         // 1 = the whole matrix fits
  ImVec2 pan{0, 0};       // pixels of the zoomed matrix scrolled out of view (left, top)
  bool dragging = false;
  int source = 0;         // 0 head, 1 layer mean, 2 rollout
};
MatrixNav g_nav;

int utf8_count(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Text rotated a quarter turn (reads bottom to top), its baseline start at `bottom_left`.
void add_text_vertical(ImDrawList* dl, ImVec2 bottom_left, ImU32 col, const std::string& text) {
  int start = dl->VtxBuffer.Size;
  ImFont* font = ImGui::GetFont();
  // Render unclipped in unrotated space (the clip rect of the draw command still scissors the rotated result).
  font->RenderText(dl, ImGui::GetFontSize(), bottom_left, col, ImVec4(-1e6f, -1e6f, 1e6f, 1e6f), text.c_str(),
                   text.c_str() + text.size(), 0.0f, false);
  for (int i = start; i < dl->VtxBuffer.Size; i++) {
    ImVec2& p = dl->VtxBuffer[i].pos;
    float dx = p.x - bottom_left.x, dy = p.y - bottom_left.y;
    p = ImVec2(bottom_left.x + dy, bottom_left.y - dx);
  }
}

std::string clip_label(const std::string& s, float max_w) {
  if (ImGui::CalcTextSize(s.c_str()).x <= max_w) return s;
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t j = i + 1;
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) j++;
    if (ImGui::CalcTextSize((out + s.substr(i, j - i) + "…").c_str()).x > max_w) break;
    out += s.substr(i, j - i);
    i = j;
  }
  return out + "…";
}

}  // namespace

void draw_matrix_view(App& app) {
  int L = app_n_layers(app), H = app_n_heads(app);
  const Grid& g = app.grid;
  int n = g.n;
  if (L == 0 || n == 0) return;
  ViewState& v = app.view;
  MatrixNav& nav = g_nav;

  // Controls.
  ImGui::SetNextItemWidth(110);
  ImGui::SliderInt(tr_id("matrix.layer"), &v.layer, 0, L - 1);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  ImGui::BeginDisabled(nav.source != 0);
  ImGui::SliderInt(tr_id("matrix.head"), &v.head, 0, H - 1);
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(150);
  const char* sources[] = {tr("matrix.src_head"), tr("matrix.src_mean"), tr("matrix.src_rollout")};
  ImGui::Combo("##source", &nav.source, sources, 3);
  ImGui::SameLine();
  if (ImGui::Button(tr_id("matrix.reset_zoom"))) nav.zoom = 1, nav.pan = ImVec2(0, 0);
  if (v.token >= 0) {
    ImGui::SameLine();
    if (ImGui::Button(tr_id("matrix.unpin"))) v.token = -1;
  }
  HeatSource src = nav.source == 0 ? HeatSource::Attention : nav.source == 1 ? HeatSource::HeadMean : HeatSource::Rollout;
  const float* m = app_grid_matrix(app, src, v.layer, v.head);
  if (!m) return;

  // Layout: row labels on the left, column labels on top, the matrix filling the rest.
  ImVec2 origin = ImGui::GetCursorScreenPos();
  ImVec2 avail = ImGui::GetContentRegionAvail();
  avail.y -= ImGui::GetTextLineHeightWithSpacing() + 6;  // the pinned row's summary line below
  float font_h = ImGui::GetFontSize();
  float max_label = 0;
  for (const auto& s : g.labels) max_label = std::max(max_label, ImGui::CalcTextSize(s.c_str()).x);
  float row_w = std::clamp(max_label + 10, 28.0f, 140.0f);
  float base = std::max(40.0f, std::min(avail.x - row_w, avail.y - 40));
  float cell0 = base / n;
  float cell = cell0 * nav.zoom;
  bool vertical = cell < max_label + 6;
  float top_h = vertical ? std::clamp(max_label + 8, font_h + 4, 120.0f) : font_h + 6;
  base = std::max(40.0f, std::min(avail.x - row_w, avail.y - top_h));
  cell0 = base / n;
  cell = cell0 * nav.zoom;
  ImVec2 area0(origin.x + row_w, origin.y + top_h);
  ImVec2 area_size(std::min(avail.x - row_w, n * cell), std::min(avail.y - top_h, n * cell));
  area_size.x = std::max(area_size.x, 10.0f);
  area_size.y = std::max(area_size.y, 10.0f);
  ImVec2 area1(area0.x + area_size.x, area0.y + area_size.y);
  float full = n * cell;
  auto clamp_pan = [&]() {
    nav.pan.x = std::clamp(nav.pan.x, 0.0f, std::max(0.0f, full - area_size.x));
    nav.pan.y = std::clamp(nav.pan.y, 0.0f, std::max(0.0f, full - area_size.y));
  };
  clamp_pan();

  // Interaction over the matrix.
  ImGui::SetCursorScreenPos(area0);
  ImGui::InvisibleButton("##matrix", area_size);
  bool hovered = ImGui::IsItemHovered();
  ImGuiIO& io = ImGui::GetIO();
  if (hovered && io.MouseWheel != 0) {
    float new_zoom = std::clamp(nav.zoom * std::pow(1.2f, io.MouseWheel), 1.0f, std::max(1.0f, n / 4.0f));
    ImVec2 local(io.MousePos.x - area0.x, io.MousePos.y - area0.y);
    float u = (local.x + nav.pan.x) / cell, w = (local.y + nav.pan.y) / cell;
    nav.zoom = new_zoom;
    cell = cell0 * nav.zoom;
    full = n * cell;
    nav.pan = ImVec2(u * cell - local.x, w * cell - local.y);
    area_size = ImVec2(std::max(10.0f, std::min(avail.x - row_w, full)), std::max(10.0f, std::min(avail.y - top_h, full)));
    area1 = ImVec2(area0.x + area_size.x, area0.y + area_size.y);
    clamp_pan();
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 4.0f)) {
    nav.dragging = true;
    nav.pan.x -= io.MouseDelta.x;
    nav.pan.y -= io.MouseDelta.y;
    clamp_pan();
  }
  int hr = -1, hc = -1;
  if (hovered) {
    hc = static_cast<int>((io.MousePos.x - area0.x + nav.pan.x) / cell);
    hr = static_cast<int>((io.MousePos.y - area0.y + nav.pan.y) / cell);
    if (hc < 0 || hc >= n || hr < 0 || hr >= n) hr = hc = -1;
  }
  int pinned_row = v.token >= 0 && v.token < static_cast<int>(g.group.size()) ? g.group[v.token] : -1;
  if (ImGui::IsItemDeactivated() && !nav.dragging && hr >= 0) {
    if (hr == pinned_row) {
      v.token = -1;
    } else {
      for (int t = 0; t < static_cast<int>(g.group.size()); t++)
        if (g.group[t] == hr) {
          v.token = t;
          break;
        }
    }
    pinned_row = v.token >= 0 ? g.group[v.token] : -1;
  }
  if (!ImGui::IsItemActive()) nav.dragging = false;
  if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) nav.zoom = 1, nav.pan = ImVec2(0, 0);
  app.hover_query = app.hover_key = -1;
  if (hr >= 0) {
    for (int t = 0; t < static_cast<int>(g.group.size()); t++) {
      if (app.hover_query < 0 && g.group[t] == hr) app.hover_query = t;
      if (app.hover_key < 0 && g.group[t] == hc) app.hover_key = t;
    }
  }

  // The matrix: only its visible part, as one quad.
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 uv0(nav.pan.x / full, nav.pan.y / full);
  ImVec2 uv1((nav.pan.x + area_size.x) / full, (nav.pan.y + area_size.y) / full);
  dl->PushClipRect(area0, area1, true);
  if (!app.renderer || !app.renderer->add_heatmap(dl, v, src, v.layer, v.head, area0, area1, uv0, uv1)) {
    int r0 = static_cast<int>(nav.pan.y / cell), c0 = static_cast<int>(nav.pan.x / cell);
    for (int r = r0; r < n && (r - r0) * cell < area_size.y + cell; r++)
      for (int c = c0; c < n && (c - c0) * cell < area_size.x + cell; c++) {
        ImVec2 a(area0.x + c * cell - nav.pan.x, area0.y + r * cell - nav.pan.y);
        dl->AddRectFilled(a, ImVec2(a.x + cell, a.y + cell), colormap_color(v.colormap, scaled_weight(v, m[r * n + c])));
      }
  }
  auto row_y = [&](int r) { return area0.y + r * cell - nav.pan.y; };
  auto col_x = [&](int c) { return area0.x + c * cell - nav.pan.x; };
  if (pinned_row >= 0)
    dl->AddRect(ImVec2(area0.x, row_y(pinned_row)), ImVec2(area1.x, row_y(pinned_row) + cell), IM_COL32(255, 220, 120, 255), 0, 0, 2);
  if (hr >= 0) {
    dl->AddRect(ImVec2(area0.x, row_y(hr)), ImVec2(area1.x, row_y(hr) + cell), IM_COL32(255, 255, 255, 140));
    dl->AddRect(ImVec2(col_x(hc), area0.y), ImVec2(col_x(hc) + cell, area1.y), IM_COL32(255, 255, 255, 140));
    dl->AddRect(ImVec2(col_x(hc), row_y(hr)), ImVec2(col_x(hc) + cell, row_y(hr) + cell), IM_COL32(255, 255, 255, 255), 0, 0, 2);
  }
  dl->PopClipRect();

  // Labels: every row/column when there is room; otherwise each label that does not overlap the one before it
  // (the hovered and pinned ones always).
  ImU32 label_col = IM_COL32(200, 200, 210, 255), hi_col = IM_COL32(255, 220, 120, 255);
  dl->PushClipRect(ImVec2(origin.x, area0.y), ImVec2(area0.x, area1.y), true);
  float next_y = -1e9f;
  for (int r = std::max(0, static_cast<int>(nav.pan.y / cell)); r < n && row_y(r) < area1.y; r++) {
    bool force = r == hr || r == pinned_row;
    float y = row_y(r) + cell / 2 - font_h / 2;
    if (!force && y < next_y) continue;
    if (!force) next_y = y + font_h;
    std::string s = clip_label(g.labels[r], row_w - 8);
    float tw = ImGui::CalcTextSize(s.c_str()).x;
    if (force) dl->AddRectFilled(ImVec2(area0.x - 7 - tw, y), ImVec2(area0.x - 3, y + font_h), IM_COL32(30, 30, 36, 255));
    dl->AddText(ImVec2(area0.x - 5 - tw, y), force ? hi_col : label_col, s.c_str());
  }
  dl->PopClipRect();
  dl->PushClipRect(ImVec2(area0.x, origin.y), ImVec2(area1.x, area0.y), true);
  float next_x = -1e9f;
  for (int c = std::max(0, static_cast<int>(nav.pan.x / cell)); c < n && col_x(c) < area1.x; c++) {
    bool force = c == hc;
    const std::string& full_label = g.labels[c];
    if (vertical && utf8_count(full_label) > 1) {
      float x = col_x(c) + cell / 2 - font_h / 2;
      if (!force && x < next_x) continue;
      if (!force) next_x = x + font_h;
      std::string s = clip_label(full_label, top_h - 6);
      add_text_vertical(dl, ImVec2(x, area0.y - 4), force ? hi_col : label_col, s);
    } else {
      std::string s = clip_label(full_label, std::max(64.0f, font_h * 4));
      float tw = ImGui::CalcTextSize(s.c_str()).x;
      float x = std::max(area0.x, col_x(c) + cell / 2 - tw / 2);
      if (!force && x < next_x) continue;
      if (!force) next_x = x + tw + 3;
      if (force) dl->AddRectFilled(ImVec2(x - 2, area0.y - font_h - 4), ImVec2(x + tw + 2, area0.y - 2), IM_COL32(30, 30, 36, 255));
      dl->AddText(ImVec2(x, area0.y - font_h - 3), force ? hi_col : label_col, s.c_str());
    }
  }
  dl->PopClipRect();

  if (hr >= 0) {
    ImGui::BeginTooltip();
    float w = m[static_cast<size_t>(hr) * n + hc];
    ImGui::Text(tr("matrix.tip_query"), hr, g.labels[hr].c_str());
    ImGui::Text(tr("matrix.tip_key"), hc, g.labels[hc].c_str());
    ImGui::Text(tr("matrix.tip_weight"), w);
    ImGui::TextDisabled("%s", nav.source == 0 ? tr("matrix.tip_what_head")
                              : nav.source == 1 ? tr("matrix.tip_what_mean")
                                                : tr("matrix.tip_what_rollout"));
    ImGui::TextDisabled("%s", tr("matrix.tip_click"));
    ImGui::EndTooltip();
  }
  ImGui::SetCursorScreenPos(ImVec2(origin.x, area1.y + 4));
  if (pinned_row >= 0) {
    // The pinned row's strongest keys, in words: what this token looks at.
    std::vector<int> idx(n);
    for (int c = 0; c < n; c++) idx[c] = c;
    const float* row = m + static_cast<size_t>(pinned_row) * n;
    int k = std::min(5, n);
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) { return row[a] > row[b]; });
    ImGui::Text(tr("matrix.looks_most"), g.labels[pinned_row].c_str());
    for (int i = 0; i < k; i++) {
      ImGui::SameLine();
      ImGui::Text("「%s」 %.2f", g.labels[idx[i]].c_str(), row[idx[i]]);
    }
  }
}

}  // namespace attnviz
