// SentencePiece Unigram tokenization with Hugging Face tokenizers' semantics (normalizers/precompiled.rs,
// normalizers/replace.rs, pre_tokenizers/metaspace.rs, models/unigram/model.rs, tokenizer/normalizer.rs for the
// offsets), and the SentencePiece ModelProto reader. std + nlohmann (non-throwing calls) only.
#include "sentencepiece.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "unicode.h"

namespace attnviz {

namespace {

using json = nlohmann::json;

// ---- grapheme clusters (UAX #29 extended grapheme clusters, as the unicode-segmentation crate) -----------------

enum GraphemeBreak : uint8_t { kOther, kCR, kLF, kControl, kExtend, kZWJ, kRI, kPrepend, kSpacingMark, kL, kV, kT,
                               kLV, kLVT, kExtPict };
struct GraphemeRange {
  char32_t lo, hi;
  uint8_t value;
};
#include "grapheme_tables.inc"

uint8_t grapheme_break(char32_t c) {
  const GraphemeRange* b = kGraphemeRanges;
  const GraphemeRange* e = b + sizeof(kGraphemeRanges) / sizeof(kGraphemeRanges[0]);
  const GraphemeRange* it = std::upper_bound(b, e, c, [](char32_t v, const GraphemeRange& r) { return v < r.lo; });
  if (it == b) return kOther;
  --it;
  return c <= it->hi ? it->value : static_cast<uint8_t>(kOther);
}

// Byte ends of the grapheme clusters of s (each cluster [previous end, end)).
void grapheme_ends(std::string_view s, std::vector<size_t>* ends) {
  ends->clear();
  uint8_t prev = 0;
  bool have_prev = false, pict_seq = false;  // pict_seq: ExtPict Extend* (ZWJ)? before the current position
  int ri_run = 0;
  size_t i = 0;
  while (i < s.size()) {
    int len = 0;
    const char32_t c = decode_utf8(s.data() + i, s.size() - i, &len);
    const uint8_t cur = grapheme_break(c);
    bool brk = true;
    if (have_prev) {
      if (prev == kCR && cur == kLF) brk = false;                                             // GB3
      else if (prev == kCR || prev == kLF || prev == kControl) brk = true;                    // GB4
      else if (cur == kCR || cur == kLF || cur == kControl) brk = true;                       // GB5
      else if (prev == kL && (cur == kL || cur == kV || cur == kLV || cur == kLVT)) brk = false;  // GB6
      else if ((prev == kLV || prev == kV) && (cur == kV || cur == kT)) brk = false;           // GB7
      else if ((prev == kLVT || prev == kT) && cur == kT) brk = false;                         // GB8
      else if (cur == kExtend || cur == kZWJ || cur == kSpacingMark) brk = false;              // GB9, GB9a
      else if (prev == kPrepend) brk = false;                                                  // GB9b
      else if (prev == kZWJ && cur == kExtPict && pict_seq) brk = false;                       // GB11
      else if (prev == kRI && cur == kRI && ri_run % 2 == 1) brk = false;                      // GB12, GB13
    }
    if (brk && have_prev) ends->push_back(i);
    // State for GB11 / GB12-13.
    if (cur == kExtPict) pict_seq = true;
    else if (cur == kExtend && pict_seq && prev != kZWJ) pict_seq = true;
    else if (cur == kZWJ && pict_seq) pict_seq = true;
    else pict_seq = false;
    ri_run = cur == kRI ? ri_run + 1 : 0;
    prev = cur;
    have_prev = true;
    i += static_cast<size_t>(len);
  }
  if (have_prev) ends->push_back(s.size());
}

// ---- a normalized string with the original span of each byte (tokenizers' NormalizedString) ----------------------

struct NormString {
  std::string s;                                 // (N) normalized UTF-8
  std::vector<std::pair<int32_t, int32_t>> al;   // (N) original [begin, end) of the character each byte belongs to

  void init(std::string_view text, size_t b, size_t e) {
    s.assign(text.data() + b, e - b);
    al.resize(s.size());
    size_t i = 0;
    while (i < s.size()) {
      int len = 0;
      decode_utf8(s.data() + i, s.size() - i, &len);
      for (int k = 0; k < len; ++k)
        al[i + static_cast<size_t>(k)] = {static_cast<int32_t>(b + i), static_cast<int32_t>(b + i + static_cast<size_t>(len))};
      i += static_cast<size_t>(len);
    }
  }

