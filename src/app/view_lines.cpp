// Lines view (BertViz's "head view"): the tokens twice, queries on the left and keys on the right, joined by lines
// whose opacity follows the attention weight; several heads at once in their own colours. ImGui draw lists only.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"
#include "ui.h"
#include "imgui.h"

namespace attnviz {

namespace {

// Tableau 10, the palette BertViz uses for heads; more heads wrap around with a lighter shade.
const ImU32 kHeadRgb[10] = {IM_COL32(31, 119, 180, 255), IM_COL32(255, 127, 14, 255), IM_COL32(44, 160, 44, 255),
                            IM_COL32(214, 39, 40, 255),  IM_COL32(148, 103, 189, 255), IM_COL32(140, 86, 75, 255),
                            IM_COL32(227, 119, 194, 255), IM_COL32(127, 127, 127, 255), IM_COL32(188, 189, 34, 255),
                            IM_COL32(23, 190, 207, 255)};

ImU32 head_color(int h, float alpha) {
  ImVec4 c = ImGui::ColorConvertU32ToFloat4(kHeadRgb[h % 10]);
  if ((h / 10) % 2 == 1) c = ImVec4(0.5f + 0.5f * c.x, 0.5f + 0.5f * c.y, 0.5f + 0.5f * c.z, 1);
  c.w = std::clamp(alpha, 0.0f, 1.0f);
  return ImGui::ColorConvertFloat4ToU32(c);
}

// One line to draw: scaled weight s from query row i to key row j in head h.
struct LineCand {
  float s;
  int i, j, h;
};
constexpr size_t kLineBudget = 5000;  // lines drawn per frame at most (the strongest)

struct LinesState {
  std::vector<LineCand> cand;  // this frame's candidate lines (kept to reuse its memory)
  size_t last_n_cand = 0;      // how many there were last frame (the toolbar says when some were left out)
  std::vector<uint8_t> on;  // (H) heads drawn
  int seen_head = -1;       // app.view.head when `on` was last synced with it
  uint64_t label_gen = 0;   // run generation the label widths were measured for
  float max_label_w = 0;    // widest token label at the current font size
};
LinesState g_lines;

}  // namespace

void draw_lines_view(App& app) {
  ViewState& v = app.view;
  const int L = app_n_layers(app), H = app_n_heads(app), T = app_n_tokens(app);
  help_marker_here(
      tr("lines.help"));
  if (!app.run.valid || T == 0 || L == 0 || H == 0) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", tr("view.no_attention"));
    return;
  }
  v.layer = std::clamp(v.layer, 0, L - 1);
  v.head = std::clamp(v.head, 0, H - 1);
  LinesState& st = g_lines;
  if (static_cast<int>(st.on.size()) != H) {
    st.on.assign(H, 0);
    st.seen_head = -1;
  }
  if (v.head != st.seen_head) {  // another view picked a head: show it (alone unless several were chosen here)
    int n_on = 0;
    for (uint8_t o : st.on) n_on += o;
    if (n_on <= 1) std::fill(st.on.begin(), st.on.end(), 0);
    st.on[v.head] = 1;
    st.seen_head = v.head;
  }

  // Rows are the grid's units: tokens, or characters / words when Options merges them (BertViz convention: a merged
  // query row is the mean of its tokens' rows, a merged key column the sum). view.token stays a token index.
  app_update_grid(app);
  const Grid& grid = app.grid;
  const bool merged = grid.n > 0 && static_cast<int>(grid.group.size()) == T && grid.n != T;
  const int N = merged ? grid.n : T;
  auto unit_of = [&](int t) { return merged ? grid.group[t] : t; };
  auto first_token = [&](int g) {
    if (!merged) return g;
    for (int t = 0; t < T; ++t)
      if (grid.group[t] == g) return t;
    return -1;
  };
  auto label_of = [&](int g) {
    return merged && g < static_cast<int>(grid.labels.size()) ? grid.labels[g] : token_label(app, g);
  };
  auto matrix_of = [&](int h) -> const float* {
    const float* m = merged ? app_grid_matrix(app, HeatSource::Attention, v.layer, h) : nullptr;
    return m ? m : (merged ? nullptr : app_attention(app, v.layer, h));
  };
  const int pin = v.token >= 0 && v.token < T ? unit_of(v.token) : -1;

