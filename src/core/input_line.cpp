// The CLI's JSON input lines, shared by `attnviz tokenize`, `attnviz run` and the fuzz target fuzz/input_line.cpp.
#include "input_line.h"

#include <nlohmann/json.hpp>

namespace attnviz {
namespace {

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

InputLine parse_input_line(std::string_view raw) {
  InputLine out;
  std::string line(raw);
  replace_lone_surrogate_escapes(&line);
  const nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) return out;
  if (!j.is_object()) {
    out.kind = InputLineKind::NotObject;
    return out;
  }
  auto text = j.find("text");
  if (text == j.end() || !text->is_string()) {
    out.kind = InputLineKind::NoText;
    return out;
  }
  auto pair = j.find("text_pair");
  if (pair != j.end() && !pair->is_null()) {
    if (!pair->is_string()) {
      out.kind = InputLineKind::BadPair;
      return out;
    }
    out.pair = pair->get_ref<const std::string&>();
  }
  out.text = text->get_ref<const std::string&>();
  out.kind = InputLineKind::Ok;
  return out;
}

}  // namespace attnviz
