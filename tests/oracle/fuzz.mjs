// The oracle by hand: new random seeds until time runs out (scripts/fuzz-tokenizers.sh SECONDS [OUT]). Each
// mismatch is shrunk (code points deleted while it still mismatches) and written to OUT as one JSON line
// {"tokenizer", "text", "text_pair", "why", "ours", "hf"}; feed the cases to add-regressions.mjs once fixed.
// Exit status 1 when any mismatch was found, 2 when the oracle cannot run.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as o from './oracle.mjs';

const seconds = Number(process.argv[2]);
const out = process.argv[3] || path.join(o.root, 'build/fuzz-tokenizers/mismatches.jsonl');
if (!(seconds > 0)) {
  console.error('usage: fuzz.mjs SECONDS [OUT.jsonl]');
  process.exit(2);
}
if (!o.loadHf() || !fs.existsSync(o.cliPath)) {
  console.error(`fuzz-tokenizers: needs node_modules/tokenizers (scripts/setup.sh) and ${o.cliPath} (native build)`);
  process.exit(2);
}
const entries = o.TOKENIZERS.filter((t) => t.files.every((f) => fs.existsSync(f)));
const skipped = o.TOKENIZERS.filter((t) => !entries.includes(t)).map((t) => t.name);
if (skipped.length) console.log(`fuzz-tokenizers: files missing, not run: ${skipped.join(', ')}`);
fs.mkdirSync(path.dirname(out), {recursive: true});
fs.writeFileSync(out, '');

const deadline = Date.now() + seconds * 1000;
const toks = new Map(entries.map((e) => [e.name, e.hf()]));
const seen = new Set();
let rounds = 0, cases = 0, found = 0, redrawn = 0;
const batch = Number(process.env.ATTNVIZ_FUZZ_BATCH || 2000);
while (Date.now() < deadline) {
  const seed = crypto.randomInt(1, 2 ** 31);
  for (const e of entries) {
    if (Date.now() >= deadline) break;
    const tok = toks.get(e.name);
    const corpus = new o.Corpus(seed, {words: o.vocabWords(tok, o.rng(seed)), specials: e.specials});
    const cs = Array.from({length: batch}, () => corpus.next());
    redrawn += corpus.redrawn;
    const bad = await o.compare(e, tok, cs);
    cases += cs.length;
    for (const b of bad.slice(0, 5)) {
      const m = await o.shrink(e, tok, b);
      const key = `${e.name}\n${m.text}\n${m.text_pair || ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found++;
      const line = {tokenizer: e.name, text: m.text, ...(m.text_pair ? {text_pair: m.text_pair} : {}),
        why: `fuzz seed ${seed}`, ours: m.ours, hf: m.hf};
      fs.appendFileSync(out, JSON.stringify(line) + '\n');
      console.log(`MISMATCH ${e.name} seed ${seed}: ${JSON.stringify({text: m.text, text_pair: m.text_pair})}` +
        (m.ours ? ` ${o.describe(m.ours, m.hf)}` : ''));
    }
  }
  rounds++;
}
console.log(`fuzz-tokenizers: ${rounds} seeds x ${entries.length} tokenizers, ${cases} cases, ${found} mismatches ` +
  `(${redrawn} code points redrawn: ${o.KNOWN_DIFFERENCES.map((k) => k.name).join(', ')}); cases in ${out}`);
process.exit(found ? 1 : 0);
