// Keeping changes (issue 5): the commit driver over a store, quota failures,
// image identity, reset/export/import, and the Node journal store's crash
// safety and locking. The crash test with a real guest is disk-crash.test.mjs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeExt2Image } from './support/mkimage.mjs';
import { MemoryBlockDevice } from '../build/src/vm/storage/block-device.js';
import { MemoryChangeStore, PersistentDisk, exportStore, importStore, resetStore } from '../build/src/vm/storage/persist.js';
import { StorageError } from '../build/src/vm/storage/errors.js';
import { FileChangeStore } from '../build/src/cli/file-store.js';
import { Ext2 } from '../build/src/vm/fs/ext2.js';

const work = mkdtempSync(join(tmpdir(), 'web-vm-persist-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A base image with an identity, over bytes in memory. */
function image(bytes, identity = {}) {
  const dev = new MemoryBlockDevice(bytes);
  return Object.assign(dev, { bytesFetched: 0, identity: { url: 'https://example.test/a.ext2', size: bytes.length, validator: 'etag:"1"', ...identity } });
}

const quotaError = () => {
  // How IndexedDB reports it through Dexie: an AbortError wrapping the DOMException.
  const inner = Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
  return Object.assign(new Error('Transaction aborted'), { name: 'AbortError', inner });
};

test('commit writes exactly the changed chunks; a reopened disk reads them back', async () => {
  const base = new Uint8Array(64 * 1024).fill(1);
  const store = new MemoryChangeStore();
  const a = await PersistentDisk.open(image(base), store, { idleMs: 60_000 });
  await a.overlay.write(5000, new Uint8Array([9, 9, 9]));
  await a.overlay.write(4096 * 10, new Uint8Array(4096).fill(2));
  assert.equal(a.uncommitted, 2);
  await a.commit();
  assert.equal(a.uncommitted, 0);
  assert.deepEqual([...store.blocks.keys()].sort((x, y) => x - y), [1, 10]);
  assert.equal(store.meta.generation, 1);
  assert.deepEqual(store.meta.image, { url: 'https://example.test/a.ext2', size: base.length, validator: 'etag:"1"' });
  await a.commit(); // nothing new: no transaction
  assert.equal(store.commits, 1);
  const b = await PersistentDisk.open(image(base), store);
  assert.deepEqual([...(await b.overlay.read(4999, 5))], [1, 9, 9, 9, 1]);
  assert.deepEqual([...(await b.overlay.read(4096 * 10 - 1, 2))], [1, 2]);
});

test('writes are committed after the idle delay, and no later than maxDelayMs while writes go on', async () => {
  const store = new MemoryChangeStore();
  const d = await PersistentDisk.open(image(new Uint8Array(65536)), store, { idleMs: 50, maxDelayMs: 200 });
  await d.overlay.write(0, new Uint8Array([1]));
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(store.commits, 1, 'committed after 50 ms idle');
  const t0 = Date.now();
  while (store.commits === 1 && Date.now() - t0 < 2000) {
    await d.overlay.write(4096, new Uint8Array([Date.now() & 0xff]));
    await new Promise((r) => setTimeout(r, 20)); // never idle for 50 ms
  }
  const waited = Date.now() - t0;
  assert.equal(store.commits, 2);
  assert.ok(waited >= 180 && waited < 600, `second commit after ${waited} ms of continuous writes`);
  await d.close();
});

test('a quota error (wrapped in an AbortError) is a quota error; changes stay in memory, are retried, committed state is intact', async () => {
  const store = new MemoryChangeStore();
  const errors = [];
  const d = await PersistentDisk.open(image(new Uint8Array(65536)), store, { idleMs: 60_000, retryMs: 50, onError: (e) => errors.push(e) });
  await d.overlay.write(0, new Uint8Array([1]));
  await d.commit();
  store.failWith = quotaError();
  await d.overlay.write(0, new Uint8Array([2]));
  await d.overlay.write(8192, new Uint8Array([3]));
  await assert.rejects(d.commit(), (e) => e instanceof StorageError && e.type === 'quota' && /storage is full/.test(e.message));
  assert.equal(errors.length, 1);
  assert.equal(errors[0].type, 'quota');
  assert.equal(d.uncommitted, 2, 'both chunks still waiting');
  assert.equal(store.blocks.get(0)[0], 1, 'committed state unchanged');
  assert.equal(store.meta.generation, 1);
  assert.equal((await d.overlay.read(0, 1))[0], 2, 'the guest still sees its write');
  store.failWith = null;
  await new Promise((r) => setTimeout(r, 150)); // the scheduled retry
  assert.equal(store.blocks.get(0)[0], 2);
  assert.equal(store.blocks.get(2)[0], 3);
  assert.equal(store.meta.generation, 2);
  assert.equal(d.uncommitted, 0);
  await d.close();
});

test('other store failures are store errors; a failed commit can succeed later', async () => {
  const store = new MemoryChangeStore();
  const d = await PersistentDisk.open(image(new Uint8Array(65536)), store, { idleMs: 60_000, retryMs: 60_000 });
  store.failWith = new Error('disk on fire');
  await d.overlay.write(0, new Uint8Array([1]));
  await assert.rejects(d.commit(), (e) => e.type === 'store' && /disk on fire/.test(e.message));
  store.failWith = null;
  await d.commit();
  assert.equal(store.blocks.get(0)[0], 1);
  await d.close();
});

test('changes made against another image are refused with image-mismatch; reset() is the way out', async () => {
  const base = new Uint8Array(65536);
  const store = new MemoryChangeStore('persist-key "t"');
  const d = await PersistentDisk.open(image(base), store);
  await d.overlay.write(0, new Uint8Array([7]));
  await d.close();
  const refused = async (identity, size = base.length) =>
    assert.rejects(PersistentDisk.open(image(new Uint8Array(size), identity), store), (e) => {
      assert.ok(e instanceof StorageError && e.type === 'image-mismatch', String(e));
      assert.match(e.message, /persist-key "t".*were made against https:\/\/example.test\/a.ext2.*reset\(\)/);
      return true;
    });
  await refused({ validator: 'etag:"2"' }); // same URL and size, new content
  await refused({}, 131072); // another size
  await refused({ url: 'https://example.test/b.ext2', validator: '' }); // no validator to compare: the URL decides
  // The same bytes at another URL (validator equal) are the same image.
  await PersistentDisk.open(image(base, { url: 'https://cdn.test/a.ext2' }), store);
  await resetStore(store);
  const fresh = await PersistentDisk.open(image(new Uint8Array(65536), { validator: 'etag:"2"' }), store);
  assert.equal((await fresh.overlay.read(0, 1))[0], 0, 'reset dropped the change');
});

test('export and import carry a store to another one; a damaged file is bad-export', async () => {
  const base = new Uint8Array(65536);
  const a = new MemoryChangeStore();
  const d = await PersistentDisk.open(image(base), a);
  await d.overlay.write(100, new TextEncoder().encode('carried'));
  const file = await d.export();
  assert.equal(await exportStore(new MemoryChangeStore()), null, 'an empty store exports nothing');
  const b = new MemoryChangeStore();
  const meta = await importStore(b, file);
  assert.equal(meta.image.url, 'https://example.test/a.ext2');
  const e = await PersistentDisk.open(image(base), b);
  assert.equal(new TextDecoder().decode(await e.overlay.read(100, 7)), 'carried');
  for (const bad of [file.subarray(0, file.length - 3), new Uint8Array(100), (() => { const x = file.slice(); x[40] ^= 1; return x; })()]) {
    await assert.rejects(importStore(new MemoryChangeStore(), bad), (err) => err.type === 'bad-export');
  }
});

test('the journal store: commits survive reopening; a torn tail is dropped; compaction keeps the state', async () => {
  const dir = join(work, 'journal');
  const base = new Uint8Array(1 << 20);
  let s = await FileChangeStore.open(dir);
  let d = await PersistentDisk.open(image(base), s);
  await d.overlay.write(0, new Uint8Array([1]));
  await d.commit();
  await d.overlay.write(4096, new Uint8Array([2]));
  await d.commit();
  await d.close();
  const journal = join(dir, 'overlay.journal');
  const good = statSync(journal).size;
  // A crash mid-append: half a transaction after the last commit record.
  appendFileSync(journal, readFileSync(journal).subarray(8, 8 + 3000));
  s = await FileChangeStore.open(dir);
  d = await PersistentDisk.open(image(base), s);
  assert.equal(statSync(journal).size, good, 'torn tail truncated at open');
  assert.deepEqual([...(await d.overlay.read(0, 1)), ...(await d.overlay.read(4096, 1))], [1, 2]);
  // Rewrite one chunk until the journal is compacted (> 2 × live + 16 MiB).
  for (let i = 0; i < 4200; i++) {
    await d.overlay.write(8192, new Uint8Array(4096).fill(i & 0xff));
    await d.commit();
  }
  assert.ok(statSync(journal).size < 8 << 20, `compacted to ${statSync(journal).size} bytes`);
  await d.close();
  s = await FileChangeStore.open(dir);
  d = await PersistentDisk.open(image(base), s);
  assert.deepEqual([...(await d.overlay.read(0, 1)), ...(await d.overlay.read(4096, 1)), ...(await d.overlay.read(8192, 1))], [1, 2, 4199 & 0xff]);
  // A damaged record in the middle ends the journal there: only earlier transactions count.
  await d.close();
  truncateSync(journal, 8 + 100);
  s = await FileChangeStore.open(dir);
  assert.equal((await s.load()).meta, null);
  await s.close();
});

test('the journal store refuses a directory in use by a live process and takes over a dead one\'s lock', async () => {
  const dir = join(work, 'locked');
  const s = await FileChangeStore.open(dir);
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  writeFileSync(join(dir, 'lock'), `${child.pid}\n`);
  await assert.rejects(FileChangeStore.open(dir), (e) => e.type === 'store' && new RegExp(`in use by another web-vm \\(pid ${child.pid}\\)`).test(e.message));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const t = await FileChangeStore.open(dir);
  assert.equal(readFileSync(join(dir, 'lock'), 'utf8').trim(), String(process.pid));
  await t.close();
  await s.close().catch(() => undefined);
});

test('ext2 on a persistent disk: a file created and committed is there after reopening', async () => {
  const tree = join(work, 'tree');
  mkdirSync(tree, { recursive: true });
  makeExt2Image(tree, join(work, 'fs.ext2'), { sizeKb: 4096 });
  const base = new Uint8Array(readFileSync(join(work, 'fs.ext2')));
  const store = new MemoryChangeStore();
  const d = await PersistentDisk.open(image(base), store);
  const fs = await Ext2.mount(d.overlay, { writable: true });
  d.attach(fs);
  const root = await fs.root();
  const f = await fs.create(root, 'kept', 0o644, 0, 0);
  await fs.write(f, 0, new TextEncoder().encode('still here'));
  await d.commit();
  const again = await PersistentDisk.open(image(base), store);
  const fs2 = await Ext2.mount(again.overlay, { writable: false });
  const g = await fs2.lookup(await fs2.root(), 'kept');
  assert.equal(new TextDecoder().decode(await fs2.read(g, 0, 100)), 'still here');
});

test('fsync in the guest waits for the commit; a quota failure makes it fail with ENOSPC, a store failure with EIO', async () => {
  const { buildBusyboxImage } = await import('./support/busybox.mjs');
  const { runProgram } = await import('../build/src/vm/index.js');
  const base = new Uint8Array(readFileSync(buildBusyboxImage().image));
  const dec = new TextDecoder();
  const runSync = async (store) => {
    const disk = await PersistentDisk.open(image(base), store, { idleMs: 60_000, retryMs: 60_000 });
    let out = '';
    // busybox sync FILE fsyncs the file and reports a failure as sync(1) does.
    await runProgram({ device: disk.overlay, disk, argv: ['/bin/busybox', 'sh', '-c', 'echo data > /root/f; /bin/busybox sync /root/f; echo status $?'], stdout: (d) => (out += dec.decode(d)), stderr: (d) => (out += dec.decode(d)) }).catch(() => undefined);
    return out;
  };
  const ok = new MemoryChangeStore();
  assert.equal(await runSync(ok), 'status 0\n');
  assert.ok(ok.commits >= 1 && ok.meta !== null, 'sync committed');
  const full = new MemoryChangeStore();
  full.failWith = quotaError();
  assert.match(await runSync(full), /No space left on device\nstatus 1\n$/);
  const broken = new MemoryChangeStore();
  broken.failWith = new Error('gone');
  assert.match(await runSync(broken), /Input\/output error\nstatus 1\n$/);
});
