// bench/web/bench.mjs: what scripts/bench-web.mjs calls in the page (window.bench): start attnviz's engine (a worker)
// or onnxruntime-web with N threads, then time single passes. One engine and thread count per page load (ORT fixes
// its thread count at its first session).
const ids = (T, V) => Array.from({length: T}, (_, t) => Number((1000003n * BigInt(t + 1)) % BigInt(V)));
let worker = null, session = null, ort = null, vocab = 0;

function ask(msg) {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => (e.data.type === 'error' ? reject(new Error(e.data.error)) : resolve(e.data));
    worker.onerror = (e) => reject(new Error(e.message || 'worker error'));
    worker.postMessage(msg);
  });
}

window.bench = {
  isolated: () => self.crossOriginIsolated,
  cores: () => navigator.hardwareConcurrency,
  // attnviz: loads the model folder's files into the worker's wasm; returns the thread count in effect.
  async oursStart(threads, files) {
    worker = new Worker('worker.js');
    const r = await ask({type: 'init', threads, files, wasmDir: '/wasm/', modelDir: '/model/'});
    return r.threads;
  },
  async oursRun(T, lm, wantHidden) {
    const r = await ask({type: 'run', T, lm, wantHidden});
    return {ms: r.ms, flops: r.flops, hidden: r.hidden ? Array.from(r.hidden) : null};
  },
  // onnxruntime-web (wasm backend, SIMD + threads build), default session options (graph optimizations 'all').
  async ortStart(threads, lm, V) {
    ort = await import('/ort/ort.wasm.min.mjs');
    ort.env.wasm.wasmPaths = '/ort/';
    ort.env.wasm.numThreads = threads;
    vocab = V;
    session = await ort.InferenceSession.create(`/onnx/model-lm-${lm}.onnx`, {executionProviders: ['wasm']});
    return ort.env.wasm.numThreads;
  },
  async ortRun(T, wantHidden) {
    const tensor = (a) => new ort.Tensor('int64', BigInt64Array.from(a, BigInt), [1, T]);
    const feeds = {input_ids: tensor(ids(T, vocab)), token_type_ids: tensor(new Array(T).fill(0))};
    const t0 = performance.now();
    const out = await session.run(feeds);  // every output back as a typed array, as a page reads them
    const ms = performance.now() - t0;
    return {ms, hidden: wantHidden ? Array.from(out.last_hidden_state.data) : null};
  },
};
window.benchReady = true;
