// ByteSource implementations: bytes in memory and a file on disk. std only.
#include "byte_source.h"

#include <cstring>
#include <filesystem>

namespace attnviz {

bool MemoryByteSource::read(uint64_t offset, size_t len, void* dst) const {
  if (!range_inside(offset, len, bytes_.size())) return false;
  if (len) std::memcpy(dst, bytes_.data() + offset, len);
  return true;
}

Status FileByteSource::open(const std::string& path, std::shared_ptr<const ByteSource>* out) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || !std::filesystem::is_regular_file(path, ec))
    return Status::error(path + ": cannot open file (does it exist and is it a readable file?)");
  auto s = std::make_shared<FileByteSource>();
  s->f_.open(path, std::ios::binary);
  if (!s->f_) return Status::error(path + ": cannot open file (does it exist and is it readable?)");
  s->size_ = static_cast<uint64_t>(size);
  *out = std::move(s);
  return Status::success();
}

bool FileByteSource::read(uint64_t offset, size_t len, void* dst) const {
  if (!range_inside(offset, len, size_)) return false;
  if (len == 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  f_.clear();
  f_.seekg(static_cast<std::streamoff>(offset));
  if (!f_) return false;
  f_.read(static_cast<char*>(dst), static_cast<std::streamsize>(len));
  return static_cast<size_t>(f_.gcount()) == len;
}

}  // namespace attnviz
