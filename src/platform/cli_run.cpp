// attnviz run / attnviz bench: the transformer engine from the command line (natively and as wasm under node).
// run: JSON lines in, one safetensors file of every case's tensors out. bench: times the forward pass.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli.h"
#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#else
#include <ctime>
#endif
#include "folder.h"
#include "gemm.h"
#include "model.h"
#include "safetensors.h"
#include "tokenizer.h"

namespace attnviz {

namespace {

using json = nlohmann::json;

int fail(const std::string& msg) {
  std::fprintf(stderr, "%s\n", msg.c_str());
  return 1;
}

// Parses "--key value" pairs; unknown keys or a missing value fail.
bool parse_args(int argc, char** argv, const std::vector<std::string>& keys, std::vector<std::string>* values,
                std::string* err) {
  values->assign(keys.size(), std::string());
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    auto it = std::find(keys.begin(), keys.end(), a);
    if (it == keys.end()) {
      *err = "unknown option '" + a + "'";
      return false;
    }
    if (i + 1 >= argc) {
      *err = "option " + a + " needs a value";
      return false;
    }
    (*values)[it - keys.begin()] = argv[++i];
  }
  return true;
}

// A positive integer argument, or -1.
int parse_positive(const std::string& s) {
  if (s.empty() || s.size() > 9) return -1;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v > 0 ? v : -1;
}

// CPU time of this process in ms: on a shared machine it moves much less than wall time when other processes run.
double cpu_ms() {
#if defined(__EMSCRIPTEN__)
  return EM_ASM_DOUBLE({
    if (typeof process === 'undefined' || !process.cpuUsage) return -1;
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  });
#else
  timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return -1;
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
#endif
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

std::string base_name(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const size_t slash = dir.find_last_of('/');
  return slash == std::string::npos ? dir : dir.substr(slash + 1);
}

}  // namespace

int cli_run(int argc, char** argv) {
  std::vector<std::string> v;
  std::string err;
  if (!parse_args(argc, argv, {"--model", "--out", "--max-length"}, &v, &err))
    return fail("attnviz run: " + err + " (usage: attnviz run --model DIR --out FILE.safetensors [--max-length N])");
  const std::string& dir = v[0];
  const std::string& out_path = v[1];
  if (dir.empty() || out_path.empty())
    return fail("attnviz run: --model DIR and --out FILE.safetensors are required");

  FolderFiles files;
  Status s = read_folder(dir, &files);
  if (!s) return fail(s.message);
  Model model;
  s = Model::load(files.view(), dir, &model);
  if (!s) return fail(s.message);
  Tokenizer tok;
  s = Tokenizer::load(files.view(), dir, &tok);
  if (!s) return fail(s.message);
  const ModelConfig& c = model.config();
  int max_length = c.max_positions;
  if (!v[2].empty()) {
    const int n = parse_positive(v[2]);
    if (n < 0) return fail("attnviz run: --max-length '" + v[2] + "' is not a positive integer");
    max_length = std::min(n, c.max_positions);
  }

  SafeTensorsWriter writer;
  Activations a;
  std::string line;
  int line_no = 0, case_no = 0;
  while (std::getline(std::cin, line)) {
    line_no++;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = "stdin line " + std::to_string(line_no);
    replace_lone_surrogate_escapes(&line);
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(where + ": not a JSON object");
    auto text = j.find("text");
    if (text == j.end() || !text->is_string()) return fail(where + ": missing string \"text\"");
    std::string pair;
    auto p = j.find("text_pair");
    if (p != j.end() && !p->is_null()) {
      if (!p->is_string()) return fail(where + ": \"text_pair\" must be a string");
      pair = p->get_ref<const std::string&>();
    }
    EncodeOptions eo;
    eo.max_length = max_length;
    Encoding enc = tok.encode(text->get_ref<const std::string&>(), pair, eo);
    if (enc.truncated || static_cast<int>(enc.ids.size()) > max_length) {
      std::fprintf(stderr, "attnviz run: warning: %s truncated to %d tokens (the limit)\n", where.c_str(), max_length);
      if (static_cast<int>(enc.ids.size()) > max_length) {
        enc.ids.resize(max_length);
        if (enc.type_ids.size() > static_cast<size_t>(max_length)) enc.type_ids.resize(max_length);
      }
    }
    if (enc.ids.empty()) return fail(where + ": the text gives no tokens");
    ForwardOptions opt;
    opt.all_positions = true;
    std::vector<int32_t> types = c.family == Family::Bert ? enc.type_ids : std::vector<int32_t>{};
    if (!types.empty() && types.size() != enc.ids.size()) types.clear();
    s = model.forward(enc.ids, types, opt, &a);
    if (!s) return fail(where + ": " + s.message);
    const int64_t T = a.T, L = c.n_layers, H = c.n_heads, D = c.d_model;
    const std::string k = "case" + std::to_string(case_no++);
    writer.add_i32(k + ".input_ids", {T}, enc.ids.data());
    if (c.family == Family::Bert) {
      std::vector<int32_t> tt = types.empty() ? std::vector<int32_t>(T, 0) : types;
      writer.add_i32(k + ".token_type_ids", {T}, tt.data());
    }
    writer.add_f32(k + ".attentions", {L, H, T, T}, a.attentions.data());
    writer.add_f32(k + ".hidden_states", {L + 1, T, D}, a.hidden.data());
    if (a.logit_cols > 0 && !a.logits.empty())
      writer.add_f32(k + ".logits", {static_cast<int64_t>(a.logits.size() / a.logit_cols), a.logit_cols},
                     a.logits.data());
  }
  if (std::cin.bad()) return fail("attnviz run: error reading stdin");
  const std::string bytes = writer.finish();
  std::ofstream f(out_path, std::ios::binary | std::ios::trunc);
  if (!f) return fail(out_path + ": cannot open for writing");
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) return fail(out_path + ": write error (disk full?)");
  return 0;
}

