// Tests for src/core/analysis: hand-computed 2x2/3x3 cases, properties on random stochastic matrices, and a timing
// run at the page's largest size (512 tokens, 48 heads).
#include <doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <vector>

#include "analysis.h"
#include "parallel.h"
#include "test_paths.h"

using attnviz::HeadStats;

namespace {

std::vector<float> random_stochastic(std::mt19937* rng, int count, int T, bool causal, float sharpness) {
  std::vector<float> m(static_cast<size_t>(count) * T * T, 0.0f);  // (count, T, T)
  std::normal_distribution<float> normal(0.0f, sharpness);
  for (int k = 0; k < count; ++k) {
    for (int i = 0; i < T; ++i) {
      float* row = &m[(static_cast<size_t>(k) * T + i) * T];
      const int n = causal ? i + 1 : T;
      std::vector<double> logits(n);  // softmax of normal logits, max subtracted so sharp rows do not overflow
      double top = -1e300, sum = 0;
      for (double& x : logits) top = std::max(top, x = normal(*rng));
      for (double& x : logits) sum += x = std::exp(x - top);
      for (int j = 0; j < n; ++j) row[j] = static_cast<float>(logits[j] / sum);
    }
  }
  return m;
}

void check_rows_sum_to_one(const float* m, int rows, int cols, double tol) {
  for (int i = 0; i < rows; ++i) {
    double sum = 0;
    for (int j = 0; j < cols; ++j) sum += m[static_cast<size_t>(i) * cols + j];
    REQUIRE(sum == doctest::Approx(1.0).epsilon(tol));
  }
}

}  // namespace

TEST_CASE("head_stats: 2x2 by hand") {
  const float att[] = {0.5f, 0.5f,     //
                       0.25f, 0.75f};  // (2, 2)
  const HeadStats s = attnviz::head_stats(att, 2, {1, 0}, {0, 1});
  // row 0: ln 2; row 1: -(0.25 ln 0.25 + 0.75 ln 0.75)
  const double e1 = -(0.25 * std::log(0.25) + 0.75 * std::log(0.75));
  CHECK(s.entropy == doctest::Approx((std::log(2.0) + e1) / 2).epsilon(1e-6));
  CHECK(s.mean_distance == doctest::Approx(0.375));  // (0.5 + 0.25) / 2
  CHECK(s.self == doctest::Approx(0.625));           // (0.5 + 0.75) / 2
  CHECK(s.prev == doctest::Approx(0.25));            // row 1 only
  CHECK(s.next == doctest::Approx(0.5));             // row 0 only
  CHECK(s.cls == doctest::Approx(0.375));            // column 0
  CHECK(s.sep == doctest::Approx(0.625));            // column 1
}

TEST_CASE("head_stats: uniform rows have entropy log T") {
  for (int T : {1, 3, 7, 64}) {
    std::vector<float> att(static_cast<size_t>(T) * T, 1.0f / T);
    const HeadStats s = attnviz::head_stats(att.data(), T, {}, {});
    CHECK(s.entropy == doctest::Approx(std::log(static_cast<double>(T))).epsilon(1e-5));
    CHECK(s.self == doctest::Approx(1.0 / T));
    CHECK(s.cls == 0.0f);
    CHECK(s.sep == 0.0f);
  }
  const std::vector<float> u3(9, 1.0f / 3);
  const HeadStats s = attnviz::head_stats(u3.data(), 3, {}, {});
  CHECK(s.mean_distance == doctest::Approx(8.0 / 9.0));  // rows: 1, 2/3, 1
  CHECK(s.prev == doctest::Approx(1.0 / 3));
  CHECK(s.next == doctest::Approx(1.0 / 3));
}

TEST_CASE("head_stats: identity has distance 0 and self 1") {
  const int T = 5;
  std::vector<float> att(T * T, 0.0f);
  for (int i = 0; i < T; ++i) att[i * T + i] = 1.0f;
  const HeadStats s = attnviz::head_stats(att.data(), T, {1, 0, 0, 0, 0}, {0, 0, 0, 0, 1});
  CHECK(s.entropy == 0.0f);
  CHECK(s.mean_distance == 0.0f);
  CHECK(s.self == 1.0f);
  CHECK(s.prev == 0.0f);
  CHECK(s.next == 0.0f);
  CHECK(s.cls == doctest::Approx(0.2));  // only row 0 attends to itself at [CLS]
  CHECK(s.sep == doctest::Approx(0.2));
}

