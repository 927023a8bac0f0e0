// The page's words in English and Simplified Chinese: every string a view shows is looked up here by a stable key
// ("section.name"), in one table per language (strings_en.cpp, strings_zh.cpp). Pure std: the tests read the tables.
#pragma once
#include <string>
#include <vector>

namespace attnviz {

enum class Lang { En, Zh };

// One table entry: key -> text (UTF-8). Tables are sorted by key (checked by the tests).
struct StringEntry {
  const char* key;
  const char* text;
};

// The tables (strings_en.cpp / strings_zh.cpp).
const std::vector<StringEntry>& strings_en();
const std::vector<StringEntry>& strings_zh();

// The language the page shows now (default English; the page sets it from `lang=` or the browser's language).
Lang ui_lang();
void set_ui_lang(Lang lang);
const char* lang_code(Lang lang);                  // "en" / "zh"
bool lang_from_code(const std::string& code, Lang* out);  // "en", "zh", "zh-CN", "zh-Hans"... ; false otherwise

// The text for `key` in the current language. A key missing from that table falls back to English, then to the key
// itself (the tests fail on any key missing from either table, so the fallback never shows in a release).
const char* tr(const char* key);
const char* tr_in(Lang lang, const char* key);  // the same for a given language

}  // namespace attnviz
