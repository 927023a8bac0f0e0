// Tests of the safetensors reader/writer: the real files in tests/data, round trips, half/bfloat16 conversion, and
// every kind of broken header (a message naming the file and the problem, never a crash).
#include <doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "safetensors.h"
#include "test_paths.h"

using namespace attnviz;

namespace {

std::string u64le(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; i++) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::string file_with_header(const std::string& header, const std::string& data) {
  return u64le(header.size()) + header + data;
}

Status parse(const std::string& bytes) {
  SafeTensors st;
  return SafeTensors::parse(bytes, "w.safetensors", &st);
}

// A real file with its JSON header rewritten by `edit` (the data section untouched), as a hand edit would.
template <class Edit>
std::string with_edited_header(const std::string& bytes, Edit edit) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  nlohmann::json h = nlohmann::json::parse(bytes.substr(8, n), nullptr, false);
  REQUIRE(h.is_object());
  edit(h);
  const std::string text = h.dump();
  return u64le(text.size()) + text + bytes.substr(8 + n);
}

}  // namespace

TEST_CASE("safetensors: reads the tiny-bert weights") {
  std::string bytes;
  REQUIRE(attnviz_test::read_file(attnviz_test::data_dir() + "/tiny-bert/model.safetensors", &bytes));
  SafeTensors st;
  Status s = SafeTensors::parse(bytes, "model.safetensors", &st);
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(st.tensors().size() == 42);
  const TensorView* t = st.find("bert.embeddings.word_embeddings.weight");
  REQUIRE(t != nullptr);
  CHECK(t->dtype == DType::F32);
  CHECK(t->shape == std::vector<int64_t>{12000, 32});
  CHECK(t->numel == 384000);
  CHECK(t->data.size() == 384000u * 4);
  CHECK(st.find("no.such.tensor") == nullptr);
  std::vector<float> f(t->numel);
  REQUIRE(tensor_to_float(*t, "m", f.data()).ok);
  float first;
  std::memcpy(&first, t->data.data(), 4);
  CHECK(f[0] == first);
}

TEST_CASE("safetensors: writer round trip in every dtype") {
  const std::vector<float> x = {0.f, -1.5f, 3.14159f, 65504.f, 1e-6f, -2.5e-8f};
  const std::vector<int32_t> ids = {1, -2, 2147483647};
  SafeTensorsWriter w;
  w.add_f32("a", {2, 3}, x.data());
  w.add_f16("b", {6}, x.data());
  w.add_bf16("c", {3, 2}, x.data());
  w.add_i32("d", {3}, ids.data());
  w.add_f32("e", {}, x.data() + 2);
  const std::string bytes = w.finish();
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  CHECK((8 + n) % 8 == 0);
  SafeTensors st;
  REQUIRE(SafeTensors::parse(bytes, "rt", &st).ok);
  REQUIRE(st.tensors().size() == 5);
  std::vector<float> a(6), b(6), c(6), e(1);
  REQUIRE(tensor_to_float(*st.find("a"), "rt", a.data()).ok);
  REQUIRE(tensor_to_float(*st.find("b"), "rt", b.data()).ok);
  REQUIRE(tensor_to_float(*st.find("c"), "rt", c.data()).ok);
  REQUIRE(tensor_to_float(*st.find("e"), "rt", e.data()).ok);
  CHECK(a == x);
  CHECK(e[0] == x[2]);
  CHECK(st.find("e")->shape.empty());
  CHECK(st.find("e")->numel == 1);
  CHECK(b[1] == -1.5f);
  CHECK(b[3] == 65504.f);
  CHECK(b[2] == doctest::Approx(3.140625f));
  CHECK(c[1] == -1.5f);
  CHECK(c[2] == 3.140625f);
  CHECK(st.find("d")->dtype == DType::I32);
  CHECK_FALSE(tensor_to_float(*st.find("d"), "rt", a.data()).ok);
  int32_t d2;
  std::memcpy(&d2, st.find("d")->data.data() + 8, 4);
  CHECK(d2 == 2147483647);
}

