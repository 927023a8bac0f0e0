// Browser-test harness: serves the built page (scripts/serve.mjs on a free 127.0.0.1 port), drives Debian's chromium
// through playwright-core (SwiftShader WebGL2), and talks to the page's test hook window.attnviz
// (docs: INTERFACES.md). Page folder: env ATTNVIZ_PAGE_DIR, default build/web/page.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {readSafetensors} from '../../js/safetensors.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const dataDir = path.join(root, 'tests/data');
export const pageDir = path.resolve(root, process.env.ATTNVIZ_PAGE_DIR || 'build/web/page');
export const screenshotDir = path.join(root, 'docs/screenshots');
export const chromiumPath = process.env.ATTNVIZ_CHROMIUM || '/usr/bin/chromium';
export const LOAD_TIMEOUT = 90000;   // first model load + first run under SwiftShader on 2 busy cores
export const RUN_TIMEOUT = 60000;    // one re-run after a change

// Why the page tests cannot run here, or false when they can.
export function missingPrerequisite() {
  if (!fs.existsSync(path.join(pageDir, 'index.html'))) return `the page is not built (${pageDir}/index.html missing)`;
  if (!fs.existsSync(chromiumPath)) return `no chromium at ${chromiumPath}`;
  return false;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts scripts/serve.mjs on the page folder; resolves to {origin, close()} once it listens. isolation: false serves
// without the COOP/COEP headers (the page's engine then runs single-threaded).
export async function startServer(dir = pageDir, {isolation = true} = {}) {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const args = [path.join(root, 'scripts/serve.mjs'), dir, String(port), '127.0.0.1'];
    if (!isolation) args.push('--no-isolation');
    const child = spawn(process.execPath, args, {stdio: ['ignore', 'pipe', 'pipe']});
    const ok = await new Promise((resolve) => {
      let out = '';
      const timer = setTimeout(() => resolve(false), 10000);
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('serving')) { clearTimeout(timer); resolve(true); }
      });
      child.once('exit', () => { clearTimeout(timer); resolve(false); });
    });
    if (ok) {
      return {
        origin: `http://127.0.0.1:${port}`,
        close: () => new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
      };
    }
    child.kill('SIGTERM');
    if (attempt >= 3) throw new Error('could not start scripts/serve.mjs');
  }
}

export const chromiumArgs = ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-quic'];

// One headless chromium (playwright gives every launch a fresh temporary profile).
export function launchBrowser() {
  return chromium.launch({executablePath: chromiumPath, args: chromiumArgs});
}

// What a test file shares, started in its before(): the page server and one chromium.
export async function startBrowser() {
  const server = await startServer();
  const browser = await launchBrowser();
  return {server, browser};
}

// For a test file's after(): closes its pages, then the browser, then the server, in the order given (any may be
// unset: a skipped file started nothing).
export async function closeAll(...things) {
  for (const t of things) if (t) await t.close();
}

// Viewports: the README's screenshots are 1400x900; tests that only read numbers use a small canvas, because
// SwiftShader's frame time (which every call into the page waits behind) grows with the pixel count.
export const BIG = {width: 1400, height: 900};
export const SMALL = {width: 800, height: 560};
export const TINY = {width: 560, height: 400};  // for pages only asked through the hook

// Opens the page (optionally with a fragment) in a fresh context, device scale 1. Records every request and every
// page error / console error, so tests can check nothing left 127.0.0.1 and nothing crashed.
export async function openPage(browser, server, fragment = '', {wait = true, timeout = LOAD_TIMEOUT, viewport = SMALL} = {}) {
  const context = await browser.newContext({viewport, deviceScaleFactor: 1});
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  const console_ = [];
  context.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e && e.stack || e)));
  page.on('console', (m) => {
    console_.push(`${m.type()}: ${m.text()}`);
    if (m.type() === 'error' && /abort|Aborted|RuntimeError|unreachable|exception/i.test(m.text())) errors.push(m.text());
  });
  page.on('crash', () => errors.push('page crashed'));
  const frag = fragment ? (fragment.startsWith('#') ? fragment : '#' + fragment) : '';
  await page.goto(`${server.origin}/${frag}`, {waitUntil: 'load', timeout});
  const ctx = {page, context, requests, errors, console: console_, server,
               close: () => context.close().catch(() => {})};
  if (wait) await waitReady(page, timeout, ctx);
  return ctx;
}

// Requests that went anywhere but the test server.
export function foreignRequests(ctx) {
  return ctx.requests.filter((u) => !u.startsWith(ctx.server.origin + '/') && !u.startsWith('data:') &&
                                    !u.startsWith('blob:') && !u.startsWith('about:'));
}

// Calls window.attnviz.<name>(...args) in the page.
export function hook(page, name, ...args) {
  return page.evaluate(([n, a]) => {
    const h = window.attnviz;
    if (!h) throw new Error('window.attnviz is missing');
    if (typeof h[n] !== 'function') throw new Error(`window.attnviz.${n} is not a function`);
    const r = h[n](...a);
    return r === undefined ? null : r;
  }, [name, args]);
}

