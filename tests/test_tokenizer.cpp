// Tests for the tokenizers (src/core/tokenizer.h) and the Unicode tables under them: the Hugging Face fixtures id
// for id, llama.cpp's peer suite, the original BERT/GPT-2 vocabularies, offsets and display labels, bad files.
#include <doctest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "folder.h"
#include "test_paths.h"
#include "tokenizer.h"
#include "unicode.h"

using namespace attnviz;
using attnviz_test::data_dir;
using attnviz_test::models_dir;
using attnviz_test::shared_dir;
using json = nlohmann::json;

namespace {

using Offsets = std::vector<std::pair<int32_t, int32_t>>;

struct FixtureCase {
  int i = 0;
  std::string text;
  std::vector<int> ids;
  std::vector<std::string> tokens;
};

std::vector<FixtureCase> read_fixture(const std::string& path) {
  std::vector<FixtureCase> out;
  std::string all;
  REQUIRE_MESSAGE(attnviz_test::read_file(path, &all), "cannot read " << path);
  size_t pos = 0;
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    if (nl == std::string::npos) nl = all.size();
    std::string line = all.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    REQUIRE(!j.is_discarded());
    FixtureCase c;
    c.i = j["i"].get<int>();
    c.text = j["text"].get<std::string>();
    for (const auto& v : j["ids"]) c.ids.push_back(v.get<int>());
    for (const auto& v : j["tokens"]) c.tokens.push_back(v.get<std::string>());
    out.push_back(c);
  }
  return out;
}

// Loads the named files of a folder (all of them when `names` is empty).
Tokenizer load_files(const std::string& dir, const std::vector<std::string>& names = {}) {
  FolderFiles files;
  if (names.empty()) {
    Status s = read_folder(dir, &files);
    REQUIRE_MESSAGE(s.ok, s.message);
  } else {
    for (const auto& n : names) {
      Status s = read_whole_file(dir + "/" + n, &files.bytes[n]);
      REQUIRE_MESSAGE(s.ok, s.message);
    }
  }
  Tokenizer tok;
  Status s = Tokenizer::load(files.view(), dir, &tok);
  REQUIRE_MESSAGE(s.ok, s.message);
  return tok;
}

Tokenizer load_vocab_file(const std::string& path) {
  std::string bytes;
  REQUIRE(attnviz_test::read_file(path, &bytes));
  Tokenizer tok;
  Status s = Tokenizer::load_vocab_txt(bytes, path, &tok);
  REQUIRE_MESSAGE(s.ok, s.message);
  return tok;
}

// Every case identical (ids and tokens); reports each mismatch.
int check_fixture(const Tokenizer& tok, const std::string& fixture) {
  auto cases = read_fixture(fixture);
  CHECK(cases.size() == 40);
  int bad = 0;
  for (const auto& c : cases) {
    Encoding e = tok.encode(c.text);
    bool same = e.ids == c.ids && e.tokens == c.tokens;
    if (!same) ++bad;
    CHECK_MESSAGE(e.ids == c.ids, "case " << c.i << ": " << c.text);
    CHECK_MESSAGE(e.tokens == c.tokens, "case " << c.i << ": " << c.text);
    // Structural invariants on every case.
    REQUIRE(e.tokens.size() == e.ids.size());
    REQUIRE(e.type_ids.size() == e.ids.size());
    REQUIRE(e.offsets.size() == e.ids.size());
    REQUIRE(e.special.size() == e.ids.size());
    REQUIRE(e.display.size() == e.ids.size());
    for (size_t k = 0; k < e.ids.size(); ++k) {
      CHECK(e.offsets[k].first <= e.offsets[k].second);
      CHECK(e.offsets[k].second <= static_cast<int32_t>(c.text.size()));
      CHECK(is_valid_utf8(e.display[k].data(), e.display[k].size()));
    }
  }
  return bad;
}

bool shared_has(const std::string& rel) {
  if (!attnviz_test::file_exists(shared_dir() + "/" + rel)) {
    MESSAGE("skipped: " << rel << " is not in the shared folder");
    return false;
  }
  return true;
}

std::vector<std::string> split_marker(const std::string& all, const std::string& marker) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t m = all.find(marker, pos);
    if (m == std::string::npos) break;
    out.push_back(all.substr(pos, m - pos));
    pos = m + marker.size();
  }
  return out;  // the file ends with the marker: nothing after the last one
}

// llama.cpp's vocabulary tests: .inp split on the marker, .out one line of ids per input.
void check_peer_suite(const Tokenizer& tok, const std::string& base) {
  std::string inp, outp;
  REQUIRE(attnviz_test::read_file(base + ".inp", &inp));
  REQUIRE(attnviz_test::read_file(base + ".out", &outp));
  auto inputs = split_marker(inp, "\n__ggml_vocab_test__\n");
  std::vector<std::vector<int>> expected;
  size_t pos = 0;
  while (pos < outp.size()) {
    size_t nl = outp.find('\n', pos);
    if (nl == std::string::npos) nl = outp.size();
    std::vector<int> ids;
    std::string line = outp.substr(pos, nl - pos);
    size_t k = 0;
    while (k < line.size()) {
      while (k < line.size() && line[k] == ' ') ++k;
      if (k >= line.size()) break;
      int v = 0;
      while (k < line.size() && line[k] >= '0' && line[k] <= '9') v = v * 10 + (line[k++] - '0');
      ids.push_back(v);
    }
    expected.push_back(ids);
    pos = nl + 1;
  }
  REQUIRE(inputs.size() >= 40);
  REQUIRE(expected.size() >= inputs.size());
  EncodeOptions opt;
  opt.add_special = false;
  for (size_t c = 0; c < inputs.size(); ++c) {
    Encoding e = tok.encode(inputs[c], {}, opt);
    CHECK_MESSAGE(e.ids == expected[c], "input " << c << ": '" << inputs[c] << "'");
  }
}

