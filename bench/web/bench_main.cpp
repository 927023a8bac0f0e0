// The browser benchmark's wasm (bench/web, run by scripts/bench-web.mjs): the core's pthreads build behind five C
// functions a Web Worker calls, so the forward pass is timed in the same browser as onnxruntime-web. Not the product:
// built only on request (`cmake --build --preset web --target attnviz_bench_mt`), never part of the page.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "model.h"
#include "parallel.h"

using namespace attnviz;

namespace {
std::map<std::string, std::string> g_names;  // file name -> itself (stable keys for the string_views below)
FileMap g_files;                             // views of malloc'ed bytes the JS side filled (kept until exit)
Model g_model;
Activations g_act;
std::string g_error;
}  // namespace

extern "C" {

// Registers `len` bytes at `data` (malloc'ed and filled by JS, owned from now on) as the model file `name`.
void bench_add_file(const char* name, const char* data, double len) {
  g_files[name] = std::string_view(data, static_cast<size_t>(len));
}

// Loads the registered files as the model. Returns "" or the loader's message.
const char* bench_load() {
  Status s = Model::load(g_files, "bench model", &g_model);
  g_error = s ? "" : s.message;
  return g_error.c_str();
}

// Sets the pool's thread count (1..kMaxThreads); returns the count in effect.
int bench_set_threads(int n) {
  parallel_set_threads(n);
  return parallel_threads();
}

// One forward pass over T fixed pseudo-random ids (the same as `attnviz bench` and bench/ort), the LM head at every
// position when lm_all != 0. Returns the last hidden state (T, D) row-major in the wasm heap, or 0 on error.
const float* bench_run(int T, int lm_all) {
  const ModelConfig& c = g_model.config();
  if (T <= 0 || T > c.max_positions) return nullptr;
  std::vector<int32_t> ids(T);
  for (int t = 0; t < T; t++) ids[t] = static_cast<int32_t>((1000003ull * (t + 1)) % static_cast<uint64_t>(c.vocab_size));
  ForwardOptions opt;
  opt.all_positions = lm_all != 0;
  if (!g_model.forward(ids, {}, opt, &g_act)) return nullptr;
  return g_act.hidden.data() + static_cast<size_t>(c.n_layers) * T * c.d_model;
}

// Multiply-adds x2 of one pass (for GFLOP/s), as `attnviz bench` counts them; the hidden size D.
double bench_flops(int T, int lm_all) { return g_model.flops(T) + (lm_all ? g_model.flops_lm(T) : 0.0); }
int bench_hidden_size() { return g_model.config().d_model; }

}  // extern "C"
