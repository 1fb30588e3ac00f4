// Build the conformance guest programs (test/guest/*.c, test/guest/faults/*.c)
// with gcc -m32, run each natively to learn the expected stdout and exit
// status, and pack them all into one ext2 image at /bin/<name>.
//
// Binaries and the image are cached under .cache/guest/<hash>/ where the hash
// covers every source, the compiler flags, the compiler and the C library;
// the native runs are repeated on every call (they take milliseconds and the
// host is the source of truth). Where the host runs i386 through qemu-user
// (test/support/i386-reference.mjs), programs that never end under qemu
// (test/support/qemu-differences.mjs) are stopped after a while and keep what
// they printed until then.
import { execFileSync, spawnSync } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, makeExt2Image, recipeHash, repoRoot } from './mkimage.mjs';
import { referenceIsQemu } from './i386-reference.mjs';
import { qemuDifferences } from './qemu-differences.mjs';

export const guestDir = join(repoRoot, 'test', 'guest');

/** Flags for every program but pie.c (see test/guest/common.h for why no FPU/SSE). */
export const CFLAGS = ['-m32', '-static', '-O1', '-fno-pie', '-no-pie', '-march=i686', '-mno-sse', '-mno-mmx', '-Wall', '-Wextra'];
/** Libraries linked into every program (the x87 programs compare libm's sin/exp/… with native). */
export const LDLIBS = ['-lm'];
/** pie.c exercises static-PIE loading (the loader must apply R_386_RELATIVE). */
export const PIE_CFLAGS = ['-m32', '-static-pie', '-fpie', '-O1', '-march=i686', '-mno-sse', '-mno-mmx', '-Wall', '-Wextra'];

/**
 * Extra compiler flags a program asks for on a line near its top:
 *   // web-vm-cflags: -msse2 -mssse3 -mfpmath=sse
 * They are appended after the common flags, so they win over them
 * (gcc applies -m options in order: `-mno-sse … -msse2` ends with SSE2 on).
 */
export function extraCflags(source) {
  const head = readFileSync(source, 'utf8').split('\n').slice(0, 20);
  for (const line of head) {
    const m = /^\s*(?:\/\/|\/?\*)\s*web-vm-cflags:(.*?)(?:\*\/)?\s*$/.exec(line);
    if (m) return m[1].trim().split(/\s+/).filter(Boolean);
  }
  return [];
}

/** The programs, in a stable order: `{ name, source, kind: 'normal'|'pie'|'fault' }`. */
export function listGuests() {
  const list = [];
  for (const f of readdirSync(guestDir).filter((f) => f.endsWith('.c')).sort()) {
    const name = f.slice(0, -2);
    list.push({ name, source: join(guestDir, f), kind: name === 'pie' ? 'pie' : 'normal' });
  }
  const faults = join(guestDir, 'faults');
  for (const f of readdirSync(faults).filter((f) => f.endsWith('.c')).sort()) {
    list.push({ name: f.slice(0, -2), source: join(faults, f), kind: 'fault' });
  }
  const seen = new Set();
  for (const g of list) {
    if (seen.has(g.name)) throw new Error(`two guest programs are named ${g.name}: rename one`);
    seen.add(g.name);
  }
  return list;
}

function toolchainId() {
  const gcc = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  // The static C library is linked in, so its identity matters as much as gcc's.
  const libc = execFileSync('gcc', ['-m32', '-print-file-name=libc.a'], { encoding: 'utf8' }).trim();
  let libcId = libc;
  try {
    const st = statSync(libc);
    libcId += `:${st.size}:${st.mtimeMs}`;
  } catch {
    throw new Error(`gcc -m32 has no static libc (${libc}): install gcc-multilib (Debian: apt-get install gcc-multilib)`);
  }
  return { gcc, libcId };
}

function sourceFiles() {
  const files = [];
  const walk = (dir) => {
    for (const f of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, f.name);
      if (f.isDirectory()) walk(p);
      else if (/\.(c|h)$/.test(f.name)) files.push(p);
    }
  };
  walk(guestDir);
  return files;
}

