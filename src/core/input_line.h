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

// Rewrites, in place, each JSON escape of an unpaired UTF-16 surrogate ("\ud800" not followed by a low-surrogate
// escape, or a lone "\udc00") as "\ufffd" (same length), so an input line keeps its text with U+FFFD where
// JavaScript's TextEncoder and Hugging Face's Node binding put it, instead of failing to parse. Escaped
// backslashes ("\\ud800") are left alone. Lines are JSON (RFC 8259, whose grammar allows such escapes).
void replace_lone_surrogate_escapes(std::string* line);

// Parses one line (lone surrogate escapes repaired first, as above) (blank lines are the caller's business: each command skips them its own way). Other keys are
// ignored. Never throws; the caller words the message for each kind.
InputLine parse_input_line(std::string_view line);

}  // namespace attnviz