int cli_bench(int argc, char** argv) {
  std::vector<std::string> v;
  std::string err;
  if (!parse_args(argc, argv, {"--model", "--tokens", "--iters", "--lm"}, &v, &err))
    return fail("attnviz bench: " + err + " (usage: attnviz bench --model DIR --tokens N [--iters K] [--lm all|none])");
  const std::string& dir = v[0];
  if (dir.empty() || v[1].empty()) return fail("attnviz bench: --model DIR and --tokens N are required");
  const int T = parse_positive(v[1]);
  if (T < 0) return fail("attnviz bench: --tokens '" + v[1] + "' is not a positive integer");
  const int iters = v[2].empty() ? 10 : parse_positive(v[2]);
  if (iters < 0) return fail("attnviz bench: --iters '" + v[2] + "' is not a positive integer");
  const std::string lm = v[3].empty() ? "all" : v[3];
  if (lm != "all" && lm != "none") return fail("attnviz bench: --lm must be all or none");

  FolderFiles files;
  Status s = read_folder(dir, &files);
  if (!s) return fail(s.message);
  Model model;
  s = Model::load(files.view(), dir, &model);
  if (!s) return fail(s.message);
  const ModelConfig& c = model.config();
  if (T > c.max_positions)
    return fail("attnviz bench: --tokens " + std::to_string(T) + " is more than the model's " +
                std::to_string(c.max_positions) + " positions");
  // A fixed pseudo-random input: the cost does not depend on which ids they are.
  std::vector<int32_t> ids(T);
  for (int t = 0; t < T; t++) ids[t] = static_cast<int32_t>((1000003ull * (t + 1)) % static_cast<uint64_t>(c.vocab_size));
  ForwardOptions opt;
  opt.all_positions = lm == "all";
  Activations a;
  s = model.forward(ids, {}, opt, &a);  // warm-up: sizes every buffer
  if (!s) return fail(dir + ": " + s.message);
  std::vector<double> ms, cpu;
  for (int i = 0; i < iters; i++) {
    const double c0 = cpu_ms();
    const auto t0 = std::chrono::steady_clock::now();
    (void)model.forward(ids, {}, opt, &a);
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = cpu_ms();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    cpu.push_back(c1 - c0);
  }
  const double median = median_of(ms);
  const double ms_min = *std::min_element(ms.begin(), ms.end());
  const double flops = model.flops(T) + (opt.all_positions ? model.flops_lm(T) : 0.0);
  json out = {{"model", base_name(dir)},
              {"tokens", T},
              {"ms_median", std::round(median * 1000) / 1000},
              {"ms_min", std::round(ms_min * 1000) / 1000},
              {"cpu_ms_median", std::round(median_of(cpu) * 1000) / 1000},
              {"gflops", std::round(flops / (median * 1e6) * 100) / 100},
              {"iters", iters},
              {"lm_head", lm},
              {"gemm", gemm_backend()}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace attnviz
