#!/usr/bin/env node
// `npm run bench [-- NAME...] [--runs N] [--native-only] [--jit off|on|eager]`: C
// workloads built with `gcc -m32 -static`, run outside the VM (best of N) and
// in the VM through the CLI, in one run; prints time ratios and guest MIPS.
// Ratios are what we quote: absolute times on shared machines are noise.
// `--interpreter` is `--jit off`.
//
// The reference is the same i386 binary run outside the VM: natively, or
// through qemu-user where the kernel cannot run i386 binaries (reference.mjs
// finds out, and the header and footer say which). On an x86-64 host each C
// workload is also built for x86-64 from the same source, as an approximate
// native time (another ISA: twice the registers, SSE for floating point).
//
// The VM side reads WEB_VM_STATS: the CLI writes {"instructions","ms",
// "peakRssBytes","compiledBlocks","jitModules","jitCompileMs",…} there at
// exit. Outputs must match the reference run, and expected.mjs's output
// where it has one (sha256: Node's crypto).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extraCflags } from '../test/support/guest.mjs';
import { expectedOutput } from './expected.mjs';
import { hostRunsX8664, i386Reference } from './reference.mjs';
import { cacheDir, cached, makeExt2Image, recipeHash, repoRoot } from '../test/support/mkimage.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CFLAGS = ['-m32', '-static', '-O2', '-march=i686', '-mno-sse'];
// The approximate native reference: same source, x86-64 (no -mno-sse: the x86-64 ABI passes floats in SSE registers).
const CFLAGS_X8664 = ['-static', '-O2', '-march=x86-64'];
const VM_TIMEOUT_MS = 10 * 60_000;

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv.splice(i, 2)[1] : dflt;
};
const runs = Number(opt('--runs', '3'));
const nativeOnly = argv.includes('--native-only');
// --jit MODE (or --jit=MODE; --interpreter = --jit off): the VM's JIT, passed to the CLI as WEB_VM_JIT.
const jitEq = argv.find((a) => a.startsWith('--jit='));
const jit = argv.includes('--interpreter') ? 'off' : jitEq ? jitEq.slice(6) : opt('--jit', process.env.WEB_VM_JIT || 'on');
if (!['off', 'on', 'eager'].includes(jit)) {
  console.error(`bench: --jit must be off, on or eager, got '${jit}'`);
  process.exit(2);
}
const vmEnv = { WEB_VM_JIT: jit };
const wanted = argv.filter((a) => !a.startsWith('--'));

const sources = readdirSync(join(here, 'workloads')).filter((f) => f.endsWith('.c')).sort();
const workloads = sources.map((f) => basename(f, '.c')).filter((n) => wanted.length === 0 || wanted.includes(n));

/**
 * Debian userland workloads (issue 4): each runs `/bin/bash -c CMD` in the VM
 * on the Debian image and natively in a chroot of the same tree (as
 * test/debian.test.mjs does), so both sides pay for the same dynamic loading.
 */
const DEBIAN = {
  'deb-gcc': 'gcc -O2 -o /tmp/bench-hello hello.c && /tmp/bench-hello; rm -f /tmp/bench-hello',
  'deb-python3': `python3 -c 'import json, hashlib; d = {str(i): i * i for i in range(20000)}; s = json.dumps(d); print(len(s), hashlib.sha256(s.encode()).hexdigest()[:16], sum(sorted(d.values())[::7]))'`,
  'deb-bash': 'bash --login -c true && bash -i -c exit 2>/dev/null; echo ready',
};
const DEBIAN_ENV = ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/home/user', 'LANG=C.UTF-8', 'TZ=UTC', 'TERM=dumb'];
const debianWanted = Object.keys(DEBIAN).filter((n) => wanted.length === 0 || wanted.includes(n));
if (workloads.length === 0 && debianWanted.length === 0) {
  console.error(`bench: no workload matches ${wanted.join(', ')} (have: ${sources.join(', ')}, ${Object.keys(DEBIAN).join(', ')})`);
  process.exit(1);
}

