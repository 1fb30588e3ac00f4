// What runs i386 binaries on this host: the tests' reference is "the same
// binary run on this host", and on most x86-64 kernels that is the CPU itself
// (IA-32 emulation). Some kernels have IA-32 emulation off; there
// tools/ci/i386-binfmt.sh registers qemu-i386 with binfmt_misc and qemu-user
// stands in for the hardware. qemu-user is not the hardware: it computes some
// architecturally undefined results and flags differently, and emulates some
// system calls, auxv entries and /proc files its own way. Tests ask this
// module once which reference they have, and where it is qemu they skip only
// the checks qemu cannot reproduce, naming each one (see `notCompared`).
//
// binfmt_misc is consulted before the kernel's own ELF loader (fs/exec.c
// tries handlers in registration order and binfmt_misc inserts itself
// first), so an enabled entry whose magic matches an i386 ELF header means
// every i386 execve, chroot included, runs through that interpreter, even on
// a kernel that could run it natively.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const BINFMT = '/proc/sys/fs/binfmt_misc';

/** The first 20 bytes of i386 ELF headers (e_ident, e_type, e_machine = EM_386), executable and PIE/shared. */
const I386_HEADERS = [2, 3].map((type) =>
  Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, type, 0, 3, 0]));

const unhex = (s) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));

/** Parse one /proc/sys/fs/binfmt_misc entry (Documentation/admin-guide/binfmt-misc.rst). */
function parseEntry(text) {
  const field = (name) => new RegExp(`^${name} (.*)$`, 'm').exec(text)?.[1];
  return {
    enabled: /^enabled$/m.test(text),
    interpreter: field('interpreter'),
    offset: Number(field('offset') ?? 0),
    magic: field('magic') ? unhex(field('magic')) : null,
    mask: field('mask') ? unhex(field('mask')) : null,
  };
}

function matchesI386(entry) {
  if (!entry.enabled || !entry.magic) return false;
  return I386_HEADERS.some((h) =>
    entry.magic.every((m, k) => {
      const at = entry.offset + k;
      if (at >= h.length) return false;
      const mask = entry.mask ? entry.mask[k] : 0xff;
      return (h[at] & mask) === (m & mask);
    }));
}

/** The enabled binfmt_misc entry that takes i386 ELF files, or null. */
function i386BinfmtEntry() {
  try {
    if (readFileSync(join(BINFMT, 'status'), 'utf8').trim() !== 'enabled') return null;
    for (const name of readdirSync(BINFMT)) {
      if (name === 'status' || name === 'register') continue;
      const entry = parseEntry(readFileSync(join(BINFMT, name), 'utf8'));
      if (matchesI386(entry)) return { name, ...entry };
    }
  } catch {
    // No binfmt_misc mounted (or not Linux): i386 binaries run natively or not at all.
  }
  return null;
}

let cachedReference = null;

/**
 * Which reference runs i386 binaries here, decided once per process:
 * `{ native: true, label: 'native i386' }`, or
 * `{ native: false, qemu: true|false, interpreter, version, label: 'qemu-i386 7.2.22' }`.
 */
export function i386Reference() {
  if (cachedReference) return cachedReference;
  const entry = i386BinfmtEntry();
  if (!entry) {
    cachedReference = { native: true, qemu: false, label: 'native i386' };
    return cachedReference;
  }
  const interpreter = entry.interpreter;
  let version = '';
  try {
    if (existsSync(interpreter)) version = execFileSync(interpreter, ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    // An interpreter that does not answer --version is still the reference; it just has no version to show.
  }
  const qemu = /qemu/.test(basename(interpreter)) || /^qemu/.test(version);
  const v = /version (\S+)/.exec(version)?.[1];
  const label = qemu ? `qemu-i386${v ? ` ${v}` : ''}` : interpreter;
  cachedReference = { native: false, qemu, interpreter, version, label };
  return cachedReference;
}

/** True if the reference is qemu-user rather than the CPU (the case the tests adapt to). */
export function referenceIsQemu() {
  return i386Reference().qemu;
}

/**
 * The sentence a test prints (and puts in its assertion messages) for a check it skips because
 * the reference is qemu: "reference is qemu-i386 7.2.22: undefined flags of MUL not compared
 * (qemu computes them differently from Intel hardware)".
 */
export function notCompared(what, why) {
  return `reference is ${i386Reference().label}: ${what} not compared (${why})`;
}
