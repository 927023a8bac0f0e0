// Share links (issue 6): the state a user sets travels in the link and a fresh page opens to the same state and the
// same picture; hand-written links open to exactly their view; broken links open with defaults and a notice, never
// crash and never fetch from another site; Back undoes a text change.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {decodePng, pictureDiff} from './lib/png.mjs';
import {changeAndWait, foreignRequests, hook, launchBrowser, missingPrerequisite, noticesOf, openPage, pct, screenshot,
        setStateAndRun, setText, startServer, waitFrames, waitReady} from './lib/harness.mjs';

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

const defaultText = '张三在北京大学读书，后来去了上海的华为公司工作。';
const moon = '床前明月光，疑是地上霜。';

// Opens `href` (a whole address) in a fresh context, waits, and returns the page's state and a screenshot.
async function openHref(href) {
  const hash = new URL(href).hash;
  const app = await openPage(browser, server, hash);
  await waitFrames(app.page, 6);
  return app;
}

async function sameStateAndPicture(a, label) {
  const stA = await hook(a.page, 'state');
  const href = a.page.url();
  const b = await openHref(href);
  try {
    const stB = await hook(b.page, 'state');
    assert.deepEqual(stB, stA, `${label}: the link ${href.slice(0, 300)} opens to another state`);
    assert.equal(await hook(b.page, 'lastError'), null);
    assert.deepEqual(await noticesOf(b.page), [], `${label}: the page's own link gave notices`);
    await waitFrames(a.page, 4);
    const imgA = decodePng(await screenshot(a.page));
    const imgB = decodePng(await screenshot(b.page));
    const d = pictureDiff(imgA, imgB, 12);
    assert.ok(d.differing < 0.003, `${label}: the pictures differ in ${(100 * d.differing).toFixed(2)}% of pixels ` +
                                    `(largest channel difference ${d.maxDiff})`);
    assert.deepEqual(foreignRequests(b), []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
  return stA;
}

test('a changed view (setState: view, layer/head, token, colormap, scale, a knocked-out head) survives its link',
     {skip}, async () => {
  const a = await openPage(browser, server, '');
  try {
    await setText(a.page, moon);
    await hook(a.page, 'setState', {view: 'matrix', layer: 3, head: 6, token: 4, cmap: 'magma', scale: 'sqrt'});
    await setStateAndRun(a.page, {ko: '1.2,4.7'});
    await waitFrames(a.page, 4);
    const st = await sameStateAndPicture(a, 'setState');
    assert.equal(st.view, 'matrix');
    assert.equal(st.layer, 3);
    assert.equal(st.head, 6);
    assert.equal(st.token, 4);
    assert.equal(st.text, moon);
    assert.equal(st.cmap, 'magma');
    assert.equal(st.scale, 'sqrt');
    assert.equal(String(st.ko), '1.2,4.7', 'knocked-out heads in state()');
    assert.match(a.page.url(), /ko=1\.2(,|%2C)4\.7|z=/, 'knocked-out heads in the link');
  } finally {
    await a.close();
  }
});

test('a view changed by keyboard arrows survives its link', {skip}, async () => {
  const a = await openPage(browser, server, `model=zh-bert-mini&text=${pct(moon)}&view=matrix&token=2`);
  try {
    const st0 = await hook(a.page, 'state');
    await a.page.mouse.click(700, 450);  // the canvas takes the keyboard
    await a.page.mouse.move(1399, 899);
    for (const key of ['ArrowDown', 'ArrowDown', 'ArrowRight']) {
      await a.page.keyboard.press(key);
      await waitFrames(a.page, 2);
    }
    const st1 = await hook(a.page, 'state');
    assert.notDeepEqual({layer: st1.layer, head: st1.head, token: st1.token},
                        {layer: st0.layer, head: st0.head, token: st0.token}, 'the arrow keys changed nothing');
    await sameStateAndPicture(a, 'arrows');
  } finally {
    await a.close();
  }
});

test('gpt2-mini, a long text (compact link), lines view, log scale: same state and picture', {skip}, async () => {
  const a = await openPage(browser, server, '');
  try {
    const long = 'The quick brown fox jumps over the lazy dog. '.repeat(40).trim();
    await setStateAndRun(a.page, {model: 'gpt2-mini', text: long});
    await hook(a.page, 'setState', {view: 'lines', layer: 5, head: 1, scale: 'log', cmap: 'cividis'});
    await waitFrames(a.page, 4);
    const st = await sameStateAndPicture(a, 'gpt2 long');
    assert.equal(st.model, 'gpt2-mini');
    assert.equal(st.text, long);
  } finally {
    await a.close();
  }
});

// Hand-written links: exactly that view, no notice.
const handWritten = [
  {frag: `model=zh-bert-mini&text=${pct('床前明月光')}&view=matrix&layer=2&head=5&token=3`,
   want: {model: 'zh-bert-mini', text: '床前明月光', view: 'matrix', layer: 2, head: 5, token: 3}},
  {frag: `text=${pct('李白与杜甫是唐代最著名的两位诗人。')}&model=zh-bert-ner-mini&view=stats&head=7&cmap=gray`,
   want: {model: 'zh-bert-ner-mini', text: '李白与杜甫是唐代最著名的两位诗人。', view: 'stats', layer: 0, head: 7, cmap: 'gray'}},
  {frag: `model=gpt2-mini&text=${pct('Hello world, hello attention.')}&view=neuron&layer=5&head=0&token=4&scale=log`,
   want: {model: 'gpt2-mini', text: 'Hello world, hello attention.', view: 'neuron', layer: 5, head: 0, token: 4,
          scale: 'log'}},
  {frag: `model=zh-bert-mini&text=${pct('你好')}&pair=${pct('世界')}&view=rollout&layer=1`,
   want: {model: 'zh-bert-mini', text: '你好', pair: '世界', view: 'rollout', layer: 1}},
];
for (const {frag, want} of handWritten) {
  test(`hand-written link opens to exactly its view: #${decodeURIComponent(frag)}`, {skip}, async () => {
    const a = await openPage(browser, server, frag);
    try {
      const st = await hook(a.page, 'state');
      for (const [k, v] of Object.entries(want)) assert.equal(st[k], v, `state().${k}`);
      assert.equal(await hook(a.page, 'lastError'), null);
      assert.deepEqual(await noticesOf(a.page), []);
      assert.deepEqual(a.errors, []);
      if (want.pair) {
        const tokens = await hook(a.page, 'tokens');
        assert.deepEqual(tokens, ['[CLS]', '你', '好', '[SEP]', '世', '界', '[SEP]']);
      }
    } finally {
      await a.close();
    }
  });
}

// Broken links: defaults (or the model's last layer/head for out-of-range values, as clamp_to_model documents),
// a visible notice, no crash, nothing fetched from another site.
const big = 'text=' + '%E5%AD%97'.repeat(Math.ceil(100000 / 9));
const brokenLinks = [
  {frag: `model=no-such-model&text=${pct(moon)}`, check: (s) => assert.equal(s.model, 'zh-bert-mini')},
  {frag: `model=https%3A%2F%2Fevil.example%2Fmodel&text=${pct(moon)}`, check: (s) => assert.equal(s.model, 'zh-bert-mini')},
  {frag: 'model=..%2F..%2F..%2Fetc&view=matrix', check: (s) => assert.equal(s.model, 'zh-bert-mini')},
  {frag: `text=${pct(moon)}&layer=99`, check: (s) => assert.ok(s.layer === 0 || s.layer === 5, `layer ${s.layer}`)},
  {frag: `text=${pct(moon)}&head=-3`, check: (s) => assert.equal(s.head, 0)},
  {frag: `text=${pct(moon)}&view=bogus`, check: (s) => assert.equal(s.view, 'model')},
  {frag: `text=${pct(moon)}&token=999`, check: (s) => assert.equal(s.token, -1)},
  {frag: 'text=abc%E4%B8&view=matrix', check: (s) => assert.equal(s.view, 'matrix')},
  {frag: 'text=%ZZ%&layer=x&head=&&&==&cmap=rainbow', check: (s) => { assert.equal(s.layer, 0); assert.equal(s.cmap, 'viridis'); }},
  {frag: 'z=!!!!not-base64', check: (s) => assert.equal(s.model, 'zh-bert-mini')},
  {frag: 'z=AQ', check: (s) => assert.equal(s.model, 'zh-bert-mini')},
  {frag: 'model=user%3Amine&hash=0123abcd&text=x', check: (s) => assert.equal(typeof s.model, 'string')},
  {frag: big, check: (s) => assert.ok(s.text.length > 0 && s.text.length < 100000)},
];
for (const {frag, check} of brokenLinks) {
  test(`broken link opens with defaults and a notice: #${frag.slice(0, 70)}${frag.length > 70 ? `... (${frag.length} bytes)` : ''}`,
       {skip}, async () => {
    const a = await openPage(browser, server, frag);
    try {
      await waitFrames(a.page, 4);
      const st = await hook(a.page, 'state');
      check(st);
      const notices = await noticesOf(a.page);
      const err = await hook(a.page, 'lastError');
      assert.ok(notices.length > 0 || err, 'no visible notice');
      assert.deepEqual(a.errors, [], 'the page crashed');
      assert.deepEqual(foreignRequests(a), [], 'requests to another origin');
      // Still usable: a new text runs.
      await setText(a.page, '你好');
      assert.ok((await hook(a.page, 'tokens')).length >= 2);
    } finally {
      await a.close();
    }
  });
}

test('Back after a text change returns to the previous text (and Forward to the new one)', {skip}, async () => {
  const a = await openPage(browser, server, '');
  try {
    assert.equal((await hook(a.page, 'state')).text, defaultText);
    await setText(a.page, moon);
    await changeAndWait(a.page, () => a.page.goBack({waitUntil: 'commit'}).catch(() => {}), {text: defaultText});
    assert.equal((await hook(a.page, 'state')).text, defaultText);
    assert.equal((await hook(a.page, 'tokens')).length, 26);
    await changeAndWait(a.page, () => a.page.goForward({waitUntil: 'commit'}).catch(() => {}), {text: moon});
    assert.equal((await hook(a.page, 'state')).text, moon);
    assert.deepEqual(a.errors, []);
  } finally {
    await a.close();
  }
});
