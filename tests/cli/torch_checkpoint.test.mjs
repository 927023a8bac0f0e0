// `attnviz run --model DIR` on PyTorch checkpoint folders (../shared/fixtures/pytorch-bin), natively and as wasm
// under node: the same output file as the safetensors model, byte for byte; hostile checkpoints refused.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const data = path.join(root, 'tests/data');
const fixtures = path.join(root, '../shared/fixtures/pytorch-bin');
const clis = [
  {name: 'native', cmd: path.join(root, 'build/native/attnviz'), pre: []},
  {name: 'wasm', cmd: process.execPath, pre: [path.join(root, 'build/web/attnviz.js')]},
].filter((c) => fs.existsSync(c.pre[0] || c.cmd));
const skip = fs.existsSync(fixtures) ? false : 'no ../shared/fixtures/pytorch-bin';

function run(cli, dir, input) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'attnviz-torch-')), 'out.safetensors');
  const r = spawnSync(cli.cmd, [...cli.pre, 'run', '--model', dir, '--out', out],
                      {input, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 300000});
  return {code: r.status, err: r.stderr, out: r.status === 0 ? fs.readFileSync(out) : null};
}

for (const cli of clis) {
  for (const [folder, model] of [['tiny-bert-zip', 'tiny-bert'], ['tiny-gpt2-legacy', 'tiny-gpt2'],
                                 ['tiny-bert-ner-zip', 'tiny-bert-ner'], ['tiny-bert-sharded', 'tiny-bert']]) {
    test(`${cli.name}: run --model ${folder} (pytorch_model.bin) writes exactly what ${model} (safetensors) does`,
         {skip}, () => {
      const texts = JSON.parse(fs.readFileSync(path.join(data, model, 'expected.json'), 'utf8'));
      const input = Object.values(texts).map((t) => JSON.stringify(t)).join('\n') + '\n';
      const want = run(cli, path.join(data, model), input);
      assert.equal(want.code, 0, want.err);
      const got = run(cli, path.join(fixtures, folder), input);
      assert.equal(got.code, 0, got.err);
      assert.ok(got.out.equals(want.out), 'output files differ');
    });
  }

  test(`${cli.name}: run --model on a hostile checkpoint fails with one line naming the global`, {skip}, () => {
    const r = run(cli, path.join(fixtures, 'evil-os-system'), '{"text":"x"}\n');
    assert.notEqual(r.code, 0);
    assert.match(r.err, /posix\.system/);
    assert.match(r.err, /pytorch_model\.bin/);
  });
}
