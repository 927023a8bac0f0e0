// Tokenizer: BERT WordPiece and GPT-2 byte-level BPE, following Hugging Face tokenizers step by step (added-token
// split, normalizer, pre-tokenizer, model, post-processor). Loads tokenizer.json and the older vocabulary files.
// Eigen/std + nlohmann-json only (no exceptions: JSON_NOEXCEPTION, every read checked).
#include "tokenizer.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "sentencepiece.h"
#include "unicode.h"

namespace attnviz {
namespace {

using json = nlohmann::json;

// Unicode versions, as Hugging Face tokenizers has them (checked code point by code point by tests/oracle): BERT's
// control / punctuation / nonspacing-mark tests use Unicode 8.0 categories and its NFD Unicode 9.0
// (UnicodeTable::HfBert); its whitespace and lowercase tests and GPT-2's \p{L} \p{N} \s this machine's Unicode
// Character Database (15.0).
// Known difference: code points assigned after 15.0 (Rust's std and Oniguruma there know newer versions) are
// unassigned here. Offsets are byte spans (the reference's Python and Node APIs give character indices).

// Ids above this are refused: a vocabulary that large is a corrupt file, not a tokenizer.
constexpr int64_t kMaxTokenId = 1 << 24;

// ---------------------------------------------------------------------------------------------------------------
// Hash tables keyed by strings (vocabulary) and id pairs (BPE merges): open addressing, built once at load.

uint64_t hash_bytes(const char* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (static_cast<uint64_t>(n) * 0xFF51AFD7ED558CCDull);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0x9FB21C651E98DF25ull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = (h ^ v) * 0x9FB21C651E98DF25ull;
    h ^= h >> 29;
  }
  h *= 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 32);
}

class StringIdTable {
 public:
  void clear() { *this = StringIdTable(); }
  // Later adds of the same key win (as a Python dict built from a vocabulary file).
  void add(std::string_view key, int id) {
    off_.push_back(static_cast<uint32_t>(arena_.size()));
    len_.push_back(static_cast<uint32_t>(key.size()));
    id_.push_back(id);
    arena_.append(key.data(), key.size());
    max_key_ = std::max(max_key_, key.size());
  }
  void finalize() {
    size_t cap = 16;
    while (cap < off_.size() * 2) cap <<= 1;
    slots_.assign(cap, 0);
    mask_ = cap - 1;
    for (uint32_t e = 0; e < off_.size(); ++e) {
      std::string_view k = key(e);
      size_t s = hash_bytes(k.data(), k.size()) & mask_;
      while (slots_[s] != 0) {
        uint32_t o = slots_[s] - 1;
        if (key(o) == k) break;
        s = (s + 1) & mask_;
      }
      slots_[s] = e + 1;  // replaces an earlier entry with the same key
    }
  }
  int find(std::string_view k) const {
    if (slots_.empty()) return -1;
    size_t s = hash_bytes(k.data(), k.size()) & mask_;
    while (slots_[s] != 0) {
      uint32_t e = slots_[s] - 1;
      if (len_[e] == k.size() && std::memcmp(arena_.data() + off_[e], k.data(), k.size()) == 0) return id_[e];
      s = (s + 1) & mask_;
    }
    return -1;
  }
  size_t max_key_bytes() const { return max_key_; }
  size_t size() const { return off_.size(); }

 private:
  std::string_view key(uint32_t e) const { return std::string_view(arena_.data() + off_[e], len_[e]); }
  std::string arena_;
  std::vector<uint32_t> off_, len_;  // (entries)
  std::vector<int32_t> id_;          // (entries)
  std::vector<uint32_t> slots_;      // (capacity) entry + 1, 0 = empty
  size_t mask_ = 0, max_key_ = 0;
};

struct MergeInfo {
  int32_t rank = -1;
  int32_t merged = -1;
};

class PairTable {
 public:
  void init(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    keys_.assign(cap, kEmpty);
    vals_.assign(cap, MergeInfo());
    mask_ = cap - 1;
  }
  static uint64_t key_of(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  // First insertion wins (the lowest rank, as merges are added in rank order).
  void insert(int32_t a, int32_t b, MergeInfo v) {
    uint64_t k = key_of(a, b);
    size_t s = slot(k);
    while (keys_[s] != kEmpty) {
      if (keys_[s] == k) return;
      s = (s + 1) & mask_;
    }
    keys_[s] = k;
    vals_[s] = v;
  }
  const MergeInfo* find(int32_t a, int32_t b) const {
    if (keys_.empty()) return nullptr;
    uint64_t k = key_of(a, b);
    size_t s = slot(k);
    while (keys_[s] != kEmpty) {
      if (keys_[s] == k) return &vals_[s];
      s = (s + 1) & mask_;
    }
    return nullptr;
  }

 private:
  static constexpr uint64_t kEmpty = ~0ull;
  size_t slot(uint64_t k) const {
    k *= 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(k ^ (k >> 31)) & mask_;
  }
  std::vector<uint64_t> keys_;  // (capacity)
  std::vector<MergeInfo> vals_;  // (capacity)
  size_t mask_ = 0;
};

// Words already split by the model (WordPiece or BPE): the same words come back again and again in real text.
// Keyed by the word's bytes, no allocation per lookup; emptied when full.
class WordCache {
 public:
  struct Hit {
    const int32_t* ids = nullptr;    // (count)
    const uint16_t* lens = nullptr;  // (count) bytes of the word each token covers
    uint32_t count = 0;
  };
  bool find(std::string_view w, Hit* hit) const {
    if (slots_.empty()) return false;
    size_t s = hash_bytes(w.data(), w.size()) & mask_;
    while (slots_[s] != 0) {
      const Entry& e = entries_[slots_[s] - 1];
      if (e.len == w.size() && std::memcmp(arena_.data() + e.off, w.data(), w.size()) == 0) {
        hit->ids = ids_.data() + e.first;
        hit->lens = lens_.data() + e.first;
        hit->count = e.count;
        return true;
      }
      s = (s + 1) & mask_;
    }
    return false;
  }
  void insert(std::string_view w, const std::vector<int32_t>& ids, const std::vector<uint16_t>& lens) {
    if (slots_.empty() || entries_.size() * 2 >= slots_.size()) {
      if (entries_.size() >= kMaxEntries) clear_all();
      grow();
    }
    Entry e;
    e.off = static_cast<uint32_t>(arena_.size());
    e.len = static_cast<uint32_t>(w.size());
    e.first = static_cast<uint32_t>(ids_.size());
    e.count = static_cast<uint32_t>(ids.size());
    arena_.append(w.data(), w.size());
    ids_.insert(ids_.end(), ids.begin(), ids.end());
    lens_.insert(lens_.end(), lens.begin(), lens.end());
    entries_.push_back(e);
    place(static_cast<uint32_t>(entries_.size()));
  }

 private:
  static constexpr size_t kMaxEntries = 1 << 17;
  struct Entry {
    uint32_t off, len, first, count;
  };
  void clear_all() {
    arena_.clear();
    ids_.clear();
    lens_.clear();
    entries_.clear();
    slots_.clear();
  }
  void grow() {
    size_t cap = slots_.empty() ? 1024 : slots_.size() * 2;
    slots_.assign(cap, 0);
    mask_ = cap - 1;
    for (uint32_t k = 1; k <= entries_.size(); ++k) place(k);
  }
  void place(uint32_t k) {
    const Entry& e = entries_[k - 1];
    size_t s = hash_bytes(arena_.data() + e.off, e.len) & mask_;
    while (slots_[s] != 0) s = (s + 1) & mask_;
    slots_[s] = k;
  }
  std::string arena_;
  std::vector<int32_t> ids_;    // (tokens of all cached words)
  std::vector<uint16_t> lens_;  // (tokens of all cached words)
  std::vector<Entry> entries_;  // (words)
  std::vector<uint32_t> slots_;  // (capacity) entry + 1, 0 = empty
  size_t mask_ = 0;
};

// ---------------------------------------------------------------------------------------------------------------
// Small helpers.

// BERT's CJK ideograph ranges, as Hugging Face tokenizers has them (normalizers/bert.rs is_chinese_char): the
// Python original's 0x2B820 start of the fifth supplementary range is 0x2B920 there, so U+2B820..U+2B91F are not
// split one per token. Not all of Unicode's Han either (no Extension G, no radicals).
bool is_bert_cjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool is_ascii_punct(char32_t c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
}

bool is_utf8_cont(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// decode_utf8 with the three-byte case (CJK) inline; the rest goes to the checked decoder.
inline char32_t decode_fast(const char* s, size_t n, int* len) {
  unsigned char c0 = static_cast<unsigned char>(s[0]);
  if (c0 >= 0xE0 && c0 < 0xF0 && n >= 3) {
    unsigned char c1 = static_cast<unsigned char>(s[1]), c2 = static_cast<unsigned char>(s[2]);
    if ((c1 & 0xC0) == 0x80 && (c2 & 0xC0) == 0x80) {
      char32_t cp = (static_cast<char32_t>(c0 & 0x0F) << 12) | (static_cast<char32_t>(c1 & 0x3F) << 6) | (c2 & 0x3F);
      if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
        *len = 3;
        return cp;
      }
    }
  }
  return decode_utf8(s, n, len);
}

inline size_t utf8_len_fast(char c) {
  unsigned char b = static_cast<unsigned char>(c);
  return b < 0x80 ? 1 : static_cast<size_t>(utf8_sequence_length(b));
}

// GPT-2's byte -> printable character table (bytes_to_unicode in the reference encoder.py).
void byte_to_unicode_table(char32_t out[256]) {
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    bool keep = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    out[b] = keep ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
  }
}

