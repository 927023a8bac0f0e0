// Tests of the transformer engine: every case of the reference vectors (tests/data, made with Hugging Face
// transformers), invariants on inputs not in the fixtures, weight-format variants, and bad model files.
#include <doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "folder.h"
#include "gemm.h"
#include "model.h"
#include "safetensors.h"
#include "test_paths.h"
#include "tokenizer.h"

using namespace attnviz;
using attnviz_test::data_dir;
using attnviz_test::models_dir;

namespace {

// A model folder's bytes plus the parsed model.
struct Loaded {
  FolderFiles files;
  Model model;
  Status status;
};

Status load_dir(const std::string& dir, Loaded* out) {
  Status s = read_folder(dir, &out->files);
  if (!s) return s;
  return Model::load(out->files.view(), dir, &out->model);
}

// A reference file (expected.safetensors) with its tensors as float / int vectors.
struct Reference {
  std::string bytes;
  SafeTensors st;

  bool open(const std::string& path) {
    if (!attnviz_test::read_file(path, &bytes)) return false;
    return static_cast<bool>(SafeTensors::parse(bytes, path, &st));
  }
  bool has(const std::string& name) const { return st.find(name) != nullptr; }
  std::vector<float> floats(const std::string& name) const {
    const TensorView* t = st.find(name);
    if (!t) return {};
    std::vector<float> v(static_cast<size_t>(t->numel));
    if (!tensor_to_float(*t, name, v.data())) return {};
    return v;
  }
  std::vector<int32_t> ints(const std::string& name) const {
    const TensorView* t = st.find(name);
    if (!t || t->dtype != DType::I32) return {};
    std::vector<int32_t> v(static_cast<size_t>(t->numel));
    std::memcpy(v.data(), t->data.data(), v.size() * 4);
    return v;
  }
  std::vector<int64_t> shape(const std::string& name) const {
    const TensorView* t = st.find(name);
    return t ? t->shape : std::vector<int64_t>{};
  }
  // Case names: every prefix with an .input_ids tensor.
  std::vector<std::string> cases() const {
    std::vector<std::string> out;
    const std::string suf = ".input_ids";
    for (const TensorView& t : st.tensors())
      if (t.name.size() > suf.size() && t.name.compare(t.name.size() - suf.size(), suf.size(), suf) == 0)
        out.push_back(t.name.substr(0, t.name.size() - suf.size()));
    return out;
  }
};

// Compares n values; prints the first mismatches (llm.c style) and returns the largest absolute difference.
bool close_enough(const std::string& label, const float* got, const float* want, size_t n, float tol) {
  int shown = 0;
  float worst = 0;
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    const float d = std::fabs(got[i] - want[i]);
    if (!(d <= tol)) {
      bad++;
      if (shown < 5) {
        std::printf("  MISMATCH %s [%zu]: got %.7g want %.7g (diff %.3g > %.3g)\n", label.c_str(), i, got[i], want[i],
                    d, tol);
        shown++;
      }
    }
    if (d > worst || d != d) worst = d;
  }
  if (bad) std::printf("  %s: %zu of %zu values off, max diff %.3g\n", label.c_str(), bad, n, worst);
  return bad == 0;
}

// Runs every case of `expected` through the model at `model_dir` and compares all stored tensors.
void check_fixture(const std::string& model_dir, const std::string& expected, float att_tol) {
  Loaded m;
  Status s = load_dir(model_dir, &m);
  REQUIRE_MESSAGE(s.ok, s.message);
  Reference ref;
  REQUIRE_MESSAGE(ref.open(expected), expected);
  const ModelConfig& c = m.model.config();
  const std::vector<std::string> cases = ref.cases();
  REQUIRE(cases.size() >= 5);
  Activations a;
  int checked = 0;
  for (const std::string& name : cases) {
    CAPTURE(name);
    const std::vector<int32_t> ids = ref.ints(name + ".input_ids");
    const std::vector<int32_t> types = ref.ints(name + ".token_type_ids");
    const int T = static_cast<int>(ids.size());
    ForwardOptions opt;
    opt.all_positions = true;
    s = m.model.forward(ids, types, opt, &a);
    REQUIRE_MESSAGE(s.ok, s.message);
    REQUIRE(a.T == T);
    const size_t TD = static_cast<size_t>(T) * c.d_model;
    const size_t TT = static_cast<size_t>(T) * T;
    if (ref.has(name + ".attentions")) {
      std::vector<float> want = ref.floats(name + ".attentions");
      REQUIRE(want.size() == a.attentions.size());
      CHECK(close_enough(name + ".attentions", a.attentions.data(), want.data(), want.size(), att_tol));
    }
    if (ref.has(name + ".attentions_last")) {  // long case: last layer only
      std::vector<float> want = ref.floats(name + ".attentions_last");
      REQUIRE(want.size() == TT * c.n_heads);
      CHECK(close_enough(name + ".attentions_last", a.attentions.data() + (c.n_layers - 1) * c.n_heads * TT,
                         want.data(), want.size(), att_tol));
    }
    if (ref.has(name + ".hidden_states")) {
      std::vector<float> want = ref.floats(name + ".hidden_states");
      REQUIRE(want.size() == a.hidden.size());
      CHECK(close_enough(name + ".hidden_states", a.hidden.data(), want.data(), want.size(), 2e-3f));
    }
    if (ref.has(name + ".hidden_last")) {
      std::vector<float> want = ref.floats(name + ".hidden_last");
      REQUIRE(want.size() == TD);
      CHECK(close_enough(name + ".hidden_last", a.hidden.data() + c.n_layers * TD, want.data(), TD, 2e-3f));
    }
    if (ref.has(name + ".logits")) {  // token classification
      std::vector<float> want = ref.floats(name + ".logits");
      REQUIRE(want.size() == a.logits.size());
      CHECK(a.logit_cols == static_cast<int>(c.labels.size()));
      CHECK(close_enough(name + ".logits", a.logits.data(), want.data(), want.size(), 2e-3f));
    }
    if (ref.has(name + ".logits_head")) {
      const int V = a.logit_cols;
      REQUIRE(V == c.vocab_size);
      REQUIRE(a.logits.size() == static_cast<size_t>(T) * V);
      std::vector<float> head = ref.floats(name + ".logits_head");
      std::vector<int32_t> argmax = ref.ints(name + ".logits_argmax");
      std::vector<float> lse = ref.floats(name + ".logits_lse");
      std::vector<float> got_head(static_cast<size_t>(T) * 64), got_lse(T);
      int argmax_bad = 0;
      for (int t = 0; t < T; t++) {
        const float* row = a.logits.data() + static_cast<size_t>(t) * V;
        std::copy(row, row + 64, got_head.begin() + static_cast<size_t>(t) * 64);
        const int am = static_cast<int>(std::max_element(row, row + V) - row);
        if (am != argmax[t]) {
          if (argmax_bad++ < 5)
            std::printf("  MISMATCH %s.logits_argmax [%d]: got %d (%.6f) want %d (%.6f)\n", name.c_str(), t, am,
                        row[am], argmax[t], row[argmax[t]]);
        }
        double mx = row[am], sum = 0;
        for (int v = 0; v < V; v++) sum += std::exp(static_cast<double>(row[v]) - mx);
        got_lse[t] = static_cast<float>(mx + std::log(sum));
      }
      CHECK(argmax_bad == 0);
      CHECK(close_enough(name + ".logits_head", got_head.data(), head.data(), head.size(), 2e-3f));
      CHECK(close_enough(name + ".logits_lse", got_lse.data(), lse.data(), lse.size(), 2e-3f));
    }
    checked++;
  }
  MESSAGE(model_dir << ": " << checked << " cases checked");
}

