// Knockout panel: switch attention heads off (their output is zeroed before the output projection) and see what
// changes — the predictions before and after, and how much each later head's attention moved. ImGui only.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"
#include "ui.h"
#include "imgui.h"
#include "predictions.h"

namespace attnviz {

namespace {

// What one run predicted, in a few readable lines, and its attention, for comparing runs.
struct Snapshot {
  uint64_t generation = 0;
  std::string model, text, pair;
  std::vector<int> knocked;
  std::vector<std::string> lines;  // one line per [MASK] / the next token / the entities
  int L = 0, H = 0, T = 0;
  std::vector<float> attentions;   // (L, H, T, T), kept only when small enough (see kKeepFloats)
};

// Up to 8M floats (32 MB) of attention kept for the per-head comparison; longer inputs compare predictions only.
constexpr size_t kKeepFloats = size_t(8) << 20;

std::string percent(float p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", p * 100);
  return buf;
}

std::vector<std::string> prediction_lines(const App& app) {
  std::vector<std::string> out;
  if (!app.model || !app.run.valid) return out;
  const ModelConfig& cfg = app.model->model.config();
  const RunVocab tok{app};
  const Activations& act = app.run.act;
  const int V = act.logit_cols;
  if (V <= 0) return out;
  const int rows = static_cast<int>(act.logits.size() / V);
  if (cfg.head == HeadKind::MaskedLM || cfg.head == HeadKind::CausalLM) {
    for (int r = 0; r < rows && r < static_cast<int>(act.logit_positions.size()); ++r) {
      auto top = top_k_softmax(act.logits.data() + static_cast<size_t>(r) * V, V, 3);
      if (top.empty()) continue;
      const std::string mask = tok.mask_token();
      std::string line = cfg.head == HeadKind::MaskedLM ? mask + " " + std::to_string(act.logit_positions[r]) + ": "
                                                        : std::string(tr("ko.next"));
      for (size_t k = 0; k < top.size(); ++k) {
        if (k) line += ", ";
        line += "\"" + tok.display_token(top[k].id) + "\" " + percent(top[k].prob);
      }
      out.push_back(line);
    }
  } else if (cfg.head == HeadKind::TokenClassification) {
    const int T = app_n_tokens(app);
    if (rows < T) return out;
    std::vector<int> ids;
    std::vector<float> probs;
    argmax_rows(act.logits.data(), T, V, &ids, &probs);
    std::string line;
    for (const EntitySpan& s : bio_spans(ids, probs, cfg.labels, app.run.enc.special)) {
      std::string text;
      for (int i = s.begin; i < s.end; ++i) text += token_label(app, i);
      line += (line.empty() ? "" : ", ") + text + " " + s.type;
    }
    out.push_back(line.empty() ? std::string(tr("ko.no_entities")) : line);
  } else if (cfg.head == HeadKind::SequenceClassification && rows > 0) {
    auto top = top_k_softmax(act.logits.data(), V, 1);
    if (!top.empty())
      out.push_back((top[0].id < static_cast<int>(cfg.labels.size()) ? cfg.labels[top[0].id] : std::to_string(top[0].id)) +
                    " " + percent(top[0].prob));
  }
  return out;
}

// The knocked-out heads as sorted flat indices layer * H + head.
std::vector<int> knocked_indices(const App& app) {
  const int H = app_n_heads(app);
  std::vector<int> out;
  for (const HeadRef& r : app.view.knocked_out) out.push_back(r.layer * H + r.head);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Snapshot take_snapshot(const App& app) {
  Snapshot s;
  s.generation = app.run.generation;
  s.model = app.view.model;
  s.text = app.view.text;
  s.pair = app.view.pair;
  s.knocked = knocked_indices(app);
  s.lines = prediction_lines(app);
  s.L = app_n_layers(app);
  s.H = app_n_heads(app);
  s.T = app_n_tokens(app);
  if (app.run.act.attentions.size() <= kKeepFloats) s.attentions = app.run.act.attentions;
  return s;
}

Snapshot g_now, g_before;  // the latest run seen, and the run before the last change of knocked-out heads

// "L1 (all), L2H0 H3": whole layers said once, so a long list stays one short line.
std::string knocked_text(const std::vector<int>& k, int H) {
  if (k.empty()) return tr("ko.none");
  std::string s;
  size_t i = 0;
  while (i < k.size()) {
    const int l = k[i] / H;
    size_t j = i;
    while (j < k.size() && k[j] / H == l) ++j;
    if (!s.empty()) s += ", ";
    if (static_cast<int>(j - i) == H) {
      s += "L" + std::to_string(l) + tr("ko.all");
    } else {
      s += "L" + std::to_string(l);
      for (size_t x = i; x < j; ++x) s += (x == i ? "H" : " H") + std::to_string(k[x] % H);
    }
    i = j;
  }
  return s;
}

void set_knocked(App& app, std::vector<int> k) {
  std::sort(k.begin(), k.end());
  k.erase(std::unique(k.begin(), k.end()), k.end());
  if (k == knocked_indices(app)) return;
  const int H = std::max(1, app_n_heads(app));
  app.view.knocked_out.clear();
  for (int x : k) {
    HeadRef r;
    r.layer = x / H;
    r.head = x % H;
    app.view.knocked_out.push_back(r);
  }
  app_request_run(app);
}

}  // namespace

void draw_knockout_panel(App& app) {
  help_marker_here(
      tr("ko.help"));
  const int L = app_n_layers(app), H = app_n_heads(app), T = app_n_tokens(app);
  if (!app.model || L == 0 || H == 0) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", tr("ko.no_model"));
    return;
  }
  // Track runs: a change of the knocked-out set (same model and text) moves the previous run to "before".
  if (app.run.valid && app.run.generation != g_now.generation) {
    Snapshot next = take_snapshot(app);
    const bool same_input = next.model == g_now.model && next.text == g_now.text && next.pair == g_now.pair;
    if (!same_input) {
      g_before = Snapshot{};
    } else if (next.knocked != g_now.knocked) {
      g_before = std::move(g_now);
    }
    g_now = std::move(next);
  }

