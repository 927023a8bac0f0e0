// The differential tokenizer oracle: Hugging Face's own tokenizers (the npm package `tokenizers`, its Node binding)
// against `attnviz tokenize`, on seeded corpora of odd text. Shared by oracle.test.mjs (CI, fixed seed) and
// fuzz.mjs (scripts/fuzz-tokenizers.sh, new seeds until time runs out). What is compared: ids, tokens, type ids
// and offsets (HF's Node binding gives code-point offsets; they are turned into UTF-8 byte spans, as ours are).
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const shared = process.env.ATTNVIZ_SHARED_DIR || path.join(root, '../shared');
export const cliPath = process.env.ATTNVIZ_CLI || path.join(root, 'build/native/attnviz');
const ucdDir = process.env.ATTNVIZ_UCD_DIR || '/usr/share/unicode';  // Debian's unicode-data, as CMake uses it

let hf = null;
export function loadHf() {  // the npm package, or null when it is not installed
  if (hf) return hf;
  try {
    hf = require('tokenizers');
  } catch {
    hf = null;
  }
  return hf;
}

// --- the tokenizers under test: adding one is one entry -------------------------------------------------------------
// name; ours: arguments of `attnviz tokenize`; hf(): a Hugging Face Tokenizer built as transformers would build it
// from the same files; specials: strings to sprinkle into the corpus (added / special tokens); files: what must exist.
const BERT_SPECIALS = ['[CLS]', '[SEP]', '[MASK]', '[PAD]', '[UNK]'];
const ROBERTA_SPECIALS = ['<s>', '</s>', '<mask>', '<pad>', '<unk>'];  // RoBERTa / XLM-R added tokens

// A BertTokenizerFast from a vocab.txt (transformers' convert_slow_tokenizer: BertNormalizer, BertPreTokenizer,
// WordPiece, BertProcessing, the five specials as special added tokens).
function bertFromVocab(file, lowercase) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const vocab = {};
  lines.forEach((t, i) => { vocab[t.replace(/\r$/, '')] = i; });
  const added = BERT_SPECIALS.filter((t) => t in vocab).map((t) => ({
    id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  })).sort((a, b) => a.id - b.id);
  const spec = {
    version: '1.0', truncation: null, padding: null, added_tokens: added,
    normalizer: {type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase},
    pre_tokenizer: {type: 'BertPreTokenizer'},
    post_processor: {type: 'BertProcessing', sep: ['[SEP]', vocab['[SEP]']], cls: ['[CLS]', vocab['[CLS]']]},
    decoder: {type: 'WordPiece', prefix: '##', cleanup: true},
    model: {type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab},
  };
  return loadHf().Tokenizer.fromString(JSON.stringify(spec));
}

// The original encoder.json + vocab.bpe as the project's reference vectors were made from them (shared fixtures,
// tokenize-gpt2.jsonl): a byte-level BPE with the ByteLevel pre-tokenizer and post-processor (no offset trimming)
// and no added tokens, so "<|endoftext|>" typed in a text is plain text (the Hub's gpt2 tokenizer.json, unlike
// these files, lists it as an added token).
function gpt2FromFiles(dir) {
  const vocab = JSON.parse(fs.readFileSync(path.join(dir, 'encoder.json'), 'utf8'));
  const merges = fs.readFileSync(path.join(dir, 'vocab.bpe'), 'utf8').split('\n')
    .filter((l, i) => l && !(i === 0 && l.startsWith('#version')));
  const spec = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: {type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true},
    post_processor: {type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true},
    decoder: {type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true},
    model: {type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges},
  };
  return loadHf().Tokenizer.fromString(JSON.stringify(spec));
}

