// App: the viewer's state above the core — the loaded model and tokenizer, the current run (tokens, activations,
// summaries), the view state that share links carry, and the GPU textures of the heatmaps. ImGui/GL live here and
// in the views; emscripten does not (platform code calls in through the functions below).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analysis.h"
#include "engine.h"
#include "i18n.h"
#include "model.h"
#include "tokenizer.h"
#include "view_hub.h"
#include "view_state.h"

namespace attnviz {

// The current model as the app knows it: its name, hash and ModelInfo (config, labels, special ids). The weights and
// the vocabulary stay in the engine.
struct LoadedModel {
  std::string name;   // "zh-bert-mini", ... or "user:<folder name>"
  std::string hash;   // hex hash of the files (user models), "" for built-ins
  ModelInfo model;    // model.config() as before
};

// What heatmaps show: the run's tokens, or groups of them merged into characters / words (ViewState.merge; BertViz
// convention: rows averaged, columns summed). Rebuilt by app_update_grid when the run or the merge mode changes.
// The merged matrices are made one image at a time when first asked for (app_grid_matrix: the renderer's uploads
// spread over frames), never all L*H in one task; their storage is kept from grid to grid (typing reallocates nothing).
struct Grid {
  int n = 0;                          // G: number of rows/columns (== T when merge is Tokens)
  std::vector<int> group;             // (T) group index of each token
  std::vector<std::string> labels;    // (G) readable label of each group
  std::vector<uint8_t> special;       // (G) 1 = a group made of special tokens only ([CLS], [SEP], ...)
  mutable std::vector<float> attention;  // (L, H, G, G) merged; empty when merge is Tokens (the run's own is used)
  mutable std::vector<float> head_mean;  // (L, G, G) merged; empty when merge is Tokens
  mutable std::vector<float> rollout;    // (L, G, G) merged; empty when merge is Tokens
  mutable std::vector<uint8_t> ready;    // (L*H + 2L) 1 = that merged image is made (attention, head means, rollout)
  Merge merge = Merge::Tokens;
  uint64_t generation = 0;            // RunResult.generation it was built from (0 = none)
  // RunResult.generation whose attentions the grid shows: unchanged when only summaries arrived (a summaries_of
  // answer), so the per-head images need no new upload (Renderer::sync).
  uint64_t attention_generation = 0;
};

// What the platform (browser page or desktop window) offers the app; set by web_main / native_main, may be empty.
struct PlatformHooks {
  std::function<void(const std::string& name)> request_model;  // start loading a built-in model by name
  std::function<void()> open_files;                            // let the user pick a model's files
  std::function<void()> open_folder;                           // ... or its whole folder
  std::function<void(const std::string& text)> copy_text;      // put text on the clipboard (false = not possible)
  std::function<std::string()> page_url;                       // the page's address without the fragment
  // Offer bytes as a file download (export.h makes the JSON / CSV / PNG bytes). Empty = not possible.
  std::function<void(const std::string& file_name, const std::string& mime, const std::string& bytes)> download;
  // Render the next frame at `scale` x the window's pixel size, read it back, encode_png (export.h) and download it
  // as `file_name`. Empty = not possible (the export buttons hide).
  std::function<void(const std::string& file_name, float scale)> save_png;
  // Hub models (view_hub.h, the page's web/hub.js): command "open" (the user's click: arg "org/name[@rev]"), "link"
  // (a link named it: open from the browser's cache if there, with no request, else do nothing), "cancel", "delete"
  // (arg "endpoint\nrepo\nsha"), "endpoint" (arg: a URL, "" = back to the default); "open-compare" / "link-compare"
  // do what "open" / "link" do for the compare model (vs=hf:..., view_compare.cpp). Empty = not possible.
  std::function<void(const std::string& command, const std::string& arg)> hub;
  // Start loading a built-in model by name as the compare model (vs=; the engine's load_compare). Empty = not possible.
  std::function<void(const std::string& name)> request_compare;
  std::function<void()> open_compare_files;  // let the user pick a model folder to load as the compare model
};

class Renderer;  // renderer.h: GPU textures of the heatmaps + the colormap shader

// What a heatmap image shows.
enum class HeatSource { Attention, HeadMean, Rollout };

struct App {
  ViewState view;                       // what share links carry; views read and write it
  std::vector<std::string> notices;     // visible notices (e.g. parts of a link that were ignored)
  std::string last_error;               // last user-visible error message ("" = none); window.attnviz.lastError()
  std::unique_ptr<LoadedModel> model;   // the current model (kept when a new load fails)
  std::string loading_name;             // model being loaded ("" = none)
  float loading_progress = -1;          // 0..1 while a model's files download, -1 = none
  RunResult run;                        // the current run (the last result that arrived)
  // The run before `run`, kept when recycle_runs (the page): its float buffers become the next result's, so a new
  // result needs no fresh allocation of L*H*T*T floats on the UI thread (web_main.cpp attnviz_engine_begin).
  RunResult spare;
  bool recycle_runs = false;
  bool run_pending = true;              // input changed: submit a run once the debounce delay has passed
  Engine* engine = nullptr;             // runs the model off this thread (set by the platform)
  uint64_t next_request = 0;            // id of the last request submitted to the engine
  uint64_t awaited_request = 0;         // id whose result is still to come (0 = none): "running..."
  bool awaiting_model = false;          // a model load was handed to the engine and has not answered yet
  double last_edit_time = 0;            // seconds (ImGui::GetTime) of the last input change
  int hover_query = -1, hover_key = -1; // token hovered in any view (shared so views highlight together)
  float ui_scale = 1;                   // device pixel ratio (HiDPI)
  Renderer* renderer = nullptr;
  Grid grid;                            // what heatmaps show (tokens or merged groups)
  PlatformHooks platform;
  uint64_t run_count = 0;               // runs done (test hook)
  std::string wanted_hash;              // a link asked for user:<name> with this hash: the files still have to come
  bool embed = false;                   // side panels hidden (ViewState.embed, or the page was told so)
  ViewState tour_base;                  // under a lesson tour (view.tour non-empty): the link's own keys (view_tour.cpp)
  HubState hub;                         // Hub models: endpoint, offer, download progress, cache (view_hub.h)
  // "What did fine-tuning change?" (view_compare.cpp): the vs= model as the engine loaded it.
  std::unique_ptr<ModelInfo> compare;   // null = none loaded
  std::string compare_loading;          // the vs= model being loaded ("" = none)
  std::string compare_refused;          // why the last vs= model was refused ("" = none), shown in the compare view
};

// Actions (app.cpp).
void app_request_run(App& app);             // debounced: the text or options changed
// Submits a run of the current input to the engine now (latest wins); its result is applied by app_poll_engine when
// it arrives. False when there is no model or engine.
bool app_run_now(App& app);
// Applies what the engine handed back (results, loaded models, errors); call once per frame and whenever the
// platform hears from the engine. Returns true when something was applied.
bool app_poll_engine(App& app);
bool app_busy(const App& app);              // a run or a model load is under way (input newer than the result)
// A pending run's typing pause is over: kEditPauseS seconds since the last input change, `now` in ImGui::GetTime()'s
// clock (ui_frame then submits it; the page draws a frame for it). app_run_due_at: when that is, in the same clock
// (seconds); +infinity when no run is pending or no model is loaded.
constexpr double kEditPauseS = 0.15;
double app_run_due_at(const App& app);
bool app_run_due(const App& app, double now);
void app_set_model(App& app, const ModelInfo& info);  // swap in a model the engine loaded and re-run
// Strings of vocabulary ids that the last run's prediction lists show ("" for an id the engine did not send).
std::string app_token_display(const App& app, int id);  // Tokenizer::display_token
std::string app_token_text(const App& app, int id);     // the text appending it adds (byte-level decoded for GPT-2)
void app_set_error(App& app, const std::string& message);      // show a message, keep the current model
int app_n_layers(const App& app);
int app_n_heads(const App& app);
int app_n_tokens(const App& app);
const float* app_attention(const App& app, int layer, int head);  // (T, T) row-major, null when no run
// Hands a model's files (base name -> bytes) to the engine to load as `name` (a user model when `user`: shown as
// "user:<name>", hashed with files_hash). The answer arrives through app_poll_engine: the model is swapped in, or
// last_error says why not and the current model stays.
void app_load_model(App& app, std::map<std::string, std::string> files, const std::string& name, bool user);
// What to do with a load the engine answered (app_poll_engine calls these; the page calls them for its worker).
void app_model_loaded(App& app, const ModelInfo& info);
void app_model_failed(App& app, const std::string& message);
// The tokenizer's answers the views need, from the current model's info and the strings the engine sent with the last
// run (the app holds no vocabulary): the same names as Tokenizer's, so view code reads the same.
struct RunVocab {
  const App& app;
  int mask_id() const;
  std::string mask_token() const;  // the mask token's string ("[MASK]", "<mask>"); "[MASK]" when unknown
  int eos_id() const;
  TokenizerKind kind() const;
  std::string display_token(int id) const;  // "" for an id the run did not send
  std::string id_to_token(int id) const;    // ditto
};
// Share links: applies a fragment (decode, notices, clamp to the model, request another model if it names one).
void app_apply_fragment(App& app, const std::string& fragment);
std::string app_fragment(const App& app);    // the current state as a fragment (compact when the text is long)
void app_update_grid(App& app);             // rebuild `grid` if the run or the merge mode changed
const float* app_grid_matrix(const App& app, HeatSource src, int layer, int head);  // (G, G), null when no run
// Test hook / console: the state as a JSON object (keys model, text, pair, view, layer, head, token, cmap, scale,
// threshold, hide_special, merge, knockout, embed, hash) and a partial update in the same keys (runs at once).
std::string app_state_json(const App& app);
Status app_set_state_json(App& app, const std::string& json);

// Drawing helpers shared by the views (draw_util.cpp / renderer.cpp).
// Draws (layer, head) of `src` as a colormapped image of `size` pixels at the cursor (one textured quad through
// the colormap shader; textures are uploaded once per run, not per frame). Returns true when clicked.
bool draw_heatmap(App& app, HeatSource src, int layer, int head, float width, float height);
uint32_t colormap_color(Colormap cm, float t);     // ImU32 (ABGR) for t in [0, 1], for CPU-drawn lines and cells
uint32_t diverging_color(float t);  // ImU32 for t in [-1, 1]: blue (-) white (0) red (+), ColorBrewer RdBu (view_compare)
float scaled_weight(const ViewState& s, float w);  // threshold then linear/sqrt/log scale, into [0, 1]
std::string token_label(const App& app, int i);    // display label of token i
// Text about to be drawn that may hold characters not yet in the font atlas (CJK): the atlas grows before the next
// frame (fonts.cpp). token_label and the run's tokens/text call it already; call it for other vocabulary strings
// (e.g. predictions). Sizes in views are CSS pixels (HiDPI is handled by the framebuffer scale).
void note_glyphs(std::string_view utf8);

// The views (each in its own view_<name>.cpp). Each draws into the current ImGui window/child region.
void draw_input_panel(App& app);
void draw_options_panel(App& app);
void draw_model_view(App& app);       // all layers x heads as small heatmaps; click selects
void draw_matrix_view(App& app);      // the selected head large, labels, hover crosshair, zoom/pan, pin a row
void draw_lines_view(App& app);       // BertViz-style head view: two token columns joined by weighted lines
void draw_neuron_view(App& app);      // query/key breakdown: q, k, q*k, q.k/sqrt(d), softmax for the pinned query
void draw_rollout_view(App& app);     // mean over heads and attention rollout
void draw_stats_view(App& app);       // sortable per-head statistics table with small multiples
void draw_predictions_panel(App& app);  // MLM top 5 at [MASK], GPT-2 top 10 next (append), NER spans
void draw_knockout_panel(App& app);   // switch heads off
// Lesson tours (view_tour.cpp; steps and their link format in view_state.h). The tour is app.view.tour, the current
// step app.view.at; app.tour_base holds the keys step 0 applies on top of.
void draw_tour_bar(App& app);     // caption, Back / Next, k / n and the step list, when a tour is present
void draw_tour_panel(App& app);   // authoring: Add step, caption, Update step, Move up/down, Delete step, Copy tour link
void tour_go(App& app, int k);    // show step k's state (clamped into the tour); re-runs when its text differs
void tour_add_step(App& app);     // record the current view as a step after the current one (the first: the base)
void tour_update_step(App& app);  // replace the current step's view by the current view
void tour_move_step(App& app, int k, int to);  // swap steps k and to, keeping every step's view
void tour_delete_step(App& app, int k);
std::string tour_fragment(const App& app, bool from_start);  // the tour's link (at=0 when from_start)
std::string tour_json(const App& app);  // the steps as a JSON array of {say, view, layer, ...} (state() names)
// Test hook: setState's "tour" (a JSON array as tour_json gives, "" = absent) and "at" (JSON number, "" = absent).
// Returns "" or what was wrong (the key and why).
std::string tour_set_json(App& app, const std::string& tour, const std::string& at);
struct TourExample {
  std::string label;     // key (i18n.h) of its name in the Examples menu
  std::string fragment;  // the tour's link (model, text, steps)
};
const std::vector<TourExample>& tour_examples();  // captions in the current language (i18n.h)

// "What did fine-tuning change?" (view_compare.cpp). The compare model is view.vs; its run results come with the
// current model's (RunResult::compare_*).
void draw_compare_view(App& app);  // layers x heads grid of differences; the selected head's two matrices + difference
// Asks the platform for view.vs when it differs from the loaded compare model (built-ins; hf: is offered / opened from
// the cache like model=hf:; user: gets a notice);
// waits for the current model first. vs empty: stops comparing.
void app_request_compare(App& app);
void app_compare_loaded(App& app, const ModelInfo& info);  // the engine loaded the compare model: re-run
// The engine refused or failed the compare model (`info`: the refused model's, when its files loaded; may be null):
// a message (tr) naming what differs; the current model and any previous compare model stay.
void app_compare_failed(App& app, const ModelInfo* info, const std::string& error);
// Test hook compare(): {"layers", "heads", "mean_abs": [L*H], "js": [L*H], "model", "vs"}, or "null" when the
// current run carries no comparison.
std::string app_compare_json(const App& app);
// The Examples menu's demo link: zh-bert-ner-mini against zh-bert-mini (the model it was fine-tuned from).
std::string compare_demo_fragment();

// Menu items (call inside a BeginMenu/BeginPopup): attention of the selected head / all heads as JSON or CSV, and a
// PNG of the page at 2x, through PlatformHooks.download / save_png (view_export.cpp).
void draw_export_menu(App& app);

}  // namespace attnviz
