// Tests of the PyTorch checkpoint reader (torch_checkpoint.h, zip_archive.h): every fixture folder made by real
// torch.save (../shared/fixtures/pytorch-bin) against the safetensors models in tests/data, hostile pickles refused
// with nothing run, and hand-made bad inputs (truncations, wrong opcodes, huge sizes, ZIP64, compressed entries).
#include <doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "folder.h"
#include "model.h"
#include "safetensors.h"
#include "test_paths.h"
#include "torch_checkpoint.h"
#include "zip_archive.h"

using namespace attnviz;
using attnviz_test::data_dir;
using attnviz_test::shared_dir;

namespace {

std::string fixture(const std::string& name) { return shared_dir() + "/fixtures/pytorch-bin/" + name; }
bool have_fixtures() { return attnviz_test::file_exists(fixture("tiny-bert-zip/pytorch_model.bin")); }

// ---- a tiny pickle writer (protocol 2 opcodes, as torch.save writes them) ----------------------------------------
struct Pickle {
  std::string b;
  Pickle& op(unsigned char c) { b += static_cast<char>(c); return *this; }
  Pickle& proto() { return op(0x80).op(2); }
  Pickle& mark() { return op('('); }
  Pickle& str(const std::string& s) {
    op('X');
    for (int k = 0; k < 4; k++) b += static_cast<char>((s.size() >> (8 * k)) & 0xff);
    b += s;
    return *this;
  }
  Pickle& integer(int32_t v) {
    op('J');
    for (int k = 0; k < 4; k++) b += static_cast<char>((static_cast<uint32_t>(v) >> (8 * k)) & 0xff);
    return *this;
  }
  Pickle& global(const std::string& m, const std::string& n) { op('c'); b += m + "\n" + n + "\n"; return *this; }
  Pickle& ints(const std::vector<int32_t>& v) {
    mark();
    for (int32_t x : v) integer(x);
    return op('t');
  }
  // One _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) call; `storage_type` FloatStorage...
  Pickle& tensor(const std::string& storage_type, const std::string& key, int32_t storage_numel, int32_t offset,
                 const std::vector<int32_t>& size, const std::vector<int32_t>& stride, bool legacy = false) {
    global("torch._utils", "_rebuild_tensor_v2").mark();
    mark().str("storage").global("torch", storage_type).str(key).str("cpu").integer(storage_numel);
    if (legacy) op('N');
    op('t').op('Q');
    integer(offset).ints(size).ints(stride).op(0x89).global("collections", "OrderedDict").op(')').op('R');
    return op('t').op('R');
  }
  Pickle& stop() { return op('.'); }
};

std::string floats_bytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(&s[0], v.data(), s.size());  // little-endian host (x86, wasm)
  return s;
}

// ---- a stored zip writer (optionally ZIP64 everywhere) -----------------------------------------------------------
void put16(std::string* s, uint32_t v) { for (int k = 0; k < 2; k++) *s += static_cast<char>((v >> (8 * k)) & 0xff); }
void put32(std::string* s, uint32_t v) { for (int k = 0; k < 4; k++) *s += static_cast<char>((v >> (8 * k)) & 0xff); }
void put64(std::string* s, uint64_t v) { for (int k = 0; k < 8; k++) *s += static_cast<char>((v >> (8 * k)) & 0xff); }

