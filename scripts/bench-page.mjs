// Page benchmark (not a test): the in-page forward pass with the engine worker, cross-origin isolated (threads) and
// not (single-threaded), and the longest main-thread block while typing 10 characters into a ~500-token text (a 10 ms
// timer on the main thread; the longest gap between its callbacks from the first key until the final text's result
// is drawn; matrix view, 800x560). Model: a folder (default: a BERT-base-shaped random model made with
// `attnviz bench --make-model base DIR`), loaded through window.attnviz.loadFileMap.
//   node scripts/bench-page.mjs MODEL_DIR [--runs N] [--typing-only] [--isolated-only]
// Needs the web build (build/web/page) and chromium; prints JSON lines and a table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {launchBrowser, openPage, startServer, waitReady} from '../tests/browser/lib/harness.mjs';

const dir = process.argv[2];
const typingOnly = process.argv.includes('--typing-only');      // skip the pass timings
const isolatedOnly = process.argv.includes('--isolated-only');  // skip the not-isolated page
// --profile: while typing, time every main-thread step of the page (animation frames, each call the page's JS makes
// into the app's wasm, the worker's messages) and a Chromium trace's longest tasks; prints where the longest gap went.
const profile = process.argv.includes('--profile');
const runs = Number((process.argv.indexOf('--runs') > 0 && process.argv[process.argv.indexOf('--runs') + 1]) || 3);
if (!dir || !fs.existsSync(path.join(dir, 'config.json'))) {
  console.error('usage: node scripts/bench-page.mjs MODEL_DIR [--runs N]   (attnviz bench --make-model base DIR makes one)');
  process.exit(2);
}
const files = {};
for (const f of fs.readdirSync(dir)) if (/\.(json|txt|safetensors)$/.test(f)) files[f] = true;
const pageDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../build/web/page');
const link = path.join(pageDir, 'bench-model');
fs.rmSync(link, {force: true});
fs.symlinkSync(path.resolve(dir), link);
process.on('exit', () => fs.rmSync(link, {force: true}));

// A text of `n` tokens for a vocabulary of placeholder words (w104 ...) or Chinese characters.
const vocab = fs.existsSync(path.join(dir, 'vocab.txt')) ? fs.readFileSync(path.join(dir, 'vocab.txt'), 'utf8').split('\n') : [];
const word = (i) => (vocab[200 + i] && /^w\d+$/.test(vocab[200 + i]) ? vocab[200 + i] : '字');
const textOf = (n) => Array.from({length: n}, (_, i) => word(i % 500)).join(' ');

