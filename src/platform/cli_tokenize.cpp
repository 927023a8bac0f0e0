// `attnviz tokenize` and `attnviz bench-tokenizer` (see INTERFACES.md): JSON lines in, JSON lines out, over the
// core tokenizer. Platform code: reads files and stdin, prints; no GL or UI.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli.h"
#include "folder.h"
#include "tokenizer.h"

namespace attnviz {
namespace {

struct TokenizeArgs {
  std::string path;
  int lowercase = -1;  // -1 = as the files say
  bool no_special = false;
  double mb = 1.0;
  std::string text_file;
};

bool parse_args(int argc, char** argv, bool bench, TokenizeArgs* a) {
  const char* cmd = bench ? "bench-tokenizer" : "tokenize";
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&](const char** out) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "attnviz %s: %s needs a value\n", cmd, k.c_str());
        return false;
      }
      *out = argv[++i];
      return true;
    };
    const char* v = nullptr;
    if (k == "--tokenizer") {
      if (!value(&v)) return false;
      a->path = v;
    } else if (!bench && k == "--lowercase") {
      if (!value(&v)) return false;
      if (std::strcmp(v, "0") && std::strcmp(v, "1")) {
        std::fprintf(stderr, "attnviz %s: --lowercase takes 0 or 1, not '%s'\n", cmd, v);
        return false;
      }
      a->lowercase = v[0] == '1';
    } else if (!bench && k == "--no-special") {
      a->no_special = true;
    } else if (bench && k == "--mb") {
      if (!value(&v)) return false;
      char* end = nullptr;
      a->mb = std::strtod(v, &end);
      if (!end || *end || !(a->mb > 0 && a->mb <= 1024)) {
        std::fprintf(stderr, "attnviz %s: --mb takes a number of megabytes in (0, 1024], not '%s'\n", cmd, v);
        return false;
      }
    } else if (bench && k == "--text") {
      if (!value(&v)) return false;
      a->text_file = v;
    } else {
      std::fprintf(stderr, "attnviz %s: unknown argument '%s'\n", cmd, k.c_str());
      return false;
    }
  }
  if (a->path.empty()) {
    std::fprintf(stderr, "attnviz %s: --tokenizer PATH is required (a folder or a vocabulary file)\n", cmd);
    return false;
  }
  return true;
}

// PATH: a folder, a tokenizer.json, or a WordPiece vocabulary file (any name).
Status load_tokenizer_path(const std::string& path, Tokenizer* tok) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    FolderFiles files;
    Status s = read_folder(path, &files);
    if (!s) return s;
    return Tokenizer::load(files.view(), path, tok);
  }
  std::string bytes;
  Status s = read_whole_file(path, &bytes);
  if (!s) return s;
  std::string name = std::filesystem::path(path).filename().string();
  if (name == "tokenizer.json") {
    FileMap m;
    m["tokenizer.json"] = bytes;
    std::string dir = std::filesystem::path(path).parent_path().string();
    return Tokenizer::load(m, dir.empty() ? "." : dir, tok);
  }
  return Tokenizer::load_vocab_txt(bytes, path, tok);
}

using ojson = nlohmann::ordered_json;

std::string encoding_json(const Encoding& e) {
  ojson o;
  o["ids"] = e.ids;
  o["tokens"] = e.tokens;
  o["type_ids"] = e.type_ids;
  ojson offs = ojson::array();
  for (const auto& p : e.offsets) offs.push_back({p.first, p.second});
  o["offsets"] = std::move(offs);
  return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

// Mixed Chinese / English sample for the benchmark: texts of the project's test data (tests/data), repeated.
const char* const kBenchTexts[] = {
    "张三在北京大学读书，后来去了上海的华为公司工作。",
    "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
    "The quick brown fox jumps over the lazy dog.",
    "BERT模型在中文命名实体识别(NER)任务上表现很好！",
    "Hello, world! 你好，世界！",
    "Café naïve résumé façade — déjà vu",
    "numbers 3.14159, 1,000,000 and 2026-11-26",
    "“curly quotes” and ‘single’ and 「括号」《书名》",
    "unaffable unbelievable tokenization preprocessing",
    "I'm can't won't they're y'all",
    "URL https://example.com/path?q=1&x=y#frag and email a.b@c.de",
    "中华人民共和国成立于1949年10月1日。",
    "他说：“我明天去南京。”",
    "数据清洗、特征工程与模型训练是机器学习的三个步骤",
    "李白与杜甫是唐代最著名的两位诗人。",
    "In the beginning God created the heaven and the earth. And the earth was without form, and void; and darkness "
    "was upon the face of the deep. And the Spirit of God moved upon the face of the waters.",
    "And God said, Let there be light: and there was light. And God saw the light, that it was good: and God divided "
    "the light from the darkness. And God called the light Day, and the darkness he called Night.",
    "Then he said, Let there be light: and there was light.",
};

int hex4(const std::string& s, size_t at) {  // value of 4 hex digits at s[at..], -1 if not
  if (at + 4 > s.size()) return -1;
  int v = 0;
  for (size_t k = at; k < at + 4; ++k) {
    char c = s[k];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

}  // namespace

void replace_lone_surrogate_escapes(std::string* line) {
  std::string& s = *line;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '\\') continue;
    if (s[i + 1] != 'u') {
      ++i;  // an escaped character ("\\", "\"", ...): skip it
      continue;
    }
    int v = hex4(s, i + 2);
    if (v < 0xD800 || v > 0xDFFF) {
      i += 5;
      continue;
    }
    if (v <= 0xDBFF && i + 7 < s.size() && s[i + 6] == '\\' && s[i + 7] == 'u') {
      int w = hex4(s, i + 8);
      if (w >= 0xDC00 && w <= 0xDFFF) {  // a proper pair
        i += 11;
        continue;
      }
    }
    s.replace(i + 2, 4, "fffd");
    i += 5;
  }
}

