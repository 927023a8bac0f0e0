// Tests of weights used in place (issue 11, memory): a model loaded with file owners (Model::load's `owners`) maps
// its float32 tensors into the files' bytes and must compute exactly what the copying path computes, keep the bytes
// alive itself, copy what it cannot map (misaligned, F16/BF16, gathered torch views) and fail on bad files as before.
// F16/BF16 files read by range (Model::load's `sources`, ByteSource) give the same outputs and messages.
#include <doctest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "byte_source.h"
#include "engine.h"
#include "folder.h"
#include "model.h"
#include "safetensors.h"
#include "test_paths.h"

using namespace attnviz;
using attnviz_test::data_dir;
using attnviz_test::models_dir;
using attnviz_test::shared_dir;

namespace {

std::map<std::string, std::string> read_dir(const std::string& dir) {
  FolderFiles f;
  Status s = read_folder(dir, &f);
  REQUIRE_MESSAGE(s.ok, s.message);
  return f.bytes;
}

FileMap view_of(const std::map<std::string, std::string>& files) {
  FileMap m;
  for (const auto& [k, v] : files) m[k] = v;
  return m;
}

// Loads `files` with owners (in place) into *out; the caller's map and owners are dropped before returning, so the
// model alone keeps what it uses.
Status load_in_place(std::map<std::string, std::string> files, const std::string& what, Model* out) {
  FileMap fm;
  FileOwners owners;
  share_files(std::move(files), &fm, &owners);
  return Model::load(fm, what, out, &owners);
}

std::vector<int32_t> random_ids(int T, int V, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> ids(T);
  for (int& id : ids) id = static_cast<int32_t>(rng() % static_cast<unsigned>(V));
  return ids;
}

Activations run_all(Model& m, int T, unsigned seed) {
  ForwardOptions opt;
  opt.all_positions = true;
  Activations a;
  const std::vector<int32_t> ids = random_ids(T, m.config().vocab_size, seed);
  Status s = m.forward(ids, {}, opt, &a);
  REQUIRE_MESSAGE(s.ok, s.message);
  return a;
}

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Every output of the two models on the same input is bit for bit the same (attentions, q/k/v, hidden states, logits).
void check_same_outputs(Model& a, Model& b, int T) {
  const Activations x = run_all(a, T, 11), y = run_all(b, T, 11);
  CHECK(same(x.attentions, y.attentions));
  CHECK(same(x.q, y.q));
  CHECK(same(x.k, y.k));
  CHECK(same(x.v, y.v));
  CHECK(same(x.hidden, y.hidden));
  CHECK(same(x.logits, y.logits));
}

size_t weight_file_bytes(const std::map<std::string, std::string>& files) {
  size_t n = 0;
  for (const auto& [k, v] : files)
    if (k.find(".safetensors") != std::string::npos || k.find(".bin") != std::string::npos) n += v.size();
  return n;
}

bool have_torch_fixtures() {
  return attnviz_test::file_exists(shared_dir() + "/fixtures/pytorch-bin/tiny-bert-zip/pytorch_model.bin");
}

}  // namespace

TEST_CASE("memory: float32 weights are used in place, outputs bit-identical to the copying loader") {
  // tests/data's tiny models are float32; the demo models in models/ are F16 (converted, nothing in place).
  const std::string dirs[] = {data_dir() + "/tiny-bert", data_dir() + "/tiny-bert-ner", data_dir() + "/tiny-gpt2"};
  for (const std::string& dir : {models_dir() + "/zh-bert-mini", models_dir() + "/gpt2-mini"}) {
    CAPTURE(dir);
    const auto files = read_dir(dir);
    Model copied, mapped;
    REQUIRE(Model::load(view_of(files), dir, &copied).ok);
    REQUIRE(load_in_place(files, dir, &mapped).ok);
    CHECK(mapped.memory().in_place_bytes == 0);
    CHECK(mapped.memory().owned_bytes == copied.memory().owned_bytes);
    check_same_outputs(copied, mapped, 40);
  }
  for (const std::string& dir : dirs) {
    CAPTURE(dir);
    const auto files = read_dir(dir);
    Model copied, mapped;
    REQUIRE(Model::load(view_of(files), dir, &copied).ok);
    const Status s = load_in_place(files, dir, &mapped);
    REQUIRE_MESSAGE(s.ok, s.message);
    // Copying path: nothing in place. Mapped: every weight of the file in place but the few small copies (BERT's
    // concatenated q|k|v bias).
    CHECK(copied.memory().in_place_bytes == 0);
    CHECK(copied.memory().owned_bytes > 0);
    const ModelMemory mm = mapped.memory();
    CHECK(mm.in_place_bytes > 0);
    CHECK(mm.in_place_bytes <= weight_file_bytes(files));
    CHECK(mm.owned_bytes * 20 < mm.in_place_bytes);
    CHECK(mm.in_place_bytes + mm.owned_bytes >= copied.memory().owned_bytes);
    check_same_outputs(copied, mapped, 40);
  }
}

