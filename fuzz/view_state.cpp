// Fuzz target: the share-link decoder (src/app/view_state.h), both forms: the input as a fragment (readable form,
// or anything), and the input as the packed payload of a compact link ("z=" + URL-safe base64 of it), so the LZ77
// decoder sees arbitrary bytes. Decoding never fails; what it decodes must survive encode -> decode in both forms.
#include <string>

#include "fuzz_util.h"
#include "view_state.h"

using namespace attnviz;

namespace {

std::string base64url(std::string_view in) {
  static const char* const k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += {k[v >> 18], k[(v >> 12) & 63]};
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63]};
  }
  return out;
}

void round_trips(const ViewState& s) {
  const DecodeResult a = decode_fragment(encode_fragment(s));
  FUZZ_CHECK(a.state == s);
  const DecodeResult b = decode_fragment(encode_fragment_compact(s));
  FUZZ_CHECK(b.state == s);
}

void use(const DecodeResult& r) {
  ViewState s = r.state;
  round_trips(s);
  std::vector<std::string> notices;
  clamp_to_model(&s, 4, 4, 8, &notices);
  const std::vector<uint8_t> mask = head_mask_from(s, 4, 4);
  FUZZ_CHECK(mask.empty() || mask.size() == 16);
  ViewState t;
  (void)apply_fragment(encode_fragment(r.state), &t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  use(decode_fragment(in));
  use(decode_fragment("z=" + base64url(in)));
  ViewState s;
  (void)apply_fragment(in, &s);
  return 0;
}
