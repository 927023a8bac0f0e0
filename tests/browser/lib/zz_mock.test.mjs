import {test} from 'node:test';
import assert from 'node:assert/strict';
import * as h from '/work/main/tests/browser/lib/harness.mjs';
import {decodePng, pictureStats} from '/work/main/tests/browser/lib/png.mjs';
test('harness', async () => {
  const s = await h.startServer('/tmp/mockpage'); const b = await h.launchBrowser();
  const t0 = Date.now();
  const a = await h.openPage(b, s, 'text=' + h.pct('你好世界'));
  assert.equal((await h.hook(a.page,'state')).text, '你好世界');
  await h.setText(a.page, 'abcdef');
  const att = await h.readAttention(a.page, 2, 3);
  assert.equal(att.length, 6*36); assert.equal(att[36*4], 1.1);
  const png = await h.screenshot(a.page);
  const img = decodePng(png); console.log(img.width, img.height, pictureStats(img), Date.now()-t0);
  await h.waitFrames(a.page, 3);
  console.log(h.foreignRequests(a), a.requests);
  await a.close(); await b.close(); await s.close();
});