// A label safe to draw: control characters become visible symbols.
void append_visible(std::string* out, std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out->append("\xE2\x86\xB5");  // U+21B5
    } else if (c == '\t') {
      out->append("\xE2\x87\xA5");  // U+21E5
    } else if (c < 0x20) {
      append_utf8(out, 0x2400 + c);  // Control Pictures block
    } else if (c == 0x7F) {
      append_utf8(out, 0x2421);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

// Readable form of raw bytes that may hold partial UTF-8 characters: valid characters as text, stray bytes as
// <0xNN>.
std::string bytes_label(std::string_view b) {
  std::string out;
  size_t i = 0;
  while (i < b.size()) {
    int len = 0;
    char32_t cp = decode_utf8(b.data() + i, b.size() - i, &len);
    if (cp == 0xFFFD && len == 1) {
      static const char* hex = "0123456789ABCDEF";
      unsigned char c = static_cast<unsigned char>(b[i]);
      out += "<0x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
      out += ">";
    } else {
      append_visible(&out, b.substr(i, static_cast<size_t>(len)));
    }
    i += static_cast<size_t>(len);
  }
  return out;
}

// --- checked JSON reads --------------------------------------------------------------------------------------------

const json* member(const json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return nullptr;
  return &*it;
}

Status read_bool(const json& o, const char* key, bool* out, const std::string& where) {
  const json* v = member(o, key);
  if (!v) return Status::success();
  if (!v->is_boolean()) return Status::error(where + ": '" + key + "' must be true or false");
  *out = v->get<bool>();
  return Status::success();
}

Status read_int(const json& o, const char* key, int64_t* out, const std::string& where) {
  const json* v = member(o, key);
  if (!v) return Status::success();
  if (!v->is_number_integer()) return Status::error(where + ": '" + key + "' must be an integer");
  *out = v->get<int64_t>();
  return Status::success();
}

Status read_string(const json& o, const char* key, std::string* out, const std::string& where) {
  const json* v = member(o, key);
  if (!v) return Status::success();
  if (!v->is_string()) return Status::error(where + ": '" + key + "' must be a string");
  *out = v->get_ref<const std::string&>();
  return Status::success();
}

// tokenizer_config.json writes special tokens as "[UNK]" or {"content": "[UNK]", ...}.
Status read_token_name(const json& o, const char* key, std::string* out, const std::string& where) {
  const json* v = member(o, key);
  if (!v) return Status::success();
  if (v->is_string()) {
    *out = v->get_ref<const std::string&>();
    return Status::success();
  }
  const json* c = member(*v, "content");
  if (c && c->is_string()) {
    *out = c->get_ref<const std::string&>();
    return Status::success();
  }
  return Status::error(where + ": '" + key + "' must be a string or an object with a 'content' string");
}

bool valid_id(int64_t id) { return id >= 0 && id < kMaxTokenId; }

struct AddedToken {
  std::string content;
  std::string match;  // what is searched for: content, or its normalized form when `normalized`
  int id = -1;
  bool special = false, single_word = false, lstrip = false, rstrip = false, normalized = false;
};

struct TemplateItem {
  bool is_sequence = false;
  int sequence = 0;  // 0 = first text (A), 1 = pair (B)
  int type_id = 0;
  std::vector<int32_t> ids;          // special tokens' ids
  std::vector<std::string> tokens;   // and their strings
};

// One encoded text (before the post-processor puts specials around it).
struct Seq {
  std::vector<int32_t> ids;                          // (T)
  std::vector<std::pair<int32_t, int32_t>> offsets;  // (T)
  std::vector<uint8_t> special;                      // (T)
  std::vector<std::string> display;                  // (T)
  // Tokens whose string is not the vocabulary's: an added token reports the text it matched (an lstrip "<mask>"
  // is " <mask>", as Hugging Face's tokens), as (index, string).
  std::vector<std::pair<size_t, std::string>> token_text;
  size_t size() const { return ids.size(); }
  void truncate(size_t n) {
    if (n >= ids.size()) return;
    ids.resize(n);
    offsets.resize(n);
    special.resize(n);
    display.resize(n);
  }
};

// A piece of the input between added tokens: [b, e) of the text, or one added token.
struct Segment {
  size_t b = 0, e = 0;
  int added = -1;  // index into Impl::added, -1 for plain text
};

// Normalized text of one segment, with the original byte span of every byte (BERT path).
struct NormBuf {
  std::string s;                  // (N) normalized UTF-8
  std::vector<int32_t> ob, oe;    // (N) original [begin, end) of the character each byte belongs to
  std::vector<uint8_t> cls;       // (N) on lead bytes: 0 word character, 1 whitespace, 2 punctuation
  void clear() {
    s.clear();
    ob.clear();
    oe.clear();
    cls.clear();
  }
};

enum : uint8_t { kClsWord = 0, kClsSpace = 1, kClsPunct = 2 };
// Classes of the GPT-2 pattern: \p{L}, \p{N}, \s, anything else.
enum : uint8_t { kBlL, kBlN, kBlWs, kBlOther };

}  // namespace

// -------------------------------------------------------------------------------------------------------------------

struct Tokenizer::Impl {
  TokenizerKind kind = TokenizerKind::WordPiece;
  std::vector<std::string> id_to_token;  // (V) "" for unused ids
  StringIdTable token_ids;               // every token (model vocabulary + added tokens) -> id
  std::vector<AddedToken> added;         // matched in the text before the model runs
  bool any_normalized_added = false;
  uint8_t added_first_byte[256] = {};    // 1 when some added token's match string starts with this byte
  int single_first_byte = -1;            // that byte when there is exactly one, else -1
  std::vector<std::string> display_of_id;  // (V) readable label ("" = compute per occurrence)

  // Post-processor (empty = none).
  std::vector<TemplateItem> single_template, pair_template;
  bool pp_trim_offsets = false, pp_add_prefix_space = false;  // RobertaProcessing's trim_offsets / add_prefix_space

  // WordPiece
  StringIdTable wp_vocab;       // model vocabulary
  StringIdTable wp_cont;        // continuation pieces, keyed without the prefix ("##ing" under "ing")
  std::string unk_token = "[UNK]";
  int unk = -1;
  std::string cont_prefix = "##";
  int max_input_chars_per_word = 100;
  bool clean_text = true, handle_chinese = true, lowercase = true, nfd = false, strip_mn = false;
  int strip_accents_cfg = -1;  // -1 = follow lowercase (Hugging Face's null), 0 / 1 explicit
  bool has_normalizer = true;  // false: tokenizer.json had no normalizer (WordPiece on the raw text)
  uint8_t ascii_cls[128];      // BERT pre-tokenizer class of each ASCII character
  uint8_t ascii_bl_cls[128];   // GPT-2 pattern class of each ASCII character
  std::vector<int32_t> bmp_char_id;  // (0x10000) id of each one-character vocabulary entry, -1 if none

  // Byte-level BPE
  StringIdTable bpe_vocab;
  PairTable merges;
  int32_t byte_ids[256];                   // id of each byte's single-character token, -1 if absent
  std::vector<std::string> token_bytes;    // (V) raw bytes each token stands for
  StringIdTable raw_vocab;                 // raw bytes -> id (ignore_merges only)
  bool add_prefix_space = false, use_regex = true, ignore_merges = false;

  // SentencePiece Unigram (normalizer, Metaspace and model together; sentencepiece.h)
  std::shared_ptr<const UnigramTokenizer> unigram;

  // Shared by encode() calls: one encode at a time holds it (the page and the CLI are single-threaded anyway).
  mutable std::mutex cache_mutex;
  mutable WordCache cache;
  mutable std::vector<int32_t> scratch_ids;    // (tokens of one word) under cache_mutex
  mutable std::vector<uint16_t> scratch_lens;  // (tokens of one word)

  int cls = -1, sep = -1, mask = -1, pad = -1, eos = -1;

  Impl() {
    std::fill(byte_ids, byte_ids + 256, -1);
    for (char32_t c = 0; c < 128; ++c) {
      uint8_t p = UnicodePropsCursor::ascii_props(c);
      ascii_bl_cls[c] = uprops::is_letter(p) ? kBlL : uprops::is_number(p) ? kBlN : uprops::is_white_space(p) ? kBlWs : kBlOther;
      ascii_cls[c] = uprops::is_white_space(p) ? kClsSpace
                     : (is_ascii_punct(c) || uprops::is_punctuation(p)) ? kClsPunct
                                                                          : kClsWord;
    }
  }

  // --- setup --------------------------------------------------------------------------------------------------
  void set_token(int id, const std::string& tok) {
    if (static_cast<size_t>(id) >= id_to_token.size()) id_to_token.resize(static_cast<size_t>(id) + 1);
    id_to_token[static_cast<size_t>(id)] = tok;
  }
  void update_normalizer_flags() {
    bool strip = strip_accents_cfg < 0 ? lowercase : strip_accents_cfg == 1;
    nfd = strip;
    strip_mn = strip;
  }
  void finish();  // builds every derived table once the vocabulary, added tokens and options are known
  void refresh_added_matches();

  // --- encoding -----------------------------------------------------------------------------------------------
  void split_added(std::string_view text, size_t b, size_t e, bool normalized_pass, std::vector<Segment>* out) const;
  void encode_text(std::string_view text, Seq* out) const;
  void push_added(const AddedToken& t, int32_t ob, int32_t oe, Seq* out) const;
  void push_added_text(std::string_view text, const Segment& sg, Seq* out) const;  // push_added + matched text
  void normalize_bert(std::string_view text, size_t b, size_t e, NormBuf* nb) const;
  void wordpiece_segment(const NormBuf& nb, size_t b, size_t e, Seq* out) const;
  void wordpiece_word(const NormBuf& nb, size_t wb, size_t we, Seq* out) const;
  void bytelevel_segment(std::string_view text, size_t b, size_t e, Seq* out) const;
  void unigram_segment(std::string_view text, size_t b, size_t e, Seq* out) const;
  void bpe_word(std::string_view word, std::vector<int32_t>* ids, std::vector<uint16_t>* lens) const;
  std::string display_partial(std::string_view text, size_t tb, size_t te) const;
};

void Tokenizer::Impl::refresh_added_matches() {
  std::fill(added_first_byte, added_first_byte + 256, 0);
  any_normalized_added = false;
  for (auto& t : added) {
    t.match = t.content;
    if (t.normalized && kind == TokenizerKind::WordPiece && has_normalizer) {
      NormBuf nb;
      normalize_bert(t.content, 0, t.content.size(), &nb);
      t.match = nb.s;
    }
    if (t.normalized) any_normalized_added = true;
    if (!t.match.empty()) added_first_byte[static_cast<unsigned char>(t.match[0])] = 1;
  }
  single_first_byte = -1;
  for (int c = 0; c < 256; ++c) {
    if (!added_first_byte[c]) continue;
    single_first_byte = single_first_byte == -1 ? c : -2;
  }
  if (single_first_byte < 0) single_first_byte = -1;
}

void Tokenizer::Impl::finish() {
  if (kind == TokenizerKind::WordPiece) update_normalizer_flags();
  // Every token, model vocabulary first, then added tokens (Hugging Face looks added tokens up first).
  token_ids.clear();
  for (size_t id = 0; id < id_to_token.size(); ++id)
    if (!id_to_token[id].empty()) token_ids.add(id_to_token[id], static_cast<int>(id));
  for (const auto& t : added) token_ids.add(t.content, t.id);
  token_ids.finalize();
  refresh_added_matches();

  display_of_id.assign(id_to_token.size(), std::string());
  if (kind == TokenizerKind::ByteLevelBPE) {
    char32_t b2u[256];
    byte_to_unicode_table(b2u);
    std::unordered_map<char32_t, unsigned char> u2b;
    for (int b = 0; b < 256; ++b) u2b[b2u[b]] = static_cast<unsigned char>(b);
    token_bytes.assign(id_to_token.size(), std::string());
    for (size_t id = 0; id < id_to_token.size(); ++id) {
      const std::string& t = id_to_token[id];
      std::string raw;
      size_t i = 0;
      while (i < t.size()) {
        int len = 0;
        char32_t cp = decode_utf8(t.data() + i, t.size() - i, &len);
        auto it = u2b.find(cp);
        if (it != u2b.end())
          raw.push_back(static_cast<char>(it->second));
        else
          raw.append(t, i, static_cast<size_t>(len));  // not a byte-level character: stands for itself
        i += static_cast<size_t>(len);
      }
      token_bytes[id] = std::move(raw);
    }
    for (const auto& t : added) {
      if (static_cast<size_t>(t.id) < token_bytes.size()) token_bytes[static_cast<size_t>(t.id)] = t.content;
    }
    for (int b = 0; b < 256; ++b) {
      std::string s;
      append_utf8(&s, b2u[b]);
      byte_ids[b] = bpe_vocab.find(s);
    }
    for (size_t id = 0; id < id_to_token.size(); ++id) {
      const std::string& raw = token_bytes[id];
      if (is_valid_utf8(raw.data(), raw.size())) append_visible(&display_of_id[id], raw);
    }
    if (ignore_merges) {
      raw_vocab.clear();
      for (size_t id = 0; id < id_to_token.size(); ++id)
        if (!id_to_token[id].empty() && bpe_vocab.find(id_to_token[id]) == static_cast<int>(id))
          raw_vocab.add(token_bytes[id], static_cast<int>(id));
      raw_vocab.finalize();
    }
  } else if (kind == TokenizerKind::Unigram) {
    for (size_t id = 0; id < id_to_token.size(); ++id) display_of_id[id] = unigram->display(id_to_token[id]);
  } else {
    for (size_t id = 0; id < id_to_token.size(); ++id) {
      const std::string& t = id_to_token[id];
      if (!cont_prefix.empty() && t.size() > cont_prefix.size() && t.compare(0, cont_prefix.size(), cont_prefix) == 0)
        display_of_id[id] = t.substr(cont_prefix.size());
      else
        display_of_id[id] = t;
    }
  }
  for (const auto& t : added)
    if (static_cast<size_t>(t.id) < display_of_id.size()) display_of_id[static_cast<size_t>(t.id)] = t.content;

  auto find_any = [&](std::initializer_list<const char*> names) {
    for (const char* n : names) {
      int id = token_ids.find(n);
      if (id >= 0) return id;
    }
    return -1;
  };
  if (cls < 0) cls = find_any({"[CLS]", "<s>"});
  if (sep < 0) sep = find_any({"[SEP]", "</s>"});
  if (mask < 0) mask = find_any({"[MASK]", "<mask>"});
  if (pad < 0) pad = find_any({"[PAD]", "<pad>"});
  if (eos < 0) eos = find_any({"<|endoftext|>", "</s>"});
}

