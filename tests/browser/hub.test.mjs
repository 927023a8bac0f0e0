// Models by Hugging Face id (issue 11), against scripts/mock-hub.mjs (the Hub's URL layout on two local origins):
// a link asks before any request, the click downloads config.json first and then the weights (via the second origin),
// the model's attention equals the reference, the link carries the commit sha, a second visit opens it from Cache
// Storage with no request at all, Cancel keeps the current model, a dropped connection resumes with a Range request,
// and every failure says what happened while the current model keeps working.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {maxAbsDiff} from '../js/safetensors.mjs';
import {startMockHub} from '../../scripts/mock-hub.mjs';
import {clickAt, clickItem, closeAll, findItem, fixture, foreignRequests, hook, missingPrerequisite, setText,
        snapshot, startBrowser, waitFrames, waitReady} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, hub, context, app;

// A page in the test's context (whose Hub endpoint is the mock: the user's setting, put in localStorage before the
// page's first script), recording its requests and errors like the harness's openPage.
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
  context = await browser.newContext({viewport: {width: 900, height: 600}, deviceScaleFactor: 1});
  await context.addInitScript((ep) => { try { localStorage.setItem('attnviz.hubEndpoint', ep); } catch (e) { /* */ } },
                              hub.endpoint);
});
after(async () => {
  await closeAll(app, context && {close: () => context.close().catch(() => {})}, browser, server);
  if (hub) await hub.close();
});

