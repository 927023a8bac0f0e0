// Predictions: pure helpers behind the predictions and knockout panels — top-k with softmax probabilities from logit
// rows, the positions where the LM head must run, BIO entity spans from token-classification logits, and the text
// edits the panel makes (mask a token, append a GPT-2 candidate). Standard library only: no ImGui, no GL.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model.h"

namespace attnviz {

struct Candidate {
  int id = -1;       // vocabulary id or label id
  float prob = 0;    // softmax probability over the whole row
  float logit = 0;
};

// Softmax over logits (n), then the k most probable, best first (ties: lower id first). k is clamped to n.
std::vector<Candidate> top_k_softmax(const float* logits, int n, int k);

// Where Model::forward must run the LM head for the predictions panel (ForwardOptions.lm_positions):
// MaskedLM: every position whose id is mask_id (ascending); CausalLM: the last position; other heads: none.
std::vector<int> lm_positions_for(HeadKind head, const std::vector<int32_t>& ids, int mask_id);

// One BIO label split into its prefix and entity type: "B-PER" -> {'B', "PER"}, "I-LOC" -> {'I', "LOC"},
// "O" or anything unrecognised -> {'O', ""}. "B_PER" and "S-/E-" schemes are read as B/I as well (S=B, E=I).
struct BioLabel {
  char prefix = 'O';  // 'B', 'I' or 'O'
  std::string type;   // "PER", "LOC", "ORG", ... ("" for O)
};
BioLabel parse_bio_label(std::string_view label);

// Argmax label of every row of logits (rows, cols) and its softmax probability. Output (rows) each.
void argmax_rows(const float* logits, int rows, int cols, std::vector<int>* label_ids, std::vector<float>* probs);

// A run of tokens [begin, end) tagged as one entity.
struct EntitySpan {
  int begin = 0, end = 0;  // token indices, end exclusive
  std::string type;        // "PER", ...
  float score = 0;         // mean probability of the tags in the span
};

// Entity spans from per-token label ids (T) (and their probabilities, (T) or empty), as seqeval's default mode
// reads BIO: B-X starts a span; I-X continues a span of type X and otherwise starts one (a lenient start);
// O ends the span. Tokens flagged in `special` (T, may be empty) are never tagged and end any open span.
std::vector<EntitySpan> bio_spans(const std::vector<int>& label_ids, const std::vector<float>& probs,
                                  const std::vector<std::string>& labels, const std::vector<uint8_t>& special);

// Replaces bytes [begin, end) of `text` with `mask`. False (text unchanged) when the span is empty or outside text.
bool mask_span(std::string* text, int begin, int end, std::string_view mask = "[MASK]");

// GPT-2 byte-level BPE vocabulary string -> the bytes it stands for ("Ġthe" -> " the", "Ċ" -> "\n").
// Code points outside GPT-2's byte alphabet are copied through as UTF-8.
std::string byte_level_decode(std::string_view token);

// True when `s` is well-formed UTF-8 with no sequence cut at the end (safe to append to the input text).
bool utf8_complete(std::string_view s);

}  // namespace attnviz
