// engine_worker_main: the engine's own wasm build, run by web/engine_worker.js inside a Web Worker (single-threaded,
// or with pthreads when the page is cross-origin isolated). Exports: files in, model load, one run at a time with
// its tensors left in this heap for the JS to copy into transferable buffers. The page's main thread never runs this.
#include <emscripten.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "engine.h"
#include "parallel.h"
#include "safetensors.h"

using namespace attnviz;

namespace {

EngineCore g_core;
// Handed over by JS until the load: each file's bytes stay in the buffer JS malloc'ed and filled (no copy), owned
// here and then by the model, which uses its float32 weights in place.
std::map<std::string, std::shared_ptr<const void>> g_owners;
FileMap g_files;
RunResult g_result;                          // the last run's result (its buffers are read by JS; summarize's cache)
RunResult g_summary;                         // the answer to a summaries_of request (its buffers are read by JS)
RunResult* g_out = &g_result;                // what the last engine_run answered with
std::string g_ret;                           // storage for strings returned to JS

// F16/BF16 safetensors files stay in the worker's JS memory (self.attnvizSources: id -> Uint8Array) until the load
// has converted them tensor by tensor: only their floats ever enter this heap (issue 11, memory).
ByteSources g_sources;

// Copies bytes [offset, offset + len) of JS source `id` to dst in this heap; 0 when the source or range is unknown.
// (A fresh view of wasmMemory: the heap may have grown since HEAPU8 was made.)
EM_JS(int, js_source_read, (int id, double offset, double len, char* dst), {
  const src = self.attnvizSources && self.attnvizSources.get(id);
  if (!src || !(offset >= 0) || !(len >= 0) || offset + len > src.length) return 0;
  new Uint8Array(wasmMemory.buffer).set(src.subarray(offset, offset + len), dst >>> 0);
  return 1;
});

// A file kept on the JS side, read by range.
class JsByteSource : public ByteSource {
 public:
  JsByteSource(int id, uint64_t size) : id_(id), size_(size) {}
  uint64_t size() const override { return size_; }
  bool read(uint64_t offset, size_t len, void* dst) const override {
    if (!range_inside(offset, len, size_)) return false;
    return len == 0 || js_source_read(id_, static_cast<double>(offset), static_cast<double>(len), static_cast<char*>(dst)) == 1;
  }

