// Compare view, "what did fine-tuning change?": the current model against a second one with the same tokenizer and
// shape (link key vs=, EngineCore::load_compare), on the same tokens. A layers x heads grid colored by how much each
// head's attention differs (mean |a - b| or Jensen-Shannon, analysis.h head_difference, computed in the engine); for
// the selected head the two matrices and their difference (diverging colormap). Also the app's side of vs=.
#include <imgui.h>
#include <imgui_internal.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "app.h"
#include "i18n.h"

namespace attnviz {
namespace {

using Metric = CompareMetric;  // the grid's coloring: view.compare_metric (link key vsmetric=)

bool is_builtin_name(const std::string& m) {
  const auto& b = builtin_models();
  return std::find(b.begin(), b.end(), m) != b.end();
}

// printf-style formatting of a translated template ("%s", "%d" in the same order in every language).
template <typename... Args>
std::string fmt(const char* key, Args... args) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), tr(key), args...);
  return buf;
}

const std::vector<float>& metric_values(const RunResult& r, Metric metric) {
  return metric == Metric::Js ? r.compare_js : r.compare_mean_abs;
}

// One T x T matrix as cells at `origin` of `cell` pixels. `diff`: values in [-range, range] through diverging_color;
// else attention weights through the view's colormap. Returns the hovered (query, key) or (-1, -1).
std::pair<int, int> draw_cells(App& app, const float* m, int T, ImVec2 origin, float cell, bool diff, float range) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ViewState& v = app.view;
  for (int i = 0; i < T; i++) {
    for (int j = 0; j < T; j++) {
      const float x = m[static_cast<size_t>(i) * T + j];
      const uint32_t c = diff ? diverging_color(range > 0 ? x / range : 0.0f) : colormap_color(v.colormap, scaled_weight(v, x));
      const ImVec2 p0(origin.x + j * cell, origin.y + i * cell);
      dl->AddRectFilled(p0, ImVec2(p0.x + cell, p0.y + cell), c);
    }
  }
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const float size = cell * T;
  if (ImGui::IsWindowHovered() && mouse.x >= origin.x && mouse.y >= origin.y && mouse.x < origin.x + size &&
      mouse.y < origin.y + size) {
    const int j = std::min(T - 1, static_cast<int>((mouse.x - origin.x) / cell));
    const int i = std::min(T - 1, static_cast<int>((mouse.y - origin.y) / cell));
    dl->AddRect(ImVec2(origin.x + j * cell, origin.y + i * cell), ImVec2(origin.x + (j + 1) * cell, origin.y + (i + 1) * cell),
                IM_COL32(255, 255, 255, 200));
    return {i, j};
  }
  return {-1, -1};
}

void draw_picker(App& app) {
  const std::string current = app.model ? app.model->name : "";
  for (const std::string& m : builtin_models()) {
    if (m == current) continue;
    ImGui::SameLine();
    if (ImGui::Button(m.c_str())) {
      app.view.vs = m;
      app.view.vs_hash.clear();
      app_request_compare(app);
    }
  }
}

}  // namespace

// ColorBrewer RdBu (Cynthia Brewer, colorbrewer2.org, 11 classes), blue for negative, near-white at 0, red for
// positive; linear between the classes.
uint32_t diverging_color(float t) {
  static const unsigned char k[11][3] = {{5, 48, 97},    {33, 102, 172}, {67, 147, 195}, {146, 197, 222},
                                         {209, 229, 240}, {247, 247, 247}, {253, 219, 199}, {244, 165, 130},
                                         {214, 96, 77},  {178, 24, 43},  {103, 0, 31}};
  if (!(t == t)) t = 0;  // NaN
  const float x = (std::clamp(t, -1.0f, 1.0f) + 1.0f) * 5.0f;  // 0..10
  const int a = std::min(9, static_cast<int>(x));
  const float f = x - a;
  unsigned char c[3];
  for (int i = 0; i < 3; i++) c[i] = static_cast<unsigned char>(std::lround(k[a][i] + (k[a + 1][i] - k[a][i]) * f));
  return IM_COL32(c[0], c[1], c[2], 255);
}