TEST_CASE("head_stats: causal lower-triangular uniform 3x3") {
  const float att[] = {1.0f, 0.0f, 0.0f,                 //
                       0.5f, 0.5f, 0.0f,                 //
                       1.0f / 3, 1.0f / 3, 1.0f / 3};    // (3, 3)
  const HeadStats s = attnviz::head_stats(att, 3, {}, {});
  CHECK(s.entropy == doctest::Approx((std::log(2.0) + std::log(3.0)) / 3).epsilon(1e-6));
  CHECK(s.mean_distance == doctest::Approx(0.5));  // rows: 0, 0.5, 1
  CHECK(s.self == doctest::Approx(11.0 / 18));     // (1 + 1/2 + 1/3) / 3
  CHECK(s.prev == doctest::Approx(5.0 / 12));      // (1/2 + 1/3) / 2
  CHECK(s.next == 0.0f);
}

TEST_CASE("head_stats: a previous-token head") {
  const float att[] = {1, 0, 0,   //
                       1, 0, 0,   //
                       0, 1, 0};  // (3, 3)
  const HeadStats s = attnviz::head_stats(att, 3, {}, {});
  CHECK(s.prev == 1.0f);
  CHECK(s.self == doctest::Approx(1.0 / 3));
  CHECK(s.mean_distance == doctest::Approx(2.0 / 3));
  CHECK(s.entropy == 0.0f);
  // T = 0 and T = 1 do not divide by zero.
  const HeadStats empty = attnviz::head_stats(att, 0, {}, {});
  CHECK(empty.entropy == 0.0f);
  const float one[] = {1.0f};
  const HeadStats single = attnviz::head_stats(one, 1, {1}, {});
  CHECK(single.self == 1.0f);
  CHECK(single.cls == 1.0f);
  CHECK(single.prev == 0.0f);
}

TEST_CASE("head_stats: random rows match a double-precision reference") {
  // Peaky and flat rows, causal zeros, tiny probabilities (down to subnormals) and odd T (the vector loop's tail).
  std::mt19937 rng(5);
  for (int T : {1, 2, 7, 8, 9, 31, 100, 257}) {
    for (float sharpness : {0.1f, 2.0f, 30.0f}) {
      const auto att = random_stochastic(&rng, 1, T, sharpness > 1.0f, sharpness);
      double entropy = 0, distance = 0;
      for (int i = 0; i < T; ++i) {
        for (int j = 0; j < T; ++j) {
          const double p = att[static_cast<size_t>(i) * T + j];
          if (p > 0) entropy -= p * std::log(p);
          distance += p * std::abs(i - j);
        }
      }
      const HeadStats s = attnviz::head_stats(att.data(), T, {}, {});
      INFO("T=" << T << " sharpness=" << sharpness);
      CHECK(s.entropy == doctest::Approx(entropy / T).epsilon(1e-5).scale(1e-6));
      CHECK(s.mean_distance == doctest::Approx(distance / T).epsilon(1e-5));
    }
  }
  const float tiny[] = {1e-40f, 1.0f - 1e-40f, 0.5f, 0.5f};  // a subnormal: p ln p ~ 0, not NaN
  const HeadStats s = attnviz::head_stats(tiny, 2, {}, {});
  CHECK(s.entropy == doctest::Approx(std::log(2.0) / 2).epsilon(1e-6));
}

TEST_CASE("all_head_stats and mean_over_heads index heads as layer * H + head") {
  // L = 1, H = 2, T = 2: head 0 = identity, head 1 = uniform.
  const float atts[] = {1, 0, 0, 1, 0.5f, 0.5f, 0.5f, 0.5f};  // (1, 2, 2, 2)
  const auto stats = attnviz::all_head_stats(atts, 1, 2, 2, {}, {});
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].self == 1.0f);
  CHECK(stats[1].entropy == doctest::Approx(std::log(2.0)));
  float mean[4];
  attnviz::mean_over_heads(atts, 2, 2, mean);
  CHECK(mean[0] == doctest::Approx(0.75));
  CHECK(mean[1] == doctest::Approx(0.25));
  CHECK(mean[2] == doctest::Approx(0.25));
  CHECK(mean[3] == doctest::Approx(0.75));
}

