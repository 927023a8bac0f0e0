// The share-link codec: ViewState to and from the URL fragment (readable and compact forms; format in view_state.h).
// Std only: no ImGui, no emscripten, no printing. Links are untrusted input: nothing here throws, asserts or aborts.
#include "view_state.h"
#include "i18n.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string_view>

namespace attnviz {

namespace {

constexpr const char* kViewNames[] = {"model", "matrix", "lines", "neuron", "rollout", "stats", "compare"};
constexpr const char* kColormapNames[] = {"viridis", "magma", "cividis", "gray"};
constexpr const char* kScaleNames[] = {"linear", "sqrt", "log"};
constexpr const char* kMergeNames[] = {"tokens", "chars", "words"};
constexpr const char* kCompareMetricNames[] = {"mean_abs", "js"};
constexpr size_t kMaxUserModelName = 64;
constexpr size_t kMaxHashDigits = 128;
constexpr size_t kMaxHubPart = 96;       // Hugging Face's limit on an org or repo name
constexpr size_t kMaxHubRevision = 128;
constexpr size_t kNoticeValueBytes = 40;   // user text quoted in a notice is cut to this
constexpr uint8_t kCompactVersion = 1;

// ---- text helpers ----------------------------------------------------------------------------------------------

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Length of the valid UTF-8 sequence at s[i], or 0 with *bad_len = bytes making up the maximal invalid subpart
// (WHATWG / Unicode "substitution of maximal subparts": a truncated sequence becomes one U+FFFD).
size_t utf8_sequence(std::string_view s, size_t i, size_t* bad_len) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  *bad_len = 1;
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) { n = 3; lo = 0xA0; }
  else if (c >= 0xE1 && c <= 0xEC) n = 3;
  else if (c == 0xED) { n = 3; hi = 0x9F; }  // no surrogates
  else if (c >= 0xEE && c <= 0xEF) n = 3;
  else if (c == 0xF0) { n = 4; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else if (c == 0xF4) { n = 4; hi = 0x8F; }  // nothing above U+10FFFF
  else return 0;
  for (size_t k = 1; k < n; ++k) {
    if (i + k >= s.size()) { *bad_len = k; return 0; }
    const unsigned char d = static_cast<unsigned char>(s[i + k]);
    const unsigned char dlo = k == 1 ? lo : 0x80, dhi = k == 1 ? hi : 0xBF;
    if (d < dlo || d > dhi) { *bad_len = k; return 0; }
  }
  return n;
}

// Replaces each invalid UTF-8 subpart by U+FFFD; returns how many were replaced.
int repair_utf8(std::string* s) {
  int bad = 0;
  std::string out;
  size_t i = 0;
  while (i < s->size()) {
    size_t bad_len = 0;
    const size_t n = utf8_sequence(*s, i, &bad_len);
    if (n > 0) {
      out.append(*s, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      i += bad_len;
      ++bad;
    }
  }
  if (bad > 0) *s = std::move(out);
  return bad;
}

// Cuts a valid UTF-8 string to at most `max` bytes without splitting a character.
void truncate_utf8(std::string* s, size_t max) {
  if (s->size() <= max) return;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>((*s)[end]) & 0xC0) == 0x80) --end;
  s->resize(end);
}

// A piece of user input made safe to show inside a notice: valid UTF-8, no control characters, short.
std::string quoted(std::string_view raw) {
  std::string s(raw.substr(0, kNoticeValueBytes + 4));
  repair_utf8(&s);
  const bool cut = s.size() > kNoticeValueBytes || raw.size() > s.size();
  truncate_utf8(&s, kNoticeValueBytes);
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  if (cut) s += "...";
  return s;
}

// Percent-decodes (form style: '+' is a space). Invalid escapes stay as typed; their count is returned and the first
// one is written to *first_bad.
int percent_decode(std::string_view in, std::string* out, std::string* first_bad) {
  out->clear();
  out->reserve(in.size());
  int bad = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      const int h = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
      const int l = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
      if (h >= 0 && l >= 0) {
        out->push_back(static_cast<char>(h * 16 + l));
        i += 2;
      } else {
        if (bad++ == 0) *first_bad = std::string(in.substr(i, 3));
        out->push_back('%');
      }
    } else {
      out->push_back(c);
    }
  }
  return bad;
}

// '%', '&' and '+' only: what the compact payload needs so its key parser reads it like the readable form.
std::string minimal_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '&') out += "%26";
    else if (c == '+') out += "%2B";
    else out.push_back(c);
  }
  return out;
}

// ---- value parsers ---------------------------------------------------------------------------------------------

bool parse_index(std::string_view v, int* out) {
  if (v.empty() || v.size() > 9) return false;
  int x = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + (c - '0');
  }
  if (x > kMaxIndex) return false;
  *out = x;
  return true;
}

bool parse_bool(std::string_view v, bool* out) {
  const std::string s = lower_ascii(v);
  if (s == "1" || s == "true" || s == "yes" || s == "on") { *out = true; return true; }
  if (s == "0" || s == "false" || s == "no" || s == "off") { *out = false; return true; }
  return false;
}

// A plain decimal ("0.05", ".5", "1", "5e-3") in [0, 1]. Checked by hand before strtof so "0x1p-3", "inf", "nan"
// and trailing junk are refused.
bool parse_threshold(std::string_view v, float* out) {
  if (v.empty() || v.size() > 32) return false;
  size_t i = 0, digits = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') { ++i; ++digits; }
  if (i < v.size() && v[i] == '.') {
    ++i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') { ++i; ++digits; }
  }
  if (digits == 0) return false;
  if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    ++i;
    if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') { ++i; ++exp_digits; }
    if (exp_digits == 0 || exp_digits > 3) return false;
  }
  if (i != v.size()) return false;
  const std::string s(v);
  const float x = std::strtof(s.c_str(), nullptr);
  if (!(x >= 0.0f && x <= 1.0f)) return false;
  *out = x;
  return true;
}

