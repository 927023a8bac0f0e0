// Folder: reads a model or tokenizer folder into memory. std only.
#include "folder.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace attnviz {

FileMap FolderFiles::view() const {
  FileMap m;
  for (const auto& [name, data] : bytes) m[name] = std::string_view(data);
  return m;
}

Status read_whole_file(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::error(path + ": cannot open file (does it exist and is it readable?)");
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return Status::error(path + ": read error");
  *out = ss.str();
  return Status::success();
}

static bool wanted(const std::string& name) {
  auto ends = [&](const char* suf) {
    std::string s(suf);
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return ends(".json") || ends(".txt") || ends(".safetensors") || ends(".bpe") || ends(".model");
}

Status read_folder(const std::string& dir, FolderFiles* out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::error(dir + ": not a folder");
  fs::directory_iterator it(dir, ec), end;
  if (ec) return Status::error(dir + ": cannot list folder (" + ec.message() + ")");
  out->bytes.clear();
  for (; it != end; it.increment(ec)) {
    if (ec) return Status::error(dir + ": cannot list folder (" + ec.message() + ")");
    std::error_code ec2;
    if (!it->is_regular_file(ec2)) continue;
    std::string name = it->path().filename().string();
    if (!wanted(name)) continue;
    Status s = read_whole_file(it->path().string(), &out->bytes[name]);
    if (!s) return s;
  }
  if (out->bytes.empty()) return Status::error(dir + ": no model or tokenizer files in this folder");
  return Status::success();
}

}  // namespace attnviz
