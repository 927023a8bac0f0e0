// Fuzz target: one tokenizer file format, chosen at build time by ATTNVIZ_FUZZ_FILES ("vocab.json|merges.txt|..."):
// the input holds those files joined by attnviz_fuzz::kSplit (missing ones are absent; one more part, if any, is a
// text). A loaded tokenizer then encodes a fixed mixed-script text, the extra text or a slice of the input, and a
// pair, under a length limit too; every encoding must keep its promises (sizes agree, ids in range, spans inside
// their text).
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "tokenizer.h"

using namespace attnviz;

#ifndef ATTNVIZ_FUZZ_FILES
#error "ATTNVIZ_FUZZ_FILES names the files of the format, joined by '|'"
#endif

namespace {

std::vector<std::string> file_names() {
  std::vector<std::string> names;
  std::string_view all = ATTNVIZ_FUZZ_FILES;
  size_t pos = 0;
  for (;;) {
    const size_t bar = all.find('|', pos);
    names.emplace_back(all.substr(pos, bar == std::string_view::npos ? std::string_view::npos : bar - pos));
    if (bar == std::string_view::npos) break;
    pos = bar + 1;
  }
  return names;
}

void check(const Tokenizer& tok, std::string_view text, std::string_view pair, const EncodeOptions& opt) {
  const Encoding e = tok.encode(text, pair, opt);
  const size_t n = e.ids.size();
  FUZZ_CHECK(e.tokens.size() == n && e.type_ids.size() == n && e.offsets.size() == n && e.special.size() == n &&
             e.display.size() == n);
  if (opt.max_length > 0) FUZZ_CHECK(n <= static_cast<size_t>(opt.max_length));
  const int V = tok.vocab_size();
  for (size_t i = 0; i < n; i++) {
    FUZZ_CHECK(e.ids[i] >= 0 && e.ids[i] < V);
    FUZZ_CHECK(e.type_ids[i] == 0 || e.type_ids[i] == 1);
    const size_t len = e.type_ids[i] == 1 ? pair.size() : text.size();
    FUZZ_CHECK(e.offsets[i].first >= 0 && e.offsets[i].first <= e.offsets[i].second &&
               static_cast<size_t>(e.offsets[i].second) <= len);
    (void)tok.display_token(e.ids[i]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> names = file_names();
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string_view> parts = attnviz_fuzz::split_files(in);
  FileMap files;
  for (size_t i = 0; i < names.size() && i < parts.size(); i++)
    if (!parts[i].empty()) files[names[i]] = parts[i];
  Tokenizer tok;
  Status s = files.size() == 1 && names[0] == "vocab.txt" && (size & 1)
                 ? Tokenizer::load_vocab_txt(files.begin()->second, "vocab.txt", &tok)  // a bare vocabulary file
                 : Tokenizer::load(files, "fuzz", &tok);
  if (!s.ok) {
    FUZZ_CHECK(!s.message.empty());
    return 0;
  }
  FUZZ_CHECK(tok.vocab_size() > 0);
  for (int id : {tok.cls_id(), tok.sep_id(), tok.mask_id(), tok.pad_id(), tok.unk_id(), tok.eos_id()})
    FUZZ_CHECK(id >= -1 && id < tok.vocab_size());
  const std::string_view text = parts.size() > names.size() ? parts[names.size()] : in.substr(0, 256);
  const std::string fixed = "Hello, 世界! café ﬁ 床前明月光 \t\r\n x\u0301 👩‍💻 ️ [MASK] <|endoftext|> 123.45 don't";
  EncodeOptions opt;
  check(tok, fixed, {}, opt);
  check(tok, text, {}, opt);
  check(tok, fixed, text, opt);
  opt.max_length = 5;
  check(tok, text, fixed, opt);
  opt.add_special = false;
  opt.max_length = 0;
  check(tok, text, {}, opt);
  tok.set_lowercase(true);
  check(tok, text, {}, opt);
  for (int id = 0; id < tok.vocab_size() && id < 64; id++) {
    const std::string t = tok.id_to_token(id);
    (void)tok.token_to_id(t);
  }
  return 0;
}