// Shortest decimal that reads back to the same float, so links round-trip exactly and stay short ("0.05").
std::string format_float(float v) {
  char buf[40];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  return buf;
}

template <typename Enum, size_t N>
bool parse_enum(std::string_view v, const char* const (&names)[N], Enum* out) {
  const std::string s = lower_ascii(v);
  for (size_t k = 0; k < N; ++k) {
    if (s == names[k]) {
      *out = static_cast<Enum>(k);
      return true;
    }
  }
  return false;
}

template <size_t N>
std::string join_names(const char* const (&names)[N]) {
  std::string out;
  for (size_t k = 0; k < N; ++k) out += (k ? ", " : "") + std::string(names[k]);
  return out;
}

bool is_hex(std::string_view s) {
  if (s.empty() || s.size() > kMaxHashDigits) return false;
  for (char c : s) {
    if (hex_value(c) < 0) return false;
  }
  return true;
}

bool is_user_model(const std::string& m) { return m.size() > 5 && m.compare(0, 5, "user:") == 0; }

// Hugging Face Hub ids and revisions (hub models, model=hf:ORG/NAME&rev=...).
bool hub_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}
bool hub_part_ok(std::string_view p) {
  if (p.empty() || p.size() > kMaxHubPart || p == "." || p == ".." || p.front() == '-' || p.front() == '.') return false;
  for (char c : p) {
    if (!hub_name_char(c)) return false;
  }
  return true;
}

// ---- key/value pairs -------------------------------------------------------------------------------------------

struct Entry {
  std::string value;  // raw (still percent-encoded)
  int count = 0;      // times the key appeared
  bool bare = false;  // "&embed" without '='
  std::vector<std::string> all;  // every raw value in link order (step= repeats)
};
using Entries = std::map<std::string, Entry>;  // by lower-case key

void gather_pairs(std::string_view fragment, Entries* entries) {
  size_t start = 0;
  while (start <= fragment.size()) {
    size_t end = fragment.find('&', start);
    if (end == std::string_view::npos) end = fragment.size();
    const std::string_view part = fragment.substr(start, end - start);
    if (!part.empty()) {
      const size_t eq = part.find('=');
      Entry& e = (*entries)[lower_ascii(part.substr(0, eq))];
      e.count++;
      e.bare = eq == std::string_view::npos;
      e.value = e.bare ? std::string() : std::string(part.substr(eq + 1));
      e.all.push_back(e.value);
    }
    start = end + 1;
  }
}

// ---- compact form: LZ77 + base64url ----------------------------------------------------------------------------

constexpr size_t kMinMatch = 3, kMaxMatch = 130, kMaxLiteralRun = 128, kMaxOffset = 65535;

// Greedy LZ77 with hash chains over 3-byte prefixes; format in view_state.h.
std::string lz_compress(std::string_view in) {
  constexpr int kHashBits = 14;
  constexpr int kMaxChain = 32;
  const size_t n = in.size();
  std::vector<int32_t> head(size_t{1} << kHashBits, -1);  // (2^14) last position of each prefix hash
  std::vector<int32_t> prev(n, -1);                       // (n) previous position with the same hash
  auto hash3 = [&](size_t p) {
    const uint32_t v = static_cast<unsigned char>(in[p]) | static_cast<unsigned char>(in[p + 1]) << 8 |
                       static_cast<uint32_t>(static_cast<unsigned char>(in[p + 2])) << 16;
    return (v * 2654435761u) >> (32 - kHashBits);
  };
  auto insert = [&](size_t p) {
    if (p + 2 >= n) return;
    const uint32_t h = hash3(p);
    prev[p] = head[h];
    head[h] = static_cast<int32_t>(p);
  };
  std::string out;
  size_t literal_start = 0;
  auto flush_literals = [&](size_t end) {
    while (literal_start < end) {
      const size_t len = std::min(kMaxLiteralRun, end - literal_start);
      out.push_back(static_cast<char>(len - 1));
      out.append(in.substr(literal_start, len));
      literal_start += len;
    }
  };
  size_t i = 0;
  while (i < n) {
    size_t best_len = 0, best_offset = 0;
    if (i + 2 < n) {
      int32_t candidate = head[hash3(i)];
      const size_t max_len = std::min(kMaxMatch, n - i);
      for (int depth = 0; candidate >= 0 && depth < kMaxChain && i - candidate <= kMaxOffset; ++depth) {
        size_t len = 0;
        while (len < max_len && in[candidate + len] == in[i + len]) ++len;
        if (len > best_len) {
          best_len = len;
          best_offset = i - candidate;
          if (len == max_len) break;
        }
        candidate = prev[candidate];
      }
    }
    if (best_len >= kMinMatch) {
      flush_literals(i);
      out.push_back(static_cast<char>(0x80 | (best_len - kMinMatch)));
      out.push_back(static_cast<char>(best_offset & 0xFF));
      out.push_back(static_cast<char>(best_offset >> 8));
      for (size_t k = 0; k < best_len; ++k) insert(i + k);
      i += best_len;
      literal_start = i;
    } else {
      insert(i);
      ++i;
    }
  }
  flush_literals(n);
  return out;
}

