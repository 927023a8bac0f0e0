// ViewState: everything a share link carries (model, text, view, selection, options), and its codec to and from the
// URL fragment. Pure C++ (std only), so it is unit-tested natively and under node; the page keeps the fragment current.
//
// Readable form (what teachers write by hand), keys in any order, separated by '&', values percent-encoded UTF-8:
//   #model=zh-bert-mini&text=%E5%BA%8A%E5%89%8D%E6%98%8E%E6%9C%88%E5%85%89&view=matrix&layer=2&head=5&token=3
//   key        values                                             default
//   model      zh-bert-mini | zh-bert-ner-mini | gpt2-mini |      zh-bert-mini
//              user:<name> (a model the user loads from files; name 1-64 bytes, no control characters)
//              hf:<name> | hf:<org>/<name> (a Hugging Face Hub model, opened after the user's click or from the
//              browser's cache; parts of 1-96 letters, digits, - _ . ; hf:org/name@rev also sets rev)
//   hash       hex digits (1-128), the user model's files hash;   none
//              only read with a user:<name> model
//   rev        a hub model's revision: the commit sha the link's  none
//              author saw (40 hex digits; a branch or tag name is
//              accepted too), only read with an hf: model
//   text       the input, UTF-8, at most kMaxTextBytes bytes      the demo sentence
//   pair       optional second text (BERT sentence pairs)         none
//   view       model | matrix | lines | neuron | rollout | stats  model
//              | compare
//   layer      0-based layer                                      0
//   head       0-based head                                       0
//   token      0-based pinned query token; -1 or none = none      none
//   cmap       viridis | magma | cividis | gray (grey)            viridis
//   scale      linear | sqrt | log                                linear
//   threshold  decimal in [0, 1]: weights below are drawn as 0    0
//   hide       1 | 0: hide special tokens ([CLS], [SEP], ...)     0
//   merge      tokens | chars (characters) | words                tokens
//   ko         knocked-out heads, comma-separated layer.head      none
//              pairs, 0-based: ko=0.3,2.5
//   embed      1 | 0: hide side panels (iframes in slides)        0
//   vs         a second model to compare with (the compare view): none
//              any form model= takes; it needs the same tokenizer
//              and shape as model= (else refused with a message)
//   vshash     the vs= model's files hash (user:<name>) or        none
//              revision (hf:<org/name>), as hash= / rev= above
//   vsrev      an hf: vs= model's revision (the page writes the    none
//              commit sha here, as rev= for model=); only read
//              with an hf:<org/name> vs= model
//   vsmetric   mean_abs | js: what the compare grid shows (mean    mean_abs
//              |a-b| of the two attention matrices, or the
//              Jensen-Shannon divergence per query row averaged)
//   lang       en | zh: the page's language (also en-US, zh-CN,   the browser's language
//              zh-Hans...; written back as en / zh)
//   z          the compact form, see below
// Booleans also accept true/false, yes/no, on/off, and a bare key (`&embed`) means 1. Keys and the words above are
// case-insensitive. Ranges against the model (layer < n_layers, ...) are checked by clamp_to_model.
// Encoding: UTF-8 bytes outside A-Z a-z 0-9 - . _ ~ are written as %XX, a space as %20 and '+' as %2B, so links read
// the same to decodeURIComponent and to URLSearchParams. Decoding also accepts raw UTF-8 and reads '+' as a space
// (form encoding, what people copy from query strings): a literal plus sign must be written %2B.
//
// Compact form, for long texts: `z=<URL-safe base64, no padding>` of one version byte (1), the payload's length as
// an unsigned LEB128 varint, then the payload compressed with a small LZ77 scheme (control byte c < 0x80: c+1
// literal bytes follow; c >= 0x80: copy (c & 0x7f) + 3 bytes from 1-65535 bytes back, offset as 2 bytes
// little-endian). The payload is the readable form with only '%', '&' and '+' percent-escaped (UTF-8 kept raw), so
// both forms go through the same key parser and open to the same state. Keys after z= in the same link override it.
//
// Lesson tours: repeated `step=` keys, then optionally `at=`:
//   #model=zh-bert-mini&text=...&step=view:model,say:Hello&step=view:matrix,layer:2,head:5,say:Look%2520here&at=1
//   step  one step: its value is percent-decoded once like every value, then split into key:value pairs at ',' and
//         at the first ':' of each pair, then each value is percent-decoded again. So a value holding ',' ':' '%'
//         '&' '#' or '+' is encoded twice in the link (a ',' as %252C); other values may be encoded once. Keys
//         (case-insensitive): text pair view layer head token cmap scale threshold hide merge ko (as above) and say
//         (the caption: plain text, **bold** and line breaks; at most kMaxCaptionBytes). A step's keys apply on top
//         of the step before it; step 0 on top of the link's own keys. At most kMaxTourSteps steps.
//   at    the current step, 0-based                              0
// A bad step (a key not in that list, e.g. model: a tour cannot load another model; a pair without ':'; a key twice;
// a value the key's parser refuses; a caption too long) is dropped with one notice naming the step (1-based, as
// the page shows it) and the problem; the other steps keep their order. at= beyond the tour starts at step 0 with a
// notice. The page writes steps with keys in the order above (say last), each value escaped (%XX) only for
// ',' ':' '%' '&' '#' '+', then the whole step percent-encoded like any value except ':' ',' and '*'.
//
// Decoding never fails: a bad value keeps the default (or the current value, apply_fragment) and adds one notice;
// unknown keys are listed in one notice; a key given twice keeps the last value (one notice); texts longer than
// kMaxTextBytes are cut (one notice); invalid %-escapes stay as typed and invalid UTF-8 becomes U+FFFD (one notice).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnviz {

enum class ViewKind { Model, Matrix, Lines, Neuron, Rollout, Stats, Compare };
enum class Colormap { Viridis, Magma, Cividis, Gray };
enum class Scale { Linear, Sqrt, Log };
enum class Merge { Tokens, Characters, Words };
// The compare view's measure of how much a head changed (analysis.h head_difference): mean |a - b| or Jensen-Shannon.
enum class CompareMetric { MeanAbs, Js };

// One attention head, 0-based.
struct HeadRef {
  int layer = 0;
  int head = 0;
  bool operator==(const HeadRef& o) const { return layer == o.layer && head == o.head; }
  bool operator<(const HeadRef& o) const { return layer != o.layer ? layer < o.layer : head < o.head; }
};

constexpr size_t kMaxTextBytes = 20000;        // text and pair each; longer ones are cut at a character boundary
constexpr size_t kMaxFragmentBytes = 400000;   // beyond this a fragment is ignored from that point on
constexpr size_t kMaxCompactBytes = 200000;    // decompressed size limit of z=
constexpr int kMaxIndex = 99999;               // layer/head/token values above are refused before any model check
constexpr size_t kMaxKnockedOut = 4096;        // ko= entries kept
constexpr size_t kMaxTourSteps = 100;          // step= keys kept (the rest dropped with a notice)
constexpr size_t kMaxCaptionBytes = 4000;      // say: captions longer than this make their step bad

// One step of a lesson tour: the link keys it changes and its caption.
struct TourStep {
  // (key, value) pairs, keys from kTourStepKeys (not "say") in that order, each at most once; values in the canonical
  // form the encoder writes ("layer" -> "2", "view" -> "matrix", "token" -> "none" or "3", "ko" -> "0.3,2.5").
  std::vector<std::pair<std::string, std::string>> keys;
  std::string say;  // the caption, valid UTF-8, '\n' for line breaks; may be empty
  bool operator==(const TourStep& o) const { return keys == o.keys && say == o.say; }
};

// The keys a step may hold, in the order the page writes them.
extern const char* const kTourStepKeys[13];  // text pair view layer head token cmap scale threshold hide merge ko say

struct ViewState {
  std::string model = "zh-bert-mini";  // a built-in model name, or "user:<name>" for one loaded from files
  std::string model_hash;              // user models: hash of the files (hex), so a link can check them;
                                       // hf: models: the revision (commit sha), link key rev=
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
  std::vector<HeadRef> knocked_out;    // heads switched off, sorted, unique (normalize_knocked_out)
  bool embed = false;                  // hide side panels (iframes in slides)
  std::string lang;                    // "en" | "zh" | "" (none: the browser's language), link key lang=
  std::vector<TourStep> tour;          // lesson tour (empty = none); the fields above are the link's own keys
  int at = 0;                          // current tour step, 0-based (0 when there is no tour)
  std::string vs;                      // compare with this model (link key vs=; "" = no comparison), same forms as model
  std::string vs_hash;                 // its files hash (user:, link key vshash=) or revision (hf:, link key vsrev=)
  CompareMetric compare_metric = CompareMetric::MeanAbs;  // the compare grid's measure, link key vsmetric=