int cli_tokenize(int argc, char** argv) {
  TokenizeArgs a;
  if (!parse_args(argc, argv, false, &a)) return 2;
  Tokenizer tok;
  Status s = load_tokenizer_path(a.path, &tok);
  if (!s) {
    std::fprintf(stderr, "attnviz tokenize: %s\n", s.message.c_str());
    return 1;
  }
  if (a.lowercase >= 0) tok.set_lowercase(a.lowercase == 1);
  EncodeOptions opt;
  opt.add_special = !a.no_special;
  std::string line;
  long line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    replace_lone_surrogate_escapes(&line);
    nlohmann::json in = nlohmann::json::parse(line, nullptr, false);
    std::string where = "stdin line " + std::to_string(line_no);
    if (in.is_discarded()) {
      std::fprintf(stderr, "attnviz tokenize: %s: not valid JSON (expected {\"text\": \"...\"})\n", where.c_str());
      return 1;
    }
    if (!in.is_object() || !in.contains("text") || !in["text"].is_string()) {
      std::fprintf(stderr, "attnviz tokenize: %s: expected an object with a string \"text\"\n", where.c_str());
      return 1;
    }
    std::string pair;
    if (in.contains("text_pair") && !in["text_pair"].is_null()) {
      if (!in["text_pair"].is_string()) {
        std::fprintf(stderr, "attnviz tokenize: %s: \"text_pair\" must be a string\n", where.c_str());
        return 1;
      }
      pair = in["text_pair"].get_ref<const std::string&>();
    }
    Encoding e = tok.encode(in["text"].get_ref<const std::string&>(), pair, opt);
    std::string out = encoding_json(e);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fputc('\n', stdout);
  }
  std::fflush(stdout);
  return 0;
}

int cli_bench_tokenizer(int argc, char** argv) {
  TokenizeArgs a;
  if (!parse_args(argc, argv, true, &a)) return 2;
  Tokenizer tok;
  Status s = load_tokenizer_path(a.path, &tok);
  if (!s) {
    std::fprintf(stderr, "attnviz bench-tokenizer: %s\n", s.message.c_str());
    return 1;
  }
  std::vector<std::string> paragraphs;
  if (!a.text_file.empty()) {
    std::string t;
    s = read_whole_file(a.text_file, &t);
    if (!s) {
      std::fprintf(stderr, "attnviz bench-tokenizer: %s\n", s.message.c_str());
      return 1;
    }
    size_t pos = 0;
    while (pos < t.size()) {
      size_t nl = t.find('\n', pos);
      if (nl == std::string::npos) nl = t.size();
      if (nl > pos) paragraphs.push_back(t.substr(pos, nl - pos));
      pos = nl + 1;
    }
    if (paragraphs.empty()) {
      std::fprintf(stderr, "attnviz bench-tokenizer: %s: no text\n", a.text_file.c_str());
      return 1;
    }
  } else {
    // Paragraphs of a few sentences each, cycling through the sample so neighbours differ.
    const size_t n = sizeof(kBenchTexts) / sizeof(kBenchTexts[0]);
    for (size_t k = 0; k < n; ++k) {
      std::string p;
      for (size_t q = 0; q < 5; ++q) {
        if (!p.empty()) p += ' ';
        p += kBenchTexts[(k * 7 + q * 3) % n];
      }
      paragraphs.push_back(p);
    }
  }
  const size_t target = static_cast<size_t>(a.mb * 1024 * 1024);
  std::vector<const std::string*> corpus;
  size_t bytes = 0;
  for (size_t k = 0; bytes < target; ++k) {
    corpus.push_back(&paragraphs[k % paragraphs.size()]);
    bytes += corpus.back()->size();
  }
  EncodeOptions opt;
  double best = 1e30, best_cpu = 1e30;
  size_t tokens = 0;
  for (int pass = 0; pass < 5; ++pass) {  // best of 5: the machine may be busy
    auto t0 = std::chrono::steady_clock::now();
    std::clock_t c0 = std::clock();
    size_t n = 0;
    for (const std::string* p : corpus) n += tok.encode(*p, {}, opt).ids.size();
    double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Processor time too: on a shared machine the wall clock also counts time spent waiting for a core.
    double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    best = std::min(best, sec);
    if (cpu > 0) best_cpu = std::min(best_cpu, cpu);
    tokens = n;
  }
  double mb = static_cast<double>(bytes) / (1024.0 * 1024.0);
  nlohmann::ordered_json o;
  o["tokenizer"] = a.path;
  o["mb"] = mb;
  o["mb_per_s"] = mb / best;
  o["tokens"] = tokens;
  o["seconds"] = best;
  if (best_cpu < 1e30) o["cpu_mb_per_s"] = mb / best_cpu;
  std::printf("%s\n", o.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
  return 0;
}

}  // namespace attnviz
