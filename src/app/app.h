// App: the viewer's state above the core — the loaded model and tokenizer, the current run (tokens, activations,
// summaries), the view state that share links carry, and the GPU textures of the heatmaps. ImGui/GL live here and
// in the views; emscripten does not (platform code calls in through the functions below).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis.h"
#include "model.h"
#include "tokenizer.h"
#include "view_state.h"

namespace attnviz {

struct LoadedModel {
  std::string name;   // "zh-bert-mini", ... or "user:<folder name>"
  std::string hash;   // hex hash of the files (user models), "" for built-ins
  Model model;
  Tokenizer tokenizer;
};

// One run of the model on the current input, and everything derived from it that the views draw.
struct RunResult {
  bool valid = false;
  Encoding enc;                    // tokens, ids, offsets, display forms
  Activations act;                 // attentions (L,H,T,T), q/k/v, hidden, logits
  std::vector<float> rollout;      // (L, T, T) attention rollout through layer l
  std::vector<float> head_mean;    // (L, T, T) mean over heads per layer
  std::vector<HeadStats> stats;    // (L*H) per-head statistics
  std::vector<uint8_t> is_cls, is_sep;  // (T)
  double ms = 0;                   // forward time
  bool truncated = false;          // input cut to the model's position limit
  uint64_t generation = 0;         // increments per run (views cache on it; textures re-upload on change)
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
  RunResult run;                        // the current run
  bool run_pending = true;              // input changed: re-run once the debounce delay has passed
  double last_edit_time = 0;            // seconds (ImGui::GetTime) of the last input change
  int hover_query = -1, hover_key = -1; // token hovered in any view (shared so views highlight together)
  float ui_scale = 1;                   // device pixel ratio (HiDPI)
  Renderer* renderer = nullptr;
};

// Actions (app.cpp).
void app_request_run(App& app);             // debounced: the text or options changed
bool app_run_now(App& app);                 // tokenize + forward + summaries now; false (and last_error) on failure
void app_set_model(App& app, std::unique_ptr<LoadedModel> m);  // swap in a loaded model and re-run
void app_set_error(App& app, const std::string& message);      // show a message, keep the current model
int app_n_layers(const App& app);
int app_n_heads(const App& app);
int app_n_tokens(const App& app);
const float* app_attention(const App& app, int layer, int head);  // (T, T) row-major, null when no run

// Drawing helpers shared by the views (draw_util.cpp / renderer.cpp).
// Draws (layer, head) of `src` as a colormapped image of `size` pixels at the cursor (one textured quad through
// the colormap shader; textures are uploaded once per run, not per frame). Returns true when clicked.
bool draw_heatmap(App& app, HeatSource src, int layer, int head, float width, float height);
uint32_t colormap_color(Colormap cm, float t);     // ImU32 (ABGR) for t in [0, 1], for CPU-drawn lines and cells
float scaled_weight(const ViewState& s, float w);  // threshold then linear/sqrt/log scale, into [0, 1]
std::string token_label(const App& app, int i);    // display label of token i

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

}  // namespace attnviz
