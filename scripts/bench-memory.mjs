#!/usr/bin/env node
// bench-memory.mjs: the page's memory with a big model (issue 11). Opens the built page (build/web/page) in chromium,
// loads a model folder through the file input (as a user drops it), runs a text of about TOKENS tokens and prints
// info().heap_peak_mb: the engine worker's wasm memory at its peak (the model, its runs and the files being loaded).
// The big random models come from `attnviz bench --make-model base|gpt2-medium DIR` and stay outside the repo.
//   node scripts/bench-memory.mjs DIR [TOKENS] [--swap DIR2]
// TOKENS (default 512) words "w200 w201 ..." (one token each with the bench models' placeholder vocabularies; a byte-
// level model gets one token per character of "a"). --swap: after the run, load DIR2 as well and report the peak of
// the swap (the old model stays until the new one has loaded).
import fs from 'node:fs';
import path from 'node:path';
import {closeAll, launchBrowser, loadFiles, openPage, startServer, waitReady, TINY} from '../tests/browser/lib/harness.mjs';

const args = process.argv.slice(2);
const swapAt = args.indexOf('--swap');
const swapDir = swapAt >= 0 ? args.splice(swapAt, 2)[1] : null;
const [dir, tokensArg] = args;
if (!dir || !fs.existsSync(path.join(dir, 'config.json'))) {
  console.error('usage: node scripts/bench-memory.mjs MODEL_DIR [TOKENS] [--swap DIR2]');
  process.exit(2);
}
const tokens = Number(tokensArg || 512);
const files = (d) => fs.readdirSync(d).filter((f) => /\.(json|txt|safetensors|bin)$/.test(f)).map((f) => path.join(d, f));
const bytesOf = (d) => files(d).reduce((n, f) => n + fs.statSync(f).size, 0);
const MB = 1048576;
const TIMEOUT = 20 * 60 * 1000;

const server = await startServer();
const browser = await launchBrowser();
let app;
try {
  app = await openPage(browser, server, '', {viewport: TINY, timeout: TIMEOUT});
  const page = app.page;
  const report = async (what) => {
    const info = await page.evaluate(() => window.attnviz.info());
    const err = await page.evaluate(() => window.attnviz.lastError());
    console.log(JSON.stringify({what, model: info.model, T: info.T, heap_peak_mb: info.heap_peak_mb, error: err}));
    return info;
  };
  await report('built-in model at start');
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const byteLevel = (cfg.model_type || '') === 'gpt2';
  const text = byteLevel ? 'a'.repeat(tokens) : Array.from({length: tokens - 2}, (_, i) => `w${200 + i}`).join(' ');
  const runs0 = await page.evaluate(() => window.attnviz.runCount());
  await loadFiles(page, files(dir));
  await page.waitForFunction((r) => window.attnviz.runCount() > r || window.attnviz.lastError(), runs0,
                             {timeout: TIMEOUT, polling: 1000});
  await waitReady(page, TIMEOUT, app, {});
  console.log(JSON.stringify({model_dir: dir, file_mb: Math.round(bytesOf(dir) / MB)}));
  await report('loaded, default text');
  const runs1 = await page.evaluate(() => window.attnviz.runCount());
  await page.evaluate((t) => window.attnviz.setText(t), text);
  await page.waitForFunction((r) => window.attnviz.runCount() > r || window.attnviz.lastError(), runs1,
                             {timeout: TIMEOUT, polling: 1000});
  await waitReady(page, TIMEOUT, app, {});
  await report(`run at ~${tokens} tokens`);
  if (swapDir) {
    const runs2 = await page.evaluate(() => window.attnviz.runCount());
    await loadFiles(page, files(swapDir));
    await page.waitForFunction((r) => window.attnviz.runCount() > r || window.attnviz.lastError(), runs2,
                               {timeout: TIMEOUT, polling: 1000});
    await waitReady(page, TIMEOUT, app, {});
    await report(`swapped to ${swapDir}`);
  }
  if (app.errors.length) console.log(JSON.stringify({page_errors: app.errors}));
} finally {
  await closeAll(app, browser, server);
}
