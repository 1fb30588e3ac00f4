// Conformance: every program in test/guest/ must print exactly what it prints
// natively on this x86 host, and end the same way (exit status, or the same
// fatal signal reported as 128+N), when run by the VM:
//
//   node bin/web-vm.js run --image <image> -- /bin/<name>
//
// Where this host runs i386 binaries through qemu-user instead of the CPU
// (test/support/i386-reference.mjs), what qemu cannot reproduce is left out of
// the comparison, program by program, as test/support/qemu-differences.mjs
// declares; each test names what it did not compare, and why.
//
// Environment:
//   WEB_VM_CONFORMANCE_ONLY=alu,bits   run only these programs
//   WEB_VM_CONFORMANCE_EXCEPT=timeouts leave these out of this run (the caller says why)
//   WEB_VM_CONFORMANCE_NATIVE=1        run the host binaries instead of the VM
//                                      (a self-check of the harness itself)
//   WEB_VM_CONFORMANCE_CLI=<path>      a different CLI script than bin/web-vm.js
//   WEB_VM_CONFORMANCE_TIMEOUT=<s>     per-program limit (default 60)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';
import { buildGuests, expectedExitCode } from './support/guest.mjs';
import { i386Reference, notCompared } from './support/i386-reference.mjs';
import { repoRoot } from './support/mkimage.mjs';
import { qemuDifferences } from './support/qemu-differences.mjs';

const timeoutMs = Number(process.env.WEB_VM_CONFORMANCE_TIMEOUT ?? 60) * 1000;
const native = process.env.WEB_VM_CONFORMANCE_NATIVE === '1';
const cli = resolve(repoRoot, process.env.WEB_VM_CONFORMANCE_CLI ?? join('bin', 'web-vm.js'));
const only = process.env.WEB_VM_CONFORMANCE_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);

const { image, programs } = buildGuests();
if (only) {
  const unknown = only.filter((n) => !programs.some((p) => p.name === n));
  if (unknown.length) throw new Error(`WEB_VM_CONFORMANCE_ONLY names unknown programs: ${unknown.join(', ')}`);
}
const except = process.env.WEB_VM_CONFORMANCE_EXCEPT?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
for (const n of except) if (!programs.some((p) => p.name === n)) throw new Error(`WEB_VM_CONFORMANCE_EXCEPT names an unknown program: ${n}`);
if (except.length) console.log(`conformance: left out of this run: ${except.join(', ')}`);
const selected = (only ? programs.filter((p) => only.includes(p.name)) : programs).filter((p) => !except.includes(p.name));
const reference = i386Reference();
const qemu = reference.qemu && !native;

/** How to compare one program: everything, or (reference qemu) what its declared differences leave. */
function comparison(program) {
  if (!qemu) return { apply: (t) => t, compareStatus: true, mustReach: [], items: [] };
  return qemuDifferences(program.name);
}

/** Run one program; resolves with { stdout, stderr, code, signal, timedOut }. */
function run(program) {
  const [cmd, args] = native
    ? [program.hostPath, []]
    : [process.execPath, [cli, 'run', '--image', image, '--', program.path]];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let errBytes = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs - 2000);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => {
      // keep the tail only: a VM trace can be huge
      err.push(d);
      errBytes += d.length;
      while (errBytes > 256 * 1024 && err.length > 1) errBytes -= err.shift().length;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        stdout: Buffer.concat(out).toString('latin1'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        signal,
        timedOut,
      });
    });
  });
}

const clip = (s, n = 300) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** Where two outputs part, described in a few lines instead of a 1 MB diff. */
function firstDifference(expected, actual) {
  const e = expected.split('\n');
  const a = actual.split('\n');
  let i = 0;
  while (i < e.length && i < a.length && e[i] === a[i]) i++;
  const lines = [`stdout differs at line ${i + 1} (expected ${e.length - 1} lines, got ${a.length - 1}):`];
  if (i > 0) lines.push(`  previous: ${JSON.stringify(clip(e[i - 1]))}`);
  lines.push(`  expected: ${i < e.length ? JSON.stringify(clip(e[i])) : '<end of output>'}`);
  lines.push(`  actual:   ${i < a.length ? JSON.stringify(clip(a[i])) : '<end of output>'}`);
  if (i === a.length - 1 && a[i] === '' && i < e.length - 1) lines.push('  (the VM output stops here)');
  return lines.join('\n');
}

function tail(text, n = 15) {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-n).map((l) => `  | ${clip(l, 200)}`).join('\n');
}

describe(`conformance: guest programs vs native (reference: ${reference.label})`, { concurrency: Math.max(1, Math.min(4, availableParallelism())) }, () => {
  if (!native && !existsSync(cli)) {
    it('has a CLI to run', () => assert.fail(`${cli} does not exist: build the CLI first`));
    return;
  }
  for (const program of selected) {
    it(`${program.name} (${program.kind})`, { timeout: timeoutMs }, async (t) => {
      const cmp = comparison(program);
      const skipped = cmp.items.map((d) => notCompared(d.what, d.why));
      for (const line of skipped) t.diagnostic(line);
      const problems = [];
      if (program.native.timedOut && !cmp.items.some((d) => d.hangs)) problems.push('the native run did not finish');
      const r = await run(program);
      if (r.timedOut) problems.push(`timed out after ${timeoutMs - 2000} ms`);
      // The CLI itself dying by a signal is a crash of the VM, not of the guest.
      let actual = r.code;
      if (r.signal) {
        if (native) actual = 128 + (osConstants.signals[r.signal] ?? 0);
        else if (!r.timedOut) problems.push(`the VM process was killed by ${r.signal}`);
      }
      if (cmp.compareStatus) {
        const want = expectedExitCode(program.native);
        if (!r.timedOut && actual !== null && actual !== want) {
          const how = program.native.signal ? `${program.native.signal} → ${want}` : String(want);
          problems.push(`exit status ${actual}, expected ${how}`);
        }
      }
      for (const re of cmp.mustReach) if (!re.test(r.stdout)) problems.push(`the VM never printed a line matching ${re}`);
      const expected = cmp.apply(program.native.stdout);
      const got = cmp.apply(r.stdout);
      if (got !== expected) problems.push(firstDifference(expected, got));
      if (problems.length) {
        if (r.stderr.trim()) problems.push(`stderr (tail):\n${tail(r.stderr)}`);
        if (skipped.length) problems.push(...skipped);
        assert.fail(`${program.path}: ${problems.join('\n')}`);
      }
    });
  }
});