bool lz_decompress(std::string_view in, size_t expected, std::string* out, std::string* why) {
  out->clear();
  out->reserve(expected);
  size_t p = 0;
  while (p < in.size()) {
    const unsigned char c = static_cast<unsigned char>(in[p++]);
    if (c < 0x80) {
      const size_t len = size_t{c} + 1;
      if (p + len > in.size()) { *why = tr("link.z_literal_cut"); return false; }
      if (out->size() + len > expected) { *why = tr("link.z_more_data"); return false; }
      out->append(in.substr(p, len));
      p += len;
    } else {
      const size_t len = (c & 0x7F) + kMinMatch;
      if (p + 2 > in.size()) { *why = tr("link.z_ref_cut"); return false; }
      const size_t offset = static_cast<unsigned char>(in[p]) | static_cast<size_t>(static_cast<unsigned char>(in[p + 1])) << 8;
      p += 2;
      if (offset == 0 || offset > out->size()) { *why = tr("link.z_ref_before"); return false; }
      if (out->size() + len > expected) { *why = tr("link.z_more_data"); return false; }
      for (size_t k = 0; k < len; ++k) out->push_back((*out)[out->size() - offset]);
    }
  }
  if (out->size() != expected) { *why = tr("link.z_less_data"); return false; }
  return true;
}

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += kBase64Url[v >> 18];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
    out += kBase64Url[v & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    out += kBase64Url[v >> 18];
    out += kBase64Url[(v >> 12) & 63];
  } else if (i + 2 == in.size()) {
    const uint32_t v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
    out += kBase64Url[v >> 18];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
  }
  return out;
}

// Also accepts the standard alphabet ('+', '/') and '=' padding, in case a link went through another encoder.
bool base64url_decode(std::string_view in, std::string* out) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  out->clear();
  out->reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-' || c == '+') v = 62;
    else if (c == '_' || c == '/') v = 63;
    else return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

// The z= value to the payload (a readable-form fragment), or false with the reason.
bool unpack_compact(std::string_view z, std::string* payload, std::string* why) {
  std::string bytes;
  if (z.empty() || !base64url_decode(z, &bytes)) {
    *why = tr("link.z_not_base64");
    return false;
  }
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != kCompactVersion) {
    *why = tr("link.z_version");
    return false;
  }
  size_t p = 1, length = 0;
  for (int shift = 0;; shift += 7) {
    if (p >= bytes.size() || shift > 28) {
      *why = tr("link.z_length");
      return false;
    }
    const unsigned char b = static_cast<unsigned char>(bytes[p++]);
    length |= static_cast<size_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) break;
  }
  if (length > kMaxCompactBytes) {
    *why = trf("link.z_too_big", std::to_string(kMaxCompactBytes).c_str());
    return false;
  }
  return lz_decompress(std::string_view(bytes).substr(p), length, payload, why);
}

std::string pack_compact(const std::string& payload) {
  std::string bytes(1, static_cast<char>(kCompactVersion));
  size_t length = payload.size();
  do {
    const unsigned char b = length & 0x7F;
    length >>= 7;
    bytes.push_back(static_cast<char>(length ? (b | 0x80) : b));
  } while (length);
  bytes += lz_compress(payload);
  return base64url_encode(bytes);
}

// ---- encoding --------------------------------------------------------------------------------------------------

// The state as key/value text, each free-form value passed through `escape`.
template <typename Escape>
std::string encode_with(const ViewState& s, Escape escape) {
  const ViewState d;
  // A hub id is made of unreserved characters and '/', which a fragment may hold as is: written readable.
  std::string out = "model=" + (is_hub_model(s.model) ? s.model : escape(s.model));
  if (is_user_model(s.model) && !s.model_hash.empty()) out += "&hash=" + escape(s.model_hash);
  if (is_hub_model(s.model) && !s.model_hash.empty()) out += "&rev=" + escape(s.model_hash);
  out += "&text=" + escape(s.text);
  if (!s.pair.empty()) out += "&pair=" + escape(s.pair);
  if (s.view != d.view) out += std::string("&view=") + view_name(s.view);
  if (s.layer != d.layer) out += "&layer=" + std::to_string(s.layer);
  if (s.head != d.head) out += "&head=" + std::to_string(s.head);
  if (s.token != d.token) out += "&token=" + std::to_string(s.token);
  if (s.colormap != d.colormap) out += std::string("&cmap=") + colormap_name(s.colormap);
  if (s.scale != d.scale) out += std::string("&scale=") + scale_name(s.scale);
  if (s.threshold != d.threshold) out += "&threshold=" + escape(format_float(s.threshold));
  if (s.hide_special) out += "&hide=1";
  if (!s.vs.empty()) out += "&vs=" + (is_hub_model(s.vs) ? s.vs : escape(s.vs));  // compare with (view_compare.cpp)
  if (!s.vs.empty() && !s.vs_hash.empty()) out += (is_hub_model(s.vs) ? "&vsrev=" : "&vshash=") + escape(s.vs_hash);
  if (s.compare_metric != d.compare_metric)
    out += std::string("&vsmetric=") + kCompareMetricNames[static_cast<size_t>(s.compare_metric)];
  if (s.merge != d.merge) out += std::string("&merge=") + merge_name(s.merge);
  if (!s.knocked_out.empty()) {
    out += "&ko=";
    for (size_t k = 0; k < s.knocked_out.size(); ++k) {
      if (k) out += ',';
      out += std::to_string(s.knocked_out[k].layer) + "." + std::to_string(s.knocked_out[k].head);
    }
  }
  if (s.embed) out += "&embed=1";
  if (!s.lang.empty()) out += "&lang=" + s.lang;
  return out;
}

// ---- lesson tours ----------------------------------------------------------------------------------------------

