// EngineCore: the engine's work, the same in every implementation — load a model and its tokenizer from files, and
// run one request: tokenize, forward (abandonable between layers), then the summaries the open views need.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "engine.h"

namespace attnviz {

std::string files_hash(const FileMap& files) { return files_hash(files, ByteSources{}); }

std::string files_hash(const FileMap& files, const ByteSources& sources) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64 offset basis
  auto mix = [&h](const void* p, size_t n) {
    const unsigned char* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; i++) {
      h ^= b[i];
      h *= 1099511628211ull;
    }
  };
  std::map<std::string, std::pair<std::string_view, const ByteSource*>> all;  // by name, as std::map orders FileMap
  for (const auto& [name, data] : files) all[name] = {data, nullptr};
  for (const auto& [name, src] : sources)
    if (!files.count(name) && src) all[name] = {std::string_view(), src.get()};
  std::vector<unsigned char> buf;
  for (const auto& [name, entry] : all) {
    if (name == "training_metrics.json" || name == "generation_config.json") continue;  // do not change the weights
    mix(name.data(), name.size());
    mix("\0", 1);
    if (!entry.second) {
      mix(entry.first.data(), entry.first.size());
      continue;
    }
    const uint64_t size = entry.second->size();
    buf.resize(1 << 20);
    for (uint64_t at = 0; at < size; at += buf.size()) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - at));
      if (!entry.second->read(at, n, buf.data())) return std::string();
      mix(buf.data(), n);
    }
  }
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// Model + tokenizer from `files`, checked against each other (a tokenizer with more tokens than config.json's
// vocab_size came from another model), and the ModelInfo both loads report. Nothing of the engine changes here.
static Status load_model_and_tokenizer(const FileMap& files, const std::string& name, bool user,
                                       const FileOwners* owners, Model* model, Tokenizer* tok, ModelInfo* info,
                                       const ByteSources* sources = nullptr) {
  Status st = Model::load(files, name, model, owners, sources);
  if (st) st = Tokenizer::load(files, name, tok);
  if (!st) return st;
  if (tok->vocab_size() > 0 && model->config().vocab_size > 0 && tok->vocab_size() > model->config().vocab_size)
    return Status::error(name + ": the tokenizer has " + std::to_string(tok->vocab_size()) +
                         " tokens but config.json says vocab_size " + std::to_string(model->config().vocab_size) +
                         " (tokenizer files from another model?)");
  ModelInfo m;
  m.name = user ? "user:" + name : name;
  m.hash = !user ? std::string() : files_hash(files, sources ? *sources : ByteSources{});
  if (user && m.hash.empty()) return Status::error(name + ": a weight file could not be read again (changed while loading?)");
  m.cfg = model->config();
  m.mask_id = tok->mask_id();
  m.mask_token = m.mask_id >= 0 ? tok->id_to_token(m.mask_id) : std::string();
  m.cls_id = tok->cls_id();
  m.sep_id = tok->sep_id();
  m.eos_id = tok->eos_id();
  m.byte_level = tok->kind() == TokenizerKind::ByteLevelBPE;
  m.tokenizer_vocab = tok->vocab_size();
  *info = std::move(m);
  return Status::success();
}

Status EngineCore::load(const FileMap& files, const std::string& name, bool user, ModelInfo* info,
                        const FileOwners* owners, const ByteSources* sources) {
  Model model;
  Tokenizer tok;
  ModelInfo m;
  Status st = load_model_and_tokenizer(files, name, user, owners, &model, &tok, &m, sources);
  if (!st) return st;
  model_ = std::move(model);
  tokenizer_ = std::move(tok);
  info_ = m;
  loaded_ = true;
  if (compare_loaded_)
    compare_fits_ = compare_mismatch(model_.config(), tokenizer_, compare_model_.config(), compare_tokenizer_).empty();
  *info = std::move(m);
  return Status::success();
}

