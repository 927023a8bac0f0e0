#!/usr/bin/env python3
# Writes a BERT-base-shaped model (V=21128, D=768, 12 layers, F=3072, 512 positions; ~407 MB float32, synthetic
# weights) twice: OUT/st (model.safetensors) and OUT/bin (pytorch_model.bin, zip as torch.save writes it), with
# tiny-bert's tokenizer, for memory measurements: /usr/bin/time -f %M build/native/attnviz bench --model OUT/bin ...
# Usage: python3 scripts/make-bert-base-checkpoint.py OUT
import array, json, os, random, shutil, struct, sys, zipfile
out = sys.argv[1]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
V, D, L, F, P = 21128, 768, 12, 3072, 512
random.seed(1)
base = array.array('f', [random.gauss(0, 0.02) for _ in range(1 << 16)]).tobytes()
def blob(n):
    nb = n * 4
    reps = nb // len(base) + 1
    return (base * reps)[:nb]
tensors = []
def add(name, shape):
    n = 1
    for s in shape: n *= s
    tensors.append((name, shape, n))
add("bert.embeddings.word_embeddings.weight", [V, D]); add("bert.embeddings.position_embeddings.weight", [P, D])
add("bert.embeddings.token_type_embeddings.weight", [2, D])
add("bert.embeddings.LayerNorm.weight", [D]); add("bert.embeddings.LayerNorm.bias", [D])
for l in range(L):
    p = f"bert.encoder.layer.{l}."
    for x in ["query", "key", "value"]:
        add(p + f"attention.self.{x}.weight", [D, D]); add(p + f"attention.self.{x}.bias", [D])
    add(p + "attention.output.dense.weight", [D, D]); add(p + "attention.output.dense.bias", [D])
    add(p + "attention.output.LayerNorm.weight", [D]); add(p + "attention.output.LayerNorm.bias", [D])
    add(p + "intermediate.dense.weight", [F, D]); add(p + "intermediate.dense.bias", [F])
    add(p + "output.dense.weight", [D, F]); add(p + "output.dense.bias", [D])
    add(p + "output.LayerNorm.weight", [D]); add(p + "output.LayerNorm.bias", [D])
os.makedirs(out + "/st", exist_ok=True); os.makedirs(out + "/bin", exist_ok=True)
cfg = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": D, "intermediate_size": F,
       "num_attention_heads": 12, "num_hidden_layers": L, "max_position_embeddings": P, "type_vocab_size": 2,
       "vocab_size": V, "hidden_act": "gelu", "layer_norm_eps": 1e-12}
for d in ["st", "bin"]:
    json.dump(cfg, open(f"{out}/{d}/config.json", "w"))
    for t in ["vocab.txt", "tokenizer_config.json"]:
        shutil.copy(os.path.join(root, "tests/data/tiny-bert", t), f"{out}/{d}/")
# safetensors
hdr = {}; off = 0
for name, shape, n in tensors:
    hdr[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + 4 * n]}; off += 4 * n
h = json.dumps(hdr).encode(); h += b" " * ((8 - len(h) % 8) % 8)
with open(f"{out}/st/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h))); f.write(h)
    for name, shape, n in tensors: f.write(blob(n))
# pytorch zip
def ustr(s):
    b = s.encode(); return b"X" + struct.pack("<I", len(b)) + b
def J(i): return b"J" + struct.pack("<i", i)
def tup(xs): return b"(" + b"".join(J(x) for x in xs) + b"t"
pk = b"\x80\x02}("
for k, (name, shape, n) in enumerate(tensors):
    stride = []; acc = 1
    for s in reversed(shape): stride.insert(0, acc); acc *= s
    pk += ustr(name) + b"ctorch._utils\n_rebuild_tensor_v2\n(" + b"(" + ustr("storage") + b"ctorch\nFloatStorage\n" + ustr(str(k)) + ustr("cpu") + J(n) + b"tQ"
    pk += J(0) + tup(shape) + tup(stride) + b"\x89ccollections\nOrderedDict\n)Rt" + b"R"
pk += b"u."
with zipfile.ZipFile(f"{out}/bin/pytorch_model.bin", "w", zipfile.ZIP_STORED) as z:
    z.writestr("archive/data.pkl", pk)
    for k, (name, shape, n) in enumerate(tensors): z.writestr(f"archive/data/{k}", blob(n))
    z.writestr("archive/version", "3\n")
