// Frame pacing (issue 10): the page draws a frame only while something can change on screen (input, a result, a
// link, a resize, an upload in progress), so an idle page leaves the main thread and the GPU process to the engine and
// the browser; with nothing to draw its main loop pauses. What it showed stays on screen, and every kind of change
// still shows (src/platform/web_main.cpp, frame_wanted; info().frames = {drawn, idle, pauses, paused}).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {decodePng, pictureDiff} from './lib/png.mjs';
import {closeAll, hook, missingPrerequisite, openPage, setText, startBrowser, waitFrames, waitReady,
        LOAD_TIMEOUT, RUN_TIMEOUT} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, app;

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
  app = await openPage(browser, server, 'view=matrix');
});
after(() => closeAll(app, browser, server));

const frames = async (page) => (await hook(page, 'info')).frames;

// Waits until the page settled (result drawn, every image uploaded, the frames after the last wake drawn), then
// counts what `n` animation frames did and how long they took (ms, in the page).
async function idleFrames(page, n) {
  await page.waitForFunction(() => !window.attnviz.busy() && !window.attnviz.info().uploading, null, {timeout: LOAD_TIMEOUT});
  await waitFrames(page, 12);
  const a = await frames(page);
  const ms = await page.evaluate((k) => new Promise((resolve) => {
    const t0 = performance.now();
    let left = k;
    const step = () => (--left <= 0 ? resolve(performance.now() - t0) : requestAnimationFrame(step));
    requestAnimationFrame(step);
  }), n);
  const b = await frames(page);
  return {drawn: b.drawn - a.drawn, idle: b.idle - a.idle, pauses: b.pauses - a.pauses, ms};
}

const shot = async (page) => decodePng(await page.screenshot({type: 'png'}));

test('an idle page draws only its half-second heartbeat, and its picture stays on screen', {skip}, async () => {
  const page = app.page;
  await page.mouse.move(799, 559);  // out of the way, once: the move itself wakes the page
  const before = await frames(page);
  assert.ok(before && before.drawn > 0, 'info().frames counts the frames drawn');
  const pic0 = await shot(page);
  const f = await idleFrames(page, 40);
  const beats = Math.ceil(f.ms / 500) + 1;
  assert.ok(f.drawn <= beats, `at most one frame per half second while idle: ${f.drawn} in ${f.ms.toFixed(0)} ms`);
  // Its main loop pauses (no animation-frame callback at all) between heartbeats: one callback draws, the next pauses.
  assert.ok(f.pauses >= 1 && f.drawn + f.idle <= 2 * beats,
            `the idle page's loop ran in ${f.drawn + f.idle} of 40 animation frames (${f.pauses} pauses)`);
  const pic1 = await shot(page);
  const d = pictureDiff(pic0, pic1);
  assert.equal(d.differing, 0, `the picture stays the same while no frame is drawn (${(100 * d.differing).toFixed(2)}% differ)`);
  assert.deepEqual(app.errors, []);
});

test('input, a state change and a new result each wake the page, and what they change is drawn', {skip}, async () => {
  const page = app.page;
  await idleFrames(page, 20);
  const matrix = await shot(page);

  // Mouse movement over the canvas (ImGui hover).
  let a = await frames(page);
  await page.mouse.move(400, 300);
  await waitFrames(page, 4);
  let b = await frames(page);
  assert.ok(b.drawn - a.drawn >= 3, `a mouse move draws the next frames (${b.drawn - a.drawn} of 4)`);

  // A change through the hook (as a link or a test makes it): the view switches on screen.
  await page.mouse.move(799, 559);
  await idleFrames(page, 20);
  await hook(page, 'setState', {view: 'lines'});
  await waitFrames(page, 4);
  const lines = await shot(page);
  assert.ok(pictureDiff(matrix, lines).differing > 0.01, 'the view switched while the page was idle is drawn');

  // A new result arriving while idle (the engine's answer wakes the page): the text's tokens are drawn.
  await hook(page, 'setState', {view: 'matrix'});
  await idleFrames(page, 20);
  a = await frames(page);
  await setText(page, '北京大学在北京');
  await idleFrames(page, 4);
  b = await frames(page);
  assert.ok(b.drawn > a.drawn, 'the new result is drawn');
  const after = await shot(page);
  assert.ok(pictureDiff(matrix, after).differing > 0.01, 'the matrix of the new text differs from the old one');
  assert.equal(await hook(page, 'lastError'), null);
  assert.deepEqual(app.errors, []);
});

test('typing into the text box draws no frame per key, and one run draws the final text', {skip}, async () => {
  const page = app.page;
  await idleFrames(page, 20);
  const text0 = (await hook(page, 'state')).text;
  const pic0 = await shot(page);
  await page.focus('#box-text');
  await page.evaluate(() => { const t = document.getElementById('box-text'); t.setSelectionRange(t.value.length, t.value.length); });
  const a = await frames(page);
  const submitted0 = (await hook(page, 'info')).engine.submitted;
  const t0 = Date.now();
  await page.keyboard.type('，北京欢迎你 abc', {delay: 0});
  const typingMs = Date.now() - t0;
  const b = await frames(page);
  // The textarea shows each character; the canvas waits for a pause in the keys (0.1 s), so a burst draws no frame
  // per key (one if the keys themselves took over 0.1 s, plus the half-second heartbeat).
  assert.ok(b.drawn - a.drawn <= 1 + Math.ceil(typingMs / 100),
            `${b.drawn - a.drawn} frames drawn while 10 keys were typed in ${typingMs} ms`);
  await waitReady(page, RUN_TIMEOUT, app, {text: text0 + '，北京欢迎你 abc'});
  await page.waitForFunction(() => !window.attnviz.info().uploading, null, {timeout: RUN_TIMEOUT});
  await waitFrames(page, 4);
  const info = await hook(page, 'info');
  assert.ok(info.engine.submitted - submitted0 <= 2, `one run for the burst (${info.engine.submitted - submitted0} submitted)`);
  const tokens = await hook(page, 'tokens');
  assert.equal(info.T, tokens.length);
  assert.ok(tokens.includes('欢') && tokens.includes('迎'), `the result shown is the final text's: ${tokens.join(' ')}`);
  assert.ok(pictureDiff(pic0, await shot(page)).differing > 0.01, `the final text's matrix is drawn`);
  await setText(page, text0);
  assert.equal(await hook(page, 'lastError'), null);
  assert.deepEqual(app.errors, []);
});

test('a resize while idle redraws at the new size', {skip}, async () => {
  const page = app.page;
  await idleFrames(page, 20);
  const a = await frames(page);
  await page.setViewportSize({width: 900, height: 620});
  await waitFrames(page, 4);
  const b = await frames(page);
  assert.ok(b.drawn > a.drawn, 'a resize draws');
  const pic = await shot(page);
  assert.equal(pic.width, 900);
  const size = await page.evaluate(() => [document.getElementById('canvas').width, document.getElementById('canvas').height]);
  assert.deepEqual(size, [900, 620], 'the canvas follows the new size');
  await page.setViewportSize({width: 800, height: 560});
  await waitReady(page, LOAD_TIMEOUT, app);
});
