// ZipArchive: the entry table of a zip file held in memory (the container of torch.save since PyTorch 1.6), with
// ZIP64, every offset and size checked against the bytes. Reads stored (uncompressed) entries in place; refuses
// compressed, encrypted and multi-disk entries with a message. std only; never throws.
//
// Format: PKWARE APPNOTE.TXT 6.3.x, sections 4.3.6 (local header), 4.3.12 (central directory), 4.3.14-4.3.16
// (ZIP64 end records), 4.5.3 (ZIP64 extra field).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace attnviz {

struct ZipEntry {
  std::string name;          // as stored ("archive/data/0")
  uint16_t method = 0;       // 0 = stored, 8 = deflate, ...
  uint16_t flags = 0;        // general purpose bits (bit 0: encrypted)
  uint64_t compressed = 0;   // bytes in the archive
  uint64_t size = 0;         // bytes once extracted
  uint64_t local_offset = 0; // offset of the local file header
};

class ZipArchive {
 public:
  // True when `bytes` starts like a zip archive (a local file header or an empty archive's end record).
  static bool looks_like_zip(std::string_view bytes);

  // Reads the central directory of `bytes` (kept alive by the caller). `what` names the file in messages.
  // Fails for a truncated file (no end record), entries outside the file, more than 1,000,000 entries.
  static Status parse(std::string_view bytes, const std::string& what, ZipArchive* out);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(const std::string& name) const;  // nullptr when absent

  // The bytes of a stored entry, in place in the archive. Fails (naming the entry) for compressed or encrypted
  // entries and for data that runs past the end of the file.
  Status data(const ZipEntry& e, std::string_view* out) const;

 private:
  std::string_view bytes_;
  std::string what_;
  std::vector<ZipEntry> entries_;  // in central-directory order
  std::map<std::string, size_t> by_name_;  // name -> first entry of that name
};

}  // namespace attnviz
