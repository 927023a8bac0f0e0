// The result path leaves no garbage and does each thing once (issue 10): result buffers go back and forth between the
// page and the engine worker (no new ones per result once two results' worth exist), the attention stays right
// after recycling (across an abandoned run, a model switch with another shape, words merged), and each heatmap image
// is uploaded once per result (summaries that arrive later upload only theirs).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {maxAbsDiff} from '../js/safetensors.mjs';
import {closeAll, fixture, hook, launchBrowser, missingPrerequisite, openPage, pct, readAttention, setStateAndRun,
        setText, startServer, waitReady, RUN_TIMEOUT} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, app;
const poem = '床前明月光，疑是地上霜。举头望明月，低头思故乡。';  // zh-bert-mini fixture case1

before(async () => {
  if (skip) return;
  server = await startServer(undefined, {isolation: true});
  browser = await launchBrowser();
  app = await openPage(browser, server, `model=zh-bert-mini&text=${pct(poem)}`);
});
after(() => closeAll(app, browser, server));

const engine = (page) => hook(page, 'info').then((i) => i.engine);

// Texts of about the poem's length (within the buffers' headroom): typing in a box.
const variants = [poem.slice(0, -1), poem + '月', poem.slice(0, -2), poem, poem.slice(0, -1) + '乡', poem + '光'];

// Sequential edits, then a burst of setText calls (the pass in flight abandoned or superseded; the last text wins).
async function typeSome(page) {
  for (const t of variants) await setText(page, t);
  const before = await hook(page, 'runCount');
  await page.evaluate((texts) => { for (const t of texts) window.attnviz.setText(t); }, variants.slice(0, 4));
  await waitReady(page, RUN_TIMEOUT, null, {text: variants[3], runsAbove: before});
}

// Waits until the heatmaps of the result shown are all on the GPU (info().uploading false, nothing pending).
async function waitUploads(page) {
  await page.waitForFunction(() => { const i = window.attnviz.info(); return !i.uploading && !i.busy; }, null,
                             {timeout: RUN_TIMEOUT, polling: 100});
  return hook(page, 'info');
}

function checkAgainstFixture(att, L, H, T, label) {
  const ref = fixture('zh-bert-mini').tensors['case1.attentions'];
  assert.deepEqual(ref.shape, [L, H, T, T]);
  const d = maxAbsDiff(att, ref.data);
  assert.ok(d <= 2e-3, `${label}: max |page - Hugging Face| = ${d}`);
}

test('result buffers are recycled: typing makes no new ones once two results\' worth exist, and the attention ' +
     'after recycling equals the first result\'s (1e-5) and the reference (2e-3)', {skip}, async () => {
  const page = app.page;
  await setText(page, poem);
  const info0 = await hook(page, 'info');
  const {layers: L, heads: H, T} = info0;
  const first = await readAttention(page, L, H);
  checkAgainstFixture(first, L, H, T, 'first result');
  await typeSome(page);  // warm-up: the ping-pong's two sets exist from here on
  const e0 = await engine(page);
  await typeSome(page);
  await typeSome(page);
  const e1 = await engine(page);
  const counts = JSON.stringify({before: e0.result_buffers, after: e1.result_buffers});
  assert.ok(e1.result_buffers.results - e0.result_buffers.results >= 2 * variants.length, counts);
  assert.equal(e1.result_buffers.allocated, e0.result_buffers.allocated, `no new result buffer: ${counts}`);
  assert.equal(e1.result_buffers.bytes, e0.result_buffers.bytes, counts);
  assert.ok(e1.result_buffers.reused > e0.result_buffers.reused, counts);
  assert.ok(e1.result_buffers.returned > e0.result_buffers.returned, counts);
  await setText(page, poem);
  const again = await readAttention(page, L, H);
  assert.equal(again.length, first.length);
  assert.ok(maxAbsDiff(again, first) <= 1e-5, `recycled buffers: max |difference| ${maxAbsDiff(again, first)}`);
  checkAgainstFixture(again, L, H, T, 'after recycling');
  assert.deepEqual(await hook(page, 'lastError'), null);
});

