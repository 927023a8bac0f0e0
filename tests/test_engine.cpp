// Tests of the engine (engine.h): the std::thread engine loads a model and answers runs with the same numbers as
// Model::forward; latest wins (a burst of submits costs at most two passes and the last result is the last input's);
// a failed load keeps the model; the worker protocol's JSON round-trips and rejects bad input.
#include <doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "engine.h"
#include "folder.h"
#include "test_paths.h"

using namespace attnviz;

#ifndef ATTNVIZ_TEST_THREADS
#define ATTNVIZ_TEST_THREADS 1
#endif

namespace {

// Waits (polling, 60 s at most) for the engine's next event.
bool next_event(Engine& e, EngineEvent* ev) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < end) {
    if (e.poll(ev)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

std::map<std::string, std::string> model_files(const std::string& name) {
  FolderFiles f;
  REQUIRE(read_folder(attnviz_test::models_dir() + "/" + name, &f).ok);
  return f.bytes;
}

}  // namespace

TEST_CASE("engine: the thread engine loads, runs like Model::forward, and the latest request wins" *
          doctest::skip(!ATTNVIZ_TEST_THREADS)) {
  std::unique_ptr<Engine> engine = make_thread_engine(2);
  CHECK(engine->threads_label() == "threads: 2");
  engine->load(model_files("zh-bert-mini"), "zh-bert-mini", false);
  EngineEvent ev;
  REQUIRE(next_event(*engine, &ev));
  REQUIRE(ev.kind == EngineEvent::Kind::Loaded);
  CHECK(ev.info.name == "zh-bert-mini");
  CHECK(ev.info.cfg.n_layers > 0);
  CHECK(ev.info.mask_id >= 0);

  // A burst of 10 requests: each replaces the queued one; the pass in flight is abandoned.
  const std::string base = "床前明月光，疑是地上霜。举头望明月，低头思故乡。";
  std::string text;
  for (int i = 1; i <= 10; i++) {
    RunRequest r;
    r.id = i;
    text = base.substr(0, 3 * i) + "[MASK]";
    r.text = text;
    engine->submit(r);
  }
  std::unique_ptr<RunResult> last;
  while (!last || last->request_id != 10) {
    REQUIRE(next_event(*engine, &ev));
    REQUIRE(ev.kind != EngineEvent::Kind::RunFailed);
    if (ev.kind == EngineEvent::Kind::Result) last = std::move(ev.run);
  }
  const EngineCounters c = engine->counters();
  CHECK(c.submitted == 10);
  CHECK(c.started <= 2);
  CHECK(c.completed <= 2);
  CHECK(c.dropped + c.started == 10);
  REQUIRE(last->valid);
  CHECK(last->enc.tokens.back() == "[SEP]");
  CHECK(last->enc.tokens[last->enc.tokens.size() - 2] == "[MASK]");
  CHECK(!last->stats.empty());
  CHECK(last->act.q.empty());  // not asked
  CHECK(!last->vocab.empty());

  // The same numbers as a direct forward pass.
  auto files = model_files("zh-bert-mini");
  FileMap fm;
  for (const auto& [k, v] : files) fm[k] = v;
  Model m;
  Tokenizer tok;
  REQUIRE(Model::load(fm, "m", &m).ok);
  REQUIRE(Tokenizer::load(fm, "m", &tok).ok);
  Encoding enc = tok.encode(text, {}, {});
  CHECK(enc.ids == last->enc.ids);
  Activations a;
  ForwardOptions fo;
  REQUIRE(m.forward(enc.ids, enc.type_ids, fo, &a).ok);
  REQUIRE(a.attentions.size() == last->act.attentions.size());
  float worst = 0;
  for (size_t i = 0; i < a.attentions.size(); i++) worst = std::max(worst, std::fabs(a.attentions[i] - last->act.attentions[i]));
  CHECK(worst <= 1e-5f);

  // A bad load keeps the model: the next run still works.
  engine->load({{"config.json", "{"}}, "broken", true);
  REQUIRE(next_event(*engine, &ev));
  CHECK(ev.kind == EngineEvent::Kind::LoadFailed);
  CHECK(ev.error.find("broken") != std::string::npos);
  RunRequest r;
  r.id = 11;
  r.text = "你好";
  r.want_qkv = true;
  engine->submit(r);
  REQUIRE(next_event(*engine, &ev));
  REQUIRE(ev.kind == EngineEvent::Kind::Result);
  CHECK(ev.run->enc.tokens == std::vector<std::string>{"[CLS]", "你", "好", "[SEP]"});
  CHECK(!ev.run->act.q.empty());
}

TEST_CASE("engine: the worker protocol round-trips requests, model info and results, and rejects bad JSON") {
  RunRequest r;
  r.id = 42;
  r.text = "床前\"明月\"光";
  r.pair = "x";
  r.head_mask = {0, 1, 0};
  r.want_qkv = true;
  RunRequest back;
  REQUIRE(request_from_json(request_to_json(r), &back));
  CHECK(back.id == 42);
  CHECK(back.text == r.text);
  CHECK(back.head_mask == r.head_mask);
  CHECK(back.want_qkv);
  CHECK_FALSE(request_from_json("{", &back));
  CHECK_FALSE(request_from_json("{\"id\": \"x\"}", &back));
  CHECK_FALSE(request_from_json("[]", &back));

  EngineCore core;
  auto files = model_files("gpt2-mini");
  FileMap fm;
  for (const auto& [k, v] : files) fm[k] = v;
  ModelInfo info;
  REQUIRE(core.load(fm, "gpt2-mini", true, &info).ok);
  CHECK(info.name == "user:gpt2-mini");
  CHECK(info.hash.size() == 16);
  CHECK(info.byte_level);
  ModelInfo info2;
  REQUIRE(info_from_json(info_to_json(info), &info2));
  CHECK(info2.cfg.n_layers == info.cfg.n_layers);
  CHECK(info2.cfg.family == Family::Gpt2);
  CHECK(info2.eos_id == info.eos_id);
  CHECK(info.mask_token.empty());  // GPT-2 has no mask token
  CHECK_FALSE(info_from_json("{\"name\": 1}", &info2));

  // The mask token's string travels with the model (the page has no vocabulary): "[MASK]" for BERT.
  EngineCore bert;
  FileMap bfm;
  auto bfiles = model_files("zh-bert-mini");
  for (const auto& [k, v] : bfiles) bfm[k] = v;
  ModelInfo binfo, binfo2;
  REQUIRE(bert.load(bfm, "zh-bert-mini", false, &binfo).ok);
  CHECK(binfo.mask_token == "[MASK]");
  REQUIRE(info_from_json(info_to_json(binfo), &binfo2));
  CHECK(binfo2.mask_token == "[MASK]");

  RunResult res;
  RunRequest q;
  q.id = 7;
  q.text = "Hello world";
  REQUIRE(core.run(q, {}, &res).ok);
  RunResult res2;
  REQUIRE(result_from_header_json(result_header_json(res), &res2));
  CHECK(res2.request_id == 7);
  CHECK(res2.enc.tokens == res.enc.tokens);
  CHECK(res2.enc.offsets == res.enc.offsets);
  CHECK(res2.stats.size() == res.stats.size());
  CHECK(res2.vocab.size() == res.vocab.size());
  CHECK(res2.act.attentions.size() == res.act.attentions.size());  // sized for the buffers to come
  CHECK(res2.act.logit_positions == res.act.logit_positions);
  CHECK_FALSE(result_from_header_json("{\"valid\": true}", &res2));
  CHECK_FALSE(result_from_header_json("not json", &res2));

  // Abandoned between layers.
  int asked = 0;
  Status st = core.run(q, [&] { return ++asked > 1; }, &res);
  CHECK_FALSE(st.ok);
  CHECK(st.message == kCancelled);
}

TEST_CASE("engine: summaries of the last run come from the engine's cache, without a pass, equal to a full run's" *
          doctest::skip(!ATTNVIZ_TEST_THREADS)) {
  std::unique_ptr<Engine> engine = make_thread_engine(1);
  engine->load(model_files("zh-bert-mini"), "zh-bert-mini", false);
  EngineEvent ev;
  REQUIRE(next_event(*engine, &ev));
  REQUIRE(ev.kind == EngineEvent::Kind::Loaded);
  const int L = ev.info.cfg.n_layers, H = ev.info.cfg.n_heads;
  RunRequest r;
  r.id = 1;
  r.text = "床前明月光，疑是地上霜。";
  r.want_summaries = false;  // e.g. the lines view: no summaries
  engine->submit(r);
  REQUIRE(next_event(*engine, &ev));
  REQUIRE(ev.kind == EngineEvent::Kind::Result);
  std::unique_ptr<RunResult> plain = std::move(ev.run);
  CHECK(plain->stats.empty());
  CHECK(plain->rollout.empty());
  // The matrix view opens: its summaries come from the cache (no new pass), merged by run id.
  RunRequest s = r;
  s.id = 2;
  s.want_summaries = true;
  s.summaries_of = 1;
  engine->submit(s);
  REQUIRE(next_event(*engine, &ev));
  REQUIRE(ev.kind == EngineEvent::Kind::Result);
  std::unique_ptr<RunResult> sum = std::move(ev.run);
  EngineCounters c = engine->counters();
  CHECK(c.started == 1);
  CHECK(c.cached == 1);
  CHECK(c.submitted == 2);
  CHECK(sum->summaries_of == 1);
  CHECK(sum->request_id == 2);
  CHECK(sum->act.attentions.empty());
  CHECK(sum->act.T == plain->act.T);
  const size_t LTT = static_cast<size_t>(L) * plain->act.T * plain->act.T;
  REQUIRE(sum->rollout.size() == LTT);
  REQUIRE(sum->head_mean.size() == LTT);
  REQUIRE(sum->stats.size() == static_cast<size_t>(L) * H);
  // A full run with summaries gives the same numbers.
  RunRequest f = r;
  f.id = 3;
  f.want_summaries = true;
  engine->submit(f);
  REQUIRE(next_event(*engine, &ev));
  REQUIRE(ev.kind == EngineEvent::Kind::Result);
  std::unique_ptr<RunResult> full = std::move(ev.run);
  CHECK(full->summaries_of == 0);
  REQUIRE(full->rollout.size() == LTT);
  float worst = 0;
  for (size_t i = 0; i < LTT; i++) {
    worst = std::max(worst, std::fabs(full->rollout[i] - sum->rollout[i]));
    worst = std::max(worst, std::fabs(full->head_mean[i] - sum->head_mean[i]));
  }
  CHECK(worst <= 1e-6f);
  for (size_t i = 0; i < full->stats.size(); i++) CHECK(full->stats[i].entropy == doctest::Approx(sum->stats[i].entropy));
  // Summaries of a run the engine no longer holds (run 1; its last run is 3): a full run of the request instead.
  RunRequest old = r;
  old.id = 4;
  old.summaries_of = 1;
  engine->submit(old);
  REQUIRE(next_event(*engine, &ev));
  REQUIRE(ev.kind == EngineEvent::Kind::Result);
  CHECK(ev.run->summaries_of == 0);
  CHECK(ev.run->request_id == 4);
  CHECK(ev.run->stats.size() == static_cast<size_t>(L) * H);
  CHECK(!ev.run->act.attentions.empty());
  c = engine->counters();
  CHECK(c.started == 3);
  CHECK(c.cached == 1);
  CHECK(c.started + c.dropped + c.cached == c.submitted);
}

TEST_CASE("engine: a result header read into recycled buffers keeps them and reports the sizes") {
  EngineCore core;
  auto files = model_files("zh-bert-mini");
  FileMap fm;
  for (const auto& [k, v] : files) fm[k] = v;
  ModelInfo info;
  REQUIRE(core.load(fm, "zh-bert-mini", false, &info).ok);
  RunRequest q;
  q.id = 9;
  q.text = "你好[MASK]";
  RunResult res;
  REQUIRE(core.run(q, {}, &res).ok);
  RunResult into;
  into.act.attentions.reserve(1 << 16);
  const float* storage = into.act.attentions.data();
  std::vector<size_t> sizes;
  REQUIRE(result_from_header_json(result_header_json(res), &into, &sizes));
  auto bufs = result_buffers(&res);
  REQUIRE(sizes.size() == bufs.size());
  for (size_t i = 0; i < bufs.size(); i++) CHECK(sizes[i] == bufs[i].second->size());
  CHECK(into.act.attentions.data() == storage);  // the same storage, not resized
  CHECK(into.act.attentions.capacity() >= (1u << 16));
  CHECK(into.request_id == 9);
  CHECK(into.enc.tokens == res.enc.tokens);
  CHECK(into.summaries_of == 0);
  // A summaries answer's header says whose; a request's summaries_of round-trips; a bad one is rejected.
  RunResult s;
  s.valid = true;
  s.request_id = 10;
  s.summaries_of = 9;
  RunResult s2;
  REQUIRE(result_from_header_json(result_header_json(s), &s2));
  CHECK(s2.summaries_of == 9);
  RunRequest rq;
  rq.id = 10;
  rq.summaries_of = 9;
  RunRequest rq2;
  REQUIRE(request_from_json(request_to_json(rq), &rq2));
  CHECK(rq2.summaries_of == 9);
  CHECK_FALSE(request_from_json("{\"id\":1,\"text\":\"\",\"pair\":\"\",\"head_mask\":[],\"want_qkv\":false,"
                                "\"want_summaries\":true,\"summaries_of\":\"x\"}", &rq2));
}