// Inside a step, a value's ',' ':' '%' '&' '#' '+' are escaped (the step's own split characters, and those a link
// would lose); the step as a whole is escaped again by the link (tour_part).
std::string step_value_escape(const std::string& v) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(v.size());
  for (char ch : v) {
    if (ch == ',' || ch == ':' || ch == '%' || ch == '&' || ch == '#' || ch == '+') {
      out.push_back('%');
      out.push_back(kHex[static_cast<unsigned char>(ch) >> 4]);
      out.push_back(kHex[static_cast<unsigned char>(ch) & 15]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

// The readable form's escaping of a step= value: percent_encode, but the step's ':' and ',' stay as they are, and
// so does '*' (**bold** in captions; encodeURIComponent keeps it too).
std::string step_link_escape(const std::string& step) {
  std::string out;
  size_t start = 0;
  while (start <= step.size()) {
    size_t end = step.find_first_of(":,*", start);
    if (end == std::string::npos) end = step.size();
    out += percent_encode(step.substr(start, end - start));
    if (end < step.size()) out.push_back(step[end]);
    start = end + 1;
  }
  return out;
}

// The value of step key `key` in state s, in canonical form ("" for an unknown key).
std::string step_field(const ViewState& s, std::string_view key) {
  if (key == "text") return s.text;
  if (key == "pair") return s.pair;
  if (key == "view") return view_name(s.view);
  if (key == "layer") return std::to_string(s.layer);
  if (key == "head") return std::to_string(s.head);
  if (key == "token") return s.token < 0 ? std::string("none") : std::to_string(s.token);
  if (key == "cmap") return colormap_name(s.colormap);
  if (key == "scale") return scale_name(s.scale);
  if (key == "threshold") return format_float(s.threshold);
  if (key == "hide") return s.hide_special ? "1" : "0";
  if (key == "merge") return merge_name(s.merge);
  if (key == "ko") {
    std::string out;
    for (size_t k = 0; k < s.knocked_out.size(); ++k)
      out += (k ? "," : "") + std::to_string(s.knocked_out[k].layer) + "." + std::to_string(s.knocked_out[k].head);
    return out;
  }
  return std::string();
}

// The step's keys as a readable-form fragment for apply_fragment ("layer=2&view=matrix").
std::string step_fragment(const std::vector<std::pair<std::string, std::string>>& keys) {
  std::string out;
  for (const auto& [k, v] : keys) out += (out.empty() ? "" : "&") + k + "=" + percent_encode(v);
  return out;
}

// "&step=...&step=...&at=k", each step escaped by `escape` (readable: step_link_escape; compact: minimal_escape).
template <typename Escape>
std::string tour_part(const ViewState& s, Escape escape) {
  std::string out;
  for (const TourStep& step : s.tour) out += "&step=" + escape(format_tour_step(step));
  if (!s.tour.empty() && s.at > 0) out += "&at=" + std::to_string(s.at);
  return out;
}

// ---- decoding --------------------------------------------------------------------------------------------------

constexpr const char* kKnownKeys[] = {"model", "hash",  "text",      "pair", "view",  "layer", "head", "token",
                                      "cmap",  "scale", "threshold", "hide", "merge", "ko",    "embed", "step", "at",
                                      "rev",   "vs",    "vshash",    "lang",  "vsrev", "vsmetric"};

class Decoder {
 public:
  Decoder(ViewState* s, std::vector<std::string>* notices) : s_(s), notices_(notices) {}

  void run(std::string_view fragment) {
    if (!fragment.empty() && fragment.front() == '#') fragment.remove_prefix(1);
    // "#?text=..." and "#/text=..." (query-string and router habits) read the same.
    while (!fragment.empty() && (fragment.front() == '?' || fragment.front() == '/')) fragment.remove_prefix(1);
    if (fragment.size() > kMaxFragmentBytes) {
      note(trf("link.too_long", std::to_string(fragment.size()).c_str(), std::to_string(kMaxFragmentBytes).c_str()));
      fragment = fragment.substr(0, kMaxFragmentBytes);
    }
    Entries outer;
    gather_pairs(fragment, &outer);
    Entries merged;
    if (auto z = outer.find("z"); z != outer.end()) {
      note_duplicate("z", z->second);
      std::string payload, why;
      if (unpack_compact(trim(z->second.value), &payload, &why)) {
        gather_pairs(payload, &merged);
        if (auto inner = merged.find("z"); inner != merged.end()) {
          note(tr("link.z_nested"));
          merged.erase(inner);
        }
        for (const auto& [key, e] : merged) note_duplicate(key, e);
      } else {
        note(trf("link.z_unreadable", quoted(z->second.value).c_str(), why.c_str()));
      }
      outer.erase(z);
    }
    for (const auto& [key, e] : outer) {
      note_duplicate(key, e);
      merged[key] = e;  // keys written after z= override it
    }
    note_unknown(merged);
    apply(merged);
  }

 private:
  void note(std::string msg) { notices_->push_back(std::move(msg)); }

  static bool known(const std::string& key) {
    return key == "z" || std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key) != std::end(kKnownKeys);
  }

  // Unknown keys are listed once by note_unknown, however often they appear.
  void note_duplicate(const std::string& key, const Entry& e) {
    if (e.count > 1 && known(key) && key != "step")
      note(trf("link.duplicate", quoted(key).c_str(), std::to_string(e.count).c_str()));
  }

  void note_unknown(const Entries& entries) {
    std::string names;
    int unknown = 0;
    for (const auto& [key, e] : entries) {
      if (known(key)) continue;
      if (++unknown <= 5) names += (unknown > 1 ? ", " : "") + (key.empty() ? std::string("(a value without a key)") : quoted(key));
    }
    if (unknown > 5) names += " and " + std::to_string(unknown - 5) + " more";
    if (unknown > 0) note(trf("link.unknown_keys", names.c_str()));
  }

  // The value of `key` percent-decoded into valid UTF-8 (problems noted); false when the key is absent.
  bool value(const Entries& entries, const std::string& key, std::string* out, bool* bare = nullptr) {
    const auto it = entries.find(key);
    if (it == entries.end()) return false;
    if (bare) *bare = it->second.bare;
    std::string first_bad;
    if (const int bad = percent_decode(it->second.value, out, &first_bad); bad > 0) {
      if (bad == 1) note(trf("link.bad_escape_one", key.c_str(), quoted(first_bad).c_str()));
      else note(trf("link.bad_escape_many", key.c_str(), std::to_string(bad).c_str(), quoted(first_bad).c_str()));
    }
    if (const int bad = repair_utf8(out); bad > 0) {
      note(trf(bad == 1 ? "link.bad_utf8_one" : "link.bad_utf8_many", key.c_str(), std::to_string(bad).c_str()));
    }
    return true;
  }

  void apply_text(const Entries& entries, const std::string& key, std::string* field) {
    std::string v;
    if (!value(entries, key, &v)) return;
    if (v.size() > kMaxTextBytes) {
      note(trf("link.text_cut", key.c_str(), std::to_string(v.size()).c_str(), std::to_string(kMaxTextBytes).c_str()));
      truncate_utf8(&v, kMaxTextBytes);
    }
    *field = std::move(v);
  }

  void apply_index(const Entries& entries, const std::string& key, int* field, bool allow_none) {
    std::string raw;
    if (!value(entries, key, &raw)) return;
    const std::string_view v = trim(raw);
    if (allow_none && (v == "-1" || lower_ascii(v) == "none" || v.empty())) {
      *field = -1;
      return;
    }
    int x = 0;
    if (parse_index(v, &x)) {
      *field = x;
      return;
    }
    const std::string now = *field < 0 ? std::string(tr("link.none")) : std::to_string(*field);
    note(trf("link.bad_index", key.c_str(), quoted(raw).c_str(), std::to_string(kMaxIndex).c_str(), key.c_str(), now.c_str()));
  }

  template <typename Enum, size_t N>
  void apply_enum(const Entries& entries, const std::string& key, const char* const (&names)[N], Enum* field,
                  std::initializer_list<std::pair<const char*, Enum>> aliases = {}) {
    std::string raw;
    if (!value(entries, key, &raw)) return;
    const std::string v = lower_ascii(trim(raw));
    if (parse_enum(v, names, field)) return;
    for (const auto& [alias, e] : aliases) {
      if (v == alias) {
        *field = e;
        return;
      }
    }
    note(trf("link.not_one_of", key.c_str(), quoted(raw).c_str(), join_names(names).c_str(),
             names[static_cast<size_t>(*field)]));
  }

  void apply_bool(const Entries& entries, const std::string& key, bool* field) {
    std::string raw;
    bool bare = false;
    if (!value(entries, key, &raw, &bare)) return;
    if (bare) {
      *field = true;
      return;
    }
    if (!parse_bool(trim(raw), field))
      note(trf("link.bad_bool", key.c_str(), quoted(raw).c_str(), *field ? "1" : "0"));
  }

  // lang=en|zh (also en-US, zh-CN...: written back as en / zh); anything else keeps the current language.
  void apply_lang(const Entries& entries) {
    std::string raw;
    if (!value(entries, "lang", &raw)) return;
    Lang l;
    if (lang_from_code(std::string(trim(raw)), &l)) s_->lang = lang_code(l);
    else note(trf("link.bad_lang", quoted(raw).c_str()));
  }

  void apply_model(const Entries& entries) {
    std::string raw;
    const bool has_model = value(entries, "model", &raw);
    if (has_model) {
      const std::string_view v = trim(raw);
      const std::string low = lower_ascii(v);
      const auto& builtins = builtin_models();
      if (std::find(builtins.begin(), builtins.end(), low) != builtins.end()) {
        s_->model = low;
        s_->model_hash.clear();
      } else if (low.compare(0, 5, "user:") == 0) {
        const std::string name(trim(v.substr(5)));
        bool printable = !name.empty() && name.size() <= kMaxUserModelName;
        for (char c : name) printable = printable && static_cast<unsigned char>(c) >= 0x20 && c != 0x7F;
        if (printable) {
          s_->model = "user:" + name;
          s_->model_hash.clear();
        } else {
          note(trf("link.user_model_name", quoted(raw).c_str(), std::to_string(kMaxUserModelName).c_str(), s_->model.c_str()));
        }
      } else if (low.compare(0, 3, "hf:") == 0) {
        std::string id, rev;
        if (parse_hub_id(v.substr(3), &id, &rev)) {
          s_->model = "hf:" + id;
          s_->model_hash = rev;
        } else {
          note(trf("link.hub_model_id", quoted(raw).c_str(), s_->model.c_str()));
        }
      } else {
        std::string list;
        for (const auto& b : builtins) list += b + ", ";
        note(trf("link.model_not_builtin", quoted(raw).c_str(), list.c_str(), s_->model.c_str()));
      }
    }
    std::string rev;
    if (value(entries, "rev", &rev)) {
      const std::string_view r = trim(rev);
      if (!is_hub_model(s_->model)) note(tr("link.rev_not_hub"));
      else if (!is_hub_revision(r)) note(trf("link.rev_bad", quoted(rev).c_str()));
      else s_->model_hash = std::string(r);
    }
    std::string hash;
    if (!value(entries, "hash", &hash)) return;
    const std::string_view h = trim(hash);
    if (!is_user_model(s_->model)) {
      note(tr("link.hash_not_user"));
    } else if (!is_hex(h)) {
      note(trf("link.hash_bad", quoted(hash).c_str(), std::to_string(kMaxHashDigits).c_str()));
    } else {
      s_->model_hash = std::string(h);
    }
  }

  // vs= (a second model to compare with) takes the forms model= takes; vshash= is its user-model hash or hub revision.
  void apply_vs(const Entries& entries) {
    std::string raw;
    if (value(entries, "vs", &raw)) {
      const std::string_view v = trim(raw);
      const std::string low = lower_ascii(v);
      const auto& builtins = builtin_models();
      std::string id, rev;
      if (v.empty()) {
        s_->vs.clear();
        s_->vs_hash.clear();
      } else if (std::find(builtins.begin(), builtins.end(), low) != builtins.end()) {
        s_->vs = low;
        s_->vs_hash.clear();
      } else if (low.compare(0, 5, "user:") == 0) {
        const std::string name(trim(v.substr(5)));
        bool printable = !name.empty() && name.size() <= kMaxUserModelName;
        for (char c : name) printable = printable && static_cast<unsigned char>(c) >= 0x20 && c != 0x7F;
        if (printable) s_->vs = "user:" + name, s_->vs_hash.clear();
        else note(trf("link.vs_user_name", quoted(raw).c_str(), std::to_string(kMaxUserModelName).c_str()));
      } else if (low.compare(0, 3, "hf:") == 0 && parse_hub_id(v.substr(3), &id, &rev)) {
        s_->vs = "hf:" + id;
        s_->vs_hash = rev;
      } else {
        std::string list;
        for (const auto& b : builtins) list += b + ", ";
        note(trf("link.vs_not_model", quoted(raw).c_str(), list.c_str()));
      }
    }
    std::string r;  // vsrev= pins an hf: vs= model's revision, as rev= does for model= (the page writes the commit sha)
    if (value(entries, "vsrev", &r)) {
      const std::string_view t = trim(r);
      if (!is_hub_model(s_->vs)) note(tr("link.vsrev_not_hub"));
      else if (!is_hub_revision(t)) note(trf("link.vsrev_bad", quoted(r).c_str()));
      else s_->vs_hash = std::string(t);
    }
    std::string h;
    if (!value(entries, "vshash", &h)) return;
    const std::string_view t = trim(h);
    if (is_user_model(s_->vs) && is_hex(t)) s_->vs_hash = std::string(t);
    else if (is_hub_model(s_->vs) && is_hub_revision(t)) s_->vs_hash = std::string(t);
    else note(trf("link.vshash_bad", quoted(h).c_str()));
  }

  void apply_threshold(const Entries& entries) {
    std::string raw;
    if (!value(entries, "threshold", &raw)) return;
    if (!parse_threshold(trim(raw), &s_->threshold))
      note(trf("link.threshold_bad", quoted(raw).c_str(), format_float(s_->threshold).c_str()));
  }

  void apply_knocked_out(const Entries& entries) {
    std::string raw;
    if (!value(entries, "ko", &raw)) return;
    std::vector<HeadRef> heads;
    int bad = 0, dropped = 0;
    std::string first_bad;
    size_t start = 0;
    while (start <= raw.size()) {
      size_t end = raw.find(',', start);
      if (end == std::string::npos) end = raw.size();
      const std::string_view item = trim(std::string_view(raw).substr(start, end - start));
      start = end + 1;
      if (item.empty()) continue;
      const size_t dot = item.find('.');
      HeadRef h;
      if (dot == std::string_view::npos || !parse_index(item.substr(0, dot), &h.layer) ||
          !parse_index(item.substr(dot + 1), &h.head)) {
        if (bad++ == 0) first_bad = std::string(item);
        continue;
      }
      if (heads.size() >= kMaxKnockedOut) {
        ++dropped;
        continue;
      }
      heads.push_back(h);
    }
    if (bad > 0)
      note(trf(bad == 1 ? "link.ko_bad_one" : "link.ko_bad_many", std::to_string(bad).c_str(), quoted(first_bad).c_str()));
    if (dropped > 0) note(trf("link.ko_too_many", std::to_string(kMaxKnockedOut).c_str()));
    s_->knocked_out = std::move(heads);
    normalize_knocked_out(s_);
  }

  void apply(const Entries& e) {
    apply_model(e);
    apply_vs(e);
    apply_text(e, "text", &s_->text);
    apply_text(e, "pair", &s_->pair);
    apply_enum(e, "view", kViewNames, &s_->view);
    apply_index(e, "layer", &s_->layer, false);
    apply_index(e, "head", &s_->head, false);
    apply_index(e, "token", &s_->token, true);
    apply_enum(e, "cmap", kColormapNames, &s_->colormap, {{"grey", Colormap::Gray}});
    apply_enum(e, "scale", kScaleNames, &s_->scale);
    apply_threshold(e);
    apply_bool(e, "hide", &s_->hide_special);
    apply_enum(e, "merge", kMergeNames, &s_->merge, {{"characters", Merge::Characters}, {"char", Merge::Characters},
                                                     {"token", Merge::Tokens}, {"word", Merge::Words}});
    apply_knocked_out(e);
    apply_bool(e, "embed", &s_->embed);
    apply_lang(e);
    apply_enum(e, "vsmetric", kCompareMetricNames, &s_->compare_metric,
               {{"mean", CompareMetric::MeanAbs}, {"meanabs", CompareMetric::MeanAbs}, {"jsd", CompareMetric::Js}});
    apply_tour(e);
  }

  // step= (all of them, in order) replaces the tour; at= picks a step of the (new or current) tour.
  void apply_tour(const Entries& entries) {
    if (const auto it = entries.find("step"); it != entries.end()) {
      std::vector<TourStep> steps;
      int over = 0;
      for (size_t i = 0; i < it->second.all.size(); ++i) {
        const std::string& raw = it->second.all[i];
        const std::string n = trf("link.tour_step", static_cast<int>(i + 1));
        std::string once, first_bad, why;
        if (percent_decode(raw, &once, &first_bad) > 0)
          note(trf("link.bad_escape_one", n.c_str(), quoted(first_bad).c_str()));
        TourStep step;
        if (!parse_tour_step(once, &step, &why)) {
          note(trf("link.step_dropped", n.c_str(), quoted(once).c_str(), why.c_str()));
        } else if (steps.size() >= kMaxTourSteps) {
          ++over;
        } else {
          steps.push_back(std::move(step));
        }
      }
      if (over > 0)
        note(trf("link.tour_too_long", std::to_string(kMaxTourSteps).c_str(), std::to_string(over).c_str()));
      s_->tour = std::move(steps);
      s_->at = 0;
    }
    std::string raw;
    if (!value(entries, "at", &raw)) return;
    int k = 0;
    if (!parse_index(trim(raw), &k)) {
      note(trf("link.at_bad", quoted(raw).c_str()));
      s_->at = 0;
    } else if (s_->tour.empty()) {
      if (k != 0) note(trf("link.at_no_tour", quoted(raw).c_str()));
      s_->at = 0;
    } else if (k >= static_cast<int>(s_->tour.size())) {
      note(trf("link.at_beyond", std::to_string(k).c_str(), std::to_string(s_->tour.size()).c_str(),
                std::to_string(s_->tour.size() - 1).c_str()));
      s_->at = 0;
    } else {
      s_->at = k;
    }
  }

  ViewState* s_;
  std::vector<std::string>* notices_;
};

}  // namespace

bool ViewState::operator==(const ViewState& o) const {
  return model == o.model && model_hash == o.model_hash && text == o.text && pair == o.pair && view == o.view &&
         layer == o.layer && head == o.head && token == o.token && colormap == o.colormap && scale == o.scale &&
         threshold == o.threshold && hide_special == o.hide_special && merge == o.merge &&
         knocked_out == o.knocked_out && embed == o.embed && tour == o.tour && at == o.at && vs == o.vs &&
         vs_hash == o.vs_hash && lang == o.lang && compare_metric == o.compare_metric;
}

const char* view_name(ViewKind v) { return kViewNames[static_cast<size_t>(v)]; }
const char* colormap_name(Colormap c) { return kColormapNames[static_cast<size_t>(c)]; }
const char* scale_name(Scale s) { return kScaleNames[static_cast<size_t>(s)]; }
const char* merge_name(Merge m) { return kMergeNames[static_cast<size_t>(m)]; }

bool is_hub_revision(std::string_view rev) {
  if (rev.empty() || rev.size() > kMaxHubRevision || rev.front() == '/' || rev.back() == '/' ||
      rev.find("..") != std::string_view::npos)
    return false;
  for (char c : rev) {
    if (!hub_name_char(c) && c != '/') return false;
  }
  return true;
}

bool parse_hub_id(std::string_view text, std::string* id, std::string* rev) {
  std::string_view r;
  const size_t at = text.find('@');
  if (at != std::string_view::npos) {
    r = text.substr(at + 1);
    text = text.substr(0, at);
    if (!is_hub_revision(r)) return false;
  }
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    if (!hub_part_ok(text)) return false;
  } else if (!hub_part_ok(text.substr(0, slash)) || !hub_part_ok(text.substr(slash + 1))) {
    return false;
  }
  *id = std::string(text);
  *rev = std::string(r);
  return true;
}

