// Safetensors reader and writer. Every number read from a file is checked against the file's real size before it
// decides anything (an allocation, an offset). std + nlohmann-json (non-throwing calls only) only.
#include "safetensors.h"

#include <algorithm>
#include <cstring>
#include <set>
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

// Bits per element of the dtypes we recognise but do not compute with, so their sizes can still be checked
// (the dtype list of huggingface/safetensors: F4 and F6_* pack several elements per byte).
static int other_bits(const std::string& s) {
  if (s == "F64" || s == "U64" || s == "C64") return 64;
  if (s == "U32") return 32;
  if (s == "I16" || s == "U16") return 16;
  if (s == "I8" || s == "U8" || s == "BOOL" || s == "F8_E4M3" || s == "F8_E5M2" || s == "F8_E8M0") return 8;
  if (s == "F6_E2M3" || s == "F6_E3M2") return 6;
  if (s == "F4") return 4;
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

// SAX handler for the header's first pass: counts the tensors (the top-level keys but __metadata__), remembers the
// first name given twice, and stops the parse past the tensor cap. No tree is built.
struct TopKeys {
  size_t depth = 0;
  size_t count = 0;
  std::set<std::string> seen;
  std::string repeated;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const json::string_t&) { return true; }
  bool string(json::string_t&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(size_t) { return ++depth, true; }
  bool end_object() { return --depth, true; }
  bool start_array(size_t) { return ++depth, true; }
  bool end_array() { return --depth, true; }
  bool key(json::string_t& k) {
    if (depth != 1) return true;
    if (k != "__metadata__" && ++count > kMaxSafetensorsTensors) return false;
    if (!seen.insert(k).second && repeated.empty()) repeated = k;
    return true;
  }
  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception&) { return false; }
};

static Status bad(const std::string& what, const std::string& msg) { return Status::error(what + ": " + msg); }

// The checks both parse() forms make before the header: the file (`size` bytes) is not empty, holds the 8-byte
// header length (little-endian u64, read by `read8` into its argument; false when it cannot be read), and that length
// is within the format's limit and the file. Sets *n to the header's length in bytes.
template <class Read8>
static Status read_header_length(uint64_t size, const Read8& read8, const std::string& what, uint64_t* n) {
  if (size == 0) return bad(what, "empty file (expected a safetensors file)");
  if (size < 8) return bad(what, "truncated: " + std::to_string(size) + " bytes, shorter than the 8-byte header length");
  unsigned char len[8];
  if (!read8(len)) return bad(what, "could not read the header length (the file was cut short or changed)");
  *n = 0;
  for (int i = 7; i >= 0; i--) *n = (*n << 8) | len[i];
  if (*n > kMaxSafetensorsHeaderBytes)
    return bad(what, "header length " + std::to_string(*n) + " is over the format's limit of " +
                         std::to_string(kMaxSafetensorsHeaderBytes) + " bytes (not a safetensors file?)");
  if (*n > size - 8)
    return bad(what, "header length " + std::to_string(*n) + " is larger than the file (" + std::to_string(size) +
                         " bytes): truncated or not a safetensors file");
  return Status::success();
}

Status SafeTensors::parse(std::string_view bytes, const std::string& what, SafeTensors* out) {
  out->tensors_.clear();
  uint64_t n = 0;
  Status st = read_header_length(
      bytes.size(), [&](unsigned char* len) { return std::memcpy(len, bytes.data(), 8), true; }, what, &n);
  if (!st) return st;
  std::string_view header = bytes.substr(8, static_cast<size_t>(n));
  std::string_view data = bytes.substr(8 + static_cast<size_t>(n));
  return parse_header(header, data.size(), data.data(), 8 + n, what, out);
}

Status SafeTensors::parse(const ByteSource& src, const std::string& what, SafeTensors* out) {
  out->tensors_.clear();
  const uint64_t size = src.size();
  uint64_t n = 0;
  Status st = read_header_length(size, [&](unsigned char* len) { return src.read(0, 8, len); }, what, &n);
  if (!st) return st;
  std::string header(static_cast<size_t>(n), '\0');
  if (!src.read(8, header.size(), header.data()))
    return bad(what, "could not read the " + std::to_string(n) + "-byte header (the file was cut short or changed)");
  return parse_header(header, size - 8 - n, nullptr, 8 + n, what, out);
}

