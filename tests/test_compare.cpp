// Tests of "what did fine-tuning change?": the per-head difference metrics (analysis.h js_divergence,
// head_difference) against hand-computed values; the engine's compare model (EngineCore::load_compare, a run with
// want_compare equals the metrics computed from each model's own attention; mismatched models refused, the current
// model kept); the worker protocol carrying it; the vs= link key.
#include <doctest.h>

#include <cmath>
#include <map>
#include <vector>

#include "analysis.h"
#include "engine.h"
#include "folder.h"
#include "test_paths.h"
#include "view_state.h"

using namespace attnviz;

namespace {

// The model's files, kept for the whole test run (FileMap holds views into them).
FileMap compare_model_files(const std::string& name) {
  static std::map<std::string, FolderFiles> kept;
  FolderFiles& f = kept[name];
  if (f.bytes.empty()) REQUIRE(read_folder(attnviz_test::models_dir() + "/" + name, &f).ok);
  FileMap fm;
  for (const auto& [k, v] : f.bytes) fm[k] = v;
  return fm;
}

}  // namespace

TEST_CASE("compare metrics: Jensen-Shannon divergence in bits, hand-computed") {
  const float p[2] = {1, 0}, q[2] = {0, 1}, u[2] = {0.5f, 0.5f};
  CHECK(js_divergence(p, p, 2) == doctest::Approx(0.0));
  CHECK(js_divergence(p, q, 2) == doctest::Approx(1.0));  // disjoint supports: 1 bit
  // p = (1, 0), q = (1/2, 1/2): m = (3/4, 1/4); KL(p||m) = log2(4/3) = 0.4150375,
  // KL(q||m) = 1/2 log2(2/3) + 1/2 log2(2) = 0.2075187; JS = (0.4150375 + 0.2075187) / 2 = 0.3112781.
  CHECK(js_divergence(p, u, 2) == doctest::Approx(0.3112781).epsilon(1e-6));
  CHECK(js_divergence(u, p, 2) == doctest::Approx(0.3112781).epsilon(1e-6));  // symmetric
  // p = (1/2, 1/2, 0), q = (0, 1/2, 1/2): m = (1/4, 1/2, 1/4); KL(p||m) = 1/2 log2 2 + 0 = 1/2, KL(q||m) = 1/2: JS = 1/2.
  const float a3[3] = {0.5f, 0.5f, 0}, b3[3] = {0, 0.5f, 0.5f};
  CHECK(js_divergence(a3, b3, 3) == doctest::Approx(0.5));
  CHECK(js_divergence(p, q, 0) == 0.0f);
}

