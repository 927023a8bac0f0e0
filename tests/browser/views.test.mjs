// Every view opens (setState and the UI), draws something that is not blank, and leaves no error; the README's
// screenshots (docs/screenshots/<view>.png, 1400x900, device scale 1) are written here on every run.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {decodePng, pictureDiff, pictureStats} from './lib/png.mjs';
import {clickItem, closeAll, hook, missingPrerequisite, openPage, pct, screenshot, screenshotDir, startBrowser,
        waitFrames, BIG} from './lib/harness.mjs';

const skip = missingPrerequisite();
const views = ['model', 'matrix', 'lines', 'neuron', 'rollout', 'stats'];
// The README's example: the demo sentence, a head with a clear pattern, a pinned query token for the neuron view.
const link = `model=zh-bert-mini&text=${pct('张三在北京大学读书，后来去了上海的华为公司工作。')}&layer=2&head=3&token=5`;
let server, browser, app;
const shots = {};

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
  app = await openPage(browser, server, link, {viewport: BIG});
});
after(() => closeAll(app, browser, server));

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

test('views switch by clicking their tabs, and the link follows', {skip}, async () => {
  const page = app.page;
  await hook(page, 'setState', {view: 'model'});
  await waitFrames(page, 4);
  for (let i = views.length - 1; i >= 0; i--) {
    const view = views[i];
    await clickItem(page, view[0].toUpperCase() + view.slice(1));  // the tab, found through the hook's items()
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