Status SafeTensors::parse_header(std::string_view header, uint64_t data_size, const char* data, uint64_t data_offset,
                                 const std::string& what, SafeTensors* out) {
  out->tensors_.clear();
  std::vector<TensorView> tensors;  // moved into *out only when the whole file checks out
  if (header.empty() || header[0] != '{')
    return bad(what, "header is not a JSON object: it does not start with '{' (not a safetensors file?)");
  // A first pass over the header (SAX, no tree built) counts the top-level keys and finds a repeated one
  // (nlohmann's DOM keeps only the last of a repeated key, which would hide a tensor), before the DOM is built.
  TopKeys top;
  const bool valid = json::sax_parse(header.begin(), header.end(), &top, json::input_format_t::json, true);
  if (top.count > kMaxSafetensorsTensors)
    return bad(what, "header lists more than " + std::to_string(kMaxSafetensorsTensors) + " tensors (the reader's limit)");
  if (!valid) return bad(what, "header is not a JSON object (not a safetensors file?)");
  if (!top.repeated.empty()) return bad(what, "tensor '" + top.repeated + "' is listed twice in the header");
  json j = json::parse(header.begin(), header.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad(what, "header is not a JSON object (not a safetensors file?)");

  struct Range {
    uint64_t begin, end;
    size_t index;
  };
  std::vector<Range> ranges;
  ranges.reserve(j.size());
  tensors.reserve(j.size());
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
    const int bits = t.dtype == DType::Other ? other_bits(t.dtype_name) : 8 * dtype_width(t.dtype);
    if (bits == 0) return bad(what, where + ": unknown dtype '" + t.dtype_name + "'");
    // numel and its size in bits, overflow-checked as the reference's validate() does (checked_mul), before any
    // size is trusted.
    uint64_t numel = 1;
    bool overflow = false;
    t.shape.reserve(sh->size());
    for (const json& d : *sh) {
      if (!d.is_number_unsigned())  // nlohmann reads every non-negative integer literal as unsigned
        return bad(what, where + ": shape holds a value that is not a non-negative integer");
      const uint64_t v = d.get<uint64_t>();
      if (v > (1ull << 62)) return bad(what, where + ": dimension " + std::to_string(v) + " is larger than the file");
      t.shape.push_back(static_cast<int64_t>(v));
      overflow = overflow || __builtin_mul_overflow(numel, v, &numel);
    }
    uint64_t nbits = 0;
    overflow = overflow || __builtin_mul_overflow(numel, static_cast<uint64_t>(bits), &nbits);
    if (overflow || numel > (1ull << 62))
      return bad(what, where + ": its shape holds more elements than any file can (the product overflows)");
    if (nbits % 8 != 0)
      return bad(what, where + ": " + std::to_string(numel) + " elements of " + t.dtype_name +
                           " do not fill a whole number of bytes");
    const json& b = (*off)[0];
    const json& en = (*off)[1];
    if (!b.is_number_unsigned() || !en.is_number_unsigned())
      return bad(what, where + ": data_offsets are not non-negative integers");
    const uint64_t begin = b.get<uint64_t>(), end = en.get<uint64_t>();
    if (begin > end || end > data_size)
      return bad(what, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                           "] lie outside the data section (" + std::to_string(data_size) + " bytes; truncated file?)");
    if (nbits / 8 != end - begin)
      return bad(what, where + ": " + std::to_string(end - begin) + " bytes do not match its shape and dtype " +
                           t.dtype_name + " (" + std::to_string(nbits / 8) + " bytes)");
    t.numel = static_cast<int64_t>(numel);
    if (data) t.data = std::string_view(data + begin, static_cast<size_t>(end - begin));
    t.offset = data_offset + begin;
    ranges.push_back({begin, end, tensors.size()});
    tensors.push_back(std::move(t));
  }

  // The tensors must tile the data section exactly, as the reference loader requires (safetensors Metadata::validate:
  // sorted by data_offsets, each begin equals the previous end, the last end equals the data size): no overlap (two
  // names for the same bytes), no hole and nothing after the last tensor (bytes no tensor accounts for).
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const char* const rule = " (a damaged or edited file: the format requires the tensors to tile the data section exactly)";
  uint64_t pos = 0;
  const TensorView* prev = nullptr;
  for (const Range& r : ranges) {
    const TensorView& t = tensors[r.index];
    if (r.begin < pos)  // pos > 0, so prev is set
      return bad(what, "tensor '" + t.name + "' at bytes [" + std::to_string(r.begin) + ", " + std::to_string(r.end) +
                           ") overlaps tensor '" + prev->name + "', which ends at byte " + std::to_string(pos) + rule);
    if (r.begin > pos)
      return bad(what, "bytes [" + std::to_string(pos) + ", " + std::to_string(r.begin) +
                           ") of the data section belong to no tensor (a hole before tensor '" + t.name + "')" + rule);
    pos = r.end;
    prev = &t;
  }
  if (pos != data_size) {
    const std::string extra = std::to_string(data_size - pos) + " bytes";
    if (!prev) return bad(what, "the header lists no tensor but the data section holds " + extra + rule);
    return bad(what, extra + " after the last tensor ('" + prev->name + "', ending at byte " + std::to_string(pos) +
                         " of the " + std::to_string(data_size) + "-byte data section) belong to no tensor" + rule);
  }
  std::sort(tensors.begin(), tensors.end(),
            [](const TensorView& a, const TensorView& b) { return a.name < b.name; });
  out->tensors_ = std::move(tensors);
  return Status::success();
}

