// TorchCheckpoint: a pickle subset (no code runs: globals go through an allow-list, objects are plain data held in
// arenas, nothing recurses) plus the zip and legacy containers of torch.save. std only.
#include "torch_checkpoint.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "zip_archive.h"

namespace attnviz {

namespace {

// ---- storage types --------------------------------------------------------------------------------------------

struct StorageType {
  const char* name;  // torch.<name>
  DType dtype;
  const char* dtype_name;
  int width;
};

const StorageType kStorageTypes[] = {
    {"FloatStorage", DType::F32, "F32", 4},   {"HalfStorage", DType::F16, "F16", 2},
    {"BFloat16Storage", DType::BF16, "BF16", 2}, {"LongStorage", DType::I64, "I64", 8},
    {"IntStorage", DType::I32, "I32", 4},     {"DoubleStorage", DType::Other, "F64", 8},
    {"ShortStorage", DType::Other, "I16", 2}, {"CharStorage", DType::Other, "I8", 1},
    {"ByteStorage", DType::Other, "U8", 1},   {"BoolStorage", DType::Other, "BOOL", 1},
};
constexpr int kNumStorageTypes = sizeof(kStorageTypes) / sizeof(kStorageTypes[0]);

// dtype objects (torch.float32, ...) may appear as plain values; they are never called.
const char* const kDtypes[] = {"float32", "float", "float16", "half", "bfloat16", "float64", "double",
                               "int64", "long", "int32", "int", "int16", "int8", "uint8", "bool"};

// Allowed globals. Values: kOrderedDict..kRebuildParameterWithState, kStorageBase + index, kDtype.
enum : int64_t {
  kOrderedDict = 1,
  kRebuildTensorV2 = 2,
  kRebuildTensor = 3,
  kRebuildParameter = 4,
  kRebuildParameterWithState = 5,
  kDtype = 50,
  kStorageBase = 100,
};

int64_t allowed_global(const std::string& module, const std::string& name) {
  if (module == "collections" && name == "OrderedDict") return kOrderedDict;
  if (module == "torch._utils") {
    if (name == "_rebuild_tensor_v2") return kRebuildTensorV2;
    if (name == "_rebuild_tensor") return kRebuildTensor;
    if (name == "_rebuild_parameter") return kRebuildParameter;
    if (name == "_rebuild_parameter_with_state") return kRebuildParameterWithState;
  }
  if (module == "torch") {
    for (int i = 0; i < kNumStorageTypes; i++)
      if (name == kStorageTypes[i].name) return kStorageBase + i;
    for (const char* d : kDtypes)
      if (name == d) return kDtype;
  }
  return 0;
}

// ---- checked arithmetic ---------------------------------------------------------------------------------------

bool mul_ok(int64_t a, int64_t b, int64_t* r) { return !__builtin_mul_overflow(a, b, r); }
bool add_ok(int64_t a, int64_t b, int64_t* r) { return !__builtin_add_overflow(a, b, r); }

// ---- the pickle machine ------------------------------------------------------------------------------------------

enum class Kind : uint8_t { None, Bool, Int, Float, Str, Bytes, Tuple, List, Dict, Global, Storage, Tensor };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Str: return "str";
    case Kind::Bytes: return "bytes";
    case Kind::Tuple: return "tuple";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::Global: return "class or function";
    case Kind::Storage: return "storage";
    case Kind::Tensor: return "tensor";
  }
  return "?";
}

// A value: scalars inline; strings, containers, storages and tensors by index into the machine's arenas (shared by
// the memo like Python references; no reference counts, so cycles cannot leak).
struct Val {
  Kind kind = Kind::None;
  int64_t i = 0;   // Bool, Int, Global id
  double f = 0;    // Float
  uint32_t ref = 0;
};

struct StorageRec {
  int type = 0;            // index into kStorageTypes
  std::string key;         // the storage's key (zip: data/<key>; legacy: its place in the key list)
  int64_t numel = 0;       // elements the persistent id declares
  bool is_view = false;    // legacy storage view: elements [view_offset, view_offset + numel) of storage `key`
  int64_t view_offset = 0;
};

struct TensorRec {
  uint32_t storage = 0;
  int64_t offset = 0;
  std::vector<int64_t> size, stride;
};

constexpr size_t kMaxStack = 1 << 20, kMaxMemo = 1 << 22, kMaxDims = 16;

struct Machine {
  std::string_view b;
  std::string what;
  bool persid_allowed = false;

