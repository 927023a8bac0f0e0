// ModelConfig parsing: Hugging Face config.json for model_type bert and gpt2 into attnviz::ModelConfig, checking
// every field it reads. std + nlohmann-json (non-throwing calls only) only.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "model.h"

namespace attnviz {

// Parses config.json. `what` names the file in messages. The head comes from architectures[0]; when the config has
// no architectures, *head_known is set false and the caller picks the head from the weights present.
Status parse_model_config(std::string_view json_text, const std::string& what, ModelConfig* out, bool* head_known);

// The config.json "architectures" values parse_model_config accepts (BERT, RoBERTa, XLM-RoBERTa, DistilBERT, GPT-2), for messages such as
// the page's refusal of a Hub model before downloading its weights. Kept in step with the parser by a unit test.
const std::vector<std::string>& supported_architectures();

}  // namespace attnviz