std::vector<std::string> strs(std::initializer_list<const char*> l) { return std::vector<std::string>(l.begin(), l.end()); }

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
TEST_CASE("unicode: categories, White_Space, NFD, combining classes, lowercase (from the UCD)") {
  CHECK(general_category('A') == GeneralCategory::Lu);
  CHECK(general_category('z') == GeneralCategory::Ll);
  CHECK(general_category(0x4E2D) == GeneralCategory::Lo);   // 中
  CHECK(general_category(0x0301) == GeneralCategory::Mn);   // combining acute
  CHECK(general_category(0x200B) == GeneralCategory::Cf);   // zero-width space
  CHECK(general_category(0x3002) == GeneralCategory::Po);   // 。
  CHECK(general_category(0x00BD) == GeneralCategory::No);   // ½
  CHECK(general_category(0x1F600) == GeneralCategory::So);  // 😀
  CHECK(general_category(0x0378) == GeneralCategory::Cn);   // unassigned
  CHECK(general_category(0x110000) == GeneralCategory::Cn);
  CHECK(std::string(general_category_name(GeneralCategory::Pd)) == "Pd");
  for (char32_t ws : {0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0xA0, 0x1680, 0x2000, 0x2028, 0x202F, 0x3000})
    CHECK_MESSAGE(uprops::is_white_space(unicode_props(ws)), std::hex << static_cast<uint32_t>(ws));
  for (char32_t nws : {0x200B, 0x180E, 0x1C, 0x61, 0xFEFF}) CHECK(!uprops::is_white_space(unicode_props(nws)));
  CHECK(canonical_combining_class(0x0301) == 230);
  CHECK(canonical_combining_class(0x0323) == 220);
  CHECK(canonical_combining_class('a') == 0);

  char32_t d[kMaxDecompositionLength];
  REQUIRE(canonical_decomposition(0xE9, d) == 2);  // é
  CHECK((d[0] == 'e' && d[1] == 0x301));
  REQUIRE(canonical_decomposition(0x1E09, d) == 3);  // ḉ -> c, cedilla, acute (recursive)
  CHECK((d[0] == 'c' && d[1] == 0x327 && d[2] == 0x301));
  REQUIRE(canonical_decomposition(0xD55C, d) == 3);  // 한 -> jamo (algorithmic)
  CHECK((d[0] == 0x1112 && d[1] == 0x1161 && d[2] == 0x11AB));
  REQUIRE(canonical_decomposition(0xF900, d) == 1);  // CJK compatibility ideograph -> unified
  CHECK(d[0] == 0x8C48);
  REQUIRE(canonical_decomposition(0xFF21, d) == 1);  // full-width A: compatibility only, unchanged by NFD
  CHECK(d[0] == 0xFF21);

  char32_t l[kMaxLowercaseLength];
  REQUIRE(to_lowercase(0x130, l) == 2);  // İ -> i + combining dot (SpecialCasing)
  CHECK((l[0] == 'i' && l[1] == 0x307));
  REQUIRE(to_lowercase(0x3A3, l) == 1);  // Σ -> σ, never final sigma (char-level, as Rust)
  CHECK(l[0] == 0x3C3);
  REQUIRE(to_lowercase(0xFF21, l) == 1);
  CHECK(l[0] == 0xFF41);
  REQUIRE(to_lowercase(0x2160, l) == 1);  // Ⅰ (Nl) has a lowercase too
  CHECK(l[0] == 0x2170);
  REQUIRE(to_lowercase(0xDF, l) == 1);  // ß stays
  CHECK(l[0] == 0xDF);

  int len = 0;
  CHECK(decode_utf8("\xE4\xB8\xAD", 3, &len) == 0x4E2D);
  CHECK(len == 3);
  CHECK(decode_utf8("\xE4\xB8", 2, &len) == 0xFFFD);  // truncated
  CHECK(len == 1);
  CHECK(decode_utf8("\xC0\x80", 2, &len) == 0xFFFD);  // overlong
  CHECK(decode_utf8("\xED\xA0\x80", 3, &len) == 0xFFFD);  // surrogate
  std::string s;
  append_utf8(&s, 0x1F999);
  CHECK(s == "\xF0\x9F\xA6\x99");
  CHECK(is_valid_utf8(s.data(), s.size()));
  CHECK(!is_valid_utf8("\xF0\x9F", 2));
}

// --- Hugging Face fixtures --------------------------------------------------------------------------------------
TEST_CASE("zh-bert-mini: tokenizer.json gives the fixture ids for every case") {
  Tokenizer tok = load_files(models_dir() + "/zh-bert-mini", {"tokenizer.json"});
  CHECK(tok.kind() == TokenizerKind::WordPiece);
  CHECK(tok.vocab_size() == 12000);
  CHECK(check_fixture(tok, data_dir() + "/tokenizer/tokenize-zh-bert-mini.jsonl") == 0);
  CHECK(tok.cls_id() == 2);
  CHECK(tok.sep_id() == 3);
  CHECK(tok.mask_id() == 4);
  CHECK(tok.pad_id() == 0);
  CHECK(tok.unk_id() == 1);
}

TEST_CASE("zh-bert-mini: vocab.txt + tokenizer_config.json gives the same ids") {
  Tokenizer tok = load_files(models_dir() + "/zh-bert-mini", {"vocab.txt", "tokenizer_config.json"});
  CHECK(check_fixture(tok, data_dir() + "/tokenizer/tokenize-zh-bert-mini.jsonl") == 0);
  // The whole folder prefers tokenizer.json; a bare vocab.txt uses BERT's defaults (lowercase): same answers.
  CHECK(check_fixture(load_files(models_dir() + "/zh-bert-mini"), data_dir() + "/tokenizer/tokenize-zh-bert-mini.jsonl") == 0);
  CHECK(check_fixture(load_vocab_file(models_dir() + "/zh-bert-mini/vocab.txt"),
                      data_dir() + "/tokenizer/tokenize-zh-bert-mini.jsonl") == 0);
}

TEST_CASE("gpt2-mini: tokenizer.json gives the fixture ids for every case") {
  Tokenizer tok = load_files(models_dir() + "/gpt2-mini", {"tokenizer.json"});
  CHECK(tok.kind() == TokenizerKind::ByteLevelBPE);
  CHECK(tok.vocab_size() == 8192);
  CHECK(tok.eos_id() == 0);
  CHECK(check_fixture(tok, data_dir() + "/tokenizer/tokenize-gpt2-mini.jsonl") == 0);
}

TEST_CASE("gpt2-mini: vocab.json + merges.txt gives the same ids") {
  Tokenizer tok = load_files(models_dir() + "/gpt2-mini", {"vocab.json", "merges.txt", "tokenizer_config.json"});
  CHECK(check_fixture(tok, data_dir() + "/tokenizer/tokenize-gpt2-mini.jsonl") == 0);
  Tokenizer bare = load_files(models_dir() + "/gpt2-mini", {"vocab.json", "merges.txt"});
  CHECK(check_fixture(bare, data_dir() + "/tokenizer/tokenize-gpt2-mini.jsonl") == 0);
}

TEST_CASE("tokenizer_config.json settings override tokenizer.json's BertNormalizer (as transformers does)") {
  std::string tj;
  REQUIRE(attnviz_test::read_file(models_dir() + "/zh-bert-mini/tokenizer.json", &tj));
  std::string cfg = R"({"do_lower_case": false})";
  Tokenizer cased;
  Status s = Tokenizer::load(FileMap{{"tokenizer.json", tj}, {"tokenizer_config.json", cfg}}, "cfg", &cased);
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(cased.encode("Hello").tokens == strs({"[CLS]", "[UNK]", "[SEP]"}));
  Tokenizer lower;
  s = Tokenizer::load(FileMap{{"tokenizer.json", tj}, {"tokenizer_config.json", "{}"}}, "cfg", &lower);
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(lower.encode("Hello").tokens == strs({"[CLS]", "hell", "##o", "[SEP]"}));
  Tokenizer bad;
  s = Tokenizer::load(FileMap{{"tokenizer.json", tj}, {"tokenizer_config.json", R"({"strip_accents": 3})"}}, "cfg", &bad);
  CHECK(!s.ok);
  CHECK(s.message.find("strip_accents") != std::string::npos);
}

TEST_CASE("tiny test models' tokenizer.json files load and agree with the demo models") {
  Tokenizer bert = load_files(data_dir() + "/tiny-bert");
  CHECK(check_fixture(bert, data_dir() + "/tokenizer/tokenize-zh-bert-mini.jsonl") == 0);
  Tokenizer gpt = load_files(data_dir() + "/tiny-gpt2");
  CHECK(check_fixture(gpt, data_dir() + "/tokenizer/tokenize-gpt2-mini.jsonl") == 0);
}

