// Query/key view (BertViz's "neuron view"): for one query token and head, the query vector, every key vector, their
// elementwise product, the scaled dot product and the softmax — recomputed here from q and k and checked against the
// model's own attention row. ImGui draw lists only.
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

// Diverging blue-white-red (the ends of Moreland's cool-warm map) for t in [-1, 1].
ImU32 diverging(float t) {
  t = std::clamp(t, -1.0f, 1.0f);
  const float w[3] = {247, 247, 247};
  const float neg[3] = {59, 76, 192}, pos[3] = {180, 4, 38};
  const float* end = t < 0 ? neg : pos;
  float a = std::fabs(t);
  return IM_COL32(static_cast<int>(w[0] + (end[0] - w[0]) * a), static_cast<int>(w[1] + (end[1] - w[1]) * a),
                  static_cast<int>(w[2] + (end[2] - w[2]) * a), 255);
}

float max_abs(const float* p, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(p[i]));
  return m > 0 ? m : 1.0f;
}

// One strip of d cells at (x, y); returns the hovered cell index or -1.
int draw_strip(ImDrawList* dl, float x, float y, float cell_w, float h, const float* vals, int d, float scale) {
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  int hovered = -1;
  for (int c = 0; c < d; ++c) {
    ImVec2 a(x + c * cell_w, y), b(x + (c + 1) * cell_w, y + h);
    dl->AddRectFilled(a, b, diverging(vals[c] / scale));
    if (mouse.x >= a.x && mouse.x < b.x && mouse.y >= a.y && mouse.y < b.y) hovered = c;
  }
  dl->AddRect(ImVec2(x, y), ImVec2(x + d * cell_w, y + h), IM_COL32(128, 128, 128, 120));
  return hovered;
}

}  // namespace