const std::vector<std::string>& builtin_models() {
  static const std::vector<std::string> names = {"zh-bert-mini", "zh-bert-ner-mini", "gpt2-mini"};
  return names;
}

std::string percent_encode(const std::string& utf8) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(utf8.size() * 3);
  for (char ch : utf8) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string encode_fragment(const ViewState& s) { return encode_with(s, percent_encode) + tour_part(s, step_link_escape); }

std::string encode_fragment_compact(const ViewState& s) {
  return "z=" + pack_compact(encode_with(s, minimal_escape) + tour_part(s, minimal_escape));
}

const char* const kTourStepKeys[13] = {"text",  "pair",      "view", "layer", "head", "token", "cmap",
                                       "scale", "threshold", "hide", "merge", "ko",   "say"};

bool parse_tour_step(std::string_view step, TourStep* out, std::string* why) {
  TourStep result;
  std::vector<std::pair<std::string, std::string>> given;  // decoded values, as written
  bool said = false;
  size_t start = 0;
  while (start <= step.size()) {
    size_t end = step.find(',', start);
    if (end == std::string_view::npos) end = step.size();
    const std::string_view part = step.substr(start, end - start);
    start = end + 1;
    if (trim(part).empty()) continue;  // "a:1,,b:2" and a trailing ',' are harmless
    const size_t colon = part.find(':');
    if (colon == std::string_view::npos) {
      *why = trf("link.step_not_kv", quoted(part).c_str());
      return false;
    }
    const std::string key = lower_ascii(trim(part.substr(0, colon)));
    const auto known = std::find(std::begin(kTourStepKeys), std::end(kTourStepKeys), key);
    if (known == std::end(kTourStepKeys)) {
      if (key == "model" || key == "hash") {
        *why = trf("link.step_model", quoted(part).c_str());
      } else {
        std::string list;
        for (const char* k : kTourStepKeys) list += (list.empty() ? "" : " ") + std::string(k);
        *why = trf("link.step_unknown_key", quoted(key).c_str(), list.c_str());
      }
      return false;
    }
    std::string v, first_bad;
    percent_decode(part.substr(colon + 1), &v, &first_bad);  // an invalid escape stays as typed ("50% sure")
    if (key == "say") {
      if (said) {
        *why = tr("link.step_say_twice");
        return false;
      }
      said = true;
      repair_utf8(&v);
      if (v.size() > kMaxCaptionBytes) {
        *why = trf("link.step_caption_long", std::to_string(v.size()).c_str(), std::to_string(kMaxCaptionBytes).c_str());
        return false;
      }
      result.say = std::move(v);
      continue;
    }
    for (const auto& g : given) {
      if (g.first == key) {
        *why = trf("link.step_key_twice", key.c_str());
        return false;
      }
    }
    given.emplace_back(key, std::move(v));
  }
  // Each value through the link's own parser, on a scratch state: any notice makes the step bad.
  ViewState scratch;
  const std::vector<std::string> notices = apply_fragment(step_fragment(given), &scratch);
  if (!notices.empty()) {
    std::string n = notices.front();
    if (const size_t using_pos = n.find("; using"); using_pos != std::string::npos) n.resize(using_pos);
    if (const size_t using_pos = n.find("\xEF\xBC\x9B\xE6\x94\xB9\xE7\x94\xA8"); using_pos != std::string::npos)
      n.resize(using_pos);  // "；改用": the same cut in Chinese
    for (const auto& g : given) {  // "layer=abc is not ..." reads "layer:abc is not ..." in a step
      if (n.compare(0, g.first.size() + 1, g.first + "=") == 0) n[g.first.size()] = ':';
    }
    *why = n;
    return false;
  }
  for (const char* k : kTourStepKeys) {
    for (const auto& g : given)
      if (g.first == k) result.keys.emplace_back(k, step_field(scratch, k));
  }
  *out = std::move(result);
  return true;
}

