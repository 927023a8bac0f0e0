// Page benchmark (not a test): the in-page forward pass with the engine worker, cross-origin isolated (threads) and
// not (single-threaded), and the longest main-thread block while typing 10 characters into a ~500-token text (a 10 ms
// timer on the main thread; the longest gap between its callbacks from the first key until the final text's result
// is drawn; matrix view, 800x560). Model: a folder (default: a BERT-base-shaped random model made with
// `attnviz bench --make-model base DIR`), loaded through window.attnviz.loadFileMap.
//   node scripts/bench-page.mjs MODEL_DIR [--runs N] [--typing-only] [--isolated-only] [--key-delay MS]
// Needs the web build (build/web/page, or env ATTNVIZ_PAGE_DIR) and chromium; prints JSON lines and a table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {launchBrowser, openPage, pageDir, startServer, waitReady} from '../tests/browser/lib/harness.mjs';

const dir = process.argv[2];
const typingOnly = process.argv.includes('--typing-only');      // skip the pass timings
const isolatedOnly = process.argv.includes('--isolated-only');  // skip the not-isolated page
// --profile: while typing, time every main-thread step of the page (animation frames, each call the page's JS makes
// into the app's wasm, the worker's messages) and a Chromium trace's longest tasks; prints where the longest gap went.
const profile = process.argv.includes('--profile');
// --cpu-profile: V8's sampling profiler on the page's main thread while typing; prints the functions with the most
// self and total time (wasm names need a build linked with --profiling-funcs).
const cpuProfile = process.argv.includes('--cpu-profile');
// --key-delay MS: the pace of the first typing run (0: only the machine-speed one).
const keyDelay = Number((process.argv.indexOf('--key-delay') > 0 && process.argv[process.argv.indexOf('--key-delay') + 1]) || 50);
const typed = ' abcdefghi';  // the 10 characters typed
const runs = Number((process.argv.indexOf('--runs') > 0 && process.argv[process.argv.indexOf('--runs') + 1]) || 3);
if (!dir || !fs.existsSync(path.join(dir, 'config.json'))) {
  console.error('usage: node scripts/bench-page.mjs MODEL_DIR [--runs N]   (attnviz bench --make-model base DIR makes one)');
  process.exit(2);
}
const files = {};
for (const f of fs.readdirSync(dir)) if (/\.(json|txt|safetensors)$/.test(f)) files[f] = true;
const link = path.join(pageDir, 'bench-model');
fs.rmSync(link, {force: true});
fs.symlinkSync(path.resolve(dir), link);
process.on('exit', () => fs.rmSync(link, {force: true}));

// A text of `n` tokens for a vocabulary of placeholder words (w104 ...) or Chinese characters.
const vocab = fs.existsSync(path.join(dir, 'vocab.txt')) ? fs.readFileSync(path.join(dir, 'vocab.txt'), 'utf8').split('\n') : [];
const word = (i) => (vocab[200 + i] && /^w\d+$/.test(vocab[200 + i]) ? vocab[200 + i] : '字');
const textOf = (n) => Array.from({length: n}, (_, i) => word(i % 500)).join(' ');

// In the page: a 10 ms timer noting the longest gap between its callbacks (window.__gaps: max, at = [from, to]).
function startGapTimer() {
  window.__gaps = {last: performance.now(), max: 0, on: true};
  const tick = () => {
    const now = performance.now();
    if (window.__gaps.on && now - window.__gaps.last > window.__gaps.max) {
      window.__gaps.max = now - window.__gaps.last;
      window.__gaps.at = [window.__gaps.last, now];
    }
    window.__gaps.last = now;
    if (window.__gaps.on) setTimeout(tick, 10);
  };
  setTimeout(tick, 10);
}

// The control: the same typing into a plain page (one textarea styled as the page's text box, with the same text, and
// no script of ours) in the same browser. Its longest gap is the floor the browser's own key handling sets.
const BOX_STYLE = ['position', 'left', 'top', 'width', 'height', 'box-sizing', 'padding', 'border', 'font-family',
  'font-size', 'line-height', 'white-space', 'overflow-wrap', 'overflow-x', 'overflow-y', 'resize', 'clip-path'];
