// Tests of the threaded forward pass (parallel.h splitting gemm columns/rows, attention heads and activation rows):
// every reference case of the demo models with 2 and 3 threads against transformers' vectors and against one
// thread (same numbers to 1e-5), and a pass abandoned between layers through ForwardOptions::cancelled.
#include <doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "folder.h"
#include "gemm.h"
#include "model.h"
#include "parallel.h"
#include "safetensors.h"
#include "test_paths.h"

using namespace attnviz;

// 0 where std::thread cannot start (the wasm test build has no pthreads): those cases are skipped there.
#ifndef ATTNVIZ_TEST_THREADS
#define ATTNVIZ_TEST_THREADS 1
#endif

namespace {

// Restores one thread when a test ends (other tests assume the default).
struct Threads {
  explicit Threads(int n) { parallel_set_threads(n); }
  ~Threads() { parallel_set_threads(1); }
};

// Largest |a - b| / max(1, |a|): absolute for probabilities, relative for logits and hidden states (Eigen's kernels
// natively may sum a column block's edge differently by width; the wasm kernel gives identical bits).
float max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  float worst = 0;
  for (size_t i = 0; i < a.size(); i++) {
    const float d = std::fabs(a[i] - b[i]) / std::max(1.0f, std::fabs(a[i]));
    if (!(d <= worst)) worst = d;
  }
  return worst;
}

std::vector<float> floats(const SafeTensors& st, const std::string& name) {
  const TensorView* t = st.find(name);
  if (!t) return {};
  std::vector<float> v(static_cast<size_t>(t->numel));
  if (!tensor_to_float(*t, name, v.data())) return {};
  return v;
}

std::vector<int32_t> ints(const SafeTensors& st, const std::string& name) {
  const TensorView* t = st.find(name);
  if (!t || t->dtype != DType::I32) return {};
  std::vector<int32_t> v(static_cast<size_t>(t->numel));
  std::memcpy(v.data(), t->data.data(), v.size() * 4);
  return v;
}

// Every case of the model's reference file, with 1 thread and with `threads`: both match the reference attentions
// (and hidden states) and each other to 1e-5.
void check_threads(const std::string& model, int threads) {
  FolderFiles files;
  REQUIRE(read_folder(attnviz_test::models_dir() + "/" + model, &files).ok);
  Model m;
  Status s = Model::load(files.view(), model, &m);
  REQUIRE_MESSAGE(s.ok, s.message);
  std::string bytes;
  const std::string ref_path = attnviz_test::data_dir() + "/" + model + ".expected.safetensors";
  REQUIRE(attnviz_test::read_file(ref_path, &bytes));
  SafeTensors ref;
  REQUIRE(SafeTensors::parse(bytes, ref_path, &ref).ok);
  const ModelConfig& c = m.config();
  int checked = 0;
  for (const TensorView& t : ref.tensors()) {
    const std::string suf = ".input_ids";
    if (t.name.size() <= suf.size() || t.name.compare(t.name.size() - suf.size(), suf.size(), suf) != 0) continue;
    const std::string name = t.name.substr(0, t.name.size() - suf.size());
    CAPTURE(name);
    const std::vector<int32_t> ids = ints(ref, name + ".input_ids");
    const std::vector<int32_t> types = ints(ref, name + ".token_type_ids");
    ForwardOptions opt;
    opt.all_positions = true;
    Activations one, many;
    parallel_set_threads(1);
    REQUIRE(m.forward(ids, types, opt, &one).ok);
    {
      Threads on(threads);
      REQUIRE(parallel_threads() == threads);
      REQUIRE(m.forward(ids, types, opt, &many).ok);
    }
    CHECK(max_diff(one.attentions, many.attentions) <= 1e-5f);
    CHECK(max_diff(one.hidden, many.hidden) <= 1e-5f);
    CHECK(max_diff(one.q, many.q) <= 2e-5f);  // q reaches ~10: 2e-5 is ~2 ulp (Eigen blocks by the split's width)
    CHECK(max_diff(one.logits, many.logits) <= 1e-4f);  // vocabulary logits: a dot product of 312+ terms further on
    const size_t TT = static_cast<size_t>(ids.size()) * ids.size();
    if (ref.find(name + ".attentions")) {
      CHECK(max_diff(floats(ref, name + ".attentions"), many.attentions) <= 2e-3f);
    } else if (ref.find(name + ".attentions_last")) {
      std::vector<float> last(many.attentions.end() - static_cast<std::ptrdiff_t>(c.n_heads * TT), many.attentions.end());
      CHECK(max_diff(floats(ref, name + ".attentions_last"), last) <= 2e-3f);
    }
    checked++;
  }
  CHECK(checked >= 5);
}

}  // namespace