TEST_CASE("memory: the model keeps the weight file alive, and only that file") {
  auto files = read_dir(data_dir() + "/tiny-bert");
  Model m, ref;
  REQUIRE(Model::load(view_of(files), "ref", &ref).ok);
  FileMap fm;
  FileOwners owners;
  share_files(std::move(files), &fm, &owners);
  REQUIRE(Model::load(fm, "tiny-bert", &m, &owners).ok);
  CHECK(owners.at("model.safetensors").use_count() == 2);  // ours + the model's
  CHECK(owners.at("config.json").use_count() == 1);        // nothing of it used in place
  std::weak_ptr<const void> weights = owners.at("model.safetensors");
  owners.clear();
  fm.clear();
  CHECK(!weights.expired());           // the model holds it
  check_same_outputs(ref, m, 33);      // reads the kept bytes (ASan would flag freed ones)
  m = Model();
  CHECK(weights.expired());            // dropping the model frees the file
}

TEST_CASE("memory: misaligned float32 tensors are copied, not mapped, with the same values") {
  const auto files = read_dir(data_dir() + "/tiny-bert");
  SafeTensors st;
  REQUIRE(SafeTensors::parse(files.at("model.safetensors"), "in", &st).ok);
  // A 1-element F16 tensor first in the data section shifts every float32 tensor after it by 2 bytes.
  SafeTensorsWriter w;
  w.add_raw("aaa.pad", "F16", {1}, std::string(2, '\0'));
  for (const TensorView& t : st.tensors()) w.add_raw(t.name, t.dtype_name, t.shape, std::string(t.data));
  auto shifted = files;
  shifted["model.safetensors"] = w.finish();
  Model ref, m;
  REQUIRE(Model::load(view_of(files), "ref", &ref).ok);
  Status s = load_in_place(shifted, "shifted", &m);
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(m.memory().in_place_bytes == 0);
  CHECK(m.memory().owned_bytes == ref.memory().owned_bytes);
  check_same_outputs(ref, m, 25);
}

TEST_CASE("memory: F16 / BF16 weights are converted once (no file copy kept), float32 ones mapped") {
  const auto files = read_dir(data_dir() + "/tiny-gpt2");
  SafeTensors st;
  REQUIRE(SafeTensors::parse(files.at("model.safetensors"), "in", &st).ok);
  SafeTensorsWriter w;
  size_t n16 = 0;
  for (const TensorView& t : st.tensors()) {
    std::vector<float> f(static_cast<size_t>(t.numel));
    REQUIRE(tensor_to_float(t, "in", f.data()).ok);
    if (t.shape.size() == 2) {  // matrices in half precision, vectors in float32
      w.add_f16(t.name, t.shape, f.data());
      n16 += f.size();
    } else {
      w.add_f32(t.name, t.shape, f.data());
    }
  }
  auto half = files;
  half["model.safetensors"] = w.finish();
  Model copied, m;
  REQUIRE(Model::load(view_of(half), "copied", &copied).ok);
  FileMap fm;
  FileOwners owners;
  share_files(half, &fm, &owners);
  REQUIRE(Model::load(fm, "half", &m, &owners).ok);
  CHECK(m.memory().owned_bytes >= n16 * sizeof(float));
  CHECK(m.memory().in_place_bytes > 0);  // the float32 vectors (biases, LayerNorms)
  check_same_outputs(copied, m, 20);
  // All-F16: nothing in place, so the model keeps no file.
  SafeTensorsWriter w16;
  for (const TensorView& t : st.tensors()) {
    std::vector<float> f(static_cast<size_t>(t.numel));
    REQUIRE(tensor_to_float(t, "in", f.data()).ok);
    w16.add_bf16(t.name, t.shape, f.data());
  }
  auto bf = files;
  bf["model.safetensors"] = w16.finish();
  share_files(bf, &fm, &owners);
  Model b;
  REQUIRE(Model::load(fm, "bf16", &b, &owners).ok);
  CHECK(b.memory().in_place_bytes == 0);
  CHECK(owners.at("model.safetensors").use_count() == 1);
}

