// The attnviz CLI as users and acceptance checks call it (../shared/docs/INTERFACES.md), natively and as wasm under
// node: tokenize against the tokenizer fixtures, run against the model fixtures, and clean errors on bad input.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {readSafetensors, maxAbsDiff} from '../js/safetensors.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const data = path.join(root, 'tests/data');
const clis = [
  {name: 'native', cmd: path.join(root, 'build/native/attnviz'), pre: []},
  {name: 'wasm', cmd: process.execPath, pre: [path.join(root, 'build/web/attnviz.js')]},
].filter((c) => fs.existsSync(c.pre[0] || c.cmd));

function attnviz(cli, args, input) {
  const r = spawnSync(cli.cmd, [...cli.pre, ...args], {input, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 300000});
  return {code: r.status, out: r.stdout, err: r.stderr};
}

function jsonl(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

for (const cli of clis) {
  for (const [fixture, tok] of [['tokenize-zh-bert-mini.jsonl', 'models/zh-bert-mini'],
                                ['tokenize-gpt2-mini.jsonl', 'models/gpt2-mini']]) {
    test(`${cli.name}: tokenize ${fixture} matches Hugging Face tokenizers`, () => {
      const cases = jsonl(path.join(data, 'tokenizer', fixture));
      const input = cases.map((c) => JSON.stringify({text: c.text})).join('\n') + '\n';
      const r = attnviz(cli, ['tokenize', '--tokenizer', path.join(root, tok)], input);
      assert.equal(r.code, 0, r.err);
      const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.length, cases.length);
      cases.forEach((c, i) => {
        assert.deepEqual(lines[i].ids, c.ids, `case ${c.i}: ${c.text}`);
        assert.deepEqual(lines[i].tokens, c.tokens, `case ${c.i}`);
        assert.equal(lines[i].offsets.length, c.ids.length);
        assert.equal(lines[i].type_ids.length, c.ids.length);
      });
    });
  }

  test(`${cli.name}: tokenize offsets are UTF-8 byte spans, specials [0,0], pairs typed`, () => {
    const r = attnviz(cli, ['tokenize', '--tokenizer', path.join(root, 'models/zh-bert-mini')],
                      JSON.stringify({text: '你好 ab', text_pair: '世界'}) + '\n');
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out);
    assert.equal(o.tokens[0], '[CLS]');
    assert.deepEqual(o.offsets[0], [0, 0]);
    assert.deepEqual(o.offsets[1], [0, 3]);  // 你
    assert.deepEqual(o.offsets[2], [3, 6]);  // 好
    const sep = o.tokens.indexOf('[SEP]');
    assert.ok(sep > 0);
    assert.deepEqual(o.type_ids.slice(sep + 1), o.type_ids.slice(sep + 1).map(() => 1));
    assert.deepEqual(o.offsets[sep + 1], [0, 3]);  // 世, in text_pair
    const ns = attnviz(cli, ['tokenize', '--tokenizer', path.join(root, 'models/zh-bert-mini'), '--no-special'],
                       JSON.stringify({text: '你好'}) + '\n');
    assert.equal(ns.code, 0, ns.err);
    assert.deepEqual(JSON.parse(ns.out).tokens, ['你', '好']);
  });

  for (const model of ['tiny-bert', 'tiny-bert-ner', 'tiny-gpt2']) {
    test(`${cli.name}: run ${model} matches transformers (attentions 1e-4, hidden 2e-3)`, () => {
      const dir = path.join(data, model);
      const exp = readSafetensors(path.join(dir, 'expected.safetensors'));
      const texts = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
      const keys = Object.keys(texts);
      const input = keys.map((k) => JSON.stringify(texts[k])).join('\n') + '\n';
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'attnviz-')), 'out.safetensors');
      const r = attnviz(cli, ['run', '--model', dir, '--out', out], input);
      assert.equal(r.code, 0, r.err);
      const got = readSafetensors(out);
      keys.forEach((k, i) => {
        assert.deepEqual(Array.from(got[`case${i}.input_ids`].data), Array.from(exp[`${k}.input_ids`].data), k);
        assert.deepEqual(got[`case${i}.attentions`].shape, exp[`${k}.attentions`].shape, k);
        const da = maxAbsDiff(got[`case${i}.attentions`].data, exp[`${k}.attentions`].data);
        assert.ok(da < 1e-4, `${k}: attentions differ by ${da}`);
        const dh = maxAbsDiff(got[`case${i}.hidden_states`].data, exp[`${k}.hidden_states`].data);
        assert.ok(dh < 2e-3, `${k}: hidden states differ by ${dh}`);
        if (exp[`${k}.token_type_ids`] && got[`case${i}.token_type_ids`]) {
          assert.deepEqual(Array.from(got[`case${i}.token_type_ids`].data), Array.from(exp[`${k}.token_type_ids`].data));
        }
        const logits = got[`case${i}.logits`];
        if (exp[`${k}.logits`]) {
          const dl = maxAbsDiff(logits.data, exp[`${k}.logits`].data);
          assert.ok(dl < 2e-3, `${k}: logits differ by ${dl}`);
        } else {
          const [T, V] = logits.shape;
          const am = exp[`${k}.logits_argmax`].data;
          for (let t = 0; t < T; t++) {
            let best = 0;
            for (let v = 1; v < V; v++) if (logits.data[t * V + v] > logits.data[t * V + best]) best = v;
            assert.equal(best, am[t], `${k}: argmax at ${t}`);
          }
        }
      });
    });
  }

  test(`${cli.name}: bad input gives one clear line and a non-zero exit`, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attnviz-bad-'));
    for (const f of fs.readdirSync(path.join(data, 'tiny-bert'))) fs.copyFileSync(path.join(data, 'tiny-bert', f), path.join(tmp, f));
    fs.writeFileSync(path.join(tmp, 'model.safetensors'), Buffer.from([1, 2, 3]));
    const out = path.join(tmp, 'o.safetensors');
    let r = attnviz(cli, ['run', '--model', tmp, '--out', out], '{"text":"x"}\n');
    assert.notEqual(r.code, 0);
    assert.match(r.err, /model\.safetensors/);
    r = attnviz(cli, ['run', '--model', path.join(tmp, 'nope'), '--out', out], '{"text":"x"}\n');
    assert.notEqual(r.code, 0);
    assert.ok(r.err.trim().length > 0);
    r = attnviz(cli, ['tokenize', '--tokenizer', path.join(root, 'models/zh-bert-mini')], '{"text": 5\n');
    assert.notEqual(r.code, 0);
    assert.ok(r.err.trim().length > 0 && r.err.trim().length < 500, r.err);
    fs.writeFileSync(path.join(tmp, 'tokenizer.json'), '{"model": 3');
    r = attnviz(cli, ['tokenize', '--tokenizer', tmp], '{"text":"x"}\n');
    assert.notEqual(r.code, 0);
    assert.match(r.err, /tokenizer\.json/);
    r = attnviz(cli, ['frobnicate'], '');
    assert.notEqual(r.code, 0);
  });
}

