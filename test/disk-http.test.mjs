// The base image over HTTP (issue 5): Range and chunked reads against a local
// server, and every way a server can go wrong giving its typed error —
// never wrong bytes, never a hang.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startImageServer } from './support/image-server.mjs';
import { chunkImage } from '../images/chunk.mjs';
import { openImage } from '../build/src/vm/storage/http-device.js';
import { MemoryChunkCache } from '../build/src/vm/storage/chunk-cache.js';
import { StorageError } from '../build/src/vm/storage/errors.js';

const work = mkdtempSync(join(tmpdir(), 'web-vm-http-'));
// 1 MiB + 1234 bytes of noise with a zero stretch: the last chunk is short, some chunks are all zeros.
const SIZE = 1024 * 1024 + 1234;
const image = randomBytes(SIZE);
image.fill(0, 256 * 1024, 512 * 1024);
writeFileSync(join(work, 'img.raw'), image);
chunkImage(join(work, 'img.raw'), work, { chunkSize: 65536, name: 'img' });
const server = await startImageServer(work);
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

/** Quick policy so failure tests finish fast: 2 retries, 10 ms backoff, 2 s timeout. */
const FAST = { retries: 2, retryDelayMs: 10, timeoutMs: 2000 };
const CS = 16 * 1024;

function reset() {
  server.mode = 'ok';
  server.dropNext = 0;
  server.failNext = 0;
  server.requests.length = 0;
  server.maxInFlight = 0;
}

async function rejectsWith(p, type, re) {
  await assert.rejects(p, (e) => {
    assert.ok(e instanceof StorageError, `expected a StorageError, got ${e?.stack ?? e}`);
    assert.equal(e.type, type, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

/** Reads that cross chunk boundaries, the start, the short last chunk. */
const SPOTS = [[0, 1], [0, 4096], [CS - 10, 20], [3 * CS + 5, 5 * CS], [SIZE - 1234, 1234], [SIZE - 1, 1], [200 * 1024, 400 * 1024]];

test('raw image: Range reads return the image bytes; size and identity from the server', async () => {
  reset();
  let progress = null;
  const dev = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS, onProgress: (p) => (progress = p) });
  assert.equal(dev.size, SIZE);
  assert.deepEqual(dev.identity, { url: server.url('img.raw'), size: SIZE, validator: 'etag:"v1"' });
  for (const [off, len] of SPOTS) assert.deepEqual(Buffer.from(await dev.read(off, len)), image.subarray(off, off + len), `read ${len} at ${off}`);
  assert.ok(server.requests.every((r) => r.range !== null), 'every request asks for a range');
  assert.equal(progress.size, SIZE);
  assert.equal(progress.bytesFetched, dev.bytesFetched);
  assert.ok(dev.bytesFetched >= 400 * 1024 && dev.bytesFetched <= SIZE, `fetched ${dev.bytesFetched}`);
  await assert.rejects(dev.read(SIZE - 1, 2), RangeError);
});

test('raw image: concurrency is capped and sequential reads fetch ahead', async () => {
  reset();
  const dev = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS, maxConcurrency: 2, readAhead: 3 });
  await dev.read(0, SIZE); // 65 chunks wanted at once
  assert.ok(server.maxInFlight <= 2, `max in flight ${server.maxInFlight}`);
  reset();
  const seq = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS, readAhead: 3 });
  for (let off = 0; off < 4 * CS; off += 4096) await seq.read(off, 4096);
  await new Promise((r) => setTimeout(r, 100));
  const asked = server.requests.map((r) => Number(/bytes=(\d+)/.exec(r.range)[1]) / CS);
  assert.ok(asked.includes(5) && asked.includes(6), `read-ahead fetched chunks beyond chunk 3: ${asked}`);
  // A chunk is fetched once however many reads want it.
  assert.equal(new Set(asked).size, asked.length, `chunks fetched twice: ${asked}`);
});

