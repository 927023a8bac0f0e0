// The page's main thread does not wait on the GPU process each frame (issue 10): the WebGL state Dear ImGui's backend
// saves and restores every frame (blend function and equation, viewport, scissor box) is answered by the page's own
// record of it (web/attnviz.js cacheGlState), which must always equal WebGL's own state.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {closeAll, hook, launchBrowser, missingPrerequisite, openPage, pct, startServer, waitReady,
        RUN_TIMEOUT, BIG} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, ctx;

before(async () => {
  if (skip) return;
  server = await startServer();
  browser = await launchBrowser();
  ctx = await openPage(browser, server, `text=${pct('床前明月光，疑是地上霜。')}&view=model`, {viewport: BIG});
});
after(() => closeAll(ctx, browser, server));

const frames = (page, n) => page.evaluate((k) => new Promise((r) => {
  const step = () => (k-- > 0 ? requestAnimationFrame(step) : r());
  step();
}), n);

test('the WebGL state the page tracks equals WebGL\'s own after frames of every view and a resize', {skip},
  async () => {
    const page = ctx.page;
    const tracked = () => page.evaluate(() => window.Module.ctx && window.Module.ctx.attnvizStateCache ?
      window.Module.ctx.attnvizStateCache.check() : null);
    await frames(page, 3);
    assert.deepEqual(await tracked(), [], 'the model view');
    for (const view of ['matrix', 'lines', 'neuron', 'rollout', 'stats', 'compare', 'model']) {
      await hook(page, 'setState', {view});
      await waitReady(page, RUN_TIMEOUT);
      await frames(page, 3);
      assert.deepEqual(await tracked(), [], `after frames of the ${view} view`);
    }
    await page.setViewportSize({width: 800, height: 560});  // the viewport follows the canvas
    await frames(page, 3);
    assert.deepEqual(await tracked(), [], 'after a resize');
    assert.equal(await hook(page, 'lastError'), null);
  });
