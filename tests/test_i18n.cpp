// Tests for the page's string tables (src/app/i18n.*, strings_en.cpp, strings_zh.cpp): both tables sorted, with the
// same keys, no empty text and the same printf placeholders; every key the views use exists in both; no view passes
// a hand-written English label to an ImGui widget; the lang= link key.
#include <doctest.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "i18n.h"
#include "test_paths.h"
#include "view_state.h"

using attnviz::Lang;
using attnviz::StringEntry;

namespace {

std::set<std::string> keys_of(const std::vector<StringEntry>& t) {
  std::set<std::string> out;
  for (const StringEntry& e : t) out.insert(e.key);
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + " ";
  return s;
}

// A string literal of a C++ source: where it starts and its value (escapes \n \" \\ decoded; adjacent literals
// joined, as the compiler does).
struct Literal {
  size_t begin = 0, end = 0;
  std::string value;
};

// The string literals of `src`, comments and character literals skipped, #include lines skipped.
std::vector<Literal> literals_of(const std::string& src) {
  std::vector<Literal> out;
  size_t i = 0;
  const size_t n = src.size();
  auto only_space = [&](size_t a, size_t b) {
    for (size_t k = a; k < b; ++k)
      if (!std::isspace(static_cast<unsigned char>(src[k]))) return false;
    return true;
  };
  while (i < n) {
    if (src.compare(i, 2, "//") == 0) {
      i = src.find('\n', i);
      if (i == std::string::npos) break;
      continue;
    }
    if (src.compare(i, 2, "/*") == 0) {
      i = src.find("*/", i);
      if (i == std::string::npos) break;
      i += 2;
      continue;
    }
    if (src.compare(i, 8, "#include") == 0) {
      i = src.find('\n', i);
      if (i == std::string::npos) break;
      continue;
    }
    if (src[i] == '\'') {
      ++i;
      while (i < n && src[i] != '\'') i += src[i] == '\\' ? 2 : 1;
      ++i;
      continue;
    }
    if (src[i] == 'R' && i + 1 < n && src[i + 1] == '"' && (i == 0 || !std::isalnum(static_cast<unsigned char>(src[i - 1])))) {
      const size_t open = src.find('(', i);
      const std::string delim = ")" + src.substr(i + 2, open - i - 2) + "\"";
      const size_t close = src.find(delim, open);
      if (close == std::string::npos) break;
      i = close + delim.size();
      continue;
    }
    if (src[i] == '"') {
      Literal lit;
      lit.begin = i++;
      while (i < n && src[i] != '"') {
        if (src[i] == '\\' && i + 1 < n) {
          const char c = src[i + 1];
          lit.value += c == 'n' ? '\n' : c == 't' ? '\t' : c;
          i += 2;
        } else {
          lit.value += src[i++];
        }
      }
      lit.end = ++i;
      if (!out.empty() && only_space(out.back().end, lit.begin)) {
        out.back().value += lit.value;
        out.back().end = lit.end;
      } else {
        out.push_back(lit);
      }
      continue;
    }
    ++i;
  }
  return out;
}

// Whether a literal handed to a widget may stay in the code: an ID ("##x"), a format or symbol without words
// ("%s", "%.2f", "(?)", "0 → 1", "L%d": no two ASCII letters in a row once the printf conversions are removed).
bool allowed_literal(const std::string& v) {
  if (v.rfind("##", 0) == 0 || v == "attnviz") return true;  // an ID; the program's name
  std::string s = v.substr(0, v.find("##"));
  std::string stripped;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      size_t j = i + 1;
      while (j < s.size() && std::strchr("-+ #0123456789.*hlLzjt", s[j])) ++j;
      i = j;  // the conversion letter (or '%')
      stripped += ' ';
      continue;
    }
    stripped += s[i];
  }
  for (size_t i = 0; i + 1 < stripped.size(); ++i)
    if (std::isalpha(static_cast<unsigned char>(stripped[i])) && std::isalpha(static_cast<unsigned char>(stripped[i + 1])))
      return false;
  return true;
}

// Whether `before` (the text up to a literal) ends with a call of tr / tr_id / trf, as a whole word.
bool after_tr_call(const std::string& before) {
  for (const std::string f : {"tr(", "tr_id(", "trf("}) {
    if (before.size() < f.size() || before.compare(before.size() - f.size(), f.size(), f) != 0) continue;
    const size_t k = before.size() - f.size();
    if (k == 0 || !(std::isalnum(static_cast<unsigned char>(before[k - 1])) || before[k - 1] == '_' || before[k - 1] == ':'))
      return true;
    if (k >= 2 && before.compare(k - 2, 2, "::") == 0 && k >= 9 && before.compare(k - 9, 9, "attnviz::") == 0) return true;
  }
  return false;
}