TEST_CASE("attention_rollout: 2x2 by hand") {
  // Two heads that cancel into a uniform layer: A = 0.5 * [[.5,.5],[.5,.5]] + 0.5 I = [[.75,.25],[.25,.75]].
  const float layer[] = {1, 0, 1, 0, 0, 1, 0, 1};  // (H=2, 2, 2)
  std::vector<float> two_layers(layer, layer + 8);
  two_layers.insert(two_layers.end(), layer, layer + 8);  // (L=2, H=2, 2, 2)
  float out[8];                                           // (2, 2, 2)
  attnviz::attention_rollout(two_layers.data(), 2, 2, 2, out);
  CHECK(out[0] == doctest::Approx(0.75));
  CHECK(out[1] == doctest::Approx(0.25));
  CHECK(out[2] == doctest::Approx(0.25));
  CHECK(out[3] == doctest::Approx(0.75));
  // A^2 = [[.625,.375],[.375,.625]]
  CHECK(out[4] == doctest::Approx(0.625));
  CHECK(out[5] == doctest::Approx(0.375));
  CHECK(out[6] == doctest::Approx(0.375));
  CHECK(out[7] == doctest::Approx(0.625));
}

TEST_CASE("attention_rollout: later layers multiply on the left") {
  // W0 = [[1,0],[1,0]] -> A0 = [[1,0],[.5,.5]]; W1 = [[0,1],[0,1]] -> A1 = [[.5,.5],[0,1]].
  // R1 = A1 A0 = [[.75,.25],[.5,.5]]; the wrong order A0 A1 would give [[.5,.5],[.25,.75]].
  const float atts[] = {1, 0, 1, 0, 0, 1, 0, 1};  // (L=2, H=1, 2, 2)
  float out[8];
  attnviz::attention_rollout(atts, 2, 1, 2, out);
  CHECK(out[0] == doctest::Approx(1.0));
  CHECK(out[1] == doctest::Approx(0.0));
  CHECK(out[2] == doctest::Approx(0.5));
  CHECK(out[3] == doctest::Approx(0.5));
  CHECK(out[4] == doctest::Approx(0.75));
  CHECK(out[5] == doctest::Approx(0.25));
  CHECK(out[6] == doctest::Approx(0.5));
  CHECK(out[7] == doctest::Approx(0.5));
}

TEST_CASE("attention_rollout: rows are renormalised") {
  // W = [[2,0],[0,0]] is not stochastic: A = [[1.5,0],[0,.5]] -> rows renormalised to the identity.
  const float atts[] = {2, 0, 0, 0};
  float out[4];
  attnviz::attention_rollout(atts, 1, 1, 2, out);
  CHECK(out[0] == doctest::Approx(1.0));
  CHECK(out[1] == 0.0f);
  CHECK(out[2] == 0.0f);
  CHECK(out[3] == doctest::Approx(1.0));
}

TEST_CASE("attention_rollout: random stochastic layers match a plain triple loop, rows sum to 1") {
  std::mt19937 rng(7);
  for (bool causal : {false, true}) {
    const int L = 4, H = 3, T = 23;
    const auto atts = random_stochastic(&rng, L * H, T, causal, 2.0f);  // (L, H, T, T)
    std::vector<float> out(static_cast<size_t>(L) * T * T);            // (L, T, T)
    attnviz::attention_rollout(atts.data(), L, H, T, out.data());
    // Reference in double: A_l = 0.5 mean + 0.5 I, R = A_l R.
    std::vector<double> r(T * T, 0.0), a(T * T), next(T * T);
    for (int i = 0; i < T; ++i) r[i * T + i] = 1.0;
    for (int l = 0; l < L; ++l) {
      for (int i = 0; i < T; ++i) {
        for (int j = 0; j < T; ++j) {
          double m = 0;
          for (int h = 0; h < H; ++h) m += atts[((static_cast<size_t>(l) * H + h) * T + i) * T + j];
          a[i * T + j] = 0.5 * m / H + (i == j ? 0.5 : 0.0);
        }
      }
      for (int i = 0; i < T; ++i) {
        for (int j = 0; j < T; ++j) {
          double s = 0;
          for (int k = 0; k < T; ++k) s += a[i * T + k] * r[k * T + j];
          next[i * T + j] = s;
        }
      }
      r = next;
      for (int k = 0; k < T * T; ++k) REQUIRE(out[static_cast<size_t>(l) * T * T + k] == doctest::Approx(r[k]).epsilon(1e-4));
      check_rows_sum_to_one(&out[static_cast<size_t>(l) * T * T], T, T, 1e-5);
    }
    if (causal) {  // rollout of causal layers stays causal
      for (int i = 0; i < T; ++i)
        for (int j = i + 1; j < T; ++j) CHECK(out[static_cast<size_t>(L - 1) * T * T + i * T + j] == 0.0f);
    }
  }
}