// Rewrites every tensor of a safetensors file through `fn(name, floats, shape, writer)`.
std::string rewrite(const std::string& bytes,
                    const std::function<void(const TensorView&, const std::vector<float>&, SafeTensorsWriter*)>& fn) {
  SafeTensors st;
  REQUIRE(SafeTensors::parse(bytes, "in", &st).ok);
  SafeTensorsWriter w;
  for (const TensorView& t : st.tensors()) {
    std::vector<float> f(static_cast<size_t>(t.numel));
    REQUIRE(tensor_to_float(t, "in", f.data()).ok);
    fn(t, f, &w);
  }
  return w.finish();
}

// A model folder held in memory (the page's way of loading).
struct MemModel {
  std::map<std::string, std::string> files;
  FileMap view() const {
    FileMap m;
    for (const auto& [k, v] : files) m[k] = v;
    return m;
  }
};

MemModel mem_copy(const std::string& dir) {
  FolderFiles f;
  REQUIRE(read_folder(dir, &f).ok);
  MemModel m;
  m.files = f.bytes;
  return m;
}

Status load_mem(const MemModel& mm, Model* out) { return Model::load(mm.view(), "mem", out); }

// Token ids not in the fixtures: a deterministic pseudo-random sequence.
std::vector<int32_t> random_ids(int T, int V, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> ids(T);
  for (int& id : ids) id = static_cast<int32_t>(rng() % static_cast<unsigned>(V));
  return ids;
}

Activations run(Model& m, const std::vector<int32_t>& ids, const std::vector<int32_t>& types = {},
                std::vector<uint8_t> mask = {}) {
  ForwardOptions opt;
  opt.all_positions = true;
  opt.head_mask = std::move(mask);
  Activations a;
  Status s = m.forward(ids, types, opt, &a);
  REQUIRE_MESSAGE(s.ok, s.message);
  return a;
}

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

// ---- reference vectors -----------------------------------------------------------------------------------------

TEST_CASE("model: tiny-bert matches transformers on every case") {
  check_fixture(data_dir() + "/tiny-bert", data_dir() + "/tiny-bert/expected.safetensors", 1e-4f);
}
TEST_CASE("model: tiny-bert-ner matches transformers on every case") {
  check_fixture(data_dir() + "/tiny-bert-ner", data_dir() + "/tiny-bert-ner/expected.safetensors", 1e-4f);
}
TEST_CASE("model: tiny-gpt2 matches transformers on every case") {
  check_fixture(data_dir() + "/tiny-gpt2", data_dir() + "/tiny-gpt2/expected.safetensors", 1e-4f);
}
TEST_CASE("model: zh-bert-mini matches transformers on every case (long included)") {
  check_fixture(models_dir() + "/zh-bert-mini", data_dir() + "/zh-bert-mini.expected.safetensors", 2e-3f);
}
TEST_CASE("model: zh-bert-ner-mini matches transformers on every case") {
  check_fixture(models_dir() + "/zh-bert-ner-mini", data_dir() + "/zh-bert-ner-mini.expected.safetensors", 2e-3f);
}
TEST_CASE("model: gpt2-mini matches transformers on every case (long included)") {
  check_fixture(models_dir() + "/gpt2-mini", data_dir() + "/gpt2-mini.expected.safetensors", 2e-3f);
}

TEST_CASE("model: config of the demo models") {
  Loaded m;
  REQUIRE(load_dir(models_dir() + "/zh-bert-ner-mini", &m).ok);
  const ModelConfig& c = m.model.config();
  CHECK(c.family == Family::Bert);
  CHECK(c.head == HeadKind::TokenClassification);
  CHECK(c.n_layers == 6);
  CHECK(c.n_heads == 8);
  CHECK(c.d_head == 32);
  CHECK(c.max_positions == 512);
  REQUIRE(c.labels.size() == 7);
  CHECK(c.labels[0] == "O");
  CHECK(c.labels[6] == "I-ORG");
  Loaded g;
  REQUIRE(load_dir(models_dir() + "/gpt2-mini", &g).ok);
  CHECK(g.model.config().family == Family::Gpt2);
  CHECK(g.model.config().head == HeadKind::CausalLM);
  CHECK(g.model.config().act == Activation::GeluTanh);
  CHECK(g.model.config().ln_eps == doctest::Approx(1e-5));
  CHECK(g.model.config().d_ff == 1024);
}

// ---- invariants on inputs the fixtures do not cover --------------------------------------------------------------

