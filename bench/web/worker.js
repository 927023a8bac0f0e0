// bench/web/worker.js: runs attnviz_bench_mt.js (the core's pthreads build, bench/web/bench_main.cpp) in a Web Worker,
// as the page's engine does, and times one forward pass per 'run' message (performance.now around the call).
'use strict';
self.onmessage = async (e) => {
  const m = e.data;
  try {
    if (m.type === 'init') {
      await new Promise((resolve, reject) => {
        self.Module = {
          mainScriptUrlOrBlob: m.wasmDir + 'attnviz_bench_mt.js',
          locateFile: (p) => m.wasmDir + p,
          onRuntimeInitialized: resolve,
          onAbort: (what) => reject(new Error(`wasm stopped: ${what}`)),
          printErr: (s) => console.warn(s),
        };
        importScripts(m.wasmDir + 'attnviz_bench_mt.js');
      });
      for (const name of m.files) {
        const r = await fetch(m.modelDir + name);
        if (!r.ok) throw new Error(`${m.modelDir + name}: HTTP ${r.status}`);
        const bytes = new Uint8Array(await r.arrayBuffer());
        const p = Module._malloc(Math.max(1, bytes.length));
        if (!p) throw new Error(`out of memory for ${name}`);
        Module.HEAPU8.set(bytes, p);
        Module.ccall('bench_add_file', null, ['string', 'number', 'number'], [name, p, bytes.length]);
      }
      const err = Module.UTF8ToString(Module._bench_load());
      if (err) throw new Error(err);
      const threads = Module._bench_set_threads(m.threads);
      self.postMessage({type: 'ready', threads, D: Module._bench_hidden_size()});
    } else if (m.type === 'run') {
      const t0 = performance.now();
      const p = Module._bench_run(m.T, m.lm === 'all' ? 1 : 0);
      const ms = performance.now() - t0;
      if (!p) throw new Error(`forward pass failed at ${m.T} tokens`);
      const D = Module._bench_hidden_size();
      const hidden = m.wantHidden ? Module.HEAPF32.slice(p >> 2, (p >> 2) + m.T * D) : null;
      self.postMessage({type: 'done', ms, flops: Module._bench_flops(m.T, m.lm === 'all' ? 1 : 0), hidden});
    }
  } catch (err) {
    self.postMessage({type: 'error', error: String(err && err.message || err)});
  }
};
