// mock-hub: a local stand-in for the Hugging Face Hub with its real URL layout and behaviour (the project's HUB.md):
// the model API, `resolve` with a 302 to a second origin (a "CDN") for weight files, CORS with the exposed headers,
// X-Repo-Commit, Range/206, 404 + X-Error-Code, 401 for gated repos, renamed repos, and failure modes for tests.
// node only, no dependencies.
//
// usage: node scripts/mock-hub.mjs [PORT] [CDN_PORT]   (prints "mock-hub: http://localhost:PORT cdn http://cdn.localhost:CDN_PORT")
// or in a test: const hub = await startMockHub(); hub.endpoint; hub.log; hub.clearLog(); hub.setMode({...}); hub.close()
//
// The endpoint is http://localhost:PORT and the CDN http://cdn.localhost:CDN_PORT: two origins, both different from a
// page served on 127.0.0.1 (browsers resolve *.localhost to the loopback address). Both listen on 127.0.0.1.
//
// Repos (made-up ids; files from tests/data and models/; commit shas are sha1 of the repo id and its files, so stable):
//   attnviz-test/tiny-bert, attnviz-test/tiny-bert-ner, attnviz-test/tiny-gpt2, attnviz-test/tiny-bert-sharded (the
//   tiny-bert weights split into two safetensors shards + index), attnviz-demo/zh-bert-mini, attnviz-demo/gpt2-mini,
//   attnviz-demo/zh-bert-ner-mini;
//   attnviz-test/tiny-bert-bin (pytorch_model.bin only: fake bytes, for file selection),
//   attnviz-test/tiny-bert-bin-sharded (pytorch_model-0000K-of-00002.bin + index, fake bytes),
//   attnviz-test/tf-only (tf_model.h5 + flax_model.msgpack only), attnviz-test/llama-tiny (LlamaForCausalLM),
//   attnviz-test/gated (API answers, files 401), attnviz-test/everything (safetensors + .bin + TF + Flax + ONNX);
//   renamed one-part ids: tiny-bert -> attnviz-test/tiny-bert, zh-bert-mini -> attnviz-demo/zh-bert-mini.
//   Revisions: main, the tag v1 (same commit), or the commit sha itself.
//
// Modes (hub.setMode({...}) or GET /__mode?key=value on the endpoint; values persist until changed; reset with /__reset):
//   slow: N          weight bytes are sent at N bytes/s
//   cut: 'PATH'      the CDN sends half of the next full (not ranged) download of PATH, stalls 0.3 s and drops the
//                    connection, once
//   wrongLength: 'PATH'  the CDN sends PATH 10 bytes short (the API lists the true size)
//   rateLimit: true  every request (API and files) answers 429 with Retry-After
//   noCors: true     no Access-Control-Allow-Origin anywhere (a browser refuses the answers)
//   missing: 'PATH'  the file list still names PATH but resolve answers 404 EntryNotFound for it
// Request log: hub.log (array of {origin: 'hub'|'cdn', method, path, range, status}) or GET /__log on the endpoint
// (not itself logged); GET /__reset clears the log and the modes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEIGHTS = /\.(safetensors|bin|h5|msgpack|onnx|ot)$/;  // LFS files: served through the CDN

function readDir(dir) {
  const out = {};
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isFile() && !name.startsWith('expected')) out[name] = fs.readFileSync(p);
  }
  return out;
}

// Splits a safetensors file into two valid shards (first half of the tensors, the rest) + the index, as
// transformers' save_pretrained(max_shard_size=...) writes them.
function shardSafetensors(buf) {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const data = buf.subarray(8 + n);
  const names = Object.keys(header).filter((k) => k !== '__metadata__').sort();
  const half = Math.ceil(names.length / 2);
  const parts = [names.slice(0, half), names.slice(half)];
  const files = {};
  const weightMap = {};
  parts.forEach((list, i) => {
    const fname = `model-0000${i + 1}-of-00002.safetensors`;
    const h = {__metadata__: {format: 'pt'}};
    const chunks = [];
    let off = 0;
    for (const k of list) {
      const t = header[k];
      const bytes = data.subarray(t.data_offsets[0], t.data_offsets[1]);
      h[k] = {dtype: t.dtype, shape: t.shape, data_offsets: [off, off + bytes.length]};
      chunks.push(bytes);
      off += bytes.length;
      weightMap[k] = fname;
    }
    let hj = Buffer.from(JSON.stringify(h));
    const pad = (8 - (hj.length % 8)) % 8;
    hj = Buffer.concat([hj, Buffer.alloc(pad, 0x20)]);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(hj.length));
    files[fname] = Buffer.concat([len, hj, ...chunks]);
  });
  const total = Object.values(files).reduce((a, b) => a + b.length, 0);
  files['model.safetensors.index.json'] = Buffer.from(JSON.stringify({metadata: {total_size: total}, weight_map: weightMap}, null, 2));
  return files;
}

