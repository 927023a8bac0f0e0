// The differential oracle in CI: for each tokenizer of oracle.mjs, a fixed-seed corpus of 5,000 odd strings, a sweep
// of every assigned code point in context, and the regression cases, compared id for id, token for token
// and offset for offset with Hugging Face's tokenizers (npm `tokenizers`, its Node binding).
// Needs the native CLI (build/native/attnviz) and node_modules/tokenizers (scripts/setup.sh installs both).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as o from './oracle.mjs';

const SEED = 20261130;  // CI's corpus; scripts/fuzz-tokenizers.sh draws new seeds
const CASES = Number(process.env.ATTNVIZ_ORACLE_CASES || 5000);
// The code-point sweep (every entry; ATTNVIZ_ORACLE_SWEEP=none leaves it out of a quick run).
const SWEEP = new Set(process.env.ATTNVIZ_ORACLE_SWEEP === 'none' ? [] : o.TOKENIZERS.map((t) => t.name));

const missing = [];
if (!o.loadHf()) missing.push('npm package tokenizers (run scripts/setup.sh)');
if (!fs.existsSync(o.cliPath)) missing.push(`${o.cliPath} (build the native preset)`);

function report(entry, bad) {
  return bad.slice(0, 3).map((b) => `${entry.name} ${JSON.stringify({text: b.text, text_pair: b.text_pair})}: ` +
    o.describe(b.ours, b.hf)).join('\n');
}

for (const entry of o.TOKENIZERS) {
  const absent = entry.files.filter((f) => !fs.existsSync(f));
  const skip = missing.length ? `missing ${missing.join(', ')}` : absent.length ? `missing ${absent.join(', ')}` : false;

  test(`oracle ${entry.name}: ${CASES} seeded strings match Hugging Face (ids, tokens, offsets)`, {skip}, async () => {
    const tok = entry.hf();
    const corpus = new o.Corpus(SEED, {words: o.vocabWords(tok, o.rng(SEED)), specials: entry.specials});
    const cases = Array.from({length: CASES}, () => corpus.next());
    assert.ok(cases.some((c) => c.text_pair) && cases.some((c) => [...c.text].length > 100));
    const bad = await o.compare(entry, tok, cases);
    if (bad.length) {
      const min = await o.shrink(entry, tok, bad[0]);
      assert.fail(`${bad.length} of ${cases.length} differ, e.g.\n${report(entry, bad)}\nsmallest: ` +
        `${JSON.stringify({text: min.text, text_pair: min.text_pair})}: ${min.ours ? o.describe(min.ours, min.hf) : ''}`);
    }
    // Not silent about what it leaves out (KNOWN_DIFFERENCES in oracle.mjs).
    console.log(`# ${entry.name}: ${cases.length} cases; ${corpus.redrawn} code points redrawn (${o.KNOWN_DIFFERENCES
      .map((k) => k.name).join(', ')})`);
  });

  if (SWEEP.has(entry.name)) {
    test(`oracle ${entry.name}: every code point of our UCD, in context, matches Hugging Face`, {skip}, async () => {
      const tok = entry.hf();
      const bad = await o.compare(entry, tok, o.sweepCases());
      if (bad.length) {
        const min = await o.shrink(entry, tok, bad[0]);
        assert.fail(`${bad.length} sweep texts differ; smallest: ${JSON.stringify(min.text)} ` +
          `(${[...min.text].map((c) => 'U+' + c.codePointAt(0).toString(16).toUpperCase()).join(' ')}): ` +
          `${min.ours ? o.describe(min.ours, min.hf) : ''}`);
      }
    });
  }
}

test('oracle regressions (tests/oracle/regressions.jsonl): ours and Hugging Face both give the recorded answer',
  {skip: missing.length ? `missing ${missing.join(', ')}` : false}, async () => {
    const regs = o.readRegressions();
    assert.ok(regs.length >= 10);
    for (const entry of o.TOKENIZERS) {
      const mine = regs.filter((r) => r.tokenizer === entry.name);
      if (!mine.length || entry.files.some((f) => !fs.existsSync(f))) continue;
      const cases = mine.map((r) => (typeof r.text_pair === 'string' ? {text: r.text, text_pair: r.text_pair} : {text: r.text}));
      const ours = o.runOurs(entry, cases);
      const hf = await o.runHf(entry.hf(), cases);
      mine.forEach((r, i) => {
        const want = {ids: r.ids, tokens: r.tokens, offsets: r.offsets};
        const pick = (x) => ({ids: x.ids, tokens: x.tokens, offsets: x.offsets});
        assert.deepEqual(pick(hf[i]), want, `HF changed its answer for ${entry.name} ${JSON.stringify(r.text)} (${r.why})`);
        assert.deepEqual(pick(ours[i]), want, `${entry.name} ${JSON.stringify(r.text)}: ${r.why}`);
      });
    }
  });

test('oracle corpus: a seed names one corpus, and it has every kind of odd text', () => {
  const a = new o.Corpus(7), b = new o.Corpus(7);
  const xs = Array.from({length: 3000}, () => a.next()), ys = Array.from({length: 3000}, () => b.next());
  assert.deepEqual(xs, ys);
  const all = xs.map((c) => c.text + (c.text_pair || '')).join('');
  const has = (re) => re.test(all);
  assert.ok(has(/[\u{20000}-\u{2A6DF}]/u) && has(/[\u{30000}-\u{3134F}]/u), 'CJK extensions B and G');
  assert.ok(has(/\u200D/) && has(/\uFE0F/), 'ZWJ sequences and variation selectors');
  assert.ok(has(/[\u0300-\u036F]/) && has(/[\u0000-\u0008]/) && has(/\u3000/) && has(/\u2028/), 'marks, controls, spaces');
  assert.ok(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(all), 'lone surrogates');
  assert.ok(xs.some((c) => c.text_pair === ''), 'empty pairs');
  for (const c of xs) {
    for (const ch of c.text + '\n' + (c.text_pair || '')) assert.equal(o.knownDifference(ch.codePointAt(0)), null);
  }
});