std::string compare_mismatch(const ModelConfig& a, const Tokenizer& ta, const ModelConfig& b, const Tokenizer& tb) {
  if (a.n_layers != b.n_layers || a.n_heads != b.n_heads || a.d_model != b.d_model)
    return "shape: " + std::to_string(a.n_layers) + " layers x " + std::to_string(a.n_heads) + " heads, hidden " +
           std::to_string(a.d_model) + " vs " + std::to_string(b.n_layers) + " layers x " + std::to_string(b.n_heads) +
           " heads, hidden " + std::to_string(b.d_model);
  if (ta.kind() != tb.kind() || ta.vocab_size() != tb.vocab_size())
    return "tokenizer: " + std::to_string(ta.vocab_size()) + " vs " + std::to_string(tb.vocab_size()) + " tokens";
  for (int id = 0; id < ta.vocab_size(); id++)
    if (ta.id_to_token(id) != tb.id_to_token(id))
      return "tokenizer: token " + std::to_string(id) + " is \"" + ta.id_to_token(id) + "\" vs \"" + tb.id_to_token(id) + "\"";
  return std::string();
}

Status EngineCore::load_compare(const FileMap& files, const std::string& name, bool user, ModelInfo* info,
                                const FileOwners* owners, const ByteSources* sources) {
  Model model;
  Tokenizer tok;
  ModelInfo m;
  Status st = load_model_and_tokenizer(files, name, user, owners, &model, &tok, &m, sources);
  if (!st) return st;
  *info = m;
  if (loaded_) {
    const std::string why = compare_mismatch(model_.config(), tokenizer_, model.config(), tok);
    if (!why.empty()) return Status::error(why);
  }
  compare_model_ = std::move(model);
  compare_tokenizer_ = std::move(tok);
  compare_info_ = std::move(m);
  compare_loaded_ = true;
  compare_fits_ = true;  // with no current model yet: checked when it loads
  return Status::success();
}

namespace {

// Head means (L,T,T), rollout (L,T,T) and per-head stats (L*H) of r's attentions (analysis.h).
void compute_summaries(int L, int H, RunResult* out) {
  RunResult& r = *out;
  const int T = r.act.T;
  const size_t TT = static_cast<size_t>(T) * T;
  r.head_mean.assign(L * TT, 0.0f);
  for (int l = 0; l < L; l++) mean_over_heads(r.act.attention(l, 0, H), H, T, r.head_mean.data() + l * TT);
  r.rollout.assign(L * TT, 0.0f);
  attention_rollout(r.act.attentions.data(), L, H, T, r.rollout.data());
  r.stats = all_head_stats(r.act.attentions.data(), L, H, T, r.is_cls, r.is_sep);
}

}  // namespace

bool EngineCore::summarize(const RunRequest& req, int L, int H, RunResult* last, RunResult* out) {
  const int T = last->act.T;
  const size_t need = static_cast<size_t>(L) * H * T * T;
  if (req.summaries_of == 0 || !last->valid || last->request_id != req.summaries_of || T <= 0 || L <= 0 || H <= 0 ||
      last->act.attentions.size() != need || last->is_cls.size() != static_cast<size_t>(T) ||
      last->is_sep.size() != static_cast<size_t>(T))
    return false;
  const auto t0 = std::chrono::steady_clock::now();
  const size_t LTT = static_cast<size_t>(L) * T * T;
  if (last->rollout.size() != LTT || last->head_mean.size() != LTT || last->stats.size() != static_cast<size_t>(L) * H)
    compute_summaries(L, H, last);  // once per run: later asks copy the cached ones
  RunResult r;
  r.valid = true;
  r.request_id = req.id;
  r.summaries_of = req.summaries_of;
  r.act.T = T;
  r.rollout = last->rollout;
  r.head_mean = last->head_mean;
  r.stats = last->stats;
  r.total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  *out = std::move(r);
  return true;
}