  std::vector<std::string_view> strs;
  std::vector<std::vector<Val>> seqs;  // tuples, lists, dicts (dicts as key, value, key, value, ...)
  std::vector<StorageRec> storages;
  std::vector<TensorRec> tensors;

  Status bad(const std::string& m) const { return Status::error(what + ": " + m); }

  Val make_seq(Kind k, std::vector<Val> items) {
    Val v;
    v.kind = k;
    v.ref = static_cast<uint32_t>(seqs.size());
    seqs.push_back(std::move(items));
    return v;
  }
  Val make_str(Kind k, std::string_view s) {
    Val v;
    v.kind = k;
    v.ref = static_cast<uint32_t>(strs.size());
    strs.push_back(s);
    return v;
  }
  std::string str(const Val& v) const { return std::string(strs[v.ref]); }

  // Reads int tuple `v` (sizes / strides) into out; false for anything else.
  bool int_tuple(const Val& v, std::vector<int64_t>* out) const {
    if (v.kind != Kind::Tuple && v.kind != Kind::List) return false;
    const std::vector<Val>& s = seqs[v.ref];
    if (s.size() > kMaxDims) return false;
    out->clear();
    for (const Val& x : s) {
      if (x.kind != Kind::Int || x.i < 0) return false;
      out->push_back(x.i);
    }
    return true;
  }

  Status persistent_load(const Val& pid, Val* out);
  Status call(const Val& fn, const Val& args, Val* out);
  // Runs one pickle starting at `start`; on success *end is the offset after its STOP and *result its value.
  Status run(size_t start, size_t* end, Val* result);
};

Status Machine::persistent_load(const Val& pid, Val* out) {
  if (!persid_allowed) return bad("pickle refers to a persistent object where none is allowed");
  if (pid.kind != Kind::Tuple) return bad("persistent id is a " + std::string(kind_name(pid.kind)) + ", not a tuple");
  const std::vector<Val>& t = seqs[pid.ref];
  if (t.size() < 5 || t.size() > 6 || t[0].kind != Kind::Str || str(t[0]) != "storage")
    return bad("persistent id is not a ('storage', type, key, location, size) tuple");
  if (t[1].kind != Kind::Global || t[1].i < kStorageBase)
    return bad("persistent id names no storage type (torch.FloatStorage, ...)");
  if (t[2].kind != Kind::Str) return bad("storage key is not a string");
  if (t[4].kind != Kind::Int || t[4].i < 0) return bad("storage size is not a non-negative integer");
  StorageRec s;
  s.type = static_cast<int>(t[1].i - kStorageBase);
  s.key = str(t[2]);
  s.numel = t[4].i;
  if (t.size() == 6 && t[5].kind != Kind::None) {  // legacy view: (view_key, offset, view_size)
    if (t[5].kind != Kind::Tuple || seqs[t[5].ref].size() != 3) return bad("storage view metadata is not a triple");
    const std::vector<Val>& vm = seqs[t[5].ref];
    if (vm[1].kind != Kind::Int || vm[2].kind != Kind::Int || vm[1].i < 0 || vm[2].i < 0)
      return bad("storage view metadata holds no offset and size");
    s.is_view = true;
    s.view_offset = vm[1].i;
    s.numel = vm[2].i;
  }
  out->kind = Kind::Storage;
  out->ref = static_cast<uint32_t>(storages.size());
  storages.push_back(std::move(s));
  return Status::success();
}

Status Machine::call(const Val& fn, const Val& args, Val* out) {
  if (fn.kind != Kind::Global) return bad("pickle calls a " + std::string(kind_name(fn.kind)) + " (refused)");
  if (args.kind != Kind::Tuple) return bad("pickle calls a function with non-tuple arguments");
  const std::vector<Val>& a = seqs[args.ref];
  switch (fn.i) {
    case kOrderedDict:
      if (!a.empty()) return bad("OrderedDict called with arguments (refused)");
      *out = make_seq(Kind::Dict, {});
      return Status::success();
    case kRebuildTensorV2:
    case kRebuildTensor: {
      // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      // _rebuild_tensor(storage, storage_offset, size, stride)
      if (a.size() < 4) return bad("tensor rebuild called with " + std::to_string(a.size()) + " arguments");
      if (a[0].kind != Kind::Storage) return bad("tensor rebuild without a storage");
      if (a[1].kind != Kind::Int || a[1].i < 0) return bad("tensor storage offset is not a non-negative integer");
      TensorRec t;
      t.storage = a[0].ref;
      t.offset = a[1].i;
      if (!int_tuple(a[2], &t.size)) return bad("tensor size is not a tuple of at most 16 non-negative integers");
      if (!int_tuple(a[3], &t.stride) || t.stride.size() != t.size.size())
        return bad("tensor stride is not a tuple of non-negative integers matching its size");
      out->kind = Kind::Tensor;
      out->ref = static_cast<uint32_t>(tensors.size());
      tensors.push_back(std::move(t));
      return Status::success();
    }
    case kRebuildParameter:
    case kRebuildParameterWithState:
      // _rebuild_parameter(data, requires_grad, backward_hooks[, state]): the parameter is its data tensor.
      if (a.empty() || a[0].kind != Kind::Tensor) return bad("parameter rebuild without a tensor");
      *out = a[0];
      return Status::success();
    default:
      return bad("pickle calls a storage type or dtype as a function (refused)");
  }
}

