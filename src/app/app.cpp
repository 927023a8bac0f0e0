// App actions: running the model on the current input, swapping models, share-link state in and out, and the grid
// of (possibly merged) matrices the heatmaps show. No GL, no emscripten: the platform calls in.
#include "app.h"
#include "predictions.h"
#include "i18n.h"

#include <imgui.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <chrono>
#include <cstdio>

namespace attnviz {
namespace {

using json = nlohmann::json;

const char* const kBuiltinModels[] = {"zh-bert-mini", "zh-bert-ner-mini", "gpt2-mini"};

bool is_builtin(const std::string& name) {
  for (const char* m : kBuiltinModels)
    if (name == m) return true;
  return false;
}

// A link's layer/head/token are checked against the model once it is loaded (it may still be downloading).
bool g_clamp_with_notices = false;

void add_notice(App& app, const std::string& n) {
  if (std::find(app.notices.begin(), app.notices.end(), n) == app.notices.end()) app.notices.push_back(n);
  if (app.notices.size() > 12) app.notices.erase(app.notices.begin());
}

// Silent clamping after ordinary edits (a pinned token beyond a shortened text simply unpins).
void clamp_quietly(App& app) {
  int L = app_n_layers(app), H = app_n_heads(app), T = app_n_tokens(app);
  ViewState& v = app.view;
  if (L > 0) v.layer = std::clamp(v.layer, 0, L - 1);
  if (H > 0) v.head = std::clamp(v.head, 0, H - 1);
  if (v.token >= T) v.token = -1;
  if (L > 0 && H > 0) {
    std::vector<HeadRef> ko;
    for (const HeadRef& k : v.knocked_out)
      if (k.layer >= 0 && k.layer < L && k.head >= 0 && k.head < H) ko.push_back(k);
    v.knocked_out = ko;
  }
}

// Labels of merged groups: the span of text they cover ("北京", "playing"), or the special token itself.
std::string group_label(const App& app, int first, int last) {
  const Encoding& e = app.run.enc;
  if (first == last) return token_label(app, first);
  const std::string& src = token_from_pair(e, first) ? app.view.pair : app.view.text;
  int b = e.offsets[first].first, en = e.offsets[last].second;
  for (int i = first; i <= last; i++) {
    b = std::min(b, e.offsets[i].first);
    en = std::max(en, e.offsets[i].second);
  }
  if (b >= 0 && en > b && en <= static_cast<int>(src.size())) {
    std::string s = src.substr(b, en - b);
    if (s.find_first_not_of(" \t\r\n") != std::string::npos) {
      s.erase(0, s.find_first_not_of(" \t\r\n"));
      note_glyphs(s);
      return s;
    }
  }
  std::string s;
  for (int i = first; i <= last; i++) s += token_label(app, i);
  return s;
}

}  // namespace

int app_n_layers(const App& app) { return app.model ? app.model->model.config().n_layers : 0; }
int app_n_heads(const App& app) { return app.model ? app.model->model.config().n_heads : 0; }
int app_n_tokens(const App& app) { return app.run.valid ? app.run.act.T : 0; }

const float* app_attention(const App& app, int layer, int head) {
  int L = app_n_layers(app), H = app_n_heads(app);
  if (!app.run.valid || layer < 0 || layer >= L || head < 0 || head >= H) return nullptr;
  return app.run.act.attention(layer, head, H);
}

void app_request_run(App& app) {
  app.run_pending = true;
  app.last_edit_time = ImGui::GetCurrentContext() ? ImGui::GetTime() : 0.0;
}

namespace {

// Submits the current input; `summaries_only`: ask for the current run's summaries from the engine's cache instead
// (the engine falls back to a full run of the same input when it no longer holds that run).
bool submit_run(App& app, bool summaries_only) {
  app.run_pending = false;
  if (!app.model || !app.engine) return false;
  const ModelConfig& cfg = app.model->model.config();
  RunRequest req;
  req.id = ++app.next_request;
  req.text = app.view.text;
  req.pair = cfg.family == Family::Bert ? app.view.pair : std::string();
  req.head_mask = head_mask_from(app.view, cfg.n_layers, cfg.n_heads);
  req.want_qkv = app.view.view == ViewKind::Neuron;
  req.want_summaries = app.view.view != ViewKind::Lines && app.view.view != ViewKind::Neuron;
  req.want_compare = app.compare != nullptr && !app.view.vs.empty();  // view_compare.cpp
  // The summaries of the current run, from the engine's cache, when only they are missing (app_poll_engine).
  if (summaries_only && app.run.valid) req.summaries_of = app.run.request_id;
  note_glyphs(app.view.text);
  note_glyphs(app.view.pair);
  app.awaited_request = req.id;
  app.engine->submit(std::move(req));
  return true;
}

}  // namespace

bool app_run_now(App& app) { return submit_run(app, false); }

namespace {

// The current run's summaries arrived (a summaries_of answer) while the grid shows that run: only the head-mean and
// rollout images change; the attentions (and their merged images) stay.
void grid_summaries_arrived(App& app) {
  Grid& g = app.grid;
  const RunResult& r = app.run;
  g.generation = r.generation;
  if (g.attention.empty()) return;  // merge is Tokens: the run's own buffers are used
  const int L = app_n_layers(app), H = app_n_heads(app);
  const size_t T = static_cast<size_t>(r.act.T), GG = static_cast<size_t>(g.n) * g.n;
  if (r.head_mean.size() < L * T * T || r.rollout.size() < L * T * T) return;
  g.head_mean.resize(L * GG);
  g.rollout.resize(L * GG);
  g.ready.resize(static_cast<size_t>(L) * H + 2 * L);
  for (int i = L * H; i < L * H + 2 * L; i++) g.ready[i] = 0;
}

// A result arrived: it becomes the current run (even when newer input is still running: the views draw the last
// result there is, marked "running...").
void apply_result(App& app, std::unique_ptr<RunResult> res) {
  if (!app.model) return;
  const ModelConfig& cfg = app.model->model.config();
  RunResult& r = app.run;
  const uint64_t gen = r.generation + 1;
  if (res->summaries_of != 0) {  // the summaries a view asked for, of the current run: merged in, no new run
    if (res->request_id == app.awaited_request) app.awaited_request = 0;
    if (r.valid && r.request_id == res->summaries_of && r.act.T == res->act.T) {
      const bool grid_current = app.grid.generation == r.generation && app.grid.merge == app.view.merge;
      r.rollout = std::move(res->rollout);
      r.head_mean = std::move(res->head_mean);
      r.stats = std::move(res->stats);
      r.generation = gen;
      app.run_count++;
      if (grid_current) grid_summaries_arrived(app);  // the attention images stay as they are
      else app_update_grid(app);
    }
    return;
  }
  if (app.recycle_runs) app.spare = std::move(r);
  r = std::move(*res);
  r.generation = gen;
  if (r.request_id == app.awaited_request) app.awaited_request = 0;
  app.run_count++;
  if (!r.valid) {  // GPT-2 on an empty text: nothing to run, nothing to draw
    app_update_grid(app);
    return;
  }
  const int T = r.act.T, L = cfg.n_layers, H = cfg.n_heads;
  for (int i = 0; i < T; i++) note_glyphs(i < static_cast<int>(r.enc.display.size()) ? r.enc.display[i] : r.enc.tokens[i]);
  for (const auto& [id, t] : r.vocab) note_glyphs(t.display);  // prediction lists show these
  if (g_clamp_with_notices) {
    clamp_to_model(&app.view, L, H, T, &app.notices);
    g_clamp_with_notices = false;
  } else {
    clamp_quietly(app);
  }
  app_update_grid(app);
}

}  // namespace

bool app_poll_engine(App& app) {
  if (!app.engine) return false;
  bool any = false;
  EngineEvent ev;
  while (app.engine->poll(&ev)) {
    any = true;
    switch (ev.kind) {
      case EngineEvent::Kind::Loaded:
        app_model_loaded(app, ev.info);
        break;
      case EngineEvent::Kind::LoadFailed:
        app_model_failed(app, ev.error);
        break;
      case EngineEvent::Kind::Result:
        apply_result(app, std::move(ev.run));
        break;
      case EngineEvent::Kind::RunFailed:
        if (ev.request_id == app.awaited_request) app.awaited_request = 0;
        app.run.valid = false;
        app.run.generation++;
        app_update_grid(app);
        app_set_error(app, tr_message(ev.error));
        break;
      case EngineEvent::Kind::Cancelled:  // a newer request is on its way
        break;
      case EngineEvent::Kind::CompareLoaded:
        app_compare_loaded(app, ev.info);
        break;
      case EngineEvent::Kind::CompareFailed:
        app_compare_failed(app, ev.info.name.empty() ? nullptr : &ev.info, ev.error);
        break;
    }
    ev = EngineEvent{};
  }
  // A view that needs what the current run left out: q/k/v or the comparison (run again with them), summaries (the
  // engine computes them from its cache of the last run, no pass).
  if (app.model && app.run.valid && !app_busy(app)) {
    if ((app.view.view == ViewKind::Neuron && app.run.act.q.empty()) ||
        (app.compare && !app.view.vs.empty() && app.run.compare_model.empty() && app.run.compare_error.empty())) {
      app_run_now(app);
    } else if (app.view.view != ViewKind::Lines && app.view.view != ViewKind::Neuron && app.run.stats.empty()) {
      submit_run(app, true);
    }
  }
  return any;
}

bool app_busy(const App& app) { return app.run_pending || app.awaited_request != 0 || app.awaiting_model; }
double app_run_due_at(const App& app) {
  return app.run_pending && app.model ? app.last_edit_time + kEditPauseS : std::numeric_limits<double>::infinity();
}
bool app_run_due(const App& app, double now) { return now >= app_run_due_at(app); }

int RunVocab::mask_id() const { return app.model ? app.model->model.mask_id : -1; }
std::string RunVocab::mask_token() const {
  return app.model && !app.model->model.mask_token.empty() ? app.model->model.mask_token : std::string("[MASK]");
}
int RunVocab::eos_id() const { return app.model ? app.model->model.eos_id : -1; }
TokenizerKind RunVocab::kind() const {
  return app.model && app.model->model.byte_level ? TokenizerKind::ByteLevelBPE : TokenizerKind::WordPiece;
}
std::string RunVocab::display_token(int id) const { return app_token_display(app, id); }
std::string RunVocab::id_to_token(int id) const {
  auto it = app.run.vocab.find(id);
  return it == app.run.vocab.end() ? std::string() : it->second.token;
}

std::string app_token_display(const App& app, int id) {
  auto it = app.run.vocab.find(id);
  return it == app.run.vocab.end() ? std::string() : it->second.display;
}

std::string app_token_text(const App& app, int id) {
  auto it = app.run.vocab.find(id);
  if (it == app.run.vocab.end()) return std::string();
  return app.model && app.model->model.byte_level ? byte_level_decode(it->second.token) : it->second.display;
}

void app_set_error(App& app, const std::string& message) {
  app.last_error = message;
  add_notice(app, message);
}

void app_set_model(App& app, const ModelInfo& info) {
  auto m = std::make_unique<LoadedModel>();
  m->name = info.name;
  m->hash = info.hash;
  m->model = info;
  app.model = std::move(m);
  app.view.model = app.model->name;
  app.view.model_hash = app.model->hash;
  for (const auto& l : app.model->model.config().labels) note_glyphs(l);
  app.run = RunResult{};
  app.run.generation = app.grid.generation + 1;  // textures must re-upload even if counts coincide
  app.grid = Grid{};
  app_run_now(app);
  app_request_compare(app);  // a vs= that waited for this model
}

void app_load_model(App& app, std::map<std::string, std::string> files, const std::string& name, bool user) {
  if (!app.engine) {
    app_set_error(app, trf("app.no_engine", name.c_str()));
    return;
  }
  app.awaiting_model = true;
  app.engine->load(std::move(files), name, user);
}

void app_model_failed(App& app, const std::string& message) {
  app.awaiting_model = false;
  app.loading_name.clear();
  app.loading_progress = -1;
  app_set_error(app, tr_message(message) + (app.model ? trf("app.keeping", app.model->name.c_str()) : std::string()));
}

void app_model_loaded(App& app, const ModelInfo& info) {
  app.awaiting_model = false;
  app.loading_name.clear();
  app.loading_progress = -1;
  app.last_error.clear();
  const bool user = info.name.rfind("user:", 0) == 0;
  if (is_hub_model(info.name) && info.name.substr(3) == app.hub.offer_repo) app.hub.offer_repo.clear(), app.hub.offer_rev.clear();
  if (user) {  // the request for this model's files is answered
    auto& ns = app.notices;
    ns.erase(std::remove_if(ns.begin(), ns.end(),
                            [](const std::string& n) {
                              for (Lang l : {Lang::En, Lang::Zh}) {  // the notice's text up to the model's name
                                const std::string f = tr_in(l, "app.user_model_link");
                                if (n.rfind(f.substr(0, f.find('%')), 0) == 0) return true;
                              }
                              return false;
                            }),
             ns.end());
  }
  if (!app.wanted_hash.empty() && user) {
    if (info.hash != app.wanted_hash)
      add_notice(app, trf("app.hash_differs", info.hash.c_str(), app.wanted_hash.c_str()));
    app.wanted_hash.clear();
  }
  app_set_model(app, info);
}

void app_apply_fragment(App& app, const std::string& fragment) {
  DecodeResult r = decode_fragment(fragment);
  const Lang lang_before = ui_lang();
  if (sync_ui_lang(r.state.lang) != lang_before) r = decode_fragment(fragment);  // its notices in the link's language
  for (const auto& n : r.notices) add_notice(app, n);
  if (!r.notices.empty()) {  // a bad link is an error the user should see (and tests can read via lastError)
    std::string all;
    for (const auto& n : r.notices) all += (all.empty() ? "" : "; ") + n;
    app.last_error = trf("app.link_problems", all.c_str());
  }
  std::string current = app.model ? app.model->name : "";
  std::string wanted = r.state.model;
  app.view = r.state;
  if (!r.state.tour.empty()) {  // a lesson tour: the link's keys are the base, the view is step at's
    app.tour_base = r.state;
    app.view = tour_step_state(r.state, r.state.at);
  }
  app.embed = r.state.embed;
  g_clamp_with_notices = true;
  if (wanted != current) {
    if (wanted.rfind("user:", 0) == 0) {
      app.wanted_hash = r.state.model_hash;
      add_notice(app, trf("app.user_model_link", wanted.substr(5).c_str(),
                          (current.empty() ? std::string("zh-bert-mini") : current).c_str()));
      if (current.empty() && app.platform.request_model) app.platform.request_model("zh-bert-mini");
    } else if (is_builtin(wanted)) {
      if (app.platform.request_model) app.platform.request_model(wanted);
    } else if (is_hub_model(wanted)) {  // never fetched by a link alone: offered, or opened from the cache
      hub_offer(app, wanted.substr(3), r.state.model_hash);
      if (current.empty() && app.platform.request_model) app.platform.request_model("zh-bert-mini");
    } else {
      add_notice(app, trf("app.not_builtin", wanted.c_str(),
                          (current.empty() ? std::string("zh-bert-mini") : current).c_str()));
      if (current.empty() && app.platform.request_model) app.platform.request_model("zh-bert-mini");
    }
    if (!current.empty()) {  // keep showing the current model until the new one arrives
      app.view.model = current;
      app.view.model_hash = app.model->hash;
    }
  }
  if (app.model) app_run_now(app);
  app_request_compare(app);
}

std::string app_fragment(const App& app) {
  if (!app.view.tour.empty()) return tour_fragment(app, false);
  ViewState s = app.view;
  s.embed = app.embed;
  if (s.text.size() + s.pair.size() > 1500) return encode_fragment_compact(s);
  return encode_fragment(s);
}

void app_update_grid(App& app) {
  Grid& g = app.grid;
  const RunResult& r = app.run;
  if (g.generation == r.generation && g.merge == app.view.merge) return;
  // A fresh grid, keeping the merged matrices' storage (the next run's images are about the same size).
  std::vector<float> attention = std::move(g.attention), head_mean = std::move(g.head_mean), rollout = std::move(g.rollout);
  std::vector<uint8_t> ready = std::move(g.ready);
  g = Grid{};
  g.merge = app.view.merge;
  g.generation = r.generation;
  g.attention_generation = r.generation;
  if (!r.valid) return;
  int T = r.act.T, L = app_n_layers(app), H = app_n_heads(app);
  const Encoding& e = r.enc;
  if (g.merge == Merge::Tokens || static_cast<int>(e.offsets.size()) != T) {
    g.n = T;
    g.group.resize(T);
    for (int i = 0; i < T; i++) {
      g.group[i] = i;
      g.labels.push_back(token_label(app, i));
      g.special.push_back(i < static_cast<int>(e.special.size()) ? e.special[i] : 0);
    }
    g.merge = app.view.merge;
    return;
  }
  UnitKind kind = g.merge == Merge::Words ? UnitKind::kWords : UnitKind::kCharacters;
  std::vector<uint8_t> starts(T, 1);  // (T)
  // Each segment (text, pair) is split against its own text; a segment always starts a new unit.
  int i = 0;
  while (i < T) {
    int seg = token_from_pair(e, i) ? 1 : 0;
    int j = i;
    while (j < T && (token_from_pair(e, j) ? 1 : 0) == seg) j++;
    std::vector<std::pair<int, int>> offs(e.offsets.begin() + i, e.offsets.begin() + j);
    for (int k = i; k < j; k++)
      if (k < static_cast<int>(e.special.size()) && e.special[k]) offs[k - i] = {0, 0};
    std::vector<uint8_t> s = unit_starts(seg == 1 ? app.view.pair : app.view.text, offs, kind);
    for (int k = i; k < j && k - i < static_cast<int>(s.size()); k++) starts[k] = s[k - i];
    starts[i] = 1;
    i = j;
  }
  g.group = groups_from_starts(starts);
  int G = g.group.empty() ? 0 : g.group.back() + 1;
  g.n = G;
  for (int gi = 0, t = 0; gi < G; gi++) {
    int first = t;
    while (t < T && g.group[t] == gi) t++;
    g.labels.push_back(group_label(app, first, t - 1));
    bool sp = true;
    for (int k = first; k < t; k++) sp = sp && k < static_cast<int>(e.special.size()) && e.special[k];
    g.special.push_back(sp ? 1 : 0);
  }
  // The merged images themselves are made when first asked for (app_grid_matrix), one at a time.
  const size_t TT = static_cast<size_t>(T) * T, GG = static_cast<size_t>(G) * G;
  g.attention = std::move(attention);
  g.attention.resize(static_cast<size_t>(L) * H * GG);
  g.ready = std::move(ready);
  g.ready.assign(static_cast<size_t>(L) * H + 2 * L, 0);
  if (r.head_mean.size() < L * TT || r.rollout.size() < L * TT) return;  // summaries not asked for this run
  g.head_mean = std::move(head_mean);
  g.rollout = std::move(rollout);
  g.head_mean.resize(L * GG);
  g.rollout.resize(L * GG);
}

const float* app_grid_matrix(const App& app, HeatSource src, int layer, int head) {
  const Grid& g = app.grid;
  int L = app_n_layers(app), H = app_n_heads(app);
  if (!app.run.valid || g.n <= 0 || layer < 0 || layer >= L) return nullptr;
  if (src == HeatSource::Attention && (head < 0 || head >= H)) return nullptr;
  size_t GG = static_cast<size_t>(g.n) * g.n;
  bool merged = !g.attention.empty();
  const size_t LGG = static_cast<size_t>(L) * GG;
  if (src == HeatSource::HeadMean && (merged ? g.head_mean.size() : app.run.head_mean.size()) < LGG) return nullptr;
  if (src == HeatSource::Rollout && (merged ? g.rollout.size() : app.run.rollout.size()) < LGG) return nullptr;
  if (!merged) {
    switch (src) {
      case HeatSource::Attention: return app_attention(app, layer, head);
      case HeatSource::HeadMean: return app.run.head_mean.data() + layer * GG;
      case HeatSource::Rollout: return app.run.rollout.data() + layer * GG;
    }
    return nullptr;
  }
  // Merged: this image made now if it is not yet (one image's work, not the grid's).
  const int T = app.run.act.T;
  const size_t TT = static_cast<size_t>(T) * T;
  size_t index = 0;
  const float* from = nullptr;
  float* to = nullptr;
  switch (src) {
    case HeatSource::Attention:
      index = static_cast<size_t>(layer) * H + head;
      from = app.run.act.attentions.data() + index * TT;
      to = g.attention.data() + index * GG;
      break;
    case HeatSource::HeadMean:
      index = static_cast<size_t>(L) * H + layer;
      from = app.run.head_mean.data() + layer * TT;
      to = g.head_mean.data() + layer * GG;
      break;
    case HeatSource::Rollout:
      index = static_cast<size_t>(L) * H + L + layer;
      from = app.run.rollout.data() + layer * TT;
      to = g.rollout.data() + layer * GG;
      break;
  }
  if (index >= g.ready.size() || static_cast<int>(g.group.size()) != T) return nullptr;
  if (!g.ready[index]) {
    merge_attention(from, T, g.group, g.n, to);
    g.ready[index] = 1;
  }
  return to;
}

std::string app_state_json(const App& app) {
  const ViewState& v = app.view;
  json j;
  j["model"] = v.model;
  j["hash"] = v.model_hash;
  j["text"] = v.text;
  j["pair"] = v.pair;
  j["view"] = view_name(v.view);
  j["layer"] = v.layer;
  j["head"] = v.head;
  j["token"] = v.token;
  j["cmap"] = colormap_name(v.colormap);
  j["scale"] = scale_name(v.scale);
  j["threshold"] = v.threshold;
  j["hide_special"] = v.hide_special;
  j["merge"] = merge_name(v.merge);
  json ko = json::array();
  for (const HeadRef& k : v.knocked_out) ko.push_back(json::array({k.layer, k.head}));
  j["knockout"] = ko;
  j["embed"] = app.embed;
  j["tour"] = json::parse(tour_json(app), nullptr, false);
  j["at"] = v.at;
  j["vs"] = v.vs;
  j["vs_hash"] = v.vs_hash;  // the vs= model's files hash (user:) or commit sha (hf:)
  j["lang"] = lang_code(ui_lang());  // the language shown (link lang=, else the browser's)
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status app_set_state_json(App& app, const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::error("setState: expected an object");
  ViewState& v = app.view;
  std::vector<std::string> bad;
  auto get_int = [&](const char* key, int* out) {
    auto it = j.find(key);
    if (it == j.end()) return;
    if (it->is_number_integer()) *out = static_cast<int>(it->get<int64_t>());
    else if (it->is_number() && it->get<double>() == static_cast<int>(it->get<double>())) *out = static_cast<int>(it->get<double>());
    else bad.push_back(key);
  };
  auto get_str = [&](const char* key, std::string* out) {
    auto it = j.find(key);
    if (it == j.end()) return false;
    if (!it->is_string()) {
      bad.push_back(key);
      return false;
    }
    *out = it->get<std::string>();
    return true;
  };
  std::string s;
  bool rerun = false;
  if (j.contains("tour") || j.contains("at")) {  // lesson tours first: other keys then change the step's view
    const std::string why = tour_set_json(app, j.contains("tour") ? j["tour"].dump() : "", j.contains("at") ? j["at"].dump() : "");
    if (!why.empty()) bad.push_back(why);
  }
  if (get_str("text", &s) && s != v.text) v.text = s, rerun = true;
  if (get_str("pair", &s) && s != v.pair) v.pair = s, rerun = true;
  if (get_str("view", &s)) {
    bool found = false;
    for (int k = 0; k <= static_cast<int>(ViewKind::Compare); k++)
      if (s == view_name(static_cast<ViewKind>(k))) v.view = static_cast<ViewKind>(k), found = true;
    if (!found) bad.push_back("view");
  }
  get_int("layer", &v.layer);
  get_int("head", &v.head);
  get_int("token", &v.token);
  if (get_str("cmap", &s) || get_str("colormap", &s)) {
    if (s == "viridis") v.colormap = Colormap::Viridis;
    else if (s == "magma") v.colormap = Colormap::Magma;
    else if (s == "cividis") v.colormap = Colormap::Cividis;
    else if (s == "gray" || s == "grey" || s == "grayscale") v.colormap = Colormap::Gray;
    else bad.push_back("cmap");
  }
  if (get_str("scale", &s)) {
    if (s == "linear") v.scale = Scale::Linear;
    else if (s == "sqrt") v.scale = Scale::Sqrt;
    else if (s == "log") v.scale = Scale::Log;
    else bad.push_back("scale");
  }
  if (auto it = j.find("threshold"); it != j.end()) {
    if (it->is_number()) v.threshold = std::clamp(static_cast<float>(it->get<double>()), 0.0f, 1.0f);
    else bad.push_back("threshold");
  }
  if (auto it = j.find("hide_special"); it != j.end()) {
    if (it->is_boolean()) v.hide_special = it->get<bool>();
    else bad.push_back("hide_special");
  }
  if (auto it = j.find("embed"); it != j.end()) {
    if (it->is_boolean()) app.embed = v.embed = it->get<bool>();
    else bad.push_back("embed");
  }
  if (get_str("lang", &s)) {
    Lang l;
    if (lang_from_code(s, &l)) sync_ui_lang(v.lang = lang_code(l));
    else bad.push_back("lang");
  }
  if (get_str("merge", &s)) {
    if (s == "tokens" || s == "token") v.merge = Merge::Tokens;
    else if (s == "characters" || s == "chars") v.merge = Merge::Characters;
    else if (s == "words") v.merge = Merge::Words;
    else bad.push_back("merge");
  }
  if (auto it = j.find("knockout"); it != j.end()) {
    if (it->is_array()) {
      // [[layer, head], ...], or flat indices layer * n_heads + head.
      ViewState tmp = v;
      tmp.knocked_out.clear();
      int H = std::max(1, app_n_heads(app));
      for (const auto& e : *it) {
        if (e.is_array() && e.size() == 2 && e[0].is_number_integer() && e[1].is_number_integer())
          tmp.knocked_out.push_back(HeadRef{static_cast<int>(e[0].get<int64_t>()), static_cast<int>(e[1].get<int64_t>())});
        else if (e.is_number_integer())
          tmp.knocked_out.push_back(HeadRef{static_cast<int>(e.get<int64_t>() / H), static_cast<int>(e.get<int64_t>() % H)});
        else
          bad.push_back("knockout");
      }
      normalize_knocked_out(&tmp);
      if (!(tmp.knocked_out == v.knocked_out)) v.knocked_out = tmp.knocked_out, rerun = true;
    } else {
      bad.push_back("knockout");
    }
  }
  if (get_str("vs", &s) && s != v.vs) {  // compare with another model ("" = stop)
    std::vector<std::string> notes = apply_fragment("vs=" + percent_encode(s), &v);
    if (!notes.empty()) bad.push_back("vs");
    if (s.empty()) v.vs.clear(), v.vs_hash.clear();
    app_request_compare(app);
  }
  if (get_str("model", &s) && (!app.model || s != app.model->name)) {
    std::string id, rev;
    if (is_builtin(s)) {
      if (app.platform.request_model) app.platform.request_model(s);
    } else if (is_hub_model(s) && parse_hub_id(s.substr(3), &id, &rev)) {
      hub_offer(app, id, rev);
    } else {
      bad.push_back("model");
    }
  }
  if (rerun || app.run_pending) app_run_now(app);  // (the result arrives later: runCount counts applied results)
  else clamp_quietly(app);
  app_update_grid(app);
  if (!bad.empty()) {
    std::string m = "setState: ignored bad value(s) for";
    for (const auto& b : bad) m += " " + b;
    return Status::error(m);
  }
  return Status::success();
}

}  // namespace attnviz
