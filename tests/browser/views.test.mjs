// Every view opens (setState and the UI), draws something that is not blank, and leaves no error; the README's
// screenshots (docs/screenshots/<view>.png, 1400x900, device scale 1) are written here on every run.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {decodePng, pictureDiff, pictureStats} from './lib/png.mjs';
import {BIG, hook, launchBrowser, missingPrerequisite, openPage, pct, screenshot, screenshotDir, startServer,
        waitFrames} from './lib/harness.mjs';

const skip = missingPrerequisite();
const views = ['model', 'matrix', 'lines', 'neuron', 'rollout', 'stats'];
// The README's example: the demo sentence, a head with a clear pattern, a pinned query token for the neuron view.
const link = `model=zh-bert-mini&text=${pct('张三在北京大学读书，后来去了上海的华为公司工作。')}&layer=2&head=3&token=5`;
let server, browser, app;
const shots = {};

before(async () => {
  if (skip) return;
  server = await startServer();
  browser = await launchBrowser();
  app = await openPage(browser, server, link, {viewport: BIG});
});
after(async () => {
  if (app) await app.close();
  if (browser) await browser.close();
  if (server) await server.close();
});

for (const view of views) {
  test(`view ${view}: setState switches to it, draws a non-blank picture, no error; writes docs/screenshots/${view}.png`,
       {skip}, async () => {
    // The lines view reads best with every query's lines (no pinned token); the neuron view needs a pinned query.
    await hook(app.page, 'setState', {view, token: view === 'lines' ? -1 : 5});
    await waitFrames(app.page, 4);
    const st = await hook(app.page, 'state');
    assert.equal(st.view, view);
    assert.equal(st.layer, 2, 'switching the view keeps the selected layer');
    assert.equal(st.head, 3, 'switching the view keeps the selected head');
    assert.equal(await hook(app.page, 'lastError'), null);
    assert.deepEqual(app.errors, []);
    const png = await screenshot(app.page, path.join(screenshotDir, `${view}.png`));
    const img = decodePng(png);
    assert.equal(img.width, 1400);
    assert.equal(img.height, 900);
    const s = pictureStats(img);
    assert.ok(s.std > 8 && s.colours > 64 && s.nonBackground > 0.05,
              `${view} looks blank: luminance std ${s.std.toFixed(1)}, ${s.colours} colours, ` +
              `${(100 * s.nonBackground).toFixed(1)}% non-background`);
    for (const [other, o] of Object.entries(shots)) {
      const d = pictureDiff(img, o);
      assert.ok(d.differing > 0.01, `${view} draws the same picture as ${other} (${(100 * d.differing).toFixed(2)}% differ)`);
    }
    shots[view] = img;
  });
}

// The view tabs' centres, found in a screenshot: ImGui draws them in the canvas, so there is no DOM to query. The
// tab bar is the first row right of the side panel that crosses exactly six separate non-background runs (the
// tabs, in order) between the panel and the middle of the page.
function findTabs(img) {
  const bg = (x, y) => {
    const i = (y * img.width + x) * 4;
    const [r, g, b] = [img.rgba[i], img.rgba[i + 1], img.rgba[i + 2]];
    return Math.abs(r - 23) + Math.abs(g - 23) + Math.abs(b - 28) < 24;
  };
  const panelEdge = 372;  // side panel: 360 px + padding at 1400 px wide
  for (let y = 20; y < 140; y++) {
    const runs = [];
    let start = -1, gap = 0;
    for (let x = panelEdge; x < img.width * 0.75; x++) {
      if (!bg(x, y)) {
        if (start < 0) start = x;
        gap = 0;
      } else if (start >= 0 && ++gap >= 3) {
        runs.push([start, x - gap]);
        start = -1;
      }
    }
    if (start >= 0) runs.push([start, Math.floor(img.width * 0.75)]);
    const tabs = runs.filter(([a, b]) => b - a >= 25 && b - a <= 140);
    if (tabs.length === views.length && runs.length === views.length && tabs[0][0] < panelEdge + 20) {
      return tabs.map(([a, b]) => ({x: (a + b) / 2, y}));
    }
  }
  return null;
}

test('views switch by clicking their tabs, and the link follows', {skip}, async () => {
  const page = app.page;
  await hook(page, 'setState', {view: 'model'});
  await waitFrames(page, 4);
  const tabs = findTabs(decodePng(await screenshot(page)));
  assert.ok(tabs, 'could not find the six view tabs in the picture');
  for (let i = views.length - 1; i >= 0; i--) {
    const view = views[i];
    // ImGui reads the mouse once a frame: move, press and release in separate frames like a person would (a click
    // within one frame, right after a move, is sometimes missed).
    await page.mouse.move(tabs[i].x, tabs[i].y + 2);
    await waitFrames(page, 1);
    await page.mouse.down();
    await waitFrames(page, 1);
    await page.mouse.up();
    await waitFrames(page, 2);
    const st = await hook(page, 'state');
    assert.equal(st.view, view, `after clicking the ${view} tab the page shows ${st.view}`);
    const url = decodeURIComponent(page.url());
    if (view === 'model') assert.doesNotMatch(url, /view=/, 'the default view is left out of the link');
    else assert.match(url, new RegExp(`view=${view}\\b`), `the link follows the view: ${url.slice(0, 200)}`);
  }
  assert.equal(await hook(page, 'lastError'), null);
  assert.deepEqual(app.errors, []);
});

// The keyboard: up/down move between layers, left/right between heads, and the link follows.
test('arrow keys move the selected layer and head', {skip}, async () => {
  const page = app.page;
  await hook(page, 'setState', {view: 'matrix', layer: 2, head: 3});
  await page.focus('#canvas');
  await waitFrames(page, 2);
  for (const [key, layer, head] of [['ArrowDown', 3, 3], ['ArrowDown', 4, 3], ['ArrowRight', 4, 4],
                                     ['ArrowUp', 3, 4], ['ArrowLeft', 3, 3]]) {
    await page.keyboard.press(key);
    await waitFrames(page, 3);
    const st = await hook(page, 'state');
    assert.deepEqual([st.layer, st.head], [layer, head], `after ${key}`);
  }
  await waitFrames(page, 2);
  assert.match(page.url(), /layer=3&head=3|layer=3.*head=3/);
  await hook(page, 'setState', {layer: 2, head: 3});
});

test('screenshots are in docs/screenshots', {skip}, () => {
  for (const view of views) assert.ok(fs.existsSync(path.join(screenshotDir, `${view}.png`)), view);
});
