// Input and options panels: the text (and optional BERT pair) that re-runs the model as you type, and the display
// options every heatmap shares (colormap, scale, threshold, special tokens, merging).
#include <imgui.h>
#include <imgui_internal.h>  // ImGuiTestEngineHook_ItemInfo

#include <cstdio>

#include "app.h"
#include "i18n.h"
#include "ui.h"

namespace attnviz {
namespace {

int resize_callback(ImGuiInputTextCallbackData* data) {
  if (data->EventFlag == ImGuiInputTextFlags_CallbackResize) {
    auto* s = static_cast<std::string*>(data->UserData);
    s->resize(data->BufTextLen);
    data->Buf = s->data();
  }
  return 0;
}

TextBoxFn g_text_box = nullptr;  // the platform's text box, when it has one

bool input_multiline(const char* id, std::string* s, float height) {
  if (g_text_box) return g_text_box(id, s, height);
  if (s->capacity() < 64) s->reserve(64);
  const std::string label = std::string("##") + id;
  return ImGui::InputTextMultiline(label.c_str(), s->data(), s->capacity() + 1, ImVec2(-1, height),
                                   ImGuiInputTextFlags_CallbackResize, resize_callback, s);
}

struct Example {
  const char* label;
  const char* text;
  const char* pair;
};
const Example kExamples[] = {
    {"input.example_ner", "张三在北京大学读书，后来去了上海的华为公司工作。", ""},
    {"input.example_poem", "床前明月[MASK]，疑是地上霜。", ""},
    {"input.example_pair", "今天天气很好。", "我们去公园散步吧。"},
    {"input.example_english", "And the LORD said unto Moses, Go in unto the people.", ""},
};

}  // namespace

void ui_set_text_box(TextBoxFn fn) { g_text_box = fn; }
bool ui_text_box(const char* id, std::string* s, float height) { return input_multiline(id, s, height); }

void draw_input_panel(App& app) {
  ViewState& v = app.view;
  bool bert = app.model && app.model->model.config().family == Family::Bert;
  ImGui::TextUnformatted(tr("input.text"));
  help_marker(tr("input.text_help"));
  if (input_multiline("text", &v.text, ImGui::GetTextLineHeight() * 5)) app_request_run(app);
  if (bert) {
    ImGui::TextUnformatted(tr("input.pair"));
    help_marker(tr("input.pair_help"));
    if (input_multiline("pair", &v.pair, ImGui::GetTextLineHeight() * 2.5f)) app_request_run(app);
  }
  const bool examples_open = ImGui::BeginCombo("##examples", tr("input.examples"), ImGuiComboFlags_HeightLarge);
  // The combo's label is hidden; announce its preview text to items() so scripts can find and click it.
  if (!examples_open) ImGuiTestEngineHook_ItemInfo(ImGui::GetCurrentContext(), ImGui::GetItemID(), tr("input.examples"), 0);
  if (examples_open) {
    for (const Example& e : kExamples) {
      if (ImGui::Selectable(tr_id(e.label))) {
        v.text = e.text;
        v.pair = bert ? e.pair : "";
        app_run_now(app);
      }
    }
    ImGui::Separator();  // lesson tours (view_tour.cpp): each opens its own link, model included
    // An example keeps the language shown (its link has no lang=; the tours' captions are in that language).
    const std::string keep_lang = v.lang.empty() ? std::string() : "&lang=" + v.lang;
    for (const TourExample& t : tour_examples())
      if (ImGui::Selectable(tr_id(t.label.c_str()))) app_apply_fragment(app, t.fragment + keep_lang);
    if (ImGui::Selectable(tr_id("compare.example_ner")))
      app_apply_fragment(app, compare_demo_fragment() + keep_lang);  // view_compare
    ImGui::EndCombo();
  }
  if (app_busy(app)) {
    ImGui::TextDisabled("%s", tr("input.running"));
  } else if (app.model) {
    ImGui::Text(tr("input.tokens_ms"), app_n_tokens(app), app.run.ms);
  }
  if (app.run.truncated && app.model) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.7f, 0.3f, 1.0f));
    ImGui::TextWrapped(tr("input.truncated"),
                       app.model->model.config().max_positions);
    ImGui::PopStyleColor();
  }
}

void draw_options_panel(App& app) {
  ViewState& v = app.view;
  const char* const cmaps[] = {tr("opt.cmap_viridis"), tr("opt.cmap_magma"), tr("opt.cmap_cividis"), tr("opt.cmap_gray")};
  int cm = static_cast<int>(v.colormap);
  ImGui::SetNextItemWidth(130);
  if (ImGui::Combo(tr_id("opt.colormap"), &cm, cmaps, 4)) v.colormap = static_cast<Colormap>(cm);
  // A little colour bar under the combo: what dark and bright mean.
  ImVec2 p = ImGui::GetCursorScreenPos();
  float w = 130, h = 8;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (int i = 0; i < 32; i++)
    dl->AddRectFilled(ImVec2(p.x + w * i / 32, p.y), ImVec2(p.x + w * (i + 1) / 32 + 0.5f, p.y + h),
                      colormap_color(v.colormap, i / 31.0f));
  ImGui::Dummy(ImVec2(w, h));
  ImGui::SameLine();
  ImGui::TextDisabled("0 → 1");

  int sc = static_cast<int>(v.scale);
  ImGui::TextUnformatted(tr("opt.scale"));
  ImGui::SameLine();
  if (ImGui::RadioButton(tr_id("opt.linear"), &sc, 0)) v.scale = Scale::Linear;
  ImGui::SameLine();
  if (ImGui::RadioButton(tr_id("opt.sqrt"), &sc, 1)) v.scale = Scale::Sqrt;
  ImGui::SameLine();
  if (ImGui::RadioButton(tr_id("opt.log"), &sc, 2)) v.scale = Scale::Log;
  help_marker(tr("opt.scale_help"));

  ImGui::SetNextItemWidth(130);
  ImGui::SliderFloat(tr_id("opt.threshold"), &v.threshold, 0.0f, 1.0f, "%.2f");
  help_marker(tr("opt.threshold_help"));

  ImGui::Checkbox(tr_id("opt.hide_special"), &v.hide_special);
  help_marker(tr("opt.hide_special_help"));

  const char* const merges[] = {tr("opt.merge_tokens"), tr("opt.merge_chars"), tr("opt.merge_words")};
  int mg = static_cast<int>(v.merge);
  ImGui::SetNextItemWidth(130);
  if (ImGui::Combo(tr_id("opt.merge"), &mg, merges, 3)) {
    v.merge = static_cast<Merge>(mg);
    app_update_grid(app);
  }
  help_marker(tr("opt.merge_help"));

  ImGui::TextUnformatted(tr("opt.share"));
  ImGui::SameLine();
  draw_share_buttons(app);
}

}  // namespace attnviz