test('raw image: the in-memory cache is bounded and refetches what it dropped', async () => {
  reset();
  const dev = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS, cacheBytes: 4 * CS, readAhead: 0 });
  await dev.read(0, SIZE);
  const n = server.requests.length;
  await dev.read(0, 100); // chunk 0 was evicted
  assert.equal(server.requests.length, n + 1);
  await dev.read(SIZE - 100, 100); // the last chunk is still cached
  assert.equal(server.requests.length, n + 1);
});

test('chunked image: the manifest and chunk files give the image bytes; zero chunks are not fetched', async () => {
  reset();
  const dev = await openImage(server.url('img.json'), FAST);
  const manifest = JSON.parse(readFileSync(join(work, 'img.json'), 'utf8'));
  assert.equal(dev.size, SIZE);
  assert.match(dev.identity.validator, /^sha256:[0-9a-f]{64}$/);
  assert.equal(dev.identity.validator, manifest.hash);
  assert.deepEqual(Buffer.from(await dev.read(0, SIZE)), image);
  assert.equal(manifest.chunks.filter((c) => c === null).length, 4, 'the 256 KiB zero stretch is 4 null chunks');
  assert.equal(server.requests.length, 1 + manifest.chunks.filter((c) => c !== null).length, 'manifest + one GET per stored chunk');
  assert.ok(server.requests.every((r) => r.range === null), 'no Range requests');
});

test('chunked image: a chunk whose bytes changed is image-changed; a bad manifest is bad-manifest', async () => {
  reset();
  const manifest = JSON.parse(readFileSync(join(work, 'img.json'), 'utf8'));
  const victim = join(work, 'img.chunks', manifest.chunks[2]);
  const good = readFileSync(victim);
  writeFileSync(victim, Buffer.alloc(good.length, 7));
  try {
    const dev = await openImage(server.url('img.json'), FAST);
    await rejectsWith(dev.read(2 * 65536, 10), 'image-changed', /does not hash to its name/);
    writeFileSync(victim, good.subarray(0, 100));
    const dev2 = await openImage(server.url('img.json'), FAST);
    await rejectsWith(dev2.read(2 * 65536, 10), 'truncated');
  } finally {
    writeFileSync(victim, good);
  }
  writeFileSync(join(work, 'bad.json'), JSON.stringify({ ...manifest, chunkCount: 3 }));
  await rejectsWith(openImage(server.url('bad.json'), FAST), 'bad-manifest', /chunkCount/);
  writeFileSync(join(work, 'notjson.json'), 'hello');
  await rejectsWith(openImage(server.url('notjson.json'), FAST), 'bad-manifest', /not JSON/);
});

test('a server that ignores Range is range-unsupported, at open and mid-session, without downloading the image', async () => {
  reset();
  server.mode = 'ignore-range';
  await rejectsWith(openImage(server.url('img.raw'), { ...FAST, chunkSize: CS }), 'range-unsupported', /ignored the Range header.*chunk/);
  reset();
  const dev = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS });
  server.mode = 'ignore-range';
  server.bytesSent = 0;
  await rejectsWith(dev.read(10 * CS, 10), 'range-unsupported');
  assert.ok(server.bytesSent < SIZE, `the body was not read whole (${server.bytesSent} bytes sent)`);
});

test('404 and 403 are http-status errors saying what to do; not retried', async () => {
  reset();
  await rejectsWith(openImage(server.url('missing.raw'), FAST), 'http-status', /404.*check the path/);
  assert.equal(server.requests.length, 1);
  server.mode = 'status';
  server.status = 403;
  await rejectsWith(openImage(server.url('img.raw'), FAST), 'http-status', /403.*refuses access/);
  await rejectsWith(openImage(server.url('img.json'), FAST), 'http-status', /403/);
});

test('a wrong Content-Range is bad-range', async () => {
  reset();
  server.mode = 'wrong-range';
  await rejectsWith(openImage(server.url('img.raw'), { ...FAST, chunkSize: CS }), 'bad-range', /Content-Range bytes 4096-/);
  reset();
  const dev = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS });
  server.mode = 'wrong-range';
  await rejectsWith(dev.read(5 * CS, 10), 'bad-range');
});