  // Toolbar: layer, head toggles, all heads.
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  ImGui::SliderInt(tr_id("lines.layer"), &v.layer, 0, L - 1);
  ImGui::SameLine();
  ImGui::TextUnformatted(tr("lines.heads"));
  for (int h = 0; h < H; ++h) {
    ImGui::SameLine(0, 2);
    ImGui::PushID(h);
    bool on = st.on[h] != 0;
    ImVec4 c = ImGui::ColorConvertU32ToFloat4(head_color(h, on ? 1.0f : 0.25f));
    ImGui::PushStyleColor(ImGuiCol_Button, c);
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImGui::ColorConvertU32ToFloat4(head_color(h, 0.8f)));
    ImGui::PushStyleColor(ImGuiCol_ButtonActive, ImGui::ColorConvertU32ToFloat4(head_color(h, 1.0f)));
    char label[16];
    std::snprintf(label, sizeof label, "%d", h);
    if (ImGui::Button(label, ImVec2(ImGui::GetFontSize() * 1.6f, 0))) {
      if (ImGui::GetIO().KeyShift || ImGui::GetIO().KeyCtrl || !on) {
        st.on[h] = on ? 0 : 1;
      } else {
        // A plain click on a lit head shows that head alone.
        std::fill(st.on.begin(), st.on.end(), 0);
        st.on[h] = 1;
      }
      int n_on = 0;
      for (uint8_t o : st.on) n_on += o;
      if (n_on == 0) st.on[h] = 1;
      if (st.on[h]) {
        v.head = h;
        st.seen_head = h;
      }
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip(tr("lines.head_tip"), h);
    ImGui::PopStyleColor(3);
    ImGui::PopID();
  }
  ImGui::SameLine();
  if (ImGui::SmallButton(tr_id("lines.all_heads"))) std::fill(st.on.begin(), st.on.end(), 1);
  if (v.token >= 0 && v.token < T) {
    ImGui::SameLine();
    if (ImGui::SmallButton(tr_id("lines.unpin"))) v.token = -1;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("lines.unpin_tip"));
  }

  if (st.last_n_cand > kLineBudget) {
    ImGui::SameLine();
    ImGui::TextDisabled(tr("lines.strongest"), kLineBudget, st.last_n_cand);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s", tr("lines.strongest_tip"));
  }

  // Geometry: rows as tall as the text when they fit, thinner for long inputs (then the region scrolls).
  ImGui::BeginChild("lines_area", ImVec2(0, 0), false);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImFont* font = ImGui::GetFont();
  const float fs = ImGui::GetFontSize();
  const uint64_t label_key = app.run.generation * 4 + static_cast<uint64_t>(merged ? grid.merge : Merge::Tokens);
  if (st.label_gen != label_key) {
    st.max_label_w = 0;
    for (int i = 0; i < N; ++i) st.max_label_w = std::max(st.max_label_w, ImGui::CalcTextSize(label_of(i).c_str()).x);
    st.label_gen = label_key;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float row_h = std::clamp((avail.y - fs - 8) / N, std::max(7.0f, fs * 0.6f), fs + 6);
  const float label_fs = std::min(fs, row_h - 1);
  const float label_w = std::min(st.max_label_w * label_fs / fs + 10, fs * 9);
  const float gap = std::clamp(avail.x - 2 * label_w - 20, fs * 6, fs * 24);
  const float total_w = 2 * label_w + gap;
  // Column captions on their own line; the rows start below them.
  const ImVec2 top = ImGui::GetCursorScreenPos();
  ImVec2 origin(top.x + std::max(0.0f, (avail.x - total_w) * 0.5f), top.y + fs + 4);
  ImGui::Dummy(ImVec2(std::max(total_w, avail.x - 1), fs + 4 + row_h * N + 4));
  const float x_left = origin.x + label_w;          // right edge of the query labels
  const float x_right = origin.x + label_w + gap;   // left edge of the key labels
  const float line_l = x_left + 4, line_r = x_right - 4;
  const ImVec2 clip_min = ImGui::GetWindowPos();
  const ImVec2 clip_max(clip_min.x + ImGui::GetWindowSize().x, clip_min.y + ImGui::GetWindowSize().y);

  // Hit test: which token is under the mouse, on which side.
  int hq = -1, hk = -1;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  if (ImGui::IsWindowHovered()) {
    int row = static_cast<int>(std::floor((mouse.y - origin.y) / row_h));
    if (row >= 0 && row < N) {
      if (mouse.x >= origin.x && mouse.x < x_left + 12) hq = row;
      if (mouse.x > x_right - 12 && mouse.x <= x_right + label_w) hk = row;
    }
    if (ImGui::IsMouseClicked(0) && hq >= 0) v.token = (pin == hq) ? -1 : first_token(hq);
  }
  // The shared hover belongs to this view while the mouse is over it; let go of it once the mouse leaves.
  static bool hover_owned = false;
  if (ImGui::IsWindowHovered()) {
    app.hover_query = hq >= 0 ? first_token(hq) : -1;
    app.hover_key = hk >= 0 ? first_token(hk) : -1;
    hover_owned = true;
  } else if (hover_owned) {
    app.hover_query = app.hover_key = -1;
    hover_owned = false;
  }

  const std::vector<uint8_t>& special = merged ? grid.special : app.run.enc.special;
  auto is_special = [&](int i) { return i < static_cast<int>(special.size()) && special[i]; };
  // Which lines: one query (hovered, else pinned), or lines into one hovered key, or all of them.
  int focus_q = hq >= 0 ? hq : (hk < 0 ? pin : -1);
  int focus_k = hq < 0 ? hk : -1;
  std::vector<int> heads;
  for (int h = 0; h < H; ++h)
    if (st.on[h]) heads.push_back(h);
  const float multi = heads.size() > 1 ? 0.75f : 1.0f;
  const bool focused = focus_q >= 0 || focus_k >= 0;

  // Key highlight: mean weight over the shown heads from the focused query (or into the focused key, per query).
  std::vector<float> key_glow(N, 0.0f), query_glow(N, 0.0f);
  for (int h : heads) {
    const float* att = matrix_of(h);
    if (!att) continue;
    for (int i = 0; i < N; ++i) {
      if (focus_q >= 0 && i != focus_q) continue;
      for (int j = 0; j < N; ++j) {
        if (focus_k >= 0 && j != focus_k) continue;
        float w = att[static_cast<size_t>(i) * N + j] / heads.size();
        if (focus_q >= 0) key_glow[j] += w;
        if (focus_k >= 0) query_glow[i] += w;
      }
    }
  }

  // Lines: gather the visible ones, keep the strongest kLineBudget (a 512-token input with a flat head and a sqrt
  // scale would otherwise ask for hundreds of thousands of lines a frame), draw the weakest first so strong ones lie
  // on top.
  std::vector<LineCand>& cand = st.cand;
  cand.clear();
  for (int h : heads) {
    const float* att = matrix_of(h);
    if (!att) continue;
    for (int i = 0; i < N; ++i) {
      if (focus_q >= 0 && i != focus_q) continue;
      if (v.hide_special && is_special(i)) continue;
      const float yi = origin.y + (i + 0.5f) * row_h;
      for (int j = 0; j < N; ++j) {
        if (focus_k >= 0 && j != focus_k) continue;
        if (v.hide_special && is_special(j)) continue;
        const float s = scaled_weight(v, att[static_cast<size_t>(i) * N + j]);
        if (s < 0.02f) continue;
        const float yj = origin.y + (j + 0.5f) * row_h;
        if ((yi < clip_min.y && yj < clip_min.y) || (yi > clip_max.y && yj > clip_max.y)) continue;
        cand.push_back({s, i, j, h});
      }
    }
  }
  const size_t n_cand = cand.size();
  st.last_n_cand = n_cand;
  if (n_cand > kLineBudget) {
    std::nth_element(cand.begin(), cand.begin() + kLineBudget, cand.end(),
                     [](const LineCand& a, const LineCand& b) { return a.s > b.s; });
    cand.resize(kLineBudget);
  }
  std::sort(cand.begin(), cand.end(), [](const LineCand& a, const LineCand& b) { return a.s < b.s; });
  for (const LineCand& c : cand) {
    // On a dark background plain opacity = weight leaves mid weights invisible: boost, then saturate.
    const float alpha = std::min(1.0f, c.s * (focused ? 2.0f : 1.6f)) * multi;
    const float thick = focused ? 1.0f + 2.5f * c.s : 1.0f + 1.5f * c.s;
    dl->AddLine(ImVec2(line_l, origin.y + (c.i + 0.5f) * row_h), ImVec2(line_r, origin.y + (c.j + 0.5f) * row_h),
                head_color(c.h, alpha), thick);
  }

  // Labels (visible rows only).
  const ImU32 text_col = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim_col = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const ImU32 accent = ImGui::GetColorU32(ImGuiCol_ButtonActive);
  const ImU32 glow_rgb = head_color(heads.empty() ? 0 : heads.front(), 1.0f);
  int first = std::max(0, static_cast<int>((clip_min.y - origin.y) / row_h) - 1);
  int last = std::min(N - 1, static_cast<int>((clip_max.y - origin.y) / row_h) + 1);
  for (int i = first; i <= last; ++i) {
    const float y0 = origin.y + i * row_h;
    const std::string label = label_of(i);
    const ImVec2 tsz = font->CalcTextSizeA(label_fs, FLT_MAX, 0, label.c_str());
    const float ty = y0 + (row_h - tsz.y) * 0.5f;
    const ImU32 col = is_special(i) ? dim_col : text_col;
    // Query side.
    ImVec4 lclip(origin.x, y0, x_left, y0 + row_h);
    if (i == pin) dl->AddRectFilled(ImVec2(origin.x, y0), ImVec2(x_left, y0 + row_h), accent, 2);
    if (i == hq) dl->AddRect(ImVec2(origin.x, y0), ImVec2(x_left, y0 + row_h), text_col, 2);
    if (focus_k >= 0 && query_glow[i] > 0.01f) {
      ImVec4 c = ImGui::ColorConvertU32ToFloat4(glow_rgb);
      c.w = std::min(1.0f, query_glow[i]) * 0.8f;
      dl->AddRectFilled(ImVec2(origin.x, y0), ImVec2(x_left, y0 + row_h), ImGui::ColorConvertFloat4ToU32(c), 2);
    }
    dl->AddText(font, label_fs, ImVec2(std::max(origin.x, x_left - 4 - tsz.x), ty), col, label.c_str(), nullptr, 0,
                &lclip);
    // Key side.
    ImVec4 rclip(x_right, y0, x_right + label_w, y0 + row_h);
    if (focus_q >= 0 && key_glow[i] > 0.01f) {
      ImVec4 c = ImGui::ColorConvertU32ToFloat4(glow_rgb);
      c.w = std::min(1.0f, key_glow[i]) * 0.8f;
      dl->AddRectFilled(ImVec2(x_right, y0), ImVec2(x_right + label_w, y0 + row_h), ImGui::ColorConvertFloat4ToU32(c), 2);
    }
    if (i == hk) dl->AddRect(ImVec2(x_right, y0), ImVec2(x_right + label_w, y0 + row_h), text_col, 2);
    dl->AddText(font, label_fs, ImVec2(x_right + 4, ty), col, label.c_str(), nullptr, 0, &rclip);
  }
  dl->AddText(ImVec2(x_left - ImGui::CalcTextSize(tr("lines.query")).x - 4, top.y), dim_col, tr("lines.query"));
  dl->AddText(ImVec2(x_right + 4, top.y), dim_col, tr("lines.key"));

  // Tooltip: the weights behind the hovered pair.
  if (hk >= 0 && pin >= 0) {
    ImGui::BeginTooltip();
    ImGui::Text(tr("lines.tip_pair"), label_of(pin).c_str(), label_of(hk).c_str(), v.layer);
    for (int h : heads) {
      const float* att = matrix_of(h);
      if (!att) continue;
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(head_color(h, 1)), tr("lines.tip_head"), h,
                         att[static_cast<size_t>(pin) * N + hk]);
    }
    ImGui::EndTooltip();
  } else if (hq >= 0) {
    ImGui::SetTooltip(tr("lines.tip_pin_query"), label_of(hq).c_str(), tr(hq == pin ? "lines.tip_unpin" : "lines.tip_pin"));
  }
  ImGui::EndChild();
}

}  // namespace attnviz
