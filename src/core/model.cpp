// Model: loads BERT (RoBERTa, XLM-R, DistilBERT) / GPT-2 weights from safetensors bytes (checked against config.json) and runs the forward pass
// in float32, keeping what the viewer draws. Row-major; linear weights keep the checkpoint's layout (BERT (out, in),
// GPT-2 (in, out)) so float32 ones are used in place in the file's bytes; each projection is gemm() calls. Eigen
// (behind gemm.h) / std only.
#include "model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "gemm.h"
#include "model_config.h"
#include "parallel.h"
#include "safetensors.h"
#include "torch_checkpoint.h"

namespace attnviz {

namespace {

using json = nlohmann::json;
using Vec = std::vector<float>;

// One weight tensor as float32, row-major: either used in place in a kept file's bytes (an aligned little-endian F32
// tensor of a file the caller handed an owner for: no copy) or converted into `own` (F16/BF16, misaligned, gathered,
// no owner given, or computed like DistilBERT's sinusoidal table).
struct Weight {
  const float* p = nullptr;  // the floats: into a kept file, or own.data()
  size_t n = 0;              // element count
  Vec own;
  const float* data() const { return p; }
  size_t size() const { return n; }
  bool empty() const { return n == 0; }
  float operator[](size_t i) const { return p[i]; }
  void set(Vec v) {
    own = std::move(v);
    p = own.data();
    n = own.size();
  }
};

// Linear weights keep their file layout: BERT's nn.Linear (out, in), used through gemm's transposed B; GPT-2's Conv1D
// (in, out). Shapes below are as stored.
struct LayerWeights {
  Weight w_q, w_k, w_v;  // BERT (D, D) each (out, in)
  Weight w_qkv;  // GPT-2 (D, 3D) columns q | k | v, heads contiguous within each
  Weight b_qkv;  // (3D) BERT: the q, k, v biases concatenated (a copy, 3D floats)
  Weight w_o;    // (D, D)
  Weight b_o;    // (D)
  Weight ln1_g, ln1_b;  // (D) BERT: attention.output.LayerNorm (after); GPT-2: ln_1 (before attention)
  Weight w_ff1;  // BERT (F, D); GPT-2 (D, F)
  Weight b_ff1;  // (F)
  Weight w_ff2;  // BERT (D, F); GPT-2 (F, D)
  Weight b_ff2;  // (D)
  Weight ln2_g, ln2_b;  // (D) BERT: output.LayerNorm (after); GPT-2: ln_2 (before the MLP)
};

struct Weights {
  Weight wte;         // (V, D) word / token embeddings
  Weight wpe;         // (P, D) position embeddings
  Weight wtt;         // (types, D) BERT token type embeddings
  Weight emb_ln_g, emb_ln_b;  // (D) BERT embeddings.LayerNorm
  Weight ln_f_g, ln_f_b;      // (D) GPT-2 final LayerNorm
  std::vector<LayerWeights> layers;  // (L)
  // Masked-LM head (BERT): transform dense + act + LayerNorm, then decoder (tied to wte unless stored) + bias.
  Weight mlm_w;       // (D, D) (out, in)
  Weight mlm_b;       // (D)
  Weight mlm_ln_g, mlm_ln_b;  // (D)
  Weight decoder;     // (V, D) an untied decoder / lm_head; empty = tied to wte
  Weight decoder_b;   // (V) BERT decoder bias; empty for GPT-2
  // Classification heads.
  Weight pool_w;      // (D, D) (out, in) BERT pooler (sequence classification)
  Weight pool_b;      // (D)
  Weight cls_w;       // (labels, D) (out, in)
  Weight cls_b;       // (labels)
};

// True on a little-endian host (wasm, x86, arm64): only there are a file's F32 bytes the floats themselves.
bool little_endian() {
  const uint32_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

struct Source {
  TensorView view;
  std::string file;  // shard name, for messages
  const ByteSource* source = nullptr;  // the file read by range (view.data empty), or null: view.data holds the bytes
};

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); i++) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

// Looks tensors up by their names with and without the base-model prefix ("bert." / "transformer.") and with the
// old LayerNorm names (gamma / beta), checks their shape against the config and maps them in place or converts them
// to float32.
struct Loader {
  const std::map<std::string, Source>& tensors;
  std::string what;    // the model folder
  std::string prefix;  // "bert.", "roberta.", "distilbert." or "transformer."
  Status status;
  const FileMap& files;
  const FileOwners* owners = nullptr;  // null: copy every tensor
  std::map<std::string, std::shared_ptr<const void>> kept;  // owners of the files tensors are used in place in
  size_t in_place_bytes = 0, owned_bytes = 0;
  std::string family_name() const {  // for messages
    return prefix == "bert." ? "BERT" : prefix == "roberta." ? "RoBERTa" : prefix == "distilbert." ? "DistilBERT" : "GPT-2";
  }

  const Source* find(const std::string& name, bool base) {
    std::vector<std::string> names;
    if (base) names = {prefix + name, name};
    else names = {name};
    for (size_t i = 0, n = names.size(); i < n; i++) {
      const std::string s = names[i];  // a copy: push_back below may move names
      for (const char* suffix : {"LayerNorm.weight", "LayerNorm.bias"}) {
        const std::string suf(suffix);
        if (s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0)
          names.push_back(s.substr(0, s.size() - suf.size()) + (suf.back() == 't' ? "LayerNorm.gamma" : "LayerNorm.beta"));
      }
    }
    for (const std::string& s : names) {
      auto it = tensors.find(s);
      if (it != tensors.end()) return &it->second;
    }
    return nullptr;
  }

  bool has(const std::string& name, bool base) { return find(name, base) != nullptr; }