const models = path.join(root, 'models');
export const TOKENIZERS = [
  {name: 'zh-bert-mini', ours: ['--tokenizer', path.join(models, 'zh-bert-mini')], files: [path.join(models, 'zh-bert-mini/tokenizer.json')],
    hf: () => loadHf().Tokenizer.fromFile(path.join(models, 'zh-bert-mini/tokenizer.json')), specials: BERT_SPECIALS},
  {name: 'gpt2-mini', ours: ['--tokenizer', path.join(models, 'gpt2-mini')], files: [path.join(models, 'gpt2-mini/tokenizer.json')],
    hf: () => loadHf().Tokenizer.fromFile(path.join(models, 'gpt2-mini/tokenizer.json')), specials: ['<|endoftext|>']},
  {name: 'bert-base-chinese', ours: ['--tokenizer', path.join(shared, 'vocab/bert-base-chinese.vocab.txt'), '--lowercase', '0'],
    files: [path.join(shared, 'vocab/bert-base-chinese.vocab.txt')],
    hf: () => bertFromVocab(path.join(shared, 'vocab/bert-base-chinese.vocab.txt'), false), specials: BERT_SPECIALS},
  {name: 'bert-base-uncased', ours: ['--tokenizer', path.join(shared, 'vocab/bert-base-uncased.vocab.txt')],
    files: [path.join(shared, 'vocab/bert-base-uncased.vocab.txt')],
    hf: () => bertFromVocab(path.join(shared, 'vocab/bert-base-uncased.vocab.txt'), true), specials: BERT_SPECIALS},
  {name: 'bert-base-uncased-cased', ours: ['--tokenizer', path.join(shared, 'vocab/bert-base-uncased.vocab.txt'), '--lowercase', '0'],
    files: [path.join(shared, 'vocab/bert-base-uncased.vocab.txt')],
    hf: () => bertFromVocab(path.join(shared, 'vocab/bert-base-uncased.vocab.txt'), false), specials: BERT_SPECIALS},
  {name: 'gpt2', ours: ['--tokenizer', path.join(shared, 'vocab/gpt2')], files: [path.join(shared, 'vocab/gpt2/encoder.json')],
    hf: () => gpt2FromFiles(path.join(shared, 'vocab/gpt2')), specials: ['<|endoftext|>']},
  // Issue 14's families, straight from their tokenizer.json (as transformers' fast tokenizers load them).
  {name: 'roberta-bpe', ours: ['--tokenizer', path.join(shared, 'fixtures/arch/roberta-bpe')],
    files: [path.join(shared, 'fixtures/arch/roberta-bpe/tokenizer.json')],
    hf: () => loadHf().Tokenizer.fromFile(path.join(shared, 'fixtures/arch/roberta-bpe/tokenizer.json')),
    specials: ROBERTA_SPECIALS},
  {name: 'xlmr-unigram', ours: ['--tokenizer', path.join(shared, 'fixtures/arch/xlmr-unigram')],
    files: [path.join(shared, 'fixtures/arch/xlmr-unigram/tokenizer.json')],
    hf: () => loadHf().Tokenizer.fromFile(path.join(shared, 'fixtures/arch/xlmr-unigram/tokenizer.json')),
    specials: ROBERTA_SPECIALS},
];

// --- known differences: character classes the oracle does not draw, each with its reason -----------------------------
// Our tables come from this machine's Unicode Character Database (Debian's unicode-data 15.0); Hugging Face's
// lowercase (Rust's std) and GPT-2 \p{L} \p{N} (Oniguruma) know characters assigned since (Unicode 15.1, 16.0...),
// e.g. U+A7CB, U+1C89 (lowercase mappings), CJK Extension I (letters). A newer unicode-data would close this.
export const KNOWN_DIFFERENCES = [
  {name: 'unassigned-in-our-ucd',
    reason: 'code points unassigned in our Unicode Character Database (15.0) but assigned in the newer Unicode ' +
      'versions of HF\'s Rust std / Oniguruma (lowercase mappings, \\p{L}); we cannot know their properties'},
];
let assigned = null;  // Uint8Array(0x110000): 1 when the UCD assigns (or designates) the code point
export function ucdAssigned() {
  if (assigned) return assigned;
  const file = path.join(ucdDir, 'DerivedAge.txt');
  const text = fs.readFileSync(file, 'utf8');  // throws with the path when unicode-data is missing
  assigned = new Uint8Array(0x110000);
  for (const line of text.split('\n')) {
    const m = /^([0-9A-F]+)(?:\.\.([0-9A-F]+))?\s*;/.exec(line);
    if (!m) continue;
    const a = parseInt(m[1], 16), b = m[2] ? parseInt(m[2], 16) : a;
    assigned.fill(1, a, b + 1);
  }
  return assigned;
}
export function knownDifference(cp) {  // the name of the KNOWN_DIFFERENCES entry a code point falls in, or null
  if (cp >= 0xD800 && cp <= 0xDFFF) return null;  // lone surrogates: both sides see U+FFFD
  return ucdAssigned()[cp] ? null : 'unassigned-in-our-ucd';
}

