// Times attnviz vs onnxruntime-web in one headless chromium on a cross-origin isolated page (threads allowed), at 1
// and 2 threads (or --threads), on the same model and token counts: the in-page comparison issue 10 asks for.
// A benchmark, not a test. Our side is bench/web (attnviz_bench_mt.js: the core's pthreads build in a Web Worker, as
// the page's engine runs it); ORT's is onnxruntime-web's threaded SIMD wasm on the page's main thread, on the ONNX
// model bench/ort/build_onnx.mjs writes (checked against attnviz's CLI by scripts/bench-ort.sh). Before timing, the
// last hidden state of every configuration is checked against attnviz's one-thread result (max |diff| <= 2e-3).
//   node scripts/bench-web.mjs --model DIR [--tokens "128 512"] [--threads "1 2"] [--iters 10] [--warmup 2]
//        [--lm none|all] [--engines "ours ort"] [--onnx DIR] [--timeout SECONDS per step, default 600]
//        [--wasm DIR holding attnviz_bench_mt.js, default build/web/bench: e.g. a copy of an older build to compare]
// Each configuration has its own page; the timed passes alternate between them (one of each per round), so the
// machine's changes of speed during a run hit all alike.
// Prints one JSON line per (engine, threads, tokens), then a table: wall ms median (min), CPU ms of all the browser's
// processes per pass (median), GFLOP/s from the wall median, and the load average when the configuration ran.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = {tokens: '128 512', threads: '1 2', iters: '10', warmup: '2', lm: 'none', engines: 'ours ort'};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.model) {
  console.error('usage: node scripts/bench-web.mjs --model DIR [--tokens "128 512"] [--threads "1 2"] [--iters 10] ' +
    '[--warmup 2] [--lm none|all] [--engines "ours ort"] [--onnx DIR] [--timeout 600]');
  process.exit(2);
}
const modelDir = path.resolve(args.model);
const onnxDir = path.resolve(args.onnx || path.join(root, 'build/ort', path.basename(modelDir)));
const tokens = args.tokens.split(/\s+/).map(Number), threadList = args.threads.split(/\s+/).map(Number);
const iters = +args.iters, warmup = +args.warmup, lm = args.lm, engines = args.engines.split(/\s+/);
const wasmDir = path.resolve(args.wasm || path.join(root, 'build/web/bench')), ortDir = path.join(root, 'bench/ort/node_modules/onnxruntime-web/dist');
const cfg = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
const need = (p, what) => { if (!fs.existsSync(p)) { console.error(`bench-web: no ${p}: ${what}`); process.exit(1); } };
if (engines.includes('ours')) need(path.join(wasmDir, 'attnviz_bench_mt.js'), 'cmake --build --preset web --target attnviz_bench_mt');
if (engines.includes('ort')) {
  need(ortDir, '(cd bench/ort && npm ci)');
  if (!fs.existsSync(path.join(onnxDir, `model-lm-${lm}.onnx`))) {
    const r = spawnSync('node', [path.join(root, 'bench/ort/build_onnx.mjs'), modelDir, onnxDir], {stdio: 'inherit'});
    if (r.status !== 0) process.exit(1);
  }
}

// --- a static server with the isolation headers (COOP + COEP), so the page may use SharedArrayBuffer / threads ----
const mounts = {'/bench/': path.join(root, 'bench/web'), '/wasm/': wasmDir, '/ort/': ortDir, '/onnx/': onnxDir, '/model/': modelDir};
const types = {'.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm'};
const server = http.createServer((req, res) => {
  const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const mount = Object.keys(mounts).find((m) => url.startsWith(m));
  const file = mount && path.join(mounts[mount], path.normalize(url.slice(mount.length)));
  if (!file || !file.startsWith(mounts[mount]) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, {'Content-Type': types[path.extname(file)] || 'application/octet-stream',
    'Content-Length': fs.statSync(file).size, 'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin'});
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

// CPU time (ms) of every process descended from this one: the browser and its renderer, GPU and utility processes.
function browserCpuMs() {
  const tick = 100;  // USER_HZ on Linux
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      kids.set(+d, {ppid: +f[1], cpu: (+f[11] + +f[12]) * 1000 / tick});
    } catch { /* gone */ }
  }
  let sum = 0;
  const under = (pid) => { for (let p = kids.get(pid)?.ppid; p; p = kids.get(p)?.ppid) if (p === process.pid) return true; return false; };
  for (const [pid, k] of kids) if (under(pid)) sum += k.cpu;
  return sum;
}

