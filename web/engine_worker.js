// engine_worker.js: the page's engine, a Web Worker running the core's own wasm build (attnviz_engine.js, or
// attnviz_engine_mt.js with pthreads when the page is cross-origin isolated). Messages in: init, load (files as
// transferred ArrayBuffers), run, recycle (a result's buffers handed back); out: started, loaded, result (tensors as transferred ArrayBuffers; cached = a
// summaries_of answer made from the last run without a pass), cancelled, failed. No model logic here: it only moves bytes between messages and the wasm heap.
'use strict';
let newest = null;     // Int32Array over a SharedArrayBuffer the page writes the newest request id into (isolated only)
let ready = null;      // Promise: the wasm runtime is up
const BUFFERS = ['attentions', 'q', 'k', 'v', 'logits', 'rollout', 'head_mean',
  'compare_attentions', 'compare_mean_abs', 'compare_js'];  // engine.h result_buffers order

self.attnvizNewest = () => (newest ? Atomics.load(newest, 0) : 0);

// Result buffers go to the page and come back (ping-pong): the page copies each result into its own recycled memory and
// hands the ArrayBuffers back ('recycle'), and the next result is written into them, so a result leaves no garbage on
// the page (a fresh ~150 MB per result at 500 tokens on a BERT-base shape made the page's GC pause for ~0.5 s).
// allocated / bytes: ArrayBuffers (of > 0 bytes) made here so far and their total bytes; reused: results' buffers
// that were recycled ones. The pool keeps at most POOL_MAX buffers (the smallest go first).
// Where the page is cross-origin isolated the buffers are SharedArrayBuffers, posted (not transferred) both ways: the
// same hand-over, so the worker still never writes one the page is reading, but no 150 MB of external memory moves
// between the two heaps per result (which made the page's V8 collect).
const POOL_MAX = 2 * BUFFERS.length;
const pool = { free: [], allocated: 0, bytes: 0, reused: 0, shared: false };
const transferable = (buffers) => buffers.filter((b) => b instanceof ArrayBuffer);

