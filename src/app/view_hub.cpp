// Hub models in the app (see view_hub.h): the picker ("Hugging Face model" field, catalogue, models on this computer,
// endpoint setting) and the banner that asks before anything is downloaded and shows the download's progress.
#include "view_hub.h"

#include <imgui.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "app.h"
#include "ui.h"

namespace attnviz {
namespace {

void call_hub(App& app, const char* command, const std::string& arg) {
  if (app.platform.hub) app.platform.hub(command, arg);
}

std::string host_of(const std::string& url) {
  size_t b = url.find("://");
  b = b == std::string::npos ? 0 : b + 3;
  size_t e = url.find('/', b);
  return url.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::string format_seconds(double s) {
  if (!(s >= 0) || s > 360000) return "";
  char buf[64];
  if (s < 60) std::snprintf(buf, sizeof(buf), tr("hub.eta_s"), std::ceil(s));
  else if (s < 3600) std::snprintf(buf, sizeof(buf), tr("hub.eta_min"), std::ceil(s / 60));
  else std::snprintf(buf, sizeof(buf), tr("hub.eta_h"), s / 3600);
  return buf;
}

const HubCatalogueEntry* catalogue_entry(const std::string& repo) {
  for (const auto& e : hub_catalogue()) {
    if (repo == e.repo) return &e;
    // One-part ids the Hub redirects (bert-base-chinese -> google-bert/bert-base-chinese).
    const char* slash = std::strchr(e.repo, '/');
    if (slash && repo == slash + 1) return &e;
  }
  return nullptr;
}

double num(const nlohmann::json& j, const char* key, double fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

// Sizes are the weights file as the Hub's file list shows it (decimal MB), checked on the model pages; the download
// also holds the tokenizer and config (under 2 MB); "" = not checked (the picker shows the size once the file list
// is read). Architectures: each is in supported_architectures().
const std::vector<HubCatalogueEntry>& hub_catalogue() {
  static const std::vector<HubCatalogueEntry> list = {
      {"google-bert/bert-base-chinese", "412 MB",
       "hub.cat_bert_base_chinese"},
      {"google-bert/bert-base-uncased", "440 MB", "hub.cat_bert_base_uncased"},
      {"openai-community/gpt2", "548 MB", "hub.cat_gpt2"},
      {"uer/roberta-base-finetuned-cluener2020-chinese", "407 MB",
       "hub.cat_cluener"},
      {"ckiplab/bert-base-chinese-ner", "",
       "hub.cat_ckip_ner"},
      // Other families (issue 14); their sizes appear once the file list is read.
      {"FacebookAI/roberta-base", "", "hub.cat_roberta"},
      {"distilbert/distilbert-base-uncased", "", "hub.cat_distilbert"},
      {"FacebookAI/xlm-roberta-base", "",
       "hub.cat_xlmr"},
  };
  return list;
}

std::string hub_format_bytes(double bytes) {
  char buf[32];
  if (!(bytes >= 0)) return "?";
  if (bytes < 1e6) std::snprintf(buf, sizeof(buf), "%.0f kB", bytes / 1e3);
  else if (bytes < 1e9) std::snprintf(buf, sizeof(buf), "%.1f MB", bytes / 1e6);
  else std::snprintf(buf, sizeof(buf), "%.2f GB", bytes / 1e9);
  return buf;
}

void hub_apply_status(App& app, const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return;
  HubState& h = app.hub;
  if (j.contains("endpoint") && j["endpoint"].is_string()) h.endpoint = j["endpoint"].get<std::string>();
  if (j.contains("endpoint_source") && j["endpoint_source"].is_string())
    h.endpoint_source = j["endpoint_source"].get<std::string>();
  if (j.contains("cache_ok") && j["cache_ok"].is_boolean()) h.cache_ok = j["cache_ok"].get<bool>();
  if (j.contains("cached") && j["cached"].is_array()) {
    h.cached.clear();
    for (const auto& e : j["cached"]) {
      if (!e.is_object()) continue;
      HubCachedModel c{str(e, "endpoint"), str(e, "repo"), str(e, "sha"), num(e, "bytes", 0)};
      c.partial = e.contains("partial") && e["partial"].is_boolean() && e["partial"].get<bool>();
      c.files = static_cast<int>(num(e, "files", 0));
      h.cached.push_back(std::move(c));
    }
  }
  if (j.contains("busy")) {
    const auto& b = j["busy"];
    if (b.is_object()) {
      h.busy_repo = str(b, "repo");
      h.phase = str(b, "phase");
      h.done = num(b, "done", 0);
      h.total = num(b, "total", 0);
      h.rate = num(b, "rate", 0);
      h.eta = num(b, "eta", -1);
      h.busy_compare = b.contains("compare") && b["compare"].is_boolean() && b["compare"].get<bool>();
    } else {
      h.busy_repo.clear();
      h.busy_compare = false;
      h.phase.clear();
      h.done = h.total = h.rate = 0;
      h.eta = -1;
    }
  }
  if (j.contains("offer") && j["offer"].is_null()) {
    h.offer_repo.clear();
    h.offer_rev.clear();
  }
  if (j.contains("vs_offer") && j["vs_offer"].is_null()) {
    h.vs_offer_repo.clear();
    h.vs_offer_rev.clear();
  }
  if (j.contains("compare_loading") && j["compare_loading"].is_string()) app.compare_loading = j["compare_loading"].get<std::string>();
}

void hub_offer(App& app, const std::string& repo, const std::string& rev) {
  app.hub.offer_repo = repo;
  app.hub.offer_rev = rev;
  call_hub(app, "link", rev.empty() ? repo : repo + "@" + rev);
}

void hub_offer_compare(App& app, const std::string& repo, const std::string& rev) {
  if (app.hub.vs_offer_repo == repo && app.hub.vs_offer_rev == rev) return;  // asked already
  app.hub.vs_offer_repo = repo;
  app.hub.vs_offer_rev = rev;
  call_hub(app, "link-compare", rev.empty() ? repo : repo + "@" + rev);
}

void draw_hub_picker(App& app) {
  HubState& h = app.hub;
  ImGui::BeginDisabled(!app.platform.hub);
  if (ImGui::Button(tr_id("hub.button"))) ImGui::OpenPopup("##hub");
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("%s", tr("hub.button_tip"));
  if (!ImGui::BeginPopup("##hub")) return;
  if (!h.endpoint_field_set) {
    std::snprintf(h.endpoint_field, sizeof(h.endpoint_field), "%s", h.endpoint.c_str());
    h.endpoint_field_set = true;
  }
  ImGui::TextUnformatted(tr("hub.model"));
  ImGui::SetNextItemWidth(320);
  bool go = ImGui::InputTextWithHint("##hubid", tr("hub.hint"), h.field,
                                     sizeof(h.field), ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  go = ImGui::Button(tr_id("hub.open")) || go;
  if (go && h.field[0]) {
    call_hub(app, "open", h.field);
    ImGui::CloseCurrentPopup();
  }
  ImGui::TextDisabled(tr("hub.privacy"),
                      host_of(h.endpoint).c_str());

  ImGui::Separator();
  ImGui::TextUnformatted(tr("hub.known"));
  if (ImGui::BeginTable("##catalogue", 3, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
    for (const auto& e : hub_catalogue()) {
      ImGui::PushID(e.repo);
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      if (ImGui::SmallButton(e.repo)) {
        call_hub(app, "open", e.repo);
        ImGui::CloseCurrentPopup();
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr(e.shows));
      ImGui::TableNextColumn();
      if (e.size[0]) ImGui::Text("%s", e.size);
      else ImGui::TextDisabled("%s", tr("hub.size_unknown"));
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", tr(e.shows));
      ImGui::PopID();
    }
    ImGui::EndTable();
  }

  ImGui::Separator();
  ImGui::TextUnformatted(tr("hub.cached"));
  if (!h.cache_ok)
    ImGui::TextWrapped("%s", tr("hub.no_cache"));
  else if (h.cached.empty())
    ImGui::TextDisabled("%s", tr("hub.none_yet"));
  for (size_t i = 0; i < h.cached.size(); ++i) {
    const HubCachedModel& c = h.cached[i];
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::SmallButton(c.repo.c_str())) {  // a partial download resumes: its stored files are reused
      call_hub(app, "open", c.repo + "@" + c.sha);
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (c.partial) {
      ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.35f, 1.0f), "%s", tr("hub.partial"));
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("hub.partial_tip"));
      ImGui::SameLine();
    }
    ImGui::TextDisabled("%s · %s · %s", c.sha.substr(0, 7).c_str(), hub_format_bytes(c.bytes).c_str(),
                        host_of(c.endpoint).c_str());
    ImGui::SameLine();
    if (c.partial) {
      if (ImGui::SmallButton(tr_id("hub.resume"))) {
        call_hub(app, "open", c.repo + "@" + c.sha);
        ImGui::CloseCurrentPopup();
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("hub.partial_tip"));
      ImGui::SameLine();
    }
    if (ImGui::SmallButton(tr_id("hub.delete"))) call_hub(app, "delete", c.endpoint + "\n" + c.repo + "\n" + c.sha);
    ImGui::PopID();
  }

  ImGui::Separator();
  ImGui::TextUnformatted(tr("hub.endpoint"));
  help_marker(tr("hub.endpoint_help"));
  ImGui::SetNextItemWidth(320);
  ImGui::InputText("##endpoint", h.endpoint_field, sizeof(h.endpoint_field));
  ImGui::SameLine();
  if (ImGui::Button(tr_id("hub.use"))) call_hub(app, "endpoint", h.endpoint_field);
  ImGui::SameLine();
  if (ImGui::Button(tr_id("hub.default_button"))) call_hub(app, "endpoint", "");
  ImGui::TextDisabled(tr("hub.now"), h.endpoint.c_str(), h.endpoint_source.empty() ? tr("hub.default") : h.endpoint_source.c_str());
  ImGui::EndPopup();
}

// The consent text of an offer (`key`: hub.offer or hub.offer_compare): the repo, the revision, the endpoint's host and
// the size when the catalogue knows it.
static std::string offer_text(const HubState& h, const char* key, const std::string& repo, const std::string& rev) {
  const HubCatalogueEntry* e = catalogue_entry(repo);
  const std::string size = e && e->size[0] ? trf("hub.about_size", e->size) : std::string(tr("hub.size_unknown"));
  const std::string at = rev.empty() ? std::string() : trf("hub.offer_at", rev.substr(0, 12).c_str());
  return trf(key, repo.c_str(), at.c_str(), host_of(h.endpoint).c_str(), size.c_str());
}

void draw_hub_banner(App& app) {
  HubState& h = app.hub;
  const bool busy = !h.busy_repo.empty();
  if (!busy && h.offer_repo.empty() && h.vs_offer_repo.empty()) return;
  // The consent texts (the model's, the compare model's), measured first so the banner is as tall as it needs.
  struct Offer {
    std::string text;
    bool compare;
  };
  std::vector<Offer> offers;
  if (!busy && !h.offer_repo.empty()) offers.push_back({offer_text(h, "hub.offer", h.offer_repo, h.offer_rev), false});
  if (!busy && !h.vs_offer_repo.empty())
    offers.push_back({offer_text(h, "hub.offer_compare", h.vs_offer_repo, h.vs_offer_rev), true});
  const ImGuiStyle& style = ImGui::GetStyle();
  const float wrap = ImGui::GetContentRegionAvail().x - 2 * style.WindowPadding.x;
  float content_h = 0;
  if (busy) content_h = ImGui::GetTextLineHeightWithSpacing() + ImGui::GetFrameHeightWithSpacing();
  for (const Offer& o : offers)
    content_h += ImGui::CalcTextSize(o.text.c_str(), nullptr, false, wrap).y + style.ItemSpacing.y +
                 ImGui::GetFrameHeightWithSpacing();
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.10f, 0.20f, 0.30f, 1.0f));
  ImGui::BeginChild("##hubbanner", ImVec2(0, content_h + 2 * style.WindowPadding.y),
                    false, ImGuiWindowFlags_AlwaysUseWindowPadding | ImGuiWindowFlags_NoScrollbar);
  if (busy) {
    ImGui::Text(tr(h.busy_compare ? "hub.downloading_compare" : "hub.downloading"), h.busy_repo.c_str(),
                host_of(h.endpoint).c_str(), tr_message(h.phase).c_str());  // "file list", a file name, "opening"
    std::string label = h.total > 0 ? trf("hub.done_of_total", hub_format_bytes(h.done).c_str(), hub_format_bytes(h.total).c_str())
                                    : hub_format_bytes(h.done);
    if (h.rate > 0) label += " · " + hub_format_bytes(h.rate) + "/s";
    const std::string left = format_seconds(h.eta);
    if (!left.empty()) label += " · " + left;
    ImGui::ProgressBar(h.total > 0 ? static_cast<float>(h.done / h.total) : 0.0f, ImVec2(360, 0), label.c_str());
    ImGui::SameLine();
    if (ImGui::Button(tr_id("hub.cancel"))) call_hub(app, "cancel", "");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("hub.cancel_tip"));
  }
  for (size_t i = 0; i < offers.size(); ++i) {
    const bool compare = offers[i].compare;
    ImGui::PushID(compare ? "compare" : "model");
    ImGui::TextWrapped("%s", offers[i].text.c_str());
    const std::string& repo = compare ? h.vs_offer_repo : h.offer_repo;
    const std::string& rev = compare ? h.vs_offer_rev : h.offer_rev;
    if (ImGui::Button(tr_id("hub.download_open")))  // the user's consent: only now the Hub is asked
      call_hub(app, compare ? "open-compare" : "open", rev.empty() ? repo : repo + "@" + rev);
    ImGui::SameLine();
    if (ImGui::Button(tr_id("hub.not_now"))) {
      if (compare) {  // no comparison then: the link keeps only one that exists
        h.vs_offer_repo.clear();
        h.vs_offer_rev.clear();
        app.view.vs = app.compare ? app.compare->name : std::string();
        app.view.vs_hash = app.compare ? app.compare->hash : std::string();
      } else {
        h.offer_repo.clear();
        h.offer_rev.clear();
      }
    }
    ImGui::PopID();
  }
  ImGui::EndChild();
  ImGui::PopStyleColor();
}

}  // namespace attnviz
