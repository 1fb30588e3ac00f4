#!/usr/bin/env node
// `npm run bench [-- NAME...] [--runs N] [--native-only] [--interpreter]`: C workloads built
// with `gcc -m32 -static`, run natively (best of N) and in the VM through the
// CLI, in one run; prints time ratios and guest MIPS. Ratios are what we
// quote: absolute times on shared machines are noise.
//
// The VM side reads WEB_VM_STATS: the CLI writes {"instructions","ms",
// "peakRssBytes"} there at exit. Outputs must match the native run.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extraCflags } from '../test/support/guest.mjs';
import { i386Reference } from '../test/support/i386-reference.mjs';
import { cacheDir, cached, makeExt2Image, recipeHash, repoRoot } from '../test/support/mkimage.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CFLAGS = ['-m32', '-static', '-O2', '-march=i686', '-mno-sse'];
const VM_TIMEOUT_MS = 10 * 60_000;

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv.splice(i, 2)[1] : dflt;
};
const runs = Number(opt('--runs', '3'));
const nativeOnly = argv.includes('--native-only');
// --interpreter: run the VM with tier 1 off (WEB_VM_TIER1=0), to compare the tiers.
const vmEnv = argv.includes('--interpreter') ? { WEB_VM_TIER1: '0' } : {};
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

/** Compile a workload (cached by source + flags + compiler version). */
function compile(name) {
  const src = join(here, 'workloads', `${name}.c`);
  const gccVersion = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  // A workload may add flags (`// web-vm-cflags: -msse2` near its top, as in test/guest).
  const flags = [...CFLAGS, ...extraCflags(src)];
  const out = join(cacheDir, 'bench', `${name}-${recipeHash(readFileSync(src), flags, gccVersion)}`);
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

async function runNative(bin) {
  let best = null;
  for (let i = 0; i < runs; i++) {
    const r = await timed(bin, []);
    if (r.status !== 0) throw new Error(`native run exited ${r.status}: ${r.stderr}`);
    if (best && r.stdout !== best.stdout) throw new Error('native runs disagree with each other');
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

const bins = workloads.map((name) => ({ name, path: compile(name) }));
const image = nativeOnly || bins.length === 0 ? null : buildImage(bins);
const rows = [];
let failures = 0;

for (const { name, path } of bins) {
  process.stderr.write(`bench: ${name}: native x${runs}...`);
  const native = await runNative(path);
  const row = { name, nativeMs: native.ms };
  if (!nativeOnly) {
    process.stderr.write(' vm...');
    const vm = await runVm(image, name);
    const ms = vm.stats?.ms ?? vm.ms;
    Object.assign(row, {
      vmMs: ms,
      ratio: ms / native.ms,
      mips: vm.stats?.instructions != null ? vm.stats.instructions / ms / 1000 : null,
      rssMiB: vm.stats?.peakRssBytes != null ? vm.stats.peakRssBytes / 1048576 : null,
      // The VM's own memory: peak RSS of the whole process beyond the guest RAM in use.
      overMiB: vm.stats?.guestPeakBytes != null ? (vm.stats.peakRssBytes - vm.stats.guestPeakBytes) / 1048576 : null,
      // Of that, what is not pages mapped from Node's own executable and
      // libraries (shared, clean): peak anonymous RSS beyond the guest RAM.
      anonMiB: vm.stats?.peakAnonBytes != null ? (vm.stats.peakAnonBytes - vm.stats.guestPeakBytes) / 1048576 : null,
      compiled: vm.stats?.compiledBlocks ?? null,
    });
    if (vm.status !== 0 || vm.stdout !== native.stdout) {
      failures++;
      Object.assign(row, { vmMs: null, ratio: null, mips: null, rssMiB: null, overMiB: null, anonMiB: null }); // a failed run's time means nothing
      row.note = vm.status !== 0 ? `VM exited ${vm.status}` : 'OUTPUT DIFFERS';
      console.error(`\nbench: ${name}: ${row.note}\n--- native stdout\n${native.stdout}--- vm stdout\n${vm.stdout}--- vm stderr\n${vm.stderr.slice(0, 4000)}`);
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
  process.stderr.write(`bench: ${name}: native x${runs}...`);
  let native = null;
  for (let i = 0; i < runs; i++) {
    const r = await timed('chroot', [deb.tree, '/usr/bin/env', '-i', ...DEBIAN_ENV, '/bin/bash', '-c', `cd /home/user && ${cmd}`]);
    if (r.status !== 0) throw new Error(`${name}: native run exited ${r.status}: ${r.stderr}`);
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
    const ms = stats?.ms ?? vm.ms;
    Object.assign(row, { vmMs: ms, ratio: ms / native.ms, mips: stats?.instructions != null ? stats.instructions / ms / 1000 : null, rssMiB: stats?.peakRssBytes != null ? stats.peakRssBytes / 1048576 : null, compiled: stats?.compiledBlocks ?? null });
    if (vm.status !== 0 || vm.stdout !== native.stdout) {
      failures++;
      Object.assign(row, { vmMs: null, ratio: null, mips: null, rssMiB: null });
      row.note = vm.status !== 0 ? `VM exited ${vm.status}` : 'OUTPUT DIFFERS';
      console.error(`\nbench: ${name}: ${row.note}\n--- native stdout\n${native.stdout}--- vm stdout\n${vm.stdout}--- vm stderr\n${vm.stderr.slice(0, 4000)}`);
    }
  }
  process.stderr.write(' done\n');
  rows.push(row);
}

// Where the kernel cannot run i386, "native" is qemu-user: a ratio against it says nothing about
// the CPU, so the columns say which reference they are.
const reference = i386Reference();
const nat = reference.qemu ? 'qemu' : 'native';
console.log('');
if (!reference.native) console.log(`native runs went through ${reference.label} (this kernel does not run i386 binaries): ratios are against it, not against the CPU`);
console.log(`${'workload'.padEnd(11)} ${pad(`${nat} ms`, 10)} ${pad('vm ms', 10)} ${pad(`vm/${nat}`, 10)} ${pad('guest MIPS', 11)} ${pad('peak RSS MiB', 13)} ${pad('beyond guest', 13)} ${pad('anon beyond', 12)} ${pad('compiled', 9)}  note`);
for (const r of rows) {
  console.log(`${r.name.padEnd(11)} ${pad(fmt(r.nativeMs), 10)} ${pad(fmt(r.vmMs), 10)} ${pad(fmt(r.ratio, 1), 10)} ${pad(fmt(r.mips, 1), 11)} ${pad(fmt(r.rssMiB, 1), 13)} ${pad(fmt(r.overMiB, 1), 13)} ${pad(fmt(r.anonMiB, 1), 12)} ${pad(fmt(r.compiled), 9)}  ${r.note ?? ''}`);
}
console.log(`(beyond guest = peak RSS - guest RAM in use; anon beyond = peak anonymous RSS - guest RAM, i.e. without the pages of node's executable and libraries mapped from disk${vmEnv.WEB_VM_TIER1 ? '; tier 1 OFF' : ''})`);
process.exitCode = failures ? 1 : 0;
