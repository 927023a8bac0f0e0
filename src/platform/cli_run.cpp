// attnviz run / attnviz bench: the transformer engine from the command line (natively and as wasm under node).
// run: JSON lines in, one safetensors file of every case's tensors out. bench: times the forward pass.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
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
#include "analysis.h"
#include "folder.h"
#include "gemm.h"
#include "input_line.h"
#include "model.h"
#include "parallel.h"
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

  FolderFiles folder;
  ByteSources sources;  // F16/BF16 safetensors: read tensor by tensor, never whole beside their floats
  Status s = read_folder(dir, &folder, &sources);
  if (!s) return fail(s.message);
  FileMap files;
  FileOwners owners;  // float32 weights used in place in the files' bytes (no second copy)
  share_files(std::move(folder.bytes), &files, &owners);
  Model model;
  s = Model::load(files, dir, &model, &owners, &sources);
  if (!s) return fail(s.message);
  Tokenizer tok;
  s = Tokenizer::load(files, dir, &tok);
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
    const InputLine in = parse_input_line(line);
    switch (in.kind) {
      case InputLineKind::Ok: break;
      case InputLineKind::NotJson:
      case InputLineKind::NotObject: return fail(where + ": not a JSON object");
      case InputLineKind::NoText: return fail(where + ": missing string \"text\"");
      case InputLineKind::BadPair: return fail(where + ": \"text_pair\" must be a string");
    }
    const std::string& pair = in.pair;
    EncodeOptions eo;
    eo.max_length = max_length;
    Encoding enc = tok.encode(in.text, pair, eo);
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

