// Fuzz target: the PyTorch checkpoint reader (pytorch_model.bin, zip and legacy). A refused input has a message and
// no tensors; every accepted tensor's bytes lie inside the input or in storage the checkpoint owns, and its size
// agrees with shape x dtype width.
#include <cstring>
#include <string>

#include "fuzz_util.h"
#include "torch_checkpoint.h"

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Status c = torch_checkpoint_check(bytes, "fuzz/pytorch_model.bin");
  if (!c.ok) FUZZ_CHECK(!c.message.empty());
  TorchCheckpoint ck;
  const Status s = TorchCheckpoint::parse(bytes, "fuzz/pytorch_model.bin", &ck);
  FUZZ_CHECK(s.ok == c.ok);
  if (!s.ok) {
    FUZZ_CHECK(!s.message.empty() && ck.tensors().empty());
    return 0;
  }
  for (const TensorView& t : ck.tensors()) {
    const bool inside = t.data.data() >= bytes.data() && t.data.data() + t.data.size() <= bytes.data() + bytes.size();
    // Gathered (non-contiguous) tensors live in owned memory: touch every byte so ASan checks the range.
    if (!inside && !t.data.empty()) {
      volatile unsigned char sum = 0;
      for (char ch : t.data) sum = sum + static_cast<unsigned char>(ch);
      (void)sum;
    }
    FUZZ_CHECK(ck.find(t.name) != nullptr && ck.find(t.name)->name == t.name);
    int64_t numel = 1;
    for (int64_t d : t.shape) {
      FUZZ_CHECK(d >= 0);
      numel *= d;
    }
    FUZZ_CHECK(numel == t.numel);
    const int width = dtype_width(t.dtype);
    if (width > 0) FUZZ_CHECK(static_cast<uint64_t>(t.numel) * width == t.data.size());
  }
  return 0;
}
