// Unicode property lookups over the generated range tables (unicode_tables.inc, from the UCD at build time).
// std only.
#include "unicode.h"

#include <algorithm>
#include <cstdint>

namespace attnviz {
namespace {
#include "unicode_tables.inc"

static_assert(kMaxDecomposition <= kMaxDecompositionLength, "regenerate: decomposition longer than the header says");
static_assert(kMaxLowercase <= kMaxLowercaseLength, "regenerate: lowercase mapping longer than the header says");

// Hangul syllable decomposition constants (The Unicode Standard, 3.12 "Conjoining Jamo Behavior").
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr int kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

template <size_t N>
size_t range_index(const uint32_t (&starts)[N], char32_t cp) {
  // Last start <= cp; starts[0] == 0.
  return static_cast<size_t>(std::upper_bound(starts, starts + N, static_cast<uint32_t>(cp)) - starts) - 1;
}

template <size_t N>
int find_exact(const uint32_t (&from)[N], char32_t cp) {
  const uint32_t* it = std::lower_bound(from, from + N, static_cast<uint32_t>(cp));
  if (it == from + N || *it != cp) return -1;
  return static_cast<int>(it - from);
}
}  // namespace

uint8_t unicode_props(char32_t cp) {
  if (cp < kDirectLimit) return kDirectProps[cp];
  if (cp >= 0x110000) return static_cast<uint8_t>(GeneralCategory::Cn);
  return kPropValues[range_index(kPropStarts, cp)];
}

uint8_t unicode_props(char32_t cp, UnicodeTable table) {
  if (table == UnicodeTable::Current) return unicode_props(cp);
  if (cp < kDirectLimit) return kDirectProps8[cp];
  if (cp >= 0x110000) return static_cast<uint8_t>(GeneralCategory::Cn);
  return kProp8Values[range_index(kProp8Starts, cp)];
}

uint8_t UnicodePropsCursor::ascii_props(char32_t cp) { return kDirectProps[cp]; }  // ASCII: the same in both tables

uint8_t UnicodePropsCursor::lookup(char32_t cp) {
  const bool cur = table_ == UnicodeTable::Current;
  if (cp < kDirectLimit) return cur ? kDirectProps[cp] : kDirectProps8[cp];
  if (cp >= 0x110000) return static_cast<uint8_t>(GeneralCategory::Cn);
  if (cur) {
    size_t i = range_index(kPropStarts, cp);
    lo_ = kPropStarts[i];
    hi_ = i + 1 < sizeof(kPropStarts) / sizeof(kPropStarts[0]) ? kPropStarts[i + 1] : 0x110000;
    props_ = kPropValues[i];
  } else {
    size_t i = range_index(kProp8Starts, cp);
    lo_ = kProp8Starts[i];
    hi_ = i + 1 < sizeof(kProp8Starts) / sizeof(kProp8Starts[0]) ? kProp8Starts[i + 1] : 0x110000;
    props_ = kProp8Values[i];
  }
  return props_;
}

GeneralCategory general_category(char32_t cp) { return uprops::category(unicode_props(cp)); }

const char* general_category_name(GeneralCategory c) { return kCategoryNames[static_cast<int>(c)]; }

int canonical_combining_class(char32_t cp) {
  if (cp >= 0x110000) return 0;
  return kCccValues[range_index(kCccStarts, cp)];
}

int canonical_combining_class(char32_t cp, UnicodeTable table) {
  if (table == UnicodeTable::Current) return canonical_combining_class(cp);
  if (cp >= 0x110000) return 0;
  return kCcc9Values[range_index(kCcc9Starts, cp)];
}

int canonical_decomposition(char32_t cp, char32_t* out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    int s = static_cast<int>(cp - kSBase);
    out[0] = kLBase + s / kNCount;
    out[1] = kVBase + (s % kNCount) / kTCount;
    int t = s % kTCount;
    if (t == 0) return 2;
    out[2] = kTBase + t;
    return 3;
  }
  int i = find_exact(kDecompFrom, cp);
  if (i < 0) {
    out[0] = cp;
    return 1;
  }
  uint32_t idx = kDecompIndex[i];
  int n = static_cast<int>(idx & 15);
  const uint32_t* p = kDecompPool + (idx >> 4);
  for (int k = 0; k < n; ++k) out[k] = p[k];
  return n;
}

int to_lowercase(char32_t cp, char32_t* out) {
  if (cp < 0x80) {
    out[0] = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    return 1;
  }
  int i = find_exact(kLowerFrom, cp);
  if (i < 0) {
    out[0] = cp;
    return 1;
  }
  uint32_t idx = kLowerIndex[i];
  int n = static_cast<int>(idx & 15);
  const uint32_t* p = kLowerPool + (idx >> 4);
  for (int k = 0; k < n; ++k) out[k] = p[k];
  return n;
}

int utf8_sequence_length(unsigned char b) {
  if (b < 0xC2) return 1;  // ASCII, continuation byte, or overlong lead
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 3;
  if (b < 0xF5) return 4;
  return 1;
}

char32_t decode_utf8(const char* s, size_t n, int* len) {
  const auto* u = reinterpret_cast<const unsigned char*>(s);
  unsigned char b0 = u[0];
  *len = 1;
  if (b0 < 0x80) return b0;
  int need = utf8_sequence_length(b0);
  if (need == 1 || static_cast<size_t>(need) > n) return 0xFFFD;
  char32_t cp = b0 & (0x7F >> need);
  for (int k = 1; k < need; ++k) {
    if ((u[k] & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (u[k] & 0x3F);
  }
  // Reject overlongs (3- and 4-byte forms), surrogates and values above U+10FFFF.
  if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0xFFFD;
  *len = need;
  return cp;
}

void append_utf8(std::string* out, char32_t cp) {
  if (cp >= 0x110000 || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_valid_utf8(const char* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    char32_t cp = decode_utf8(s + i, n - i, &len);
    if (cp == 0xFFFD && len == 1) {
      // A literal U+FFFD is 3 bytes; len 1 means invalid.
      return false;
    }
    i += static_cast<size_t>(len);
  }
  return true;
}

const char* unicode_version() { return ATTNVIZ_UNICODE_VERSION; }

}  // namespace attnviz
