// Tests for the messages made below the views in the page's language (i18n.h match_message / tr_message, the "msg."
// keys): real refusals of the core's loaders and the engine translate to Chinese and come back unchanged in English;
// the Hub client's and the page's messages; link notices in Chinese; the compare metric in the link; the desktop
// viewer's locale.
#include <doctest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engine.h"
#include "folder.h"
#include "i18n.h"
#include "model.h"
#include "model_config.h"
#include "safetensors.h"
#include "test_paths.h"
#include "tokenizer.h"
#include "torch_checkpoint.h"
#include "view_state.h"

using attnviz::Lang;

namespace {

// Whether `s` holds a CJK ideograph (U+4E00..U+9FFF: three UTF-8 bytes E4..E9).
bool has_han(const std::string& s) {
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0xE4 && c <= 0xE9 && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) return true;
  }
  return false;
}

// A core/engine/page message: matched by `key`, the same text back in English, Chinese in Chinese, and the parts that
// name things (file, model, architecture) kept in the Chinese text.
void check_message(const std::string& english, const std::string& key, std::vector<std::string> kept = {}) {
  INFO("message: " << english);
  std::vector<std::string> args;
  CHECK(attnviz::match_message(english, &args) == key);
  CHECK(attnviz::tr_message_in(Lang::En, english) == english);
  const std::string zh = attnviz::tr_message_in(Lang::Zh, english);
  INFO("Chinese: " << zh);
  CHECK(zh != english);
  CHECK(has_han(zh));
  for (const auto& k : kept) CHECK(zh.find(k) != std::string::npos);
}

std::string folder(const std::string& name) { return attnviz_test::data_dir() + "/" + name; }

}  // namespace

TEST_CASE("i18n messages: every msg. key has only %s parts and matches itself back") {
  int n = 0;
  for (const attnviz::StringEntry& e : attnviz::strings_en()) {
    if (std::strncmp(e.key, "msg.", 4) != 0) continue;
    ++n;
    INFO("key " << e.key);
    for (Lang l : {Lang::En, Lang::Zh})
      for (const std::string& p : attnviz::placeholders_of(attnviz::tr_in(l, e.key))) CHECK(p == "%s");
    // Filled with distinct parts, the English text is matched back to this key (no other key shadows it) with
    // those parts, and the Chinese text holds every part.
    std::vector<std::string> parts;
    for (size_t k = 0; k < attnviz::placeholders_of(e.text).size(); ++k) parts.push_back("P" + std::to_string(k) + "x");
    const std::string english = attnviz::fill_message(e.text, parts);
    std::vector<std::string> got;
    CHECK(attnviz::match_message(english, &got) == e.key);
    CHECK(got == parts);
    const std::string zh = attnviz::tr_message_in(Lang::Zh, english);
    for (const auto& p : parts) CHECK(zh.find(p) != std::string::npos);
  }
  CHECK(n >= 80);
  // Not a message: unchanged in both languages.
  CHECK(attnviz::match_message("something else entirely", nullptr).empty());
  CHECK(attnviz::tr_message_in(Lang::Zh, "something else entirely") == "something else entirely");
  CHECK(attnviz::tr_message_in(Lang::Zh, "") == "");
  // fill_message: %% is a percent sign, missing parts are empty.
  CHECK(attnviz::fill_message("%s is 50%% of %s", {"a"}) == "a is 50% of ");
}