std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries, bool zip64 = false,
                     uint16_t method = 0) {
  std::string out, cd;
  for (const auto& [name, data] : entries) {
    const uint64_t off = out.size();
    put32(&out, 0x04034b50); put16(&out, 20); put16(&out, 0); put16(&out, method); put32(&out, 0); put32(&out, 0);
    put32(&out, static_cast<uint32_t>(data.size())); put32(&out, static_cast<uint32_t>(data.size()));
    put16(&out, static_cast<uint32_t>(name.size())); put16(&out, 0);
    out += name;
    out += data;
    put32(&cd, 0x02014b50); put16(&cd, 45); put16(&cd, 45); put16(&cd, 0); put16(&cd, method); put32(&cd, 0);
    put32(&cd, 0);
    const uint32_t sz = zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(data.size());
    put32(&cd, sz); put32(&cd, sz);
    put16(&cd, static_cast<uint32_t>(name.size())); put16(&cd, zip64 ? 28 : 0); put16(&cd, 0); put16(&cd, 0);
    put16(&cd, 0); put32(&cd, 0); put32(&cd, zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(off));
    cd += name;
    if (zip64) { put16(&cd, 1); put16(&cd, 24); put64(&cd, data.size()); put64(&cd, data.size()); put64(&cd, off); }
  }
  const uint64_t cd_off = out.size();
  out += cd;
  if (zip64) {
    const uint64_t e64 = out.size();
    put32(&out, 0x06064b50); put64(&out, 44); put16(&out, 45); put16(&out, 45); put32(&out, 0); put32(&out, 0);
    put64(&out, entries.size()); put64(&out, entries.size()); put64(&out, cd.size()); put64(&out, cd_off);
    put32(&out, 0x07064b50); put32(&out, 0); put64(&out, e64); put32(&out, 1);
  }
  put32(&out, 0x06054b50); put16(&out, 0); put16(&out, 0);
  put16(&out, zip64 ? 0xFFFF : static_cast<uint32_t>(entries.size()));
  put16(&out, zip64 ? 0xFFFF : static_cast<uint32_t>(entries.size()));
  put32(&out, zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(cd.size()));
  put32(&out, zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(cd_off));
  put16(&out, 0);
  return out;
}

// A small zip checkpoint: "a" (2,3) row-major over storage 0 from offset 1, "b" = the transpose view (3,2) of the
// same storage (strides (1,3)), "c" a half tensor. Storage 0 holds 0..9.
std::string small_zip(bool zip64 = false) {
  Pickle p;
  p.proto().op('}').mark();
  p.str("a").tensor("FloatStorage", "0", 10, 1, {2, 3}, {3, 1});
  p.str("b").tensor("FloatStorage", "0", 10, 0, {3, 2}, {1, 3});
  p.str("c").tensor("HalfStorage", "1", 2, 0, {2}, {1});
  p.op('u').stop();
  std::vector<float> s0;
  for (int i = 0; i < 10; i++) s0.push_back(static_cast<float>(i));
  std::string s1;
  put16(&s1, float_to_half(1.5f));
  put16(&s1, float_to_half(-2.0f));
  return make_zip({{"archive/data.pkl", p.b}, {"archive/byteorder", "little"}, {"archive/data/0", floats_bytes(s0)},
                   {"archive/data/1", s1}, {"archive/version", "3\n"}},
                  zip64);
}

