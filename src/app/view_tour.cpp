// Lesson tours in the page: the tour bar (caption, Back / Next, k / n, the step list), the authoring panel (Add step,
// caption, reorder, delete, Copy tour link), the example tours, and the tour's part of the test hook's state.
// The steps themselves and their link format are in view_state.h; this file moves between them.
#include <imgui.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"
#include "ui.h"

namespace attnviz {
namespace {

using json = nlohmann::json;

// The keys (i18n.h) of every string the tour UI shows.
struct TourText {
  const char* back = "tour.back";
  const char* next = "tour.next";
  const char* count = "tour.count";  // step k of n (1-based)
  const char* step_item = "tour.step_item";  // the step list: number and the caption's first line
  const char* back_tip = "tour.back_tip";
  const char* next_tip = "tour.next_tip";
  const char* steps_tip = "tour.steps_tip";
  const char* no_caption = "tour.no_caption";
  const char* panel_help = "tour.panel_help";
  const char* add_step = "tour.add_step";
  const char* add_tip = "tour.add_tip";
  const char* update_step = "tour.update_step";
  const char* update_tip = "tour.update_tip";
  const char* caption = "tour.caption";
  const char* up = "tour.up";
  const char* down = "tour.down";
  const char* remove = "tour.remove";
  const char* copy = "tour.copy";
  const char* copy_tip = "tour.copy_tip";
  const char* copied = "tour.copied";
  const char* none = "tour.none";
  const char* model_note = "tour.model_note";
};
const TourText kText;

// The link's own keys with the app's current model and tour: what tour_step_state works on.
ViewState tour_base(const App& app) {
  ViewState b = app.tour_base;
  b.model = app.view.model;
  b.model_hash = app.view.model_hash;
  b.embed = app.embed;
  b.tour = app.view.tour;
  b.at = app.view.at;
  return b;
}

// The absolute state of every step (for re-recording after an insert, move or delete).
std::vector<ViewState> step_states(const App& app) {
  std::vector<ViewState> out;
  const ViewState b = tour_base(app);
  for (size_t k = 0; k < app.view.tour.size(); ++k) out.push_back(tour_step_state(b, static_cast<int>(k)));
  return out;
}

// Rebuilds the tour from absolute states and captions: each step keeps only what changed from the one before.
void set_steps(App& app, const std::vector<ViewState>& states, const std::vector<std::string>& says, int at) {
  std::vector<TourStep> tour;
  ViewState prev = app.tour_base;
  for (size_t k = 0; k < states.size(); ++k) {
    tour.push_back(tour_step_between(prev, states[k], says[k]));
    prev = states[k];
  }
  app.view.tour = std::move(tour);
  app.view.at = app.view.tour.empty() ? 0 : std::clamp(at, 0, static_cast<int>(app.view.tour.size()) - 1);
  app.tour_base.tour = app.view.tour;
}

std::vector<std::string> captions(const App& app) {
  std::vector<std::string> out;
  for (const TourStep& s : app.view.tour) out.push_back(s.say);
  return out;
}

// The current view without its tour (what a step records).
ViewState current_view(const App& app) {
  ViewState v = app.view;
  v.tour.clear();
  v.at = 0;
  return v;
}

// One line for the step list: the caption's first line without ** markers, cut to ~30 characters.
std::string step_title(const TourStep& s) {
  std::string t;
  for (size_t i = 0; i < s.say.size() && s.say[i] != '\n'; ++i) {
    if (s.say.compare(i, 2, "**") == 0) {
      ++i;
      continue;
    }
    t.push_back(s.say[i]);
  }
  if (t.empty()) return tr(kText.no_caption);
  size_t chars = 0, i = 0;
  for (; i < t.size() && chars < 30; ++i)
    if ((static_cast<unsigned char>(t[i]) & 0xC0) != 0x80) ++chars;
  while (i < t.size() && (static_cast<unsigned char>(t[i]) & 0xC0) == 0x80) ++i;
  if (i < t.size()) t = t.substr(0, i) + "…";
  return t;
}

// Caption text with **bold** (drawn brighter, twice with a small offset) and line breaks, wrapped at `width`. Words
// wrap as wholes; CJK characters (no spaces between them) may wrap after any character. Returns the height used.
float draw_caption(const std::string& text, float width, bool measure_only) {
  ImFont* font = ImGui::GetFont();
  const float size = ImGui::GetFontSize(), line_h = ImGui::GetTextLineHeightWithSpacing();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 plain = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 bold = IM_COL32(255, 214, 120, 255);
  float x = 0, y = 0;
  bool is_bold = false;
  size_t i = 0;
  auto unit_end = [&](size_t p) {  // one word, one space, one CJK character, or one "**"/"\n"
    const unsigned char c = static_cast<unsigned char>(text[p]);
    if (c == '\n' || c == ' ') return p + 1;
    if (text.compare(p, 2, "**") == 0) return p + 2;
    if (c >= 0xE2) {  // U+2000 and up: CJK, punctuation, emoji: one character per unit
      size_t q = p + 1;
      while (q < text.size() && (static_cast<unsigned char>(text[q]) & 0xC0) == 0x80) ++q;
      return q;
    }
    size_t q = p;
    while (q < text.size() && text[q] != ' ' && text[q] != '\n' && static_cast<unsigned char>(text[q]) < 0xE2 &&
           text.compare(q, 2, "**") != 0)
      ++q;
    return q;
  };
  while (i < text.size()) {
    const size_t e = unit_end(i);
    if (text[i] == '\n') {
      x = 0;
      y += line_h;
    } else if (text.compare(i, 2, "**") == 0 && e == i + 2) {
      is_bold = !is_bold;
    } else if (text[i] != '\r') {
      const char* b = text.data() + i;
      const char* en = text.data() + e;
      const float w = font->CalcTextSizeA(size, FLT_MAX, 0, b, en).x + (is_bold ? 1 : 0);
      if (x > 0 && x + w > width && text[i] != ' ') {
        x = 0;
        y += line_h;
      }
      if (!(x == 0 && text[i] == ' ')) {
        if (!measure_only) {
          const ImVec2 p(origin.x + x, origin.y + y);
          dl->AddText(font, size, p, is_bold ? bold : plain, b, en);
          if (is_bold) dl->AddText(font, size, ImVec2(p.x + 0.8f, p.y), bold, b, en);
        }
        x += w;
      }
    }
    i = e;
  }
  const float h = y + line_h;
  if (!measure_only) ImGui::Dummy(ImVec2(width, h));
  return h;
}

void copy_link(App& app, const std::string& fragment) {
  const std::string url = (app.platform.page_url ? app.platform.page_url() : std::string()) + "#" + fragment;
  if (app.platform.copy_text) app.platform.copy_text(url);
  else ImGui::SetClipboardText(url.c_str());
}

// A step from (key, value) pairs in kTourStepKeys order, canonical values.
TourStep step(std::vector<std::pair<std::string, std::string>> keys, std::string say) {
  return TourStep{std::move(keys), std::move(say)};
}

// The example tours. Every number in a caption was read off the model's own attention for that exact text
// (attnviz run, then the row of the pinned token, or the mean over query rows for "on average").
std::vector<TourExample> make_examples() {
  std::vector<TourExample> out;
  {
    ViewState s;
    s.model = "zh-bert-ner-mini";
    s.text = "张三在北京大学读书，后来去了上海的华为公司工作。";
    s.tour = {
        step({}, trf("tour.ner_1")),
        step({{"view", "matrix"}, {"layer", "2"}, {"head", "3"}},
             trf("tour.ner_2")),
        step({{"head", "4"}}, trf("tour.ner_3")),
        step({{"head", "5"}, {"token", "4"}},
             trf("tour.ner_4")),
        step({{"layer", "5"}, {"head", "1"}},
             trf("tour.ner_5")),
        step({{"view", "stats"}, {"token", "none"}},
             trf("tour.ner_6")),
    };
    out.push_back({"tour.example_ner", encode_fragment(s)});
  }
  {
    ViewState s;
    s.model = "gpt2-mini";
    s.text = "And the LORD said unto Moses, Go in unto the people, and the LORD said unto";
    s.tour = {
        step({}, trf("tour.gpt2_1")),
        step({{"view", "matrix"}, {"layer", "0"}, {"head", "3"}},
             trf("tour.gpt2_2")),
        step({{"layer", "4"}, {"head", "5"}, {"token", "17"}},
             trf("tour.gpt2_3")),
        step({{"layer", "5"}, {"head", "2"}}, trf("tour.gpt2_4")),
        step({{"view", "model"}},
             trf("tour.gpt2_5")),
    };
    out.push_back({"tour.example_gpt2", encode_fragment(s)});
  }
  {
    ViewState s;
    s.model = "zh-bert-mini";
    s.text = "床前明月[MASK]，疑是地上霜。";
    s.tour = {
        step({}, trf("tour.mask_1")),
        step({{"view", "matrix"}, {"layer", "2"}, {"head", "3"}},
             trf("tour.mask_2")),
        step({{"head", "4"}}, trf("tour.mask_3")),
        step({{"layer", "3"}, {"head", "5"}, {"token", "5"}},
             trf("tour.mask_4")),
        step({{"head", "3"}}, trf("tour.mask_5")),
        step({{"layer", "5"}},
             trf("tour.mask_6")),
    };
    out.push_back({"tour.example_mask", encode_fragment(s)});
  }
  return out;
}

}  // namespace

const std::vector<TourExample>& tour_examples() {
  static std::vector<TourExample> examples[2];  // per language: the captions are written in the page's language
  std::vector<TourExample>& e = examples[ui_lang() == Lang::Zh ? 1 : 0];
  if (e.empty()) e = make_examples();
  return e;
}

void tour_go(App& app, int k) {
  if (app.view.tour.empty()) return;
  ViewState next = tour_step_state(tour_base(app), k);
  next.model = app.view.model;
  next.model_hash = app.view.model_hash;
  next.embed = app.view.embed;
  const bool rerun = next.text != app.view.text || next.pair != app.view.pair || next.knocked_out != app.view.knocked_out;
  app.view = next;
  if (rerun) app_request_run(app);
}

void tour_add_step(App& app) {
  if (app.view.tour.empty()) app.tour_base = current_view(app);
  std::vector<ViewState> states = step_states(app);
  std::vector<std::string> says = captions(app);
  const int at = app.view.tour.empty() ? 0 : app.view.at + 1;
  states.insert(states.begin() + at, current_view(app));
  says.insert(says.begin() + at, "");
  set_steps(app, states, says, at);
}

void tour_update_step(App& app) {
  if (app.view.tour.empty()) return;
  std::vector<ViewState> states = step_states(app);
  states[app.view.at] = current_view(app);
  set_steps(app, states, captions(app), app.view.at);
}

void tour_move_step(App& app, int k, int to) {
  const int n = static_cast<int>(app.view.tour.size());
  if (k < 0 || k >= n || to < 0 || to >= n || k == to) return;
  std::vector<ViewState> states = step_states(app);
  std::vector<std::string> says = captions(app);
  std::swap(states[k], states[to]);
  std::swap(says[k], says[to]);
  set_steps(app, states, says, to);
}

void tour_delete_step(App& app, int k) {
  const int n = static_cast<int>(app.view.tour.size());
  if (k < 0 || k >= n) return;
  std::vector<ViewState> states = step_states(app);
  std::vector<std::string> says = captions(app);
  states.erase(states.begin() + k);
  says.erase(says.begin() + k);
  set_steps(app, states, says, std::min(k, n - 2));
}

std::string tour_fragment(const App& app, bool from_start) {
  ViewState s = tour_base(app);
  if (from_start) s.at = 0;
  if (s.text.size() + s.pair.size() > 1500) return encode_fragment_compact(s);
  return encode_fragment(s);
}

std::string tour_json(const App& app) {
  json steps = json::array();
  for (const TourStep& st : app.view.tour) {
    ViewState v;  // the step's keys on the defaults, read back typed
    std::string f;
    for (const auto& [k, val] : st.keys) f += (f.empty() ? "" : "&") + k + "=" + percent_encode(val);
    apply_fragment(f, &v);
    json o = json::object();
    for (const auto& kv : st.keys) {
      const std::string& k = kv.first;
      if (k == "text") o["text"] = v.text;
      else if (k == "pair") o["pair"] = v.pair;
      else if (k == "view") o["view"] = view_name(v.view);
      else if (k == "layer") o["layer"] = v.layer;
      else if (k == "head") o["head"] = v.head;
      else if (k == "token") o["token"] = v.token;
      else if (k == "cmap") o["cmap"] = colormap_name(v.colormap);
      else if (k == "scale") o["scale"] = scale_name(v.scale);
      else if (k == "threshold") o["threshold"] = v.threshold;
      else if (k == "hide") o["hide_special"] = v.hide_special;
      else if (k == "merge") o["merge"] = merge_name(v.merge);
      else if (k == "ko") {
        json ko = json::array();
        for (const HeadRef& h : v.knocked_out) ko.push_back(json::array({h.layer, h.head}));
        o["knockout"] = ko;
      }
    }
    o["say"] = st.say;
    steps.push_back(std::move(o));
  }
  return steps.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string tour_set_json(App& app, const std::string& tour, const std::string& at) {
  if (!tour.empty()) {
    const json j = json::parse(tour, nullptr, false);
    if (j.is_discarded() || !j.is_array()) return "tour (expected an array of steps)";
    if (j.size() > kMaxTourSteps) return "tour (more than " + std::to_string(kMaxTourSteps) + " steps)";
    std::vector<TourStep> steps;
    for (size_t i = 0; i < j.size(); ++i) {
      const json& o = j[i];
      if (!o.is_object()) return "tour (step " + std::to_string(i + 1) + " is not an object)";
      TourStep raw;  // values as the link writes them, checked by parse_tour_step
      for (const auto& [k, v] : o.items()) {
        std::string key = k == "hide_special" ? "hide" : k == "knockout" ? "ko" : k == "colormap" ? "cmap" : k;
        std::string val;
        if (v.is_string()) val = v.get<std::string>();
        else if (v.is_boolean()) val = v.get<bool>() ? "1" : "0";
        else if (v.is_number_integer()) val = std::to_string(v.get<int64_t>());
        else if (v.is_number()) val = json(v.get<double>()).dump();
        else if (v.is_array() && key == "ko") {
          for (const auto& e : v) {
            if (e.is_array() && e.size() == 2 && e[0].is_number_integer() && e[1].is_number_integer())
              val += (val.empty() ? "" : ",") + std::to_string(e[0].get<int64_t>()) + "." +
                     std::to_string(e[1].get<int64_t>());
            else
              return "tour (step " + std::to_string(i + 1) + ": knockout wants [[layer, head], ...])";
          }
        } else {
          return "tour (step " + std::to_string(i + 1) + ": " + k + " has a value of the wrong type)";
        }
        if (key == "say") raw.say = val;
        else raw.keys.emplace_back(key, val);
      }
      TourStep step;
      std::string why;
      if (!parse_tour_step(format_tour_step(raw), &step, &why))
        return "tour (step " + std::to_string(i + 1) + ": " + why + ")";
      steps.push_back(std::move(step));
    }
    app.tour_base = current_view(app);
    app.view.tour = std::move(steps);
    app.tour_base.tour = app.view.tour;
    app.view.at = 0;
    if (!app.view.tour.empty() && at.empty()) tour_go(app, 0);
  }
  if (!at.empty()) {
    const json j = json::parse(at, nullptr, false);
    if (j.is_discarded() || !j.is_number_integer() || app.view.tour.empty() || j.get<int64_t>() < 0 ||
        j.get<int64_t>() >= static_cast<int64_t>(app.view.tour.size()))
      return "at (a step number from 0 to the tour's length - 1)";
    tour_go(app, static_cast<int>(j.get<int64_t>()));
  }
  return std::string();
}

void draw_tour_bar(App& app) {
  if (app.view.tour.empty()) return;
  const int n = static_cast<int>(app.view.tour.size());
  const int k = std::clamp(app.view.at, 0, n - 1);
  const TourStep& step = app.view.tour[k];
  note_glyphs(step.say);
  const float list_w = std::min(260.0f, ImGui::GetContentRegionAvail().x * 0.3f);
  const float caption_w = std::max(100.0f, ImGui::GetContentRegionAvail().x - list_w - 40);
  const float caption_h = draw_caption(step.say, caption_w, true);
  const float h = std::clamp(caption_h + ImGui::GetFrameHeightWithSpacing() + 24,
                             ImGui::GetFrameHeightWithSpacing() * 3.5f, ImGui::GetContentRegionAvail().y * 0.4f);
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.10f, 0.16f, 0.26f, 1.0f));
  ImGui::BeginChild("##tour", ImVec2(0, h), true);
  ImGui::BeginChild("##tour_steps", ImVec2(list_w, 0), false);
  for (int i = 0; i < n; ++i) {
    char label[200];
    const int used = std::snprintf(label, sizeof label, tr(kText.step_item), i + 1, step_title(app.view.tour[i]).c_str());
    std::snprintf(label + std::clamp(used, 0, 150), sizeof label - 150, "##tour_step%d", i);
    note_glyphs(label);
    if (ImGui::Selectable(label, i == k)) tour_go(app, i);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr(kText.steps_tip));
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("##tour_caption", ImVec2(0, 0), false);
  ImGui::BeginDisabled(k == 0);
  if (ImGui::Button(tr_id(kText.back))) tour_go(app, k - 1);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", tr(kText.back_tip));
  ImGui::SameLine();
  ImGui::BeginDisabled(k + 1 >= n);
  if (ImGui::Button(tr_id(kText.next))) tour_go(app, k + 1);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", tr(kText.next_tip));
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  ImGui::Text(tr(kText.count), k + 1, n);
  draw_caption(step.say, std::max(100.0f, ImGui::GetContentRegionAvail().x - 8), false);
  ImGui::EndChild();
  ImGui::EndChild();
  ImGui::PopStyleColor();
}