TEST_CASE("model: attention rows sum to 1, GPT-2 masks the future with exact zeros") {
  for (const char* name : {"tiny-bert", "tiny-gpt2"}) {
    CAPTURE(name);
    Loaded m;
    REQUIRE(load_dir(data_dir() + "/" + name, &m).ok);
    const ModelConfig& c = m.model.config();
    const int T = 77;
    Activations a = run(m.model, random_ids(T, c.vocab_size, 7));
    const bool causal = c.family == Family::Gpt2;
    int bad_sum = 0, bad_mask = 0;
    for (int l = 0; l < c.n_layers; l++)
      for (int h = 0; h < c.n_heads; h++) {
        const float* p = a.attention(l, h, c.n_heads);
        for (int i = 0; i < T; i++) {
          double sum = 0;
          for (int j = 0; j < T; j++) {
            const float v = p[i * T + j];
            sum += v;
            if (causal && j > i && v != 0.0f) bad_mask++;
            if (v < 0 || v > 1) bad_sum++;
          }
          if (std::fabs(sum - 1.0) > 1e-5) bad_sum++;
        }
      }
    CHECK(bad_sum == 0);
    CHECK(bad_mask == 0);
  }
}

TEST_CASE("model: GPT-2 is causal: a later token never changes earlier outputs") {
  Loaded m;
  REQUIRE(load_dir(data_dir() + "/tiny-gpt2", &m).ok);
  const ModelConfig& c = m.model.config();
  std::vector<int32_t> ids = random_ids(40, c.vocab_size, 3);
  Activations a = run(m.model, ids);
  ids[30] = (ids[30] + 1) % c.vocab_size;
  Activations b = run(m.model, ids);
  const size_t TD = 40 * c.d_model;
  // Hidden states before position 30 agree bit for bit in the last layer; position 30 differs.
  const float* ha = a.hidden.data() + c.n_layers * TD;
  const float* hb = b.hidden.data() + c.n_layers * TD;
  CHECK(std::memcmp(ha, hb, 30 * c.d_model * sizeof(float)) == 0);
  CHECK(std::memcmp(ha + 30 * c.d_model, hb + 30 * c.d_model, c.d_model * sizeof(float)) != 0);
}

TEST_CASE("model: head knockout") {
  for (const char* name : {"tiny-bert", "tiny-gpt2"}) {
    CAPTURE(name);
    Loaded m;
    REQUIRE(load_dir(data_dir() + "/" + name, &m).ok);
    const ModelConfig& c = m.model.config();
    const std::vector<int32_t> ids = random_ids(21, c.vocab_size, 11);
    const Activations base = run(m.model, ids);
    const size_t LH = static_cast<size_t>(c.n_layers) * c.n_heads;
    // Knocking out no head is the normal run, bit for bit.
    const Activations zero = run(m.model, ids, {}, std::vector<uint8_t>(LH, 0));
    CHECK(same(zero.hidden, base.hidden));
    CHECK(same(zero.logits, base.logits));
    CHECK(same(zero.attentions, base.attentions));
    // Knocking out all heads of layer 1 keeps layer 0 and layer 1's attention, changes what follows.
    std::vector<uint8_t> mask(LH, 0);
    for (int h = 0; h < c.n_heads; h++) mask[1 * c.n_heads + h] = 1;
    const Activations ko = run(m.model, ids, {}, mask);
    const size_t TD = 21 * c.d_model, TT = 21 * 21;
    CHECK(std::memcmp(ko.hidden.data(), base.hidden.data(), 2 * TD * sizeof(float)) == 0);
    CHECK(std::memcmp(ko.attentions.data(), base.attentions.data(), 2 * c.n_heads * TT * sizeof(float)) == 0);
    CHECK(std::memcmp(ko.hidden.data() + 2 * TD, base.hidden.data() + 2 * TD, TD * sizeof(float)) != 0);
    CHECK(!same(ko.logits, base.logits));
    // One head knocked out in layer 0 changes layer 1's attention (its context went to zero).
    std::vector<uint8_t> one(LH, 0);
    one[2] = 1;
    const Activations k1 = run(m.model, ids, {}, one);
    CHECK(std::memcmp(k1.attentions.data(), base.attentions.data(), c.n_heads * TT * sizeof(float)) == 0);
    CHECK(std::memcmp(k1.attentions.data() + c.n_heads * TT, base.attentions.data() + c.n_heads * TT,
                      c.n_heads * TT * sizeof(float)) != 0);
  }
}

TEST_CASE("model: knocking out a head equals zeroing its value projection") {
  // Independent check of where the knockout applies: a zero value projection (weights and bias) gives that head a
  // zero context vector, which is what head_mask promises.
  MemModel mm = mem_copy(data_dir() + "/tiny-bert");
  Model ref;
  REQUIRE(load_mem(mm, &ref).ok);
  const int D = ref.config().d_model, dh = ref.config().d_head, head = 1;
  mm.files["model.safetensors"] =
      rewrite(mm.files["model.safetensors"], [&](const TensorView& t, const std::vector<float>& f, SafeTensorsWriter* w) {
        std::vector<float> g = f;
        if (t.name == "bert.encoder.layer.0.attention.self.value.weight")
          for (int o = head * dh; o < (head + 1) * dh; o++) std::fill(g.begin() + o * D, g.begin() + (o + 1) * D, 0.f);
        if (t.name == "bert.encoder.layer.0.attention.self.value.bias")
          std::fill(g.begin() + head * dh, g.begin() + (head + 1) * dh, 0.f);
        w->add_f32(t.name, t.shape, g.data());
      });
  Model zeroed;
  REQUIRE(load_mem(mm, &zeroed).ok);
  const std::vector<int32_t> ids = random_ids(17, ref.config().vocab_size, 5);
  std::vector<uint8_t> mask(ref.config().n_layers * ref.config().n_heads, 0);
  mask[head] = 1;
  const Activations a = run(ref, ids, {}, mask);
  const Activations b = run(zeroed, ids);
  CHECK(close_enough("knockout vs zero V", a.hidden.data(), b.hidden.data(), a.hidden.size(), 1e-5f));
}