// --- running both sides ------------------------------------------------------------------------------------------
// Byte offset of each code-point index of s as our CLI sees it (a lone surrogate arrives as U+FFFD, 3 bytes).
function cpToByte(s) {
  const m = [0];
  let b = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0);
    b += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    m.push(b);
  }
  return m;
}

// cases: [{text, text_pair?}]. An empty text_pair is no pair on both sides (the project's documented choice).
export function runOurs(entry, cases) {
  const input = cases.map((c) => JSON.stringify(c.text_pair ? {text: c.text, text_pair: c.text_pair} : {text: c.text}))
    .join('\n') + '\n';
  const r = spawnSync(cliPath, ['tokenize', ...entry.ours], {input, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 600000});
  if (r.status !== 0) throw new Error(`attnviz tokenize ${entry.name} exited ${r.status}: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l);
  if (lines.length !== cases.length) throw new Error(`attnviz tokenize ${entry.name}: ${lines.length} lines for ${cases.length} cases`);
  return lines.map((l) => {
    const o = JSON.parse(l);
    return {ids: o.ids, tokens: o.tokens, type_ids: o.type_ids, offsets: o.offsets};
  });
}

export async function runHf(tok, cases) {
  const out = [];
  const batch = 256;
  for (let i = 0; i < cases.length; i += batch) {
    const encs = await Promise.all(cases.slice(i, i + batch).map((c) => tok.encode(c.text, c.text_pair || null)));
    encs.forEach((e, k) => {
      const c = cases[i + k];
      const ma = cpToByte(c.text), mb = cpToByte(c.text_pair || '');
      const seq = e.getSequenceIds();
      const offsets = e.getOffsets().map((o, t) => {
        const m = seq[t] === 1 ? mb : ma;
        return [m[o[0]], m[o[1]]];
      });
      out.push({ids: e.getIds(), tokens: e.getTokens(), type_ids: e.getTypeIds(), offsets});
    });
  }
  return out;
}

export function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

// First difference, as a short readable line.
export function describe(ours, theirs) {
  for (const k of ['ids', 'tokens', 'type_ids', 'offsets']) {
    const a = ours[k], b = theirs[k];
    if (same(a, b)) continue;
    let i = 0;
    while (i < a.length && i < b.length && same(a[i], b[i])) ++i;
    return `${k} differ at ${i}: ours ${JSON.stringify(a.slice(i, i + 4))} HF ${JSON.stringify(b.slice(i, i + 4))}` +
      ` (lengths ${a.length} / ${b.length})`;
  }
  return 'same';
}

// Compares a batch; returns the mismatching cases with both outputs.
export async function compare(entry, tok, cases) {
  const ours = runOurs(entry, cases);
  const theirs = await runHf(tok, cases);
  const bad = [];
  cases.forEach((c, i) => {
    if (!same(ours[i], theirs[i])) bad.push({...c, ours: ours[i], hf: theirs[i]});
  });
  return bad;
}

// --- shrinking: delete code points while the case still mismatches (batched: one CLI run per round) ----------------
function removals(s) {
  const cps = [...s];
  const out = [];
  for (let size = cps.length >> 1; size >= 1; size >>= 1) {
    for (let at = 0; at + size <= cps.length; at += size) out.push(cps.slice(0, at).concat(cps.slice(at + size)).join(''));
    if (out.length > 4000) break;
  }
  return out;
}

export async function shrink(entry, tok, c) {
  let cur = {text: c.text, text_pair: c.text_pair || ''};
  for (let round = 0; round < 400; ++round) {
    const cands = [];
    if (cur.text_pair) cands.push({text: cur.text, text_pair: ''});
    for (const t of removals(cur.text)) cands.push({text: t, text_pair: cur.text_pair});
    for (const p of removals(cur.text_pair)) cands.push({text: cur.text, text_pair: p});
    if (!cands.length) break;
    const bad = await compare(entry, tok, cands);
    if (!bad.length) break;
    bad.sort((a, b) => (a.text.length + a.text_pair.length) - (b.text.length + b.text_pair.length));
    cur = {text: bad[0].text, text_pair: bad[0].text_pair};
  }
  const [last] = await compare(entry, tok, [cur]);
  return last || {...cur, ours: null, hf: null};
}

// --- the corpus ----------------------------------------------------------------------------------------------------
// A small, fast, seeded generator (sfc32), so a seed names a corpus.
export function rng(seed) {
  let a = 0x9E3779B9, b = 0x243F6A88, c = 0xB7E15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b | 0) + d | 0;
    d = d + 1 | 0;
    a = b ^ b >>> 9;
    b = c + (c << 3) | 0;
    c = (c << 21 | c >>> 11);
    c = c + t | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; ++i) next();
  const r = {
    f: next,
    int: (n) => Math.floor(next() * n),
    range: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
  };
  return r;
}

const ch = String.fromCodePoint;
const span = (lo, hi) => ({lo, hi});
const SCRIPTS = [  // letters and their marks, by block
  span(0x41, 0x5A), span(0x61, 0x7A), span(0xC0, 0x24F), span(0x250, 0x2AF), span(0x370, 0x3FF), span(0x400, 0x52F),
  span(0x531, 0x58A), span(0x591, 0x5F4), span(0x600, 0x6FF), span(0x700, 0x74F), span(0x780, 0x7B1), span(0x7C0, 0x7FF),
  span(0x800, 0x8FF), span(0x900, 0x97F), span(0x980, 0x9FE), span(0xA00, 0xAFF), span(0xB00, 0xBFF), span(0xC00, 0xDFF),
  span(0xE00, 0xE7F), span(0xE80, 0xEFF), span(0xF00, 0xFFF), span(0x1000, 0x109F), span(0x10A0, 0x10FF),
  span(0x1100, 0x11FF), span(0x1200, 0x139F), span(0x13A0, 0x13FF), span(0x1400, 0x167F), span(0x1680, 0x16FF),
  span(0x1700, 0x17FF), span(0x1800, 0x18AF), span(0x1900, 0x1AFF), span(0x1B00, 0x1CFF), span(0x1D00, 0x1DFF),
  span(0x1E00, 0x1FFF), span(0x2C00, 0x2DFF), span(0xA000, 0xA4CF), span(0xA4D0, 0xA9FF), span(0xAA00, 0xABFF),
  span(0xAC00, 0xD7A3), span(0xD7B0, 0xD7FF), span(0xFB00, 0xFDFF), span(0xFE70, 0xFEFF), span(0xFF00, 0xFFEF),
  span(0x10000, 0x1034F), span(0x10400, 0x104FF), span(0x10800, 0x10FFF), span(0x11000, 0x11FFF), span(0x13000, 0x1345F),
  span(0x16800, 0x16FFF), span(0x1D400, 0x1D7FF), span(0x1E800, 0x1E95F),
];
const MARKS = [span(0x300, 0x36F), span(0x483, 0x489), span(0x591, 0x5BD), span(0x5C1, 0x5C7), span(0x610, 0x61A),
  span(0x64B, 0x65F), span(0x900, 0x903), span(0x93A, 0x94F), span(0x1AB0, 0x1ACE), span(0x1DC0, 0x1DFF),
  span(0x20D0, 0x20F0), span(0xFE20, 0xFE2F), span(0x3099, 0x309A), span(0x1D165, 0x1D169), span(0x1D16D, 0x1D172),
  span(0x111C9, 0x111C9), span(0x1734, 0x1734), span(0x1885, 0x1886), span(0xA9BD, 0xA9BD), span(0x11938, 0x11938)];
const CJK = [span(0x4E00, 0x9FFF), span(0x3400, 0x4DBF), span(0x20000, 0x2A6DF), span(0x2A700, 0x2B73F),
  span(0x2B740, 0x2B81F), span(0x2B820, 0x2CEAF), span(0x2CEB0, 0x2EBEF), span(0x30000, 0x3134F), span(0x31350, 0x323AF),
  span(0xF900, 0xFAFF), span(0x2F800, 0x2FA1F), span(0x2E80, 0x2FDF), span(0x3000, 0x303F), span(0x3040, 0x30FF),
  span(0x3100, 0x31FF), span(0xFF61, 0xFF9F), span(0x2B810, 0x2B930), span(0x9FF0, 0xA00F)];
const WHITESPACE = [0x9, 0xA, 0xB, 0xC, 0xD, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
  0x1C, 0x1D, 0x1E, 0x1F, 0x180E, 0x200B, 0xFEFF, 0x2800, 0x3164, 0xFFA0];  // the last line: look-alikes, not White_Space
const CONTROLS = [span(0x0, 0x1F), span(0x7F, 0x9F), span(0xAD, 0xAD), span(0x600, 0x605), span(0x61C, 0x61C),
  span(0x6DD, 0x6DD), span(0x70F, 0x70F), span(0x890, 0x891), span(0x8E2, 0x8E2), span(0x180E, 0x180E),
  span(0x200B, 0x200F), span(0x202A, 0x202E), span(0x2060, 0x206F), span(0xFEFF, 0xFEFF), span(0xFFF9, 0xFFFD),
  span(0x110BD, 0x110BD), span(0x110CD, 0x110CD), span(0x13430, 0x1343F), span(0x1BCA0, 0x1BCA3),
  span(0x1D173, 0x1D17A), span(0xE0001, 0xE0001), span(0xE0020, 0xE007F), span(0xE000, 0xE010), span(0xF8F0, 0xF8FF),
  span(0xF0000, 0xF0010), span(0x10FFF0, 0x10FFFD), span(0xFDD0, 0xFDEF), span(0xFFFE, 0xFFFF), span(0x1FFFE, 0x1FFFF),
  span(0xE0100, 0xE01EF), span(0xFE00, 0xFE0F), span(0x1F3FB, 0x1F3FF)];
const PUNCT = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~¡¿«»“”‘’„‚‹›–—…·、。，！？：；「」『』《》【】〈〉〔〕・‥※¶§†‡•‰′″‼⁇⁈⁉⸮⹂⹃⹄⹅⹎⹏⹐⹑⹒⹓⹔⹕⹖⹗⹘⹙⹚⹛⹜⹝᙭𑇉ٝ؍߽'];
const EMOJI = ['😀', '👍', '👍🏽', '❤️', '❤︎', '☺', '☺️', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🏴‍☠️', '🇨🇳', '🇺🇸', '#️⃣', '1️⃣',
  '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '🧑🏿‍🤝‍🧑🏻', '👩‍💻', '🫠', '🥲', '✌🏼', '⚽', '🀄', '🈶', '🆗', '©️', '™', '↔️', '🔟'];
const SPECIAL_CASING = ['İ', 'ẞ', 'ǅ', 'Σ', 'ς', 'ß', 'ﬁ', 'ﬀ', 'K', 'Ω', 'Å', 'ŉ', 'ǰ', 'ΐ', 'Ꭰ', 'ꭰ', 'Ⅻ', 'ⓐ', 'Ⓐ',
  '𐐀', '𞤀', 'ɐ', 'Ɐ', 'ͅ', 'ᾼ', 'ῼ', 'ﬓ'];
const GPT2_BITS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", '’s', "''", "' ", "'", '  ', '   ',
  '\n', '\n\n', '\r\n', '\t', ' \t ', ' \n ', '  \n', '12', '3.14', '1,000', '2026-11-26', '٣٤', '１２', 'Ⅻ', '½', '²'];
const LONE = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uDC00\uD800', 'a\uD83Db', '\uD83D'];

function fromSpan(r, spans) {
  const s = r.pick(spans);
  return r.range(s.lo, s.hi);
}

export class Corpus {
  // words: real vocabulary words (so WordPiece and BPE see whole tokens as well as pieces); specials: added tokens.
  constructor(seed, {words = [], specials = []} = {}) {
    this.r = rng(seed);
    this.words = words.length ? words : ['the', 'hello', 'world', 'tokenizer', 'attention'];
    this.specials = specials;
    this.redrawn = 0;  // code points drawn in a KNOWN_DIFFERENCES class and drawn again
  }
  cp(spans) {  // a code point from spans, outside every known difference
    for (let k = 0; k < 100; ++k) {
      const c = fromSpan(this.r, spans);
      if (c >= 0xD800 && c <= 0xDFFF) continue;
      if (!knownDifference(c)) return c;
      this.redrawn++;
    }
    return 0x61;
  }
  anyCp() {
    const r = this.r;
    const spans = r.chance(0.6) ? [span(0x80, 0xFFFF)] : r.chance(0.5) ? [span(0x10000, 0x3FFFF)] : [span(0x0, 0x10FFFF)];
    return this.cp(spans);
  }
  atom() {
    const r = this.r;
    const k = r.int(24);
    switch (k) {
      case 0: case 1: case 2: return r.pick(this.words);
      case 3: {  // ASCII word, any case
        let s = '';
        for (let n = r.range(1, 10); n > 0; --n) s += ch((r.chance(0.3) ? 0x41 : 0x61) + r.int(26));
        return s;
      }
      case 4: return r.pick(this.words).toUpperCase();
      case 5: {  // letters of a script, sometimes with marks
        let s = '';
        for (let n = r.range(1, 6); n > 0; --n) {
          s += ch(this.cp(SCRIPTS));
          if (r.chance(0.3)) s += ch(this.cp(MARKS));
        }
        return s;
      }
      case 6: {  // combining sequences: a base (or nothing) and marks in any order
        let s = r.chance(0.8) ? r.pick(['a', 'e', 'o', 'A', 'ı', 'ש', 'ا', 'क', 'ᄀ', '中', 'x', ' ', '1', '!']) : '';
        for (let n = r.range(1, 5); n > 0; --n) s += ch(this.cp(MARKS));
        return s + (r.chance(0.5) ? r.pick(this.words) : '');
      }
      case 7: case 8: {  // CJK, with its extensions and neighbours
        let s = '';
        for (let n = r.range(1, 8); n > 0; --n) s += ch(this.cp(CJK));
        return s;
      }
      case 9: return r.pick(EMOJI) + (r.chance(0.3) ? r.pick(EMOJI) : '');
      case 10: return ch(this.cp(CONTROLS));
      case 11: { let s = ''; for (let n = r.range(1, 3); n > 0; --n) s += ch(r.pick(WHITESPACE)); return s; }
      case 12: return r.pick(LONE);
      case 13: return ch(this.anyCp()) + (r.chance(0.5) ? ch(this.anyCp()) : '');
      case 14: {  // long words around max_input_chars_per_word (100 characters)
        const n = r.pick([99, 100, 101, r.range(90, 140), r.range(200, 400)]);
        const unit = r.pick(['a', 'ab', 'é', 'e\u0301', 'ж', 'x1', 'ſ', 'İ', '\u00AD', 'ש\u05B8', r.pick(this.words)]);
        let s = '';
        while ([...s].length < n) s += unit;
        return [...s].slice(0, n).join('');
      }
      case 15: case 16: {  // added / special tokens in the text, in all their forms
        if (!this.specials.length) return r.pick(this.words);
        const t = r.pick(this.specials);
        const form = r.int(6);
        if (form === 0) return t.toLowerCase();
        if (form === 1) return t.slice(0, r.range(1, t.length - 1));
        if (form === 2) return r.pick(this.words) + t + r.pick(this.words);
        return t;
      }
      case 17: return r.pick(PUNCT) || '!';
      case 18: return r.pick(SPECIAL_CASING) + (r.chance(0.5) ? r.pick(this.words) : '');
      case 19: case 20: return r.pick(GPT2_BITS);
      case 21: return r.pick(['café', 'cafe\u0301', 'naïve', 'Ångström', 'Straße', 'ǅemal', 'שָׁלוֹם', 'مُحَمَّد',
        'हिन्दी', 'ภาษาไทย', '한국어', '한국어', 'Ελληνικά', 'Ὀδυσσεύς', 'Привет', 'ﬁnance', 'ｆｕｌｌ', 'x²', 'ⅷ']);
      case 22: return String(r.int(100000)) + (r.chance(0.5) ? r.pick(this.words) : '');
      default: return ch(this.cp(SCRIPTS));
    }
  }
  sep() {
    const r = this.r;
    const x = r.f();
    if (x < 0.45) return ' ';
    if (x < 0.75) return '';
    if (x < 0.9) return ch(r.pick(WHITESPACE));
    return r.pick(PUNCT) || ',';
  }
  text(maxAtoms) {
    const r = this.r;
    const n = r.chance(0.04) ? r.range(20, 80) : r.range(0, maxAtoms);
    let s = '';
    for (let i = 0; i < n; ++i) s += (i ? this.sep() : '') + this.atom();
    if (r.chance(0.1)) s = ch(r.pick(WHITESPACE)) + s;
    if (r.chance(0.1)) s += ch(r.pick(WHITESPACE));
    return s;
  }
  next() {
    const r = this.r;
    for (;;) {
      const c = {text: this.text(8)};
      const x = r.f();
      if (x < 0.22) c.text_pair = this.text(5);
      else if (x < 0.25) c.text_pair = '';
      // Surrogate halves side by side can pair up into any code point: keep the known differences out.
      const clean = (s) => { for (const ch of s) if (knownDifference(ch.codePointAt(0))) return false; return true; };
      if (clean(c.text) && clean(c.text_pair || '')) return c;
      this.redrawn++;
    }
  }
}

// Words for the corpus from the tokenizer's own vocabulary (pieces without "##"; byte-level tokens decoded).
export function vocabWords(tok, r, n = 3000) {
  const vocab = Object.keys(tok.getVocab(false));
  const dec = byteDecoder();
  const out = [];
  for (let k = 0; k < n * 3 && out.length < n; ++k) {
    let w = vocab[r.int(vocab.length)];
    if (/^\[.*\]$|^<.*>$/.test(w)) continue;
    if (w.startsWith('##')) w = w.slice(2);
    if ([...w].every((c) => dec.has(c)) && /[ĠĊ]|[^\x00-\x7f]/.test(w)) {
      const bytes = Buffer.from([...w].map((c) => dec.get(c)));
      const s = bytes.toString('utf8');
      if (Buffer.from(s, 'utf8').equals(bytes)) w = s.trim();
    }
    if (w) out.push(w);
  }
  return out;
}
function byteDecoder() {  // GPT-2's printable character -> byte (bytes_to_unicode inverted)
  const m = new Map();
  let n = 0;
  for (let b = 0; b < 256; ++b) {
    const keep = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    m.set(String.fromCodePoint(keep ? b : 256 + n++), b);
  }
  return m;
}

// Ranges UnicodeData.txt gives as First/Last pairs (CJK ideographs, Hangul syllables, Tangut, private use...):
// every code point of one has the same properties, so the sweep takes their ends and a sample of their middles.
let bulk = null;
function bulkRanges() {
  if (bulk) return bulk;
  bulk = [];
  let first = -1;
  for (const line of fs.readFileSync(path.join(ucdDir, 'UnicodeData.txt'), 'utf8').split('\n')) {
    const f = line.split(';');
    if (f.length < 3) continue;
    if (f[1].endsWith(', First>')) first = parseInt(f[0], 16);
    else if (f[1].endsWith(', Last>')) bulk.push([first, parseInt(f[0], 16)]);
  }
  return bulk;
}
// Hugging Face's CJK ranges (normalizers/bert.rs is_chinese_char): their ends are swept whatever else is sampled.
const CJK_EDGES = [0x3400, 0x4DBF, 0x4E00, 0x9FFF, 0xF900, 0xFAFF, 0x20000, 0x2A6DF, 0x2A700, 0x2B73F, 0x2B740,
  0x2B81F, 0x2B820, 0x2B91F, 0x2B920, 0x2CEAF, 0x2CEB0, 0x2F800, 0x2FA1F];
let skipMask = null;  // Uint8Array(0x110000): 1 = not swept
function sampled(c) {
  if (!skipMask) {
    skipMask = new Uint8Array(0x110000);
    for (const [a, b] of bulkRanges()) {
      for (let x = a; x <= b; ++x) skipMask[x] = x - a < 64 || b - x < 64 || (x - a) % 61 === 0 ? 0 : 1;
    }
    for (const e of CJK_EDGES) skipMask.fill(0, e - 3, e + 4);
  }
  return !skipMask[c];
}

// Every code point our UCD assigns (sampled inside the uniform First/Last ranges), each in a few contexts, packed
// into long texts: the whole range in one pass.
export function sweepCases(chunk = 1500) {
  const cases = [];
  let s = '';
  let count = 0;
  for (let c = 0; c < 0x110000; ++c) {
    if ((c >= 0xD800 && c <= 0xDFFF) || knownDifference(c) || !sampled(c)) continue;
    const x = ch(c);
    s += `a${x}a ${x}x5${x}!${x} `;
    if (++count === chunk) {
      cases.push({text: s});
      s = '';
      count = 0;
    }
  }
  if (s) cases.push({text: s});
  return cases;
}

// Regression cases (regressions.jsonl): {"tokenizer", "text", "text_pair"?, "why", "ids", "tokens", "offsets"}.
export function readRegressions(file = path.join(root, 'tests/oracle/regressions.jsonl')) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}
