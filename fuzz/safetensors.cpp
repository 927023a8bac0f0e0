// Fuzz target: the safetensors reader. Every accepted file must describe tensors inside the input that tile its data
// section; every floating tensor converts; the writer's copy of an accepted file loads again with the same tensors.
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "safetensors.h"

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  SafeTensors st;
  const Status s = SafeTensors::parse(bytes, "fuzz.safetensors", &st);
  if (!s.ok) {
    FUZZ_CHECK(!s.message.empty() && st.tensors().empty());
    return 0;
  }
  SafeTensorsWriter w;
  size_t total = 0;
  for (const TensorView& t : st.tensors()) {
    FUZZ_CHECK(t.data.data() >= bytes.data() && t.data.data() + t.data.size() <= bytes.data() + bytes.size());
    FUZZ_CHECK(st.find(t.name) == &t);
    total += t.data.size();
    const int width = dtype_width(t.dtype);
    if (width > 0) FUZZ_CHECK(static_cast<uint64_t>(t.numel) * width == t.data.size());
    std::vector<float> f(static_cast<size_t>(t.numel));
    const Status c = tensor_to_float(t, "fuzz.safetensors", f.data());
    FUZZ_CHECK(c.ok == (t.dtype == DType::F32 || t.dtype == DType::F16 || t.dtype == DType::BF16));
    w.add_raw(t.name, t.dtype_name, t.shape, std::string(t.data));
  }
  FUZZ_CHECK(total <= size);
  // The writer's output of what was read loads again, tensor for tensor.
  const std::string again = w.finish();
  SafeTensors st2;
  const Status s2 = SafeTensors::parse(again, "rewritten", &st2);
  FUZZ_CHECK(s2.ok);
  FUZZ_CHECK(st2.tensors().size() == st.tensors().size());
  for (size_t i = 0; i < st.tensors().size(); i++) {
    const TensorView& a = st.tensors()[i];
    const TensorView& b = st2.tensors()[i];
    FUZZ_CHECK(a.name == b.name && a.dtype_name == b.dtype_name && a.shape == b.shape && a.data == b.data);
  }
  return 0;
}