std::vector<std::filesystem::path> app_sources() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(attnviz_test::source_dir() + "/src/app")) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".cpp" || name.rfind("strings_", 0) == 0 || name == "i18n.cpp") continue;
    out.push_back(e.path());
  }
  return out;
}

}  // namespace

TEST_CASE("i18n: both tables sorted by key, same keys, no empty text, same printf placeholders") {
  const auto& en = attnviz::strings_en();
  const auto& zh = attnviz::strings_zh();
  REQUIRE(en.size() > 250);
  for (const auto* t : {&en, &zh}) {
    for (size_t i = 1; i < t->size(); ++i) {
      INFO("keys " << std::string((*t)[i - 1].key) << " / " << std::string((*t)[i].key));
      CHECK(std::strcmp((*t)[i - 1].key, (*t)[i].key) < 0);  // sorted and unique: tr's binary search relies on it
    }
    for (const StringEntry& e : *t) {
      INFO("key " << std::string(e.key));
      CHECK(e.text[0] != '\0');
      CHECK(std::string(e.text).rfind("##", 0) == std::string::npos);  // a label that is all ID would show nothing
      const std::string k = e.key;
      CHECK(k.find('.') != std::string::npos);      // "section.name"
    }
  }
  CHECK(keys_of(en) == keys_of(zh));
  for (const StringEntry& e : en) {
    const char* z = attnviz::tr_in(Lang::Zh, e.key);
    INFO("key " << std::string(e.key) << ": en \"" << std::string(e.text) << "\" zh \"" << std::string(z) << "\"");
    CHECK(joined(attnviz::placeholders_of(e.text)) == joined(attnviz::placeholders_of(z)));
  }
}

TEST_CASE("i18n: placeholders_of, tr, tr_id, trf and lang_from_code") {
  CHECK(attnviz::placeholders_of("%d of %d heads (%.1f%%, %s) %-12s %zu") ==
        std::vector<std::string>{"%d", "%d", "%.1f", "%s", "%-12s", "%zu"});
  CHECK(attnviz::placeholders_of("100%").size() == 1);  // a lone '%' at the end is reported (and would not match)
  const Lang before = attnviz::ui_lang();
  attnviz::set_ui_lang(Lang::En);
  CHECK(std::string(attnviz::tr("share.copy_link")) == "Copy link");
  CHECK(std::string(attnviz::tr_id("share.copy_link")) == "Copy link###share.copy_link");
  CHECK(std::string(attnviz::tr("no.such_key")) == "no.such_key");
  CHECK(attnviz::trf("ko.count", 3, 48) == "3 of 48 heads off");
  attnviz::set_ui_lang(Lang::Zh);
  CHECK(std::string(attnviz::tr("share.copy_link")) == "复制链接");
  CHECK(std::string(attnviz::tr_id("share.copy_link")) == "复制链接###share.copy_link");  // same ID in both languages
  CHECK(attnviz::trf("ko.count", 3, 48).find("3") != std::string::npos);
  CHECK(std::string(attnviz::tr("tour.back")) == "上一步");
  attnviz::set_ui_lang(before);
  Lang l = Lang::En;
  CHECK(attnviz::lang_from_code("zh-CN", &l));
  CHECK(l == Lang::Zh);
  CHECK(attnviz::lang_from_code("EN-us", &l));
  CHECK(l == Lang::En);
  CHECK_FALSE(attnviz::lang_from_code("fr", &l));
  CHECK_FALSE(attnviz::lang_from_code("", &l));
  // sync_ui_lang: the link's value wins, "" falls back to the default (the browser's language).
  const Lang def = attnviz::default_ui_lang();
  attnviz::set_default_ui_lang(Lang::Zh);
  CHECK(attnviz::sync_ui_lang("") == Lang::Zh);
  CHECK(attnviz::sync_ui_lang("en") == Lang::En);
  attnviz::set_default_ui_lang(def);
  attnviz::set_ui_lang(before);
}

TEST_CASE("i18n: every key the views look up exists in both tables") {
  const auto en = keys_of(attnviz::strings_en());
  const auto zh = keys_of(attnviz::strings_zh());
  std::set<std::string> sections;
  for (const auto& k : en) sections.insert(k.substr(0, k.find('.')));
  int used = 0;
  for (const auto& path : app_sources()) {
    std::string src;
    REQUIRE(attnviz_test::read_file(path.string(), &src));
    for (const Literal& lit : literals_of(src)) {
      // Keys: literals passed to tr / tr_id / trf / tr_in, and literals shaped like a key of a known section (the
      // views' tables of keys: tabs, stats columns, tour texts, examples).
      const size_t line_start = src.rfind('\n', lit.begin) + 1;
      const std::string before = src.substr(line_start, lit.begin - line_start);
      const bool in_call = after_tr_call(before);
      const size_t dot = lit.value.find('.');
      bool key_shaped = dot != std::string::npos && dot > 0 && dot + 1 < lit.value.size() &&
                        sections.count(lit.value.substr(0, dot)) > 0;
      for (char c : lit.value)
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '.'))
          key_shaped = false;
      if (!in_call && !key_shaped) continue;
      ++used;
      INFO(path.filename().string() << ": key \"" << lit.value << "\"");
      CHECK(en.count(lit.value) == 1);
      CHECK(zh.count(lit.value) == 1);
    }
  }
  CHECK(used > 250);
}

