// Share links (issue 6): the state a user sets travels in the link and a fresh page opens to the same state and the
// same picture; hand-written links open to exactly their view; broken links open with defaults and a notice, never
// crash and never fetch from another site; Back undoes a text change.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {cellDiff, decodePng} from './lib/png.mjs';
import {changeAndWait, closeAll, foreignRequests, hook, missingPrerequisite, noticesOf, openPage, pct, screenshot,
        setStateAndRun, setText, startBrowser, tempDir, waitFrames, TINY} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser;
let a;  // the page a user works in; each link it makes is opened in a fresh page

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
  a = await openPage(browser, server, '');
});
after(() => closeAll(a, browser, server));

const defaultText = '张三在北京大学读书，后来去了上海的华为公司工作。';
const moon = '床前明月光，疑是地上霜。';

// Opens page a's current link in a fresh context and checks it shows the same state and the same picture.
async function sameStateAndPicture(label) {
  await a.page.waitForFunction(() => window.attnviz.link() === location.href, null,
                               {timeout: 10000}).catch(() => {});  // the page writes the hash on its next frame
  const stA = await hook(a.page, 'state');
  const href = a.page.url();
  assert.equal(href, await hook(a.page, 'link'), `${label}: location.href and attnviz.link() disagree`);
  const b = await openPage(browser, server, new URL(href).hash);
  try {
    await waitFrames(b.page, 4);
    const stB = await hook(b.page, 'state');
    assert.deepEqual(stB, stA, `${label}: the link ${href.slice(0, 300)} opens to another state`);
    assert.equal(await hook(b.page, 'lastError'), null);
    assert.deepEqual(await noticesOf(b.page), [], `${label}: the page's own link gave notices`);
    await waitFrames(a.page, 2);
    const imgA = decodePng(await screenshot(a.page));
    const imgB = decodePng(await screenshot(b.page));
    // Allowed: a few text-sized spots (the forward time in milliseconds is printed, and differs run to run), and the
    // status bar (its timing shifts the rest of the line; what it says is in state(), compared above).
    const d = cellDiff(imgA, imgB, {ignoreBottom: 32});
    if (d.cells > 12) {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'a.png'), await screenshot(a.page));
      fs.writeFileSync(path.join(dir, 'b.png'), await screenshot(b.page));
      assert.fail(`${label}: the pictures differ in ${d.cells} of ${d.total} 16-px cells, within ${d.bbox} ` +
                  `(cells at ${JSON.stringify(d.where)}; pictures in ${dir})`);
    }
    assert.deepEqual(foreignRequests(b), []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
  return stA;
}