Status Machine::run(size_t start, size_t* end, Val* result) {
  std::vector<Val> stack;
  std::vector<size_t> marks;
  std::unordered_map<uint32_t, Val> memo;
  size_t p = start;
  const size_t n = b.size();
  auto u8at = [&](size_t at) { return static_cast<uint64_t>(static_cast<unsigned char>(b[at])); };
  auto le = [&](size_t at, int bytes) {
    uint64_t v = 0;
    for (int k = bytes - 1; k >= 0; k--) v = (v << 8) | u8at(at + static_cast<size_t>(k));
    return v;
  };
  auto need = [&](uint64_t k) { return k <= n - p; };
  auto truncated = [&]() { return bad("pickle ends in the middle of an opcode (truncated file?)"); };
  auto pop = [&](Val* v) {
    if (stack.empty() || (!marks.empty() && marks.back() == stack.size())) return false;
    *v = stack.back();
    stack.pop_back();
    return true;
  };
  auto pop_mark = [&](std::vector<Val>* items) {
    if (marks.empty()) return false;
    const size_t m = marks.back();
    marks.pop_back();
    items->assign(stack.begin() + static_cast<std::ptrdiff_t>(m), stack.end());
    stack.resize(m);
    return true;
  };
  auto underflow = [&](const char* op) { return bad(std::string("pickle stack underflow at ") + op); };
  auto put = [&](uint64_t idx) {
    if (stack.empty()) return bad("pickle memoizes from an empty stack");
    if (idx >= UINT32_MAX || (memo.size() >= kMaxMemo && !memo.count(static_cast<uint32_t>(idx))))
      return bad("pickle memo index out of bounds");
    memo[static_cast<uint32_t>(idx)] = stack.back();
    return Status::success();
  };
  auto get = [&](uint64_t idx) {
    auto it = idx < UINT32_MAX ? memo.find(static_cast<uint32_t>(idx)) : memo.end();
    if (it == memo.end()) return bad("pickle reads memo entry " + std::to_string(idx) + ", never stored");
    stack.push_back(it->second);
    return Status::success();
  };
  auto push_int = [&](int64_t v) {
    Val x;
    x.kind = Kind::Int;
    x.i = v;
    stack.push_back(x);
  };
  auto set_items = [&](const Val& dict, const std::vector<Val>& kv) {
    if (dict.kind != Kind::Dict) return bad("pickle sets items on a " + std::string(kind_name(dict.kind)));
    if (kv.size() % 2) return bad("pickle sets an odd number of dict items");
    std::vector<Val>& d = seqs[dict.ref];
    d.insert(d.end(), kv.begin(), kv.end());
    return Status::success();
  };

  while (true) {
    if (p >= n) return truncated();
    if (stack.size() > kMaxStack || marks.size() > kMaxStack) return bad("pickle stack deeper than 1,048,576");
    const size_t op_at = p;
    const unsigned char op = static_cast<unsigned char>(b[p++]);
    Status s;
    switch (op) {
      case 0x80:  // PROTO
        if (!need(1)) return truncated();
        if (u8at(p) < 2 || u8at(p) > 5) return bad("pickle protocol " + std::to_string(u8at(p)) + " (expected 2-5)");
        p += 1;
        break;
      case 0x95:  // FRAME: length of the next frame, informational
        if (!need(8)) return truncated();
        if (le(p, 8) > n - p - 8) return bad("pickle frame runs past the end of the file (truncated?)");
        p += 8;
        break;
      case '.': {  // STOP
        Val v;
        if (!pop(&v)) return underflow("STOP");
        *end = p;
        *result = v;
        return Status::success();
      }
      case '(':  // MARK
        marks.push_back(stack.size());
        break;
      case '0': {  // POP
        Val v;
        if (!pop(&v)) return underflow("POP");
        break;
      }
      case '1': {  // POP_MARK
        std::vector<Val> items;
        if (!pop_mark(&items)) return underflow("POP_MARK");
        break;
      }
      case '2':  // DUP
        if (stack.empty()) return underflow("DUP");
        stack.push_back(stack.back());
        break;
      case 'N':
        stack.push_back(Val{});
        break;
      case 0x88:
      case 0x89: {  // NEWTRUE, NEWFALSE
        Val v;
        v.kind = Kind::Bool;
        v.i = op == 0x88;
        stack.push_back(v);
        break;
      }
      case 'J':  // BININT
        if (!need(4)) return truncated();
        push_int(static_cast<int32_t>(static_cast<uint32_t>(le(p, 4))));
        p += 4;
        break;
      case 'K':  // BININT1
        if (!need(1)) return truncated();
        push_int(static_cast<int64_t>(le(p, 1)));
        p += 1;
        break;
      case 'M':  // BININT2
        if (!need(2)) return truncated();
        push_int(static_cast<int64_t>(le(p, 2)));
        p += 2;
        break;
      case 0x8a:    // LONG1
      case 0x8b: {  // LONG4
        const int lw = op == 0x8a ? 1 : 4;
        if (!need(static_cast<uint64_t>(lw))) return truncated();
        const uint64_t len = le(p, lw);
        p += static_cast<size_t>(lw);
        if (len > 8) return bad("pickle integer wider than 64 bits");
        if (!need(len)) return truncated();
        uint64_t v = len ? le(p, static_cast<int>(len)) : 0;
        if (len > 0 && len < 8 && (v >> (8 * len - 1)) & 1) v |= ~uint64_t{0} << (8 * len);  // sign-extend
        push_int(static_cast<int64_t>(v));
        p += static_cast<size_t>(len);
        break;
      }
      case 'G': {  // BINFLOAT, big-endian double
        if (!need(8)) return truncated();
        uint64_t bits = 0;
        for (int k = 0; k < 8; k++) bits = (bits << 8) | u8at(p + static_cast<size_t>(k));
        Val v;
        v.kind = Kind::Float;
        std::memcpy(&v.f, &bits, 8);
        stack.push_back(v);
        p += 8;
        break;
      }
      case 'X': case 0x8c: case 0x8d:             // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
      case 'T': case 'U':                         // BINSTRING, SHORT_BINSTRING (Python 2 str)
      case 'B': case 'C': case 0x8e: {            // BINBYTES, SHORT_BINBYTES, BINBYTES8
        const int lw = (op == 0x8c || op == 'U' || op == 'C') ? 1 : (op == 0x8d || op == 0x8e) ? 8 : 4;
        if (!need(static_cast<uint64_t>(lw))) return truncated();
        const uint64_t len = le(p, lw);
        p += static_cast<size_t>(lw);
        if (op == 'T' && len > INT32_MAX) return bad("pickle string with a negative length");
        if (!need(len)) return truncated();
        const bool bytes = op == 'B' || op == 'C' || op == 0x8e;
        stack.push_back(make_str(bytes ? Kind::Bytes : Kind::Str, b.substr(p, static_cast<size_t>(len))));
        p += static_cast<size_t>(len);
        break;
      }
      case '}':
        stack.push_back(make_seq(Kind::Dict, {}));
        break;
      case ']':
        stack.push_back(make_seq(Kind::List, {}));
        break;
      case ')':
        stack.push_back(make_seq(Kind::Tuple, {}));
        break;
      case 't': case 'l': case 'd': {  // TUPLE, LIST, DICT from the items since the last MARK
        std::vector<Val> items;
        if (!pop_mark(&items)) return underflow("TUPLE/LIST/DICT");
        if (op == 'd' && items.size() % 2) return bad("pickle DICT with an odd number of items");
        stack.push_back(make_seq(op == 't' ? Kind::Tuple : op == 'l' ? Kind::List : Kind::Dict, std::move(items)));
        break;
      }
      case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
        const size_t k = op - 0x84u;
        std::vector<Val> items(k);
        for (size_t j = k; j-- > 0;)
          if (!pop(&items[j])) return underflow("TUPLEn");
        stack.push_back(make_seq(Kind::Tuple, std::move(items)));
        break;
      }
      case 'q':  // BINPUT
        if (!need(1)) return truncated();
        s = put(le(p, 1));
        p += 1;
        break;
      case 'r':  // LONG_BINPUT
        if (!need(4)) return truncated();
        s = put(le(p, 4));
        p += 4;
        break;
      case 0x94:  // MEMOIZE
        s = put(memo.size());
        break;
      case 'h':  // BINGET
        if (!need(1)) return truncated();
        s = get(le(p, 1));
        p += 1;
        break;
      case 'j':  // LONG_BINGET
        if (!need(4)) return truncated();
        s = get(le(p, 4));
        p += 4;
        break;
      case 'c':       // GLOBAL "module\nname\n"
      case 0x93: {    // STACK_GLOBAL (module, name on the stack)
        std::string module, name;
        if (op == 'c') {
          for (std::string* part : {&module, &name}) {
            const size_t nl = b.find('\n', p);
            if (nl == std::string_view::npos || nl - p > 256) return bad("pickle GLOBAL without a proper name");
            *part = std::string(b.substr(p, nl - p));
            p = nl + 1;
          }
        } else {
          Val vm, vn;
          if (!pop(&vn) || !pop(&vm)) return underflow("STACK_GLOBAL");
          if (vm.kind != Kind::Str || vn.kind != Kind::Str) return bad("pickle STACK_GLOBAL without names");
          module = str(vm);
          name = str(vn);
        }
        const int64_t id = allowed_global(module, name);
        if (!id) {
          std::string shown = module + "." + name;
          if (shown.size() > 120) shown = shown.substr(0, 120) + "...";
          for (char& ch : shown)
            if (static_cast<unsigned char>(ch) < 0x20) ch = '?';
          return bad("the pickle asks for the global '" + shown +
                     "', which is not allowed in a state dict: refused, nothing was run (only tensors, storages and "
                     "OrderedDict are read; this file may be malicious)");
        }
        Val v;
        v.kind = Kind::Global;
        v.i = id;
        stack.push_back(v);
        break;
      }
      case 'R': {  // REDUCE
        Val fn, args, out;
        if (!pop(&args) || !pop(&fn)) return underflow("REDUCE");
        s = call(fn, args, &out);
        if (s) stack.push_back(out);
        break;
      }
      case 'b': {  // BUILD: state of an OrderedDict (its _metadata) or a tensor; ignored
        Val state;
        if (!pop(&state)) return underflow("BUILD");
        if (stack.empty()) return underflow("BUILD");
        if (stack.back().kind != Kind::Dict && stack.back().kind != Kind::Tensor)
          return bad("pickle sets the state of a " + std::string(kind_name(stack.back().kind)) + " (refused)");
        break;
      }
      case 'Q': {  // BINPERSID
        Val pid, out;
        if (!pop(&pid)) return underflow("BINPERSID");
        s = persistent_load(pid, &out);
        if (s) stack.push_back(out);
        break;
      }
      case 's': {  // SETITEM
        Val k, v;
        if (!pop(&v) || !pop(&k) || stack.empty()) return underflow("SETITEM");
        s = set_items(stack.back(), {k, v});
        break;
      }
      case 'u': {  // SETITEMS
        std::vector<Val> items;
        if (!pop_mark(&items) || stack.empty()) return underflow("SETITEMS");
        s = set_items(stack.back(), items);
        break;
      }
      case 'a': case 'e': {  // APPEND, APPENDS
        std::vector<Val> items(1);
        if (op == 'a' ? !pop(&items[0]) : !pop_mark(&items)) return underflow("APPEND");
        if (stack.empty()) return underflow("APPEND");
        if (stack.back().kind != Kind::List)
          return bad("pickle appends to a " + std::string(kind_name(stack.back().kind)));
        std::vector<Val>& l = seqs[stack.back().ref];
        l.insert(l.end(), items.begin(), items.end());
        break;
      }
      case 0x81: case 0x92: case 'o': case 'i': case 'P': case 0x82: case 0x83: case 0x84:
        return bad("pickle opcode 0x" + std::string(1, "0123456789abcdef"[op >> 4]) + "0123456789abcdef"[op & 15] +
                   " (object construction or extension registry) at byte " + std::to_string(op_at) +
                   " is not allowed in a state dict: refused, nothing was run");
      default: {
        const char hex[] = "0123456789abcdef";
        return bad(std::string("unsupported pickle opcode 0x") + hex[op >> 4] + hex[op & 15] + " at byte " +
                   std::to_string(op_at) + " (not a PyTorch state dict, or a damaged file)");
      }
    }
    if (!s) return s;
  }
}