std::string format_tour_step(const TourStep& step) {
  std::string out;
  for (const auto& [k, v] : step.keys) out += (out.empty() ? "" : ",") + k + ":" + step_value_escape(v);
  if (!step.say.empty() || step.keys.empty()) out += (out.empty() ? "" : ",") + std::string("say:") + step_value_escape(step.say);
  return out;
}

ViewState tour_step_state(const ViewState& base, int k) {
  ViewState s = base;
  if (base.tour.empty()) {
    s.at = 0;
    return s;
  }
  k = std::clamp(k, 0, static_cast<int>(base.tour.size()) - 1);
  for (int i = 0; i <= k; ++i) {
    const std::string f = step_fragment(base.tour[i].keys);
    if (!f.empty()) apply_fragment(f, &s);  // the keys were checked when the step was made: no notices
  }
  s.at = k;
  return s;
}

TourStep tour_step_between(const ViewState& from, const ViewState& to, const std::string& say) {
  TourStep step;
  for (const char* k : kTourStepKeys) {
    if (std::string_view(k) == "say") continue;
    std::string a = step_field(from, k), b = step_field(to, k);
    if (a != b) step.keys.emplace_back(k, std::move(b));
  }
  step.say = say;
  return step;
}

std::vector<std::string> apply_fragment(const std::string& fragment, ViewState* s) {
  std::vector<std::string> notices;
  Decoder(s, &notices).run(fragment);
  return notices;
}