TEST_CASE("model: LM head only at requested positions") {
  Loaded m;
  REQUIRE(load_dir(data_dir() + "/tiny-bert", &m).ok);
  const int V = m.model.config().vocab_size;
  const std::vector<int32_t> ids = random_ids(12, V, 9);
  const Activations all = run(m.model, ids);
  ForwardOptions opt;
  opt.lm_positions = {5, 2};
  Activations a;
  REQUIRE(m.model.forward(ids, {}, opt, &a).ok);
  REQUIRE(a.logit_positions == std::vector<int>{5, 2});
  REQUIRE(a.logits.size() == 2u * V);
  CHECK(close_enough("pos 5", a.logits.data(), all.logits.data() + 5 * V, V, 1e-5f));
  CHECK(close_enough("pos 2", a.logits.data() + V, all.logits.data() + 2 * V, V, 1e-5f));
  ForwardOptions none;
  REQUIRE(m.model.forward(ids, {}, none, &a).ok);
  CHECK(a.logits.empty());
  opt.lm_positions = {12};
  CHECK_FALSE(m.model.forward(ids, {}, opt, &a).ok);
}

TEST_CASE("model: the same Activations reused across lengths gives the same results") {
  Loaded m;
  REQUIRE(load_dir(data_dir() + "/tiny-gpt2", &m).ok);
  const int V = m.model.config().vocab_size;
  const std::vector<int32_t> s1 = random_ids(30, V, 1), s2 = random_ids(9, V, 2);
  ForwardOptions opt;
  opt.all_positions = true;
  Activations a;
  REQUIRE(m.model.forward(s1, {}, opt, &a).ok);
  REQUIRE(m.model.forward(s2, {}, opt, &a).ok);
  const Activations fresh = run(m.model, s2);
  CHECK(same(a.hidden, fresh.hidden));
  CHECK(same(a.attentions, fresh.attentions));
  CHECK(same(a.logits, fresh.logits));
}

TEST_CASE("model: inputs up to the position limit; beyond it, out-of-vocabulary ids and bad type ids fail cleanly") {
  Loaded m;
  REQUIRE(load_dir(data_dir() + "/tiny-bert", &m).ok);
  const ModelConfig& c = m.model.config();
  Activations a;
  ForwardOptions opt;
  std::vector<int32_t> ids = random_ids(c.max_positions, c.vocab_size, 4);
  Status s = m.model.forward(ids, {}, opt, &a);
  CHECK_MESSAGE(s.ok, s.message);
  ids.push_back(1);
  s = m.model.forward(ids, {}, opt, &a);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("positions") != std::string::npos);
  s = m.model.forward({1, c.vocab_size, 2}, {}, opt, &a);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("vocabulary") != std::string::npos);
  CHECK_FALSE(m.model.forward({1, -1}, {}, opt, &a).ok);
  CHECK_FALSE(m.model.forward({}, {}, opt, &a).ok);
  CHECK_FALSE(m.model.forward({1, 2}, {0, 2}, opt, &a).ok);
  CHECK_FALSE(m.model.forward({1, 2}, {0}, opt, &a).ok);
  opt.head_mask = {1, 0};
  CHECK_FALSE(m.model.forward({1, 2}, {}, opt, &a).ok);
}

// ---- weight formats and naming variants ----------------------------------------------------------------------------

TEST_CASE("model: F16 and BF16 weights give the float32 results of the same rounded weights") {
  for (const char* name : {"tiny-bert", "tiny-gpt2"}) {
    CAPTURE(name);
    MemModel mm = mem_copy(data_dir() + "/" + name);
    const std::string f32 = mm.files["model.safetensors"];
    Model orig;
    REQUIRE(load_mem(mm, &orig).ok);
    const std::vector<int32_t> ids = random_ids(19, orig.config().vocab_size, 21);
    const Activations base = run(orig, ids);
    for (int kind = 0; kind < 2; kind++) {
      CAPTURE(kind);
      // The same weights stored as F16 / BF16, and as F32 holding the rounded values.
      MemModel low = mm, rounded = mm;
      low.files["model.safetensors"] = rewrite(f32, [&](const TensorView& t, const std::vector<float>& f, SafeTensorsWriter* w) {
        if (kind == 0) w->add_f16(t.name, t.shape, f.data());
        else w->add_bf16(t.name, t.shape, f.data());
      });
      rounded.files["model.safetensors"] =
          rewrite(f32, [&](const TensorView& t, const std::vector<float>& f, SafeTensorsWriter* w) {
            std::vector<float> r(f.size());
            for (size_t i = 0; i < f.size(); i++)
              r[i] = kind == 0 ? half_to_float(float_to_half(f[i])) : bf16_to_float(float_to_bf16(f[i]));
            w->add_f32(t.name, t.shape, r.data());
          });
      Model ml, mr;
      REQUIRE(load_mem(low, &ml).ok);
      REQUIRE(load_mem(rounded, &mr).ok);
      const Activations al = run(ml, ids), ar = run(mr, ids);
      CHECK(same(al.hidden, ar.hidden));
      CHECK(same(al.attentions, ar.attentions));
      CHECK(same(al.logits, ar.logits));
      // And close to the float32 original: rounding the weights moves the outputs only a little.
      float worst = 0;
      for (size_t i = 0; i < al.attentions.size(); i++) worst = std::max(worst, std::fabs(al.attentions[i] - base.attentions[i]));
      CHECK(worst < (kind == 0 ? 0.05f : 0.5f));
      CHECK(worst > 0.0f);
    }
  }
}

