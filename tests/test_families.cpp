// Tests of the BERT relatives: RoBERTa, XLM-RoBERTa and DistilBERT models against ../shared/fixtures/arch (Hugging
// Face's own outputs by identity for tiny-roberta*/tiny-distilbert*, an independent torch RoBERTa for tiny-roberta-bpe
// and tiny-xlmr), their config.json rules, and bad variants. Skips cleanly when ../shared is absent.
#include <doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "folder.h"
#include "model.h"
#include "safetensors.h"
#include "test_paths.h"
#include "tokenizer.h"

using namespace attnviz;

namespace {

std::string arch_dir() { return attnviz_test::shared_dir() + "/fixtures/arch"; }

bool have_arch() {
  if (attnviz_test::file_exists(arch_dir() + "/README.md")) return true;
  MESSAGE("skipped: " << arch_dir() << " is absent");
  return false;
}

struct Ref {
  std::string bytes;
  SafeTensors st;
  bool open(const std::string& path) {
    return attnviz_test::read_file(path, &bytes) && SafeTensors::parse(bytes, path, &st).ok;
  }
  bool has(const std::string& n) const { return st.find(n) != nullptr; }
  std::vector<float> floats(const std::string& n) const {
    const TensorView* t = st.find(n);
    std::vector<float> v(t ? static_cast<size_t>(t->numel) : 0);
    if (t && !tensor_to_float(*t, n, v.data())) v.clear();
    return v;
  }
  std::vector<int32_t> ints(const std::string& n) const {
    const TensorView* t = st.find(n);
    if (!t || t->dtype != DType::I32) return {};
    std::vector<int32_t> v(static_cast<size_t>(t->numel));
    std::memcpy(v.data(), t->data.data(), v.size() * 4);
    return v;
  }
  std::vector<std::string> cases() const {
    std::vector<std::string> out;
    const std::string suf = ".input_ids";
    for (const TensorView& t : st.tensors())
      if (t.name.size() > suf.size() && t.name.compare(t.name.size() - suf.size(), suf.size(), suf) == 0)
        out.push_back(t.name.substr(0, t.name.size() - suf.size()));
    return out;
  }
};

// Largest |got - want| over n values (NaN counts as infinite).
float max_diff(const float* got, const float* want, size_t n) {
  float worst = 0;
  for (size_t i = 0; i < n; i++) {
    const float d = std::fabs(got[i] - want[i]);
    if (!(d <= worst)) worst = d != d ? INFINITY : d;
  }
  return worst;
}

struct Worst {
  float att = 0, hidden = 0, logits = 0;
};

// Every case of model_dir/expected.safetensors through the model; every tensor compared with the tolerances of
// tests/test_model.cpp (attention 1e-4; hidden states and logits 2e-3). When `tok` is given, the tokenizer of the
// folder must also give the reference input ids for each case's text (expected.json).
void check_arch_fixture(const std::string& name, bool with_tokenizer, Worst* worst) {
  const std::string dir = arch_dir() + "/" + name;
  FolderFiles files;
  Status s = read_folder(dir, &files);
  REQUIRE_MESSAGE(s.ok, s.message);
  Model m;
  s = Model::load(files.view(), dir, &m);
  REQUIRE_MESSAGE(s.ok, s.message);
  Tokenizer tok;
  nlohmann::json texts;
  if (with_tokenizer) {
    s = Tokenizer::load(files.view(), dir, &tok);
    REQUIRE_MESSAGE(s.ok, s.message);
    std::string j;
    REQUIRE(attnviz_test::read_file(dir + "/expected.json", &j));
    texts = nlohmann::json::parse(j, nullptr, false);
    REQUIRE(texts.is_object());
  }
  Ref ref;
  REQUIRE(ref.open(dir + "/expected.safetensors"));
  const ModelConfig& c = m.config();
  const auto cases = ref.cases();
  REQUIRE(cases.size() >= 5);
  Activations a;
  for (const std::string& cs : cases) {
    CAPTURE(name);
    CAPTURE(cs);
    const std::vector<int32_t> ids = ref.ints(cs + ".input_ids");
    const std::vector<int32_t> types = ref.ints(cs + ".token_type_ids");
    if (with_tokenizer) {
      REQUIRE(texts.contains(cs));
      const auto& e = texts[cs];
      const std::string pair = e.contains("text_pair") ? e["text_pair"].get<std::string>() : std::string();
      Encoding enc = tok.encode(e["text"].get<std::string>(), pair);
      CHECK(enc.ids == ids);
      CHECK(enc.type_ids == types);
      if (e.contains("tokens")) CHECK(enc.tokens == e["tokens"].get<std::vector<std::string>>());
    }
    ForwardOptions opt;
    opt.all_positions = true;
    s = m.forward(ids, types, opt, &a);
    REQUIRE_MESSAGE(s.ok, s.message);
    const int T = a.T;
    REQUIRE(T == static_cast<int>(ids.size()));
    std::vector<float> want = ref.floats(cs + ".attentions");
    REQUIRE(want.size() == a.attentions.size());
    float d = max_diff(a.attentions.data(), want.data(), want.size());
    CHECK(d <= 1e-4f);
    worst->att = std::max(worst->att, d);
    want = ref.floats(cs + ".hidden_states");
    REQUIRE(want.size() == a.hidden.size());
    d = max_diff(a.hidden.data(), want.data(), want.size());
    CHECK(d <= 2e-3f);
    worst->hidden = std::max(worst->hidden, d);
    if (ref.has(cs + ".logits")) {
      want = ref.floats(cs + ".logits");
      REQUIRE(want.size() == a.logits.size());
      CHECK(a.logit_cols == static_cast<int>(c.labels.size()));
      d = max_diff(a.logits.data(), want.data(), want.size());
      CHECK(d <= 2e-3f);
      worst->logits = std::max(worst->logits, d);
    }
    if (ref.has(cs + ".logits_head")) {
      const int V = a.logit_cols;
      REQUIRE(V == c.vocab_size);
      REQUIRE(a.logits.size() == static_cast<size_t>(T) * V);
      const std::vector<float> head = ref.floats(cs + ".logits_head");
      const std::vector<int32_t> argmax = ref.ints(cs + ".logits_argmax");
      const std::vector<float> lse = ref.floats(cs + ".logits_lse");
      REQUIRE(head.size() == static_cast<size_t>(T) * 64);
      for (int t = 0; t < T; t++) {
        const float* row = a.logits.data() + static_cast<size_t>(t) * V;
        d = max_diff(row, head.data() + static_cast<size_t>(t) * 64, 64);
        worst->logits = std::max(worst->logits, d);
        CHECK(d <= 2e-3f);
        const int am = static_cast<int>(std::max_element(row, row + V) - row);
        CHECK(am == argmax[t]);
        double mx = row[am], sum = 0;
        for (int v = 0; v < V; v++) sum += std::exp(static_cast<double>(row[v]) - mx);
        const float l = static_cast<float>(mx + std::log(sum));
        CHECK(std::fabs(l - lse[t]) <= 2e-3f);
        worst->logits = std::max(worst->logits, std::fabs(l - lse[t]));
      }
    }
  }
  MESSAGE(name << ": " << cases.size() << " cases; max |diff| attentions " << worst->att << ", hidden states "
               << worst->hidden << ", logits " << worst->logits);
}

std::string read_or_empty(const std::string& path) {
  std::string s;
  attnviz_test::read_file(path, &s);
  return s;
}

// A fixture folder in memory with config.json edited by `edit`.
std::map<std::string, std::string> with_config(const std::string& name, void (*edit)(nlohmann::json&)) {
  FolderFiles f;
  REQUIRE(read_folder(arch_dir() + "/" + name, &f).ok);
  std::map<std::string, std::string> m = f.bytes;
  nlohmann::json c = nlohmann::json::parse(m["config.json"], nullptr, false);
  edit(c);
  m["config.json"] = c.dump();
  return m;
}

Status load_map(const std::map<std::string, std::string>& m, Model* out) {
  FileMap v;
  for (const auto& [k, b] : m) v[k] = b;
  return Model::load(v, "mem", out);
}

}  // namespace