// attnviz bench --make-model base DIR: a BERT-base-shaped BertForMaskedLM with random weights (12 layers x 12 heads,
// hidden 768, intermediate 3072, 512 positions, vocabulary 21128 as bert-base-chinese; ~410 MB float32; normal(0, 0.02)
// weights, LayerNorm 1/0, decoder tied), with a vocab.txt of placeholder tokens ([PAD] 0, [UNK] 100, [CLS] 101,
// [SEP] 102, [MASK] 103). The benchmarks' model: its cost is that of the real one.
// attnviz bench --make-model gpt2-medium DIR: a GPT-2-medium-shaped GPT2LMHeadModel with random weights (24 layers x
// 16 heads, hidden 1024, 1024 positions, vocabulary 50257; ~1.4 GB float32; normal(0, 0.02) weights, LayerNorm 1/0,
// lm_head tied to wte) and a byte-level BPE vocab.json (the 256 byte symbols of GPT-2's bytes_to_unicode, placeholder
// tokens, <|endoftext|> = 50256) with an empty merges.txt: the memory benchmark's big model. The safetensors file is
// written tensor by tensor (never whole in memory).
int make_gpt2_medium(const std::string& dir) {
  const int L = 24, D = 1024, F = 4096, P = 1024, V = 50257;
  struct T {
    std::string name;
    std::vector<int64_t> shape;
    int init;  // 0 normal(0, 0.02), 1 ones, 2 zeros
  };
  std::vector<T> ts = {{"transformer.wte.weight", {V, D}, 0}, {"transformer.wpe.weight", {P, D}, 0}};
  for (int l = 0; l < L; l++) {
    const std::string p = "transformer.h." + std::to_string(l) + ".";
    ts.push_back({p + "ln_1.weight", {D}, 1});
    ts.push_back({p + "ln_1.bias", {D}, 2});
    ts.push_back({p + "attn.c_attn.weight", {D, 3 * D}, 0});
    ts.push_back({p + "attn.c_attn.bias", {3 * D}, 2});
    ts.push_back({p + "attn.c_proj.weight", {D, D}, 0});
    ts.push_back({p + "attn.c_proj.bias", {D}, 2});
    ts.push_back({p + "ln_2.weight", {D}, 1});
    ts.push_back({p + "ln_2.bias", {D}, 2});
    ts.push_back({p + "mlp.c_fc.weight", {D, F}, 0});
    ts.push_back({p + "mlp.c_fc.bias", {F}, 2});
    ts.push_back({p + "mlp.c_proj.weight", {F, D}, 0});
    ts.push_back({p + "mlp.c_proj.bias", {D}, 2});
  }
  ts.push_back({"transformer.ln_f.weight", {D}, 1});
  ts.push_back({"transformer.ln_f.bias", {D}, 2});
  json header = json::object();
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t offset = 0;
  for (const T& t : ts) {
    uint64_t n = 1;
    for (int64_t d : t.shape) n *= static_cast<uint64_t>(d);
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + 4 * n}}};
    offset += 4 * n;
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8) h.push_back(' ');
  std::ofstream f(dir + "/model.safetensors", std::ios::binary);
  const uint64_t hn = h.size();
  for (int k = 0; k < 8; k++) f.put(static_cast<char>((hn >> (8 * k)) & 0xff));
  f << h;
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  for (const T& t : ts) {  // little-endian host assumed (x86, arm64, wasm)
    size_t n = 1;
    for (int64_t d : t.shape) n *= static_cast<size_t>(d);
    std::vector<float> x(n, t.init == 1 ? 1.0f : 0.0f);
    if (t.init == 0)
      for (float& v : x) v = normal(rng);
    f.write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(n * 4));
  }
  f.close();
  if (!f) return fail("attnviz bench --make-model: could not write " + dir + "/model.safetensors (does the folder exist?)");
  // GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100.. in byte order.
  json vocab = json::object();
  std::vector<int> cps;
  for (int b = '!'; b <= '~'; b++) cps.push_back(b);
  for (int b = 0xA1; b <= 0xAC; b++) cps.push_back(b);
  for (int b = 0xAE; b <= 0xFF; b++) cps.push_back(b);
  for (int b = 0, extra = 0; b < 256; b++)
    if (std::find(cps.begin(), cps.begin() + 188, b) == cps.begin() + 188) cps.push_back(256 + extra++);
  auto utf8 = [](int cp) {
    std::string s;
    if (cp < 0x80) s += static_cast<char>(cp);
    else {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
  };
  for (int i = 0; i < 256; i++) vocab[utf8(cps[i])] = i;
  for (int i = 256; i < V - 1; i++) vocab["w" + std::to_string(i)] = i;
  vocab["<|endoftext|>"] = V - 1;
  json cfg = {{"architectures", {"GPT2LMHeadModel"}}, {"model_type", "gpt2"}, {"n_embd", D}, {"n_layer", L},
              {"n_head", 16}, {"n_inner", nullptr}, {"n_positions", P}, {"n_ctx", P}, {"vocab_size", V},
              {"activation_function", "gelu_new"}, {"layer_norm_epsilon", 1e-5}, {"bos_token_id", V - 1},
              {"eos_token_id", V - 1}};
  const std::pair<std::string, std::string> files[] = {
      {"config.json", cfg.dump(2) + "\n"}, {"vocab.json", vocab.dump()}, {"merges.txt", "#version: 0.2\n"}};
  for (const auto& [name, bytes] : files) {
    std::ofstream o(dir + "/" + name, std::ios::binary);
    o.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!o) return fail("attnviz bench --make-model: could not write " + dir + "/" + name + " (does the folder exist?)");
  }
  std::printf("wrote %s (GPT-2 medium shape, random weights)\n", dir.c_str());
  return 0;
}

