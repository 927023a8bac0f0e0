// UI: the window layout around the views (see ui.h). The views draw into the regions this file lays out.
#include "ui.h"
#include "ui_items.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "fonts.h"
#include "i18n.h"
#include "renderer.h"

namespace attnviz {
namespace {

const char* const kModels[] = {"zh-bert-mini", "zh-bert-ner-mini", "gpt2-mini"};
const char* const kModelHelp[] = {
    "model.help_zh_bert_mini",
    "model.help_zh_bert_ner_mini",
    "model.help_gpt2_mini"};

struct ViewTab {
  ViewKind kind;
  const char* title;
  const char* help;
  void (*draw)(App&);
};

const ViewTab kTabs[] = {
    {ViewKind::Model, "view.model", "view.model_help",
     draw_model_view},
    {ViewKind::Matrix, "view.matrix", "view.matrix_help",
     draw_matrix_view},
    {ViewKind::Lines, "view.lines", "view.lines_help",
     draw_lines_view},
    {ViewKind::Neuron, "view.neuron", "view.neuron_help",
     draw_neuron_view},
    {ViewKind::Rollout, "view.rollout", "view.rollout_help",
     draw_rollout_view},
    {ViewKind::Stats, "view.stats", "view.stats_help",
     draw_stats_view},
    {ViewKind::Compare, "compare.tab", "compare.help",
     draw_compare_view},
};

// The language switch: "English" / "中文" (the same words in both languages), written into the link as lang=.
void draw_lang_switch(App& app) {
  const Lang now = ui_lang();
  for (Lang l : {Lang::En, Lang::Zh}) {
    if (l == Lang::Zh) ImGui::SameLine(0, 4);
    const char* key = l == Lang::Zh ? "lang.zh" : "lang.en";
    if (ImGui::RadioButton(tr_id(key), now == l) && now != l) {
      app.view.lang = lang_code(l);
      sync_ui_lang(app.view.lang);
    }
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("lang.tip"));
}

void draw_top_bar(App& app) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("attnviz");
  ImGui::SameLine();
  ImGui::TextDisabled("%s", tr("top.tagline"));
  ImGui::SameLine(0, 24);
  ImGui::SetNextItemWidth(170);
  std::string current = app.model ? app.model->name : app.view.model;
  bool loading = !app.loading_name.empty();
  if (ImGui::BeginCombo("##model", current.c_str())) {
    for (int i = 0; i < 3; i++) {
      bool sel = current == kModels[i];
      if (ImGui::Selectable(kModels[i], sel) && !sel && app.platform.request_model) app.platform.request_model(kModels[i]);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr(kModelHelp[i]));
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered() && !ImGui::IsPopupOpen("##model")) ImGui::SetTooltip("%s", tr("top.model_tip"));
  ImGui::SameLine();
  draw_hub_picker(app);
  ImGui::SameLine();
  ImGui::BeginDisabled(!app.platform.open_folder);
  if (ImGui::Button(tr_id("top.load_folder"))) app.platform.open_folder();
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("%s", tr("top.load_folder_tip"));
  ImGui::SameLine();
  ImGui::BeginDisabled(!app.platform.open_files);
  if (ImGui::Button(tr_id("top.load_files"))) app.platform.open_files();
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("%s", tr("top.load_files_tip"));
  if (loading) {
    ImGui::SameLine();
    char label[160];
    if (app.loading_progress >= 0)
      std::snprintf(label, sizeof(label), "%s %.0f%%", app.loading_name.c_str(), app.loading_progress * 100);
    else
      std::snprintf(label, sizeof(label), "%s…", app.loading_name.c_str());
    ImGui::ProgressBar(app.loading_progress >= 0 ? app.loading_progress : 0.0f, ImVec2(220, 0), label);
  }
  // Right-aligned, but never over the buttons on the left when the window is narrow.
  ImGui::SameLine();
  const std::string right_labels = std::string(tr("top.export")) + tr("share.copy_link") + tr("share.embed") +
                                   tr("lang.en") + tr("lang.zh");
  float right_w = ImGui::CalcTextSize(right_labels.c_str()).x + ImGui::GetStyle().FramePadding.x * 4 +
                  ImGui::GetFrameHeight() * 3 + ImGui::GetStyle().ItemSpacing.x * 6 + 8;
  float right = ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetCursorPosX() < right - right_w) ImGui::SetCursorPosX(right - right_w);
  if (ImGui::Button(tr_id("top.export"))) ImGui::OpenPopup("##export");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("top.export_tip"));
  if (ImGui::BeginPopup("##export")) {
    draw_export_menu(app);
    ImGui::EndPopup();
  }
  ImGui::SameLine();
  draw_share_buttons(app);
  ImGui::SameLine();
  draw_lang_switch(app);
}

