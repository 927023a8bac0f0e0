// Tests of the predictions panel's pure helpers (top-k, LM positions, BIO spans, text edits, byte-level decoding)
// and of the export formats (JSON, CSV, PNG round trip through a small inflate written here).
#include <doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "export.h"
#include "predictions.h"
#include "test_paths.h"

using namespace attnviz;

TEST_CASE("top_k_softmax: probabilities over the whole row, best first") {
  std::vector<float> logits = {1.0f, 3.0f, 2.0f, 3.0f, -1.0f};
  auto top = top_k_softmax(logits.data(), 5, 3);
  REQUIRE(top.size() == 3);
  CHECK(top[0].id == 1);  // tie with id 3: lower id first
  CHECK(top[1].id == 3);
  CHECK(top[2].id == 2);
  double sum = 0;
  for (float l : logits) sum += std::exp(l);
  CHECK(top[0].prob == doctest::Approx(std::exp(3.0) / sum).epsilon(1e-6));
  CHECK(top[2].prob == doctest::Approx(std::exp(2.0) / sum).epsilon(1e-6));
  CHECK(top[2].logit == 2.0f);
  CHECK(top_k_softmax(logits.data(), 5, 10).size() == 5);
  CHECK(top_k_softmax(nullptr, 5, 3).empty());
  // Large logits do not overflow.
  std::vector<float> big = {1000.0f, 999.0f};
  auto t2 = top_k_softmax(big.data(), 2, 2);
  CHECK(t2[0].prob == doctest::Approx(1.0 / (1.0 + std::exp(-1.0))).epsilon(1e-6));
  CHECK(t2[0].prob + t2[1].prob == doctest::Approx(1.0f));
}

TEST_CASE("lm_positions_for: [MASK] positions for BERT, the last token for GPT-2") {
  std::vector<int32_t> ids = {101, 5, 103, 7, 103, 102};
  CHECK(lm_positions_for(HeadKind::MaskedLM, ids, 103) == std::vector<int>{2, 4});
  CHECK(lm_positions_for(HeadKind::MaskedLM, ids, -1).empty());
  CHECK(lm_positions_for(HeadKind::CausalLM, ids, -1) == std::vector<int>{5});
  CHECK(lm_positions_for(HeadKind::CausalLM, {}, -1).empty());
  CHECK(lm_positions_for(HeadKind::TokenClassification, ids, 103).empty());
  CHECK(lm_positions_for(HeadKind::None, ids, 103).empty());
}

TEST_CASE("parse_bio_label") {
  CHECK(parse_bio_label("B-PER").prefix == 'B');
  CHECK(parse_bio_label("B-PER").type == "PER");
  CHECK(parse_bio_label("I-LOC").prefix == 'I');
  CHECK(parse_bio_label("I-LOC").type == "LOC");
  CHECK(parse_bio_label("O").prefix == 'O');
  CHECK(parse_bio_label("O").type.empty());
  CHECK(parse_bio_label("S-ORG").prefix == 'B');
  CHECK(parse_bio_label("E-ORG").prefix == 'I');
  CHECK(parse_bio_label("LABEL_3").prefix == 'O');
  CHECK(parse_bio_label("").prefix == 'O');
  CHECK(parse_bio_label("X-").prefix == 'O');
}

TEST_CASE("bio_spans: the README's example sentence gives 张三 PER, 北京大学 ORG, 上海 LOC, 华为公司 ORG") {
  // Tags of zh-bert-ner-mini on "张三在北京大学读书，后来去了上海的华为公司工作。" (tests/data/zh-bert-ner-mini.expected.json).
  std::string json_text;
  REQUIRE(attnviz_test::read_file(attnviz_test::data_dir() + "/zh-bert-ner-mini.expected.json", &json_text));
  auto j = nlohmann::json::parse(json_text, nullptr, false);
  REQUIRE(!j.is_discarded());
  REQUIRE(j.contains("case0"));
  const auto& c = j["case0"];
  REQUIRE(c["tags"].is_array());
  std::vector<std::string> labels = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"};
  std::vector<int> ids;
  for (const auto& t : c["tags"]) {
    REQUIRE(t.is_string());
    int id = -1;
    for (size_t k = 0; k < labels.size(); ++k)
      if (labels[k] == t.get<std::string>()) id = static_cast<int>(k);
    REQUIRE(id >= 0);
    ids.push_back(id);
  }
  std::vector<uint8_t> special(ids.size(), 0);
  special.front() = special.back() = 1;
  auto spans = bio_spans(ids, {}, labels, special);
  REQUIRE(spans.size() == 4);
  CHECK(spans[0].begin == 1);
  CHECK(spans[0].end == 3);
  CHECK(spans[0].type == "PER");
  CHECK(spans[1].begin == 4);
  CHECK(spans[1].end == 8);
  CHECK(spans[1].type == "ORG");
  CHECK(spans[2].begin == 15);
  CHECK(spans[2].end == 17);
  CHECK(spans[2].type == "LOC");
  CHECK(spans[3].begin == 18);
  CHECK(spans[3].end == 22);
  CHECK(spans[3].type == "ORG");
  CHECK(spans[3].score == doctest::Approx(1.0f));
}

