// attnviz.js: the page glue. Downloads the models and the CJK font with progress (fetch, no preloaded packages),
// copies bytes into the wasm heap for C++, reads dropped/picked model files locally (never uploaded), keeps
// location.hash and history in step, and exposes window.attnviz for tests and the console. No model logic here.
'use strict';
(function () {
  const BUILTIN = ['zh-bert-mini', 'zh-bert-ner-mini', 'gpt2-mini'];
  const MODEL_FILE = /\.(json|txt|safetensors|bpe|model)$/i;
  const TORCH_FILE = /^pytorch_model.*\.bin$/i;  // PyTorch checkpoints: read only without safetensors beside them
  const $ = (id) => document.getElementById(id);

  let runtime = false;          // wasm ready and main() ran
  let fontBytes = null;         // downloaded before the runtime was ready
  let lastPublished = null;     // the fragment C++ last wrote
  let loadSeq = 0;              // newest model request wins
  let readyWaiters = [];
  let loadWaiters = [];         // resolved after the next model load attempt
  const prefetched = {};        // name -> Promise of [{name, bytes}]

  // --- the start-up / loading overlay --------------------------------------------------------------------------------
  // Its texts are written in English here and shown in the page's language through the string tables ("msg." keys,
  // attnviz_tr_message) once the wasm runs; before that (the first second of start-up) they show in English.
  const say = (english) => (runtime ? Module.ccall('attnviz_tr_message', 'string', ['string'], [String(english)]) : String(english));
  let overlayTitle = '';
  const overlay = {
    show(title) { overlayTitle = title; $('overlay').classList.remove('hidden'); $('ov-title').textContent = say(title); $('ov-msg').textContent = ''; $('ov-msg').className = 'msg'; },
    progress(p, msg) { $('ov-bar').value = p; if (msg !== undefined) $('ov-msg').textContent = say(msg); },
    error(msg) { $('overlay').classList.remove('hidden'); $('ov-msg').textContent = say(msg); $('ov-msg').className = 'msg err'; },
    hide() { $('overlay').classList.add('hidden'); },
    relabel() { if (overlayTitle) $('ov-title').textContent = say(overlayTitle); },  // the runtime is ready: its language
  };

  function mb(n) { return (n / 1048576).toFixed(1) + ' MB'; }

  // Fetches a same-site relative URL, reporting bytes as they arrive. Returns null for a 404 when optional.
  async function fetchBytes(url, optional, onBytes) {
    const res = await fetch(url, { credentials: 'same-origin' });
    if (!res.ok) {
      if (optional && res.status === 404) return null;
      throw new Error(`${url}: HTTP ${res.status}`);
    }
    const total = Number(res.headers.get('Content-Length')) || 0;
    onBytes(0, total);
    if (!res.body || !res.body.getReader) {
      const b = new Uint8Array(await res.arrayBuffer());
      onBytes(b.length, total);
      return b;
    }
    const reader = res.body.getReader();
    const chunks = [];
    let got = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.length;
      onBytes(got, total);
    }
    const out = new Uint8Array(got);
    let off = 0;
    for (const c of chunks) { out.set(c, off); off += c.length; }
    return out;
  }

  // The files of a built-in model, by base name. Tokenizer: tokenizer.json, else vocab.txt, else vocab.json + merges.txt.
  function downloadBuiltin(name, onProgress) {
    const base = `models/${encodeURIComponent(name)}/`;
    const got = {}, totals = {};
    const report = (file) => (n, total) => {
      got[file] = n; totals[file] = Math.max(total, n);
      const g = Object.values(got).reduce((a, b) => a + b, 0);
      const t = Object.values(totals).reduce((a, b) => a + b, 0);
      onProgress(t ? g / t : 0, `${mb(g)} of ${t ? mb(t) : '?'}`);
    };
    const one = (file, optional) => fetchBytes(base + file, optional, report(file)).then((bytes) => (bytes ? { name: file, bytes } : null));
    return (async () => {
      const parts = await Promise.all([one('config.json', false), one('model.safetensors', false),
        one('tokenizer.json', true), one('tokenizer_config.json', true)]);
      if (!parts[2]) {
        const vocab = await one('vocab.txt', true);
        if (vocab) parts.push(vocab);
        else parts.push(await one('vocab.json', false), await one('merges.txt', false));
      }
      return parts.filter(Boolean);
    })();
  }

  function setLoading(name, p) { if (runtime) Module.ccall('attnviz_set_loading', null, ['string', 'number'], [name, p]); }

  // --- the engine: a Web Worker running the core's own wasm build (web/engine_worker.js) -------------------------------
  // Threads where the page is cross-origin isolated (SharedArrayBuffer): min(hardwareConcurrency, 8); else one.
  const isolated = self.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';
  const engineThreads = isolated ? Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8)) : 1;
  const newest = isolated ? new Int32Array(new SharedArrayBuffer(4)) : null;  // newest request id, read by the worker
  const worker = new Worker('engine_worker.js');
  let workerStarted = null;     // {threads, isolated} once the worker is up
  let loadsInFlight = 0;        // model loads sent to the worker and not answered
  let firstRunWaiters = [];     // loads answered ok, waiting for their first result to be applied
  worker.postMessage({ type: 'init', threads: engineThreads, isolated, newest: newest ? newest.buffer : null });
  worker.onerror = (e) => overlay.error(`The engine could not start: ${e.message || e}`);
  let engineHeapPeak = 0;       // bytes of the worker's wasm memory (which holds the model) at its largest so far
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.heap) engineHeapPeak = Math.max(engineHeapPeak, m.heap);
    if (m.type === 'started') {
      workerStarted = m;
      if (runtime) Module.ccall('attnviz_engine_started', null, ['number', 'number'], [m.threads, m.isolated ? 1 : 0]);
    } else if (m.type === 'fatal') {
      overlay.error(`The engine stopped: ${m.error}`);
    } else if (m.type === 'loaded') {
      loadsInFlight--;
      if (!m.ok) {
        Module.ccall('attnviz_engine_load_failed', null, ['string'], [m.error || 'loading failed']);
        finishLoad(false);
      } else if (Module.ccall('attnviz_engine_loaded', 'number', ['string'], [withHash(m.info, m.hash)]) === 1) {
        firstRunWaiters.push(() => finishLoad(true));
      } else {
        finishLoad(false);
      }
    } else if (m.type === 'result') {
      applyResult(m);
    } else if (m.type === 'compareLoaded') {  // the vs= model (compareLoad below)
      Module.ccall('attnviz_compare_loaded', null, ['number', 'string', 'string'],
                   [m.ok ? 1 : 0, m.info ? withHash(m.info, m.hash) : '', m.error || '']);
      const w = compareWaiters;
      compareWaiters = [];
      w.forEach((f) => f({ ok: !!m.ok, error: m.ok ? null : attnviz.lastError() }));
    } else if (m.type === 'cancelled') {
      Module._attnviz_engine_cancelled(m.id, m.started ? 1 : 0);
    } else if (m.type === 'failed') {
      Module.ccall('attnviz_engine_failed', null, ['number', 'string'], [m.id, m.error || 'the run failed']);
      const w = firstRunWaiters;
      firstRunWaiters = [];
      w.forEach((f) => f());
    }
  };

  // A result's tensors arrive as transferred ArrayBuffers: one copy, straight into the buffers C++ reserved for them
  // (recycled from an earlier run), in slices of at most SLICE floats with the page's other tasks (keys, frames,
  // timers) between them, so applying a result never blocks the page for long whatever the model's size. A newer
  // result that arrives meanwhile replaces the unfinished one (latest wins). Once copied (or replaced), the
  // ArrayBuffers go back to the worker ('recycle'), which writes its next result into them: no garbage per result
  // (SharedArrayBuffers where the page is cross-origin isolated, posted both ways instead of transferred).
  let applying = 0;  // sequence of the result being copied in
  const resultBuffers = { allocated: 0, bytes: 0, reused: 0, returned: 0, results: 0 };  // info().engine.result_buffers
  const yieldTask = (() => {
    const ch = new MessageChannel();
    const queue = [];
    ch.port1.onmessage = () => { const f = queue.shift(); if (f) f(); };
    return (f) => { queue.push(f); ch.port2.postMessage(0); };
  })();
  function recycle(buffers) {
    const live = buffers.filter((b) => b && b.byteLength > 0);
    resultBuffers.returned += live.length;
    if (live.length) worker.postMessage({ type: 'recycle', buffers: live }, live.filter((b) => b instanceof ArrayBuffer));
  }
  function applyResult(m) {
    const seq = ++applying;
    resultBuffers.results++;
    if (typeof m.allocated === 'number') {
      resultBuffers.allocated = m.allocated;
      resultBuffers.bytes = m.allocatedBytes;
      resultBuffers.reused = m.reused;
    }
    const finish = () => {
      recycle(m.buffers);
      Module._attnviz_engine_end(m.id);
      const w = firstRunWaiters;
      firstRunWaiters = [];
      w.forEach((f) => f());
    };
    if (Module.ccall('attnviz_engine_begin', 'number', ['number', 'number', 'string'], [m.id, m.cached ? 1 : 0, m.header]) !== 1) {
      finish();
      return;
    }
    const lengths = m.lengths || m.buffers.map((b) => b.byteLength >> 2);
    const jobs = m.buffers.map((buf, i) => ({ i, src: new Float32Array(buf, 0, lengths[i]) })).filter((j) => j.src.length);
    const SLICE = 1 << 16;  // floats per copy (256 KB: the first write of fresh wasm memory page-faults, a few ms per MB)
    let j = 0, off = 0;
    const step = () => {
      if (seq !== applying) {  // a newer result took over
        recycle(m.buffers);
        return;
      }
      const t0 = performance.now();
      while (j < jobs.length && performance.now() - t0 < 4) {
        const job = jobs[j];
        const n = Math.min(SLICE, job.src.length - off);
        const p = Module._attnviz_engine_slice(job.i, off, n) >>> 0;  // sizes the buffer up to this slice; unsigned
        if (p) Module.HEAPF32.set(job.src.subarray(off, off + n), p >>> 2);  // HEAPF32: re-read, the heap may grow
        off += n;
        if (off >= job.src.length) { j++; off = 0; }
      }
      if (j < jobs.length) yieldTask(step);
      else finish();
    };
    step();
  }

  // THE entry point for a model's files, whatever their source (a built-in download, dropped or picked files, the
  // Hub): `files` = {name: Uint8Array | ArrayBuffer} or [{name, bytes}], `name` = the model's name (a user model's
  // folder name when opts.user; the engine hashes its files), opts.onSent = called once the bytes are handed over.
  // The bytes are transferred to the engine worker (not copied, and never into the page's heap). Resolves to
  // {ok, error} once the model is loaded and its first run drawn (or the load failed: the current model stays).
  // A Hub model's hash is its commit sha, which only the page knows: set it in the engine's ModelInfo JSON.
  function withHash(info, hash) {
    if (!hash) return info;
    try {
      const o = JSON.parse(info);
      o.hash = hash;
      return JSON.stringify(o);
    } catch (e) {
      return info;
    }
  }

  function loadFileMap(files, name, opts = {}) {
    if (!runtime) return Promise.reject(new Error('attnviz is still starting'));
    const list = Array.isArray(files) ? files : Object.entries(files || {}).map(([n, bytes]) => ({ name: n, bytes }));
    const payload = list.map((f) => {
      const b = f.bytes instanceof ArrayBuffer ? f.bytes : f.bytes.buffer.slice(f.bytes.byteOffset, f.bytes.byteOffset + f.bytes.byteLength);
      return { name: f.name, bytes: b };
    });
    Module._attnviz_engine_loading();
    loadsInFlight++;
    const done = new Promise((res) => loadWaiters.push(res));
    if (newest) Atomics.store(newest, 0, -1);  // a pass of the old model is useless now
    worker.postMessage({ type: 'load', name, user: !!opts.user, hash: opts.hash || '', files: payload }, payload.map((f) => f.bytes));
    if (opts.onSent) opts.onSent();
    return done;
  }

  // --- the compare model ("what did fine-tuning change?", link key vs=): a second model in the engine -----------------
  // Its files go to the worker like a model's (loadFileMap) but as 'loadCompare'; the current model is never touched.
  // Resolves to {ok, error} when the worker answered.
  let compareWaiters = [];
  function loadCompareFileMap(files, name, opts = {}) {
    if (!runtime) return Promise.reject(new Error('attnviz is still starting'));
    const list = Array.isArray(files) ? files : Object.entries(files || {}).map(([n, bytes]) => ({ name: n, bytes }));
    const payload = list.map((f) => {
      const b = f.bytes instanceof ArrayBuffer ? f.bytes : f.bytes.buffer.slice(f.bytes.byteOffset, f.bytes.byteOffset + f.bytes.byteLength);
      return { name: f.name, bytes: b };
    });
    const done = new Promise((res) => compareWaiters.push(res));
    worker.postMessage({ type: 'loadCompare', name, user: !!opts.user, hash: opts.hash || '', files: payload }, payload.map((f) => f.bytes));
    return done;
  }

  async function loadCompareBuiltin(name) {
    try {
      if (!BUILTIN.includes(name)) throw new Error('not a built-in model');
      const files = await downloadBuiltin(name, () => {});
      return await loadCompareFileMap(files, name, { user: false });
    } catch (e) {
      Module.ccall('attnviz_compare_loaded', null, ['number', 'string', 'string'], [0, '', `download failed (${e.message || e})`]);
      return { ok: false, error: attnviz.lastError() };
    }
  }

  // The user's own model as the comparison (vs=user:NAME, the compare view's button): a folder picked here, read
  // locally like loadFiles (never uploaded), handed to the engine as 'loadCompare'.
  async function loadCompareFiles(fileList) {
    const files = Array.from(fileList || []);
    const safetensors = files.some((f) => /\.safetensors$/i.test(f.name));
    const wanted = files.filter((f) => MODEL_FILE.test(f.name) || (!safetensors && TORCH_FILE.test(f.name)));
    const rel = wanted.find((f) => f.webkitRelativePath);
    const name = ((rel ? rel.webkitRelativePath.split('/')[0] : 'my-model').replace(/[^\w.\-]+/g, '-').slice(0, 60)) || 'my-model';
    if (!wanted.length) {
      Module.ccall('attnviz_compare_loaded', null, ['number', 'string', 'string'], [0, '', `${name}: none of these files is part of a model (expected config.json, model.safetensors and tokenizer files)`]);
      return { ok: false, error: attnviz.lastError() };
    }
    try {
      const map = [];
      for (const f of wanted) map.push({ name: f.name, bytes: await readFile(f, () => {}) });
      return await loadCompareFileMap(map, name, { user: true });
    } catch (e) {
      Module.ccall('attnviz_compare_loaded', null, ['number', 'string', 'string'], [0, '', `${name}: ${e.message || e}`]);
      return { ok: false, error: attnviz.lastError() };
    }
  }
  function openCompareFiles() {
    const input = document.createElement('input');  // not in the document: the page's own pickers stay the only ones
    input.type = 'file';
    input.multiple = true;
    input.webkitdirectory = true;
    input.addEventListener('change', () => { if (input.files && input.files.length) loadCompareFiles(input.files); });
    input.click();
  }

  function finishLoad(ok) {
    const err = ok ? null : attnviz.lastError();
    if (ok) {
      overlay.hide();
      if (!attnviz.ready) {
        attnviz.ready = true;
        readyWaiters.forEach((f) => f());
        readyWaiters = [];
      }
    } else if (!attnviz.ready) {
      overlay.error(err || 'loading failed');
    } else {
      overlay.hide();
    }
    const w = loadWaiters;
    loadWaiters = [];
    w.forEach((f) => f({ ok, error: err }));
    return { ok, error: err };
  }

  async function loadBuiltin(name) {
    if (!BUILTIN.includes(name)) {
      Module.ccall('attnviz_load_failed', null, ['string'], [`${name}: not a built-in model`]);
      return finishLoad(false);
    }
    const seq = ++loadSeq;
    const first = !attnviz.ready;
    if (first) overlay.show(`Loading ${name}…`);
    setLoading(name, 0);
    try {
      const files = await (prefetched[name] || downloadBuiltin(name, (p, msg) => {
        if (seq !== loadSeq) return;
        if (first) overlay.progress(p, msg);
        setLoading(name, p);
      }));
      delete prefetched[name];
      if (seq !== loadSeq) return { ok: false, error: 'superseded by another model' };
      return await loadFileMap(files, name, { user: false });
    } catch (e) {
      delete prefetched[name];
      Module.ccall('attnviz_load_failed', null, ['string'], [`${name}: download failed (${e.message || e})`]);
      return finishLoad(false);
    }
  }

  // --- the user's own model: files read locally (never uploaded), then handed to the engine -------------------------
  async function readFile(file, onBytes) {
    const out = new Uint8Array(file.size);
    let off = 0;
    if (file.stream) {
      const reader = file.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (off + value.length > out.length) throw new Error(`${file.name} grew while being read`);
        out.set(value, off);
        off += value.length;
        onBytes(off);
      }
    } else {
      out.set(new Uint8Array(await file.arrayBuffer()));
      off = out.length;
    }
    return off === out.length ? out : out.slice(0, off);
  }

  // opts (hub.js): {model: 'hf:org/name', rev: commit sha} loads the files as that Hub model (they are already chosen).
  async function loadFiles(fileList, folderName, opts) {
    if (!runtime) throw new Error('attnviz is still starting');
    const files = Array.from(fileList || []);
    const hubModel = opts && typeof opts.model === 'string' ? opts : null;
    const safetensors = files.some((f) => /\.safetensors$/i.test(f.name));
    const wanted = hubModel
      ? files
      : files.filter((f) => MODEL_FILE.test(f.name) || (!safetensors && TORCH_FILE.test(f.name)));
    if (!wanted.length) {
      const msg = files.length
        ? `None of these files is part of a model (${files.map((f) => f.name).slice(0, 5).join(', ')}): expected config.json, model.safetensors and tokenizer.json or vocab.txt`
        : 'No files given';
      Module.ccall('attnviz_load_failed', null, ['string'], [msg]);
      return finishLoad(false);
    }
    let name = folderName;
    if (!name) {
      const rel = wanted.find((f) => f.webkitRelativePath);
      name = rel ? rel.webkitRelativePath.split('/')[0] : 'my-model';
    }
    name = name.replace(/[^\w.\-]+/g, '-').slice(0, 60) || 'my-model';
    const seq = ++loadSeq;
    const total = wanted.reduce((a, f) => a + f.size, 0);
    let done = 0;
    setLoading(hubModel ? hubModel.model : `user:${name}`, 0);
    overlay.show(`Reading ${name} (${mb(total)}, stays in your browser)…`);
    try {
      const map = [];
      for (const f of wanted) {
        const base = done;
        const bytes = await readFile(f, (n) => {
          overlay.progress(total ? (base + n) / total : 1, `${f.name}: ${mb(base + n)} of ${mb(total)}`);
          setLoading(hubModel ? hubModel.model : `user:${name}`, total ? (base + n) / total : 1);
        });
        done += bytes.length;
        map.push({ name: f.name, bytes });
      }
      if (seq !== loadSeq) return { ok: false, error: 'superseded' };
      // A Hub model (hub.js) keeps its "hf:org/name" and its commit sha as the model's hash; a user's folder is "user:NAME".
      return await loadFileMap(map, hubModel ? hubModel.model : name, {
        user: !hubModel,
        hash: hubModel ? hubModel.rev || '' : '',
        onSent: () => overlay.progress(1, 'Building the model…'),
      });
    } catch (e) {
      Module.ccall('attnviz_load_failed', null, ['string'], [`${name}: ${e.message || e}`]);
      return finishLoad(false);
    }
  }

  // Dropped folders arrive as directory entries: walk them (two levels are plenty for a model folder).
  async function entriesToFiles(items) {
    const out = [];
    let folder = null;
    const readAll = (dir) => new Promise((res) => {
      const r = dir.createReader();
      const acc = [];
      const step = () => r.readEntries((es) => { if (!es.length) res(acc); else { acc.push(...es); step(); } }, () => res(acc));
      step();
    });
    const fileOf = (e) => new Promise((res) => e.file(res, () => res(null)));
    const walk = async (entry, depth) => {
      if (entry.isFile) { const f = await fileOf(entry); if (f) out.push(f); }
      else if (entry.isDirectory && depth < 2) {
        if (!folder) folder = entry.name;
        for (const e of await readAll(entry)) await walk(e, depth + 1);
      }
    };
    const entries = Array.from(items).map((it) => (it.webkitGetAsEntry ? it.webkitGetAsEntry() : null)).filter(Boolean);
    for (const e of entries) await walk(e, 0);
    return { files: out, folder };
  }

  function setupDrop() {
    let depth = 0;
    const drop = $('drop');
    // Only drags that carry files are model drops; dragged text goes where the browser puts it (into a text box).
    const hasFiles = (e) => !!(e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files'));
    window.addEventListener('dragenter', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      drop.textContent = say('Drop a model folder or its files (config.json, model.safetensors, tokenizer files)');
      drop.classList.add('on');
    });
    window.addEventListener('dragleave', (e) => { if (!hasFiles(e)) return; e.preventDefault(); if (--depth <= 0) { depth = 0; drop.classList.remove('on'); } });
    window.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
    window.addEventListener('drop', async (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      drop.classList.remove('on');
      const dt = e.dataTransfer;
      if (!dt) return;
      const direct = Array.from(dt.files || []);  // read now: the DataTransfer empties once the event is over
      let files = [], folder = null;
      if (dt.items && dt.items.length && dt.items[0].webkitGetAsEntry) ({ files, folder } = await entriesToFiles(dt.items));
      loadFiles(files.length ? files : direct, files.length ? folder : null);
    });
    for (const id of ['pick-files', 'pick-folder']) {
      $(id).addEventListener('change', (e) => { const fl = e.target.files; if (fl && fl.length) loadFiles(fl); e.target.value = ''; });
    }
  }

  // --- clipboard: ImGui's Ctrl+V reads what the browser's paste event delivered ---------------------------------------
  function setupClipboard() {
    document.addEventListener('paste', (e) => {
      const t = e.clipboardData ? e.clipboardData.getData('text/plain') : '';
      if (runtime) Module.ccall('attnviz_set_clipboard', null, ['string'], [t]);
    });
    $('copyclose').addEventListener('click', () => $('copybox').classList.remove('on'));
  }

  // Emscripten 3.1.6's GLFW hands 'wheel' deltas to ImGui raw (pixels, inverted): one notch would zoom 100 steps the
  // wrong way. Catch the event before GLFW does and pass notches instead.
  function setupWheel() {
    window.addEventListener('wheel', (e) => {
      if (e.target !== $('canvas') || !runtime) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      const unit = e.deltaMode === 1 ? 3 : e.deltaMode === 2 ? 1 : 100;  // lines, pages, pixels per notch
      const clamp = (v) => Math.max(-5, Math.min(5, v));
      Module._attnviz_wheel(clamp(-e.deltaX / unit), clamp(-e.deltaY / unit));
    }, { capture: true, passive: false });
  }

  // Composed text (pinyin, kana, ...) arrives on compositionend; plain keys keep going to ImGui through GLFW.
  function setupIme() {
    const ime = $('ime');
    ime.addEventListener('compositionend', (e) => {
      if (runtime && e.data) Module.ccall('attnviz_input_text', null, ['string'], [e.data]);
      ime.value = '';
    });
    ime.addEventListener('input', (e) => { if (!e.isComposing) ime.value = ''; });
  }

  // --- the input panel's text boxes: HTML textareas over the canvas, where ImGui reserved their place -----------------
  const textBoxes = {};
  function textBox(id) {
    if (textBoxes[id]) return textBoxes[id];
    const t = document.createElement('textarea');
    t.id = `box-${id}`;
    t.className = 'tbox';
    t.spellcheck = false;
    t.setAttribute('autocomplete', 'off');
    t.setAttribute('autocapitalize', 'off');
    t.setAttribute('aria-label', id === 'pair' ? 'Second text' : id === 'say' ? 'Caption' : 'Text');
    t.style.display = 'none';
    let composing = false;  // pinyin etc.: send the text once the composition is done, not each keystroke of it
    const send = () => { if (runtime) Module.ccall('attnviz_box_input', null, ['string', 'string'], [id, t.value]); };
    t.addEventListener('compositionstart', () => { composing = true; });
    t.addEventListener('compositionend', () => { composing = false; send(); });
    t.addEventListener('input', (e) => { if (!e.isComposing && !composing) send(); });
    document.body.appendChild(t);
    textBoxes[id] = t;
    return t;
  }
  const cssColor = (u) => `rgba(${u & 255},${(u >>> 8) & 255},${(u >>> 16) & 255},${((u >>> 24) & 255) / 255})`;
  // Keys typed into page elements (the text boxes, the link box) are theirs: GLFW listens on the window in the capture
  // phase and would hand them to ImGui too (arrows would move the layer). Registered before GLFW's, so first.
  function setupKeys() {
    for (const type of ['keydown', 'keypress', 'keyup']) {
      window.addEventListener(type, (e) => {
        const t = e.target;
        if (t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT') && t.id !== 'ime') e.stopImmediatePropagation();
      }, true);
    }
  }

  function showCopyBox(text) {
    $('copylabel').textContent = say('Copy this link:');  // in the page's language (msg.* keys)
    $('copyclose').textContent = say('Close');
    $('copytext').value = text;
    $('copybox').classList.add('on');
    $('copytext').focus();
    $('copytext').select();
  }

  // --- share links: history and hash ---------------------------------------------------------------------------------
  function applyLocationHash() {
    const h = location.hash.replace(/^#/, '');
    if (h === lastPublished || !runtime) return;
    lastPublished = h;
    Module.ccall('attnviz_apply_fragment', null, ['string'], [h]);
  }

  window.attnvizGlue = {
    requestModel(name) { setTimeout(() => loadBuiltin(name), 0); },
    requestCompare(name) { setTimeout(() => loadCompareBuiltin(name), 0); },  // vs= (view_compare.cpp)
    openCompareFiles,
    // WebEngine (src/platform/web_engine.cpp): send a run; mark the pass in flight outdated (it stops at its next layer).
    engineRun(id, request) {
      if (newest) Atomics.store(newest, 0, id);
      worker.postMessage({ type: 'run', id, request });
    },
    engineCancel(newestId) { if (newest) Atomics.store(newest, 0, newestId || -1); },
    loadFileMap,
    openFiles(folder) { $(folder ? 'pick-folder' : 'pick-files').click(); },
    copyText(text) {
      attnvizGlue.lastCopied = text;  // what the page last put on the clipboard (browser tests read it)
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(() => {}, () => showCopyBox(text));
      } else {
        showCopyBox(text);
      }
    },
    setHash(frag, push) {
      lastPublished = frag;
      const url = location.pathname + location.search + '#' + frag;
      try {
        if (push) history.pushState(null, '', url); else history.replaceState(null, '', url);
      } catch (e) { /* some browsers limit history calls per second: the next change will catch up */ }
    },
    started() {
      runtime = true;
      if (workerStarted) Module.ccall('attnviz_engine_started', null, ['number', 'number'], [workerStarted.threads, workerStarted.isolated ? 1 : 0]);
      lastPublished = location.hash.replace(/^#/, '');
      if (fontBytes) { giveFont(fontBytes); fontBytes = null; }
      overlay.relabel();
      if (window.attnvizHub) window.attnvizHub.started();
    },
    fatal(msg) { overlay.error(msg); },
    textInput(active) {
      const ime = $('ime');
      if (active) { ime.value = ''; ime.focus({ preventScroll: true }); } else if (document.activeElement === ime) { ime.blur(); $('canvas').focus({ preventScroll: true }); }
    },
    boxValue(id, text) {
      const t = textBox(id);
      if (t.value !== text) t.value = text;
    },
    boxLayout(id, visible, x, y, w, h, clipTop, clipBottom, fontPx, bg, fg, accent) {
      const t = textBox(id);
      t.style.display = visible ? 'block' : 'none';
      if (!visible) return;
      Object.assign(t.style, {left: `${x}px`, top: `${y}px`, width: `${w}px`, height: `${h}px`, fontSize: `${fontPx}px`,
                              clipPath: `inset(${clipTop}px 0 ${clipBottom}px 0)`, background: cssColor(bg),
                              color: cssColor(fg), caretColor: cssColor(fg)});
      t.style.setProperty('--accent', cssColor(accent));
    },
    imePos(x, y) { const ime = $('ime'); ime.style.left = x + 'px'; ime.style.top = y + 'px'; },
    download(name, mime, bytes) {
      const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      attnvizGlue.lastDownload = { name, mime, size: bytes.length };
    },
  };

  function giveFont(bytes) {
    const p = Module._malloc(bytes.length);
    if (!p) return;
    Module.HEAPU8.set(bytes, p);
    Module._attnviz_set_font(p, bytes.length);
  }

  // --- the test hook -------------------------------------------------------------------------------------------------
  const call = (fn, ret, types, args) => {
    if (!runtime) throw new Error('attnviz is still starting (wait for attnviz.ready)');
    return Module.ccall(fn, ret, types || [], args || []);
  };
  const attnviz = {
    ready: false,
    state() { return JSON.parse(call('attnviz_state', 'string')); },
    setText(text) { call('attnviz_set_text', null, ['string'], [String(text)]); },
    setState(obj) {
      const before = this.state().model;
      const err = call('attnviz_set_state', 'string', ['string'], [JSON.stringify(obj || {})]);
      if (obj && typeof obj.model === 'string' && obj.model !== before && BUILTIN.includes(obj.model)) {
        return new Promise((res) => loadWaiters.push(res));  // resolves once the new model has loaded (or failed)
      }
      return Promise.resolve({ ok: !err, error: err || null });
    },
    tokens() { return JSON.parse(call('attnviz_tokens', 'string')); },
    attention(layer, head) {
      const T = call('attnviz_n_tokens', 'number');
      const p = call('attnviz_attention', 'number', ['number', 'number'], [layer, head]);
      if (!p || !T) return null;
      return new Float32Array(Module.HEAPU8.buffer, p, T * T).slice();
    },
    // The heatmap's G x G matrix of one head as drawn: merged into characters / words per the merge option (rows
    // averaged, columns summed), else the run's own T x T; null when there is none.
    gridAttention(layer, head) {
      const G = call('attnviz_grid_n', 'number');
      const p = call('attnviz_grid_attention', 'number', ['number', 'number'], [layer, head]);
      if (!p || !G) return null;
      return new Float32Array(Module.HEAPU8.buffer, p, G * G).slice();
    },
    lastError() { if (!runtime) return null; const s = call('attnviz_last_error', 'string'); return s ? s : null; },
    runCount() { return call('attnviz_run_count', 'number'); },
    notices() { return JSON.parse(call('attnviz_notices', 'string')); },
    info() {
      const o = JSON.parse(call('attnviz_info', 'string'));
      o.heap_peak_mb = Math.round(engineHeapPeak / 1048576);  // the engine worker's wasm memory at its peak (MB)
      if (o.engine) o.engine.result_buffers = { ...resultBuffers };  // ping-pong of result buffers (docs/INTERFACES.md)
      return o;
    },
    predictions() { return JSON.parse(call('attnviz_predictions', 'string')); },
    items() { return JSON.parse(call('attnviz_items', 'string')); },
    link() { return location.href.split('#')[0] + '#' + call('attnviz_fragment', 'string'); },
    loadModel(name) {  // 'hf:org/name[@rev]' counts as the user's click: downloads (or opens from the cache)
      if (/^hf:/i.test(String(name)) && window.attnvizHub) return window.attnvizHub.open(String(name));
      return loadBuiltin(name);
    },
    loadFiles(files, folderName, opts) { return loadFiles(files, folderName, opts); },
    setHubEndpoint(url) { return window.attnvizHub ? window.attnvizHub.setEndpoint(url) : null; },
    hubEndpoint() { return window.attnvizHub ? window.attnvizHub.endpoint() : null; },
    // {name: bytes} + a model name: loads through the engine like any other model (see loadFileMap).
    loadFileMap(files, name, opts) { return loadFileMap(files, name, opts || {}); },
    // The comparison of the current run (vs=): {layers, heads, mean_abs: Float32Array(L*H), js: Float32Array(L*H),
    // model, vs}, or null when there is none (yet).
    compare() {
      const c = JSON.parse(call('attnviz_compare', 'string'));
      if (!c) return null;
      return { layers: c.layers, heads: c.heads, model: c.model, vs: c.vs,
               mean_abs: Float32Array.from(c.mean_abs), js: Float32Array.from(c.js) };
    },
    // Loads {name: bytes} as the compare model (a user's model: opts.user); resolves to {ok, error} when answered.
    loadCompareFileMap(files, name, opts) { return loadCompareFileMap(files, name, opts || {}); },
    // The compare model by name, as the user's click: 'hf:org/name[@rev]' downloads it (or opens it from the cache) like
    // loadModel does, a built-in name loads that one; resolves to {ok, error} once the engine answered (or it failed).
    loadCompare(name) {
      if (/^hf:/i.test(String(name)) && window.attnvizHub) return window.attnvizHub.openCompare(String(name));
      return loadCompareBuiltin(String(name));
    },
    busy() { return runtime ? call('attnviz_busy', 'number') === 1 : true; },
    whenReady() { return this.ready ? Promise.resolve() : new Promise((r) => readyWaiters.push(r)); },
  };
  window.attnviz = attnviz;

  // --- start: font and the link's (or default) model download while the wasm compiles ----------------------------------
  overlay.show('Loading attnviz…');
  const hashModel = (/(?:^#|&)model=([^&]*)/.exec(location.hash) || [])[1];
  let first = 'zh-bert-mini';
  try { if (hashModel && BUILTIN.includes(decodeURIComponent(hashModel))) first = decodeURIComponent(hashModel); } catch (e) { /* bad escape: default */ }
  const firstSeq = loadSeq;
  prefetched[first] = downloadBuiltin(first, (p, msg) => {
    if (loadSeq === firstSeq) overlay.progress(p, `${first}: ${msg}`);
    setLoading(first, p);
  });
  prefetched[first].catch(() => {});
  fetchBytes('fonts/wqy-microhei.ttc', true, () => {}).then((b) => {
    if (!b) return;
    if (runtime) giveFont(b); else fontBytes = b;
  }).catch(() => {});

  window.Module = {
    canvas: $('canvas'),
    print: (s) => console.log(s),
    printErr: (s) => console.warn(s),
    onAbort: (what) => overlay.error(`attnviz stopped: ${what}`),
  };
  $('canvas').addEventListener('contextmenu', (e) => e.preventDefault());  // no inline handlers (CSP)
  window.addEventListener('popstate', applyLocationHash);
  window.addEventListener('hashchange', applyLocationHash);
  setupDrop();
  setupClipboard();
  setupIme();
  setupKeys();
  setupWheel();
})();