const sha = (id) => hub.repos[id].sha;
const hubLog = () => hub.log.map((e) => `${e.origin} ${e.status} ${decodeURIComponent(e.path).replace(/\?.*$/, '')}${e.range ? ' ' + e.range : ''}`);
const filesFetched = () => hub.log.filter((e) => /\/resolve\/|^\/repos\//.test(e.path) && e.status < 300)
  .map((e) => decodeURIComponent(e.path).replace(/\?.*$/, '').split('/').pop());

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

// loadModel('hf:...') (counts as the click), then the page settled on that model.
async function loadHub(page, spec, model) {
  const r = await page.evaluate((s) => window.attnviz.loadModel(s), spec);
  if (r && r.ok) await waitReady(page, 90000, app, {model});
  return r;
}

test('a link to a Hub model asks first: no request to the Hub before the click, then config.json before the weights, ' +
     'weights from the second origin, attention equal to the reference, the link pinned to the commit sha', {skip}, async () => {
  const id = 'attnviz-test/tiny-bert';
  hub.reset();
  app = await openHubPage(`model=hf:${id}&rev=${sha(id)}`);
  const page = app.page;
  await waitFrames(page, 4);
  // The page shows zh-bert-mini meanwhile, and the consent banner with the exact button.
  assert.equal((await hook(page, 'state')).model, 'zh-bert-mini');
  assert.ok(await findItem(page, 'Download and open'), 'the consent button is there');
  assert.deepEqual(hub.log, [], 'no request reached the Hub (not even the file list) before the click');
  assert.deepEqual(foreignRequests(app), [], 'no request left the page\'s origin before the click');
  assert.equal(await page.evaluate(() => window.attnviz.hubEndpoint()), hub.endpoint);

  await clickItem(page, 'Download and open');
  await page.waitForFunction((m) => window.attnviz.state().model === m || window.attnviz.lastError(), `hf:${id}`,
                             {timeout: 90000});
  assert.equal(await hook(page, 'lastError'), null);
  await waitReady(page, 90000, app, {model: `hf:${id}`});
  const st = await hook(page, 'state');
  assert.equal(st.hash, sha(id), 'the loaded model is pinned to the commit sha');
  const info = await hook(page, 'info');
  assert.deepEqual({layers: info.layers, heads: info.heads}, {layers: 2, heads: 4});
  await expectAttention(page, 'tiny-bert', 'case0', 1e-4);
  await expectAttention(page, 'tiny-bert', 'case2', 1e-4);
  const link = await hook(page, 'link');
  assert.ok(link.includes(`model=hf:${id}&rev=${sha(id)}`) || /[#&]z=/.test(link), `the link carries the sha: ${link}`);

  const fetched = filesFetched();
  assert.equal(fetched.indexOf('config.json') >= 0 && fetched.indexOf('config.json') < fetched.indexOf('model.safetensors'),
               true, `config.json before the weights: ${fetched}`);
  assert.ok(hub.log.some((e) => e.origin === 'cdn' && e.path.includes('model.safetensors') && e.status === 200),
            `weights came through the second origin: ${hubLog().join('\n')}`);
  assert.ok(!fetched.includes('vocab.txt'), 'tokenizer.json is preferred over vocab.txt');
  assert.ok(hub.log.every((e) => !/\/resolve\/main\//.test(e.path)), 'files are fetched at the pinned sha');
  const offOrigin = foreignRequests(app);
  assert.ok(offOrigin.length > 0 && offOrigin.every((u) => u.startsWith(hub.endpoint + '/') || u.startsWith(hub.cdn + '/')),
            `after the click, requests went only to the endpoint and its file storage: ${offOrigin.join(' ')}`);
  const cached = await page.evaluate(() => window.attnvizHub.listCached());
  assert.ok(cached.some((m) => m.repo === id && m.sha === sha(id) && m.bytes > 1e6), 'the model is in the cache');
  assert.deepEqual(app.errors, []);
});

test('a second visit opens the cached model from the link with no click and no request at all', {skip}, async () => {
  const id = 'attnviz-test/tiny-bert';
  const first = app;
  hub.clearLog();
  app = await openHubPage(`model=hf:${id}&rev=${sha(id)}&text=${encodeURIComponent(fixture('tiny-bert').texts.case0.text)}`);
  await first.close();
  await app.page.waitForFunction((m) => window.attnviz.state().model === m, `hf:${id}`, {timeout: 90000});
  await waitReady(app.page, 90000, app, {model: `hf:${id}`});
  await expectAttention(app.page, 'tiny-bert', 'case0', 1e-4);
  assert.deepEqual(hub.log, [], 'the Hub saw no request');
  assert.deepEqual(foreignRequests(app), []);
  assert.equal(await findItem(app.page, 'Download and open'), null, 'no consent needed for a cached model');
});

test('a renamed one-part id follows the Hub\'s relative redirect, names the model by its new id, and reuses the cache',
     {skip}, async () => {
  const page = app.page;
  hub.clearLog();
  const r = await loadHub(page, 'hf:tiny-bert', 'hf:attnviz-test/tiny-bert');
  assert.ok(r && r.ok, JSON.stringify(r));
  assert.deepEqual(hubLog(), ['hub 307 /api/models/tiny-bert', 'hub 200 /api/models/attnviz-test/tiny-bert'],
                   'only the file list: the files came from the cache');
});

test('sharded safetensors and GPT-2 (vocab.json + merges.txt or tokenizer.json) open with reference attention',
     {skip}, async () => {
  const page = app.page;
  hub.clearLog();
  let r = await loadHub(page, 'hf:attnviz-test/tiny-bert-sharded', 'hf:attnviz-test/tiny-bert-sharded');
  assert.ok(r && r.ok, JSON.stringify(r));
  const fetched = filesFetched();
  for (const f of ['model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'])
    assert.ok(fetched.includes(f), `${f} fetched: ${fetched}`);
  await expectAttention(page, 'tiny-bert', 'case1', 1e-4);
  r = await loadHub(page, 'hf:attnviz-test/tiny-gpt2', 'hf:attnviz-test/tiny-gpt2');
  assert.ok(r && r.ok, JSON.stringify(r));
  await expectAttention(page, 'tiny-gpt2', 'case0', 1e-4);
});

test('Cancel stops a slow download, shows progress first, and keeps the current model', {skip}, async () => {
  const page = app.page;
  const before = (await hook(page, 'state')).model;
  hub.setMode({slow: 150000});
  const pending = page.evaluate(() => window.attnviz.loadModel('hf:attnviz-test/tiny-bert-ner'));
  await page.waitForFunction(() => { const b = window.attnvizHub.status().busy; return b && b.done > 100000 && b.rate > 0; },
                             null, {timeout: 60000});
  const busy = (await page.evaluate(() => window.attnvizHub.status())).busy;
  assert.ok(busy.total > busy.done && busy.total > 1e6 && busy.eta > 0, `progress shows the total and time left: ${JSON.stringify(busy)}`);
  await clickItem(page, 'Cancel');
  const r = await pending;
  assert.equal(r.ok, false);
  assert.match(await hook(page, 'lastError'), /cancelled/);
  assert.equal((await hook(page, 'state')).model, before);
  assert.equal(await page.evaluate(() => window.attnvizHub.busy()), false);
  hub.setMode({slow: 0});
});

// The cache's files of one model (endpoint + repo + sha prefix), read in the page.
const cacheFiles = (page, repo) => page.evaluate(async (prefix) => {
  const cache = await caches.open('attnviz-hub-v1');
  return (await cache.keys()).map((r) => r.url).filter((u) => u.startsWith(prefix)).map((u) => u.slice(prefix.length)).sort();
}, `${hub.endpoint}/${repo}/resolve/${sha(repo)}/`);

test('a cancelled download is listed in "Models on this computer" as partial with its size; Delete removes its files; ' +
     'Resume downloads only what is missing and opens the model', {skip}, async () => {
  const page = app.page;
  const id = 'attnviz-test/tiny-bert-ner';
  const full = Object.values(hub.repos[id].files).reduce((a, b) => a + b.length, 0);
  // The Cancel test above left the small files (config.json first) of tiny-bert-ner, without the weights.
  await page.waitForFunction((r) => window.attnvizHub.status().cached.some((m) => m.repo === r && m.partial), id, {timeout: 10000});
  let p = (await page.evaluate(() => window.attnvizHub.listCached())).find((m) => m.repo === id);
  assert.ok(p && p.partial && p.sha === sha(id) && p.endpoint === hub.endpoint, JSON.stringify(p));
  const stored = await cacheFiles(page, id);
  assert.ok(stored.includes('config.json') && !stored.includes('model.safetensors'), stored.join(' '));
  const storedBytes = stored.reduce((a, n) => a + hub.repos[id].files[n].length, 0);
  assert.equal(p.bytes, storedBytes, 'its size is the bytes stored');
  assert.equal(p.files, stored.length);
  assert.ok(p.bytes < full);
  // In the picker: the row has Resume and Delete; Delete removes every stored file of it.
  await clickItem(page, 'Hugging Face…');
  await waitFrames(page, 3);
  const resume = await findItem(page, 'Resume');
  assert.ok(resume, 'a Resume button for the partial download');
  const row = (await hook(page, 'items')).filter((i) => Math.abs(i.y - resume.y) < 2);
  assert.ok(row.some((i) => i.label === id), `the row names the model: ${row.map((i) => i.label)}`);
  const del = row.find((i) => i.label === 'Delete');
  assert.ok(del, 'a Delete button on the row');
  await page.mouse.move(del.x + del.w / 2, del.y + del.h / 2);
  await waitFrames(page, 1);
  await page.mouse.down();
  await waitFrames(page, 1);
  await page.mouse.up();
  await page.waitForFunction((r) => window.attnvizHub.status().cached.every((m) => m.repo !== r), id, {timeout: 10000});
  assert.deepEqual(await cacheFiles(page, id), [], 'its files are gone from Cache Storage');
  // Another cancelled download, then Resume: the stored files are not fetched again.
  hub.setMode({slow: 150000});
  try {
    const pending = page.evaluate((s) => window.attnviz.loadModel(s), `hf:${id}`);
    await page.waitForFunction(() => { const b = window.attnvizHub.status().busy; return b && b.done > 100000; }, null, {timeout: 60000});
    await page.evaluate(() => window.attnvizHub.cancel());
    assert.equal((await pending).ok, false);
  } finally {
    hub.setMode({slow: 0});
  }
  await page.waitForFunction((r) => window.attnvizHub.status().cached.some((m) => m.repo === r && m.partial), id, {timeout: 10000});
  const before = await cacheFiles(page, id);
  assert.ok(before.includes('config.json'));
  hub.clearLog();
  await waitFrames(page, 3);
  if (!(await findItem(page, 'Default'))) await clickItem(page, 'Hugging Face…');  // the picker may still be open
  const cancelled = await hook(page, 'lastError');
  await clickItem(page, 'Resume');
  await page.waitForFunction(([m, e]) => window.attnviz.state().model === m || (window.attnviz.lastError() || e) !== e,
                             [`hf:${id}`, cancelled], {timeout: 90000});
  assert.equal(await hook(page, 'lastError'), null, 'a loaded model clears the cancel message');
  await waitReady(page, 90000, app, {model: `hf:${id}`});
  const fetched = filesFetched();
  for (const f of before) assert.ok(!fetched.includes(f), `${f} came from the cache, not the Hub: ${fetched}`);
  assert.ok(fetched.includes('model.safetensors'), fetched.join(' '));
  assert.equal((await hook(page, 'state')).hash, sha(id));
  await expectAttention(page, 'tiny-bert-ner', 'case0', 1e-4);
  p = (await page.evaluate(() => window.attnvizHub.listCached())).find((m) => m.repo === id);
  assert.ok(p && !p.partial && p.bytes > storedBytes && p.bytes <= full, `complete now: ${JSON.stringify(p)}`);
  // The next test downloads this model afresh (a cut connection): remove it again.
  await page.evaluate(([ep, r, s]) => window.attnvizHub.deleteCached(ep, r, s), [hub.endpoint, id, sha(id)]);
  assert.deepEqual(await cacheFiles(page, id), []);
});

test('a connection cut halfway resumes with a Range request and the model opens intact', {skip}, async () => {
  const page = app.page;
  hub.clearLog();
  hub.setMode({cut: 'model.safetensors'});
  const r = await loadHub(page, 'hf:attnviz-test/tiny-bert-ner', 'hf:attnviz-test/tiny-bert-ner');
  assert.ok(r && r.ok, `${JSON.stringify(r)}\n${hubLog().join('\n')}`);
  assert.ok(hub.log.some((e) => e.origin === 'cdn' && e.status === 206 && /^bytes=\d+-$/.test(e.range || '')),
            `a ranged request resumed the file: ${hubLog().join('\n')}`);
  await expectAttention(page, 'tiny-bert-ner', 'case0', 1e-4);
  hub.setMode({cut: ''});
});

// Every failure: what to ask for, what the message must say, and which files must never have been requested.
const failures = [
  {name: 'no such repo', spec: 'hf:attnviz-test/no-such-model', message: /no such model/},
  {name: 'no such revision', spec: 'hf:attnviz-test/tiny-bert@v9', message: /no revision "v9"/},
  {name: 'no such file', spec: 'hf:attnviz-demo/gpt2-mini', mode: {missing: 'tokenizer.json'}, message: /tokenizer\.json is not in the model/},
  {name: 'gated repo', spec: 'hf:attnviz-test/gated', message: /this model needs a Hugging Face login; download its files and drop them on the page/,
   never: ['model.safetensors', 'config.json']},
  {name: 'rate limit', spec: 'hf:attnviz-demo/zh-bert-mini', mode: {rateLimit: true}, message: /rate limit/},
  {name: 'CORS refused', spec: 'hf:attnviz-demo/zh-bert-mini', mode: {noCors: true}, message: /CORS/},
  {name: 'offline', spec: 'hf:attnviz-demo/zh-bert-mini', offline: true, message: /offline/},
  {name: 'a file shorter than listed', spec: 'hf:attnviz-demo/zh-bert-ner-mini', mode: {wrongLength: 'model.safetensors'},
   message: /model\.safetensors arrived with \d+ bytes but the Hub lists \d+ \(cut short\)/},
  {name: 'unsupported architecture', spec: 'hf:attnviz-test/llama-tiny', message: /LlamaForCausalLM.*BERT, RoBERTa, XLM-RoBERTa, DistilBERT and GPT-2.*BertForMaskedLM.*XLMRobertaForMaskedLM/,
   never: ['model.safetensors', 'tokenizer.json']},
  {name: 'TF/Flax-only repo', spec: 'hf:attnviz-test/tf-only', message: /only TensorFlow \/ Flax weights \(.*tf_model\.h5/,
   never: ['tf_model.h5', 'flax_model.msgpack', 'config.json']},
  {name: 'not an id', spec: 'hf:a/b/c', message: /not a Hugging Face model id/},
];

for (const f of failures) {
  test(`failure said plainly, current model kept: ${f.name}`, {skip}, async () => {
    const page = app.page;
    const before = await hook(page, 'state');
    const runs = await hook(page, 'runCount');
    hub.reset();
    if (f.mode) hub.setMode(f.mode);
    if (f.offline) await context.setOffline(true);
    let r;
    try {
      r = await page.evaluate((s) => window.attnviz.loadModel(s), f.spec);
    } finally {
      if (f.offline) await context.setOffline(false);
      hub.reset();
    }
    assert.equal(r.ok, false);
    const err = await hook(page, 'lastError');
    assert.match(err, f.message);
    assert.equal(r.error, err);
    const after = await hook(page, 'state');
    assert.equal(after.model, before.model, 'the current model stays');
    for (const n of f.never || []) assert.ok(!filesFetched().includes(n), `${n} was not downloaded`);
    // Still working: a new text runs on the current model.
    await setText(page, 'still working ' + f.name);
    assert.ok((await hook(page, 'runCount')) > runs);
    assert.ok((await hook(page, 'tokens')).length > 2);
  });
}

test('PyTorch .bin repos: the right files are chosen (sharded too), TF/Flax/ONNX/Rust files are never fetched', {skip}, async () => {
  const page = app.page;
  hub.reset();
  await page.evaluate(() => window.attnviz.loadModel('hf:attnviz-test/tiny-bert-bin'));
  assert.deepEqual(filesFetched().sort(), ['config.json', 'pytorch_model.bin', 'tokenizer_config.json', 'vocab.txt']);
  hub.reset();
  await page.evaluate(() => window.attnviz.loadModel('hf:attnviz-test/tiny-bert-bin-sharded'));
  assert.deepEqual(filesFetched().sort(), ['config.json', 'pytorch_model-00001-of-00002.bin', 'pytorch_model-00002-of-00002.bin',
                                           'pytorch_model.bin.index.json', 'tokenizer_config.json', 'vocab.txt']);
  hub.reset();
  const r = await loadHub(page, 'hf:attnviz-test/everything', 'hf:attnviz-test/everything');
  assert.ok(r && r.ok, JSON.stringify(r));
  assert.deepEqual(filesFetched().sort(), ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  await expectAttention(page, 'tiny-bert', 'case0', 1e-4);
});

test('models on this computer: listed with sizes, deleted, and then a link asks again', {skip}, async () => {
  const page = app.page;
  const id = 'attnviz-test/tiny-bert';
  let list = await page.evaluate(() => window.attnvizHub.listCached());
  assert.ok(list.length >= 3, `several cached: ${list.map((m) => m.repo)}`);
  assert.ok(list.every((m) => m.bytes > 0 && /^[0-9a-f]{40}$/.test(m.sha) && m.endpoint === m.endpoint.replace(/\/$/, '')));
  await page.evaluate(([ep, repo, s]) => window.attnvizHub.command('delete', `${ep}\n${repo}\n${s}`), [hub.endpoint, id, sha(id)]);
  await page.waitForFunction((repo) => window.attnvizHub.status().cached.every((m) => m.repo !== repo), id, {timeout: 10000});
  list = await page.evaluate(() => window.attnvizHub.listCached());
  assert.ok(!list.some((m) => m.repo === id));
  hub.clearLog();
  await page.evaluate((f) => { location.hash = f; }, `model=hf:${id}&rev=${sha(id)}`);
  await page.waitForFunction(() => window.attnviz.items().some((i) => i.label === 'Download and open'), null, {timeout: 20000});
  assert.deepEqual(hub.log, [], 'a link to a deleted model asks before any request');
});

test('the endpoint: set from the page (kept, page reloads), bad ones refused, never from a link', {skip}, async () => {
  const page = app.page;
  const bad = await page.evaluate(() => window.attnviz.setHubEndpoint('ftp://example.org'));
  assert.equal(bad.ok, false);
  assert.match(await hook(page, 'lastError'), /plain http\(s\) address/);
  const csp = await page.evaluate(() => Array.from(document.querySelectorAll('meta[http-equiv="Content-Security-Policy"]')).map((m) => m.content));
  assert.ok(csp.some((c) => c.startsWith('connect-src \'self\' ' + hub.endpoint) && c.includes('http://*.localhost:*')), csp.join(' | '));
  // A link cannot set the endpoint: unknown key, a notice, the endpoint unchanged.
  await page.evaluate(() => { location.hash = 'model=zh-bert-mini&endpoint=https%3A%2F%2Fevil.example'; });
  await page.waitForFunction(() => window.attnviz.notices().some((n) => /endpoint/.test(n)), null, {timeout: 20000});
  assert.equal(await page.evaluate(() => window.attnviz.hubEndpoint()), hub.endpoint);
  // The link's model loads in the worker meanwhile: let it finish here, not in the middle of the next test's typing.
  await waitReady(page, 60000, app, {model: 'zh-bert-mini'});
});

test('the picker: "Hugging Face…" opens the field, the catalogue and the cache list; a typed id opens, a catalogue ' +
     'entry is one click (and only then a request)', {skip}, async () => {
  const page = app.page;
  await clickItem(page, 'Hugging Face…');
  // The picker is a popup: it shows in a frame or two after the click (a popup's first frame only sizes it).
  await page.waitForFunction(() => window.attnviz.items().some((i) => i.label === 'Open'), null, {timeout: 10000}).catch(() => {});
  const labels = (await hook(page, 'items')).map((i) => i.label);
  for (const l of ['Open', 'google-bert/bert-base-chinese', 'google-bert/bert-base-uncased', 'openai-community/gpt2',
                   'uer/roberta-base-finetuned-cluener2020-chinese', 'Use', 'Default'])
    assert.ok(labels.includes(l), `${l} in the picker: ${labels.join(' | ')}`);
  assert.ok(labels.includes('attnviz-test/tiny-bert-ner'), 'a cached model is listed');
  assert.ok(labels.includes('Delete'));
  // Type an id into the field (left of "Open") and press Enter.
  const open = await findItem(page, 'Open');
  // clickAt presses and releases in separate frames (ImGui 1.86 reads the mouse once a frame).
  await clickAt(page, open.x - 120, open.y + open.h / 2);
  await waitFrames(page, 1);
  await page.keyboard.type('attnviz-test/tiny-bert-ner');
  await waitFrames(page, 2);
  hub.clearLog();
  await page.keyboard.down('Enter');  // down and up in separate frames, as a person types (ImGui 1.86 reads keys once a frame)
  await waitFrames(page, 1);
  await page.keyboard.up('Enter');
  await page.waitForFunction(() => window.attnviz.state().model === 'hf:attnviz-test/tiny-bert-ner' || window.attnviz.lastError(),
                             null, {timeout: 60000});
  assert.equal(await hook(page, 'lastError'), null);
  await waitReady(page, 60000, app, {model: 'hf:attnviz-test/tiny-bert-ner'});
  // A catalogue entry: one click, then (and only then) the Hub is asked; the mock has no such model.
  hub.clearLog();
  await clickItem(page, 'Hugging Face…');
  await waitFrames(page, 3);
  assert.deepEqual(hub.log, []);
  await clickItem(page, 'google-bert/bert-base-chinese');
  await page.waitForFunction(() => !!window.attnviz.lastError(), null, {timeout: 30000});
  assert.match(await hook(page, 'lastError'), /google-bert\/bert-base-chinese: no such model/);
  assert.ok(hubLog().some((l) => l.includes('/api/models/google-bert/bert-base-chinese')), hubLog().join('\n'));
  assert.equal((await hook(page, 'state')).model, 'hf:attnviz-test/tiny-bert-ner');
});

test('without Cache Storage (a private window may refuse it) a Hub model still downloads and opens; the picker says ' +
     'files are not kept', {skip}, async () => {
  const ctx2 = await browser.newContext({viewport: {width: 900, height: 600}, deviceScaleFactor: 1});
  await ctx2.addInitScript((ep) => {
    localStorage.setItem('attnviz.hubEndpoint', ep);
    Object.defineProperty(window, 'caches', {value: {open: () => Promise.reject(new DOMException('denied', 'SecurityError'))}});
  }, hub.endpoint);
  const page = await ctx2.newPage();
  try {
    await page.goto(`${server.origin}/`, {waitUntil: 'load', timeout: 90000});
    await waitReady(page, 90000);
    hub.reset();
    const r = await page.evaluate(() => window.attnviz.loadModel('hf:attnviz-test/tiny-bert'));
    assert.ok(r && r.ok, JSON.stringify(r));
    await waitReady(page, 90000, null, {model: 'hf:attnviz-test/tiny-bert'});
    assert.ok(filesFetched().includes('model.safetensors'));
    const st = await page.evaluate(() => window.attnvizHub.status());
    assert.equal(st.cache_ok, false);
    assert.deepEqual(st.cached, []);
  } finally {
    await ctx2.close();
  }
});