// --- added tokens ----------------------------------------------------------------------------------------------------

void Tokenizer::Impl::split_added(std::string_view text, size_t b, size_t e, bool normalized_pass,
                                  std::vector<Segment>* out) const {
  size_t plain_start = b;
  size_t i = b;
  UnicodePropsCursor props;
  auto char_before = [&](size_t pos) -> char32_t {
    if (pos <= b) return 0;
    size_t p = pos - 1;
    while (p > b && is_utf8_cont(text[p])) --p;
    int len = 0;
    return decode_utf8(text.data() + p, pos - p, &len);
  };
  auto is_word_char = [&](char32_t c) {
    uint8_t p = props.get(c);
    return c == '_' || uprops::is_letter(p) || uprops::is_number(p);
  };
  while (i < e) {
    if (single_first_byte >= 0) {  // usually every added token starts with '[' or '<': jump there
      const void* hit = std::memchr(text.data() + i, single_first_byte, e - i);
      if (!hit) break;
      i = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
    } else if (!added_first_byte[static_cast<unsigned char>(text[i])]) {
      ++i;
      continue;
    }
    int best = -1;
    size_t best_len = 0;
    for (size_t k = 0; k < added.size(); ++k) {
      const AddedToken& t = added[k];
      if (t.normalized != normalized_pass || t.match.empty() || t.match.size() <= best_len) continue;
      if (t.match.size() > e - i || std::memcmp(text.data() + i, t.match.data(), t.match.size()) != 0) continue;
      if (t.single_word) {
        size_t stop = i + t.match.size();
        int len = 0;
        char32_t after = stop < e ? decode_utf8(text.data() + stop, e - stop, &len) : 0;
        if ((i > b && is_word_char(char_before(i))) || (stop < e && is_word_char(after))) continue;
      }
      best = static_cast<int>(k);
      best_len = t.match.size();
    }
    if (best < 0) {
      ++i;
      continue;
    }
    size_t start = i, stop = i + best_len;
    const AddedToken& t = added[static_cast<size_t>(best)];
    if (t.lstrip) {
      while (start > plain_start) {
        size_t p = start - 1;
        while (p > plain_start && is_utf8_cont(text[p])) --p;
        int len = 0;
        char32_t c = decode_utf8(text.data() + p, start - p, &len);
        if (!uprops::is_white_space(props.get(c))) break;
        start = p;
      }
    }
    if (t.rstrip) {
      while (stop < e) {
        int len = 0;
        char32_t c = decode_utf8(text.data() + stop, e - stop, &len);
        if (!uprops::is_white_space(props.get(c))) break;
        stop += static_cast<size_t>(len);
      }
    }
    if (start > plain_start) out->push_back({plain_start, start, -1});
    out->push_back({start, stop, best});
    plain_start = i = stop;
  }
  if (e > plain_start) out->push_back({plain_start, e, -1});
}

void Tokenizer::Impl::push_added(const AddedToken& t, int32_t ob, int32_t oe, Seq* out) const {
  out->ids.push_back(t.id);
  out->offsets.push_back({ob, oe});
  out->special.push_back(t.special ? 1 : 0);
  out->display.push_back(t.content);
}

void Tokenizer::Impl::push_added_text(std::string_view text, const Segment& sg, Seq* out) const {
  const AddedToken& t = added[static_cast<size_t>(sg.added)];
  if (text.substr(sg.b, sg.e - sg.b) != t.content) out->token_text.push_back({out->size(), std::string(text.substr(sg.b, sg.e - sg.b))});
  push_added(t, static_cast<int32_t>(sg.b), static_cast<int32_t>(sg.e), out);
}

// RobertaProcessing's trim_offsets (tokenizers' processors/byte_level.rs process_offsets): a token whose string begins
// (ends) with spaces, characters that are 'Ġ' or Unicode whitespace, has its span start moved right (end moved left)
// past them (by the bytes they stand for: 'Ġ' 1, others their UTF-8 length), never past the other end; the first token keeps one leading space that
// add_prefix_space put there.
static void trim_offsets(const std::vector<std::string>& id_to_token, bool add_prefix_space, Seq* s) {
  size_t next_text = 0;
  UnicodePropsCursor props;
  for (size_t i = 0; i < s->size(); ++i) {
    const std::string* tok = nullptr;
    while (next_text < s->token_text.size() && s->token_text[next_text].first < i) ++next_text;
    if (next_text < s->token_text.size() && s->token_text[next_text].first == i) tok = &s->token_text[next_text].second;
    else if (static_cast<size_t>(s->ids[i]) < id_to_token.size()) tok = &id_to_token[static_cast<size_t>(s->ids[i])];
    if (!tok || tok->empty()) continue;
    std::vector<char32_t> cps;
    std::vector<int32_t> bytes;  // bytes of the text each character stands for: 'Ġ' one (a space), others their UTF-8
    for (size_t p = 0; p < tok->size();) {
      int len = 0;
      char32_t c = decode_utf8(tok->data() + p, tok->size() - p, &len);
      cps.push_back(c);
      bytes.push_back(c == 0x120 ? 1 : (len > 0 ? len : 1));
      p += static_cast<size_t>(len > 0 ? len : 1);
    }
    auto is_space = [&](char32_t c) { return c == 0x120 || uprops::is_white_space(props.get(c)); };
    // Counted in characters as HF does, moved in bytes: an lstrip added token's absorbed U+3000 is 3 bytes, and
    // HF's span (in characters) starts after it (oracle regression "\u3000<mask>").
    int32_t lead = 0, trail = 0, lead_bytes = 0, trail_bytes = 0;
    while (lead < static_cast<int32_t>(cps.size()) && is_space(cps[static_cast<size_t>(lead)])) {
      lead_bytes += bytes[static_cast<size_t>(lead)];
      ++lead;
    }
    while (trail < static_cast<int32_t>(cps.size()) && is_space(cps[cps.size() - 1 - static_cast<size_t>(trail)])) {
      trail_bytes += bytes[cps.size() - 1 - static_cast<size_t>(trail)];
      ++trail;
    }
    auto& o = s->offsets[i];
    if (lead > 0) {
      if ((i == 0 || o.first == 0) && add_prefix_space && lead == 1) lead_bytes = 0;
      o.first = std::min(o.first + lead_bytes, o.second);
    }
    if (trail > 0 && o.second >= trail_bytes) o.second = std::max(o.second - trail_bytes, o.first);
  }
}

void Tokenizer::Impl::encode_text(std::string_view text, Seq* out) const {
  std::lock_guard<std::mutex> lock(cache_mutex);
  size_t guess = text.size() / 3 + 4;
  out->ids.reserve(guess);
  out->offsets.reserve(guess);
  out->special.reserve(guess);
  out->display.reserve(guess);
  std::vector<Segment> segs;
  if (added.empty()) {
    if (!text.empty()) segs.push_back({0, text.size(), -1});
  } else {
    split_added(text, 0, text.size(), false, &segs);
  }
  NormBuf nb;
  std::vector<Segment> inner;
  for (const Segment& sg : segs) {
    if (sg.added >= 0) {
      push_added_text(text, sg, out);
      continue;
    }
    if (kind == TokenizerKind::Unigram) {  // normalized added tokens are matched on the raw text too
      inner.clear();
      if (any_normalized_added) split_added(text, sg.b, sg.e, true, &inner);
      else inner.push_back(sg);
      for (const Segment& s2 : inner) {
        if (s2.added >= 0) push_added_text(text, s2, out);
        else unigram_segment(text, s2.b, s2.e, out);
      }
      continue;
    }
    if (kind == TokenizerKind::ByteLevelBPE) {
      if (any_normalized_added) {  // no normalizer: normalized tokens match on the raw text too
        inner.clear();
        split_added(text, sg.b, sg.e, true, &inner);
        for (const Segment& s2 : inner) {
          if (s2.added >= 0)
            push_added(added[static_cast<size_t>(s2.added)], static_cast<int32_t>(s2.b), static_cast<int32_t>(s2.e), out);
          else
            bytelevel_segment(text, s2.b, s2.e, out);
        }
      } else {
        bytelevel_segment(text, sg.b, sg.e, out);
      }
      continue;
    }
    nb.clear();
    normalize_bert(text, sg.b, sg.e, &nb);
    if (any_normalized_added) {
      inner.clear();
      split_added(nb.s, 0, nb.s.size(), true, &inner);
      for (const Segment& s2 : inner) {
        if (s2.added >= 0) {
          push_added(added[static_cast<size_t>(s2.added)], nb.ob[s2.b], nb.oe[s2.e - 1], out);
        } else {
          wordpiece_segment(nb, s2.b, s2.e, out);
        }
      }
    } else {
      wordpiece_segment(nb, 0, nb.s.size(), out);
    }
  }
}

// --- BERT: BertNormalizer + BertPreTokenizer + WordPiece ------------------------------------------------------------