TEST_CASE("bio_spans: lenient starts, type changes, special tokens, scores") {
  std::vector<std::string> labels = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"};
  //                       0  1  2  3  4  5  6  7
  std::vector<int> ids = {2, 2, 4, 1, 1, 2, 0, 2};
  std::vector<float> p = {0.5f, 0.9f, 0.7f, 0.8f, 0.6f, 0.4f, 0.9f, 0.3f};
  std::vector<uint8_t> special = {1, 0, 0, 0, 0, 0, 0, 0};
  auto s = bio_spans(ids, p, labels, special);
  // [CLS] tagged I-PER is ignored; I-PER at 1 opens a span; I-LOC at 2 opens another; B-PER at 3, B-PER at 4
  // (a new span) continued by I-PER at 5; O; I-PER at 7 opens a last span.
  REQUIRE(s.size() == 5);
  CHECK((s[0].begin == 1 && s[0].end == 2 && s[0].type == "PER"));
  CHECK((s[1].begin == 2 && s[1].end == 3 && s[1].type == "LOC"));
  CHECK((s[2].begin == 3 && s[2].end == 4 && s[2].type == "PER"));
  CHECK((s[3].begin == 4 && s[3].end == 6 && s[3].type == "PER"));
  CHECK(s[3].score == doctest::Approx(0.5f));
  CHECK((s[4].begin == 7 && s[4].end == 8));
  // A label id out of range reads as O.
  CHECK(bio_spans({9, 9}, {}, labels, {}).empty());
}

TEST_CASE("argmax_rows: label and its softmax probability per row") {
  std::vector<float> logits = {0.0f, 2.0f, 0.0f,   // row 0 -> 1
                               5.0f, 5.0f, -1.0f};  // row 1 -> 0 (first of a tie)
  std::vector<int> ids;
  std::vector<float> probs;
  argmax_rows(logits.data(), 2, 3, &ids, &probs);
  CHECK(ids == std::vector<int>{1, 0});
  CHECK(probs[0] == doctest::Approx(std::exp(2.0) / (2 + std::exp(2.0))));
  CHECK(probs[1] == doctest::Approx(std::exp(5.0) / (2 * std::exp(5.0) + std::exp(-1.0))));
}

TEST_CASE("mask_span replaces one token's bytes") {
  std::string t = "床前明月光，疑是地上霜。";
  // 光 is bytes [12, 15).
  CHECK(mask_span(&t, 12, 15));
  CHECK(t == "床前明月[MASK]，疑是地上霜。");
  CHECK_FALSE(mask_span(&t, 0, 0));
  CHECK_FALSE(mask_span(&t, 5, 4));
  CHECK_FALSE(mask_span(&t, 0, 1000));
  CHECK(t == "床前明月[MASK]，疑是地上霜。");
}

TEST_CASE("byte_level_decode and utf8_complete") {
  CHECK(byte_level_decode("\xC4\xA0the") == " the");       // Ġthe
  CHECK(byte_level_decode("\xC4\x8A") == "\n");            // Ċ
  CHECK(byte_level_decode("<|endoftext|>") == "<|endoftext|>");
  // "è¯»" is GPT-2's byte-level spelling of 读 (E8 AF BB).
  CHECK(byte_level_decode("\xC3\xA8\xC2\xAF\xC2\xBB") == "读");
  // "åħ¶äºĮ" = 其二.
  CHECK(byte_level_decode("\xC3\xA5\xC4\xA7\xC2\xB6\xC3\xA4\xC2\xBA\xC4\xAE") == "其二");
  CHECK(utf8_complete("读书 ok"));
  CHECK(utf8_complete(""));
  CHECK_FALSE(utf8_complete("\xE8\xAF"));  // a cut character: not safe to append
  CHECK_FALSE(utf8_complete("\xAF"));
  CHECK_FALSE(utf8_complete(byte_level_decode("\xC3\xA8\xC2\xAF")));
}

