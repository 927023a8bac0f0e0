// The CLI's JSON input lines, shared by `attnviz tokenize`, `attnviz run` and the fuzz target fuzz/input_line.cpp.
#include "input_line.h"

#include <nlohmann/json.hpp>

namespace attnviz {

InputLine parse_input_line(std::string_view line) {
  InputLine out;
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