function build(dir, guests) {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const binDir = join(tmp, 'root', 'bin');
  mkdirSync(binDir, { recursive: true });
  // Mount points: devfs (terminals, /dev/pts) and procfs (ttyname reads /proc/self/fd), as natively.
  mkdirSync(join(tmp, 'root', 'dev'));
  mkdirSync(join(tmp, 'root', 'proc'));
  // /tmp: the VM mounts a tmpfs there (test/guest/tmpfs.c and others work in it, as natively).
  mkdirSync(join(tmp, 'root', 'tmp'));
  let total = 0;
  for (const g of guests) {
    const out = join(binDir, g.name);
    const flags = [...(g.kind === 'pie' ? PIE_CFLAGS : CFLAGS), ...extraCflags(g.source)];
    try {
      execFileSync('gcc', [...flags, '-I', guestDir, '-o', out, g.source, ...LDLIBS], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`building guest ${g.name} failed:\n${e.stderr?.toString() ?? e.message}`);
    }
    total += statSync(out).size;
  }
  // Room for the files plus ext2 metadata; 4 KiB blocks.
  const sizeKb = Math.ceil((total * 1.25) / 1024 / 1024) * 1024 + 4096;
  makeExt2Image(join(tmp, 'root'), join(tmp, 'guest.ext2'), { sizeKb });
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another process built the same recipe first: theirs is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw e;
  }
}

/**
 * Run a host binary and describe how it ended, the way the VM CLI reports it. With
 * `stopAfterMs` a run still going then is killed and reported `timedOut` (what it printed is kept).
 */
export function runNative(hostPath, { stopAfterMs } = {}) {
  const r = spawnSync(hostPath, [], { cwd: cacheDir, env: {}, maxBuffer: 64 << 20, timeout: stopAfterMs ?? 30_000, killSignal: 'SIGKILL' });
  const timedOut = r.error?.code === 'ETIMEDOUT';
  if (r.error && !(timedOut && stopAfterMs)) throw new Error(`running ${hostPath} natively failed: ${r.error.message}`);
  return { stdout: r.stdout.toString('latin1'), status: timedOut ? null : r.status, signal: timedOut ? null : r.signal, timedOut };
}

/** The native run of one program; under qemu with its declared hang limit and leftovers removed. */
function runReference(name, hostPath) {
  if (!referenceIsQemu()) return runNative(hostPath);
  const d = qemuDifferences(name);
  const clean = () => d.cleanup.forEach((p) => rmSync(p, { recursive: true, force: true }));
  clean();
  try {
    return runNative(hostPath, d.hangMs ? { stopAfterMs: d.hangMs } : {});
  } finally {
    clean();
  }
}

/** The exit status the CLI must report: the guest's own, or 128+N for a signal. */
export function expectedExitCode(native) {
  if (native.signal) {
    const n = osConstants.signals[native.signal];
    if (!n) throw new Error(`unknown signal ${native.signal}`);
    return 128 + n;
  }
  return native.status;
}

/**
 * Build (or reuse) every guest program and the image holding them.
 * Returns `{ image, dir, programs: [{ name, kind, path: '/bin/<name>', hostPath,
 * native: { stdout, status, signal, timedOut } }] }`; `{ native: false }` skips the native runs.
 */
export function buildGuests({ native = true } = {}) {
  const guests = listGuests();
  const files = sourceFiles();
  const hash = recipeHash(
    'guest-v3-dev-proc-tmp',
    CFLAGS,
    PIE_CFLAGS,
    LDLIBS,
    toolchainId(),
    guests.map((g) => [g.name, g.kind]),
    ...files.flatMap((f) => [f.slice(guestDir.length), readFileSync(f)]),
  );
  const dir = join(cacheDir, 'guest', hash);
  if (!existsSync(join(dir, 'guest.ext2'))) build(dir, guests);
  const programs = guests.map((g) => {
    const hostPath = join(dir, 'root', 'bin', g.name);
    return { name: g.name, kind: g.kind, path: `/bin/${g.name}`, hostPath, native: native ? runReference(g.name, hostPath) : null };
  });
  return { image: join(dir, 'guest.ext2'), dir, programs };
}
