// Tests of the safetensors reader/writer: the real files in tests/data, round trips, half/bfloat16 conversion, and
// every kind of broken header (a message naming the file and the problem, never a crash).
#include <doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
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
