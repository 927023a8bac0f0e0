// The input panel's text boxes: HTML textareas laid over the canvas where ImGui reserved their place. They wrap long
// text, take typing and input methods natively (an IME composition runs the model once, on commit), keep their keys
// from the canvas (arrows in the box do not move the layer), and follow the text when the page changes it.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {changeAndWait, closeAll, hook, missingPrerequisite, openPage, pct, setStateAndRun, startBrowser, waitFrames,
        BIG} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, app;
const poem = '床前明月光，疑是地上霜。举头望明月，低头思故乡。';

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
  app = await openPage(browser, server, `text=${pct(poem.repeat(6))}`, {viewport: BIG});
  await waitFrames(app.page, 3);
});
after(() => closeAll(app, browser, server));

const box = (page, id) => page.evaluate((i) => {
  const t = document.getElementById(`box-${i}`);
  if (!t) return null;
  const r = t.getBoundingClientRect();
  return {value: t.value, display: getComputedStyle(t).display, x: r.x, y: r.y, w: r.width, h: r.height,
          scrollWidth: t.scrollWidth, clientWidth: t.clientWidth, scrollHeight: t.scrollHeight, focused: document.activeElement === t};
}, id);

test('the text box holds the link\'s text, sits in the side panel, and wraps long text', {skip}, async () => {
  const b = await box(app.page, 'text');
  assert.ok(b, 'no #box-text textarea');
  assert.equal(b.display, 'block');
  assert.equal(b.value, poem.repeat(6));
  assert.ok(b.x >= 0 && b.x < BIG.width / 3 && b.y > 0 && b.y < BIG.height / 2, JSON.stringify(b));
  assert.ok(b.w > 100 && b.h > 40, JSON.stringify(b));
  assert.ok(b.scrollWidth <= b.clientWidth + 1, `no wrapping: scrollWidth ${b.scrollWidth} > ${b.clientWidth}`);
  assert.ok(b.scrollHeight > b.h, 'six lines of poem should need more than the box height (wrapped onto lines)');
  const pair = await box(app.page, 'pair');
  assert.ok(pair && pair.display === 'block' && pair.y > b.y + b.h - 1, `pair box below the text: ${JSON.stringify(pair)}`);
});

test('typing in the box re-runs the model on the typed text; arrow keys stay in the box', {skip}, async () => {
  const page = app.page;
  await page.click('#box-text');
  await page.keyboard.press('Control+A');
  const st0 = await hook(page, 'state');
  await changeAndWait(page, () => page.keyboard.type('今天天气很好'), {text: '今天天气很好'});
  assert.deepEqual(await hook(page, 'tokens'), ['[CLS]', '今', '天', '天', '气', '很', '好', '[SEP]']);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await waitFrames(page, 3);
  const st = await hook(page, 'state');
  assert.equal(st.layer, st0.layer, 'ArrowDown in the text box moved the layer');
  assert.equal(st.head, st0.head, 'ArrowRight in the text box moved the head');
  assert.ok((await box(page, 'text')).focused);
  await changeAndWait(page, () => page.keyboard.press('Backspace'), {text: '今天天气很'});
});

test('an input method\'s composition runs the model once, with the committed text', {skip}, async () => {
  const page = app.page;
  await page.click('#box-text');
  await page.keyboard.press('Control+A');
  await changeAndWait(page, () => page.keyboard.press('Delete'), {text: ''});
  const cdp = await page.context().newCDPSession(page);
  const runs0 = await hook(page, 'runCount');
  await cdp.send('Input.imeSetComposition', {text: 'beijing', selectionStart: 7, selectionEnd: 7});
  await waitFrames(page, 5);
  await page.waitForTimeout(700);  // longer than the typing debounce: a run would have started by now
  assert.equal((await box(page, 'text')).value, 'beijing', 'the composition is shown in the box');
  assert.equal((await hook(page, 'state')).text, '', 'the model saw the half-composed pinyin');
  assert.equal(await hook(page, 'runCount'), runs0);
  await changeAndWait(page, () => cdp.send('Input.insertText', {text: '北京'}), {text: '北京'});
  assert.deepEqual(await hook(page, 'tokens'), ['[CLS]', '北', '京', '[SEP]']);
  await cdp.detach();
});

test('the box follows text the page changes (setState, a model switch)', {skip}, async () => {
  const page = app.page;
  await setStateAndRun(page, {text: '机器学习', pair: '深度学习'});
  await waitFrames(page, 3);
  assert.equal((await box(page, 'text')).value, '机器学习');
  assert.equal((await box(page, 'pair')).value, '深度学习');
  await setStateAndRun(page, {model: 'gpt2-mini', text: 'Hello world'});
  await waitFrames(page, 3);
  assert.equal((await box(page, 'text')).value, 'Hello world');
  assert.equal((await box(page, 'pair')).display, 'none', 'GPT-2 has no second text: its box must be hidden');
  await setStateAndRun(page, {model: 'zh-bert-mini', text: poem});
  assert.deepEqual(app.errors, []);
});
