// Writes a BERT masked-LM (post-LN, erf gelu, tied decoder) as an ONNX model (opset 17, float32) from a model folder's
// config.json + model.safetensors, with a hand-written protobuf encoder (field numbers from onnx.proto), no Python.
//   node bench/ort/build_onnx.mjs MODEL_DIR OUT_DIR    writes OUT_DIR/model-lm-all.onnx and OUT_DIR/model-lm-none.onnx
// Inputs input_ids, token_type_ids: int64 [1, T]. Outputs attention_0..L-1 ([1, H, T, T], softmax probabilities),
// last_hidden_state ([1, T, D]) and, for lm=all, logits ([1, T, V]) at every position.
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {readSafetensors} from '../../tests/js/safetensors.mjs';

// --- protobuf wire format: a message is an array of Buffers, concatenated at the end --------------------------------
function varint(n) {  // int64 as protobuf varint (negative numbers as 10-byte two's complement)
  let v = BigInt.asUintN(64, BigInt(n));
  const b = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    b.push(byte);
  } while (v);
  return Buffer.from(b);
}
const key = (field, wire) => varint((field << 3) | wire);
const pbInt = (field, n) => Buffer.concat([key(field, 0), varint(n)]);
const pbBytes = (field, buf) => Buffer.concat([key(field, 2), varint(buf.length), buf]);
const pbStr = (field, s) => pbBytes(field, Buffer.from(s, 'utf8'));
const pbMsg = (field, parts) => pbBytes(field, Buffer.concat(parts));
const pbFloat = (field, f) => { const b = Buffer.alloc(4); b.writeFloatLE(f); return Buffer.concat([key(field, 5), b]); };

// --- ONNX messages ---------------------------------------------------------------------------------------------------
const FLOAT = 1, INT64 = 7;  // TensorProto.DataType
function tensor(name, dims, type, data) {  // TensorProto with raw_data (little-endian, row-major)
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return [...dims.map((d) => pbInt(1, d)), pbInt(2, type), pbStr(8, name), pbBytes(9, raw)];
}
function attr(name, v) {  // AttributeProto: INT (2), FLOAT (1) or INTS (7)
  if (Array.isArray(v)) return [pbStr(1, name), pbInt(20, 7), ...v.map((x) => pbInt(8, x))];
  if (Number.isInteger(v)) return [pbStr(1, name), pbInt(20, 2), pbInt(3, v)];
  return [pbStr(1, name), pbInt(20, 1), pbFloat(2, v)];
}
function node(op, inputs, outputs, attrs = {}) {  // NodeProto
  return [...inputs.map((s) => pbStr(1, s)), ...outputs.map((s) => pbStr(2, s)), pbStr(3, outputs[0]), pbStr(4, op),
    ...Object.entries(attrs).map(([k, v]) => pbMsg(5, attr(k, v)))];
}
function valueInfo(name, type, dims) {  // ValueInfoProto: tensor type, dims are numbers or symbolic names
  const shape = dims.map((d) => pbMsg(1, [typeof d === 'number' ? pbInt(1, d) : pbStr(2, d)]));
  return [pbStr(1, name), pbMsg(2, [pbMsg(1, [pbInt(1, type), pbMsg(2, shape)])])];
}