  // tokenizers' NormalizedString::transform_range over normalized bytes [nb, ne): `dest` holds the new characters,
  // each with a change: 1 = inserted (takes the alignment of the byte before), 0 = replaces the next old character,
  // -n = replaces it and removes n more; `initial_offset` old characters are removed first.
  void transform_range(size_t nb, size_t ne, const std::vector<std::pair<char32_t, int>>& dest, size_t initial_offset) {
    std::vector<char32_t> old;
    std::vector<int> old_len;
    for (size_t i = nb; i < ne;) {
      int len = 0;
      old.push_back(decode_utf8(s.data() + i, ne - i, &len));
      old_len.push_back(len);
      i += static_cast<size_t>(len);
    }
    size_t next_old = 0;
    size_t offset = nb;
    for (; next_old < initial_offset && next_old < old.size(); ++next_old) offset += static_cast<size_t>(old_len[next_old]);
    std::string ns;
    std::vector<std::pair<int32_t, int32_t>> nal;
    for (const auto& [c, change] : dest) {
      std::pair<int32_t, int32_t> align{0, 0};
      if (change > 0) {
        if (offset >= 1 && offset - 1 < al.size()) align = al[offset - 1];
      } else if (offset < al.size()) {
        align = al[offset];
      } else if (!al.empty()) {
        align = al.back();  // tokenizers would index out of range here; keep going with the last span
      }
      if (change <= 0 && next_old < old.size()) offset += static_cast<size_t>(old_len[next_old++]);
      if (change < 0)
        for (int k = 0; k < -change && next_old < old.size(); ++k) offset += static_cast<size_t>(old_len[next_old++]);
      const size_t before = ns.size();
      append_utf8(&ns, c);
      nal.insert(nal.end(), ns.size() - before, align);
    }
    s.replace(nb, ne - nb, ns);
    al.erase(al.begin() + static_cast<std::ptrdiff_t>(nb), al.begin() + static_cast<std::ptrdiff_t>(ne));
    al.insert(al.begin() + static_cast<std::ptrdiff_t>(nb), nal.begin(), nal.end());
  }

  // NormalizedString::replace for a list of non-overlapping byte ranges (ascending): each becomes `content`.
  void replace_ranges(const std::vector<std::pair<size_t, size_t>>& ranges, std::string_view content) {
    std::vector<std::pair<char32_t, int>> dest;
    for (size_t i = 0; i < content.size();) {
      int len = 0;
      dest.push_back({decode_utf8(content.data() + i, content.size() - i, &len), 1});
      i += static_cast<size_t>(len);
    }
    for (size_t k = ranges.size(); k-- > 0;) {  // from the end: earlier ranges keep their positions
      const auto [b, e] = ranges[k];
      size_t chars = 0;
      for (size_t i = b; i < e; ++i) chars += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
      transform_range(b, e, dest, chars);
    }
  }
};

// ---- the Replace normalizer's pattern --------------------------------------------------------------------------

// A literal string, or a regex of one literal character repeated {min,max} times (" {2,}", " +", "\s{2,}" are
// the forms converters write). Matches are leftmost, greedy, non-overlapping.
struct ReplacePattern {
  std::string literal;      // non-empty: a String pattern
  char32_t ch = 0;          // regex: the repeated character ...
  bool any_space = false;   // ... or \s (White_Space)
  int min = 1, max = -1;    // -1 = unbounded
  std::string content;

  std::vector<std::pair<size_t, size_t>> find(const std::string& s) const {
    std::vector<std::pair<size_t, size_t>> out;
    if (!literal.empty()) {
      for (size_t p = s.find(literal); p != std::string::npos; p = s.find(literal, p + literal.size()))
        out.push_back({p, p + literal.size()});
      return out;
    }
    UnicodePropsCursor props;
    size_t i = 0;
    while (i < s.size()) {
      size_t j = i;
      int n = 0;
      while (j < s.size() && (max < 0 || n < max)) {
        int len = 0;
        const char32_t c = decode_utf8(s.data() + j, s.size() - j, &len);
        if (any_space ? !uprops::is_white_space(props.get(c)) : c != ch) break;
        j += static_cast<size_t>(len);
        ++n;
      }
      if (n >= min && n > 0) {
        out.push_back({i, j});
        i = j;
      } else {
        int len = 0;
        decode_utf8(s.data() + i, s.size() - i, &len);
        i += static_cast<size_t>(len);
      }
    }
    return out;
  }
};

// Parses "c{n,}", "c{n}", "c{n,m}", "c+", "c" with c a literal character, "\s", or an escaped punctuation character.
bool parse_simple_regex(const std::string& re, ReplacePattern* p) {
  size_t i = 0;
  if (re.empty()) return false;
  if (re[0] == '\\') {
    if (re.size() < 2) return false;
    if (re[1] == 's') p->any_space = true;
    else if (std::strchr(".^$|?*+()[]{}\\/- ", re[1])) p->ch = static_cast<unsigned char>(re[1]);
    else return false;
    i = 2;
  } else {
    if (std::strchr(".^$|?*+()[]{}\\", re[0])) return false;
    int len = 0;
    p->ch = decode_utf8(re.data(), re.size(), &len);
    i = static_cast<size_t>(len);
  }
  if (i == re.size()) {
    p->min = p->max = 1;
    return true;
  }
  if (re[i] == '+' && i + 1 == re.size()) {
    p->min = 1;
    p->max = -1;
    return true;
  }
  if (re[i] != '{' || re.back() != '}') return false;
  const std::string body = re.substr(i + 1, re.size() - i - 2);
  const size_t comma = body.find(',');
  auto num = [](const std::string& t, int* v) {
    if (t.empty() || t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos) return false;
    *v = std::stoi(t);
    return true;
  };
  if (comma == std::string::npos) {
    if (!num(body, &p->min)) return false;
    p->max = p->min;
  } else {
    if (!num(body.substr(0, comma), &p->min)) return false;
    const std::string hi = body.substr(comma + 1);
    if (hi.empty()) p->max = -1;
    else if (!num(hi, &p->max) || p->max < p->min) return false;
  }
  return p->min >= 1 || p->max != 0;
}

// ---- a byte trie over the vocabulary (common prefix search for Viterbi) -------------------------------------------

struct PieceTrie {
  struct Node {
    int32_t first_child = -1, next_sibling = -1, id = -1;
    uint8_t label = 0;
  };
  std::vector<Node> nodes{Node{}};

