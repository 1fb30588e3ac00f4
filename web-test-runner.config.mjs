// Browser tests: @web/test-runner driving Debian's chromium (puppeteer-core,
// no downloaded browser). Run with `npm run test:browser` (after `npm run
// build:ts` and `npm run images`; `npm test` does all of that).
//
// The dev server serves the repository root, hidden directories included
// (@web/dev-server-core sets koa-static `hidden: true`), so a test page can
// fetch `/build/src/...` modules and `/.cache/images/...` disk images.
// The page is NOT cross-origin isolated (no COOP/COEP headers): the VM must
// work there, so tests run in exactly the environment an embedding page has.
import { cpSync, createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import serveStatic from 'serve-static';
import { resolve, sep } from 'node:path';
import { summaryReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { makeExt2Image } from './test/support/mkimage.mjs';

const rootDir = process.cwd();

/**
 * Byte-range support (RFC 9110 §14) for static files. koa-static ignores
 * `Range`; the VM's HTTP block device reads images in ranges, so the test
 * server should answer like a real static host does. Only single ranges.
 */
function rangeRequests() {
  return async (ctx, next) => {
    const range = ctx.get('range');
    const m = /^bytes=(\d*)-(\d*)$/.exec(range);
    if (!m || (ctx.method !== 'GET' && ctx.method !== 'HEAD') || (m[1] === '' && m[2] === '')) return next();
    const file = resolve(rootDir, '.' + decodeURIComponent(ctx.path));
    if (file !== rootDir && !file.startsWith(rootDir + sep)) return next();
    let st;
    try { st = statSync(file); } catch { return next(); }
    if (!st.isFile()) return next();
    const size = st.size;
    let start, end;
    if (m[1] === '') { start = Math.max(0, size - Number(m[2])); end = size - 1; } // suffix range: last N bytes
    else { start = Number(m[1]); end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1); }
    ctx.set('accept-ranges', 'bytes');
    ctx.set('cache-control', 'no-cache');
    // Validators, as static hosts send them: the HTTP block device checks them on every range.
    ctx.set('last-modified', st.mtime.toUTCString());
    ctx.set('etag', `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`);
    if (start > end || start >= size) {
      ctx.status = 416;
      ctx.set('content-range', `bytes */${size}`);
      return;
    }
    ctx.status = 206;
    ctx.set('content-range', `bytes ${start}-${end}/${size}`);
    ctx.type = 'application/octet-stream';
    ctx.length = end - start + 1;
    if (ctx.method === 'GET') ctx.body = createReadStream(file, { start, end });
  };
}

/**
 * Writes pass/fail counts to $WEB_VM_WTR_RESULTS (JSON) so test/run-all.mjs can
 * add browser tests to its summary. A test file that fails before any test
 * runs (a syntax or import error) counts as one failure.
 */
function countsReporter() {
  return {
    onTestRunFinished({ sessions }) {
      const out = process.env.WEB_VM_WTR_RESULTS;
      if (!out) return;
      let passed = 0, failed = 0, skipped = 0;
      const walk = (suite) => {
        for (const t of suite.tests) {
          if (t.skipped) skipped++;
          else if (t.passed) passed++;
          else failed++;
        }
        for (const s of suite.suites) walk(s);
      };
      for (const s of sessions) {
        const failedBefore = failed;
        if (s.testResults) walk(s.testResults);
        if (s.passed === false && failed === failedBefore) failed++; // the file failed outside any test
      }
      writeFileSync(out, JSON.stringify({ passed, failed, skipped }) + '\n');
    },
  };
}

/**
 * A second origin, standing in for a CDN: serves dist/ (the bundle) on
 * another port with CORS, as jsDelivr and unpkg do. Test pages learn its
 * origin from GET /__cdn-origin on the test server.
 */
function cdnOrigin() {
  let server = null;
  let origin = null;
  const serve = serveStatic(resolve(rootDir, 'dist'), { setHeaders: (res) => res.setHeader('access-control-allow-origin', '*') });
  return {
    name: 'web-vm-cdn-origin',
    async serverStart() {
      server = createServer((req, res) => serve(req, res, () => { res.statusCode = 404; res.end('not found'); }));
      await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
      origin = `http://127.0.0.1:${server.address().port}`;
    },
    async serverStop() {
      await new Promise((ok) => (server ? server.close(ok) : ok()));
    },
    serve(ctx) {
      if (ctx.path === '/__cdn-origin') return { body: JSON.stringify({ origin }), type: 'json' };
    },
  };
}

/**
 * A second, different test image for tests that switch images: the busybox
 * test image's tree with /etc/hostname saying `second-image`, built at
 * server start into build/test-images/busybox-second.ext2 (mke2fs, ~0.2 s).
 */
function secondImage() {
  return {
    name: 'web-vm-second-image',
    serverStart() {
      const manifest = JSON.parse(readFileSync(resolve(rootDir, '.cache/images/busybox.json'), 'utf8'));
      const tree = resolve(rootDir, '.cache/images', manifest.image.replace(/\.ext2$/, '.tree'));
      const copy = mkdtempSync(resolve(tmpdir(), 'web-vm-second-'));
      try {
        cpSync(tree, copy, { recursive: true, verbatimSymlinks: true });
        writeFileSync(resolve(copy, 'etc/hostname'), 'second-image\n');
        makeExt2Image(copy, resolve(rootDir, 'build/test-images/busybox-second.ext2'));
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Counts requests per URL (path and query), so a test can prove what was NOT
 * fetched (worker fetches do not show in the page's performance entries):
 * GET /__request-count?url=/path?query answers {count}.
 */
function requestCounter() {
  const counts = new Map();
  return async (ctx, next) => {
    if (ctx.path === '/__request-count') {
      ctx.type = 'json';
      ctx.body = JSON.stringify({ count: counts.get(ctx.query.url) ?? 0 });
      return;
    }
    counts.set(ctx.url, (counts.get(ctx.url) ?? 0) + 1);
    return next();
  };
}

export default {
  rootDir,
  files: ['test/browser/**/*.test.js'],
  nodeResolve: true,
  concurrency: 1,
  concurrentBrowsers: 1,
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testsFinishTimeout: 180_000,
  testFramework: { config: { timeout: 60_000 } },
  middleware: [requestCounter(), rangeRequests()],
  plugins: [cdnOrigin(), secondImage()],
  // summaryReporter lists every test (✓/𐄂) with errors and browser logs; it suits CI logs.
  reporters: [summaryReporter({ flatten: false }), countsReporter()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--disable-default-apps',
          '--disable-extensions',
        ],
      },
    }),
  ],
};
