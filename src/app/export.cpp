// Export: attention as JSON / CSV text and screenshots as PNG bytes (a small deflate encoder of our own, since the
// wasm build has no zlib). Standard library only.
#include "export.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace attnviz {

namespace {

void append_json_string(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char c : s) {
    if (c == '"') {
      out->append("\\\"");
    } else if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out->append(buf);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

void append_number(std::string* out, float v) {
  char buf[32];
  // 6 significant digits: attention weights are probabilities; more digits only make the file bigger.
  int n = std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(v));
  out->append(buf, static_cast<size_t>(n));
}

void append_int(std::string* out, int v) { out->append(std::to_string(v)); }

// The layer (or head) indices an export covers: one, or all when `which` is -1 (or out of range).
std::vector<int> selection(int which, int n) {
  std::vector<int> out;
  if (which >= 0 && which < n) {
    out.push_back(which);
  } else {
    for (int i = 0; i < n; ++i) out.push_back(i);
  }
  return out;
}

void append_csv_field(std::string* out, const std::string& s) {
  bool quote = s.find_first_of(",\"\r\n") != std::string::npos || (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

bool valid(const AttentionExport& e) {
  return e.attentions && e.n_layers > 0 && e.n_heads > 0 && e.T > 0;
}

}  // namespace

std::string attention_json(const AttentionExport& e, int layer, int head) {
  std::vector<int> layers = valid(e) ? selection(layer, e.n_layers) : std::vector<int>{};
  std::vector<int> heads = valid(e) ? selection(head, e.n_heads) : std::vector<int>{};
  const int T = valid(e) ? e.T : 0;
  std::string out;
  out.reserve(256 + layers.size() * heads.size() * static_cast<size_t>(T) * T * 9);
  out.append("{\"model\": ");
  append_json_string(&out, e.model);
  out.append(", \"text\": ");
  append_json_string(&out, e.text);
  if (!e.pair.empty()) {
    out.append(", \"pair\": ");
    append_json_string(&out, e.pair);
  }
  out.append(", \"tokens\": [");
  for (size_t i = 0; i < e.tokens.size(); ++i) {
    if (i) out.append(", ");
    append_json_string(&out, e.tokens[i]);
  }
  out.append("], \"layers\": [");
  for (size_t i = 0; i < layers.size(); ++i) {
    if (i) out.append(", ");
    append_int(&out, layers[i]);
  }
  out.append("], \"heads\": [");
  for (size_t i = 0; i < heads.size(); ++i) {
    if (i) out.append(", ");
    append_int(&out, heads[i]);
  }
  out.append("], \"shape\": [");
  append_int(&out, static_cast<int>(layers.size()));
  out.append(", ");
  append_int(&out, static_cast<int>(heads.size()));
  out.append(", ");
  append_int(&out, T);
  out.append(", ");
  append_int(&out, T);
  out.append("], \"attentions\": [");
  for (size_t li = 0; li < layers.size(); ++li) {
    out.append(li ? ",\n [" : "\n [");
    for (size_t hi = 0; hi < heads.size(); ++hi) {
      out.append(hi ? ",\n  [" : "\n  [");
      const float* m = e.attentions + (static_cast<size_t>(layers[li]) * e.n_heads + heads[hi]) * T * T;
      for (int q = 0; q < T; ++q) {
        out.append(q ? ",\n   [" : "\n   [");
        for (int k = 0; k < T; ++k) {
          if (k) out.push_back(',');
          append_number(&out, m[static_cast<size_t>(q) * T + k]);
        }
        out.push_back(']');
      }
      out.push_back(']');
    }
    out.push_back(']');
  }
  out.append("]}\n");
  return out;
}

std::string attention_csv(const AttentionExport& e, int layer, int head) {
  std::string out = "layer,head,query,key,query_token,key_token,weight\n";
  if (!valid(e)) return out;
  const int T = e.T;
  auto label = [&](int i) { return i < static_cast<int>(e.tokens.size()) ? e.tokens[i] : std::string(); };
  for (int l : selection(layer, e.n_layers)) {
    for (int h : selection(head, e.n_heads)) {
      const float* m = e.attentions + (static_cast<size_t>(l) * e.n_heads + h) * T * T;
      for (int q = 0; q < T; ++q) {
        for (int k = 0; k < T; ++k) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "%d,%d,%d,%d,", l, h, q, k);
          out.append(buf);
          append_csv_field(&out, label(q));
          out.push_back(',');
          append_csv_field(&out, label(k));
          out.push_back(',');
          append_number(&out, m[static_cast<size_t>(q) * T + k]);
          out.push_back('\n');
        }
      }
    }
  }
  return out;
}

