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

// A widget label "text###key": the text in the current language, the ImGui ID from the key alone, so a widget keeps
// its ID (open state, focus, scroll) when the language changes; tests still see the text (ImGui hides "##..."). The
// pointer stays valid for the program's life.
const char* tr_id(const char* key);

// printf into a std::string with the current language's format `key` (notices and messages kept as strings). The
// format's placeholders are the same in both tables (the tests check placeholders_of on every pair).
std::string trf(const char* key, ...);

// The printf conversions of a format in order ("%d", "%.2f", "%s"...; "%%" is not one), e.g. for comparing the
// English and Chinese formats of one key.
std::vector<std::string> placeholders_of(const char* format);

// Messages from below the views: src/core Status messages, engine errors and the page's JS (Hub downloads, file
// reading) are written in English (the CLI and tests read them as they are). Keys "msg.*" hold the English text of
// the ones a user meets as a format whose every placeholder is %s (%% is a percent sign), e.g.
// "%s: architecture '%s' is not supported (attnviz runs %s)". match_message finds the key whose English format the
// message matches (literal text equal, each %s any part, possibly empty; the key with the most literal text wins) and
// fills `args` with the parts; "" when none does.
std::string match_message(const std::string& english, std::vector<std::string>* args);
// The message in the current language (or `lang`): the matched key's format filled with the parts (each part itself
// translated when it is such a message); an unknown message is returned unchanged (English).
std::string tr_message(const std::string& english);
std::string tr_message_in(Lang lang, const std::string& english);
// Fills a "msg." format: each %s with the next of `args` ("" when missing), %% as %.
std::string fill_message(const char* format, const std::vector<std::string>& args);

// The language of a `lang=` link value: "" (none) = the browser's language, set by the platform at start.
void set_default_ui_lang(Lang lang);
// The language of a POSIX locale, as the desktop viewer reads it: the first set and non-empty of LC_ALL, LC_MESSAGES,
// LANG (each may be null) decides; "zh", "zh_CN.UTF-8", "zh_TW@..." give Chinese, anything else ("C", "en_US.UTF-8",
// none) English.
Lang lang_from_locale(const char* lc_all, const char* lc_messages, const char* lang);
Lang default_ui_lang();
// Sets the UI language from a link's lang value ("en", "zh", or "" = the default). Returns the language now shown.
Lang sync_ui_lang(const std::string& link_lang);

}  // namespace attnviz
