// Attention analysis: per-head statistics, mean over heads, rollout, merged (word/character) attention.
// Eigen + std only; every buffer is row-major (row = query token, column = key token).
#include "analysis.h"

#include "gemm.h"
#include "parallel.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace attnviz {

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapMatrix = Eigen::Map<RowMatrix>;
using ConstMapMatrix = Eigen::Map<const RowMatrix>;

bool flagged(const std::vector<uint8_t>& flags, int i) { return i < static_cast<int>(flags.size()) && flags[i]; }

// ln(p) for p >= 0, with p below FLT_MIN (0, subnormals) read as FLT_MIN so p * ln(p) is 0 there. Branch-free (integer
// selects on the float's bits) so the entropy loop vectorises: 512 tokens x 48 heads is 12.6M logs per run, and a
// libm call each took ~4x longer under wasm. Cephes logf's range reduction and polynomial; relative error < 1e-7.
inline float fast_log(float p) {
  int32_t bits;
  std::memcpy(&bits, &p, sizeof bits);
  bits = std::max(bits, int32_t{0x00800000});                    // FLT_MIN; positive floats order like their bits
  const int32_t mantissa = bits & 0x007FFFFF;
  const int32_t low = mantissa < 0x3504F3 ? 1 : 0;                 // 1.mantissa < sqrt(2)
  const float e = static_cast<float>((bits >> 23) - 126 - low);
  const int32_t m_bits = mantissa | (0x3F000000 + (low << 23));    // m in [sqrt(1/2), sqrt(2)), p = m 2^e
  float m;
  std::memcpy(&m, &m_bits, sizeof m);
  const float f = m - 1.0f;
  const float z = f * f;
  float y = 7.0376836292e-2f;
  y = y * f - 1.1514610310e-1f;
  y = y * f + 1.1676998740e-1f;
  y = y * f - 1.2420140846e-1f;
  y = y * f + 1.4249322787e-1f;
  y = y * f - 1.6668057665e-1f;
  y = y * f + 2.0000714765e-1f;
  y = y * f - 2.4999993993e-1f;
  y = y * f + 3.3333331174e-1f;
  y = y * f * z;
  y += -2.12194440e-4f * e - 0.5f * z;
  return f + y + 0.693359375f * e;
}

// Row sums of -p ln p and p |i - j| for one query row. Eight independent partial sums: float reductions only
// vectorise when the compiler may reorder them, which it may not without -ffast-math.
void row_entropy_distance(const float* row, int T, int i, float* entropy, float* distance) {
  constexpr int kLanes = 8;
  float ent[kLanes] = {}, dist[kLanes] = {};
  int j = 0;
  for (; j + kLanes <= T; j += kLanes) {
    for (int k = 0; k < kLanes; ++k) {
      const float p = row[j + k];
      ent[k] -= p * fast_log(p);
      dist[k] += p * std::fabs(static_cast<float>(i - j - k));
    }
  }
  float e = 0, d = 0;
  for (; j < T; ++j) {
    const float p = row[j];
    e -= p * fast_log(p);
    d += p * std::fabs(static_cast<float>(i - j));
  }
  for (int k = 0; k < kLanes; ++k) {
    e += ent[k];
    d += dist[k];
  }
  *entropy = e;
  *distance = d;
}


}  // namespace

HeadStats head_stats(const float* att, int T, const std::vector<uint8_t>& is_cls, const std::vector<uint8_t>& is_sep) {
  HeadStats s;
  if (T <= 0 || att == nullptr) return s;
  std::vector<int> cls_cols, sep_cols;
  for (int j = 0; j < T; ++j) {
    if (flagged(is_cls, j)) cls_cols.push_back(j);
    if (flagged(is_sep, j)) sep_cols.push_back(j);
  }
  // Doubles for the sums over rows: 512 rows of float sums would drift in the 6th digit.
  double entropy = 0, distance = 0, cls = 0, sep = 0, self = 0, prev = 0, next = 0;
  for (int i = 0; i < T; ++i) {
    const float* row = att + static_cast<size_t>(i) * T;  // (T)
    float row_entropy = 0, row_distance = 0;
    row_entropy_distance(row, T, i, &row_entropy, &row_distance);
    entropy += row_entropy;
    distance += row_distance;
    for (int j : cls_cols) cls += row[j];
    for (int j : sep_cols) sep += row[j];
    self += row[i];
    if (i > 0) prev += row[i - 1];
    if (i + 1 < T) next += row[i + 1];
  }
  s.entropy = static_cast<float>(entropy / T);
  s.mean_distance = static_cast<float>(distance / T);
  s.cls = static_cast<float>(cls / T);
  s.sep = static_cast<float>(sep / T);
  s.self = static_cast<float>(self / T);
  if (T > 1) {
    s.prev = static_cast<float>(prev / (T - 1));
    s.next = static_cast<float>(next / (T - 1));
  }
  return s;
}