  void insert(std::string_view key, int32_t id) {
    int32_t n = 0;
    for (unsigned char c : key) {
      int32_t ch = nodes[static_cast<size_t>(n)].first_child;
      while (ch >= 0 && nodes[static_cast<size_t>(ch)].label != c) ch = nodes[static_cast<size_t>(ch)].next_sibling;
      if (ch < 0) {
        Node nn;
        nn.label = c;
        nn.next_sibling = nodes[static_cast<size_t>(n)].first_child;
        nodes.push_back(nn);
        ch = static_cast<int32_t>(nodes.size() - 1);
        nodes[static_cast<size_t>(n)].first_child = ch;
      }
      n = ch;
    }
    nodes[static_cast<size_t>(n)].id = id;  // a duplicate piece: the last id wins (tokenizers' token_to_ids map)
  }
};

}  // namespace

// ---- base64 and the precompiled charsmap ---------------------------------------------------------------------------

bool base64_decode(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '+') v = 62;
    else if (ch == '/') v = 63;
    else if (ch == '=') {
      ++pad;
      continue;
    } else return false;
    if (pad) return false;  // data after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return pad <= 2 && bits < 6;
}

Status PrecompiledCharsmap::parse(std::string_view blob, const std::string& what, PrecompiledCharsmap* out) {
  *out = PrecompiledCharsmap();
  if (blob.size() < 4) return Status::error(what + ": precompiled_charsmap is shorter than its 4-byte header");
  uint32_t trie_bytes = 0;
  for (int k = 0; k < 4; ++k) trie_bytes |= static_cast<uint32_t>(static_cast<unsigned char>(blob[static_cast<size_t>(k)])) << (8 * k);
  const size_t units = trie_bytes / 4;
  if (units == 0) return Status::error(what + ": precompiled_charsmap has an empty trie");
  if (units > (blob.size() - 4) / 4)
    return Status::error(what + ": precompiled_charsmap says its trie has " + std::to_string(trie_bytes) +
                         " bytes but only " + std::to_string(blob.size() - 4) + " follow (truncated?)");
  out->trie_.resize(units);
  for (size_t u = 0; u < units; ++u) {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= static_cast<uint32_t>(static_cast<unsigned char>(blob[4 + 4 * u + static_cast<size_t>(k)])) << (8 * k);
    out->trie_[u] = v;
  }
  out->normalized_.assign(blob.data() + 4 + 4 * units, blob.size() - 4 - 4 * units);
  if (!is_valid_utf8(out->normalized_.data(), out->normalized_.size()))
    return Status::error(what + ": precompiled_charsmap's replacement strings are not valid UTF-8");
  return Status::success();
}

bool PrecompiledCharsmap::transform(const char* key, size_t n, std::string_view* out) const {
  // darts-clone DoubleArray::commonPrefixSearch, stopping at the first result (spm_precompiled's transform).
  auto offset = [](uint32_t u) { return static_cast<size_t>((u >> 10) << ((u & (1u << 9)) >> 6)); };
  if (trie_.empty()) return false;
  size_t node = offset(trie_[0]);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    if (c == 0) return false;
    node ^= c;
    if (node >= trie_.size()) return false;
    const uint32_t unit = trie_[node];
    if ((unit & ((1u << 31) | 0xFF)) != c) return false;
    node ^= offset(unit);
    if ((unit >> 8) & 1) {
      if (node >= trie_.size()) return false;
      const size_t idx = trie_[node] & ((1u << 31) - 1);
      if (idx > normalized_.size()) return false;
      size_t end = idx;
      while (end < normalized_.size() && normalized_[end] != 0) ++end;
      // A value pointing inside a UTF-8 sequence would panic in Rust; treat it as no rule.
      if (idx < normalized_.size() && (static_cast<unsigned char>(normalized_[idx]) & 0xC0) == 0x80) return false;
      *out = std::string_view(normalized_).substr(idx, end - idx);
      return true;
    }
  }
  return false;
}

