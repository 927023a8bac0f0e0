// Issue 12: `attnviz run` refuses a model.safetensors whose tensors do not tile the data section (a header edited so
// LayerNorm.weight points at the bias's bytes; 19 bytes appended), natively and as wasm under node, with one line
// naming the file and the tensor, and a non-zero exit. The unedited copy still runs.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const clis = [
  {name: 'native', cmd: path.join(root, 'build/native/attnviz'), pre: []},
  {name: 'wasm', cmd: process.execPath, pre: [path.join(root, 'build/web/attnviz.js')]},
].filter((c) => fs.existsSync(c.pre[0] || c.cmd));

function attnviz(cli, args, input) {
  const r = spawnSync(cli.cmd, [...cli.pre, ...args], {input, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 300000});
  return {code: r.status, out: r.stdout, err: r.stderr};
}

// The model folder copied to a temporary one, with model.safetensors replaced by `bytes`.
function modelWith(model, bytes) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `attnviz-${model}-`));
  const src = path.join(root, 'models', model);
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(tmp, f));
  fs.writeFileSync(path.join(tmp, 'model.safetensors'), bytes);
  return tmp;
}

// Rewrites the JSON header only (the data section untouched), as someone editing the file by hand would.
function editHeader(bytes, edit) {
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  edit(header);
  const text = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([len, text, bytes.subarray(8 + n)]);
}

const cases = [
  {model: 'zh-bert-mini', weight: 'bert.embeddings.LayerNorm.weight', bias: 'bert.embeddings.LayerNorm.bias'},
  {model: 'gpt2-mini', weight: 'transformer.ln_f.weight', bias: 'transformer.ln_f.bias'},
];

for (const cli of clis) {
  for (const c of cases) {
    test(`${cli.name}: run refuses ${c.model} with overlapping tensors or appended bytes (issue 12)`, () => {
      const bytes = fs.readFileSync(path.join(root, 'models', c.model, 'model.safetensors'));
      const input = JSON.stringify({text: '床前明月光 moon'}) + '\n';

      const same = modelWith(c.model, editHeader(bytes, () => {}));
      let r = attnviz(cli, ['run', '--model', same, '--out', path.join(same, 'o.safetensors')], input);
      assert.equal(r.code, 0, r.err);  // rewriting the header alone changes nothing

      const overlap = modelWith(c.model, editHeader(bytes, (h) => {
        h[c.weight].data_offsets = h[c.bias].data_offsets;
      }));
      r = attnviz(cli, ['run', '--model', overlap, '--out', path.join(overlap, 'o.safetensors')], input);
      assert.notEqual(r.code, 0);
      assert.equal(r.out, '');
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /model\.safetensors/);
      assert.match(r.err, /overlaps/);
      assert.ok(r.err.includes(c.weight) && r.err.includes(c.bias), r.err);
      assert.ok(!fs.existsSync(path.join(overlap, 'o.safetensors')));

      const appended = modelWith(c.model, Buffer.concat([bytes, Buffer.alloc(19, 0x5a)]));
      r = attnviz(cli, ['run', '--model', appended, '--out', path.join(appended, 'o.safetensors')], input);
      assert.notEqual(r.code, 0);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /model\.safetensors/);
      assert.match(r.err, /19 bytes after the last tensor/);
      for (const d of [same, overlap, appended]) fs.rmSync(d, {recursive: true, force: true});
    });
  }
}