void Tokenizer::Impl::normalize_bert(std::string_view text, size_t b, size_t e, NormBuf* nb) const {
  // Character classes as Hugging Face's BertNormalizer / BertPreTokenizer see them (Unicode 8.0 categories, NFD of
  // Unicode 9.0: UnicodeTable::HfBert).
  UnicodePropsCursor props(UnicodeTable::HfBert);
  nb->s.reserve(nb->s.size() + (e - b) + 16);

  int forced_cls = -1;  // >= 0 while emitting a CJK ideograph (an isolated one-character word)
  auto emit = [&](char32_t cp, uint8_t p, int32_t ob, int32_t oe) {
    uint8_t cls = kClsWord;
    if (forced_cls >= 0)
      cls = static_cast<uint8_t>(forced_cls);
    else if (uprops::is_white_space(p))
      cls = kClsSpace;
    else if (is_ascii_punct(cp) || uprops::is_punctuation(p))
      cls = kClsPunct;
    size_t at = nb->s.size();
    append_utf8(&nb->s, cp);
    for (size_t k = at; k < nb->s.size(); ++k) {
      nb->ob.push_back(ob);
      nb->oe.push_back(oe);
      nb->cls.push_back(cls);
    }
  };

  // Lowercase (after NFD and accent stripping, as the reference orders them): every character of a multi-character
  // lowercase mapping keeps the span of the character it came from.
  auto emit_lower = [&](char32_t cp, uint8_t p, int32_t ob, int32_t oe) {
    if (lowercase && (p & uprops::kHasLowercase)) {
      char32_t low[kMaxLowercaseLength];
      int n = to_lowercase(cp, low);
      for (int k = 0; k < n; ++k) emit(low[k], props.get(low[k]), ob, oe);
    } else {
      emit(cp, p, ob, oe);
    }
  };

  // NFD (strip_accents), as Hugging Face's NormalizedString::nfd over unicode-normalization-alignments: each
  // character decomposes into (character, change) pairs, 0 for the first of its decomposition and 1 for the rest;
  // a run of non-starters is sorted by combining class (stable), the changes travelling with the characters; then
  // spans are assigned by position: a change-0 character takes the span of the next input character, a change-1
  // character the span of the last one taken. So after a reordering a mark may take its neighbour's span, as there.
  // Then nonspacing marks are removed (their spans vanish: a kept character keeps its own span and no more), and
  // the rest is lowercased.
  struct Pending {
    char32_t cp;
    uint8_t ccc, change;
    int8_t forced;
  };
  std::vector<Pending> pend;                       // the run not yet sorted
  std::vector<std::pair<int32_t, int32_t>> fifo;  // spans of the input characters not yet taken
  size_t fifo_head = 0;
  std::pair<int32_t, int32_t> last_span{0, 0};
  auto flush = [&]() {
    if (pend.empty()) return;
    std::stable_sort(pend.begin(), pend.end(), [](const Pending& x, const Pending& y) { return x.ccc < y.ccc; });
    const int saved_cls = forced_cls;
    for (const Pending& q : pend) {
      if (q.change == 0 && fifo_head < fifo.size()) last_span = fifo[fifo_head++];
      uint8_t pq = props.get(q.cp);
      if (strip_mn && uprops::is_mark_nonspacing(pq)) continue;
      forced_cls = q.forced;
      emit_lower(q.cp, pq, last_span.first, last_span.second);
    }
    forced_cls = saved_cls;
    pend.clear();
    fifo.erase(fifo.begin(), fifo.begin() + static_cast<std::ptrdiff_t>(fifo_head));
    fifo_head = 0;
  };

  auto process = [&](char32_t cp, uint8_t p, int32_t ob, int32_t oe) {
    if (!nfd) {
      if (strip_mn && uprops::is_mark_nonspacing(p)) return;  // removed, and gone from every span
      emit_lower(cp, p, ob, oe);
      return;
    }
    fifo.push_back({ob, oe});
    char32_t d[kMaxDecompositionLength];
    int n = 1;
    d[0] = cp;
    if (p & uprops::kHasDecomposition) n = canonical_decomposition(cp, d);
    for (int k = 0; k < n; ++k) {
      uint8_t ccc = static_cast<uint8_t>(canonical_combining_class(d[k], UnicodeTable::HfBert));
      if (ccc == 0) flush();
      pend.push_back({d[k], ccc, static_cast<uint8_t>(k > 0), static_cast<int8_t>(forced_cls)});
    }
  };

  // With NFD on, HfBert's decomposition bit also marks characters with a non-zero combining class (the sort).
  const uint8_t slow_flags = static_cast<uint8_t>((nfd ? uprops::kHasDecomposition : 0) |
                                                  (lowercase ? uprops::kHasLowercase : 0));
  // Appends the character's own bytes (no mapping needed) with pre-tokenizer class `cls`.
  auto copy_char = [&](size_t at, int len, int32_t ob, int32_t oe, uint8_t cls) {
    flush();
    nb->s.append(text.data() + at, static_cast<size_t>(len));
    for (int k = 0; k < len; ++k) {
      nb->ob.push_back(ob);
      nb->oe.push_back(oe);
      nb->cls.push_back(cls);
    }
  };
  nb->ob.reserve(nb->ob.size() + (e - b) + 16);
  nb->oe.reserve(nb->oe.size() + (e - b) + 16);
  nb->cls.reserve(nb->cls.size() + (e - b) + 16);

  size_t i = b;
  const char* s = text.data();
  while (i < e) {
    unsigned char c0 = static_cast<unsigned char>(s[i]);
    if (c0 >= 0x20 && c0 < 0x7F) {
      // A run of printable ASCII: one append, then lowercase and per-byte spans in place (fewer calls into the
      // string class, which the wasm C++ library does not inline).
      flush();
      size_t j = i + 1;
      while (j < e && static_cast<unsigned char>(s[j]) >= 0x20 && static_cast<unsigned char>(s[j]) < 0x7F) ++j;
      const size_t at = nb->s.size(), n = j - i;
      nb->s.append(s + i, n);
      nb->ob.resize(at + n);
      nb->oe.resize(at + n);
      nb->cls.resize(at + n);
      char* out = &nb->s[at];
      for (size_t k = 0; k < n; ++k) {
        char c = out[k];
        if (lowercase && c >= 'A' && c <= 'Z') out[k] = c = static_cast<char>(c + 32);
        nb->ob[at + k] = static_cast<int32_t>(i + k);
        nb->oe[at + k] = static_cast<int32_t>(i + k + 1);
        nb->cls[at + k] = ascii_cls[static_cast<unsigned char>(c)];
      }
      i = j;
      continue;
    }
    if (c0 < 0x80) {  // ASCII controls: clean, nothing else
      int32_t ob = static_cast<int32_t>(i), oe = ob + 1;
      ++i;
      char c = static_cast<char>(c0);
      if (clean_text && (c0 < 0x20 || c0 == 0x7F)) {
        if (c0 != '\t' && c0 != '\n' && c0 != '\r') continue;  // control characters (NUL too) vanish
        c = ' ';
      }
      if (lowercase && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      flush();
      nb->s.push_back(c);
      nb->ob.push_back(ob);
      nb->oe.push_back(oe);
      nb->cls.push_back(ascii_cls[static_cast<unsigned char>(c)]);
      continue;
    }
    int len = 1;
    char32_t cp = decode_fast(s + i, e - i, &len);
    const size_t at = i;
    int32_t ob = static_cast<int32_t>(i), oe = static_cast<int32_t>(i + static_cast<size_t>(len));
    i += static_cast<size_t>(len);
    uint8_t p = props.get(cp);
    bool invalid = cp == 0xFFFD && len == 1;
    if (clean_text) {
      // Removed (controls, format characters, U+FFFD and invalid bytes): no span keeps them.
      if (cp == 0xFFFD || uprops::is_other(p)) continue;
      if (uprops::is_white_space(p)) {
        flush();
        nb->s.push_back(' ');
        nb->ob.push_back(ob);
        nb->oe.push_back(oe);
        nb->cls.push_back(kClsSpace);
        continue;
      }
    }
    GeneralCategory gc = uprops::category(p);
    bool mark = gc == GeneralCategory::Mn || gc == GeneralCategory::Mc || gc == GeneralCategory::Me;
    if (handle_chinese && cp >= 0x3400 && is_bert_cjk(cp)) {
      // Every ideograph is a word of its own (the reference puts spaces around it; a one-character class
      // does the same without the spaces).
      if (!(p & slow_flags)) {
        copy_char(at, len, ob, oe, kClsPunct);
      } else {
        forced_cls = kClsPunct;
        process(cp, p, ob, oe);
        forced_cls = -1;
      }
      continue;
    }
    if (!(p & slow_flags) && !mark && !invalid) {  // nothing to map: copy the bytes
      uint8_t cls = uprops::is_white_space(p) ? kClsSpace : uprops::is_punctuation(p) ? kClsPunct : kClsWord;
      copy_char(at, len, ob, oe, cls);
      continue;
    }
    process(cp, p, ob, oe);
  }
  flush();
}

void Tokenizer::Impl::wordpiece_segment(const NormBuf& nb, size_t b, size_t e, Seq* out) const {
  size_t i = b;
  size_t word_start = b;
  bool in_word = false;
  while (i < e) {
    size_t n = utf8_len_fast(nb.s[i]);
    if (i + n > e) n = e - i;
    uint8_t cls = nb.cls[i];
    if (cls == kClsWord) {
      if (!in_word) {
        word_start = i;
        in_word = true;
      }
    } else {
      if (in_word) wordpiece_word(nb, word_start, i, out);
      in_word = false;
      if (cls == kClsPunct) wordpiece_word(nb, i, i + n, out);
    }
    i += n;
  }
  if (in_word) wordpiece_word(nb, word_start, e, out);
}

void Tokenizer::Impl::wordpiece_word(const NormBuf& nb, size_t wb, size_t we, Seq* out) const {
  const std::string& s = nb.s;
  std::string_view word(s.data() + wb, we - wb);
  auto push = [&](int id, size_t tb, size_t te) {
    out->ids.push_back(id);
    out->offsets.push_back({nb.ob[tb], nb.oe[te - 1]});
    out->special.push_back(0);
    out->display.push_back(display_of_id[static_cast<size_t>(id)]);
  };
  // Short enough to be under the character limit, and a vocabulary entry: greedy matching takes it whole.
  if (word.size() <= 3 && max_input_chars_per_word >= 1) {
    int len = 0;
    char32_t cp = decode_fast(word.data(), word.size(), &len);
    if (static_cast<size_t>(len) == word.size() && cp < 0x10000 && bmp_char_id[cp] >= 0) {
      push(bmp_char_id[cp], wb, we);
      return;
    }
  }
  if (word.size() <= static_cast<size_t>(max_input_chars_per_word)) {
    int id = wp_vocab.find(word);
    if (id >= 0) {
      push(id, wb, we);
      return;
    }
  }
  WordCache::Hit hit;
  if (cache.find(word, &hit)) {
    size_t p = wb;
    for (uint32_t k = 0; k < hit.count; ++k) {
      push(hit.ids[k], p, p + hit.lens[k]);
      p += hit.lens[k];
    }
    return;
  }
  std::vector<int32_t>& ids = scratch_ids;
  std::vector<uint16_t>& lens = scratch_lens;
  ids.clear();
  lens.clear();
  size_t nchars = 0;
  for (size_t k = wb; k < we; ++k) nchars += !is_utf8_cont(s[k]);
  bool bad = static_cast<int64_t>(nchars) > max_input_chars_per_word;
  size_t start = wb;
  while (!bad && start < we) {
    const StringIdTable& table = start == wb ? wp_vocab : wp_cont;
    size_t end = std::min(we, start + table.max_key_bytes());
    while (end < we && end > start && is_utf8_cont(s[end])) --end;  // back to a character boundary
    int id = -1;
    while (end > start) {
      id = table.find(std::string_view(s.data() + start, end - start));
      if (id >= 0) break;
      --end;
      while (end > start && is_utf8_cont(s[end])) --end;
    }
    if (id < 0) {
      bad = true;
      break;
    }
    ids.push_back(id);
    lens.push_back(static_cast<uint16_t>(end - start));
    start = end;
  }
  if (bad || word.size() > 0xFFFF) {
    push(unk, wb, we);
    return;
  }
  cache.insert(word, ids, lens);
  size_t p = wb;
  for (size_t k = 0; k < ids.size(); ++k) {
    push(ids[k], p, p + lens[k]);
    p += lens[k];
  }
}

// --- GPT-2: ByteLevel pre-tokenizer + byte-level BPE ------------------------------------------------------------

void Tokenizer::Impl::bpe_word(std::string_view word, std::vector<int32_t>* ids, std::vector<uint16_t>* lens) const {
  ids->clear();
  lens->clear();
  if (ignore_merges) {
    int id = raw_vocab.find(word);
    if (id >= 0) {
      ids->push_back(id);
      lens->push_back(static_cast<uint16_t>(word.size()));
      return;
    }
  }
  // Symbols as a linked list; a heap of candidate merges ordered by (rank, position), as Hugging Face's
  // Word::merge_all (equivalent to the reference's "merge the lowest-ranked pair everywhere, repeat").
  struct Sym {
    int32_t id;
    int32_t prev, next;
    uint32_t len;  // raw bytes covered; 0 = merged away
  };
  struct Cand {
    int32_t rank, pos, merged;
    bool operator<(const Cand& o) const {  // std heap is a max-heap: "less" means lower priority
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::vector<Sym> sym;
  sym.reserve(word.size());
  for (size_t k = 0; k < word.size(); ++k) {
    int32_t id = byte_ids[static_cast<unsigned char>(word[k])];
    if (id < 0) continue;  // byte absent from the vocabulary, no unk: dropped (as the reference does)
    int32_t n = static_cast<int32_t>(sym.size());
    sym.push_back({id, n - 1, n + 1, 1});
  }
  if (sym.empty()) return;
  sym.back().next = -1;
  std::vector<Cand> heap;
  for (size_t k = 0; k + 1 < sym.size(); ++k) {
    const MergeInfo* m = merges.find(sym[k].id, sym[k + 1].id);
    if (m) heap.push_back({m->rank, static_cast<int32_t>(k), m->merged});
  }
  std::make_heap(heap.begin(), heap.end());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    Cand c = heap.back();
    heap.pop_back();
    Sym& a = sym[static_cast<size_t>(c.pos)];
    if (a.len == 0 || a.next < 0) continue;
    Sym& bsym = sym[static_cast<size_t>(a.next)];
    const MergeInfo* m = merges.find(a.id, bsym.id);
    if (!m || m->merged != c.merged || m->rank != c.rank) continue;  // stale candidate
    a.id = c.merged;
    a.len += bsym.len;
    bsym.len = 0;
    a.next = bsym.next;
    if (a.next >= 0) sym[static_cast<size_t>(a.next)].prev = c.pos;
    if (a.prev >= 0) {
      const MergeInfo* mp = merges.find(sym[static_cast<size_t>(a.prev)].id, a.id);
      if (mp) {
        heap.push_back({mp->rank, a.prev, mp->merged});
        std::push_heap(heap.begin(), heap.end());
      }
    }
    if (a.next >= 0) {
      const MergeInfo* mn = merges.find(a.id, sym[static_cast<size_t>(a.next)].id);
      if (mn) {
        heap.push_back({mn->rank, c.pos, mn->merged});
        std::push_heap(heap.begin(), heap.end());
      }
    }
  }
  for (int32_t k = 0; k >= 0; k = sym[static_cast<size_t>(k)].next) {
    ids->push_back(sym[static_cast<size_t>(k)].id);
    lens->push_back(static_cast<uint16_t>(sym[static_cast<size_t>(k)].len));
  }
}

std::string Tokenizer::Impl::display_partial(std::string_view text, size_t tb, size_t te) const {
  // A byte-level token that splits characters: show the characters it helps make, "·" marking a piece that
  // continues a character begun by an earlier token.
  std::string out;
  bool mid = tb < text.size() && is_utf8_cont(text[tb]);
  if (mid) out += "\xC2\xB7";  // U+00B7
  bool any = false;
  // Invalid UTF-8 in the text shows as <0xNN> (bytes_label), never as raw bytes.
  auto char_at = [&](size_t k) {
    int len = 0;
    char32_t cp = decode_fast(text.data() + k, text.size() - k, &len);
    if (cp >= 0x80 && !(cp == 0xFFFD && len == 1)) {  // a whole non-ASCII character: no control to show
      out.append(text.data() + k, static_cast<size_t>(len));
      return;
    }
    out += bytes_label(text.substr(k, static_cast<size_t>(len)));
  };
  for (size_t k = tb; k < te && k < text.size(); ++k) {
    if (is_utf8_cont(text[k]) && k > tb) continue;
    if (is_utf8_cont(text[k])) {
      // A stray continuation byte that starts the token: part of an earlier character, or invalid on its own.
      size_t q = k;
      while (q > 0 && is_utf8_cont(text[q]) && k - q < 3) --q;
      int len = 0;
      char32_t cp = decode_utf8(text.data() + q, text.size() - q, &len);
      if (!(cp == 0xFFFD && len == 1) && q + static_cast<size_t>(len) > k) continue;  // shown via "·" + char below
      out += bytes_label(text.substr(k, 1));
      any = true;
      continue;
    }
    char_at(k);
    any = true;
  }
  if (!any) {
    size_t k = tb;
    while (k > 0 && is_utf8_cont(text[k]) && tb - k < 3) --k;
    char_at(k);
  }
  return out;
}

void Tokenizer::Impl::bytelevel_segment(std::string_view text, size_t b, size_t e, Seq* out) const {
  // The GPT-2 pattern, hand-run over the characters of the segment (ordered alternatives, first match wins):
  //   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  // `src` is the segment, with a space in front when add_prefix_space asks for one (that space has no bytes in
  // the text: it maps to the segment start).
  std::string prefixed;
  std::string_view src = text.substr(b, e - b);
  const bool prefix = add_prefix_space && !(e > b && text[b] == ' ');
  if (prefix) {
    prefixed.reserve(src.size() + 1);
    prefixed.push_back(' ');
    prefixed.append(src.data(), src.size());
    src = prefixed;
  }
  const size_t n = src.size();
  auto orig = [&](size_t p) { return prefix ? (p == 0 ? b : b + p - 1) : b + p; };
  UnicodePropsCursor props;
  // Class and byte length of the character at byte p (p < n).
  auto cls_at = [&](size_t p, int* len) -> uint8_t {
    unsigned char c0 = static_cast<unsigned char>(src[p]);
    if (c0 < 0x80) {
      *len = 1;
      return ascii_bl_cls[c0];
    }
    char32_t cp = decode_fast(src.data() + p, n - p, len);
    uint8_t pr = props.get(cp);
    return uprops::is_letter(pr) ? kBlL : uprops::is_number(pr) ? kBlN : uprops::is_white_space(pr) ? kBlWs : kBlOther;
  };
  auto run = [&](size_t p, uint8_t c) {
    while (p < n) {
      int len = 1;
      if (cls_at(p, &len) != c) break;
      p += static_cast<size_t>(len);
    }
    return p;
  };
  auto match_at = [&](size_t i) -> size_t {
    char c = src[i];
    if (c == '\'' && i + 1 < n) {
      char c1 = src[i + 1];
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
      if (i + 2 < n) {
        char c2 = src[i + 2];
        if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return i + 3;
      }
    }
    int len = 1;
    uint8_t k = cls_at(i, &len);
    if (k != kBlWs) return run(i + static_cast<size_t>(len), k);
    if (c == ' ' && i + 1 < n) {
      int len2 = 1;
      uint8_t k2 = cls_at(i + 1, &len2);
      if (k2 != kBlWs) return run(i + 1 + static_cast<size_t>(len2), k2);  // " ?" + letters / numbers / others
    }
    // Whitespace run; \s+(?!\S) gives its last character to the word that follows.
    size_t last = i, p = i;
    while (p < n) {
      int l = 1;
      if (cls_at(p, &l) != kBlWs) break;
      last = p;
      p += static_cast<size_t>(l);
    }
    if (p == n || last == i) return p;
    return last;
  };

  size_t i = 0;
  while (i < n) {
    size_t j = use_regex ? match_at(i) : n;
    std::string_view word = src.substr(i, j - i);
    const int32_t* ids;
    const uint16_t* lens;
    size_t count;
    WordCache::Hit hit;
    if (word.size() <= 256 && cache.find(word, &hit)) {
      ids = hit.ids;
      lens = hit.lens;
      count = hit.count;
    } else {
      bpe_word(word, &scratch_ids, &scratch_lens);
      if (word.size() <= 256) cache.insert(word, scratch_ids, scratch_lens);
      ids = scratch_ids.data();
      lens = scratch_lens.data();
      count = scratch_ids.size();
    }
    size_t w = i;
    for (size_t t = 0; t < count; ++t) {
      size_t sb = w, se = w + lens[t];
      w = se;
      size_t tb = orig(sb), te = se > sb ? orig(se - 1) + 1 : tb;
      if (prefix && sb == 0) te = se <= 1 ? b : orig(se - 1) + 1;
      // Offsets cover whole characters (a piece of a character points at the character).
      size_t ob = tb, oe = te;
      while (ob > 0 && ob < text.size() && is_utf8_cont(text[ob])) --ob;
      while (oe < text.size() && oe > 0 && is_utf8_cont(text[oe])) ++oe;
      int32_t id = ids[t];
      out->ids.push_back(id);
      out->offsets.push_back({static_cast<int32_t>(ob), static_cast<int32_t>(oe)});
      out->special.push_back(0);
      const std::string& d = display_of_id[static_cast<size_t>(id)];
      if (!d.empty() || token_bytes[static_cast<size_t>(id)].empty()) {
        out->display.push_back(d);
      } else {
        std::string lbl = (prefix && sb == 0) ? std::string(" ") : std::string();
        lbl += display_partial(text, tb, te);
        out->display.push_back(std::move(lbl));
      }
    }
    i = j;
  }
}

void Tokenizer::Impl::unigram_segment(std::string_view text, size_t b, size_t e, Seq* out) const {
  std::vector<UnigramToken> toks;
  unigram->encode(text, b, e, &toks);
  for (UnigramToken& t : toks) {
    const size_t id = static_cast<size_t>(t.id);
    std::string shown = unigram->display(t.piece);
    if (id >= id_to_token.size() || id_to_token[id] != t.piece) out->token_text.push_back({out->size(), t.piece});
    out->ids.push_back(t.id);
    out->offsets.push_back({t.begin, t.end});
    out->special.push_back(0);
    std::string label;
    append_visible(&label, shown);
    out->display.push_back(std::move(label));
  }
}

// =====================================================================================================================
// Loading.

namespace {

Status parse_json(std::string_view bytes, const std::string& where, json* out) {
  *out = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (out->is_discarded()) return Status::error(where + ": not valid JSON");
  return Status::success();
}

// Reads a {"token": id} object into the implementation's id_to_token and the given table.
Status read_vocab_object(const json& v, const std::string& where, Tokenizer::Impl* im, StringIdTable* table) {
  if (!v.is_object()) return Status::error(where + " must be an object of token -> id");
  if (v.empty()) return Status::error(where + " is empty");
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it.value().is_number_integer())
      return Status::error(where + ": the id of token '" + it.key() + "' is not an integer");
    int64_t id = it.value().get<int64_t>();
    if (!valid_id(id)) return Status::error(where + ": token '" + it.key() + "' has an out-of-range id " + std::to_string(id));
    im->set_token(static_cast<int>(id), it.key());
    table->add(it.key(), static_cast<int>(id));
  }
  table->finalize();
  return Status::success();
}

Status read_added_tokens(const json& arr, const std::string& where, Tokenizer::Impl* im) {
  if (!arr.is_array()) return Status::error(where + ": 'added_tokens' must be an array");
  for (size_t k = 0; k < arr.size(); ++k) {
    const json& o = arr[k];
    std::string w = where + ": added_tokens[" + std::to_string(k) + "]";
    if (!o.is_object()) return Status::error(w + " must be an object");
    AddedToken t;
    int64_t id = -1;
    Status s = read_int(o, "id", &id, w);
    if (!s) return s;
    if (!valid_id(id)) return Status::error(w + ": missing or out-of-range 'id'");
    const json* c = member(o, "content");
    if (!c || !c->is_string() || c->get_ref<const std::string&>().empty())
      return Status::error(w + ": 'content' must be a non-empty string");
    t.content = c->get_ref<const std::string&>();
    t.id = static_cast<int>(id);
    for (auto [key, dst] : {std::pair<const char*, bool*>{"special", &t.special}, {"single_word", &t.single_word},
                            {"lstrip", &t.lstrip}, {"rstrip", &t.rstrip}}) {
      s = read_bool(o, key, dst, w);
      if (!s) return s;
    }
    t.normalized = !t.special;
    s = read_bool(o, "normalized", &t.normalized, w);
    if (!s) return s;
    if (static_cast<size_t>(t.id) >= im->id_to_token.size() || im->id_to_token[static_cast<size_t>(t.id)].empty())
      im->set_token(t.id, t.content);
    im->added.push_back(std::move(t));
  }
  return Status::success();
}

// The classic BERT specials, matched in the text when they are in the vocabulary (vocab.txt loads).
void add_bert_specials(Tokenizer::Impl* im, const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    if (n.empty()) continue;
    int id = im->wp_vocab.find(n);
    if (id < 0) continue;
    bool dup = false;
    for (const auto& t : im->added) dup = dup || t.content == n;
    if (dup) continue;
    AddedToken t;
    t.content = n;
    t.id = id;
    t.special = true;
    im->added.push_back(t);
  }
}

