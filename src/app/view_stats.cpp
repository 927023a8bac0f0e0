// Stats view: per-head statistics as a layers x heads grid coloured by one statistic, and a sortable table with a
// small heatmap of every head ("heads as small multiples"). Click a cell or a row to select that head.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "app.h"
#include "ui.h"
#include "imgui.h"

namespace attnviz {

namespace {

enum Column { kThumb, kLayer, kHead, kEntropy, kDistance, kCls, kSep, kSelf, kPrev, kNext, kColumns };
// Keys of the string tables (i18n.h), or "" / a token name shown as is.
const char* kColumnNames[kColumns] = {"", "stats.col_layer", "stats.col_head", "stats.col_entropy", "stats.col_distance", "[CLS]", "[SEP]", "stats.col_self", "stats.col_prev", "stats.col_next"};
const char* kStatNames[] = {"stats.col_entropy", "stats.mean_distance", "stats.on_cls", "stats.on_sep", "stats.on_self", "stats.on_prev", "stats.on_next"};

float stat_value(const HeadStats& s, int column) {
  switch (column) {
    case kEntropy: return s.entropy;
    case kDistance: return s.mean_distance;
    case kCls: return s.cls;
    case kSep: return s.sep;
    case kSelf: return s.self;
    case kPrev: return s.prev;
    case kNext: return s.next;
    default: return 0;
  }
}

int g_grid_stat = kPrev;  // column shown by the grid

}  // namespace

void draw_stats_view(App& app) {
  ViewState& v = app.view;
  const int L = app_n_layers(app), H = app_n_heads(app), T = app_n_tokens(app);
  help_marker_here(
      tr("stats.help"));
  if (!app.run.valid || T == 0 || L == 0 || H == 0 || static_cast<int>(app.run.stats.size()) < L * H) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", tr("stats.none"));
    return;
  }
  const std::vector<HeadStats>& stats = app.run.stats;
  const float fs = ImGui::GetFontSize();