TEST_CASE("model: tensor names without the base prefix, old gamma/beta names, stored tied weights, buffers") {
  MemModel mm = mem_copy(data_dir() + "/tiny-bert");
  Model orig;
  REQUIRE(load_mem(mm, &orig).ok);
  const std::vector<int32_t> ids = random_ids(15, orig.config().vocab_size, 8);
  const Activations base = run(orig, ids);
  std::vector<float> wte;
  MemModel old = mm;
  old.files["model.safetensors"] =
      rewrite(mm.files["model.safetensors"], [&](const TensorView& t, const std::vector<float>& f, SafeTensorsWriter* w) {
        std::string n = t.name;
        if (n.rfind("bert.", 0) == 0) n = n.substr(5);
        auto rep = [&](const std::string& from, const std::string& to) {
          if (n.size() >= from.size() && n.compare(n.size() - from.size(), from.size(), from) == 0)
            n = n.substr(0, n.size() - from.size()) + to;
        };
        rep("LayerNorm.weight", "LayerNorm.gamma");
        rep("LayerNorm.bias", "LayerNorm.beta");
        if (t.name == "bert.embeddings.word_embeddings.weight") wte = f;
        w->add_f32(n, t.shape, f.data());
      });
  Model mo;
  Status s = load_mem(old, &mo);
  REQUIRE_MESSAGE(s.ok, s.message);
  const Activations ao = run(mo, ids);
  CHECK(same(ao.hidden, base.hidden));
  CHECK(same(ao.logits, base.logits));

  // An explicit decoder weight equal to the embeddings, a decoder.bias instead of cls.predictions.bias, and the
  // position_ids buffer: the same results.
  MemModel tied = mm;
  tied.files["model.safetensors"] =
      rewrite(mm.files["model.safetensors"], [&](const TensorView& t, const std::vector<float>& f, SafeTensorsWriter* w) {
        if (t.name == "cls.predictions.bias") {
          w->add_f32("cls.predictions.decoder.bias", t.shape, f.data());
          return;
        }
        w->add_f32(t.name, t.shape, f.data());
        if (t.name == "bert.embeddings.word_embeddings.weight") w->add_f32("cls.predictions.decoder.weight", t.shape, f.data());
      });
  {
    std::vector<int32_t> pos(128);
    for (int i = 0; i < 128; i++) pos[i] = i;
    SafeTensors st;
    REQUIRE(SafeTensors::parse(tied.files["model.safetensors"], "t", &st).ok);
    SafeTensorsWriter w;
    for (const TensorView& t : st.tensors()) w.add_raw(t.name, t.dtype_name, t.shape, std::string(t.data));
    w.add_raw("bert.embeddings.position_ids", "I64", {1, 128}, std::string(128 * 8, '\0'));
    tied.files["model.safetensors"] = w.finish();
  }
  Model mt;
  s = load_mem(tied, &mt);
  REQUIRE_MESSAGE(s.ok, s.message);
  const Activations at = run(mt, ids);
  CHECK(same(at.logits, base.logits));
}

TEST_CASE("model: GPT-2 without the transformer. prefix, with attn.bias buffers and an explicit lm_head") {
  MemModel mm = mem_copy(data_dir() + "/tiny-gpt2");
  Model orig;
  REQUIRE(load_mem(mm, &orig).ok);
  const std::vector<int32_t> ids = random_ids(25, orig.config().vocab_size, 12);
  const Activations base = run(orig, ids);
  MemModel v = mm;
  v.files["model.safetensors"] =
      rewrite(mm.files["model.safetensors"], [&](const TensorView& t, const std::vector<float>& f, SafeTensorsWriter* w) {
        std::string n = t.name.rfind("transformer.", 0) == 0 ? t.name.substr(12) : t.name;
        w->add_f32(n, t.shape, f.data());
        if (n == "wte.weight") w->add_f32("lm_head.weight", t.shape, f.data());
        if (n.size() > 16 && n.compare(n.size() - 16, 16, "attn.c_attn.bias") == 0) {
          const std::string layer = n.substr(0, n.size() - 16);
          std::vector<float> tri(128 * 128, 1.f);
          w->add_f32(layer + "attn.bias", {1, 1, 128, 128}, tri.data());
          float mb = -1e4f;
          w->add_f32(layer + "attn.masked_bias", {}, &mb);
        }
      });
  Model mv;
  Status s = load_mem(v, &mv);
  REQUIRE_MESSAGE(s.ok, s.message);
  const Activations av = run(mv, ids);
  CHECK(same(av.hidden, base.hidden));
  CHECK(same(av.logits, base.logits));
}