namespace {

AttentionExport small_export(std::vector<float>* store) {
  // 2 layers, 2 heads, T = 3, value = layer*1000 + head*100 + q*10 + k (scaled down).
  store->resize(2 * 2 * 3 * 3);
  for (int l = 0; l < 2; ++l)
    for (int h = 0; h < 2; ++h)
      for (int q = 0; q < 3; ++q)
        for (int k = 0; k < 3; ++k) (*store)[((l * 2 + h) * 3 + q) * 3 + k] = (l * 1000 + h * 100 + q * 10 + k) / 4096.0f;
  AttentionExport e;
  e.model = "tiny";
  e.text = "a,\"b\"\n";
  e.tokens = {"[CLS]", "a,\"b\"", "[SEP]"};
  e.n_layers = 2;
  e.n_heads = 2;
  e.T = 3;
  e.attentions = store->data();
  return e;
}

}  // namespace

TEST_CASE("attention_json: one head and all heads parse back to the same numbers") {
  std::vector<float> store;
  AttentionExport e = small_export(&store);
  auto one = nlohmann::json::parse(attention_json(e, 1, 0), nullptr, false);
  REQUIRE(!one.is_discarded());
  CHECK(one["model"] == "tiny");
  CHECK(one["text"] == e.text);
  CHECK(one["tokens"][1] == "a,\"b\"");
  CHECK(one["layers"] == nlohmann::json::array({1}));
  CHECK(one["heads"] == nlohmann::json::array({0}));
  CHECK(one["shape"] == nlohmann::json::array({1, 1, 3, 3}));
  CHECK(one["attentions"][0][0][2][1].get<double>() == doctest::Approx((1000 + 21) / 4096.0).epsilon(1e-5));
  auto all = nlohmann::json::parse(attention_json(e, -1, -1), nullptr, false);
  REQUIRE(!all.is_discarded());
  CHECK(all["shape"] == nlohmann::json::array({2, 2, 3, 3}));
  CHECK(all["attentions"][1][1][0][2].get<double>() == doctest::Approx((1100 + 2) / 4096.0).epsilon(1e-5));
  CHECK(!all.contains("pair"));
  AttentionExport none;
  auto empty = nlohmann::json::parse(attention_json(none, -1, -1), nullptr, false);
  REQUIRE(!empty.is_discarded());
  CHECK(empty["attentions"].empty());
}

TEST_CASE("attention_csv: header, quoting, one line per weight") {
  std::vector<float> store;
  AttentionExport e = small_export(&store);
  std::string csv = attention_csv(e, 0, 1);
  int lines = 0;
  for (char c : csv) lines += c == '\n';
  CHECK(lines == 1 + 9);
  CHECK(csv.rfind("layer,head,query,key,query_token,key_token,weight\n", 0) == 0);
  // Row (q=1, k=0): the token with a comma and quotes is quoted with doubled quotes.
  char expect[128];
  std::snprintf(expect, sizeof expect, "0,1,1,0,\"a,\"\"b\"\"\",[CLS],%.6g\n", (100 + 10) / 4096.0);
  CHECK(csv.find(expect) != std::string::npos);
  std::string all = attention_csv(e, -1, -1);
  lines = 0;
  for (char c : all) lines += c == '\n';
  CHECK(lines == 1 + 36);
}

TEST_CASE("export_file_name") {
  CHECK(export_file_name("zh-bert-mini", "L2H3", "json") == "attnviz-zh-bert-mini-L2H3.json");
  CHECK(export_file_name("user:my model", "all", "csv") == "attnviz-user_my_model-all.csv");
}

