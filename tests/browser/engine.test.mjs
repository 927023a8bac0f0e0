// The engine off the main thread (issue 10): the model runs in a Web Worker, threads where the page is cross-origin
// isolated, single-threaded where it is not; typing supersedes (latest wins: a burst of keystrokes costs at most two
// passes, and the result drawn at the end is the final text's, never a stale one); both servings give the same
// attention.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {closeAll, hook, launchBrowser, missingPrerequisite, openPage, pct, readAttention, startServer, waitReady,
        RUN_TIMEOUT} from './lib/harness.mjs';

const skip = missingPrerequisite();
let isoServer, plainServer, browser, iso, plain;
const poem = '床前明月光，疑是地上霜。举头望明月，低头思故乡。';
const long = poem.repeat(19);  // ~460 tokens: the longest pass zh-bert-mini has

before(async () => {
  if (skip) return;
  isoServer = await startServer(undefined, {isolation: true});
  plainServer = await startServer(undefined, {isolation: false});
  browser = await launchBrowser();
  iso = await openPage(browser, isoServer, `text=${pct(poem)}`);
  plain = await openPage(browser, plainServer, `text=${pct(poem)}`);
});
after(() => closeAll(iso, plain, browser, isoServer, plainServer));

test('isolated page: threads in the worker; plain page: single-threaded; the status bar says which', {skip}, async () => {
  const a = await iso.page.evaluate(() => ({isolated: self.crossOriginIsolated, hc: navigator.hardwareConcurrency,
                                            info: window.attnviz.info()}));
  assert.equal(a.isolated, true);
  assert.equal(a.info.engine.threads, Math.min(a.hc, 8));
  assert.equal(a.info.engine.label, `threads: ${Math.min(a.hc, 8)}`);
  const b = await plain.page.evaluate(() => ({isolated: self.crossOriginIsolated, info: window.attnviz.info()}));
  assert.equal(b.isolated, false);
  assert.equal(b.info.engine.threads, 1);
  assert.equal(b.info.engine.label, 'single-threaded (page not cross-origin isolated)');
  assert.deepEqual(await hook(iso.page, 'lastError'), null);
  assert.deepEqual(await hook(plain.page, 'lastError'), null);
});

test('with and without isolation headers: the same tokens and attention (every head) to 1e-5', {skip}, async () => {
  const text = poem.repeat(3) + '[MASK]';
  for (const p of [iso.page, plain.page]) {
    const before = await hook(p, 'runCount');
    await hook(p, 'setText', text);
    await waitReady(p, RUN_TIMEOUT, null, {text, runsAbove: before});
  }
  const info = await hook(iso.page, 'info');
  assert.deepEqual(await hook(iso.page, 'tokens'), await hook(plain.page, 'tokens'));
  const a = await readAttention(iso.page, info.layers, info.heads);
  const b = await readAttention(plain.page, info.layers, info.heads);
  assert.equal(a.length, b.length);
  assert.equal(a.length, info.layers * info.heads * info.T * info.T);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  assert.ok(worst <= 1e-5, `max |difference| ${worst}`);
  assert.deepEqual(await hook(iso.page, 'predictions'), await hook(plain.page, 'predictions'));
});

for (const which of ['isolated', 'not isolated']) {
  test(`${which}: typing 10 characters during a long pass: the box shows each at once, at most two passes, the final ` +
       'result is the final text\'s', {skip}, async () => {
    const page = which === 'isolated' ? iso.page : plain.page;
    const before = await hook(page, 'runCount');
    await hook(page, 'setText', long);
    await waitReady(page, RUN_TIMEOUT, null, {text: long, runsAbove: before});
    await page.focus('#box-text');
    await page.evaluate(() => { const t = document.getElementById('box-text'); t.setSelectionRange(t.value.length, t.value.length); });
    const start = (await hook(page, 'info')).engine;
    const typed = '明月几时有把酒问青天';
    // Keys go straight in, no delay: the pass for the first ones is still running while the rest arrive.
    await page.keyboard.type(typed);
    assert.equal(await page.evaluate(() => document.getElementById('box-text').value), long + typed,
                 'the box shows every typed character at once');
    await waitReady(page, RUN_TIMEOUT, null, {text: long + typed});
    const end = (await hook(page, 'info')).engine;
    const d = (k) => end[k] - start[k];
    const counts = JSON.stringify({start, end});
    // Every request either started or was dropped unstarted; none is run after a newer one arrived.
    assert.equal(d('started') + d('dropped'), d('submitted'), counts);
    if (which === 'isolated') {
      // Passes that newer keys made useless stop at their next layer boundary: at most two run to the end.
      assert.ok(d('completed') >= 1 && d('completed') <= 2, `10 keystrokes cost ${d('completed')} full passes: ${counts}`);
      assert.equal(d('started') - d('completed'), d('abandoned'), counts);
    } else {
      // No shared memory to stop a pass with: a pass runs to its end, and keys typed meanwhile make one more.
      assert.ok(d('completed') >= 1 && d('completed') <= d('submitted'), counts);
    }
    const st = await hook(page, 'state');
    assert.equal(st.text, long + typed);
    const tokens = await hook(page, 'tokens');
    assert.equal(tokens.at(-1), '[SEP]');
    assert.equal(tokens.at(-2), '天', 'the result drawn is the final text\'s');
    assert.equal(await hook(page, 'busy'), false);
    assert.deepEqual(await hook(page, 'lastError'), null);
  });
}