async function one(isolation) {
  const server = await startServer(undefined, {isolation});
  const browser = await launchBrowser();
  const ctx = await openPage(browser, server, '', {timeout: 300000});
  const page = ctx.page;
  // Model files fetched by the page from the server (a link in the page folder), then through the page's one loading
  // entry point (the bytes are transferred to the engine worker).
  const load = await page.evaluate(async ([names, name]) => {
    const files = {};
    for (const n of names) files[n] = new Uint8Array(await (await fetch(`bench-model/${n}`)).arrayBuffer());
    return window.attnviz.loadFileMap(files, name, {user: true});
  }, [Object.keys(files), path.basename(dir)]);
  if (!load.ok) throw new Error(`load failed: ${load.error}`);
  await page.evaluate(() => window.attnviz.setState({view: 'matrix'}));
  const out = {isolated: isolation, engine: (await page.evaluate(() => window.attnviz.info())).engine.label, pass: {}};
  for (const n of typingOnly ? [] : [128, 512]) {
    const text = textOf(n - 2);
    const ms = [];
    for (let r = 0; r < runs; r++) {
      const t = text + (r % 2 ? ' ' : '');
      const before = await page.evaluate(() => window.attnviz.runCount());
      await page.evaluate((s) => window.attnviz.setText(s), t);
      await waitReady(page, 300000, null, {text: t, runsAbove: before});
      ms.push((await page.evaluate(() => window.attnviz.info())).ms);
    }
    ms.sort((a, b) => a - b);
    out.pass[n] = {T: (await page.evaluate(() => window.attnviz.info())).T, ms_median: ms[ms.length >> 1], ms_min: ms[0]};
  }
  // Typing: a 10 ms timer; the longest gap between its callbacks from the first key to the final result.
  const base = textOf(497);
  let before = await page.evaluate(() => window.attnviz.runCount());
  await page.evaluate((s) => window.attnviz.setText(s), base);
  await waitReady(page, 300000, null, {text: base, runsAbove: before});
  await page.focus('#box-text');
  await page.evaluate(() => { const t = document.getElementById('box-text'); t.setSelectionRange(t.value.length, t.value.length); });
  await page.evaluate(() => {
    window.__gaps = {last: performance.now(), max: 0, on: true};
    const tick = () => {
      const now = performance.now();
      if (window.__gaps.on) window.__gaps.max = Math.max(window.__gaps.max, now - window.__gaps.last);
      window.__gaps.last = now;
      if (window.__gaps.on) setTimeout(tick, 10);
    };
    setTimeout(tick, 10);
  });
  let cdp = null;
  if (profile) {
    await page.evaluate(() => {
      const steps = window.__steps = {};  // name -> {n, total, max}
      const note = (name, ms) => {
        const s = steps[name] || (steps[name] = {n: 0, total: 0, max: 0});
        s.n++; s.total += ms; s.max = Math.max(s.max, ms);
      };
      const wrap = (obj, key, name) => {
        const f = obj[key];
        if (typeof f !== 'function') return;
        obj[key] = function (...a) { const t = performance.now(); try { return f.apply(this, a); } finally { note(name, performance.now() - t); } };
      };
      for (const k of Object.keys(window.Module)) if (/^_attnviz_/.test(k)) wrap(window.Module, k, k.slice(1));
      const raf = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (cb) => raf((ts) => { const t = performance.now(); try { cb(ts); } finally { note('animation frame', performance.now() - t); } });
    });
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Tracing.start', {traceConfig: {includedCategories: ['toplevel', 'devtools.timeline', 'v8', 'v8.execute',
      'disabled-by-default-devtools.timeline', 'blink.user_timing', 'gpu', 'disabled-by-default-v8.gc']}, transferMode: 'ReturnAsStream'});
  }
  const t0 = Date.now();
  await page.keyboard.type(' abcdefghi');
  await waitReady(page, 300000, null, {text: base + ' abcdefghi'});
  // "Drawn": two more animation frames after the result was applied.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  out.typing = {longest_gap_ms: Math.round(await page.evaluate(() => { window.__gaps.on = false; return window.__gaps.max; })),
                until_final_ms: Date.now() - t0, engine: (await page.evaluate(() => window.attnviz.info())).engine,
                T: (await page.evaluate(() => window.attnviz.info())).T};
  if (profile) {
    out.steps = await page.evaluate(() => window.__steps);
    out.gl_queries_to_gpu = await page.evaluate(() => (window.Module.ctx && window.Module.ctx.attnvizStateCache ?
      window.Module.ctx.attnvizStateCache.passedThrough : null));
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.end');
    const {stream} = await done;
    let text = '';
    for (;;) {
      const c = await cdp.send('IO.read', {handle: stream, size: 1 << 20});
      text += c.base64Encoded ? Buffer.from(c.data, 'base64').toString() : c.data;
      if (c.eof) break;
    }
    const ev = JSON.parse(text);
    const events = Array.isArray(ev) ? ev : ev.traceEvents;
    const names = {};
    for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names[`${e.pid}:${e.tid}`] = e.args.name;
    const main = events.filter((e) => names[`${e.pid}:${e.tid}`] === 'CrRendererMain');
    const tasks = main.filter((e) => e.ph === 'X' && e.name === 'RunTask' && e.dur > 30000).sort((a, b) => b.dur - a.dur).slice(0, 6);
    out.long_tasks = tasks.map((t) => ({ms: Math.round(t.dur / 1000), inside: main.filter((e) => e.ph === 'X' && e !== t &&
      e.ts >= t.ts && e.ts + (e.dur || 0) <= t.ts + t.dur && e.dur > 3000).sort((a, b) => b.dur - a.dur).slice(0, 12)
      .map((e) => `${e.name}${e.args && e.args.data && (e.args.data.functionName || e.args.data.type) ? '(' + (e.args.data.functionName || e.args.data.type) + ')' : ''} ${Math.round(e.dur / 1000)}`)}));
    if (process.env.TRACE_OUT) fs.writeFileSync(process.env.TRACE_OUT, text);
  }
  // The machine's load (1, 5, 15 min) when the typing ended: a loaded machine stretches every figure.
  out.loadavg = os.loadavg().map((x) => Math.round(x * 100) / 100);
  await ctx.close();
  await browser.close();
  await server.close();
  return out;
}

const results = [];
for (const iso of isolatedOnly ? [true] : [true, false]) {
  const r = await one(iso);
  console.log(JSON.stringify(r));
  results.push(r);
}
console.log('\nserving        | engine                                         | pass 128 ms | pass 512 ms | typing: longest main-thread gap');
for (const r of results)
  console.log(`${(r.isolated ? 'isolated' : 'not isolated').padEnd(14)} | ${r.engine.padEnd(46)} | ` +
              `${String(r.pass[128] ? r.pass[128].ms_median.toFixed(0) : '-').padStart(11)} | ` +
              `${String(r.pass[512] ? r.pass[512].ms_median.toFixed(0) : '-').padStart(11)} | ${r.typing.longest_gap_ms} ms (load ${r.loadavg.join(' ')})`);
