// Tests of the CLI's JSON input lines (src/core/input_line.h): every kind of line the commands word differently.
#include <doctest.h>

#include <string>

#include "input_line.h"

using namespace attnviz;

TEST_CASE("input line: text, pair, and each kind of bad line") {
  InputLine in = parse_input_line(R"({"text": "床前 moon", "text_pair": "b", "i": 3})");
  CHECK(in.kind == InputLineKind::Ok);
  CHECK(in.text == "床前 moon");
  CHECK(in.pair == "b");
  in = parse_input_line(R"({"text": "", "text_pair": null})");
  CHECK(in.kind == InputLineKind::Ok);
  CHECK(in.text.empty());
  CHECK(in.pair.empty());
  CHECK(parse_input_line(R"({"text": "a\u0000b"})").text == std::string("a\0b", 3));
  CHECK(parse_input_line("{\"text\": 5").kind == InputLineKind::NotJson);
  CHECK(parse_input_line("").kind == InputLineKind::NotJson);
  CHECK(parse_input_line("\"\xff\"").kind == InputLineKind::NotJson);  // invalid UTF-8 in a string
  CHECK(parse_input_line(R"(["text"])").kind == InputLineKind::NotObject);
  CHECK(parse_input_line("42").kind == InputLineKind::NotObject);
  CHECK(parse_input_line(R"({"txt": "a"})").kind == InputLineKind::NoText);
  CHECK(parse_input_line(R"({"text": 1})").kind == InputLineKind::NoText);
  CHECK(parse_input_line(R"({"text": "a", "text_pair": 2})").kind == InputLineKind::BadPair);
}
