// The CLI on the BERT relatives (../shared/fixtures/arch): `attnviz run --model` on every RoBERTa, DistilBERT and
// XLM-R folder against its expected outputs, and `attnviz tokenize` on the RoBERTa-BPE and XLM-R-Unigram references
// (ids, tokens, type ids, UTF-8 byte offsets exactly). Skips when ../shared is absent.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {readSafetensors, maxAbsDiff} from '../js/safetensors.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arch = path.join(root, '..', 'shared', 'fixtures', 'arch');
const clis = [
  {name: 'native', cmd: path.join(root, 'build/native/attnviz'), pre: []},
  {name: 'wasm', cmd: process.execPath, pre: [path.join(root, 'build/web/attnviz.js')]},
].filter((c) => fs.existsSync(c.pre[0] || c.cmd));
const skip = fs.existsSync(path.join(arch, 'README.md')) ? false : 'no ../shared/fixtures/arch';

function attnviz(cli, args, input) {
  const r = spawnSync(cli.cmd, [...cli.pre, ...args], {input, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 300000});
  return {code: r.status, out: r.stdout, err: r.stderr};
}

for (const cli of clis) {
  for (const model of ['tiny-roberta', 'tiny-roberta-ner', 'tiny-distilbert', 'tiny-distilbert-ner', 'tiny-roberta-bpe',
                       'tiny-xlmr']) {
    test(`${cli.name}: run ${model} matches the reference (attentions 1e-4, hidden 2e-3, logits 2e-3)`, {skip}, () => {
      const dir = path.join(arch, model);
      const exp = readSafetensors(path.join(dir, 'expected.safetensors'));
      const texts = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
      const keys = Object.keys(texts);
      const input = keys.map((k) => JSON.stringify({text: texts[k].text, ...(texts[k].text_pair ? {text_pair: texts[k].text_pair} : {})}))
          .join('\n') + '\n';
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'attnviz-')), 'out.safetensors');
      const r = attnviz(cli, ['run', '--model', dir, '--out', out], input);
      assert.equal(r.code, 0, r.err);
      const got = readSafetensors(out);
      keys.forEach((k, i) => {
        assert.deepEqual(Array.from(got[`case${i}.input_ids`].data), Array.from(exp[`${k}.input_ids`].data), k);
        const da = maxAbsDiff(got[`case${i}.attentions`].data, exp[`${k}.attentions`].data);
        assert.ok(da < 1e-4, `${k}: attentions differ by ${da}`);
        const dh = maxAbsDiff(got[`case${i}.hidden_states`].data, exp[`${k}.hidden_states`].data);
        assert.ok(dh < 2e-3, `${k}: hidden states differ by ${dh}`);
        const logits = got[`case${i}.logits`];
        if (exp[`${k}.logits`]) {
          const dl = maxAbsDiff(logits.data, exp[`${k}.logits`].data);
          assert.ok(dl < 2e-3, `${k}: logits differ by ${dl}`);
        } else {
          const [T, V] = logits.shape;
          const am = exp[`${k}.logits_argmax`].data;
          const head = exp[`${k}.logits_head`].data;
          for (let t = 0; t < T; t++) {
            let best = 0;
            for (let v = 1; v < V; v++) if (logits.data[t * V + v] > logits.data[t * V + best]) best = v;
            assert.equal(best, am[t], `${k}: argmax at ${t}`);
            const dl = maxAbsDiff(logits.data.subarray(t * V, t * V + 64), head.subarray(t * 64, t * 64 + 64));
            assert.ok(dl < 2e-3, `${k}: logits at ${t} differ by ${dl}`);
          }
        }
      });
    });
  }

  for (const [fixture, tok] of [['tokenize-roberta-bpe.jsonl', 'roberta-bpe'], ['tokenize-xlmr-unigram.jsonl', 'xlmr-unigram']]) {
    test(`${cli.name}: tokenize ${fixture} matches tokenizers exactly (ids, tokens, type ids, offsets)`, {skip}, () => {
      const cases = fs.readFileSync(path.join(arch, fixture), 'utf8').split('\n').filter((l) => l.trim())
          .map((l) => JSON.parse(l));
      const input = cases.map((c) => JSON.stringify(c.text_pair != null ? {text: c.text, text_pair: c.text_pair} : {text: c.text}))
          .join('\n') + '\n';
      const r = attnviz(cli, ['tokenize', '--tokenizer', path.join(arch, tok)], input);
      assert.equal(r.code, 0, r.err);
      const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.length, cases.length);
      cases.forEach((c, i) => {
        assert.deepEqual(lines[i].ids, c.ids, `case ${c.i}: ${c.text}`);
        assert.deepEqual(lines[i].tokens, c.tokens, `case ${c.i}`);
        assert.deepEqual(lines[i].type_ids, c.type_ids, `case ${c.i}`);
        assert.deepEqual(lines[i].offsets, c.offsets, `case ${c.i}`);
      });
    });
  }
}