  // Loads `name` of shape `shape` into dst: in place when its file has an owner in `owners` and it is F32, aligned
  // and inside that file's bytes (torch tensors gathered from strided storages are not); else converted to float32.
  void load(const std::string& name, bool base, const std::vector<int64_t>& shape, Weight* dst) {
    if (!status) return;
    const Source* src = find(name, base);
    const std::string shown = (base ? prefix : "") + name;
    if (!src) {
      status = Status::error(what + ": model.safetensors has no tensor '" + shown + "' (not a " + family_name() +
                             " checkpoint of this architecture, or a file is missing)");
      return;
    }
    if (src->view.shape != shape) {
      status = Status::error(what + "/" + src->file + ": tensor '" + src->view.name + "' has shape " +
                             shape_str(src->view.shape) + ", config.json says " + shape_str(shape));
      return;
    }
    if (src->source) {  // a file read by range: converted straight from it into the float32 copy
      Vec v(static_cast<size_t>(src->view.numel));
      Status s = tensor_to_float(*src->source, src->view, what + "/" + src->file, v.data());
      if (!s) {
        status = s;
        return;
      }
      owned_bytes += v.size() * sizeof(float);
      dst->set(std::move(v));
      return;
    }
    const std::string_view bytes = src->view.data;
    auto owner = owners ? owners->find(src->file) : FileOwners::const_iterator();
    auto file = files.find(src->file);
    if (owners && owner != owners->end() && owner->second && file != files.end() && src->view.dtype == DType::F32 &&
        little_endian() && reinterpret_cast<uintptr_t>(bytes.data()) % alignof(float) == 0 &&
        bytes.data() >= file->second.data() && bytes.data() + bytes.size() <= file->second.data() + file->second.size() &&
        bytes.size() == static_cast<size_t>(src->view.numel) * sizeof(float)) {
      dst->own.clear();
      dst->p = reinterpret_cast<const float*>(bytes.data());
      dst->n = static_cast<size_t>(src->view.numel);
      kept[src->file] = owner->second;
      in_place_bytes += bytes.size();
      return;
    }
    Vec v(static_cast<size_t>(src->view.numel));
    Status s = tensor_to_float(src->view, what + "/" + src->file, v.data());
    if (!s) {
      status = s;
      return;
    }
    owned_bytes += v.size() * sizeof(float);
    dst->set(std::move(v));
  }
};

// Parameter names of one encoder variant (transformers' modeling_bert.py / modeling_roberta.py share BERT's; 
// modeling_distilbert.py has its own). Layer names follow layer_prefix + N + "."; heads are outside the base prefix
// except BERT's pooler.
struct EncoderNames {
  const char* layer_prefix;
  const char *q, *k, *v, *o, *ln1, *ff1, *ff2, *ln2;
  const char *mlm_dense, *mlm_ln, *mlm_decoder, *mlm_bias, *mlm_decoder_bias;  // masked-LM head
  const char *pool, *seq_cls;  // sequence classification: pooler dense (+ tanh / ReLU), then the label projection
  bool pool_in_base;           // BERT's pooler sits under "bert."
};

const EncoderNames& encoder_names(Variant v) {
  static const EncoderNames bert{"encoder.layer.", "attention.self.query", "attention.self.key",
                                 "attention.self.value", "attention.output.dense", "attention.output.LayerNorm",
                                 "intermediate.dense", "output.dense", "output.LayerNorm",
                                 "cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
                                 "cls.predictions.decoder.weight", "cls.predictions.bias", "cls.predictions.decoder.bias",
                                 "pooler.dense", "classifier", true};
  static const EncoderNames roberta{"encoder.layer.", "attention.self.query", "attention.self.key",
                                    "attention.self.value", "attention.output.dense", "attention.output.LayerNorm",
                                    "intermediate.dense", "output.dense", "output.LayerNorm",
                                    "lm_head.dense", "lm_head.layer_norm", "lm_head.decoder.weight", "lm_head.bias",
                                    "lm_head.decoder.bias", "classifier.dense", "classifier.out_proj", false};
  static const EncoderNames distil{"transformer.layer.", "attention.q_lin", "attention.k_lin", "attention.v_lin",
                                   "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm",
                                   "vocab_transform", "vocab_layer_norm", "vocab_projector.weight",
                                   "vocab_projector.bias", "vocab_projector.bias", "pre_classifier", "classifier", false};
  return v == Variant::Roberta ? roberta : v == Variant::DistilBert ? distil : bert;
}

// DistilBERT's fixed positions (transformers' create_sinusoidal_embeddings, after Vaswani et al. 2017):
// out (P, D): [p, 2i] = sin(p / 10000^(2i/D)), [p, 2i+1] = cos(p / 10000^(2i/D)), computed in double.
void sinusoidal_table(int P, int D, std::vector<float>* out) {
  out->assign(static_cast<size_t>(P) * D, 0.f);
  for (int p = 0; p < P; p++)
    for (int j = 0; j < D; j++) {
      const double angle = p / std::pow(10000.0, 2.0 * (j / 2) / D);
      (*out)[static_cast<size_t>(p) * D + j] = static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
}

// Builds name -> tensor over model.safetensors, or over the shards a model.safetensors.index.json names.
Status collect_tensors(const FileMap& files, const std::string& what, std::vector<SafeTensors>* shards,
                       std::vector<TorchCheckpoint>* torch_shards, std::map<std::string, Source>* out,
                       const ByteSources* sources) {
  // A safetensors file absent from `files` may come through `sources` (read by range).
  auto source_of = [sources](const std::string& name) -> const ByteSource* {
    if (!sources) return nullptr;
    auto it = sources->find(name);
    return it != sources->end() ? it->second.get() : nullptr;
  };
  std::vector<std::string> shard_names;
  auto idx = files.find("model.safetensors.index.json");
  if (idx != files.end()) {
    json j = json::parse(idx->second.begin(), idx->second.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
      return Status::error(what + "/model.safetensors.index.json: not JSON with a 'weight_map' object");
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
      if (!it.value().is_string())
        return Status::error(what + "/model.safetensors.index.json: weight_map['" + it.key() + "'] is not a file name");
      const std::string& f = it.value().get_ref<const std::string&>();
      if (std::find(shard_names.begin(), shard_names.end(), f) == shard_names.end()) shard_names.push_back(f);
    }
    if (shard_names.empty()) return Status::error(what + "/model.safetensors.index.json: weight_map is empty");
  } else if (files.count("model.safetensors") || source_of("model.safetensors")) {
    shard_names.push_back("model.safetensors");
  } else if (files.count("pytorch_model.bin.index.json") || files.count("pytorch_model.bin")) {
    // PyTorch checkpoint(s), read without executing anything (torch_checkpoint.h); safetensors win when both exist.
    Status s = torch_shard_names(files, what, &shard_names);
    if (!s) return s;
    torch_shards->clear();
    torch_shards->reserve(shard_names.size());
    for (const std::string& name : shard_names) {
      torch_shards->emplace_back();
      s = TorchCheckpoint::parse(files.at(name), what + "/" + name, &torch_shards->back());
      if (!s) return s;
      for (const TensorView& t : torch_shards->back().tensors()) (*out)[t.name] = Source{t, name};
    }
    return Status::success();
  } else {
    return Status::error(what + ": no model.safetensors (or model.safetensors.index.json) in the model files");
  }
  shards->clear();
  shards->reserve(shard_names.size());
  for (const std::string& name : shard_names) {
    auto f = files.find(name);
    const ByteSource* src = f == files.end() ? source_of(name) : nullptr;
    if (f == files.end() && !src)
      return Status::error(what + ": shard '" + name + "' named in model.safetensors.index.json is missing");
    shards->emplace_back();
    Status s = src ? SafeTensors::parse(*src, what + "/" + name, &shards->back())
                   : SafeTensors::parse(f->second, what + "/" + name, &shards->back());
    if (!s) return s;
    for (const TensorView& t : shards->back().tensors()) (*out)[t.name] = Source{t, name, src};
  }
  return Status::success();
}

// ---- elementwise pieces of the forward pass ------------------------------------------------------------------

// y (T,D) = LayerNorm(x) * g + b, row by row (Ba et al. 2016); x and y may alias. Plain loops with a fixed
// summation order, so results do not depend on where the buffers happen to be aligned.
void layer_norm(const float* x, float* y, int T, int D, const float* g, const float* b, float eps) {
  for (int t = 0; t < T; t++) {
    const float* xr = x + static_cast<size_t>(t) * D;
    float* yr = y + static_cast<size_t>(t) * D;
    float sum = 0.f;
    for (int i = 0; i < D; i++) sum += xr[i];
    const float mean = sum / static_cast<float>(D);
    float sq = 0.f;
    for (int i = 0; i < D; i++) sq += (xr[i] - mean) * (xr[i] - mean);
    const float inv = 1.0f / std::sqrt(sq / static_cast<float>(D) + eps);
    for (int i = 0; i < D; i++) yr[i] = (xr[i] - mean) * inv * g[i] + b[i];
  }
}

void add_bias(float* x, int T, int N, const float* b) {
  for (int t = 0; t < T; t++) {
    float* r = x + static_cast<size_t>(t) * N;
    for (int i = 0; i < N; i++) r[i] += b[i];
  }
}

// Calls fn(t0, t1) on row ranges covering [0, T), spread over parallel.h's threads (chunks of 16 rows or more, about
// 4 per thread, taken by whichever thread is free; one call when T is small). For the row-wise steps between the
// matrix products (biases, layer norms, copies): each row is computed alone, so results do not depend on the split.
template <class F>
void for_rows(int T, const F& fn) {
  const int n = std::max(1, std::min(T / 16, 4 * parallel_threads()));
  if (n == 1) {
    fn(0, T);
    return;
  }
  parallel_for(n, [&](int chunk, int) { fn(static_cast<int>(static_cast<int64_t>(T) * chunk / n),
                                           static_cast<int>(static_cast<int64_t>(T) * (chunk + 1) / n)); });
}

// ---- vectorisable math: branch-free loops the compiler turns into SIMD (SSE/AVX natively, simd128 in wasm); libm's
// exp and erf are scalar calls and were ~25% of a 512-token pass. -----------------------------------------------------

// e^x in place, Cephes' polynomial (relative error ~2e-7); inputs below -87 give ~1e-38, not denormals.
void exp_inplace(float* x, int n) {
  for (int i = 0; i < n; i++) {
    float v = x[i];
    v = v > 88.0f ? 88.0f : v;
    v = v < -87.0f ? -87.0f : v;
    // Round v / ln 2 to the nearest integer by adding and removing 1.5 * 2^23 (no floor call to block vectorising).
    const float fx = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    v = v - fx * 0.693359375f + fx * 2.12194440e-4f;
    const float z = v * v;
    float y = 1.9875691500e-4f;
    y = y * v + 1.3981999507e-3f;
    y = y * v + 8.3334519073e-3f;
    y = y * v + 4.1665795894e-2f;
    y = y * v + 1.6666665459e-1f;
    y = y * v + 5.0000001201e-1f;
    y = y * z + v + 1.0f;
    const int32_t bits = (static_cast<int32_t>(fx) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, 4);
    x[i] = y * scale;
  }
}

// erf(x): Eigen's rational approximation (generic_fast_erf_float), exact to a few ulp in float.
inline float erf_fast(float x) {
  x = x > 4.0f ? 4.0f : x;
  x = x < -4.0f ? -4.0f : x;
  const float x2 = x * x;
  float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
  p = x2 * p + -2.10102402082508e-06f;
  p = x2 * p + -5.69250639462346e-05f;
  p = x2 * p + -7.34990630326855e-04f;
  p = x2 * p + -2.95459980854025e-03f;
  p = x2 * p + -1.60960333262415e-02f;
  p = x * p;
  float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
  q = x2 * q + -1.68282697438203e-03f;
  q = x2 * q + -7.37332916720468e-03f;
  q = x2 * q + -1.42647390514189e-02f;
  return p / q;
}

// x (T,N) = act(x + b)
void bias_act(float* x, int T, int N, const float* b, Activation act) {
  for_rows(T, [&](int t0, int t1) {  // rows split over the threads (each row on its own)
  for (int t = t0; t < t1; t++) {
    float* r = x + static_cast<size_t>(t) * N;
    switch (act) {
      case Activation::GeluErf:  // Hendrycks & Gimpel 2016, exact form
        for (int i = 0; i < N; i++) {
          const float v = r[i] + b[i];
          r[i] = 0.5f * v * (1.0f + erf_fast(v * 0.70710678118654752f));
        }
        break;
      case Activation::GeluTanh:  // the tanh approximation (GPT-2's gelu_new): 0.5 v (1 + tanh u) = v e^2u / (e^2u + 1)
        for (int i0 = 0; i0 < N; i0 += 256) {
          const int c = std::min(256, N - i0);
          float e[256];  // (c) e^2u
          for (int i = 0; i < c; i++) {
            const float v = r[i0 + i] + b[i0 + i];
            r[i0 + i] = v;
            e[i] = 2.0f * 0.7978845608028654f * (v + 0.044715f * v * v * v);
          }
          exp_inplace(e, c);
          for (int i = 0; i < c; i++) r[i0 + i] *= e[i] / (e[i] + 1.0f);  // never v * e first: it overflows
        }
        break;
      case Activation::Relu:
        for (int i = 0; i < N; i++) r[i] = std::max(0.0f, r[i] + b[i]);
        break;
    }
  }
  });
}

// Row softmax of s (n,) * scale over its first `valid` entries; the rest set to exactly 0 (causal mask).
void softmax_row(float* s, int n, int valid, float scale) {
  float m = -INFINITY;
  for (int j = 0; j < valid; j++) m = s[j] > m ? s[j] : m;
  for (int j = 0; j < valid; j++) s[j] = (s[j] - m) * scale;
  exp_inplace(s, valid);
  float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // 8 partial sums: a fixed order that still vectorises
  int j = 0;
  for (; j + 8 <= valid; j += 8)
    for (int u = 0; u < 8; u++) part[u] += s[j + u];
  float sum = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  for (; j < valid; j++) sum += s[j];
  const float inv = 1.0f / sum;
  for (int k = 0; k < valid; k++) s[k] *= inv;
  for (int k = valid; k < n; k++) s[k] = 0.f;
}

}  // namespace

struct Model::Impl {
  ModelConfig cfg;
  Weights w;
  std::vector<std::shared_ptr<const void>> kept;  // owners of the file bytes weights are used in place in
  ModelMemory mem;
  // Scratch, sized for T_cap tokens by reserve(); (T, ...) row-major.
  int T_cap = 0;
  Vec qkv;     // (T, 3D)
  Vec ctx;     // (T, D) concatenated head outputs
  Vec x1;      // (T, D) BERT attention block output / GPT-2 normalised input
  Vec resid;   // (T, D) GPT-2 residual stream
  Vec ff;      // (T, F)
  Vec lm_in;   // (T, D) rows gathered for the LM head
  Vec lm_t;    // (T, D) MLM transform output

