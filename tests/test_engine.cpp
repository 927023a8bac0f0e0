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