TEST_CASE("model: sharded checkpoints (model.safetensors.index.json)") {
  MemModel mm = mem_copy(data_dir() + "/tiny-bert");
  Model orig;
  REQUIRE(load_mem(mm, &orig).ok);
  const std::vector<int32_t> ids = random_ids(11, orig.config().vocab_size, 13);
  const Activations base = run(orig, ids);
  SafeTensors st;
  REQUIRE(SafeTensors::parse(mm.files["model.safetensors"], "t", &st).ok);
  SafeTensorsWriter w1, w2;
  nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  int i = 0;
  for (const TensorView& t : st.tensors()) {
    const bool first = (i++ % 2) == 0;
    (first ? w1 : w2).add_raw(t.name, t.dtype_name, t.shape, std::string(t.data));
    index["weight_map"][t.name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  MemModel sh = mm;
  sh.files.erase("model.safetensors");
  sh.files["model-00001-of-00002.safetensors"] = w1.finish();
  sh.files["model-00002-of-00002.safetensors"] = w2.finish();
  sh.files["model.safetensors.index.json"] = index.dump();
  Model ms;
  Status s = load_mem(sh, &ms);
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(same(run(ms, ids).logits, base.logits));
  // A shard named in the index but not provided.
  sh.files.erase("model-00002-of-00002.safetensors");
  s = load_mem(sh, &ms);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("model-00002-of-00002.safetensors") != std::string::npos);
}

TEST_CASE("model: relu and tanh-GELU activations from config.json change the results as expected") {
  // tiny-bert with hidden_act relu: hidden states differ from gelu but attention in layer 0 (before any FFN) is equal.
  MemModel mm = mem_copy(data_dir() + "/tiny-bert");
  Model orig;
  REQUIRE(load_mem(mm, &orig).ok);
  const std::vector<int32_t> ids = random_ids(10, orig.config().vocab_size, 14);
  const Activations base = run(orig, ids);
  for (const char* act : {"relu", "gelu_new"}) {
    CAPTURE(act);
    MemModel r = mm;
    nlohmann::json cfg = nlohmann::json::parse(r.files["config.json"]);
    cfg["hidden_act"] = act;
    r.files["config.json"] = cfg.dump();
    Model mr;
    REQUIRE(load_mem(r, &mr).ok);
    const Activations ar = run(mr, ids);
    const size_t n0 = static_cast<size_t>(orig.config().n_heads) * 100;
    CHECK(std::memcmp(ar.attentions.data(), base.attentions.data(), n0 * sizeof(float)) == 0);
    CHECK(!same(ar.hidden, base.hidden));
  }
}

// ---- bad model files: a clear message, never a crash ---------------------------------------------------------------

namespace {

std::string u64le(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; i++) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// Expects loading to fail with a message holding every one of `needles`.
void expect_load_error(const MemModel& mm, std::initializer_list<const char*> needles) {
  Model m;
  Status s = load_mem(mm, &m);
  CHECK_FALSE(s.ok);
  for (const char* n : needles) CHECK_MESSAGE(s.message.find(n) != std::string::npos, s.message << " lacks " << n);
}

MemModel with_config(const MemModel& mm, const std::function<void(nlohmann::json&)>& edit) {
  MemModel r = mm;
  nlohmann::json cfg = nlohmann::json::parse(r.files["config.json"]);
  edit(cfg);
  r.files["config.json"] = cfg.dump();
  return r;
}

}  // namespace

TEST_CASE("model: bad weight files fail with a message naming the file and the problem") {
  const MemModel mm = mem_copy(data_dir() + "/tiny-bert");
  const std::string good = mm.files.at("model.safetensors");
  auto weights = [&](std::string bytes) {
    MemModel r = mm;
    r.files["model.safetensors"] = std::move(bytes);
    return r;
  };
  expect_load_error(weights(""), {"model.safetensors", "empty"});
  expect_load_error(weights(good.substr(0, 5)), {"model.safetensors", "truncated"});
  expect_load_error(weights(good.substr(0, good.size() / 2)), {"model.safetensors"});
  expect_load_error(weights(good.substr(0, 100)), {"model.safetensors"});
  expect_load_error(weights(u64le(1ull << 60) + "{}"), {"model.safetensors", "header length"});
  expect_load_error(weights(u64le(~0ull) + "{}"), {"model.safetensors", "header length"});
  expect_load_error(weights(u64le(10) + "not json!!"), {"model.safetensors", "JSON"});
  expect_load_error(weights(u64le(2) + "[]"), {"model.safetensors", "JSON"});
  expect_load_error(weights(u64le(0)), {"model.safetensors", "JSON"});
  const std::string past = R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  expect_load_error(weights(u64le(past.size()) + past + "abcd"), {"model.safetensors", "'x'", "outside"});
  const std::string huge = R"({"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}})";
  expect_load_error(weights(u64le(huge.size()) + huge + std::string(16, '\0')), {"model.safetensors", "'x'"});
  const std::string overflow = R"({"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})";
  expect_load_error(weights(u64le(overflow.size()) + overflow), {"model.safetensors", "'x'"});
  const std::string negative = R"({"x":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})";
  expect_load_error(weights(u64le(negative.size()) + negative + std::string(16, '\0')), {"model.safetensors", "'x'"});
  const std::string fshape = R"({"x":{"dtype":"F32","shape":[4.5],"data_offsets":[0,16]}})";
  expect_load_error(weights(u64le(fshape.size()) + fshape + std::string(16, '\0')), {"model.safetensors", "'x'"});
  const std::string noshape = R"({"x":{"dtype":"F32","data_offsets":[0,16]}})";
  expect_load_error(weights(u64le(noshape.size()) + noshape + std::string(16, '\0')), {"model.safetensors", "'x'"});
  const std::string rev = R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})";
  expect_load_error(weights(u64le(rev.size()) + rev + std::string(16, '\0')), {"model.safetensors", "'x'"});
  const std::string unk = R"({"x":{"dtype":"Q4_K","shape":[4],"data_offsets":[0,16]}})";
  expect_load_error(weights(u64le(unk.size()) + unk + std::string(16, '\0')), {"model.safetensors", "unknown dtype", "Q4_K"});

  // Weights of a known but non-float dtype where floats are needed.
  std::string i8 = rewrite(good, [&](const TensorView& t, const std::vector<float>& f, SafeTensorsWriter* w) {
    if (t.name == "bert.encoder.layer.1.attention.self.key.weight")
      w->add_raw(t.name, "I8", t.shape, std::string(static_cast<size_t>(t.numel), '\1'));
    else
      w->add_f32(t.name, t.shape, f.data());
  });
  expect_load_error(weights(i8), {"model.safetensors", "bert.encoder.layer.1.attention.self.key.weight", "I8"});

  // A missing tensor.
  std::string missing = rewrite(good, [&](const TensorView& t, const std::vector<float>& f, SafeTensorsWriter* w) {
    if (t.name != "bert.encoder.layer.1.output.dense.bias") w->add_f32(t.name, t.shape, f.data());
  });
  expect_load_error(weights(missing), {"model.safetensors", "bert.encoder.layer.1.output.dense.bias"});

  // Every single-byte truncation point of the header region, and random corruption, fail or load but never crash.
  for (size_t cut = 0; cut < 600; cut += 7) {
    Model m;
    (void)load_mem(weights(good.substr(0, cut)), &m);
  }
  std::mt19937 rng(1);
  for (int i = 0; i < 60; i++) {
    std::string b = good.substr(0, 2048);
    for (int k = 0; k < 8; k++) b[rng() % b.size()] = static_cast<char>(rng());
    Model m;
    (void)load_mem(weights(b + good.substr(2048)), &m);
  }
}

