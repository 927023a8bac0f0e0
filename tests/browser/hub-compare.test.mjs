// "What did fine-tuning change?" with a Hugging Face model as the comparison (link key vs=hf:ORG/NAME, issue 13 with
// issue 11's Hub client), against scripts/mock-hub.mjs: the link asks before any request (the mock's log stays empty
// until the click), the click downloads the compare model into Cache Storage and compare() equals the differences
// computed from each model's attention(); the link carries the compare model's commit sha (vsrev=) and reopens it from
// the cache with no click and no request; a missing or gated repo, a model of another shape or tokenizer, and a
// cancelled download are said plainly while both current models stay and keep working.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {startMockHub} from '../../scripts/mock-hub.mjs';
import {clickItem, closeAll, findItem, foreignRequests, hook, missingPrerequisite, pct, readAttention, setText,
        startBrowser, waitFrames, waitReady, LOAD_TIMEOUT} from './lib/harness.mjs';

const skip = missingPrerequisite();
const text = '张三在北京大学读书，后来去了上海的华为公司工作。';
const id = 'attnviz-demo/zh-bert-mini';  // the mock serves the built-in zh-bert-mini's files under this id
let server, browser, hub, context, app;

// A page in the test's context (Hub endpoint = the mock, set as the user's setting before the page's first script).
async function openHubPage(fragment = '') {
  const page = await context.newPage();
  const requests = [], errors = [], console_ = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e && e.stack || e)));
  page.on('console', (m) => console_.push(`${m.type()}: ${m.text()}`));
  page.on('crash', () => errors.push('page crashed'));
  await page.goto(`${server.origin}/${fragment ? '#' + fragment : ''}`, {waitUntil: 'load', timeout: 90000});
  const ctx = {page, requests, errors, console: console_, server, close: () => page.close().catch(() => {})};
  await waitReady(page, 90000, ctx);
  return ctx;
}

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
  hub = await startMockHub();
  context = await browser.newContext({viewport: {width: 800, height: 560}, deviceScaleFactor: 1});
  await context.addInitScript((ep) => { try { localStorage.setItem('attnviz.hubEndpoint', ep); } catch (e) { /* */ } },
                              hub.endpoint);
});
after(async () => {
  await closeAll(app, context && {close: () => context.close().catch(() => {})}, browser, server);
  if (hub) await hub.close();
});

