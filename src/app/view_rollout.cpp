// Rollout view: one layer's attention averaged over heads beside the attention rollout through that layer
// (Abnar & Zuidema 2020), and for the pinned query the keys it draws most from. Heatmaps via draw_heatmap.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"
#include "ui.h"
#include "imgui.h"

namespace attnviz {

namespace {

// Hover read-out of a heatmap just drawn (the last item): the cell under the mouse, (row, col) in grid units.
bool heatmap_cell(int G, int* row, int* col) {
  if (!ImGui::IsItemHovered() || G <= 0) return false;
  ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax(), m = ImGui::GetIO().MousePos;
  if (b.x <= a.x || b.y <= a.y) return false;
  *col = std::clamp(static_cast<int>((m.x - a.x) / (b.x - a.x) * G), 0, G - 1);
  *row = std::clamp(static_cast<int>((m.y - a.y) / (b.y - a.y) * G), 0, G - 1);
  return true;
}

std::string grid_label(const App& app, int g) {
  if (g >= 0 && g < static_cast<int>(app.grid.labels.size())) return app.grid.labels[g];
  return token_label(app, g);
}

}  // namespace

void draw_rollout_view(App& app) {
  ViewState& v = app.view;
  const int L = app_n_layers(app), T = app_n_tokens(app);
  help_marker_here(
      tr("rollout.help"));
  if (!app.run.valid || T == 0 || L == 0) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", tr("view.no_attention"));
    return;
  }
  app_update_grid(app);
  v.layer = std::clamp(v.layer, 0, L - 1);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  ImGui::SliderInt(tr_id("rollout.layer"), &v.layer, 0, L - 1);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip(tr("rollout.layer_tip"), v.layer);
  // Rollout spreads weight thin (about 1/T per cell after a few layers), so the linear colours of the Options panel
  // leave it black: this view's own colour scale, applied only while its two heatmaps are added.
  static int scale_choice = 1;  // 0 = as in Options, 1 = sqrt, 2 = log
  const char* scale_names[] = {tr("rollout.scale_options"), tr("opt.sqrt"), tr("opt.log")};
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  ImGui::Combo(tr_id("rollout.scale"), &scale_choice, scale_names, 3);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("%s", tr("rollout.scale_tip"));
  const int G = app.grid.n > 0 ? app.grid.n : T;

  // Which query the bar list follows: pinned, else hovered, else [CLS] for BERT / the last token for GPT-2.
  const bool gpt2 = app.model && app.model->model.config().family == Family::Gpt2;
  int query = v.token >= 0 && v.token < T ? v.token : (app.hover_query >= 0 && app.hover_query < T ? app.hover_query : (gpt2 ? T - 1 : 0));
  int gq = query < static_cast<int>(app.grid.group.size()) ? app.grid.group[query] : query;
  gq = std::clamp(gq, 0, G - 1);

  const float fs = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float list_w = fs * 14;
  float side = std::min((avail.x - list_w - 3 * fs) * 0.5f, avail.y - 2.5f * fs);
  side = std::max(side, fs * 6);