async function control(browser, css) {
  const page = await browser.newPage({viewport: {width: 800, height: 560}});
  await page.setContent(`<!doctype html><textarea id="t" spellcheck="false" style="${css}"></textarea>`);
  const out = {};
  for (const delay of [keyDelay, 0]) {
    if (delay === keyDelay && keyDelay === 0) continue;
    const gaps = [];
    for (let r = 0; r < 5; r++) {
      await page.evaluate((s) => { const t = document.getElementById('t'); t.value = s; t.focus(); t.setSelectionRange(s.length, s.length); }, textOf(497));
      await page.evaluate(startGapTimer);
      await page.keyboard.type(typed, {delay});
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      gaps.push(Math.round(await page.evaluate(() => { window.__gaps.on = false; return window.__gaps.max; })));
    }
    gaps.sort((a, b) => a - b);
    out[delay ? 'person' : 'machine'] = {key_delay_ms: delay, longest_gap_ms: gaps, median_ms: gaps[2]};
  }
  await page.close();
  return out;
}

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
    // One pass first at each length, not timed: the first result of a new length grows the page's and the worker's
    // memory (the browser commits the new pages; see the README's known limits); the timed passes are the steady ones.
    for (let r = -1; r < runs; r++) {
      const t = text + (r % 2 ? ' ' : '');
      // The pass alone: the previous result's heatmaps are all on the GPU before the next text is set.
      await page.waitForFunction(() => !window.attnviz.info().uploading, null, {timeout: 300000});
      const before = await page.evaluate(() => window.attnviz.runCount());
      await page.evaluate((s) => window.attnviz.setText(s), t);
      await waitReady(page, 300000, null, {text: t, runsAbove: before});
      if (r >= 0) ms.push((await page.evaluate(() => window.attnviz.info())).ms);
    }
    ms.sort((a, b) => a - b);
    out.pass[n] = {T: (await page.evaluate(() => window.attnviz.info())).T, ms_median: ms[ms.length >> 1], ms_min: ms[0]};
  }
  // Typing: a 10 ms timer; the longest gap between its callbacks from the first key to the final result, drawn. Typed
  // twice: at a fast person's pace (--key-delay, default 50 ms between keys: 240 words a minute) and at machine speed
  // (keys injected back to back, as fast as the browser acknowledges them).
  const base = textOf(497);
  const startTyping = async () => {
    const before = await page.evaluate(() => window.attnviz.runCount());
    await page.evaluate((s) => window.attnviz.setText(s), base);
    await waitReady(page, 300000, null, {text: base, runsAbove: before});
    // A person types into a page that shows its text's result: every heatmap of it on the GPU.
    await page.waitForFunction(() => !window.attnviz.info().uploading, null, {timeout: 300000});
    await page.focus('#box-text');
    await page.evaluate(() => { const t = document.getElementById('box-text'); t.setSelectionRange(t.value.length, t.value.length); });
    await page.evaluate(startGapTimer);
  };
  const typeAndWait = async (delay) => {
    const t0 = Date.now();
    await page.keyboard.type(typed, {delay});
    await waitReady(page, 300000, null, {text: base + typed});
    // Drawn: every heatmap of the final result on the GPU, and two more animation frames.
    await page.waitForFunction(() => !window.attnviz.info().uploading, null, {timeout: 300000, polling: 10});
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    return {key_delay_ms: delay, longest_gap_ms: Math.round(await page.evaluate(() => { window.__gaps.on = false; return window.__gaps.max; })),
            until_final_ms: Date.now() - t0};
  };
  out.typing = {};
  if (keyDelay !== 0) {
    await startTyping();
    out.typing.machine = await typeAndWait(0);
  }
  await startTyping();  // the run at a person's pace (or the one machine-speed run) is the one --profile looks into
  let cdp = null;
  if (profile) {
    await page.evaluate(() => {
      const steps = window.__steps = {};  // name -> {n, total, max}
      const log = window.__log = [];      // [name, start, end] of every step (the longest gap's content)
      const note = (name, ms, t) => {
        const s = steps[name] || (steps[name] = {n: 0, total: 0, max: 0});
        s.n++; s.total += ms; s.max = Math.max(s.max, ms);
        log.push([name, t, t + ms]);
      };
      const wrap = (obj, key, name) => {
        const f = obj[key];
        if (typeof f !== 'function') return;
        obj[key] = function (...a) { const t = performance.now(); try { return f.apply(this, a); } finally { note(name, performance.now() - t, t); } };
      };
      for (const k of Object.keys(window.Module)) if (/^_attnviz_/.test(k)) wrap(window.Module, k, k.slice(1));
      const raf = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (cb) => raf((ts) => { const t = performance.now(); try { cb(ts); } finally { note('animation frame', performance.now() - t, t); } });
    });
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Tracing.start', {traceConfig: {includedCategories: ['toplevel', 'devtools.timeline', 'v8', 'v8.execute',
      'disabled-by-default-devtools.timeline', 'blink.user_timing', 'gpu', 'disabled-by-default-v8.gc']}, transferMode: 'ReturnAsStream'});
  }
  let prof = null;
  if (cpuProfile) {
    prof = await page.context().newCDPSession(page);
    await prof.send('Profiler.enable');
    await prof.send('Profiler.setSamplingInterval', {interval: 200});
    await prof.send('Profiler.start');
  }
  out.typing[keyDelay ? 'person' : 'machine'] = await typeAndWait(keyDelay);
  out.typing.T = (await page.evaluate(() => window.attnviz.info())).T;
  out.typing.engine = (await page.evaluate(() => window.attnviz.info())).engine;
  if (prof) {
    const {profile: p} = await prof.send('Profiler.stop');
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
    const self = {}, total = {};
    const dt = p.timeDeltas;
    for (let i = 0; i < p.samples.length; i++) {
      const ms = (dt[i + 1] || 0) / 1000;
      let n = byId.get(p.samples[i]);
      const name = (x) => x.callFrame.functionName || `(${x.callFrame.url.split('/').pop()}:${x.callFrame.lineNumber})`;
      self[name(n)] = (self[name(n)] || 0) + ms;
      const seen = new Set();
      for (; n; n = byId.get(parent.get(n.id))) {
        const k = name(n);
        if (!seen.has(k)) { seen.add(k); total[k] = (total[k] || 0) + ms; }
      }
    }
    const top = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${v.toFixed(1).padStart(8)} ms  ${k}`);
    console.log('self time:\n' + top(self).join('\n') + '\ntotal time:\n' + top(total).join('\n'));
  }
  if (profile) {
    out.steps = await page.evaluate(() => window.__steps);
    // What ran on the main thread inside the longest gap (the rest of it: the browser's own tasks, or no CPU).
    out.longest_gap = await page.evaluate(() => {
      const [a, b] = window.__gaps.at || [0, 0];
      const inside = {};
      let busy = 0;
      for (const [name, t0, t1] of window.__log) {
        const ms = Math.min(t1, b) - Math.max(t0, a);
        if (ms <= 0) continue;
        const s = inside[name] || (inside[name] = {n: 0, ms: 0, max: 0});
        s.n++; s.ms += ms; s.max = Math.max(s.max, ms); busy += ms;
      }
      for (const s of Object.values(inside)) { s.ms = Math.round(s.ms * 10) / 10; s.max = Math.round(s.max * 10) / 10; }
      return {ms: Math.round(b - a), instrumented_ms: Math.round(busy), inside};
    });
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
  const css = await page.evaluate((props) => {
    const cs = getComputedStyle(document.getElementById('box-text'));
    return props.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';').replace(/"/g, "'");
  }, BOX_STYLE);
  out.control = await control(browser, css);
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
const gap = (t) => (t ? `${String(t.longest_gap_ms).padStart(4)} ms` : '      -');
const ctl = (t) => (t ? `${String(t.median_ms).padStart(4)} ms` : '      -');
console.log(`\n(typing: the longest main-thread gap, 10 characters into ${'a ~500-token text'}; keys ${keyDelay} ms apart, then back to back;` +
            ` control = the same typing into a plain textarea page, median of 5)`);
console.log('serving        | engine       | pass 128 ms | pass 512 ms | typing, person | typing, machine | control, person | control, machine | load');
for (const r of results)
  console.log(`${(r.isolated ? 'isolated' : 'not isolated').padEnd(14)} | ${r.engine.padEnd(12)} | ` +
              `${String(r.pass[128] ? r.pass[128].ms_median.toFixed(0) : '-').padStart(11)} | ` +
              `${String(r.pass[512] ? r.pass[512].ms_median.toFixed(0) : '-').padStart(11)} | ${gap(r.typing.person).padStart(14)} | ` +
              `${gap(r.typing.machine).padStart(15)} | ${ctl(r.control.person).padStart(15)} | ${ctl(r.control.machine).padStart(16)} | ` +
              `${r.loadavg.join(' ')}`);