void set_bert_template(Tokenizer::Impl* im, int cls, const std::string& cls_tok, int sep, const std::string& sep_tok) {
  auto special = [](int id, const std::string& tok, int type) {
    TemplateItem t;
    t.ids = {id};
    t.tokens = {tok};
    t.type_id = type;
    return t;
  };
  auto seq = [](int which, int type) {
    TemplateItem t;
    t.is_sequence = true;
    t.sequence = which;
    t.type_id = type;
    return t;
  };
  im->single_template = {special(cls, cls_tok, 0), seq(0, 0), special(sep, sep_tok, 0)};
  im->pair_template = {special(cls, cls_tok, 0), seq(0, 0), special(sep, sep_tok, 0), seq(1, 1),
                       special(sep, sep_tok, 1)};
  im->cls = cls;
  im->sep = sep;
}

Status read_template(const json& arr, const json* specials, const std::string& where, std::vector<TemplateItem>* out) {
  if (!arr.is_array()) return Status::error(where + " must be an array");
  for (size_t k = 0; k < arr.size(); ++k) {
    const json& o = arr[k];
    std::string w = where + "[" + std::to_string(k) + "]";
    TemplateItem t;
    int64_t type = 0;
    if (const json* sq = member(o, "Sequence")) {
      std::string idname;
      Status s = read_string(*sq, "id", &idname, w);
      if (!s) return s;
      s = read_int(*sq, "type_id", &type, w);
      if (!s) return s;
      if (idname != "A" && idname != "B") return Status::error(w + ": Sequence id must be 'A' or 'B'");
      t.is_sequence = true;
      t.sequence = idname == "A" ? 0 : 1;
    } else if (const json* sp = member(o, "SpecialToken")) {
      std::string idname;
      Status s = read_string(*sp, "id", &idname, w);
      if (!s) return s;
      s = read_int(*sp, "type_id", &type, w);
      if (!s) return s;
      const json* def = specials ? member(*specials, idname.c_str()) : nullptr;
      if (!def) return Status::error(w + ": special token '" + idname + "' is not in special_tokens");
      const json* ids = member(*def, "ids");
      const json* toks = member(*def, "tokens");
      if (!ids || !ids->is_array() || !toks || !toks->is_array() || ids->size() != toks->size())
        return Status::error(w + ": special_tokens['" + idname + "'] needs 'ids' and 'tokens' arrays of one length");
      for (size_t q = 0; q < ids->size(); ++q) {
        if (!(*ids)[q].is_number_integer() || !valid_id((*ids)[q].get<int64_t>()) || !(*toks)[q].is_string())
          return Status::error(w + ": special_tokens['" + idname + "'] has a bad id or token");
        t.ids.push_back(static_cast<int32_t>((*ids)[q].get<int64_t>()));
        t.tokens.push_back((*toks)[q].get_ref<const std::string&>());
      }
    } else {
      return Status::error(w + ": expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    }
    if (type < 0 || type > 255) return Status::error(w + ": bad type_id");
    t.type_id = static_cast<int>(type);
    out->push_back(std::move(t));
  }
  return Status::success();
}

Status read_post_processor(const json& pp, const std::string& where, Tokenizer::Impl* im) {
  if (!pp.is_object()) return Status::error(where + " must be an object or null");
  std::string type;
  Status s = read_string(pp, "type", &type, where);
  if (!s) return s;
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    const json* sep = member(pp, "sep");
    const json* cls = member(pp, "cls");
    auto pair_ok = [](const json* p) {
      return p && p->is_array() && p->size() == 2 && (*p)[0].is_string() && (*p)[1].is_number_integer() &&
             valid_id((*p)[1].get<int64_t>());
    };
    if (!pair_ok(sep) || !pair_ok(cls)) return Status::error(where + ": 'sep' and 'cls' must be [token, id]");
    set_bert_template(im, static_cast<int>((*cls)[1].get<int64_t>()), (*cls)[0].get_ref<const std::string&>(),
                      static_cast<int>((*sep)[1].get<int64_t>()), (*sep)[0].get_ref<const std::string&>());
    if (type == "RobertaProcessing") {  // <s> A </s> </s> B </s>, all type 0
      im->pp_trim_offsets = im->pp_add_prefix_space = true;  // tokenizers' defaults for absent keys
      s = read_bool(pp, "trim_offsets", &im->pp_trim_offsets, where);
      if (s) s = read_bool(pp, "add_prefix_space", &im->pp_add_prefix_space, where);
      if (!s) return s;
      auto pt = im->pair_template;
      TemplateItem sep2 = pt[2];
      im->pair_template = {pt[0], pt[1], pt[2], sep2, pt[3], pt[4]};
      for (auto& t : im->pair_template) t.type_id = 0;
    }
    return Status::success();
  }
  if (type == "TemplateProcessing") {
    const json* single = member(pp, "single");
    const json* pair = member(pp, "pair");
    const json* specials = member(pp, "special_tokens");
    if (!single || !pair) return Status::error(where + ": TemplateProcessing needs 'single' and 'pair'");
    im->single_template.clear();
    im->pair_template.clear();
    s = read_template(*single, specials, where + ".single", &im->single_template);
    if (!s) return s;
    return read_template(*pair, specials, where + ".pair", &im->pair_template);
  }
  if (type == "ByteLevel") return Status::success();  // offsets untouched (trim_offsets is not applied)
  if (type == "Sequence") {
    const json* list = member(pp, "processors");
    if (!list || !list->is_array()) return Status::error(where + ": Sequence needs a 'processors' array");
    for (size_t k = 0; k < list->size(); ++k) {
      s = read_post_processor((*list)[k], where + ".processors[" + std::to_string(k) + "]", im);
      if (!s) return s;
    }
    return Status::success();
  }
  return Status::error(where + ": post-processor type '" + type + "' is not supported");
}

Status read_normalizer(const json& n, const std::string& where, Tokenizer::Impl* im) {
  if (!n.is_object()) return Status::error(where + " must be an object or null");
  std::string type;
  Status s = read_string(n, "type", &type, where);
  if (!s) return s;
  if (type == "BertNormalizer") {
    im->clean_text = im->handle_chinese = im->lowercase = true;
    for (auto [key, dst] : {std::pair<const char*, bool*>{"clean_text", &im->clean_text},
                            {"handle_chinese_chars", &im->handle_chinese}, {"lowercase", &im->lowercase}}) {
      s = read_bool(n, key, dst, where);
      if (!s) return s;
    }
    im->strip_accents_cfg = -1;
    if (const json* sa = member(n, "strip_accents")) {
      if (!sa->is_boolean()) return Status::error(where + ": 'strip_accents' must be true, false or null");
      im->strip_accents_cfg = sa->get<bool>() ? 1 : 0;
    }
    return Status::success();
  }
  if (type == "Lowercase") {
    im->lowercase = true;
    return Status::success();
  }
  if (type == "NFD" || type == "StripAccents") {
    im->strip_accents_cfg = 1;  // NFD then StripAccents is the accent stripping BertNormalizer does
    return Status::success();
  }
  if (type == "Sequence") {
    const json* list = member(n, "normalizers");
    if (!list || !list->is_array()) return Status::error(where + ": Sequence needs a 'normalizers' array");
    for (size_t k = 0; k < list->size(); ++k) {
      s = read_normalizer((*list)[k], where + ".normalizers[" + std::to_string(k) + "]", im);
      if (!s) return s;
    }
    return Status::success();
  }
  return Status::error(where + ": normalizer type '" + type + "' is not supported (attnviz reads BERT and GPT-2 "
                       "tokenizers)");
}

// Collects the pre-tokenizer types (flattening Sequence) and ByteLevel's options.
Status read_pre_tokenizer(const json& p, const std::string& where, Tokenizer::Impl* im, std::vector<std::string>* types) {
  if (!p.is_object()) return Status::error(where + " must be an object or null");
  std::string type;
  Status s = read_string(p, "type", &type, where);
  if (!s) return s;
  if (type == "Sequence") {
    const json* list = member(p, "pretokenizers");
    if (!list || !list->is_array()) return Status::error(where + ": Sequence needs a 'pretokenizers' array");
    for (size_t k = 0; k < list->size(); ++k) {
      s = read_pre_tokenizer((*list)[k], where + ".pretokenizers[" + std::to_string(k) + "]", im, types);
      if (!s) return s;
    }
    return Status::success();
  }
  if (type == "ByteLevel") {
    s = read_bool(p, "add_prefix_space", &im->add_prefix_space, where);
    if (!s) return s;
    s = read_bool(p, "use_regex", &im->use_regex, where);
    if (!s) return s;
  } else if (type != "BertPreTokenizer") {
    return Status::error(where + ": pre-tokenizer type '" + type + "' is not supported (attnviz reads BERT "
                         "WordPiece and GPT-2 byte-level BPE)");
  }
  types->push_back(type);
  return Status::success();
}

// Merges as "a b" strings or [a, b] pairs, in rank order.
Status add_merge(Tokenizer::Impl* im, std::string_view a, std::string_view b, int rank, const std::string& where) {
  int ia = im->bpe_vocab.find(a), ib = im->bpe_vocab.find(b);
  std::string ab = std::string(a) + std::string(b);
  int iab = im->bpe_vocab.find(ab);
  if (ia < 0 || ib < 0 || iab < 0) {
    std::string missing = ia < 0 ? std::string(a) : ib < 0 ? std::string(b) : ab;
    return Status::error(where + ": merge '" + std::string(a) + " " + std::string(b) + "' uses '" + missing +
                         "', which is not in the vocabulary");
  }
  im->merges.insert(ia, ib, MergeInfo{rank, iab});
  return Status::success();
}

Status read_merges_txt(std::string_view txt, const std::string& where, Tokenizer::Impl* im) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  std::vector<size_t> line_no;
  size_t pos = 0, line = 0;
  while (pos < txt.size()) {
    size_t nl = txt.find('\n', pos);
    if (nl == std::string_view::npos) nl = txt.size();
    std::string_view l = txt.substr(pos, nl - pos);
    pos = nl + 1;
    ++line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.empty()) continue;
    if (line == 1 && l.substr(0, 8) == "#version") continue;
    size_t sp = l.find(' ');
    if (sp == std::string_view::npos || sp == 0 || sp + 1 >= l.size() || l.find(' ', sp + 1) != std::string_view::npos)
      return Status::error(where + " line " + std::to_string(line) + ": expected two tokens separated by one space");
    pairs.push_back({l.substr(0, sp), l.substr(sp + 1)});
    line_no.push_back(line);
  }
  im->merges.init(pairs.size());
  for (size_t k = 0; k < pairs.size(); ++k) {
    Status s = add_merge(im, pairs[k].first, pairs[k].second, static_cast<int>(k),
                         where + " line " + std::to_string(line_no[k]));
    if (!s) return s;
  }
  return Status::success();
}