// ---- the tokenizer -------------------------------------------------------------------------------------------------

struct UnigramTokenizer::Impl {
  std::vector<std::pair<std::string, double>> vocab;
  PieceTrie trie;
  int unk = -1;
  double min_score = 0;
  std::vector<PrecompiledCharsmap> charsmaps;  // normalizers in order: a Precompiled entry, or ...
  std::vector<ReplacePattern> replaces;        // ... a Replace entry
  std::vector<int> norm_order;                 // >= 0: charsmaps[i]; < 0: replaces[-i - 1]
  bool metaspace = false, split = true;
  std::string replacement = "\xE2\x96\x81";  // U+2581
  enum class Prepend { Always, First, Never } prepend = Prepend::Always;

  Status finish(const std::string& where) {
    if (vocab.empty()) return Status::error(where + ": the Unigram vocabulary is empty");
    if (unk < 0 || unk >= static_cast<int>(vocab.size()))
      return Status::error(where + ": Unigram unk_id is missing or outside the vocabulary (attnviz needs an unknown token)");
    min_score = std::numeric_limits<double>::infinity();
    for (size_t id = 0; id < vocab.size(); ++id) {
      min_score = std::min(min_score, vocab[id].second);
      if (!vocab[id].first.empty()) trie.insert(vocab[id].first, static_cast<int32_t>(id));
    }
    return Status::success();
  }

  void precompiled(const PrecompiledCharsmap& cm, NormString* ns) const;
  void viterbi(const NormString& ns, size_t b, size_t e, std::vector<UnigramToken>* out) const;
};

// tokenizers' normalizers/precompiled.rs: per grapheme cluster (< 6 bytes: the whole cluster first), else per
// character; the (char, change) list it builds is then applied by transform_range.
void UnigramTokenizer::Impl::precompiled(const PrecompiledCharsmap& cm, NormString* ns) const {
  std::vector<std::pair<char32_t, int>> dest;
  std::vector<size_t> ends;
  grapheme_ends(ns->s, &ends);
  bool modified = false;
  // tokenizers' replace(): the new characters replace (0), extra ones are inserted (1) and a shorter replacement
  // removes the difference after its last character (on the character before it when the replacement is empty).
  auto push_norm = [&](std::string_view old_part, std::string_view norm) {
    int old_count = 0, new_count = 0;
    for (char c : old_part) old_count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    for (char c : norm) new_count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    for (size_t p = 0; p < norm.size();) {
      int len = 0;
      dest.push_back({decode_utf8(norm.data() + p, norm.size() - p, &len), 0});
      p += static_cast<size_t>(len);
    }
    const int diff = new_count - old_count;
    if (diff > 0) {
      for (int k = 0; k < diff; ++k) dest[dest.size() - 1 - static_cast<size_t>(k)].second = 1;
    } else if (diff < 0 && !dest.empty()) {
      dest.back().second += diff;
    }
  };
  size_t start = 0;
  for (size_t end : ends) {
    const std::string_view g(ns->s.data() + start, end - start);
    std::string_view norm;
    if (g.size() < 6 && cm.transform(g.data(), g.size(), &norm)) {
      modified = true;
      push_norm(g, norm);
    } else {
      for (size_t p = 0; p < g.size();) {
        int len = 0;
        const char32_t c = decode_utf8(g.data() + p, g.size() - p, &len);
        const std::string_view part = g.substr(p, static_cast<size_t>(len));
        if (cm.transform(part.data(), part.size(), &norm)) {
          modified = true;
          push_norm(part, norm);
        } else {
          dest.push_back({c, 0});
        }
        p += static_cast<size_t>(len);
      }
    }
    start = end;
  }
  if (modified) ns->transform_range(0, ns->s.size(), dest, 0);
}

