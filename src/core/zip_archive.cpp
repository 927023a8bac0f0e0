// ZipArchive: central directory, ZIP64 and stored entries of an in-memory zip file, bounds-checked. std only.
#include "zip_archive.h"

#include <algorithm>

namespace attnviz {

namespace {

uint16_t u16(std::string_view b, uint64_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) | (static_cast<unsigned char>(b[at + 1]) << 8));
}
uint32_t u32(std::string_view b, uint64_t at) {
  return static_cast<uint32_t>(u16(b, at)) | (static_cast<uint32_t>(u16(b, at + 2)) << 16);
}
uint64_t u64(std::string_view b, uint64_t at) {
  return static_cast<uint64_t>(u32(b, at)) | (static_cast<uint64_t>(u32(b, at + 4)) << 32);
}

// True when [at, at + n) lies inside a buffer of `size` bytes (no overflow).
bool fits(uint64_t size, uint64_t at, uint64_t n) { return at <= size && n <= size - at; }

constexpr uint32_t kLocal = 0x04034b50, kCentral = 0x02014b50, kEnd = 0x06054b50, kEnd64 = 0x06064b50,
                   kEnd64Locator = 0x07064b50;
constexpr uint64_t kMaxEntries = 1000000;

}  // namespace

bool ZipArchive::looks_like_zip(std::string_view b) {
  return b.size() >= 4 && (u32(b, 0) == kLocal || u32(b, 0) == kEnd);
}

const ZipEntry* ZipArchive::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

Status ZipArchive::parse(std::string_view b, const std::string& what, ZipArchive* out) {
  auto bad = [&](const std::string& m) { return Status::error(what + ": " + m); };
  const uint64_t n = b.size();
  if (n < 22) return bad("too short to be a zip archive (" + std::to_string(n) + " bytes; truncated download?)");
  // The end record sits in the last 22 + 65535 (comment) bytes; search backwards for its signature.
  uint64_t end = UINT64_MAX;
  const uint64_t lowest = n - 22 > 65535 ? n - 22 - 65535 : 0;
  for (uint64_t at = n - 22 + 1; at-- > lowest;) {
    if (u32(b, at) == kEnd && at + 22 + u16(b, at + 20) <= n) {
      end = at;
      break;
    }
  }
  if (end == UINT64_MAX)
    return bad("no zip end-of-central-directory record: the file is truncated or not a zip archive "
               "(download it again)");
  if (u16(b, end + 4) != 0 || u16(b, end + 6) != 0) return bad("multi-disk (split) zip archives are not supported");
  uint64_t count = u16(b, end + 10), cd_size = u32(b, end + 12), cd_offset = u32(b, end + 16);
  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    if (end < 20 || u32(b, end - 20) != kEnd64Locator) return bad("ZIP64 archive without its end locator (truncated?)");
    const uint64_t e64 = u64(b, end - 20 + 8);
    if (!fits(n, e64, 56) || u32(b, e64) != kEnd64) return bad("ZIP64 end record outside the file or damaged");
    if (u32(b, e64 + 16) != 0 || u32(b, e64 + 20) != 0) return bad("multi-disk (split) zip archives are not supported");
    count = u64(b, e64 + 32);
    cd_size = u64(b, e64 + 40);
    cd_offset = u64(b, e64 + 48);
  }
  if (count > kMaxEntries) return bad("claims " + std::to_string(count) + " entries (more than 1,000,000)");
  if (!fits(n, cd_offset, cd_size)) return bad("central directory lies outside the file (truncated?)");

  ZipArchive z;
  z.bytes_ = b;
  z.what_ = what;
  z.entries_.reserve(static_cast<size_t>(count));
  uint64_t at = cd_offset;
  const uint64_t cd_end = cd_offset + cd_size;
  for (uint64_t i = 0; i < count; i++) {
    if (!fits(cd_end, at, 46) || u32(b, at) != kCentral)
      return bad("central directory entry " + std::to_string(i) + " is damaged or outside the directory");
    ZipEntry e;
    e.flags = u16(b, at + 8);
    e.method = u16(b, at + 10);
    e.compressed = u32(b, at + 20);
    e.size = u32(b, at + 24);
    const uint64_t name_len = u16(b, at + 28), extra_len = u16(b, at + 30), comment_len = u16(b, at + 32);
    const uint16_t disk = u16(b, at + 34);
    e.local_offset = u32(b, at + 42);
    if (!fits(cd_end, at + 46, name_len + extra_len + comment_len))
      return bad("central directory entry " + std::to_string(i) + " runs past the directory");
    e.name = std::string(b.substr(at + 46, name_len));
    // ZIP64 extra field (id 1): the 64-bit values of the fields set to 0xFFFFFFFF, in this order.
    uint64_t x = at + 46 + name_len;
    const uint64_t x_end = x + extra_len;
    while (x + 4 <= x_end) {
      const uint16_t id = u16(b, x), len = u16(b, x + 2);
      if (x + 4 + len > x_end) return bad("entry '" + e.name + "' has a damaged extra field");
      if (id == 1) {
        uint64_t p = x + 4;
        const uint64_t p_end = p + len;
        auto take = [&](uint64_t* v) {
          if (p + 8 > p_end) return false;
          *v = u64(b, p);
          p += 8;
          return true;
        };
        if (e.size == 0xFFFFFFFF && !take(&e.size)) return bad("entry '" + e.name + "': short ZIP64 extra field");
        if (e.compressed == 0xFFFFFFFF && !take(&e.compressed))
          return bad("entry '" + e.name + "': short ZIP64 extra field");
        if (e.local_offset == 0xFFFFFFFF && !take(&e.local_offset))
          return bad("entry '" + e.name + "': short ZIP64 extra field");
      }
      x += 4 + len;
    }
    if (disk != 0 && disk != 0xFFFF) return bad("entry '" + e.name + "' is on another disk (split archive)");
    if (!fits(n, e.local_offset, 30)) return bad("entry '" + e.name + "' starts outside the file (truncated?)");
    z.by_name_.emplace(e.name, z.entries_.size());
    z.entries_.push_back(std::move(e));
    at += 46 + name_len + extra_len + comment_len;
  }
  *out = std::move(z);
  return Status::success();
}

Status ZipArchive::data(const ZipEntry& e, std::string_view* out) const {
  auto bad = [&](const std::string& m) { return Status::error(what_ + ": entry '" + e.name + "' " + m); };
  if (e.flags & 1) return bad("is encrypted");
  if (e.method != 0)
    return bad("is compressed (zip method " + std::to_string(e.method) +
               "); torch.save stores entries uncompressed: save the checkpoint again with torch.save, or convert it "
               "to safetensors");
  if (e.compressed != e.size) return bad("is stored but its sizes disagree");
  const uint64_t n = bytes_.size(), at = e.local_offset;
  if (!fits(n, at, 30) || u32(bytes_, at) != kLocal) return bad("has no local header where the directory says");
  const uint64_t data_at = at + 30 + u16(bytes_, at + 26) + u16(bytes_, at + 28);
  if (!fits(n, data_at, e.size)) return bad("runs past the end of the file (truncated download?)");
  *out = bytes_.substr(static_cast<size_t>(data_at), static_cast<size_t>(e.size));
  return Status::success();
}

}  // namespace attnviz
