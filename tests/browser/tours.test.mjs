// Lesson tours (issue 13): a tour link opens at its step, the Back / Next buttons (found with items(), clicked like
// a person) move through the steps' states, a teacher authors a five-step tour by clicking and typing and its copied
// link replays the same steps and captions in a fresh page, bad steps give notices, embed mode keeps the tour bar,
// the example tours open. Writes docs/screenshots/tour.png for the README.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {BIG, clickItem, closeAll, findItem, foreignRequests, hook, missingPrerequisite, noticesOf, openPage, pct,
        screenshot, screenshotDir, setStateAndRun, startBrowser, waitFrames} from './lib/harness.mjs';

const skip = missingPrerequisite();
let server, browser;
before(async () => {
  if (skip) return;
  ({server, browser} = await startBrowser());
});
after(() => closeAll(browser, server));

const moon = '床前明月光，疑是地上霜。';
// The issue's form: the second step's caption holds ',' and ':' and so is encoded twice.
const issueLink = `#model=zh-bert-mini&text=${pct(moon)}` +
  '&step=view:model,say:Every%20head%20at%20once' +
  '&step=view:matrix,layer:2,head:5,token:3,say:Layer%202%252C%20head%205%253A%20**look**' +
  '&step=view:lines,cmap:magma,say:The%20same%20head%20as%20lines&at=0';

// Waits until state() satisfies `pred` (the page applies a click on a later frame).
async function waitState(page, pred, what, timeout = 30000) {
  const t0 = Date.now();
  let st;
  for (;;) {
    st = await hook(page, 'state');
    if (pred(st)) return st;
    if (Date.now() - t0 > timeout) assert.fail(`${what}: state never matched: ${JSON.stringify(st).slice(0, 600)}`);
    await waitFrames(page, 2);
  }
}