  // Grid: layers (rows) x heads (columns) coloured by the chosen statistic, min..max over all heads.
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 9);
  int choice = g_grid_stat - kEntropy;
  const char* stat_names[IM_ARRAYSIZE(kStatNames)];
  for (int i = 0; i < IM_ARRAYSIZE(kStatNames); ++i) stat_names[i] = tr(kStatNames[i]);
  if (ImGui::Combo(tr_id("stats.grid_colour"), &choice, stat_names, IM_ARRAYSIZE(kStatNames))) g_grid_stat = kEntropy + choice;
  float lo = 1e30f, hi = -1e30f;
  for (int i = 0; i < L * H; ++i) {
    float x = stat_value(stats[i], g_grid_stat);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  const float cell = std::clamp((ImGui::GetContentRegionAvail().x - fs * 3) / H, fs * 1.2f, fs * 2.2f);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 o = ImGui::GetCursorScreenPos();
  const float lab_w = fs * 2.5f;
  ImGui::InvisibleButton("stat_grid", ImVec2(lab_w + cell * H, fs + cell * L));
  const bool grid_hovered = ImGui::IsItemHovered();
  const bool grid_clicked = ImGui::IsItemClicked();
  const ImVec2 m = ImGui::GetIO().MousePos;
  char buf[64];
  for (int h = 0; h < H; ++h) {
    std::snprintf(buf, sizeof buf, "%d", h);
    dl->AddText(ImVec2(o.x + lab_w + h * cell + cell * 0.3f, o.y), ImGui::GetColorU32(ImGuiCol_TextDisabled), buf);
  }
  for (int l = 0; l < L; ++l) {
    std::snprintf(buf, sizeof buf, "L%d", l);
    const float y = o.y + fs + l * cell;
    dl->AddText(ImVec2(o.x, y + (cell - fs) * 0.5f), ImGui::GetColorU32(ImGuiCol_TextDisabled), buf);
    for (int h = 0; h < H; ++h) {
      const float x = o.x + lab_w + h * cell;
      float val = stat_value(stats[l * H + h], g_grid_stat);
      float t = hi > lo ? (val - lo) / (hi - lo) : 0.5f;
      dl->AddRectFilled(ImVec2(x + 1, y + 1), ImVec2(x + cell - 1, y + cell - 1), colormap_color(v.colormap, t));
      if (l == v.layer && h == v.head)
        dl->AddRect(ImVec2(x, y), ImVec2(x + cell, y + cell), ImGui::GetColorU32(ImGuiCol_Text), 0, 0, 2);
      if (grid_hovered && m.x >= x && m.x < x + cell && m.y >= y && m.y < y + cell) {
        ImGui::SetTooltip(tr("stats.tip_cell"), l, h, tr(kStatNames[g_grid_stat - kEntropy]), val);
        if (grid_clicked) {
          v.layer = l;
          v.head = h;
        }
      }
    }
  }
  ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::TextDisabled(tr("stats.range"), tr(kStatNames[g_grid_stat - kEntropy]), lo, hi);
  const HeadStats& sel = stats[std::clamp(v.layer, 0, L - 1) * H + std::clamp(v.head, 0, H - 1)];
  ImGui::Text(tr("stats.selected"), v.layer, v.head);
  ImGui::Text(tr("stats.entropy"), sel.entropy, T, std::log(static_cast<float>(T)));
  ImGui::Text(tr("stats.distance"), sel.mean_distance);
  ImGui::Text(tr("stats.shares"), sel.cls * 100, sel.sep * 100,
              sel.self * 100, sel.prev * 100, sel.next * 100);
  ImGui::EndGroup();

  // Table of every head, sortable, with a thumbnail of its attention.
  const float thumb = std::max(fs * 3.0f, 40.0f);
  const ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchSame;
  if (!ImGui::BeginTable("head_stats", kColumns, flags, ImVec2(0, 0))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (int c = 0; c < kColumns; ++c) {
    ImGuiTableColumnFlags cf = 0;
    if (c == kThumb) cf |= ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_WidthFixed;
    if (c == kLayer) cf |= ImGuiTableColumnFlags_DefaultSort;
    if (c >= kCls) cf |= ImGuiTableColumnFlags_PreferSortDescending;
    ImGui::TableSetupColumn(kColumnNames[c][0] && kColumnNames[c][0] != '[' ? tr_id(kColumnNames[c]) : kColumnNames[c], cf, c == kThumb ? thumb : 0.0f, static_cast<ImGuiID>(c));
  }
  ImGui::TableHeadersRow();

  static std::vector<int> order;
  static uint64_t order_gen = 0;
  bool resort = order.size() != static_cast<size_t>(L * H) || order_gen != app.run.generation;
  ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs();
  if (specs && specs->SpecsDirty) resort = true;
  if (resort) {
    order.resize(L * H);
    for (int i = 0; i < L * H; ++i) order[i] = i;
    if (specs && specs->SpecsCount > 0) {
      const ImGuiTableColumnSortSpecs s = specs->Specs[0];
      const int col = static_cast<int>(s.ColumnUserID);
      const bool asc = s.SortDirection == ImGuiSortDirection_Ascending;
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        float va, vb;
        if (col == kLayer) {
          va = static_cast<float>(a / H);
          vb = static_cast<float>(b / H);
        } else if (col == kHead) {
          va = static_cast<float>(a % H);
          vb = static_cast<float>(b % H);
        } else {
          va = stat_value(stats[a], col);
          vb = stat_value(stats[b], col);
        }
        return asc ? va < vb : va > vb;
      });
    }
    if (specs) specs->SpecsDirty = false;
    order_gen = app.run.generation;
  }

  ImGuiListClipper clipper;
  clipper.Begin(L * H, thumb + ImGui::GetStyle().CellPadding.y * 2);
  while (clipper.Step()) {
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
      const int idx = order[r];
      const int l = idx / H, h = idx % H;
      const HeadStats& s = stats[idx];
      ImGui::PushID(idx);
      ImGui::TableNextRow(0, thumb);
      ImGui::TableSetColumnIndex(kThumb);
      if (draw_heatmap(app, HeatSource::Attention, l, h, thumb, thumb)) {
        v.layer = l;
        v.head = h;
      }
      ImGui::TableSetColumnIndex(kLayer);
      std::snprintf(buf, sizeof buf, "%d", l);
      const bool selected = l == v.layer && h == v.head;
      if (ImGui::Selectable(buf, selected, ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap,
                            ImVec2(0, thumb))) {
        v.layer = l;
        v.head = h;
      }
      ImGui::TableSetColumnIndex(kHead);
      ImGui::Text("%d", h);
      ImGui::TableSetColumnIndex(kEntropy);
      ImGui::Text("%.2f", s.entropy);
      ImGui::TableSetColumnIndex(kDistance);
      ImGui::Text("%.2f", s.mean_distance);
      const float shares[5] = {s.cls, s.sep, s.self, s.prev, s.next};
      for (int c = 0; c < 5; ++c) {
        ImGui::TableSetColumnIndex(kCls + c);
        // Shares as a number over a faint bar, so the strong ones stand out when scanning the column.
        ImVec2 p = ImGui::GetCursorScreenPos();
        const float w = ImGui::GetContentRegionAvail().x;
        ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + w * shares[c], p.y + fs),
                                                  colormap_color(v.colormap, 0.25f + 0.5f * shares[c]) & 0x80FFFFFF);
        ImGui::Text("%4.0f%%", shares[c] * 100);
      }
      ImGui::PopID();
    }
  }
  clipper.End();
  ImGui::EndTable();
}

}  // namespace attnviz