/** Compile a workload (cached by source + flags + compiler version); `base` flags default to the i386 ones. */
function compile(name, base = CFLAGS) {
  const src = join(here, 'workloads', `${name}.c`);
  const gccVersion = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  // A workload may add flags (`// web-vm-cflags: -msse2` near its top, as in test/guest).
  const flags = [...base, ...extraCflags(src)];
  const suffix = base === CFLAGS ? '' : '-x86_64';
  const out = join(cacheDir, 'bench', `${name}${suffix}-${recipeHash(readFileSync(src), flags, gccVersion)}`);
  return cached(out, (o) => {
    mkdirSync(dirname(o), { recursive: true });
    execFileSync('gcc', [...flags, '-o', `${o}.tmp`, src], { stdio: 'inherit' });
    copyFileSync(`${o}.tmp`, o);
    rmSync(`${o}.tmp`);
    chmodSync(o, 0o755);
  });
}

/** One ext2 image holding every workload binary as /bin/NAME. */
function buildImage(bins) {
  const hash = recipeHash(...bins.map((b) => readFileSync(b.path)), bins.map((b) => b.name));
  const image = join(cacheDir, 'images', `bench-${hash}.ext2`);
  return cached(image, (out) => {
    const tree = join(tmpdir(), `web-vm-bench-${process.pid}`);
    rmSync(tree, { recursive: true, force: true });
    mkdirSync(join(tree, 'bin'), { recursive: true });
    mkdirSync(join(tree, 'tmp'));
    for (const b of bins) {
      copyFileSync(b.path, join(tree, 'bin', b.name));
      chmodSync(join(tree, 'bin', b.name), 0o755);
    }
    try {
      makeExt2Image(tree, out, { blockSize: 4096, sizeKb: 16 * 1024 });
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
}

/** Run a command; resolve with stdout, stderr, exit status and wall-clock ms. */
function timed(cmd, args, { env = process.env, timeout = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const out = [], err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    const timer = timeout ? setTimeout(() => child.kill('SIGKILL'), timeout) : null;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        ms: performance.now() - t0,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        status: signal ? `signal ${signal}` : code,
      });
    });
  });
}

async function runNative(bin, what = 'native') {
  let best = null;
  for (let i = 0; i < runs; i++) {
    const r = await timed(bin, []);
    if (r.status !== 0) throw new Error(`${what} run exited ${r.status}: ${r.stderr}`);
    if (best && r.stdout !== best.stdout) throw new Error(`${what} runs disagree with each other`);
    if (!best || r.ms < best.ms) best = r;
  }
  return best;
}

async function runVm(image, name) {
  const statsFile = join(tmpdir(), `web-vm-bench-stats-${process.pid}-${name}.json`);
  rmSync(statsFile, { force: true });
  const r = await timed(process.execPath, [join(repoRoot, 'bin', 'web-vm.js'), 'run', '--image', image, '--', `/bin/${name}`], {
    env: { ...process.env, ...vmEnv, WEB_VM_STATS: statsFile },
    timeout: VM_TIMEOUT_MS,
  });
  let stats = null;
  if (existsSync(statsFile)) {
    stats = JSON.parse(readFileSync(statsFile, 'utf8'));
    rmSync(statsFile, { force: true });
  }
  return { ...r, stats };
}

const pad = (s, n) => String(s).padStart(n);
const fmt = (x, digits = 0) => (x == null || !Number.isFinite(x) ? '-' : x.toFixed(digits));

