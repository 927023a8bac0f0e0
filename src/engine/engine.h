// Engine: the core (tokenizer, model, analysis) behind one small interface that the app talks to and never waits on:
// load a model (files in, ModelInfo out), submit a run (text, pair, knocked-out heads, which outputs), take back what
// arrived; latest wins. Implementations: a std::thread natively (engine_thread.cpp), a Web Worker running the core's
// own wasm build in the page (src/platform/web_engine.cpp + web/engine_worker.js). Core + std only: no ImGui, GL,
// emscripten. Layers: core <- engine <- app.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis.h"
#include "model.h"
#include "status.h"
#include "tokenizer.h"

namespace attnviz {

// What the app knows of a loaded model: never the weights or the vocabulary, which stay in the engine.
struct ModelInfo {
  std::string name;        // "zh-bert-mini", ... or "user:<folder name>"
  std::string hash;        // files_hash of a user model's files, "" for built-ins
  ModelConfig cfg;         // config.json as the model loader understood it (labels filled from the weights)
  int mask_id = -1, cls_id = -1, sep_id = -1, eos_id = -1;  // tokenizer ids (-1 = the tokenizer has none)
  std::string mask_token;  // the mask token's string ("[MASK]", "<mask>"); "" when the tokenizer has none
  bool byte_level = false;  // GPT-2 byte-level BPE: a token's text is byte_level_decode(token)
  int tokenizer_vocab = 0;  // ids the tokenizer knows, added tokens included
  const ModelConfig& config() const { return cfg; }
};

// One run to do. Outputs beyond attentions and logits only when a view that shows them is open.
struct RunRequest {
  uint64_t id = 0;              // increasing per request (set by the app); results carry it back
  std::string text, pair;       // pair: BERT's second segment ("" = none; ignored by GPT-2)
  std::vector<uint8_t> head_mask;  // (L*H) 1 = knocked out; empty = none
  bool want_qkv = false;        // q/k/v per head (the neuron view)
  bool want_summaries = true;   // head means, rollout, per-head stats (model, matrix, rollout, stats views)
  bool want_compare = false;    // also run the compare model (Engine::load_compare) on the same tokens and head_mask
  // Nonzero: only the summaries (head means, rollout, stats) of that earlier run, computed from the engine's cache of
  // its last completed run, with no forward pass (a view that shows them was opened after a run without them). When
  // the engine no longer holds that run it runs text/pair/head_mask in full instead (want_summaries implied).
  uint64_t summaries_of = 0;
};

// A vocabulary entry the result's prediction lists may show (ids in the top 12 of a logits row).
struct TokenText {
  std::string display;  // Tokenizer::display_token
  std::string token;    // Tokenizer::id_to_token (byte-level pieces for GPT-2)
};

// One run of the model on one input, and everything derived from it that the views draw.
struct RunResult {
  bool valid = false;
  uint64_t request_id = 0;         // RunRequest::id this answers
  Encoding enc;                    // tokens, ids, offsets, display forms
  Activations act;                 // attentions (L,H,T,T), q/k/v when asked (else empty), logits; hidden not kept
  std::vector<float> rollout;      // (L, T, T) attention rollout through layer l (empty unless want_summaries)
  std::vector<float> head_mean;    // (L, T, T) mean over heads per layer (empty unless want_summaries)
  std::vector<HeadStats> stats;    // (L*H) per-head statistics (empty unless want_summaries)
  std::vector<uint8_t> is_cls, is_sep;  // (T)
  std::map<int, TokenText> vocab;  // strings of the ids prediction lists may show
  double ms = 0;                   // forward time (ms), summaries excluded
  double total_ms = 0;             // tokenize + forward + summaries (ms), in the engine
  bool truncated = false;          // input cut to the model's position limit
  uint64_t generation = 0;         // set by the app: increments per applied run (views cache on it)
  // "What did fine-tuning change?" (want_compare with a compare model loaded): the compare model's attentions on the
  // same tokens, and per head (analysis.h head_difference, this model's attention against the compare model's).
  std::string compare_model;              // the compare model's name ("" = no comparison in this result)
  std::vector<float> compare_attentions;  // (L, H, T, T) the compare model's attentions
  std::vector<float> compare_mean_abs;    // (L*H) mean |a - b| over the T*T entries
  std::vector<float> compare_js;          // (L*H) Jensen-Shannon divergence (bits) per query row, averaged
  std::string compare_error;              // "shape" when the compare model no longer fits the current one
  // Nonzero: the answer to a RunRequest::summaries_of — only rollout, head_mean and stats (and T) of run
  // `summaries_of`, to merge into that run; everything else is empty.
  uint64_t summaries_of = 0;
};

// What an engine hands back (Engine::poll).
struct EngineEvent {
  enum class Kind { Loaded, LoadFailed, Result, RunFailed, Cancelled, CompareLoaded, CompareFailed };
  Kind kind = Kind::Result;
  uint64_t request_id = 0;  // Result / RunFailed / Cancelled
  ModelInfo info;           // Loaded, CompareLoaded; CompareFailed: the refused model's (name empty when unreadable)
  std::string error;        // LoadFailed / RunFailed: a message for the user
  std::unique_ptr<RunResult> run;  // Result
};

// Counters of what the engine did (window.attnviz.info().engine): requests dropped before they started, passes
// started, passes abandoned at a layer boundary, passes completed.
// `cached`: summary requests (RunRequest::summaries_of) answered from the last run without a pass; every submitted
// request is started, dropped or cached.
struct EngineCounters {
  uint64_t submitted = 0, dropped = 0, started = 0, abandoned = 0, completed = 0, cached = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Loads a model from its files (base name -> bytes; moved in). `user`: a model of the user's (named "user:<name>",
  // hashed with files_hash). Answers with a Loaded or LoadFailed event; the current model stays until Loaded.
  virtual void load(std::map<std::string, std::string> files, const std::string& name, bool user) = 0;
  // Latest wins: a request not yet started is replaced by a newer one (dropped), and the pass in flight is abandoned
  // at its next layer boundary (a Cancelled event).
  virtual void submit(RunRequest request) = 0;
  // Loads a second model to compare the current one with (RunRequest::want_compare): the same tokenizer and shape as
  // the current model, else refused. Answers CompareLoaded or CompareFailed; the current model is never touched.
  virtual void load_compare(std::map<std::string, std::string> files, const std::string& name, bool user) = 0;
  virtual void cancel() = 0;  // abandons the pass in flight and drops the queued request
  // Takes one event that arrived (non-blocking); false when there is none.
  virtual bool poll(EngineEvent* out) = 0;
  virtual EngineCounters counters() const = 0;
  // For the status bar: "threads: 2", "single-threaded (page not cross-origin isolated)".
  virtual std::string threads_label() const = 0;
  virtual int threads() const = 0;
};

// The work itself, shared by every implementation: owns the model and tokenizer of one engine.
class EngineCore {
 public:
  // Loads `files` as model `name` (+ user prefix / hash). On failure keeps the current model and returns the error.
  // `owners` (optional, see Model::load): float32 weights are then used in place in the files' bytes, which the
  // model keeps. While a new model loads the current one stays: both are in memory until the swap.
  // `sources` (optional, see Model::load): weight files absent from `files`, read by range (the page's F16/BF16
  // safetensors, kept outside the wasm heap); they count in a user model's hash like files.
  Status load(const FileMap& files, const std::string& name, bool user, ModelInfo* info,
              const FileOwners* owners = nullptr, const ByteSources* sources = nullptr);
  bool loaded() const { return loaded_; }
  // Tokenizes, runs (asking `cancelled` before each layer; then returns kCancelled) and summarises what `req` asks.
  Status run(const RunRequest& req, const std::function<bool()>& cancelled, RunResult* out);
  // Loads a compare model. Refused (error, *info filled when the files loaded) when a model is loaded and its
  // tokenizer (every token of the vocabulary) or shape (layers, heads, hidden size) differs; the message names what.
  // With no model loaded yet it is kept and checked at each later load. On failure the previous compare model stays.
  Status load_compare(const FileMap& files, const std::string& name, bool user, ModelInfo* info,
                      const FileOwners* owners = nullptr,
                      const ByteSources* sources = nullptr);  // owners, sources: as for load
  bool compare_loaded() const { return compare_loaded_; }
  // Answers a RunRequest::summaries_of from `last` (the engine's last completed run: attentions, T, is_cls, is_sep):
  // computes its head means, rollout and stats once (cached in `last`), and copies them into `out` (summaries_of set,
  // the rest empty). False when `last` is not that run (invalid, another id, no attentions): run the request instead.
  static bool summarize(const RunRequest& req, int n_layers, int n_heads, RunResult* last, RunResult* out);
  const ModelConfig& config() const { return model_.config(); }

