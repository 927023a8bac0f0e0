#!/usr/bin/env node
// make-half-model.mjs: copies a model folder with its float32 safetensors weights stored as F16 or BF16 (round to
// nearest even, as torch's .half() / .bfloat16()), for the memory benchmark of half-precision checkpoints (issue 11):
//   attnviz bench --make-model base /tmp/base && node scripts/make-half-model.mjs /tmp/base /tmp/base-f16 f16
// Tensor by tensor through small buffers (a 1.4 GB GPT-2 medium converts in little memory). Other files are copied.
import fs from 'node:fs';
import path from 'node:path';

const [src, dst, kind] = process.argv.slice(2);
if (!src || !dst || !['f16', 'bf16'].includes(kind)) {
  console.error('usage: node scripts/make-half-model.mjs SRC_DIR DST_DIR f16|bf16');
  process.exit(2);
}
const DTYPE = kind === 'f16' ? 'F16' : 'BF16';
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

// IEEE 754 binary32 bits -> binary16 bits, round to nearest even (NaN stays NaN, overflow -> infinity).
function toHalf(x) {
  const sign = (x >>> 16) & 0x8000;
  const ax = x & 0x7fffffff;
  if (ax >= 0x7f800000) return sign | 0x7c00 | (ax > 0x7f800000 ? 0x200 : 0);
  if (ax >= 0x477ff000) return sign | 0x7c00;
  if (ax < 0x33000001) return sign;
  const e = ax >>> 23;
  let man = (ax & 0x7fffff) | 0x800000;
  let shift, he;
  if (e < 113) { shift = 126 - e; he = 0; } else { shift = 13; he = e - 112; man &= 0x7fffff; }
  const q = man >>> shift;
  const rem = man & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  let out = (he << 10) + q;
  if (rem > halfway || (rem === halfway && (q & 1))) out++;
  return sign | out;
}
function toBf16(x) {
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}
const convert = kind === 'f16' ? toHalf : toBf16;

fs.mkdirSync(dst, {recursive: true});
for (const name of fs.readdirSync(src)) {
  const from = path.join(src, name);
  if (!fs.statSync(from).isFile()) continue;
  if (!name.endsWith('.safetensors')) { fs.copyFileSync(from, path.join(dst, name)); continue; }
  const fd = fs.openSync(from, 'r');
  const lenBuf = Buffer.alloc(8);
  fs.readSync(fd, lenBuf, 0, 8, 0);
  const n = Number(lenBuf.readBigUInt64LE(0));
  const hb = Buffer.alloc(n);
  fs.readSync(fd, hb, 0, n, 8);
  const header = JSON.parse(hb.toString('utf8'));
  const names = Object.keys(header).filter((k) => k !== '__metadata__')
    .sort((a, b) => header[a].data_offsets[0] - header[b].data_offsets[0]);
  const out = {};
  if (header.__metadata__) out.__metadata__ = header.__metadata__;
  let off = 0;
  for (const k of names) {
    const t = header[k];
    const count = (t.data_offsets[1] - t.data_offsets[0]) / (t.dtype === 'F32' ? 4 : 1);
    const bytes = t.dtype === 'F32' ? count * 2 : t.data_offsets[1] - t.data_offsets[0];
    out[k] = {dtype: t.dtype === 'F32' ? DTYPE : t.dtype, shape: t.shape, data_offsets: [off, off + bytes]};
    off += bytes;
  }
  let h = JSON.stringify(out);
  while ((8 + h.length) % 8) h += ' ';
  const wfd = fs.openSync(path.join(dst, name), 'w');
  const outLen = Buffer.alloc(8);
  outLen.writeBigUInt64LE(BigInt(Buffer.byteLength(h)));
  fs.writeSync(wfd, outLen);
  fs.writeSync(wfd, h);
  const CHUNK = 1 << 20;  // elements
  const inBuf = Buffer.alloc(CHUNK * 4), outBuf = Buffer.alloc(CHUNK * 2);
  for (const k of names) {
    const t = header[k];
    const begin = 8 + n + t.data_offsets[0], size = t.data_offsets[1] - t.data_offsets[0];
    if (t.dtype !== 'F32') {  // copied as is
      for (let at = 0; at < size; at += inBuf.length) {
        const m = Math.min(inBuf.length, size - at);
        fs.readSync(fd, inBuf, 0, m, begin + at);
        fs.writeSync(wfd, inBuf, 0, m);
      }
      continue;
    }
    for (let at = 0; at < size; at += inBuf.length) {
      const m = Math.min(inBuf.length, size - at);
      fs.readSync(fd, inBuf, 0, m, begin + at);
      for (let i = 0; i < m / 4; i++) outBuf.writeUInt16LE(convert(inBuf.readUInt32LE(4 * i)), 2 * i);
      fs.writeSync(wfd, outBuf, 0, m / 2);
    }
  }
  fs.closeSync(wfd);
  fs.closeSync(fd);
}
console.log(`${dst}: weights in ${DTYPE}`);