TEST_CASE("original GPT-2 vocabulary (encoder.json + vocab.bpe) gives the fixture ids") {
  if (!shared_has("vocab/gpt2/encoder.json")) return;
  Tokenizer tok = load_files(shared_dir() + "/vocab/gpt2", {"encoder.json", "vocab.bpe"});
  CHECK(tok.vocab_size() == 50257);
  CHECK(tok.eos_id() == 50256);
  CHECK(check_fixture(tok, data_dir() + "/tokenizer/tokenize-gpt2.jsonl") == 0);
}

// --- llama.cpp's suite ------------------------------------------------------------------------------------------
// Every case matches: llama.cpp generated these ids with Hugging Face tokenizers, so no case needs an exception.
TEST_CASE("peer suite (llama.cpp): bert-base-uncased, every case identical") {
  if (!shared_has("fixtures/peer-llama.cpp/ggml-vocab-bert-bge.gguf.inp") ||
      !shared_has("vocab/bert-base-uncased.vocab.txt"))
    return;
  Tokenizer tok = load_vocab_file(shared_dir() + "/vocab/bert-base-uncased.vocab.txt");
  check_peer_suite(tok, shared_dir() + "/fixtures/peer-llama.cpp/ggml-vocab-bert-bge.gguf");
}

TEST_CASE("peer suite (llama.cpp): GPT-2, every case identical") {
  if (!shared_has("fixtures/peer-llama.cpp/ggml-vocab-gpt-2.gguf.inp") || !shared_has("vocab/gpt2/encoder.json"))
    return;
  Tokenizer tok = load_files(shared_dir() + "/vocab/gpt2", {"encoder.json", "vocab.bpe"});
  check_peer_suite(tok, shared_dir() + "/fixtures/peer-llama.cpp/ggml-vocab-gpt-2.gguf");
}

// --- original BERT vocabularies: no fixture holds their ids, so check facts that do not depend on our code --------
TEST_CASE("bert-base-chinese and bert-base-uncased: ids from the vocabulary files themselves") {
  if (!shared_has("vocab/bert-base-chinese.vocab.txt") || !shared_has("vocab/bert-base-uncased.vocab.txt")) return;
  const std::string zh_path = shared_dir() + "/vocab/bert-base-chinese.vocab.txt";
  std::string zh_bytes;
  REQUIRE(attnviz_test::read_file(zh_path, &zh_bytes));
  // The id of a token is its 0-based line number in vocab.txt: read it without the tokenizer.
  std::map<std::string, int> lines;
  {
    size_t pos = 0;
    int line = 0;
    while (pos < zh_bytes.size()) {
      size_t nl = zh_bytes.find('\n', pos);
      if (nl == std::string::npos) nl = zh_bytes.size();
      lines.emplace(zh_bytes.substr(pos, nl - pos), line++);
      pos = nl + 1;
    }
  }
  auto line_of = [&](const std::string& token) {
    auto it = lines.find(token);
    return it == lines.end() ? -1 : it->second;
  };
  Tokenizer zh = load_vocab_file(zh_path);  // lowercase (BERT's default for a bare vocabulary)
  CHECK(zh.vocab_size() == 21128);
  CHECK(zh.cls_id() == 101);
  CHECK(zh.sep_id() == 102);
  CHECK(zh.mask_id() == 103);
  CHECK(zh.unk_id() == 100);

  // Chinese-only fixture texts: one token per character under both vocabularies, so the zh-bert-mini fixture's
  // tokens are bert-base-chinese's tokens too, and each id is that token's line.
  for (const auto& c : read_fixture(data_dir() + "/tokenizer/tokenize-zh-bert-mini.jsonl")) {
    Encoding e = zh.encode(c.text);
    for (size_t k = 0; k < e.ids.size(); ++k) {
      CHECK_MESSAGE(zh.token_to_id(e.tokens[k]) == e.ids[k], "case " << c.i << " token " << e.tokens[k]);
      if (e.ids[k] != zh.unk_id()) CHECK(line_of(e.tokens[k]) == e.ids[k]);
    }
    if (c.i == 0 || c.i == 1 || c.i == 28 || c.i == 33 || c.i == 36 || c.i == 39) {
      REQUIRE(e.ids.size() == c.tokens.size());
      for (size_t k = 0; k < e.ids.size(); ++k) {
        int line = line_of(c.tokens[k]);  // absent (curly quotes in bert-base-chinese): [UNK]
        CHECK_MESSAGE(e.ids[k] == (line >= 0 ? line : 100), "case " << c.i << " token " << c.tokens[k]);
      }
    }
  }
  // 床前明月[MASK]，疑是地上霜。 -> [CLS] 床 前 明 月 [MASK] ， 疑 是 地 上 霜 。 [SEP]
  Encoding m = zh.encode("床前明月[MASK]，疑是地上霜。");
  CHECK(m.ids == std::vector<int>{101, 2414, 1184, 3209, 3299, 103, 8024, 4542, 3221, 1765, 677, 7458, 511, 102});

  // Lowercased: accents stripped after NFD ("Héllo" -> "hello", one vocabulary entry).
  Encoding h = zh.encode("Héllo");
  CHECK(h.tokens == strs({"[CLS]", "hello", "[SEP]"}));
  CHECK(h.ids[1] == line_of("hello"));
  CHECK(zh.encode("ＡＢＣ").tokens == strs({"[CLS]", "ａ", "##ｂ", "##ｃ", "[SEP]"}));  // full-width lowercases

  // Cased (as bert-base-chinese ships): "Héllo" keeps its capital and accent; the vocabulary has neither, so the
  // whole word is [UNK] (HF: one [UNK] per word), while Chinese is unchanged.
  zh.set_lowercase(false);
  Encoding hc = zh.encode("Héllo 你好");
  CHECK(hc.tokens == strs({"[CLS]", "[UNK]", "你", "好", "[SEP]"}));
  CHECK(hc.offsets[1] == std::pair<int32_t, int32_t>(0, 6));
  CHECK(zh.encode("héllo").tokens == strs({"[CLS]", "[UNK]", "[SEP]"}));  // é kept: no "##é" entry
  CHECK(zh.encode("hello").tokens == strs({"[CLS]", "hello", "[SEP]"}));
  CHECK(zh.encode("ＡＢＣ").tokens == strs({"[CLS]", "[UNK]", "[SEP]"}));

  Tokenizer en = load_vocab_file(shared_dir() + "/vocab/bert-base-uncased.vocab.txt");
  CHECK(en.vocab_size() == 30522);
  // Greedy longest match with the real vocabulary: "una" is an entry, so "unaffable" is una ##ffa ##able... the
  // textbook "un ##aff ##able" is the BERT README's toy vocabulary, not bert-base-uncased.
  Encoding u = en.encode("unaffable");
  CHECK(u.tokens == strs({"[CLS]", "una", "##ffa", "##ble", "[SEP]"}));
  CHECK(u.ids == std::vector<int>{101, 14477, 20961, 3468, 102});
  CHECK(en.encode("Héllo").ids == std::vector<int>{101, 7592, 102});  // = "hello" (7592 in llama.cpp's suite)
  CHECK(en.encode("HELLO").ids == en.encode("hello").ids);
}

