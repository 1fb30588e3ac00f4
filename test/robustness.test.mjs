// Bad input from the guest (issue 4): a fork bomb, a program that allocates
// until memory runs out, one that prints megabytes, one that never ends. Each
// must leave the VM in control: EAGAIN, ENOMEM or the OOM killer with a line
// on the console, all the output, a kill that works — never a hang or a crash.
// These run in the VM only: a fork bomb or an OOM is no thing to run natively.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheDir, cached, makeExt2Image, recipeHash, repoRoot } from './support/mkimage.mjs';

const run = promisify(execFile);
const cli = join(repoRoot, 'bin', 'web-vm.js');
const srcDir = join(repoRoot, 'test', 'robust');
const sources = readdirSync(srcDir).filter((f) => f.endsWith('.c')).sort();
const hash = recipeHash('robust-v1', ...sources.map((f) => f + readFileSync(join(srcDir, f), 'utf8')));
const image = cached(join(cacheDir, 'guest', `robust-${hash}.ext2`), (out) => {
  const root = `${out}.root`;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const f of sources) execFileSync('gcc', ['-m32', '-static', '-O1', '-o', join(root, 'bin', f.slice(0, -2)), join(srcDir, f)]);
  makeExt2Image(root, out, { sizeKb: 16384 });
  rmSync(root, { recursive: true, force: true });
});

/** Run /bin/<prog> in the VM; resolves with { code, stdout, stderr } however it ended. */
async function vm(prog, args = [], memoryMb = 64, timeout = 60_000) {
  const r = await run(process.execPath, [cli, 'run', '--image', image, '--memory-mb', String(memoryMb), '--', `/bin/${prog}`, ...args], { maxBuffer: 64 << 20, timeout }).catch((e) => e);
  return { code: r.code ?? 0, stdout: r.stdout, stderr: r.stderr, killed: r.killed ?? false };
}

test('a fork bomb gets EAGAIN at the task limit; the VM reaps them all and forks again', { timeout: 120_000 }, async () => {
  const r = await vm('forkbomb', [], 64);
  assert.equal(r.killed, false, 'the VM finished by itself');
  assert.match(r.stdout, /^fork failed after \d+ children: Resource temporarily unavailable$/m);
  const n = Number(/after (\d+) children/.exec(r.stdout)[1]);
  assert.ok(n >= 32 && n < 4096, `children before EAGAIN: ${n}`);
  assert.match(r.stdout, new RegExp(`^reaped ${n}$`, 'm'));
  assert.match(r.stdout, /^fork again: exit 7$/m);
  assert.equal(r.code, 0);
});

test('allocating past guest memory: ENOMEM for one huge mapping, then the OOM killer takes the largest task', { timeout: 120_000 }, async () => {
  const r = await vm('oom', ['with-bystander'], 32);
  assert.equal(r.killed, false, 'the VM finished by itself');
  assert.match(r.stdout, /^1 GiB mmap: Cannot allocate memory$/m);
  assert.match(r.stdout, /^1 GiB malloc: NULL$/m);
  assert.match(r.stdout, /^16 MiB$/m, 'it got to use most of the 32 MiB first');
  assert.match(r.stderr, /^web-vm: out of memory: killed process 1 \(oom\) holding \d+ kB; raise memory-mb for more$/m);
  assert.equal(r.code, 128 + 9, 'killed by SIGKILL');
});

test('a guest printing 16 MiB delivers every byte', { timeout: 120_000 }, async () => {
  const r = await vm('flood');
  assert.equal(r.code, 0);
  assert.equal(r.stdout.length, 16 * 1024 * 1023 + 'done\n'.length, 'lines of 1022 x and a newline');
  assert.ok(r.stdout.endsWith('x\ndone\n'));
});

test('a program that never ends is preempted and can be killed', { timeout: 120_000 }, async () => {
  const r = await vm('runaway');
  assert.equal(r.killed, false);
  assert.equal(r.stdout, 'parent ran while the child spun\nchild killed by signal 9\n');
  assert.equal(r.code, 0);
});
