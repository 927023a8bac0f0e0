// The page's main thread never waits on the GPU process in a steady frame (issue 10): no WebGL call that answers
// synchronously (getParameter, isEnabled, getError, get*Parameter, getUniformLocation, readPixels, ...) after
// start-up, in frames of every view while results arrive (src/app/imgui_render.cpp draws ImGui without saving or
// restoring GL state). Chromium answers each such call only after the GPU process has finished all queued work.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {closeAll, hook, missingPrerequisite, openPage, setText, startBrowser, waitFrames, waitReady,
        LOAD_TIMEOUT} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, app;

// Runs before the page's first script: counts calls of WebGL2's synchronous methods, by name.
const countSyncCalls = () => {
  const names = ['getParameter', 'isEnabled', 'getError', 'getProgramParameter', 'getShaderParameter',
    'getProgramInfoLog', 'getShaderInfoLog', 'getUniformLocation', 'getAttribLocation', 'getActiveUniform',
    'getActiveAttrib', 'getUniform', 'getVertexAttrib', 'getTexParameter', 'getBufferParameter',
    'getBufferSubData', 'getFramebufferAttachmentParameter', 'getRenderbufferParameter', 'getIndexedParameter',
    'getInternalformatParameter', 'getQueryParameter', 'getSyncParameter', 'clientWaitSync', 'getFragDataLocation',
    'getUniformBlockIndex', 'getActiveUniforms', 'checkFramebufferStatus', 'readPixels', 'finish'];
  const calls = window.__glSyncCalls = {};
  for (const proto of [window.WebGL2RenderingContext && WebGL2RenderingContext.prototype,
                       window.WebGLRenderingContext && WebGLRenderingContext.prototype]) {
    if (!proto) continue;
    for (const name of names) {
      const f = proto[name];
      if (typeof f !== 'function') continue;
      proto[name] = function(...args) {
        calls[name] = (calls[name] || 0) + 1;
        return f.apply(this, args);
      };
    }
  }
};

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
});
after(() => closeAll(app, browser, server));

const syncCalls = (page) => page.evaluate(() => ({...window.__glSyncCalls}));
const diff = (a, b) => Object.fromEntries(Object.keys(b).filter((k) => b[k] !== (a[k] || 0))
  .map((k) => [k, b[k] - (a[k] || 0)]));

test('steady frames of every view, while results arrive, make no synchronous WebGL call', {skip}, async () => {
  app = await openPage(browser, server, 'view=matrix', {wait: false});
  const page = app.page;
  await page.addInitScript(countSyncCalls);
  await page.reload({waitUntil: 'load'});
  await waitReady(page, LOAD_TIMEOUT, app);
  await waitFrames(page, 3);
  const startup = await syncCalls(page);
  assert.ok(Object.keys(startup).length > 0, 'the counter sees the start-up queries (shader compile status...)');

  const texts = ['the cat sat on the mat', '床前明月光，疑是地上霜。', 'a [MASK] of tea', '举头望明月'];
  let i = 0;
  for (const view of ['matrix', 'lines', 'neuron', 'rollout', 'stats', 'model']) {
    const beforeView = await syncCalls(page);
    await hook(page, 'setState', {view});
    await waitFrames(page, 3);
    await setText(page, `${texts[i++ % texts.length]} (${view})`);  // a result arrives, its images upload
    await waitFrames(page, 5);
    assert.deepEqual(diff(beforeView, await syncCalls(page)), {}, `synchronous WebGL calls in the ${view} view`);
  }
  const resized = await syncCalls(page);
  await page.setViewportSize({width: 1000, height: 700});  // the canvas and viewport follow
  await waitFrames(page, 5);
  assert.deepEqual(diff(resized, await syncCalls(page)), {}, 'synchronous WebGL calls after a resize');
  assert.equal(await hook(page, 'lastError'), null);
  assert.deepEqual(app.errors, []);
});
