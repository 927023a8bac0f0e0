// The predictions panel's numbers (through the hook's predictions()): BERT's top 5 at every [MASK], GPT-2's top 10
// next tokens, the NER tags and spans, each equal to what the native CLI's logits give for the same text; and head
// knockout changes them, clearing it brings them back exactly.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {readSafetensors} from '../js/safetensors.mjs';
import {closeAll, foreignRequests, hook, missingPrerequisite, openPage, pct, root, setStateAndRun, startBrowser,
        tempDir, TINY} from './lib/harness.mjs';

const cli = process.env.ATTNVIZ_CLI || path.join(root, 'build/native/attnviz');
const skip = missingPrerequisite() ||
             (fs.existsSync(cli) ? false : `no native CLI at ${cli} (build it: cmake --build --preset native)`);
let server, browser, app;

before(async () => {
  if (!skip) ({server, browser} = await startBrowser());
});
after(() => closeAll(app, browser, server));

// The CLI's logits for one text: {T, cols, rows: Float32Array (T x cols), ids}.
function cliLogits(model, text) {
  const out = path.join(tempDir(), 'cli.safetensors');
  const r = spawnSync(cli, ['run', '--model', path.join(root, 'models', model), '--out', out],
                      {input: JSON.stringify({text}) + '\n', encoding: 'utf8', timeout: 120000});
  assert.equal(r.status, 0, `CLI failed: ${r.stderr}`);
  const ref = readSafetensors(out);
  const [T, cols] = ref['case0.logits'].shape;
  return {T, cols, rows: ref['case0.logits'].data, ids: Array.from(ref['case0.input_ids'].data)};
}

// Softmax over one row (float64), then the k best: [{id, prob}], ties to the lower id.
function topK(rows, cols, r, k) {
  const row = rows.subarray(r * cols, (r + 1) * cols);
  let m = -Infinity;
  for (const x of row) m = Math.max(m, x);
  let sum = 0;
  for (const x of row) sum += Math.exp(x - m);
  const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b).slice(0, k);
  return order.map((id) => ({id, prob: Math.exp(row[id] - m) / sum}));
}

function sameTop(got, want, what) {
  assert.equal(got.length, want.length, `${what}: ${got.length} candidates`);
  for (let i = 0; i < want.length; i++) {
    assert.equal(got[i].id, want[i].id, `${what}: candidate ${i} is id ${got[i].id}, the CLI says ${want[i].id}`);
    assert.ok(Math.abs(got[i].prob - want[i].prob) <= 1e-4,
              `${what}: candidate ${i} p=${got[i].prob}, the CLI gives ${want[i].prob}`);
    if (i > 0) assert.ok(got[i].prob <= got[i - 1].prob, `${what}: not sorted at ${i}`);
  }
}

async function show(model, text) {
  if (!app) {
    app = await openPage(browser, server, `model=${model}&text=${pct(text)}`, {viewport: TINY});
  } else {
    await setStateAndRun(app.page, {model, text});
  }
  const st = await hook(app.page, 'state');
  assert.equal(st.model, model);
  assert.equal(st.text, text);
  assert.equal(await hook(app.page, 'lastError'), null);
}

test('zh-bert-mini: top 5 at every [MASK] equal the CLI', {skip}, async () => {
  const text = '北京是中国的首[MASK]，也是一座历史文化名[MASK]。';
  await show('zh-bert-mini', text);
  const p = await hook(app.page, 'predictions');
  assert.equal(p.kind, 'masked_lm');
  const tokens = await hook(app.page, 'tokens');
  const maskAt = tokens.flatMap((t, i) => (t === '[MASK]' ? [i] : []));
  assert.equal(maskAt.length, 2, `tokens: ${tokens.join(' ')}`);
  assert.deepEqual(p.masks.map((m) => m.position), maskAt);
  const ref = cliLogits('zh-bert-mini', text);
  assert.equal(ref.T, tokens.length);
  for (const m of p.masks) sameTop(m.top, topK(ref.rows, ref.cols, m.position, 5), `[MASK] at ${m.position}`);
  for (const m of p.masks) for (const c of m.top) assert.equal(typeof c.token, 'string');
});

