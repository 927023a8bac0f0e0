// The locked-down page (issue 12): its Content-Security-Policy allows only its own scripts (no inline, no eval; wasm
// may compile) and connections only to itself and the Hub endpoint; over a whole session (every view, exports, a
// dropped model, a bad link, a Hub link left unclicked) no request leaves the page's origin and nothing breaks the
// policy. A same-origin attnviz.config.json sets the site's default endpoint.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {clickItem, closeAll, dataDir, foreignRequests, hook, loadFiles, missingPrerequisite, openPage, pageDir,
        setStateAndRun, startBrowser, startServer, tempDir, waitFrames, waitReady} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, app;

// Every securitypolicyviolation the page sees, recorded from before its first script.
const recordViolations = () => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
  });
};

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
});
after(() => closeAll(app, browser, server));

async function openWithRecorder(srv, fragment) {
  const ctx = await openPage(browser, srv, fragment, {wait: false});
  await ctx.page.addInitScript(recordViolations);
  await ctx.page.reload({waitUntil: 'load'});
  await waitReady(ctx.page, 90000, ctx);
  return ctx;
}

test('a whole session (views, exports, a dropped model, a bad link, an unclicked Hub link) stays on the page\'s origin ' +
     'and within its Content-Security-Policy', {skip}, async () => {
  app = await openWithRecorder(server, '');
  const page = app.page;
  const policies = await page.evaluate(() => Array.from(document.querySelectorAll('meta[http-equiv="Content-Security-Policy"]'), (m) => m.content));
  assert.equal(policies.length, 2, policies.join(' | '));
  assert.match(policies[0], /script-src 'self' 'wasm-unsafe-eval';/);
  const scriptSrc = /script-src ([^;]*)/.exec(policies[0])[1];
  assert.doesNotMatch(scriptSrc, /'unsafe-inline'|'unsafe-eval'|https?:|\*/, 'only the page\'s own scripts, no eval');
  assert.equal(policies[1], "connect-src 'self' https://huggingface.co https://*.huggingface.co https://*.hf.co");
  assert.equal(await page.evaluate(() => document.querySelectorAll('script:not([src])').length), 0, 'no inline scripts');

  for (const view of ['matrix', 'lines', 'neuron', 'rollout', 'stats', 'model']) {
    await page.evaluate((v) => window.attnviz.setState({view: v}), view);
    await waitFrames(page, 3);
  }
  await setStateAndRun(page, {text: '床前明月光 [MASK] the cat'});
  await setStateAndRun(page, {model: 'gpt2-mini'});
  await clickItem(page, 'Export…');
  const [download] = await Promise.all([page.waitForEvent('download', {timeout: 60000}),
                                        clickItem(page, 'attention of this head (CSV)')]);
  assert.ok(download.suggestedFilename().endsWith('.csv'));
  await clickItem(page, 'Export…');
  const [png] = await Promise.all([page.waitForEvent('download', {timeout: 60000}),
                                   clickItem(page, 'picture of the view (PNG, 2x)')]);
  assert.ok(png.suggestedFilename().endsWith('.png'));
  // A dropped model (read locally).
  const dir = path.join(dataDir, 'tiny-bert');
  await loadFiles(page, ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((f) => path.join(dir, f)));
  await page.waitForFunction(() => window.attnviz.state().model.startsWith('user:'), null, {timeout: 60000});
  await waitReady(page, 60000, app);
  // A bad link, and links to Hub models that nobody clicked.
  await page.evaluate(() => { location.hash = 'model=%FF%FE&layer=abc&z=!!!&view=nope'; });
  await page.waitForFunction(() => window.attnviz.lastError() !== null, null, {timeout: 20000});
  await page.evaluate(() => { location.hash = 'model=hf:google-bert/bert-base-chinese&rev=0123456789abcdef0123456789abcdef01234567'; });
  await page.waitForFunction(() => window.attnviz.items().some((i) => i.label === 'Download and open'), null, {timeout: 20000});
  await page.evaluate(() => { location.hash = 'model=hf:openai-community/gpt2'; });
  await waitFrames(page, 6);
  assert.deepEqual(foreignRequests(app), [], 'no request left the page\'s origin');
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'nothing the policy had to block');
  assert.deepEqual(app.errors, []);

  // The policy holds: a script trying to reach another site is stopped before any request, and inline script (an
  // injected <script>, an onclick attribute) does not run. (eval is checked by the last test: the test's own
  // evaluate() runs through DevTools, which the policy does not cover.)
  const blocked = await page.evaluate(async () => {
    let fetchFailed = false;
    try { await fetch('http://example.invalid/x'); } catch (e) { fetchFailed = true; }
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true;';
    document.body.appendChild(s);
    const b = document.createElement('button');
    b.setAttribute('onclick', 'window.__attrRan = true;');
    document.body.appendChild(b);
    b.click();
    b.remove();
    await new Promise((r) => setTimeout(r, 100));
    return {fetchFailed, inlineRan: !!window.__inlineRan, attrRan: !!window.__attrRan, violations: window.__cspViolations};
  });
  assert.ok(blocked.fetchFailed && !blocked.inlineRan && !blocked.attrRan, JSON.stringify(blocked));
  for (const d of ['connect-src', 'script-src-elem', 'script-src-attr'])
    assert.ok(blocked.violations.some((v) => v.startsWith(d)), `${d} blocked: ${JSON.stringify(blocked.violations)}`);
  assert.deepEqual(foreignRequests(app), [], 'the blocked fetch never left');
});

