// The page's attention equals the references: every layer and head of every single-text case of the three demo
// models (Hugging Face, float16 fixtures, 2e-3), the long input's last layer, and new sentences against the native
// CLI (float32, 1e-4). Issue 5's "Done when".
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {maxAbsDiff, readSafetensors} from '../js/safetensors.mjs';
import {closeAll, fixture, foreignRequests, hook, missingPrerequisite, openPage, pct, root, setStateAndRun, setText,
        snapshot, startBrowser, tempDir} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser, app;

before(async () => {
  if (!skip) ({server, browser} = await startBrowser());
});
after(() => closeAll(app, browser, server));

// The one page these tests share: opened from the first case's link, then driven by setText/setState.
async function shared(model, firstText) {
  if (!app) {
    app = await openPage(browser, server, `model=${model}&text=${pct(firstText)}`);
    return true;
  }
  return false;
}

// Brings the shared page to `model` and `text` (setState for another model, else setText).
async function show(model, text, timeout) {
  const opened = await shared(model, text);
  const st = await hook(app.page, 'state');
  if (st.model !== model) await setStateAndRun(app.page, {model, text}, timeout);
  else if (st.text !== text) await setText(app.page, text, timeout);
  return opened;
}

async function checkCase(model, key, {fromLink = false} = {}) {
  const fx = fixture(model);
  const text = fx.texts[key].text;
  const ref = fx.tensors[`${key}.attentions`];
  const [L, H, T] = ref.shape;
  const opened = await show(model, text);
  if (fromLink) assert.ok(opened, 'the page should have been opened from the link');
  const snap = await snapshot(app.page, L, H);
  assert.equal(snap.state.model, model);
  assert.equal(snap.state.text, text);
  assert.equal(snap.tokens.length, T, `tokens() has ${snap.tokens.length} tokens, the reference ${T}`);
  assert.equal(snap.attention.length, ref.data.length);
  // Per head, so a failure names the first head that differs.
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      const o = (l * H + h) * T * T;
      const d = maxAbsDiff(snap.attention.subarray(o, o + T * T), ref.data.subarray(o, o + T * T));
      assert.ok(d <= 2e-3, `${model} ${key} layer ${l} head ${h}: max |page - reference| = ${d}`);
    }
  }
  assert.equal(snap.lastError, null);
  assert.deepEqual(app.errors, []);
}

function singleTextCases(model) {
  const fx = fixture(model);
  return Object.keys(fx.texts).filter((k) => k !== 'long' && !fx.texts[k].text_pair &&
                                             fx.tensors[`${k}.attentions`]);
}

let first = true;
function fixtureTests(model) {
  for (const key of singleTextCases(model)) {
    const fromLink = first;
    first = false;
    test(`${model} ${key}: every layer and head equals Hugging Face (2e-3)${fromLink ? ', opened from a link' : ''}`,
         {skip}, () => checkCase(model, key, {fromLink}));
  }
}

// The long inputs: only the last layer is stored (heads, T, T).
function longTest(model) {
  test(`${model} long input: last layer equals Hugging Face (2e-3)`, {skip, timeout: 180000}, async () => {
    const fx = fixture(model);
    const text = fx.texts.long.text;
    const ref = fx.tensors['long.attentions_last'];
    const [H, T] = ref.shape;
    const L = 6;
    const t0 = Date.now();
    await show(model, text, 120000);
    const ms = Date.now() - t0;
    const snap = await snapshot(app.page, L, H, L - 1);
    assert.equal(snap.tokens.length, T);
    assert.equal(snap.state.text, text);
    const got = snap.attention;
    for (let h = 0; h < H; h++) {
      const o = h * T * T;
      const d = maxAbsDiff(got.subarray(o, o + T * T), ref.data.subarray(o, o + T * T));
      assert.ok(d <= 2e-3, `${model} long layer ${L - 1} head ${h}: max diff ${d}`);
    }
    console.log(`# ${model} long input (${T} tokens): run + wait ${ms} ms`);
  });
}

// New sentences: the page against the native CLI (float32 both sides, same algorithm).
const cli = process.env.ATTNVIZ_CLI || path.join(root, 'build/native/attnviz');
const noCli = fs.existsSync(cli) ? false : `no native CLI at ${cli} (build it: cmake --preset native && ` +
                                           'cmake --build --preset native --target attnviz)';
const newSentences = {
  'zh-bert-mini': ['今天天气很好，我们一起去公园散步吧。', '机器学习让计算机从数据中学习规律 (ML 2024)。'],
  'gpt2-mini': ['A small model can still draw interesting attention patterns.'],
};
function newSentenceTest(model) {
  const texts = newSentences[model];
  test(`${model}: sentences not in the fixtures equal the native CLI (1e-4)`, {skip: skip || noCli}, async () => {
    const dir = tempDir();
    const out = path.join(dir, 'cli.safetensors');
    const r = spawnSync(cli, ['run', '--model', path.join(root, 'models', model), '--out', out],
                        {input: texts.map((t) => JSON.stringify({text: t})).join('\n') + '\n', encoding: 'utf8',
                         timeout: 120000});
    assert.equal(r.status, 0, `CLI failed: ${r.stderr}`);
    const ref = readSafetensors(out);
    const tok = spawnSync(cli, ['tokenize', '--tokenizer', path.join(root, 'models', model)],
                          {input: texts.map((t) => JSON.stringify({text: t})).join('\n') + '\n', encoding: 'utf8'});
    assert.equal(tok.status, 0, tok.stderr);
    const cliTokens = tok.stdout.trim().split('\n').map((l) => JSON.parse(l).tokens);
    for (let i = 0; i < texts.length; i++) {
      await show(model, texts[i]);
      const a = ref[`case${i}.attentions`];
      const [L, H, T] = a.shape;
      const snap = await snapshot(app.page, L, H);
      assert.equal(snap.state.text, texts[i]);
      assert.equal(snap.tokens.length, T, `${texts[i]}: ${snap.tokens.length} tokens in the page, ${T} in the CLI`);
      if (model.includes('bert')) assert.deepEqual(snap.tokens, cliTokens[i], texts[i]);
      const d = maxAbsDiff(snap.attention, a.data);
      assert.ok(d <= 1e-4, `${model} "${texts[i]}": max |page - CLI| = ${d}`);
    }
    assert.deepEqual(foreignRequests(app), []);
  });
}

// Grouped by model so the shared page switches models as few times as possible.
for (const model of ['zh-bert-mini', 'gpt2-mini', 'zh-bert-ner-mini']) {
  fixtureTests(model);
  if (fixture(model).texts.long) longTest(model);
  if (newSentences[model]) newSentenceTest(model);
}