std::vector<HeadStats> all_head_stats(const float* attentions, int L, int H, int T, const std::vector<uint8_t>& is_cls,
                                      const std::vector<uint8_t>& is_sep) {
  std::vector<HeadStats> out;
  if (L <= 0 || H <= 0 || T <= 0 || attentions == nullptr) return out;
  out.resize(static_cast<size_t>(L) * H);
  const size_t TT = static_cast<size_t>(T) * T;
  // Heads are independent: split over the pool (parallel.h); each head's sums run in the same order on any thread.
  parallel_for(L * H, [&](int k, int) { out[k] = head_stats(attentions + k * TT, T, is_cls, is_sep); });
  return out;
}

void mean_over_heads(const float* atts, int H, int T, float* out) {
  if (T <= 0) return;
  MapMatrix mean(out, T, T);  // (T, T)
  mean.setZero();
  if (H <= 0) return;
  const size_t TT = static_cast<size_t>(T) * T;
  for (int h = 0; h < H; ++h) mean += ConstMapMatrix(atts + h * TT, T, T);
  mean *= 1.0f / static_cast<float>(H);
}

// Abnar & Zuidema, "Quantifying Attention Flow in Transformers", ACL 2020, section 3 (attention rollout): the
// residual connection is modelled by mixing each layer's head-averaged attention with the identity,
// A_l = 0.5 W_l + 0.5 I (rows renormalised), and attention is "rolled out" by multiplying through the layers,
// R_l = A_l R_{l-1}, R_0 = A_0. Row i of R_l says how much input token j flows into position i after layer l.
void attention_rollout(const float* attentions, int L, int H, int T, float* out) {
  if (L <= 0 || T <= 0) return;
  const size_t TT = static_cast<size_t>(T) * T;
  RowMatrix a(T, T);  // (T, T) this layer's mixed attention
  for (int l = 0; l < L; ++l) {
    mean_over_heads(attentions + static_cast<size_t>(l) * H * TT, H, T, a.data());
    a *= 0.5f;
    a.diagonal().array() += 0.5f;
    // Rows of a softmax already sum to 1; renormalising keeps float drift (and float16 inputs) from compounding.
    for (int i = 0; i < T; ++i) {
      const float sum = a.row(i).sum();
      if (sum > 0) a.row(i) /= sum;
    }
    MapMatrix r(out + l * TT, T, T);  // (T, T) rollout through layer l
    if (l == 0) {
      r = a;
    } else {  // gemm.h: the wasm SIMD kernel, split over threads (L T^3 multiply-adds: ~10% of a BERT pass at 512)
      gemm(T, T, T, a.data(), T, out + (l - 1) * TT, T, false, out + l * TT, T, false);
    }
  }
}

std::vector<int> groups_from_starts(const std::vector<uint8_t>& word_start) {
  std::vector<int> group(word_start.size());
  int g = -1;
  for (size_t i = 0; i < word_start.size(); ++i) {
    if (i == 0 || word_start[i]) ++g;
    group[i] = g;
  }
  return group;
}

void merge_attention(const float* att, int T, const std::vector<int>& group, int G, float* out) {
  if (G <= 0) return;
  MapMatrix merged(out, G, G);  // (G, G)
  merged.setZero();
  if (T <= 0) return;
  std::vector<int> count(G, 0);  // (G) tokens per group
  auto group_of = [&](int i) { return i < static_cast<int>(group.size()) ? group[i] : -1; };
  for (int i = 0; i < T; ++i) {
    const int gi = group_of(i);
    if (gi < 0 || gi >= G) continue;
    ++count[gi];
    const float* row = att + static_cast<size_t>(i) * T;  // (T)
    float* dst = out + static_cast<size_t>(gi) * G;        // (G)
    for (int j = 0; j < T; ++j) {
      const int gj = group_of(j);
      if (gj >= 0 && gj < G) dst[gj] += row[j];
    }
  }
  for (int g = 0; g < G; ++g) {
    if (count[g] > 1) merged.row(g) /= static_cast<float>(count[g]);
  }
}

