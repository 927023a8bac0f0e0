// Export: the attention of the current run as JSON or CSV text, and an RGBA image as PNG bytes. Pure functions
// returning std::string; the platform layer does the download (no ImGui, GL or emscripten here).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace attnviz {

struct AttentionExport {
  std::string model;                // model name
  std::string text;                 // the input text (and pair, if any, in `pair`)
  std::string pair;
  std::vector<std::string> tokens;  // (T) token labels
  int n_layers = 0, n_heads = 0, T = 0;
  const float* attentions = nullptr;  // (n_layers, n_heads, T, T) row-major, row = query
};

// layer / head: one index, or -1 for all of them.
// JSON: {"model", "text", ("pair",) "tokens", "layers": [indices], "heads": [indices], "shape": [nl, nh, T, T],
// "attentions": [layer][head][query][key]} — always 4 levels deep, so one head is [[[[...]]]].
std::string attention_json(const AttentionExport& e, int layer, int head);
// CSV with a header line: layer,head,query,key,query_token,key_token,weight (RFC 4180 quoting of the tokens).
std::string attention_csv(const AttentionExport& e, int layer, int head);

// PNG (8-bit RGBA, no interlace) of pixels (height, width, 4) with rows `stride` bytes apart. flip_y: the first row
// in memory is the bottom of the image (glReadPixels order). Compressed with deflate (fixed Huffman codes, LZ77 on
// the "Up"/"Sub"-filtered rows), so flat UI screenshots stay small.
std::string encode_png(const uint8_t* rgba, int width, int height, int stride, bool flip_y);

// A file name for a download: "attnviz-<model>-<what>.<ext>", characters outside [A-Za-z0-9._-] replaced by '_'.
std::string export_file_name(const std::string& model, const std::string& what, const std::string& ext);

}  // namespace attnviz
