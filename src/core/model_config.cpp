// config.json -> ModelConfig for BERT and GPT-2. Sizes here are only bounded for sanity; the loader checks each
// against the tensors actually in the file before anything is allocated from them. std + nlohmann-json only.
#include "model_config.h"

#include <nlohmann/json.hpp>

namespace attnviz {

using json = nlohmann::json;

namespace {

struct Reader {
  const json& j;
  const std::string& what;
  Status status;

  // Reads a positive integer key (the first of `keys` present); `fallback` when none is present and fallback > 0.
  int int_key(std::initializer_list<const char*> keys, int fallback, int max_value) {
    for (const char* k : keys) {
      auto it = j.find(k);
      if (it == j.end() || it->is_null()) continue;
      if (!it->is_number_unsigned() || it->get<uint64_t>() == 0 || it->get<uint64_t>() > static_cast<uint64_t>(max_value)) {
        fail(std::string("'") + k + "' must be an integer from 1 to " + std::to_string(max_value));
        return 0;
      }
      return static_cast<int>(it->get<uint64_t>());
    }
    if (fallback > 0) return fallback;
    fail(std::string("missing '") + *keys.begin() + "'");
    return 0;
  }

  double num_key(const char* key, double fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    if (!it->is_number()) {
      fail(std::string("'") + key + "' must be a number");
      return fallback;
    }
    return it->get<double>();
  }

  bool bool_key(const char* key, bool fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) {
      fail(std::string("'") + key + "' must be true or false");
      return fallback;
    }
    return it->get<bool>();
  }

  std::string str_key(const char* key, const std::string& fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    if (!it->is_string()) {
      fail(std::string("'") + key + "' must be a string");
      return fallback;
    }
    return it->get_ref<const std::string&>();
  }