test('the issue\'s tour link: the steps in state(), Next / Back buttons and the step list move through them',
     {skip}, async () => {
  const a = await openPage(browser, server, issueLink);
  try {
    let st = await hook(a.page, 'state');
    assert.equal(st.at, 0);
    assert.deepEqual(st.tour, [
      {view: 'model', say: 'Every head at once'},
      {view: 'matrix', layer: 2, head: 5, token: 3, say: 'Layer 2, head 5: **look**'},
      {view: 'lines', cmap: 'magma', say: 'The same head as lines'},
    ]);
    assert.equal(st.view, 'model');
    assert.equal(st.text, moon);
    assert.deepEqual(await noticesOf(a.page), []);
    assert.ok(await findItem(a.page, 'Back'), 'a Back button');
    assert.ok(await findItem(a.page, 'Next'), 'a Next button');

    await clickItem(a.page, 'Next');
    st = await waitState(a.page, (s) => s.at === 1, 'Next to step 2');
    assert.deepEqual([st.view, st.layer, st.head, st.token, st.cmap], ['matrix', 2, 5, 3, 'viridis']);
    await clickItem(a.page, 'Next');
    st = await waitState(a.page, (s) => s.at === 2, 'Next to step 3');
    assert.deepEqual([st.view, st.layer, st.head, st.token, st.cmap], ['lines', 2, 5, 3, 'magma']);

    // Students explore between steps; Back brings the previous step's view back.
    await hook(a.page, 'setState', {layer: 0, head: 1, view: 'stats'});
    await clickItem(a.page, 'Back');
    st = await waitState(a.page, (s) => s.at === 1, 'Back to step 2');
    assert.deepEqual([st.view, st.layer, st.head, st.token, st.cmap], ['matrix', 2, 5, 3, 'viridis']);
    // The step list: click the first step.
    await clickItem(a.page, '1. Every head at once');
    st = await waitState(a.page, (s) => s.at === 0, 'step list to step 1');
    assert.deepEqual([st.view, st.layer, st.head, st.token], ['model', 0, 0, -1]);
    // The page's own link holds the tour and the step.
    await hook(a.page, 'setState', {at: 2});
    st = await waitState(a.page, (s) => s.at === 2 && s.view === 'lines', 'setState({at: 2})');
    await a.page.waitForFunction(() => /[#&]at=2(&|$)/.test(location.hash), null, {timeout: 10000});
    assert.match(a.page.url(), /&step=view:model,say:Every%20head%20at%20once&/);
    assert.deepEqual(foreignRequests(a), []);
    assert.deepEqual(a.errors, []);
  } finally {
    await a.close();
  }
});

test('authoring: five steps by clicking Add step and typing captions; Copy tour link opens the same tour elsewhere',
     {skip}, async () => {
  const a = await openPage(browser, server, `#model=zh-bert-mini&text=${pct(moon)}`, {viewport: BIG});
  let b = null;
  try {
    // Room in the side panel: fold Options and Predictions, open Lesson tour.
    await clickItem(a.page, 'Options');
    await clickItem(a.page, 'Predictions');
    await clickItem(a.page, 'Lesson tour');
    const views = [
      {view: 'model'},
      {view: 'matrix', layer: 2, head: 3},
      {view: 'matrix', layer: 3, head: 5, token: 5},
      {view: 'lines', cmap: 'magma', token: -1},
      {view: 'stats', text: '床前明月[MASK]，疑是地上霜。'},
    ];
    const says = ['**Start:** every head', 'Layer 2, head 3: the previous character (84%)',
                  '看这里：[MASK] 看「月」, 97% & more #1 + 50%', 'Lines\nsecond line', 'Find heads: sort a column'];
    for (let k = 0; k < 5; k++) {
      if (views[k].text) await setStateAndRun(a.page, views[k]);
      else await hook(a.page, 'setState', views[k]);
      await clickItem(a.page, 'Add step');
      await waitState(a.page, (s) => s.tour.length === k + 1 && s.at === k, `Add step ${k + 1}`);
      await waitFrames(a.page, 3);  // the caption box appears where ImGui laid it out
      await a.page.waitForSelector('#box-say', {state: 'visible', timeout: 20000});
      await a.page.fill('#box-say', says[k]);
      await waitState(a.page, (s) => s.tour[k].say === says[k], `caption of step ${k + 1}`);
    }
    const made = await hook(a.page, 'state');
    // Only the keys that changed from the step before.
    assert.deepEqual(made.tour[0], {say: says[0]});
    assert.deepEqual(made.tour[1], {view: 'matrix', layer: 2, head: 3, say: says[1]});
    assert.deepEqual(made.tour[2], {layer: 3, head: 5, token: 5, say: says[2]});
    assert.deepEqual(made.tour[3], {view: 'lines', token: -1, cmap: 'magma', say: says[3]});
    assert.deepEqual(made.tour[4], {text: views[4].text, view: 'stats', say: says[4]});

    await clickItem(a.page, 'Copy tour link');
    const link = await a.page.waitForFunction(() => window.attnvizGlue.lastCopied, null, {timeout: 10000})
                               .then((h) => h.jsonValue());
    assert.match(link, /&at=|step=/);
    assert.doesNotMatch(link, /[#&]at=[1-9]/, 'a copied tour link starts at the first step');

    b = await openPage(browser, server, new URL(link).hash);
    let st = await hook(b.page, 'state');
    assert.deepEqual(await noticesOf(b.page), []);
    assert.deepEqual(st.tour, made.tour);
    assert.equal(st.at, 0);
    const expect = [
      ['model', 0, 0, -1, 'viridis', moon], ['matrix', 2, 3, -1, 'viridis', moon], ['matrix', 3, 5, 5, 'viridis', moon],
      ['lines', 3, 5, -1, 'magma', moon], ['stats', 3, 5, -1, 'magma', views[4].text]];
    for (let k = 0; k < 5; k++) {
      if (k > 0) {
        await clickItem(b.page, 'Next');
        st = await waitState(b.page, (s) => s.at === k, `the student's Next to step ${k + 1}`);
      }
      if (k === 4) st = await waitState(b.page, (s) => s.text === views[4].text, 'step 5 text');
      assert.deepEqual([st.view, st.layer, st.head, st.token, st.cmap, st.text], expect[k], `step ${k + 1}`);
      assert.equal(st.tour[k].say, says[k]);
    }
    // Reorder and delete keep every step's view.
    await hook(a.page, 'setState', {at: 1});
    await waitState(a.page, (s) => s.at === 1, 'teacher at step 2');
    await clickItem(a.page, 'Move down');
    st = await waitState(a.page, (s) => s.at === 2 && s.tour[2].say === says[1], 'Move down');
    assert.equal(st.tour[1].say, says[2]);
    await hook(a.page, 'setState', {at: 1});
    st = await waitState(a.page, (s) => s.at === 1, 'step 2 after the move');
    assert.deepEqual([st.view, st.layer, st.head, st.token], ['matrix', 3, 5, 5]);
    await clickItem(a.page, 'Delete step');
    st = await waitState(a.page, (s) => s.tour.length === 4, 'Delete step');
    assert.deepEqual(st.tour.map((s) => s.say), [says[0], says[1], says[3], says[4]]);
    await hook(a.page, 'setState', {at: 1});
    st = await waitState(a.page, (s) => s.at === 1, 'step 2 after the delete');
    assert.deepEqual([st.view, st.layer, st.head, st.token], ['matrix', 2, 3, -1]);
    assert.deepEqual(foreignRequests(b), []);
    assert.deepEqual([...a.errors, ...b.errors], []);
  } finally {
    await a.close();
    if (b) await b.close();
  }
});

test('bad steps are dropped with notices; a step cannot load another model', {skip}, async () => {
  const link = `#model=zh-bert-mini&text=${pct(moon)}&step=model:gpt2-mini,say:x&step=layer:abc&step=view:matrix,say:ok` +
               '&step=url:https%253A%252F%252Fexample.org&at=0';
  const a = await openPage(browser, server, link);
  try {
    const st = await hook(a.page, 'state');
    assert.deepEqual(st.tour, [{view: 'matrix', say: 'ok'}]);
    assert.equal(st.view, 'matrix');
    assert.equal(st.model, 'zh-bert-mini');
    const notices = (await noticesOf(a.page)).join(' | ');
    assert.match(notices, /tour step 1 .*cannot change the model/);
    assert.match(notices, /tour step 2 .*layer:abc is not a 0-based number/);
    assert.match(notices, /tour step 4 .*"url" is not a step key/);
    assert.ok(!a.requests.some((u) => u.includes('gpt2-mini')), 'no gpt2-mini download');
    assert.deepEqual(foreignRequests(a), []);
    assert.deepEqual(a.errors, []);
    // The hook refuses a bad tour the same way, naming the step.
    const r = await hook(a.page, 'setState', {tour: [{view: 'matrix'}, {model: 'gpt2-mini'}]});
    assert.match(r.error, /step 2.*cannot change the model/);
    const ok = await hook(a.page, 'setState', {tour: [{view: 'lines', say: 'a'}, {layer: 4, say: 'b'}], at: 1});
    assert.equal(ok.error, null);
    const st2 = await waitState(a.page, (s) => s.at === 1 && s.layer === 4, 'setState({tour, at})');
    assert.equal(st2.view, 'lines');
    assert.deepEqual(st2.tour, [{view: 'lines', say: 'a'}, {layer: 4, say: 'b'}]);
  } finally {
    await a.close();
  }
});

test('embed mode keeps the tour bar (and hides the authoring panel)', {skip}, async () => {
  const a = await openPage(browser, server, issueLink + '&embed=1');
  try {
    assert.ok(await findItem(a.page, 'Next'), 'Next in embed mode');
    assert.ok(await findItem(a.page, 'Back'), 'Back in embed mode');
    assert.equal(await findItem(a.page, 'Lesson tour'), null, 'the side panel is hidden');
    await clickItem(a.page, 'Next');
    const st = await waitState(a.page, (s) => s.at === 1, 'Next in embed mode');
    assert.equal(st.view, 'matrix');
    assert.equal(st.embed, true);
  } finally {
    await a.close();
  }
});

test('the three example tours open from the Examples menu; screenshot docs/screenshots/tour.png', {skip}, async () => {
  const a = await openPage(browser, server, '', {viewport: BIG});
  try {
    const expected = [['Tour: Chinese NER (zh-bert-ner-mini)', 'zh-bert-ner-mini', 6],
                      ['Tour: GPT-2 generation (gpt2-mini)', 'gpt2-mini', 5],
                      ['Tour: BERT\'s [MASK] (zh-bert-mini)', 'zh-bert-mini', 6]];
    for (const [label, model, n] of expected) {
      await clickItem(a.page, 'Examples…');
      await clickItem(a.page, label);
      const st = await waitState(a.page, (s) => s.model === model && s.tour.length === n, label, 90000);
      assert.equal(st.at, 0);
      assert.deepEqual(await noticesOf(a.page), [], `${label}: no notices`);
      await a.page.waitForFunction(() => window.attnviz.ready && window.attnviz.state().model, null, {timeout: 60000});
    }
    // The NER tour at its fourth step, for the README.
    await clickItem(a.page, 'Examples…');
    await clickItem(a.page, 'Tour: Chinese NER (zh-bert-ner-mini)');
    await waitState(a.page, (s) => s.model === 'zh-bert-ner-mini' && s.tour.length === 6, 'NER tour', 90000);
    await hook(a.page, 'setState', {at: 3});
    const st = await waitState(a.page, (s) => s.at === 3 && s.view === 'matrix', 'NER tour step 4');
    assert.deepEqual([st.layer, st.head, st.token], [2, 5, 4]);
    const tokens = await hook(a.page, 'tokens');
    assert.equal(tokens[4], '北', 'the caption talks about token 4, 北');
    const att = await hook(a.page, 'attention', 2, 5);
    const T = tokens.length;
    const row = Array.from(att.slice ? att : Object.values(att)).slice(4 * T, 5 * T);
    assert.ok(Math.abs(row[tokens.indexOf('学')] - 0.57) < 0.02, `北 -> 学 in layer 2 head 5: ${row[tokens.indexOf('学')]}`);
    await waitFrames(a.page, 4);
    await screenshot(a.page, path.join(screenshotDir, 'tour.png'));
    assert.deepEqual(foreignRequests(a), []);
    assert.deepEqual(a.errors, []);
  } finally {
    await a.close();
  }
});