// Builds the ONNX bytes for lm 'all' (logits at every position) or 'none' (encoder only).
export function buildOnnx(modelDir, lm) {
  const cfg = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
  const st = readSafetensors(path.join(modelDir, 'model.safetensors'));  // F16 comes back as float32
  const L = cfg.num_hidden_layers, H = cfg.num_attention_heads, D = cfg.hidden_size, V = cfg.vocab_size;
  const dh = D / H, eps = cfg.layer_norm_eps;
  if (cfg.hidden_act !== 'gelu') throw new Error(`${modelDir}: hidden_act ${cfg.hidden_act}, only gelu (erf) written`);
  const nodes = [], inits = [];
  const get = (name) => { if (!st[name]) throw new Error(`${modelDir}: no tensor ${name}`); return st[name]; };
  const f32 = (name, dims, data) => { inits.push(tensor(name, dims, FLOAT, data)); return name; };
  const i64 = (name, vals) => { inits.push(tensor(name, [vals.length], INT64, BigInt64Array.from(vals.map(BigInt)))); return name; };
  const i64Scalar = (name, v) => { inits.push(tensor(name, [], INT64, BigInt64Array.of(BigInt(v)))); return name; };
  const scalar = (name, v) => { inits.push(tensor(name, [], FLOAT, Float32Array.of(v))); return name; };
  const weight = (name) => f32(name, get(name).shape, get(name).data);
  const transposed = (name, outName) => {  // PyTorch Linear (out, in) -> (in, out) for MatMul x W, as torch's exporter does
    const {shape: [o, i], data} = get(name);
    const t = new Float32Array(o * i);
    for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) t[c * o + r] = data[r * i + c];
    return f32(outName, [i, o], t);
  };
  const op = (type, inputs, out, attrs) => { nodes.push(node(type, inputs, [out], attrs)); return out; };
  const linear = (x, prefix, out) =>
    op('Add', [op('MatMul', [x, transposed(`${prefix}.weight`, `${prefix}.weight_t`)], `${out}/mm`), weight(`${prefix}.bias`)], out);
  const layerNorm = (x, prefix, out) =>
    op('LayerNormalization', [x, weight(`${prefix}.weight`), weight(`${prefix}.bias`)], out, {axis: -1, epsilon: eps});
  const gelu = (x, out) =>  // 0.5 x (1 + erf(x / sqrt 2)), the pattern torch exports (and ORT fuses)
    op('Mul', [op('Mul', [x, op('Add', [op('Erf', [op('Div', [x, 'sqrt2'], `${out}/div`)], `${out}/erf`), 'one'], `${out}/add`)],
      `${out}/mul`), 'half'], out);
  scalar('sqrt2', Math.SQRT2); scalar('one', 1); scalar('half', 0.5); scalar('sqrt_dh', Math.sqrt(dh));
  i64('heads_shape', [0, -1, H, dh]); i64('merge_shape', [0, -1, D]);

  // Embeddings: word[ids] + position[0..T) + token_type[types], LayerNorm.
  const E = 'bert.embeddings';
  op('Shape', ['input_ids'], 'ids_shape');
  op('Gather', ['ids_shape', i64Scalar('one_i', 1)], 'T');  // a scalar
  op('Range', [i64Scalar('zero_i', 0), 'T', 'one_i'], 'positions');
  op('Gather', [weight(`${E}.word_embeddings.weight`), 'input_ids'], 'emb_word');
  op('Gather', [weight(`${E}.position_embeddings.weight`), 'positions'], 'emb_pos');
  op('Gather', [weight(`${E}.token_type_embeddings.weight`), 'token_type_ids'], 'emb_type');
  op('Add', [op('Add', ['emb_word', 'emb_pos'], 'emb_wp'), 'emb_type'], 'emb_sum');
  let x = layerNorm('emb_sum', `${E}.LayerNorm`, 'emb');

  const heads = (t, perm, out) => op('Transpose', [op('Reshape', [t, 'heads_shape'], `${out}/r`)], out, {perm});
  for (let l = 0; l < L; l++) {
    const p = `bert.encoder.layer.${l}`, n = `l${l}`;
    const q = heads(linear(x, `${p}.attention.self.query`, `${n}/q`), [0, 2, 1, 3], `${n}/qh`);  // [1, H, T, dh]
    const k = heads(linear(x, `${p}.attention.self.key`, `${n}/k`), [0, 2, 3, 1], `${n}/kt`);   // [1, H, dh, T]
    const v = heads(linear(x, `${p}.attention.self.value`, `${n}/v`), [0, 2, 1, 3], `${n}/vh`);
    const scores = op('Div', [op('MatMul', [q, k], `${n}/qk`), 'sqrt_dh'], `${n}/scores`);
    const probs = op('Softmax', [scores], `attention_${l}`, {axis: -1});  // a graph output
    const ctx = op('Reshape', [op('Transpose', [op('MatMul', [probs, v], `${n}/ctx`)], `${n}/ctx_t`, {perm: [0, 2, 1, 3]}),
      'merge_shape'], `${n}/ctx_m`);
    const attnOut = op('Add', [linear(ctx, `${p}.attention.output.dense`, `${n}/o`), x], `${n}/res1`);
    const x1 = layerNorm(attnOut, `${p}.attention.output.LayerNorm`, `${n}/ln1`);
    const ff = gelu(linear(x1, `${p}.intermediate.dense`, `${n}/ff1`), `${n}/gelu`);
    const y = op('Add', [linear(ff, `${p}.output.dense`, `${n}/ff2`), x1], `${n}/res2`);
    x = layerNorm(y, `${p}.output.LayerNorm`, l === L - 1 ? 'last_hidden_state' : `${n}/out`);
  }

  const outputs = [];
  for (let l = 0; l < L; l++) outputs.push(valueInfo(`attention_${l}`, FLOAT, [1, H, 'T', 'T']));
  outputs.push(valueInfo('last_hidden_state', FLOAT, [1, 'T', D]));
  if (lm === 'all') {  // MLM head: dense, gelu, LayerNorm, then x word_embeddings^T (tied) + cls.predictions.bias
    const C = 'cls.predictions';
    const t = layerNorm(gelu(linear(x, `${C}.transform.dense`, 'mlm/dense'), 'mlm/gelu'), `${C}.transform.LayerNorm`, 'mlm/ln');
    const dec = st[`${C}.decoder.weight`] ? `${C}.decoder.weight` : `${E}.word_embeddings.weight`;
    op('Add', [op('MatMul', [t, transposed(dec, 'decoder_t')], 'mlm/mm'), weight(`${C}.bias`)], 'logits');
    outputs.push(valueInfo('logits', FLOAT, [1, 'T', V]));
  } else if (lm !== 'none') throw new Error(`lm must be all or none, not ${lm}`);

  const graph = [...nodes.map((nd) => pbMsg(1, nd)), pbStr(2, `bert-mlm-lm-${lm}`),
    ...inits.map((t) => pbMsg(5, t)),
    pbMsg(11, valueInfo('input_ids', INT64, [1, 'T'])), pbMsg(11, valueInfo('token_type_ids', INT64, [1, 'T'])),
    ...outputs.map((o) => pbMsg(12, o))];
  // ModelProto: ir_version 8 (opset 17's), producer, graph, opset_import {domain "", version 17}.
  return Buffer.concat([pbInt(1, 8), pbStr(2, 'attnviz bench/ort'), pbMsg(7, graph), pbMsg(8, [pbStr(1, ''), pbInt(2, 17)])]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [modelDir, outDir] = process.argv.slice(2);
  if (!modelDir || !outDir) { console.error('usage: node build_onnx.mjs MODEL_DIR OUT_DIR'); process.exit(2); }
  fs.mkdirSync(outDir, {recursive: true});
  for (const lm of ['all', 'none']) {
    const bytes = buildOnnx(modelDir, lm);
    fs.writeFileSync(path.join(outDir, `model-lm-${lm}.onnx`), bytes);
    console.error(`build_onnx: ${path.join(outDir, `model-lm-${lm}.onnx`)} (${(bytes.length / 1e6).toFixed(1)} MB)`);
  }
}
