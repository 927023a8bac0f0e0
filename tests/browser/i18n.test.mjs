// The Chinese interface (issue 13): with lang=zh the labels items() reports for the tabs and the side panel are
// Chinese, the top bar's English / 中文 switch changes them live and writes lang= into the link, lang=en gives
// English, the browser's language is the default, every view draws labels from the tables (no raw key shows), and
// the Chinese glyphs are really drawn (the atlas holds every character of the table; a screenshot's label pixels
// differ between two Chinese labels, where missing glyphs would draw the same fallback). Writes
// docs/screenshots/chinese.png. With lang=zh the messages made below the views are Chinese too: a refused model's
// files (unsupported architecture, truncated weights) in lastError() and the loading overlay, a bad link's notices,
// a Hub endpoint that cannot be reached, and the example tours' captions.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {decodePng, pictureStats} from './lib/png.mjs';
import {BIG, LOAD_TIMEOUT, clickItem, closeAll, dataDir, hook, missingPrerequisite, noticesOf, openPage, pct,
        screenshot, screenshotDir, startBrowser, waitFrames, waitReady} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser;
before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
});
after(() => closeAll(browser, server));

const text = '张三在北京大学读书，后来去了上海的华为公司工作。';
const zhTabs = ['模型总览', '矩阵', '连线', '计算过程', '注意力传播', '统计'];
const enTabs = ['Model', 'Matrix', 'Lines', 'Neuron', 'Rollout', 'Stats'];
const zhSide = ['输入', '选项', '预测', '关掉注意力头', '课程导览'];
const enSide = ['Input', 'Options', 'Predictions', 'Knock out heads', 'Lesson tour'];

async function labels(page) {
  return (await hook(page, 'items')).map((i) => i.label);
}

// Waits until every label of `want` is in items() (the page applies a click on a later frame).
async function waitLabels(page, want, what, timeout = 30000) {
  const t0 = Date.now();
  for (;;) {
    const have = await labels(page);
    if (want.every((l) => have.includes(l))) return have;
    if (Date.now() - t0 > timeout) assert.fail(`${what}: missing ${want.filter((l) => !have.includes(l)).join(', ')} in ${have.join(' | ')}`);
    await waitFrames(page, 2);
  }
}

async function waitHash(page, re, what, timeout = 30000) {
  await page.waitForFunction((src) => new RegExp(src).test(location.hash), re.source, {timeout, polling: 100})
    .catch(async () => assert.fail(`${what}: link is ${await page.evaluate(() => location.hash)}`));
}

// A label that looks like a table key ("view.model"): a key missing from the table shows as itself.
const keyShaped = (l) => /^[a-z]+\.[a-z0-9_]+$/.test(l);

test('lang=zh: tabs and side panel in Chinese, all Chinese glyphs in the atlas and drawn; no raw keys in any view',
     {skip}, async () => {
  const a = await openPage(browser, server, `lang=zh&text=${pct(text)}`, {viewport: BIG});
  try {
    const have = await waitLabels(a.page, [...zhTabs, ...zhSide, '复制链接', 'English', '中文'], 'Chinese labels');
    for (const l of [...enTabs, ...enSide, 'Copy link']) assert.ok(!have.includes(l), `English label "${l}" with lang=zh`);
    assert.equal((await hook(a.page, 'state')).lang, 'zh');

    // The atlas: every character of the Chinese table can be drawn (ImGui would draw its fallback glyph otherwise).
    await a.page.waitForFunction(() => window.attnviz.info().zh_missing_glyphs === 0, null, {timeout: 30000})
      .catch(async () => assert.fail(`glyphs missing: ${JSON.stringify(await hook(a.page, 'info'))}`));
    await waitFrames(a.page, 3);

    // The pixels: two Chinese tab labels of two characters each draw visibly different ink (missing glyphs would be
    // the same fallback box twice).
    const crop = async (label) => {
      const it = (await hook(a.page, 'items')).find((i) => i.label === label);
      const png = await a.page.screenshot({type: 'png', clip: {x: Math.round(it.x), y: Math.round(it.y),
                                                            width: Math.round(it.w), height: Math.round(it.h)}});
      return decodePng(png);
    };
    const m = await crop('矩阵'), s = await crop('统计');
    for (const img of [m, s]) assert.ok(pictureStats(img).nonBackground > 0.05, 'the label has ink');
    const w = Math.min(m.width, s.width), h = Math.min(m.height, s.height);
    let differ = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * m.width + x) * 4, j = (y * s.width + x) * 4;
        if (Math.abs(m.rgba[i] - s.rgba[j]) + Math.abs(m.rgba[i + 1] - s.rgba[j + 1]) > 60) differ++;
      }
    }
    assert.ok(differ > 0.03 * w * h, `矩阵 and 统计 draw alike (${differ} of ${w * h} pixels differ): boxes?`);
    await screenshot(a.page, path.join(screenshotDir, 'chinese.png'));

    // Every view, in Chinese: no label is a raw key.
    for (const view of ['model', 'matrix', 'lines', 'neuron', 'rollout', 'stats']) {
      await hook(a.page, 'setState', {view});  // no new run: the view only changes what is drawn
      await a.page.waitForFunction((v) => window.attnviz.state().view === v, view, {timeout: 30000});
      await waitFrames(a.page, 4);
      const raw = (await labels(a.page)).filter(keyShaped);
      assert.deepEqual(raw, [], `view ${view}: labels that are keys`);
    }
    assert.deepEqual(a.errors, []);
  } finally {
    await a.close();
  }
});