  bool operator==(const ViewState& o) const;
  bool operator!=(const ViewState& o) const { return !(*this == o); }
};

const char* view_name(ViewKind v);      // "model", "matrix", "lines", "neuron", "rollout", "stats", "compare"
const char* colormap_name(Colormap c);  // "viridis", "magma", "cividis", "gray"
const char* scale_name(Scale s);        // "linear", "sqrt", "log"
const char* merge_name(Merge m);        // "tokens", "chars", "words"

// The built-in model names, in menu order; the first is the default.
const std::vector<std::string>& builtin_models();

// Readable form: "model=zh-bert-mini&text=%E5%BC%A0...&view=matrix&layer=2&head=3&token=4&cmap=magma..."
// (model and text always written, other keys only when not at their defaults). No leading '#'.
std::string encode_fragment(const ViewState& s);
// Compact form for long texts: "z=<URL-safe base64 of the LZ77-packed state>" (format above). No leading '#'.
std::string encode_fragment_compact(const ViewState& s);

struct DecodeResult {
  ViewState state;                    // defaults where a value was missing or bad
  std::vector<std::string> notices;   // one human-readable line per thing ignored ("layer=abc is not ...")
};

// Parses either form (with or without a leading '#'; a '?' or '/' after it is skipped too). Never fails: bad parts fall back to defaults with a notice.
// Range checks against the model (layer < n_layers, ...) happen in the app once the model is known, via clamp_to_model.
DecodeResult decode_fragment(const std::string& fragment);

// As decode_fragment, but changes only the keys the fragment names, on top of *s (window.attnviz.setState, links
// that change one thing). A bad value leaves that field as it was. Returns the notices.
std::vector<std::string> apply_fragment(const std::string& fragment, ViewState* s);

// Clamps layer/head/token/knocked_out to a model's shape, appending a notice for each value that was out of range:
// layer/head outside the model go to the default 0, a token beyond the input is unpinned, knocked-out heads outside
// the model are dropped. n_layers/n_heads <= 0 skips those checks; n_tokens < 0 skips the token check.
void clamp_to_model(ViewState* s, int n_layers, int n_heads, int n_tokens, std::vector<std::string>* notices);

// Sorts knocked_out and removes duplicates.
void normalize_knocked_out(ViewState* s);
// Model::RunOptions.head_mask from knocked_out: (n_layers * n_heads), 1 = knocked out; heads outside are skipped.
// Empty when nothing in range is knocked out.
std::vector<uint8_t> head_mask_from(const ViewState& s, int n_layers, int n_heads);

// Lesson tours (format above). The state of step k of base.tour: steps 0..k applied in turn on top of base's own
// keys; the result keeps base.tour and has at = k (k is clamped into the tour; no tour: base itself).
ViewState tour_step_state(const ViewState& base, int k);
// The step that takes `from` to `to`: the step keys whose values differ (model, hash and embed are not step keys and
// are ignored), with caption `say`.
TourStep tour_step_between(const ViewState& from, const ViewState& to, const std::string& say);
// Parses one step as it stands after the link's own percent-decoding ("view:matrix,layer:2,say:Hi"). False with
// *why (what is wrong, for a notice) when the step is bad; never throws.
bool parse_tour_step(std::string_view step, TourStep* out, std::string* why);
// One step as the link's step= value after decoding (the inverse of parse_tour_step).
std::string format_tour_step(const TourStep& step);
// Hub ids: "name" or "org/name", each part 1-96 of [A-Za-z0-9-_.] not starting with '-' or '.'. parse_hub_id
// also splits an "@revision" suffix into *rev ("" when none); false when the id or the revision is malformed.
bool parse_hub_id(std::string_view text, std::string* id, std::string* rev);
// A revision: 1-128 of [A-Za-z0-9-_./], no "..", not starting with '/' (commit sha, branch or tag name).
bool is_hub_revision(std::string_view rev);
inline bool is_hub_model(const std::string& m) { return m.size() > 3 && m.compare(0, 3, "hf:") == 0; }

// Percent-encoding used by encode_fragment (exposed for the page's "copy link" and for tests).
std::string percent_encode(const std::string& utf8);

}  // namespace attnviz