TEST_CASE("i18n: no view passes a hand-written label or text to an ImGui widget") {
  // The widgets that show their label or text argument; help_marker shows its text in a tooltip.
  const char* const kCalls[] = {"ImGui::Text(",        "ImGui::TextDisabled(",  "ImGui::TextWrapped(",
                                "ImGui::TextColored(", "ImGui::TextUnformatted(", "ImGui::BulletText(",
                                "ImGui::Button(",      "ImGui::SmallButton(",   "ImGui::Checkbox(",
                                "ImGui::RadioButton(", "ImGui::Selectable(",    "ImGui::BeginTabItem(",
                                "ImGui::CollapsingHeader(", "ImGui::SetTooltip(", "ImGui::BeginCombo(",
                                "ImGui::Combo(",       "ImGui::SliderFloat(",   "ImGui::SliderInt(",
                                "ImGui::InputTextWithHint(", "ImGui::MenuItem(", "ImGui::BeginMenu(",
                                "ImGui::ProgressBar(", "ImGui::LabelText(",     "ImGui::TreeNode(",
                                "ImGui::TableSetupColumn(", "help_marker(",     "help_marker_here(",
                                "AddText("};
  CHECK(allowed_literal("##model"));
  CHECK(allowed_literal("%s"));
  CHECK(allowed_literal("L%dH%d"));
  CHECK(allowed_literal("(?)"));
  CHECK_FALSE(allowed_literal("Copy link"));
  CHECK_FALSE(allowed_literal("layer##lines"));
  CHECK_FALSE(allowed_literal("%d heads"));
  const auto en = keys_of(attnviz::strings_en());
  int calls = 0;
  for (const auto& path : app_sources()) {
    std::string src;
    REQUIRE(attnviz_test::read_file(path.string(), &src));
    const std::vector<Literal> lits = literals_of(src);
    for (const char* call : kCalls) {
      for (size_t at = src.find(call); at != std::string::npos; at = src.find(call, at + 1)) {
        // The call's arguments: up to the matching ')' (literals are skipped while counting parentheses).
        size_t open = at + std::strlen(call) - 1, close = open;
        int depth = 0;
        size_t li = 0;
        for (size_t i = open; i < src.size(); ++i) {
          while (li < lits.size() && lits[li].end <= i) ++li;
          if (li < lits.size() && lits[li].begin <= i && i < lits[li].end) {
            i = lits[li].end - 1;
            continue;
          }
          if (src[i] == '(') ++depth;
          if (src[i] == ')' && --depth == 0) {
            close = i;
            break;
          }
        }
        ++calls;
        for (const Literal& lit : lits) {
          if (lit.begin < open || lit.end > close) continue;
          const std::string before = src.substr(open, lit.begin - open);
          if (en.count(lit.value)) continue;  // a key (also in `tr(cond ? "a.b" : "a.c")`)
          if (after_tr_call(before)) continue;  // a key
          INFO(path.filename().string() << ": " << src.substr(at, std::min<size_t>(close - at + 1, 160)));
          CHECK(allowed_literal(lit.value));
        }
      }
    }
  }
  CHECK(calls > 250);
}

TEST_CASE("i18n: lang= in links, readable and compact") {
  attnviz::ViewState s;
  CHECK(attnviz::encode_fragment(s).find("lang=") == std::string::npos);  // none: the browser's language
  s.lang = "zh";
  const std::string readable = attnviz::encode_fragment(s);
  CHECK(readable.find("&lang=zh") != std::string::npos);
  for (const std::string& f : {readable, attnviz::encode_fragment_compact(s)}) {
    const attnviz::DecodeResult r = attnviz::decode_fragment(f);
    CHECK(r.notices.empty());
    CHECK(r.state.lang == "zh");
    CHECK(r.state == s);
  }
  CHECK(attnviz::decode_fragment("lang=zh-CN").state.lang == "zh");
  CHECK(attnviz::decode_fragment("LANG=EN").state.lang == "en");
  const attnviz::DecodeResult bad = attnviz::decode_fragment("lang=fr&layer=1");
  CHECK(bad.state.lang.empty());
  REQUIRE(bad.notices.size() == 1);
  CHECK(bad.notices[0].find("lang=") != std::string::npos);
  // apply_fragment changes only the keys it names.
  attnviz::ViewState t;
  t.lang = "zh";
  CHECK(attnviz::apply_fragment("layer=2", &t).empty());
  CHECK(t.lang == "zh");
  CHECK(attnviz::apply_fragment("lang=en", &t).empty());
  CHECK(t.lang == "en");
}
