// Tokenizer: BERT WordPiece (BertNormalizer + BertPreTokenizer, Chinese characters split one per token) and GPT-2
// byte-level BPE, id for id with Hugging Face tokenizers. Loads tokenizer.json; vocab.txt (+ tokenizer_config.json);
// vocab.json + merges.txt; encoder.json + vocab.bpe; or a bare WordPiece vocabulary. Eigen/std only.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "status.h"

namespace attnviz {

enum class TokenizerKind { WordPiece, ByteLevelBPE, Unigram };  // Unigram: SentencePiece (XLM-R), sentencepiece.h

struct Encoding {
  std::vector<int32_t> ids;       // (T)
  std::vector<std::string> tokens;  // (T) vocabulary strings, as Hugging Face's `tokens` ("##ing", "Ġthe", "[CLS]")
  // (T) 0 for the first text, 1 for the pair (as Hugging Face's Encoding; GPT-2 models take no token types, so
  // a GPT-2 caller ignores them; without a pair they are all 0)
  std::vector<int32_t> type_ids;
  // (T) UTF-8 byte span [begin, end) of each token in the text it came from ([0,0] for the special tokens the
  // post-processor adds; a special token typed in the text, e.g. "[MASK]", keeps its span); tokens of the pair
  // (type_ids == 1) index into text_pair. Byte-level pieces of one character all span the whole character.
  std::vector<std::pair<int32_t, int32_t>> offsets;
  std::vector<uint8_t> special;   // (T) 1 for special tokens ([CLS], [SEP], and [MASK] typed in the text), else 0
  // (T) a readable label for the viewer: "##" removed, "Ġ" shown as a leading space, newline/tab/control bytes as
  // symbols (↵ ⇥ ␁); byte-level pieces that split one character show that character, pieces that continue a
  // character begun by an earlier token as "·" + the character (never mojibake).
  std::vector<std::string> display;
  bool truncated = false;         // true when max_length cut the input
  // (T) which text each token came from: 0 = text, 1 = text_pair, -1 = added by the post-processor (Hugging Face's
  // sequence_ids; RoBERTa / XLM-R pairs have type id 0 on both texts, so type ids cannot tell).
  std::vector<int8_t> sequence_ids;
};

// True when token i came from text_pair (its offsets index into the pair).
inline bool token_from_pair(const Encoding& e, int i) {
  if (i < 0) return false;
  if (static_cast<size_t>(i) < e.sequence_ids.size()) return e.sequence_ids[static_cast<size_t>(i)] == 1;
  return static_cast<size_t>(i) < e.type_ids.size() && e.type_ids[static_cast<size_t>(i)] == 1;
}

struct EncodeOptions {
  bool add_special = true;  // BERT: [CLS] A [SEP] (B [SEP]); GPT-2 adds none by default
  int max_length = 0;       // 0 = no limit; else the total length including special tokens (longest-first)
};

class Tokenizer {
 public:
  Tokenizer();
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

  // Loads from the files of a folder (base name -> bytes). Prefers tokenizer.json; then vocab.txt (with
  // tokenizer_config.json if present); then vocab.json + merges.txt; then encoder.json + vocab.bpe; then
  // sentencepiece.bpe.model (XLM-RoBERTa's SentencePiece Unigram model).
  // `what` names the source in error messages (a folder path or model name).
  static Status load(const FileMap& files, const std::string& what, Tokenizer* out);
  // A WordPiece vocabulary file itself (one token a line), BERT defaults (lowercase true).
  static Status load_vocab_txt(std::string_view vocab_txt, const std::string& what, Tokenizer* out);

  // An empty text_pair means no pair. Safe to call from several threads (they take turns on a word cache).
  Encoding encode(std::string_view text, std::string_view text_pair = {}, const EncodeOptions& opt = {}) const;

  void set_lowercase(bool on);  // override of do_lower_case / BertNormalizer.lowercase (strip_accents follows HF)
  TokenizerKind kind() const;
  int vocab_size() const;                   // number of ids, added tokens included
  std::string id_to_token(int id) const;    // "" when out of range
  int token_to_id(std::string_view token) const;  // -1 when absent
  std::string display_token(int id) const;  // readable form of one vocabulary entry (for prediction lists)

  // Special ids, -1 when the vocabulary has none.
  int cls_id() const;
  int sep_id() const;
  int mask_id() const;
  int pad_id() const;
  int unk_id() const;
  int eos_id() const;  // GPT-2 <|endoftext|>

  struct Impl;  // opaque (tokenizer.cpp); public only so the loaders there can fill it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace attnviz