test('zh-bert-mini: knocking heads out changes the guesses; clearing it restores them exactly', {skip}, async () => {
  const text = '北京是中国的首[MASK]。';
  await show('zh-bert-mini', text);
  const before = await hook(app.page, 'predictions');
  const all = [];
  for (let l = 0; l < 6; l++) for (let h = 0; h < 8; h += 2) all.push([l, h]);
  await setStateAndRun(app.page, {knockout: all});
  assert.deepEqual((await hook(app.page, 'state')).knockout, all);
  const ko = await hook(app.page, 'predictions');
  const diff = Math.max(...ko.masks[0].top.map((c, i) => Math.abs(c.prob - before.masks[0].top[i].prob)),
                        ko.masks[0].top[0].id === before.masks[0].top[0].id ? 0 : 1);
  assert.ok(diff > 1e-3, `knocking out ${all.length} heads changed the top 5 by only ${diff}`);
  await setStateAndRun(app.page, {knockout: []});
  const again = await hook(app.page, 'predictions');
  assert.deepEqual(again, before);
});

test('gpt2-mini: top 10 next tokens equal the CLI; appending the best grows the text by its bytes', {skip}, async () => {
  const text = 'The capital of France is';
  await show('gpt2-mini', text);
  const p = await hook(app.page, 'predictions');
  assert.equal(p.kind, 'causal_lm');
  const ref = cliLogits('gpt2-mini', text);
  assert.equal(p.next.position, ref.T - 1);
  sameTop(p.next.top, topK(ref.rows, ref.cols, ref.T - 1, 10), 'next token');
  const best = p.next.top[0];
  assert.equal(typeof best.text, 'string');
  // What the panel's click does (append the candidate's bytes) gives the CLI's logits for the longer text.
  await setStateAndRun(app.page, {text: text + best.text});
  const q = await hook(app.page, 'predictions');
  const ref2 = cliLogits('gpt2-mini', text + best.text);
  sameTop(q.next.top, topK(ref2.rows, ref2.cols, ref2.T - 1, 10), 'after appending');
});

test('zh-bert-ner-mini: tags and entity spans follow the CLI logits', {skip}, async () => {
  const text = '李明在北京大学工作，周末常去上海看望王芳。';
  await show('zh-bert-ner-mini', text);
  const p = await hook(app.page, 'predictions');
  assert.equal(p.kind, 'token_classification');
  const labels = JSON.parse(fs.readFileSync(path.join(root, 'models/zh-bert-ner-mini/config.json'), 'utf8')).id2label;
  const ref = cliLogits('zh-bert-ner-mini', text);
  assert.equal(p.tags.length, ref.T);
  for (let i = 0; i < ref.T; i++) {
    const best = topK(ref.rows, ref.cols, i, 1)[0].id;
    assert.equal(p.tags[i], labels[String(best)], `token ${i}`);
  }
  // Spans: B-X then I-X..., never over [CLS]/[SEP], text = the characters they cover.
  const tokens = await hook(app.page, 'tokens');
  for (const s of p.spans) {
    assert.ok(s.begin > 0 && s.end < tokens.length && s.begin < s.end, JSON.stringify(s));
    assert.ok(p.tags[s.begin].endsWith(s.type), JSON.stringify(s));
    for (let i = s.begin + 1; i < s.end; i++) assert.equal(p.tags[i], `I-${s.type}`, JSON.stringify(s));
    assert.equal(s.text, tokens.slice(s.begin, s.end).join(''), JSON.stringify(s));
    assert.ok(text.includes(s.text));
    assert.ok(s.score > 0 && s.score <= 1);
  }
  const tagged = p.tags.filter((t) => t.startsWith('B-')).length;
  assert.ok(tagged === 0 || p.spans.length > 0, `tags ${p.tags.join(' ')} but no spans`);
  console.log(`# spans: ${p.spans.map((s) => `${s.text}/${s.type}`).join(' ') || '(none)'}`);
  assert.deepEqual(foreignRequests(app), []);
});
