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
    {"NER sentence", "张三在北京大学读书，后来去了上海的华为公司工作。", ""},
    {"Poem + [MASK]", "床前明月[MASK]，疑是地上霜。", ""},
    {"Sentence pair", "今天天气很好。", "我们去公园散步吧。"},
    {"English", "And the LORD said unto Moses, Go in unto the people.", ""},
};

}  // namespace

void ui_set_text_box(TextBoxFn fn) { g_text_box = fn; }
bool ui_text_box(const char* id, std::string* s, float height) { return input_multiline(id, s, height); }

void draw_input_panel(App& app) {
  ViewState& v = app.view;
  bool bert = app.model && app.model->model.config().family == Family::Bert;
  ImGui::TextUnformatted("Text");
  help_marker("Type or paste any text: the model re-runs as you type. BERT models add [CLS] at the start and [SEP] at "
              "the end; put [MASK] where a word is missing to see what zh-bert-mini guesses.");
  if (input_multiline("text", &v.text, ImGui::GetTextLineHeight() * 5)) app_request_run(app);
  if (bert) {
    ImGui::TextUnformatted("Second text (optional)");
    help_marker("BERT reads two texts as one sequence: [CLS] A [SEP] B [SEP], with token type 1 on B. Heads that "
                "look across the [SEP] boundary show up here.");
    if (input_multiline("pair", &v.pair, ImGui::GetTextLineHeight() * 2.5f)) app_request_run(app);
  }
  const bool examples_open = ImGui::BeginCombo("##examples", "Examples…", ImGuiComboFlags_HeightLarge);
  // The combo's label is hidden; announce its preview text to items() so scripts can find and click it.
  if (!examples_open) ImGuiTestEngineHook_ItemInfo(ImGui::GetCurrentContext(), ImGui::GetItemID(), "Examples…", 0);
  if (examples_open) {
    for (const Example& e : kExamples) {
      if (ImGui::Selectable(e.label)) {
        v.text = e.text;
        v.pair = bert ? e.pair : "";
        app_run_now(app);
      }
    }
    ImGui::Separator();  // lesson tours (view_tour.cpp): each opens its own link, model included
    for (const TourExample& t : tour_examples())
      if (ImGui::Selectable(t.label.c_str())) app_apply_fragment(app, t.fragment);
    if (ImGui::Selectable(tr("compare.example_ner"))) app_apply_fragment(app, compare_demo_fragment());  // view_compare
    ImGui::EndCombo();
  }
  if (app_busy(app)) {
    ImGui::TextDisabled("running…");
  } else if (app.model) {
    ImGui::Text("%d tokens, forward %.1f ms", app_n_tokens(app), app.run.ms);
  }
  if (app.run.truncated && app.model) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.7f, 0.3f, 1.0f));
    ImGui::TextWrapped("The input was cut to the model's limit of %d tokens; the rest is not shown.",
                       app.model->model.config().max_positions);
    ImGui::PopStyleColor();
  }
}

void draw_options_panel(App& app) {
  ViewState& v = app.view;
  static const char* const cmaps[] = {"viridis", "magma", "cividis", "grayscale"};
  int cm = static_cast<int>(v.colormap);
  ImGui::SetNextItemWidth(130);
  if (ImGui::Combo("Colormap", &cm, cmaps, 4)) v.colormap = static_cast<Colormap>(cm);
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
  ImGui::TextUnformatted("Scale");
  ImGui::SameLine();
  if (ImGui::RadioButton("linear", &sc, 0)) v.scale = Scale::Linear;
  ImGui::SameLine();
  if (ImGui::RadioButton("sqrt", &sc, 1)) v.scale = Scale::Sqrt;
  ImGui::SameLine();
  if (ImGui::RadioButton("log", &sc, 2)) v.scale = Scale::Log;
  help_marker("How a weight becomes a colour. Linear shows the big weights; sqrt and log make small weights visible "
              "too (log maps 0.0001 .. 1 onto the colormap).");

  ImGui::SetNextItemWidth(130);
  ImGui::SliderFloat("Threshold", &v.threshold, 0.0f, 1.0f, "%.2f");
  help_marker("Weights below the threshold are drawn as zero, to see only a head's strong links.");

  ImGui::Checkbox("Hide special tokens", &v.hide_special);
  help_marker("Grey out the rows and columns of [CLS], [SEP] and other added tokens. Many heads park their attention "
              "on them when they have nothing better to do; hiding them shows the rest.");

  static const char* const merges[] = {"tokens", "characters", "words"};
  int mg = static_cast<int>(v.merge);
  ImGui::SetNextItemWidth(130);
  if (ImGui::Combo("Merge", &mg, merges, 3)) {
    v.merge = static_cast<Merge>(mg);
    app_update_grid(app);
  }
  help_marker("Show one row/column per token, per character (GPT-2 splits some Chinese characters into several byte "
              "tokens) or per word (word pieces such as play ##ing joined). Merged rows average their tokens' "
              "attention; merged columns add it up.");

  ImGui::TextUnformatted("Share");
  ImGui::SameLine();
  draw_share_buttons(app);
}

}  // namespace attnviz