test('across a model switch (another shape) and back, recycled buffers give the right attention', {skip}, async () => {
  const page = app.page;
  await setStateAndRun(page, {model: 'gpt2-mini', text: 'The quick brown fox jumps over the lazy dog.'});
  const g = await hook(page, 'info');
  assert.equal(g.model, 'gpt2-mini');
  const gpt = fixture('gpt2-mini');
  const key = Object.keys(gpt.texts).find((k) => gpt.texts[k].text === 'The quick brown fox jumps over the lazy dog.' &&
                                                 !gpt.texts[k].text_pair && gpt.tensors[`${k}.attentions`]);
  if (key) {
    const att = await readAttention(page, g.layers, g.heads);
    const d = maxAbsDiff(att, gpt.tensors[`${key}.attentions`].data);
    assert.ok(d <= 2e-3, `gpt2-mini: max |page - Hugging Face| = ${d}`);
  }
  await setText(page, 'The quick brown fox');
  await setStateAndRun(page, {model: 'zh-bert-mini', text: poem});
  const z = await hook(page, 'info');
  checkAgainstFixture(await readAttention(page, z.layers, z.heads), z.layers, z.heads, z.T, 'back on zh-bert-mini');
  await typeSome(page);
  await setText(page, poem);
  checkAgainstFixture(await readAttention(page, z.layers, z.heads), z.layers, z.heads, z.T, 'after typing again');
  assert.deepEqual(await hook(page, 'lastError'), null);
});

test('each heatmap image is uploaded once per result; summaries that arrive later upload only their 2L images',
     {skip}, async () => {
  const page = app.page;
  await hook(page, 'setState', {view: 'lines'});  // a view without summaries: its runs have none
  let info;
  const text = poem + '[MASK]';
  let before = await hook(page, 'runCount');
  await hook(page, 'setText', text);
  await waitReady(page, RUN_TIMEOUT, null, {text, runsAbove: before});
  info = await waitUploads(page);
  const {layers: L, heads: H} = info;
  const lineUploads = info.image_uploads;
  // The matrix view shows head means and rollout: the engine answers with the summaries of the same run.
  before = await hook(page, 'runCount');
  const e0 = await engine(page);
  await hook(page, 'setState', {view: 'matrix'});
  await waitReady(page, RUN_TIMEOUT, null, {text, runsAbove: before});
  const e1 = await engine(page);
  assert.equal(e1.cached - e0.cached, 1, JSON.stringify({e0, e1}));
  info = await waitUploads(page);
  assert.equal(info.image_uploads - lineUploads, 2 * L, 'only the head means and the rollout are uploaded again');
  // A new result with its summaries: every image once.
  const u = info.image_uploads;
  await setText(page, poem);
  info = await waitUploads(page);
  assert.equal(info.image_uploads - u, L * H + 2 * L);
});

test('words merged: each merged image made once per result, the same after recycling, rows summing to 1', {skip},
     async () => {
  const page = app.page;
  const text = 'The quick brown fox jumps over the lazy dog. Unbelievably, transformers tokenize words.';
  await setStateAndRun(page, {view: 'matrix', merge: 'words', text});
  let info = await waitUploads(page);
  const read = () => page.evaluate(([L, H]) => {
    const out = [];
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) out.push(Array.from(window.attnviz.gridAttention(l, h)));
    return {G: window.attnviz.info().grid, T: window.attnviz.info().T, m: out};
  }, [info.layers, info.heads]);
  const a = await read();
  assert.ok(a.G > 0 && a.G < a.T, `words: G = ${a.G} of T = ${a.T}`);
  for (const m of a.m) {
    assert.equal(m.length, a.G * a.G);
    for (let r = 0; r < a.G; r++) {
      let s = 0;
      for (let c = 0; c < a.G; c++) s += m[r * a.G + c];
      assert.ok(Math.abs(s - 1) <= 1e-4, `a merged row sums to ${s}`);
    }
  }
  // Other inputs (recycled buffers, merged storage kept), then the same text: the same merged matrices.
  await setText(page, text + ' More words here.');
  await setText(page, 'Short one.');
  await setText(page, text);
  info = await waitUploads(page);
  const b = await read();
  assert.equal(b.G, a.G);
  let worst = 0;
  for (let i = 0; i < a.m.length; i++) worst = Math.max(worst, maxAbsDiff(Float32Array.from(b.m[i]), Float32Array.from(a.m[i])));
  assert.ok(worst <= 1e-5, `merged after recycling: max |difference| ${worst}`);
  // One result: every image once (merged on demand, uploaded once).
  const u = info.image_uploads;
  await setText(page, text + '!');
  info = await waitUploads(page);
  assert.equal(info.image_uploads - u, info.layers * info.heads + 2 * info.layers);
  await hook(page, 'setState', {merge: 'tokens'});
  assert.deepEqual(await hook(page, 'lastError'), null);
});
