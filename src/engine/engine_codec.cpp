// The page's worker protocol: RunRequest, ModelInfo and a RunResult's non-tensor part as JSON (nlohmann, parsed
// without exceptions); the tensors go as separate float buffers (transferable ArrayBuffers, never JSON).
#include <nlohmann/json.hpp>

#include "engine.h"

namespace attnviz {
namespace {

using json = nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

template <typename T>
bool read(const json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return false;
  } else if constexpr (std::is_arithmetic_v<T>) {
    if (!it->is_number()) return false;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return false;
  } else {
    if (!it->is_array()) return false;
  }
  *out = it->get<T>();
  return true;
}

}  // namespace

std::string request_to_json(const RunRequest& r) {
  return dump({{"id", r.id}, {"text", r.text}, {"pair", r.pair}, {"head_mask", r.head_mask}, {"want_qkv", r.want_qkv},
               {"want_summaries", r.want_summaries}, {"want_compare", r.want_compare}, {"summaries_of", r.summaries_of}});
}

bool request_from_json(const std::string& s, RunRequest* r) {
  json j = json::parse(s, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  RunRequest out;
  bool ok = read(j, "id", &out.id) && read(j, "text", &out.text) && read(j, "pair", &out.pair) &&
            read(j, "want_qkv", &out.want_qkv) && read(j, "want_summaries", &out.want_summaries);
  if (auto c = j.find("want_compare"); c != j.end() && c->is_boolean()) out.want_compare = c->get<bool>();  // optional
  auto it = j.find("head_mask");
  if (!ok || it == j.end() || !it->is_array()) return false;
  if (j.contains("summaries_of") && !read(j, "summaries_of", &out.summaries_of)) return false;
  for (const auto& e : *it) {
    if (!e.is_number_integer()) return false;
    out.head_mask.push_back(e.get<int>() != 0);
  }
  *r = std::move(out);
  return true;
}

std::string info_to_json(const ModelInfo& m) {
  const ModelConfig& c = m.cfg;
  json cfg = {{"family", static_cast<int>(c.family)}, {"head", static_cast<int>(c.head)}, {"act", static_cast<int>(c.act)},
              {"n_layers", c.n_layers}, {"n_heads", c.n_heads}, {"d_model", c.d_model}, {"d_head", c.d_head},
              {"d_ff", c.d_ff}, {"max_positions", c.max_positions}, {"vocab_size", c.vocab_size},
              {"type_vocab_size", c.type_vocab_size}, {"ln_eps", c.ln_eps}, {"labels", c.labels},
              {"architecture", c.architecture}, {"scale_attn_weights", c.scale_attn_weights},
              {"scale_attn_by_inverse_layer_idx", c.scale_attn_by_inverse_layer_idx}};
  return dump({{"name", m.name}, {"hash", m.hash}, {"config", cfg}, {"mask_id", m.mask_id}, {"mask_token", m.mask_token}, {"cls_id", m.cls_id},
               {"sep_id", m.sep_id}, {"eos_id", m.eos_id}, {"byte_level", m.byte_level},
               {"tokenizer_vocab", m.tokenizer_vocab}});
}

bool info_from_json(const std::string& s, ModelInfo* m) {
  json j = json::parse(s, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("config") || !j["config"].is_object()) return false;
  ModelInfo out;
  const json& c = j["config"];
  int family = 0, head = 0, act = 0;
  bool ok = read(j, "name", &out.name) && read(j, "hash", &out.hash) && read(j, "mask_id", &out.mask_id) &&
            read(j, "cls_id", &out.cls_id) && read(j, "sep_id", &out.sep_id) && read(j, "eos_id", &out.eos_id) &&
            read(j, "byte_level", &out.byte_level) && read(j, "tokenizer_vocab", &out.tokenizer_vocab) &&
            read(c, "family", &family) && read(c, "head", &head) && read(c, "act", &act) &&
            read(c, "n_layers", &out.cfg.n_layers) && read(c, "n_heads", &out.cfg.n_heads) &&
            read(c, "d_model", &out.cfg.d_model) && read(c, "d_head", &out.cfg.d_head) && read(c, "d_ff", &out.cfg.d_ff) &&
            read(c, "max_positions", &out.cfg.max_positions) && read(c, "vocab_size", &out.cfg.vocab_size) &&
            read(c, "type_vocab_size", &out.cfg.type_vocab_size) && read(c, "ln_eps", &out.cfg.ln_eps) &&
            read(c, "labels", &out.cfg.labels) && read(c, "architecture", &out.cfg.architecture) &&
            read(c, "scale_attn_weights", &out.cfg.scale_attn_weights) &&
            read(c, "scale_attn_by_inverse_layer_idx", &out.cfg.scale_attn_by_inverse_layer_idx);
  if (!ok) return false;
  if (auto t = j.find("mask_token"); t != j.end() && t->is_string()) out.mask_token = t->get<std::string>();
  out.cfg.family = static_cast<Family>(family);
  out.cfg.head = static_cast<HeadKind>(head);
  out.cfg.act = static_cast<Activation>(act);
  *m = std::move(out);
  return true;
}

std::string result_header_json(const RunResult& r) {
  const Encoding& e = r.enc;
  json offsets = json::array();
  for (const auto& [b, en] : e.offsets) offsets.push_back({b, en});
  json stats = json::array();
  for (const HeadStats& s : r.stats)
    stats.push_back({s.entropy, s.mean_distance, s.cls, s.sep, s.self, s.prev, s.next});
  json vocab = json::array();
  for (const auto& [id, t] : r.vocab) vocab.push_back({id, t.display, t.token});
  json sizes = json::object();
  for (auto& [name, buf] : result_buffers(const_cast<RunResult*>(&r))) sizes[name] = buf->size();
  return dump({{"valid", r.valid}, {"request_id", r.request_id}, {"T", r.act.T},
               {"enc", {{"ids", e.ids}, {"tokens", e.tokens}, {"type_ids", e.type_ids}, {"offsets", offsets},
                        {"special", e.special}, {"display", e.display}, {"truncated", e.truncated}}},
               {"logit_positions", r.act.logit_positions}, {"logit_cols", r.act.logit_cols}, {"stats", stats},
               {"is_cls", r.is_cls}, {"is_sep", r.is_sep}, {"vocab", vocab}, {"ms", r.ms}, {"total_ms", r.total_ms},
               {"truncated", r.truncated}, {"summaries_of", r.summaries_of}, {"sizes", sizes},
               {"compare_model", r.compare_model}, {"compare_error", r.compare_error}});
}

bool result_from_header_json(const std::string& s, RunResult* out) {
  std::vector<size_t> sizes;
  if (!result_from_header_json(s, out, &sizes)) return false;
  auto bufs = result_buffers(out);
  for (size_t i = 0; i < bufs.size(); i++) bufs[i].second->resize(sizes[i]);
  return true;
}

bool result_from_header_json(const std::string& s, RunResult* out, std::vector<size_t>* sizes_out) {
  json j = json::parse(s, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("enc") || !j["enc"].is_object()) return false;
  RunResult r;
  const json& e = j["enc"];
  bool ok = read(j, "valid", &r.valid) && read(j, "request_id", &r.request_id) && read(j, "T", &r.act.T) &&
            read(e, "ids", &r.enc.ids) && read(e, "tokens", &r.enc.tokens) && read(e, "type_ids", &r.enc.type_ids) &&
            read(e, "special", &r.enc.special) && read(e, "display", &r.enc.display) &&
            read(e, "truncated", &r.enc.truncated) && read(j, "logit_positions", &r.act.logit_positions) &&
            read(j, "logit_cols", &r.act.logit_cols) && read(j, "is_cls", &r.is_cls) && read(j, "is_sep", &r.is_sep) &&
            read(j, "ms", &r.ms) && read(j, "total_ms", &r.total_ms) && read(j, "truncated", &r.truncated);
  if (!ok) return false;
  if (!e.contains("offsets") || !e["offsets"].is_array()) return false;
  for (const char* key : {"stats", "vocab"})
    if (!j.contains(key) || !j[key].is_array()) return false;
  for (const auto& o : e["offsets"]) {
    if (!o.is_array() || o.size() != 2 || !o[0].is_number_integer() || !o[1].is_number_integer()) return false;
    r.enc.offsets.emplace_back(o[0].get<int32_t>(), o[1].get<int32_t>());
  }
  for (const auto& st : j["stats"]) {
    if (!st.is_array() || st.size() != 7) return false;
    for (const auto& x : st)
      if (!x.is_number()) return false;
    r.stats.push_back(HeadStats{st[0].get<float>(), st[1].get<float>(), st[2].get<float>(), st[3].get<float>(),
                                st[4].get<float>(), st[5].get<float>(), st[6].get<float>()});
  }
  for (const auto& v : j["vocab"]) {
    if (!v.is_array() || v.size() != 3 || !v[0].is_number_integer() || !v[1].is_string() || !v[2].is_string()) return false;
    r.vocab[v[0].get<int>()] = TokenText{v[1].get<std::string>(), v[2].get<std::string>()};
  }
  read(j, "compare_model", &r.compare_model);  // optional: results without a comparison
  read(j, "compare_error", &r.compare_error);
  r.act.ms = r.ms;
  if (j.contains("summaries_of") && !read(j, "summaries_of", &r.summaries_of)) return false;
  if (!j.contains("sizes") || !j["sizes"].is_object()) return false;
  std::vector<size_t> sizes;
  for (auto& [name, buf] : result_buffers(&r)) {
    auto it = j["sizes"].find(name);
    if (it == j["sizes"].end() || !it->is_number_unsigned()) return false;
    const uint64_t n = it->get<uint64_t>();
    if (n > (uint64_t(1) << 30)) return false;  // 4 GB of floats: not from a real run
    sizes.push_back(static_cast<size_t>(n));
  }
  // The buffers stay as the caller had them (it sizes them from `sizes`).
  auto mine = result_buffers(&r), theirs = result_buffers(out);
  for (size_t i = 0; i < mine.size(); i++) std::swap(*mine[i].second, *theirs[i].second);
  *out = std::move(r);
  *sizes_out = std::move(sizes);
  return true;
}

std::vector<std::pair<const char*, std::vector<float>*>> result_buffers(RunResult* r) {
  return {{"attentions", &r->act.attentions}, {"q", &r->act.q},         {"k", &r->act.k},
          {"v", &r->act.v},                   {"logits", &r->act.logits}, {"rollout", &r->rollout},
          {"head_mean", &r->head_mean},
          // the comparison ("what did fine-tuning change?"); empty unless RunRequest::want_compare
          {"compare_attentions", &r->compare_attentions}, {"compare_mean_abs", &r->compare_mean_abs},
          {"compare_js", &r->compare_js}};
}

}  // namespace attnviz