Status read_merges_json(const json& m, const std::string& where, Tokenizer::Impl* im) {
  if (!m.is_array()) return Status::error(where + " must be an array");
  im->merges.init(m.size());
  for (size_t k = 0; k < m.size(); ++k) {
    const json& e = m[k];
    std::string w = where + "[" + std::to_string(k) + "]";
    std::string_view a, b;
    if (e.is_string()) {
      const std::string& s = e.get_ref<const std::string&>();
      size_t sp = s.find(' ');
      if (sp == std::string::npos || sp == 0 || sp + 1 >= s.size() || s.find(' ', sp + 1) != std::string::npos)
        return Status::error(w + ": expected \"a b\"");
      a = std::string_view(s).substr(0, sp);
      b = std::string_view(s).substr(sp + 1);
    } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      a = e[0].get_ref<const std::string&>();
      b = e[1].get_ref<const std::string&>();
    } else {
      return Status::error(w + ": expected \"a b\" or [\"a\", \"b\"]");
    }
    Status s = add_merge(im, a, b, static_cast<int>(k), w);
    if (!s) return s;
  }
  return Status::success();
}

void build_wordpiece_cont(Tokenizer::Impl* im) {
  im->wp_cont.clear();
  for (size_t id = 0; id < im->id_to_token.size(); ++id) {
    const std::string& t = im->id_to_token[id];
    if (t.size() > im->cont_prefix.size() && t.compare(0, im->cont_prefix.size(), im->cont_prefix) == 0 &&
        im->wp_vocab.find(t) == static_cast<int>(id))
      im->wp_cont.add(std::string_view(t).substr(im->cont_prefix.size()), static_cast<int>(id));
  }
  im->wp_cont.finalize();
  // One-character words (every CJK character, punctuation) skip the hash table.
  im->bmp_char_id.assign(0x10000, -1);
  for (size_t id = 0; id < im->id_to_token.size(); ++id) {
    const std::string& t = im->id_to_token[id];
    if (t.empty() || t.size() > 3 || im->wp_vocab.find(t) != static_cast<int>(id)) continue;
    int len = 0;
    char32_t cp = decode_utf8(t.data(), t.size(), &len);
    if (static_cast<size_t>(len) == t.size() && cp < 0x10000 && !(cp == 0xFFFD && len == 1))
      im->bmp_char_id[cp] = static_cast<int32_t>(id);
  }
}

