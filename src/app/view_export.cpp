// Export buttons: the attention of the selected head or of all heads as JSON / CSV, and a PNG of the page at 2x.
// The bytes come from export.h; the platform hooks do the download (the browser's, or a file natively).
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"
#include "export.h"
#include "imgui.h"

namespace attnviz {

namespace {

AttentionExport make_export(const App& app, std::vector<std::string>* labels) {
  AttentionExport e;
  e.model = app.view.model;
  e.text = app.view.text;
  e.pair = app.view.pair;
  e.n_layers = app_n_layers(app);
  e.n_heads = app_n_heads(app);
  e.T = app_n_tokens(app);
  e.attentions = app.run.act.attentions.empty() ? nullptr : app.run.act.attentions.data();
  // Vocabulary strings (as Hugging Face prints them) rather than display labels, so files line up with other tools.
  labels->clear();
  for (int i = 0; i < e.T; ++i)
    labels->push_back(i < static_cast<int>(app.run.enc.tokens.size()) ? app.run.enc.tokens[i] : token_label(app, i));
  e.tokens = *labels;
  return e;
}

}  // namespace

void draw_export_menu(App& app) {
  const bool have_run = app.run.valid && app_n_tokens(app) > 0 && !app.run.act.attentions.empty();
  const bool can_download = static_cast<bool>(app.platform.download);
  if (!can_download && !app.platform.save_png) {
    ImGui::TextDisabled("%s", tr("export.unavailable"));
    return;
  }
  const int L = app_n_layers(app), H = app_n_heads(app), T = app_n_tokens(app);
  const int layer = app.view.layer, head = app.view.head;
  char what[64];
  std::snprintf(what, sizeof what, "L%dH%d", layer, head);
  if (!have_run || !can_download) ImGui::BeginDisabled();
  std::vector<std::string> labels;
  if (ImGui::MenuItem(tr_id("export.head_json"))) {
    AttentionExport e = make_export(app, &labels);
    app.platform.download(export_file_name(app.view.model, what, "json"), "application/json",
                          attention_json(e, layer, head));
  }
  if (ImGui::MenuItem(tr_id("export.head_csv"))) {
    AttentionExport e = make_export(app, &labels);
    app.platform.download(export_file_name(app.view.model, what, "csv"), "text/csv", attention_csv(e, layer, head));
  }
  // All heads: L*H*T*T numbers; say how big before the student clicks.
  const double mb = static_cast<double>(L) * H * T * T * 9.0 / 1e6;
  if (ImGui::MenuItem((trf("export.all_json", L * H, mb) + "###export.all_json").c_str())) {
    AttentionExport e = make_export(app, &labels);
    app.platform.download(export_file_name(app.view.model, "all-heads", "json"), "application/json",
                          attention_json(e, -1, -1));
  }
  if (ImGui::MenuItem((trf("export.all_csv", L * H, mb * 3.5) + "###export.all_csv").c_str())) {
    AttentionExport e = make_export(app, &labels);
    app.platform.download(export_file_name(app.view.model, "all-heads", "csv"), "text/csv", attention_csv(e, -1, -1));
  }
  if (!have_run || !can_download) ImGui::EndDisabled();
  ImGui::Separator();
  if (!app.platform.save_png) ImGui::BeginDisabled();
  if (ImGui::MenuItem(tr_id("export.png")))
    app.platform.save_png(export_file_name(app.view.model, view_name(app.view.view), "png"), 2.0f);
  if (!app.platform.save_png) ImGui::EndDisabled();
}

}  // namespace attnviz