void app_request_compare(App& app) {
  const std::string& vs = app.view.vs;
  if (!is_hub_model(vs)) app.hub.vs_offer_repo.clear(), app.hub.vs_offer_rev.clear();  // no Hub comparison asked now
  if (vs.empty()) {
    app.compare_loading.clear();
    return;
  }
  if (!app.model || app.awaiting_model) return;  // checked against the current model: wait for it (app_set_model)
  // A hub model pinned to another commit than the loaded one is a different comparison.
  const bool other_commit = is_hub_model(vs) && app.compare && app.view.vs_hash.size() == 40 && app.view.vs_hash != app.compare->hash;
  if (app.compare && app.compare->name == vs && !other_commit) return;
  if (app.compare_loading == vs) return;
  if (is_builtin_name(vs) && app.platform.request_compare) {
    app.compare_loading = vs;
    app.compare_refused.clear();
    app.platform.request_compare(vs);
    return;
  }
  if (vs.rfind("user:", 0) == 0) {  // the user's own files: asked for in the compare view (never fetched)
    app.compare_refused.clear();
    const std::string n = fmt("compare.user_files", vs.c_str() + 5);
    if (std::find(app.notices.begin(), app.notices.end(), n) == app.notices.end()) app.notices.push_back(n);
    return;
  }
  // A Hub model, like model=hf: (view_hub.cpp): opened from the browser's cache if it is there, else offered with the
  // banner's "Download and open"; the link alone never makes a request. The page answers with app_compare_loaded /
  // app_compare_failed.
  std::string id, rev;
  if (is_hub_model(vs) && app.platform.hub && parse_hub_id(vs.substr(3), &id, &rev)) {
    app.compare_refused.clear();
    hub_offer_compare(app, id, rev.empty() ? app.view.vs_hash : rev);
    return;
  }
  app.compare_refused = fmt("compare.not_builtin", vs.c_str());
  app_set_error(app, app.compare_refused);
  app.view.vs = app.compare ? app.compare->name : std::string();
  app.view.vs_hash = app.compare ? app.compare->hash : std::string();
}

void app_compare_loaded(App& app, const ModelInfo& info) {
  app.compare_loading.clear();
  app.compare_refused.clear();
  app.compare = std::make_unique<ModelInfo>(info);
  if (is_hub_model(info.name) && info.name.substr(3) == app.hub.vs_offer_repo) app.hub.vs_offer_repo.clear(), app.hub.vs_offer_rev.clear();
  if (info.name.rfind("user:", 0) == 0 && app.view.vs == info.name && !app.view.vs_hash.empty() && app.view.vs_hash != info.hash)
    app_set_error(app, fmt("compare.hash_differs", info.name.c_str(), info.hash.c_str(), app.view.vs_hash.c_str()));
  if (app.view.vs != info.name) app.view.vs = info.name;
  app.view.vs_hash = info.hash;
  app_run_now(app);
}

void app_compare_failed(App& app, const ModelInfo* info, const std::string& error) {
  const std::string name = info ? info->name : (app.compare_loading.empty() ? app.view.vs : app.compare_loading);
  const std::string current = app.model ? app.model->name : std::string();
  app.compare_loading.clear();
  if (info && app.model && error.rfind("shape:", 0) == 0) {
    const ModelConfig& a = app.model->model.config();
    const ModelConfig& b = info->cfg;
    app.compare_refused = fmt("compare.refused_shape", name.c_str(), current.c_str(), a.n_layers, a.n_heads, a.d_model,
                              name.c_str(), b.n_layers, b.n_heads, b.d_model);
  } else if (info && app.model && error.rfind("tokenizer:", 0) == 0) {
    app.compare_refused = fmt("compare.refused_tokenizer", name.c_str(), current.c_str(), app.model->model.tokenizer_vocab,
                              name.c_str(), info->tokenizer_vocab);
  } else {
    app.compare_refused = fmt("compare.load_failed", name.c_str(), tr_message(error).c_str());
  }
  app_set_error(app, app.compare_refused);
  app.view.vs = app.compare ? app.compare->name : std::string();  // the link keeps only a comparison that exists
  app.view.vs_hash = app.compare ? app.compare->hash : std::string();
  app.hub.vs_offer_repo.clear();  // a failed Hub comparison is not offered again (a new link or click asks anew)
  app.hub.vs_offer_rev.clear();
}

std::string compare_demo_fragment() {
  return "model=zh-bert-ner-mini&vs=zh-bert-mini&view=compare&layer=5&text=" +
         percent_encode("张三在北京大学读书，后来去了上海的华为公司工作。");
}