/** A row's VM columns from a finished run and its WEB_VM_STATS. */
function vmColumns(vm, stats, refMs) {
  const ms = stats?.ms ?? vm.ms;
  return {
    vmMs: ms,
    ratio: ms / refMs,
    mips: stats?.instructions != null ? stats.instructions / ms / 1000 : null,
    rssMiB: stats?.peakRssBytes != null ? stats.peakRssBytes / 1048576 : null,
    // The VM's own memory: peak RSS of the whole process beyond the guest RAM in use.
    overMiB: stats?.guestPeakBytes != null ? (stats.peakRssBytes - stats.guestPeakBytes) / 1048576 : null,
    // Of that, what is not pages mapped from Node's own executable and
    // libraries (shared, clean): peak anonymous RSS beyond the guest RAM.
    anonMiB: stats?.peakAnonBytes != null ? (stats.peakAnonBytes - stats.guestPeakBytes) / 1048576 : null,
    // What the JIT did: blocks compiled, Wasm modules made, ms spent making them.
    compiled: stats?.compiledBlocks ?? null,
    modules: stats?.jitModules ?? null,
    jitMs: stats?.jitCompileMs ?? null,
  };
}
const TIMES = ['vmMs', 'ratio', 'x64Ratio', 'mips', 'rssMiB', 'overMiB', 'anonMiB'];

const bins = workloads.map((name) => ({ name, path: compile(name) }));
const image = nativeOnly || bins.length === 0 ? null : buildImage(bins);
const rows = [];
let failures = 0;

// Which reference runs the i386 binaries (any of them will do to find out; the Debian chroot goes the same way).
const ref = i386Reference(bins[0]?.path ?? compile(sources.map((f) => basename(f, '.c'))[0]));
const refName = ref.via === 'native' ? 'native' : ref.via;
const x64 = hostRunsX8664() && bins.length > 0;
const header = [ref.line, `jit: ${jit} (WEB_VM_JIT)`];
if (x64) header.push('x86-64 ms: the same C source built -O2 -march=x86-64 and run natively: an approximate native reference (another ISA: 16 registers, SSE floating point); outputs are checked against the i386 reference');
for (const l of header) console.log(l);

for (const { name, path } of bins) {
  process.stderr.write(`bench: ${name}: ${refName} x${runs}...`);
  const native = await runNative(path, refName);
  const row = { name, nativeMs: native.ms };
  const expected = expectedOutput(name);
  if (expected !== null && native.stdout !== expected) {
    failures++;
    row.note = `${refName.toUpperCase()} OUTPUT WRONG`;
    console.error(`\nbench: ${name}: the ${refName} run's output is not what expected.mjs computes\n--- expected\n${expected}--- ${refName} stdout\n${native.stdout}`);
  }
  if (x64) {
    process.stderr.write(` x86-64 x${runs}...`);
    try {
      const r = await runNative(compile(name, CFLAGS_X8664), 'x86-64');
      row.x64Ms = r.ms;
      if (r.stdout !== native.stdout) row.x64Differs = true;
    } catch (e) {
      // Only an approximate reference: the row goes on without it.
      console.error(`\nbench: ${name}: no x86-64 time: ${e.message}`);
    }
  }
  if (!nativeOnly) {
    process.stderr.write(' vm...');
    const vm = await runVm(image, name);
    Object.assign(row, vmColumns(vm, vm.stats, native.ms));
    if (row.x64Ms != null) row.x64Ratio = row.vmMs / row.x64Ms;
    if (vm.status !== 0 || vm.stdout !== native.stdout) {
      failures++;
      for (const k of TIMES) row[k] = null; // a failed run's time means nothing
      row.note = vm.status !== 0 ? `VM exited ${vm.status}` : 'OUTPUT DIFFERS';
      console.error(`\nbench: ${name}: ${row.note}\n--- ${refName} stdout\n${native.stdout}--- vm stdout\n${vm.stdout}--- vm stderr\n${vm.stderr.slice(0, 4000)}`);
    } else if (!vm.stats) {
      row.note = 'no WEB_VM_STATS file (wall time incl. startup)';
    }
  }
  process.stderr.write(' done\n');
  rows.push(row);
}

/** The Debian image and its tree, or null (with a note) when it cannot be built here (needs root and a mirror). */
async function debianImage() {
  try {
    const { buildDebianImage } = await import('../images/debian.mjs');
    return buildDebianImage();
  } catch (e) {
    console.error(`bench: skipping the Debian workloads: ${e.message}`);
    return null;
  }
}

