// RoBERTa, XLM-R and DistilBERT folders (../shared/fixtures/arch) loaded through the page's file input: the page
// switches to each, tokenizes like the reference (XLM-R: SentencePiece Unigram; RoBERTa: byte-level BPE) and its
// attention equals the reference to 1e-4. Skips without the web build, chromium or ../shared.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {maxAbsDiff, readSafetensors} from '../js/safetensors.mjs';
import {closeAll, hook, loadFiles, missingPrerequisite, openPage, setText, snapshot, startBrowser,
        waitReady} from './lib/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arch = path.join(root, '..', 'shared', 'fixtures', 'arch');
const skip = missingPrerequisite() || (fs.existsSync(path.join(arch, 'README.md')) ? false : 'no ../shared/fixtures/arch');
let server, browser, app;

before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
  app = await openPage(browser, server, '');
});
after(() => closeAll(app, browser, server));

const files = (dir) => fs.readdirSync(dir).filter((f) => !f.startsWith('expected')).map((f) => path.join(dir, f));

for (const [model, cases] of [['tiny-xlmr', ['case1', 'case3', 'case5']], ['tiny-roberta-bpe', ['case0', 'case3']],
                              ['tiny-distilbert-ner', ['case0']]]) {
  test(`${model} from files: the page runs it and its attention equals the reference (1e-4)`, {skip}, async () => {
    const dir = path.join(arch, model);
    const ref = readSafetensors(path.join(dir, 'expected.safetensors'));
    const texts = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
    const page = app.page;
    const before = (await hook(page, 'state')).hash;
    await loadFiles(page, files(dir));
    await page.waitForFunction((h) => (window.attnviz.state().model.startsWith('user:') && window.attnviz.state().hash !== h) ||
                                      window.attnviz.lastError(), before, {timeout: 60000});
    await waitReady(page, 60000, app, {});
    assert.equal(await hook(page, 'lastError'), null);
    for (const key of cases) {
      const att = ref[`${key}.attentions`];
      const [L, H, T] = att.shape;
      if ((await hook(page, 'state')).text !== texts[key].text) await setText(page, texts[key].text);
      const snap = await snapshot(page, L, H);
      assert.equal(snap.tokens.length, T, `${model} ${key}: token count`);
      const d = maxAbsDiff(snap.attention, att.data);
      assert.ok(d <= 1e-4, `${model} ${key}: max |page - reference| = ${d}`);
      if (texts[key].text.includes('<mask>')) {
        // The mask comes from the tokenizer (<mask>, lstrip): the predictions panel runs the LM head there, and its
        // best guess is the reference's argmax at that position.
        const ids = Array.from(ref[`${key}.input_ids`].data);
        const pos = ids.indexOf(ids.length > 0 ? Math.max(...ids) : -1);
        const p = await page.evaluate(() => window.attnviz.predictions());
        assert.equal(p.kind, 'masked_lm');
        assert.equal(p.masks.length, 1);
        assert.equal(p.masks[0].position, pos);
        assert.equal(p.masks[0].top[0].id, ref[`${key}.logits_argmax`].data[pos]);
      }
    }
    assert.deepEqual(app.errors, []);
  });
}
