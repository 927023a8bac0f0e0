// "What did fine-tuning change?" in the page: the demo link (zh-bert-ner-mini vs zh-bert-mini) gives per-head
// differences (compare()) equal to the ones computed here from each model's attention() read one after the other;
// mismatched models are refused with a message and the current model stays; the link keeps vs=; clicking a grid cell
// selects that head. Writes the README's screenshot docs/screenshots/compare.png (800x560).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {decodePng} from './lib/png.mjs';
import {clickItem, closeAll, hook, missingPrerequisite, openPage, pct, readAttention, screenshot, screenshotDir,
        setStateAndRun, startBrowser, waitFrames, LOAD_TIMEOUT, SMALL} from './lib/harness.mjs';

const skip = missingPrerequisite();
const text = '张三在北京大学读书，后来去了上海的华为公司工作。';
const demo = `model=zh-bert-ner-mini&vs=zh-bert-mini&view=compare&layer=5&text=${pct(text)}`;
let server, browser, app;

// compare() once the comparison of the current run has arrived (plain arrays, to cross the page boundary).
async function waitCompare(page) {
  await page.waitForFunction(() => window.attnviz.compare() !== null, null, {timeout: LOAD_TIMEOUT, polling: 100});
  return page.evaluate(() => {
    const c = window.attnviz.compare();
    return {layers: c.layers, heads: c.heads, model: c.model, vs: c.vs, isF32: c.mean_abs instanceof Float32Array &&
            c.js instanceof Float32Array, mean_abs: Array.from(c.mean_abs), js: Array.from(c.js)};
  });
}

// The metrics of analysis.h, computed here: mean |a - b| over T*T, Jensen-Shannon (bits) per row averaged.
function metrics(a, b, T) {
  let abs = 0, js = 0;
  for (let k = 0; k < T * T; k++) abs += Math.abs(a[k] - b[k]);
  for (let i = 0; i < T; i++) {
    let row = 0;
    for (let j = 0; j < T; j++) {
      const p = Math.max(0, a[i * T + j]), q = Math.max(0, b[i * T + j]), m = (p + q) / 2;
      if (p > 0) row += 0.5 * p * Math.log2(p / m);
      if (q > 0) row += 0.5 * q * Math.log2(q / m);
    }
    js += Math.max(0, row);
  }
  return {mean_abs: abs / (T * T), js: js / T};
}

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
  app = await openPage(browser, server, demo, {viewport: SMALL});
});
after(() => closeAll(app, browser, server));

test('the demo link compares zh-bert-ner-mini with zh-bert-mini; writes docs/screenshots/compare.png', {skip}, async () => {
  const c = await waitCompare(app.page);
  assert.equal(c.model, 'zh-bert-ner-mini');
  assert.equal(c.vs, 'zh-bert-mini');
  assert.ok(c.isF32, 'mean_abs and js are Float32Arrays');
  assert.equal(c.mean_abs.length, c.layers * c.heads);
  assert.equal(c.js.length, c.layers * c.heads);
  assert.ok(Math.max(...c.js) > 1e-4, 'the fine-tune moved some head');
  const st = await hook(app.page, 'state');
  assert.equal(st.view, 'compare');
  assert.equal(st.vs, 'zh-bert-mini');
  assert.equal(await hook(app.page, 'lastError'), null);
  await waitFrames(app.page, 4);
  const img = decodePng(await screenshot(app.page, path.join(screenshotDir, 'compare.png')));
  assert.equal(img.width, 800);
  assert.equal(img.height, 560);
  assert.deepEqual(app.errors, []);
});

test('the link round-trips vs= (readable and after a reload of it)', {skip}, async () => {
  const link = await hook(app.page, 'link');
  assert.match(link, /[#&]vs=zh-bert-mini(&|$)/);
  assert.match(link, /[#&]view=compare(&|$)/);
  const again = await openPage(browser, server, link.split('#')[1], {viewport: SMALL});
  try {
    const c = await waitCompare(again.page);
    assert.equal(c.vs, 'zh-bert-mini');
    assert.equal((await hook(again.page, 'state')).vs, 'zh-bert-mini');
  } finally {
    await again.close();
  }
});

test('clicking a cell of the grid selects that head in every view', {skip}, async () => {
  await clickItem(app.page, 'compare L3 H5');
  const st = await hook(app.page, 'state');
  assert.equal(st.layer, 3);
  assert.equal(st.head, 5);
  assert.equal(st.view, 'compare');
});

test('compare() equals the metrics computed from each model\'s attention() read one after the other', {skip}, async () => {
  const c = await waitCompare(app.page);
  const L = c.layers, H = c.heads;
  const T = (await hook(app.page, 'tokens')).length;
  const a = await readAttention(app.page, L, H);  // zh-bert-ner-mini, loaded by the link
  await setStateAndRun(app.page, {model: 'zh-bert-mini'});
  assert.equal((await hook(app.page, 'state')).model, 'zh-bert-mini');
  assert.equal((await hook(app.page, 'tokens')).length, T);
  const b = await readAttention(app.page, L, H);
  const TT = T * T;
  let worst = 0;
  for (let i = 0; i < L * H; i++) {
    const m = metrics(a.subarray(i * TT, (i + 1) * TT), b.subarray(i * TT, (i + 1) * TT), T);
    worst = Math.max(worst, Math.abs(m.mean_abs - c.mean_abs[i]), Math.abs(m.js - c.js[i]));
    assert.ok(Math.abs(m.mean_abs - c.mean_abs[i]) <= 1e-5, `head ${i}: mean_abs ${c.mean_abs[i]} vs ${m.mean_abs}`);
    assert.ok(Math.abs(m.js - c.js[i]) <= 1e-5, `head ${i}: js ${c.js[i]} vs ${m.js}`);
  }
  console.log(`compare(): largest deviation from the JS computation ${worst.toExponential(2)}`);
});

test('a model with another tokenizer is refused with a message; the current model stays', {skip}, async () => {
  const page = await openPage(browser, server, `model=zh-bert-mini&vs=gpt2-mini&text=${pct(text)}`, {viewport: SMALL});
  try {
    await page.page.waitForFunction(() => window.attnviz.lastError() !== null, null, {timeout: LOAD_TIMEOUT, polling: 100});
    const err = await hook(page.page, 'lastError');
    assert.match(err, /gpt2-mini/);
    assert.match(err, /zh-bert-mini/);
    assert.match(err, /tokenizer|shape|layers/);
    const st = await hook(page.page, 'state');
    assert.equal(st.model, 'zh-bert-mini', 'the main model stays');
    assert.equal(st.vs, '', 'the link drops a refused comparison');
    assert.equal(await hook(page.page, 'compare'), null);
    assert.ok((await hook(page.page, 'notices')).includes(err), 'the message is shown');
    assert.equal((await hook(page.page, 'tokens'))[0], '[CLS]');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