Status finish_wordpiece(Tokenizer::Impl* im, const std::string& where) {
  im->unk = im->wp_vocab.find(im->unk_token);
  if (im->unk < 0)
    return Status::error(where + ": the unknown token '" + im->unk_token + "' is not in the vocabulary");
  build_wordpiece_cont(im);
  return Status::success();
}

// The SentencePiece Unigram model's vocabulary as the tokenizer's, with `unigram` taking over normalization,
// pre-tokenization and the model (sentencepiece.h).
// The parts of tokenizer.json that every model kind shares: added_tokens, then the post_processor.
Status read_added_and_post_processor(const json& root, const std::string& where, Tokenizer::Impl* im) {
  if (const json* at = member(root, "added_tokens")) {
    Status s = read_added_tokens(*at, where, im);
    if (!s) return s;
  }
  if (const json* pp = member(root, "post_processor")) return read_post_processor(*pp, where + ": post_processor", im);
  return Status::success();
}

void adopt_unigram(UnigramTokenizer&& u, Tokenizer::Impl* im) {
  im->kind = TokenizerKind::Unigram;
  const auto& v = u.vocab();
  for (size_t id = 0; id < v.size(); ++id) im->set_token(static_cast<int>(id), v[id].first);
  im->unk = u.unk_id();
  im->unk_token = v[static_cast<size_t>(u.unk_id())].first;
  im->unigram = std::make_shared<const UnigramTokenizer>(std::move(u));
}

Status load_unigram_json(const json& root, const std::string& where, Tokenizer::Impl* im) {
  UnigramTokenizer u;
  Status s = UnigramTokenizer::from_tokenizer_json(root, where, &u);
  if (!s) return s;
  adopt_unigram(std::move(u), im);
  return read_added_and_post_processor(root, where, im);
}

// sentencepiece.bpe.model without tokenizer.json: as transformers' XLMRobertaTokenizer (<mask> with lstrip,
// <s> A </s> / <s> A </s> </s> B </s>, all type ids 0).
Status load_sentencepiece_model(std::string_view bytes, const std::string& where, Tokenizer::Impl* im) {
  UnigramTokenizer u;
  Status s = UnigramTokenizer::from_sentencepiece_model(bytes, where, &u);
  if (!s) return s;
  const int mask = static_cast<int>(u.vocab().size()) - 1;
  adopt_unigram(std::move(u), im);
  const char* names[] = {"<s>", "<pad>", "</s>", "<unk>"};
  for (int id = 0; id < 4; ++id) {
    AddedToken t;
    t.content = names[id];
    t.id = id;
    t.special = true;
    im->added.push_back(t);
  }
  AddedToken m;
  m.content = "<mask>";
  m.id = mask;
  m.special = m.lstrip = true;
  im->added.push_back(m);
  set_bert_template(im, 0, "<s>", 2, "</s>");
  auto pt = im->pair_template;
  im->pair_template = {pt[0], pt[1], pt[2], pt[2], pt[3], pt[4]};
  for (auto& t : im->pair_template) t.type_id = 0;
  return Status::success();
}

Status load_tokenizer_json(std::string_view bytes, const std::string& where, Tokenizer::Impl* im) {
  json root;
  Status s = parse_json(bytes, where, &root);
  if (!s) return s;
  if (!root.is_object()) return Status::error(where + ": expected a JSON object at the top level");
  const json* model = member(root, "model");
  if (!model || !model->is_object()) return Status::error(where + ": no 'model' object (is this a tokenizer.json?)");
  std::string type;
  s = read_string(*model, "type", &type, where + ": model");
  if (!s) return s;
  if (type.empty()) type = member(*model, "merges") ? "BPE" : "WordPiece";
  const json* vocab = member(*model, "vocab");
  if (!vocab) return Status::error(where + ": model has no 'vocab'");
  if (type == "Unigram") return load_unigram_json(root, where, im);

  std::vector<std::string> pre_types;
  if (const json* pre = member(root, "pre_tokenizer")) {
    s = read_pre_tokenizer(*pre, where + ": pre_tokenizer", im, &pre_types);
    if (!s) return s;
  }
  auto has_pre = [&](const char* t) { return std::find(pre_types.begin(), pre_types.end(), t) != pre_types.end(); };

  if (type == "WordPiece") {
    im->kind = TokenizerKind::WordPiece;
    if (has_pre("ByteLevel")) return Status::error(where + ": WordPiece with a ByteLevel pre-tokenizer is not supported");
    s = read_string(*model, "unk_token", &im->unk_token, where + ": model");
    if (!s) return s;
    s = read_string(*model, "continuing_subword_prefix", &im->cont_prefix, where + ": model");
    if (!s) return s;
    int64_t maxc = 100;
    s = read_int(*model, "max_input_chars_per_word", &maxc, where + ": model");
    if (!s) return s;
    im->max_input_chars_per_word = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(maxc, 1 << 30)));
    s = read_vocab_object(*vocab, where + ": model.vocab", im, &im->wp_vocab);
    if (!s) return s;
    im->has_normalizer = false;
    im->clean_text = im->handle_chinese = im->lowercase = false;
    im->strip_accents_cfg = 0;
    if (const json* n = member(root, "normalizer")) {
      im->has_normalizer = true;
      s = read_normalizer(*n, where + ": normalizer", im);
      if (!s) return s;
    }
    s = finish_wordpiece(im, where);
    if (!s) return s;
  } else if (type == "BPE") {
    im->kind = TokenizerKind::ByteLevelBPE;
    if (!has_pre("ByteLevel"))
      return Status::error(where + ": BPE without a ByteLevel pre-tokenizer (SentencePiece style) is not supported");
    if (member(root, "normalizer"))
      return Status::error(where + ": a normalizer on a byte-level BPE tokenizer is not supported");
    std::string prefix, suffix;
    s = read_string(*model, "continuing_subword_prefix", &prefix, where + ": model");
    if (!s) return s;
    s = read_string(*model, "end_of_word_suffix", &suffix, where + ": model");
    if (!s) return s;
    if (!prefix.empty() || !suffix.empty())
      return Status::error(where + ": BPE with a subword prefix or suffix is not supported");
    s = read_bool(*model, "ignore_merges", &im->ignore_merges, where + ": model");
    if (!s) return s;
    s = read_vocab_object(*vocab, where + ": model.vocab", im, &im->bpe_vocab);
    if (!s) return s;
    const json* merges = member(*model, "merges");
    if (!merges) return Status::error(where + ": BPE model has no 'merges'");
    s = read_merges_json(*merges, where + ": model.merges", im);
    if (!s) return s;
  } else {
    return Status::error(where + ": model type '" + type + "' is not supported (attnviz reads WordPiece, BPE and Unigram)");
  }
  return read_added_and_post_processor(root, where, im);
}

struct BertConfig {
  bool lowercase = true;
  int strip_accents = -1;
  bool chinese = true;
  std::string unk = "[UNK]", cls = "[CLS]", sep = "[SEP]", pad = "[PAD]", mask = "[MASK]";
};

Status read_tokenizer_config_added(const json& cfg, const std::string& where, Tokenizer::Impl* im) {
  // transformers >= 4.34 lists the added tokens as {"0": {"content": "[PAD]", "special": true, ...}, ...}.
  const json* dec = member(cfg, "added_tokens_decoder");
  if (!dec) return Status::success();
  if (!dec->is_object()) return Status::error(where + ": 'added_tokens_decoder' must be an object");
  json arr = json::array();
  for (auto it = dec->begin(); it != dec->end(); ++it) {
    const std::string& k = it.key();
    if (k.empty() || k.size() > 9 || !std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return Status::error(where + ": added_tokens_decoder key '" + k + "' is not an id");
    if (!it.value().is_object()) return Status::error(where + ": added_tokens_decoder['" + k + "'] must be an object");
    json o = it.value();
    int64_t id = 0;
    for (char c : k) id = id * 10 + (c - '0');
    o["id"] = id;
    arr.push_back(o);
  }
  return read_added_tokens(arr, where, im);
}

Status read_bert_config(const FileMap& files, const std::string& what, BertConfig* cfg, json* root_out) {
  auto it = files.find("tokenizer_config.json");
  if (it == files.end()) return Status::success();
  std::string where = what + "/tokenizer_config.json";
  json root;
  Status s = parse_json(it->second, where, &root);
  if (!s) return s;
  if (!root.is_object()) return Status::error(where + ": expected a JSON object");
  s = read_bool(root, "do_lower_case", &cfg->lowercase, where);
  if (!s) return s;
  s = read_bool(root, "tokenize_chinese_chars", &cfg->chinese, where);
  if (!s) return s;
  if (const json* sa = member(root, "strip_accents")) {
    if (!sa->is_boolean()) return Status::error(where + ": 'strip_accents' must be true, false or null");
    cfg->strip_accents = sa->get<bool>() ? 1 : 0;
  }
  for (auto [key, dst] : {std::pair<const char*, std::string*>{"unk_token", &cfg->unk}, {"cls_token", &cfg->cls},
                          {"sep_token", &cfg->sep}, {"pad_token", &cfg->pad}, {"mask_token", &cfg->mask}}) {
    s = read_token_name(root, key, dst, where);
    if (!s) return s;
  }
  *root_out = std::move(root);
  return Status::success();
}

Status load_vocab_txt_impl(std::string_view txt, const std::string& where, const BertConfig& cfg, const json* config,
                           const std::string& config_where, Tokenizer::Impl* im) {
  im->kind = TokenizerKind::WordPiece;
  size_t pos = 0;
  int id = 0;
  while (pos < txt.size()) {
    size_t nl = txt.find('\n', pos);
    if (nl == std::string_view::npos) nl = txt.size();
    std::string_view l = txt.substr(pos, nl - pos);
    pos = nl + 1;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (id >= kMaxTokenId) return Status::error(where + ": more lines than any vocabulary has");
    if (!is_valid_utf8(l.data(), l.size()))
      return Status::error(where + " line " + std::to_string(id + 1) + ": not valid UTF-8");
    im->set_token(id, std::string(l));
    im->wp_vocab.add(l, id);
    ++id;
  }
  if (id == 0) return Status::error(where + ": empty vocabulary (expected one token a line)");
  im->wp_vocab.finalize();
  im->unk_token = cfg.unk;
  im->has_normalizer = true;
  im->clean_text = true;
  im->handle_chinese = cfg.chinese;
  im->lowercase = cfg.lowercase;
  im->strip_accents_cfg = cfg.strip_accents;
  Status s = finish_wordpiece(im, where);
  if (!s) return s;
  if (config) {
    s = read_tokenizer_config_added(*config, config_where, im);
    if (!s) return s;
  }
  add_bert_specials(im, {cfg.cls, cfg.sep, cfg.mask, cfg.pad, cfg.unk});
  int cls = im->wp_vocab.find(cfg.cls), sep = im->wp_vocab.find(cfg.sep);
  if (cls >= 0 && sep >= 0) set_bert_template(im, cls, cfg.cls, sep, cfg.sep);
  return Status::success();
}

Status load_bpe_files(std::string_view vocab_bytes, const std::string& vocab_where, std::string_view merges_bytes,
                      const std::string& merges_where, const FileMap& files, const std::string& what,
                      Tokenizer::Impl* im) {
  im->kind = TokenizerKind::ByteLevelBPE;
  json v;
  Status s = parse_json(vocab_bytes, vocab_where, &v);
  if (!s) return s;
  s = read_vocab_object(v, vocab_where, im, &im->bpe_vocab);
  if (!s) return s;
  s = read_merges_txt(merges_bytes, merges_where, im);
  if (!s) return s;
  auto it = files.find("tokenizer_config.json");
  if (it != files.end()) {
    std::string where = what + "/tokenizer_config.json";
    json cfg;
    s = parse_json(it->second, where, &cfg);
    if (!s) return s;
    if (!cfg.is_object()) return Status::error(where + ": expected a JSON object");
    s = read_bool(cfg, "add_prefix_space", &im->add_prefix_space, where);
    if (!s) return s;
    s = read_tokenizer_config_added(cfg, where, im);
    if (!s) return s;
  }
  return Status::success();
}

}  // namespace

