// Fuzz target: the CLI's JSON input lines (src/core/input_line.h), then the texts encoded by both demo tokenizers
// (models/zh-bert-mini and models/gpt2-mini, loaded once), as `attnviz tokenize` does with each line.
#include <string>

#include "folder.h"
#include "fuzz_util.h"
#include "input_line.h"
#include "tokenizer.h"

using namespace attnviz;

namespace {
Tokenizer load(const char* name) {
  FolderFiles f;
  Tokenizer tok;
  const std::string dir = std::string(ATTNVIZ_SOURCE_DIR) + "/models/" + name;
  FUZZ_CHECK(read_folder(dir, &f).ok);
  FUZZ_CHECK(Tokenizer::load(f.view(), dir, &tok).ok);
  return tok;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Tokenizer bert = load("zh-bert-mini");
  static const Tokenizer gpt2 = load("gpt2-mini");
  const InputLine in = parse_input_line(std::string_view(reinterpret_cast<const char*>(data), size));
  if (in.kind != InputLineKind::Ok) {
    FUZZ_CHECK(in.text.empty() && in.pair.empty());
    return 0;
  }
  for (const Tokenizer* tok : {&bert, &gpt2}) {
    const Encoding e = tok->encode(in.text, in.pair, EncodeOptions{});
    FUZZ_CHECK(e.offsets.size() == e.ids.size() && e.tokens.size() == e.ids.size());
    for (size_t i = 0; i < e.ids.size(); i++) {
      FUZZ_CHECK(e.ids[i] >= 0 && e.ids[i] < tok->vocab_size());
      const size_t len = e.type_ids[i] == 1 ? in.pair.size() : in.text.size();
      FUZZ_CHECK(e.offsets[i].first <= e.offsets[i].second && static_cast<size_t>(e.offsets[i].second) <= len);
    }
  }
  return 0;
}
