// hub.js: the page's Hugging Face Hub client. Turns a Hub id ("bert-base-chinese", "org/name", "org/name@rev") into
// the model's files, with the user's consent, progress, cancel, resume and the browser's Cache Storage, and hands them
// to the page's one entry point for model files (openInPage below). No model logic: C++ checks config.json and loads.
// The network: nothing is fetched unless the user clicked (a button, or window.attnviz.loadModel('hf:...') /
// loadCompare('hf:...')); a link only opens a model that is already in the cache. A model goes either to the page as
// its model or, for "what did fine-tuning change?" (link key vs=hf:...), to the engine as the compare model. Files come from the Hub endpoint (csp.js: it is also the only
// other site the page's Content-Security-Policy lets it connect to). Layout of the Hub: HUB.md in the project docs.
'use strict';
(function () {
  const CACHE_NAME = 'attnviz-hub-v1';
  const MANIFEST = '.attnviz-manifest.json';     // one per cached model, written last: the model is complete
  const PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}$/;  // an org or repo name (view_state.cpp: parse_hub_id)
  const REV = /^[A-Za-z0-9_.-][A-Za-z0-9_./-]{0,127}$/;
  const SHA = /^[0-9a-f]{40}$/;
  const RESUME_TRIES = 5;                        // Range requests after a dropped connection, per file
  const site = window.attnvizHubEndpoint || {url: 'https://huggingface.co', source: 'default'};  // csp.js

  let runtime = false;
  let pendingLink = null;      // a link's model, asked for before the runtime started
  let pendingCompareLink = null;  // the same for a link's compare model (vs=hf:...)
  let current = null;          // the download in progress: {repo, abort: AbortController, cancelled, prefix}
  let lastStatus = {};
  let cachedList = [];
  let statusTimer = 0;

  const mb = (n) => (n / 1e6).toFixed(1) + ' MB';
  const cacheApi = () => (typeof caches !== 'undefined' && window.isSecureContext ? caches : null);

  // --- status to C++ (view_hub.h: hub_apply_status) ------------------------------------------------------------------
  function report(obj) {
    Object.assign(lastStatus, obj);
    if (runtime) Module.ccall('attnviz_hub_status', null, ['string'], [JSON.stringify(obj)]);
  }
  function fail(message) {
    if (runtime) Module.ccall('attnviz_load_failed', null, ['string'], [message]);
    return {ok: false, error: message};
  }
  // The compare model failed (C++ app_compare_failed words it, "... cannot be loaded for comparison: ..."); the
  // current model and any earlier compare model stay.
  function failCompare(message) {
    if (!runtime) return {ok: false, error: message};
    Module.ccall('attnviz_compare_loaded', null, ['number', 'string', 'string'], [0, '', String(message).replace(/\.$/, '')]);
    return {ok: false, error: window.attnviz.lastError() || message};
  }

  // --- ids -----------------------------------------------------------------------------------------------------------
  // "org/name@rev" -> {repo, rev} or null.
  function parseSpec(spec) {
    spec = String(spec || '').trim().replace(/^hf:/i, '');
    let rev = '';
    const at = spec.indexOf('@');
    if (at >= 0) { rev = spec.slice(at + 1); spec = spec.slice(0, at); }
    const parts = spec.split('/');
    if (parts.length > 2 || !parts.every((p) => PART.test(p) && p !== '..')) return null;
    if (rev && (!REV.test(rev) || rev.includes('..') || rev.endsWith('/'))) return null;
    return {repo: spec, rev};
  }
  const encRepo = (repo) => repo.split('/').map(encodeURIComponent).join('/');
  const encPath = (p) => p.split('/').map(encodeURIComponent).join('/');
  const fileUrl = (ep, repo, rev, path) => `${ep}/${encRepo(repo)}/resolve/${encodeURIComponent(rev)}/${encPath(path)}`;
  const cacheKey = (ep, repo, sha, path) => fileUrl(ep, repo, sha, path);  // endpoint + repo + commit sha + path

  // --- errors, said plainly --------------------------------------------------------------------------------------------
  class HubError extends Error {}
  const host = (url) => { try { return new URL(url).host; } catch (e) { return url; } };

  async function httpError(res, repo, what, rev) {
    const code = res.headers.get('X-Error-Code') || '';
    const said = res.headers.get('X-Error-Message') || '';
    const h = host(site.url);
    if (res.status === 401 || res.status === 403) {
      if (code === 'RepoNotFound') return new HubError(`${repo}: no such model on ${h}, or it is private (${res.status}). Check the name; a private model needs a Hugging Face login: download its files and drop them on the page.`);
      return new HubError(`${repo}: this model needs a Hugging Face login; download its files and drop them on the page (${h} answered ${res.status}${said ? ': ' + said : ''}).`);
    }
    if (res.status === 429) return new HubError(`${repo}: ${h} is limiting requests right now (429 rate limit)${res.headers.get('Retry-After') ? `; try again in ${res.headers.get('Retry-After')} s` : '; try again in a minute'}.`);
    if (res.status === 404 && code === 'RepoNotFound') return new HubError(`${repo}: no such model on ${h} (check the name: org/name, e.g. google-bert/bert-base-chinese).`);
    if (res.status === 404 && code === 'RevisionNotFound') return new HubError(`${repo}: no revision "${rev}" (a branch, tag or commit sha of this model).`);
    if (res.status === 404 && code === 'EntryNotFound') return new HubError(`${repo}: the file ${what} is not in the model${rev ? ' at ' + rev.slice(0, 12) : ''} (the Hub answered 404 EntryNotFound${said ? ': ' + said : ''}).`);
    return new HubError(`${repo}: ${what}: ${h} answered HTTP ${res.status}${said ? ' (' + said + ')' : ''}.`);
  }

  // fetch failed without an answer: offline, the endpoint unreachable, or it refused a cross-site read (CORS). A
  // no-cors request to the same URL tells the last two apart (the user asked for this site already).
  async function networkError(url, repo, err, signal) {
    if (signal && signal.aborted) return err;
    const h = host(url);
    if (navigator.onLine === false) return new HubError(`${repo}: this computer is offline; the model could not be downloaded from ${h}.`);
    try {
      await fetch(url, {mode: 'no-cors', credentials: 'omit', signal});
      return new HubError(`${repo}: ${h} answered but does not let web pages read its files (CORS refused). Use an endpoint that allows it (page settings), or download the files and drop them on the page.`);
    } catch (e) {
      // In a cross-origin isolated page (COEP require-corp, for threads) the no-cors probe fails too when the answer
      // lacks Cross-Origin-Resource-Policy, so a CORS refusal looks like no answer: say both.
      if (self.crossOriginIsolated) return new HubError(`${repo}: could not read from ${h}: offline, blocked, not a Hub endpoint, or it does not let web pages read its files (CORS refused): ${err.message || err}.`);
      return new HubError(`${repo}: could not reach ${h} (offline, blocked, or not a Hub endpoint): ${err.message || err}.`);
    }
  }

  async function get(url, repo, what, rev, signal, headers) {
    let res;
    try {
      res = await fetch(url, {credentials: 'omit', redirect: 'follow', signal, headers, cache: 'no-store'});
    } catch (e) {
      throw await networkError(url, repo, e, signal);
    }
    if (!res.ok) throw await httpError(res, repo, what, rev);
    return res;
  }

  // --- download with progress, resume (Range) and size check ---------------------------------------------------------
  // Returns a Blob of `size` bytes (size from the file list; -1 = unknown). onBytes(n) gets the bytes of this file so far.
  async function downloadFile(url, repo, name, size, signal, onBytes) {
    const chunks = [];
    let got = 0;
    for (let attempt = 0; ; attempt++) {
      const headers = got > 0 ? {Range: `bytes=${got}-`} : undefined;
      const res = await get(url, repo, name, '', signal, headers);
      if (got > 0) {
        const cr = /^bytes (\d+)-/.exec(res.headers.get('Content-Range') || '');
        if (res.status !== 206 || !cr || Number(cr[1]) !== got) { chunks.length = 0; got = 0; onBytes(0); }  // start over
      }
      const reader = res.body.getReader();
      let dropped = null;
      for (;;) {
        let step;
        try {
          step = await reader.read();
        } catch (e) {
          if (signal.aborted) throw e;
          dropped = e;
          break;
        }
        if (step.done) break;
        chunks.push(step.value);
        got += step.value.length;
        onBytes(got);
        if (size >= 0 && got > size) break;
      }
      if (!dropped) break;
      if (attempt >= RESUME_TRIES) throw new HubError(`${repo}: the connection dropped ${attempt + 1} times while downloading ${name} (${mb(got)} of ${size >= 0 ? mb(size) : '?'}); try again.`);
    }
    if (size >= 0 && got !== size) {
      throw new HubError(`${repo}: ${name} arrived with ${got} bytes but the Hub lists ${size} (${got < size ? 'cut short' : 'too long'}); nothing was opened. Try again later.`);
    }
    return new Blob(chunks);
  }

  // --- which files a model needs (HUB.md) ----------------------------------------------------------------------------
  // siblings: [{rfilename, size}] -> {files: [names], error}. Top-level files only (onnx/ and the like are skipped).
  function selectFiles(repo, siblings) {
    const have = new Set(siblings.map((s) => s.rfilename).filter((n) => !n.includes('/')));
    const files = [];
    if (!have.has('config.json')) return {error: `${repo}: the model has no config.json, so it is not a Transformers model attnviz can open.`};
    files.push('config.json');
    if (have.has('tokenizer.json')) files.push('tokenizer.json');
    else if (have.has('vocab.txt')) files.push('vocab.txt');
    else if (have.has('vocab.json') && have.has('merges.txt')) files.push('vocab.json', 'merges.txt');
    else return {error: `${repo}: no tokenizer files (tokenizer.json, vocab.txt, or vocab.json + merges.txt).`};
    for (const extra of ['tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json']) if (have.has(extra)) files.push(extra);
    let weights;
    if (have.has('model.safetensors.index.json')) weights = {index: 'model.safetensors.index.json', shard: /^model-\d+-of-\d+\.safetensors$/};
    else if (have.has('model.safetensors')) weights = {single: 'model.safetensors'};
    else if (have.has('pytorch_model.bin.index.json')) weights = {index: 'pytorch_model.bin.index.json', shard: /^pytorch_model-\d+-of-\d+\.bin$/};
    else if (have.has('pytorch_model.bin')) weights = {single: 'pytorch_model.bin'};
    else {
      const other = [...have].filter((n) => /\.(h5|msgpack|onnx|ot|ckpt\.index|gguf)$/.test(n) || /^(tf|flax)_model/.test(n));
      if (other.length) return {error: `${repo}: the model has only ${other.some((n) => /h5|msgpack/.test(n)) ? 'TensorFlow / Flax' : 'other frameworks\''} weights (${other.join(', ')}); attnviz reads model.safetensors or pytorch_model.bin. Convert it with Transformers (save_pretrained) and drop the folder on the page.`};
      return {error: `${repo}: the model has no weights file (model.safetensors or pytorch_model.bin).`};
    }
    return {files, weights};
  }

  // --- Cache Storage ---------------------------------------------------------------------------------------------------
  async function openCache() {
    const c = cacheApi();
    if (!c) return null;
    try { return await c.open(CACHE_NAME); } catch (e) { return null; }  // private windows may refuse
  }

  // The complete models in the cache, newest first: their manifests (only those are read), and the key prefixes
  // ".../resolve/{sha}/" they cover.
  async function readManifests(cache, keys) {
    const out = [];
    const complete = new Set();
    for (const req of keys) {
      if (!req.url.endsWith('/' + MANIFEST)) continue;
      const res = await cache.match(req);
      try { out.push(await res.json()); complete.add(req.url.slice(0, -MANIFEST.length)); } catch (e) { /* a broken manifest: ignored */ }
    }
    out.sort((a, b) => (b.saved || 0) - (a.saved || 0));
    return {out, complete};
  }

  // The models in the cache: complete ones (their manifest), and downloads that stopped part-way (files without a
  // manifest: cancelled, cut off, the tab closed), marked partial, so they can be resumed or deleted. The download in
  // progress is not listed.
  async function listCached() {
    const cache = await openCache();
    if (!cache) { cachedList = []; report({cache_ok: false, cached: []}); return []; }
    const keys = await cache.keys();
    const {out, complete} = await readManifests(cache, keys);
    const partial = new Map();
    const endpoints = [site.url, ...out.map((m) => m.endpoint)];
    for (const req of keys) {
      const k = /^(.+?)\/resolve\/([0-9a-f]{40})\/([^/]+)$/.exec(req.url);  // cacheKey(): top-level files only
      if (!k || k[3] === MANIFEST) continue;
      const prefix = `${k[1]}/resolve/${k[2]}/`;
      if (complete.has(prefix) || (current && current.prefix === prefix)) continue;
      let p = partial.get(prefix);
      if (!p) {
        const ep = endpoints.find((e) => k[1].startsWith(e + '/')) || new URL(req.url).origin;
        let repo;
        try { repo = k[1].slice(ep.length + 1).split('/').map(decodeURIComponent).join('/'); } catch (e) { continue; }
        p = {endpoint: ep, repo, sha: k[2], bytes: 0, files: 0, partial: true};
        partial.set(prefix, p);
      }
      const res = await cache.match(req);
      const n = res ? Number(res.headers.get('Content-Length')) : 0;
      p.bytes += Number.isFinite(n) && n > 0 ? n : (res ? (await res.blob()).size : 0);
      p.files++;
    }
    cachedList = out;
    const all = [...out.map((m) => ({endpoint: m.endpoint, repo: m.repo, sha: m.sha, bytes: m.bytes})), ...partial.values()];
    report({cache_ok: true, cached: all});
    return [...out, ...partial.values()];
  }

  // The cached manifest for repo at rev ('' = the newest saved), on the current endpoint; no network. Reads only the
  // manifests (not the files of partial downloads, which listCached sizes for "Models on this computer").
  async function findCached(repo, rev) {
    const cache = await openCache();
    if (!cache) return null;
    const {out: list} = await readManifests(cache, await cache.keys());
    return list.find((m) => m.endpoint === site.url && (m.repo === repo || m.asked === repo) &&
                            (!rev || m.sha === rev || m.revision === rev && !SHA.test(rev))) || null;
  }

  async function deleteCached(endpoint, repo, sha) {
    const cache = await openCache();
    if (!cache) return;
    const prefix = `${endpoint}/${encRepo(repo)}/resolve/${sha}/`;
    for (const req of await cache.keys()) if (req.url.startsWith(prefix)) await cache.delete(req);
    await listCached();
  }

  // --- the page's entry point for model files (the one place that calls it) -------------------------------------------
  function openInPage(files, meta) {
    const list = Object.keys(files).map((name) => new File([files[name]], name));
    return window.attnviz.loadFiles(list, meta.repo, {model: 'hf:' + meta.repo, rev: meta.sha});
  }

  // ... and for the compare model (vs=hf:...): the files go to the engine as 'loadCompare', named "hf:org/name" with the
  // commit sha as its hash; resolves to {ok, error} once the engine answered (C++ has refused a mismatch by then).
  async function openAsCompare(files, meta) {
    const map = {};
    for (const name of Object.keys(files)) map[name] = await files[name].arrayBuffer();
    return window.attnviz.loadCompareFileMap(map, 'hf:' + meta.repo, {user: false, hash: meta.sha});
  }

  async function openFromCache(m, compare) {
    const cache = await openCache();
    const files = {};
    for (const f of m.files) {
      const res = cache && await cache.match(cacheKey(m.endpoint, m.repo, m.sha, f.name));
      if (!res) return null;  // evicted in part: download again
      files[f.name] = await res.blob();
    }
    if (compare) {
      report({vs_offer: null, compare_loading: 'hf:' + m.repo});
      return openAsCompare(files, m);
    }
    report({offer: null});
    return openInPage(files, m);
  }

  // --- open a model: from the cache, else download (only ever called after the user's click) --------------------------
  // opts.compare: as the compare model (vs=), not as the page's model; a failure then keeps both models.
  async function open(spec, opts = {}) {
    const compare = !!opts.compare;
    const failHere = compare ? failCompare : fail;
    const s = parseSpec(spec);
    if (compare) report({compare_loading: s ? 'hf:' + s.repo : String(spec)});  // the name C++ says it failed for
    if (!s) return failHere(`"${spec}" is not a Hugging Face model id: write NAME, ORG/NAME or ORG/NAME@REVISION (letters, digits, - _ .).`);
    if (current) { current.cancelled = true; current.abort.abort(); }
    const job = {repo: s.repo, abort: new AbortController(), cancelled: false};
    current = job;
    const signal = job.abort.signal;
    const settled = (r) => { if (current === job) { current = null; report({busy: null}); } return r; };  // opened from the cache
    const ep = site.url;
    const t0 = performance.now();
    const samples = [];
    let phase = 'file list', done = 0, total = 0;
    const push = (force) => {
      const now = performance.now();
      if (!force && now - statusTimer < 100) return;
      statusTimer = now;
      samples.push([now, done]);
      while (samples.length > 2 && now - samples[0][0] > 3000) samples.shift();
      const dt = (now - samples[0][0]) / 1000;
      const rate = dt > 0.2 ? (done - samples[0][1]) / dt : 0;
      report({busy: {repo: s.repo, phase, done, total, rate, eta: rate > 0 && total > 0 ? (total - done) / rate : -1, compare}});
    };
    try {
      // A pinned commit already here opens with no request.
      if (SHA.test(s.rev)) {
        const m = await findCached(s.repo, s.rev);
        if (m) { const r = await openFromCache(m, compare); if (r) return settled(r); }
      }
      push(true);
      const revPath = s.rev ? `/revision/${encodeURIComponent(s.rev)}` : '';
      const info = await (await get(`${ep}/api/models/${encRepo(s.repo)}${revPath}?blobs=true`, s.repo, 'file list', s.rev, signal)).json();
      const repo = typeof info.id === 'string' && parseSpec(info.id) ? info.id : s.repo;  // renamed repos answer with the new id
      const sha = typeof info.sha === 'string' && SHA.test(info.sha) ? info.sha : null;
      if (!sha) throw new HubError(`${repo}: the Hub's file list has no commit sha; cannot pin the model.`);
      if (info.gated) throw new HubError(`${repo}: this model needs a Hugging Face login; download its files and drop them on the page (it is gated: its authors ask users to accept terms first).`);
      const cachedHere = await findCached(repo, sha);
      job.prefix = `${ep}/${encRepo(repo)}/resolve/${sha}/`;  // not listed as a partial download while it runs
      if (cachedHere) { const r = await openFromCache(cachedHere, compare); if (r) return settled(r); }
      const siblings = Array.isArray(info.siblings) ? info.siblings.filter((x) => x && typeof x.rfilename === 'string') : [];
      const sizeOf = {};
      for (const x of siblings) sizeOf[x.rfilename] = Number.isFinite(x.size) ? x.size : (x.lfs && Number.isFinite(x.lfs.size) ? x.lfs.size : -1);
      const pick = selectFiles(repo, siblings);
      if (pick.error) throw new HubError(pick.error);
      const blobs = {};
      const cache = await openCache();
      const fetchOne = async (name) => {
        const key = cacheKey(ep, repo, sha, name);
        const hit = cache && await cache.match(key);  // saved by an earlier, interrupted attempt
        if (hit) { blobs[name] = await hit.blob(); done += blobs[name].size; push(true); return; }
        phase = name;
        const base = done;
        const blob = await downloadFile(fileUrl(ep, repo, sha, name), repo, name, sizeOf[name] ?? -1, signal, (n) => { done = base + n; push(false); });
        blobs[name] = blob;
        if (cache) {
          try { await cache.put(key, new Response(blob, {headers: {'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size)}})); } catch (e) { /* full: the model still opens */ }
        }
      };
      // config.json first: an unsupported architecture is refused before any weight is downloaded.
      total = sizeOf['config.json'] > 0 ? sizeOf['config.json'] : 0;
      await fetchOne('config.json');
      const configText = await blobs['config.json'].text();
      const bad = runtime ? Module.ccall('attnviz_check_config', 'string', ['string'], [configText]) : '';
      if (bad) {
        let arch = '';
        try { const c = JSON.parse(configText); arch = (Array.isArray(c.architectures) && c.architectures[0]) || c.model_type || ''; } catch (e) { /* the message says why */ }
        throw new HubError(`${repo}${arch ? ` is a ${arch} model` : ''}: ${bad}. Nothing but config.json was downloaded.`);
      }
      const names = pick.files.filter((n) => n !== 'config.json');
      if (pick.weights.index) {
        await fetchOne(pick.weights.index);
        let shards = [];
        try {
          const idx = JSON.parse(await blobs[pick.weights.index].text());
          shards = [...new Set(Object.values(idx.weight_map || {}))];
        } catch (e) { throw new HubError(`${repo}: ${pick.weights.index} is not a valid shard index.`); }
        if (!shards.length || !shards.every((n) => typeof n === 'string' && pick.weights.shard.test(n) && n in sizeOf)) {
          throw new HubError(`${repo}: ${pick.weights.index} names shards that are not in the model (${shards.slice(0, 3).join(', ')}).`);
        }
        names.push(...shards);
      } else {
        names.push(pick.weights.single);
      }
      const allNames = ['config.json', ...(pick.weights.index ? [pick.weights.index] : []), ...names];
      total = allNames.reduce((a, n) => a + Math.max(0, sizeOf[n] || 0), 0);
      push(true);
      for (const n of names) await fetchOne(n);
      phase = 'opening';
      push(true);
      const meta = {endpoint: ep, repo, asked: s.repo, revision: s.rev || 'main', sha, saved: Date.now(),
                    bytes: allNames.reduce((a, n) => a + blobs[n].size, 0),
                    files: allNames.map((n) => ({name: n, size: blobs[n].size})),
                    seconds: (performance.now() - t0) / 1000};
      if (cache) {
        try { await cache.put(cacheKey(ep, repo, sha, MANIFEST), new Response(JSON.stringify(meta), {headers: {'Content-Type': 'application/json'}})); } catch (e) { /* not kept */ }
        if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
      }
      await listCached();
      if (job.cancelled) return {ok: false, error: 'cancelled'};
      report(compare ? {busy: null, vs_offer: null} : {busy: null, offer: null});
      current = null;
      const files = {};
      for (const n of allNames) files[n] = blobs[n];
      return compare ? await openAsCompare(files, meta) : await openInPage(files, meta);
    } catch (e) {
      if (current === job) { current = null; report({busy: null}); }
      listCached().catch(() => {});  // what this attempt stored is listed now (a partial download)
      if (job.cancelled || (e && e.name === 'AbortError')) {
        return failHere(`Download of ${s.repo} cancelled; the current model${compare ? 's stay' : ' stays'}.`);
      }
      return failHere(e instanceof HubError ? e.message : `${s.repo}: ${e && e.message || e}`);
    }
  }

  // A link named this model: open it if it is in the cache, else leave the offer (C++ shows it) alone. No network.
  async function fromLink(spec, compare) {
    const s = parseSpec(spec);
    if (!s) return;
    const m = await findCached(s.repo, s.rev);
    if (m) await openFromCache(m, compare);
  }

  function cancel() {
    if (!current) return false;
    current.cancelled = true;
    current.abort.abort();
    return true;
  }

  // The endpoint: https://huggingface.co, a mirror with the same layout (page settings, kept in localStorage), or the
  // site's default (attnviz.config.json, read by csp.js). Never from a link. The page reloads so that its
  // Content-Security-Policy (written by csp.js at start) names the new endpoint.
  function setEndpoint(url) {
    let clean = '';
    if (url) {
      let u;
      try { u = new URL(String(url)); } catch (e) { return fail(`"${url}" is not a web address (https://...).`); }
      if (!/^https?:$/.test(u.protocol) || u.username || u.password || u.search || u.hash) return fail(`"${url}": the Hub endpoint must be a plain http(s) address such as https://huggingface.co.`);
      clean = (u.origin + u.pathname).replace(/\/+$/, '');
    }
    try {
      if (clean) localStorage.setItem('attnviz.hubEndpoint', clean); else localStorage.removeItem('attnviz.hubEndpoint');
    } catch (e) { return fail('This browser does not let the page keep settings (localStorage), so the endpoint cannot be changed.'); }
    const next = clean || (window.attnvizHubEndpoint && window.attnvizHubEndpoint.siteUrl) || 'https://huggingface.co';
    if (next !== site.url) setTimeout(() => location.reload(), 0);
    return {ok: true, endpoint: next, reload: next !== site.url};
  }

  window.attnvizHub = {
    // C++ (PlatformHooks::hub) asks; see app.h.
    command(cmd, arg) {
      if (cmd === 'open') open(arg);
      else if (cmd === 'link') { if (runtime) fromLink(arg); else pendingLink = arg; }
      else if (cmd === 'open-compare') open(arg, {compare: true});
      else if (cmd === 'link-compare') { if (runtime) fromLink(arg, true); else pendingCompareLink = arg; }
      else if (cmd === 'cancel') cancel();
      else if (cmd === 'delete') { const [ep, repo, sha] = String(arg).split('\n'); deleteCached(ep, repo, sha); }
      else if (cmd === 'endpoint') setEndpoint(arg);
    },
    started() {
      runtime = true;
      report({endpoint: site.url, endpoint_source: site.source, ...lastStatus});
      listCached().catch(() => {});
      if (pendingLink) { fromLink(pendingLink); pendingLink = null; }
      if (pendingCompareLink) { fromLink(pendingCompareLink, true); pendingCompareLink = null; }
    },
    open, cancel, setEndpoint, listCached, deleteCached, parseSpec, selectFiles,
    openCompare: (spec) => open(spec, {compare: true}),
    endpoint: () => site.url,
    status: () => ({...lastStatus}),  // what the banner shows (tests)
    busy: () => !!current,
  };
})();