std::string export_file_name(const std::string& model, const std::string& what, const std::string& ext) {
  std::string name = "attnviz-" + model + "-" + what;
  for (char& c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) c = '_';
  }
  return name + "." + ext;
}

// ---- PNG ---------------------------------------------------------------------------------------------------------

namespace {

uint32_t crc32_update(uint32_t crc, const uint8_t* p, size_t n) {
  static uint32_t table[256];
  static bool ready = false;
  if (!ready) {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    ready = true;
  }
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

uint32_t adler32(const uint8_t* p, size_t n) {
  uint32_t a = 1, b = 0;
  for (size_t i = 0; i < n; ++i) {
    a = (a + p[i]) % 65521u;
    b = (b + a) % 65521u;
  }
  return (b << 16) | a;
}

// LSB-first bit writer (deflate's bit order).
struct BitWriter {
  std::string* out;
  uint32_t acc = 0;
  int n = 0;
  void put(uint32_t bits, int count) {
    acc |= bits << n;
    n += count;
    while (n >= 8) {
      out->push_back(static_cast<char>(acc & 0xFF));
      acc >>= 8;
      n -= 8;
    }
  }
  // Huffman codes go most significant bit first.
  void put_code(uint32_t code, int len) {
    uint32_t r = 0;
    for (int i = 0; i < len; ++i) r |= ((code >> i) & 1u) << (len - 1 - i);
    put(r, len);
  }
  void flush() {
    if (n > 0) out->push_back(static_cast<char>(acc & 0xFF));
    acc = 0;
    n = 0;
  }
};

// Fixed Huffman code of a literal/length symbol (RFC 1951 3.2.6).
void put_litlen(BitWriter* w, int sym) {
  if (sym < 144) {
    w->put_code(0x30 + sym, 8);
  } else if (sym < 256) {
    w->put_code(0x190 + (sym - 144), 9);
  } else if (sym < 280) {
    w->put_code(sym - 256, 7);
  } else {
    w->put_code(0xC0 + (sym - 280), 8);
  }
}

const int kLenBase[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                          131, 163, 195, 227, 258};
const int kLenExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
const int kDistBase[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
                           2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
const int kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

void put_match(BitWriter* w, int len, int dist) {
  int li = 28;
  while (kLenBase[li] > len) --li;
  put_litlen(w, 257 + li);
  if (kLenExtra[li]) w->put(static_cast<uint32_t>(len - kLenBase[li]), kLenExtra[li]);
  int di = 29;
  while (kDistBase[di] > dist) --di;
  w->put_code(static_cast<uint32_t>(di), 5);
  if (kDistExtra[di]) w->put(static_cast<uint32_t>(dist - kDistBase[di]), kDistExtra[di]);
}

// One final fixed-Huffman block over all of `data`, greedy LZ77 with hash chains in a 32 KiB window.
void deflate_fixed(const uint8_t* data, size_t n, std::string* out) {
  BitWriter w{out};
  w.put(1, 1);  // BFINAL
  w.put(1, 2);  // BTYPE = 01, fixed codes
  const int kHashBits = 15, kWindow = 32768, kMaxChain = 24, kMaxLen = 258;
  std::vector<int32_t> head(1 << kHashBits, -1);
  std::vector<int32_t> prev(kWindow, -1);
  auto hash3 = [&](size_t i) {
    uint32_t v = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8) | data[i + 2];
    return (v * 2654435761u) >> (32 - kHashBits);
  };
  auto insert = [&](size_t i) {
    if (i + 2 >= n) return;
    uint32_t h = hash3(i);
    prev[i % kWindow] = head[h];
    head[h] = static_cast<int32_t>(i);
  };
  size_t i = 0;
  while (i < n) {
    int best_len = 0, best_dist = 0;
    if (i + 2 < n) {
      int32_t cand = head[hash3(i)];
      int chain = kMaxChain;
      size_t max_len = std::min<size_t>(kMaxLen, n - i);
      while (cand >= 0 && chain-- > 0 && i - static_cast<size_t>(cand) <= static_cast<size_t>(kWindow - 1)) {
        const uint8_t* a = data + cand;
        const uint8_t* b = data + i;
        size_t len = 0;
        while (len < max_len && a[len] == b[len]) ++len;
        if (static_cast<int>(len) > best_len) {
          best_len = static_cast<int>(len);
          best_dist = static_cast<int>(i - cand);
          if (len == max_len) break;
        }
        int32_t next = prev[cand % kWindow];
        if (next >= cand) break;  // the slot was overwritten by a newer position: the chain ends here
        cand = next;
      }
    }
    if (best_len >= 3) {
      put_match(&w, best_len, best_dist);
      for (int k = 0; k < best_len; ++k) insert(i + k);
      i += best_len;
    } else {
      put_litlen(&w, data[i]);
      insert(i);
      ++i;
    }
  }
  put_litlen(&w, 256);
  w.flush();
}

void put_be32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

void put_chunk(std::string* out, const char* type, const std::string& data) {
  put_be32(out, static_cast<uint32_t>(data.size()));
  std::string body(type, 4);
  body += data;
  out->append(body);
  put_be32(out, crc32_update(0, reinterpret_cast<const uint8_t*>(body.data()), body.size()));
}

}  // namespace

std::string encode_png(const uint8_t* rgba, int width, int height, int stride, bool flip_y) {
  if (!rgba || width <= 0 || height <= 0 || stride < width * 4) return std::string();
  const size_t row_bytes = static_cast<size_t>(width) * 4;
  // Filtered scanlines: (height, 1 + width * 4), each row with the filter (None, Sub or Up) of least absolute sum.
  std::vector<uint8_t> raw(static_cast<size_t>(height) * (row_bytes + 1));
  std::vector<uint8_t> cand[3];
  for (auto& c : cand) c.resize(row_bytes);
  for (int y = 0; y < height; ++y) {
    int src_y = flip_y ? height - 1 - y : y;
    const uint8_t* row = rgba + static_cast<size_t>(src_y) * stride;
    const uint8_t* up = nullptr;
    if (y > 0) up = rgba + static_cast<size_t>(flip_y ? src_y + 1 : src_y - 1) * stride;
    long best_sum = -1;
    int best = 0;
    for (int f = 0; f < 3; ++f) {
      if (f == 2 && !up) continue;
      long sum = 0;
      for (size_t x = 0; x < row_bytes; ++x) {
        uint8_t pred = f == 0 ? 0 : f == 1 ? (x >= 4 ? row[x - 4] : 0) : up[x];
        uint8_t v = static_cast<uint8_t>(row[x] - pred);
        cand[f][x] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (best_sum < 0 || sum < best_sum) {
        best_sum = sum;
        best = f;
      }
    }
    uint8_t* dst = raw.data() + static_cast<size_t>(y) * (row_bytes + 1);
    dst[0] = static_cast<uint8_t>(best);  // PNG filter types: 0 None, 1 Sub, 2 Up
    std::memcpy(dst + 1, cand[best].data(), row_bytes);
  }
  std::string z;
  z.push_back(0x78);  // zlib header: deflate, 32 KiB window
  z.push_back(0x01);
  deflate_fixed(raw.data(), raw.size(), &z);
  put_be32(&z, adler32(raw.data(), raw.size()));

  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  put_be32(&ihdr, static_cast<uint32_t>(width));
  put_be32(&ihdr, static_cast<uint32_t>(height));
  ihdr.push_back(8);  // bit depth
  ihdr.push_back(6);  // colour type RGBA
  ihdr.push_back(0);  // compression
  ihdr.push_back(0);  // filter method
  ihdr.push_back(0);  // no interlace
  put_chunk(&png, "IHDR", ihdr);
  put_chunk(&png, "IDAT", z);
  put_chunk(&png, "IEND", std::string());
  return png;
}

}  // namespace attnviz