void draw_notices(App& app) {
  if (app.notices.empty()) return;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.30f, 0.22f, 0.08f, 1.0f));
  float h = ImGui::GetTextLineHeightWithSpacing() * std::min<size_t>(app.notices.size(), 4) + 10;
  ImGui::BeginChild("##notices", ImVec2(0, h), false);
  int remove = -1;
  for (size_t i = 0; i < app.notices.size(); i++) {
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::SmallButton("x")) remove = static_cast<int>(i);
    ImGui::SameLine();
    bool is_error = app.notices[i] == app.last_error;
    if (is_error) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.55f, 0.5f, 1.0f));
    ImGui::TextWrapped("%s", app.notices[i].c_str());
    if (is_error) ImGui::PopStyleColor();
    ImGui::PopID();
  }
  if (remove >= 0) app.notices.erase(app.notices.begin() + remove);
  ImGui::EndChild();
  ImGui::PopStyleColor();
}

void draw_status_bar(App& app) {
  ImGui::Separator();
  if (app.embed) {
    if (ImGui::SmallButton(tr_id("status.show_panels"))) app.embed = app.view.embed = false;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("status.show_panels_tip"));
    ImGui::SameLine();
  }
  if (!app.model) {
    ImGui::TextDisabled("%s", app.loading_name.empty() ? tr("status.no_model") : tr("status.loading"));
    return;
  }
  const ModelConfig& c = app.model->model.config();
  ImGui::Text("%s", app.model->name.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled(tr("status.shape"), c.architecture.c_str(), c.n_layers, c.n_heads);
  ImGui::SameLine(0, 20);
  ImGui::Text(tr("status.tokens"), app_n_tokens(app));
  ImGui::SameLine(0, 20);
  ImGui::Text(tr("status.layer_head"), app.view.layer, app.view.head);
  if (app.view.token >= 0) {
    ImGui::SameLine(0, 20);
    ImGui::Text(tr("status.token"), app.view.token, token_label(app, app.view.token).c_str());
  }
  if (app.run.truncated) {
    ImGui::SameLine(0, 20);
    ImGui::TextColored(ImVec4(1, 0.7f, 0.3f, 1), tr("status.truncated"), c.max_positions);
  }
  // Last on the line: the time changes run to run and would shift everything after it.
  ImGui::SameLine(0, 20);
  ImGui::TextDisabled(tr("status.forward"), app.run.ms, app_busy(app) ? tr("status.running") : "");
  if (app.engine) {
    ImGui::SameLine(0, 20);
    ImGui::TextDisabled("%s", app.engine->threads_label().c_str());
  }
}

void draw_views(App& app) {
  static ViewKind shown = ViewKind::Model;
  static bool first = true;
  // The view changed from outside (link, setState, double-click in the model view): select its tab; ImGui applies
  // that on the next frame, until then the open tab must not overwrite view.view.
  bool external = first || shown != app.view.view;
  ViewKind target = app.view.view;
  if (ImGui::BeginTabBar("##views")) {
    for (const ViewTab& t : kTabs) {
      ImGuiTabItemFlags flags = external && t.kind == target ? ImGuiTabItemFlags_SetSelected : 0;
      bool open = ImGui::BeginTabItem(tr_id(t.title), nullptr, flags);
      if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
        ImGui::TextUnformatted(tr(t.help));
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
      }
      if (open) {
        if (!external) app.view.view = t.kind;
        ImGui::TextDisabled("%s", tr("view.what"));
        if (ImGui::IsItemHovered()) {
          ImGui::BeginTooltip();
          ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
          ImGui::TextUnformatted(tr(t.help));
          ImGui::PopTextWrapPos();
          ImGui::EndTooltip();
        }
        // The matrix view uses the wheel for zooming, not scrolling.
        bool fixed = t.kind == ViewKind::Matrix;
        ImGui::BeginChild("##view", ImVec2(0, 0), false,
                          fixed ? ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse : 0);
        if (app.run.valid) t.draw(app);
        else if (!app.model) ImGui::TextDisabled("%s", tr("view.loading"));
        else ImGui::TextDisabled("%s", tr("view.type_text"));
        ImGui::EndChild();
        ImGui::EndTabItem();
      }
    }
    ImGui::EndTabBar();
  }
  first = false;
  shown = external ? target : app.view.view;
}

}  // namespace

