#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, made at run time from the project's test data (tests/data, models/ and, when
present, ../shared): real files made small (few tensors, short vocabularies) so each run is fast, plus a few edge
cases. Usage: make_seeds.py OUT_DIR [TARGET...]; writes OUT_DIR/TARGET/NN. One function per target (seeds_NAME)."""
import base64
import glob
import json
import os
import struct
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
SHARED = os.path.abspath(os.path.join(ROOT, '..', 'shared'))
MAX_LEN = 65536  # scripts/fuzz.sh passes the same -max_len
SPLIT = b'\n----8<----\n'  # fuzz/fuzz_util.h kSplit: files joined in one input
TEXTS = ['张三在北京大学读书，后来去了上海的华为公司工作。', 'The quick brown fox jumps over the lazy dog.',
         'café naïve x\u0301 \u200b ok', '👩\u200d💻 ❤\ufe0f \t\r\n', '[MASK] [CLS] <|endoftext|> hello']


def files(*patterns):
    out = []
    for p in patterns:
        out += sorted(glob.glob(os.path.join(ROOT, p), recursive=True))
        if os.path.isdir(SHARED):
            out += sorted(glob.glob(os.path.join(SHARED, p), recursive=True))
    return out


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def st_file(header, data, pad=0):
    h = json.dumps(header, separators=(',', ':')).encode() + b' ' * pad
    return struct.pack('<Q', len(h)) + h + data


def seeds_safetensors():
    out = []
    for path in files('models/*/model.safetensors', 'tests/data/**/*.safetensors', 'fixtures/**/*.safetensors'):
        b = read(path)
        n = struct.unpack('<Q', b[:8])[0]
        header = json.loads(b[8:8 + n])
        data = b[8 + n:]
        items = sorted(((k, v) for k, v in header.items() if k != '__metadata__'),
                       key=lambda kv: kv[1]['data_offsets'][1] - kv[1]['data_offsets'][0])[:10]
        small, blob = {}, b''
        if '__metadata__' in header:
            small['__metadata__'] = header['__metadata__']
        for k, v in items:
            s, e = v['data_offsets']
            small[k] = dict(v, data_offsets=[len(blob), len(blob) + e - s])
            blob += data[s:e]
        out.append(st_file(small, blob, pad=(8 - (len(json.dumps(small, separators=(',', ':'))) + 8) % 8) % 8))
        if len(items) >= 2:  # the overlap: one tensor pointed at another's bytes
            (k0, v0), (k1, v1) = items[0], items[1]
            bad = dict(small)
            bad[k1] = dict(small[k1], data_offsets=small[k0]['data_offsets'])
            out.append(st_file(bad, blob))
        out.append(st_file(small, blob) + b'\0' * 19)  # bytes after the last tensor
    f4 = struct.pack('<f', 1.5)
    out.append(st_file({'a': {'dtype': 'F16', 'shape': [2], 'data_offsets': [0, 4]},
                        'b': {'dtype': 'BF16', 'shape': [], 'data_offsets': [4, 6]},
                        'c': {'dtype': 'F32', 'shape': [1, 1], 'data_offsets': [6, 10]},
                        'd': {'dtype': 'F4', 'shape': [2], 'data_offsets': [10, 11]},
                        'e': {'dtype': 'I64', 'shape': [0, 3], 'data_offsets': [11, 11]}}, b'\0\x3c\0\xc0\x80\x3f' + f4 + b'\x11'))
    out.append(struct.pack('<Q', 2) + b'{}')
    return out


def seeds_model_config():
    return [read(p) for p in files('models/*/config.json', 'tests/data/*/config.json', 'fixtures/**/config.json')]


def shrink_tokenizer_json(j, n):
    m = j.get('model', {})
    vocab = m.get('vocab')
    if isinstance(vocab, list):  # Unigram: [[piece, score], ...]
        m['vocab'] = vocab[:n]
    elif isinstance(vocab, dict):
        m['vocab'] = {k: v for k, v in vocab.items() if v < n}
        if isinstance(m.get('merges'), list):
            keep = m['vocab']
            def parts(x):
                return x if isinstance(x, list) else x.split(' ', 1)
            m['merges'] = [x for x in m['merges'] if len(parts(x)) == 2 and all(p in keep for p in parts(x))
                           and ''.join(parts(x)) in keep]
    j['added_tokens'] = [t for t in j.get('added_tokens', []) if t.get('id', 0) < n]
    return json.dumps(j, ensure_ascii=False).encode()


def with_text(parts, i):
    return SPLIT.join(parts + [TEXTS[i % len(TEXTS)].encode()])


def seeds_tokenizer_json():
    out = []
    for i, p in enumerate(files('models/*/tokenizer.json', 'tests/data/*/tokenizer.json', 'fixtures/**/tokenizer.json')):
        out.append(with_text([shrink_tokenizer_json(json.loads(read(p)), 500)], i))
    return out


def head_lines(b, n):
    return b''.join(b.splitlines(keepends=True)[:n])


def seeds_vocab_txt():
    out = []
    for i, p in enumerate(files('models/*/vocab.txt', 'tests/data/*/vocab.txt', 'vocab/*.vocab.txt')):
        d = os.path.dirname(p)
        cfg = os.path.join(d, 'tokenizer_config.json')
        v = head_lines(read(p), 600)
        out.append(with_text([v, read(cfg) if os.path.exists(cfg) else b''], i))
        out.append(v + (b'\n' if len(v) % 2 == 0 else b''))  # odd size: loaded as a bare vocabulary file
    return out


def bpe_pair(vocab_bytes, merges_bytes, n):
    vocab = {k: v for k, v in json.loads(vocab_bytes).items() if v < n}
    lines = merges_bytes.decode('utf-8').split('\n')
    keep = [l for l in lines[:3000] if l.startswith('#') or (len(l.split(' ')) == 2 and ''.join(l.split(' ')) in vocab
                                                           and all(x in vocab for x in l.split(' ')))]
    return json.dumps(vocab, ensure_ascii=False).encode(), '\n'.join(keep).encode() + b'\n'


def seeds_vocab_json_merges():
    out = []
    for i, p in enumerate(files('models/*/vocab.json', 'tests/data/*/vocab.json')):
        d = os.path.dirname(p)
        v, m = bpe_pair(read(p), read(os.path.join(d, 'merges.txt')), 700)
        cfg = os.path.join(d, 'tokenizer_config.json')
        out.append(with_text([v, m, read(cfg) if os.path.exists(cfg) else b''], i))
    return out


def seeds_encoder_json_bpe():
    out = []
    pairs = [(p, os.path.join(os.path.dirname(p), 'vocab.bpe')) for p in files('vocab/gpt2/encoder.json')]
    pairs += [(p, os.path.join(os.path.dirname(p), 'merges.txt')) for p in files('models/gpt2-mini/vocab.json')]
    for i, (e, b) in enumerate(pairs):
        if os.path.exists(b):
            v, m = bpe_pair(read(e), read(b), 700)
            out.append(with_text([v, m], i))
    return out


def seeds_input_line():
    out = []
    for p in files('tests/data/tokenizer/*.jsonl'):
        out += [l for l in read(p).splitlines() if l.strip()][:60]
    for p in files('tests/data/*/expected.json', 'tests/data/*.expected.json'):
        j = json.loads(read(p))
        if isinstance(j, dict):
            out += [json.dumps(v, ensure_ascii=False).encode() for v in j.values() if isinstance(v, dict)]
    out += [json.dumps({'text': t, 'text_pair': TEXTS[0]}, ensure_ascii=False).encode() for t in TEXTS]
    out += [b'{"text": 5}', b'[]', b'{"text":"a","text_pair":null}']
    return out


def pack(payload):  # the compact link's packing with literals only: version 1, LEB128 length, literal runs
    out, n = bytearray([1]), len(payload)
    while True:
        out.append((n & 0x7f) | (0x80 if n > 0x7f else 0))
        n >>= 7
        if not n:
            break
    for i in range(0, len(payload), 128):
        chunk = payload[i:i + 128]
        out.append(len(chunk) - 1)
        out += chunk
    return bytes(out)


def seeds_view_state():
    out = []
    import re
    for p in files('README.md', 'docs/INTERFACES.md', 'tests/test_view_state.cpp'):
        for m in re.findall(rb'#([a-z]+=[^\s`")\]]+)', read(p)):
            out.append(m)
        for m in re.findall(rb'"(z=[A-Za-z0-9_-]+)', read(p)):
            z = m[2:].decode()
            out.append(m)
            try:
                out.append(base64.urlsafe_b64decode(z + '=' * (-len(z) % 4)))  # the packed bytes themselves
            except ValueError:
                pass  # a deliberately broken link in the tests
    for link in [b'model=gpt2-mini&text=hello%20world&view=lines&layer=1&head=2&token=0&cmap=magma&scale=log'
                 b'&threshold=0.25&hide=1&merge=words&ko=0.1,1.2&embed',
                 b'model=user:mine&hash=abc123&text=a+b&pair=%E4%B8%96&view=stats']:
        out.append(link)
        out.append(pack(link))
    return out


def _torch_pickler():
    """A pickle.Pickler writing what torch.save writes, without torch: fake modules 'torch' and 'torch._utils' hold
    the storage classes and _rebuild_tensor_v2 so GLOBAL opcodes name them; storages become persistent ids."""
    import collections
    import io
    import pickle
    import types
    torch = sys.modules.get('torch') or types.ModuleType('torch')
    utils = sys.modules.get('torch._utils') or types.ModuleType('torch._utils')
    for cls in ('FloatStorage', 'HalfStorage', 'BFloat16Storage'):
        if not hasattr(torch, cls):
            setattr(torch, cls, type(cls, (), {'__module__': 'torch'}))

    def _rebuild_tensor_v2(*args):  # never called: only its name is pickled
        raise RuntimeError('fake')
    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = 'torch._utils', '_rebuild_tensor_v2'
    if not hasattr(utils, '_rebuild_tensor_v2'):
        utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils
    sys.modules.setdefault('torch', torch)
    sys.modules.setdefault('torch._utils', utils)

    class Storage:
        def __init__(self, cls, key, data, width, legacy):
            self.cls, self.key, self.data, self.numel, self.legacy = cls, key, data, len(data) // width, legacy

    class Tensor:
        def __init__(self, storage, offset, size, stride):
            self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

        def __reduce__(self):
            return (utils._rebuild_tensor_v2, self.args)

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                pid = ('storage', obj.cls, obj.key, 'cpu', obj.numel)
                return pid + (None,) if obj.legacy else pid
            return None

    def dumps(obj):
        b = io.BytesIO()
        Pickler(b, protocol=2).dump(obj)
        return b.getvalue()
    return torch, Storage, Tensor, dumps


def torch_zip(entries, name='archive'):
    """entries: {path inside the archive folder: bytes}, written as torch.save's zip (stored, not compressed)."""
    import io
    import zipfile
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_STORED) as z:
        for k, v in entries.items():
            z.writestr(name + '/' + k, v)
    return b.getvalue()