test('at least one CLI build is present', () => {
  assert.ok(clis.length > 0, 'build/native/attnviz or build/web/attnviz.js missing');
});

for (const cli of clis) {
  test(`${cli.name}: bench times a pass (and the summaries with --summaries yes); bad options are refused`, () => {
    const model = path.join(root, 'models/zh-bert-mini');
    const r = attnviz(cli, ['bench', '--model', model, '--tokens', '16', '--iters', '2', '--lm', 'none', '--summaries', 'yes']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out.trim());
    assert.equal(j.tokens, 16);
    assert.equal(j.iters, 2);
    assert.ok(j.ms_median > 0, r.out);
    assert.ok(j.summaries_ms_median >= 0 && Number.isFinite(j.summaries_pct_of_pass), r.out);
    const plain = attnviz(cli, ['bench', '--model', model, '--tokens', '8', '--iters', '1']);
    assert.equal(plain.code, 0, plain.err);
    assert.equal(JSON.parse(plain.out.trim()).summaries_ms_median, undefined);
    for (const bad of [['--summaries', 'maybe'], ['--tokens', '0'], ['--tokens', '100000'], ['--threads', '0']]) {
      const args = ['bench', '--model', model, '--tokens', '8', '--iters', '1'];
      const i = args.indexOf(bad[0]);
      if (i >= 0) args[i + 1] = bad[1]; else args.push(...bad);
      const b = attnviz(cli, args);
      assert.notEqual(b.code, 0, `${bad.join(' ')} accepted`);
      assert.match(b.err, /attnviz bench/, b.err);
    }
  });
}