TEST_CASE("parallel: zh-bert-mini with 2 and 3 threads matches transformers and one thread" * doctest::skip(!ATTNVIZ_TEST_THREADS)) {
  check_threads("zh-bert-mini", 2);
  check_threads("zh-bert-mini", 3);
}

TEST_CASE("parallel: gpt2-mini and zh-bert-ner-mini with 2 threads match transformers and one thread" * doctest::skip(!ATTNVIZ_TEST_THREADS)) {
  check_threads("gpt2-mini", 2);
  check_threads("zh-bert-ner-mini", 2);
}

TEST_CASE("parallel: parallel_for runs every chunk once, nested loops run inline" * doctest::skip(!ATTNVIZ_TEST_THREADS)) {
  Threads on(3);
  std::vector<int> hits(100, 0), inner(100 * 4, 0);
  parallel_for(100, [&](int c, int thread) {
    CHECK(thread >= 0);
    CHECK(thread < 3);
    hits[c]++;
    parallel_for(4, [&](int k, int t2) {
      CHECK(t2 == thread);  // nested: the same thread, in order
      inner[c * 4 + k]++;
    });
  });
  for (int h : hits) CHECK(h == 1);
  for (int h : inner) CHECK(h == 1);
}

TEST_CASE("parallel: back-to-back loops and loops after the workers slept each run every chunk once" * doctest::skip(!ATTNVIZ_TEST_THREADS)) {
  // Workers spin between loops, then sleep (parallel.cpp): loops in quick succession take the spinning hand-over, and
  // loops after a pause longer than the spin take the condition variable's.
  for (int threads : {2, 3}) {
    Threads on(threads);
    std::vector<int> hits(7);
    long total = 0;
    for (int round = 0; round < 600; round++) {
      std::fill(hits.begin(), hits.end(), 0);
      parallel_for(7, [&](int c, int) { hits[c]++; });
      for (int h : hits) total += h == 1 ? 1 : 1000;
      if (round % 100 == 99) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(total == 600 * 7);
  }
}

TEST_CASE("parallel: gemm with threads equals gemm with one thread, both B layouts, row and column splits" * doctest::skip(!ATTNVIZ_TEST_THREADS)) {
  const int shapes[][3] = {{128, 2304, 768}, {300, 40, 513}, {17, 1000, 64}, {512, 64, 300}, {40, 3072, 200}};
  for (const auto& sh : shapes) {
    const int M = sh[0], N = sh[1], K = sh[2];
    std::vector<float> A(static_cast<size_t>(M) * K), B(static_cast<size_t>(K) * N);
    for (size_t i = 0; i < A.size(); i++) A[i] = std::sin(0.37f * i);
    for (size_t i = 0; i < B.size(); i++) B[i] = std::cos(0.11f * i);
    for (bool bt : {false, true}) {
      const int ldb = bt ? K : N;
      std::vector<float> one(static_cast<size_t>(M) * N, 1.f), many = one;
      gemm(M, N, K, A.data(), K, B.data(), ldb, bt, one.data(), N, true);
      {
        Threads on(2);
        gemm(M, N, K, A.data(), K, B.data(), ldb, bt, many.data(), N, true);
      }
      CAPTURE(M);
      CAPTURE(N);
      CHECK(max_diff(one, many) <= 1e-5f);
    }
  }
}

TEST_CASE("model: ForwardOptions::cancelled stops the pass at a layer boundary") {
  FolderFiles files;
  REQUIRE(read_folder(attnviz_test::models_dir() + "/zh-bert-mini", &files).ok);
  Model m;
  REQUIRE(Model::load(files.view(), "zh-bert-mini", &m).ok);
  const std::vector<int32_t> ids = {101, 2769, 4263, 102};
  int asked = 0;
  ForwardOptions opt;
  opt.cancelled = [&] { return ++asked > 2; };  // lets two layers run
  Activations a;
  Status s = m.forward(ids, {}, opt, &a);
  CHECK_FALSE(s.ok);
  CHECK(s.message == kCancelled);
  CHECK(asked == 3);
  opt.cancelled = [] { return false; };
  CHECK(m.forward(ids, {}, opt, &a).ok);
}
