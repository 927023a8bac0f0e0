// Cross-origin isolation without headers (issue 10): on a static host that cannot send COOP/COEP, a site turns on the
// coi-serviceworker helper in its attnviz.config.json; the page registers it, reloads once, and runs threaded with
// the same attention as the plain page. Without the setting nothing is registered and the page stays single-threaded.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {closeAll, foreignRequests, hook, launchBrowser, missingPrerequisite, openPage, pageDir, pct, readAttention,
        startServer, tempDir, waitReady, LOAD_TIMEOUT} from './lib/harness.mjs';

const skip = missingPrerequisite();
let browser, plainServer, swServer;
const text = '李白写了《静夜思》。[MASK]';

// The built page served WITHOUT isolation headers, with a site config turning the service worker on.
function pageWithConfig(config) {
  const dir = tempDir();
  for (const name of fs.readdirSync(pageDir)) fs.symlinkSync(path.join(pageDir, name), path.join(dir, name));
  fs.writeFileSync(path.join(dir, 'attnviz.config.json'), JSON.stringify(config));
  return dir;
}

before(async () => {
  if (skip) return;
  browser = await launchBrowser();
  plainServer = await startServer(undefined, {isolation: false});
  swServer = await startServer(pageWithConfig({isolateWithServiceWorker: true}), {isolation: false});
});
after(() => closeAll(browser, plainServer, swServer));

test('isolateWithServiceWorker: the page isolates itself through the service worker, runs threaded, same attention',
     {skip}, async () => {
  const plain = await openPage(browser, plainServer, `text=${pct(text)}`);
  // First visit: the helper registers and reloads the page once; waitReady follows the reloaded page.
  const sw = await openPage(browser, swServer, `text=${pct(text)}`, {wait: false});
  try {
    await sw.page.waitForFunction(() => self.crossOriginIsolated === true, null, {timeout: LOAD_TIMEOUT, polling: 100});
    await waitReady(sw.page, LOAD_TIMEOUT, sw, {text});
    const a = await sw.page.evaluate(() => ({isolated: self.crossOriginIsolated, hc: navigator.hardwareConcurrency,
                                             controlled: !!navigator.serviceWorker.controller,
                                             info: window.attnviz.info()}));
    assert.equal(a.isolated, true);
    assert.equal(a.controlled, true, 'the service worker controls the page');
    assert.equal(a.info.engine.threads, Math.min(a.hc, 8));
    assert.equal(a.info.engine.label, `threads: ${Math.min(a.hc, 8)}`);
    const b = await plain.page.evaluate(() => ({isolated: self.crossOriginIsolated, info: window.attnviz.info()}));
    assert.equal(b.isolated, false);
    assert.equal(b.info.engine.threads, 1);

    assert.deepEqual(await hook(sw.page, 'tokens'), await hook(plain.page, 'tokens'));
    const x = await readAttention(sw.page, a.info.layers, a.info.heads);
    const y = await readAttention(plain.page, a.info.layers, a.info.heads);
    assert.equal(x.length, y.length);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
    assert.ok(worst <= 1e-5, `max |difference| ${worst}`);
    assert.deepEqual(await hook(sw.page, 'predictions'), await hook(plain.page, 'predictions'));

    // A second visit in the same browser profile is isolated from its first load (no second reload).
    const navs = [];
    sw.page.on('framenavigated', (f) => { if (f === sw.page.mainFrame()) navs.push(f.url()); });
    await sw.page.goto(`${swServer.origin}/#text=${pct('第二次')}`, {waitUntil: 'load'});
    await waitReady(sw.page, LOAD_TIMEOUT, sw, {text: '第二次'});
    assert.equal(await sw.page.evaluate(() => self.crossOriginIsolated), true);
    assert.equal(navs.length, 1, `one navigation, no reload: ${navs.join(' ')}`);
    assert.deepEqual(foreignRequests(sw), []);
    assert.deepEqual(sw.errors, []);
    assert.deepEqual(await hook(sw.page, 'lastError'), null);
  } finally {
    await sw.close();
    await plain.close();
  }
});

test('without the setting no service worker is registered and the page stays single-threaded', {skip}, async () => {
  const ctx = await openPage(browser, plainServer, `text=${pct(text)}`);
  try {
    const r = await ctx.page.evaluate(async () => ({
      isolated: self.crossOriginIsolated,
      registrations: (await navigator.serviceWorker.getRegistrations()).length,
      threads: window.attnviz.info().engine.threads}));
    assert.deepEqual(r, {isolated: false, registrations: 0, threads: 1});
  } finally {
    await ctx.close();
  }
});