  void fail(const std::string& msg) {
    if (status.ok) status = Status::error(what + ": " + msg);
  }
};

bool parse_activation(const std::string& s, Activation* out) {
  if (s == "gelu" || s == "gelu_python") *out = Activation::GeluErf;
  else if (s == "gelu_new" || s == "gelu_pytorch_tanh" || s == "gelu_fast") *out = Activation::GeluTanh;
  else if (s == "relu") *out = Activation::Relu;
  else return false;
  return true;
}

// "12" -> 12; false for anything that is not a plain decimal number below 2^24.
bool parse_index(const std::string& s, int* out) {
  if (s.empty() || s.size() > 8) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Status parse_model_config(std::string_view json_text, const std::string& what, ModelConfig* out, bool* head_known) {
  *out = ModelConfig{};
  *head_known = false;
  json j = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::error(what + ": not a JSON object");
  Reader r{j, what, {}};
  const std::string type = r.str_key("model_type", "");
  if (!r.status) return r.status;
  if (type.empty()) return Status::error(what + ": missing 'model_type' (expected \"bert\" or \"gpt2\")");
  ModelConfig& c = *out;
  std::string act_name;
  if (type == "bert") {
    c.family = Family::Bert;
    c.d_model = r.int_key({"hidden_size"}, 0, 1 << 16);
    c.n_layers = r.int_key({"num_hidden_layers"}, 0, 1024);
    c.n_heads = r.int_key({"num_attention_heads"}, 0, 1024);
    c.d_ff = r.int_key({"intermediate_size"}, 0, 1 << 20);
    c.max_positions = r.int_key({"max_position_embeddings"}, 512, 1 << 20);
    c.vocab_size = r.int_key({"vocab_size"}, 0, 1 << 24);
    c.type_vocab_size = r.int_key({"type_vocab_size"}, 2, 1 << 16);
    c.ln_eps = static_cast<float>(r.num_key("layer_norm_eps", 1e-12));
    act_name = r.str_key("hidden_act", "gelu");
    const std::string pos = r.str_key("position_embedding_type", "absolute");
    if (r.status && pos != "absolute")
      return Status::error(what + ": position_embedding_type '" + pos + "' is not supported (only \"absolute\")");
    if (r.bool_key("is_decoder", false) && r.status)
      return Status::error(what + ": is_decoder BERT models are not supported");
  } else if (type == "gpt2") {
    c.family = Family::Gpt2;
    c.d_model = r.int_key({"n_embd", "hidden_size"}, 0, 1 << 16);
    c.n_layers = r.int_key({"n_layer", "num_hidden_layers"}, 0, 1024);
    c.n_heads = r.int_key({"n_head", "num_attention_heads"}, 0, 1024);
    c.max_positions = r.int_key({"n_positions", "n_ctx", "max_position_embeddings"}, 1024, 1 << 20);
    c.vocab_size = r.int_key({"vocab_size"}, 50257, 1 << 24);
    c.d_ff = r.int_key({"n_inner"}, r.status && c.d_model > 0 ? 4 * c.d_model : 1, 1 << 20);
    c.type_vocab_size = 0;
    c.ln_eps = static_cast<float>(r.num_key("layer_norm_epsilon", 1e-5));
    act_name = r.str_key("activation_function", "gelu_new");
    c.scale_attn_weights = r.bool_key("scale_attn_weights", true);
    c.scale_attn_by_inverse_layer_idx = r.bool_key("scale_attn_by_inverse_layer_idx", false);
  } else {
    return Status::error(what + ": model_type '" + type + "' is not supported (expected \"bert\" or \"gpt2\")");
  }
  if (!r.status) return r.status;
  if (!parse_activation(act_name, &c.act))
    return Status::error(what + ": activation '" + act_name + "' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)");
  if (!(c.ln_eps >= 0.f) || c.ln_eps > 1.f) return Status::error(what + ": layer norm epsilon out of range");
  if (c.d_model % c.n_heads != 0)
    return Status::error(what + ": hidden size " + std::to_string(c.d_model) + " is not divisible by the number of heads (" +
                         std::to_string(c.n_heads) + ")");
  c.d_head = c.d_model / c.n_heads;

  auto arch = j.find("architectures");
  if (arch != j.end() && arch->is_array() && !arch->empty() && (*arch)[0].is_string()) {
    c.architecture = (*arch)[0].get_ref<const std::string&>();
    const std::string& a = c.architecture;
    *head_known = true;
    if (c.family == Family::Bert) {
      if (a == "BertModel") c.head = HeadKind::None;
      else if (a == "BertForMaskedLM" || a == "BertForPreTraining" || a == "BertLMHeadModel") c.head = HeadKind::MaskedLM;
      else if (a == "BertForTokenClassification") c.head = HeadKind::TokenClassification;
      else if (a == "BertForSequenceClassification") c.head = HeadKind::SequenceClassification;
      else return Status::error(what + ": architecture '" + a + "' is not supported for bert");
    } else {
      if (a == "GPT2Model") c.head = HeadKind::None;
      else if (a == "GPT2LMHeadModel") c.head = HeadKind::CausalLM;
      else return Status::error(what + ": architecture '" + a + "' is not supported for gpt2");
    }
  }

  // Labels in id order; their count is checked against the classifier's weights by the loader.
  auto labels = j.find("id2label");
  if (labels != j.end() && labels->is_object() && !labels->empty()) {
    if (labels->size() > (1u << 16)) return Status::error(what + ": id2label has too many entries");
    c.labels.assign(labels->size(), std::string());
    std::vector<bool> seen(labels->size(), false);
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      int id = 0;
      if (!parse_index(it.key(), &id) || id >= static_cast<int>(c.labels.size()) || seen[id] || !it.value().is_string())
        return Status::error(what + ": id2label must map 0..n-1 to label strings (bad entry '" + it.key() + "')");
      seen[id] = true;
      c.labels[id] = it.value().get_ref<const std::string&>();
    }
  }
  return Status::success();
}

const std::vector<std::string>& supported_architectures() {
  static const std::vector<std::string> list = {"BertModel", "BertForMaskedLM", "BertForPreTraining", "BertLMHeadModel",
                                                "BertForTokenClassification", "BertForSequenceClassification",
                                                "GPT2Model", "GPT2LMHeadModel"};
  return list;
}

}  // namespace attnviz