export function hasHook(page, name) {
  return page.evaluate((n) => !!window.attnviz && typeof window.attnviz[n] === 'function', name);
}

// The hook's run marker: how many runs the page has done (runCount(), or run_count), or null if it has none.
async function runMarker(page) {
  return page.evaluate(() => {
    const h = window.attnviz;
    if (!h) return null;
    for (const k of ['runCount', 'run_count', 'runs']) {
      if (typeof h[k] === 'function') return h[k]();
      if (typeof h[k] === 'number') return h[k];
    }
    return null;
  });
}

// Waits until the hook says the model is loaded, the input has run, and nothing is pending.
export async function waitReady(page, timeout = LOAD_TIMEOUT, ctx = null, extra = null) {
  try {
    await page.waitForFunction((x) => {
      const h = window.attnviz;
      if (!h) return false;
      const ready = typeof h.ready === 'function' ? h.ready() : h.ready;
      if (!ready) return false;
      for (const k of ['busy', 'pending', 'loading']) {
        const v = typeof h[k] === 'function' ? h[k]() : h[k];
        if (v === true) return false;
      }
      if (x && x.text !== undefined && h.state().text !== x.text) return false;
      if (x && x.model !== undefined && h.state().model !== x.model) return false;
      if (x && x.runsAbove !== undefined && x.runsAbove !== null) {
        const r = typeof h.runCount === 'function' ? h.runCount() : h.run_count;
        if (!(r > x.runsAbove)) return false;
      }
      return true;
    }, extra, {timeout, polling: 100});
  } catch (e) {
    let info = '';
    try {
      info = await page.evaluate(() => JSON.stringify({
        hook: !!window.attnviz, ready: window.attnviz && window.attnviz.ready,
        lastError: window.attnviz && window.attnviz.lastError && window.attnviz.lastError(),
        state: window.attnviz && window.attnviz.state && window.attnviz.state()}));
    } catch (e2) { info = String(e2); }
    const logs = ctx ? `\npage errors: ${ctx.errors.join(' | ')}\nconsole: ${ctx.console.slice(-15).join(' | ')}` : '';
    throw new Error(`page not ready after ${timeout} ms: ${info}${logs}\n${e.message}`);
  }
}

// Runs `action` (node side: goBack, a click...) that changes the input, then waits for the page's next run.
export async function changeAndWait(page, action, expect = {}, timeout = RUN_TIMEOUT) {
  const before = await runMarker(page);
  await action();
  if (before === null) await page.waitForTimeout(600);  // no run counter: give the debounce time to fire
  await waitReady(page, timeout, null, {...expect, runsAbove: before});
}

// Calls hook `name`(arg) in the page (awaiting a promise it returns) and waits for the run it causes; one round trip
// for the call, so it stays quick while SwiftShader keeps the page's main thread busy.
async function callAndWait(page, name, arg, expect, timeout) {
  const r = await page.evaluate(async ([n, a]) => {
    const h = window.attnviz;
    const before = typeof h.runCount === 'function' ? h.runCount() : null;
    const ret = await h[n](a);
    return {before, ret: ret === undefined ? null : ret};
  }, [name, arg]);
  if (r.before === null) await page.waitForTimeout(600);
  await waitReady(page, timeout, null, {...expect, runsAbove: r.before});
  return r.ret;
}

export function setText(page, text, timeout = RUN_TIMEOUT) {
  return callAndWait(page, 'setText', text, {text}, timeout);
}

// setState that changes what runs (model, text, pair, knocked-out heads): waits for the re-run (and the model load).
export function setStateAndRun(page, obj, timeout = LOAD_TIMEOUT) {
  const expect = {};
  if (obj.text !== undefined) expect.text = obj.text;
  if (obj.model !== undefined) expect.model = obj.model;
  return callAndWait(page, 'setState', obj, expect, timeout);
}

// state(), tokens(), lastError(), notices() and (optionally) the attention of layers x heads in one round trip.
export async function snapshot(page, layers = 0, heads = 0, onlyLayer = null) {
  const r = await page.evaluate(([L, H, only]) => {
    const h = window.attnviz;
    const out = {state: h.state(), tokens: h.tokens(), lastError: h.lastError(),
                 notices: typeof h.notices === 'function' ? h.notices() : [], attention: null};
    if (L > 0) {
      const parts = [];
      let total = 0;
      for (let l = 0; l < L; l++) {
        if (only !== null && l !== only) continue;
        for (let k = 0; k < H; k++) {
          const a = h.attention(l, k);
          if (!a || typeof a.length !== 'number') throw new Error(`attention(${l}, ${k}) returned ${a}`);
          const f = a instanceof Float32Array ? a : Float32Array.from(a);
          parts.push(f);
          total += f.length;
        }
      }
      const all = new Float32Array(total);
      let o = 0;
      for (const p of parts) { all.set(p, o); o += p.length; }
      const bytes = new Uint8Array(all.buffer);
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      out.attention = btoa(s);
    }
    return out;
  }, [layers, heads, onlyLayer]);
  if (r.attention !== null) {
    const buf = Buffer.from(r.attention, 'base64');
    r.attention = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  }
  return r;
}