TEST_CASE("safetensors: half and bfloat16 conversions") {
  CHECK(half_to_float(0x3c00) == 1.0f);
  CHECK(half_to_float(0xc000) == -2.0f);
  CHECK(half_to_float(0x7bff) == 65504.0f);
  CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));  // smallest subnormal
  CHECK(half_to_float(0x03ff) == std::ldexp(1023.0f, -24));
  CHECK(std::isinf(half_to_float(0x7c00)));
  CHECK(std::isnan(half_to_float(0x7e00)));
  CHECK(std::signbit(half_to_float(0x8000)));
  CHECK(float_to_half(1.0f) == 0x3c00);
  CHECK(float_to_half(65504.0f) == 0x7bff);
  CHECK(float_to_half(65520.0f) == 0x7c00);  // rounds up to infinity
  CHECK(float_to_half(std::ldexp(1.0f, -24)) == 0x0001);
  CHECK(float_to_half(std::ldexp(1.0f, -26)) == 0x0000);
  CHECK(float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);  // tie to even
  CHECK(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);
  // Every half value survives the round trip.
  int bad = 0;
  for (uint32_t h = 0; h < 0x10000; h++) {
    const uint16_t v = static_cast<uint16_t>(h);
    if ((v & 0x7c00) == 0x7c00 && (v & 0x3ff)) continue;  // NaN payloads
    if (float_to_half(half_to_float(v)) != v) bad++;
  }
  CHECK(bad == 0);
  CHECK(bf16_to_float(0x3f80) == 1.0f);
  CHECK(float_to_bf16(1.0f) == 0x3f80);
  CHECK(float_to_bf16(1.00390625f) == 0x3f80);  // tie to even
  CHECK(float_to_bf16(1.01171875f) == 0x3f82);
  CHECK(std::isnan(bf16_to_float(float_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
}

TEST_CASE("safetensors: broken files give one clear message and never crash") {
  auto expect = [](const std::string& bytes, const char* needle) {
    Status s = parse(bytes);
    CHECK_FALSE(s.ok);
    CHECK_MESSAGE(s.message.find("w.safetensors") != std::string::npos, s.message);
    CHECK_MESSAGE(s.message.find(needle) != std::string::npos, s.message << " lacks " << needle);
  };
  expect("", "empty");
  expect("abc", "truncated");
  expect(u64le(1ull << 60), "header length");
  expect(u64le(100) + "{}", "header length");
  expect(file_with_header("{not json", ""), "JSON");
  expect(file_with_header("42", ""), "JSON");
  expect(file_with_header(R"({"t": 5})", ""), "'t'");
  expect(file_with_header(R"({"t": {"dtype": 3, "shape": [1], "data_offsets": [0, 4]}})", std::string(4, '\0')), "dtype");
  expect(file_with_header(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", std::string(4, '\0')), "data_offsets");
  expect(file_with_header(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, -4]}})", std::string(4, '\0')), "data_offsets");
  expect(file_with_header(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", std::string(4, '\0')), "outside");
  expect(file_with_header(R"({"t": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", std::string(8, '\0')), "do not match");
  expect(file_with_header(R"({"t": {"dtype": "F32", "shape": [18446744073709551615], "data_offsets": [0, 8]}})", std::string(8, '\0')), "larger than the file");
  expect(file_with_header(R"({"t": {"dtype": "F32", "shape": [65536, 65536, 65536, 65536], "data_offsets": [0, 0]}})", ""), "'t'");
  expect(file_with_header(R"({"t": {"dtype": "F32", "shape": [1, "2"], "data_offsets": [0, 8]}})", std::string(8, '\0')), "shape");
  expect(file_with_header(R"({"t": {"dtype": "X9", "shape": [1], "data_offsets": [0, 4]}})", std::string(4, '\0')), "unknown dtype 'X9'");
  // Zero-size tensors and metadata are fine.
  CHECK(parse(file_with_header(R"({"__metadata__": {"format": "pt"}, "t": {"dtype": "F32", "shape": [0, 5], "data_offsets": [0, 0]}})", "")).ok);
  CHECK(parse(u64le(2) + "{}").ok);
}

// Issue 12: a hand-edited header that points a tensor at another tensor's bytes (leaving a hole where its own were),
// or bytes appended after the last tensor, used to load silently and give wrong attentions. The reference loader
// (safetensors Metadata::validate) refuses both; so do we, naming the file and the tensor.
TEST_CASE("safetensors: overlapping tensors and appended bytes in the demo models are refused (issue 12)") {
  struct Case {
    const char* file;
    const char* weight;
    const char* bias;
  };
  for (const Case& c : {Case{"zh-bert-mini", "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias"},
                        Case{"gpt2-mini", "transformer.ln_f.weight", "transformer.ln_f.bias"}}) {
    CAPTURE(c.file);
    std::string bytes;
    REQUIRE(attnviz_test::read_file(attnviz_test::models_dir() + "/" + c.file + "/model.safetensors", &bytes));
    SafeTensors st;
    REQUIRE(SafeTensors::parse(bytes, "model.safetensors", &st).ok);
    // Rewriting the header without a change still loads: the refusals below come from the edits alone.
    REQUIRE(SafeTensors::parse(with_edited_header(bytes, [](nlohmann::json&) {}), "model.safetensors", &st).ok);

    const std::string overlap = with_edited_header(bytes, [&](nlohmann::json& h) {
      h[c.weight]["data_offsets"] = h[c.bias]["data_offsets"];
    });
    Status s = SafeTensors::parse(overlap, "model.safetensors", &st);
    CHECK_FALSE(s.ok);
    CHECK(st.tensors().empty());
    CHECK_MESSAGE(s.message.rfind("model.safetensors: ", 0) == 0, s.message);
    CHECK_MESSAGE(s.message.find("overlaps") != std::string::npos, s.message);
    CHECK_MESSAGE(s.message.find(c.weight) != std::string::npos, s.message);
    CHECK_MESSAGE(s.message.find(c.bias) != std::string::npos, s.message);

    s = SafeTensors::parse(bytes + std::string(19, '\x5a'), "model.safetensors", &st);
    CHECK_FALSE(s.ok);
    CHECK(st.tensors().empty());
    CHECK_MESSAGE(s.message.find("19 bytes after the last tensor") != std::string::npos, s.message);
    CHECK_MESSAGE(s.message.find("belong to no tensor") != std::string::npos, s.message);
  }
}

TEST_CASE("safetensors: tensors must tile the data section exactly") {
  const std::string f4 = std::string(4, '\0'), f8 = std::string(8, '\0');
  auto expect = [](const std::string& bytes, std::initializer_list<const char*> needles) {
    SafeTensors st;
    Status s = SafeTensors::parse(bytes, "w.safetensors", &st);
    CHECK_FALSE(s.ok);
    CHECK(st.tensors().empty());
    CHECK_MESSAGE(s.message.rfind("w.safetensors: ", 0) == 0, s.message);
    for (const char* n : needles) CHECK_MESSAGE(s.message.find(n) != std::string::npos, s.message << " lacks " << n);
  };
  // Overlap: both tensors on the same bytes, or one inside another.
  expect(file_with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                              "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", f4),
         {"overlaps", "'a'", "'b'"});
  expect(file_with_header(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                              "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", f8),
         {"overlaps", "tensor 'b' at bytes [4, 8)", "'a', which ends at byte 8"});
  // A hole at the start, in the middle, and bytes after the last tensor.
  expect(file_with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", f8),
         {"bytes [0, 4) of the data section belong to no tensor", "hole before tensor 'a'"});
  expect(file_with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                              "b": {"dtype": "F16", "shape": [1], "data_offsets": [6, 8]}})", f8),
         {"bytes [4, 6)", "hole before tensor 'b'"});
  expect(file_with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", f8),
         {"4 bytes after the last tensor ('a'", "belong to no tensor"});
  expect(file_with_header(R"({"__metadata__": {"format": "pt"}})", f4), {"lists no tensor", "4 bytes"});
  // A name given twice (JSON keeps only one, hiding the other).
  expect(file_with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                              "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", f8),
         {"tensor 'a' is listed twice"});

  // Accepted: any listing order, zero-size tensors anywhere, spaces padding the header (the writer's alignment).
  SafeTensors st;
  Status s = SafeTensors::parse(
      file_with_header(R"({"z": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},
                           "e": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]},
                           "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                           "f": {"dtype": "I64", "shape": [3, 0], "data_offsets": [8, 8]}}   )", f8),
      "w.safetensors", &st);
  REQUIRE_MESSAGE(s.ok, s.message);
  CHECK(st.tensors().size() == 4);
  CHECK(st.find("z")->data.data() == st.find("a")->data.data() + 4);
}