function fake(n, seed) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed) & 255;
  return b;
}

// The repos, built once per process: {id: {files: {name: Buffer}, gated, sha}}.
function buildRepos() {
  const repos = {};
  const add = (id, files, extra = {}) => {
    const h = crypto.createHash('sha1').update(id);
    for (const k of Object.keys(files).sort()) h.update(k).update(files[k]);
    repos[id] = {id, files, sha: h.digest('hex'), gated: false, ...extra};
  };
  const data = (n) => readDir(path.join(root, 'tests/data', n));
  add('attnviz-test/tiny-bert', data('tiny-bert'));
  add('attnviz-test/tiny-bert-ner', data('tiny-bert-ner'));
  add('attnviz-test/tiny-gpt2', data('tiny-gpt2'));
  for (const m of ['zh-bert-mini', 'gpt2-mini', 'zh-bert-ner-mini']) {
    const dir = path.join(root, 'models', m);
    if (fs.existsSync(dir)) add(`attnviz-demo/${m}`, readDir(dir));
  }
  const tb = data('tiny-bert');
  const small = {'config.json': tb['config.json'], 'vocab.txt': tb['vocab.txt'], 'tokenizer_config.json': tb['tokenizer_config.json']};
  const {['model.safetensors']: st, ...tbRest} = tb;
  add('attnviz-test/tiny-bert-sharded', {...tbRest, ...shardSafetensors(st)});
  add('attnviz-test/tiny-bert-bin', {...small, 'pytorch_model.bin': fake(4096, 1)});
  add('attnviz-test/tiny-bert-bin-sharded', {...small,
    'pytorch_model-00001-of-00002.bin': fake(3000, 2), 'pytorch_model-00002-of-00002.bin': fake(2000, 3),
    'pytorch_model.bin.index.json': Buffer.from(JSON.stringify({metadata: {total_size: 5000},
      weight_map: {'bert.embeddings.word_embeddings.weight': 'pytorch_model-00001-of-00002.bin',
                   'bert.pooler.dense.weight': 'pytorch_model-00002-of-00002.bin'}}))});
  add('attnviz-test/tf-only', {...small, 'tf_model.h5': fake(5000, 4), 'flax_model.msgpack': fake(4000, 5)});
  add('attnviz-test/llama-tiny', {
    'config.json': Buffer.from(JSON.stringify({architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 64,
      num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 100})),
    'tokenizer.json': tb['tokenizer.json'], 'model.safetensors': fake(8192, 6)});
  add('attnviz-test/gated', {...tb}, {gated: 'manual'});
  add('attnviz-test/everything', {...tb, 'pytorch_model.bin': fake(4096, 7), 'tf_model.h5': fake(3000, 8),
    'flax_model.msgpack': fake(3000, 9), 'onnx/model.onnx': fake(2000, 10), 'rust_model.ot': fake(1000, 11),
    'README.md': Buffer.from('# everything\n')});
  const renamed = {'tiny-bert': 'attnviz-test/tiny-bert', 'zh-bert-mini': 'attnviz-demo/zh-bert-mini'};
  return {repos, renamed};
}

const EXPOSE = 'X-Repo-Commit, X-Linked-Size, X-Linked-Etag, X-Error-Code, X-Error-Message, ETag, Content-Length, ' +
               'Content-Range, Accept-Ranges, Location';

