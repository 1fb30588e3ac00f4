#!/usr/bin/env node
// `npm start`: the demo pages on a static server (serve-static, Express's,
// which answers byte ranges and conditional requests properly: the VM reads
// disk images in ranges; sirv 3 answers `bytes=0-0` with the whole file). Serves demo/ at /, the
// bundle dist/ at /dist/, the built images (.cache/images) at /images/, and
// two stable names for the current images:
//   /images/debian.ext2   the newest debian-*.ext2 (`sudo npm run images -- debian`)
//   /images/busybox.ext2  the image busybox.json names (`npm run images`)
// Builds the bundle first if dist/web-vm.js is missing. Port: $PORT or 8080.
// No COOP/COEP headers, on purpose: the element must work without them.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import serveStatic from 'serve-static';

const demoDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(demoDir, '..');
const imagesDir = join(repoRoot, '.cache', 'images');
const port = Number(process.env.PORT || 8080);

if (!existsSync(join(repoRoot, 'dist', 'web-vm.js'))) {
  console.log('demo: dist/web-vm.js is missing; running `npm run build` first…');
  execSync('npm run build', { cwd: repoRoot, stdio: 'inherit' });
}

// The pages boot the Debian image (and the busybox one): build what is
// missing, once, when this machine can (Debian needs root and debootstrap).
{
  const missing = ['busybox', 'debian'].filter((n) => !imageFor(n));
  const canDebian = process.getuid?.() === 0 && ['/usr/sbin/debootstrap', '/sbin/debootstrap'].some((f) => existsSync(f));
  const build = missing.filter((n) => n !== 'debian' || canDebian);
  if (build.length > 0) {
    console.log(`demo: building the ${build.join(' and ')} image${build.length > 1 ? 's' : ''} (once; Debian takes a few minutes)…`);
    try {
      execSync(`node images/build.mjs ${build.join(' ')}`, { cwd: repoRoot, stdio: 'inherit' });
    } catch {
      console.log('demo: an image could not be built; the pages that need it show an error panel saying how to build it');
    }
  }
}

/** The current image file for a stable name, or null. */
function imageFor(name) {
  try {
    if (name === 'busybox') return join(imagesDir, JSON.parse(readFileSync(join(imagesDir, 'busybox.json'), 'utf8')).image);
    const candidates = readdirSync(imagesDir)
      .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.ext2'))
      .map((f) => join(imagesDir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    return candidates[0] ?? null;
  } catch {
    return null;
  }
}

// no-cache: the browser revalidates (ETag), so a rebuilt image or bundle is never stale.
const opts = { fallthrough: true, index: ['index.html'], dotfiles: 'ignore', cacheControl: false, setHeaders: (res) => res.setHeader('cache-control', 'no-cache') };
const demo = serveStatic(demoDir, opts);
const dist = serveStatic(join(repoRoot, 'dist'), opts);
const images = serveStatic(imagesDir, opts);
const readme = serveStatic(repoRoot, { ...opts, index: false });

/** Serve `req` from `handler` with its URL rewritten to `path`. */
function serveAs(handler, req, res, path, next) {
  req.url = path;
  handler(req, res, next);
}

const notFound = (res, what) => () => {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${what}: not found\n`);
};

const server = createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    return res.end();
  }
  const path = new URL(req.url, 'http://x').pathname;
  const alias = /^\/images\/(debian|busybox)\.ext2$/.exec(path);
  if (alias) {
    const file = imageFor(alias[1]);
    if (!file || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(`no ${alias[1]} image built yet: run \`${alias[1] === 'debian' ? 'sudo npm run images -- debian' : 'npm run images'}\`\n`);
    }
    return serveAs(images, req, res, '/' + file.slice(imagesDir.length + 1), notFound(res, path));
  }
  if (path.startsWith('/dist/')) return serveAs(dist, req, res, req.url.slice(5), notFound(res, path));
  if (path.startsWith('/images/')) return serveAs(images, req, res, req.url.slice(7), notFound(res, path));
  if (path === '/README.md') return readme(req, res, notFound(res, path));
  demo(req, res, notFound(res, path));
});

server.on('error', (e) => {
  console.error(e.code === 'EADDRINUSE' ? `demo: port ${port} is in use; try PORT=8081 npm start` : `demo: ${e.message}`);
  process.exit(1);
});
server.listen(port, () => {
  console.log(`web-vm demo: http://localhost:${port}/  (blog: /blog.html, tutorial: /tutorial.html)`);
  for (const n of ['debian', 'busybox']) {
    const f = imageFor(n);
    console.log(`  /images/${n}.ext2 → ${f && existsSync(f) ? f.slice(repoRoot.length + 1) : `(missing: ${n === 'debian' ? 'sudo npm run images -- debian' : 'npm run images'})`}`);
  }
});