void draw_share_buttons(App& app) {
  static double copied_at = -1;
  static ImGuiID copied_id = 0;  // which of the "Copy link" buttons (top bar, options panel) was pressed
  ImGuiID id = ImGui::GetID(tr_id("share.copy_link"));
  if (ImGui::Button(tr_id("share.copy_link"))) {
    copied_id = id;
    std::string url = (app.platform.page_url ? app.platform.page_url() : std::string()) + "#" + app_fragment(app);
    if (app.platform.copy_text) app.platform.copy_text(url);
    else ImGui::SetClipboardText(url.c_str());
    copied_at = ImGui::GetTime();
  }
  if (copied_at > 0 && copied_id == id && ImGui::GetTime() - copied_at < 2.0) {
    ImGui::SetNextWindowPos(ImVec2(ImGui::GetItemRectMin().x, ImGui::GetItemRectMax().y + 4));
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(tr("share.copied"));
    ImGui::EndTooltip();
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("share.copy_link_tip"));
  ImGui::SameLine();
  bool embed = app.embed;
  if (ImGui::Checkbox(tr_id("share.embed"), &embed)) app.embed = app.view.embed = embed;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("share.embed_tip"));
}

void help_marker(const char* text) {
  ImGui::SameLine();
  help_marker_here(text);
}

void help_marker_here(const char* text) {
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
}

void ui_arrow_pressed(App& app, int d_layer, int d_head) {
  if (!app.model || !ImGui::GetCurrentContext()) return;
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput || ImGui::IsAnyItemActive()) return;
  int L = app_n_layers(app), H = app_n_heads(app);
  app.view.layer = std::clamp(app.view.layer + d_layer, 0, std::max(0, L - 1));
  app.view.head = std::clamp(app.view.head + d_head, 0, std::max(0, H - 1));
}

void ui_setup_style(float pixel_ratio) {
  ImGui::StyleColorsDark();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowRounding = 0;
  s.FrameRounding = 3;
  s.GrabRounding = 3;
  s.TabRounding = 3;
  s.WindowPadding = ImVec2(8, 8);
  s.ItemSpacing = ImVec2(8, 5);
  s.Colors[ImGuiCol_WindowBg] = ImVec4(0.09f, 0.09f, 0.11f, 1.0f);
  s.Colors[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
}

void ui_frame(App& app) {
  ui_items_new_frame();
  // The language: the link's lang=, else the browser's. The Chinese table's characters join the font atlas once.
  static bool zh_glyphs = false, switch_glyphs = false;
  if (!switch_glyphs) {  // the switch shows "中文" in the English interface too
    note_glyphs(tr_in(Lang::Zh, "lang.zh"));
    switch_glyphs = true;
  }
  if (sync_ui_lang(app.view.lang) == Lang::Zh && !zh_glyphs) {
    for (const StringEntry& e : strings_zh()) note_glyphs(e.text);
    zh_glyphs = true;
  }
  app_poll_engine(app);
  if (app_run_due(app, ImGui::GetTime())) app_run_now(app);
  app_update_grid(app);
  if (app.renderer) {
    app.renderer->begin_frame();
    app.renderer->sync(app);
  }

  ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("attnviz", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
  if (!app.embed) draw_top_bar(app);
  draw_notices(app);
  draw_tour_bar(app);
  draw_hub_banner(app);
  float status_h = ImGui::GetFrameHeightWithSpacing() + 4;
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float body_h = std::max(100.0f, avail.y - status_h);
  if (!app.embed) {
    float side_w = std::min(360.0f, std::max(260.0f, avail.x * 0.28f));
    ImGui::BeginChild("##side", ImVec2(side_w, body_h), true);
    if (ImGui::CollapsingHeader(tr_id("side.input"), ImGuiTreeNodeFlags_DefaultOpen)) draw_input_panel(app);
    if (ImGui::CollapsingHeader(tr_id("side.options"), ImGuiTreeNodeFlags_DefaultOpen)) draw_options_panel(app);
    if (ImGui::CollapsingHeader(tr_id("side.predictions"), ImGuiTreeNodeFlags_DefaultOpen) && app.run.valid)
      draw_predictions_panel(app);
    if (ImGui::CollapsingHeader(tr_id("side.knockout")) && app.run.valid) draw_knockout_panel(app);
    if (ImGui::CollapsingHeader(tr_id("side.tour"))) draw_tour_panel(app);
    ImGui::EndChild();
    ImGui::SameLine();
  }
  ImGui::BeginChild("##main", ImVec2(0, body_h), false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  draw_views(app);
  ImGui::EndChild();
  draw_status_bar(app);
  ImGui::End();
}

}  // namespace attnviz
