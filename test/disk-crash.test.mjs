// The crash test (issue 5): the CLI runs test/crash/writer.c with --persist
// and is SIGKILLed at random moments, again and again on the same
// directory. After every kill, the base image with the journal applied must
// pass `e2fsck -fn`, and every file the guest reported as fsynced must hold
// exactly its bytes (read back with debugfs, not with our own ext2 code).
//
// WEB_VM_CRASH_ITERATIONS (default 20) and WEB_VM_CRASH_SEED (default: time)
// tune it; the seed is printed so a failure can be replayed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeExt2Image, repoRoot } from './support/mkimage.mjs';
import { replayOverlayFile } from '../build/src/vm/storage/overlay-file.js';
import { prng, removeWork } from '../build/src/vm/fs/testing.js';

const ITERATIONS = Number(process.env.WEB_VM_CRASH_ITERATIONS ?? 20);
const SEED = Number(process.env.WEB_VM_CRASH_SEED ?? Date.now() % 1e9);
const cli = join(repoRoot, 'bin', 'web-vm.js');
const work = mkdtempSync(join(tmpdir(), 'web-vm-crash-'));
after(() => {
  rmSync(work, { recursive: true, force: true });
  removeWork();
});

/** The writer's file contents (byte_of / size_of in writer.c). */
function expected(n) {
  const size = ((n * 7919) % 150000) + 1;
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (n * 131 + i * 7 + (i >> 9)) & 0xff;
  return b;
}

test(`SIGKILL during heavy writes leaves a clean filesystem and every fsynced file intact (${ITERATIONS} kills, seed ${SEED})`, { timeout: 600_000 }, async () => {
  const tree = join(work, 'tree');
  mkdirSync(join(tree, 'bin'), { recursive: true });
  mkdirSync(join(tree, 'data'));
  execFileSync('gcc', ['-m32', '-static', '-O1', '-Wall', '-o', join(tree, 'bin', 'writer'), join(repoRoot, 'test', 'crash', 'writer.c')]);
  const base = makeExt2Image(tree, join(work, 'base.ext2'), { sizeKb: 32768 });
  const baseBytes = readFileSync(base);
  const persist = join(work, 'persist');
  const random = prng(SEED);
  let maxSynced = -1;
  let killsMidCommit = 0;
  for (let it = 0; it < ITERATIONS; it++) {
    const child = spawn(process.execPath, [cli, 'run', '--image', base, '--persist', persist, '--', '/bin/writer'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const delay = 150 + Math.floor(random() * 2500);
    const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
    const timer = setTimeout(() => child.kill('SIGKILL'), delay);
    const { code, signal } = await exited;
    clearTimeout(timer);
    assert.equal(signal, 'SIGKILL', `iteration ${it}: the CLI ended by itself (status ${code}): ${err}`);
    for (const m of out.matchAll(/^synced (\d+)$/gm)) maxSynced = Math.max(maxSynced, Number(m[1]));

    // The image as the next run will see it: base + committed journal.
    const journalPath = join(persist, 'overlay.journal');
    const img = Buffer.from(baseBytes);
    if (existsSync(journalPath)) {
      const journal = readFileSync(journalPath);
      const r = replayOverlayFile(journal);
      if (r.committedEnd < journal.length) killsMidCommit++;
      if (r.meta !== null) for (const [n, b] of r.blocks) img.set(b, n * r.meta.blockSize);
    }
    const check = join(work, 'check.ext2');
    writeFileSync(check, img);
    const fsck = spawnSync('e2fsck', ['-fn', check], { encoding: 'utf8' });
    assert.equal(fsck.status, 0, `iteration ${it} (killed after ${delay} ms, seed ${SEED}): e2fsck -fn found problems:\n${fsck.stdout}${fsck.stderr}`);

    const dump = join(work, `dump${it}`);
    mkdirSync(dump);
    execFileSync('debugfs', ['-R', `rdump /data ${dump}`, check], { stdio: ['ignore', 'ignore', 'pipe'] });
    const files = new Set(readdirSync(join(dump, 'data')));
    // Files the writer may have deleted itself (n - 30 after n) are exempt from "must exist".
    for (let n = Math.max(0, maxSynced - 28); n <= maxSynced; n++) assert.ok(files.has(`f${n}`), `iteration ${it}: f${n} was fsynced but is gone`);
    for (const f of files) {
      const m = /^f(\d+)$/.exec(f);
      if (m === null) continue;
      assert.ok(readFileSync(join(dump, 'data', f)).equals(expected(Number(m[1]))), `iteration ${it}: ${f} does not hold its bytes`);
    }
    rmSync(dump, { recursive: true });
  }
  console.log(`crash test: ${ITERATIONS} kills, ${maxSynced + 1} files written, ${killsMidCommit} kills left a torn journal tail`);
  assert.ok(maxSynced >= ITERATIONS, `the writer made progress across restarts (${maxSynced + 1} files)`);
});