// The same tensors in the legacy format.
std::string small_legacy() {
  std::string out = std::string("\x80\x02\x8a\x0a", 4) + std::string("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10) + ".";
  out += Pickle().proto().op('M').op(0xe9).op(0x03).stop().b;  // 1001
  out += Pickle().proto().op('}').str("little_endian").op(0x88).op('s').stop().b;
  Pickle p;
  p.proto().op('}').mark();
  p.str("a").tensor("FloatStorage", "94001", 10, 1, {2, 3}, {3, 1}, true);
  p.str("b").tensor("FloatStorage", "94001", 10, 0, {3, 2}, {1, 3}, true);
  p.str("c").tensor("HalfStorage", "94002", 2, 0, {2}, {1}, true);
  p.op('u').stop();
  out += p.b;
  out += Pickle().proto().op(']').mark().str("94001").str("94002").op('e').stop().b;
  std::vector<float> s0;
  for (int i = 0; i < 10; i++) s0.push_back(static_cast<float>(i));
  put64(&out, 10);
  out += floats_bytes(s0);
  put64(&out, 2);
  put16(&out, float_to_half(1.5f));
  put16(&out, float_to_half(-2.0f));
  return out;
}

std::vector<float> to_floats(const TensorView& t) {
  std::vector<float> v(static_cast<size_t>(t.numel));
  REQUIRE(tensor_to_float(t, "t", v.data()).ok);
  return v;
}

void check_small(const TorchCheckpoint& c) {
  REQUIRE(c.tensors().size() == 3);
  const TensorView* a = c.find("a");
  const TensorView* b = c.find("b");
  const TensorView* h = c.find("c");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(h);
  CHECK(a->shape == std::vector<int64_t>{2, 3});
  CHECK(to_floats(*a) == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(b->shape == std::vector<int64_t>{3, 2});
  CHECK(to_floats(*b) == std::vector<float>{0, 3, 1, 4, 2, 5});  // b[i][j] = storage[i + 3j]
  CHECK(h->dtype == DType::F16);
  CHECK(to_floats(*h) == std::vector<float>{1.5f, -2.0f});
}

std::string message_of(const std::string& bytes) {
  TorchCheckpoint c;
  Status s = TorchCheckpoint::parse(bytes, "test.bin", &c);
  return s.ok ? std::string("OK") : s.message;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Outputs of a model (hidden states, attentions, logits) on fixed ids.
struct Outputs {
  std::vector<float> hidden, attentions, logits;
};

Outputs outputs_of(const FileMap& files, const std::string& what) {
  Model m;
  Status s = Model::load(files, what, &m);
  REQUIRE_MESSAGE(s.ok, s.message);
  std::vector<int32_t> ids;
  for (int i = 0; i < 23; i++) ids.push_back((i * 97 + 5) % m.config().vocab_size);
  ForwardOptions opt;
  opt.all_positions = true;
  Activations a;
  s = m.forward(ids, {}, opt, &a);
  REQUIRE_MESSAGE(s.ok, s.message);
  return {a.hidden, a.attentions, a.logits};
}

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && !a.empty() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

// The safetensors model of tests/data with every weight rounded through `round` (identity: the model itself).
Outputs reference_outputs(const std::string& model, int rounding) {
  FolderFiles f;
  REQUIRE(read_folder(data_dir() + "/" + model, &f).ok);
  if (rounding) {
    SafeTensors st;
    REQUIRE(SafeTensors::parse(f.bytes["model.safetensors"], "ref", &st).ok);
    SafeTensorsWriter w;
    for (const TensorView& t : st.tensors()) {
      std::vector<float> v = to_floats(t);
      for (float& x : v) x = rounding == 16 ? half_to_float(float_to_half(x)) : bf16_to_float(float_to_bf16(x));
      w.add_f32(t.name, t.shape, v.data());
    }
    f.bytes["model.safetensors"] = w.finish();
  }
  return outputs_of(f.view(), model);
}

}  // namespace

// ---- fixtures made by torch.save ----------------------------------------------------------------------------------

TEST_CASE("torch checkpoint: every valid fixture folder gives exactly the outputs of the safetensors model") {
  if (!have_fixtures()) {
    MESSAGE("skipped: ../shared/fixtures/pytorch-bin not found");
    return;
  }
  struct Case {
    const char* folder;
    const char* model;
    int rounding;  // 0: float32; 16: float16; 8: bfloat16
  };
  const Case cases[] = {
      {"tiny-bert-zip", "tiny-bert", 0},        {"tiny-bert-legacy", "tiny-bert", 0},
      {"tiny-gpt2-zip", "tiny-gpt2", 0},        {"tiny-gpt2-legacy", "tiny-gpt2", 0},
      {"tiny-bert-ner-zip", "tiny-bert-ner", 0}, {"tiny-bert-ner-legacy", "tiny-bert-ner", 0},
      {"tiny-bert-f16", "tiny-bert", 16},       {"tiny-bert-bf16", "tiny-bert", 8},
      {"tiny-bert-views", "tiny-bert", 0},      {"tiny-gpt2-tied", "tiny-gpt2", 0},
      {"tiny-bert-sharded", "tiny-bert", 0},
  };
  std::map<std::string, Outputs> refs;
  for (const Case& c : cases) {
    CAPTURE(c.folder);
    const std::string key = std::string(c.model) + "/" + std::to_string(c.rounding);
    if (!refs.count(key)) refs[key] = reference_outputs(c.model, c.rounding);
    FolderFiles f;
    REQUIRE(read_folder(fixture(c.folder), &f).ok);
    CHECK(f.bytes.count("model.safetensors") == 0);
    const Outputs got = outputs_of(f.view(), fixture(c.folder));
    const Outputs& want = refs[key];
    CHECK(same(got.hidden, want.hidden));
    CHECK(same(got.attentions, want.attentions));
    if (!want.logits.empty()) CHECK(same(got.logits, want.logits));
    else CHECK(got.logits.empty());
  }
}

TEST_CASE("torch checkpoint: tensors equal the safetensors tensors bit for bit; tied and view tensors") {
  if (!have_fixtures()) return;
  for (const char* pair : {"tiny-bert-zip:tiny-bert", "tiny-gpt2-legacy:tiny-gpt2", "tiny-bert-views:tiny-bert",
                           "tiny-gpt2-tied:tiny-gpt2", "tiny-bert-ner-legacy:tiny-bert-ner"}) {
    CAPTURE(pair);
    const std::string p(pair), folder = p.substr(0, p.find(':')), model = p.substr(p.find(':') + 1);
    std::string tb, sb;
    REQUIRE(attnviz_test::read_file(fixture(folder) + "/pytorch_model.bin", &tb));
    REQUIRE(attnviz_test::read_file(data_dir() + "/" + model + "/model.safetensors", &sb));
    TorchCheckpoint c;
    Status s = TorchCheckpoint::parse(tb, folder, &c);
    REQUIRE_MESSAGE(s.ok, s.message);
    SafeTensors st;
    REQUIRE(SafeTensors::parse(sb, model, &st).ok);
    int compared = 0;
    for (const TensorView& want : st.tensors()) {
      CAPTURE(want.name);
      const TensorView* got = c.find(want.name);
      if (!got) continue;  // a buffer or a tied weight one of the two files omits
      CHECK(got->shape == want.shape);
      CHECK(to_floats(*got) == to_floats(want));
      compared++;
    }
    CHECK(compared >= static_cast<int>(st.tensors().size()) - 2);
    if (folder == "tiny-gpt2-tied") {
      const TensorView* a = c.find("lm_head.weight");
      const TensorView* b = c.find("transformer.wte.weight");
      REQUIRE(a);
      REQUIRE(b);
      CHECK(a->data.data() == b->data.data());  // one storage, read once
    }
  }
}

TEST_CASE("torch checkpoint: hostile and damaged fixtures are refused with a message, nothing run") {
  if (!have_fixtures()) return;
  struct Case {
    const char* folder;
    const char* expect[2];
  };
  const Case cases[] = {
      {"evil-os-system", {"posix.system", "not allowed"}},
      {"evil-builtins-eval", {"__builtin__.eval", "not allowed"}},
      {"bad-nested-dict", {"under the key 'model'", "training checkpoint"}},
      {"truncated-zip", {"pytorch_model.bin", "truncated"}},
      {"storage-too-small", {"bert.encoder.layer.0.attention.self.query.weight", "holds 4"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.folder);
    FolderFiles f;
    REQUIRE(read_folder(fixture(c.folder), &f).ok);
    Model m;
    Status s = Model::load(f.view(), fixture(c.folder), &m);
    REQUIRE_FALSE(s.ok);
    MESSAGE(s.message);
    for (const char* e : c.expect) CHECK_MESSAGE(contains(s.message, e), s.message);
  }
  CHECK_FALSE(attnviz_test::file_exists("/tmp/attnviz-pwned"));  // what evil-os-system would have created
}

// ---- hand-made checkpoints ----------------------------------------------------------------------------------------

TEST_CASE("torch checkpoint: hand-made zip, ZIP64 and legacy files: offsets, transposed views, half storages") {
  // The checkpoint points into the bytes: they must outlive it.
  const std::string zip = small_zip(), zip64 = small_zip(true), legacy = small_legacy();
  TorchCheckpoint c;
  Status s = TorchCheckpoint::parse(zip, "small.bin", &c);
  REQUIRE_MESSAGE(s.ok, s.message);
  check_small(c);
  s = TorchCheckpoint::parse(zip64, "small64.bin", &c);
  REQUIRE_MESSAGE(s.ok, s.message);
  check_small(c);
  s = TorchCheckpoint::parse(legacy, "legacy.bin", &c);
  REQUIRE_MESSAGE(s.ok, s.message);
  check_small(c);
  // A moved checkpoint keeps its gathered tensors valid.
  TorchCheckpoint moved = std::move(c);
  check_small(moved);
  CHECK(looks_like_torch_checkpoint(small_zip()));
  CHECK(looks_like_torch_checkpoint(small_legacy()));
  CHECK_FALSE(looks_like_torch_checkpoint("{\"a\": 1}"));
}

TEST_CASE("torch checkpoint: every truncation of a small file fails cleanly") {
  for (const std::string& full : {small_zip(), small_zip(true), small_legacy()}) {
    for (size_t n = 0; n < full.size(); n++) {
      TorchCheckpoint c;
      Status s = TorchCheckpoint::parse(std::string_view(full).substr(0, n), "cut.bin", &c);
      CHECK_FALSE(s.ok);
      CHECK(contains(s.message, "cut.bin"));
    }
  }
  if (!have_fixtures()) return;
  std::string big;
  REQUIRE(attnviz_test::read_file(fixture("tiny-gpt2-legacy/pytorch_model.bin"), &big));
  for (size_t n = 0; n < big.size(); n += 4093) {
    TorchCheckpoint c;
    CHECK_FALSE(TorchCheckpoint::parse(std::string_view(big).substr(0, n), "cut.bin", &c).ok);
  }
}

TEST_CASE("torch checkpoint: every single-byte change of a small file parses or fails, never crashes") {
  for (const std::string& full : {small_zip(), small_legacy()}) {
    int ok = 0;
    for (size_t i = 0; i < full.size(); i++) {
      for (int v : {0x00, 0x7f, 0xff, 0x80, 0x2e}) {
        std::string b = full;
        b[i] = static_cast<char>(v);
        TorchCheckpoint c;
        ok += TorchCheckpoint::parse(b, "flip.bin", &c).ok;
      }
    }
    CHECK(ok > 0);  // changes in tensor data still parse
  }
}

TEST_CASE("torch checkpoint: globals off the allow-list and object-building opcodes are refused") {
  auto zip_of = [](const std::string& pkl) { return make_zip({{"archive/data.pkl", pkl}}); };
  // STACK_GLOBAL (protocol 4) of os.system, then a call.
  Pickle p;
  p.op(0x80).op(4).str("os").str("system").op(0x93).str("echo hi").op(0x85).op('R').stop();
  std::string m = message_of(zip_of(p.b));
  CHECK(contains(m, "'os.system'"));
  CHECK(contains(m, "nothing was run"));
  // torch.storage._load_from_bytes would unpickle again: not allowed either.
  m = message_of(zip_of(Pickle().proto().global("torch.storage", "_load_from_bytes").stop().b));
  CHECK(contains(m, "torch.storage._load_from_bytes"));
  // An allowed storage type used as a function.
  m = message_of(zip_of(Pickle().proto().global("torch", "FloatStorage").op(')').op('R').stop().b));
  CHECK(contains(m, "refused"));
  // NEWOBJ, INST, OBJ, EXT1.
  for (int op : {0x81, int('i'), int('o'), 0x82}) {
    m = message_of(zip_of(Pickle().proto().op(static_cast<unsigned char>(op)).stop().b));
    CHECK_MESSAGE(contains(m, "not allowed"), m);
  }
  // An opcode outside the subset (PERSID text form, 'P') and an unknown byte.
  m = message_of(zip_of(Pickle().proto().op(0xf0).stop().b));
  CHECK(contains(m, "unsupported pickle opcode 0xf0"));
  // The state dict must be a dict of tensors.
  CHECK(contains(message_of(zip_of(Pickle().proto().op(']').stop().b)), "not a state dict"));
  CHECK(contains(message_of(zip_of(Pickle().proto().op('}').str("epoch").integer(3).op('s').stop().b)),
                 "'epoch' is not a tensor (int)"));
  CHECK(contains(message_of(zip_of(Pickle().proto().op('}').stop().b)), "no tensors"));
  // Stack underflow, memo misses, marks.
  CHECK(contains(message_of(zip_of(Pickle().proto().op('R').stop().b)), "underflow"));
  CHECK(contains(message_of(zip_of(Pickle().proto().op('h').op(7).stop().b)), "memo entry 7"));
  CHECK(contains(message_of(zip_of(Pickle().proto().op('r').op(0xff).op(0xff).op(0xff).op(0xff).stop().b)),
                 "memo"));
  CHECK(contains(message_of(zip_of(Pickle().proto().op('t').stop().b)), "underflow"));
  CHECK(contains(message_of(zip_of(Pickle().proto().mark().op('.').b)), "underflow"));
  // A pickle without STOP, a string longer than the file, an integer wider than 64 bits.
  CHECK(contains(message_of(zip_of(Pickle().proto().op('}').b)), "truncated"));
  CHECK(contains(message_of(zip_of(Pickle().proto().op('X').op(0xff).op(0xff).op(0xff).op(0xff).stop().b)),
                 "truncated"));
  CHECK(contains(message_of(zip_of(Pickle().proto().op(0x8a).op(9).b + std::string(9, '\1') + ".")), "64 bits"));
  // A persistent id in a pickle without storages (legacy sys_info) and a bad persistent id.
  CHECK(contains(message_of(zip_of(Pickle().proto().str("x").op('Q').stop().b)), "persistent id"));
}

TEST_CASE("torch checkpoint: huge or inconsistent sizes are refused before any allocation") {
  auto one = [](const std::vector<int32_t>& size, const std::vector<int32_t>& stride, int32_t storage_numel,
                int32_t offset, size_t stored_floats) {
    Pickle p;
    p.proto().op('}').str("w").tensor("FloatStorage", "0", storage_numel, offset, size, stride).op('s').stop();
    return message_of(make_zip({{"archive/data.pkl", p.b},
                                {"archive/data/0", floats_bytes(std::vector<float>(stored_floats, 1.0f))}}));
  };
  CHECK(one({2, 3}, {3, 1}, 6, 0, 6) == "OK");
  CHECK(contains(one({2, 3}, {3, 1}, 6, 1, 6), "needs 7 elements"));          // offset pushes past the end
  CHECK(contains(one({2, 3}, {3, 1}, 6, 0, 5), "declares 6 elements"));       // the entry is shorter than declared
  CHECK(contains(one({65536, 65536, 65536, 65536}, {0, 0, 0, 0}, 1, 0, 1), "too large"));  // numel overflow
  CHECK(contains(one({2, 2}, {2147483647, 2147483647}, 6, 0, 6), "needs"));  // strides far past the storage
  CHECK(contains(one({4096, 4096}, {0, 0}, 1, 0, 1), "beyond the file's size"));  // a broadcast of one element
  CHECK(contains(one({-1}, {1}, 6, 0, 6), "size"));
  CHECK(contains(one({2}, {1, 1}, 6, 0, 6), "stride"));
  // A legacy storage whose element count runs past the file.
  std::string legacy = small_legacy();
  const size_t at = legacy.size() - (10 * 4 + 8 + 2 * 2 + 8);  // the first u64 count
  legacy[at + 7] = 0x7f;
  CHECK(contains(message_of(legacy), "claims"));
}

TEST_CASE("torch checkpoint: zip damage: compressed, encrypted, missing storage, big-endian, not a checkpoint") {
  Pickle p;
  p.proto().op('}').str("w").tensor("FloatStorage", "0", 1, 0, {1}, {1}).op('s').stop();
  const std::string one = floats_bytes({1.0f});
  CHECK(contains(message_of(make_zip({{"archive/data.pkl", p.b}, {"archive/data/0", one}}, false, 8)), "compressed"));
  CHECK(contains(message_of(make_zip({{"archive/data.pkl", p.b}})), "'0' (archive/data/0) is missing"));
  CHECK(contains(message_of(make_zip({{"archive/data.pkl", p.b}, {"archive/data/0", one}, {"archive/byteorder", "big"}})),
                 "big-endian"));
  CHECK(contains(message_of(make_zip({{"archive/other.txt", "x"}})), "data.pkl"));
  CHECK(contains(message_of("hello"), "not a PyTorch checkpoint"));
  CHECK(contains(message_of(""), "not a PyTorch checkpoint"));
  std::string z = make_zip({{"archive/data.pkl", p.b}, {"archive/data/0", one}});
  std::string enc = z;
  enc[6] = 1;  // local header flags: the reader trusts the central directory, so set it there too
  const size_t cd = z.find(std::string("PK\x01\x02", 4));
  REQUIRE(cd != std::string::npos);
  enc[cd + 8] = 1;
  CHECK(contains(message_of(enc), "encrypted"));
  std::string far = z;
  far[cd + 42] = static_cast<char>(0xf0);  // local header offset of the first entry far past the end
  CHECK_FALSE(message_of(far) == "OK");
}

TEST_CASE("torch checkpoint: model folders: safetensors preferred, shard index checked") {
  if (!have_fixtures()) return;
  // Both present: model.safetensors wins (pytorch_model.bin here is garbage and never read).
  FolderFiles f;
  REQUIRE(read_folder(data_dir() + "/tiny-bert", &f).ok);
  FileMap files = f.view();
  files["pytorch_model.bin"] = "garbage";
  Model m;
  Status s = Model::load(files, "both", &m);
  CHECK_MESSAGE(s.ok, s.message);
  // read_folder reads pytorch_model*.bin only when the folder has no .safetensors file.
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path tmp = fs::temp_directory_path(ec) / "attnviz-torchbin-test";
  fs::remove_all(tmp, ec);
  REQUIRE(fs::create_directories(tmp, ec));
  for (const char* name : {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"})
    fs::copy_file(data_dir() + "/tiny-bert/" + name, tmp / name, ec);
  std::ofstream(tmp / "pytorch_model.bin") << "garbage";
  std::ofstream(tmp / "training_args.bin") << "garbage";
  FolderFiles both;
  REQUIRE(read_folder(tmp.string(), &both).ok);
  CHECK(both.bytes.count("model.safetensors") == 1);
  CHECK(both.bytes.count("pytorch_model.bin") == 0);
  fs::remove(tmp / "model.safetensors", ec);
  REQUIRE(read_folder(tmp.string(), &both).ok);
  CHECK(both.bytes.count("pytorch_model.bin") == 1);
  CHECK(both.bytes.count("training_args.bin") == 0);
  s = Model::load(both.view(), tmp.string(), &m);
  CHECK(contains(s.message, "pytorch_model.bin: not a PyTorch checkpoint"));
  fs::remove_all(tmp, ec);
  // Sharded: a bad index, a missing shard.
  FolderFiles sh;
  REQUIRE(read_folder(fixture("tiny-bert-sharded"), &sh).ok);
  FileMap bad = sh.view();
  bad["pytorch_model.bin.index.json"] = "{\"weight_map\": 3}";
  s = Model::load(bad, "sharded", &m);
  CHECK(contains(s.message, "weight_map"));
  bad = sh.view();
  bad.erase("pytorch_model-00002-of-00002.bin");
  s = Model::load(bad, "sharded", &m);
  CHECK(contains(s.message, "pytorch_model-00002-of-00002.bin"));
  CHECK(contains(s.message, "missing"));
  // A failed load keeps the loaded model.
  REQUIRE(Model::load(sh.view(), "sharded", &m).ok);
  CHECK(m.config().n_layers > 0);
}

TEST_CASE("torch checkpoint: torch_checkpoint_check, the fuzzing entry point") {
  CHECK(torch_checkpoint_check(small_zip(), "x").ok);
  CHECK_FALSE(torch_checkpoint_check("PK\x03\x04", "x").ok);
}
