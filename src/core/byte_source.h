// ByteSource: byte ranges of a file that is not held whole in memory (a weight file the page keeps outside the wasm
// heap, a file on disk), so F16/BF16 weights convert straight into their float32 destination without the whole file
// and the floats side by side. std only; never throws.
#pragma once
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "status.h"

namespace attnviz {

// Reads of one file's bytes. Implementations check every range against size() themselves.
struct ByteSource {
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;  // bytes in the file
  // Copies bytes [offset, offset + len) into dst[0 .. len). False (dst unspecified) when the range is not inside the
  // file or the read came up short (a file cut or changed since it was opened).
  virtual bool read(uint64_t offset, size_t len, void* dst) const = 0;
};

// Weight files read by range, by the same base names as FileMap ("model.safetensors", shards). A loader given one
// for a file absent from the FileMap reads it through the source (Model::load).
using ByteSources = std::map<std::string, std::shared_ptr<const ByteSource>>;

// A source over bytes in memory (the caller keeps them alive): tests, and files small enough to hold.
class MemoryByteSource : public ByteSource {
 public:
  explicit MemoryByteSource(std::string_view bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  bool read(uint64_t offset, size_t len, void* dst) const override;

 private:
  std::string_view bytes_;
};

// A source over a file on disk, opened once; reads seek and read (serialised by a mutex).
class FileByteSource : public ByteSource {
 public:
  // Opens `path` and takes its size. Fails with a message naming the path.
  static Status open(const std::string& path, std::shared_ptr<const ByteSource>* out);
  uint64_t size() const override { return size_; }
  bool read(uint64_t offset, size_t len, void* dst) const override;

 private:
  mutable std::ifstream f_;
  mutable std::mutex mu_;
  uint64_t size_ = 0;
};

// True when [offset, offset + len) lies inside a file of `size` bytes (no overflow).
inline bool range_inside(uint64_t offset, uint64_t len, uint64_t size) { return offset <= size && len <= size - offset; }

}  // namespace attnviz
