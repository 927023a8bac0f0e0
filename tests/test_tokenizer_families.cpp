// Tokenizers of the BERT relatives against ../shared/fixtures/arch (references from Hugging Face tokenizers' npm
// binding): RoBERTa's byte-level BPE with RobertaProcessing (trim_offsets, lstrip <mask>) and XLM-R's SentencePiece
// Unigram (Precompiled + Replace normalizers, Metaspace), from tokenizer.json and from sentencepiece.bpe.model.
#include <doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "folder.h"
#include "test_paths.h"
#include "tokenizer.h"

using namespace attnviz;

namespace {

std::string arch_dir() { return attnviz_test::shared_dir() + "/fixtures/arch"; }

// Checks every line of a tokenize-*.jsonl reference: ids, tokens, type ids, offsets exactly, and which tokens the
// post-processor added (sequence id null). Returns the number of strings checked.
int check_jsonl(const Tokenizer& tok, const std::string& jsonl_path, bool check_tokens = true) {
  std::string text;
  REQUIRE_MESSAGE(attnviz_test::read_file(jsonl_path, &text), jsonl_path);
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(j.is_object());
    const std::string t = j["text"].get<std::string>();
    const std::string pair = j.contains("text_pair") && j["text_pair"].is_string() ? j["text_pair"].get<std::string>() : "";
    CAPTURE(j["i"].get<int>());
    CAPTURE(t);
    CAPTURE(pair);
    Encoding e = tok.encode(t, pair);
    CHECK(e.ids == j["ids"].get<std::vector<int32_t>>());
    if (check_tokens) CHECK(e.tokens == j["tokens"].get<std::vector<std::string>>());
    CHECK(e.type_ids == j["type_ids"].get<std::vector<int32_t>>());
    std::vector<std::pair<int32_t, int32_t>> want;
    for (const auto& o : j["offsets"]) want.push_back({o[0].get<int32_t>(), o[1].get<int32_t>()});
    CHECK(e.offsets == want);
    std::vector<uint8_t> added, got_added;
    for (const auto& sid : j["sequence_ids"]) added.push_back(sid.is_null() ? 1 : 0);
    for (size_t k = 0; k < e.special.size(); ++k)
      got_added.push_back(e.special[k] && e.offsets[k] == std::pair<int32_t, int32_t>(0, 0) ? 1 : 0);
    CHECK(got_added == added);
    n++;
  }
  return n;
}

Status load_folder(const std::string& dir, Tokenizer* tok, const std::vector<std::string>& drop = {}) {
  FolderFiles f;
  Status s = read_folder(dir, &f);
  if (!s) return s;
  FileMap m = f.view();
  for (const auto& d : drop) m.erase(d);
  return Tokenizer::load(m, dir, tok);
}

}  // namespace

TEST_CASE("tokenizer families: RoBERTa byte-level BPE (tokenizer.json) matches tokenizers on every reference string") {
  if (!attnviz_test::file_exists(arch_dir() + "/tokenize-roberta-bpe.jsonl")) {
    MESSAGE("skipped: no ../shared/fixtures/arch");
    return;
  }
  Tokenizer tok;
  Status s = load_folder(arch_dir() + "/roberta-bpe", &tok);
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(tok.mask_id() == 8196);
  CHECK(tok.cls_id() == 0);
  CHECK(tok.sep_id() == 2);
  CHECK(tok.pad_id() == 1);
  const int n = check_jsonl(tok, arch_dir() + "/tokenize-roberta-bpe.jsonl");
  MESSAGE(n << " strings");
  CHECK(n >= 50);
}

TEST_CASE("tokenizer families: XLM-R Unigram (tokenizer.json) matches tokenizers on every reference string") {
  if (!attnviz_test::file_exists(arch_dir() + "/tokenize-xlmr-unigram.jsonl")) {
    MESSAGE("skipped: no ../shared/fixtures/arch");
    return;
  }
  Tokenizer tok;
  Status s = load_folder(arch_dir() + "/xlmr-unigram", &tok);
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(tok.kind() == TokenizerKind::Unigram);
  CHECK(tok.mask_id() == 4001);
  CHECK(tok.cls_id() == 0);
  CHECK(tok.sep_id() == 2);
  CHECK(tok.unk_id() == 3);
  const int n = check_jsonl(tok, arch_dir() + "/tokenize-xlmr-unigram.jsonl");
  MESSAGE(n << " strings");
  CHECK(n >= 50);
}

TEST_CASE("tokenizer families: XLM-R Unigram from sentencepiece.bpe.model alone matches tokenizers too") {
  if (!attnviz_test::file_exists(arch_dir() + "/tokenize-xlmr-unigram.jsonl")) {
    MESSAGE("skipped: no ../shared/fixtures/arch");
    return;
  }
  Tokenizer tok;
  Status s = load_folder(arch_dir() + "/xlmr-unigram", &tok, {"tokenizer.json"});
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(tok.kind() == TokenizerKind::Unigram);
  CHECK(tok.vocab_size() == 4002);
  CHECK(tok.mask_id() == 4001);
  const int n = check_jsonl(tok, arch_dir() + "/tokenize-xlmr-unigram.jsonl");
  CHECK(n >= 50);
}
