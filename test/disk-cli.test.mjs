// The disk through the CLI (issue 5): --image over HTTP (raw and chunked),
// --persist across runs, one-line errors with exit status 125 for the typed
// failures, image-mismatch refusal, and a sparse image larger than 2 GiB.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { execFileSync } from 'node:child_process';
import { repoRoot } from './support/mkimage.mjs';
import { buildBusyboxImage } from './support/busybox.mjs';
import { startImageServer } from './support/image-server.mjs';
import { chunkImage } from '../images/chunk.mjs';
import { openImage } from '../build/src/vm/storage/http-device.js';
import { PersistentDisk } from '../build/src/vm/storage/persist.js';
import { FileChangeStore } from '../build/src/cli/file-store.js';
import { Ext2 } from '../build/src/vm/fs/ext2.js';

const cli = join(repoRoot, 'bin', 'web-vm.js');
const work = mkdtempSync(join(tmpdir(), 'web-vm-disk-cli-'));
const { image: busybox, tree } = buildBusyboxImage();
copyFileSync(busybox, join(work, 'bb.ext2'));
chunkImage(join(work, 'bb.ext2'), work, { name: 'bb' });
const server = await startImageServer(work);
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

/** Run the CLI (asynchronously: the HTTP server lives in this process). */
async function run(args) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, 'run', ...args], { encoding: 'utf8', timeout: 120_000 });
    return { status: 0, stdout, stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { status: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function oneLineError(r, re) {
  assert.equal(r.status, 125, `status (stderr: ${r.stderr})`);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, re);
}

test('--image takes an http URL of a raw image and of a chunked image manifest', async () => {
  server.mode = 'ok';
  for (const name of ['bb.ext2', 'bb.json']) {
    const r = await run(['--image', server.url(name), '--', '/bin/busybox', 'sh', '-c', 'echo over http; ls /bin | head -3']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^over http\n/);
  }
});

test('--persist keeps changes across runs, over HTTP as over a file', async () => {
  const dir = join(work, 'p1');
  let r = await run(['--image', server.url('bb.ext2'), '--persist', dir, '--', '/bin/busybox', 'sh', '-c', 'echo kept > /root/note; mkdir /root/d']);
  assert.equal(r.status, 0, r.stderr);
  r = await run(['--image', server.url('bb.ext2'), '--persist', dir, '--', '/bin/busybox', 'cat', '/root/note']);
  assert.equal(r.stdout, 'kept\n', r.stderr);
  const local = join(work, 'p2');
  await run(['--image', join(work, 'bb.ext2'), '--persist', local, '--', '/bin/busybox', 'sh', '-c', 'echo local > /x']);
  r = await run(['--image', join(work, 'bb.ext2'), '--persist', local, '--', '/bin/busybox', 'cat', '/x']);
  assert.equal(r.stdout, 'local\n', r.stderr);
});

test('changes saved against one image are refused on another (image-mismatch), in one line', async () => {
  const dir = join(work, 'p3');
  await run(['--image', server.url('bb.ext2'), '--persist', dir, '--', '/bin/busybox', 'touch', '/y']);
  // Same bytes served as a chunked image: another validator (content hash vs ETag) → refused too,
  // since nothing proves they are the same image.
  const other = join(work, 'other.ext2');
  copyFileSync(join(work, 'bb.ext2'), other);
  const r = await run(['--image', other, '--persist', dir, '--', '/bin/busybox', 'true']);
  oneLineError(r, /^web-vm: --persist .*: the saved changes in .* were made against http:\/\/127\.0\.0\.1:\d+\/bb\.ext2 .* but the image is now file:\/\/.*other\.ext2.*deleting the --persist directory/);
});

test('HTTP failures are one line on stderr and exit status 125', async () => {
  oneLineError(await run(['--image', server.url('nope.ext2'), '--', '/bin/busybox', 'true']), /^web-vm: image-url: http:\/\/.*nope\.ext2 answered 404 Not Found: check the path$/m);
  server.mode = 'ignore-range';
  oneLineError(await run(['--image', server.url('bb.ext2'), '--', '/bin/busybox', 'true']), /ignored the Range header/);
  server.mode = 'status';
  server.status = 403;
  oneLineError(await run(['--image', server.url('bb.json'), '--', '/bin/busybox', 'true']), /403 Forbidden: the server refuses access/);
  server.mode = 'ok';
  oneLineError(await run(['--image', 'http://127.0.0.1:1/x.ext2', '--', '/bin/busybox', 'true']), /^web-vm: image-url: network error fetching/);
});

test('a sparse image larger than 2 GiB works over HTTP: reads past 2 and 4 GiB, mount, run, persist', async () => {
  const big = join(work, 'big.ext2');
  writeFileSync(big, '');
  truncateSync(big, 5 * 1024 ** 3);
  execFileSync('mke2fs', ['-q', '-F', '-t', 'ext2', '-b', '4096', '-N', '8192', '-d', tree, big], { stdio: ['ignore', 'ignore', 'inherit'] });
  const dev = await openImage(server.url('big.ext2'));
  assert.equal(dev.size, 5 * 1024 ** 3);
  // ext2 with 4 KiB blocks has 32768 blocks per group; sparse_super keeps backup superblocks in
  // groups 1, 3, 5, 7, 9, 25, 27: group 25 starts at 25 × 128 MiB = 3.125 GiB. s_magic is at byte 56.
  const sb = await dev.read(25 * 128 * 1024 ** 2, 1024);
  assert.equal(sb[56] | (sb[57] << 8), 0xef53, 'backup superblock magic past 2 GiB');
  assert.equal(sb[90] | (sb[91] << 8), 25, 's_block_group_nr of the backup');
  assert.ok((await dev.read(5 * 1024 ** 3 - 4096, 4096)).every((b) => b === 0), 'the last block (past 4 GiB) reads as zeros');
  const fs = await Ext2.mount(dev, { writable: false });
  assert.ok((await fs.readdir(await fs.root())).some((e) => e.name === 'bin'));
  const r = await run(['--image', server.url('big.ext2'), '--', '/bin/busybox', 'sh', '-c', 'df -k / | tail -1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\s5242880\s/, `df: 5 GiB = 5242880 KiB of blocks: ${r.stdout}`);
  // A changed chunk past 4 GiB goes through the journal store and comes back.
  const dir = join(work, 'bigp');
  let store = await FileChangeStore.open(dir);
  let disk = await PersistentDisk.open(dev, store);
  const at = 4.5 * 1024 ** 3 + 123;
  await disk.overlay.write(at, new TextEncoder().encode('beyond 4 GiB'));
  await disk.close();
  store = await FileChangeStore.open(dir);
  disk = await PersistentDisk.open(await openImage(server.url('big.ext2')), store);
  assert.equal(new TextDecoder().decode(await disk.overlay.read(at, 12)), 'beyond 4 GiB');
  await disk.close();
  rmSync(big);
});

test('web-vm export / import / reset move and drop saved changes', async () => {
  const cmd = async (...args) => {
    try {
      await promisify(execFile)(process.execPath, [cli, ...args], { encoding: 'utf8' });
      return { status: 0, stderr: '' };
    } catch (e) {
      return { status: e.code, stderr: e.stderr };
    }
  };
  const a = join(work, 'ea');
  const b = join(work, 'eb');
  const file = join(work, 'state.wvo');
  await run(['--image', join(work, 'bb.ext2'), '--persist', a, '--', '/bin/busybox', 'sh', '-c', 'echo carried > /carried']);
  assert.equal((await cmd('export', '--persist', a, file)).status, 0);
  assert.equal((await cmd('import', '--persist', b, file)).status, 0);
  assert.equal((await run(['--image', join(work, 'bb.ext2'), '--persist', b, '--', '/bin/busybox', 'cat', '/carried'])).stdout, 'carried\n');
  assert.equal((await cmd('reset', '--persist', b)).status, 0);
  assert.equal((await run(['--image', join(work, 'bb.ext2'), '--persist', b, '--', '/bin/busybox', 'cat', '/carried'])).status, 1);
  writeFileSync(file, 'not an overlay');
  const bad = await cmd('import', '--persist', b, file);
  assert.equal(bad.status, 125);
  assert.equal(bad.stderr, 'web-vm: import: not a web-vm overlay file (no WEBVMOV1 header)\n');
});

test('the Debian image boots to a bash prompt over HTTP fetching a small fraction of it', async (t) => {
  const { readdirSync, statSync, symlinkSync } = await import('node:fs');
  const dir = join(repoRoot, '.cache', 'images');
  const debs = readdirSync(dir).filter((f) => /^debian-[0-9a-f]+\.ext2$/.test(f)).sort((x, y) => statSync(join(dir, y)).mtimeMs - statSync(join(dir, x)).mtimeMs);
  if (debs.length === 0) return t.skip('no Debian image in .cache/images (npm run images -- debian)');
  symlinkSync(join(dir, debs[0]), join(work, 'debian.ext2'));
  server.mode = 'ok';
  server.bytesSent = 0;
  const p = promisify(execFile)(process.execPath, [cli, 'run', '--image', server.url('debian.ext2'), '--', '/bin/bash', '-i'], { encoding: 'utf8', timeout: 300_000 });
  p.child.stdin.end(); // the prompt, then EOF: bash says "exit"
  const r = await p;
  assert.match(r.stderr, /root@web-vm:\/# exit\n$/, r.stderr);
  const size = statSync(join(dir, debs[0])).size;
  console.log(`Debian (${debs[0]}, ${size} bytes) to a bash prompt over HTTP: ${server.bytesSent} bytes fetched (${((100 * server.bytesSent) / size).toFixed(2)} %)`);
  assert.ok(server.bytesSent < size / 20, `fetched ${server.bytesSent} of ${size}`);
});

test('the image failing mid-run (changed, or gone) stops the VM with its typed error in one line', async () => {
  const { randomBytes } = await import('node:crypto');
  const { makeExt2Image } = await import('./support/mkimage.mjs');
  const t2 = join(work, 'tree2');
  mkdirSync(join(t2, 'bin'), { recursive: true });
  copyFileSync(join(tree, 'bin', 'busybox'), join(t2, 'bin', 'busybox'));
  writeFileSync(join(t2, 'big'), randomBytes(2 << 20));
  makeExt2Image(t2, join(work, 'mid.ext2'), { sizeKb: 16384 });
  for (const [mode, re] of [['change-validator', /^web-vm: image-url: .*mid\.ext2 changed on the server during this session \(ETag "v1" became "v2"\)/], ['status', /^web-vm: image-url: .*mid\.ext2 answered 404 Not Found/]]) {
    server.mode = 'ok';
    server.status = 404;
    const timer = setTimeout(() => (server.mode = mode), 1000);
    const r = await run(['--image', server.url('mid.ext2'), '--', '/bin/busybox', 'sh', '-c', '/bin/busybox sleep 2; /bin/busybox md5sum /big']);
    clearTimeout(timer);
    server.mode = 'ok';
    oneLineError(r, re);
  }
  // Failing before the program even started (while exec reads it) is the same typed error, not "not found".
  const { runProgram } = await import('../build/src/vm/index.js');
  const { StorageError } = await import('../build/src/vm/storage/errors.js');
  const dev = await openImage(server.url('mid.ext2'), { retries: 0 });
  await dev.read(0, 65536 * 4); // superblock and group descriptors in hand
  server.mode = 'status';
  await assert.rejects(runProgram({ device: dev, argv: ['/bin/busybox', 'true'] }), (e) => e instanceof StorageError && e.type === 'http-status');
  server.mode = 'ok';
});
