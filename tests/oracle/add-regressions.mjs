// Appends regression cases to tests/oracle/regressions.jsonl with Hugging Face's answer as the expected output.
// stdin: JSON lines {"tokenizer": NAME (an oracle.mjs TOKENIZERS entry), "text", "text_pair"?, "why"} (the lines
// scripts/fuzz-tokenizers.sh writes are accepted as they are). Usage: node tests/oracle/add-regressions.mjs < cases
import fs from 'node:fs';
import path from 'node:path';
import {TOKENIZERS, root, runHf} from './oracle.mjs';

const file = path.join(root, 'tests/oracle/regressions.jsonl');
const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const toks = new Map();
let out = '';
for (const c of lines) {
  const entry = TOKENIZERS.find((t) => t.name === c.tokenizer);
  if (!entry) throw new Error(`unknown tokenizer '${c.tokenizer}' (see TOKENIZERS in oracle.mjs)`);
  if (!toks.has(entry.name)) toks.set(entry.name, entry.hf());
  const kase = typeof c.text_pair === 'string' ? {text: c.text, text_pair: c.text_pair} : {text: c.text};  // '' = no pair
  const [hf] = await runHf(toks.get(entry.name), [kase]);
  out += JSON.stringify({tokenizer: entry.name, ...kase, why: c.why || '', ids: hf.ids, tokens: hf.tokens,
    offsets: hf.offsets}) + '\n';
}
fs.appendFileSync(file, out);
console.log(`added ${lines.length} cases to ${path.relative(root, file)}`);