TEST_CASE("families: tiny-roberta (RobertaForMaskedLM) equals transformers' tiny-bert outputs") {
  if (!have_arch()) return;
  Worst w;
  check_arch_fixture("tiny-roberta", true, &w);
  Model m;
  FolderFiles f;
  REQUIRE(read_folder(arch_dir() + "/tiny-roberta", &f).ok);
  REQUIRE(Model::load(f.view(), "tiny-roberta", &m).ok);
  CHECK(m.config().variant == Variant::Roberta);
  CHECK(m.config().position_rows == 130);
  CHECK(m.config().max_positions == 128);  // 130 rows - pad_token_id 1 - 1
  CHECK(m.config().head == HeadKind::MaskedLM);
}

TEST_CASE("families: tiny-roberta-ner (RobertaForTokenClassification) equals transformers") {
  if (!have_arch()) return;
  Worst w;
  check_arch_fixture("tiny-roberta-ner", true, &w);
}

TEST_CASE("families: tiny-distilbert (DistilBertForMaskedLM) equals transformers") {
  if (!have_arch()) return;
  Worst w;
  check_arch_fixture("tiny-distilbert", true, &w);
}

TEST_CASE("families: tiny-distilbert-ner (DistilBertForTokenClassification) equals transformers") {
  if (!have_arch()) return;
  Worst w;
  check_arch_fixture("tiny-distilbert-ner", true, &w);
}