DecodeResult decode_fragment(const std::string& fragment) {
  DecodeResult r;
  r.notices = apply_fragment(fragment, &r.state);
  return r;
}

void clamp_to_model(ViewState* s, int n_layers, int n_heads, int n_tokens, std::vector<std::string>* notices) {
  auto note = [&](std::string msg) {
    if (notices) notices->push_back(std::move(msg));
  };
  if (n_layers > 0 && (s->layer < 0 || s->layer >= n_layers)) {
    note(trf("link.layer_range", s->layer, n_layers, n_layers - 1));
    s->layer = 0;
  }
  if (n_heads > 0 && (s->head < 0 || s->head >= n_heads)) {
    note(trf("link.head_range", s->head, n_heads, n_heads - 1));
    s->head = 0;
  }
  if (n_tokens >= 0 && s->token != -1 && (s->token < 0 || s->token >= n_tokens)) {
    note(trf("link.token_range", s->token, n_tokens));
    s->token = -1;
  }
  if (n_layers > 0 && n_heads > 0 && !s->knocked_out.empty()) {
    std::vector<HeadRef> kept;
    std::string dropped;
    int n_dropped = 0;
    for (const HeadRef& h : s->knocked_out) {
      if (h.layer >= 0 && h.layer < n_layers && h.head >= 0 && h.head < n_heads) {
        kept.push_back(h);
      } else if (++n_dropped <= 5) {
        dropped += (n_dropped > 1 ? ", " : "") + std::to_string(h.layer) + "." + std::to_string(h.head);
      }
    }
    if (n_dropped > 5) dropped += " and " + std::to_string(n_dropped - 5) + " more";
    if (n_dropped > 0) {
      note(trf(n_dropped == 1 ? "link.ko_outside_one" : "link.ko_outside_many", dropped.c_str(),
                std::to_string(n_layers).c_str(), std::to_string(n_heads).c_str()));
      s->knocked_out = std::move(kept);
    }
  }
}

void normalize_knocked_out(ViewState* s) {
  std::sort(s->knocked_out.begin(), s->knocked_out.end());
  s->knocked_out.erase(std::unique(s->knocked_out.begin(), s->knocked_out.end()), s->knocked_out.end());
}

std::vector<uint8_t> head_mask_from(const ViewState& s, int n_layers, int n_heads) {
  std::vector<uint8_t> mask;
  if (n_layers <= 0 || n_heads <= 0) return mask;
  for (const HeadRef& h : s.knocked_out) {
    if (h.layer < 0 || h.layer >= n_layers || h.head < 0 || h.head >= n_heads) continue;
    if (mask.empty()) mask.assign(static_cast<size_t>(n_layers) * n_heads, 0);
    mask[static_cast<size_t>(h.layer) * n_heads + h.head] = 1;
  }
  return mask;
}

}  // namespace attnviz