test('truncated bodies are truncated errors (after retries), with or without Content-Length', async () => {
  reset();
  const dev = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS });
  server.mode = 'short-body';
  await rejectsWith(dev.read(7 * CS, 10), 'truncated', /sent 8192 of the 16384 bytes/);
  server.mode = 'cut-connection';
  server.requests.length = 0;
  await rejectsWith(dev.read(8 * CS, 10), 'truncated');
  assert.equal(server.requests.length, 3, 'first attempt + 2 retries');
});

test('a validator or size change mid-session is image-changed, and stays so', async () => {
  reset();
  const dev = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS });
  await dev.read(CS, 10);
  server.mode = 'change-validator';
  await rejectsWith(dev.read(9 * CS, 10), 'image-changed', /ETag "v1" became "v2"/);
  server.mode = 'ok';
  await rejectsWith(dev.read(10 * CS, 10), 'image-changed');
  reset();
  const dev2 = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS });
  server.mode = 'change-size';
  await rejectsWith(dev2.read(9 * CS, 10), 'image-changed', /size went from/);
});

test('network errors and 503s are retried with backoff; persistent ones are typed errors', async () => {
  reset();
  server.dropNext = 2;
  // No read-ahead: it would spend the server's failures on chunks nobody asked for.
  const dev = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS, readAhead: 0 });
  assert.deepEqual(Buffer.from(await dev.read(0, 100)), image.subarray(0, 100));
  server.failNext = 2;
  assert.deepEqual(Buffer.from(await dev.read(3 * CS, 100)), image.subarray(3 * CS, 3 * CS + 100));
  server.dropNext = 10;
  server.requests.length = 0;
  await rejectsWith(dev.read(4 * CS, 10), 'network', /network error/);
  server.dropNext = 0;
  server.failNext = 10;
  server.requests.length = 0;
  await rejectsWith(dev.read(4 * CS, 10), 'http-status', /503/);
  server.failNext = 0;
  assert.deepEqual(Buffer.from(await dev.read(4 * CS, 10)), image.subarray(4 * CS, 4 * CS + 10), 'a failed read can be retried later');
});

test('a server that never answers is a network error after the timeout, not a hang', async () => {
  reset();
  server.mode = 'stall';
  const t0 = Date.now();
  await rejectsWith(openImage(server.url('img.raw'), { retries: 1, retryDelayMs: 10, timeoutMs: 300 }), 'network', /no answer within 0.3 s/);
  assert.ok(Date.now() - t0 < 5000);
});

test('the persistent chunk cache serves a second session, even offline', async () => {
  reset();
  const cache = new MemoryChunkCache();
  const a = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS, chunkCache: cache, readAhead: 0 });
  await a.read(0, 3 * CS);
  await new Promise((r) => setTimeout(r, 50));
  server.mode = 'stall';
  const b = await openImage(server.url('img.raw'), { retries: 0, timeoutMs: 200, chunkSize: CS, chunkCache: cache, readAhead: 0 });
  assert.equal(b.size, SIZE);
  assert.deepEqual(Buffer.from(await b.read(0, 3 * CS)), image.subarray(0, 3 * CS));
  assert.equal(b.bytesFetched, 0);
  await rejectsWith(b.read(6 * CS, 10), 'network');
  reset();
  const online = await openImage(server.url('img.raw'), { ...FAST, chunkSize: CS, chunkCache: cache, readAhead: 0 });
  assert.deepEqual(Buffer.from(await online.read(0, 3 * CS)), image.subarray(0, 3 * CS));
  assert.deepEqual(server.requests.map((r) => r.range), ['bytes=0-0'], 'online again: only a 1-byte probe of the validator');
  assert.equal(online.bytesFetched, 1);
  reset();
  const c = await openImage(server.url('img.json'), { ...FAST, chunkCache: cache });
  await c.read(0, SIZE);
  const d = await openImage(server.url('img.json'), { ...FAST, chunkCache: cache });
  server.requests.length = 0;
  assert.deepEqual(Buffer.from(await d.read(0, SIZE)), image);
  assert.equal(server.requests.length, 0, 'chunked reads all came from the cache');
});
