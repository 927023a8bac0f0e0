// Status: the result of an operation on untrusted input (files, pasted text, links): ok, or one message that names
// the file and the problem. Core code never throws, asserts or prints on bad input; it returns a Status.
// Depends on the standard library only.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace attnviz {

struct Status {
  bool ok = true;
  std::string message;  // empty when ok; otherwise "file: what was wrong (hint)"

  static Status success() { return {}; }
  static Status error(std::string msg) { return {false, std::move(msg)}; }
  explicit operator bool() const { return ok; }
};

// The files of a model or tokenizer folder, by base name ("config.json", "model.safetensors", "vocab.txt", ...).
// The caller owns the bytes and keeps them alive while a load runs; loaders copy what they keep.
using FileMap = std::map<std::string, std::string_view>;

// Owners of file bytes, by the same base names: each keeps its file's FileMap bytes alive and unchanged while held.
// A loader handed one for a file may keep pointers into those bytes instead of copying them (Model::load).
using FileOwners = std::map<std::string, std::shared_ptr<const void>>;

}  // namespace attnviz