def seeds_torch_checkpoint():
    import collections
    import pickle
    out = []
    d = os.path.join(SHARED, 'fixtures', 'pytorch-bin')
    for case in ('evil-os-system', 'evil-builtins-eval', 'storage-too-small'):  # hostile ones, < 1 KB each
        p = os.path.join(d, case, 'pytorch_model.bin')
        if os.path.isfile(p):
            out.append(read(p))
    torch, Storage, Tensor, dumps = _torch_pickler()
    f32 = lambda xs: struct.pack('<%df' % len(xs), *xs)
    f16 = lambda xs: struct.pack('<%de' % len(xs), *xs)

    def state(legacy):
        s0 = Storage(torch.FloatStorage, '0', f32([float(i) for i in range(12)]), 4, legacy)
        s1 = Storage(torch.HalfStorage, '1', f16([0.5, -1.0, 2.0, 65504.0]), 2, legacy)
        sd = collections.OrderedDict()
        sd['embeddings.weight'] = Tensor(s0, 0, [2, 3], [3, 1])      # row-major view at the start
        sd['encoder.bias'] = Tensor(s0, 6, [6], [1])                  # same storage, with an offset
        sd['decoder.weight'] = Tensor(s0, 0, [3, 2], [1, 3])          # transposed: strides not row-major
        sd['half.weight'] = Tensor(s1, 0, [2, 2], [2, 1])             # float16 storage
        return sd, [s0, s1]

    sd, storages = state(False)
    base = {'data.pkl': dumps(sd)}
    for s in storages:
        base['data/' + s.key] = s.data
    out.append(torch_zip(dict(base, version=b'3\n', byteorder=b'little')))
    out.append(torch_zip(dict(base, version=b'3\n'), name='pytorch_model'))  # no byteorder record (older torch)
    bf = Storage(torch.BFloat16Storage, '0', b'\x80\x3f\x00\x40\x40\xc0', 2, False)  # 1, 2, -3 as bfloat16
    out.append(torch_zip({'data.pkl': dumps({'w': Tensor(bf, 1, [2], [1])}), 'data/0': bf.data,
                          'version': b'3\n', 'byteorder': b'little'}))
    # Legacy (torch < 1.6): magic, protocol version, sys_info, state dict, storage keys, then per storage u64 + bytes.
    sd, storages = state(True)
    legacy = (pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2) + pickle.dumps(1001, protocol=2) +
              pickle.dumps({'protocol_version': 1001, 'little_endian': True,
                            'type_sizes': {'short': 2, 'int': 4, 'long': 4}}, protocol=2) +
              dumps(sd) + pickle.dumps([s.key for s in storages], protocol=2))
    for s in storages:
        legacy += struct.pack('<Q', s.numel) + s.data
    out.append(legacy)
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit('usage: make_seeds.py OUT_DIR [TARGET...]')
    out_dir = sys.argv[1]
    names = sys.argv[2:] or [k[len('seeds_'):] for k in globals() if k.startswith('seeds_')]
    for name in names:
        fn = globals().get('seeds_' + name)
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        seeds = fn() if fn else []
        hand = os.path.join(ROOT, 'fuzz', 'seeds', name)  # small hand-written seeds, if any
        if os.path.isdir(hand):
            seeds += [read(os.path.join(hand, f)) for f in sorted(os.listdir(hand))]
        # Distinct seeds within the fuzzers' -max_len (scripts/fuzz.sh), in a stable order.
        seeds = [s for s in dict.fromkeys(seeds) if len(s) <= MAX_LEN]
        for i, s in enumerate(seeds):
            with open(os.path.join(d, '%03d' % i), 'wb') as f:
                f.write(s)
        print('seeds: %s: %d' % (name, len(seeds)))


if __name__ == '__main__':
    main()