TEST_CASE("families: tiny-roberta-bpe (byte-level BPE, tied decoder not stored) equals the reference") {
  if (!have_arch()) return;
  Worst w;
  check_arch_fixture("tiny-roberta-bpe", true, &w);
}

TEST_CASE("families: tiny-xlmr (XLMRobertaForMaskedLM, eps 1e-5, 514 positions) equals the reference") {
  if (!have_arch()) return;
  Worst w;
  check_arch_fixture("tiny-xlmr", true, &w);
  FolderFiles f;
  REQUIRE(read_folder(arch_dir() + "/tiny-xlmr", &f).ok);
  Model m;
  REQUIRE(Model::load(f.view(), "tiny-xlmr", &m).ok);
  CHECK(m.config().ln_eps == doctest::Approx(1e-5));
  CHECK(m.config().max_positions == 512);
  CHECK(m.config().architecture == "XLMRobertaForMaskedLM");
}

TEST_CASE("families: RoBERTa positions: the usable length, pad tokens, and the longest input") {
  if (!have_arch()) return;
  FolderFiles f;
  REQUIRE(read_folder(arch_dir() + "/tiny-xlmr", &f).ok);
  Model m;
  REQUIRE(Model::load(f.view(), "tiny-xlmr", &m).ok);
  Activations a;
  std::vector<int32_t> ids(512, 5);
  CHECK(m.forward(ids, {}, ForwardOptions{}, &a).ok);  // 512 tokens use rows 2..513
  ids.push_back(5);
  Status s = m.forward(ids, {}, ForwardOptions{}, &a);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("512") != std::string::npos);
  // A pad token takes position pad_id and does not advance the others (transformers' rule): the tokens after it get
  // the same embeddings as without it, so the first token's hidden state in layer 0's input differs only at the pad.
  Activations b, c2;
  REQUIRE(m.forward({0, 10, 11, 2}, {}, ForwardOptions{}, &b).ok);
  REQUIRE(m.forward({0, 10, 1, 11, 2}, {}, ForwardOptions{}, &c2).ok);
  const int D = m.config().d_model;
  CHECK(max_diff(b.hidden.data() + 2 * D, c2.hidden.data() + 3 * D, D) == 0.f);  // "11": same word, same position
}