// --- offsets and display ------------------------------------------------------------------------------------------
TEST_CASE("BERT offsets, specials and display labels") {
  Tokenizer tok = load_files(models_dir() + "/zh-bert-mini", {"tokenizer.json"});
  // Bytes: H0 é1-2 l3 l4 o5 ,6 space7 世8-10 界11-13 !14
  Encoding e = tok.encode("Héllo, 世界!");
  CHECK(e.tokens == strs({"[CLS]", "hell", "##o", ",", "世", "界", "!", "[SEP]"}));
  CHECK(e.offsets == Offsets{{0, 0}, {0, 5}, {5, 6}, {6, 7}, {8, 11}, {11, 14}, {14, 15}, {0, 0}});
  CHECK(e.display == strs({"[CLS]", "hell", "o", ",", "世", "界", "!", "[SEP]"}));
  CHECK(e.special == std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 0, 1});
  CHECK(e.type_ids == std::vector<int32_t>{0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(!e.truncated);

  // A combining accent typed after its letter belongs to that letter's token: H0 e1 U+0301 2-3 l4 l5 o6.
  Encoding d = tok.encode("He\xCC\x81llo");
  CHECK(d.ids == tok.encode("hello").ids);
  CHECK(d.offsets[1] == std::pair<int32_t, int32_t>(0, 6));
  CHECK(d.offsets[2] == std::pair<int32_t, int32_t>(6, 7));

  // [MASK] typed in the text: its id, its real span, flagged special.
  Encoding m = tok.encode("床前明月[MASK]，");
  CHECK(m.ids == std::vector<int>{2, 1547, 603, 2225, 2306, 4, 6154, 3});
  CHECK(m.offsets[5] == std::pair<int32_t, int32_t>(12, 18));
  CHECK(m.special[5] == 1);
  CHECK(m.display[5] == "[MASK]");
  Encoding lower_mask = tok.encode("[mask]");  // specials match exactly: this is plain text
  CHECK(lower_mask.tokens[1] == "[");
  CHECK(std::find(lower_mask.ids.begin(), lower_mask.ids.end(), 4) == lower_mask.ids.end());

  // No specials.
  EncodeOptions raw;
  raw.add_special = false;
  CHECK(tok.encode("床前", {}, raw).tokens == strs({"床", "前"}));
  CHECK(tok.encode("", {}, raw).ids.empty());

  CHECK(tok.display_token(tok.token_to_id("##ing")) == "ing");
  CHECK(tok.display_token(tok.token_to_id("[CLS]")) == "[CLS]");
  CHECK(tok.display_token(-1).empty());
  CHECK(tok.id_to_token(4) == "[MASK]");
  CHECK(tok.id_to_token(999999).empty());
  CHECK(tok.token_to_id("no such token") == -1);
}

TEST_CASE("BERT pairs and truncation (longest first, as Hugging Face)") {
  Tokenizer tok = load_files(models_dir() + "/zh-bert-mini", {"tokenizer.json"});
  Encoding p = tok.encode("床前", "明月");
  CHECK(p.tokens == strs({"[CLS]", "床", "前", "[SEP]", "明", "月", "[SEP]"}));
  CHECK(p.type_ids == std::vector<int32_t>{0, 0, 0, 0, 1, 1, 1});
  CHECK(p.offsets == Offsets{{0, 0}, {0, 3}, {3, 6}, {0, 0}, {0, 3}, {3, 6}, {0, 0}});  // pair spans index the pair

  EncodeOptions o;
  o.max_length = 5;
  Encoding t = tok.encode("床前明月光", {}, o);
  CHECK(t.tokens == strs({"[CLS]", "床", "前", "明", "[SEP]"}));
  CHECK(t.truncated);
  o.max_length = 7;
  CHECK(!tok.encode("床前明月光", {}, o).truncated);
  // 5 + 2 tokens, 4 left after [CLS] [SEP] [SEP]: the shorter keeps what it can (2), the longer gets the rest (2).
  Encoding tp = tok.encode("床前明月光", "疑是", o);
  CHECK(tp.tokens == strs({"[CLS]", "床", "前", "[SEP]", "疑", "是", "[SEP]"}));
  CHECK(tp.truncated);
  // Both long, 5 left: split 2 / 3 (the second gets the odd one when the first is not longer).
  o.max_length = 8;
  Encoding tb = tok.encode("床前明月光", "疑是地上霜", o);
  CHECK(tb.tokens == strs({"[CLS]", "床", "前", "[SEP]", "疑", "是", "地", "[SEP]"}));
  // First longer, 6 + 4 tokens, 5 left: both over half, so 2 and 3, the larger share to the longer (first) text.
  Encoding tc = tok.encode("床前明月光。", "疑是地上", o);
  CHECK(tc.tokens == strs({"[CLS]", "床", "前", "明", "[SEP]", "疑", "是", "[SEP]"}));
  // Too small for the specials: only they remain.
  o.max_length = 1;
  Encoding tiny = tok.encode("床前", {}, o);
  CHECK(tiny.tokens == strs({"[CLS]", "[SEP]"}));
  CHECK(tiny.truncated);
}

TEST_CASE("GPT-2 byte-level: offsets and display show real characters, never mojibake") {
  Tokenizer tok = load_files(models_dir() + "/gpt2-mini", {"tokenizer.json"});
  // H0 e1 l2 l3 o4 ,5 space6 w7..11 !12 space13 你14-16 好17-19 ，20-22 世23-25 界26-28 ！29-31
  Encoding e = tok.encode("Hello, world! 你好，世界！");
  CHECK(e.tokens == strs({"H", "ell", "o", ",", "Ġworld", "!", "Ġä½ł", "å¥½", "ï¼Į", "ä¸ĸçķĮ", "ï¼ģ"}));
  CHECK(e.display == strs({"H", "ell", "o", ",", " world", "!", " 你", "好", "，", "世界", "！"}));
  CHECK(e.offsets == Offsets{{0, 1}, {1, 4}, {4, 5}, {5, 6}, {6, 12}, {12, 13}, {13, 17}, {17, 20}, {20, 23}, {23, 29},
                             {29, 32}});
  CHECK(e.special == std::vector<uint8_t>(11, 0));
  CHECK(e.type_ids == std::vector<int32_t>(11, 0));

  // 床 splits into two byte pieces: both point at the character; the second is marked as its continuation.
  Encoding c = tok.encode("床前明月光");
  REQUIRE(c.tokens.size() >= 3);
  CHECK(c.tokens[0] == "åº");
  CHECK(c.tokens[1] == "Ĭ");
  CHECK(c.display[0] == "床");
  CHECK(c.display[1] == "·床");
  CHECK(c.offsets[0] == std::pair<int32_t, int32_t>(0, 3));
  CHECK(c.offsets[1] == std::pair<int32_t, int32_t>(0, 3));
  CHECK(c.display[2] == "前");

  // é under byte BPE (two pieces "Ã" "©").
  Encoding a = tok.encode("Café");
  CHECK(a.tokens == strs({"C", "af", "Ã", "©"}));
  CHECK(a.display == strs({"C", "af", "é", "·é"}));
  CHECK(a.offsets == Offsets{{0, 1}, {1, 3}, {3, 5}, {3, 5}});

  // Control characters and newlines get visible labels.
  Encoding n = tok.encode("a\tb\nc");
  CHECK(n.tokens == strs({"a", "ĉ", "b", "Ċ", "c"}));
  CHECK(n.display == strs({"a", "⇥", "b", "↵", "c"}));

  // No display label anywhere in the fixtures is mojibake: each is valid UTF-8 and made of the text's characters.
  for (const auto& fc : read_fixture(data_dir() + "/tokenizer/tokenize-gpt2-mini.jsonl")) {
    Encoding f = tok.encode(fc.text);
    for (size_t k = 0; k < f.display.size(); ++k) {
      std::string d = f.display[k];
      if (d.rfind("·", 0) == 0) d = d.substr(2);
      std::string span = fc.text.substr(static_cast<size_t>(f.offsets[k].first),
                                        static_cast<size_t>(f.offsets[k].second - f.offsets[k].first));
      bool has_control = false;
      for (char ch : span) has_control = has_control || (static_cast<unsigned char>(ch) < 0x20);
      if (!has_control) CHECK_MESSAGE(span.find(d.substr(d[0] == ' ' ? 1 : 0)) != std::string::npos,
                                      "case " << fc.i << " token " << k << " '" << f.display[k] << "' vs '" << span << "'");
    }
  }

  CHECK(tok.display_token(tok.token_to_id("Ġthe")) == " the");
  CHECK(tok.display_token(tok.token_to_id("åº")) == "<0xE5><0xBA>");
  CHECK(tok.display_token(0) == "<|endoftext|>");

  // A pair: the second text's tokens have type 1 and offsets into it; GPT-2 adds no specials.
  Encoding p = tok.encode("The", " the");
  CHECK(p.tokens == strs({"The", "Ġthe"}));
  CHECK(p.type_ids == std::vector<int32_t>{0, 1});
  CHECK(p.offsets == Offsets{{0, 3}, {0, 4}});
  EncodeOptions o;
  o.max_length = 3;
  Encoding t = tok.encode("In the beginning God created", {}, o);
  CHECK(t.tokens == strs({"In", "Ġthe", "Ġbeginning"}));
  CHECK(t.truncated);
}

TEST_CASE("GPT-2 (original vocabulary): emoji pieces, whitespace runs, contractions") {
  if (!shared_has("vocab/gpt2/encoder.json")) return;
  Tokenizer tok = load_files(shared_dir() + "/vocab/gpt2", {"encoder.json", "vocab.bpe"});
  Encoding e = tok.encode("🦙");  // F0 9F A6 99
  CHECK(e.ids == std::vector<int>{8582, 99, 247});
  CHECK(e.display == strs({"🦙", "·🦙", "·🦙"}));
  CHECK(e.offsets == Offsets{{0, 4}, {0, 4}, {0, 4}});
  // \s+(?!\S): the run before a word leaves its last space to the word.
  CHECK(tok.encode("a\n\n b").tokens == strs({"a", "ĊĊ", "Ġb"}));
  CHECK(tok.encode("a   ").tokens == strs({"a", "Ġ", "Ġ", "Ġ"}));  // vocab.bpe has no space-space merge
  CHECK(tok.encode("x 's 'S").tokens == strs({"x", "Ġ'", "s", "Ġ'", "S"}));
  CHECK(tok.encode("he's").tokens == strs({"he", "'s"}));
  CHECK(tok.encode("").ids.empty());
  CHECK(tok.encode("<|endoftext|>").ids.size() > 1);  // no added tokens in these files: plain text
}

TEST_CASE("BERT on strings outside the fixtures: control chars, whitespace, long words, emoji, full-width") {
  Tokenizer tok = load_files(models_dir() + "/zh-bert-mini", {"tokenizer.json"});
  auto ids = [&](const std::string& s) { return tok.encode(s).ids; };
  CHECK(ids("") == std::vector<int>{2, 3});
  CHECK(ids("a\x01" "b\x7f" "c") == ids("abc"));         // control characters vanish inside a word
  CHECK(ids(std::string("a\0b", 3)) == ids("ab"));       // NUL too
  CHECK(ids("a\xEF\xBF\xBD" "b") == ids("ab"));         // and U+FFFD
  CHECK(ids("a \t\n\r\x0b\xC2\xA0\xE3\x80\x80 b") == ids("a b"));  // every White_Space is a separator
  CHECK(ids("   ") == std::vector<int>{2, 3});
  CHECK(ids("a\xE2\x80\x8B" "b") == ids("ab"));        // zero-width space is Cf: removed, joins
  std::string a100(100, 'a'), a101(101, 'a');
  Encoding e100 = tok.encode(a100);
  CHECK(e100.ids.size() > 3);  // 100 characters: still split into pieces
  for (int id : e100.ids) CHECK(id != tok.unk_id());
  CHECK(ids(a101) == std::vector<int>{2, 1, 3});  // 101: one [UNK]
  Encoding u = tok.encode("x " + a101 + " y");
  CHECK(u.offsets[2] == std::pair<int32_t, int32_t>(2, 103));
  std::string zh150;
  for (int k = 0; k < 150; ++k) zh150 += "中";
  CHECK(tok.encode(zh150).ids.size() == 152);  // every CJK ideograph its own word, no length limit across them
  // CJK ranges as Hugging Face's Rust code has them: U+2B820..U+2B91F are not split (its range starts at 0x2B920),
  // so two of them make one [UNK] word, while two from U+2B920 on are two words.
  CHECK(ids("\xF0\xAB\xA0\xA0\xF0\xAB\xA0\xA1") == std::vector<int>{2, 1, 3});  // U+2B820 U+2B821
  CHECK(ids("\xF0\xAB\xA4\xA0\xF0\xAB\xA4\xA1") == std::vector<int>{2, 1, 1, 3});  // U+2B920 U+2B921
  CHECK(ids("\xF0\xAA\x9B\x96\xF0\xAA\x9B\x96") == std::vector<int>{2, 1, 1, 3});  // U+2A6D6 (Extension B)
  CHECK(ids("😀") == std::vector<int>{2, 1, 3});
  CHECK(ids("😀!") == std::vector<int>{2, 1, 5, 3});
  CHECK(ids("ＡＢＣ") == std::vector<int>{2, 1, 3});  // full-width: lowercased but no such entry
  CHECK(tok.encode("$5+3=8").tokens == strs({"[CLS]", "$", "5", "+", "3", "=", "8", "[SEP]"}));  // ASCII symbols split
  CHECK(tok.encode("naïve").tokens == tok.encode("naive").tokens);
  // Invalid UTF-8 never crashes; the bad byte is dropped like U+FFFD.
  CHECK(ids("ab\xFF") == ids("ab"));

  tok.set_lowercase(false);  // the vocabulary is lowercase: capitals become [UNK] words
  CHECK(tok.encode("Hello world").tokens == strs({"[CLS]", "[UNK]", "world", "[SEP]"}));
  tok.set_lowercase(true);
  CHECK(tok.encode("Hello world").tokens == strs({"[CLS]", "hell", "##o", "world", "[SEP]"}));
}

TEST_CASE("byte-level BPE on invalid UTF-8 and odd input: no crash, offsets in range") {
  Tokenizer tok = load_files(models_dir() + "/gpt2-mini", {"tokenizer.json"});
  for (std::string s : {std::string("ab\xFF\xFE"), std::string("\xE4\xB8"), std::string("x\0y", 3),
                        std::string(3000, ' '), std::string("\xF0\x9F\x98\x80\xF0\x9F")}) {
    Encoding e = tok.encode(s);
    CHECK(!e.ids.empty());
    for (size_t k = 0; k < e.ids.size(); ++k) {
      CHECK(e.offsets[k].second <= static_cast<int32_t>(s.size()));
      CHECK(is_valid_utf8(e.display[k].data(), e.display[k].size()));
    }
  }
  Tokenizer empty;  // never loaded
  CHECK(empty.encode("abc").ids.empty());
}

// --- bad files ----------------------------------------------------------------------------------------------------
namespace {
Status load_map(std::initializer_list<std::pair<const char*, std::string>> files) {
  std::map<std::string, std::string> store;
  for (const auto& f : files) store[f.first] = f.second;
  FileMap m;
  for (const auto& f : store) m[f.first] = f.second;
  Tokenizer tok;
  Status s = Tokenizer::load(m, "bad", &tok);
  if (s.ok) {
    tok.encode("hello world");  // loaded anyway: must still be usable
  }
  return s;
}

void expect_error(const Status& s, const std::string& mentions) {
  CHECK(!s.ok);
  CHECK_MESSAGE(s.message.find(mentions) != std::string::npos, "message: " << s.message);
}
}  // namespace

TEST_CASE("bad tokenizer files give a clear error, never a crash") {
  Tokenizer tok;
  expect_error(Tokenizer::load_vocab_txt("", "vocab.txt", &tok), "empty");
  expect_error(Tokenizer::load_vocab_txt("a\nb\n", "vocab.txt", &tok), "[UNK]");  // no unknown token
  expect_error(Tokenizer::load_vocab_txt("[UNK]\n\xFF\n", "vocab.txt", &tok), "UTF-8");
  expect_error(load_map({{"vocab.txt", ""}}), "empty");
  expect_error(load_map({}), "no tokenizer files");

  expect_error(load_map({{"tokenizer.json", "{not json"}}), "not valid JSON");
  expect_error(load_map({{"tokenizer.json", "[1, 2]"}}), "object");
  expect_error(load_map({{"tokenizer.json", "{}"}}), "model");
  expect_error(load_map({{"tokenizer.json", R"({"model": 5})"}}), "model");
  expect_error(load_map({{"tokenizer.json", R"({"model": {"type": "WordPiece"}})"}}), "vocab");
  expect_error(load_map({{"tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": [1, 2]}})"}}), "object");
  expect_error(load_map({{"tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": {"a": "x"}}})"}}),
               "not an integer");
  expect_error(load_map({{"tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": {"a": -3}}})"}}), "id");
  expect_error(load_map({{"tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": {"a": 99999999999}}})"}}),
               "id");
  expect_error(load_map({{"tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}})"}}), "[UNK]");
  expect_error(load_map({{"tokenizer.json",
                          R"({"model": {"type": "WordPiece", "unk_token": 7, "vocab": {"[UNK]": 0}}})"}}),
               "unk_token");
  expect_error(load_map({{"tokenizer.json", R"({"model": {"type": "Unigram", "vocab": []}})"}}), "Unigram");
  const std::string wp_ok = R"("model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 1}})";
  CHECK(load_map({{"tokenizer.json", "{" + wp_ok + "}"}}).ok);
  expect_error(load_map({{"tokenizer.json", "{" + wp_ok + R"(, "added_tokens": {"id": 1})" + "}"}}), "added_tokens");
  expect_error(load_map({{"tokenizer.json", "{" + wp_ok + R"(, "added_tokens": [{"id": "1", "content": "x"}])" + "}"}}),
               "id");
  expect_error(load_map({{"tokenizer.json", "{" + wp_ok + R"(, "added_tokens": [{"id": 1, "content": 5}])" + "}"}}),
               "content");
  expect_error(load_map({{"tokenizer.json",
                          "{" + wp_ok + R"(, "added_tokens": [{"id": 1, "content": "x", "special": "yes"}])" + "}"}}),
               "special");
  expect_error(load_map({{"tokenizer.json", "{" + wp_ok + R"(, "normalizer": {"type": "NFKC"}})"}}), "NFKC");
  expect_error(load_map({{"tokenizer.json", "{" + wp_ok + R"(, "normalizer": {"type": "BertNormalizer", "lowercase": 1}})"}}),
               "lowercase");
  expect_error(load_map({{"tokenizer.json", "{" + wp_ok + R"(, "pre_tokenizer": {"type": "Metaspace"}})"}}), "Metaspace");
  expect_error(load_map({{"tokenizer.json", "{" + wp_ok + R"(, "post_processor": {"type": "BertProcessing", "sep": 3}})"}}),
               "sep");
  expect_error(load_map({{"tokenizer.json",
                          "{" + wp_ok + R"(, "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[X]", "type_id": 0}}], "pair": []}})"}}),
               "[X]");

  const std::string bpe_pre = R"("pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false})";
  expect_error(load_map({{"tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}, )" + bpe_pre + "}"}}),
               "not in the vocabulary");
  expect_error(load_map({{"tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [3]}, )" + bpe_pre + "}"}}),
               "merges");
  expect_error(load_map({{"tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}}, )" + bpe_pre + "}"}}),
               "merges");
  expect_error(load_map({{"tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})"}}),
               "ByteLevel");
  CHECK(load_map({{"tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]}, )" + bpe_pre + "}"}}).ok);

  // vocab.json + merges.txt, encoder.json + vocab.bpe
  const std::string vj = R"({"a": 0, "b": 1, "ab": 2})";
  CHECK(load_map({{"vocab.json", vj}, {"merges.txt", "#version: 0.2\na b\n"}}).ok);
  expect_error(load_map({{"vocab.json", vj}, {"merges.txt", "#version: 0.2\na c\n"}}), "'c'");
  expect_error(load_map({{"vocab.json", vj}, {"merges.txt", "a b\nab\n"}}), "line 2");
  expect_error(load_map({{"vocab.json", vj}, {"merges.txt", "a b c\n"}}), "line 1");
  expect_error(load_map({{"vocab.json", "[1, 2]"}, {"merges.txt", "a b\n"}}), "object");
  expect_error(load_map({{"vocab.json", "{\"a\": "}, {"merges.txt", "a b\n"}}), "not valid JSON");
  expect_error(load_map({{"vocab.json", vj}}), "merges.txt");
  expect_error(load_map({{"merges.txt", "a b\n"}}), "vocab.json");
  expect_error(load_map({{"encoder.json", R"({"a": "0", "b": 1})"}, {"vocab.bpe", "a b\n"}}), "encoder.json");
  expect_error(load_map({{"encoder.json", R"({"a": 1.5})"}, {"vocab.bpe", ""}}), "integer");
  expect_error(load_map({{"encoder.json", vj}}), "vocab.bpe");
  expect_error(load_map({{"vocab.json", vj}, {"merges.txt", "a b\n"}, {"tokenizer_config.json", "{\"add_prefix_space\": 1}"}}),
               "add_prefix_space");

  // vocab.txt + a broken tokenizer_config.json
  expect_error(load_map({{"vocab.txt", "[UNK]\na\n"}, {"tokenizer_config.json", "nope"}}), "tokenizer_config.json");
  expect_error(load_map({{"vocab.txt", "[UNK]\na\n"}, {"tokenizer_config.json", R"({"do_lower_case": "yes"})"}}),
               "do_lower_case");
  CHECK(load_map({{"vocab.txt", "[UNK]\na\n"}, {"tokenizer_config.json", R"({"do_lower_case": false})"}}).ok);

  // A failed load leaves the previous tokenizer in place.
  Tokenizer good = load_files(models_dir() + "/zh-bert-mini", {"tokenizer.json"});
  Status s = Tokenizer::load_vocab_txt("", "x", &good);
  CHECK(!s.ok);
  CHECK(good.encode("床").ids == std::vector<int>{2, 1547, 3});
}