// tokenizers' models/unigram/model.rs encode_optimized (SentencePiece unigram_model.cc): best path by total score;
// a character no piece starts with costs min_score - 10 as the unknown token; adjacent unknowns fuse into one.
void UnigramTokenizer::Impl::viterbi(const NormString& ns, size_t b, size_t e, std::vector<UnigramToken>* out) const {
  const size_t n = e - b;
  const char* s = ns.s.data() + b;
  struct Best {
    int32_t id = -1;
    double score = 0;
    int64_t start = -1;
  };
  std::vector<Best> best(n + 1);
  const double unk_score = min_score - 10.0;
  size_t at = 0;
  while (at < n) {
    const double here = best[at].score;
    int len = 0;
    decode_utf8(s + at, n - at, &len);
    const size_t mblen = static_cast<size_t>(len);
    bool single = false;
    int32_t node = 0;
    for (size_t k = at; k < n; ++k) {
      int32_t ch = trie.nodes[static_cast<size_t>(node)].first_child;
      const unsigned char c = static_cast<unsigned char>(s[k]);
      while (ch >= 0 && trie.nodes[static_cast<size_t>(ch)].label != c) ch = trie.nodes[static_cast<size_t>(ch)].next_sibling;
      if (ch < 0) break;
      node = ch;
      const int32_t id = trie.nodes[static_cast<size_t>(node)].id;
      if (id < 0) continue;
      const size_t key_end = k + 1;
      const double cand = vocab[static_cast<size_t>(id)].second + here;
      Best& t = best[key_end];
      if (t.start < 0 || cand > t.score) {
        t.score = cand;
        t.start = static_cast<int64_t>(at);
        t.id = id;
      }
      if (key_end - at == mblen) single = true;
    }
    if (!single) {
      Best& t = best[std::min(n, at + mblen)];
      const double cand = unk_score + here;
      if (t.start < 0 || cand > t.score) {
        t.score = cand;
        t.start = static_cast<int64_t>(at);
        t.id = unk;
      }
    }
    at += mblen;
  }
  // Backtrack; fuse runs of unknowns.
  std::vector<std::pair<size_t, size_t>> spans;  // reversed
  std::vector<bool> is_unk;
  size_t end = n;
  while (end > 0) {
    const Best& node = best[end];
    const size_t st = node.start < 0 ? 0 : static_cast<size_t>(node.start);
    const bool u = node.id == unk;
    if (u && !is_unk.empty() && is_unk.back()) spans.back().first = st;
    else {
      spans.push_back({st, end});
      is_unk.push_back(u);
    }
    end = st;
  }
  for (size_t k = spans.size(); k-- > 0;) {
    const auto [sb, se] = spans[k];
    UnigramToken t;
    t.piece.assign(s + sb, se - sb);
    // The id of the piece's string (tokenizers looks every string up again): a fused run may spell a piece.
    int32_t node = 0;
    for (unsigned char c : t.piece) {
      int32_t ch = node >= 0 ? trie.nodes[static_cast<size_t>(node)].first_child : -1;
      while (ch >= 0 && trie.nodes[static_cast<size_t>(ch)].label != c) ch = trie.nodes[static_cast<size_t>(ch)].next_sibling;
      node = ch;
      if (node < 0) break;
    }
    t.id = node >= 0 && trie.nodes[static_cast<size_t>(node)].id >= 0 ? trie.nodes[static_cast<size_t>(node)].id : unk;
    t.begin = ns.al[b + sb].first;
    t.end = ns.al[b + se - 1].second;
    out->push_back(std::move(t));
  }
}

UnigramTokenizer::UnigramTokenizer() : impl_(std::make_unique<Impl>()) {}
UnigramTokenizer::~UnigramTokenizer() = default;
UnigramTokenizer::UnigramTokenizer(UnigramTokenizer&&) noexcept = default;
UnigramTokenizer& UnigramTokenizer::operator=(UnigramTokenizer&&) noexcept = default;

const std::vector<std::pair<std::string, double>>& UnigramTokenizer::vocab() const { return impl_->vocab; }
int UnigramTokenizer::unk_id() const { return impl_->unk; }

std::string UnigramTokenizer::display(std::string_view piece) const {
  std::string out;
  const std::string& r = impl_->replacement;
  for (size_t i = 0; i < piece.size();) {
    if (!r.empty() && piece.compare(i, r.size(), r) == 0) {
      out.push_back(' ');
      i += r.size();
    } else {
      out.push_back(piece[i++]);
    }
  }
  return out;
}

void UnigramTokenizer::encode(std::string_view text, size_t b, size_t e, std::vector<UnigramToken>* out) const {
  const Impl& im = *impl_;
  if (b >= e) return;
  NormString ns;
  ns.init(text, b, e);
  for (int k : im.norm_order) {
    if (k >= 0) {
      im.precompiled(im.charsmaps[static_cast<size_t>(k)], &ns);
    } else {
      const ReplacePattern& rp = im.replaces[static_cast<size_t>(-k - 1)];
      ns.replace_ranges(rp.find(ns.s), rp.content);
    }
  }
  if (ns.s.empty()) return;
  if (im.metaspace) {
    ReplacePattern space;
    space.literal = " ";
    ns.replace_ranges(space.find(ns.s), im.replacement);
    const bool starts = ns.s.compare(0, im.replacement.size(), im.replacement) == 0;
    if (!starts && (im.prepend == Impl::Prepend::Always || (im.prepend == Impl::Prepend::First && b == 0))) {
      int len = 0;
      const char32_t next = decode_utf8(ns.s.data(), ns.s.size(), &len);
      std::vector<std::pair<char32_t, int>> dest;
      int i = 0;
      for (size_t p = 0; p < im.replacement.size(); ++i) {
        int l = 0;
        dest.push_back({decode_utf8(im.replacement.data() + p, im.replacement.size() - p, &l), i == 0 ? 0 : 1});
        p += static_cast<size_t>(l);
      }
      dest.push_back({next, 1});
      ns.transform_range(0, static_cast<size_t>(len), dest, 0);
    }
  }
  // Pieces: split before every replacement character (MergedWithNext), empty pieces dropped.
  std::vector<size_t> cuts{0};
  if (im.metaspace && im.split && !im.replacement.empty())
    for (size_t p = ns.s.find(im.replacement); p != std::string::npos; p = ns.s.find(im.replacement, p + im.replacement.size()))
      if (p > 0) cuts.push_back(p);
  cuts.push_back(ns.s.size());
  for (size_t k = 0; k + 1 < cuts.size(); ++k)
    if (cuts[k + 1] > cuts[k]) im.viterbi(ns, cuts[k], cuts[k + 1], out);
}

