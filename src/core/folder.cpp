// Folder: reads a model or tokenizer folder into memory. std only.
#include "folder.h"

#include "safetensors.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace attnviz {

FileMap FolderFiles::view() const {
  FileMap m;
  for (const auto& [name, data] : bytes) m[name] = std::string_view(data);
  return m;
}

void share_files(std::map<std::string, std::string> files, FileMap* view, FileOwners* owners) {
  view->clear();
  owners->clear();
  for (auto& [name, data] : files) {
    auto shared = std::make_shared<const std::string>(std::move(data));  // moves the buffer, copies nothing
    (*view)[name] = std::string_view(*shared);
    (*owners)[name] = shared;
  }
}

Status read_whole_file(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::error(path + ": cannot open file (does it exist and is it readable?)");
  // Straight into a string of the file's size: a string stream would grow to up to twice the file, then copy it.
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && std::filesystem::is_regular_file(path, ec)) {
    out->assign(static_cast<size_t>(size), '\0');
    f.read(out->data(), static_cast<std::streamsize>(size));
    if (static_cast<uintmax_t>(f.gcount()) != size) return Status::error(path + ": read error (file changed or shrank while reading?)");
    return Status::success();
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return Status::error(path + ": read error");
  *out = ss.str();
  return Status::success();
}

static bool ends_with(const std::string& name, const char* suf) {
  std::string s(suf);
  return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
}

static bool wanted(const std::string& name) {
  return ends_with(name, ".json") || ends_with(name, ".txt") || ends_with(name, ".safetensors") ||
         ends_with(name, ".bpe") || ends_with(name, ".model");
}

// PyTorch checkpoints (pytorch_model.bin, pytorch_model-00001-of-00002.bin), read only when the folder has no
// safetensors weights (those are preferred; reading both would double the memory).
static bool torch_weights(const std::string& name) {
  return name.rfind("pytorch_model", 0) == 0 && ends_with(name, ".bin");
}

// A source for `path` when it is a safetensors file whose header lists an F16 or BF16 tensor (converting those from
// bytes in memory would hold the file beside its floats); null otherwise (float32 files are read whole and used in
// place; a file whose header does not parse is read whole too, so the loader reports it as usual).
static std::shared_ptr<const ByteSource> half_precision_source(const std::string& path) {
  std::shared_ptr<const ByteSource> src;
  if (!FileByteSource::open(path, &src).ok) return nullptr;
  return has_half_precision_tensors(*src) ? src : nullptr;
}

Status read_folder(const std::string& dir, FolderFiles* out) { return read_folder(dir, out, nullptr); }

Status read_folder(const std::string& dir, FolderFiles* out, ByteSources* sources) {
  if (sources) sources->clear();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::error(dir + ": not a folder");
  fs::directory_iterator it(dir, ec), end;
  if (ec) return Status::error(dir + ": cannot list folder (" + ec.message() + ")");
  out->bytes.clear();
  std::vector<fs::path> torch_files;
  for (; it != end; it.increment(ec)) {
    if (ec) return Status::error(dir + ": cannot list folder (" + ec.message() + ")");
    std::error_code ec2;
    if (!it->is_regular_file(ec2)) continue;
    std::string name = it->path().filename().string();
    if (torch_weights(name)) torch_files.push_back(it->path());
    if (!wanted(name)) continue;
    if (sources && ends_with(name, ".safetensors")) {
      if (auto src = half_precision_source(it->path().string())) {
        (*sources)[name] = std::move(src);
        continue;
      }
    }
    Status s = read_whole_file(it->path().string(), &out->bytes[name]);
    if (!s) return s;
  }
  bool has_safetensors = sources && !sources->empty();
  for (const auto& [name, data] : out->bytes) has_safetensors = has_safetensors || ends_with(name, ".safetensors");
  for (size_t i = 0; i < torch_files.size() && !has_safetensors; i++) {
    Status s = read_whole_file(torch_files[i].string(), &out->bytes[torch_files[i].filename().string()]);
    if (!s) return s;
  }
  if (out->bytes.empty() && (!sources || sources->empty())) return Status::error(dir + ": no model or tokenizer files in this folder");
  return Status::success();
}

}  // namespace attnviz