TEST_CASE("tokenizer.json features beyond the demo models: TemplateProcessing, added tokens with flags") {
  const std::string tj = R"({
    "added_tokens": [
      {"id": 0, "content": "[UNK]", "special": true},
      {"id": 5, "content": "<x>", "special": false, "normalized": true, "lstrip": true, "rstrip": true},
      {"id": 6, "content": "[BOS]", "special": true, "single_word": true}
    ],
    "normalizer": {"type": "BertNormalizer", "lowercase": true},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
      "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
      "special_tokens": {"[BOS]": {"id": "[BOS]", "ids": [6], "tokens": ["[BOS]"]}}},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1, "b": 2, "##b": 3, "c": 4}}
  })";
  std::string storage = tj;
  FileMap m{{"tokenizer.json", storage}};
  Tokenizer tok;
  Status s = Tokenizer::load(m, "mem", &tok);
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(tok.vocab_size() == 7);
  Encoding e = tok.encode("ab c");
  CHECK(e.tokens == strs({"[BOS]", "a", "##b", "c"}));
  CHECK(e.special == std::vector<uint8_t>{1, 0, 0, 0});
  // Normalized added token: matched after lowercasing ("<X>" -> "<x>"), lstrip/rstrip take the spaces.
  Encoding x = tok.encode("a <X> b");
  CHECK(x.tokens == strs({"[BOS]", "a", "<x>", "b"}));
  CHECK(x.offsets[2] == std::pair<int32_t, int32_t>(1, 6));
  // single_word: "[BOS]" inside a word is not the special token.
  CHECK(tok.encode("a[BOS]").tokens == strs({"[BOS]", "a", "[UNK]", "[UNK]", "[UNK]"}));
  CHECK(tok.encode("a [BOS] c").tokens == strs({"[BOS]", "a", "[BOS]", "c"}));
  Encoding p = tok.encode("a", "c");
  CHECK(p.tokens == strs({"a", "c"}));
  CHECK(p.type_ids == std::vector<int32_t>{0, 1});
}