  void reserve(int T) {
    if (T <= T_cap) return;
    const size_t D = cfg.d_model, F = cfg.d_ff, t = T;
    qkv.resize(t * 3 * D);
    ctx.resize(t * D);
    x1.resize(t * D);
    resid.resize(t * D);
    ff.resize(t * F);
    lm_in.resize(t * D);
    lm_t.resize(t * D);
    T_cap = T;
  }

  Status load(const FileMap& files, const std::string& what, const FileOwners* owners, const ByteSources* sources);
  // y (T, N, leading dim ldy) (+)= x (T, K, ldx) * W: W as stored, BERT's (N, K) nn.Linear weights through gemm's
  // transposed B, GPT-2's (K, N) Conv1D weights directly.
  void linear(int T, int N, int K, const float* x, int ldx, const Weight& W, float* y, int ldy, bool accumulate) const {
    const bool out_in = cfg.family == Family::Bert;
    gemm(T, N, K, x, ldx, W.data(), out_in ? K : N, out_in, y, ldy, accumulate);
  }
  void attention(int l, const float* x, int T, const std::vector<uint8_t>& head_mask, Activations* a);
  void lm_head(const std::vector<int>& pos, int T, Activations* a);
};

Status Model::Impl::load(const FileMap& files, const std::string& what, const FileOwners* owners,
                         const ByteSources* sources) {
  auto cf = files.find("config.json");
  if (cf == files.end()) return Status::error(what + ": no config.json in the model files");
  bool head_known = false;
  Status s = parse_model_config(cf->second, what + "/config.json", &cfg, &head_known);
  if (!s) return s;

  std::vector<SafeTensors> shards;
  std::vector<TorchCheckpoint> torch_shards;
  std::map<std::string, Source> tensors;
  s = collect_tensors(files, what, &shards, &torch_shards, &tensors, sources);
  if (!s) return s;

  const bool bert = cfg.family == Family::Bert;
  const EncoderNames& nm = encoder_names(cfg.variant);
  const char* base_prefix = !bert ? "transformer." : cfg.variant == Variant::Roberta ? "roberta."
                            : cfg.variant == Variant::DistilBert ? "distilbert." : "bert.";
  Loader ld{tensors, what, base_prefix, {}, files, owners, {}, 0, 0};
  const int64_t D = cfg.d_model, F = cfg.d_ff, V = cfg.vocab_size, P = cfg.position_rows;
  const std::string dot_w = ".weight", dot_b = ".bias";

  if (!head_known) {  // no architectures in config.json: pick the head from the tensors present
    if (bert) {
      if (ld.has(nm.mlm_dense + dot_w, false)) cfg.head = HeadKind::MaskedLM;
      else if (cfg.variant != Variant::Bert && ld.has(nm.pool + dot_w, false)) cfg.head = HeadKind::SequenceClassification;
      else if (ld.has("classifier.weight", false))
        cfg.head = cfg.variant == Variant::Bert && ld.has("pooler.dense.weight", true) ? HeadKind::SequenceClassification
                                                                                        : HeadKind::TokenClassification;
      else cfg.head = HeadKind::None;
      const std::string fam = cfg.variant == Variant::Roberta ? "Roberta" : cfg.variant == Variant::DistilBert ? "DistilBert" : "Bert";
      cfg.architecture = fam + (cfg.head == HeadKind::MaskedLM ? "ForMaskedLM" : cfg.head == HeadKind::None ? "Model"
                                : cfg.head == HeadKind::TokenClassification ? "ForTokenClassification"
                                                                             : "ForSequenceClassification");
    } else {
      cfg.head = HeadKind::CausalLM;  // tied to wte when lm_head.weight is absent, as in the original gpt2 files
      cfg.architecture = "GPT2LMHeadModel";
    }
  }

  // Vocabulary and positions first: they bound what an input may ask for.
  if (bert) {
    ld.load("embeddings.word_embeddings.weight", true, {V, D}, &w.wte);
    if (cfg.sinusoidal_positions) {
      Vec table;
      sinusoidal_table(static_cast<int>(P), static_cast<int>(D), &table);
      ld.owned_bytes += table.size() * sizeof(float);
      w.wpe.set(std::move(table));
    }
    else ld.load("embeddings.position_embeddings.weight", true, {P, D}, &w.wpe);
    if (cfg.type_vocab_size > 0)
      ld.load("embeddings.token_type_embeddings.weight", true, {cfg.type_vocab_size, D}, &w.wtt);
    ld.load("embeddings.LayerNorm.weight", true, {D}, &w.emb_ln_g);
    ld.load("embeddings.LayerNorm.bias", true, {D}, &w.emb_ln_b);
  } else {
    ld.load("wte.weight", true, {V, D}, &w.wte);
    ld.load("wpe.weight", true, {P, D}, &w.wpe);
    ld.load("ln_f.weight", true, {D}, &w.ln_f_g);
    ld.load("ln_f.bias", true, {D}, &w.ln_f_b);
  }
  if (!ld.status) return ld.status;

  w.layers.resize(cfg.n_layers);
  for (int l = 0; l < cfg.n_layers && ld.status; l++) {
    LayerWeights& L = w.layers[l];
    if (bert) {
      const std::string p = nm.layer_prefix + std::to_string(l) + ".";
      Weight bq, bk, bv;
      ld.load(p + nm.q + dot_w, true, {D, D}, &L.w_q);
      ld.load(p + nm.k + dot_w, true, {D, D}, &L.w_k);
      ld.load(p + nm.v + dot_w, true, {D, D}, &L.w_v);
      ld.load(p + nm.q + dot_b, true, {D}, &bq);
      ld.load(p + nm.k + dot_b, true, {D}, &bk);
      ld.load(p + nm.v + dot_b, true, {D}, &bv);
      if (!ld.status) break;
      Vec b_qkv(static_cast<size_t>(3 * D));
      std::memcpy(b_qkv.data(), bq.data(), sizeof(float) * D);
      std::memcpy(b_qkv.data() + D, bk.data(), sizeof(float) * D);
      std::memcpy(b_qkv.data() + 2 * D, bv.data(), sizeof(float) * D);
      ld.owned_bytes += b_qkv.size() * sizeof(float);
      L.b_qkv.set(std::move(b_qkv));
      ld.load(p + nm.o + dot_w, true, {D, D}, &L.w_o);
      ld.load(p + nm.o + dot_b, true, {D}, &L.b_o);
      ld.load(p + nm.ln1 + dot_w, true, {D}, &L.ln1_g);
      ld.load(p + nm.ln1 + dot_b, true, {D}, &L.ln1_b);
      ld.load(p + nm.ff1 + dot_w, true, {F, D}, &L.w_ff1);
      ld.load(p + nm.ff1 + dot_b, true, {F}, &L.b_ff1);
      ld.load(p + nm.ff2 + dot_w, true, {D, F}, &L.w_ff2);
      ld.load(p + nm.ff2 + dot_b, true, {D}, &L.b_ff2);
      ld.load(p + nm.ln2 + dot_w, true, {D}, &L.ln2_g);
      ld.load(p + nm.ln2 + dot_b, true, {D}, &L.ln2_b);
    } else {  // GPT-2 Conv1D weights are already (in, out)
      const std::string p = "h." + std::to_string(l) + ".";
      ld.load(p + "ln_1.weight", true, {D}, &L.ln1_g);
      ld.load(p + "ln_1.bias", true, {D}, &L.ln1_b);
      ld.load(p + "attn.c_attn.weight", true, {D, 3 * D}, &L.w_qkv);
      ld.load(p + "attn.c_attn.bias", true, {3 * D}, &L.b_qkv);
      ld.load(p + "attn.c_proj.weight", true, {D, D}, &L.w_o);
      ld.load(p + "attn.c_proj.bias", true, {D}, &L.b_o);
      ld.load(p + "ln_2.weight", true, {D}, &L.ln2_g);
      ld.load(p + "ln_2.bias", true, {D}, &L.ln2_b);
      ld.load(p + "mlp.c_fc.weight", true, {D, F}, &L.w_ff1);
      ld.load(p + "mlp.c_fc.bias", true, {F}, &L.b_ff1);
      ld.load(p + "mlp.c_proj.weight", true, {F, D}, &L.w_ff2);
      ld.load(p + "mlp.c_proj.bias", true, {D}, &L.b_ff2);
    }
  }
  if (!ld.status) return ld.status;

  switch (cfg.head) {
    case HeadKind::None:
      break;
    case HeadKind::MaskedLM:
      ld.load(nm.mlm_dense + dot_w, false, {D, D}, &w.mlm_w);
      ld.load(nm.mlm_dense + dot_b, false, {D}, &w.mlm_b);
      ld.load(nm.mlm_ln + dot_w, false, {D}, &w.mlm_ln_g);
      ld.load(nm.mlm_ln + dot_b, false, {D}, &w.mlm_ln_b);
      if (ld.has(nm.mlm_decoder, false)) ld.load(nm.mlm_decoder, false, {V, D}, &w.decoder);
      if (ld.has(nm.mlm_bias, false)) ld.load(nm.mlm_bias, false, {V}, &w.decoder_b);
      else ld.load(nm.mlm_decoder_bias, false, {V}, &w.decoder_b);
      break;
    case HeadKind::CausalLM:
      if (ld.has("lm_head.weight", false)) ld.load("lm_head.weight", false, {V, D}, &w.decoder);
      break;
    case HeadKind::TokenClassification:
    case HeadKind::SequenceClassification: {
      const std::string cls = cfg.head == HeadKind::SequenceClassification ? nm.seq_cls : "classifier";
      const Source* cw = ld.find(cls + dot_w, false);
      if (!cw) return Status::error(what + ": model.safetensors has no tensor '" + cls + ".weight' (config.json says " +
                                    cfg.architecture + ")");
      if (cw->view.shape.size() != 2 || cw->view.shape[1] != D)
        return Status::error(what + "/" + cw->file + ": tensor '" + cls + ".weight' has shape " + shape_str(cw->view.shape) +
                             ", config.json says [labels," + std::to_string(D) + "]");
      const int64_t n_labels = cw->view.shape[0];
      if (n_labels <= 0) return Status::error(what + "/" + cw->file + ": " + cls + ".weight has no labels");
      if (!cfg.labels.empty() && static_cast<int64_t>(cfg.labels.size()) != n_labels)
        return Status::error(what + ": config.json id2label has " + std::to_string(cfg.labels.size()) +
                             " labels but " + cls + ".weight has " + std::to_string(n_labels));
      if (cfg.labels.empty())
        for (int64_t i = 0; i < n_labels; i++) cfg.labels.push_back("LABEL_" + std::to_string(i));
      ld.load(cls + dot_w, false, {n_labels, D}, &w.cls_w);
      ld.load(cls + dot_b, false, {n_labels}, &w.cls_b);
      if (cfg.head == HeadKind::SequenceClassification) {
        ld.load(nm.pool + dot_w, nm.pool_in_base, {D, D}, &w.pool_w);
        ld.load(nm.pool + dot_b, nm.pool_in_base, {D}, &w.pool_b);
      }
      break;
    }
  }
  if (!ld.status) return ld.status;
  for (auto& [file, owner] : ld.kept) kept.push_back(owner);
  mem.in_place_bytes = ld.in_place_bytes;
  mem.owned_bytes = ld.owned_bytes;
  return ld.status;
}

// Multi-head self-attention of layer l on x (T,D) (Vaswani et al. 2017): fills q, k, v, attentions[l] and ctx.
void Model::Impl::attention(int l, const float* x, int T, const std::vector<uint8_t>& head_mask, Activations* a) {
  const int D = cfg.d_model, H = cfg.n_heads, dh = cfg.d_head;
  const LayerWeights& L = w.layers[l];
  if (cfg.family == Family::Bert) {  // three (out, in) weights into the q | k | v columns of qkv
    linear(T, D, D, x, D, L.w_q, qkv.data(), 3 * D, false);
    linear(T, D, D, x, D, L.w_k, qkv.data() + D, 3 * D, false);
    linear(T, D, D, x, D, L.w_v, qkv.data() + 2 * D, 3 * D, false);
  } else {
    linear(T, 3 * D, D, x, D, L.w_qkv, qkv.data(), 3 * D, false);
  }
  const size_t head_stride = static_cast<size_t>(T) * dh;
  const size_t layer_off = static_cast<size_t>(l) * H * head_stride;
  for_rows(T, [&](int t0, int t1) {  // bias, then each head's q, k, v rows into their (T, dh) blocks
  add_bias(qkv.data() + static_cast<size_t>(t0) * 3 * D, t1 - t0, 3 * D, L.b_qkv.data());
  for (int t = t0; t < t1; t++) {
    const float* row = qkv.data() + static_cast<size_t>(t) * 3 * D;
    for (int h = 0; h < H; h++) {
      const size_t o = layer_off + h * head_stride + static_cast<size_t>(t) * dh;
      std::memcpy(a->q.data() + o, row + h * dh, sizeof(float) * dh);
      std::memcpy(a->k.data() + o, row + D + h * dh, sizeof(float) * dh);
      std::memcpy(a->v.data() + o, row + 2 * D + h * dh, sizeof(float) * dh);
    }
  }
  });
  float scale = 1.0f;
  if (cfg.family == Family::Bert || cfg.scale_attn_weights) scale /= std::sqrt(static_cast<float>(dh));
  if (cfg.family == Family::Gpt2 && cfg.scale_attn_by_inverse_layer_idx) scale /= static_cast<float>(l + 1);
  const bool causal = cfg.family == Family::Gpt2;
  // Causal rows only need the keys up to themselves: do the products in row blocks over that prefix.
  const int block = causal ? 64 : T;
  parallel_for(H, [&](int h, int) {  // heads in parallel (each writes its own columns of ctx)
    const float* q = a->q.data() + layer_off + h * head_stride;   // (T, dh)
    const float* k = a->k.data() + layer_off + h * head_stride;   // (T, dh)
    const float* v = a->v.data() + layer_off + h * head_stride;   // (T, dh)
    float* p = a->attentions.data() + (static_cast<size_t>(l) * H + h) * T * T;  // (T, T)
    const bool off = !head_mask.empty() && head_mask[static_cast<size_t>(l) * H + h];
    for (int i0 = 0; i0 < T; i0 += block) {
      const int rows = std::min(block, T - i0);
      const int cols = causal ? i0 + rows : T;
      float* pb = p + static_cast<size_t>(i0) * T;
      gemm(rows, cols, dh, q + static_cast<size_t>(i0) * dh, dh, k, dh, true, pb, T, false);
      for (int i = 0; i < rows; i++) softmax_row(pb + static_cast<size_t>(i) * T, T, causal ? i0 + i + 1 : T, scale);
      float* c = ctx.data() + static_cast<size_t>(i0) * D + h * dh;
      if (off) {
        for (int i = 0; i < rows; i++) std::memset(c + static_cast<size_t>(i) * D, 0, sizeof(float) * dh);
      } else {
        gemm(rows, dh, cols, pb, T, v, dh, false, c, D, false);
      }
    }
  });
}

// LM logits at `pos` (rows of the last hidden state) into a->logits (P, V).
void Model::Impl::lm_head(const std::vector<int>& pos, int T, Activations* a) {
  const int D = cfg.d_model, V = cfg.vocab_size, P = static_cast<int>(pos.size());
  a->logit_positions = pos;
  a->logit_cols = V;
  a->logits.resize(static_cast<size_t>(P) * V);
  if (P == 0) return;
  const float* last = a->hidden.data() + static_cast<size_t>(cfg.n_layers) * T * D;
  for (int i = 0; i < P; i++)
    std::memcpy(lm_in.data() + static_cast<size_t>(i) * D, last + static_cast<size_t>(pos[i]) * D, sizeof(float) * D);
  const float* dec = w.decoder.empty() ? w.wte.data() : w.decoder.data();  // (V, D)
  const float* in = lm_in.data();
  if (cfg.head == HeadKind::MaskedLM) {
    linear(P, D, D, lm_in.data(), D, w.mlm_w, lm_t.data(), D, false);
    bias_act(lm_t.data(), P, D, w.mlm_b.data(), cfg.mlm_act);
    layer_norm(lm_t.data(), lm_t.data(), P, D, w.mlm_ln_g.data(), w.mlm_ln_b.data(), cfg.ln_eps);
    in = lm_t.data();
  }
  gemm(P, V, D, in, D, dec, D, true, a->logits.data(), V, false);
  if (!w.decoder_b.empty()) add_bias(a->logits.data(), P, V, w.decoder_b.data());
}

Model::Model() : impl_(std::make_unique<Impl>()) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

Status Model::load(const FileMap& files, const std::string& what, Model* out, const FileOwners* owners,
                   const ByteSources* sources) {
  auto impl = std::make_unique<Impl>();
  Status s = impl->load(files, what, owners, sources);
  if (!s) return s;  // *out keeps its previous model
  out->impl_ = std::move(impl);
  return Status::success();
}

const ModelConfig& Model::config() const { return impl_->cfg; }

ModelMemory Model::memory() const { return impl_->mem; }

double Model::flops(int T) const {
  const ModelConfig& c = impl_->cfg;
  const double t = T, D = c.d_model, F = c.d_ff;
  const double per_layer = 2 * t * D * 3 * D + 2 * t * D * D + 2 * 2 * t * D * F + 2 * 2 * t * t * D;
  return per_layer * c.n_layers;
}

double Model::flops_lm(int rows) const {
  const ModelConfig& c = impl_->cfg;
  const double D = c.d_model, V = c.vocab_size;
  if (c.head == HeadKind::MaskedLM) return rows * (2 * D * D + 2 * D * V);
  if (c.head == HeadKind::CausalLM) return rows * 2 * D * V;
  return 0;
}

Status Model::forward(const std::vector<int32_t>& ids, const std::vector<int32_t>& type_ids, const ForwardOptions& opt,
                      Activations* out) {
  Impl& m = *impl_;
  const ModelConfig& c = m.cfg;
  if (c.n_layers == 0) return Status::error("model: no model loaded");
  const int T = static_cast<int>(ids.size());
  if (T == 0) return Status::error("input: no tokens");
  if (T > c.max_positions)
    return Status::error("input: " + std::to_string(T) + " tokens, more than the model's " +
                         std::to_string(c.max_positions) + " positions (truncate the input)");
  for (int t = 0; t < T; t++)
    if (ids[t] < 0 || ids[t] >= c.vocab_size)
      return Status::error("input: token id " + std::to_string(ids[t]) + " at position " + std::to_string(t) +
                           " is outside the model's vocabulary of " + std::to_string(c.vocab_size) +
                           " (tokenizer and model do not match?)");
  if (!type_ids.empty()) {
    if (static_cast<int>(type_ids.size()) != T)
      return Status::error("input: " + std::to_string(type_ids.size()) + " token type ids for " + std::to_string(T) + " tokens");
    for (int t = 0; t < T && c.variant != Variant::DistilBert; t++)  // DistilBERT takes no token types: ignored
      if (type_ids[t] < 0 || type_ids[t] >= std::max(1, c.type_vocab_size))
        return Status::error("input: token type id " + std::to_string(type_ids[t]) + " at position " + std::to_string(t) +
                             " is outside the model's " + std::to_string(c.type_vocab_size) + " token types");
  }
  const int L = c.n_layers, H = c.n_heads, D = c.d_model, F = c.d_ff;
  if (!opt.head_mask.empty() && opt.head_mask.size() != static_cast<size_t>(L) * H)
    return Status::error("input: head_mask has " + std::to_string(opt.head_mask.size()) + " entries, the model has " +
                         std::to_string(L * H) + " heads");
  std::vector<int> positions;
  const bool lm = c.head == HeadKind::MaskedLM || c.head == HeadKind::CausalLM;
  if (lm) {
    if (opt.all_positions) {
      positions.resize(T);
      for (int t = 0; t < T; t++) positions[t] = t;
    } else {
      for (int p : opt.lm_positions) {
        if (p < 0 || p >= T)
          return Status::error("input: LM position " + std::to_string(p) + " is outside 0.." + std::to_string(T - 1));
        positions.push_back(p);
      }
    }
  }

  m.reserve(T);
  Activations* a = out;
  a->T = T;
  const size_t TD = static_cast<size_t>(T) * D;
  a->attentions.resize(static_cast<size_t>(L) * H * T * T);
  a->q.resize(static_cast<size_t>(L) * TD);
  a->k.resize(static_cast<size_t>(L) * TD);
  a->v.resize(static_cast<size_t>(L) * TD);
  a->hidden.resize(static_cast<size_t>(L + 1) * TD);

  // Embeddings: word + position (+ token type, then LayerNorm, for BERT). RoBERTa's position of token t is
  // pad_id + (number of non-pad tokens up to t) and pad_id for a pad token (create_position_ids_from_input_ids).
  float* h0 = a->hidden.data();
  int non_pad = 0;
  for (int t = 0; t < T; t++) {
    float* r = h0 + static_cast<size_t>(t) * D;
    const float* we = m.w.wte.data() + static_cast<size_t>(ids[t]) * D;
    int pos = t;
    if (c.variant == Variant::Roberta) pos = ids[t] == c.pad_id ? c.pad_id : c.pad_id + ++non_pad;
    const float* pe = m.w.wpe.data() + static_cast<size_t>(pos) * D;
    for (int i = 0; i < D; i++) r[i] = we[i] + pe[i];
    if (c.family == Family::Bert && !m.w.wtt.empty()) {
      const float* te = m.w.wtt.data() + static_cast<size_t>(type_ids.empty() ? 0 : type_ids[t]) * D;
      for (int i = 0; i < D; i++) r[i] += te[i];
    }
  }
  if (c.family == Family::Bert) layer_norm(h0, h0, T, D, m.w.emb_ln_g.data(), m.w.emb_ln_b.data(), c.ln_eps);

  if (c.family == Family::Bert) {  // post-LN blocks (Devlin et al. 2019)
    for (int l = 0; l < L; l++) {
      if (opt.cancelled && opt.cancelled()) return Status::error(kCancelled);
      const LayerWeights& W = m.w.layers[l];
      const float* x = a->hidden.data() + static_cast<size_t>(l) * TD;
      float* y = a->hidden.data() + static_cast<size_t>(l + 1) * TD;
      m.attention(l, x, T, opt.head_mask, a);
      // The row-wise steps run on row ranges over the threads (for_rows), each range doing what the serial code did
      // in the same order: the same numbers, fewer single-threaded stretches between the products.
      const auto rows_at = [&](float* p, int t0) { return p + static_cast<size_t>(t0) * D; };
      for_rows(T, [&](int t0, int t1) {
        std::memcpy(rows_at(m.x1.data(), t0), x + static_cast<size_t>(t0) * D, sizeof(float) * D * (t1 - t0));
      });
      m.linear(T, D, D, m.ctx.data(), D, W.w_o, m.x1.data(), D, true);
      for_rows(T, [&](int t0, int t1) {
        float* r = rows_at(m.x1.data(), t0);
        add_bias(r, t1 - t0, D, W.b_o.data());
        layer_norm(r, r, t1 - t0, D, W.ln1_g.data(), W.ln1_b.data(), c.ln_eps);
        std::memcpy(rows_at(y, t0), r, sizeof(float) * D * (t1 - t0));
      });
      m.linear(T, F, D, m.x1.data(), D, W.w_ff1, m.ff.data(), F, false);
      bias_act(m.ff.data(), T, F, W.b_ff1.data(), c.act);
      m.linear(T, D, F, m.ff.data(), F, W.w_ff2, y, D, true);
      for_rows(T, [&](int t0, int t1) {
        float* r = rows_at(y, t0);
        add_bias(r, t1 - t0, D, W.b_ff2.data());
        layer_norm(r, r, t1 - t0, D, W.ln2_g.data(), W.ln2_b.data(), c.ln_eps);
      });
    }
  } else {  // pre-LN blocks (Radford et al. 2019)
    std::memcpy(m.resid.data(), h0, sizeof(float) * TD);
    for (int l = 0; l < L; l++) {
      if (opt.cancelled && opt.cancelled()) return Status::error(kCancelled);
      const LayerWeights& W = m.w.layers[l];
      // Row-wise steps on row ranges over the threads (for_rows), as in the BERT blocks: the same numbers.
      const auto rows_at = [&](float* p, int t0) { return p + static_cast<size_t>(t0) * D; };
      for_rows(T, [&](int t0, int t1) {
        layer_norm(rows_at(m.resid.data(), t0), rows_at(m.x1.data(), t0), t1 - t0, D, W.ln1_g.data(), W.ln1_b.data(),
                   c.ln_eps);
      });
      m.attention(l, m.x1.data(), T, opt.head_mask, a);
      m.linear(T, D, D, m.ctx.data(), D, W.w_o, m.resid.data(), D, true);
      for_rows(T, [&](int t0, int t1) {
        add_bias(rows_at(m.resid.data(), t0), t1 - t0, D, W.b_o.data());
        layer_norm(rows_at(m.resid.data(), t0), rows_at(m.x1.data(), t0), t1 - t0, D, W.ln2_g.data(),
                   W.ln2_b.data(), c.ln_eps);
      });
      m.linear(T, F, D, m.x1.data(), D, W.w_ff1, m.ff.data(), F, false);
      bias_act(m.ff.data(), T, F, W.b_ff1.data(), c.act);
      m.linear(T, D, F, m.ff.data(), F, W.w_ff2, m.resid.data(), D, true);
      float* y = a->hidden.data() + static_cast<size_t>(l + 1) * TD;
      for_rows(T, [&](int t0, int t1) {
        float* r = rows_at(m.resid.data(), t0);
        add_bias(r, t1 - t0, D, W.b_ff2.data());
        if (l + 1 < L) std::memcpy(rows_at(y, t0), r, sizeof(float) * D * (t1 - t0));
        else layer_norm(r, rows_at(y, t0), t1 - t0, D, m.w.ln_f_g.data(), m.w.ln_f_b.data(), c.ln_eps);
      });
    }
  }

  const float* last = a->hidden.data() + static_cast<size_t>(L) * TD;
  switch (c.head) {
    case HeadKind::None:
      a->logits.clear();
      a->logit_positions.clear();
      a->logit_cols = 0;
      break;
    case HeadKind::MaskedLM:
    case HeadKind::CausalLM:
      m.lm_head(positions, T, a);
      break;
    case HeadKind::TokenClassification: {
      const int n = static_cast<int>(c.labels.size());
      a->logit_cols = n;
      a->logits.resize(static_cast<size_t>(T) * n);
      a->logit_positions.resize(T);
      for (int t = 0; t < T; t++) a->logit_positions[t] = t;
      m.linear(T, n, D, last, D, m.w.cls_w, a->logits.data(), n, false);
      add_bias(a->logits.data(), T, n, m.w.cls_b.data());
      break;
    }
    case HeadKind::SequenceClassification: {
      const int n = static_cast<int>(c.labels.size());
      m.linear(1, D, D, last, D, m.w.pool_w, m.lm_t.data(), D, false);
      for (int i = 0; i < D; i++)
        m.lm_t[i] = c.pool_relu ? std::max(0.f, m.lm_t[i] + m.w.pool_b[i]) : std::tanh(m.lm_t[i] + m.w.pool_b[i]);
      a->logit_cols = n;
      a->logits.resize(n);
      a->logit_positions.assign(1, 0);
      m.linear(1, n, D, m.lm_t.data(), D, m.w.cls_w, a->logits.data(), n, false);
      add_bias(a->logits.data(), 1, n, m.w.cls_b.data());
      break;
    }
  }
  return Status::success();
}

}  // namespace attnviz
