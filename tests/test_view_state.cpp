// Tests for src/app/view_state: the share-link codec. Hand-written teacher links, round trips of hand-built and
// random states through both forms, every kind of broken link with its notice, and clamp_to_model.
#include <doctest.h>

#include <random>
#include <string>
#include <vector>

#include "test_paths.h"
#include "view_state.h"

using attnviz::DecodeResult;
using attnviz::HeadRef;
using attnviz::ViewState;

namespace {

std::string all_notices(const std::vector<std::string>& notices) {
  std::string s;
  for (const auto& n : notices) s += "[" + n + "] ";
  return s;
}

// Decodes and expects exactly one notice that contains `needle`.
DecodeResult decode_with_notice(const std::string& fragment, const std::string& needle) {
  DecodeResult r = attnviz::decode_fragment(fragment);
  INFO("fragment: " << fragment.substr(0, 200) << "  notices: " << all_notices(r.notices));
  CHECK(r.notices.size() == 1);
  if (!r.notices.empty()) CHECK(r.notices[0].find(needle) != std::string::npos);
  return r;
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

void append_utf8(std::string* s, uint32_t cp) {
  if (cp < 0x80) {
    s->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    s->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Text a user might paste: ASCII with the link's own delimiters, Chinese, emoji, accents, newlines, tabs.
std::string random_text(std::mt19937* rng, int max_chars) {
  static const uint32_t kTricky[] = {'&', '=', '#', '%', '+', ' ', '\n', '\t', '?', '/', ',', '.', '~', '-', '_',
                                     '\'', '"', '<', '>', '\\', 0x3000, 0xFF0C, 0x3002, 0xFFFD, 0xFEFF, 0x200B};
  std::uniform_int_distribution<int> length(0, max_chars);
  std::uniform_int_distribution<int> kind(0, 6);
  std::string s;
  const int n = length(*rng);
  for (int i = 0; i < n; ++i) {
    uint32_t cp = 0;
    switch (kind(*rng)) {
      case 0: cp = std::uniform_int_distribution<uint32_t>(0x20, 0x7E)(*rng); break;
      case 1: cp = kTricky[std::uniform_int_distribution<size_t>(0, std::size(kTricky) - 1)(*rng)]; break;
      case 2: case 3: cp = std::uniform_int_distribution<uint32_t>(0x4E00, 0x9FFF)(*rng); break;  // CJK
      case 4: cp = std::uniform_int_distribution<uint32_t>(0x1F300, 0x1F6FF)(*rng); break;        // emoji
      case 5: cp = std::uniform_int_distribution<uint32_t>(0xA0, 0x24F)(*rng); break;             // Latin
      default: cp = std::uniform_int_distribution<uint32_t>(0x1, 0xD7FF)(*rng); break;           // anything BMP
    }
    append_utf8(&s, cp);
  }
  return s;
}

ViewState random_view(std::mt19937* rng) {
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(*rng); };
  ViewState s;
  const int m = pick(5);
  if (m < 3) {
    s.model = attnviz::builtin_models()[m];
  } else if (m == 4) {  // a hub model, with or without its org and commit sha
    static const char kName[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
    auto part = [&] {
      std::string p(1, kName[pick(62)]);
      const int n = pick(96);
      for (int i = 0; i < n; ++i) p += kName[pick(65)];
      return p;
    };
    s.model = "hf:" + (pick(2) ? part() + "/" : std::string()) + part();
    if (pick(2)) {
      static const char kHex[] = "0123456789abcdef";
      for (int i = 0; i < 40; ++i) s.model_hash += kHex[pick(16)];
    }
  } else {
    s.model = "user:" + random_text(rng, 10);
    // Names are 1-64 bytes of printable text without surrounding spaces.
    while (s.model.size() > 5 + 64) s.model.pop_back();
    std::string name = s.model.substr(5);
    for (char& c : name) {
      if (static_cast<unsigned char>(c) < 0x20) c = 'x';
    }
    while (!name.empty() && (name.back() == ' ' || static_cast<unsigned char>(name.back()) >= 0x80)) name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    if (name.empty()) name = "m";
    s.model = "user:" + name;
    if (pick(2)) {
      static const char kHex[] = "0123456789abcdefABCDEF";
      const int n = 1 + pick(64);
      for (int i = 0; i < n; ++i) s.model_hash += kHex[pick(22)];
    }
  }
  s.text = random_text(rng, pick(10) == 0 ? 3000 : 40);
  s.pair = pick(3) == 0 ? random_text(rng, 20) : "";
  s.view = static_cast<attnviz::ViewKind>(pick(6));
  s.layer = pick(3) ? pick(24) : pick(attnviz::kMaxIndex + 1);
  s.head = pick(16);
  s.token = pick(3) == 0 ? -1 : pick(600);
  s.colormap = static_cast<attnviz::Colormap>(pick(4));
  s.scale = static_cast<attnviz::Scale>(pick(3));
  const int t = pick(4);
  s.threshold = t == 0 ? 0.0f : t == 1 ? pick(21) * 0.05f : t == 2 ? 1.0f : std::uniform_real_distribution<float>(0, 1)(*rng);
  s.hide_special = pick(2);
  s.merge = static_cast<attnviz::Merge>(pick(3));
  for (int k = pick(6); k > 0; --k) s.knocked_out.push_back({pick(12), pick(12)});
  attnviz::normalize_knocked_out(&s);
  s.embed = pick(2);
  return s;
}

// A random view plus, one time in three, a random tour: each step a random subset of the keys that differ from
// another random view, with a random caption (the link's delimiters, Chinese, emoji, **bold**, line breaks).
ViewState random_state(std::mt19937* rng) {
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(*rng); };
  ViewState s = random_view(rng);
  if (pick(3) != 0) return s;
  const int n = 1 + pick(6);
  for (int k = 0; k < n; ++k) {
    attnviz::TourStep step = attnviz::tour_step_between(s, random_view(rng), "");
    std::vector<std::pair<std::string, std::string>> kept;
    for (auto& kv : step.keys)
      if (pick(3) == 0) kept.push_back(kv);
    step.keys = kept;
    step.say = pick(4) == 0 ? std::string() : random_text(rng, 60);
    if (pick(3) == 0) step.say += "**bold**\nline 2: a, b % c & d # e + f";
    s.tour.push_back(step);
  }
  s.at = pick(n);
  return s;
}

void check_round_trip(const ViewState& s) {
  const std::string readable = attnviz::encode_fragment(s);
  const std::string compact = attnviz::encode_fragment_compact(s);
  for (const std::string& f : {readable, "#" + readable, compact, "#" + compact}) {
    const DecodeResult r = attnviz::decode_fragment(f);
    INFO("fragment: " << f.substr(0, 300) << "  notices: " << all_notices(r.notices));
    CHECK(r.notices.empty());
    CHECK(r.state == s);
  }
  // Only characters that survive any URL handling: unreserved, '%XX', and the link's own '=', '&', ','.
  bool url_safe = true;
  for (char c : readable) {
    url_safe = url_safe && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~' || c == '%' || c == '=' || c == '&' || c == ',' ||
                            c == ':' || c == '*' || (c == '/' && attnviz::is_hub_model(s.model)));
  }
  CHECK(url_safe);
  CHECK(compact.compare(0, 2, "z=") == 0);
  for (size_t i = 2; i < compact.size(); ++i) {
    const char c = compact[i];
    url_safe = url_safe && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_');
  }
  CHECK(url_safe);
}

// A version-1 compact link whose payload is one literal run (<= 128 bytes), built here from the format in
// view_state.h rather than with the encoder under test.
std::string literal_compact(const std::string& payload) {
  std::string bytes = {1, static_cast<char>(payload.size()), static_cast<char>(payload.size() - 1)};
  bytes += payload;
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

}  // namespace

TEST_CASE("view_state: an empty link gives the defaults without notices") {
  for (const char* f : {"", "#", "&&", "#&"}) {
    const DecodeResult r = attnviz::decode_fragment(f);
    CHECK(r.notices.empty());
    CHECK(r.state == ViewState{});
  }
}

TEST_CASE("view_state: the readable form of the defaults, exactly") {
  const std::string f = attnviz::encode_fragment(ViewState{});
  CHECK(f == "model=zh-bert-mini&text=%E5%BC%A0%E4%B8%89%E5%9C%A8%E5%8C%97%E4%BA%AC%E5%A4%A7%E5%AD%A6%E8%AF%BB%E4%B9"
             "%A6%EF%BC%8C%E5%90%8E%E6%9D%A5%E5%8E%BB%E4%BA%86%E4%B8%8A%E6%B5%B7%E7%9A%84%E5%8D%8E%E4%B8%BA%E5%85%AC"
             "%E5%8F%B8%E5%B7%A5%E4%BD%9C%E3%80%82");
  ViewState s;
  s.text = "a b+c&d=e#f%g~h.i_j-k";
  s.view = attnviz::ViewKind::Matrix;
  s.layer = 2;
  s.head = 5;
  s.token = 3;
  s.colormap = attnviz::Colormap::Magma;
  s.scale = attnviz::Scale::Sqrt;
  s.threshold = 0.05f;
  s.hide_special = true;
  s.merge = attnviz::Merge::Characters;
  s.knocked_out = {{0, 3}, {2, 5}};
  s.embed = true;
  CHECK(attnviz::encode_fragment(s) ==
        "model=zh-bert-mini&text=a%20b%2Bc%26d%3De%23f%25g~h.i_j-k&view=matrix&layer=2&head=5&token=3&cmap=magma"
        "&scale=sqrt&threshold=0.05&hide=1&merge=chars&ko=0.3,2.5&embed=1");
}

TEST_CASE("view_state: links as a teacher types them") {
  const DecodeResult r = attnviz::decode_fragment(
      "#model=zh-bert-mini&text=%E5%BA%8A%E5%89%8D%E6%98%8E%E6%9C%88%E5%85%89&view=matrix&layer=2&head=5&token=3");
  CHECK(r.notices.empty());
  CHECK(r.state.model == "zh-bert-mini");
  CHECK(r.state.text == "床前明月光");
  CHECK(r.state.view == attnviz::ViewKind::Matrix);
  CHECK(r.state.layer == 2);
  CHECK(r.state.head == 5);
  CHECK(r.state.token == 3);
  CHECK(r.state.pair.empty());

  // Raw UTF-8 (what a browser's address bar shows), '+' and %20 as spaces, keys and words in any case, bare flags.
  const DecodeResult t = attnviz::decode_fragment(
      "Model=GPT2-Mini&TEXT=The+cat%20sat 床前&pair=second&View=Lines&cmap=Grey&scale=LOG&merge=words&threshold=.5"
      "&hide=yes&ko=1.2, 0.0,1.2,&embed&token=none");
  INFO(all_notices(t.notices));
  CHECK(t.notices.empty());
  CHECK(t.state.model == "gpt2-mini");
  CHECK(t.state.text == "The cat sat 床前");
  CHECK(t.state.pair == "second");
  CHECK(t.state.view == attnviz::ViewKind::Lines);
  CHECK(t.state.colormap == attnviz::Colormap::Gray);
  CHECK(t.state.scale == attnviz::Scale::Log);
  CHECK(t.state.merge == attnviz::Merge::Words);
  CHECK(t.state.threshold == 0.5f);
  CHECK(t.state.hide_special);
  CHECK(t.state.knocked_out == std::vector<HeadRef>{{0, 0}, {1, 2}});
  CHECK(t.state.embed);
  CHECK(t.state.token == -1);

  // Query-string and router habits: "#?..." and "#/..." read the same.
  for (const char* f : {"#?view=matrix&layer=2", "#/view=matrix&layer=2", "?view=matrix&layer=2"}) {
    const DecodeResult q = attnviz::decode_fragment(f);
    CHECK(q.notices.empty());
    CHECK(q.state.view == attnviz::ViewKind::Matrix);
    CHECK(q.state.layer == 2);
  }
  // Every view name, and "characters" as a long form of chars.
  const char* views[] = {"model", "matrix", "lines", "neuron", "rollout", "stats"};
  for (int v = 0; v < 6; ++v) {
    const DecodeResult d = attnviz::decode_fragment(std::string("view=") + views[v] + "&merge=characters");
    CHECK(d.notices.empty());
    CHECK(static_cast<int>(d.state.view) == v);
    CHECK(d.state.merge == attnviz::Merge::Characters);
  }
  // A user model with its files' hash; the name keeps its case and may be Chinese.
  const DecodeResult u = attnviz::decode_fragment("model=user:My%20BERT%20%E4%B8%AD&hash=0123abcdEF");
  CHECK(u.notices.empty());
  CHECK(u.state.model == "user:My BERT 中");
  CHECK(u.state.model_hash == "0123abcdEF");
  // An empty text is a text (the user cleared the box); a missing one is the demo sentence.
  CHECK(attnviz::decode_fragment("text=").state.text.empty());
  CHECK(attnviz::decode_fragment("view=stats").state.text == ViewState{}.text);
}

TEST_CASE("view_state: Hugging Face model links (model=hf:..., rev=)") {
  const std::string sha = "8d8651829d385ae9a15c313dcbd6dce79f791ef8";
  const DecodeResult a = attnviz::decode_fragment("#model=hf:google-bert/bert-base-chinese&rev=" + sha + "&view=matrix");
  INFO(all_notices(a.notices));
  CHECK(a.notices.empty());
  CHECK(a.state.model == "hf:google-bert/bert-base-chinese");
  CHECK(a.state.model_hash == sha);
  CHECK(a.state.view == attnviz::ViewKind::Matrix);
  // Written readable (':' and '/' as they are), rev after model, and read back the same; compact too.
  const std::string f = attnviz::encode_fragment(a.state);
  CHECK(f.rfind("model=hf:google-bert/bert-base-chinese&rev=" + sha + "&text=", 0) == 0);
  CHECK(attnviz::decode_fragment(f).state == a.state);
  CHECK(attnviz::decode_fragment(attnviz::encode_fragment_compact(a.state)).state == a.state);
  // Percent-encoded, one-part ids, HF: in capitals, @revision in the id, a branch name; the id keeps its case.
  const DecodeResult b = attnviz::decode_fragment("model=HF%3Abert-base-chinese");
  CHECK(b.notices.empty());
  CHECK(b.state.model == "hf:bert-base-chinese");
  CHECK(b.state.model_hash.empty());
  const DecodeResult c = attnviz::decode_fragment("model=hf:OpenAI-Community/gpt2@v1.0");
  CHECK(c.notices.empty());
  CHECK(c.state.model == "hf:OpenAI-Community/gpt2");
  CHECK(c.state.model_hash == "v1.0");
  CHECK(attnviz::decode_fragment("model=hf:a/b&rev=refs/pr/1").state.model_hash == "refs/pr/1");
  // rev= names the revision even when the id had one; without a model it is refused; a later model= keeps it.
  CHECK(attnviz::decode_fragment("model=hf:a/b@main&rev=" + sha).state.model_hash == sha);
  ViewState cur;
  attnviz::apply_fragment("model=hf:a/b&rev=" + sha, &cur);
  CHECK(cur.model == "hf:a/b");
  CHECK(cur.model_hash == sha);
  // Bad ids and revisions: one notice each, defaults kept; nothing that looks like an address gets through.
  ViewState d;
  for (const char* bad : {"model=hf:", "model=hf:a/b/c", "model=hf:https://example.org/x", "model=hf:a%20b",
                          "model=hf:../x", "model=hf:-a/b", "model=hf:a/", "model=hf:/b", "model=hf:a@",
                          "model=hf:a@..%2Fx", "model=hf:%E4%B8%AD/b"}) {
    INFO(bad);
    CHECK(decode_with_notice(bad, "Hugging Face model").state.model == d.model);
  }
  CHECK(decode_with_notice(("model=hf:a/" + std::string(97, 'x')).c_str(), "Hugging Face").state.model == d.model);
  CHECK(decode_with_notice("model=hf:a/b&rev=..%2F..", "rev=").state.model_hash.empty());
  CHECK(decode_with_notice("model=hf:a/b&rev=a%20b", "rev=").state.model_hash.empty());
  CHECK(decode_with_notice("model=zh-bert-mini&rev=abc", "rev= only").state.model_hash.empty());
  CHECK(decode_with_notice("model=user:x&rev=abc", "rev= only").state.model_hash.empty());
  CHECK(decode_with_notice("model=hf:a/b&hash=abc", "hash= only").state.model_hash.empty());
  std::string id, rev;
  CHECK(attnviz::parse_hub_id("bert-base-chinese", &id, &rev));
  CHECK(id == "bert-base-chinese");
  CHECK(!attnviz::parse_hub_id("a/b c", &id, &rev));
  CHECK(attnviz::is_hub_revision(sha));
  CHECK(!attnviz::is_hub_revision(""));
}

TEST_CASE("view_state: a compact link made by hand opens") {
  // version 1, length 14, literal run "text=abc", then copy 6 bytes from 3 back.
  const DecodeResult r = attnviz::decode_fragment("#z=AQ4HdGV4dD1hYmODAwA");
  CHECK(r.notices.empty());
  CHECK(r.state.text == "abcabcabc");
  // The same state from both forms, and keys after z= override it.
  const DecodeResult m = attnviz::decode_fragment("z=AQsKdmlldz1tYXRyaXg&layer=4");
  CHECK(m.notices.empty());
  CHECK(m.state.view == attnviz::ViewKind::Matrix);
  CHECK(m.state.layer == 4);
  CHECK(m.state == attnviz::decode_fragment("view=matrix&layer=4").state);
  CHECK(attnviz::decode_fragment("z=" + literal_compact("view=matrix")).state.view == attnviz::ViewKind::Matrix);
  // Standard base64 padding is tolerated.
  CHECK(attnviz::decode_fragment("z=AQsKdmlldz1tYXRyaXg=").notices.empty());
}

TEST_CASE("view_state: hand-built states round-trip through both forms") {
  ViewState s;
  check_round_trip(s);
  s.text = "";
  check_round_trip(s);
  s.text = "The quick brown fox & the lazy dog = 100% + more #hash\nnew line\ttab 床前明月光，疑是地上霜。😀👍🏽";
  s.pair = "它是一只猫。";
  s.model = "user:my model";
  s.model_hash = "deadbeef0123";
  s.view = attnviz::ViewKind::Neuron;
  s.layer = 11;
  s.head = 7;
  s.token = 0;
  s.colormap = attnviz::Colormap::Cividis;
  s.scale = attnviz::Scale::Log;
  s.threshold = 0.1f;
  s.hide_special = true;
  s.merge = attnviz::Merge::Words;
  s.knocked_out = {{0, 0}, {0, 11}, {3, 2}};
  s.embed = true;
  check_round_trip(s);
  s.threshold = 1.0f;
  s.model = "gpt2-mini";
  s.model_hash.clear();
  s.view = attnviz::ViewKind::Rollout;
  check_round_trip(s);
  s.threshold = 1e-7f;  // written with an exponent
  s.view = attnviz::ViewKind::Stats;
  check_round_trip(s);
  // The longest text a link carries.
  s.text.clear();
  while (s.text.size() + 3 <= attnviz::kMaxTextBytes) s.text += "字";
  check_round_trip(s);
}

TEST_CASE("view_state: random states round-trip through both forms with no notices") {
  std::mt19937 rng(2024);
  for (int i = 0; i < 400; ++i) check_round_trip(random_state(&rng));
}

TEST_CASE("view_state: the compact form is shorter for long texts") {
  ViewState s;
  s.text.clear();
  for (int i = 0; i < 100; ++i) s.text += "张三在北京大学读书，后来去了上海的华为公司工作。";  // 2400 CJK characters
  const size_t readable = attnviz::encode_fragment(s).size();
  const size_t compact = attnviz::encode_fragment_compact(s).size();
  MESSAGE("2,400 repeated Chinese characters: readable " << readable << " bytes, compact " << compact);
  CHECK(compact * 10 < readable);  // repeats compress; 9 bytes of %XX per character become about 4/3
  // Non-repeating Chinese text still gains from raw UTF-8 in base64 (4 chars per 3 bytes vs 9).
  std::mt19937 rng(5);
  s.text.clear();
  for (int i = 0; i < 2000; ++i) {
    std::string c;
    append_utf8(&c, std::uniform_int_distribution<uint32_t>(0x4E00, 0x9FFF)(rng));
    s.text += c;
  }
  CHECK(attnviz::encode_fragment_compact(s).size() * 2 < attnviz::encode_fragment(s).size());
}

TEST_CASE("view_state: bad values fall back to defaults with one notice each") {
  ViewState d;
  CHECK(decode_with_notice("view=foo", "view=foo").state.view == d.view);
  CHECK(decode_with_notice("layer=-1", "layer=-1").state.layer == 0);
  CHECK(decode_with_notice("layer=abc", "layer=abc").state.layer == 0);
  CHECK(decode_with_notice("layer=", "layer=").state.layer == 0);
  CHECK(decode_with_notice("layer=2.5", "layer=2.5").state.layer == 0);
  CHECK(decode_with_notice("head=99999999999", "head=99999999999").state.head == 0);
  CHECK(decode_with_notice("head=100000", "head=100000").state.head == 0);
  CHECK(decode_with_notice("token=-2", "token=-2").state.token == -1);
  CHECK(decode_with_notice("cmap=rainbow", "cmap=rainbow").state.colormap == d.colormap);
  CHECK(decode_with_notice("scale=cubic", "scale=cubic").state.scale == d.scale);
  CHECK(decode_with_notice("merge=sentences", "merge=sentences").state.merge == d.merge);
  CHECK(decode_with_notice("hide=maybe", "hide=maybe").state.hide_special == false);
  CHECK(decode_with_notice("embed=2", "embed=2").state.embed == false);
  for (const char* t : {"threshold=2", "threshold=-0.1", "threshold=abc", "threshold=nan", "threshold=inf",
                        "threshold=0x1p-3", "threshold=0.5x", "threshold=1e999", "threshold="}) {
    CHECK(decode_with_notice(t, "threshold=").state.threshold == 0.0f);
  }
  CHECK(decode_with_notice("model=bert-large", "model=bert-large").state.model == d.model);
  CHECK(decode_with_notice("model=", "model=").state.model == d.model);
  CHECK(decode_with_notice("model=user:", "user model").state.model == d.model);
  CHECK(decode_with_notice("model=user:a%0Ab", "user model").state.model == d.model);
  CHECK(decode_with_notice("model=zh-bert-mini&hash=abc", "hash=").state.model_hash.empty());
  CHECK(decode_with_notice("model=user:x&hash=xyz", "hash=xyz").state.model_hash.empty());
  // Model names carry no addresses: a URL is just an unknown name.
  CHECK(decode_with_notice("model=https%3A%2F%2Fexample.org%2Fm.bin", "not a built-in model").state.model == d.model);
}

TEST_CASE("view_state: broken encodings keep what can be kept, with one notice") {
  // A UTF-8 sequence cut short: one replacement character.
  CHECK(decode_with_notice("text=%E4%B8", "not UTF-8").state.text == "\xEF\xBF\xBD");
  CHECK(decode_with_notice("text=a%E4%B8b", "not UTF-8").state.text == "a\xEF\xBF\xBD" "b");
  // Overlong form and a surrogate are not UTF-8 either.
  CHECK(decode_with_notice("text=%C0%AF", "2 byte sequences").state.text == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(decode_with_notice("text=%ED%A0%80", "not UTF-8").state.text == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // Raw invalid bytes in the fragment itself.
  CHECK(decode_with_notice(std::string("text=a\xFF" "b"), "not UTF-8").state.text == "a\xEF\xBF\xBD" "b");
  // Invalid %-escapes stay as typed.
  CHECK(decode_with_notice("text=%ZZ", "invalid %-escape").state.text == "%ZZ");
  CHECK(decode_with_notice("text=100%", "invalid %-escape").state.text == "100%");
  CHECK(decode_with_notice("text=50%25%20and%2", "invalid %-escape").state.text == "50% and%2");
  CHECK(decode_with_notice("pair=%G1%", "2 invalid %-escapes").state.pair == "%G1%");
  // An escape with a bad byte in the layer number is still a bad layer.
  const DecodeResult l = attnviz::decode_fragment("layer=%ZZ");
  CHECK(l.notices.size() == 2);
  CHECK(l.state.layer == 0);
}

TEST_CASE("view_state: duplicates, unknown keys and size limits") {
  CHECK(decode_with_notice("layer=1&layer=2", "appears 2 times").state.layer == 2);
  CHECK(decode_with_notice("text=a&view=lines&text=b&text=c", "appears 3 times").state.text == "c");
  const DecodeResult u = decode_with_notice("layr=2&foo&view=matrix&bar=%ZZ", "unknown");
  CHECK(u.notices[0].find("layr") != std::string::npos);
  CHECK(u.notices[0].find("foo") != std::string::npos);
  CHECK(u.state.view == attnviz::ViewKind::Matrix);
  CHECK(u.state.layer == 0);
  CHECK(decode_with_notice("==&=x&view=lines", "without a key").state.view == attnviz::ViewKind::Lines);

  // A 100 KB link: the text is cut at a character boundary to the limit.
  std::string big = "view=stats&text=";
  while (big.size() < 100000) big += "%E5%BA%8A";
  const DecodeResult b = decode_with_notice(big, "cut to the first 20000");
  CHECK(b.state.view == attnviz::ViewKind::Stats);
  CHECK(b.state.text.size() == 19998);  // 6666 characters of 3 bytes
  CHECK(valid_utf8(b.state.text));
  // Beyond kMaxFragmentBytes the rest is not read at all (and the text is still cut).
  std::string huge = "layer=3&text=";
  huge.append(attnviz::kMaxFragmentBytes, 'a');
  huge += "&head=2";
  const DecodeResult h = attnviz::decode_fragment(huge);
  CHECK(h.notices.size() == 2);
  CHECK(h.state.layer == 3);
  CHECK(h.state.head == 0);
  CHECK(h.state.text.size() == attnviz::kMaxTextBytes);
  // Many bad ko entries make one notice; too many good ones are capped.
  std::string ko = "ko=1.2";
  for (int i = 0; i < 1000; ++i) ko += ",x" + std::to_string(i);
  const DecodeResult k = decode_with_notice(ko, "1000 entries");
  CHECK(k.state.knocked_out == std::vector<HeadRef>{{1, 2}});
  std::string many = "ko=";
  for (int i = 0; i < 5000; ++i) many += std::to_string(i) + ".0,";
  const DecodeResult km = decode_with_notice(many, "first 4096");
  CHECK(km.state.knocked_out.size() == attnviz::kMaxKnockedOut);
  CHECK(decode_with_notice("ko=3", "layer.head").state.knocked_out.empty());
  CHECK(attnviz::decode_fragment("ko=2.5,0.3,2.5").state.knocked_out == std::vector<HeadRef>{{0, 3}, {2, 5}});
}

TEST_CASE("view_state: broken compact links") {
  CHECK(decode_with_notice("z=!!!!", "base64").state == ViewState{});
  CHECK(decode_with_notice("z=", "base64").state == ViewState{});
  CHECK(decode_with_notice("z=A", "base64").state == ViewState{});
  CHECK(decode_with_notice("z=AgsKdmlldz1tYXRyaXg", "version").state == ViewState{});
  CHECK(decode_with_notice("z=AQ", "length").state == ViewState{});
  CHECK(decode_with_notice("z=AQuDAQA", "back-reference").state == ViewState{});   // copy from before the start
  CHECK(decode_with_notice("z=Af___38A", "more than").state == ViewState{});       // claims 268 MB
  CHECK(decode_with_notice("z=AQsKdmlldz1tYXRy", "ends inside").state == ViewState{});  // cut short
  // z= inside z= is not followed.
  const DecodeResult nested = decode_with_notice("z=" + literal_compact("z=AQsKdmlldz1tYXRyaXg&head=3"), "another z=");
  CHECK(nested.state.head == 3);
  CHECK(nested.state.view == attnviz::ViewKind::Model);
  // Every truncation and every single-byte change of a valid compact link decodes without crashing.
  ViewState s;
  s.text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。 & = + % #";
  s.layer = 3;
  const std::string z = attnviz::encode_fragment_compact(s);
  for (size_t cut = 2; cut < z.size(); ++cut) {
    const DecodeResult r = attnviz::decode_fragment(z.substr(0, cut));
    CHECK(valid_utf8(r.state.text));
  }
  std::mt19937 rng(9);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int trial = 0; trial < 500; ++trial) {
    std::string m = z;
    m[2 + rng() % (m.size() - 2)] = alphabet[rng() % alphabet.size()];
    const DecodeResult r = attnviz::decode_fragment(m);
    CHECK(valid_utf8(r.state.text));
    CHECK(r.state.text.size() <= attnviz::kMaxTextBytes);
  }
}

TEST_CASE("view_state: random garbage never crashes and always yields a usable state") {
  std::mt19937 rng(77);
  const std::vector<std::string> pieces = {"model=", "text=", "pair=", "view=", "layer=", "head=", "token=", "z=",
                                           "cmap=",  "ko=",   "&",     "=",     "%",      "%E4",   "%B8",   "+",
                                           "#",      "\xFF",  "\xE4",  "1",     ".",      ",",     "-1",    "user:",
                                           "matrix", "AQ",    "hash=", "threshold=", "\n", "embed", "床",
                                           "step=",  "at=",   ":",     "say:",  "layer:", "%252C", "model:"};
  for (int trial = 0; trial < 2000; ++trial) {
    std::string f;
    const int n = static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) {
      if (rng() % 4 == 0) f.push_back(static_cast<char>(rng() & 0xFF));
      else f += pieces[rng() % pieces.size()];
    }
    const DecodeResult r = attnviz::decode_fragment(f);
    CHECK(valid_utf8(r.state.text));
    CHECK(valid_utf8(r.state.pair));
    CHECK(valid_utf8(r.state.model));
    CHECK(r.state.layer >= 0);
    CHECK(r.state.head >= 0);
    CHECK(r.state.token >= -1);
    for (const auto& notice : r.notices) CHECK(valid_utf8(notice));
    // Whatever was decoded encodes to a link that reads back the same, without notices.
    const DecodeResult again = attnviz::decode_fragment(attnviz::encode_fragment(r.state));
    CHECK(again.notices.empty());
    CHECK(again.state == r.state);
  }
}

TEST_CASE("view_state: apply_fragment changes only the keys it names") {
  ViewState s;
  s.view = attnviz::ViewKind::Matrix;
  s.layer = 3;
  s.text = "kept";
  auto notices = attnviz::apply_fragment("head=2&token=5", &s);
  CHECK(notices.empty());
  CHECK(s.view == attnviz::ViewKind::Matrix);
  CHECK(s.layer == 3);
  CHECK(s.head == 2);
  CHECK(s.token == 5);
  CHECK(s.text == "kept");
  notices = attnviz::apply_fragment("layer=abc&view=nope", &s);
  CHECK(notices.size() == 2);
  CHECK(s.layer == 3);  // a bad value leaves the field as it was
  CHECK(all_notices(notices).find("using layer 3") != std::string::npos);
  CHECK(all_notices(notices).find("using matrix") != std::string::npos);
  CHECK(s.view == attnviz::ViewKind::Matrix);
  // Naming a model resets the hash that belonged to the previous one.
  s.model = "user:x";
  s.model_hash = "abcd";
  attnviz::apply_fragment("model=gpt2-mini", &s);
  CHECK(s.model == "gpt2-mini");
  CHECK(s.model_hash.empty());
}

TEST_CASE("view_state: clamp_to_model") {
  ViewState s;
  s.layer = 99;
  s.head = 12;
  s.token = 40;
  s.knocked_out = {{0, 1}, {3, 11}, {4, 0}, {1, 12}};
  std::vector<std::string> notices;
  attnviz::clamp_to_model(&s, 4, 12, 10, &notices);
  CHECK(s.layer == 0);  // bad values fall back to the defaults (docs/INTERFACES.md)
  CHECK(s.head == 0);
  CHECK(s.token == -1);
  CHECK(s.knocked_out == std::vector<HeadRef>{{0, 1}, {3, 11}});
  REQUIRE(notices.size() == 4);
  CHECK(notices[0].find("layer=99") != std::string::npos);
  CHECK(notices[1].find("head=12") != std::string::npos);
  CHECK(notices[2].find("token=40") != std::string::npos);
  CHECK(notices[3].find("4.0, 1.12") != std::string::npos);
  // In range: nothing changes, no notices.
  ViewState ok;
  ok.layer = 3;
  ok.head = 11;
  ok.token = 9;
  ok.knocked_out = {{3, 11}};
  ViewState before = ok;
  notices.clear();
  attnviz::clamp_to_model(&ok, 4, 12, 10, &notices);
  CHECK(notices.empty());
  CHECK(ok == before);
  // Unknown shape (no model yet, no run yet) skips those checks.
  attnviz::clamp_to_model(&s, 0, 0, -1, &notices);
  CHECK(notices.empty());
  // Negative values fall back to the defaults too.
  s.layer = -4;
  s.token = -7;
  attnviz::clamp_to_model(&s, 4, 12, 10, &notices);
  CHECK(s.layer == 0);
  CHECK(s.token == -1);
  CHECK(notices.size() == 2);
}

TEST_CASE("view_state: head_mask_from") {
  ViewState s;
  CHECK(attnviz::head_mask_from(s, 2, 3).empty());
  s.knocked_out = {{0, 2}, {1, 0}, {5, 5}};
  CHECK(attnviz::head_mask_from(s, 2, 3) == std::vector<uint8_t>{0, 0, 1, 1, 0, 0});
  s.knocked_out = {{5, 5}};
  CHECK(attnviz::head_mask_from(s, 2, 3).empty());
}

TEST_CASE("view_state: percent_encode") {
  CHECK(attnviz::percent_encode("") == "");
  CHECK(attnviz::percent_encode("aZ09-._~") == "aZ09-._~");
  CHECK(attnviz::percent_encode(" +&=#%/?") == "%20%2B%26%3D%23%25%2F%3F");
  CHECK(attnviz::percent_encode("床") == "%E5%BA%8A");
  CHECK(attnviz::percent_encode("😀") == "%F0%9F%98%80");
}

// ---- lesson tours -------------------------------------------------------------------------------------------------

namespace {

using attnviz::TourStep;
using KeyList = std::vector<std::pair<std::string, std::string>>;

// Decodes and expects exactly one notice, which contains every needle.
DecodeResult decode_with_notices(const std::string& fragment, std::initializer_list<const char*> needles) {
  DecodeResult r = attnviz::decode_fragment(fragment);
  INFO("fragment: " << fragment.substr(0, 200) << "  notices: " << all_notices(r.notices));
  CHECK(r.notices.size() == 1);
  for (const char* n : needles) CHECK(all_notices(r.notices).find(n) != std::string::npos);
  return r;
}

}  // namespace

TEST_CASE("tours: the issue's hand-written link opens to its steps") {
  const DecodeResult r = attnviz::decode_fragment(
      "#model=zh-bert-mini&text=%E5%BA%8A%E5%89%8D%E6%98%8E%E6%9C%88%E5%85%89"
      "&step=view:model,say:Every%20head%20at%20once"
      "&step=view:matrix,layer:2,head:5,token:3,say:Layer%202%252C%20head%205%253A%20**look**%250Ahere&at=0");
  INFO(all_notices(r.notices));
  CHECK(r.notices.empty());
  CHECK(r.state.text == "床前明月光");
  CHECK(r.state.view == attnviz::ViewKind::Model);  // the link's own keys stay the base
  REQUIRE(r.state.tour.size() == 2);
  CHECK(r.state.at == 0);
  CHECK(r.state.tour[0].keys == KeyList{{"view", "model"}});
  CHECK(r.state.tour[0].say == "Every head at once");
  CHECK(r.state.tour[1].keys == KeyList{{"view", "matrix"}, {"layer", "2"}, {"head", "5"}, {"token", "3"}});
  CHECK(r.state.tour[1].say == "Layer 2, head 5: **look**\nhere");
  const ViewState s1 = attnviz::tour_step_state(r.state, 1);
  CHECK(s1.view == attnviz::ViewKind::Matrix);
  CHECK(s1.layer == 2);
  CHECK(s1.head == 5);
  CHECK(s1.token == 3);
  CHECK(s1.text == "床前明月光");
  CHECK(s1.at == 1);
  CHECK(s1.tour == r.state.tour);
  const ViewState s0 = attnviz::tour_step_state(r.state, 0);
  CHECK(s0.view == attnviz::ViewKind::Model);
  CHECK(s0.layer == 0);
  CHECK(s0.at == 0);
  // at= picks the step; out-of-range k in tour_step_state is clamped.
  CHECK(attnviz::decode_fragment("step=layer:1&step=layer:2&at=1").state.at == 1);
  CHECK(attnviz::tour_step_state(r.state, 7).at == 1);
  CHECK(attnviz::tour_step_state(r.state, -3).at == 0);
}

TEST_CASE("tours: captions and values encoded once or twice, keys in any case, raw UTF-8") {
  // A caption without , : % & # + may be encoded once; raw UTF-8 and '+' as a space (both decodings) work too.
  const DecodeResult r = attnviz::decode_fragment(
      "step=SAY:%E7%9C%8B%E8%BF%99%E9%87%8C,View:Lines&step=say:raw 中文 ok,layer: 3 ,HIDE:yes,cmap:grey"
      "&step=say:50%25%20sure&step=text:a%252Cb%253Ac%2526d%2523e%252Bf%2525,say:");
  INFO(all_notices(r.notices));
  CHECK(r.notices.empty());
  REQUIRE(r.state.tour.size() == 4);
  CHECK(r.state.tour[0].say == "看这里");
  CHECK(r.state.tour[0].keys == KeyList{{"view", "lines"}});
  CHECK(r.state.tour[1].say == "raw 中文 ok");
  CHECK(r.state.tour[1].keys == KeyList{{"layer", "3"}, {"cmap", "gray"}, {"hide", "1"}});  // canonical order, values
  CHECK(r.state.tour[2].say == "50% sure");  // an invalid second escape stays as typed
  CHECK(r.state.tour[3].keys == KeyList{{"text", "a,b:c&d#e+f%"}});
  CHECK(r.state.tour[3].say.empty());
  CHECK(attnviz::tour_step_state(r.state, 3).text == "a,b:c&d#e+f%");
  // Every step key, and ko with its ',' encoded twice.
  const DecodeResult all = attnviz::decode_fragment(
      "step=text:x,pair:y,view:neuron,layer:1,head:2,token:none,cmap:magma,scale:log,threshold:0.25,hide:0,"
      "merge:words,ko:1.2%252C0.1");
  INFO(all_notices(all.notices));
  CHECK(all.notices.empty());
  REQUIRE(all.state.tour.size() == 1);
  CHECK(all.state.tour[0].keys.size() == 12);
  const ViewState s = attnviz::tour_step_state(all.state, 0);
  CHECK(s.text == "x");
  CHECK(s.pair == "y");
  CHECK(s.view == attnviz::ViewKind::Neuron);
  CHECK(s.token == -1);
  CHECK(s.scale == attnviz::Scale::Log);
  CHECK(s.threshold == 0.25f);
  CHECK(s.merge == attnviz::Merge::Words);
  CHECK(s.knocked_out == std::vector<HeadRef>{{0, 1}, {1, 2}});
}

TEST_CASE("tours: each step applies on top of the step before it") {
  const DecodeResult r =
      attnviz::decode_fragment("view=lines&layer=4&step=say:start&step=head:3&step=layer:1,cmap:magma&step=view:stats");
  CHECK(r.notices.empty());
  ViewState s = attnviz::tour_step_state(r.state, 0);
  CHECK(s.view == attnviz::ViewKind::Lines);
  CHECK(s.layer == 4);
  s = attnviz::tour_step_state(r.state, 1);
  CHECK((s.layer == 4 && s.head == 3));
  s = attnviz::tour_step_state(r.state, 2);
  CHECK((s.layer == 1 && s.head == 3 && s.colormap == attnviz::Colormap::Magma && s.view == attnviz::ViewKind::Lines));
  s = attnviz::tour_step_state(r.state, 3);
  CHECK((s.layer == 1 && s.head == 3 && s.colormap == attnviz::Colormap::Magma && s.view == attnviz::ViewKind::Stats));
}

TEST_CASE("tours: the page writes captions encoded twice where needed, exactly") {
  ViewState s;
  s.text = "ab";
  s.tour = {TourStep{{{"view", "matrix"}, {"layer", "2"}}, "Layer 2, head 0: 50% **here**\n#1 & +"},
            TourStep{{{"ko", "0.3,2.5"}}, ""}, TourStep{{}, ""}};
  s.at = 1;
  const std::string f = attnviz::encode_fragment(s);
  CHECK(f == "model=zh-bert-mini&text=ab&step=view:matrix,layer:2,say:Layer%202%252C%20head%200%253A%2050%2525%20"
             "**here**%0A%25231%20%2526%20%252B&step=ko:0.3%252C2.5&step=say:&at=1");
  const DecodeResult r = attnviz::decode_fragment(f);
  CHECK(r.notices.empty());
  CHECK(r.state == s);
  // format_tour_step is the inverse of parse_tour_step.
  for (const TourStep& step : s.tour) {
    TourStep back;
    std::string why;
    CHECK(attnviz::parse_tour_step(attnviz::format_tour_step(step), &back, &why));
    CHECK(back == step);
  }
}

TEST_CASE("tours: hand-built tours round-trip through both forms, and z= carries them") {
  ViewState s;
  s.text = "The cat sat on the mat.";
  s.model = "gpt2-mini";
  s.tour.push_back(TourStep{{}, "**Welcome.** Every head, every layer."});
  s.tour.push_back(TourStep{{{"view", "matrix"}, {"layer", "3"}, {"head", "1"}}, "一个头：看前一个词。\n第二行"});
  s.tour.push_back(TourStep{{{"text", "床前明月光，疑是地上霜。 & = + % # , :"}, {"token", "none"}}, "a, b: c"});
  s.at = 2;
  check_round_trip(s);
  s.embed = true;
  s.at = 0;
  check_round_trip(s);
  // The compact form holds the steps (a hand-built one too), and steps after z= replace the ones inside.
  CHECK(attnviz::decode_fragment(attnviz::encode_fragment_compact(s)).state.tour == s.tour);
  const DecodeResult z = attnviz::decode_fragment("z=" + literal_compact("step=layer:1,say:a%252Cb&step=head:2&at=1"));
  INFO(all_notices(z.notices));
  CHECK(z.notices.empty());
  REQUIRE(z.state.tour.size() == 2);
  CHECK(z.state.tour[0].say == "a,b");
  CHECK(z.state.at == 1);
  const DecodeResult over = attnviz::decode_fragment(attnviz::encode_fragment_compact(s) + "&step=view:stats");
  CHECK(over.notices.empty());
  CHECK(over.state.tour.size() == 1);
  // The longest caption a step holds.
  s.tour[0].say = std::string(attnviz::kMaxCaptionBytes, 'x');
  check_round_trip(s);
}

TEST_CASE("tours: tour_step_between records only the keys that changed") {
  ViewState a, b;
  CHECK(attnviz::tour_step_between(a, b, "same").keys.empty());
  b.view = attnviz::ViewKind::Matrix;
  b.layer = 2;
  b.token = 4;
  b.model = "gpt2-mini";  // not a step key
  b.embed = true;         // nor this
  b.knocked_out = {{1, 1}};
  const TourStep st = attnviz::tour_step_between(a, b, "c");
  CHECK(st.keys == KeyList{{"view", "matrix"}, {"layer", "2"}, {"token", "4"}, {"ko", "1.1"}});
  CHECK(st.say == "c");
  ViewState back = b;
  back.token = -1;
  back.knocked_out.clear();
  CHECK(attnviz::tour_step_between(b, back, "").keys == KeyList{{"token", "none"}, {"ko", ""}});
  // Replaying recorded steps gives the recorded states.
  std::mt19937 rng(31);
  for (int trial = 0; trial < 100; ++trial) {
    ViewState base = random_view(&rng);
    base.tour.clear();
    std::vector<ViewState> wanted;
    ViewState prev = base;
    for (int k = 0; k < 4; ++k) {
      ViewState next = random_view(&rng);
      base.tour.push_back(attnviz::tour_step_between(prev, next, "step"));
      wanted.push_back(next);
      prev = next;
    }
    for (int k = 0; k < 4; ++k) {
      const ViewState got = attnviz::tour_step_state(base, k);
      CHECK(attnviz::tour_step_between(got, wanted[k], "").keys.empty());
    }
  }
}

TEST_CASE("tours: bad steps are dropped with a notice naming the step and the problem") {
  struct Bad {
    const char* step;
    std::initializer_list<const char*> needles;
  };
  const Bad bad[] = {
      {"model:gpt2-mini,say:hi", {"tour step 2", "cannot change the model"}},
      {"hash:abcd", {"tour step 2", "cannot change the model"}},
      {"embed:1", {"tour step 2", "\"embed\" is not a step key"}},
      {"url:https%253A%252F%252Fexample.org", {"tour step 2", "\"url\" is not a step key"}},
      {"at:1", {"tour step 2", "not a step key"}},
      {"layer", {"tour step 2", "not key:value"}},
      {"ko:1.2,3.4", {"tour step 2", "\"3.4\" is not key:value", "%252C"}},
      {"layer:1,layer:2", {"tour step 2", "layer appears twice"}},
      {"say:a,say:b", {"tour step 2", "say appears twice"}},
      {"layer:abc", {"tour step 2", "layer:abc is not a 0-based number"}},
      {"layer:-2", {"tour step 2", "layer:-2"}},
      {"view:matrx", {"tour step 2", "view:matrx is not one of"}},
      {"threshold:2", {"tour step 2", "threshold:2 is not a number from 0 to 1"}},
      {"hide:", {"tour step 2", "hide: is not 1 or 0"}},
      {"ko:1.x", {"tour step 2", "layer.head"}},
      {"text:%25E4", {"tour step 2", "not UTF-8"}},
  };
  for (const Bad& b : bad) {
    const DecodeResult r =
        decode_with_notices(std::string("view=lines&step=layer:1&step=") + b.step + "&step=head:2&at=1", b.needles);
    // The good steps keep their order; at=1 now names the step after the dropped one.
    REQUIRE(r.state.tour.size() == 2);
    CHECK(r.state.tour[0].keys == KeyList{{"layer", "1"}});
    CHECK(r.state.tour[1].keys == KeyList{{"head", "2"}});
    CHECK(r.state.at == 1);
    CHECK(r.state.view == attnviz::ViewKind::Lines);
  }
  // A too-long caption, a too-long text.
  decode_with_notices("step=say:" + std::string(attnviz::kMaxCaptionBytes + 1, 'x'), {"tour step 1", "4001 bytes"});
  std::string long_text = "step=text:";
  long_text.append(attnviz::kMaxTextBytes + 1, 'x');
  CHECK(decode_with_notices(long_text, {"tour step 1", "cut to"}).state.tour.empty());
  // Too many steps: the first kMaxTourSteps are kept, one notice.
  std::string many;
  for (size_t i = 0; i < attnviz::kMaxTourSteps + 5; ++i) many += "&step=layer:" + std::to_string(i % 10);
  CHECK(decode_with_notices(many, {"more than 100 steps", "last 5"}).state.tour.size() == attnviz::kMaxTourSteps);
  // at= problems: not a number, beyond the tour, without a tour; all start at step 0.
  CHECK(decode_with_notices("step=layer:1&step=layer:2&at=x", {"at=x is not a 0-based step number"}).state.at == 0);
  CHECK(decode_with_notices("step=layer:1&step=layer:2&at=2", {"at=2 is beyond the tour's 2 steps"}).state.at == 0);
  CHECK(decode_with_notices("layer=3&at=1", {"at=1", "no (usable) step="}).state.at == 0);
  CHECK(decode_with_notices("step=model:gpt2-mini&at=0", {"cannot change the model"}).notices.size() == 1);
  // An invalid escape in the step itself is kept as typed, with a notice; the step stays.
  const DecodeResult esc = decode_with_notices("step=say:100%ZZ", {"tour step 1", "invalid %-escape"});
  REQUIRE(esc.state.tour.size() == 1);
  CHECK(esc.state.tour[0].say == "100%ZZ");
  // An empty step is a step (a caption-less stop); empty pairs are harmless.
  const DecodeResult empty = attnviz::decode_fragment("step=&step=,,layer:2,");
  CHECK(empty.notices.empty());
  CHECK(empty.state.tour.size() == 2);
  // The notice quotes a hostile step safely: short, valid UTF-8, no control characters.
  const DecodeResult h = attnviz::decode_fragment("step=zz:%0A%0D" + std::string(200, 'y') + "\xFF");
  REQUIRE(h.notices.size() == 1);
  CHECK(valid_utf8(h.notices[0]));
  CHECK(h.notices[0].size() < 300);
  CHECK(h.notices[0].find('\n') == std::string::npos);
}

TEST_CASE("tours: apply_fragment replaces the tour only when the fragment has steps; at= moves") {
  ViewState s = attnviz::decode_fragment("step=layer:1&step=layer:2&step=layer:3").state;
  REQUIRE(s.tour.size() == 3);
  CHECK(attnviz::apply_fragment("at=2", &s).empty());
  CHECK(s.at == 2);
  CHECK(s.tour.size() == 3);
  CHECK(attnviz::apply_fragment("view=matrix", &s).empty());
  CHECK((s.at == 2 && s.tour.size() == 3));
  CHECK(attnviz::apply_fragment("step=head:1", &s).empty());
  CHECK((s.at == 0 && s.tour.size() == 1));
}