int make_model(const std::string& kind, const std::string& dir) {
  if (kind == "gpt2-medium") return make_gpt2_medium(dir);
  if (kind != "base")
    return fail("attnviz bench --make-model: 'base' (BERT-base shape) or 'gpt2-medium' (GPT-2 medium shape), not '" +
                kind + "'");
  const int L = 12, H = 12, D = 768, F = 3072, P = 512, V = 21128;
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  SafeTensorsWriter w;
  auto rand_t = [&](const std::string& name, std::vector<int64_t> shape) {
    size_t n = 1;
    for (int64_t d : shape) n *= static_cast<size_t>(d);
    std::vector<float> x(n);
    for (float& f : x) f = normal(rng);
    w.add_f32(name, shape, x.data());
  };
  auto const_t = [&](const std::string& name, int64_t n, float value) {
    std::vector<float> x(static_cast<size_t>(n), value);
    w.add_f32(name, {n}, x.data());
  };
  rand_t("bert.embeddings.word_embeddings.weight", {V, D});
  rand_t("bert.embeddings.position_embeddings.weight", {P, D});
  rand_t("bert.embeddings.token_type_embeddings.weight", {2, D});
  const_t("bert.embeddings.LayerNorm.weight", D, 1.0f);
  const_t("bert.embeddings.LayerNorm.bias", D, 0.0f);
  for (int l = 0; l < L; l++) {
    const std::string p = "bert.encoder.layer." + std::to_string(l) + ".";
    for (const char* m : {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"}) {
      rand_t(p + m + ".weight", {D, D});
      rand_t(p + m + ".bias", {D});
    }
    const_t(p + "attention.output.LayerNorm.weight", D, 1.0f);
    const_t(p + "attention.output.LayerNorm.bias", D, 0.0f);
    rand_t(p + "intermediate.dense.weight", {F, D});
    rand_t(p + "intermediate.dense.bias", {F});
    rand_t(p + "output.dense.weight", {D, F});
    rand_t(p + "output.dense.bias", {D});
    const_t(p + "output.LayerNorm.weight", D, 1.0f);
    const_t(p + "output.LayerNorm.bias", D, 0.0f);
  }
  rand_t("cls.predictions.transform.dense.weight", {D, D});
  rand_t("cls.predictions.transform.dense.bias", {D});
  const_t("cls.predictions.transform.LayerNorm.weight", D, 1.0f);
  const_t("cls.predictions.transform.LayerNorm.bias", D, 0.0f);
  const_t("cls.predictions.bias", V, 0.0f);
  json cfg = {{"architectures", {"BertForMaskedLM"}}, {"model_type", "bert"}, {"hidden_size", D},
              {"num_hidden_layers", L}, {"num_attention_heads", H}, {"intermediate_size", F},
              {"max_position_embeddings", P}, {"vocab_size", V}, {"type_vocab_size", 2}, {"hidden_act", "gelu"},
              {"layer_norm_eps", 1e-12}, {"hidden_dropout_prob", 0.1}, {"attention_probs_dropout_prob", 0.1}};
  std::string vocab;
  for (int i = 0; i < V; i++) {
    if (i == 0) vocab += "[PAD]";
    else if (i == 100) vocab += "[UNK]";
    else if (i == 101) vocab += "[CLS]";
    else if (i == 102) vocab += "[SEP]";
    else if (i == 103) vocab += "[MASK]";
    else if (i < 100) vocab += "[unused" + std::to_string(i) + "]";
    else vocab += "w" + std::to_string(i);
    vocab += "\n";
  }
  const std::pair<std::string, std::string> files[] = {
      {"config.json", cfg.dump(2) + "\n"}, {"vocab.txt", vocab}, {"model.safetensors", w.finish()}};
  for (const auto& [name, bytes] : files) {
    std::ofstream f(dir + "/" + name, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) return fail("attnviz bench --make-model: could not write " + dir + "/" + name + " (does the folder exist?)");
  }
  std::printf("wrote %s (BERT-base shape, random weights)\n", dir.c_str());
  return 0;
}

int cli_bench(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "--make-model") {
    if (argc != 4) return fail("attnviz bench: usage: attnviz bench --make-model base|gpt2-medium DIR");
    return make_model(argv[2], argv[3]);
  }
  std::vector<std::string> v;
  std::string err;
  if (!parse_args(argc, argv, {"--model", "--tokens", "--iters", "--lm", "--threads", "--summaries"}, &v, &err))
    return fail("attnviz bench: " + err +
                " (usage: attnviz bench --model DIR --tokens N [--iters K] [--lm all|none] [--threads N]"
                " [--summaries yes|no])");
  const int threads = v[4].empty() ? 1 : parse_positive(v[4]);
  if (threads < 1 || threads > kMaxThreads)
    return fail("attnviz bench: --threads must be 1.." + std::to_string(kMaxThreads));
  const std::string& dir = v[0];
  if (dir.empty() || v[1].empty()) return fail("attnviz bench: --model DIR and --tokens N are required");
  const int T = parse_positive(v[1]);
  if (T < 0) return fail("attnviz bench: --tokens '" + v[1] + "' is not a positive integer");
  const int iters = v[2].empty() ? 10 : parse_positive(v[2]);
  if (iters < 0) return fail("attnviz bench: --iters '" + v[2] + "' is not a positive integer");
  const std::string lm = v[3].empty() ? "all" : v[3];
  if (lm != "all" && lm != "none") return fail("attnviz bench: --lm must be all or none");
  const std::string summaries = v[5].empty() ? "no" : v[5];
  if (summaries != "yes" && summaries != "no") return fail("attnviz bench: --summaries must be yes or no");

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
  parallel_set_threads(threads);
  s = model.forward(ids, {}, opt, &a);  // warm-up: sizes every buffer
  if (!s) return fail(dir + ": " + s.message);
  // --summaries yes: after each pass, what the engine computes for the rollout and stats views (head means, rollout,
  // per-head stats; analysis.h), timed on its own: issue 10 asks that it add at most 10% to a pass.
  const int L = c.n_layers, H = c.n_heads;
  const size_t LTT = static_cast<size_t>(L) * T * T;
  std::vector<float> head_mean, rollout;
  std::vector<uint8_t> is_cls(T, 0), is_sep(T, 0);
  if (T > 0) is_cls[0] = 1, is_sep[T - 1] = 1;
  std::vector<double> ms, cpu, sum_ms, sum_cpu;
  for (int i = 0; i < iters; i++) {
    const double c0 = cpu_ms();
    const auto t0 = std::chrono::steady_clock::now();
    (void)model.forward(ids, {}, opt, &a);
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = cpu_ms();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    cpu.push_back(c1 - c0);
    if (summaries == "yes") {
      const double sc0 = cpu_ms();
      const auto s0 = std::chrono::steady_clock::now();
      head_mean.assign(LTT, 0.0f);
      for (int l = 0; l < L; l++) mean_over_heads(a.attention(l, 0, H), H, T, head_mean.data() + l * T * T);
      rollout.assign(LTT, 0.0f);
      attention_rollout(a.attentions.data(), L, H, T, rollout.data());
      const std::vector<HeadStats> stats = all_head_stats(a.attentions.data(), L, H, T, is_cls, is_sep);
      const auto s1 = std::chrono::steady_clock::now();
      sum_cpu.push_back(cpu_ms() - sc0);
      if (stats.size() != static_cast<size_t>(L) * H) return fail("attnviz bench: the head stats came out short");
      sum_ms.push_back(std::chrono::duration<double, std::milli>(s1 - s0).count());
    }
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
              {"threads", threads},
              {"gemm", gemm_backend()}};
  if (summaries == "yes") {
    // The percentage compares CPU times (steadier than wall time on shared cores), as cpu_ms_median does.
    const double sm = median_of(sum_ms), sc = median_of(sum_cpu), pc = median_of(cpu);
    out["summaries_ms_median"] = std::round(sm * 1000) / 1000;
    out["summaries_cpu_ms_median"] = std::round(sc * 1000) / 1000;
    out["summaries_pct_of_pass"] = pc > 0 ? std::round(sc / pc * 1000) / 10 : 0.0;
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace attnviz