TEST_CASE("groups_from_starts") {
  CHECK(attnviz::groups_from_starts({}).empty());
  CHECK(attnviz::groups_from_starts({1, 0, 1, 1, 0, 0}) == std::vector<int>{0, 0, 1, 2, 2, 2});
  CHECK(attnviz::groups_from_starts({0, 0, 1}) == std::vector<int>{0, 0, 1});  // token 0 always starts a group
}

TEST_CASE("merge_attention: 3x3 by hand, rows averaged and columns summed") {
  const float att[] = {0.2f, 0.3f, 0.5f,   //
                       0.1f, 0.6f, 0.3f,   //
                       0.4f, 0.4f, 0.2f};  // (3, 3)
  float out[4];                            // (2, 2)
  attnviz::merge_attention(att, 3, {0, 0, 1}, 2, out);
  CHECK(out[0] == doctest::Approx(0.6));  // ((.2+.3) + (.1+.6)) / 2
  CHECK(out[1] == doctest::Approx(0.4));  // (.5 + .3) / 2
  CHECK(out[2] == doctest::Approx(0.8));  // .4 + .4
  CHECK(out[3] == doctest::Approx(0.2));
  // One group per token is the identity map.
  float same[9];
  attnviz::merge_attention(att, 3, {0, 1, 2}, 3, same);
  for (int k = 0; k < 9; ++k) CHECK(same[k] == att[k]);
}

TEST_CASE("merge_attention: random stochastic matrices keep rows summing to 1") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> coin(0, 2);
  for (int trial = 0; trial < 20; ++trial) {
    const int T = 5 + trial * 3;
    const auto att = random_stochastic(&rng, 1, T, trial % 2 == 1, 1.5f);
    std::vector<uint8_t> starts(T);
    for (auto& s : starts) s = coin(rng) == 0;
    const auto group = attnviz::groups_from_starts(starts);
    const int G = group.back() + 1;
    std::vector<float> out(static_cast<size_t>(G) * G);
    attnviz::merge_attention(att.data(), T, group, G, out.data());
    check_rows_sum_to_one(out.data(), G, G, 1e-5);
  }
}

TEST_CASE("unit_starts: WordPiece, Chinese characters and special tokens") {
  // "playing 北京!" : [CLS] play ##ing 北 京 ! [SEP]
  const std::string text = "playing \xE5\x8C\x97\xE4\xBA\xAC!";
  const std::vector<std::pair<int, int>> offsets = {{0, 0}, {0, 4}, {4, 7}, {8, 11}, {11, 14}, {14, 15}, {0, 0}};
  CHECK(attnviz::unit_starts(text, offsets, attnviz::UnitKind::kWords) == std::vector<uint8_t>{1, 1, 0, 1, 1, 1, 1});
  CHECK(attnviz::unit_starts(text, offsets, attnviz::UnitKind::kCharacters) ==
        std::vector<uint8_t>{1, 1, 1, 1, 1, 1, 1});
}