TEST_CASE("ByteLevel add_prefix_space: a space in front of each text, mapped to its start") {
  std::string bytes;
  REQUIRE(attnviz_test::read_file(models_dir() + "/gpt2-mini/tokenizer.json", &bytes));
  const std::string from = "\"type\": \"ByteLevel\",\n    \"add_prefix_space\": false";
  size_t at = bytes.find(from);
  REQUIRE(at != std::string::npos);
  bytes.replace(at, from.size(), "\"type\": \"ByteLevel\",\n    \"add_prefix_space\": true");
  FileMap m{{"tokenizer.json", bytes}};
  Tokenizer tok;
  Status s = Tokenizer::load(m, "prefix", &tok);
  REQUIRE_MESSAGE(s.ok, s.message);
  Tokenizer plain = load_files(models_dir() + "/gpt2-mini", {"tokenizer.json"});
  Encoding e = tok.encode("the earth");
  CHECK(e.ids == plain.encode(" the earth").ids);
  CHECK(e.tokens == strs({"Ġthe", "Ġearth"}));
  CHECK(e.offsets == Offsets{{0, 3}, {3, 9}});
  CHECK(e.display == strs({" the", " earth"}));
  CHECK(tok.encode(" the").ids == plain.encode(" the").ids);  // already there: no second space
  Encoding z = tok.encode("床");  // the added space stays a token of its own here: it has no bytes in the text
  CHECK(z.ids == plain.encode(" 床").ids);
  CHECK(z.tokens == strs({"Ġ", "åº", "Ĭ"}));
  CHECK(z.offsets == Offsets{{0, 0}, {0, 3}, {0, 3}});
  CHECK(z.display == strs({" ", "床", "·床"}));
}

