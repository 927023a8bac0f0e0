// Tests for what the page's Hub client relies on in the core: the list of supported architectures it names when it
// refuses a model from config.json alone, before any weight download.
#include <doctest.h>

#include <string>

#include "model_config.h"

namespace {

std::string config_with(const std::string& model_type, const std::string& arch) {
  if (model_type == "gpt2")
    return R"({"model_type": "gpt2", "architectures": [")" + arch +
           R"("], "n_embd": 16, "n_layer": 1, "n_head": 2, "vocab_size": 50})";
  return R"({"model_type": ")" + model_type + R"(", "architectures": [")" + arch +
         R"("], "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32, "vocab_size": 50, "pad_token_id": 1})";
}

}  // namespace

TEST_CASE("hub: every architecture in supported_architectures() parses, and others are refused naming them") {
  const auto& list = attnviz::supported_architectures();
  REQUIRE(list.size() >= 20);
  for (const std::string& a : list) {
    INFO(a);
    attnviz::ModelConfig c;
    bool head_known = false;
    const std::string type = a.rfind("GPT2", 0) == 0         ? "gpt2"
                             : a.rfind("XLMRoberta", 0) == 0 ? "xlm-roberta"
                             : a.rfind("Roberta", 0) == 0    ? "roberta"
                             : a.rfind("DistilBert", 0) == 0 ? "distilbert"
                                                             : "bert";
    const attnviz::Status st = attnviz::parse_model_config(config_with(type, a), "config.json", &c, &head_known);
    CHECK(st.ok);
    CHECK(head_known);
  }
  const std::pair<std::string, std::string> others[] = {
      {"bert", "BertForQuestionAnswering"}, {"gpt2", "GPT2ForSequenceClassification"}, {"llama", "LlamaForCausalLM"}};
  for (const auto& other : others) {
    const std::string type = other.first, arch = other.second;  // (clang 14: no structured bindings in INFO's lambda)
    INFO(arch);
    attnviz::ModelConfig c;
    bool head_known = false;
    const attnviz::Status st = attnviz::parse_model_config(config_with(type, arch), "config.json", &c, &head_known);
    CHECK(!st.ok);
    CHECK(st.message.find(type == "llama" ? "llama" : arch) != std::string::npos);
  }
}