// ---- loading from tokenizer.json -----------------------------------------------------------------------------------

namespace {

const json* member(const json& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() || it->is_null() ? nullptr : &*it;
}

Status read_normalizer(const json& n, const std::string& where, UnigramTokenizer::Impl* im) {
  if (!n.is_object() || !n.contains("type") || !n["type"].is_string())
    return Status::error(where + ": a normalizer must be an object with a 'type'");
  const std::string& type = n["type"].get_ref<const std::string&>();
  if (type == "Sequence") {
    const json* list = member(n, "normalizers");
    if (!list || !list->is_array()) return Status::error(where + ": Sequence needs a 'normalizers' array");
    for (size_t k = 0; k < list->size(); ++k) {
      Status s = read_normalizer((*list)[k], where + ".normalizers[" + std::to_string(k) + "]", im);
      if (!s) return s;
    }
    return Status::success();
  }
  if (type == "Precompiled") {
    const json* cm = member(n, "precompiled_charsmap");
    if (!cm) return Status::success();  // tokenizers accepts a null map: no rules
    if (!cm->is_string()) return Status::error(where + ": 'precompiled_charsmap' must be a base64 string");
    std::string raw;
    if (!base64_decode(cm->get_ref<const std::string&>(), &raw))
      return Status::error(where + ": 'precompiled_charsmap' is not valid base64");
    if (raw.empty()) return Status::success();
    PrecompiledCharsmap map;
    Status s = PrecompiledCharsmap::parse(raw, where + ": precompiled_charsmap", &map);
    if (!s) return s;
    im->norm_order.push_back(static_cast<int>(im->charsmaps.size()));
    im->charsmaps.push_back(std::move(map));
    return Status::success();
  }
  if (type == "Replace") {
    const json* pat = member(n, "pattern");
    const json* content = member(n, "content");
    if (!pat || !pat->is_object() || !content || !content->is_string())
      return Status::error(where + ": Replace needs a 'pattern' object and a 'content' string");
    ReplacePattern rp;
    rp.content = content->get_ref<const std::string&>();
    if (pat->contains("String") && (*pat)["String"].is_string()) {
      rp.literal = (*pat)["String"].get_ref<const std::string&>();
      if (rp.literal.empty()) return Status::error(where + ": Replace with an empty String pattern");
    } else if (pat->contains("Regex") && (*pat)["Regex"].is_string()) {
      const std::string& re = (*pat)["Regex"].get_ref<const std::string&>();
      if (!parse_simple_regex(re, &rp))
        return Status::error(where + ": Replace regex '" + re + "' is not supported (attnviz reads one character "
                             "repeated, e.g. \" {2,}\", or a literal String)");
    } else {
      return Status::error(where + ": Replace 'pattern' must be {\"String\": ...} or {\"Regex\": ...}");
    }
    im->norm_order.push_back(-static_cast<int>(im->replaces.size()) - 1);
    im->replaces.push_back(std::move(rp));
    return Status::success();
  }
  return Status::error(where + ": normalizer type '" + type + "' is not supported with a Unigram model (attnviz "
                       "reads Precompiled, Replace and Sequence)");
}

Status read_metaspace(const json& p, const std::string& where, UnigramTokenizer::Impl* im) {
  if (!p.is_object() || !p.contains("type") || !p["type"].is_string())
    return Status::error(where + ": a pre-tokenizer must be an object with a 'type'");
  const std::string& type = p["type"].get_ref<const std::string&>();
  if (type == "Sequence") {
    const json* list = member(p, "pretokenizers");
    if (!list || !list->is_array() || list->size() != 1)
      return Status::error(where + ": only a Sequence holding one Metaspace is supported with a Unigram model");
    return read_metaspace((*list)[0], where + ".pretokenizers[0]", im);
  }
  if (type != "Metaspace")
    return Status::error(where + ": pre-tokenizer type '" + type + "' is not supported with a Unigram model (attnviz "
                         "reads Metaspace)");
  im->metaspace = true;
  if (const json* r = member(p, "replacement")) {
    if (!r->is_string() || r->get_ref<const std::string&>().empty())
      return Status::error(where + ": 'replacement' must be a one-character string");
    im->replacement = r->get_ref<const std::string&>();
    int len = 0;
    decode_utf8(im->replacement.data(), im->replacement.size(), &len);
    if (static_cast<size_t>(len) != im->replacement.size() || !is_valid_utf8(im->replacement.data(), im->replacement.size()))
      return Status::error(where + ": 'replacement' must be one character");
  }
  if (const json* sc = member(p, "prepend_scheme")) {
    const std::string v = sc->is_string() ? sc->get<std::string>() : "";
    if (v == "always") im->prepend = UnigramTokenizer::Impl::Prepend::Always;
    else if (v == "first") im->prepend = UnigramTokenizer::Impl::Prepend::First;
    else if (v == "never") im->prepend = UnigramTokenizer::Impl::Prepend::Never;
    else return Status::error(where + ": 'prepend_scheme' must be \"always\", \"first\" or \"never\"");
  } else if (const json* aps = member(p, "add_prefix_space")) {  // older files
    if (!aps->is_boolean()) return Status::error(where + ": 'add_prefix_space' must be true or false");
    im->prepend = aps->get<bool>() ? UnigramTokenizer::Impl::Prepend::Always : UnigramTokenizer::Impl::Prepend::Never;
  }
  if (const json* sp = member(p, "split")) {
    if (!sp->is_boolean()) return Status::error(where + ": 'split' must be true or false");
    im->split = sp->get<bool>();
  }
  return Status::success();
}

}  // namespace