TEST_CASE("fuzz: mutated tokenizer files and random input bytes never crash") {
  // Deterministic generator (no <random> distribution differences between platforms).
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const std::string tj = R"({"added_tokens": [{"id": 0, "content": "[UNK]", "special": true},)"
                         R"( {"id": 5, "content": "<x>", "lstrip": true, "rstrip": true}],)"
                         R"( "normalizer": {"type": "BertNormalizer", "lowercase": true, "strip_accents": null},)"
                         R"( "pre_tokenizer": {"type": "BertPreTokenizer"},)"
                         R"( "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},)"
                         R"( "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "[CLS]": 1,)"
                         R"( "[SEP]": 2, "a": 3, "##b": 4}}})";
  const std::string vj = R"({"a": 0, "b": 1, "ab": 2, "\u0120": 3, "\u0120a": 4})";
  const std::string mt = "#version: 0.2\na b\n\xC4\xA0 a\n";
  int loaded = 0;
  for (int round = 0; round < 300; ++round) {
    std::string t = tj, v = vj, m = mt;
    std::string* target = round % 3 == 0 ? &t : round % 3 == 1 ? &v : &m;
    int edits = 1 + static_cast<int>(next() % 4);
    for (int k = 0; k < edits && !target->empty(); ++k) {
      size_t at = next() % target->size();
      switch (next() % 3) {
        case 0: (*target)[at] = static_cast<char>(next() & 0xFF); break;
        case 1: target->erase(at, 1 + next() % 8); break;
        default: target->insert(at, 1, "{}[]\":,0 a"[next() % 10]); break;
      }
    }
    Tokenizer tok;
    Status s = round % 3 == 0 ? Tokenizer::load(FileMap{{"tokenizer.json", t}}, "fuzz", &tok)
                              : Tokenizer::load(FileMap{{"vocab.json", v}, {"merges.txt", m}}, "fuzz", &tok);
    if (!s.ok) {
      CHECK(!s.message.empty());
      continue;
    }
    ++loaded;
    for (const char* text : {"ab ab", "a<x>b", "\xE4\xB8\xAD a", ""}) {
      Encoding e = tok.encode(text, "b");
      REQUIRE(e.offsets.size() == e.ids.size());
      for (int id : e.ids) CHECK(id >= 0);
    }
  }
  CHECK(loaded > 0);  // some mutations stay loadable (e.g. inside string values)

  Tokenizer bert = load_files(models_dir() + "/zh-bert-mini", {"tokenizer.json"});
  Tokenizer gpt = load_files(models_dir() + "/gpt2-mini", {"tokenizer.json"});
  const char* pieces[] = {"a", "Z", " ", "\t", "\n", "中", "é", "e\xCC\x81", "[MASK]", "[CLS]", "'s", "😀", "\xFF",
                          "\xE4", "\x80", "\0", "１", "ＡＢ", "\xE2\x80\x8B", "  ", "!", "<|endoftext|>", "İ", "Σ"};
  const size_t n_pieces = sizeof(pieces) / sizeof(pieces[0]);
  for (int round = 0; round < 500; ++round) {
    std::string s;
    int len = static_cast<int>(next() % 12);
    for (int k = 0; k < len; ++k) {
      const char* p = pieces[next() % n_pieces];
      s += (p[0] == 0) ? std::string(1, '\0') : std::string(p);
    }
    for (const Tokenizer* tok : {&bert, &gpt}) {
      EncodeOptions o;
      o.max_length = static_cast<int>(next() % 10);
      Encoding e = tok->encode(s, round % 2 ? std::string_view("x y") : std::string_view(), o);
      REQUIRE(e.tokens.size() == e.ids.size());
      REQUIRE(e.display.size() == e.ids.size());
      if (o.max_length > 2) CHECK(static_cast<int>(e.ids.size()) <= o.max_length);
      for (size_t k = 0; k < e.ids.size(); ++k) {
        size_t limit = e.type_ids[k] == 1 ? 3 : s.size();
        CHECK(e.offsets[k].first <= e.offsets[k].second);
        CHECK(static_cast<size_t>(e.offsets[k].second) <= limit);
        CHECK(is_valid_utf8(e.display[k].data(), e.display[k].size()));
        CHECK(e.tokens[k] == tok->id_to_token(e.ids[k]));
      }
    }
  }
}