namespace {

// Decodes the UTF-8 character starting at byte `at`; returns -1 for a continuation or invalid lead byte.
int32_t code_point_at(std::string_view s, size_t at) {
  if (at >= s.size()) return -1;
  const unsigned char c = static_cast<unsigned char>(s[at]);
  int n = 0;
  int32_t cp = 0;
  if (c < 0x80) return c;
  if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
  else return -1;
  if (at + n >= s.size()) return -1;
  for (int k = 1; k <= n; ++k) {
    const unsigned char d = static_cast<unsigned char>(s[at + k]);
    if ((d & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (d & 0x3F);
  }
  return cp;
}

// The code point of the character that ends just before byte `end`.
int32_t code_point_before(std::string_view s, size_t end) {
  if (end == 0 || end > s.size()) return -1;
  size_t at = end - 1;
  for (int back = 0; back < 3 && at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80; ++back) --at;
  return code_point_at(s, at);
}

bool is_char_boundary(std::string_view s, size_t at) {
  return at >= s.size() || (static_cast<unsigned char>(s[at]) & 0xC0) != 0x80;
}

bool is_word_char(int32_t cp) {
  if (cp < 0) return false;
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_';
  if (cp < 0xC0) return false;                        // Latin-1 punctuation and symbols
  if (cp == 0xD7 || cp == 0xF7) return false;         // multiplication and division signs
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;     // general punctuation, symbols, arrows, math
  if (cp >= 0x2E80 && cp <= 0x9FFF) return false;     // CJK radicals, punctuation, kana, ideographs
  if (cp >= 0xAC00 && cp <= 0xD7AF) return false;     // Hangul syllables: one unit each, like ideographs
  if (cp >= 0xF900 && cp <= 0xFAFF) return false;     // CJK compatibility ideographs
  if (cp >= 0xFE30 && cp <= 0xFE4F) return false;     // CJK compatibility forms
  if (cp >= 0xFF00 && cp <= 0xFFEF) return false;     // full-width forms (Chinese punctuation ，。)
  if (cp >= 0x1F000) return false;                    // emoji and the supplementary ideograph planes
  return true;
}

}  // namespace

std::vector<uint8_t> unit_starts(std::string_view text, const std::vector<std::pair<int, int>>& offsets,
                                 UnitKind kind) {
  const size_t T = offsets.size();
  std::vector<uint8_t> starts(T, 1);
  auto is_special = [&](size_t i) {
    const auto [b, e] = offsets[i];
    return b < 0 || e <= b || static_cast<size_t>(e) > text.size();
  };
  for (size_t i = 1; i < T; ++i) {
    if (is_special(i) || is_special(i - 1)) continue;
    const size_t b = static_cast<size_t>(offsets[i].first);
    const size_t prev_b = static_cast<size_t>(offsets[i - 1].first);
    const size_t prev_e = static_cast<size_t>(offsets[i - 1].second);
    const bool inside_previous = b >= prev_b && b < prev_e;
    if (inside_previous || !is_char_boundary(text, b) || !is_char_boundary(text, prev_e)) {
      starts[i] = 0;
      continue;
    }
    if (kind == UnitKind::kWords && b == prev_e && is_word_char(code_point_at(text, b)) &&
        is_word_char(code_point_before(text, prev_e))) {
      starts[i] = 0;
    }
  }
  return starts;
}

float js_divergence(const float* p, const float* q, int n) {
  double js = 0;
  for (int j = 0; j < n; j++) {
    const double pj = p[j] > 0 ? p[j] : 0.0, qj = q[j] > 0 ? q[j] : 0.0;
    const double m = 0.5 * (pj + qj);
    if (pj > 0) js += 0.5 * pj * std::log2(pj / m);
    if (qj > 0) js += 0.5 * qj * std::log2(qj / m);
  }
  return js > 0 ? static_cast<float>(js) : 0.0f;  // rounding can leave -1e-17 for equal rows
}

HeadDifference head_difference(const float* a, const float* b, int T) {
  HeadDifference d;
  if (T <= 0) return d;
  const size_t TT = static_cast<size_t>(T) * T;
  double abs_sum = 0, js_sum = 0;
  for (size_t k = 0; k < TT; k++) abs_sum += std::fabs(static_cast<double>(a[k]) - b[k]);
  for (int i = 0; i < T; i++) js_sum += js_divergence(a + static_cast<size_t>(i) * T, b + static_cast<size_t>(i) * T, T);
  d.mean_abs = static_cast<float>(abs_sum / static_cast<double>(TT));
  d.js = static_cast<float>(js_sum / T);
  return d;
}

std::vector<HeadDifference> all_head_differences(const float* a, const float* b, int L, int H, int T) {
  std::vector<HeadDifference> out(static_cast<size_t>(L > 0 ? L : 0) * (H > 0 ? H : 0));
  const size_t TT = static_cast<size_t>(T > 0 ? T : 0) * (T > 0 ? T : 0);
  for (size_t lh = 0; lh < out.size(); lh++) out[lh] = head_difference(a + lh * TT, b + lh * TT, T);
  return out;
}

}  // namespace attnviz