// =====================================================================================================================
// Public interface.

Tokenizer::Tokenizer() : impl_(std::make_unique<Impl>()) {}
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

Status Tokenizer::load(const FileMap& files, const std::string& what, Tokenizer* out) {
  auto im = std::make_unique<Impl>();
  auto has = [&](const char* n) { return files.find(n) != files.end(); };
  auto get = [&](const char* n) { return files.find(n)->second; };  // after has(n)
  Status s;
  if (has("tokenizer.json")) {
    s = load_tokenizer_json(get("tokenizer.json"), what + "/tokenizer.json", im.get());
    if (s && im->kind == TokenizerKind::WordPiece && im->has_normalizer && has("tokenizer_config.json")) {
      // transformers' BertTokenizerFast lets tokenizer_config.json's do_lower_case / strip_accents /
      // tokenize_chinese_chars override the normalizer when they say otherwise (only keys that are present here).
      std::string where = what + "/tokenizer_config.json";
      json cfg;
      s = parse_json(get("tokenizer_config.json"), where, &cfg);
      if (s && !cfg.is_object()) s = Status::error(where + ": expected a JSON object");
      if (s) s = read_bool(cfg, "do_lower_case", &im->lowercase, where);
      if (s) s = read_bool(cfg, "tokenize_chinese_chars", &im->handle_chinese, where);
      if (s && member(cfg, "strip_accents")) {
        const json* sa = member(cfg, "strip_accents");
        if (!sa->is_boolean()) s = Status::error(where + ": 'strip_accents' must be true, false or null");
        else im->strip_accents_cfg = sa->get<bool>() ? 1 : 0;
      }
    }
  } else if (has("vocab.txt")) {
    BertConfig cfg;
    json config;
    s = read_bert_config(files, what, &cfg, &config);
    if (s) s = load_vocab_txt_impl(get("vocab.txt"), what + "/vocab.txt", cfg, config.is_object() ? &config : nullptr,
                                   what + "/tokenizer_config.json", im.get());
  } else if (has("vocab.json") || has("merges.txt")) {
    if (!has("vocab.json") || !has("merges.txt"))
      return Status::error(what + ": has " + std::string(has("vocab.json") ? "vocab.json but no merges.txt" : "merges.txt but no vocab.json") +
                           " (GPT-2 tokenizers need both)");
    s = load_bpe_files(get("vocab.json"), what + "/vocab.json", get("merges.txt"), what + "/merges.txt", files,
                       what, im.get());
  } else if (has("encoder.json") || has("vocab.bpe")) {
    if (!has("encoder.json") || !has("vocab.bpe"))
      return Status::error(what + ": has " + std::string(has("encoder.json") ? "encoder.json but no vocab.bpe" : "vocab.bpe but no encoder.json") +
                           " (the original GPT-2 files come as a pair)");
    s = load_bpe_files(get("encoder.json"), what + "/encoder.json", get("vocab.bpe"), what + "/vocab.bpe",
                       files, what, im.get());
  } else if (has("sentencepiece.bpe.model")) {
    s = load_sentencepiece_model(get("sentencepiece.bpe.model"), what + "/sentencepiece.bpe.model", im.get());
  } else {
    return Status::error(what + ": no tokenizer files (expected tokenizer.json, vocab.txt, vocab.json + merges.txt, "
                         "encoder.json + vocab.bpe, or sentencepiece.bpe.model)");
  }
  if (!s) return s;
  im->finish();
  out->impl_ = std::move(im);
  return Status::success();
}

Status Tokenizer::load_vocab_txt(std::string_view vocab_txt, const std::string& what, Tokenizer* out) {
  auto im = std::make_unique<Impl>();
  BertConfig cfg;
  Status s = load_vocab_txt_impl(vocab_txt, what, cfg, nullptr, "", im.get());
  if (!s) return s;
  im->finish();
  out->impl_ = std::move(im);
  return Status::success();
}

Encoding Tokenizer::encode(std::string_view text, std::string_view text_pair, const EncodeOptions& opt) const {
  const Impl& im = *impl_;
  Encoding enc;
  if (im.id_to_token.empty()) return enc;  // not loaded
  Seq a, b;
  bool has_pair = !text_pair.empty();
  im.encode_text(text, &a);
  if (has_pair) im.encode_text(text_pair, &b);
  if (im.pp_trim_offsets) {
    trim_offsets(im.id_to_token, im.pp_add_prefix_space, &a);
    if (has_pair) trim_offsets(im.id_to_token, im.pp_add_prefix_space, &b);
  }

  const std::vector<TemplateItem>& tmpl = has_pair ? im.pair_template : im.single_template;
  bool use_template = opt.add_special && !tmpl.empty();
  if (opt.max_length > 0) {
    size_t n_special = 0;
    if (use_template)
      for (const auto& t : tmpl) n_special += t.ids.size();
    size_t max_len = static_cast<size_t>(opt.max_length) > n_special ? static_cast<size_t>(opt.max_length) - n_special : 0;
    size_t na = a.size(), nb = b.size();
    if (na + nb > max_len) {
      enc.truncated = true;
      if (!has_pair) {
        a.truncate(max_len);
      } else {
        // Hugging Face's longest_first: cut the longer side first, sharing the budget evenly when both are long.
        size_t n1 = na, n2 = nb;
        bool swap = n1 > n2;
        if (swap) std::swap(n1, n2);
        if (n1 > max_len) {
          n2 = n1;
        } else {
          n2 = std::max(n1, max_len - n1);
        }
        if (n1 + n2 > max_len) {
          n1 = max_len / 2;
          n2 = n1 + max_len % 2;
        }
        if (swap) std::swap(n1, n2);
        a.truncate(n1);
        b.truncate(n2);
      }
    }
  }

  size_t total = a.size() + b.size() + (use_template ? 8 : 0);
  enc.ids.reserve(total);
  enc.tokens.reserve(total);
  enc.type_ids.reserve(total);
  enc.offsets.reserve(total);
  enc.special.reserve(total);
  enc.display.reserve(total);
  enc.sequence_ids.reserve(total);
  auto append_seq = [&](Seq& s, int type, int seq_id) {
    size_t next_text = 0;
    for (size_t k = 0; k < s.size(); ++k) {
      int32_t id = s.ids[k];
      enc.ids.push_back(id);
      if (next_text < s.token_text.size() && s.token_text[next_text].first == k)
        enc.tokens.push_back(std::move(s.token_text[next_text++].second));
      else
        enc.tokens.push_back(static_cast<size_t>(id) < im.id_to_token.size() ? im.id_to_token[static_cast<size_t>(id)]
                                                                              : std::string());
      enc.type_ids.push_back(type);
      enc.sequence_ids.push_back(static_cast<int8_t>(seq_id));
      enc.offsets.push_back(s.offsets[k]);
      enc.special.push_back(s.special[k]);
      enc.display.push_back(std::move(s.display[k]));
    }
  };
  if (!use_template) {
    append_seq(a, 0, 0);
    if (has_pair) append_seq(b, 1, 1);
    return enc;
  }
  for (const TemplateItem& t : tmpl) {
    if (t.is_sequence) {
      append_seq(t.sequence == 0 ? a : b, t.type_id, t.sequence == 0 ? 0 : 1);
      continue;
    }
    for (size_t k = 0; k < t.ids.size(); ++k) {
      enc.ids.push_back(t.ids[k]);
      enc.tokens.push_back(t.tokens[k]);
      enc.type_ids.push_back(t.type_id);
      enc.sequence_ids.push_back(-1);
      enc.offsets.push_back({0, 0});
      enc.special.push_back(1);
      enc.display.push_back(t.tokens[k]);
    }
  }
  return enc;
}

void Tokenizer::set_lowercase(bool on) {
  Impl& im = *impl_;
  if (im.kind != TokenizerKind::WordPiece) return;  // byte-level BPE has no case folding
  im.lowercase = on;
  im.has_normalizer = true;
  im.update_normalizer_flags();
  im.refresh_added_matches();
}

TokenizerKind Tokenizer::kind() const { return impl_->kind; }
int Tokenizer::vocab_size() const { return static_cast<int>(impl_->id_to_token.size()); }

std::string Tokenizer::id_to_token(int id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->id_to_token.size()) return std::string();
  return impl_->id_to_token[static_cast<size_t>(id)];
}

int Tokenizer::token_to_id(std::string_view token) const { return impl_->token_ids.find(token); }

std::string Tokenizer::display_token(int id) const {
  const Impl& im = *impl_;
  if (id < 0 || static_cast<size_t>(id) >= im.id_to_token.size()) return std::string();
  const std::string& d = im.display_of_id[static_cast<size_t>(id)];
  if (!d.empty() || im.kind != TokenizerKind::ByteLevelBPE) return d;
  return bytes_label(im.token_bytes[static_cast<size_t>(id)]);
}

int Tokenizer::cls_id() const { return impl_->cls; }
int Tokenizer::sep_id() const { return impl_->sep; }
int Tokenizer::mask_id() const { return impl_->mask; }
int Tokenizer::pad_id() const { return impl_->pad; }
int Tokenizer::unk_id() const { return impl_->unk; }
int Tokenizer::eos_id() const { return impl_->eos; }

}  // namespace attnviz
