// Unicode character properties for the tokenizers: general category, White_Space, canonical decomposition (NFD),
// canonical combining class and lowercase mapping (as Rust's char::to_lowercase), plus UTF-8 helpers.
// Tables are generated at build time from the Unicode Character Database (scripts/gen_unicode.py). std only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace attnviz {

// General categories, in the order the generator emits them.
enum class GeneralCategory : uint8_t {
  Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No, Pc, Pd, Ps, Pe, Pi, Pf, Po, Sm, Sc, Sk, So, Zs, Zl, Zp, Cc, Cf, Cs,
  Co, Cn
};

// One byte of properties per code point: bits 0-4 category, then the flags below.
namespace uprops {
constexpr uint8_t kCategoryMask = 0x1F;
constexpr uint8_t kWhiteSpace = 0x20;     // PropList White_Space (Rust char::is_whitespace, regex \s)
constexpr uint8_t kHasLowercase = 0x40;   // to_lowercase(c) != c
constexpr uint8_t kHasDecomposition = 0x80;  // canonical decomposition (Hangul included)

inline GeneralCategory category(uint8_t p) { return static_cast<GeneralCategory>(p & kCategoryMask); }
inline bool is_letter(uint8_t p) { return (p & kCategoryMask) <= static_cast<uint8_t>(GeneralCategory::Lo); }
inline bool is_number(uint8_t p) {
  uint8_t c = p & kCategoryMask;
  return c >= static_cast<uint8_t>(GeneralCategory::Nd) && c <= static_cast<uint8_t>(GeneralCategory::No);
}
inline bool is_punctuation(uint8_t p) {  // Pc Pd Ps Pe Pi Pf Po
  uint8_t c = p & kCategoryMask;
  return c >= static_cast<uint8_t>(GeneralCategory::Pc) && c <= static_cast<uint8_t>(GeneralCategory::Po);
}
inline bool is_mark_nonspacing(uint8_t p) { return (p & kCategoryMask) == static_cast<uint8_t>(GeneralCategory::Mn); }
// Cc Cf Cs Co: what the Rust `unicode_categories` crate calls is_other (Hugging Face's BERT "control" test).
// Unassigned code points (Cn) are not included, as in that crate.
inline bool is_other(uint8_t p) {
  uint8_t c = p & kCategoryMask;
  return c >= static_cast<uint8_t>(GeneralCategory::Cc) && c <= static_cast<uint8_t>(GeneralCategory::Co);
}
inline bool is_white_space(uint8_t p) { return (p & kWhiteSpace) != 0; }
}  // namespace uprops

// Properties byte of a code point (out-of-range values give Cn).
uint8_t unicode_props(char32_t cp);

// The same, remembering the last range found: text in one script hits the same range again and again.
class UnicodePropsCursor {
 public:
  uint8_t get(char32_t cp) {
    if (cp < 0x80) return ascii_props(cp);
    if (cp >= lo_ && cp < hi_) return props_;
    return lookup(cp);
  }
  static uint8_t ascii_props(char32_t cp);

 private:
  uint8_t lookup(char32_t cp);
  char32_t lo_ = 1, hi_ = 0;
  uint8_t props_ = 0;
};

GeneralCategory general_category(char32_t cp);
const char* general_category_name(GeneralCategory c);  // "Lu", "Mn", ...
int canonical_combining_class(char32_t cp);

// Full canonical decomposition of one code point (NFD without the reordering step), Hangul included.
// Writes at most kMaxDecompositionLength code points to out and returns the count (1 = unchanged).
constexpr int kMaxDecompositionLength = 4;
int canonical_decomposition(char32_t cp, char32_t* out);

// Lowercase mapping as Rust's char::to_lowercase (UnicodeData simple mapping, SpecialCasing unconditional
// entries; no context: capital sigma always gives small sigma). Returns the count written (at most 3).
constexpr int kMaxLowercaseLength = 3;
int to_lowercase(char32_t cp, char32_t* out);

// Decodes one code point from s[0..n) (n >= 1). Invalid or truncated sequences give U+FFFD with *len = 1.
char32_t decode_utf8(const char* s, size_t n, int* len);
// Appends the UTF-8 form of cp (surrogates and out-of-range values become U+FFFD).
void append_utf8(std::string* out, char32_t cp);
// Number of bytes of the UTF-8 sequence starting with lead byte b (1 for invalid leads and continuation bytes).
int utf8_sequence_length(unsigned char b);
// True when s is valid UTF-8 (no surrogates, no overlongs).
bool is_valid_utf8(const char* s, size_t n);

const char* unicode_version();

}  // namespace attnviz