  std::vector<int> k = knocked_indices(app);
  auto is_knocked = [&](int l, int h) { return std::binary_search(k.begin(), k.end(), l * H + h); };
  ImGui::SameLine();
  if (ImGui::SmallButton(tr_id("ko.clear"))) set_knocked(app, {});
  ImGui::SameLine();
  if (ImGui::SmallButton(tr_id("ko.knock_layer"))) {
    std::vector<int> nk = k;
    const int l = std::clamp(app.view.layer, 0, L - 1);
    for (int h = 0; h < H; ++h) nk.push_back(l * H + h);
    set_knocked(app, nk);
  }
  ImGui::SameLine();
  ImGui::TextDisabled(tr("ko.count"), static_cast<int>(k.size()), L * H);

  // Per-head change of attention against "before" (when both runs kept theirs and have the same shape).
  // Computed once per pair of runs, not per frame: it reads every weight of both runs.
  static std::vector<float> change;  // (L*H) mean over query rows of sum |a - b|; empty = nothing to compare
  static float change_max = 0;
  static uint64_t change_now = 0, change_before = 0;
  const bool comparable = !g_before.attentions.empty() && g_before.attentions.size() == g_now.attentions.size() &&
                          g_before.T == T && g_before.L == L && g_before.H == H && g_now.generation == app.run.generation;
  if (!comparable) {
    change.clear();
  } else if (change.empty() || change_now != g_now.generation || change_before != g_before.generation) {
    change.assign(static_cast<size_t>(L) * H, 0.0f);
    change_max = 0;
    const size_t TT = static_cast<size_t>(T) * T;
    for (int i = 0; i < L * H; ++i) {
      double s = 0;
      const float* a = g_now.attentions.data() + i * TT;
      const float* b = g_before.attentions.data() + i * TT;
      for (size_t x = 0; x < TT; ++x) s += std::fabs(a[x] - b[x]);
      change[i] = static_cast<float>(s / std::max(T, 1));
      change_max = std::max(change_max, change[i]);
    }
    change_now = g_now.generation;
    change_before = g_before.generation;
  }