Status UnigramTokenizer::from_tokenizer_json(const json& root, const std::string& where, UnigramTokenizer* out) {
  auto im = std::make_unique<Impl>();
  const json* model = member(root, "model");
  if (!model || !model->is_object()) return Status::error(where + ": no 'model' object");
  const json* vocab = member(*model, "vocab");
  if (!vocab || !vocab->is_array()) return Status::error(where + ": model.vocab of a Unigram model must be an array");
  if (vocab->size() > (1u << 24)) return Status::error(where + ": model.vocab has too many entries");
  im->vocab.reserve(vocab->size());
  for (size_t k = 0; k < vocab->size(); ++k) {
    const json& e = (*vocab)[k];
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number())
      return Status::error(where + ": model.vocab[" + std::to_string(k) + "] must be [piece, score]");
    const double score = e[1].get<double>();
    if (!std::isfinite(score))
      return Status::error(where + ": model.vocab[" + std::to_string(k) + "] has a score that is not a finite number");
    const std::string& piece = e[0].get_ref<const std::string&>();
    if (!is_valid_utf8(piece.data(), piece.size()))
      return Status::error(where + ": model.vocab[" + std::to_string(k) + "] is not valid UTF-8");
    im->vocab.push_back({piece, score});
  }
  if (const json* u = member(*model, "unk_id")) {
    if (!u->is_number_unsigned()) return Status::error(where + ": model.unk_id must be a non-negative integer");
    im->unk = u->get<uint64_t>() < im->vocab.size() ? static_cast<int>(u->get<uint64_t>()) : -1;
  }
  if (const json* bf = member(*model, "byte_fallback")) {
    if (!bf->is_boolean()) return Status::error(where + ": model.byte_fallback must be true or false");
    if (bf->get<bool>()) return Status::error(where + ": Unigram byte_fallback is not supported");
  }
  if (const json* n = member(root, "normalizer")) {
    Status s = read_normalizer(*n, where + ": normalizer", im.get());
    if (!s) return s;
  }
  if (const json* p = member(root, "pre_tokenizer")) {
    Status s = read_metaspace(*p, where + ": pre_tokenizer", im.get());
    if (!s) return s;
  }
  Status s = im->finish(where);
  if (!s) return s;
  out->impl_ = std::move(im);
  return Status::success();
}

// ---- loading from sentencepiece.bpe.model (protobuf wire format) -----------------------------------------------

namespace {

// A bounds-checked reader of protobuf fields (https://protobuf.dev/programming-guides/encoding/).
struct ProtoReader {
  const unsigned char* p;
  const unsigned char* end;
  bool ok = true;

  bool done() const { return !ok || p >= end; }
  bool varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) return ok = false;
      const unsigned char b = *p++;
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return ok = false;
  }
  // Next field: number, wire type, and for length-delimited fields the bytes; fixed32 in *v.
  bool field(uint32_t* number, int* wire, std::string_view* bytes, uint64_t* v) {
    uint64_t key = 0;
    if (!varint(&key)) return false;
    *number = static_cast<uint32_t>(key >> 3);
    *wire = static_cast<int>(key & 7);
    if (*number == 0) return ok = false;
    switch (*wire) {
      case 0:
        return varint(v);
      case 1:
        if (end - p < 8) return ok = false;
        p += 8;
        return true;
      case 2: {
        uint64_t len = 0;
        if (!varint(&len)) return false;
        if (len > static_cast<uint64_t>(end - p)) return ok = false;
        *bytes = std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
        p += len;
        return true;
      }
      case 5:
        if (end - p < 4) return ok = false;
        *v = static_cast<uint64_t>(p[0]) | static_cast<uint64_t>(p[1]) << 8 | static_cast<uint64_t>(p[2]) << 16 |
             static_cast<uint64_t>(p[3]) << 24;
        p += 4;
        return true;
      default:
        return ok = false;  // groups (3, 4) and unknown wire types
    }
  }
};