  int hover_row = -1, hover_col = -1, hover_src = -1;
  const HeatSource srcs[2] = {HeatSource::HeadMean, HeatSource::Rollout};
  const char* titles[2] = {tr("rollout.mean_title"), tr("rollout.rollout_title")};
  for (int s = 0; s < 2; ++s) {
    if (s) ImGui::SameLine(0, fs);
    ImGui::BeginGroup();
    ImGui::Text(titles[s], v.layer);
    ImVec2 pos = ImGui::GetCursorScreenPos();
    const Scale saved = v.scale;
    if (scale_choice == 1) v.scale = Scale::Sqrt;
    if (scale_choice == 2) v.scale = Scale::Log;
    bool clicked = draw_heatmap(app, srcs[s], v.layer, 0, side, side);
    v.scale = saved;
    int r, c;
    if (heatmap_cell(G, &r, &c)) {
      hover_row = r;
      hover_col = c;
      hover_src = s;
      if (clicked) {
        // Pin the first token of the clicked row's group.
        for (int i = 0; i < T; ++i)
          if ((i < static_cast<int>(app.grid.group.size()) ? app.grid.group[i] : i) == r) {
            v.token = (v.token == i) ? -1 : i;
            break;
          }
      }
    }
    // Outline the followed query's row.
    float cell = side / G;
    ImGui::GetWindowDrawList()->AddRect(ImVec2(pos.x, pos.y + gq * cell), ImVec2(pos.x + side, pos.y + (gq + 1) * cell),
                                        ImGui::GetColorU32(ImGuiCol_ButtonActive), 0, 0, 1.5f);
    ImGui::EndGroup();
  }
  if (hover_src >= 0) {
    const float* m = app_grid_matrix(app, srcs[hover_src], v.layer, 0);
    ImGui::BeginTooltip();
    ImGui::Text("%s -> %s", grid_label(app, hover_row).c_str(), grid_label(app, hover_col).c_str());
    if (m) ImGui::Text("%s: %.4f", hover_src == 0 ? tr("rollout.mean") : tr("rollout.rollout"), m[static_cast<size_t>(hover_row) * G + hover_col]);
    ImGui::TextDisabled("%s", tr("rollout.tip_click"));
    ImGui::EndTooltip();
  }

  // Bar list: the keys the query draws most from, by rollout.
  ImGui::SameLine(0, fs);
  ImGui::BeginGroup();
  ImGui::Text(tr("rollout.from"), grid_label(app, gq).c_str());
  const float* roll = app_grid_matrix(app, HeatSource::Rollout, v.layer, 0);
  const float* mean = app_grid_matrix(app, HeatSource::HeadMean, v.layer, 0);
  if (roll) {
    std::vector<int> order(G);
    for (int j = 0; j < G; ++j) order[j] = j;
    const float* row = roll + static_cast<size_t>(gq) * G;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
    const int n = std::min(G, 12);
    const float label_w = fs * 5, bar_w = list_w - label_w - fs * 3.5f;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float top = std::max(row[order[0]], 1e-6f);
    for (int r = 0; r < n; ++r) {
      int j = order[r];
      ImVec2 o = ImGui::GetCursorScreenPos();
      ImGui::Dummy(ImVec2(list_w, fs + 4));
      std::string lab = grid_label(app, j);
      ImVec4 clip(o.x, o.y, o.x + label_w - 4, o.y + fs + 4);
      ImVec2 tsz = ImGui::CalcTextSize(lab.c_str());
      dl->AddText(ImGui::GetFont(), fs, ImVec2(std::max(o.x, o.x + label_w - 4 - tsz.x), o.y + 2),
                  ImGui::GetColorU32(ImGuiCol_Text), lab.c_str(), nullptr, 0, &clip);
      float w = row[j] / top * bar_w;
      dl->AddRectFilled(ImVec2(o.x + label_w, o.y + 3), ImVec2(o.x + label_w + w, o.y + fs + 1),
                        colormap_color(v.colormap, 0.3f + 0.7f * row[j] / top));
      if (mean) {  // the same key's weight in this layer alone, as a tick, to show what rollout adds
        float mx = o.x + label_w + std::min(1.0f, mean[static_cast<size_t>(gq) * G + j] / top) * bar_w;
        dl->AddLine(ImVec2(mx, o.y + 1), ImVec2(mx, o.y + fs + 3), ImGui::GetColorU32(ImGuiCol_Text), 2);
      }
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f", row[j]);
      dl->AddText(ImVec2(o.x + label_w + bar_w + 4, o.y + 2), ImGui::GetColorU32(ImGuiCol_TextDisabled), buf);
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip(tr("rollout.tip_bar"), lab.c_str(), row[j],
                          mean ? mean[static_cast<size_t>(gq) * G + j] : 0.0f);
    }
    ImGui::TextDisabled("%s", tr("rollout.bar_legend"));
  }
  ImGui::EndGroup();
}

}  // namespace attnviz
