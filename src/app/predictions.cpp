// Predictions: top-k, LM positions, BIO spans and the panel's text edits. Standard library only.
#include "predictions.h"
#include "unicode.h"

#include <algorithm>
#include <cmath>

namespace attnviz {

std::vector<Candidate> top_k_softmax(const float* logits, int n, int k) {
  std::vector<Candidate> out;
  if (!logits || n <= 0 || k <= 0) return out;
  k = std::min(k, n);
  float mx = -INFINITY;
  for (int i = 0; i < n; ++i) mx = std::max(mx, logits[i]);
  // Log-sum-exp in double: vocabularies of 50k entries lose digits when summed in float.
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]) - mx);
  std::vector<int> idx(n);
  for (int i = 0; i < n; ++i) idx[i] = i;
  auto better = [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), better);
  out.reserve(k);
  for (int j = 0; j < k; ++j) {
    int i = idx[j];
    Candidate c;
    c.id = i;
    c.logit = logits[i];
    c.prob = static_cast<float>(std::exp(static_cast<double>(logits[i]) - mx) / sum);
    out.push_back(c);
  }
  return out;
}

std::vector<int> lm_positions_for(HeadKind head, const std::vector<int32_t>& ids, int mask_id) {
  std::vector<int> pos;
  if (head == HeadKind::MaskedLM) {
    if (mask_id < 0) return pos;
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == mask_id) pos.push_back(static_cast<int>(i));
  } else if (head == HeadKind::CausalLM) {
    if (!ids.empty()) pos.push_back(static_cast<int>(ids.size()) - 1);
  }
  return pos;
}

BioLabel parse_bio_label(std::string_view label) {
  BioLabel out;
  if (label.size() < 3 || (label[1] != '-' && label[1] != '_')) return out;
  char p = label[0];
  if (p == 'B' || p == 'S' || p == 'b' || p == 's') {
    out.prefix = 'B';
  } else if (p == 'I' || p == 'E' || p == 'i' || p == 'e') {
    out.prefix = 'I';
  } else {
    return out;
  }
  out.type = std::string(label.substr(2));
  return out;
}

void argmax_rows(const float* logits, int rows, int cols, std::vector<int>* label_ids, std::vector<float>* probs) {
  label_ids->assign(rows > 0 ? rows : 0, 0);
  probs->assign(rows > 0 ? rows : 0, 0.0f);
  if (!logits || rows <= 0 || cols <= 0) return;
  for (int r = 0; r < rows; ++r) {
    const float* row = logits + static_cast<size_t>(r) * cols;
    int best = 0;
    for (int c = 1; c < cols; ++c)
      if (row[c] > row[best]) best = c;
    double sum = 0;
    for (int c = 0; c < cols; ++c) sum += std::exp(static_cast<double>(row[c]) - row[best]);
    (*label_ids)[r] = best;
    (*probs)[r] = static_cast<float>(1.0 / sum);
  }
}

std::vector<EntitySpan> bio_spans(const std::vector<int>& label_ids, const std::vector<float>& probs,
                                  const std::vector<std::string>& labels, const std::vector<uint8_t>& special) {
  std::vector<EntitySpan> spans;
  const int T = static_cast<int>(label_ids.size());
  int open = -1;  // index into spans of the span being extended, -1 = none
  double score_sum = 0;
  auto close = [&](int end) {
    if (open < 0) return;
    EntitySpan& s = spans[open];
    s.end = end;
    s.score = static_cast<float>(score_sum / std::max(1, s.end - s.begin));
    open = -1;
  };
  for (int i = 0; i < T; ++i) {
    bool is_special = i < static_cast<int>(special.size()) && special[i];
    int id = label_ids[i];
    BioLabel bio;
    if (!is_special && id >= 0 && id < static_cast<int>(labels.size())) bio = parse_bio_label(labels[id]);
    float p = i < static_cast<int>(probs.size()) ? probs[i] : 1.0f;
    if (bio.prefix == 'O') {
      close(i);
      continue;
    }
    bool continues = bio.prefix == 'I' && open >= 0 && spans[open].type == bio.type;
    if (!continues) {
      close(i);
      EntitySpan s;
      s.begin = i;
      s.type = bio.type;
      spans.push_back(s);
      open = static_cast<int>(spans.size()) - 1;
      score_sum = 0;
    }
    score_sum += p;
  }
  close(T);
  return spans;
}

bool mask_span(std::string* text, int begin, int end, std::string_view mask) {
  if (begin < 0 || end <= begin || end > static_cast<int>(text->size())) return false;
  text->replace(static_cast<size_t>(begin), static_cast<size_t>(end - begin), mask.data(), mask.size());
  return true;
}

namespace {

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the other 68 bytes are shifted to
// U+0100..U+0143 in ascending byte order.
bool printable_byte(int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); }

int shifted_byte(int n) {  // the n-th non-printable byte
  for (int b = 0; b < 256; ++b)
    if (!printable_byte(b) && n-- == 0) return b;
  return -1;
}

}  // namespace

std::string byte_level_decode(std::string_view token) {
  std::string out;
  size_t i = 0;
  while (i < token.size()) {
    int len = 1;
    const char32_t cp = decode_utf8(token.data() + i, token.size() - i, &len);
    if (cp == 0xFFFD && len == 1) {  // malformed: keep the byte as it is
      out.push_back(token[i]);
    } else if (cp < 256 && printable_byte(cp)) {
      out.push_back(static_cast<char>(cp));
    } else if (cp >= 256 && cp < 256 + 68) {
      out.push_back(static_cast<char>(shifted_byte(cp - 256)));
    } else {
      append_utf8(&out, cp);
    }
    i += len;
  }
  return out;
}

bool utf8_complete(std::string_view s) { return is_valid_utf8(s.data(), s.size()); }

}  // namespace attnviz
