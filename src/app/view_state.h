// ViewState: everything a share link carries (model, text, view, selection, options), and its codec to and from the
// URL fragment. Pure C++ (std only), so it is unit-tested natively and under node; the page keeps the fragment current.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace attnviz {

enum class ViewKind { Model, Matrix, Lines, Neuron, Rollout, Stats };
enum class Colormap { Viridis, Magma, Cividis, Gray };
enum class Scale { Linear, Sqrt, Log };
enum class Merge { Tokens, Characters, Words };

struct ViewState {
  std::string model = "zh-bert-mini";  // a built-in model name, or "user:<name>" for one loaded from files
  std::string model_hash;              // for user models: hash of the files (hex), so a link can check them
  std::string text = "张三在北京大学读书，后来去了上海的华为公司工作。";
  std::string pair;                    // optional second text (BERT sentence pairs)
  ViewKind view = ViewKind::Model;
  int layer = 0;
  int head = 0;
  int token = -1;                      // pinned query token, -1 = none
  Colormap colormap = Colormap::Viridis;
  Scale scale = Scale::Linear;
  float threshold = 0.0f;              // weights below are drawn as 0
  bool hide_special = false;
  Merge merge = Merge::Tokens;
  std::vector<int> knocked_out;        // heads switched off, as layer * n_heads + head, sorted, unique
  bool embed = false;                  // hide side panels (iframes in slides)

  bool operator==(const ViewState& o) const;
  bool operator!=(const ViewState& o) const { return !(*this == o); }
};

const char* view_name(ViewKind v);  // "model", "matrix", "lines", "neuron", "rollout", "stats"

// Readable form: "model=zh-bert-mini&text=%E5%BC%A0...&view=matrix&layer=2&head=3&token=4&cmap=magma..."
// (keys at their defaults are left out; text always written). No leading '#'.
std::string encode_fragment(const ViewState& s);
// Compact form for long texts: "z=<URL-safe base64 of deflate-free packed state>" (no external library needed).
std::string encode_fragment_compact(const ViewState& s);

struct DecodeResult {
  ViewState state;                    // defaults where a value was missing or bad
  std::vector<std::string> notices;   // one human-readable line per thing ignored ("layer=99 is out of range ...")
};

// Parses either form (with or without a leading '#'). Never fails: bad parts fall back to defaults with a notice.
// Range checks against the model (layer < n_layers, ...) happen in the app once the model is known, via clamp_to_model.
DecodeResult decode_fragment(const std::string& fragment);

// Clamps layer/head/token/knocked_out to a model's shape, appending a notice for each value that was out of range.
void clamp_to_model(ViewState* s, int n_layers, int n_heads, int n_tokens, std::vector<std::string>* notices);

}  // namespace attnviz
