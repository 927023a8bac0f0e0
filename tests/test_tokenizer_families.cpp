// Tokenizers of the BERT relatives against ../shared/fixtures/arch (references from Hugging Face tokenizers' npm
// binding): RoBERTa's byte-level BPE with RobertaProcessing (trim_offsets, lstrip <mask>) and XLM-R's SentencePiece
// Unigram (Precompiled + Replace normalizers, Metaspace), from tokenizer.json and from sentencepiece.bpe.model.
#include <doctest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "folder.h"
#include "sentencepiece.h"
#include "test_paths.h"
#include "tokenizer.h"

using namespace attnviz;
using namespace std::string_literals;

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

// ---- bad input: the charsmap, the protobuf, the Unigram vocabulary ------------------------------------------------

namespace {

std::string u32le(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; i++) s[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// Minimal protobuf writer for test inputs.
std::string varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}
std::string field_bytes(uint32_t num, const std::string& b) { return varint(num << 3 | 2) + varint(b.size()) + b; }
std::string field_varint(uint32_t num, uint64_t v) { return varint(num << 3) + varint(v); }
std::string field_float(uint32_t num, float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return varint(num << 3 | 5) + u32le(bits);
}
std::string piece(const std::string& text, float score, int type = 1) {
  return field_bytes(1, field_bytes(1, text) + field_float(2, score) + field_varint(3, static_cast<uint64_t>(type)));
}

std::string tokenizer_json_with(const std::string& model_json, const std::string& normalizer = "null",
                                const std::string& pre = "{\"type\": \"Metaspace\", \"replacement\": \"\\u2581\", "
                                                         "\"prepend_scheme\": \"always\", \"split\": true}") {
  return "{\"version\": \"1.0\", \"added_tokens\": [], \"normalizer\": " + normalizer + ", \"pre_tokenizer\": " + pre +
         ", \"post_processor\": null, \"decoder\": null, \"model\": " + model_json + "}";
}

Status load_json(const std::string& j, Tokenizer* tok) {
  FileMap m;
  m["tokenizer.json"] = j;
  return Tokenizer::load(m, "mem", tok);
}

}  // namespace

TEST_CASE("tokenizer families: precompiled_charsmap bad input fails cleanly, never reads outside the blob") {
  PrecompiledCharsmap cm;
  CHECK_FALSE(PrecompiledCharsmap::parse("", "x", &cm).ok);
  CHECK_FALSE(PrecompiledCharsmap::parse("\x01\x02", "x", &cm).ok);
  Status s = PrecompiledCharsmap::parse(u32le(0), "x", &cm);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("empty trie") != std::string::npos);
  s = PrecompiledCharsmap::parse(u32le(400) + std::string(8, '\0'), "x", &cm);  // trie longer than the blob
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("truncated") != std::string::npos);
  s = PrecompiledCharsmap::parse(u32le(4) + u32le(0) + "\xff\xfe", "x", &cm);  // replacements not UTF-8
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("UTF-8") != std::string::npos);
  // Random tries: transform never crashes (offsets pointing anywhere are bounds-checked).
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    const uint32_t units = 1 + rng() % 64;
    std::string blob = u32le(units * 4);
    for (uint32_t u = 0; u < units; ++u) blob += u32le(rng());
    blob += "ab\0cd\0"s;
    if (!PrecompiledCharsmap::parse(blob, "x", &cm).ok) continue;
    std::string_view out;
    for (const char* key : {"a", "hello", "\xc3\xa9", "\xef\xbc\xa1"}) cm.transform(key, std::strlen(key), &out);
  }
  std::string out;
  CHECK(base64_decode("QUJD", &out));
  CHECK(out == "ABC");
  CHECK(base64_decode("QUI=", &out));
  CHECK(out == "AB");
  CHECK_FALSE(base64_decode("QU!D", &out));
  CHECK_FALSE(base64_decode("QU=D", &out));
  Tokenizer tok;
  s = load_json(tokenizer_json_with("{\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.0]]}",
                                    "{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"@@@\"}"), &tok);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("base64") != std::string::npos);
  s = load_json(tokenizer_json_with("{\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.0]]}",
                                    "{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"AAAA\"}"), &tok);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("precompiled_charsmap") != std::string::npos);
}