  // The grid: a row per layer (its label button knocks out / restores the whole layer), a toggle per head.
  const float fs = ImGui::GetFontSize();
  const float cell = std::clamp((ImGui::GetContentRegionAvail().x - fs * 3.5f) / H, fs * 1.1f, fs * 1.8f);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (int l = 0; l < L; ++l) {
    ImGui::PushID(l);
    char lab[16];
    std::snprintf(lab, sizeof lab, "L%d", l);
    bool all = true;
    for (int h = 0; h < H; ++h) all = all && is_knocked(l, h);
    if (ImGui::Button(lab, ImVec2(fs * 2.6f, cell - 2))) {
      std::vector<int> nk;
      for (int x : k)
        if (x / H != l) nk.push_back(x);
      if (!all)
        for (int h = 0; h < H; ++h) nk.push_back(l * H + h);
      set_knocked(app, nk);
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip(all ? tr("ko.restore_layer") : tr("ko.knock_out_layer"), l);
    for (int h = 0; h < H; ++h) {
      ImGui::SameLine(0, 1);
      ImGui::PushID(h);
      ImVec2 o = ImGui::GetCursorScreenPos();
      if (ImGui::InvisibleButton("head", ImVec2(cell - 1, cell - 2))) {
        std::vector<int> nk = k;
        if (is_knocked(l, h)) {
          nk.erase(std::remove(nk.begin(), nk.end(), l * H + h), nk.end());
        } else {
          nk.push_back(l * H + h);
        }
        set_knocked(app, nk);
        app.view.layer = l;
        app.view.head = h;
      }
      const bool hovered = ImGui::IsItemHovered();
      ImVec2 b(o.x + cell - 1, o.y + cell - 2);
      if (is_knocked(l, h)) {
        dl->AddRectFilled(o, b, IM_COL32(60, 60, 60, 255), 2);
        dl->AddLine(ImVec2(o.x + 3, o.y + 3), ImVec2(b.x - 3, b.y - 3), IM_COL32(230, 80, 80, 255), 2);
        dl->AddLine(ImVec2(o.x + 3, b.y - 3), ImVec2(b.x - 3, o.y + 3), IM_COL32(230, 80, 80, 255), 2);
      } else {
        float t = change_max > 0 && !change.empty() ? change[l * H + h] / change_max : 0;
        dl->AddRectFilled(o, b, change.empty() ? ImGui::GetColorU32(ImGuiCol_FrameBg) : colormap_color(app.view.colormap, t), 2);
      }
      if (l == app.view.layer && h == app.view.head) dl->AddRect(o, b, ImGui::GetColorU32(ImGuiCol_Text), 2, 0, 1.5f);
      if (hovered) {
        if (change.empty()) {
          ImGui::SetTooltip(tr("ko.head_tip"), l, h, is_knocked(l, h) ? tr("ko.restore") : tr("ko.knock_out"));
        } else {
          ImGui::SetTooltip(tr("ko.head_tip_moved"), l, h,
                            is_knocked(l, h) ? tr("ko.restore") : tr("ko.knock_out"), change[l * H + h]);
        }
      }
      ImGui::PopID();
    }
    ImGui::PopID();
  }

  // Before / after.
  ImGui::Spacing();
  if (!g_before.lines.empty() || (g_before.generation != 0 && !g_now.lines.empty())) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled(tr("ko.before"), knocked_text(g_before.knocked, H).c_str());
    for (const std::string& s : g_before.lines) ImGui::BulletText("%s", s.c_str());
    ImGui::TextDisabled(tr("ko.now"), knocked_text(g_now.knocked, H).c_str());
    for (size_t i = 0; i < g_now.lines.size(); ++i) {
      const bool changed = i >= g_before.lines.size() || g_before.lines[i] != g_now.lines[i];
      if (changed) {
        ImGui::Bullet();
        ImGui::TextColored(ImVec4(0.95f, 0.65f, 0.25f, 1), "%s", g_now.lines[i].c_str());
      } else {
        ImGui::BulletText("%s", g_now.lines[i].c_str());
      }
    }
    if (!change.empty()) ImGui::TextDisabled(tr("ko.shading"), change_max);
    ImGui::PopTextWrapPos();
  } else if (!g_now.lines.empty()) {
    ImGui::TextDisabled("%s", tr("ko.predictions_now"));
    for (const std::string& s : g_now.lines) ImGui::BulletText("%s", s.c_str());
    ImGui::TextDisabled("%s", tr("ko.click_heads"));
  }
}

}  // namespace attnviz
