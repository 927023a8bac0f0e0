// Safetensors reader and writer. Every number read from a file is checked against the file's real size before it
// decides anything (an allocation, an offset). std + nlohmann-json (non-throwing calls only) only.
#include "safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

namespace attnviz {

using json = nlohmann::json;

int dtype_width(DType t) {
  switch (t) {
    case DType::F32: return 4;
    case DType::F16: return 2;
    case DType::BF16: return 2;
    case DType::I32: return 4;
    case DType::I64: return 8;
    default: return 0;
  }
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::I32: return "I32";
    case DType::I64: return "I64";
    default: return "?";
  }
}

// Widths of the dtypes we recognise but do not compute with, so their sizes can still be checked.
static int other_width(const std::string& s) {
  if (s == "F64" || s == "U64") return 8;
  if (s == "U32") return 4;
  if (s == "I16" || s == "U16") return 2;
  if (s == "I8" || s == "U8" || s == "BOOL" || s == "F8_E4M3" || s == "F8_E5M2") return 1;
  return 0;
}

static DType parse_dtype(const std::string& s) {
  if (s == "F32") return DType::F32;
  if (s == "F16") return DType::F16;
  if (s == "BF16") return DType::BF16;
  if (s == "I32") return DType::I32;
  if (s == "I64") return DType::I64;
  return DType::Other;
}

float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do {
        e++;
        man <<= 1;
      } while ((man & 0x400) == 0);
      bits = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0));
  if (ax >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to infinity
  if (ax < 0x33000001u) return static_cast<uint16_t>(sign);            // rounds to zero
  int e = static_cast<int>(ax >> 23);
  uint32_t man = (ax & 0x7fffffu) | 0x800000u;
  int shift;
  uint32_t he;
  if (e < 113) {  // subnormal half
    shift = 126 - e;
    he = 0;
  } else {
    shift = 13;
    he = static_cast<uint32_t>(e - 112);
    man &= 0x7fffffu;
  }
  uint32_t q = man >> shift;
  uint32_t rem = man & ((1u << shift) - 1);
  uint32_t half_point = 1u << (shift - 1);
  uint32_t out = (he << 10) + q;
  if (rem > half_point || (rem == half_point && (q & 1))) out++;  // carries into the exponent correctly
  return static_cast<uint16_t>(sign | out);
}

float bf16_to_float(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40);  // quiet NaN
  uint32_t rounding = 0x7fffu + ((x >> 16) & 1);
  return static_cast<uint16_t>((x + rounding) >> 16);
}

static Status bad(const std::string& what, const std::string& msg) { return Status::error(what + ": " + msg); }

Status SafeTensors::parse(std::string_view bytes, const std::string& what, SafeTensors* out) {
  out->tensors_.clear();
  if (bytes.empty()) return bad(what, "empty file (expected a safetensors file)");
  if (bytes.size() < 8) return bad(what, "truncated: " + std::to_string(bytes.size()) + " bytes, shorter than the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  const uint64_t rest = bytes.size() - 8;
  if (n > rest)
    return bad(what, "header length " + std::to_string(n) + " is larger than the file (" + std::to_string(bytes.size()) +
                         " bytes): truncated or not a safetensors file");
  std::string_view header = bytes.substr(8, static_cast<size_t>(n));
  std::string_view data = bytes.substr(8 + static_cast<size_t>(n));
  json j = json::parse(header.begin(), header.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad(what, "header is not a JSON object (not a safetensors file?)");

  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") continue;
    const json& e = it.value();
    const std::string where = "tensor '" + name + "'";
    if (!e.is_object()) return bad(what, where + ": entry is not an object");
    auto dt = e.find("dtype");
    auto sh = e.find("shape");
    auto off = e.find("data_offsets");
    if (dt == e.end() || !dt->is_string()) return bad(what, where + ": missing or non-string dtype");
    if (sh == e.end() || !sh->is_array()) return bad(what, where + ": missing or non-array shape");
    if (off == e.end() || !off->is_array() || off->size() != 2) return bad(what, where + ": data_offsets is not [begin, end]");
    TensorView t;
    t.name = name;
    t.dtype_name = dt->get_ref<const std::string&>();
    t.dtype = parse_dtype(t.dtype_name);
    int width = t.dtype == DType::Other ? other_width(t.dtype_name) : dtype_width(t.dtype);
    if (width == 0) return bad(what, where + ": unknown dtype '" + t.dtype_name + "'");
    // numel is bounded by the data size before any multiplication can overflow.
    uint64_t numel = 1;
    const uint64_t limit = data.size() + 1;
    for (const json& d : *sh) {
      if (!d.is_number_unsigned())  // nlohmann reads every non-negative integer literal as unsigned
        return bad(what, where + ": shape holds a value that is not a non-negative integer");
      uint64_t v = d.get<uint64_t>();
      if (v > (1ull << 62)) return bad(what, where + ": dimension " + std::to_string(v) + " is larger than the file");
      t.shape.push_back(static_cast<int64_t>(v));
      // Saturates above the file size (a later 0 still makes it 0): no overflow, and no size trusted yet.
      numel = v == 0 ? 0 : (numel > limit / v ? limit + 1 : numel * v);
    }
    const json& b = (*off)[0];
    const json& en = (*off)[1];
    if (!b.is_number_unsigned() || !en.is_number_unsigned())
      return bad(what, where + ": data_offsets are not non-negative integers");
    uint64_t begin = b.get<uint64_t>(), end = en.get<uint64_t>();
    if (begin > end || end > data.size())
      return bad(what, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                           "] lie outside the data section (" + std::to_string(data.size()) + " bytes; truncated file?)");
    if (numel > limit || numel * static_cast<uint64_t>(width) != end - begin)
      return bad(what, where + ": " + std::to_string(end - begin) + " bytes do not match its shape and dtype " +
                           t.dtype_name);
    t.numel = static_cast<int64_t>(numel);
    t.data = data.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin));
    out->tensors_.push_back(std::move(t));
  }
  std::sort(out->tensors_.begin(), out->tensors_.end(),
            [](const TensorView& a, const TensorView& b) { return a.name < b.name; });
  return Status::success();
}