TEST_CASE("tokenizer families: Unigram tokenizer.json bad input fails cleanly; Viterbi, unknowns, Replace") {
  Tokenizer tok;
  const std::string ok_vocab = "[[\"<unk>\", 0.0], [\"\\u2581\", -2.0], [\"a\", -3.0], [\"b\", -3.0], [\"ab\", -4.0], "
                               "[\"\\u2581ab\", -4.5]]";
  Status s = load_json(tokenizer_json_with("{\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": " + ok_vocab + "}"), &tok);
  REQUIRE_MESSAGE(s.ok, s.message);
  Encoding e = tok.encode("ab xyab", "", EncodeOptions{});
  // "▁ab" beats "▁"+"ab" (-4.5 > -6); x and y are unknown and fuse into one token spanning both, with its text.
  CHECK(e.tokens == std::vector<std::string>{"\xe2\x96\x81" "ab", "\xe2\x96\x81", "xy", "ab"});
  CHECK(e.ids == std::vector<int32_t>{5, 1, 0, 4});
  CHECK(e.offsets == std::vector<std::pair<int32_t, int32_t>>{{0, 2}, {2, 3}, {3, 5}, {5, 7}});
  CHECK(e.display[0] == " ab");
  for (const char* bad : {
           "{\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": {}}",                       // not an array
           "{\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": []}",                       // empty
           "{\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"a\"]]}",                // no score
           "{\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"a\", \"x\"]]}",         // score not a number
           "{\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[1, 0.5]]}",               // piece not a string
           "{\"type\": \"Unigram\", \"unk_id\": 5, \"vocab\": [[\"a\", 0.0]]}",           // unk outside
           "{\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}",                          // no unk
           "{\"type\": \"Unigram\", \"unk_id\": -1, \"vocab\": [[\"a\", 0.0]]}",          // negative
           "{\"type\": \"Unigram\", \"unk_id\": 0, \"byte_fallback\": true, \"vocab\": [[\"a\", 0.0]]}",
       }) {
    CAPTURE(bad);
    s = load_json(tokenizer_json_with(bad), &tok);
    CHECK_FALSE(s.ok);
    CHECK(s.message.find("mem/tokenizer.json") != std::string::npos);
  }
  const std::string m = "{\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": " + ok_vocab + "}";
  s = load_json(tokenizer_json_with(m, "{\"type\": \"Replace\", \"pattern\": {\"Regex\": \"(a|b)*\"}, \"content\": \"\"}"), &tok);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("(a|b)*") != std::string::npos);
  s = load_json(tokenizer_json_with(m, "{\"type\": \"NFKC\"}"), &tok);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("NFKC") != std::string::npos);
  s = load_json(tokenizer_json_with(m, "null", "{\"type\": \"Whitespace\"}"), &tok);
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("Whitespace") != std::string::npos);
  s = load_json(tokenizer_json_with(m, "null", "{\"type\": \"Metaspace\", \"prepend_scheme\": \"sometimes\"}"), &tok);
  CHECK_FALSE(s.ok);
  // Replace " {2,}" -> " " maps the one space left to the last one it replaced (tokenizers' alignment).
  s = load_json(tokenizer_json_with(m, "{\"type\": \"Replace\", \"pattern\": {\"Regex\": \" {2,}\"}, \"content\": \" \"}"), &tok);
  REQUIRE_MESSAGE(s.ok, s.message);
  e = tok.encode("ab   ab", "", EncodeOptions{});
  CHECK(e.offsets == std::vector<std::pair<int32_t, int32_t>>{{0, 2}, {4, 7}});
  // prepend_scheme never / first, split false.
  s = load_json(tokenizer_json_with(m, "null", "{\"type\": \"Metaspace\", \"replacement\": \"\\u2581\", \"prepend_scheme\": \"never\"}"), &tok);
  REQUIRE(s.ok);
  e = tok.encode("ab", "", EncodeOptions{});
  CHECK(e.tokens == std::vector<std::string>{"ab"});
}

TEST_CASE("tokenizer families: sentencepiece.bpe.model bad input fails cleanly") {
  FileMap m;
  Tokenizer tok;
  auto load = [&](const std::string& bytes) {
    m.clear();
    m["sentencepiece.bpe.model"] = bytes;
    return Tokenizer::load(m, "mem", &tok);
  };
  const std::string good = piece("<unk>", 0, 2) + piece("<s>", 0, 3) + piece("</s>", 0, 3) + piece("\xe2\x96\x81", -1) +
                           piece("a", -2) + field_bytes(2, field_varint(3, 1));
  Status s = load(good);
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(tok.vocab_size() == 7);  // <s> <pad> </s> <unk>, ▁, a, <mask>
  CHECK(tok.token_to_id("a") == 5);
  CHECK(tok.mask_id() == 6);
  Encoding e = tok.encode("a <mask>", "", EncodeOptions{});
  CHECK(e.ids == std::vector<int32_t>{0, 4, 5, 6, 2});
  // Every truncation of a valid file fails or loads, never crashes; random bytes too.
  for (size_t n = 0; n < good.size(); ++n) (void)load(good.substr(0, n));
  std::mt19937 rng(3);
  for (int k = 0; k < 300; ++k) {
    std::string b = good;
    for (int j = 0; j < 3; ++j) b[rng() % b.size()] = static_cast<char>(rng());
    (void)load(b);
  }
  s = load("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff");  // endless varint
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("sentencepiece.bpe.model") != std::string::npos);
  s = load(field_bytes(1, "") + "\x0a\x7f");  // length beyond the end
  CHECK_FALSE(s.ok);
  s = load(piece("a", 0));  // too few pieces
  CHECK_FALSE(s.ok);
  s = load(good + field_bytes(2, field_varint(3, 2)));  // BPE model type
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("UNIGRAM") != std::string::npos);
  s = load(piece("<unk>", 0, 2) + piece("<s>", 0, 3) + piece("</s>", 0, 3) + piece("\xff", -1));  // not UTF-8
  CHECK_FALSE(s.ok);
  s = load(good + field_bytes(3, field_bytes(2, u32le(64) + "xx")));  // broken charsmap
  CHECK_FALSE(s.ok);
  CHECK(s.message.find("precompiled_charsmap") != std::string::npos);
  s = load(good + "\x0b");  // group wire type
  CHECK_FALSE(s.ok);
}