// Every head of layers [0, layers) x heads [0, heads) as one Float32Array (layers, heads, T, T); crosses the page
// boundary as base64 so large inputs stay fast. Throws if a head is missing or has the wrong size.
export async function readAttention(page, layers, heads, onlyLayer = null) {
  return (await snapshot(page, layers, heads, onlyLayer)).attention;
}

// A screenshot of the viewport as PNG bytes, the mouse parked in a corner so no hover highlight shows.
export async function screenshot(page, file = null) {
  const vp = page.viewportSize();
  await page.mouse.move(vp.width - 1, vp.height - 1);
  await page.waitForTimeout(300);
  const png = await page.screenshot({type: 'png'});
  if (file) {
    fs.mkdirSync(path.dirname(file), {recursive: true});
    fs.writeFileSync(file, png);
  }
  return png;
}

// Reference fixtures (cached per process).
const fixtureCache = new Map();
export function fixture(name) {
  if (!fixtureCache.has(name)) {
    // Demo models: tests/data/<name>.expected.*; test models: tests/data/<name>/expected.*
    const base = fs.existsSync(path.join(dataDir, name, 'expected.json')) ? path.join(dataDir, name, 'expected')
                                                                          : path.join(dataDir, `${name}.expected`);
    fixtureCache.set(name, {
      texts: JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')),
      tensors: readSafetensors(`${base}.safetensors`),
    });
  }
  return fixtureCache.get(name);
}

export function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'attnviz-browser-'));
}

// Percent-encodes a text for the readable link form (UTF-8, every non-unreserved byte).
export function pct(s) {
  return encodeURIComponent(s);
}

// Lets the page draw `n` frames (ImGui lays a new window out over two frames).
export async function waitFrames(page, n = 3) {
  await page.evaluate((k) => new Promise((resolve) => {
    let left = k;
    const step = () => (--left <= 0 ? resolve() : requestAnimationFrame(step));
    requestAnimationFrame(step);
  }), n);
}

// A mouse click at (x, y) CSS pixels as a person makes it: ImGui reads the mouse once a frame, so move, press and
// release in separate frames (a click within one frame, right after a move, is sometimes missed).
export async function clickAt(page, x, y) {
  await page.mouse.move(x, y);
  await waitFrames(page, 1);
  await page.mouse.down();
  await waitFrames(page, 1);
  await page.mouse.up();
  await waitFrames(page, 2);
}

// The widget labelled `label` in the page's last frame (hook items(); the `nth` one if several are), or null.
export async function findItem(page, label, nth = 0) {
  const all = (await hook(page, 'items')).filter((it) => it.label === label);
  return all[nth] || null;
}

// Clicks the widget labelled `label` at its centre (waiting a few frames for it to appear); returns its item.
export async function clickItem(page, label, nth = 0) {
  // items() describes the last frame drawn, which may predate what the caller just waited for (a result applied
  // between frames): two more frames, so the widget is looked up where the page now draws it.
  await waitFrames(page, 2);
  let it = null;
  for (let tries = 0; tries < 20 && !it; tries++) {
    it = await findItem(page, label, nth);
    if (!it) await waitFrames(page, 2);
  }
  if (!it) {
    const labels = (await hook(page, 'items')).map((i) => i.label).join(' | ');
    throw new Error(`no widget labelled "${label}" on the page (labels: ${labels})`);
  }
  await clickAt(page, it.x + it.w / 2, it.y + it.h / 2);
  return it;
}

// Gives the page a model's files as a user would pick them in "Load files": through the page's <input type=file>
// if it has one, else through the file chooser its hook openFiles() opens, else the hook's loadFiles(files) with
// [{name, bytes (base64)}].
export async function loadFiles(page, files) {
  const input = await page.$('input[type=file]');
  if (input) {
    await input.setInputFiles(files);
    return;
  }
  if (await hasHook(page, 'openFiles')) {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser', {timeout: 10000}), hook(page, 'openFiles')]);
    await chooser.setFiles(files);
    return;
  }
  const payload = files.map((f) => ({name: path.basename(f), base64: fs.readFileSync(f).toString('base64')}));
  await page.evaluate((list) => window.attnviz.loadFiles(list.map((f) => {
    const s = atob(f.base64);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return new File([bytes], f.name);
  })), payload);
}

// The page's visible notices (hook notices(), [] if it has none).
export function noticesOf(page) {
  return page.evaluate(() => {
    const h = window.attnviz;
    return h && typeof h.notices === 'function' ? Array.from(h.notices() || []) : [];
  });
}
