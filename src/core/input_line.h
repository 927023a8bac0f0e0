// One line of the CLI's JSON-lines input (`attnviz tokenize` and `attnviz run`, docs/INTERFACES.md):
// {"text": "...", "text_pair": "..."}, parsed without trusting it. std + nlohmann-json (non-throwing calls) only.
#pragma once
#include <string>
#include <string_view>

namespace attnviz {

enum class InputLineKind {
  Ok,         // text (and pair) filled
  NotJson,    // the line is not valid JSON
  NotObject,  // valid JSON, but not an object
  NoText,     // an object without a string "text"
  BadPair,    // "text_pair" present, not null and not a string
};

struct InputLine {
  InputLineKind kind = InputLineKind::NotJson;
  std::string text;  // UTF-8 (the JSON parser refuses invalid UTF-8)
  std::string pair;  // empty when "text_pair" is absent or null
};

// Parses one line (blank lines are the caller's business: each command skips them its own way). Other keys are
// ignored. Never throws; the caller words the message for each kind.
InputLine parse_input_line(std::string_view line);

}  // namespace attnviz