namespace {

// A minimal inflate of zlib data with stored and fixed-Huffman blocks (all encode_png writes), for the round trip.
struct BitReader {
  const uint8_t* p;
  size_t n, pos = 0;  // pos in bits
  bool bad = false;
  uint32_t bits(int count) {
    uint32_t v = 0;
    for (int i = 0; i < count; ++i) {
      if (pos / 8 >= n) {
        bad = true;
        return 0;
      }
      v |= ((p[pos / 8] >> (pos % 8)) & 1u) << i;
      ++pos;
    }
    return v;
  }
  uint32_t code(int count) {  // Huffman bits, most significant first
    uint32_t v = 0;
    for (int i = 0; i < count; ++i) v = (v << 1) | bits(1);
    return v;
  }
};

bool inflate_fixed(const std::string& z, std::vector<uint8_t>* out) {
  static const int len_base[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83,
                                   99, 115, 131, 163, 195, 227, 258};
  static const int len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
  static const int dist_base[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
  static const int dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11,
                                     12, 12, 13, 13};
  if (z.size() < 6) return false;
  BitReader r{reinterpret_cast<const uint8_t*>(z.data()) + 2, z.size() - 6};
  for (;;) {
    uint32_t final_block = r.bits(1);
    uint32_t type = r.bits(2);
    if (type == 0) {
      r.pos = (r.pos + 7) / 8 * 8;
      uint32_t len = r.bits(16);
      r.bits(16);
      for (uint32_t i = 0; i < len; ++i) out->push_back(static_cast<uint8_t>(r.bits(8)));
    } else if (type == 1) {
      for (;;) {
        uint32_t c = r.code(7);
        int sym;
        if (c <= 23) {
          sym = 256 + static_cast<int>(c);
        } else {
          c = (c << 1) | r.bits(1);
          if (c >= 0x30 && c <= 0xBF) {
            sym = static_cast<int>(c) - 0x30;
          } else if (c >= 0xC0 && c <= 0xC7) {
            sym = 280 + static_cast<int>(c) - 0xC0;
          } else {
            c = (c << 1) | r.bits(1);
            sym = 144 + static_cast<int>(c) - 0x190;
          }
        }
        if (r.bad) return false;
        if (sym < 256) {
          out->push_back(static_cast<uint8_t>(sym));
        } else if (sym == 256) {
          break;
        } else {
          int li = sym - 257;
          if (li >= 29) return false;
          int len = len_base[li] + static_cast<int>(r.bits(len_extra[li]));
          int di = static_cast<int>(r.code(5));
          if (di >= 30) return false;
          int dist = dist_base[di] + static_cast<int>(r.bits(dist_extra[di]));
          if (dist > static_cast<int>(out->size())) return false;
          for (int k = 0; k < len; ++k) out->push_back((*out)[out->size() - dist]);
        }
      }
    } else {
      return false;
    }
    if (final_block) break;
  }
  return !r.bad;
}

uint32_t be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) |
         uint8_t(s[at + 3]);
}

}  // namespace

TEST_CASE("encode_png: a valid PNG whose pixels inflate back exactly, flip_y honoured, flat images compress") {
  const int w = 37, h = 23;
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * 4);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &px[(static_cast<size_t>(y) * w + x) * 4];
      p[0] = static_cast<uint8_t>(x * 7);
      p[1] = static_cast<uint8_t>(y * 11);
      p[2] = static_cast<uint8_t>((x < 10) ? 200 : 30);
      p[3] = 255;
    }
  for (bool flip : {false, true}) {
    std::string png = encode_png(px.data(), w, h, w * 4, flip);
    REQUIRE(png.size() > 8 + 25 + 12 + 12);
    CHECK(png.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0);
    CHECK(be32(png, 8) == 13);
    CHECK(png.compare(12, 4, "IHDR") == 0);
    CHECK(be32(png, 16) == static_cast<uint32_t>(w));
    CHECK(be32(png, 20) == static_cast<uint32_t>(h));
    size_t idat = 8 + 12 + 13;
    REQUIRE(png.compare(idat + 4, 4, "IDAT") == 0);
    std::string z = png.substr(idat + 8, be32(png, idat));
    std::vector<uint8_t> raw;
    REQUIRE(inflate_fixed(z, &raw));
    REQUIRE(raw.size() == static_cast<size_t>(h) * (w * 4 + 1));
    // Undo the filters and compare with the source rows.
    std::vector<uint8_t> prev_row(w * 4, 0), row(w * 4);
    bool same = true;
    for (int y = 0; y < h; ++y) {
      const uint8_t* f = &raw[static_cast<size_t>(y) * (w * 4 + 1)];
      for (int x = 0; x < w * 4; ++x) {
        uint8_t pred = f[0] == 0 ? 0 : f[0] == 1 ? (x >= 4 ? row[x - 4] : 0) : f[0] == 2 ? prev_row[x] : 0;
        row[x] = static_cast<uint8_t>(f[1 + x] + pred);
      }
      CHECK(f[0] <= 2);
      int src_y = flip ? h - 1 - y : y;
      same = same && std::memcmp(row.data(), &px[static_cast<size_t>(src_y) * w * 4], w * 4) == 0;
      prev_row = row;
    }
    CHECK(same);
    CHECK(png.compare(png.size() - 8, 4, "IEND") == 0);
  }
  // A flat 400x300 image (a UI background) compresses to a small fraction of its 480 KB.
  std::vector<uint8_t> flat(400 * 300 * 4, 40);
  std::string png = encode_png(flat.data(), 400, 300, 400 * 4, false);
  CHECK(png.size() < 10000);
  CHECK(encode_png(nullptr, 1, 1, 4, false).empty());
  CHECK(encode_png(flat.data(), 10, 10, 39, false).empty());
}
