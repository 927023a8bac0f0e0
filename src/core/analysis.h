// Attention analysis for the viewer: per-head statistics, mean over heads, attention rollout, token merging.
// Pure functions over row-major (T, T) matrices (row = query, column = key). Eigen/std only: no GL, no printing.
#pragma once
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace attnviz {

struct HeadStats {
  float entropy = 0;        // mean over query rows of -sum p log p (nats)
  float mean_distance = 0;  // mean over rows of sum_j p_ij |i - j|
  float cls = 0;            // mean over rows of attention on [CLS]-like tokens (positions marked in `is_cls`)
  float sep = 0;            // ... on [SEP]-like tokens
  float self = 0;           // mean over rows of p_ii
  float prev = 0;           // mean over rows i>0 of p_i,i-1
  float next = 0;           // mean over rows i<T-1 of p_i,i+1
};

// att: (T, T). is_cls / is_sep: (T) flags (may be empty = none; shorter than T = the rest unflagged).
// T <= 0 gives all zeros. Entries are probabilities in [0, 1]; zeros add nothing to the entropy (0 log 0 = 0).
HeadStats head_stats(const float* att, int T, const std::vector<uint8_t>& is_cls, const std::vector<uint8_t>& is_sep);

// head_stats for every head of every layer. attentions: (L, H, T, T) -> out (L * H), index layer * H + head.
std::vector<HeadStats> all_head_stats(const float* attentions, int L, int H, int T, const std::vector<uint8_t>& is_cls,
                                      const std::vector<uint8_t>& is_sep);

// Mean over heads of one layer. atts: (H, T, T) -> out (T, T).
void mean_over_heads(const float* atts, int H, int T, float* out);

// Attention rollout (Abnar & Zuidema 2020): A_l = 0.5 * mean_heads(att_l) + 0.5 * I, rows renormalised, then
// R = A_{L-1} ... A_1 A_0. attentions: (L, H, T, T). Writes rollout up to each layer: out (L, T, T), out[l] = rollout
// through layers 0..l.
void attention_rollout(const float* attentions, int L, int H, int T, float* out);

// Groups of tokens that make one word or one character (for "merged" display): group id per token (T), in order.
// `word_start[i]` = 1 when token i starts a new unit (token 0 always starts group 0).
// Merged attention (BertViz convention): rows (queries) of one group are averaged, columns (keys) are summed.
// att: (T, T) -> out (G, G) where G = number of groups. Tokens whose group is outside [0, G) are left out.
std::vector<int> groups_from_starts(const std::vector<uint8_t>& word_start);
void merge_attention(const float* att, int T, const std::vector<int>& group, int G, float* out);

// Which tokens start a new unit, from the tokens' UTF-8 byte spans in `text` (offsets: (T), [begin, end); an empty
// span such as [0,0] marks an added special token, which is always a unit of its own).
// - kCharacters: a token continues the previous one when it starts inside the previous token's span or inside a
//   UTF-8 character (byte-level BPE splits one Chinese character over several tokens).
// - kWords: as kCharacters, and also when it starts right where the previous one ended and both sides of the joint
//   are word characters (ASCII letters/digits/'_', or non-ASCII letters). CJK ideographs, punctuation and spaces
//   are never joined: without a word segmenter each Chinese character stays its own word.
// Returns (T) flags for groups_from_starts. Spans outside the text are treated as special tokens.
enum class UnitKind { kCharacters, kWords };
std::vector<uint8_t> unit_starts(std::string_view text, const std::vector<std::pair<int, int>>& offsets,
                                 UnitKind kind);

// How two attention matrices of the same head differ (two models on the same tokens: "what did fine-tuning change?").
struct HeadDifference {
  float mean_abs = 0;  // mean over all T*T entries of |a_ij - b_ij| (masked entries of a causal model count as 0 - 0)
  float js = 0;        // mean over query rows i of JS(a_i || b_i), in bits (log base 2), so in [0, 1]
};

// Jensen-Shannon divergence of two distributions p, q of n entries (Lin 1991, "Divergence measures based on the
// Shannon entropy", IEEE Trans. Inf. Theory 37(1), eq. 4.1 with weights 1/2):
//   JS(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m),  m = (p + q) / 2,  KL(p || m) = sum_j p_j log2(p_j / m_j).
// Log base 2 (bits): 0 for equal rows, 1 for rows with disjoint support. Terms with p_j = 0 add nothing (0 log 0 = 0).
// Rows are used as given (not renormalised); negative entries are treated as 0. n <= 0 gives 0.
float js_divergence(const float* p, const float* q, int n);

// a, b: (T, T) row-major (row = query). T <= 0 gives zeros.
HeadDifference head_difference(const float* a, const float* b, int T);

// head_difference for every head: a, b (L, H, T, T) -> out (L * H), index layer * H + head.
std::vector<HeadDifference> all_head_differences(const float* a, const float* b, int L, int H, int T);

}  // namespace attnviz