const sha = (repo) => hub.repos[repo].sha;
const hubLog = () => hub.log.map((e) => `${e.origin} ${e.status} ${decodeURIComponent(e.path).replace(/\?.*$/, '')}`);
const filesFetched = () => hub.log.filter((e) => /\/resolve\/|^\/repos\//.test(e.path) && e.status < 300)
  .map((e) => decodeURIComponent(e.path).replace(/\?.*$/, '').split('/').pop());

// compare() once the comparison of the current run (with `vs`) has arrived, as plain arrays.
async function waitCompare(page, vs) {
  await page.waitForFunction((v) => { const c = window.attnviz.compare(); return c !== null && c.vs === v; }, vs,
                             {timeout: LOAD_TIMEOUT, polling: 100});
  return page.evaluate(() => {
    const c = window.attnviz.compare();
    return {layers: c.layers, heads: c.heads, model: c.model, vs: c.vs, mean_abs: Array.from(c.mean_abs), js: Array.from(c.js)};
  });
}

// The metrics of analysis.h: mean |a - b| over T*T; Jensen-Shannon (bits) per query row, averaged (compare.test.mjs).
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

test('a vs=hf: link asks first (no request before the click), then downloads the compare model into the cache and ' +
     'pins its commit sha in the state and the link', {skip}, async () => {
  hub.reset();
  app = await openHubPage(`model=zh-bert-ner-mini&vs=hf:${id}&view=compare&layer=5&text=${pct(text)}`);
  const page = app.page;
  await page.waitForFunction(() => window.attnviz.items().some((i) => i.label === 'Download and open'), null, {timeout: 30000});
  await waitFrames(page, 4);
  let st = await hook(page, 'state');
  assert.equal(st.model, 'zh-bert-ner-mini');
  assert.equal(st.vs, `hf:${id}`, 'the link keeps the comparison while it waits for consent');
  assert.equal(await hook(page, 'compare'), null);
  assert.deepEqual(hub.log, [], 'no request reached the Hub (not even the file list) before the click');
  assert.deepEqual(foreignRequests(app), [], 'no request left the page\'s origin before the click');
  assert.match(await hook(page, 'link'), new RegExp(`[#&]vs=hf:${id}(&|$)|[#&]z=`));

  await clickItem(page, 'Download and open');
  const c = await waitCompare(page, `hf:${id}`);
  assert.equal(await hook(page, 'lastError'), null);
  assert.equal(c.model, 'zh-bert-ner-mini');
  assert.equal(c.mean_abs.length, c.layers * c.heads);
  assert.ok(Math.max(...c.js) > 1e-4, 'the NER fine-tune moved some head');
  st = await hook(page, 'state');
  assert.equal(st.model, 'zh-bert-ner-mini', 'the current model stays');
  assert.equal(st.vs, `hf:${id}`);
  assert.equal(st.vs_hash, sha(id), 'pinned to the commit sha');
  const fetched = filesFetched();
  assert.ok(fetched.indexOf('config.json') >= 0 && fetched.indexOf('config.json') < fetched.indexOf('model.safetensors'),
            `config.json before the weights: ${fetched}`);
  assert.ok(hub.log.every((e) => !/\/resolve\/main\//.test(e.path)), 'files are fetched at the resolved sha');
  assert.equal(await findItem(page, 'Download and open'), null, 'the offer is gone');
  const cached = await page.evaluate(() => window.attnvizHub.listCached());
  assert.ok(cached.some((m) => m.repo === id && m.sha === sha(id) && !m.partial && m.bytes > 1e6), 'kept in the cache');
  const link = await hook(page, 'link');
  const frag = link.split('#')[1];
  if (!frag.startsWith('z=')) assert.ok(frag.includes(`vs=hf:${id}&vsrev=${sha(id)}`), link);
  assert.deepEqual(app.errors, []);
});

test('compare() with the downloaded model equals the metrics computed from each model\'s attention() (the second ' +
     'read from the same cached files opened as the page\'s model, with no request)', {skip}, async () => {
  const page = app.page;
  const c = await waitCompare(page, `hf:${id}`);
  const L = c.layers, H = c.heads;
  const T = (await hook(page, 'tokens')).length;
  const a = await readAttention(page, L, H);  // zh-bert-ner-mini
  hub.clearLog();
  const other = await openHubPage(`model=hf:${id}&rev=${sha(id)}&text=${pct(text)}`);
  let b;
  try {
    await waitReady(other.page, 90000, other, {model: `hf:${id}`});
    assert.deepEqual(hub.log, [], 'the compare model\'s files opened from the cache as a model too');
    assert.equal((await hook(other.page, 'tokens')).length, T);
    b = await readAttention(other.page, L, H);
  } finally {
    await other.close();
  }
  const TT = T * T;
  let worst = 0;
  for (let i = 0; i < L * H; i++) {
    const m = metrics(a.subarray(i * TT, (i + 1) * TT), b.subarray(i * TT, (i + 1) * TT), T);
    worst = Math.max(worst, Math.abs(m.mean_abs - c.mean_abs[i]), Math.abs(m.js - c.js[i]));
    assert.ok(Math.abs(m.mean_abs - c.mean_abs[i]) <= 1e-5, `head ${i}: mean_abs ${c.mean_abs[i]} vs ${m.mean_abs}`);
    assert.ok(Math.abs(m.js - c.js[i]) <= 1e-5, `head ${i}: js ${c.js[i]} vs ${m.js}`);
  }
  console.log(`compare() with hf:${id}: largest deviation from the JS computation ${worst.toExponential(2)}`);
});

test('the link round-trips with the compare model\'s sha and reopens it from the cache: no click, no request', {skip}, async () => {
  const link = await hook(app.page, 'link');
  hub.clearLog();
  const again = await openHubPage(link.split('#')[1]);
  try {
    const c = await waitCompare(again.page, `hf:${id}`);
    assert.equal(c.model, 'zh-bert-ner-mini');
    const st = await hook(again.page, 'state');
    assert.equal(st.vs, `hf:${id}`);
    assert.equal(st.vs_hash, sha(id));
    assert.equal(st.view, 'compare');
    assert.deepEqual(hub.log, [], 'the Hub saw no request');
    assert.deepEqual(foreignRequests(again), []);
    assert.equal(await findItem(again.page, 'Download and open'), null, 'no consent needed for a cached model');
    assert.equal(await hook(again.page, 'lastError'), null);
  } finally {
    await again.close();
  }
  // The readable form with vsrev= written by hand opens the same way.
  hub.clearLog();
  const hand = await openHubPage(`model=zh-bert-ner-mini&vs=hf:${id}&vsrev=${sha(id)}&view=compare&text=${pct(text)}`);
  try {
    await waitCompare(hand.page, `hf:${id}`);
    assert.deepEqual(hub.log, []);
  } finally {
    await hand.close();
  }
});

// Each failure: what to ask for and what the message must say; the current model and the compare model stay.
const failures = [
  {name: 'no such repo (404)', spec: 'hf:attnviz-test/no-such-model', message: /attnviz-test\/no-such-model.*no such model/},
  {name: 'gated repo (401)', spec: 'hf:attnviz-test/gated', message: /needs a Hugging Face login; download its files and drop them on the page/},
  {name: 'another tokenizer and shape', spec: 'hf:attnviz-demo/gpt2-mini', message: /Refused: hf:attnviz-demo\/gpt2-mini cannot be compared with zh-bert-ner-mini/},
  {name: 'not an id', spec: 'hf:a/b/c', message: /not a Hugging Face model id/},
];

for (const f of failures) {
  test(`a failing compare model is said plainly, both current models stay: ${f.name}`, {skip}, async () => {
    const page = app.page;
    const runs = await hook(page, 'runCount');
    hub.reset();
    const r = await page.evaluate((s) => window.attnviz.loadCompare(s), f.spec);
    assert.equal(r.ok, false);
    const err = await hook(page, 'lastError');
    assert.match(err, f.message);
    assert.match(err, /compar/);
    assert.equal(r.error, err);
    assert.ok((await hook(page, 'notices')).includes(err), 'the message is shown');
    const st = await hook(page, 'state');
    assert.equal(st.model, 'zh-bert-ner-mini', 'the current model stays');
    assert.equal(st.vs, `hf:${id}`, 'the earlier comparison stays');
    assert.equal(st.vs_hash, sha(id));
    assert.ok(!filesFetched().includes('model.safetensors') || f.name.startsWith('another'), 'no weights for a refused repo');
    await setText(page, `${text} ${f.name}`);
    assert.ok((await hook(page, 'runCount')) > runs, 'still running');
    const c = await waitCompare(page, `hf:${id}`);
    assert.equal(c.model, 'zh-bert-ner-mini');
  });
}

test('a vs=hf: link to a missing repo: consent first, then the 404 is said and the page keeps working', {skip}, async () => {
  const page = app.page;
  hub.reset();
  await page.evaluate(() => window.attnviz.setState({vs: 'hf:attnviz-test/no-such-model'}));
  await page.waitForFunction(() => window.attnviz.items().some((i) => i.label === 'Download and open'), null, {timeout: 30000});
  assert.equal((await hook(page, 'state')).vs, 'hf:attnviz-test/no-such-model');
  assert.deepEqual(hub.log, [], 'nothing asked before the click');
  await clickItem(page, 'Download and open');
  await page.waitForFunction(() => /no-such-model/.test(window.attnviz.lastError() || ''), null, {timeout: 30000});
  assert.match(await hook(page, 'lastError'), /hf:attnviz-test\/no-such-model cannot be loaded for comparison: .*no such model/);
  assert.deepEqual(hubLog(), [`hub 404 /api/models/attnviz-test/no-such-model`]);
  const st = await hook(page, 'state');
  assert.equal(st.model, 'zh-bert-ner-mini');
  assert.equal(st.vs, `hf:${id}`, 'back to the comparison that exists');
  await waitFrames(page, 3);
  assert.equal(await findItem(page, 'Download and open'), null, 'not offered again');
  await waitCompare(page, `hf:${id}`);
});

test('Cancel stops a slow compare download with progress shown; both models stay; the files so far are listed as a ' +
     'partial download', {skip}, async () => {
  const page = app.page;
  const repo = 'attnviz-test/tiny-bert-ner';
  hub.reset();
  hub.setMode({slow: 150000});
  try {
    const pending = page.evaluate((s) => window.attnviz.loadCompare(s), `hf:${repo}`);
    await page.waitForFunction(() => { const b = window.attnvizHub.status().busy; return b && b.compare && b.done > 100000; },
                               null, {timeout: 60000});
    await clickItem(page, 'Cancel');
    const r = await pending;
    assert.equal(r.ok, false);
    assert.match(await hook(page, 'lastError'), /cancelled/);
  } finally {
    hub.setMode({slow: 0});
  }
  const st = await hook(page, 'state');
  assert.equal(st.model, 'zh-bert-ner-mini');
  assert.equal(st.vs, `hf:${id}`);
  await waitCompare(page, `hf:${id}`);
  await page.waitForFunction((r) => window.attnvizHub.status().cached.some((m) => m.repo === r && m.partial), repo,
                             {timeout: 10000});
  const p = (await page.evaluate(() => window.attnvizHub.listCached())).find((m) => m.repo === repo);
  assert.ok(p && p.partial && p.sha === sha(repo) && p.bytes > 0 && p.files >= 1, JSON.stringify(p));
});