// An ArrayBuffer of at least n floats: the smallest free one that fits without wasting more than half of it, else a
// new one with room for a few more tokens (typing grows T by one or two at a time).
function takeBuffer(n) {
  const need = n * 4;
  if (need === 0) return new ArrayBuffer(0);
  let best = -1;
  pool.free.forEach((b, i) => {
    if (b.byteLength >= need && b.byteLength <= 2 * need + 65536 && (best < 0 || b.byteLength < pool.free[best].byteLength)) best = i;
  });
  if (best >= 0) {
    pool.reused++;
    return pool.free.splice(best, 1)[0];
  }
  const bytes = (n + (n >> 3)) * 4;
  pool.allocated++;
  pool.bytes += bytes;
  return pool.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

function giveBack(buffers) {
  for (const b of buffers || []) if (b && b.byteLength > 0) pool.free.push(b);
  if (pool.free.length > POOL_MAX) {
    pool.free.sort((a, b) => b.byteLength - a.byteLength);
    pool.free.length = POOL_MAX;
  }
}

function start(threads) {
  const mt = threads > 1;
  const script = mt ? 'attnviz_engine_mt.js' : 'attnviz_engine.js';
  ready = new Promise((resolve, reject) => {
    self.Module = {
      mainScriptUrlOrBlob: script,  // pthreads load this script in their own workers
      print: (s) => console.log(s),
      printErr: (s) => console.warn(s),
      onRuntimeInitialized: () => resolve(),
      onAbort: (what) => reject(new Error(`engine stopped: ${what}`)),
    };
    importScripts(script);
  }).then(() => {
    if (mt) Module._engine_set_threads(threads);
    return Module._engine_threads();
  });
  return ready;
}

// Bytes of the worker's wasm memory (only grows: also its peak); 0 before the runtime is up.
function heapBytes() {
  return self.Module && Module._engine_heap_bytes ? Module._engine_heap_bytes() : 0;
}

function copyIn(bytes) {
  const p = Module._malloc(Math.max(1, bytes.length)) >>> 0;  // >>> 0: an address over 2 GB comes back negative
  if (!p) throw new Error(`out of memory (${(bytes.length / 1048576).toFixed(1)} MB)`);
  Module.HEAPU8.set(bytes, p);
  return p;
}

// Files the engine reads by range during a load (engine_add_source: F16/BF16 safetensors), by id; emptied when
// the load ends, so their bytes never enter the wasm heap whole.
self.attnvizSources = new Map();
let nextSource = 1;

// Hands `files` ({name, bytes: ArrayBuffer}) to the engine: each one's bytes copied once into a buffer the engine
// owns from then on (engine_add_file); the JS copy is dropped as soon as it is in. A safetensors file the engine
// takes as a source (engine_add_source) stays here instead, until the load ends (dropSources).
function handOver(files) {
  self.attnvizSources.clear();
  for (const f of files) {
    const bytes = new Uint8Array(f.bytes);
    if (/\.safetensors$/i.test(f.name)) {
      const id = nextSource++;
      self.attnvizSources.set(id, bytes);
      if (Module.ccall('engine_add_source', 'number', ['string', 'number', 'number'], [f.name, id, bytes.length])) {
        f.bytes = null;
        continue;
      }
      self.attnvizSources.delete(id);
    }
    const p = copyIn(bytes);
    Module.ccall('engine_add_file', null, ['string', 'number', 'number'], [f.name, p, bytes.length]);
    f.bytes = null;
  }
}

self.onmessage = async (e) => {
  const m = e.data;
  try {
    if (m.type === 'init') {
      if (m.newest) newest = new Int32Array(m.newest);
      pool.shared = !!m.isolated && typeof SharedArrayBuffer !== 'undefined' && self.crossOriginIsolated === true;
      const n = await start(m.threads);
      self.postMessage({ type: 'started', threads: n, isolated: !!m.isolated, heap: heapBytes() });
      return;
    }
    await ready;
    if (m.type === 'load') {
      Module._engine_load_begin();  // frees the last result's buffers for the new files
      pool.free.length = 0;  // the old model's result buffers: the new one's shapes differ
      handOver(m.files);
      const r = JSON.parse(Module.ccall('engine_load', 'string', ['string', 'number'], [m.name, m.user ? 1 : 0]));
      self.attnvizSources.clear();
      self.postMessage({ type: 'loaded', seq: m.seq, ok: r.ok, info: r.info || null, error: r.error || null, hash: m.hash || '',
        heap: heapBytes() });
    } else if (m.type === 'loadCompare') {  // a second model for "what did fine-tuning change?"
      Module._engine_files_begin();  // the last run stays: summaries are still answered from it
      handOver(m.files);
      const r = JSON.parse(Module.ccall('engine_load_compare', 'string', ['string', 'number'], [m.name, m.user ? 1 : 0]));
      self.attnvizSources.clear();
      self.postMessage({ type: 'compareLoaded', seq: m.seq, ok: r.ok, info: r.info || null, error: r.error || null, hash: m.hash || '',
        heap: heapBytes() });
    } else if (m.type === 'run') {
      if (newest && Atomics.load(newest, 0) !== 0 && Atomics.load(newest, 0) !== m.id) {
        self.postMessage({ type: 'cancelled', id: m.id, started: false });  // outdated before it started
        return;
      }
      const r = JSON.parse(Module.ccall('engine_run', 'string', ['string'], [m.request]));
      if (!r.ok) {
        self.postMessage(r.cancelled ? { type: 'cancelled', id: m.id, started: true } : { type: 'failed', id: m.id, error: r.error });
        return;
      }
      const buffers = [], lengths = [];
      BUFFERS.forEach((name, i) => {
        const n = Module._engine_buffer_size(i);
        const p = Module._engine_buffer(i) >>> 0;  // unsigned: buffers may lie over 2 GB (GPT-2 medium)
        const out = new Float32Array(takeBuffer(n), 0, n);  // (over a SharedArrayBuffer when isolated)
        if (n) out.set(Module.HEAPF32.subarray(p >>> 2, (p >>> 2) + n));
        buffers.push(out.buffer);
        lengths.push(n);
      });
      self.postMessage({ type: 'result', id: m.id, cached: !!r.cached, header: r.header, buffers, lengths,
        allocated: pool.allocated, allocatedBytes: pool.bytes, reused: pool.reused, heap: heapBytes() }, transferable(buffers));
    } else if (m.type === 'recycle') {  // the page copied a result out: its buffers come back for the next one
      giveBack(m.buffers);
    }
  } catch (err) {
    const msg = String(err && err.message || err);
    if (m.type === 'load' || m.type === 'loadCompare') {
      if (self.Module && Module._engine_files_begin) Module._engine_files_begin();  // a failed load frees its files
      self.attnvizSources.clear();
      self.postMessage({ type: m.type === 'load' ? 'loaded' : 'compareLoaded', seq: m.seq, ok: false, info: null,
                         error: msg, heap: heapBytes() });
    }
    else if (m.type === 'run') self.postMessage({ type: 'failed', id: m.id, error: msg });
    else self.postMessage({ type: 'fatal', error: msg });
  }
};
