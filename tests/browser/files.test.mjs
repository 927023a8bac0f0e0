// Loading a model from the user's files (issue 5): tests/data/tiny-bert through the page's file input switches the
// page to it and its attention equals transformers'; broken files give a message naming the file and keep the
// current model working. One page for the whole file (a page load is the slow part under SwiftShader).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {maxAbsDiff} from '../js/safetensors.mjs';
import {closeAll, dataDir, fixture, foreignRequests, hook, loadFiles, missingPrerequisite, openPage, setText,
        snapshot, startBrowser, tempDir, waitReady} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, app;

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
  app = await openPage(browser, server, '');
});
after(() => closeAll(app, browser, server));

const tinyBert = path.join(dataDir, 'tiny-bert');
const modelFiles = (dir) => ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']
  .map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));

async function expectAttention(page, model, key, tol) {
  const fx = fixture(model);
  const ref = fx.tensors[`${key}.attentions`];
  const [L, H, T] = ref.shape;
  const text = fx.texts[key].text;
  if ((await hook(page, 'state')).text !== text) await setText(page, text);
  const snap = await snapshot(page, L, H);
  assert.equal(snap.tokens.length, T, `${model} ${key}: token count`);
  const d = maxAbsDiff(snap.attention, ref.data);
  assert.ok(d <= tol, `${model} ${key}: max |page - reference| = ${d}`);
}

// Back to the built-in zh-bert-mini with no error showing (a successful load clears lastError), so each case starts
// from the same place whatever the one before did.
async function resetToBuiltin(page) {
  const r = await page.evaluate(() => window.attnviz.loadModel('zh-bert-mini'));
  assert.ok(r && r.ok, `reloading zh-bert-mini failed: ${JSON.stringify(r)}`);
  await waitReady(page, 60000, app, {model: 'zh-bert-mini'});
  assert.equal(await hook(page, 'lastError'), null);
}

test('tiny-bert from files: the page switches to it (2 layers, 4 heads) and its attention equals transformers (1e-4)',
     {skip}, async () => {
  const page = app.page;
  assert.equal((await hook(page, 'state')).model, 'zh-bert-mini');
  await loadFiles(page, modelFiles(tinyBert));
  await page.waitForFunction(() => window.attnviz.state().model.startsWith('user:') || window.attnviz.lastError(),
                             null, {timeout: 60000});
  await waitReady(page, 60000, app, {});
  assert.equal(await hook(page, 'lastError'), null);
  const st = await hook(page, 'state');
  assert.match(st.model, /^user:/);
  assert.match(st.hash, /^[0-9a-f]{16}$/, 'a user model carries its files hash');
  const info = await hook(page, 'info');
  assert.deepEqual({layers: info.layers, heads: info.heads}, {layers: 2, heads: 4});
  assert.equal(await page.evaluate(() => window.attnviz.attention(2, 0)), null, 'no layer 2 in a 2-layer model');
  await expectAttention(page, 'tiny-bert', 'case0', 1e-4);
  await expectAttention(page, 'tiny-bert', 'case2', 1e-4);
  await page.waitForFunction(() => /model=user(%3A|:)/.test(location.hash) || /[#&]z=/.test(location.hash), null,
                             {timeout: 10000}).catch(() => {});
  assert.match(page.url(), /model=user%3A|model=user:|[#&]z=/, 'the link names the user model');
  assert.deepEqual(foreignRequests(app), []);
  assert.deepEqual(app.errors, []);
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
    const page = app.page;
    await resetToBuiltin(page);
    const dir = tempDir();
    const files = [];
    for (const src of modelFiles(tinyBert)) {
      const base = path.basename(src);
      if (b.drop && b.drop.includes(base)) continue;
      const dst = path.join(dir, base);
      fs.writeFileSync(dst, base === b.file ? b.make(src) : fs.readFileSync(src));
      files.push(dst);
    }
    await loadFiles(page, files);
    await page.waitForFunction(() => window.attnviz.lastError() !== null, null, {timeout: 30000}).catch(() => {});
    const err = await hook(page, 'lastError');
    assert.ok(err, `${b.name}: no error message`);
    assert.ok(err.includes(b.file), `${b.name}: the message does not name ${b.file}: "${err}"`);
    await waitReady(page, 30000, app, {});
    const st = await hook(page, 'state');
    assert.equal(st.model, 'zh-bert-mini', `${b.name}: the current model was replaced`);
    assert.deepEqual(app.errors, [], `${b.name}: the page crashed`);
    // Still working: a new text runs and matches the reference.
    await expectAttention(page, 'zh-bert-mini', b.file === 'config.json' ? 'case1' : 'case2', 2e-3);
    assert.deepEqual(foreignRequests(app), []);
  });
}

// Drag and drop: files dropped on the page load as a model; dragged text is not a model drop (no overlay, no error).
test('files dropped on the page load as a model; dragging text does not count as a drop', {skip}, async () => {
  const page = app.page;
  await resetToBuiltin(page);
  const shown = () => page.evaluate(() => document.getElementById('drop').classList.contains('on'));
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.setData('text/plain', '北京');
    document.getElementById('canvas').dispatchEvent(new DragEvent('dragenter', {dataTransfer: dt, bubbles: true}));
  });
  assert.equal(await shown(), false, 'dragging text showed the model-drop overlay');
  const payload = modelFiles(tinyBert).map((f) => ({name: path.basename(f), base64: fs.readFileSync(f).toString('base64')}));
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const s = atob(f.base64);
      const bytes = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
      dt.items.add(new File([bytes], f.name));
    }
    const canvas = document.getElementById('canvas');
    canvas.dispatchEvent(new DragEvent('dragenter', {dataTransfer: dt, bubbles: true}));
    window.__dropShown = document.getElementById('drop').classList.contains('on');
    document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
  }, payload);
  assert.equal(await page.evaluate(() => window.__dropShown), true, 'dragging files did not show the overlay');
  await page.waitForFunction(() => window.attnviz.state().model.startsWith('user:') || window.attnviz.lastError(),
                             null, {timeout: 60000});
  await waitReady(page, 60000, app, {});
  assert.equal(await hook(page, 'lastError'), null);
  assert.equal(await shown(), false);
  assert.deepEqual((await hook(page, 'info')).layers, 2);
  await expectAttention(page, 'tiny-bert', 'case0', 1e-4);
  await resetToBuiltin(page);
});