// --- issue 12: spans after characters the normalizer removes; Hugging Face's Unicode versions ----------------------
// Expected values from Hugging Face tokenizers 0.23 (tests/oracle/regressions.jsonl has these and more).
TEST_CASE("offsets: a piece ends at its last kept character, never after removed marks, controls or U+FFFD") {
  Tokenizer tok = load_files(models_dir() + "/zh-bert-mini", {"tokenizer.json"});
  // c0 a1 f2 e3 U+0301 4-5 space6 o7 k8: "##fe" is [2,4], not [2,6].
  Encoding e = tok.encode("cafe\xCC\x81 ok");
  CHECK(e.tokens == strs({"[CLS]", "ca", "##fe", "ok", "[SEP]"}));
  CHECK(e.offsets == Offsets{{0, 0}, {0, 2}, {2, 4}, {7, 9}, {0, 0}});
  // ZWJ inside a word, NUL inside a word, U+FFFD and BEL at a word's edges: removed, in no span.
  Encoding c = tok.encode(std::string("a\xE2\x80\x8D" "b ok") + std::string(1, '\0') + "x \xEF\xBF\xBD" "ab\x07");
  CHECK(c.offsets == Offsets{{0, 0}, {0, 5}, {6, 8}, {9, 10}, {14, 16}, {0, 0}});
  // Marks removed before and after a word, format characters before and after another.
  CHECK(tok.encode("\xCC\x81\xCC\x81" "ab\xCC\x81\xCC\x81 x").offsets == Offsets{{0, 0}, {4, 6}, {11, 12}, {0, 0}});
  CHECK(tok.encode("\xC2\xAD\xE2\x80\x8Bok\xE2\x80\x8E").offsets == Offsets{{0, 0}, {5, 7}, {0, 0}});
  // NFD's canonical ordering moves U+1D16E (ccc 216) before U+0654 (230); spans stay by position, as in Hugging
  // Face's NormalizedString, so the kept U+1D16E gets the first character's span.
  CHECK(tok.encode("\xD9\x94\xF0\x9D\x85\xAE").offsets == Offsets{{0, 0}, {0, 2}, {0, 0}});
  // Without accent stripping there is no NFD and no reordering: the word spans everything.
  tok.set_lowercase(false);
  CHECK(tok.encode("\xE1\xA2\x86\xF0\x9D\x85\xA8\xD9\x97\xD8\x96").offsets == Offsets{{0, 0}, {0, 11}, {0, 0}});
}

TEST_CASE("offsets: Hebrew points removed by bert-base-uncased (issue 12)") {
  if (!shared_has("vocab/bert-base-uncased.vocab.txt")) return;
  Tokenizer tok = load_vocab_file(shared_dir() + "/vocab/bert-base-uncased.vocab.txt");
  Encoding e = tok.encode("\xD7\xA9\xD6\xB8\xD7\x81\xD7\x9C\xD7\x95\xD6\xB9\xD7\x9D");  // shin qamats shin-dot lamed vav holam mem
  CHECK(e.tokens == strs({"[CLS]", "\xD7\xA9", "##\xD7\x9C", "##\xD7\x95", "##\xD7\x9D", "[SEP]"}));
  CHECK(e.offsets == Offsets{{0, 0}, {0, 2}, {6, 8}, {8, 10}, {12, 14}, {0, 0}});
}

TEST_CASE("Unicode tables as Hugging Face's BERT sees them: Unicode 8.0 categories, Unicode 9.0 NFD") {
  // U+0890 (Cf, Unicode 14) is removed by a current-Unicode BERT, kept by Hugging Face's.
  CHECK(general_category(0x0890) == GeneralCategory::Cf);
  CHECK(uprops::category(unicode_props(0x0890, UnicodeTable::HfBert)) == GeneralCategory::Cn);
  // Category changes since 8.0 that matter: U+111C9 was punctuation, U+1885 a letter (now Mn).
  CHECK(uprops::is_punctuation(unicode_props(0x111C9, UnicodeTable::HfBert)));
  CHECK(!uprops::is_punctuation(unicode_props(0x111C9)));
  CHECK(uprops::category(unicode_props(0x1885, UnicodeTable::HfBert)) == GeneralCategory::Lo);
  // Combining classes of 9.0 (Adlam's U+1E944 came in 9.0), none for later marks (U+10EFD, Unicode 15).
  CHECK(canonical_combining_class(0x1E944, UnicodeTable::HfBert) == 230);
  CHECK(canonical_combining_class(0x10EFD) == 220);
  CHECK(canonical_combining_class(0x10EFD, UnicodeTable::HfBert) == 0);
  // U+11938's decomposition came in Unicode 13: not decomposed there.
  CHECK((unicode_props(0x11938) & uprops::kHasDecomposition) != 0);
  CHECK((unicode_props(0x11938, UnicodeTable::HfBert) & uprops::kHasDecomposition) == 0);
  UnicodePropsCursor cur(UnicodeTable::HfBert);
  CHECK(cur.get(0x0890) == unicode_props(0x0890, UnicodeTable::HfBert));
  CHECK(cur.get(0x4E00) == unicode_props(0x4E00));
  Tokenizer tok = load_files(models_dir() + "/zh-bert-mini", {"tokenizer.json"});
  CHECK(tok.encode("a\xE0\xA2\x90" "b").ids.size() == 3);  // U+0890 kept: [CLS] one word [SEP]
}