TEST_CASE("safetensors: size limits and sub-byte dtypes, checked before anything is allocated") {
  auto expect = [](const std::string& bytes, const char* needle) {
    Status s = parse(bytes);
    CHECK_FALSE(s.ok);
    CHECK_MESSAGE(s.message.find(needle) != std::string::npos, s.message << " lacks " << needle);
  };
  // The reference's header cap (100,000,000 bytes), refused before the file size is even compared.
  expect(u64le(kMaxSafetensorsHeaderBytes + 1) + "{}", "over the format's limit of 100000000 bytes");
  expect(file_with_header(" {}", ""), "does not start with '{'");
  // Shapes whose element count overflows 64 bits are refused even when a zero makes the product 0 (as the
  // reference's checked_mul does), and so are counts whose byte size overflows.
  expect(file_with_header(R"({"t": {"dtype": "F32", "shape": [4294967296, 4294967296, 0], "data_offsets": [0, 0]}})", ""),
         "overflows");
  expect(file_with_header(R"({"t": {"dtype": "F64", "shape": [4611686018427387904], "data_offsets": [0, 0]}})", ""),
         "overflows");
  // F4 packs two elements a byte: an odd count is not a whole number of bytes.
  expect(file_with_header(R"({"t": {"dtype": "F4", "shape": [3], "data_offsets": [0, 2]}})", std::string(2, '\0')),
         "whole number of bytes");
  SafeTensors st;
  REQUIRE(SafeTensors::parse(file_with_header(R"({"t": {"dtype": "F4", "shape": [2, 2], "data_offsets": [0, 2]}})",
                                              std::string(2, '\0')),
                             "w", &st)
              .ok);
  CHECK(st.find("t")->numel == 4);
  CHECK_FALSE(tensor_to_float(*st.find("t"), "w", nullptr).ok);  // recognised, sized, not computed with
  // The tensor count cap: one more tensor than the limit is refused by the first (SAX) pass over the header, before
  // the entries are even looked at (so they can be anything here) and before any tree is built.
  std::string h = "{\"__metadata__\":{}";
  for (size_t i = 0; i <= kMaxSafetensorsTensors; i++) h += ",\"" + std::to_string(i) + "\":0";
  h += "}";
  expect(file_with_header(h, ""), "more than 100000 tensors");
}

TEST_CASE("safetensors: every file shipped in models/, tests/data and ../shared loads") {
  namespace fs = std::filesystem;
  int n = 0;
  for (const std::string& root : {attnviz_test::models_dir(), attnviz_test::data_dir(),
                                  attnviz_test::shared_dir() + "/fixtures", attnviz_test::shared_dir() + "/models"}) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;  // ../shared is optional
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() != ".safetensors") continue;
      std::string bytes;
      REQUIRE(attnviz_test::read_file(it->path().string(), &bytes));
      SafeTensors st;
      Status s = SafeTensors::parse(bytes, it->path().string(), &st);
      CHECK_MESSAGE(s.ok, s.message);
      CHECK(!st.tensors().empty());
      n++;
    }
  }
  CHECK(n >= 12);  // models/ (3) and tests/data (9) at least
}