test('a changed view (setState: text, view, layer/head, token, colormap, scale, knocked-out heads) survives its link',
     {skip}, async () => {
  await setText(a.page, moon);
  await hook(a.page, 'setState', {view: 'matrix', layer: 3, head: 6, token: 4, cmap: 'magma', scale: 'sqrt'});
  await setStateAndRun(a.page, {knockout: [[1, 2], [4, 7]]});
  await waitFrames(a.page, 3);
  assert.match(decodeURIComponent(a.page.url()), /[#&]ko=1\.2,4\.7(&|$)|[#&]z=/, 'knocked-out heads in the link');
  const st = await sameStateAndPicture('setState');
  assert.equal(st.view, 'matrix');
  assert.equal(st.layer, 3);
  assert.equal(st.head, 6);
  assert.equal(st.token, 4);
  assert.equal(st.text, moon);
  assert.equal(st.cmap, 'magma');
  assert.equal(st.scale, 'sqrt');
  assert.deepEqual(st.knockout, [[1, 2], [4, 7]]);
});

test('a view changed with the keyboard (arrows: layer and head) survives its link', {skip}, async () => {
  await hook(a.page, 'setState', {view: 'model', layer: 1, head: 1, knockout: []});
  await a.page.focus('#canvas');
  for (const key of ['ArrowDown', 'ArrowDown', 'ArrowRight']) {
    await a.page.keyboard.press(key);
    await waitFrames(a.page, 2);
  }
  const st = await hook(a.page, 'state');
  assert.deepEqual([st.layer, st.head], [3, 2], 'the arrows moved the selection');
  await sameStateAndPicture('arrows');
});

test('Back after a text change returns to the previous text (and Forward to the new one)', {skip}, async () => {
  const page = a.page;
  await setText(page, defaultText);
  await page.waitForTimeout(2100);  // typing pauses of under two seconds share one history entry
  await waitFrames(page, 2);
  const before = page.url();
  await setText(page, moon);
  await page.waitForFunction((u) => location.href !== u, before, {timeout: 10000});
  await changeAndWait(page, () => page.goBack({waitUntil: 'commit'}).catch(() => {}), {text: defaultText});
  assert.equal((await hook(page, 'state')).text, defaultText);
  assert.equal((await hook(page, 'tokens')).length, 26);
  assert.equal(page.url(), before);
  await changeAndWait(page, () => page.goForward({waitUntil: 'commit'}).catch(() => {}), {text: moon});
  assert.equal((await hook(page, 'state')).text, moon);
  assert.deepEqual(a.errors, []);
});

test('a link typed into the address bar of an open page (hash change) switches to its view', {skip}, async () => {
  const page = a.page;
  const frag = `model=zh-bert-mini&text=${pct('床前明月光')}&view=matrix&layer=2&head=5&token=3`;
  await changeAndWait(page, () => page.evaluate((f) => { location.hash = f; }, frag), {text: '床前明月光'});
  const st = await hook(page, 'state');
  assert.deepEqual([st.view, st.layer, st.head, st.token], ['matrix', 2, 5, 3]);
});

// (The matrix view: the lines view draws T x T lines every frame, which SwiftShader takes seconds for at T = 400.)
test('gpt2-mini, a long text (compact link), matrix view, log scale: same state and picture', {skip}, async () => {
  const long = 'The quick brown fox jumps over the lazy dog. '.repeat(40).trim();
  await setStateAndRun(a.page, {model: 'gpt2-mini', text: long});
  await hook(a.page, 'setState', {view: 'matrix', layer: 5, head: 1, scale: 'log', cmap: 'cividis', token: 7});
  await waitFrames(a.page, 3);
  assert.match(a.page.url(), /[#&]z=/, 'a long text goes into the compact form');
  const st = await sameStateAndPicture('gpt2 long');
  assert.equal(st.model, 'gpt2-mini');
  assert.equal(st.text, long);
});

// Hand-written links: exactly that view, no notice.
const handWritten = [
  {frag: `model=zh-bert-mini&text=${pct('床前明月光')}&view=matrix&layer=2&head=5&token=3`,
   want: {model: 'zh-bert-mini', text: '床前明月光', view: 'matrix', layer: 2, head: 5, token: 3, cmap: 'viridis',
          scale: 'linear', pair: '', knockout: []}},
  {frag: `text=${pct('你好')}&pair=${pct('世界')}&model=zh-bert-ner-mini&view=stats&head=7&cmap=gray&ko=0.3,2.5`,
   want: {model: 'zh-bert-ner-mini', text: '你好', pair: '世界', view: 'stats', layer: 0, head: 7, cmap: 'gray',
          knockout: [[0, 3], [2, 5]]},
   tokens: ['[CLS]', '你', '好', '[SEP]', '世', '界', '[SEP]']},
  {frag: `model=gpt2-mini&text=${pct('Hello world, hello attention.')}&view=neuron&layer=5&head=0&token=4&scale=log`,
   want: {model: 'gpt2-mini', text: 'Hello world, hello attention.', view: 'neuron', layer: 5, head: 0, token: 4,
          scale: 'log'}},
];
for (const {frag, want, tokens} of handWritten) {
  test(`hand-written link opens to exactly its view: #${decodeURIComponent(frag)}`, {skip}, async () => {
    const b = await openPage(browser, server, frag, {viewport: TINY});
    try {
      const st = await hook(b.page, 'state');
      for (const [k, v] of Object.entries(want)) assert.deepEqual(st[k], v, `state().${k}`);
      assert.equal(await hook(b.page, 'lastError'), null);
      assert.deepEqual(await noticesOf(b.page), []);
      if (tokens) assert.deepEqual(await hook(b.page, 'tokens'), tokens);
      assert.deepEqual(b.errors, []);
      assert.deepEqual(foreignRequests(b), []);
    } finally {
      await b.close();
    }
  });
}

// Broken links: defaults (out-of-range layer/head too), a visible notice naming the problem, no crash, nothing fetched from another site, still usable.
const big = 'text=' + '%E5%AD%97'.repeat(Math.ceil(100000 / 9));
const brokenLinks = [
  {frag: `model=no-such-model&text=${pct(moon)}&view=matrix`, mentions: ['no-such-model'],
   check: (s) => { assert.equal(s.model, 'zh-bert-mini'); assert.equal(s.text, moon); }},
  {frag: `model=https%3A%2F%2Fevil.example%2Fm&text=${pct(moon)}`, mentions: ['evil.example'],
   check: (s) => assert.equal(s.model, 'zh-bert-mini')},
  {frag: `text=${pct(moon)}&layer=99&head=-3&view=bogus&token=999&cmap=rainbow&scale=huge&threshold=abc`,
   mentions: ['layer', 'head', 'view', 'token', 'cmap', 'scale', 'threshold'],
   check: (s) => {
     assert.equal(s.layer, 0);
     assert.equal(s.head, 0);
     assert.equal(s.view, 'model');
     assert.equal(s.token, -1);
     assert.equal(s.cmap, 'viridis');
     assert.equal(s.scale, 'linear');
     assert.equal(s.threshold, 0);
     assert.equal(s.text, moon);
   }},
  {frag: 'text=abc%E4%B8&view=matrix&%ZZ=1&&=&layer=', mentions: [],
   check: (s) => { assert.equal(s.view, 'matrix'); assert.ok(s.text.startsWith('abc')); assert.equal(s.layer, 0); }},
  {frag: 'z=!!!!not-base64&view=rollout', mentions: [],
   check: (s) => { assert.equal(s.model, 'zh-bert-mini'); assert.equal(s.text, defaultText); }},
  {frag: 'model=user%3Amine&hash=0123abcd&text=x', mentions: ['mine'],
   check: (s) => assert.equal(typeof s.model, 'string')},
  {frag: big, mentions: [],
   check: (s) => assert.ok(s.text.length > 0 && s.text.length < 100000, `text of ${s.text.length} characters`)},
];
for (const {frag, mentions, check} of brokenLinks) {
  const shown = frag.length > 90 ? `${frag.slice(0, 60)}... (${frag.length} bytes)` : frag;
  test(`broken link opens with defaults and a notice: #${shown}`, {skip}, async () => {
    const b = await openPage(browser, server, frag, {viewport: TINY});
    try {
      await waitFrames(b.page, 3);
      const st = await hook(b.page, 'state');
      check(st);
      const notices = await noticesOf(b.page);
      const err = await hook(b.page, 'lastError');
      assert.ok(notices.length > 0 || err, 'no visible notice');
      const said = [err || '', ...notices].join('\n');
      for (const m of mentions) assert.ok(said.includes(m), `the notice does not mention ${m}: ${said.slice(0, 400)}`);
      assert.deepEqual(b.errors, [], 'the page crashed');
      assert.deepEqual(foreignRequests(b), [], 'requests to another origin');
      await setText(b.page, '你好');  // still usable
      assert.ok((await hook(b.page, 'tokens')).length >= 2);
    } finally {
      await b.close();
    }
  });
}
