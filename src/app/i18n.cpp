// Lookup in the per-language string tables (binary search on the sorted keys).
#include "i18n.h"

#include <algorithm>
#include <cstring>

namespace attnviz {
namespace {

Lang g_lang = Lang::En;

const char* find(const std::vector<StringEntry>& table, const char* key) {
  auto it = std::lower_bound(table.begin(), table.end(), key,
                             [](const StringEntry& e, const char* k) { return std::strcmp(e.key, k) < 0; });
  if (it != table.end() && std::strcmp(it->key, key) == 0) return it->text;
  return nullptr;
}

}  // namespace

Lang ui_lang() { return g_lang; }
void set_ui_lang(Lang lang) { g_lang = lang; }
const char* lang_code(Lang lang) { return lang == Lang::Zh ? "zh" : "en"; }

bool lang_from_code(const std::string& code, Lang* out) {
  std::string c;
  for (char ch : code) c += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  if (c == "en" || c.rfind("en-", 0) == 0) { *out = Lang::En; return true; }
  if (c == "zh" || c.rfind("zh-", 0) == 0) { *out = Lang::Zh; return true; }
  return false;
}

const char* tr_in(Lang lang, const char* key) {
  if (lang == Lang::Zh) {
    if (const char* s = find(strings_zh(), key)) return s;
  }
  if (const char* s = find(strings_en(), key)) return s;
  return key;
}

const char* tr(const char* key) { return tr_in(g_lang, key); }

}  // namespace attnviz
