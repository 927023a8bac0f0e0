// Folder: reads the files of a model or tokenizer folder into memory (for the CLI and the tests; the page hands
// over bytes instead). std only.
#pragma once
#include <map>
#include <string>

#include "byte_source.h"
#include "status.h"

namespace attnviz {

struct FolderFiles {
  std::map<std::string, std::string> bytes;  // base name -> contents
  FileMap view() const;                      // string_views into `bytes`
};

// Reads every regular file of `dir` (not recursive) whose name looks like a model or tokenizer file (.json, .txt,
// .safetensors, .bpe, .model), plus pytorch_model*.bin when the folder has no .safetensors file. Fails with a message
// when the folder cannot be read or holds none of them.
Status read_folder(const std::string& dir, FolderFiles* out);
// The same, except that each .safetensors file whose header lists an F16 or BF16 tensor is not read: it is opened as
// a FileByteSource in *sources (by base name) for Model::load's `sources`, which converts it tensor by tensor, so the
// file is never held in memory beside its float32 copy. Float32 files are read as above (used in place).
Status read_folder(const std::string& dir, FolderFiles* out, ByteSources* sources);

// Moves `files` into shared buffers (no byte copied): `view` looks at them and `owners` keeps them alive, for
// Model::load(view, what, out, &owners) to use float32 weights in place (the model then keeps what it uses).
void share_files(std::map<std::string, std::string> files, FileMap* view, FileOwners* owners);

// Reads one file whole. Fails with a message naming the path.
Status read_whole_file(const std::string& path, std::string* out);

}  // namespace attnviz