// ---- from the pickled state dict to tensor views ----------------------------------------------------------------

// Finds the storage bytes of a storage record: zip entries by key, legacy blocks by key.
using StorageBytes = std::map<std::string, std::string_view>;

Status build_tensors(Machine& m, const Val& top, const StorageBytes& storage_bytes, size_t file_size,
                     std::vector<TensorView>* views, std::vector<std::unique_ptr<std::string>>* owned) {
  if (top.kind != Kind::Dict)
    return m.bad("holds a " + std::string(kind_name(top.kind)) + ", not a state dict (a dict of tensors)");
  const std::vector<Val>& d = m.seqs[top.ref];
  // A training checkpoint ({"model": {...}, "optimizer": ...}) nests the state dict: say so.
  for (size_t j = 0; j + 1 < d.size(); j += 2) {
    if (d[j + 1].kind != Kind::Dict) continue;
    for (size_t q = 1; q < m.seqs[d[j + 1].ref].size(); q += 2) {
      if (m.seqs[d[j + 1].ref][q].kind == Kind::Tensor) {
        const std::string key = d[j].kind == Kind::Str ? m.str(d[j]) : std::string("?");
        return m.bad("the tensors sit under the key '" + key +
                     "': this is a training checkpoint, not a state dict. Save the model's state dict itself "
                     "(torch.save(checkpoint['" + key + "'], 'pytorch_model.bin')) or use save_pretrained");
      }
    }
  }
  std::map<std::string, TensorView> out;
  size_t owned_bytes = 0;
  for (size_t j = 0; j + 1 < d.size(); j += 2) {
    if (d[j].kind != Kind::Str) return m.bad("state dict has a " + std::string(kind_name(d[j].kind)) + " key");
    const std::string name = m.str(d[j]);
    if (d[j + 1].kind != Kind::Tensor)
      return m.bad("state dict entry '" + name + "' is not a tensor (" + kind_name(d[j + 1].kind) +
                   "): a state dict maps names to tensors only");
    const TensorRec& t = m.tensors[d[j + 1].ref];
    const StorageRec& s = m.storages[t.storage];
    const StorageType& st = kStorageTypes[s.type];
    const int64_t w = st.width;
    auto it = storage_bytes.find(s.key);
    if (it == storage_bytes.end()) return m.bad("tensor '" + name + "': its storage '" + s.key + "' is missing");
    // The storage's elements: [first, first + numel) of the stored bytes.
    int64_t first = s.is_view ? s.view_offset : 0, last = 0, have = static_cast<int64_t>(it->second.size()) / w;
    if (!add_ok(first, s.numel, &last) || last > have)
      return m.bad("tensor '" + name + "': storage '" + s.key + "' declares " + std::to_string(s.numel) +
                   " elements but the file holds " + std::to_string(have - std::min(have, first)) +
                   " (truncated or damaged file)");
    TensorView v;
    v.name = name;
    v.dtype = st.dtype;
    v.dtype_name = st.dtype_name;
    v.shape = t.size;
    int64_t numel = 1, max_index = t.offset;
    bool contiguous = true;
    int64_t expect = 1;
    for (size_t k = t.size.size(); k-- > 0;) {
      int64_t span = 0;
      if (!mul_ok(numel, t.size[k], &numel) || numel > (int64_t{1} << 48))
        return m.bad("tensor '" + name + "' has a shape too large to be real");
      if (t.size[k] > 0 && (!mul_ok(t.size[k] - 1, t.stride[k], &span) || !add_ok(max_index, span, &max_index)))
        return m.bad("tensor '" + name + "' has strides too large to be real");
      if (t.size[k] != 1 && t.stride[k] != expect) contiguous = false;
      if (!mul_ok(expect, t.size[k], &expect)) expect = INT64_MAX;
    }
    v.numel = numel;
    if (numel > 0 && max_index >= s.numel)
      return m.bad("tensor '" + name + "' of shape " + [&] {
               std::string r = "[";
               for (size_t k = 0; k < t.size.size(); k++) r += (k ? "," : "") + std::to_string(t.size[k]);
               return r + "]";
             }() + " at offset " + std::to_string(t.offset) + " needs " + std::to_string(max_index + 1) +
             " elements, but its storage '" + s.key + "' holds " + std::to_string(s.numel) + " (damaged file)");
    const std::string_view storage = it->second.substr(static_cast<size_t>(first * w), static_cast<size_t>(s.numel * w));
    if (numel == 0) {
      v.data = std::string_view();
    } else if (contiguous) {
      v.data = storage.substr(static_cast<size_t>(t.offset * w), static_cast<size_t>(numel * w));
    } else {
      // Gather a strided view into row-major order. Stride-0 views could claim far more than the file holds.
      const size_t nbytes = static_cast<size_t>(numel * w);
      if (nbytes > file_size || owned_bytes + nbytes > file_size)
        return m.bad("tensor '" + name + "' repeats its storage's elements beyond the file's size (refused)");
      owned_bytes += nbytes;
      auto buf = std::make_unique<std::string>(nbytes, '\0');
      const size_t nd = t.size.size();
      std::vector<int64_t> idx(nd, 0);
      int64_t src = t.offset;
      char* dst = &(*buf)[0];
      for (int64_t e = 0; e < numel; e++) {
        std::memcpy(dst + e * w, storage.data() + src * w, static_cast<size_t>(w));
        for (size_t k = nd; k-- > 0;) {  // next index, last dimension fastest
          if (++idx[k] < t.size[k]) {
            src += t.stride[k];
            break;
          }
          src -= (t.size[k] - 1) * t.stride[k];
          idx[k] = 0;
        }
      }
      v.data = *buf;
      owned->push_back(std::move(buf));
    }
    out[name] = std::move(v);
  }
  if (out.empty()) return m.bad("the state dict holds no tensors");
  views->clear();
  for (auto& [k, v] : out) views->push_back(std::move(v));
  return Status::success();
}

