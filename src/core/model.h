// Model: Hugging Face BERT and GPT-2 checkpoints (config.json + safetensors, F32/F16/BF16, sharded or not) run in
// float32 with Eigen, keeping every intermediate the viewer draws. All tensors are row-major (said once, here).
// Eigen/std only: no GL, ImGui, emscripten or printing.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "byte_source.h"
#include "status.h"

namespace attnviz {

// Bert = bidirectional post-LN encoders (BERT and its relatives RoBERTa, XLM-RoBERTa, DistilBERT: see Variant);
// Gpt2 = causal pre-LN decoders.
enum class Family { Bert, Gpt2 };
// Which encoder's parameter names and embedding rules a Family::Bert model uses (from config.json's architectures,
// else model_type). Bert: "bert." names, positions 0..T-1, token types. Roberta (also XLM-RoBERTa): "roberta."
// names with BERT's sub-names, positions from pad_token_id + 1 (transformers' create_position_ids_from_input_ids),
// lm_head / classifier.dense+out_proj heads. DistilBert: "distilbert." names (q_lin, sa_layer_norm, ffn.lin1, ...),
// no token types, optional sinusoidal positions, vocab_transform / pre_classifier heads.
enum class Variant { Bert, Roberta, DistilBert };
enum class Activation { GeluErf, GeluTanh, Relu };
enum class HeadKind {
  None,                    // BertModel, GPT2Model: logits are empty
  MaskedLM,                // BertForMaskedLM / BertForPreTraining: vocabulary logits
  CausalLM,                // GPT2LMHeadModel: vocabulary logits
  TokenClassification,     // BertForTokenClassification: per-token label logits (labels from id2label)
  SequenceClassification,  // BertForSequenceClassification: one row of label logits from the pooled [CLS]
};

struct ModelConfig {
  Family family = Family::Bert;
  HeadKind head = HeadKind::None;
  Activation act = Activation::GeluErf;
  int n_layers = 0;
  int n_heads = 0;
  int d_model = 0;      // hidden size D
  int d_head = 0;       // D / n_heads
  int d_ff = 0;         // intermediate size
  int max_positions = 0;   // longest input in tokens (RoBERTa: position table rows - pad_token_id - 1)
  int vocab_size = 0;
  int type_vocab_size = 0;  // BERT / RoBERTa; 0 for GPT-2 and DistilBERT (no token type embeddings)
  Variant variant = Variant::Bert;
  int position_rows = 0;    // rows of the position table (config max_position_embeddings / n_positions)
  int pad_id = -1;          // RoBERTa: config pad_token_id (positions count from pad_id + 1; pad tokens get pad_id)
  bool sinusoidal_positions = false;  // DistilBERT sinusoidal_pos_embds: fixed sin/cos table, not from the weights
  Activation mlm_act = Activation::GeluErf;  // act of the MLM transform (BERT/DistilBERT: config act; RoBERTa: gelu)
  bool pool_relu = false;   // sequence classification: ReLU after the pooler dense (DistilBERT) instead of tanh
  float ln_eps = 1e-12f;
  std::vector<std::string> labels;  // id2label in id order (classification heads), else empty
  std::string architecture;         // config.json architectures[0], e.g. "BertForMaskedLM"
  bool scale_attn_weights = true;               // GPT-2: scores / sqrt(d_head) (always on for BERT)
  bool scale_attn_by_inverse_layer_idx = false;  // GPT-2: scores also / (layer + 1)
};

// Per-call options of Model::forward.
struct ForwardOptions {
  // Positions (0-based) at which to run the language-model head; empty with all_positions=false runs none.
  // Token- and sequence-classification heads always run (they are cheap).
  std::vector<int> lm_positions;
  bool all_positions = false;
  // (layers * heads) 1 = knock this head out: its output (context vector) is zeroed before the output projection.
  // Empty = no knockout. Attention probabilities are still recorded for a knocked-out head.
  std::vector<uint8_t> head_mask;
  // Asked before each layer; true = stop: forward returns the error kCancelled and `out` holds a partial pass.
  // Empty = never (how the engine abandons a pass that newer input made useless).
  std::function<bool()> cancelled;
};

constexpr const char* kCancelled = "cancelled";  // Status message of a pass stopped by ForwardOptions::cancelled

// Everything one forward pass keeps for the viewer. Buffers are sized when the model or T changes and reused.
struct Activations {
  int T = 0;
  std::vector<float> attentions;  // (L, H, T, T) softmax probabilities, row = query, column = key
  std::vector<float> q, k, v;     // (L, H, T, d_head) per-head projections (q before the 1/sqrt(d) scale)
  std::vector<float> hidden;      // (L+1, T, D) Hugging Face output_hidden_states ([0] embeddings; GPT-2's last after ln_f)
  std::vector<float> logits;      // (P, V) LM logits at logit_positions, or (T, labels) / (1, labels) for classifiers
  std::vector<int> logit_positions;  // (P) the rows of `logits` (LM heads); 0..T-1 for token classification
  int logit_cols = 0;             // V or number of labels
  double ms = 0;                  // wall time of the pass, filled by the caller that times it (optional)

  const float* attention(int layer, int head, int n_heads) const {
    return attentions.data() + (static_cast<size_t>(layer) * n_heads + head) * T * T;
  }
};

// Where a loaded model's weights live (bytes): used in place in the files' bytes, or float32 copies the model owns
// (F16/BF16 converted, misaligned or gathered tensors, biases concatenated, computed tables).
struct ModelMemory {
  size_t in_place_bytes = 0;
  size_t owned_bytes = 0;
};

class Model {
 public:
  Model();
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  // Loads config.json and model.safetensors (or model.safetensors.index.json + its shards, or pytorch_model.bin and
  // its shards) from `files`. `what` names the source in messages. Never crashes on bad bytes: every size is checked
  // against the file. On failure *out keeps its previous model.
  // `owners` (optional): for the weight files it names, the model keeps that owner and uses each float32 tensor in
  // place (little-endian, 4-byte aligned, within the file's bytes) instead of copying it; other tensors (F16/BF16,
  // misaligned, gathered from strided torch storages) are converted to float32 copies. Without owners every tensor
  // is copied and `files` may be dropped after the call. Same values either way.
  // `sources` (optional): safetensors weight files absent from `files` are read by range through these (only their
  // header, then each tensor converted in 64K-element chunks straight into its float32 copy), so an F16/BF16 file is
  // never held whole beside its floats. Same values and messages as from bytes; a short read fails the load.
  // The sources are not kept after the call.
  static Status load(const FileMap& files, const std::string& what, Model* out, const FileOwners* owners = nullptr,
                     const ByteSources* sources = nullptr);

  const ModelConfig& config() const;
  ModelMemory memory() const;  // where the weights live (zeros before a load)

  // Runs ids (T <= max_positions; the caller truncates) with token type ids (BERT / RoBERTa; empty = all 0;
  // DistilBERT ignores them).
  // Fails with a message for ids out of the vocabulary or T out of range.
  Status forward(const std::vector<int32_t>& ids, const std::vector<int32_t>& type_ids, const ForwardOptions& opt,
                 Activations* out);

  double flops(int T) const;  // multiply-adds x2 of one forward pass without the LM head (for bench gflops)
  double flops_lm(int rows) const;  // multiply-adds x2 of the LM head at `rows` positions (0 without an LM head)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attnviz
