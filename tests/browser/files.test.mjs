// Loading a model from the user's files (issue 5): tests/data/tiny-bert through the page's file input switches the
// page to it and its attention equals transformers'; broken files give a message naming the file and keep the
// current model working.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {maxAbsDiff} from '../js/safetensors.mjs';
import {dataDir, fixture, foreignRequests, hook, launchBrowser, loadFiles, missingPrerequisite, openPage,
        readAttention, setText, startServer, tempDir, waitReady} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser;

before(async () => {
  if (skip) return;
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
});

const tinyBert = path.join(dataDir, 'tiny-bert');
const modelFiles = (dir) => ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']
  .map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));

async function expectAttention(page, model, key, tol) {
  const fx = fixture(model);
  const ref = fx.tensors[`${key}.attentions`];
  const [L, H, T] = ref.shape;
  const text = fx.texts[key].text;
  if ((await hook(page, 'state')).text !== text) await setText(page, text);
  assert.equal((await hook(page, 'tokens')).length, T, `${model} ${key}: token count`);
  const got = await readAttention(page, L, H);
  const d = maxAbsDiff(got, ref.data);
  assert.ok(d <= tol, `${model} ${key}: max |page - reference| = ${d}`);
}

// Layers and heads as the page reports them: the hook's modelInfo() if it has one, else by probing attention().
async function shape(page) {
  return page.evaluate(() => {
    const h = window.attnviz;
    if (typeof h.modelInfo === 'function') {
      const i = h.modelInfo();
      return {layers: i.layers ?? i.n_layers, heads: i.heads ?? i.n_heads};
    }
    const ok = (l, k) => { try { const a = h.attention(l, k); return !!a && a.length > 0; } catch { return false; } };
    let layers = 0, heads = 0;
    while (layers < 64 && ok(layers, 0)) layers++;
    while (heads < 64 && ok(0, heads)) heads++;
    return {layers, heads};
  });
}

test('tiny-bert from files: the page switches to it (2 layers, 4 heads) and case0 equals transformers (1e-4)',
     {skip}, async () => {
  const app = await openPage(browser, server, '');
  try {
    const before = await hook(app.page, 'state');
    assert.equal(before.model, 'zh-bert-mini');
    await loadFiles(app.page, modelFiles(tinyBert));
    await waitReady(app.page, 60000, app, {});
    await app.page.waitForFunction(() => window.attnviz.state().model.startsWith('user:'), null, {timeout: 60000});
    const st = await hook(app.page, 'state');
    assert.match(st.model, /^user:/);
    assert.equal(await hook(app.page, 'lastError'), null);
    assert.deepEqual(await shape(app.page), {layers: 2, heads: 4});
    await expectAttention(app.page, 'tiny-bert', 'case0', 1e-4);
    await expectAttention(app.page, 'tiny-bert', 'case2', 1e-4);
    assert.match(app.page.url(), /model=user%3A|model=user:|z=/, 'the link names the user model');
    assert.deepEqual(foreignRequests(app), []);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

// Each broken set of files: what to break, and the file name the message must mention.
const broken = [
  {name: 'a truncated model.safetensors', file: 'model.safetensors',
   make: (src) => fs.readFileSync(src).subarray(0, 5000)},
  {name: 'a model.safetensors whose header lies about its size', file: 'model.safetensors',
   make: (src) => { const b = Buffer.from(fs.readFileSync(src)); b.writeBigUInt64LE(1n << 40n, 0); return b; }},
  {name: 'a config.json that is not JSON', file: 'config.json',
   make: () => Buffer.from('{"model_type": "bert", "num_hidden_layers": 2,,, oops')},
  {name: 'a tokenizer.json that is not JSON (and no vocab.txt)', file: 'tokenizer.json', drop: ['vocab.txt'],
   make: () => Buffer.from('this is not json')},
];

for (const b of broken) {
  test(`${b.name}: a message naming ${b.file}, the current model keeps working`, {skip}, async () => {
    const app = await openPage(browser, server, '');
    try {
      const dir = tempDir();
      const files = [];
      for (const src of modelFiles(tinyBert)) {
        const base = path.basename(src);
        if (b.drop && b.drop.includes(base)) continue;
        const dst = path.join(dir, base);
        fs.writeFileSync(dst, base === b.file ? b.make(src) : fs.readFileSync(src));
        files.push(dst);
      }
      assert.equal(await hook(app.page, 'lastError'), null);
      await loadFiles(app.page, files);
      await app.page.waitForFunction(() => window.attnviz.lastError() !== null, null, {timeout: 30000})
        .catch(() => {});
      const err = await hook(app.page, 'lastError');
      assert.ok(err, `${b.name}: no error message`);
      assert.ok(err.includes(b.file), `${b.name}: the message does not name ${b.file}: "${err}"`);
      await waitReady(app.page, 30000, app, {});
      const st = await hook(app.page, 'state');
      assert.equal(st.model, 'zh-bert-mini', `${b.name}: the current model was replaced`);
      assert.deepEqual(app.errors, [], `${b.name}: the page crashed`);
      // Still working: a new text runs and matches the reference.
      await expectAttention(app.page, 'zh-bert-mini', 'case1', 2e-3);
      assert.deepEqual(foreignRequests(app), []);
    } finally {
      await app.close();
    }
  });
}