TEST_CASE("families: DistilBERT has no token types; sinusoidal_pos_embds gives the fixed sin/cos table") {
  if (!have_arch()) return;
  Model m;
  REQUIRE(load_map(with_config("tiny-distilbert", [](nlohmann::json&) {}), &m).ok);
  CHECK(m.config().variant == Variant::DistilBert);
  CHECK(m.config().type_vocab_size == 0);
  CHECK(m.config().ln_eps == doctest::Approx(1e-12));
  Activations a;
  Activations a0;  // token types are ignored (DistilBertModel takes none), as a BERT tokenizer's pair gives them
  REQUIRE(m.forward({2, 3, 4}, {0, 1, 0}, ForwardOptions{}, &a).ok);
  REQUIRE(m.forward({2, 3, 4}, {}, ForwardOptions{}, &a0).ok);
  CHECK(max_diff(a.hidden.data(), a0.hidden.data(), a.hidden.size()) == 0.f);
  // Sinusoidal: with word embeddings and LayerNorm known, hidden[0] is LN(word + table row): check via a model whose
  // stored position table is removed (it must not be needed) and compare against a copy whose stored table is the
  // sinusoidal one, written in.
  auto sin_cfg = with_config("tiny-distilbert", [](nlohmann::json& c) { c["sinusoidal_pos_embds"] = true; });
  Model ms;
  {
    SafeTensors st;
    REQUIRE(SafeTensors::parse(sin_cfg["model.safetensors"], "m", &st).ok);
    SafeTensorsWriter wr, wr2;
    for (const TensorView& t : st.tensors()) {
      std::vector<float> v(static_cast<size_t>(t.numel));
      REQUIRE(tensor_to_float(t, "m", v.data()).ok);
      if (t.name == "distilbert.embeddings.position_embeddings.weight") {
        const int P = static_cast<int>(t.shape[0]), D = static_cast<int>(t.shape[1]);
        for (int p = 0; p < P; p++)
          for (int j = 0; j < D; j++) {
            const double ang = p / std::pow(10000.0, 2.0 * (j / 2) / D);
            v[static_cast<size_t>(p) * D + j] = static_cast<float>(j % 2 ? std::cos(ang) : std::sin(ang));
          }
        wr2.add_f32(t.name, t.shape, v.data());
        continue;  // left out of wr
      }
      wr.add_f32(t.name, t.shape, v.data());
      wr2.add_f32(t.name, t.shape, v.data());
    }
    auto no_table = sin_cfg;
    no_table["model.safetensors"] = wr.finish();
    Status s = load_map(no_table, &ms);
    REQUIRE_MESSAGE(s.ok, s.message);
    auto stored = with_config("tiny-distilbert", [](nlohmann::json&) {});
    stored["model.safetensors"] = wr2.finish();
    Model mt;
    REQUIRE(load_map(stored, &mt).ok);
    Activations x, y;
    REQUIRE(ms.forward({2, 100, 200, 300, 3}, {}, ForwardOptions{}, &x).ok);
    REQUIRE(mt.forward({2, 100, 200, 300, 3}, {}, ForwardOptions{}, &y).ok);
    CHECK(max_diff(x.hidden.data(), y.hidden.data(), x.hidden.size()) <= 1e-6f);
    CHECK(max_diff(x.attentions.data(), y.attentions.data(), x.attentions.size()) <= 1e-6f);
  }
}

TEST_CASE("families: sequence classification heads (RoBERTa classifier.dense/out_proj + tanh, DistilBERT "
          "pre_classifier + ReLU)") {
  if (!have_arch()) return;
  // Build each head from the NER fixture's classifier by hand and compare with a direct computation.
  for (const char* name : {"tiny-roberta-ner", "tiny-distilbert-ner"}) {
    CAPTURE(name);
    const bool roberta = std::string(name) == "tiny-roberta-ner";
    auto files = with_config(name, roberta ? +[](nlohmann::json& c) { c["architectures"] = {"RobertaForSequenceClassification"}; }
                                           : +[](nlohmann::json& c) { c["architectures"] = {"DistilBertForSequenceClassification"}; });
    SafeTensors st;
    REQUIRE(SafeTensors::parse(files["model.safetensors"], "m", &st).ok);
    SafeTensorsWriter wr;
    const int D = 32;
    std::vector<float> pool(D * D), pool_b(D), cls_w, cls_b;
    for (int i = 0; i < D * D; i++) pool[i] = 0.05f * static_cast<float>((i * 7919) % 23 - 11);
    for (int i = 0; i < D; i++) pool_b[i] = 0.1f * static_cast<float>(i % 5 - 2);
    for (const TensorView& t : st.tensors()) {
      std::vector<float> v(static_cast<size_t>(t.numel));
      REQUIRE(tensor_to_float(t, "m", v.data()).ok);
      if (t.name == "classifier.weight") {
        cls_w = v;
        wr.add_f32(roberta ? "classifier.out_proj.weight" : "classifier.weight", t.shape, v.data());
      } else if (t.name == "classifier.bias") {
        cls_b = v;
        wr.add_f32(roberta ? "classifier.out_proj.bias" : "classifier.bias", t.shape, v.data());
      } else {
        wr.add_f32(t.name, t.shape, v.data());
      }
    }
    wr.add_f32(roberta ? "classifier.dense.weight" : "pre_classifier.weight", {D, D}, pool.data());
    wr.add_f32(roberta ? "classifier.dense.bias" : "pre_classifier.bias", {D}, pool_b.data());
    files["model.safetensors"] = wr.finish();
    Model m;
    Status s = load_map(files, &m);
    REQUIRE_MESSAGE(s.ok, s.message);
    CHECK(m.config().head == HeadKind::SequenceClassification);
    Activations a;
    REQUIRE(m.forward({2, 100, 200, 3}, {}, ForwardOptions{}, &a).ok);
    REQUIRE(a.logits.size() == 7);
    const float* h = a.hidden.data() + static_cast<size_t>(m.config().n_layers) * a.T * D;  // last layer, token 0
    std::vector<float> p(D);
    for (int o = 0; o < D; o++) {
      double acc = pool_b[o];
      for (int i = 0; i < D; i++) acc += static_cast<double>(pool[o * D + i]) * h[i];
      p[o] = roberta ? static_cast<float>(std::tanh(acc)) : static_cast<float>(std::max(0.0, acc));
    }
    for (int k = 0; k < 7; k++) {
      double acc = cls_b[k];
      for (int i = 0; i < D; i++) acc += static_cast<double>(cls_w[k * D + i]) * p[i];
      CHECK(std::fabs(a.logits[k] - acc) <= 1e-4);
    }
    // Without architectures the head comes from the weights too.
    auto no_arch = files;
    nlohmann::json c = nlohmann::json::parse(no_arch["config.json"], nullptr, false);
    c.erase("architectures");
    no_arch["config.json"] = c.dump();
    REQUIRE(load_map(no_arch, &m).ok);
    CHECK(m.config().head == HeadKind::SequenceClassification);
  }
}