TEST_CASE("i18n messages: the core's refusals translate to Chinese (config, weights, tokenizer, files)") {
  attnviz::ModelConfig cfg;
  bool head_known = false;
  // An unsupported architecture.
  attnviz::Status s = attnviz::parse_model_config(
      R"({"model_type": "bert", "architectures": ["BertForQuestionAnswering"], "vocab_size": 10, "hidden_size": 8,
          "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 16})",
      "m/config.json", &cfg, &head_known);
  REQUIRE_FALSE(s.ok);
  check_message(s.message, "msg.arch_unsupported", {"m/config.json", "BertForQuestionAnswering"});
  // A model type attnviz does not run; an ill-formed config.json; a missing model_type.
  s = attnviz::parse_model_config(R"({"model_type": "llama"})", "m/config.json", &cfg, &head_known);
  REQUIRE_FALSE(s.ok);
  check_message(s.message, "msg.model_type_unsupported", {"llama"});
  s = attnviz::parse_model_config("{not json", "m/config.json", &cfg, &head_known);
  REQUIRE_FALSE(s.ok);
  check_message(s.message, "msg.not_json_object", {"m/config.json"});
  s = attnviz::parse_model_config("{}", "m/config.json", &cfg, &head_known);
  REQUIRE_FALSE(s.ok);
  check_message(s.message, "msg.config_no_model_type");

  // Model files: no config.json; a tensor missing; a tensor of the wrong shape.
  attnviz::FolderFiles ff;
  REQUIRE(attnviz::read_folder(folder("tiny-bert"), &ff).ok);
  attnviz::Model m;
  {
    auto files = ff.bytes;
    files.erase("config.json");
    attnviz::FolderFiles g{files};
    s = attnviz::Model::load(g.view(), "tiny-bert", &m);
    REQUIRE_FALSE(s.ok);
    check_message(s.message, "msg.config_missing", {"tiny-bert"});
  }
  {
    auto files = ff.bytes;
    std::string c = files["config.json"];
    const size_t at = c.find("\"intermediate_size\"");
    REQUIRE(at != std::string::npos);
    c.replace(at, std::strlen("\"intermediate_size\""), "\"intermediate_size\": 40, \"x_intermediate_size\"");  // the old value under an unknown key
    files["config.json"] = c;
    attnviz::FolderFiles g{files};
    s = attnviz::Model::load(g.view(), "tiny-bert", &m);
    REQUIRE_FALSE(s.ok);
    check_message(s.message, "msg.tensor_shape", {"tiny-bert"});
  }
  {
    auto files = ff.bytes;
    std::string c = files["config.json"];
    const size_t at = c.find("\"num_hidden_layers\"");
    REQUIRE(at != std::string::npos);
    c.replace(at, std::strlen("\"num_hidden_layers\""), "\"num_hidden_layers\": 9, \"x_num_hidden_layers\"");
    files["config.json"] = c;
    attnviz::FolderFiles g{files};
    s = attnviz::Model::load(g.view(), "tiny-bert", &m);
    REQUIRE_FALSE(s.ok);
    check_message(s.message, "msg.tensor_missing", {"tiny-bert"});
  }
  // No tokenizer files.
  {
    attnviz::FileMap only{{"config.json", ff.bytes["config.json"]}};
    attnviz::Tokenizer tok;
    s = attnviz::Tokenizer::load(only, "tiny-bert", &tok);
    REQUIRE_FALSE(s.ok);
    check_message(s.message, "msg.tokenizer_missing", {"tiny-bert"});
  }
  // A truncated and an empty safetensors file.
  attnviz::SafeTensors st;
  s = attnviz::SafeTensors::parse(std::string_view(ff.bytes["model.safetensors"]).substr(0, 5), "m/model.safetensors", &st);
  REQUIRE_FALSE(s.ok);
  check_message(s.message, "msg.safetensors_truncated", {"m/model.safetensors", "5"});
  s = attnviz::SafeTensors::parse(std::string_view(ff.bytes["model.safetensors"]).substr(0, 200), "m/model.safetensors", &st);
  REQUIRE_FALSE(s.ok);
  check_message(s.message, "msg.safetensors_header_too_long");
  s = attnviz::SafeTensors::parse("", "m/model.safetensors", &st);
  REQUIRE_FALSE(s.ok);
  check_message(s.message, "msg.safetensors_empty");
}

TEST_CASE("i18n messages: a hostile pickle refused, and the engine's vocabulary check, in Chinese") {
  const std::string evil = attnviz_test::shared_dir() + "/fixtures/pytorch-bin/evil-os-system";
  attnviz::FolderFiles ff;
  if (attnviz::read_folder(evil, &ff).ok) {
    attnviz::Model m;
    const attnviz::Status s = attnviz::Model::load(ff.view(), "evil", &m);
    REQUIRE_FALSE(s.ok);
    check_message(s.message, "msg.pickle_global_refused", {"posix.system"});
  } else {
    MESSAGE("../shared fixtures absent: hostile pickle case skipped");
  }
  // tiny-bert's weights with a tokenizer of more tokens than its vocab_size.
  attnviz::FolderFiles bert;
  REQUIRE(attnviz::read_folder(folder("tiny-bert"), &bert).ok);
  std::string c = bert.bytes["config.json"];
  const size_t at = c.find("\"vocab_size\"");
  REQUIRE(at != std::string::npos);
  attnviz::Tokenizer tok;
  REQUIRE(attnviz::Tokenizer::load(bert.view(), "tiny-bert", &tok).ok);
  const std::string smaller = "\"vocab_size\": " + std::to_string(tok.vocab_size() - 1) + ", \"x_vocab_size\"";
  c.replace(at, std::strlen("\"vocab_size\""), smaller);
  bert.bytes["config.json"] = c;
  attnviz::EngineCore core;
  attnviz::ModelInfo info;
  const attnviz::Status s = core.load(bert.view(), "tiny-bert", false, &info);
  REQUIRE_FALSE(s.ok);
  // Either the weights' shape (the embedding rows follow vocab_size) or the tokenizer check refuses it: both speak
  // Chinese.
  const std::string zh = attnviz::tr_message_in(Lang::Zh, s.message);
  INFO(s.message << " -> " << zh);
  CHECK(has_han(zh));
  // The engine's own wording, as it writes it.
  check_message("m: the tokenizer has 21128 tokens but config.json says vocab_size 100 (tokenizer files from another "
                "model?)", "msg.vocab_mismatch", {"21128", "100"});
}

