// SentencePiece-style tokenization as Hugging Face tokenizers runs it for XLM-RoBERTa: the Precompiled normalizer
// (a SentencePiece precompiled_charsmap: darts-clone double-array trie + replacement strings), Replace, the
// Metaspace pre-tokenizer and the Unigram model (Viterbi over log-probabilities), with original byte offsets kept
// through every step; loaded from tokenizer.json parts or from a sentencepiece.bpe.model (ModelProto). std + nlohmann.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "status.h"

namespace attnviz {

// A SentencePiece precompiled_charsmap (sentencepiece normalizer.cc; spm_precompiled crate): u32 LE trie size in
// bytes, the darts-clone trie (u32 units), then NUL-terminated replacement strings.
class PrecompiledCharsmap {
 public:
  // Parses the raw bytes (not base64). Errors name `what`: truncated blob, empty trie, replacements not UTF-8.
  static Status parse(std::string_view blob, const std::string& what, PrecompiledCharsmap* out);
  // The replacement for the shortest key that prefixes key[0..n) (spm_precompiled's transform: the first
  // common-prefix-search result), or false when none. Never reads outside the trie or the strings.
  bool transform(const char* key, size_t n, std::string_view* out) const;
  bool empty() const { return trie_.empty(); }

 private:
  std::vector<uint32_t> trie_;
  std::string normalized_;
};

// Decodes standard base64 (RFC 4648, '=' padding optional). False on any other character.
bool base64_decode(std::string_view in, std::string* out);

// One Unigram token: vocabulary id, the string Hugging Face reports (the vocabulary piece, or the text itself for
// an unknown run), and its [begin, end) UTF-8 byte span in the original text.
struct UnigramToken {
  int32_t id = 0;
  std::string piece;
  int32_t begin = 0, end = 0;
};

// Normalizer + Metaspace + Unigram model of one tokenizer. Immutable after loading; encode is thread-safe.
class UnigramTokenizer {
 public:
  UnigramTokenizer();
  ~UnigramTokenizer();
  UnigramTokenizer(UnigramTokenizer&&) noexcept;
  UnigramTokenizer& operator=(UnigramTokenizer&&) noexcept;

  // From a tokenizer.json whose model.type is "Unigram": model (vocab [[piece, score], ...], unk_id,
  // byte_fallback false), normalizer (Precompiled, Replace, Sequence of them, or null) and pre_tokenizer
  // (Metaspace, or a Sequence holding only it, or null). `where` names the file in messages.
  static Status from_tokenizer_json(const nlohmann::json& root, const std::string& where, UnigramTokenizer* out);
  // From a SentencePiece ModelProto (sentencepiece_model.proto: pieces with scores and types, trainer_spec.model_type
  // UNIGRAM, normalizer_spec.precompiled_charsmap), laid out as transformers' XLMRobertaConverter does: ids 0-3 =
  // <s> <pad> </s> <unk>, SentencePiece piece k >= 3 -> id k + 1, <mask> last; Precompiled + Replace(" {2,}", " "),
  // Metaspace (always, split). Hand-parsed protobuf wire format, every length bounds-checked.
  static Status from_sentencepiece_model(std::string_view bytes, const std::string& where, UnigramTokenizer* out);

  // Vocabulary in id order (piece, log-probability score).
  const std::vector<std::pair<std::string, double>>& vocab() const;
  int unk_id() const;
  // Encodes text[b, e) (one stretch between added tokens), appending tokens with spans into `text`.
  void encode(std::string_view text, size_t b, size_t e, std::vector<UnigramToken>* out) const;
  // Readable form of a piece: the Metaspace replacement shown as a space.
  std::string display(std::string_view piece) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace attnviz
