#!/usr/bin/env node
// `npm start`: a small static server for the demo pages (node:http, no deps).
// Serves demo/ at /, plus /dist/ (the bundle), /images/ (.cache/images, the
// built disk images) and /README.md. Answers byte ranges, as the VM's HTTP
// block device reads images in ranges. Port: $PORT or 8080.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const demoDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(demoDir, '..');
const port = Number(process.env.PORT || 8080);

/** URL prefix → directory (longest prefix first). */
const mounts = [
  ['/dist/', join(repoRoot, 'dist')],
  ['/images/', join(repoRoot, '.cache', 'images')],
  ['/', demoDir],
];
const files = { '/README.md': join(repoRoot, 'README.md') };

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm', '.ext2': 'application/octet-stream',
};

function resolvePath(urlPath) {
  if (files[urlPath]) return files[urlPath];
  for (const [prefix, dir] of mounts) {
    if (!urlPath.startsWith(prefix)) continue;
    const p = resolve(dir, '.' + urlPath.slice(prefix.length - 1));
    return p === dir || p.startsWith(dir + sep) ? p : null; // no escaping the mount with ../
  }
  return null;
}

function send(res, status, text) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text + '\n');
}

const server = createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD');
  let urlPath;
  try {
    urlPath = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    return send(res, 400, 'bad URL');
  }
  let file = resolvePath(urlPath);
  let st;
  try {
    st = file && statSync(file);
    if (st && st.isDirectory()) { file = join(file, 'index.html'); st = statSync(file); }
  } catch { st = null; }
  if (!st || !st.isFile()) return send(res, 404, `${urlPath}: not found`);

  const headers = {
    'content-type': types[extname(file)] || 'application/octet-stream',
    'accept-ranges': 'bytes',
    'cache-control': 'no-cache',
    'last-modified': st.mtime.toUTCString(),
  };
  let start = 0, end = st.size - 1, status = 200;
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || '');
  if (m && (m[1] !== '' || m[2] !== '')) {
    if (m[1] === '') { start = Math.max(0, st.size - Number(m[2])); }
    else { start = Number(m[1]); end = m[2] === '' ? st.size - 1 : Math.min(Number(m[2]), st.size - 1); }
    if (start > end || start >= st.size) {
      res.writeHead(416, { 'content-range': `bytes */${st.size}` });
      return res.end();
    }
    status = 206;
    headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
  }
  headers['content-length'] = st.size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || st.size === 0) return res.end();
  createReadStream(file, { start, end }).on('error', () => res.destroy()).pipe(res);
});

server.on('error', (e) => {
  console.error(e.code === 'EADDRINUSE' ? `demo: port ${port} is in use; try PORT=8081 npm start` : `demo: ${e.message}`);
  process.exit(1);
});
server.listen(port, () => console.log(`web-vm demo: http://localhost:${port}/`));
