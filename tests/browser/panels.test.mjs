// The side panels and the export menu, clicked as a person clicks them: widgets are found by their label through
// the hook's items() (Dear ImGui's test-engine hooks report where each labelled widget is), then clicked with the
// mouse. Masking a token, filling a [MASK] with a guess and undoing; appending GPT-2's guess and greedy steps;
// knocking out a layer; downloading one head as JSON and CSV and the page as PNG.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {decodePng} from './lib/png.mjs';
import {changeAndWait, clickItem, closeAll, findItem, hook, missingPrerequisite, openPage, pct, setStateAndRun,
        startBrowser, waitFrames, BIG} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, app;

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
  app = await openPage(browser, server, `text=${pct('床前明月光')}`, {viewport: BIG});
  await waitFrames(app.page, 3);
});
after(() => closeAll(app, browser, server));

test('items() lists the labelled widgets with their place; clicking tabs, radio buttons, checkboxes works', {skip}, async () => {
  const items = await hook(app.page, 'items');
  for (const label of ['Export…', 'Copy link', 'Embed', 'Input', 'Options', 'Predictions', 'linear', 'sqrt', 'Model',
                       'Matrix', 'Lines', 'Neuron', 'Rollout', 'Stats']) {
    const it = items.find((i) => i.label === label);
    assert.ok(it, `no "${label}" in items()`);
    assert.ok(it.w > 0 && it.h > 0 && it.x >= 0 && it.y >= 0 && it.x < BIG.width && it.y < BIG.height, JSON.stringify(it));
  }
  assert.equal(items.find((i) => i.label === 'Hide special tokens').checked, false);
  await clickItem(app.page, 'Stats');
  assert.equal((await hook(app.page, 'state')).view, 'stats');
  await clickItem(app.page, 'sqrt');
  assert.equal((await hook(app.page, 'state')).scale, 'sqrt');
  await clickItem(app.page, 'Hide special tokens');
  assert.equal((await hook(app.page, 'state')).hide_special, true);
  assert.equal((await findItem(app.page, 'Hide special tokens')).checked, true);
  await clickItem(app.page, 'Hide special tokens');
  await clickItem(app.page, 'linear');
  await clickItem(app.page, 'Model');
  assert.equal((await hook(app.page, 'state')).view, 'model');
});

test('zh-bert-mini: click a token to mask it, click a guess to fill it, undo', {skip}, async () => {
  const page = app.page;
  await changeAndWait(page, () => clickItem(page, '月'), {text: '床前明[MASK]光'});
  const p = await hook(page, 'predictions');
  assert.equal(p.masks.length, 1);
  assert.equal(p.masks[0].position, 4);
  const best = p.masks[0].top[0].token;
  // The guess buttons are labelled with the guessed token; the mask-a-token buttons below carry the other tokens.
  await changeAndWait(page, () => clickItem(page, best), {text: `床前明${best}光`});
  await changeAndWait(page, () => clickItem(page, 'undo'), {text: '床前明[MASK]光'});
  assert.equal(await hook(page, 'lastError'), null);
});

test('knock out a layer with its button, restore it', {skip}, async () => {
  const page = app.page;
  await setStateAndRun(page, {text: '疑是地上[MASK]。'});
  const before = await hook(page, 'predictions');
  await clickItem(page, 'Knock out heads');
  await changeAndWait(page, () => clickItem(page, 'L1'));
  const st = await hook(page, 'state');
  assert.deepEqual(st.knockout, [0, 1, 2, 3, 4, 5, 6, 7].map((h) => [1, h]));
  const ko = await hook(page, 'predictions');
  assert.notDeepEqual(ko.masks[0].top, before.masks[0].top, 'knocking out layer 1 changed nothing');
  await changeAndWait(page, () => clickItem(page, 'L1'));
  assert.deepEqual((await hook(page, 'state')).knockout, []);
  assert.deepEqual(await hook(page, 'predictions'), before);
  await clickItem(page, 'Knock out heads');  // fold the panel again
});

// Clicks Export… then `entry`; returns the downloaded file's bytes and name.
async function exportVia(page, entry) {
  await clickItem(page, 'Export…');
  const [download] = await Promise.all([page.waitForEvent('download', {timeout: 60000}), clickItem(page, entry)]);
  const file = await download.path();
  return {name: download.suggestedFilename(), bytes: fs.readFileSync(file)};
}

test('export: this head as JSON and CSV equal attention(); the page as a PNG at 2x', {skip}, async () => {
  const page = app.page;
  await setStateAndRun(page, {text: '床前明月光', view: 'matrix', layer: 2, head: 3});
  const T = (await hook(page, 'tokens')).length;
  const att = await page.evaluate(() => Array.from(window.attnviz.attention(2, 3)));
  const json = await exportVia(page, 'attention of this head (JSON)');
  assert.match(json.name, /^attnviz-zh-bert-mini-L2H3\.json$/);
  const j = JSON.parse(json.bytes.toString('utf8'));
  assert.deepEqual(j.shape, [1, 1, T, T]);
  assert.deepEqual(j.tokens, await hook(page, 'tokens'));
  const rows = j.attentions[0][0];
  for (let q = 0; q < T; q++) for (let k = 0; k < T; k++) {
    assert.ok(Math.abs(rows[q][k] - att[q * T + k]) <= 1e-6 * Math.max(1, att[q * T + k]) + 1e-7, `JSON [${q}][${k}]`);
  }
  const csv = await exportVia(page, 'attention of this head (CSV)');
  const lines = csv.bytes.toString('utf8').trim().split(/\r?\n/);
  assert.equal(lines[0], 'layer,head,query,key,query_token,key_token,weight');
  assert.equal(lines.length, 1 + T * T);
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const [l, h, q, k] = f.slice(0, 4).map(Number);
    assert.equal(l, 2);
    assert.equal(h, 3);
    assert.ok(Math.abs(Number(f[f.length - 1]) - att[q * T + k]) <= 1e-6, `CSV ${line}`);
  }
  const png = await exportVia(page, 'picture of the view (PNG, 2x)');
  assert.match(png.name, /\.png$/);
  const img = decodePng(png.bytes);
  assert.equal(img.width, BIG.width * 2);
  assert.equal(img.height, BIG.height * 2);
});

test('gpt2-mini: click a guess to append it, then greedy x10', {skip}, async () => {
  const page = app.page;
  await setStateAndRun(page, {model: 'gpt2-mini', text: 'The capital of France is', view: 'model'});
  const p = await hook(page, 'predictions');
  const best = p.next.top.find((c) => c.text && c.text.length > 0);
  await changeAndWait(page, () => clickItem(page, `"${best.token}"`), {text: `The capital of France is${best.text}`});
  const runs = await hook(page, 'runCount');
  await clickItem(page, 'greedy x10');
  await waitFrames(page, 5);
  const st = await hook(page, 'state');
  assert.ok(st.text.startsWith(`The capital of France is${best.text}`));
  assert.ok(st.text.length > `The capital of France is${best.text}`.length, 'greedy added nothing');
  assert.ok(await hook(page, 'runCount') > runs);
  const tokens = await hook(page, 'tokens');
  assert.ok(tokens.length >= 7, tokens.join(' '));
  assert.deepEqual(app.errors, []);
});