TEST_CASE("memory: sharded safetensors are mapped in every shard") {
  const auto files = read_dir(data_dir() + "/tiny-bert");
  SafeTensors st;
  REQUIRE(SafeTensors::parse(files.at("model.safetensors"), "in", &st).ok);
  SafeTensorsWriter a, b;
  nlohmann::json index = {{"metadata", nlohmann::json::object()}, {"weight_map", nlohmann::json::object()}};
  size_t i = 0;
  for (const TensorView& t : st.tensors()) {
    const bool first = i++ % 2 == 0;
    (first ? a : b).add_raw(t.name, t.dtype_name, t.shape, std::string(t.data));
    index["weight_map"][t.name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  auto sharded = files;
  sharded.erase("model.safetensors");
  sharded["model-00001-of-00002.safetensors"] = a.finish();
  sharded["model-00002-of-00002.safetensors"] = b.finish();
  sharded["model.safetensors.index.json"] = index.dump();
  Model ref, m;
  REQUIRE(Model::load(view_of(files), "ref", &ref).ok);
  FileMap fm;
  FileOwners owners;
  share_files(sharded, &fm, &owners);
  REQUIRE(Model::load(fm, "sharded", &m, &owners).ok);
  CHECK(owners.at("model-00001-of-00002.safetensors").use_count() == 2);
  CHECK(owners.at("model-00002-of-00002.safetensors").use_count() == 2);
  check_same_outputs(ref, m, 30);
}

TEST_CASE("memory: bad files fail with the same messages in place, and a failed load keeps the current model") {
  const auto files = read_dir(data_dir() + "/tiny-bert");
  Model m, ref;
  REQUIRE(Model::load(view_of(files), "ref", &ref).ok);
  REQUIRE(load_in_place(files, "good", &m).ok);
  const std::string& st = files.at("model.safetensors");
  for (size_t cut : {size_t(0), size_t(5), size_t(64), st.size() / 2, st.size() - 1}) {
    CAPTURE(cut);
    auto bad = files;
    bad["model.safetensors"] = st.substr(0, cut);
    Model copied;
    const Status want = Model::load(view_of(bad), "bad", &copied);
    REQUIRE(!want.ok);
    FileMap fm;
    FileOwners owners;
    share_files(bad, &fm, &owners);
    const Status got = Model::load(fm, "bad", &m, &owners);
    CHECK(!got.ok);
    CHECK(got.message == want.message);
    CHECK(owners.at("model.safetensors").use_count() == 1);  // the failed load kept nothing
  }
  check_same_outputs(ref, m, 17);  // the current model is still there and whole
}

TEST_CASE("memory: PyTorch checkpoints map their float32 storages in place, views and tied weights stay exact") {
  if (!have_torch_fixtures()) {
    MESSAGE("../shared/fixtures/pytorch-bin absent: skipped");
    return;
  }
  const std::string base = shared_dir() + "/fixtures/pytorch-bin/";
  struct Case {
    const char* folder;
    int mapped;  // 1: float32 storages at aligned offsets (zip entries are 64-byte aligned): some tensors in place;
                 // 0: none (F16/BF16); -1: either (legacy storages sit wherever the pickles end)
  } cases[] = {{"tiny-bert-zip", 1},  {"tiny-bert-legacy", -1}, {"tiny-gpt2-tied", 1}, {"tiny-bert-views", 1},
               {"tiny-bert-sharded", 1}, {"tiny-bert-f16", 0}, {"tiny-bert-bf16", 0}};
  for (const Case& c : cases) {
    const std::string folder = c.folder;
    CAPTURE(folder);
    const auto files = read_dir(base + c.folder);
    Model copied, m;
    REQUIRE(Model::load(view_of(files), c.folder, &copied).ok);
    Status s = load_in_place(files, c.folder, &m);
    REQUIRE_MESSAGE(s.ok, s.message);
    if (c.mapped == 1) CHECK(m.memory().in_place_bytes > 0);
    if (c.mapped == 0) CHECK(m.memory().in_place_bytes == 0);
    check_same_outputs(copied, m, 21);
  }
  for (const char* bad : {"truncated-zip", "storage-too-small", "evil-os-system"}) {
    CAPTURE(bad);
    Model m;
    FolderFiles f;
    if (!read_folder(base + bad, &f).ok) continue;
    Model copied;
    const Status want = Model::load(f.view(), bad, &copied);
    const Status got = load_in_place(f.bytes, bad, &m);
    CHECK(!got.ok);
    CHECK(got.message == want.message);
  }
}

TEST_CASE("memory: the engine core loads in place and keeps the old model on a failed load") {
  const auto files = read_dir(models_dir() + "/gpt2-mini");
  EngineCore core;
  ModelInfo info;
  {
    FileMap fm;
    FileOwners owners;
    share_files(files, &fm, &owners);
    Status s = core.load(fm, "gpt2-mini", true, &info, &owners);
    REQUIRE_MESSAGE(s.ok, s.message);
    CHECK(info.hash == files_hash(view_of(files)));  // the hash of the untouched bytes
  }
  RunRequest r;
  r.id = 1;
  r.text = "The quick brown fox";
  RunResult before;
  REQUIRE(core.run(r, {}, &before).ok);
  auto bad = files;
  bad["model.safetensors"].resize(bad["model.safetensors"].size() / 3);
  FileMap fm;
  FileOwners owners;
  share_files(bad, &fm, &owners);
  ModelInfo info2;
  CHECK(!core.load(fm, "broken", true, &info2, &owners).ok);
  RunResult after;
  REQUIRE(core.run(r, {}, &after).ok);
  CHECK(same(before.act.attentions, after.act.attentions));
  CHECK(same(before.act.logits, after.act.logits));
}

// ---- F16/BF16 files read by range (ByteSource): no whole file beside its floats ---------------------------------

namespace {

// The tensors of `st` rewritten with matrices in `dtype` ("F16", "BF16" or "F32") and vectors in float32.
std::string rewrite(const std::string& safetensors, const std::string& dtype) {
  SafeTensors st;
  REQUIRE(SafeTensors::parse(safetensors, "in", &st).ok);
  SafeTensorsWriter w;
  for (const TensorView& t : st.tensors()) {
    std::vector<float> f(static_cast<size_t>(t.numel));
    REQUIRE(tensor_to_float(t, "in", f.data()).ok);
    if (t.shape.size() == 2 && dtype == "F16") w.add_f16(t.name, t.shape, f.data());
    else if (t.shape.size() == 2 && dtype == "BF16") w.add_bf16(t.name, t.shape, f.data());
    else w.add_f32(t.name, t.shape, f.data());
  }
  return w.finish();
}

// Moves every model*.safetensors file of `files` (not tests/data's expected.safetensors) out of the map into MemoryByteSources over `keep` (which holds the bytes).
void to_sources(std::map<std::string, std::string>* files, std::map<std::string, std::string>* keep, ByteSources* sources) {
  for (auto it = files->begin(); it != files->end();) {
    const std::string& n = it->first;
    if (n.rfind("model", 0) == 0 && n.size() > 12 && n.compare(n.size() - 12, 12, ".safetensors") == 0) {
      (*keep)[it->first] = std::move(it->second);
      (*sources)[it->first] = std::make_shared<MemoryByteSource>((*keep)[it->first]);
      it = files->erase(it);
    } else {
      ++it;
    }
  }
}

// A source over bytes that answers the first `good_reads` reads and then fails them all (a file cut after it was
// opened), counting its reads and the largest one.
struct FlakySource : ByteSource {
  std::string_view bytes;
  int good_reads = 1 << 30;
  mutable int reads = 0;
  mutable size_t largest = 0;
  uint64_t size() const override { return bytes.size(); }
  bool read(uint64_t offset, size_t len, void* dst) const override {
    largest = std::max(largest, len);
    if (reads++ >= good_reads || !range_inside(offset, len, bytes.size())) return false;
    std::memcpy(dst, bytes.data() + offset, len);
    return true;
  }
};

}  // namespace

TEST_CASE("memory: F16 / BF16 / F32 safetensors read by range give bit-identical outputs, never holding the file") {
  for (const std::string& dir : {data_dir() + "/tiny-gpt2", data_dir() + "/tiny-bert", data_dir() + "/tiny-bert-ner"}) {
    for (const std::string& dtype : {std::string("F16"), std::string("BF16"), std::string("F32")}) {
      CAPTURE(dir);
      CAPTURE(dtype);
      auto files = read_dir(dir);
      files["model.safetensors"] = rewrite(files.at("model.safetensors"), dtype);
      Model ref, m;
      REQUIRE(Model::load(view_of(files), "ref", &ref).ok);  // today's path: the whole file in memory, converted
      std::map<std::string, std::string> keep;
      ByteSources sources;
      auto rest = files;
      to_sources(&rest, &keep, &sources);
      REQUIRE(sources.size() == 1);
      CHECK(has_half_precision_tensors(*sources.begin()->second) == (dtype != "F32"));
      FileMap fm;
      FileOwners owners;
      share_files(rest, &fm, &owners);
      const Status s = Model::load(fm, "ranged", &m, &owners, &sources);
      REQUIRE_MESSAGE(s.ok, s.message);
      CHECK(m.memory().in_place_bytes == 0);
      CHECK(m.memory().owned_bytes == ref.memory().owned_bytes);
      check_same_outputs(ref, m, 23);
    }
  }
}

TEST_CASE("memory: reads by range come in chunks, not the whole file") {
  auto files = read_dir(data_dir() + "/tiny-gpt2");
  const std::string half = rewrite(files.at("model.safetensors"), "F16");
  files.erase("model.safetensors");
  auto src = std::make_shared<FlakySource>();
  src->bytes = half;
  ByteSources sources{{"model.safetensors", src}};
  Model m;
  REQUIRE(Model::load(view_of(files), "chunks", &m, nullptr, &sources).ok);
  CHECK(src->reads > 3);
  CHECK(src->largest <= (size_t{1} << 17));  // 64K F16 elements per read (the tiny model's tensors are smaller)
  CHECK(src->largest < half.size() / 2);
}

TEST_CASE("memory: the demo models (F16) load from disk by range with the same outputs; float32 files stay whole") {
  for (const std::string& dir : {models_dir() + "/zh-bert-mini", models_dir() + "/gpt2-mini", data_dir() + "/tiny-bert"}) {
    CAPTURE(dir);
    const auto files = read_dir(dir);
    Model ref, m;
    REQUIRE(Model::load(view_of(files), "ref", &ref).ok);
    FolderFiles ff;
    ByteSources sources;
    REQUIRE(read_folder(dir, &ff, &sources).ok);
    const bool half = dir.find("tiny-bert") == std::string::npos;
    CHECK(sources.count("model.safetensors") == (half ? 1u : 0u));
    CHECK(ff.bytes.count("model.safetensors") == (half ? 0u : 1u));
    FileMap fm;
    FileOwners owners;
    share_files(std::move(ff.bytes), &fm, &owners);
    const Status s = Model::load(fm, dir, &m, &owners, &sources);
    REQUIRE_MESSAGE(s.ok, s.message);
    check_same_outputs(ref, m, 19);
  }
}

TEST_CASE("memory: PyTorch checkpoints are read whole as before (no sources), outputs unchanged") {
  if (!have_torch_fixtures()) {
    MESSAGE("../shared/fixtures/pytorch-bin absent: skipped");
    return;
  }
  const std::string base = shared_dir() + "/fixtures/pytorch-bin/";
  for (const char* folder : {"tiny-bert-zip", "tiny-bert-legacy", "tiny-bert-ner-legacy", "tiny-bert-ner-zip",
                             "tiny-gpt2-tied", "tiny-gpt2-zip", "tiny-gpt2-legacy", "tiny-bert-views",
                             "tiny-bert-sharded", "tiny-bert-f16", "tiny-bert-bf16"}) {
    CAPTURE(folder);
    const auto files = read_dir(base + folder);
    Model ref, m;
    REQUIRE(Model::load(view_of(files), folder, &ref).ok);
    FolderFiles ff;
    ByteSources sources;
    REQUIRE(read_folder(base + folder, &ff, &sources).ok);
    CHECK(sources.empty());
    FileMap fm;
    FileOwners owners;
    share_files(std::move(ff.bytes), &fm, &owners);
    const Status s = Model::load(fm, folder, &m, &owners, &sources);
    REQUIRE_MESSAGE(s.ok, s.message);
    check_same_outputs(ref, m, 21);
  }
}

TEST_CASE("memory: sharded F16 safetensors read by range") {
  const auto files = read_dir(data_dir() + "/tiny-bert");
  SafeTensors st;
  const std::string half = rewrite(files.at("model.safetensors"), "F16");
  REQUIRE(SafeTensors::parse(half, "in", &st).ok);
  SafeTensorsWriter a, b;
  nlohmann::json index = {{"metadata", nlohmann::json::object()}, {"weight_map", nlohmann::json::object()}};
  size_t i = 0;
  for (const TensorView& t : st.tensors()) {
    const bool first = i++ % 2 == 0;
    (first ? a : b).add_raw(t.name, t.dtype_name, t.shape, std::string(t.data));
    index["weight_map"][t.name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  auto sharded = files;
  sharded.erase("model.safetensors");
  sharded["model-00001-of-00002.safetensors"] = a.finish();
  sharded["model-00002-of-00002.safetensors"] = b.finish();
  sharded["model.safetensors.index.json"] = index.dump();
  auto whole = files;
  whole["model.safetensors"] = half;
  Model ref, m;
  REQUIRE(Model::load(view_of(whole), "ref", &ref).ok);
  std::map<std::string, std::string> keep;
  ByteSources sources;
  to_sources(&sharded, &keep, &sources);
  REQUIRE(sources.size() == 2);
  REQUIRE(sharded.count("model.safetensors.index.json"));
  const Status s = Model::load(view_of(sharded), "sharded", &m, nullptr, &sources);
  REQUIRE_MESSAGE(s.ok, s.message);
  check_same_outputs(ref, m, 30);
  // A shard named in the index but in neither the files nor the sources.
  sources.erase("model-00002-of-00002.safetensors");
  Model bad;
  const Status missing = Model::load(view_of(sharded), "sharded", &bad, nullptr, &sources);
  CHECK(!missing.ok);
  CHECK(missing.message.find("model-00002-of-00002.safetensors") != std::string::npos);
}

TEST_CASE("memory: ByteSource bad input: ranges out of bounds, short reads, truncated files (the model stays)") {
  const std::string bytes = "0123456789";
  MemoryByteSource mem(bytes);
  char buf[16] = {};
  CHECK(mem.read(0, 10, buf));
  CHECK(mem.read(10, 0, buf));
  CHECK(!mem.read(5, 6, buf));
  CHECK(!mem.read(11, 0, buf));
  CHECK(!mem.read(UINT64_MAX, 2, buf));  // offset + len overflows
  CHECK(!mem.read(2, SIZE_MAX, buf));
  CHECK(range_inside(3, 7, 10));
  CHECK(!range_inside(3, 8, 10));
  CHECK(!range_inside(UINT64_MAX - 1, 4, 10));

  auto files = read_dir(data_dir() + "/tiny-gpt2");
  const std::string half = rewrite(files.at("model.safetensors"), "BF16");
  files.erase("model.safetensors");
  auto good = files;
  good["model.safetensors"] = half;
  Model current, ref;
  REQUIRE(Model::load(view_of(good), "current", &current).ok);
  REQUIRE(Model::load(view_of(good), "ref", &ref).ok);

  // Truncated files: the same message as when the bytes are in memory, for cuts in the length, the header and the data.
  for (size_t cut : {size_t(0), size_t(5), size_t(8), size_t(64), half.size() / 2, half.size() - 1}) {
    CAPTURE(cut);
    const std::string part = half.substr(0, cut);
    auto bad = files;
    bad["model.safetensors"] = part;
    Model tmp;
    const Status want = Model::load(view_of(bad), "bad", &tmp);
    REQUIRE(!want.ok);
    ByteSources sources{{"model.safetensors", std::make_shared<MemoryByteSource>(part)}};
    const Status got = Model::load(view_of(files), "bad", &current, nullptr, &sources);
    CHECK(!got.ok);
    CHECK(got.message == want.message);
  }
  // Short reads (a file cut or changed after it was opened): at the length, the header, the first tensor, later.
  for (int good_reads : {0, 1, 2, 5}) {
    CAPTURE(good_reads);
    auto flaky = std::make_shared<FlakySource>();
    flaky->bytes = half;
    flaky->good_reads = good_reads;
    ByteSources sources{{"model.safetensors", flaky}};
    const Status got = Model::load(view_of(files), "flaky", &current, nullptr, &sources);
    CHECK(!got.ok);
    CHECK(got.message.find("flaky/model.safetensors: ") == 0);
    CHECK((got.message.find("could not read") != std::string::npos));
  }
  // A source smaller than a tensor's offsets (as if the header came from a longer file): refused before any read.
  SafeTensors st;
  auto whole = std::make_shared<MemoryByteSource>(half);
  REQUIRE(SafeTensors::parse(*whole, "x", &st).ok);
  TensorView t = st.tensors().back();
  std::vector<float> dst(static_cast<size_t>(t.numel));
  const std::string shorter = half.substr(0, static_cast<size_t>(t.offset) + 1);
  const Status cut = tensor_to_float(MemoryByteSource(shorter), t, "x", dst.data());
  CHECK(!cut.ok);
  CHECK(cut.message.find("x: tensor '" + t.name + "': could not read") == 0);
  t.offset = UINT64_MAX - 1;  // an offset whose end overflows
  CHECK(!tensor_to_float(*whole, t, "x", dst.data()).ok);
  t.dtype = DType::I32;
  t.dtype_name = "I32";
  CHECK(tensor_to_float(*whole, t, "x", dst.data()).message.find("weights must be F32, F16 or BF16") != std::string::npos);
  // Not a safetensors file at all, through a source.
  const std::string junk = "\x10\0\0\0\0\0\0\0not json at all!";
  ByteSources js{{"model.safetensors", std::make_shared<MemoryByteSource>(junk)}};
  CHECK(!has_half_precision_tensors(*js.begin()->second));
  CHECK(!Model::load(view_of(files), "junk", &current, nullptr, &js).ok);
  check_same_outputs(ref, current, 17);  // every failed load kept the current model
}

TEST_CASE("memory: FileByteSource reads a file on disk and fails cleanly on a missing or shrunk file") {
  std::shared_ptr<const ByteSource> src;
  const Status missing = FileByteSource::open("/nonexistent-attnviz-dir/model.safetensors", &src);
  CHECK(!missing.ok);
  CHECK(missing.message.find("/nonexistent-attnviz-dir/model.safetensors: ") == 0);
  auto files = read_dir(data_dir() + "/tiny-gpt2");
  const std::string half = rewrite(files.at("model.safetensors"), "F16");
  files.erase("model.safetensors");
  std::error_code ec;
  const std::string path = (std::filesystem::temp_directory_path(ec) / "attnviz-f16-source.safetensors").string();
  {
    std::ofstream o(path, std::ios::binary | std::ios::trunc);
    o.write(half.data(), static_cast<std::streamsize>(half.size()));
  }
  REQUIRE(FileByteSource::open(path, &src).ok);
  CHECK(src->size() == half.size());
  std::string head(16, '\0');
  CHECK(src->read(0, 16, head.data()));
  CHECK(head == half.substr(0, 16));
  CHECK(!src->read(half.size() - 4, 8, head.data()));
  ByteSources sources{{"model.safetensors", src}};
  Model m, ref;
  auto whole = files;
  whole["model.safetensors"] = half;
  REQUIRE(Model::load(view_of(whole), "ref", &ref).ok);
  REQUIRE(Model::load(view_of(files), "disk", &m, nullptr, &sources).ok);
  check_same_outputs(ref, m, 12);
  {  // the file shrinks after it was opened: the size taken at open no longer holds, the reads come up short
    std::ofstream o(path, std::ios::binary | std::ios::trunc);
    o.write(half.data(), static_cast<std::streamsize>(half.size() / 2));
  }
  const Status shrunk = Model::load(view_of(files), "disk", &m, nullptr, &sources);
  CHECK(!shrunk.ok);
  CHECK(shrunk.message.find("could not read") != std::string::npos);
  check_same_outputs(ref, m, 12);
  std::remove(path.c_str());
}

TEST_CASE("memory: the engine core loads F16 sources, hashes them like bytes, keeps its model on a failed load") {
  const auto files = read_dir(models_dir() + "/gpt2-mini");  // F16 weights
  EngineCore core;
  ModelInfo info;
  {
    auto rest = files;
    std::map<std::string, std::string> keep;
    ByteSources sources;
    to_sources(&rest, &keep, &sources);
    REQUIRE(!sources.empty());
    CHECK(files_hash(view_of(rest), sources) == files_hash(view_of(files)));
    Status s = core.load(view_of(rest), "gpt2-mini", true, &info, nullptr, &sources);
    REQUIRE_MESSAGE(s.ok, s.message);
    CHECK(info.hash == files_hash(view_of(files)));
  }
  RunRequest r;
  r.id = 1;
  r.text = "The quick brown fox";
  RunResult before;
  REQUIRE(core.run(r, {}, &before).ok);
  Model ref;
  REQUIRE(Model::load(view_of(files), "ref", &ref).ok);
  auto rest = files;
  const std::string weights = rest.at("model.safetensors");
  rest.erase("model.safetensors");
  auto flaky = std::make_shared<FlakySource>();
  flaky->bytes = weights;
  flaky->good_reads = 7;
  ByteSources sources{{"model.safetensors", flaky}};
  ModelInfo info2;
  CHECK(!core.load(view_of(rest), "broken", true, &info2, nullptr, &sources).ok);
  CHECK(files_hash(view_of(rest), sources).empty());  // a failed read gives no hash
  RunResult after;
  REQUIRE(core.run(r, {}, &after).ok);
  CHECK(same(before.act.attentions, after.act.attentions));
  CHECK(same(before.act.logits, after.act.logits));
}

TEST_CASE("memory: files_hash is FNV-1a 64 over names and bytes, the same with or without sources") {
  // The value of a user model's hash travels in share links, so it must not change: FNV-1a 64 over
  // "config.json\0{}" then "vocab.txt\0[PAD]\n" (computed independently), generation/training files left out.
  const std::map<std::string, std::string> files = {
      {"config.json", "{}"}, {"vocab.txt", "[PAD]\n"}, {"generation_config.json", "{\"x\": 1}"}};
  CHECK(files_hash(view_of(files)) == "7d59f08a898f44d3");
  CHECK(files_hash(view_of(files), ByteSources{}) == "7d59f08a898f44d3");
  auto rest = files;
  rest.erase("vocab.txt");
  static const std::string vocab = "[PAD]\n";  // a MemoryByteSource views bytes it does not own
  ByteSources sources{{"vocab.txt", std::make_shared<MemoryByteSource>(vocab)}};
  CHECK(files_hash(view_of(rest), sources) == "7d59f08a898f44d3");
}