const unsigned char kLegacyMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

bool legacy_magic(std::string_view b) {
  // PROTO n, LONG1 10 bytes of 0x1950a86a20f9469cfc6c, STOP
  return b.size() >= 15 && static_cast<unsigned char>(b[0]) == 0x80 && static_cast<unsigned char>(b[2]) == 0x8a &&
         b[3] == 10 && std::memcmp(b.data() + 4, kLegacyMagic, 10) == 0 && b[14] == '.';
}

Status parse_zip(std::string_view bytes, const std::string& what, Machine& m, Val* top, StorageBytes* sb) {
  ZipArchive z;
  Status s = ZipArchive::parse(bytes, what, &z);
  if (!s) return s;
  // The archive's folder is the name the file had when saved ("archive", "pytorch_model", ...).
  const ZipEntry* pkl = nullptr;
  for (const ZipEntry& e : z.entries()) {
    const size_t slash = e.name.find('/');
    if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      pkl = &e;
      break;
    }
  }
  if (!pkl) return m.bad("zip archive without <name>/data.pkl: not a PyTorch checkpoint");
  const std::string prefix = pkl->name.substr(0, pkl->name.size() - 8);  // "<name>/"
  if (const ZipEntry* bo = z.find(prefix + "byteorder")) {
    std::string_view order;
    s = z.data(*bo, &order);
    if (!s) return s;
    if (order != "little") return m.bad("saved on a big-endian machine (byteorder '" + std::string(order.substr(0, 16)) +
                                        "'); only little-endian checkpoints are read");
  }
  std::string_view pickle;
  s = z.data(*pkl, &pickle);
  if (!s) return s;
  Machine pm;  // the pickle's own view, so opcode offsets in messages are within data.pkl
  pm.b = pickle;
  pm.what = what + " (" + pkl->name + ")";
  pm.persid_allowed = true;
  size_t end = 0;
  s = pm.run(0, &end, top);
  if (!s) return s;
  m = std::move(pm);
  m.what = what;
  for (const StorageRec& r : m.storages) {
    if (sb->count(r.key)) continue;
    const ZipEntry* e = z.find(prefix + "data/" + r.key);
    if (!e) return m.bad("storage '" + r.key + "' (" + prefix + "data/" + r.key + ") is missing from the archive");
    std::string_view d;
    s = z.data(*e, &d);
    if (!s) return s;
    (*sb)[r.key] = d;
  }
  return Status::success();
}