TEST_CASE("model: config.json that disagrees with the weights or is unsupported") {
  const MemModel mm = mem_copy(data_dir() + "/tiny-bert");
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["hidden_size"] = 64; }),
                    {"model.safetensors", "has shape", "config.json says"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["intermediate_size"] = 65; }),
                    {"intermediate.dense.weight", "config.json says"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["num_hidden_layers"] = 3; }),
                    {"bert.encoder.layer.2."});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["num_attention_heads"] = 5; }),
                    {"config.json", "divisible", "heads"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["model_type"] = "llama"; }),
                    {"config.json", "model_type", "llama"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c.erase("model_type"); }), {"config.json", "model_type"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["vocab_size"] = 11999; }),
                    {"word_embeddings", "config.json says"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["hidden_size"] = "32"; }), {"config.json", "hidden_size"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["hidden_size"] = -32; }), {"config.json", "hidden_size"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["hidden_size"] = 1e300; }), {"config.json", "hidden_size"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["num_hidden_layers"] = 0; }),
                    {"config.json", "num_hidden_layers"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["hidden_act"] = "swish"; }), {"config.json", "swish"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["architectures"] = {"BertForQuestionAnswering"}; }),
                    {"config.json", "BertForQuestionAnswering"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["architectures"] = {"BertForTokenClassification"}; }),
                    {"classifier.weight"});
  expect_load_error(with_config(mm, [](nlohmann::json& c) { c["position_embedding_type"] = "relative_key"; }),
                    {"config.json", "relative_key"});
  MemModel bad = mm;
  bad.files["config.json"] = "{\"model_type\": \"bert\", ";
  expect_load_error(bad, {"config.json", "JSON"});
  bad.files.erase("config.json");
  expect_load_error(bad, {"config.json"});
  bad = mm;
  bad.files.erase("model.safetensors");
  expect_load_error(bad, {"model.safetensors"});

  const MemModel ner = mem_copy(data_dir() + "/tiny-bert-ner");
  expect_load_error(with_config(ner, [](nlohmann::json& c) { c["id2label"].erase("6"); }),
                    {"id2label", "classifier.weight"});
  expect_load_error(with_config(ner, [](nlohmann::json& c) { c["id2label"]["x"] = "B"; }), {"config.json", "id2label"});
  expect_load_error(with_config(ner, [](nlohmann::json& c) { c["id2label"]["9"] = "B"; }), {"config.json", "id2label"});

  const MemModel g = mem_copy(data_dir() + "/tiny-gpt2");
  expect_load_error(with_config(g, [](nlohmann::json& c) { c["n_positions"] = 256; }), {"wpe.weight", "config.json says"});
  expect_load_error(with_config(g, [](nlohmann::json& c) { c["n_head"] = 3; }), {"divisible"});
  // A model that fails to load leaves the previous one in place.
  Model keep;
  REQUIRE(load_mem(g, &keep).ok);
  CHECK_FALSE(load_mem(with_config(g, [](nlohmann::json& c) { c["n_head"] = 3; }), &keep).ok);
  CHECK(keep.config().n_heads == 4);
  Activations a;
  CHECK(keep.forward({1, 2, 3}, {}, ForwardOptions{}, &a).ok);
}

TEST_CASE("model: a model without architectures takes its head from the weights") {
  const MemModel mm = mem_copy(data_dir() + "/tiny-bert");
  Model m;
  REQUIRE(load_mem(with_config(mm, [](nlohmann::json& c) { c.erase("architectures"); }), &m).ok);
  CHECK(m.config().head == HeadKind::MaskedLM);
  const MemModel ner = mem_copy(data_dir() + "/tiny-bert-ner");
  REQUIRE(load_mem(with_config(ner, [](nlohmann::json& c) { c.erase("architectures"); }), &m).ok);
  CHECK(m.config().head == HeadKind::TokenClassification);
  REQUIRE(load_mem(with_config(mm, [](nlohmann::json& c) { c["architectures"] = {"BertModel"}; }), &m).ok);
  Activations a = run(m, {2, 3, 4});
  CHECK(a.logits.empty());
}

// ---- the matrix kernel ----------------------------------------------------------------------------------------------

TEST_CASE("gemm: matches a naive product for odd sizes, both B layouts, accumulate") {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const int sizes[][3] = {{1, 1, 1},      {3, 5, 7},       {4, 8, 16},  {17, 33, 9},  {64, 300, 257},
                          {130, 12, 600}, {5, 1030, 40},   {20, 16, 3}, {33, 520, 70},
                          {18, 37, 300},  {520, 530, 20}};  // (B^T with N > M: the LM head's swapped product)
  for (auto& sz : sizes) {
    const int M = sz[0], N = sz[1], K = sz[2];
    for (int bt = 0; bt < 2; bt++)
      for (int acc = 0; acc < 2; acc++) {
        CAPTURE(M);
        CAPTURE(N);
        CAPTURE(K);
        CAPTURE(bt);
        CAPTURE(acc);
        const int lda = K + 3, ldb = (bt ? K : N) + 1, ldc = N + 2;
        std::vector<float> A(static_cast<size_t>(M) * lda), B(static_cast<size_t>(bt ? N : K) * ldb),
            C(static_cast<size_t>(M) * ldc);
        for (float& x : A) x = u(rng);
        for (float& x : B) x = u(rng);
        for (float& x : C) x = u(rng);
        std::vector<float> want = C;
        for (int i = 0; i < M; i++)
          for (int j = 0; j < N; j++) {
            double s = acc ? want[static_cast<size_t>(i) * ldc + j] : 0.0;
            for (int k = 0; k < K; k++)
              s += static_cast<double>(A[static_cast<size_t>(i) * lda + k]) *
                   (bt ? B[static_cast<size_t>(j) * ldb + k] : B[static_cast<size_t>(k) * ldb + j]);
            want[static_cast<size_t>(i) * ldc + j] = static_cast<float>(s);
          }
        gemm(M, N, K, A.data(), lda, B.data(), ldb, bt != 0, C.data(), ldc, acc != 0);
        CHECK(close_enough(std::string("gemm ") + gemm_backend(), C.data(), want.data(), C.size(), 1e-4f * (1 + K / 64)));
      }
  }
}

// ---- text -> tokenizer -> model, the way the page and `attnviz run` use the engine ----------------------------------

TEST_CASE("model: text through the tokenizer gives the fixture ids and outputs") {
  for (const char* name : {"tiny-bert", "tiny-bert-ner", "tiny-gpt2"}) {
    CAPTURE(name);
    const std::string dir = data_dir() + "/" + name;
    Loaded m;
    REQUIRE(load_dir(dir, &m).ok);
    Tokenizer tok;
    Status s = Tokenizer::load(m.files.view(), dir, &tok);
    REQUIRE_MESSAGE(s.ok, s.message);
    Reference ref;
    REQUIRE(ref.open(dir + "/expected.safetensors"));
    std::string texts_json;
    REQUIRE(attnviz_test::read_file(dir + "/expected.json", &texts_json));
    const nlohmann::json texts = nlohmann::json::parse(texts_json, nullptr, false);
    REQUIRE(texts.is_object());
    int n = 0;
    for (auto it = texts.begin(); it != texts.end(); ++it) {
      const std::string key = it.key();
      CAPTURE(key);
      auto str = [&](const char* k) {
        auto f = it.value().find(k);
        return f != it.value().end() && f->is_string() ? f->get<std::string>() : std::string();
      };
      const std::string text = str("text"), pair = str("text_pair");
      EncodeOptions eo;
      eo.max_length = m.model.config().max_positions;
      const Encoding enc = tok.encode(text, pair, eo);
      REQUIRE(enc.ids == ref.ints(key + ".input_ids"));
      if (ref.has(key + ".token_type_ids")) CHECK(enc.type_ids == ref.ints(key + ".token_type_ids"));
      ForwardOptions opt;
      opt.all_positions = true;
      Activations a;
      s = m.model.forward(enc.ids, m.model.config().family == Family::Bert ? enc.type_ids : std::vector<int32_t>{}, opt, &a);
      REQUIRE_MESSAGE(s.ok, s.message);
      const std::vector<float> want = ref.floats(key + ".attentions");
      REQUIRE(want.size() == a.attentions.size());
      CHECK(close_enough(key + ".attentions", a.attentions.data(), want.data(), want.size(), 1e-4f));
      n++;
    }
    CHECK(n >= 7);
  }
}