TEST_CASE("i18n messages: the Hub client's and the page's messages (web/hub.js, web/attnviz.js)") {
  const std::string h = "https://huggingface.co";
  check_message("google-bert/nope: no such model on " + h + ", or it is private (401). Check the name; a private model "
                "needs a Hugging Face login: download its files and drop them on the page.", "msg.hub_private",
                {"google-bert/nope", "401"});
  check_message("org/gated: this model needs a Hugging Face login; download its files and drop them on the page (" + h +
                " answered 403: Access restricted).", "msg.hub_login", {"403"});
  check_message("org/nope: no such model on " + h + " (check the name: org/name, e.g. google-bert/bert-base-chinese).",
                "msg.hub_not_found");
  check_message("org/m: " + h + " is limiting requests right now (429 rate limit); try again in 30 s.", "msg.hub_rate_limit",
                {"30"});
  check_message("org/m: " + h + " is limiting requests right now (429 rate limit); try again in a minute.",
                "msg.hub_rate_limit_minute");
  check_message("org/m: this computer is offline; the model could not be downloaded from " + h + ".", "msg.hub_offline");
  check_message("org/m: " + h + " answered but does not let web pages read its files (CORS refused). Use an endpoint "
                "that allows it (page settings), or download the files and drop them on the page.", "msg.hub_cors");
  check_message("org/m: model.safetensors arrived with 100 bytes but the Hub lists 200 (cut short); nothing was opened. "
                "Try again later.", "msg.hub_size_mismatch", {"100", "200", "不完整"});
  check_message("Download of org/m cancelled; the current model stays.", "msg.hub_cancelled");
  // The page shell's own texts (web/attnviz.js sets them when it shows the drop zone and the copy box).
  check_message("Drop a model folder or its files (config.json, model.safetensors, tokenizer files)", "msg.drop_files",
                {"config.json", "model.safetensors"});
  check_message("Copy this link:", "msg.copy_link");
  check_message("Close", "msg.close");
  // The architecture check before any weight is downloaded: the core's message inside the Hub's, both translated.
  const std::string inner = "config.json: architecture 'LlamaForCausalLM' is not supported (attnviz runs GPT2Model)";
  const std::string refused = "org/llama is a LlamaForCausalLM model: " + inner + ". attnviz opens BERT, RoBERTa, "
                              "XLM-RoBERTa, DistilBERT and GPT-2 family models (BertModel, GPT2Model). Nothing but "
                              "config.json was downloaded.";
  check_message(refused, "msg.hub_config_refused_arch", {"LlamaForCausalLM"});
  const std::string zh = attnviz::tr_message_in(Lang::Zh, refused);
  CHECK(zh.find("architecture") == std::string::npos);  // the nested core message is Chinese too
  // The loading overlay and files read locally.
  check_message("Loading zh-bert-mini…", "msg.loading", {"zh-bert-mini"});
  check_message("Reading my-model (12.0 MB, stays in your browser)…", "msg.reading_files", {"my-model", "12.0 MB"});
  check_message("zh-bert-mini: 1.5 MB of 3.0 MB", "msg.of_mb", {"1.5", "3.0 MB"});
  check_message("foo: not a built-in model", "msg.not_builtin_name", {"foo"});
}

TEST_CASE("i18n messages: link notices in the language shown") {
  const Lang before = attnviz::ui_lang();
  attnviz::set_ui_lang(Lang::Zh);
  for (const char* f : {"layer=abc", "threshold=7", "hide=maybe", "model=nope", "rev=x", "hash=zz", "vs=nope",
                        "ko=a.b", "at=x", "step=view:matrix,foo:1", "lang=en&layer=1&layer=2"}) {
    const attnviz::DecodeResult r = attnviz::decode_fragment(f);
    INFO(f);
    REQUIRE_FALSE(r.notices.empty());
    for (const auto& n : r.notices) {
      INFO(n);
      CHECK(has_han(n));
    }
  }
  attnviz::set_ui_lang(Lang::En);
  const attnviz::DecodeResult en = attnviz::decode_fragment("layer=abc");
  REQUIRE(en.notices.size() == 1);
  CHECK(en.notices[0].rfind("layer=", 0) == 0);
  CHECK(en.notices[0].find("is not a 0-based number (0 to ") != std::string::npos);
  CHECK(en.notices[0].find("); using layer 0") != std::string::npos);
  attnviz::set_ui_lang(before);
}

