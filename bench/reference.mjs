// What "native" means on this host, for the bench's header and footer.
//
// The reference for each workload is the same i386 binary run outside the VM.
// Where the kernel cannot run i386 binaries (IA-32 emulation off), CI registers
// qemu-i386 with binfmt_misc (tools/ci/i386-binfmt.sh), so that binary runs
// under qemu-user: still the right output, but its time is qemu's, not the
// CPU's. This module finds out which, so ratios say what they are against.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINFMT = '/proc/sys/fs/binfmt_misc';

/**
 * The enabled binfmt_misc entries that match by magic (Documentation/admin-guide/binfmt-misc.rst):
 * `{ name, interpreter, offset, magic, mask }` with magic and mask as bytes.
 */
function binfmtEntries() {
  let names;
  try {
    if (!readFileSync(join(BINFMT, 'status'), 'utf8').startsWith('enabled')) return [];
    names = readdirSync(BINFMT).filter((n) => n !== 'status' && n !== 'register');
  } catch {
    return []; // not mounted, or not Linux
  }
  const out = [];
  for (const name of names) {
    let text;
    try {
      text = readFileSync(join(BINFMT, name), 'utf8');
    } catch {
      continue;
    }
    const field = (k) => new RegExp(`^${k} (.*)$`, 'm').exec(text)?.[1]?.trim();
    if (!text.startsWith('enabled') || field('magic') === undefined) continue;
    const magic = Buffer.from(field('magic'), 'hex');
    const mask = field('mask') ? Buffer.from(field('mask'), 'hex') : Buffer.alloc(magic.length, 0xff);
    out.push({ name, interpreter: field('interpreter') ?? '?', offset: Number(field('offset') ?? 0), magic, mask });
  }
  return out;
}

/** The binfmt_misc entry the kernel would hand `header` (a file's first bytes) to, or null. */
function matchingEntry(entries, header) {
  return entries.find((e) => e.magic.every((b, i) => (header[e.offset + i] & e.mask[i]) === (b & e.mask[i]))) ?? null;
}

/**
 * Can the kernel itself execute an i386 binary? binfmt_misc entries are
 * consulted before the kernel's own ELF loader, so run a tiny i386 program
 * whose ELF header differs in a byte that loader ignores (EI_ABIVERSION,
 * byte 8) but the binfmt_misc entry compares: it reaches the kernel's
 * loader. It exits 42; anything else (execve's ENOEXEC, which execvp turns
 * into a try with /bin/sh) means no. null when it cannot be tried.
 */
function kernelRunsI386(entries) {
  const dir = mkdtempSync(join(tmpdir(), 'web-vm-bench-ref-'));
  try {
    const src = join(dir, 'probe.c');
    const probe = join(dir, 'probe');
    writeFileSync(src, 'int main(void) { return 42; }\n');
    if (spawnSync('gcc', ['-m32', '-static', '-o', probe, src], { stdio: 'ignore' }).status !== 0) return null;
    const bytes = readFileSync(probe);
    for (let v = 1; v < 256 && matchingEntry(entries, bytes) !== null; v++) bytes[8] = v;
    if (matchingEntry(entries, bytes) !== null) return null;
    writeFileSync(probe, bytes);
    chmodSync(probe, 0o755);
    const r = spawnSync(probe, [], { stdio: 'ignore', timeout: 10_000 });
    return r.status === 42;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How `i386Binary` (any of the bench's static i386 binaries) runs here:
 * `{ via: 'native' | 'qemu', interpreter, kernelRunsI386, line }`, `line`
 * being the sentence the bench prints.
 */
export function i386Reference(i386Binary) {
  const entries = binfmtEntries();
  const entry = matchingEntry(entries, readFileSync(i386Binary).subarray(0, 128));
  if (entry === null) {
    return { via: 'native', interpreter: null, kernelRunsI386: true, line: 'reference: the i386 binaries run natively on this kernel: ratios are against native' };
  }
  const kernel = kernelRunsI386(entries);
  const why = kernel === false ? 'this kernel cannot run i386 binaries' : kernel === true ? 'binfmt_misc sends them there although this kernel could run them' : 'binfmt_misc sends them there';
  const via = /qemu/.test(entry.interpreter) ? 'qemu' : entry.name;
  return {
    via,
    interpreter: entry.interpreter,
    kernelRunsI386: kernel,
    line: `reference: ${via === 'qemu' ? 'qemu-i386' : entry.name} (${entry.interpreter}, binfmt_misc entry ${entry.name}; ${why}): ratios are against ${via === 'qemu' ? 'qemu-user' : entry.interpreter}, not native`,
  };
}

/** Whether this host runs x86-64 binaries (an x86-64 Node is one). */
export function hostRunsX8664() {
  return process.platform === 'linux' && process.arch === 'x64';
}
