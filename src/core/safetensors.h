// Safetensors: reads the tensor table of a .safetensors file held in memory, trusting none of its sizes, converts
// F32/F16/BF16 to float32, and writes such files (the CLI's output, test fixtures). std + nlohmann-json only.
//
// Format (huggingface/safetensors): u64 little-endian N, then N bytes of JSON
//   {"name": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ..., "__metadata__": {...}}
// then the data section; offsets are relative to its start, little-endian, row-major. The header may be padded with
// spaces; the data section may not: its tensors must tile it exactly (the reference loader's rule, below).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "byte_source.h"
#include "status.h"

namespace attnviz {

enum class DType { F32, F16, BF16, I32, I64, Other };

struct TensorView {
  std::string name;
  DType dtype = DType::Other;
  std::string dtype_name;      // as written in the file ("F32", "F16", "I8", ...)
  std::vector<int64_t> shape;  // as written; numel = product (1 for a scalar)
  int64_t numel = 0;
  std::string_view data;       // the tensor's bytes inside the file (checked: within the file, size = numel * width);
                               // empty for a file read through a ByteSource
  uint64_t offset = 0;         // safetensors: the tensor's first byte in the file (read by range through a ByteSource)
};

// Limits of the reader. The header cap is the reference loader's MAX_HEADER_SIZE (huggingface/safetensors,
// safetensors/src/tensor.rs); the tensor cap is ours (real checkpoints hold a few thousand per file).
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100000000;
constexpr size_t kMaxSafetensorsTensors = 100000;

class SafeTensors {
 public:
  // Parses the header of `bytes` (kept by the caller while this object is used). `what` names the file in messages.
  // Refuses, with a message naming the file and the tensor, what the reference loader refuses (safetensors
  // Metadata::validate and read_metadata): a header over kMaxSafetensorsHeaderBytes or not starting with '{', bad
  // JSON, an unknown dtype, a shape whose element count overflows or does not match the byte range, and a data
  // section the tensors do not tile exactly (sorted by data_offsets, each begin equal to the previous end, the last
  // end equal to the data size: no overlap, no hole, nothing after the last tensor). Also refuses a tensor name
  // given twice and more than kMaxSafetensorsTensors tensors. Every size is checked against the file before it is
  // used; on failure *out holds no tensors.
  static Status parse(std::string_view bytes, const std::string& what, SafeTensors* out);
  // The same checks and messages on a file read by range: reads only the 8-byte length and the header; tensors get
  // their offsets (TensorView::offset) and no bytes (data empty). Also fails, naming the file, when a read comes up
  // short.
  static Status parse(const ByteSource& src, const std::string& what, SafeTensors* out);

  const TensorView* find(const std::string& name) const;  // nullptr when absent
  const std::vector<TensorView>& tensors() const { return tensors_; }

 private:
  // Checks `header` (the JSON) against a data section of data_size bytes at file offset data_offset; `data` (may be
  // null) points at that section in memory.
  static Status parse_header(std::string_view header, uint64_t data_size, const char* data, uint64_t data_offset,
                             const std::string& what, SafeTensors* out);
  std::vector<TensorView> tensors_;  // sorted by name
};

// Bytes per element, 0 for unknown dtypes.
int dtype_width(DType t);
const char* dtype_name(DType t);

// float32 <-> half / bfloat16 (round to nearest even; NaN and infinities kept).
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);
float bf16_to_float(uint16_t b);
uint16_t float_to_bf16(float f);

// Converts a floating tensor (F32, F16, BF16) to float32 into dst[0 .. numel). Fails for other dtypes, naming
// `what` and the tensor.
Status tensor_to_float(const TensorView& t, const std::string& what, float* dst);
// The same from a file read by range (t from SafeTensors::parse(ByteSource)): reads t's bytes in chunks of 64K
// elements (F32 on little-endian hosts straight into dst), so no copy of the file is held. Same values as above.
// Fails, naming the file and the tensor, when its range is not inside `src` or a read comes up short.
Status tensor_to_float(const ByteSource& src, const TensorView& t, const std::string& what, float* dst);

// True when `src` is a safetensors file whose header checks out and lists an F16 or BF16 tensor: the files worth
// reading by range (Model::load's sources) rather than whole. Reads only the header.
bool has_half_precision_tensors(const ByteSource& src);

// Builds a .safetensors file in memory: tensors in the order added (the header lists them sorted, as the format
// asks), data 8-byte aligned.
class SafeTensorsWriter {
 public:
  void add_f32(const std::string& name, const std::vector<int64_t>& shape, const float* data);
  void add_f16(const std::string& name, const std::vector<int64_t>& shape, const float* data);   // rounds
  void add_bf16(const std::string& name, const std::vector<int64_t>& shape, const float* data);  // rounds
  void add_i32(const std::string& name, const std::vector<int64_t>& shape, const int32_t* data);
  // Adds a tensor as raw bytes with any dtype name (tests use this to write bad files).
  void add_raw(const std::string& name, const std::string& dtype, const std::vector<int64_t>& shape,
               std::string bytes);
  std::string finish() const;

 private:
  struct Entry {
    std::string name, dtype;
    std::vector<int64_t> shape;
    std::string bytes;
  };
  std::vector<Entry> entries_;
};

}  // namespace attnviz