TEST_CASE("families: config.json rules and refusals") {
  if (!have_arch()) return;
  Model m;
  // Read from config: eps, positions, pad id.
  REQUIRE(load_map(with_config("tiny-roberta", [](nlohmann::json& c) { c["layer_norm_eps"] = 1e-5; }), &m).ok);
  CHECK(m.config().ln_eps == doctest::Approx(1e-5));
  REQUIRE(load_map(with_config("tiny-roberta", [](nlohmann::json& c) { c["pad_token_id"] = 0; }), &m).ok);
  CHECK(m.config().max_positions == 129);
  // model_type alone does not decide: a BERT architecture with a roberta model_type reads bert. names and fails
  // clearly on these roberta. weights.
  Status s = load_map(with_config("tiny-roberta", [](nlohmann::json& c) { c["architectures"] = {"BertForMaskedLM"}; }), &m);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("bert.embeddings") != std::string::npos);
  // Unknown architectures: refused, naming it and what is supported.
  s = load_map(with_config("tiny-roberta", [](nlohmann::json& c) { c["architectures"] = {"RobertaForQuestionAnswering"}; }), &m);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("RobertaForQuestionAnswering") != std::string::npos);
  CHECK(s.message.find("DistilBert") != std::string::npos);
  s = load_map(with_config("tiny-distilbert", [](nlohmann::json& c) { c["architectures"] = {"DistilBertForMultipleChoice"}; }), &m);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("DistilBertForMultipleChoice") != std::string::npos);
  s = load_map(with_config("tiny-roberta", [](nlohmann::json& c) { c["model_type"] = "deberta"; }), &m);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("deberta") != std::string::npos);
  // Bad values.
  s = load_map(with_config("tiny-roberta", [](nlohmann::json& c) { c["pad_token_id"] = -1; }), &m);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("pad_token_id") != std::string::npos);
  s = load_map(with_config("tiny-roberta", [](nlohmann::json& c) { c["pad_token_id"] = 200; }), &m);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("max_position_embeddings") != std::string::npos);
  s = load_map(with_config("tiny-roberta", [](nlohmann::json& c) { c["max_position_embeddings"] = 128; }), &m);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("position_embeddings") != std::string::npos);
  s = load_map(with_config("tiny-distilbert", [](nlohmann::json& c) { c["dim"] = 33; }), &m);
  CHECK_FALSE(s.ok);
  s = load_map(with_config("tiny-distilbert", [](nlohmann::json& c) { c["activation"] = "swish"; }), &m);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("swish") != std::string::npos);
  s = load_map(with_config("tiny-distilbert", [](nlohmann::json& c) { c["n_layers"] = 3; }), &m);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("distilbert.transformer.layer.2.") != std::string::npos);
  // A missing tied decoder is fine (tiny-roberta-bpe), a missing LM bias is not.
  auto files = with_config("tiny-xlmr", [](nlohmann::json&) {});
  SafeTensors st;
  REQUIRE(SafeTensors::parse(files["model.safetensors"], "m", &st).ok);
  SafeTensorsWriter wr;
  for (const TensorView& t : st.tensors()) {
    if (t.name == "lm_head.bias") continue;
    std::vector<float> v(static_cast<size_t>(t.numel));
    REQUIRE(tensor_to_float(t, "m", v.data()).ok);
    wr.add_f32(t.name, t.shape, v.data());
  }
  files["model.safetensors"] = wr.finish();
  s = load_map(files, &m);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("lm_head") != std::string::npos);
  (void)read_or_empty;
}