TEST_CASE("i18n messages: the compare metric in the link (vsmetric=), readable and compact") {
  attnviz::ViewState s;
  s.vs = "zh-bert-mini";
  CHECK(attnviz::encode_fragment(s).find("vsmetric") == std::string::npos);  // the default is not written
  s.compare_metric = attnviz::CompareMetric::Js;
  const std::string readable = attnviz::encode_fragment(s);
  CHECK(readable.find("&vsmetric=js") != std::string::npos);
  for (const std::string& f : {readable, attnviz::encode_fragment_compact(s)}) {
    const attnviz::DecodeResult r = attnviz::decode_fragment(f);
    CHECK(r.notices.empty());
    CHECK(r.state.compare_metric == attnviz::CompareMetric::Js);
    CHECK(r.state == s);
  }
  CHECK(attnviz::decode_fragment("vsmetric=JSD").state.compare_metric == attnviz::CompareMetric::Js);
  CHECK(attnviz::decode_fragment("vsmetric=mean").state.compare_metric == attnviz::CompareMetric::MeanAbs);
  const attnviz::DecodeResult bad = attnviz::decode_fragment("vsmetric=median");
  CHECK(bad.state.compare_metric == attnviz::CompareMetric::MeanAbs);
  REQUIRE(bad.notices.size() == 1);
  CHECK(bad.notices[0].find("vsmetric") != std::string::npos);
}

TEST_CASE("i18n messages: the desktop viewer's language from the locale") {
  CHECK(attnviz::lang_from_locale(nullptr, nullptr, "zh_CN.UTF-8") == Lang::Zh);
  CHECK(attnviz::lang_from_locale(nullptr, nullptr, "en_US.UTF-8") == Lang::En);
  CHECK(attnviz::lang_from_locale("C", nullptr, "zh_CN.UTF-8") == Lang::En);  // LC_ALL first
  CHECK(attnviz::lang_from_locale("", "zh_TW.Big5", "en_GB") == Lang::Zh);    // empty = unset
  CHECK(attnviz::lang_from_locale(nullptr, nullptr, "zh") == Lang::Zh);
  CHECK(attnviz::lang_from_locale(nullptr, nullptr, "zh_CN@pinyin") == Lang::Zh);
  CHECK(attnviz::lang_from_locale(nullptr, nullptr, nullptr) == Lang::En);
  CHECK(attnviz::lang_from_locale(nullptr, nullptr, "fr_FR.UTF-8") == Lang::En);
}

TEST_CASE("i18n messages: every msg. key's English text is still written by the code (no silent drift)") {
  // The sources that write these messages: the core, the engine, the platform and the page's JS. Adjacent C++ string
  // literals are joined ("a" "b" -> "ab") so a message split over lines is found whole.
  std::string all;
  namespace fs = std::filesystem;
  for (const char* dir : {"/src/core", "/src/engine", "/src/platform", "/web"}) {
    for (const auto& e : fs::directory_iterator(attnviz_test::source_dir() + dir)) {
      const std::string ext = e.path().extension().string();
      if (ext != ".cpp" && ext != ".h" && ext != ".js") continue;
      std::string src;
      REQUIRE(attnviz_test::read_file(e.path().string(), &src));
      std::string joined;
      for (size_t i = 0; i < src.size(); ++i) {
        if (src[i] == '"') {  // a closing quote followed by space and an opening quote: adjacent literals
          size_t j = i + 1;
          while (j < src.size() && (src[j] == ' ' || src[j] == '\n')) ++j;
          if (j > i + 1 && j < src.size() && src[j] == '"' && src.find('\n', i) < j) {
            i = j;
            continue;
          }
        }
        joined += src[i];
      }
      all += joined + "\n";
    }
  }
  for (const attnviz::StringEntry& e : attnviz::strings_en()) {
    if (std::strncmp(e.key, "msg.", 4) != 0) continue;
    // Each stretch of literal text between the parts, cut where the code may insert a choice ("; ", ". ", "(",
    // ")", ": "), must be in the sources when it is long enough to mean something.
    const std::string text = attnviz::fill_message(e.text, std::vector<std::string>(16, std::string(1, '\x01')));
    std::string chunk;
    auto check = [&](const std::string& c) {
      std::string t = c;
      while (!t.empty() && t.front() == ' ') t.erase(t.begin());
      while (!t.empty() && t.back() == ' ') t.pop_back();
      if (t.size() < 10) return;
      INFO("key " << std::string(e.key) << ": \"" << t << "\"");
      CHECK(all.find(t) != std::string::npos);
    };
    for (char ch : text) {
      if (ch == '\x01' || ch == ';' || ch == ':' || ch == '(' || ch == ')' || ch == '.' || ch == '\\' || ch == '"') {
        check(chunk);
        chunk.clear();
      } else {
        chunk += ch;
      }
    }
    check(chunk);
  }
}