TEST_CASE("compare metrics: head_difference averages |a - b| over T*T and JS over query rows") {
  // a = [[1, 0], [1/2, 1/2]], b = [[1/2, 1/2], [1/2, 1/2]]: |a - b| = 1/2 + 1/2 + 0 + 0 over 4 entries = 0.25;
  // JS rows: 0.3112781 and 0 -> mean 0.1556391.
  const float a[4] = {1, 0, 0.5f, 0.5f}, b[4] = {0.5f, 0.5f, 0.5f, 0.5f};
  HeadDifference d = head_difference(a, b, 2);
  CHECK(d.mean_abs == doctest::Approx(0.25));
  CHECK(d.js == doctest::Approx(0.1556391).epsilon(1e-6));
  d = head_difference(a, a, 2);
  CHECK(d.mean_abs == 0.0f);
  CHECK(d.js == 0.0f);
  // Causal 3x3 (GPT-2: the masked upper triangle is 0 in both): a = I, b rows (1), (1/2, 1/2), (0, 0, 1):
  // |a - b| = 1/2 + 1/2 on row 1 -> 1/9; JS rows 0, 0.3112781, 0 -> 0.1037594.
  const float c[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, e[9] = {1, 0, 0, 0.5f, 0.5f, 0, 0, 0, 1};
  d = head_difference(c, e, 3);
  CHECK(d.mean_abs == doctest::Approx(1.0 / 9));
  CHECK(d.js == doctest::Approx(0.1037594).epsilon(1e-6));
  d = head_difference(c, e, 0);
  CHECK(d.mean_abs == 0.0f);
  CHECK(d.js == 0.0f);
}

TEST_CASE("compare metrics: all_head_differences indexes layer * H + head") {
  // L = 1, H = 2, T = 2: head 0 equal, head 1 the hand-computed pair above.
  const std::vector<float> a = {1, 0, 0.5f, 0.5f, 1, 0, 0.5f, 0.5f};
  const std::vector<float> b = {1, 0, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
  const std::vector<HeadDifference> d = all_head_differences(a.data(), b.data(), 1, 2, 2);
  REQUIRE(d.size() == 2);
  CHECK(d[0].mean_abs == 0.0f);
  CHECK(d[1].mean_abs == doctest::Approx(0.25));
  CHECK(d[1].js == doctest::Approx(0.1556391).epsilon(1e-6));
}

TEST_CASE("compare engine: the comparison equals the metrics computed from each model's own attention") {
  const std::string text = "张三在北京大学读书，后来去了上海的华为公司工作。";
  // Each model alone.
  EngineCore ner, base;
  ModelInfo info;
  REQUIRE(ner.load(compare_model_files("zh-bert-ner-mini"), "zh-bert-ner-mini", false, &info).ok);
  const int L = info.cfg.n_layers, H = info.cfg.n_heads;
  REQUIRE(base.load(compare_model_files("zh-bert-mini"), "zh-bert-mini", false, &info).ok);
  RunRequest req;
  req.id = 1;
  req.text = text;
  req.want_summaries = false;
  RunResult ra, rb;
  REQUIRE(ner.run(req, nullptr, &ra).ok);
  REQUIRE(base.run(req, nullptr, &rb).ok);
  CHECK(ra.compare_model.empty());  // not asked
  // Together: zh-bert-ner-mini compared with zh-bert-mini.
  ModelInfo ci;
  Status st = ner.load_compare(compare_model_files("zh-bert-mini"), "zh-bert-mini", false, &ci);
  REQUIRE(st.ok);
  CHECK(ci.name == "zh-bert-mini");
  req.want_compare = true;
  RunResult rc;
  REQUIRE(ner.run(req, nullptr, &rc).ok);
  CHECK(rc.compare_model == "zh-bert-mini");
  CHECK(rc.compare_error.empty());
  const int T = rc.act.T;
  REQUIRE(T == ra.act.T);
  REQUIRE(rc.compare_mean_abs.size() == static_cast<size_t>(L) * H);
  REQUIRE(rc.compare_js.size() == static_cast<size_t>(L) * H);
  REQUIRE(rc.compare_attentions.size() == rb.act.attentions.size());
  for (size_t k = 0; k < rb.act.attentions.size(); k++) REQUIRE(rc.compare_attentions[k] == doctest::Approx(rb.act.attentions[k]).epsilon(1e-5));
  float largest = 0;
  for (int l = 0; l < L; l++) {
    for (int h = 0; h < H; h++) {
      const HeadDifference d = head_difference(ra.act.attention(l, h, H), rb.act.attention(l, h, H), T);
      const size_t i = static_cast<size_t>(l) * H + h;
      CHECK(rc.compare_mean_abs[i] == doctest::Approx(d.mean_abs).epsilon(1e-5));
      CHECK(rc.compare_js[i] == doctest::Approx(d.js).epsilon(1e-5));
      largest = std::max(largest, rc.compare_js[i]);
    }
  }
  CHECK(largest > 1e-4f);  // the fine-tune moved some head
  // The comparison round-trips through the worker protocol (header + float buffers).
  RunResult back;
  REQUIRE(result_from_header_json(result_header_json(rc), &back));
  CHECK(back.compare_model == "zh-bert-mini");
  auto from = result_buffers(&rc), to = result_buffers(&back);
  REQUIRE(from.size() == to.size());
  for (size_t i = 0; i < from.size(); i++) CHECK(to[i].second->size() == from[i].second->size());
  RunRequest rq;
  REQUIRE(request_from_json(request_to_json(req), &rq));
  CHECK(rq.want_compare);
}

TEST_CASE("compare engine: models with another tokenizer or shape are refused, the current model stays") {
  EngineCore core;
  ModelInfo info;
  REQUIRE(core.load(compare_model_files("zh-bert-mini"), "zh-bert-mini", false, &info).ok);
  ModelInfo ci;
  Status st = core.load_compare(compare_model_files("gpt2-mini"), "gpt2-mini", false, &ci);
  CHECK_FALSE(st.ok);
  CHECK(ci.name == "gpt2-mini");  // the refused model's info, for the app's message
  CHECK((st.message.rfind("tokenizer:", 0) == 0 || st.message.rfind("shape:", 0) == 0));
  CHECK_FALSE(core.compare_loaded());
  RunRequest req;
  req.text = "北京";
  req.want_compare = true;
  RunResult r;
  REQUIRE(core.run(req, nullptr, &r).ok);  // the current model still runs, without a comparison
  CHECK(r.valid);
  CHECK(r.compare_model.empty());
  // Bad files: an error, nothing loaded.
  FileMap bad;
  bad["config.json"] = "{not json";
  CHECK_FALSE(core.load_compare(bad, "broken", true, &ci).ok);
  CHECK_FALSE(core.compare_loaded());
  // The mismatch check itself: shape differences are named.
  ModelConfig a, b;
  a.n_layers = 6, a.n_heads = 8, a.d_model = 256;
  b = a;
  b.n_heads = 4;
  Tokenizer t;
  CHECK(compare_mismatch(a, t, b, t).rfind("shape:", 0) == 0);
  CHECK(compare_mismatch(a, t, a, t).empty());
}

TEST_CASE("compare engine: a compare model loaded first is checked when the current model loads") {
  EngineCore core;
  ModelInfo ci, info;
  REQUIRE(core.load_compare(compare_model_files("zh-bert-mini"), "zh-bert-mini", false, &ci).ok);
  REQUIRE(core.load(compare_model_files("gpt2-mini"), "gpt2-mini", false, &info).ok);
  RunRequest req;
  req.text = "hello";
  req.want_compare = true;
  RunResult r;
  REQUIRE(core.run(req, nullptr, &r).ok);
  CHECK(r.compare_model.empty());
  CHECK(r.compare_error == "shape");
}

TEST_CASE("compare link: vs= round-trips in the readable and compact forms; bad values get a notice") {
  ViewState s;
  s.model = "zh-bert-ner-mini";
  s.vs = "zh-bert-mini";
  s.view = ViewKind::Compare;
  const std::string f = encode_fragment(s);
  CHECK(f.find("&vs=zh-bert-mini") != std::string::npos);
  CHECK(f.find("view=compare") != std::string::npos);
  DecodeResult d = decode_fragment(f);
  CHECK(d.notices.empty());
  CHECK(d.state == s);
  d = decode_fragment(encode_fragment_compact(s));
  CHECK(d.notices.empty());
  CHECK(d.state == s);
  s.vs = "hf:someone/bert-ner";
  s.vs_hash = "0123456789abcdef0123456789abcdef01234567";
  d = decode_fragment(encode_fragment(s));
  CHECK(d.notices.empty());
  CHECK(d.state == s);
  s.vs = "user:my fine-tune";
  s.vs_hash = "00ff";
  d = decode_fragment(encode_fragment(s));
  CHECK(d.notices.empty());
  CHECK(d.state == s);
  d = decode_fragment("model=zh-bert-mini&vs=no-such-model");
  CHECK(d.state.vs.empty());
  REQUIRE(d.notices.size() == 1);
  CHECK(d.notices[0].find("vs=") != std::string::npos);
  d = decode_fragment("model=zh-bert-mini&vs=zh-bert-mini&vshash=zz");
  CHECK(d.state.vs == "zh-bert-mini");
  CHECK(d.notices.size() == 1);
  d = decode_fragment("vs=ZH-BERT-MINI&view=COMPARE");
  CHECK(d.state.vs == "zh-bert-mini");
  CHECK(d.state.view == ViewKind::Compare);
}

TEST_CASE("compare engine: a tokenizer larger than config.json's vocab_size is refused by both loads") {
  // Tokenizer files from another model: vocab.txt with more tokens than the embedding has rows.
  FileMap files = compare_model_files("zh-bert-mini");
  static std::string vocab;
  vocab = std::string(files.at("vocab.txt"));
  if (!vocab.empty() && vocab.back() != '\n') vocab += '\n';
  for (int i = 0; i < 40; i++) vocab += "[extra" + std::to_string(i) + "]\n";
  files["vocab.txt"] = vocab;
  files.erase("tokenizer.json");  // so vocab.txt is the tokenizer
  EngineCore core;
  ModelInfo info;
  Status st = core.load(files, "mixed", true, &info);
  CHECK_FALSE(st.ok);
  CHECK(st.message.find("says vocab_size") != std::string::npos);
  REQUIRE(core.load(compare_model_files("zh-bert-mini"), "zh-bert-mini", false, &info).ok);
  ModelInfo ci;
  st = core.load_compare(files, "mixed", true, &ci);
  CHECK_FALSE(st.ok);
  CHECK(st.message.find("says vocab_size") != std::string::npos);
  CHECK_FALSE(core.compare_loaded());
}

TEST_CASE("compare link: an hf: vs= model's commit sha travels as vsrev= (readable and z=); vshash= still reads") {
  ViewState s;
  s.model = "zh-bert-ner-mini";
  s.vs = "hf:attnviz-demo/zh-bert-mini";
  s.vs_hash = "0123456789abcdef0123456789abcdef01234567";
  const std::string f = encode_fragment(s);
  CHECK(f.find("&vs=hf:attnviz-demo/zh-bert-mini&vsrev=0123456789abcdef0123456789abcdef01234567") != std::string::npos);
  CHECK(f.find("vshash=") == std::string::npos);
  DecodeResult d = decode_fragment(f);
  CHECK(d.notices.empty());
  CHECK(d.state == s);
  d = decode_fragment(encode_fragment_compact(s));
  CHECK(d.notices.empty());
  CHECK(d.state == s);
  // Links written before vsrev= existed carried the revision in vshash=.
  d = decode_fragment("vs=hf:attnviz-demo/zh-bert-mini&vshash=0123456789abcdef0123456789abcdef01234567");
  CHECK(d.notices.empty());
  CHECK(d.state.vs_hash == s.vs_hash);
  // hf:ORG/NAME@REV pins too; a branch or tag is a revision.
  d = decode_fragment("vs=hf:attnviz-demo/zh-bert-mini@v1");
  CHECK(d.state.vs == "hf:attnviz-demo/zh-bert-mini");
  CHECK(d.state.vs_hash == "v1");
  d = decode_fragment("vs=hf:attnviz-demo/zh-bert-mini&vsrev=main");
  CHECK(d.notices.empty());
  CHECK(d.state.vs_hash == "main");
  // Bad values: a notice each, nothing pinned.
  d = decode_fragment("vs=zh-bert-mini&vsrev=0123456789abcdef0123456789abcdef01234567");
  CHECK(d.state.vs == "zh-bert-mini");
  CHECK(d.state.vs_hash.empty());
  REQUIRE(d.notices.size() == 1);
  CHECK(d.notices[0].find("vsrev=") != std::string::npos);
  d = decode_fragment("vs=hf:attnviz-demo/zh-bert-mini&vsrev=a..b");
  CHECK(d.state.vs_hash.empty());
  REQUIRE(d.notices.size() == 1);
  CHECK(d.notices[0].find("a..b") != std::string::npos);
  // A user: model keeps its hash in vshash=.
  s.vs = "user:mine";
  s.vs_hash = "00ff";
  CHECK(encode_fragment(s).find("&vshash=00ff") != std::string::npos);
}