test('the English / 中文 switch changes the labels live and writes lang= into the link; lang=en is English',
     {skip}, async () => {
  const a = await openPage(browser, server, `lang=en&text=${pct(text)}`, {viewport: BIG});
  try {
    let have = await waitLabels(a.page, [...enTabs, ...enSide, 'Copy link', 'English', '中文'], 'English labels');
    for (const l of [...zhTabs, ...zhSide]) assert.ok(!have.includes(l), `Chinese label "${l}" with lang=en`);
    const runs = await hook(a.page, 'runCount');

    await clickItem(a.page, '中文');
    have = await waitLabels(a.page, [...zhTabs, ...zhSide], 'after clicking 中文');
    for (const l of [...enTabs, ...enSide]) assert.ok(!have.includes(l), `English label "${l}" after the switch`);
    assert.equal((await hook(a.page, 'state')).lang, 'zh');
    await waitHash(a.page, /[#&]lang=zh(&|$)/, 'link after 中文');

    // The widgets keep their IDs: the tab selected before the switch is still selected, the text unchanged, and the
    // model did not run again.
    await clickItem(a.page, '矩阵');
    await waitFrames(a.page, 3);
    assert.equal((await hook(a.page, 'state')).view, 'matrix');
    await clickItem(a.page, 'English');
    await waitLabels(a.page, [...enTabs, ...enSide], 'after clicking English');
    const st = await hook(a.page, 'state');
    assert.equal(st.view, 'matrix');
    assert.equal(st.text, text);
    assert.equal(st.lang, 'en');
    await waitHash(a.page, /[#&]lang=en(&|$)/, 'link after English');
    assert.equal(await hook(a.page, 'runCount'), runs);
    assert.deepEqual(a.errors, []);
  } finally {
    await a.close();
  }
});

test('without lang= the browser\'s language decides; lang= wins over it; a tour bar in Chinese', {skip}, async () => {
  const open = async (locale, fragment) => {
    const context = await browser.newContext({viewport: BIG, deviceScaleFactor: 1, locale});
    const page = await context.newPage();
    await page.goto(`${server.origin}/#${fragment}`, {waitUntil: 'load', timeout: LOAD_TIMEOUT});
    await waitReady(page);
    return {page, close: () => context.close().catch(() => {})};
  };
  const zh = await open('zh-CN', `text=${pct(text)}&step=view:model,say:hi&step=view:matrix,say:there`);
  try {
    await waitLabels(zh.page, [...zhTabs, ...zhSide, '上一步', '下一步'], 'zh-CN browser, no lang=');
    assert.equal((await hook(zh.page, 'state')).lang, 'zh');
    assert.ok(!(await zh.page.evaluate(() => location.hash)).includes('lang='), 'the default is not written');
    await clickItem(zh.page, '下一步');
    await zh.page.waitForFunction(() => window.attnviz.state().at === 1, null, {timeout: 30000});
  } finally {
    await zh.close();
  }
  const en = await open('zh-CN', `lang=en&text=${pct(text)}`);
  try {
    await waitLabels(en.page, [...enTabs, ...enSide], 'zh-CN browser, lang=en');
  } finally {
    await en.close();
  }
  const bad = await open('en-US', `lang=fr&text=${pct(text)}`);
  try {
    await waitLabels(bad.page, [...enTabs], 'lang=fr');
    const notices = await hook(bad.page, 'notices');
    assert.ok(notices.some((n) => n.includes('lang=')), `a notice for lang=fr: ${JSON.stringify(notices)}`);
  } finally {
    await bad.close();
  }
});

// Whether a string holds Chinese characters (CJK unified ideographs).
const han = (s) => /[\u4e00-\u9fff]/.test(s || '');

// tiny-bert's files as File objects in the page (loadFiles), `change` rewriting some of them first.
async function loadTinyBert(page, folder, change) {
  const dir = path.join(dataDir, 'tiny-bert');
  const payload = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt'].map((n) => {
    let b = fs.readFileSync(path.join(dir, n));
    if (change[n]) b = Buffer.from(change[n](b));
    return {name: n, base64: b.toString('base64')};
  });
  return page.evaluate(([list, name]) => window.attnviz.loadFiles(list.map((f) => {
    const s = atob(f.base64);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return new File([bytes], f.name);
  }), name), [payload, folder]);
}

test('lang=zh: a refused model, a bad link, an unreachable Hub and the example tours speak Chinese', {skip}, async () => {
  const a = await openPage(browser, server, `lang=zh&text=${pct(text)}`, {viewport: BIG});
  try {
    await waitLabels(a.page, zhTabs, 'Chinese labels');

    // An architecture attnviz does not run: the core's message, in Chinese, naming the architecture; the loading
    // overlay's texts (its title while the files were read, then "building the model") in Chinese too.
    const arch = (b) => { const c = JSON.parse(b.toString()); c.architectures = ['BertForQuestionAnswering']; return JSON.stringify(c); };
    let r = await loadTinyBert(a.page, 'qa-model', {'config.json': arch});
    assert.equal(r.ok, false);
    let err = await hook(a.page, 'lastError');
    assert.ok(han(err) && err.includes('BertForQuestionAnswering') && !err.includes('is not supported'),
              `unsupported architecture: ${err}`);
    assert.ok(err.includes('继续使用 zh-bert-mini'), `the current model stays, said in Chinese: ${err}`);
    const overlay = await a.page.evaluate(() => [document.getElementById('ov-title').textContent,
                                                 document.getElementById('ov-msg').textContent]);
    assert.ok(overlay[0].startsWith('正在读取 qa-model'), `overlay title: ${overlay[0]}`);
    assert.equal(overlay[1], '正在构建模型…');
    assert.equal((await hook(a.page, 'state')).model, 'zh-bert-mini');

    // Weights cut short.
    r = await loadTinyBert(a.page, 'cut', {'model.safetensors': (b) => b.subarray(0, 5)});
    assert.equal(r.ok, false);
    err = await hook(a.page, 'lastError');
    assert.ok(han(err) && err.includes('model.safetensors') && err.includes('文件不完整'), `truncated file: ${err}`);

    // A bad link: its notices and lastError in Chinese.
    await a.page.evaluate((t) => { location.hash = `#lang=zh&text=${t}&layer=abc&threshold=7&cmap=rainbow`; }, pct(text));
    await a.page.waitForFunction(() => (window.attnviz.lastError() || '').startsWith('这个链接有问题'), null, {timeout: 30000})
      .catch(async () => assert.fail(`bad link: ${await hook(a.page, 'lastError')}`));
    const notices = await noticesOf(a.page);
    for (const key of ['layer=', 'threshold=', 'cmap=']) {
      const n = notices.find((x) => x.startsWith(key));
      assert.ok(n && han(n), `a Chinese notice for ${key}: ${JSON.stringify(notices)}`);
    }

    // The example tours: captions written in Chinese for a page shown in Chinese.
    await clickItem(a.page, '示例…');
    await clickItem(a.page, '导览：中文命名实体识别（zh-bert-ner-mini）');
    await a.page.waitForFunction(() => { const s = window.attnviz.state(); return s.model === 'zh-bert-ner-mini' && s.tour.length === 6; },
                                 null, {timeout: 90000});
    const tour = (await hook(a.page, 'state')).tour;
    for (const step of tour) assert.ok(han(step.say) && !/\b(the|and|of)\b/.test(step.say), `caption: ${step.say}`);
    assert.ok(tour[0].say.includes('命名实体识别'), tour[0].say);
    assert.ok(tour[3].say.includes('57%'), `the numbers stay: ${tour[3].say}`);
    assert.equal((await hook(a.page, 'state')).lang, 'zh', 'an example keeps the language shown');
    assert.ok((await hook(a.page, 'link')).includes('lang=zh'), 'the tour\'s link says its language');

    // A Hub endpoint nobody answers (the page reloads to apply it): the Hub client's message, in Chinese.
    await Promise.all([a.page.waitForEvent('load', {timeout: LOAD_TIMEOUT}),
                       hook(a.page, 'setHubEndpoint', 'http://127.0.0.1:9')]);
    await waitReady(a.page);
    assert.equal((await hook(a.page, 'state')).lang, 'zh');
    await a.page.evaluate(() => { window.attnviz.loadModel('hf:org/some-model'); });
    await a.page.waitForFunction(() => (window.attnviz.lastError() || '').includes('org/some-model'), null, {timeout: 60000})
      .catch(async () => assert.fail(`Hub: ${await hook(a.page, 'lastError')}`));
    err = await hook(a.page, 'lastError');
    assert.ok(han(err) && err.includes('127.0.0.1:9') && !err.includes('could not'), `Hub unreachable: ${err}`);
    assert.deepEqual(a.errors, []);
  } finally {
    await a.close();
  }
});