std::string app_compare_json(const App& app) {
  const RunResult& r = app.run;
  const int L = app_n_layers(app), H = app_n_heads(app);
  const size_t n = static_cast<size_t>(L) * H;
  if (!r.valid || app.view.vs.empty() || r.compare_model.empty() || r.compare_mean_abs.size() != n || r.compare_js.size() != n) return "null";
  nlohmann::json j;
  j["layers"] = L;
  j["heads"] = H;
  j["model"] = app.model ? app.model->name : "";
  j["vs"] = r.compare_model;
  j["mean_abs"] = r.compare_mean_abs;
  j["js"] = r.compare_js;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void draw_compare_view(App& app) {
  Metric& g_metric = app.view.compare_metric;
  ViewState& v = app.view;
  const RunResult& r = app.run;
  const int L = app_n_layers(app), H = app_n_heads(app), T = app_n_tokens(app);
  const std::string current = app.model ? app.model->name : "";
  if (!app.compare_refused.empty()) ImGui::TextColored(ImVec4(1, 0.55f, 0.45f, 1), "%s", app.compare_refused.c_str());
  if (v.vs.empty()) {
    ImGui::TextWrapped("%s", tr("compare.none"));
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(tr("compare.pick"));
    draw_picker(app);
    if (app.platform.open_compare_files && ImGui::Button(tr("compare.pick_files"))) app.platform.open_compare_files();
    return;
  }
  if (v.vs.rfind("user:", 0) == 0 && (!app.compare || app.compare->name != v.vs)) {  // files the user has to give
    ImGui::TextWrapped("%s", fmt("compare.user_files", v.vs.c_str() + 5).c_str());
    if (app.platform.open_compare_files && ImGui::Button(tr("compare.pick_files"))) app.platform.open_compare_files();
    return;
  }
  if (is_hub_model(v.vs) && app.compare_loading.empty() && !app.hub.vs_offer_repo.empty() &&
      (!app.compare || app.compare->name != v.vs)) {  // waits for the banner's "Download and open"
    ImGui::TextWrapped("%s", fmt("compare.hub_offered", v.vs.c_str(), tr("hub.download_open")).c_str());
    return;
  }
  if (!app.compare_loading.empty() || !app.compare || (r.compare_model.empty() && r.compare_error.empty())) {
    ImGui::TextDisabled("%s", fmt("compare.loading", v.vs.c_str()).c_str());
    return;
  }
  if (!r.compare_error.empty() || r.compare_model.empty()) {
    ImGui::TextWrapped("%s", fmt("compare.no_longer_fits", v.vs.c_str(), current.c_str()).c_str());
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(tr("compare.pick"));
    draw_picker(app);
    return;
  }
  ImGui::TextUnformatted(fmt("compare.title", current.c_str(), r.compare_model.c_str()).c_str());
  if (ImGui::RadioButton(tr("compare.metric_mean_abs"), g_metric == Metric::MeanAbs)) g_metric = Metric::MeanAbs;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("compare.help_mean_abs"));
  ImGui::SameLine();
  if (ImGui::RadioButton(tr("compare.metric_js"), g_metric == Metric::Js)) g_metric = Metric::Js;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("compare.help_js"));
  ImGui::SameLine(0, 20);
  if (ImGui::SmallButton(tr("compare.stop"))) {
    v.vs.clear();
    v.vs_hash.clear();
    return;
  }
  const std::vector<float>& values = metric_values(r, g_metric);
  if (L <= 0 || H <= 0 || values.size() != static_cast<size_t>(L) * H) return;
  const float vmax = std::max(1e-12f, *std::max_element(values.begin(), values.end()));

  // The grid: rows = layers, columns = heads.
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float label_w = 30, label_h = ImGui::GetTextLineHeightWithSpacing();
  const float cell = std::clamp(std::min((avail.x * 0.42f - label_w) / H, (avail.y - label_h - 40) / L), 14.0f, 48.0f);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  for (int h = 0; h < H; h++) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "H%d", h);
    dl->AddText(ImVec2(origin.x + label_w + h * cell + 2, origin.y),
                h == v.head ? IM_COL32(255, 220, 120, 255) : IM_COL32(170, 170, 180, 255), buf);
  }
  for (int l = 0; l < L; l++) {
    const float y = origin.y + label_h + l * cell;
    char buf[16];
    std::snprintf(buf, sizeof(buf), "L%d", l);
    dl->AddText(ImVec2(origin.x, y + cell / 2 - ImGui::GetTextLineHeight() / 2),
                l == v.layer ? IM_COL32(255, 220, 120, 255) : IM_COL32(170, 170, 180, 255), buf);
    for (int h = 0; h < H; h++) {
      const size_t idx = static_cast<size_t>(l) * H + h;
      const ImVec2 p0(origin.x + label_w + h * cell, y), p1(p0.x + cell - 1, p0.y + cell - 1);
      ImGui::SetCursorScreenPos(p0);
      char id[48];
      std::snprintf(id, sizeof(id), "compare L%d H%d", l, h);
      if (ImGui::InvisibleButton(id, ImVec2(cell - 1, cell - 1))) {  // selects the head in every view
        v.layer = l;
        v.head = h;
      }
      ImGuiTestEngineHook_ItemInfo(ImGui::GetCurrentContext(), ImGui::GetItemID(), id, 0);
      dl->AddRectFilled(p0, p1, colormap_color(v.colormap, values[idx] / vmax));
      const bool hovered = ImGui::IsItemHovered();
      if (l == v.layer && h == v.head) dl->AddRect(ImVec2(p0.x - 1, p0.y - 1), ImVec2(p1.x + 1, p1.y + 1), IM_COL32(255, 220, 120, 255), 0, 0, 2);
      else if (hovered) dl->AddRect(p0, p1, IM_COL32(255, 255, 255, 180));
      if (hovered) {
        ImGui::BeginTooltip();
        ImGui::TextUnformatted(fmt("compare.cell", l, h).c_str());
        ImGui::TextUnformatted(fmt("compare.cell_values", r.compare_mean_abs[idx], r.compare_js[idx]).c_str());
        ImGui::TextDisabled("%s", tr("compare.click_selects"));
        ImGui::EndTooltip();
      }
    }
  }
  const float grid_bottom = origin.y + label_h + L * cell;
  ImGui::SetCursorScreenPos(ImVec2(origin.x, grid_bottom + 4));
  ImGui::TextDisabled("%s", fmt(g_metric == Metric::Js ? "compare.scale_js" : "compare.scale_mean_abs", vmax).c_str());

  // The selected head: this model, the compare model, and their difference.
  const int layer = std::clamp(v.layer, 0, L - 1), head = std::clamp(v.head, 0, H - 1);
  const size_t TT = static_cast<size_t>(T) * T;
  const float* a = app_attention(app, layer, head);
  if (!a || T <= 0 || r.compare_attentions.size() != static_cast<size_t>(L) * H * TT) return;
  const float* b = r.compare_attentions.data() + (static_cast<size_t>(layer) * H + head) * TT;
  std::vector<float> d(TT);
  float range = 0;
  for (size_t k = 0; k < TT; k++) {
    d[k] = a[k] - b[k];
    range = std::max(range, std::fabs(d[k]));
  }
  // Beside the grid, or under it when that leaves the matrices more room (narrow windows).
  const float side_x = origin.x + label_w + H * cell + 24;
  const float side_cell = std::min((origin.x + avail.x - side_x - 24) / 3 / T, (avail.y - 3 * label_h - 10) / T);
  const float under_y = grid_bottom + 2 * label_h + 4;
  const float under_cell = std::min((avail.x - 24) / 3 / T, (origin.y + avail.y - under_y - 3 * label_h - 10) / T);
  const bool under = under_cell > side_cell;
  const float right_x = under ? origin.x : side_x;
  const float top_y = under ? under_y : origin.y;
  const float mcell = std::max(1.0f, under ? under_cell : side_cell);
  const float msize = mcell * T;
  const char* titles[3] = {current.c_str(), r.compare_model.c_str(), tr("compare.difference")};
  const float* mats[3] = {a, b, d.data()};
  int hq = -1, hk = -1, hm = -1;
  for (int m = 0; m < 3; m++) {
    const ImVec2 mo(right_x + m * (msize + 12), top_y + label_h);
    dl->AddText(ImVec2(mo.x, top_y), IM_COL32(200, 200, 210, 255), titles[m]);
    auto [qi, kj] = draw_cells(app, mats[m], T, mo, mcell, m == 2, range);
    if (qi >= 0) hq = qi, hk = kj, hm = m;
  }
  const ImVec2 below(right_x, top_y + label_h + msize + 4);
  ImGui::SetCursorScreenPos(below);
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s", fmt("compare.head_range", layer, head, range).c_str());  // wraps at the view's edge
  ImGui::PopStyleColor();
  const float text_bottom = ImGui::GetCursorScreenPos().y;
  if (hq >= 0) {
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(fmt("compare.weight", token_label(app, hq).c_str(), token_label(app, hk).c_str()).c_str());
    const size_t k = static_cast<size_t>(hq) * T + hk;
    ImGui::Text("%s %.4f   %s %.4f   %s %+.4f", current.c_str(), a[k], r.compare_model.c_str(), b[k],
                tr("compare.difference"), d[k]);
    (void)hm;
    ImGui::EndTooltip();
  }
  ImGui::SetCursorScreenPos(ImVec2(origin.x, std::max(grid_bottom + label_h + 8, text_bottom)));
  ImGui::Dummy(ImVec2(1, 1));
}

}  // namespace attnviz