Status parse_legacy(std::string_view bytes, const std::string& what, Machine& m, Val* top, StorageBytes* sb) {
  m.b = bytes;
  m.what = what;
  size_t p = 15, end = 0;
  Val v;
  Status s = m.run(p, &end, &v);  // protocol version
  if (!s) return s;
  if (v.kind != Kind::Int || v.i != 1001)
    return m.bad("legacy checkpoint with protocol version other than 1001 (unsupported)");
  p = end;
  s = m.run(p, &end, &v);  // sys_info
  if (!s) return s;
  if (v.kind == Kind::Dict) {
    const std::vector<Val>& d = m.seqs[v.ref];
    for (size_t j = 0; j + 1 < d.size(); j += 2)
      if (d[j].kind == Kind::Str && m.str(d[j]) == "little_endian" && d[j + 1].kind == Kind::Bool && !d[j + 1].i)
        return m.bad("saved on a big-endian machine; only little-endian checkpoints are read");
  }
  p = end;
  m.persid_allowed = true;
  s = m.run(p, &end, top);  // the state dict
  if (!s) return s;
  m.persid_allowed = false;
  p = end;
  Val keys;
  s = m.run(p, &end, &keys);  // the storage keys, in the order of the data that follows
  if (!s) return s;
  if (keys.kind != Kind::List) return m.bad("legacy checkpoint without its list of storage keys");
  p = end;
  std::map<std::string, int> width;  // key -> element width, from the storages the state dict refers to
  for (const StorageRec& r : m.storages) width[r.key] = kStorageTypes[r.type].width;
  const std::vector<Val> key_list = m.seqs[keys.ref];
  for (const Val& k : key_list) {
    if (k.kind != Kind::Str) return m.bad("legacy storage key is not a string");
    const std::string key = m.str(k);
    auto w = width.find(key);
    if (w == width.end()) return m.bad("legacy storage '" + key + "' is not used by any tensor (damaged file)");
    if (bytes.size() - p < 8) return m.bad("storage '" + key + "' is cut off (truncated file?)");
    uint64_t count = 0;
    for (int j = 7; j >= 0; j--) count = (count << 8) | static_cast<unsigned char>(bytes[p + static_cast<size_t>(j)]);
    p += 8;
    if (count > (bytes.size() - p) / static_cast<uint64_t>(w->second))
      return m.bad("storage '" + key + "' claims " + std::to_string(count) + " elements, more than the file holds "
                   "(truncated file?)");
    const size_t nb = static_cast<size_t>(count) * static_cast<size_t>(w->second);
    (*sb)[key] = bytes.substr(p, nb);
    p += nb;
  }
  return Status::success();
}

}  // namespace

