// TorchCheckpoint: the tensors of a PyTorch state dict saved by torch.save (pytorch_model.bin), read WITHOUT
// executing anything: a pickle subset whose globals go through an allow-list (tensor rebuild functions, storage
// types, OrderedDict, dtypes); anything else (os.system, builtins.eval, ...) is refused before it could run.
// std only; never throws; every size is checked against the bytes.
//
// Formats (reference: torch/serialization.py, torch/_utils.py of PyTorch 1.13-2.x; pickle opcodes: CPython
// Lib/pickletools.py):
//  - zip (torch >= 1.6): a stored zip archive "<name>/data.pkl" (the state dict; tensors refer to storages by
//    persistent id ('storage', StorageType, key, location, numel)), "<name>/data/<key>" (a storage's raw
//    little-endian bytes), "<name>/byteorder" (optional, "little"), "<name>/version".
//  - legacy (torch < 1.6, or _use_new_zipfile_serialization=False): pickles of the magic number
//    0x1950a86a20f9469cfc6c, the protocol version 1001 and a sys_info dict, then the state dict (persistent ids
//    ('storage', StorageType, key, location, numel, view_metadata)), then the list of storage keys, then per key a
//    u64 little-endian element count and the storage's bytes.
// Tensors are _rebuild_tensor_v2(storage, storage_offset, size, stride, ...): row-major views of a storage with
// element strides; several tensors may share one storage (tied weights).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "safetensors.h"
#include "status.h"

namespace attnviz {

class TorchCheckpoint {
 public:
  // Reads the state dict in `bytes` (a zip or legacy torch.save file; the caller keeps `bytes` alive while this
  // object is used). `what` names the file in messages. Contiguous tensors point into `bytes`; tensors with
  // non-row-major strides are gathered into memory this object owns. Dtypes: F32, F16, BF16, I64, I32 (and F64,
  // I16, I8, U8, BOOL as DType::Other, kept so the loader can name them). Fails with a message for: a global not on
  // the allow-list (naming it), an opcode outside the subset, a nested (training) checkpoint, a storage too small for
  // its tensor, a truncated or compressed archive, sizes that overflow.
  static Status parse(std::string_view bytes, const std::string& what, TorchCheckpoint* out);

  const TensorView* find(const std::string& name) const;  // nullptr when absent
  const std::vector<TensorView>& tensors() const { return tensors_; }  // sorted by name

 private:
  std::vector<TensorView> tensors_;
  std::vector<std::unique_ptr<std::string>> owned_;  // bytes of gathered (non-contiguous) tensors
};

// The checkpoint files of a model folder: the shards pytorch_model.bin.index.json names in its weight_map (each once,
// in order of first mention), else pytorch_model.bin. Fails with a message for a bad index or a missing file.
Status torch_shard_names(const FileMap& files, const std::string& what, std::vector<std::string>* out);

// True when `bytes` starts like a torch.save file (zip archive or legacy pickle magic).
bool looks_like_torch_checkpoint(std::string_view bytes);

// The single entry point for fuzzing: parses `bytes` as a checkpoint named `what`, dropping the result.
Status torch_checkpoint_check(std::string_view bytes, const std::string& what);

}  // namespace attnviz
