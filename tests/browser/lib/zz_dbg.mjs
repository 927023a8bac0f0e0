import * as h from './harness.mjs';
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
const s = await h.startServer(); log('server', s.origin);
const b = await h.launchBrowser(); log('browser');
for (let i = 0; i < 3; i++) {
  const a = await h.openPage(b, s, 'text=' + h.pct('床前明月光')); log('opened');
  const t0 = Date.now(); for (let k = 0; k < 10; k++) await h.hook(a.page, 'runCount'); log('10 evals', Date.now() - t0);
  await a.close();
}
const ctx = await b.newContext({viewport: {width: 1400, height: 900}});
const p = await ctx.newPage();
for (let i = 0; i < 2; i++) {
  await p.goto(s.origin + '/#text=' + h.pct('你好' + i)); await h.waitReady(p); log('goto in same page', await h.hook(p, 'state').then(x => x.text));
}
await b.close(); await s.close(); log('done');