const median = (a) => { const s = [...a].sort((x, y) => x - y), n = s.length; return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const r1 = (x) => Math.round(x * 10) / 10;
const maxAbsDiff = (a, b) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
const modelFiles = fs.readdirSync(modelDir).filter((f) => /^(config\.json|model\.safetensors|vocab\.txt)$/.test(f));
const flops = {};  // tokens -> multiply-adds x2 of one pass (attnviz's count; ORT does the same products)
const reference = {};  // tokens -> attnviz one-thread last hidden state
const rows = [];
let failed = false;
const browser = await chromium.launch({executablePath: process.env.ATTNVIZ_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run']});
try {
  // Every configuration on its own page, loaded first; then the timed passes go round them in turn (one pass of each,
  // then the next round), so a change in the machine's speed during the run (other tenants, the CPU's clock) falls on
  // all of them alike and the ratios between them hold.
  const configs = [];
  for (const engine of engines) {
    for (const threads of threadList) {
      const page = await browser.newPage();
      page.setDefaultTimeout(+(args.timeout || 600) * 1000);  // per step (a load, a pass): a hang ends the run
      page.on('console', (m) => { if (m.type() === 'error') console.error(`page: ${m.text()}`); });
      await page.goto(`${base}/bench/index.html`);
      await page.waitForFunction(() => window.benchReady === true);
      if (!(await page.evaluate(() => window.bench.isolated()))) throw new Error('the bench page is not cross-origin isolated');
      const got = engine === 'ours'
        ? await page.evaluate(([n, f]) => window.bench.oursStart(n, f), [threads, modelFiles])
        : await page.evaluate(([n, l, V]) => window.bench.ortStart(n, l, V), [threads, lm, cfg.vocab_size]);
      configs.push({engine, threads, got, page});
    }
  }
  for (const T of tokens) {
    const run = (c, want) => (c.engine === 'ours'
      ? c.page.evaluate(([t, l, w]) => window.bench.oursRun(t, l, w), [T, lm, want])
      : c.page.evaluate(([t, w]) => window.bench.ortRun(t, w), [T, want]));
    for (const c of configs) {
      await c.page.bringToFront();
      const first = await run(c, true);  // the check (and the first warm-up pass)
      if (first.flops) flops[T] = first.flops;
      if (!reference[T]) reference[T] = first.hidden;
      c.diff = maxAbsDiff(first.hidden, reference[T]);
      for (let i = 1; i < warmup; i++) await run(c, false);
      c.ms = []; c.cpu = [];
    }
    const load0 = os.loadavg()[0];
    for (let i = 0; i < iters; i++) {
      for (const c of configs) {
        await c.page.bringToFront();
        const c0 = browserCpuMs();
        const r = await run(c, false);
        c.cpu.push(browserCpuMs() - c0);
        c.ms.push(r.ms);
      }
    }
    for (const c of configs) {
      const row = {engine: c.engine === 'ours' ? 'attnviz' : 'onnxruntime-web', threads: c.threads, threads_in_effect: c.got,
        tokens: T, lm, ms_median: r1(median(c.ms)), ms_min: r1(Math.min(...c.ms)), cpu_ms_median: r1(median(c.cpu)),
        gflops: flops[T] ? r1(flops[T] / (median(c.ms) * 1e6)) : null, check_max_abs_diff: +c.diff.toExponential(2),
        check: c.diff <= 2e-3 ? 'pass' : 'FAIL', iters, load_avg: r1((load0 + os.loadavg()[0]) / 2)};
      if (row.check !== 'pass') failed = true;
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
} finally {
  await browser.close();
  server.close();
}

const version = JSON.parse(fs.readFileSync(path.join(ortDir, '..', 'package.json'), 'utf8')).version;
console.log(`\nchromium (headless), cross-origin isolated page, ${os.cpus().length} cores; model ${path.basename(modelDir)}, ` +
  `lm head ${lm}; onnxruntime-web ${version}; ms = wall median (min); cpu = CPU ms of all browser processes per pass`);
console.log('tokens | engine          | threads | ms median (min)       | cpu ms   | GFLOP/s | load avg | check');
for (const r of rows)
  console.log(`${String(r.tokens).padEnd(6)} | ${r.engine.padEnd(15)} | ${String(r.threads).padEnd(7)} | ` +
    `${`${r.ms_median} (${r.ms_min})`.padEnd(21)} | ${String(r.cpu_ms_median).padEnd(8)} | ${String(r.gflops ?? '').padEnd(7)} | ` +
    `${String(r.load_avg).padEnd(8)} | ${r.check}`);
const find = (e, n, T) => rows.find((r) => r.engine === e && r.threads === n && r.tokens === T);
for (const T of tokens) {
  const ours = Object.fromEntries(threadList.map((n) => [n, find('attnviz', n, T)]));
  const ort = Object.fromEntries(threadList.map((n) => [n, find('onnxruntime-web', n, T)]));
  const parts = [];
  for (const n of threadList) if (ours[n] && ort[n]) parts.push(`attnviz/ORT at ${n} thread(s) ${(ours[n].ms_median / ort[n].ms_median).toFixed(2)}x`);
  const top = threadList[threadList.length - 1];
  if (ours[1] && ours[top] && top > 1) parts.push(`attnviz ${top} vs 1 thread speed-up ${(ours[1].ms_median / ours[top].ms_median).toFixed(2)}x`);
  if (parts.length) console.log(`${T} tokens: ${parts.join('; ')}`);
}
if (failed) { console.error('bench-web: a result differs from attnviz one-thread beyond 2e-3 (see check)'); process.exit(1); }