bool looks_like_torch_checkpoint(std::string_view bytes) {
  return ZipArchive::looks_like_zip(bytes) || legacy_magic(bytes);
}

Status TorchCheckpoint::parse(std::string_view bytes, const std::string& what, TorchCheckpoint* out) {
  Machine m;
  m.what = what;
  Val top;
  StorageBytes sb;
  Status s;
  if (ZipArchive::looks_like_zip(bytes)) {
    s = parse_zip(bytes, what, m, &top, &sb);
  } else if (legacy_magic(bytes)) {
    s = parse_legacy(bytes, what, m, &top, &sb);
  } else if (bytes.size() > 262 && bytes.compare(257, 5, "ustar") == 0) {
    return Status::error(what + ": a tar-format checkpoint (PyTorch before 0.4): not supported; load it in PyTorch "
                                "and save it again, or convert it to safetensors");
  } else {
    return Status::error(what + ": not a PyTorch checkpoint (neither a zip archive nor a legacy torch.save file)");
  }
  if (!s) return s;
  TorchCheckpoint c;
  s = build_tensors(m, top, sb, bytes.size(), &c.tensors_, &c.owned_);
  if (!s) return s;
  *out = std::move(c);
  return Status::success();
}

const TensorView* TorchCheckpoint::find(const std::string& name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const TensorView& t, const std::string& n) { return t.name < n; });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

