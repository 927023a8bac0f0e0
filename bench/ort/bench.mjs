// Times onnxruntime-web (wasm backend, one thread, SIMD) under node on the ONNX models build_onnx.mjs wrote, after
// checking that they compute what attnviz's native CLI computes (attentions, last hidden state, logits). Run by
// scripts/bench-ort.sh; prints one JSON line per (tokens, lm), then a table.
//   node bench/ort/bench.mjs --model DIR --onnx DIR --cli PATH [--tokens "128 512"] [--lm "all none"] [--iters 20]
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import {readSafetensors, maxAbsDiff} from '../../tests/js/safetensors.mjs';

const args = {tokens: '128 512', lm: 'all none', iters: '20', warmup: '3'};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.model || !args.onnx || !args.cli) {
  console.error('usage: node bench.mjs --model DIR --onnx DIR --cli PATH [--tokens "128 512"] [--lm "all none"] [--iters N]');
  process.exit(2);
}
const lms = args.lm.split(/\s+/), tokens = args.tokens.split(/\s+/).map(Number), iters = +args.iters, warmup = +args.warmup;
const cfg = JSON.parse(fs.readFileSync(path.join(args.model, 'config.json'), 'utf8'));
const L = cfg.num_hidden_layers, V = cfg.vocab_size;

ort.env.wasm.numThreads = 1;  // no worker threads: the wasm runs on node's main thread
ort.env.wasm.simd = true;     // 1.30 ships only the SIMD build; this just asks for the fixed-width SIMD check
const runtime = `onnxruntime-web ${ort.env.versions.web} wasm`;
const sessions = {};
for (const lm of lms)  // default session options: graphOptimizationLevel 'all' (ORT's fusions, e.g. Gelu, LayerNorm)
  sessions[lm] = await ort.InferenceSession.create(path.join(args.onnx, `model-lm-${lm}.onnx`), {executionProviders: ['wasm']});

const feeds = (ids, types) => ({
  input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
  token_type_ids: new ort.Tensor('int64', BigInt64Array.from(types, BigInt), [1, types.length]),
});

// --- correctness: the same ids through attnviz's CLI and through onnxruntime --------------------------------------
const cases = [{text: '今天天气很好，我们一起去公园散步，顺便买一些水果。'},
  {text: '北京是中国的首都。', text_pair: '上海是一座国际化的大都市，人口超过两千万。'}];  // the pair exercises token type 1
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attnviz-ort-'));
const outFile = path.join(tmp, 'ref.safetensors');
const cli = spawnSync(args.cli, ['run', '--model', args.model, '--out', outFile],
  {input: cases.map((c) => JSON.stringify(c)).join('\n') + '\n', encoding: 'utf8'});
if (cli.status !== 0) { console.error(`bench-ort: ${args.cli} run failed: ${cli.stderr}${cli.error || ''}`); process.exit(1); }
const ref = readSafetensors(outFile);
fs.rmSync(tmp, {recursive: true, force: true});
const tol = {attentions: 1e-4, hidden: 2e-3, logits: 2e-3};
const worst = {attentions: 0, hidden: 0, logits: 0};
for (let c = 0; c < cases.length; c++) {
  const ids = ref[`case${c}.input_ids`].data, types = ref[`case${c}.token_type_ids`].data, T = ids.length;
  const D = ref[`case${c}.hidden_states`].shape[2];
  const attn = ref[`case${c}.attentions`].data, hid = ref[`case${c}.hidden_states`].data, logits = ref[`case${c}.logits`].data;
  for (const lm of lms) {
    const r = await sessions[lm].run(feeds(ids, types));
    const per = attn.length / L;  // one layer's H x T x T
    for (let l = 0; l < L; l++)
      worst.attentions = Math.max(worst.attentions, maxAbsDiff(r[`attention_${l}`].data, attn.subarray(l * per, (l + 1) * per)));
    worst.hidden = Math.max(worst.hidden, maxAbsDiff(r.last_hidden_state.data, hid.subarray(L * T * D, (L + 1) * T * D)));
    if (lm === 'all') worst.logits = Math.max(worst.logits, maxAbsDiff(r.logits.data, logits.subarray(0, T * V)));
  }
}
const ok = Object.keys(tol).every((k) => worst[k] <= tol[k]);
console.log(JSON.stringify({check: ok ? 'pass' : 'FAIL', cases: cases.length,
  max_abs_diff: Object.fromEntries(Object.entries(worst).map(([k, v]) => [k, +v.toExponential(2)])), tolerance: tol}));
if (!ok) { console.error('bench-ort: the ONNX model does not compute what attnviz computes; no timings'); process.exit(1); }

// --- timing: the same pseudo-random ids as `attnviz bench` (the cost does not depend on them), token type 0 -------
const median = (a) => { const s = [...a].sort((x, y) => x - y), n = s.length; return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const r3 = (x) => Math.round(x * 1000) / 1000;
const rows = [];
for (const T of tokens) {
  const ids = Array.from({length: T}, (_, t) => Number((1000003n * BigInt(t + 1)) % BigInt(V)));
  const f = feeds(ids, new Array(T).fill(0));
  for (const lm of lms) {
    for (let i = 0; i < warmup; i++) await sessions[lm].run(f);
    const ms = [], cpu = [];
    for (let i = 0; i < iters; i++) {
      const c0 = process.cpuUsage(), t0 = performance.now();
      await sessions[lm].run(f);  // every output comes back as a JS typed array, as a page would read it
      const t1 = performance.now(), c1 = process.cpuUsage(c0);
      ms.push(t1 - t0);
      cpu.push((c1.user + c1.system) / 1000);
    }
    const row = {runtime, threads: 1, tokens: T, lm, ms_median: r3(median(ms)), ms_min: r3(Math.min(...ms)),
      cpu_ms_median: r3(median(cpu)), iters};
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
console.log(`\n${runtime}, one thread, node ${process.versions.node}; ms = wall median (min), cpu = CPU-time median`);
console.log('tokens | lm   | ms median (min)     | cpu ms');
for (const r of rows)
  console.log(`${String(r.tokens).padEnd(6)} | ${r.lm.padEnd(4)} | ${`${r.ms_median.toFixed(1)} (${r.ms_min.toFixed(1)})`.padEnd(19)} | ${r.cpu_ms_median.toFixed(1)}`);
