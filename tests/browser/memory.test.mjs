// The engine worker's memory (issue 11): info().heap_peak_mb reports the worker's wasm memory, and a float32 model
// loaded from files costs about its own size there (weights used in place in the file's bytes, no float copy beside
// them). tests/data/tiny-gpt2 is float32; the big-model figures come from scripts/bench-memory.mjs.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {closeAll, dataDir, hook, loadFiles, missingPrerequisite, openPage, startBrowser, waitReady, TINY}
  from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, app;

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
  app = await openPage(browser, server, '', {viewport: TINY});
});
after(() => closeAll(app, browser, server));

const files = (d) => fs.readdirSync(d).filter((f) => /\.(json|txt|safetensors)$/.test(f) && !f.startsWith('expected'))
  .map((f) => path.join(d, f));

test('heap_peak_mb: the worker heap is reported, and a float32 model adds about its file size, not twice it',
     {skip}, async () => {
  const page = app.page;
  const start = (await hook(page, 'info')).heap_peak_mb;
  assert.ok(Number.isFinite(start) && start > 0, `heap_peak_mb at start: ${start}`);
  // A float32 model twice: the second load swaps it for itself (the old one stays until the new one has loaded).
  const dir = path.join(dataDir, 'tiny-gpt2');
  const modelMb = fs.statSync(path.join(dir, 'model.safetensors')).size / 1048576;
  for (let i = 0; i < 2; i++) {
    const runs = await hook(page, 'runCount');
    await loadFiles(page, files(dir));
    await page.waitForFunction((r) => window.attnviz.runCount() > r || window.attnviz.lastError(), runs,
                               {timeout: 90000});
    await waitReady(page, 90000, app, {});
    assert.equal(await hook(page, 'lastError'), null);
  }
  const info = await hook(page, 'info');
  assert.match(info.model, /^user:/);
  assert.ok(info.heap_peak_mb >= start, `the peak never goes down: ${start} -> ${info.heap_peak_mb}`);
  // Two copies of the model at the swap + runs + the wasm runtime's growth steps; a float copy beside the file bytes
  // (the old path) would add 2 more model sizes per load.
  assert.ok(info.heap_peak_mb <= start + 2 * modelMb + 24,
            `heap_peak_mb ${info.heap_peak_mb} for a ${modelMb.toFixed(1)} MB model (start ${start})`);
  assert.deepEqual(app.errors, []);
});

// An F16 checkpoint (issue 11): the worker keeps the file on the JS side and the engine converts it tensor by tensor,
// so its heap peak is about that of the same model in float32 (used in place), not float32 + the F16 file. Two fresh
// pages load a 23M-parameter GPT-2-shaped model made here, one in F32 and one in F16: the F16 peak must not exceed the
// F32 one by more than a few MB (the old path added the whole 46 MB file).

// A GPT-2 folder with tiny-gpt2's tokenizer and random weights of width 512, 6 layers, in `dtype` ('F32' or 'F16').
function makeModel(dtype) {
  const src = path.join(dataDir, 'tiny-gpt2');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `attnviz-mem-${dtype}-`));
  const cfg = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8'));
  Object.assign(cfg, {n_embd: 512, n_head: 8, n_layer: 6, dtype: dtype === 'F16' ? 'float16' : 'float32'});
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  for (const f of ['vocab.json', 'merges.txt', 'tokenizer.json', 'tokenizer_config.json'])
    if (fs.existsSync(path.join(src, f))) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  const D = 512, V = cfg.vocab_size, P = cfg.n_positions;
  const shapes = {'wte.weight': [V, D], 'wpe.weight': [P, D], 'ln_f.weight': [D], 'ln_f.bias': [D]};
  for (let l = 0; l < 6; l++) {
    const p = `h.${l}.`;
    Object.assign(shapes, {[p + 'ln_1.weight']: [D], [p + 'ln_1.bias']: [D], [p + 'attn.c_attn.weight']: [D, 3 * D],
      [p + 'attn.c_attn.bias']: [3 * D], [p + 'attn.c_proj.weight']: [D, D], [p + 'attn.c_proj.bias']: [D],
      [p + 'ln_2.weight']: [D], [p + 'ln_2.bias']: [D], [p + 'mlp.c_fc.weight']: [D, 4 * D], [p + 'mlp.c_fc.bias']: [4 * D],
      [p + 'mlp.c_proj.weight']: [4 * D, D], [p + 'mlp.c_proj.bias']: [D]});
  }
  const width = dtype === 'F16' ? 2 : 4;
  const header = {};
  let off = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1) * width;
    header[name] = {dtype, shape, data_offsets: [off, off + n]};
    off += n;
  }
  let h = JSON.stringify(header);
  while ((8 + h.length) % 8) h += ' ';
  const data = Buffer.alloc(off);
  let seed = 12345;
  for (let i = 0; i < off; i += width) {  // small random values (|x| < 0.03), F16 0x2000.. or the same as float32 bits
    seed = (seed * 1103515245 + 12345) >>> 0;
    const half = ((seed >>> 16) & 0x8000) | 0x2000 | ((seed >>> 8) & 0x3ff);
    if (width === 2) data.writeUInt16LE(half, i);
    else data.writeUInt32LE((((half & 0x8000) << 16) | (((half >> 10) & 0x1f) + 112) << 23 | ((half & 0x3ff) << 13)) >>> 0, i);
  }
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.concat([len, Buffer.from(h), data]));
  return dir;
}

test('heap_peak_mb: an F16 model peaks like its float32 twin, not float32 + the file', {skip}, async (t) => {
  const peaks = {};
  for (const dtype of ['F32', 'F16']) {
    const dir = makeModel(dtype);
    const own = await openPage(browser, server, '', {viewport: TINY});
    try {
      const page = own.page;
      const runs = await hook(page, 'runCount');
      await loadFiles(page, files(dir));
      await page.waitForFunction((r) => window.attnviz.runCount() > r || window.attnviz.lastError(), runs,
                                 {timeout: 180000});
      await waitReady(page, 180000, own, {});
      assert.equal(await hook(page, 'lastError'), null);
      const info = await hook(page, 'info');
      assert.match(info.model, /^user:/);
      peaks[dtype] = {heap: info.heap_peak_mb, file: fs.statSync(path.join(dir, 'model.safetensors')).size / 1048576};
      assert.deepEqual(own.errors, []);
    } finally {
      await own.close();
      fs.rmSync(dir, {recursive: true, force: true});
    }
  }
  const {F32, F16} = peaks;
  t.diagnostic(`heap_peak_mb F32 ${F32.heap}, F16 ${F16.heap} (files ${F32.file.toFixed(1)} / ${F16.file.toFixed(1)} MB)`);
  assert.ok(F16.file > 40, `the F16 file is ${F16.file.toFixed(1)} MB`);
  assert.ok(F16.heap <= F32.heap + 12,
            `F16 peak ${F16.heap} MB vs F32 peak ${F32.heap} MB (F16 file ${F16.file.toFixed(1)} MB): the file must not ` +
            'sit in the heap beside its floats');
});