Status torch_shard_names(const FileMap& files, const std::string& what, std::vector<std::string>* out) {
  out->clear();
  const std::string index = "pytorch_model.bin.index.json";
  auto idx = files.find(index);
  if (idx == files.end()) {
    if (!files.count("pytorch_model.bin")) return Status::error(what + ": no pytorch_model.bin in the model files");
    out->push_back("pytorch_model.bin");
    return Status::success();
  }
  using json = nlohmann::json;
  json j = json::parse(idx->second.begin(), idx->second.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    return Status::error(what + "/" + index + ": not JSON with a 'weight_map' object");
  for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
    if (!it.value().is_string())
      return Status::error(what + "/" + index + ": weight_map['" + it.key() + "'] is not a file name");
    const std::string& f = it.value().get_ref<const std::string&>();
    if (std::find(out->begin(), out->end(), f) == out->end()) out->push_back(f);
  }
  if (out->empty()) return Status::error(what + "/" + index + ": weight_map is empty");
  for (const std::string& f : *out)
    if (!files.count(f)) return Status::error(what + ": shard '" + f + "' named in " + index + " is missing");
  return Status::success();
}

Status torch_checkpoint_check(std::string_view bytes, const std::string& what) {
  TorchCheckpoint c;
  return TorchCheckpoint::parse(bytes, what, &c);
}

}  // namespace attnviz