test('a site sets its default Hub endpoint in a same-origin attnviz.config.json; the policy follows it', {skip}, async () => {
  // The built page, plus attnviz.config.json, served from a folder of links.
  const dir = tempDir();
  for (const name of fs.readdirSync(pageDir)) fs.symlinkSync(path.join(pageDir, name), path.join(dir, name));
  fs.writeFileSync(path.join(dir, 'attnviz.config.json'), JSON.stringify({hubEndpoint: 'https://hub.example.org/'}));
  const srv = await startServer(dir);
  const ctx = await openWithRecorder(srv, '');
  try {
    const page = ctx.page;
    assert.equal(await page.evaluate(() => window.attnviz.hubEndpoint()), 'https://hub.example.org');
    const policies = await page.evaluate(() => Array.from(document.querySelectorAll('meta[http-equiv="Content-Security-Policy"]'), (m) => m.content));
    assert.equal(policies[1], "connect-src 'self' https://hub.example.org https://*.hub.example.org");
    assert.deepEqual(foreignRequests(ctx), []);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  } finally {
    await ctx.close();
    await srv.close();
  }
});

test('no eval: a script of the page\'s own origin cannot turn a string into code (eval, Function, string timers)', {skip}, async () => {
  // DevTools' evaluate() is exempt from the page's policy (and may leave the realm exempt), so the probe is a
  // same-origin script file that index.html itself loads first, before any test code touches the page:
  // what it tries runs in the page's realm under the page's own policy.
  const dir = tempDir();
  for (const name of fs.readdirSync(pageDir)) {
    if (name !== 'index.html') fs.symlinkSync(path.join(pageDir, name), path.join(dir, name));
  }
  const html = fs.readFileSync(path.join(pageDir, 'index.html'), 'utf8');
  const first = html.indexOf('<script');
  assert.ok(first > html.indexOf('Content-Security-Policy'), 'the policy comes before every script');
  fs.writeFileSync(path.join(dir, 'index.html'), html.slice(0, first) + '<script src="csp-probe.js"></script>' + html.slice(first));
  fs.writeFileSync(path.join(dir, 'csp-probe.js'), `
    window.__probe = {};
    try { window.__probe.eval = 'ran ' + eval('1 + 1'); } catch (e) { window.__probe.eval = e.name; }
    try { window.__probe.fn = 'ran ' + new Function('return 2')(); } catch (e) { window.__probe.fn = e.name; }
    window.__timerRan = false;
    try { setTimeout('window.__timerRan = true', 0); window.__probe.timer = 'scheduled'; } catch (e) { window.__probe.timer = e.name; }
    setTimeout(() => { window.__probe.timerChecked = true; }, 50);
    WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(
      () => { window.__probe.wasm = 'compiled'; }, (e) => { window.__probe.wasm = e.name; });
  `);
  const srv = await startServer(dir);
  const ctx = await openWithRecorder(srv, '');
  try {
    const page = ctx.page;
    await page.waitForFunction(() => window.__probe && window.__probe.wasm && window.__probe.timerChecked);
    const probe = await page.evaluate(() => ({...window.__probe, timerRan: window.__timerRan}));
    assert.equal(probe.eval, 'EvalError', JSON.stringify(probe));
    assert.equal(probe.fn, 'EvalError', JSON.stringify(probe));
    assert.equal(probe.timerRan, false, 'a string passed to setTimeout never runs');
    assert.equal(probe.wasm, 'compiled', 'WebAssembly still compiles (wasm-unsafe-eval)');
    const violations = await page.evaluate(() => window.__cspViolations);
    assert.ok(violations.some((v) => v.startsWith('script-src') && v.endsWith('eval')), JSON.stringify(violations));
    assert.deepEqual(ctx.errors, [], 'the page itself runs without eval');
  } finally {
    await ctx.close();
    await srv.close();
  }
});