TEST_CASE("model: a text longer than the positions is cut to the limit by the tokenizer and runs") {
  const std::string dir = data_dir() + "/tiny-bert";
  Loaded m;
  REQUIRE(load_dir(dir, &m).ok);
  Tokenizer tok;
  REQUIRE(Tokenizer::load(m.files.view(), dir, &tok).ok);
  std::string text;
  for (int i = 0; i < 300; i++) text += "天地";
  EncodeOptions eo;
  eo.max_length = m.model.config().max_positions;
  const Encoding enc = tok.encode(text, "", eo);
  CHECK(enc.truncated);
  REQUIRE(static_cast<int>(enc.ids.size()) == m.model.config().max_positions);
  Activations a = run(m.model, enc.ids, enc.type_ids);
  CHECK(a.T == m.model.config().max_positions);
}

TEST_CASE("model: BertForSequenceClassification pools [CLS] through tanh, then the classifier") {
  // tiny-bert-ner's encoder with a pooler and a 3-label classifier added; the logits are checked against the same
  // formula computed here in double from the model's own last hidden state.
  MemModel mm = mem_copy(data_dir() + "/tiny-bert-ner");
  const int D = 32, n_labels = 3;
  std::mt19937 rng(77);
  std::normal_distribution<float> nd(0.f, 0.3f);
  std::vector<float> pw(D * D), pb(D), cw(n_labels * D), cb(n_labels);
  for (float& x : pw) x = nd(rng);
  for (float& x : pb) x = nd(rng);
  for (float& x : cw) x = nd(rng);
  for (float& x : cb) x = nd(rng);
  mm.files["model.safetensors"] =
      rewrite(mm.files["model.safetensors"], [&](const TensorView& t, const std::vector<float>& f, SafeTensorsWriter* w) {
        if (t.name.rfind("classifier.", 0) == 0) return;
        w->add_f32(t.name, t.shape, f.data());
      });
  {
    SafeTensors st;
    REQUIRE(SafeTensors::parse(mm.files["model.safetensors"], "t", &st).ok);
    SafeTensorsWriter w;
    for (const TensorView& t : st.tensors()) w.add_raw(t.name, t.dtype_name, t.shape, std::string(t.data));
    w.add_f32("bert.pooler.dense.weight", {D, D}, pw.data());
    w.add_f32("bert.pooler.dense.bias", {D}, pb.data());
    w.add_f32("classifier.weight", {n_labels, D}, cw.data());
    w.add_f32("classifier.bias", {n_labels}, cb.data());
    mm.files["model.safetensors"] = w.finish();
  }
  nlohmann::json cfg = nlohmann::json::parse(mm.files["config.json"]);
  cfg["architectures"] = {"BertForSequenceClassification"};
  cfg["id2label"] = {{"0", "neg"}, {"1", "neu"}, {"2", "pos"}};
  mm.files["config.json"] = cfg.dump();
  Model m;
  Status s = load_mem(mm, &m);
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(m.config().head == HeadKind::SequenceClassification);
  REQUIRE(m.config().labels == std::vector<std::string>{"neg", "neu", "pos"});
  const Activations a = run(m, random_ids(9, 12000, 31), {0, 0, 0, 0, 0, 1, 1, 1, 1});
  REQUIRE(a.logit_cols == n_labels);
  REQUIRE(a.logits.size() == static_cast<size_t>(n_labels));
  const float* h = a.hidden.data() + static_cast<size_t>(m.config().n_layers) * 9 * D;  // [CLS] row of the last layer
  std::vector<double> pooled(D);
  for (int o = 0; o < D; o++) {
    double sum = pb[o];
    for (int i = 0; i < D; i++) sum += static_cast<double>(pw[o * D + i]) * h[i];
    pooled[o] = std::tanh(sum);
  }
  for (int l = 0; l < n_labels; l++) {
    double sum = cb[l];
    for (int i = 0; i < D; i++) sum += static_cast<double>(cw[l * D + i]) * pooled[i];
    CHECK(a.logits[l] == doctest::Approx(sum).epsilon(1e-5));
  }
  // Without the pooler the load fails and names it.
  MemModel nop = mm;
  nop.files["model.safetensors"] =
      rewrite(mm.files["model.safetensors"], [&](const TensorView& t, const std::vector<float>& f, SafeTensorsWriter* w) {
        if (t.name.rfind("bert.pooler.", 0) != 0) w->add_f32(t.name, t.shape, f.data());
      });
  expect_load_error(nop, {"pooler.dense.weight"});
}

TEST_CASE("model: GPT-2 scale_attn_by_inverse_layer_idx divides layer l's scores by l + 1") {
  MemModel mm = mem_copy(data_dir() + "/tiny-gpt2");
  Model plain;
  REQUIRE(load_mem(mm, &plain).ok);
  Model inv;
  REQUIRE(load_mem(with_config(mm, [](nlohmann::json& c) { c["scale_attn_by_inverse_layer_idx"] = true; }), &inv).ok);
  const std::vector<int32_t> ids = random_ids(12, 8192, 41);
  const Activations a = run(plain, ids), b = run(inv, ids);
  const size_t per_layer = static_cast<size_t>(4) * 12 * 12;
  CHECK(std::memcmp(a.attentions.data(), b.attentions.data(), per_layer * sizeof(float)) == 0);  // layer 0: / 1
  CHECK(std::memcmp(a.attentions.data() + per_layer, b.attentions.data() + per_layer, per_layer * sizeof(float)) != 0);
}