 private:
  int id_;
  uint64_t size_;
};

// The newest request id the page has sent (a SharedArrayBuffer it writes; 0 = unknown, never cancels). A pass for any
// other id is abandoned at its next layer boundary.
EM_JS(double, js_newest_request, (), { return self.attnvizNewest ? self.attnvizNewest() : 0; });

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void engine_set_threads(int n) { parallel_set_threads(n); }
EMSCRIPTEN_KEEPALIVE int engine_threads() { return parallel_threads(); }

// Files are about to be handed over: drops any left from an earlier hand-over (a failed load's). The last run stays.
EMSCRIPTEN_KEEPALIVE void engine_files_begin() {
  g_files.clear();
  g_owners.clear();
  g_sources.clear();
}

// Offers the file `name` (`len` bytes) that JS keeps as self.attnvizSources.get(id): returns 1 when the engine will
// read it by range during the next load (a safetensors file with F16/BF16 tensors, checked from its header), 0 when
// JS should hand it over whole with engine_add_file instead (float32 weights are used in place in its bytes).
EMSCRIPTEN_KEEPALIVE int engine_add_source(const char* name, int id, double len) {
  auto src = std::make_shared<JsByteSource>(id, static_cast<uint64_t>(len));
  if (!has_half_precision_tensors(*src)) return 0;
  g_sources[name ? name : ""] = std::move(src);
  return 1;
}

// A load of a new current model begins: the last run's result is no longer needed (JS copied it out, and it belongs
// to the outgoing model), so its memory is free for the new model's files. The current model stays until the new one
// has loaded. A compare model's load calls engine_files_begin only: the last run keeps answering summaries.
EMSCRIPTEN_KEEPALIVE void engine_load_begin() {
  g_result = RunResult();
  g_summary = RunResult();
  g_out = &g_result;
  engine_files_begin();
}

// JS mallocs `data` and fills it; the file owns it from here on (freed when neither the file map nor a model that
// uses its bytes in place holds it any more).
EMSCRIPTEN_KEEPALIVE void engine_add_file(const char* name, char* data, double len) {
  const std::string key = name ? name : "";
  g_owners[key] = std::shared_ptr<const void>(data, [](const void* p) { free(const_cast<void*>(p)); });
  g_files[key] = std::string_view(data, static_cast<size_t>(len));
}

// Bytes of this wasm memory (it only grows, so this is also its peak): what holds the model, its runs and the files
// being loaded.
EMSCRIPTEN_KEEPALIVE double engine_heap_bytes() { return static_cast<double>(__builtin_wasm_memory_size(0)) * 65536.0; }

// Loads the handed-over files as `name` (a user model when user != 0). Returns {"ok": true, "info": ModelInfo} or
// {"ok": false, "error": message}; the current model stays on failure. The files are released either way.
EMSCRIPTEN_KEEPALIVE const char* engine_load(const char* name, int user) {
  ModelInfo info;
  Status st = g_core.load(g_files, name ? name : "model", user != 0, &info, &g_owners, &g_sources);
  g_files.clear();
  g_owners.clear();  // what the new model uses in place stays with it; the rest (and a failed load's files) is freed
  g_sources.clear();  // JS drops the buffers it kept
  if (st.ok) g_result = RunResult{};  // the old model's run: nothing to summarise any more
  nlohmann::json j;
  j["ok"] = st.ok;
  if (st.ok) j["info"] = info_to_json(info);
  else j["error"] = st.message;
  g_ret = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return g_ret.c_str();
}

// Loads the handed-over files as the compare model (EngineCore::load_compare). Returns {"ok": true, "info": ModelInfo}
// or {"ok": false, "error": message, "info": the refused model's ModelInfo when its files loaded}.
EMSCRIPTEN_KEEPALIVE const char* engine_load_compare(const char* name, int user) {
  ModelInfo info;
  Status st = g_core.load_compare(g_files, name ? name : "model", user != 0, &info, &g_owners, &g_sources);
  g_files.clear();
  g_owners.clear();  // as in engine_load
  g_sources.clear();
  nlohmann::json j;
  j["ok"] = st.ok;
  if (!info.name.empty()) j["info"] = info_to_json(info);
  if (!st.ok) j["error"] = st.message;
  g_ret = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return g_ret.c_str();
}

// Runs one request (engine_codec JSON). Returns {"ok": true, "header": ...} (the buffers then wait in engine_buffer),
// {"ok": false, "cancelled": true} for a pass abandoned between layers, or {"ok": false, "error": message}.
EMSCRIPTEN_KEEPALIVE const char* engine_run(const char* request) {
  RunRequest req;
  nlohmann::json j;
  if (!request || !request_from_json(request, &req)) {
    j = {{"ok", false}, {"error", "engine: unreadable request"}};
  } else {
    const uint64_t id = req.id;
    const ModelConfig& cfg = g_core.config();
    g_summary = RunResult{};
    if (req.summaries_of != 0 && g_core.loaded() &&
        EngineCore::summarize(req, cfg.n_layers, cfg.n_heads, &g_result, &g_summary)) {
      g_out = &g_summary;  // from the last run, no pass
      j = {{"ok", true}, {"cached", true}, {"header", result_header_json(g_summary)}};
      g_ret = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return g_ret.c_str();
    }
    if (req.summaries_of != 0) {  // the last run here is another one: run this one in full, with its summaries
      req.summaries_of = 0;
      req.want_summaries = true;
    }
    g_out = &g_result;
    Status st = g_core.run(req, [id] {
      const double newest = js_newest_request();
      return newest != 0 && newest != static_cast<double>(id);
    }, &g_result);
    if (st.ok) j = {{"ok", true}, {"header", result_header_json(g_result)}};
    else if (st.message == kCancelled) j = {{"ok", false}, {"cancelled", true}};
    else j = {{"ok", false}, {"error", st.message}};
  }
  g_ret = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return g_ret.c_str();
}

// Buffer `index` of the last result (result_buffers order): its floats and their count.
EMSCRIPTEN_KEEPALIVE const float* engine_buffer(int index) {
  auto b = result_buffers(g_out);
  return index >= 0 && index < static_cast<int>(b.size()) ? b[index].second->data() : nullptr;
}
EMSCRIPTEN_KEEPALIVE double engine_buffer_size(int index) {
  auto b = result_buffers(g_out);
  return index >= 0 && index < static_cast<int>(b.size()) ? static_cast<double>(b[index].second->size()) : 0;
}

}  // extern "C"

int main() { return 0; }