ProtoReader reader_of(std::string_view b) {
  return ProtoReader{reinterpret_cast<const unsigned char*>(b.data()), reinterpret_cast<const unsigned char*>(b.data()) + b.size()};
}

}  // namespace

Status UnigramTokenizer::from_sentencepiece_model(std::string_view bytes, const std::string& where, UnigramTokenizer* out) {
  auto im = std::make_unique<Impl>();
  struct Piece {
    std::string text;
    float score = 0;
    int type = 1;
  };
  std::vector<Piece> pieces;
  std::string_view charsmap;
  int model_type = 1;  // TrainerSpec.model_type default UNIGRAM
  auto bad = [&](const std::string& what) {
    return Status::error(where + ": not a SentencePiece model (" + what + "); expected the ModelProto of "
                         "sentencepiece.bpe.model");
  };
  ProtoReader r = reader_of(bytes);
  uint32_t num;
  int wire;
  std::string_view sub;
  uint64_t v;
  while (!r.done()) {
    if (!r.field(&num, &wire, &sub, &v)) return bad("broken protobuf field at byte " + std::to_string(r.p - reinterpret_cast<const unsigned char*>(bytes.data())));
    if (num == 1 && wire == 2) {  // SentencePiece pieces
      if (pieces.size() >= (1u << 24)) return bad("too many pieces");
      Piece pc;
      ProtoReader pr = reader_of(sub);
      while (!pr.done()) {
        std::string_view f;
        uint64_t fv = 0;
        if (!pr.field(&num, &wire, &f, &fv)) return bad("broken piece " + std::to_string(pieces.size()));
        if (num == 1 && wire == 2) pc.text.assign(f.data(), f.size());
        else if (num == 2 && wire == 5) {
          const uint32_t bits = static_cast<uint32_t>(fv);
          std::memcpy(&pc.score, &bits, 4);
        } else if (num == 3 && wire == 0) pc.type = static_cast<int>(fv);
      }
      if (!is_valid_utf8(pc.text.data(), pc.text.size())) return bad("piece " + std::to_string(pieces.size()) + " is not UTF-8");
      if (!std::isfinite(pc.score)) return bad("piece " + std::to_string(pieces.size()) + " has a non-finite score");
      pieces.push_back(std::move(pc));
    } else if (num == 2 && wire == 2) {  // TrainerSpec
      ProtoReader tr = reader_of(sub);
      while (!tr.done()) {
        std::string_view f;
        uint64_t fv = 0;
        if (!tr.field(&num, &wire, &f, &fv)) return bad("broken trainer_spec");
        if (num == 3 && wire == 0) model_type = static_cast<int>(fv);
      }
    } else if (num == 3 && wire == 2) {  // NormalizerSpec
      ProtoReader nr = reader_of(sub);
      while (!nr.done()) {
        std::string_view f;
        uint64_t fv = 0;
        if (!nr.field(&num, &wire, &f, &fv)) return bad("broken normalizer_spec");
        if (num == 2 && wire == 2) charsmap = f;
      }
    }
  }
  if (pieces.size() < 4) return bad("fewer than 4 pieces");
  if (model_type != 1)
    return Status::error(where + ": SentencePiece model type " + std::to_string(model_type) +
                         " is not supported (attnviz reads UNIGRAM models, as XLM-RoBERTa's)");
  // transformers' XLMRobertaConverter: fairseq's four specials, SentencePiece pieces from 3 on shifted by one, <mask>.
  im->vocab = {{"<s>", 0.0}, {"<pad>", 0.0}, {"</s>", 0.0}, {"<unk>", 0.0}};
  for (size_t k = 3; k < pieces.size(); ++k) im->vocab.push_back({pieces[k].text, static_cast<double>(pieces[k].score)});
  im->vocab.push_back({"<mask>", 0.0});
  im->unk = 3;
  if (!charsmap.empty()) {
    PrecompiledCharsmap map;
    Status s = PrecompiledCharsmap::parse(charsmap, where + ": normalizer_spec.precompiled_charsmap", &map);
    if (!s) return s;
    im->norm_order.push_back(0);
    im->charsmaps.push_back(std::move(map));
  }
  ReplacePattern rp;
  rp.ch = ' ';
  rp.min = 2;
  rp.max = -1;
  rp.content = " ";
  im->norm_order.push_back(-1);
  im->replaces.push_back(rp);
  im->metaspace = true;
  im->split = true;
  im->prepend = Impl::Prepend::Always;
  Status s = im->finish(where);
  if (!s) return s;
  out->impl_ = std::move(im);
  return Status::success();
}

}  // namespace attnviz