Status EngineCore::run(const RunRequest& req, const std::function<bool()>& cancelled, RunResult* out) {
  if (!loaded_) return Status::error("no model loaded yet");
  const auto t0 = std::chrono::steady_clock::now();
  const ModelConfig& cfg = model_.config();
  RunResult& r = *out;
  r.valid = false;  // until the pass completes: an abandoned pass leaves no run to summarise
  r.summaries_of = 0;
  r.request_id = req.id;
  EncodeOptions eo;
  eo.max_length = cfg.max_positions;
  Encoding enc = tokenizer_.encode(req.text, cfg.family == Family::Bert ? std::string_view(req.pair) : std::string_view(),
                                   eo);
  if (enc.ids.empty()) {  // GPT-2 on an empty text: nothing to run, nothing to draw
    r.valid = false;
    r.enc = std::move(enc);
    r.act.T = 0;
    return Status::success();
  }
  ForwardOptions fo;
  if (cfg.head == HeadKind::MaskedLM) {
    for (size_t i = 0; i < enc.ids.size(); i++)
      if (enc.ids[i] == tokenizer_.mask_id()) fo.lm_positions.push_back(static_cast<int>(i));
  } else if (cfg.head == HeadKind::CausalLM) {
    fo.lm_positions.push_back(static_cast<int>(enc.ids.size()) - 1);
  }
  const int L = cfg.n_layers, H = cfg.n_heads;
  if (req.head_mask.size() == static_cast<size_t>(L) * H) fo.head_mask = req.head_mask;
  fo.cancelled = cancelled;
  const auto f0 = std::chrono::steady_clock::now();
  Status st = model_.forward(enc.ids, enc.type_ids, fo, &r.act);
  const auto f1 = std::chrono::steady_clock::now();
  if (!st) {
    r.valid = false;
    return st;
  }
  const int T = r.act.T;
  r.ms = std::chrono::duration<double, std::milli>(f1 - f0).count();
  r.act.ms = r.ms;
  r.act.hidden.clear();  // no view draws hidden states: they stay here
  r.act.hidden.shrink_to_fit();
  if (!req.want_qkv) {
    for (auto* v : {&r.act.q, &r.act.k, &r.act.v}) {
      v->clear();
      v->shrink_to_fit();
    }
  }
  r.truncated = enc.truncated;
  r.enc = std::move(enc);
  r.is_cls.assign(T, 0);
  r.is_sep.assign(T, 0);
  for (int i = 0; i < T; i++) {
    const int id = r.enc.ids[i];
    if (cfg.family == Family::Bert) {
      r.is_cls[i] = id == tokenizer_.cls_id();
      r.is_sep[i] = id == tokenizer_.sep_id();
    } else {
      r.is_cls[i] = i == 0;  // GPT-2 has no [CLS]: its first token plays the attention-sink role
      r.is_sep[i] = id == tokenizer_.eos_id();
    }
  }
  r.compare_model.clear();
  r.compare_attentions.clear();
  r.compare_mean_abs.clear();
  r.compare_js.clear();
  r.compare_error.clear();
  if (req.want_compare && compare_loaded_ && !compare_fits_) r.compare_error = "shape";
  if (req.want_compare && compare_loaded_ && compare_fits_) {  // the same tokens through the second model
    ForwardOptions co;
    co.head_mask = fo.head_mask;
    co.cancelled = cancelled;
    Activations ca;
    Status cst = compare_model_.forward(r.enc.ids, r.enc.type_ids, co, &ca);
    if (!cst) {
      r.valid = false;
      return cst;
    }
    if (ca.T == T && ca.attentions.size() == r.act.attentions.size()) {
      const std::vector<HeadDifference> d = all_head_differences(r.act.attentions.data(), ca.attentions.data(), L, H, T);
      r.compare_model = compare_info_.name;
      r.compare_attentions = std::move(ca.attentions);
      for (const HeadDifference& x : d) {
        r.compare_mean_abs.push_back(x.mean_abs);
        r.compare_js.push_back(x.js);
      }
    } else {
      r.compare_error = "shape";
    }
  }
  r.head_mean.clear();
  r.rollout.clear();
  r.stats.clear();
  if (req.want_summaries) compute_summaries(L, H, &r);
  // The strings prediction lists may show: the top 12 ids of each LM logits row.
  r.vocab.clear();
  if (r.act.logit_cols > 0 && (cfg.head == HeadKind::MaskedLM || cfg.head == HeadKind::CausalLM)) {
    const size_t rows = r.act.logits.size() / r.act.logit_cols;
    std::vector<int> idx(r.act.logit_cols);
    for (size_t p = 0; p < rows && p < 64; p++) {
      const float* row = r.act.logits.data() + p * r.act.logit_cols;
      for (int j = 0; j < r.act.logit_cols; j++) idx[j] = j;
      const int k = std::min(12, r.act.logit_cols);
      std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) { return row[a] > row[b]; });
      for (int j = 0; j < k; j++) r.vocab[idx[j]] = TokenText{tokenizer_.display_token(idx[j]), tokenizer_.id_to_token(idx[j])};
    }
  }
  if (tokenizer_.eos_id() >= 0)
    r.vocab[tokenizer_.eos_id()] = TokenText{tokenizer_.display_token(tokenizer_.eos_id()), tokenizer_.id_to_token(tokenizer_.eos_id())};
  r.valid = true;
  r.total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return Status::success();
}

}  // namespace attnviz