TEST_CASE("unit_starts: byte-level BPE pieces of one character are joined") {
  // GPT-2 splits 北 (3 bytes) into two tokens; spans either overlap or split inside the character.
  const std::string text = "\xE5\x8C\x97 a";
  const std::vector<std::pair<int, int>> overlapping = {{0, 3}, {0, 3}, {3, 5}};
  const std::vector<std::pair<int, int>> split = {{0, 2}, {2, 3}, {3, 5}};
  for (auto kind : {attnviz::UnitKind::kCharacters, attnviz::UnitKind::kWords}) {
    CHECK(attnviz::unit_starts(text, overlapping, kind) == std::vector<uint8_t>{1, 0, 1});
    CHECK(attnviz::unit_starts(text, split, kind) == std::vector<uint8_t>{1, 0, 1});
  }
  // " world" with its space (GPT-2 'Ġworld') starts a word; "wor" + "ld" do not.
  const std::string hello = "hello world";
  CHECK(attnviz::unit_starts(hello, {{0, 5}, {5, 11}}, attnviz::UnitKind::kWords) == std::vector<uint8_t>{1, 1});
  CHECK(attnviz::unit_starts(hello, {{0, 5}, {6, 9}, {9, 11}}, attnviz::UnitKind::kWords) ==
        std::vector<uint8_t>{1, 1, 0});
  // Spans outside the text count as special tokens instead of reading past the end.
  CHECK(attnviz::unit_starts(hello, {{0, 5}, {5, 99}}, attnviz::UnitKind::kWords) == std::vector<uint8_t>{1, 1});
}

TEST_CASE("analysis at the page's largest size: 512 tokens x 48 heads") {
  std::mt19937 rng(3);
  const int L = 4, H = 12, T = 512;
  const auto atts = random_stochastic(&rng, L * H, T, false, 3.0f);  // (L, H, T, T)
  std::vector<uint8_t> is_cls(T, 0), is_sep(T, 0);
  is_cls[0] = 1;
  is_sep[T - 1] = 1;
  const auto t0 = std::chrono::steady_clock::now();
  const auto stats = attnviz::all_head_stats(atts.data(), L, H, T, is_cls, is_sep);
  const auto t1 = std::chrono::steady_clock::now();
  std::vector<float> rollout(static_cast<size_t>(L) * T * T);  // (L, T, T)
  attnviz::attention_rollout(atts.data(), L, H, T, rollout.data());
  const auto t2 = std::chrono::steady_clock::now();
  const double ms_stats = std::chrono::duration<double, std::milli>(t1 - t0).count();
  const double ms_rollout = std::chrono::duration<double, std::milli>(t2 - t1).count();
  MESSAGE("512 tokens, 48 heads: head stats " << ms_stats << " ms, rollout of 4 layers " << ms_rollout << " ms");
  REQUIRE(stats.size() == static_cast<size_t>(L * H));
  for (const auto& s : stats) {
    CHECK(s.entropy > 0.0f);
    CHECK(s.entropy < std::log(512.0f) + 1e-3f);
  }
  check_rows_sum_to_one(&rollout[static_cast<size_t>(L - 1) * T * T], T, T, 1e-4);
  // Generous bounds (shared 2-core machine, wasm without threads): catch an accidental O(T^3) per head.
  CHECK(ms_stats < 3000.0);
  CHECK(ms_rollout < 5000.0);
}

#ifndef ATTNVIZ_TEST_THREADS
#define ATTNVIZ_TEST_THREADS 1
#endif

TEST_CASE("all_head_stats: split over threads, the same bits as one thread" * doctest::skip(!ATTNVIZ_TEST_THREADS)) {
  std::mt19937 rng(7);
  const int L = 3, H = 4, T = 37;
  const std::vector<float> att = random_stochastic(&rng, L * H, T, false, 2.0f);
  std::vector<uint8_t> is_cls(T, 0), is_sep(T, 0);
  is_cls[0] = 1;
  is_sep[T - 1] = 1;
  const std::vector<HeadStats> one = attnviz::all_head_stats(att.data(), L, H, T, is_cls, is_sep);
  attnviz::parallel_set_threads(3);
  const std::vector<HeadStats> three = attnviz::all_head_stats(att.data(), L, H, T, is_cls, is_sep);
  attnviz::parallel_set_threads(1);
  REQUIRE(one.size() == static_cast<size_t>(L) * H);
  REQUIRE(three.size() == one.size());
  for (size_t k = 0; k < one.size(); ++k) {
    CHECK(one[k].entropy == three[k].entropy);
    CHECK(one[k].mean_distance == three[k].mean_distance);
    CHECK(one[k].cls == three[k].cls);
    CHECK(one[k].sep == three[k].sep);
    CHECK(one[k].self == three[k].self);
    CHECK(one[k].prev == three[k].prev);
    CHECK(one[k].next == three[k].next);
    // ...and each is the head's own head_stats.
    CHECK(one[k].entropy == attnviz::head_stats(att.data() + k * T * T, T, is_cls, is_sep).entropy);
  }
}