const TensorView* SafeTensors::find(const std::string& name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const TensorView& t, const std::string& n) { return t.name < n; });
  if (it == tensors_.end() || it->name != name) return nullptr;
  return &*it;
}

Status tensor_to_float(const TensorView& t, const std::string& what, float* dst) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(t.data.data());
  const size_t n = static_cast<size_t>(t.numel);
  switch (t.dtype) {
    case DType::F32:
      for (size_t i = 0; i < n; i++) {
        uint32_t v = p[4 * i] | (p[4 * i + 1] << 8) | (p[4 * i + 2] << 16) | (static_cast<uint32_t>(p[4 * i + 3]) << 24);
        std::memcpy(dst + i, &v, 4);
      }
      return Status::success();
    case DType::F16:
      for (size_t i = 0; i < n; i++) dst[i] = half_to_float(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
      return Status::success();
    case DType::BF16:
      for (size_t i = 0; i < n; i++) dst[i] = bf16_to_float(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
      return Status::success();
    default:
      return bad(what, "tensor '" + t.name + "' has dtype " + t.dtype_name + "; weights must be F32, F16 or BF16");
  }
}

// --- writer ---------------------------------------------------------------------------------------------------

static size_t shape_numel(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

void SafeTensorsWriter::add_f32(const std::string& name, const std::vector<int64_t>& shape, const float* data) {
  size_t n = shape_numel(shape);
  std::string b(n * 4, '\0');
  for (size_t i = 0; i < n; i++) {
    uint32_t v;
    std::memcpy(&v, data + i, 4);
    for (int k = 0; k < 4; k++) b[4 * i + k] = static_cast<char>((v >> (8 * k)) & 0xff);
  }
  entries_.push_back({name, "F32", shape, std::move(b)});
}

void SafeTensorsWriter::add_f16(const std::string& name, const std::vector<int64_t>& shape, const float* data) {
  size_t n = shape_numel(shape);
  std::string b(n * 2, '\0');
  for (size_t i = 0; i < n; i++) {
    uint16_t v = float_to_half(data[i]);
    b[2 * i] = static_cast<char>(v & 0xff);
    b[2 * i + 1] = static_cast<char>(v >> 8);
  }
  entries_.push_back({name, "F16", shape, std::move(b)});
}

void SafeTensorsWriter::add_bf16(const std::string& name, const std::vector<int64_t>& shape, const float* data) {
  size_t n = shape_numel(shape);
  std::string b(n * 2, '\0');
  for (size_t i = 0; i < n; i++) {
    uint16_t v = float_to_bf16(data[i]);
    b[2 * i] = static_cast<char>(v & 0xff);
    b[2 * i + 1] = static_cast<char>(v >> 8);
  }
  entries_.push_back({name, "BF16", shape, std::move(b)});
}

void SafeTensorsWriter::add_i32(const std::string& name, const std::vector<int64_t>& shape, const int32_t* data) {
  size_t n = shape_numel(shape);
  std::string b(n * 4, '\0');
  for (size_t i = 0; i < n; i++) {
    uint32_t v = static_cast<uint32_t>(data[i]);
    for (int k = 0; k < 4; k++) b[4 * i + k] = static_cast<char>((v >> (8 * k)) & 0xff);
  }
  entries_.push_back({name, "I32", shape, std::move(b)});
}

void SafeTensorsWriter::add_raw(const std::string& name, const std::string& dtype, const std::vector<int64_t>& shape,
                                std::string bytes) {
  entries_.push_back({name, dtype, shape, std::move(bytes)});
}

std::string SafeTensorsWriter::finish() const {
  json header = json::object();
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t offset = 0;
  for (const Entry& e : entries_) {
    json shape = json::array();
    for (int64_t d : e.shape) shape.push_back(d);
    header[e.name] = {{"dtype", e.dtype}, {"shape", shape}, {"data_offsets", {offset, offset + e.bytes.size()}}};
    offset += e.bytes.size();
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8) h.push_back(' ');  // the format pads the header with spaces to align the data
  std::string out;
  out.reserve(8 + h.size() + offset);
  uint64_t n = h.size();
  for (int k = 0; k < 8; k++) out.push_back(static_cast<char>((n >> (8 * k)) & 0xff));
  out += h;
  for (const Entry& e : entries_) out += e.bytes;
  return out;
}

}  // namespace attnviz