 private:
  Model model_;
  Tokenizer tokenizer_;
  ModelInfo info_;
  bool loaded_ = false;
  Model compare_model_;  // the second model of "what did fine-tuning change?"
  Tokenizer compare_tokenizer_;
  ModelInfo compare_info_;
  bool compare_loaded_ = false;
  bool compare_fits_ = false;  // same tokenizer and shape as the current model
};

// Why two models cannot be compared head by head: "" when they can; else a message naming the difference
// (layers/heads/hidden size, or the tokenizers' vocabularies). Starts with "shape:" or "tokenizer:" (the app's tr key).
std::string compare_mismatch(const ModelConfig& a, const Tokenizer& ta, const ModelConfig& b, const Tokenizer& tb);

// FNV-1a 64 over file names and bytes (config of generation/training left out), 16 hex digits: a user model's hash.
std::string files_hash(const FileMap& files);
// The same hash over `files` and `sources` together (by name; a name in both counts once, from `files`): the value
// files_hash gives when every source's bytes are in the map. "" when a source read fails.
std::string files_hash(const FileMap& files, const ByteSources& sources);

// A std::thread engine (the desktop viewer, tests). `threads`: threads of parallel.h for the forward pass.
std::unique_ptr<Engine> make_thread_engine(int threads);

// The worker protocol of the page (engine_codec.cpp): requests, model info and a result's non-tensor part as JSON;
// a result's tensors travel as separate float buffers (transferable ArrayBuffers), named by result_buffers.
std::string request_to_json(const RunRequest& r);
bool request_from_json(const std::string& s, RunRequest* r);
std::string info_to_json(const ModelInfo& m);
bool info_from_json(const std::string& s, ModelInfo* m);
std::string result_header_json(const RunResult& r);
bool result_from_header_json(const std::string& s, RunResult* r);  // sizes the float buffers from the header
// The same, leaving the float buffers as they are and putting their sizes (result_buffers order, floats) in `sizes`:
// the page sizes buffers it recycles from an earlier result (no fresh 150 MB allocation per result).
bool result_from_header_json(const std::string& s, RunResult* r, std::vector<size_t>* sizes);
// The float buffers of a result, in a fixed order: attentions, q, k, v, logits, rollout, head_mean,
// compare_attentions, compare_mean_abs, compare_js.
std::vector<std::pair<const char*, std::vector<float>*>> result_buffers(RunResult* r);

}  // namespace attnviz