test('10 keystrokes in one burst (input events in one task) cost one pass; the box keeps every character', {skip},
     async () => {
  const page = iso.page;
  const before = await hook(page, 'runCount');
  const start = (await hook(page, 'info')).engine;
  const final = await page.evaluate(() => {
    const t = document.getElementById('box-text');
    for (const ch of '白日依山尽黄河入海流') {
      t.value += ch;
      t.dispatchEvent(new InputEvent('input', {data: ch, inputType: 'insertText'}));
    }
    return t.value;
  });
  await waitReady(page, RUN_TIMEOUT, null, {text: final, runsAbove: before});
  const end = (await hook(page, 'info')).engine;
  assert.equal(end.started - start.started, 1, JSON.stringify({start, end}));
  assert.equal((await hook(page, 'tokens')).at(-2), '流');
});

test('a burst of setText calls: runCount counts applied results; the last text wins', {skip}, async () => {
  const page = iso.page;
  const r = await page.evaluate(async () => {
    const h = window.attnviz;
    const before = h.runCount(), engine0 = h.info().engine;
    for (let i = 1; i <= 10; i++) h.setText('床前明月光'.slice(0, 1 + (i % 5)) + i);
    return {before, engine0, runsNow: h.runCount(), busy: h.busy()};
  });
  assert.equal(r.runsNow, r.before, 'no result can have arrived synchronously');
  assert.equal(r.busy, true);
  await waitReady(page, RUN_TIMEOUT, null, {text: '床10', runsAbove: r.before});
  assert.deepEqual(await hook(page, 'tokens'), ['[CLS]', '床', '10', '[SEP]']);
  const e = (await hook(page, 'info')).engine;
  assert.ok(e.started - r.engine0.started <= 2, JSON.stringify({before: r.engine0, after: e}));
  assert.equal(e.submitted - r.engine0.submitted, 10);
});

test('switching to a view that shows summaries starts no forward pass: the engine answers from its last run', {skip},
     async () => {
  const page = iso.page;
  // The lines view shows no summaries: a run there has none.
  await hook(page, 'setState', {view: 'lines'});
  const text = poem + '[MASK]';
  let before = await hook(page, 'runCount');
  await hook(page, 'setText', text);
  await waitReady(page, RUN_TIMEOUT, null, {text, runsAbove: before});
  const info = await hook(page, 'info');
  const attBefore = await readAttention(page, info.layers, info.heads);
  const e0 = info.engine;
  for (const view of ['rollout', 'stats', 'model', 'matrix']) {
    before = await hook(page, 'runCount');
    await hook(page, 'setState', {view});
    // The first of them asks the engine for the summaries (one cached answer); the others have them already.
    if (view === 'rollout') await waitReady(page, RUN_TIMEOUT, null, {text, runsAbove: before});
    else await waitReady(page, RUN_TIMEOUT, null, {text});
  }
  const e1 = (await hook(page, 'info')).engine;
  const counts = JSON.stringify({e0, e1});
  assert.equal(e1.started - e0.started, 0, `no pass: ${counts}`);
  assert.equal(e1.cached - e0.cached, 1, `one cached answer: ${counts}`);
  assert.equal(e1.submitted - e0.submitted, 1, counts);
  assert.equal(e1.started + e1.dropped + e1.cached, e1.submitted, counts);
  // The run is the same one: the same attention.
  const att = await readAttention(page, info.layers, info.heads);
  assert.deepEqual(Array.from(att), Array.from(attBefore));
  assert.deepEqual(await hook(page, 'lastError'), null);
  assert.equal(await hook(page, 'busy'), false);
});