void draw_neuron_view(App& app) {
  ViewState& v = app.view;
  const int L = app_n_layers(app), H = app_n_heads(app), T = app_n_tokens(app);
  help_marker_here(
      tr("neuron.help"));
  if (!app.run.valid || !app.model || T == 0 || L == 0 || H == 0) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", tr("view.no_attention"));
    return;
  }
  const ModelConfig& cfg = app.model->model.config();
  const Activations& act = app.run.act;
  const int dh = cfg.d_head;
  const size_t need = static_cast<size_t>(L) * H * T * dh;
  if (dh <= 0 || act.q.size() < need || act.k.size() < need) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", tr("neuron.no_qk"));
    return;
  }
  v.layer = std::clamp(v.layer, 0, L - 1);
  v.head = std::clamp(v.head, 0, H - 1);
  const std::vector<uint8_t>& special = app.run.enc.special;
  auto is_special = [&](int i) { return i < static_cast<int>(special.size()) && special[i]; };
  int qi = v.token;
  if (qi < 0 || qi >= T) {
    qi = 0;
    while (qi < T - 1 && is_special(qi)) ++qi;
  }
  const bool causal = cfg.family == Family::Gpt2;

  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
  ImGui::SliderInt(tr_id("neuron.layer"), &v.layer, 0, L - 1);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
  ImGui::SliderInt(tr_id("neuron.head"), &v.head, 0, H - 1);
  ImGui::SameLine();
  if (ImGui::ArrowButton("##qprev", ImGuiDir_Left) && qi > 0) v.token = qi - 1;
  ImGui::SameLine(0, 2);
  if (ImGui::ArrowButton("##qnext", ImGuiDir_Right) && qi < T - 1) v.token = qi + 1;
  ImGui::SameLine();
  ImGui::Text(tr("neuron.query"), token_label(app, qi).c_str(), qi);
  qi = std::clamp(v.token >= 0 && v.token < T ? v.token : qi, 0, T - 1);
  static bool by_weight = false;
  ImGui::SameLine();
  ImGui::Checkbox(tr_id("neuron.by_weight"), &by_weight);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("neuron.by_weight_tip"));

  // The computation, redone from q and k.
  const size_t base = (static_cast<size_t>(v.layer) * H + v.head) * T;
  const float* q = act.q.data() + (base + qi) * dh;        // (d_head)
  const float* k0 = act.k.data() + base * dh;              // (T, d_head)
  std::vector<float> prod(static_cast<size_t>(T) * dh);    // (T, d_head) q[c] * k_j[c]
  std::vector<float> score(T), prob(T, 0.0f);              // (T) q.k_j / sqrt(d), softmax
  std::vector<uint8_t> masked(T, 0);
  const float inv = 1.0f / std::sqrt(static_cast<float>(dh));
  float smax = -FLT_MAX;
  for (int j = 0; j < T; ++j) {
    double s = 0;
    for (int c = 0; c < dh; ++c) {
      float p = q[c] * k0[static_cast<size_t>(j) * dh + c];
      prod[static_cast<size_t>(j) * dh + c] = p;
      s += p;
    }
    score[j] = static_cast<float>(s) * inv;
    masked[j] = causal && j > qi;
    if (!masked[j]) smax = std::max(smax, score[j]);
  }
  double z = 0;
  for (int j = 0; j < T; ++j)
    if (!masked[j]) z += std::exp(static_cast<double>(score[j]) - smax);
  for (int j = 0; j < T; ++j)
    if (!masked[j]) prob[j] = static_cast<float>(std::exp(static_cast<double>(score[j]) - smax) / z);
  const float* att = app_attention(app, v.layer, v.head);
  float max_diff = 0;
  if (att)
    for (int j = 0; j < T; ++j) max_diff = std::max(max_diff, std::fabs(prob[j] - att[static_cast<size_t>(qi) * T + j]));
  if (!att) {
    ImGui::TextDisabled("%s", tr("neuron.no_model_att"));
  } else if (max_diff < 1e-4f) {
    ImGui::TextColored(ImVec4(0.3f, 0.75f, 0.35f, 1), tr("neuron.match"),
                       dh, max_diff);
  } else {
    ImGui::TextColored(ImVec4(0.9f, 0.3f, 0.3f, 1), tr("neuron.differ"),
                       dh, max_diff);
  }

  // Layout: label | k strip | q*k strip | score bar | softmax bar.
  const float fs = ImGui::GetFontSize();
  const float avail_w = ImGui::GetContentRegionAvail().x;
  const float label_w = fs * 5;
  const float bar_w = fs * 6;
  const float gap = fs * 0.8f;
  const float cell_w = std::clamp((avail_w - label_w - 2 * bar_w - 5 * gap) / (2.0f * dh), 2.0f, 12.0f);
  const float strip_w = cell_w * dh;
  const float x_k = label_w + gap, x_p = x_k + strip_w + gap, x_s = x_p + strip_w + gap, x_w = x_s + bar_w + gap;
  const float kscale = std::max(max_abs(q, dh), max_abs(k0, static_cast<size_t>(T) * dh));
  const float pscale = max_abs(prod.data(), prod.size());
  float sscale = 0;
  for (int j = 0; j < T; ++j)
    if (!masked[j]) sscale = std::max(sscale, std::fabs(score[j]));
  if (sscale <= 0) sscale = 1;

  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 text_col = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim_col = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  std::string tip;
  char buf[160];

  // The query vector, once, above the keys' columns.
  {
    ImVec2 o = ImGui::GetCursorScreenPos();
    const float h = fs + 4;
    ImGui::Dummy(ImVec2(x_w + bar_w, h));
    dl->AddText(ImVec2(o.x, o.y + 2), text_col, "q");
    int c = draw_strip(dl, o.x + x_k, o.y + 2, cell_w, h - 4, q, dh, kscale);
    if (c >= 0) {
      std::snprintf(buf, sizeof buf, tr("neuron.tip_q"), c, q[c], token_label(app, qi).c_str());
      tip = buf;
    }
    dl->AddText(ImVec2(o.x + x_p, o.y + 2), dim_col, tr("neuron.col_prod"));
    dl->AddText(ImVec2(o.x + x_s, o.y + 2), dim_col, tr("neuron.col_score"));
    dl->AddText(ImVec2(o.x + x_w, o.y + 2), dim_col, tr("neuron.col_softmax"));

  }

  const float row_h = std::max(fs * 0.9f, 10.0f);
  // Row order: input order, or by softmax weight (masked keys last).
  std::vector<int> order(T);
  for (int j = 0; j < T; ++j) order[j] = j;
  if (by_weight)
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return prob[a] > prob[b]; });
  ImGui::BeginChild("neuron_rows", ImVec2(0, 0), false);
  // A new query (or order) scrolls its row into the middle; by weight the top rows matter, so scroll to the top.
  static int scrolled_for = -2;
  const int scroll_key = by_weight ? -1 : qi;
  if (scroll_key != scrolled_for) {
    ImGui::SetScrollY(by_weight ? 0.0f : std::max(0.0f, qi * row_h - ImGui::GetWindowHeight() * 0.5f));
    scrolled_for = scroll_key;
  }
  dl = ImGui::GetWindowDrawList();
  ImGuiListClipper clipper;
  clipper.Begin(T, row_h);
  int hovered_row = -1;
  while (clipper.Step()) {
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
      const int j = order[r];
      ImVec2 o = ImGui::GetCursorScreenPos();
      ImGui::PushID(j);
      // The label is a button: click makes this token the query.
      std::string label = token_label(app, j);
      ImGui::InvisibleButton("row", ImVec2(label_w, row_h));
      bool row_hovered = ImGui::IsItemHovered();
      if (ImGui::IsItemClicked()) v.token = j;
      ImGui::SameLine(0, 0);
      ImGui::Dummy(ImVec2(x_w + bar_w - label_w, row_h));
      ImGui::PopID();
      if (mouse.y >= o.y && mouse.y < o.y + row_h && ImGui::IsWindowHovered()) hovered_row = j;
      const bool hl = j == qi || j == app.hover_key;
      if (hl) dl->AddRectFilled(o, ImVec2(o.x + x_w + bar_w, o.y + row_h), ImGui::GetColorU32(ImGuiCol_FrameBg));
      ImVec4 clip(o.x, o.y, o.x + label_w, o.y + row_h);
      ImVec2 tsz = ImGui::GetFont()->CalcTextSizeA(std::min(fs, row_h), FLT_MAX, 0, label.c_str());
      dl->AddText(ImGui::GetFont(), std::min(fs, row_h), ImVec2(std::max(o.x, o.x + label_w - tsz.x - 2), o.y),
                  is_special(j) ? dim_col : (row_hovered ? ImGui::GetColorU32(ImGuiCol_ButtonActive) : text_col),
                  label.c_str(), nullptr, 0, &clip);
      const float* kj = k0 + static_cast<size_t>(j) * dh;
      const float* pj = prod.data() + static_cast<size_t>(j) * dh;
      const float sh = row_h - 2;
      int ck = draw_strip(dl, o.x + x_k, o.y + 1, cell_w, sh, kj, dh, kscale);
      int cp = draw_strip(dl, o.x + x_p, o.y + 1, cell_w, sh, pj, dh, pscale);
      if (ck >= 0) {
        std::snprintf(buf, sizeof buf, tr("neuron.tip_k"), ck, label.c_str(), kj[ck]);
        tip = buf;
      }
      if (cp >= 0) {
        std::snprintf(buf, sizeof buf, tr("neuron.tip_prod"), cp, cp, q[cp], kj[cp], pj[cp]);
        tip = buf;
      }
      // Score bar, centred on zero; masked keys get a hatch mark instead.
      const float cx = o.x + x_s + bar_w * 0.5f;
      dl->AddLine(ImVec2(cx, o.y), ImVec2(cx, o.y + row_h), dim_col);
      if (masked[j]) {
        dl->AddText(ImGui::GetFont(), std::min(fs, row_h) * 0.9f, ImVec2(o.x + x_s + 2, o.y), dim_col, tr("neuron.masked"));
      } else {
        float wpx = score[j] / sscale * bar_w * 0.5f;
        dl->AddRectFilled(ImVec2(std::min(cx, cx + wpx), o.y + 2), ImVec2(std::max(cx, cx + wpx), o.y + row_h - 2),
                          diverging(score[j] / sscale));
      }
      // Softmax bar.
      dl->AddRect(ImVec2(o.x + x_w, o.y + 1), ImVec2(o.x + x_w + bar_w, o.y + row_h - 1), IM_COL32(128, 128, 128, 90));
      dl->AddRectFilled(ImVec2(o.x + x_w, o.y + 1), ImVec2(o.x + x_w + bar_w * prob[j], o.y + row_h - 1),
                        colormap_color(v.colormap, 0.35f + 0.65f * prob[j]));
      if (!masked[j] && prob[j] >= 0.005f) {
        std::snprintf(buf, sizeof buf, "%.0f%%", prob[j] * 100);
        const float tw = ImGui::GetFont()->CalcTextSizeA(std::min(fs, row_h), FLT_MAX, 0, buf).x;
        dl->AddText(ImGui::GetFont(), std::min(fs, row_h), ImVec2(o.x + x_w + bar_w - tw - 2, o.y),
                    prob[j] > 0.75f ? IM_COL32(20, 20, 20, 255) : text_col, buf);
      }
      if (mouse.y >= o.y && mouse.y < o.y + row_h && mouse.x >= o.x + x_s && mouse.x < o.x + x_w + bar_w &&
          ImGui::IsWindowHovered()) {
        if (masked[j]) {
          std::snprintf(buf, sizeof buf, tr("neuron.tip_masked"), label.c_str());
        } else {
          std::snprintf(buf, sizeof buf, tr("neuron.tip_score"), label.c_str(), dh,
                        score[j], prob[j], att ? att[static_cast<size_t>(qi) * T + j] : 0.0f);
        }
        tip = buf;
      }
    }
  }
  clipper.End();
  static bool hover_owned = false;  // as in the lines view: release the shared hover when the mouse leaves
  if (ImGui::IsWindowHovered()) {
    app.hover_query = qi;
    app.hover_key = hovered_row;
    hover_owned = true;
  } else if (hover_owned) {
    app.hover_query = app.hover_key = -1;
    hover_owned = false;
  }
  ImGui::EndChild();
  if (!tip.empty()) ImGui::SetTooltip("%s", tip.c_str());
}

}  // namespace attnviz