export async function startMockHub({port = 0, cdnPort = 0, host = '127.0.0.1'} = {}) {
  const {repos, renamed} = buildRepos();
  const log = [];
  let mode = {};
  const cutDone = new Set();
  const listeners = new Set();
  let endpoint = '', cdn = '';

  const cors = (res) => {
    if (mode.noCors) return;
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', EXPOSE);
  };
  const record = (origin, req, status) => {
    const e = {origin, method: req.method, path: req.url, range: req.headers.range || null, status};
    log.push(e);
    for (const f of listeners) f(e);
  };
  const fail = (origin, req, res, status, code, message, extra = {}) => {
    record(origin, req, status);
    cors(res);
    const h = {'Content-Type': 'application/json', ...extra};
    if (code) h['X-Error-Code'] = code;
    if (message) h['X-Error-Message'] = message;
    res.writeHead(status, h).end(JSON.stringify({error: message || String(status)}));
  };
  const preflight = (origin, req, res) => {
    if (req.method !== 'OPTIONS') return false;
    record(origin, req, 204);
    if (!mode.noCors) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Range, Content-Type, Authorization');
      res.setHeader('Access-Control-Max-Age', '86400');
    }
    res.writeHead(204).end();
    return true;
  };
  const rateLimited = (origin, req, res) => {
    if (!mode.rateLimit) return false;
    fail(origin, req, res, 429, null, 'You have been rate-limited; retry later.', {'Retry-After': '60'});
    return true;
  };
  const revisionSha = (repo, rev) => (rev === 'main' || rev === 'v1' || rev === repo.sha ? repo.sha : null);
  const etagOf = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

  // Sends buf (or its Range) with the modes applied; `origin` is 'hub' or 'cdn'.
  function sendFile(origin, req, res, buf, headers, filePath) {
    let body = buf;
    let status = 200;
    const h = {'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream', ...headers};
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
    if (req.headers.range && m) {
      const a = Number(m[1]);
      const b = m[2] === '' ? buf.length - 1 : Math.min(Number(m[2]), buf.length - 1);
      if (a >= buf.length || b < a) {
        record(origin, req, 416);
        cors(res);
        res.writeHead(416, {'Content-Range': `bytes */${buf.length}`}).end();
        return;
      }
      body = buf.subarray(a, b + 1);
      status = 206;
      h['Content-Range'] = `bytes ${a}-${b}/${buf.length}`;
    }
    let cutAt = -1;
    if (origin === 'cdn' && mode.wrongLength === filePath && status === 200) body = body.subarray(0, Math.max(0, body.length - 10));
    if (origin === 'cdn' && mode.cut === filePath && status === 200 && !cutDone.has(filePath)) {
      cutDone.add(filePath);
      cutAt = Math.floor(body.length / 2);
    }
    h['Content-Length'] = String(body.length);
    record(origin, req, status);
    cors(res);
    res.writeHead(status, h);
    if (req.method === 'HEAD') return res.end();
    const rate = origin === 'cdn' ? Number(mode.slow) || 0 : 0;
    if (!rate && cutAt < 0) return res.end(body);
    // Throttled and/or cut: send in chunks of 1/20 s worth (or 16 KiB).
    const chunk = rate ? Math.max(1, Math.floor(rate / 20)) : 16384;
    let off = 0;
    const step = () => {
      if (res.destroyed) return;
      if (cutAt >= 0 && off >= cutAt) { setTimeout(() => res.socket.destroy(), 300); return; }  // stall, then drop
      const end = Math.min(body.length, off + chunk, cutAt >= 0 ? cutAt : body.length);
      const more = end < body.length;
      res.write(body.subarray(off, end));
      off = end;
      if (!more) return res.end();
      if (rate) setTimeout(step, 50); else setImmediate(step);
    };
    step();
  }

  function modelInfo(repo, sha, blobs) {
    const siblings = Object.keys(repo.files).sort().map((name) => {
      const s = {rfilename: name};
      if (blobs) {
        s.size = repo.files[name].length;
        if (WEIGHTS.test(name)) s.lfs = {sha256: etagOf(repo.files[name]), size: s.size, pointerSize: 134};
      }
      return s;
    });
    let config = {};
    try { config = JSON.parse(repo.files['config.json'].toString('utf8')); } catch { /* none */ }
    return {_id: sha.slice(0, 24), id: repo.id, modelId: repo.id, sha, private: false, gated: repo.gated, disabled: false,
            pipeline_tag: 'fill-mask', library_name: 'transformers', tags: ['transformers'],
            config: {architectures: config.architectures, model_type: config.model_type}, siblings,
            lastModified: '2024-01-01T00:00:00.000Z'};
  }

  // The endpoint: /api/models/{repo}[/revision/{rev}] and /{repo}/resolve/{rev}/{path}.
  const hubServer = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const p = url.pathname;
    if (p === '/__log') { res.writeHead(200, {'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*'}).end(JSON.stringify(log)); return; }
    if (p === '/__reset') { log.length = 0; mode = {}; cutDone.clear(); res.writeHead(200).end('ok'); return; }
    if (p === '/__mode') {
      for (const [k, v] of url.searchParams) mode[k] = v === 'false' ? false : v === 'true' ? true : v;
      res.writeHead(200, {'Content-Type': 'application/json'}).end(JSON.stringify(mode));
      return;
    }
    if (preflight('hub', req, res) || rateLimited('hub', req, res)) return;
    let m = /^\/api\/models\/(.+?)(?:\/revision\/([^/]+))?$/.exec(p);
    if (m) {
      const id = decodeURIComponent(m[1]);
      if (renamed[id]) {
        record('hub', req, 307);
        cors(res);
        res.writeHead(307, {Location: `/api/models/${renamed[id]}${m[2] ? '/revision/' + m[2] : ''}${url.search}`}).end();
        return;
      }
      const repo = repos[id];
      if (!repo) return fail('hub', req, res, 404, 'RepoNotFound', `Repository Not Found for url: ${p}.`);
      const rev = m[2] ? decodeURIComponent(m[2]) : 'main';
      const sha = revisionSha(repo, rev);
      if (!sha) return fail('hub', req, res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      const body = Buffer.from(JSON.stringify(modelInfo(repo, sha, url.searchParams.get('blobs') === 'true')));
      record('hub', req, 200);
      cors(res);
      res.writeHead(200, {'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length}).end(body);
      return;
    }
    m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(p);
    if (m) {
      const id = decodeURIComponent(m[1]);
      if (renamed[id]) {
        record('hub', req, 307);
        cors(res);
        res.writeHead(307, {Location: `/${renamed[id]}/resolve/${m[2]}/${m[3]}`}).end();
        return;
      }
      const repo = repos[id];
      if (!repo) return fail('hub', req, res, 404, 'RepoNotFound', `Repository Not Found for url: ${p}.`);
      if (repo.gated) {
        return fail('hub', req, res, 401, 'GatedRepo',
                    `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
      }
      const rev = decodeURIComponent(m[2]);
      const sha = revisionSha(repo, rev);
      if (!sha) return fail('hub', req, res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      const file = decodeURIComponent(m[3]);
      const buf = mode.missing === file ? null : repo.files[file];
      if (!buf) return fail('hub', req, res, 404, 'EntryNotFound', `${file} does not exist on "${rev}"`, {'X-Repo-Commit': sha});
      const etag = `"${etagOf(buf)}"`;
      if (WEIGHTS.test(file)) {
        record('hub', req, 302);
        cors(res);
        res.writeHead(302, {Location: `${cdn}/repos/${encodeURIComponent(id)}/${sha}/${encodeURI(file)}?expires=9999999999`,
                            'X-Repo-Commit': sha, 'X-Linked-Size': String(buf.length), 'X-Linked-Etag': etag, ETag: etag,
                            'Content-Length': '0'}).end();
        return;
      }
      sendFile('hub', req, res, buf, {'X-Repo-Commit': sha, ETag: etag}, file);
      return;
    }
    fail('hub', req, res, 404, null, 'Not found');
  });

  // The CDN: /repos/{repo}/{sha}/{path}.
  const cdnServer = http.createServer((req, res) => {
    if (preflight('cdn', req, res) || rateLimited('cdn', req, res)) return;
    const url = new URL(req.url, 'http://x');
    const m = /^\/repos\/([^/]+)\/([0-9a-f]{40})\/(.+)$/.exec(url.pathname);
    const repo = m && repos[decodeURIComponent(m[1])];
    const file = m && decodeURIComponent(m[3]);
    if (!repo || repo.sha !== m[2] || !repo.files[file]) return fail('cdn', req, res, 403, null, 'AccessDenied');
    sendFile('cdn', req, res, repo.files[file], {ETag: `"${etagOf(repo.files[file])}"`}, file);
  });

  const listen = (srv, p) => new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(p, host, () => resolve(srv.address().port));
  });
  const sockets = new Set();
  for (const s of [hubServer, cdnServer]) s.on('connection', (c) => { sockets.add(c); c.on('close', () => sockets.delete(c)); });
  const hp = await listen(hubServer, port);
  const cp = await listen(cdnServer, cdnPort);
  endpoint = `http://localhost:${hp}`;
  cdn = `http://cdn.localhost:${cp}`;
  return {
    endpoint, cdn, repos, renamed, log,
    clearLog() { log.length = 0; },
    setMode(m) { mode = {...mode, ...m}; if (m.cut !== undefined) cutDone.clear(); },
    reset() { log.length = 0; mode = {}; cutDone.clear(); },
    onRequest(f) { listeners.add(f); return () => listeners.delete(f); },
    close() {
      for (const c of sockets) c.destroy();
      return Promise.all([hubServer, cdnServer].map((s) => new Promise((r) => s.close(() => r()))));
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const hub = await startMockHub({port: Number(process.argv[2] || 0), cdnPort: Number(process.argv[3] || 0)});
  console.log(`mock-hub: ${hub.endpoint} cdn ${hub.cdn}`);
  for (const id of Object.keys(hub.repos)) console.log(`  ${id} @ ${hub.repos[id].sha}`);
}