void draw_tour_panel(App& app) {
  help_marker_here(tr(kText.panel_help));
  ImGui::SameLine();
  if (ImGui::Button(tr_id(kText.add_step))) tour_add_step(app);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr(kText.add_tip));
  const int n = static_cast<int>(app.view.tour.size());
  if (n == 0) {
    ImGui::TextDisabled("%s", tr(kText.none));
    return;
  }
  ImGui::SameLine();
  if (ImGui::Button(tr_id(kText.update_step))) tour_update_step(app);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr(kText.update_tip));
  const int k = std::clamp(app.view.at, 0, n - 1);
  ImGui::Text(tr(kText.caption), k + 1);
  ui_text_box("say", &app.view.tour[k].say, ImGui::GetTextLineHeight() * 4);
  app.tour_base.tour = app.view.tour;
  ImGui::BeginDisabled(k == 0);
  if (ImGui::Button(tr_id(kText.up))) tour_move_step(app, k, k - 1);
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(k + 1 >= n);
  if (ImGui::Button(tr_id(kText.down))) tour_move_step(app, k, k + 1);
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button(tr_id(kText.remove))) tour_delete_step(app, k);
  static double copied_at = -1;
  if (ImGui::Button(tr_id(kText.copy))) {
    copy_link(app, tour_fragment(app, true));
    copied_at = ImGui::GetTime();
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr(kText.copy_tip));
  if (copied_at > 0 && ImGui::GetTime() - copied_at < 2.0) {
    ImGui::SameLine();
    ImGui::TextUnformatted(tr(kText.copied));
  }
  ImGui::TextDisabled("%s", tr(kText.model_note));
}

}  // namespace attnviz
