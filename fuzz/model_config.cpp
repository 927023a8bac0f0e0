// Fuzz target: config.json. parse_model_config must accept or refuse with a message; an accepted config is then
// loaded with the real weights of the tiny test models (tests/data) and, when it loads, run on a few tokens, so numbers
// in the config that disagree with the weights (heads, layers, sizes) are caught before they index anything.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "model.h"
#include "model_config.h"

using namespace attnviz;

namespace {
const std::string& weights(const std::string& name) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(name);
  if (it == cache.end())
    it = cache.emplace(name, attnviz_fuzz::read_file(std::string(ATTNVIZ_SOURCE_DIR) + "/tests/data/" + name +
                                                     "/model.safetensors")).first;
  return it->second;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ModelConfig c;
  bool head_known = false;
  const Status s = parse_model_config(text, "config.json", &c, &head_known);
  if (!s.ok) {
    FUZZ_CHECK(!s.message.empty());
    return 0;
  }
  for (const char* name : {"tiny-bert", "tiny-bert-ner", "tiny-gpt2"}) {
    FileMap files;
    files["config.json"] = text;
    files["model.safetensors"] = weights(name);
    Model m;
    const Status l = Model::load(files, name, &m);
    if (!l.ok) {
      FUZZ_CHECK(!l.message.empty());
      continue;
    }
    const ModelConfig& mc = m.config();
    const int T = std::min(4, mc.max_positions);
    if (T <= 0 || mc.vocab_size <= 0) continue;
    std::vector<int32_t> ids(T);
    for (int t = 0; t < T; t++) ids[t] = (t * 7919) % mc.vocab_size;
    ForwardOptions opt;
    opt.all_positions = true;
    Activations a;
    (void)m.forward(ids, {}, opt, &a);
  }
  return 0;
}
