// The engine worker's memory (issue 11): info().heap_peak_mb reports the worker's wasm memory, and a float32 model
// loaded from files costs about its own size there (weights used in place in the file's bytes, no float copy beside
// them). tests/data/tiny-gpt2 is float32; the big-model figures come from scripts/bench-memory.mjs.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {closeAll, dataDir, hook, loadFiles, missingPrerequisite, openPage, startBrowser, waitReady, TINY}
  from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, app;

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
  app = await openPage(browser, server, '', {viewport: TINY});
});
after(() => closeAll(app, browser, server));

const files = (d) => fs.readdirSync(d).filter((f) => /\.(json|txt|safetensors)$/.test(f) && !f.startsWith('expected'))
  .map((f) => path.join(d, f));

test('heap_peak_mb: the worker heap is reported, and a float32 model adds about its file size, not twice it',
     {skip}, async () => {
  const page = app.page;
  const start = (await hook(page, 'info')).heap_peak_mb;
  assert.ok(Number.isFinite(start) && start > 0, `heap_peak_mb at start: ${start}`);
  // A float32 model twice: the second load swaps it for itself (the old one stays until the new one has loaded).
  const dir = path.join(dataDir, 'tiny-gpt2');
  const modelMb = fs.statSync(path.join(dir, 'model.safetensors')).size / 1048576;
  for (let i = 0; i < 2; i++) {
    const runs = await hook(page, 'runCount');
    await loadFiles(page, files(dir));
    await page.waitForFunction((r) => window.attnviz.runCount() > r || window.attnviz.lastError(), runs,
                               {timeout: 90000});
    await waitReady(page, 90000, app, {});
    assert.equal(await hook(page, 'lastError'), null);
  }
  const info = await hook(page, 'info');
  assert.match(info.model, /^user:/);
  assert.ok(info.heap_peak_mb >= start, `the peak never goes down: ${start} -> ${info.heap_peak_mb}`);
  // Two copies of the model at the swap + runs + the wasm runtime's growth steps; a float copy beside the file bytes
  // (the old path) would add 2 more model sizes per load.
  assert.ok(info.heap_peak_mb <= start + 2 * modelMb + 24,
            `heap_peak_mb ${info.heap_peak_mb} for a ${modelMb.toFixed(1)} MB model (start ${start})`);
  assert.deepEqual(app.errors, []);
});
