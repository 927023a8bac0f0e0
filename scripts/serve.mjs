// A small static file server for the built page (node's own http module; no dependencies).
// usage: node scripts/serve.mjs DIR [PORT] [HOST] [--no-isolation]   — serves DIR on http://HOST:PORT/ (default
// 127.0.0.1:8080). It sends Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, so
// the page is cross-origin isolated and its engine runs on threads; --no-isolation (or ATTNVIZ_NO_ISOLATION=1) leaves
// them out (the page then runs single-threaded, as on a plain static host).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const root = path.resolve(args[0] || '.');
const port = Number(args[1] || process.env.PORT || 8080);
const host = args[2] || '127.0.0.1';
const isolation = !flags.includes('--no-isolation') && process.env.ATTNVIZ_NO_ISOLATION !== '1';
const isolationHeaders = isolation
  ? {'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp'}
  : {};
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml', '.glsl': 'text/plain; charset=utf-8',
  '.ttc': 'font/collection', '.ttf': 'font/ttf', '.otf': 'font/otf', '.md': 'text/markdown; charset=utf-8',
};

const server = http.createServer((req, res) => {
  let rel;
  try {
    rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    res.writeHead(400).end('bad request');
    return;
  }
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.join(root, path.normalize(rel));
  if (!file.startsWith(root + path.sep) && file !== root) {
    res.writeHead(403).end('forbidden');
    return;
  }
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) {
      res.writeHead(404, {'Content-Type': 'text/plain'}).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': types[path.extname(file).toLowerCase()] || 'application/octet-stream',
      'Content-Length': st.size,
      'Cache-Control': 'no-cache',
      ...isolationHeaders,
    });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });
});
server.listen(port, host, () => {
  console.log(`attnviz: serving ${root} on http://${host}:${port}/` +
              (isolation ? ' (cross-origin isolated: threads on)' : ' (not isolated: single-threaded)'));
});
