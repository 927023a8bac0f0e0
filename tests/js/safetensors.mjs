// Reads a safetensors file in node (F32, F16, I32, I64) for the CLI and browser tests' reference comparisons.
import fs from 'node:fs';

function f16ToF32(h) {
  const s = (h & 0x8000) ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * Math.pow(2, -14) * (m / 1024);
  if (e === 31) return m ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + m / 1024);
}

export function readSafetensors(path) {
  const buf = fs.readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const base = 8 + n;
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = t.data_offsets;
    const bytes = buf.subarray(base + b, base + e);
    const count = t.shape.reduce((a, x) => a * x, 1);
    let data;
    if (t.dtype === 'F32') data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 4));
    else if (t.dtype === 'I32') data = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 4));
    else if (t.dtype === 'I64') {
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = Number(bytes.readBigInt64LE(i * 8));
    } else if (t.dtype === 'F16') {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = f16ToF32(bytes.readUInt16LE(i * 2));
    } else throw new Error(`${path}: dtype ${t.dtype} not handled by the test reader`);
    out[name] = {dtype: t.dtype, shape: t.shape, data};
  }
  return out;
}

// Largest absolute difference between two arrays of the same length (Infinity if lengths differ).
export function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
