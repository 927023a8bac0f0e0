// config.json -> ModelConfig for BERT (and RoBERTa / XLM-RoBERTa / DistilBERT) and GPT-2. Sizes here are only bounded for sanity; the loader checks each
// against the tensors actually in the file before anything is allocated from them. std + nlohmann-json only.
#include "model_config.h"

#include <cstring>
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


// Every architecture parse_model_config accepts, for refusal messages.
const char* const kSupported =
    "BertModel, BertForMaskedLM, BertForPreTraining, BertLMHeadModel, BertForTokenClassification, "
    "BertForSequenceClassification, the same four as Roberta*, XLMRoberta* and DistilBert* (Model, ForMaskedLM, "
    "ForTokenClassification, ForSequenceClassification), GPT2Model, GPT2LMHeadModel";

// RoBERTa / XLM-RoBERTa (transformers' modeling_roberta.py: BERT's config keys, positions after pad_token_id,
// an LM head with a fixed exact GELU) and DistilBERT (modeling_distilbert.py: its own keys dim / n_layers / n_heads /
// hidden_dim / activation, no token types, LayerNorm eps fixed at 1e-12).
Status parse_encoder_variant(Reader& r, const std::string& kind, ModelConfig* out, std::string* act_name) {
  ModelConfig& c = *out;
  c.family = Family::Bert;
  if (kind == "roberta") {
    c.variant = Variant::Roberta;
    c.d_model = r.int_key({"hidden_size"}, 0, 1 << 16);
    c.n_layers = r.int_key({"num_hidden_layers"}, 0, 1024);
    c.n_heads = r.int_key({"num_attention_heads"}, 0, 1024);
    c.d_ff = r.int_key({"intermediate_size"}, 0, 1 << 20);
    c.position_rows = r.int_key({"max_position_embeddings"}, 514, 1 << 20);
    c.vocab_size = r.int_key({"vocab_size"}, 0, 1 << 24);
    c.type_vocab_size = r.int_key({"type_vocab_size"}, 1, 1 << 16);
    c.ln_eps = static_cast<float>(r.num_key("layer_norm_eps", 1e-12));
    *act_name = r.str_key("hidden_act", "gelu");
    c.mlm_act = Activation::GeluErf;  // RobertaLMHead calls gelu() whatever hidden_act says
    auto pad = r.j.find("pad_token_id");
    if (pad == r.j.end() || pad->is_null()) c.pad_id = 1;
    else if (pad->is_number_unsigned() && pad->get<uint64_t>() < (1u << 24)) c.pad_id = static_cast<int>(pad->get<uint64_t>());
    else r.fail("'pad_token_id' must be a non-negative integer (RoBERTa numbers positions after it)");
    if (!r.status) return r.status;
    if (c.pad_id + 1 >= c.position_rows)
      return Status::error(r.what + ": max_position_embeddings " + std::to_string(c.position_rows) +
                           " leaves no positions after pad_token_id " + std::to_string(c.pad_id));
    c.max_positions = c.position_rows - c.pad_id - 1;
    const std::string pos = r.str_key("position_embedding_type", "absolute");
    if (r.status && pos != "absolute")
      return Status::error(r.what + ": position_embedding_type '" + pos + "' is not supported (only \"absolute\")");
    if (r.bool_key("is_decoder", false) && r.status)
      return Status::error(r.what + ": is_decoder RoBERTa models are not supported");
  } else {
    c.variant = Variant::DistilBert;
    c.d_model = r.int_key({"dim", "hidden_size"}, 0, 1 << 16);
    c.n_layers = r.int_key({"n_layers", "num_hidden_layers"}, 0, 1024);
    c.n_heads = r.int_key({"n_heads", "num_attention_heads"}, 0, 1024);
    c.d_ff = r.int_key({"hidden_dim", "intermediate_size"}, 0, 1 << 20);
    c.max_positions = r.int_key({"max_position_embeddings"}, 512, 1 << 20);
    c.vocab_size = r.int_key({"vocab_size"}, 0, 1 << 24);
    c.type_vocab_size = 0;
    c.ln_eps = 1e-12f;  // hard-coded in transformers' DistilBERT (Embeddings, TransformerBlock, vocab_layer_norm)
    *act_name = r.str_key("activation", "gelu");
    c.sinusoidal_positions = r.bool_key("sinusoidal_pos_embds", false);
    c.pool_relu = true;  // DistilBertForSequenceClassification: pre_classifier -> ReLU -> classifier
  }
  return r.status;
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
  // The encoder variant: from architectures[0]'s class prefix when there is one, else from model_type.
  std::string arch0;
  if (auto a = j.find("architectures"); a != j.end() && a->is_array() && !a->empty() && (*a)[0].is_string())
    arch0 = (*a)[0].get_ref<const std::string&>();
  auto starts = [&](const char* p) { return arch0.compare(0, std::strlen(p), p) == 0; };
  std::string kind = type;
  const bool known_type = type == "bert" || type == "roberta" || type == "xlm-roberta" || type == "distilbert" || type == "gpt2";
  if (!known_type) kind.clear();
  else if (starts("XLMRoberta") || starts("Roberta")) kind = "roberta";
  else if (starts("DistilBert")) kind = "distilbert";
  else if (starts("Bert")) kind = "bert";
  else if (starts("GPT2")) kind = "gpt2";
  else if (type == "xlm-roberta") kind = "roberta";
  if (kind == "roberta" || kind == "distilbert") {
    Status s = parse_encoder_variant(r, kind, &c, &act_name);
    if (!s) return s;
  } else if (kind == "bert") {
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
  } else if (kind == "gpt2") {
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
    return Status::error(what + ": model_type '" + type + "' is not supported (expected bert, roberta, xlm-roberta, "
                         "distilbert or gpt2)");
  }
  if (!r.status) return r.status;
  if (c.position_rows == 0) c.position_rows = c.max_positions;
  if (!parse_activation(act_name, &c.act))
    return Status::error(what + ": activation '" + act_name + "' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)");
  if (c.variant == Variant::Bert || c.variant == Variant::DistilBert) c.mlm_act = c.act;
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
      const char* base = c.variant == Variant::DistilBert ? "DistilBert" : c.variant == Variant::Roberta
                         ? (starts("XLMRoberta") ? "XLMRoberta" : "Roberta") : "Bert";
      const std::string b(base);
      if (a == b + "Model") c.head = HeadKind::None;
      else if (a == b + "ForMaskedLM" || (c.variant == Variant::Bert && (a == "BertForPreTraining" || a == "BertLMHeadModel")))
        c.head = HeadKind::MaskedLM;
      else if (a == b + "ForTokenClassification") c.head = HeadKind::TokenClassification;
      else if (a == b + "ForSequenceClassification") c.head = HeadKind::SequenceClassification;
      else return Status::error(what + ": architecture '" + a + "' is not supported (attnviz runs " + kSupported + ")");
    } else {
      if (a == "GPT2Model") c.head = HeadKind::None;
      else if (a == "GPT2LMHeadModel") c.head = HeadKind::CausalLM;
      else return Status::error(what + ": architecture '" + a + "' is not supported (attnviz runs " + kSupported + ")");
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
  static const std::vector<std::string> list = {
      "BertModel", "BertForMaskedLM", "BertForPreTraining", "BertLMHeadModel", "BertForTokenClassification",
      "BertForSequenceClassification", "RobertaModel", "RobertaForMaskedLM", "RobertaForTokenClassification",
      "RobertaForSequenceClassification", "XLMRobertaModel", "XLMRobertaForMaskedLM",
      "XLMRobertaForTokenClassification", "XLMRobertaForSequenceClassification", "DistilBertModel",
      "DistilBertForMaskedLM", "DistilBertForTokenClassification", "DistilBertForSequenceClassification",
      "GPT2Model", "GPT2LMHeadModel"};
  return list;
}

}  // namespace attnviz
