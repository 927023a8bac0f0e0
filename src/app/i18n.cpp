// Lookup in the per-language string tables (binary search on the sorted keys).
#include "i18n.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace attnviz {
namespace {

Lang g_lang = Lang::En;
Lang g_default = Lang::En;

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

const char* tr_id(const char* key) {
  static std::unordered_map<std::string, std::string> cache[2];  // per language; node-based: c_str() stays valid
  auto& c = cache[g_lang == Lang::Zh ? 1 : 0];
  auto it = c.find(key);
  if (it == c.end()) it = c.emplace(key, std::string(tr(key)) + "###" + key).first;
  return it->second.c_str();
}

std::string trf(const char* key, ...) {
  const char* fmt = tr(key);
  va_list ap;
  va_start(ap, key);
  va_list ap2;
  va_copy(ap2, ap);
  const int n = std::vsnprintf(nullptr, 0, fmt, ap);
  va_end(ap);
  std::string out;
  if (n > 0) {
    out.resize(static_cast<size_t>(n) + 1);
    std::vsnprintf(&out[0], out.size(), fmt, ap2);
    out.resize(static_cast<size_t>(n));
  }
  va_end(ap2);
  return out;
}

std::vector<std::string> placeholders_of(const char* format) {
  std::vector<std::string> out;
  for (const char* p = format; *p; ++p) {
    if (*p != '%') continue;
    if (p[1] == '%') {
      ++p;
      continue;
    }
    const char* start = p++;
    // flags, width, precision, length, then the conversion letter (C printf, 7.21.6.1)
    while (*p && std::strchr("-+ #0123456789.*hlLzjt", *p)) ++p;
    if (!*p) {
      out.emplace_back(start);
      break;
    }
    out.emplace_back(start, static_cast<size_t>(p - start + 1));
  }
  return out;
}

void set_default_ui_lang(Lang lang) { g_default = lang; }
Lang default_ui_lang() { return g_default; }

Lang sync_ui_lang(const std::string& link_lang) {
  Lang l = g_default;
  if (!link_lang.empty()) lang_from_code(link_lang, &l);
  g_lang = l;
  return l;
}

}  // namespace attnviz