const deb = debianWanted.length ? await debianImage() : null;
for (const name of deb ? debianWanted : []) {
  const cmd = DEBIAN[name];
  process.stderr.write(`bench: ${name}: ${refName} x${runs}...`);
  let native = null;
  for (let i = 0; i < runs; i++) {
    const r = await timed('chroot', [deb.tree, '/usr/bin/env', '-i', ...DEBIAN_ENV, '/bin/bash', '-c', `cd /home/user && ${cmd}`]);
    if (r.status !== 0) throw new Error(`${name}: ${refName} run exited ${r.status}: ${r.stderr}`);
    if (!native || r.ms < native.ms) native = r;
  }
  const row = { name, nativeMs: native.ms };
  if (!nativeOnly) {
    process.stderr.write(' vm...');
    const statsFile = join(tmpdir(), `web-vm-bench-stats-${process.pid}-${name}.json`);
    rmSync(statsFile, { force: true });
    const envFlags = DEBIAN_ENV.flatMap((e) => ['--env', e]);
    const vm = await timed(process.execPath, [join(repoRoot, 'bin', 'web-vm.js'), 'run', '--image', deb.image, '--cwd', '/home/user', ...envFlags, '--', '/bin/bash', '-c', cmd], {
      env: { ...process.env, ...vmEnv, WEB_VM_STATS: statsFile },
      timeout: VM_TIMEOUT_MS,
    });
    const stats = existsSync(statsFile) ? JSON.parse(readFileSync(statsFile, 'utf8')) : null;
    rmSync(statsFile, { force: true });
    Object.assign(row, vmColumns(vm, stats, native.ms));
    if (vm.status !== 0 || vm.stdout !== native.stdout) {
      failures++;
      for (const k of TIMES) row[k] = null;
      row.note = vm.status !== 0 ? `VM exited ${vm.status}` : 'OUTPUT DIFFERS';
      console.error(`\nbench: ${name}: ${row.note}\n--- ${refName} stdout\n${native.stdout}--- vm stdout\n${vm.stdout}--- vm stderr\n${vm.stderr.slice(0, 4000)}`);
    }
  }
  process.stderr.write(' done\n');
  rows.push(row);
}

const cols = [
  ['workload', 11, (r) => r.name, 'left'],
  [`${refName} ms`, 10, (r) => fmt(r.nativeMs)],
  ...(x64 ? [['x86-64 ms', 10, (r) => fmt(r.x64Ms) + (r.x64Differs ? '*' : '')]] : []),
  ['vm ms', 9, (r) => fmt(r.vmMs)],
  [`vm/${refName}`, 10, (r) => fmt(r.ratio, 1)],
  ...(x64 ? [['vm/x86-64', 10, (r) => fmt(r.x64Ratio, 1)]] : []),
  ['guest MIPS', 11, (r) => fmt(r.mips, 1)],
  ['peak RSS MiB', 13, (r) => fmt(r.rssMiB, 1)],
  ['beyond guest', 13, (r) => fmt(r.overMiB, 1)],
  ['anon beyond', 12, (r) => fmt(r.anonMiB, 1)],
  ['compiled', 9, (r) => fmt(r.compiled)],
  ['modules', 8, (r) => fmt(r.modules)],
  ['jit ms', 7, (r) => fmt(r.jitMs)],
];
const line = (cells) => cells.map((c, i) => (cols[i][3] === 'left' ? String(c).padEnd(cols[i][1]) : pad(c, cols[i][1]))).join(' ');
console.log('');
console.log(line(cols.map((c) => c[0])) + '  note');
for (const r of rows) console.log(line(cols.map((c) => c[2](r))) + `  ${r.note ?? ''}`);
console.log(`(beyond guest = peak RSS - guest RAM in use; anon beyond = peak anonymous RSS - guest RAM, i.e. without the pages of node's executable and libraries mapped from disk; compiled = blocks given a compiled form, modules = Wasm modules made, jit ms = time spent making them)`);
if (rows.some((r) => r.x64Differs)) console.log('(* the x86-64 build printed something else than the i386 reference: floating point on SSE instead of the x87, say; its time is still shown)');
for (const l of header) console.log(l);
process.exitCode = failures ? 1 : 0;
