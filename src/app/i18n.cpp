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

Lang lang_from_locale(const char* lc_all, const char* lc_messages, const char* lang) {
  for (const char* v : {lc_all, lc_messages, lang}) {
    if (!v || !*v) continue;
    std::string code(v);
    code = code.substr(0, code.find_first_of(".@"));  // language[_territory][.codeset][@modifier]
    std::replace(code.begin(), code.end(), '_', '-');
    Lang l = Lang::En;
    return lang_from_code(code, &l) ? l : Lang::En;
  }
  return Lang::En;
}
Lang default_ui_lang() { return g_default; }

Lang sync_ui_lang(const std::string& link_lang) {
  Lang l = g_default;
  if (!link_lang.empty()) lang_from_code(link_lang, &l);
  g_lang = l;
  return l;
}

// --- messages from below the views (match_message / tr_message) -------------------------------------------------------

namespace {

// A "msg." format cut at its %s: literal pieces (one more than the placeholders), %% already turned into %.
struct MessagePattern {
  const char* key;
  std::vector<std::string> pieces;
  size_t literal = 0;  // bytes of literal text: the more, the more specific
};

std::vector<std::string> pieces_of(const char* format) {
  std::vector<std::string> out(1);
  for (const char* p = format; *p; ++p) {
    if (p[0] == '%' && p[1] == '%') {
      out.back() += '%';
      ++p;
    } else if (p[0] == '%' && p[1] == 's') {
      out.emplace_back();
      ++p;
    } else {
      out.back() += *p;
    }
  }
  return out;
}

const std::vector<MessagePattern>& message_patterns() {
  static const std::vector<MessagePattern> patterns = [] {
    std::vector<MessagePattern> out;
    for (const StringEntry& e : strings_en()) {
      if (std::strncmp(e.key, "msg.", 4) != 0) continue;
      MessagePattern m{e.key, pieces_of(e.text), 0};
      for (const auto& p : m.pieces) m.literal += p.size();
      out.push_back(std::move(m));
    }
    return out;
  }();
  return patterns;
}

// Whether s[pos..] matches pieces[i..], piece i starting right at pos (gaps may be empty). Parts go to args.
bool match_from(const std::string& s, size_t pos, const std::vector<std::string>& pieces, size_t i,
                std::vector<std::string>* args) {
  const std::string& lit = pieces[i];
  if (s.compare(pos, lit.size(), lit) != 0) return false;
  pos += lit.size();
  if (i + 1 == pieces.size()) return pos == s.size();
  const std::string& next = pieces[i + 1];
  const bool last = i + 2 == pieces.size();
  if (last) {  // the last gap: up to the final piece, which must end the message
    if (s.size() < pos + next.size() || s.compare(s.size() - next.size(), next.size(), next) != 0) return false;
    args->push_back(s.substr(pos, s.size() - next.size() - pos));
    return true;
  }
  for (size_t at = s.find(next, pos); at != std::string::npos; at = s.find(next, at + 1)) {
    args->push_back(s.substr(pos, at - pos));
    if (match_from(s, at, pieces, i + 1, args)) return true;
    args->pop_back();
  }
  return false;
}

}  // namespace

std::string match_message(const std::string& english, std::vector<std::string>* args) {
  const MessagePattern* best = nullptr;
  std::vector<std::string> got;
  for (const MessagePattern& m : message_patterns()) {
    if (best && m.literal <= best->literal) continue;
    std::vector<std::string> a;
    if (match_from(english, 0, m.pieces, 0, &a)) {
      best = &m;
      got = std::move(a);
    }
  }
  if (args) *args = best ? got : std::vector<std::string>();
  return best ? best->key : std::string();
}

std::string fill_message(const char* format, const std::vector<std::string>& args) {
  std::string out;
  size_t k = 0;
  for (const char* p = format; *p; ++p) {
    if (p[0] == '%' && p[1] == '%') {
      out += '%';
      ++p;
    } else if (p[0] == '%' && p[1] == 's') {
      if (k < args.size()) out += args[k];
      ++k;
      ++p;
    } else {
      out += *p;
    }
  }
  return out;
}

std::string tr_message_in(Lang lang, const std::string& english) {
  std::vector<std::string> args;
  const std::string key = match_message(english, &args);
  if (key.empty()) return english;
  for (auto& a : args) a = tr_message_in(lang, a);  // a cause inside a message ("...: %s")
  return fill_message(tr_in(lang, key.c_str()), args);
}

std::string tr_message(const std::string& english) { return tr_message_in(g_lang, english); }

}  // namespace attnviz