const TensorView* SafeTensors::find(const std::string& name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const TensorView& t, const std::string& n) { return t.name < n; });
  if (it == tensors_.end() || it->name != name) return nullptr;
  return &*it;
}

// Converts n little-endian elements of a floating dtype at p to float32 (false for other dtypes).
static bool floats_from_bytes(DType dtype, const unsigned char* p, size_t n, float* dst) {
  switch (dtype) {
    case DType::F32:
      for (size_t i = 0; i < n; i++) {
        uint32_t v = p[4 * i] | (p[4 * i + 1] << 8) | (p[4 * i + 2] << 16) | (static_cast<uint32_t>(p[4 * i + 3]) << 24);
        std::memcpy(dst + i, &v, 4);
      }
      return true;
    case DType::F16:
      for (size_t i = 0; i < n; i++) dst[i] = half_to_float(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
      return true;
    case DType::BF16:
      for (size_t i = 0; i < n; i++) dst[i] = bf16_to_float(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
      return true;
    default:
      return false;
  }
}

static Status not_floating(const TensorView& t, const std::string& what) {
  return bad(what, "tensor '" + t.name + "' has dtype " + t.dtype_name + "; weights must be F32, F16 or BF16");
}

Status tensor_to_float(const TensorView& t, const std::string& what, float* dst) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(t.data.data());
  if (!floats_from_bytes(t.dtype, p, static_cast<size_t>(t.numel), dst)) return not_floating(t, what);
  return Status::success();
}

Status tensor_to_float(const ByteSource& src, const TensorView& t, const std::string& what, float* dst) {
  if (t.dtype != DType::F32 && t.dtype != DType::F16 && t.dtype != DType::BF16) return not_floating(t, what);
  const size_t width = static_cast<size_t>(dtype_width(t.dtype));
  const uint64_t n = static_cast<uint64_t>(t.numel);
  const auto cut = [&](uint64_t at) {
    return bad(what, "tensor '" + t.name + "': could not read its bytes at offset " + std::to_string(at) +
                         " (the file is shorter than its header says, or changed while loading: open it again)");
  };
  if (n > UINT64_MAX / width || !range_inside(t.offset, n * width, src.size())) return cut(t.offset);
  // Little-endian hosts read F32 straight into dst; everything else goes through a small buffer, chunk by chunk.
  const uint32_t one = 1;
  unsigned char first;
  std::memcpy(&first, &one, 1);
  if (t.dtype == DType::F32 && first == 1) {
    if (!src.read(t.offset, static_cast<size_t>(n * width), dst)) return cut(t.offset);
    return Status::success();
  }
  constexpr size_t kChunk = 1 << 16;  // elements per read
  std::vector<unsigned char> buf(static_cast<size_t>(std::min<uint64_t>(n, kChunk)) * width);
  for (uint64_t i = 0; i < n; i += kChunk) {
    const size_t m = static_cast<size_t>(std::min<uint64_t>(kChunk, n - i));
    const uint64_t at = t.offset + i * width;
    if (!src.read(at, m * width, buf.data())) return cut(at);
    floats_from_bytes(t.dtype, buf.data(), m, dst + i);
  }
  return Status::success();
}

bool has_half_precision_tensors(const ByteSource& src) {
  SafeTensors st;
  if (!SafeTensors::parse(src, "", &st).ok) return false;
  for (const TensorView& t : st.tensors())
    if (t.dtype == DType::F16 || t.dtype == DType::BF16) return true;
  return false;
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
