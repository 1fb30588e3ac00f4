import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S_FLAGS, S_LAZY_OP } from '../../mem/layout.js';
import { DATA, type Machine } from '../testing.js';

/**
 * Test support: run the same machine code natively (x86-ref.c, built with
 * `gcc -m32 -static` and executed on the x86 host) and in the emulator, so
 * instruction tests compare against real hardware. Not used by the VM.
 *
 * Memory operands are written as [edi]: EDI points at a scratch dword (DATA
 * in the emulator), so EDI is an input neither side reports.
 */
export interface RefCase {
  /** Instruction bytes. */
  code: number[];
  /** EAX ECX EDX EBX EBP ESI. */
  regs: number[];
  /** EFLAGS in (arithmetic bits and DF). */
  flags: number;
  /** Initial value of the dword at [edi]. */
  mem: number;
}

export interface RefResult {
  /** Signal name of a fault (native) / 'DE', 'UD', … (emulator, mapped to the signal); null if none. */
  fault: string | null;
  /** Why the reference has no result for this case (compare() skips and names it). */
  notCompared?: string;
  regs: number[];
  flags: number;
  mem: number;
}

/** Find the C source both from src/ (ts-node style) and build/src/ (compiled tests). */
function sourcePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 8; k++) {
    const p = join(dir, 'src', 'vm', 'cpu', 'testdata', 'x86-ref.c');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error('x86-ref.c not found above ' + fileURLToPath(import.meta.url));
}

let binary: string | null | undefined;
let whyNot = '';

/**
 * Path of the native reference binary, compiled on first use into the
 * system temp directory (keyed by the source hash), or null when this host
 * cannot build or run i386 code (see `nativeUnavailableReason`).
 */
export function nativeRef(): string | null {
  if (binary !== undefined) return binary;
  binary = null;
  if (process.arch !== 'x64' && process.arch !== 'ia32') {
    whyNot = `host is ${process.arch}, not x86`;
    return null;
  }
  try {
    const src = sourcePath();
    const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
    const out = join(tmpdir(), `web-vm-x86-ref-${hash}`);
    if (!existsSync(out)) {
      const dir = mkdtempSync(join(tmpdir(), 'web-vm-x86-ref-'));
      const tmp = join(dir, 'x86-ref');
      execFileSync('gcc', ['-m32', '-static', '-no-pie', '-fno-pie', '-O1', src, '-o', tmp], { stdio: 'pipe' });
      renameSync(tmp, out);
      rmSync(dir, { recursive: true, force: true });
    }
    const probe = spawnSync(out, [], { input: '90 0 0 0 0 0 0 0 0\n', encoding: 'utf8' });
    if (probe.status !== 0 || !/^0 0 0 0 0 0 [0-9a-f]+ 0\n$/.test(probe.stdout)) {
      whyNot = `native reference did not run: ${probe.stderr || probe.error || probe.stdout}`;
      return null;
    }
    binary = out;
  } catch (e) {
    whyNot = `cannot build native reference with gcc -m32 (install gcc-multilib): ${(e as Error).message.split('\n')[0]}`;
  }
  return binary;
}

/**
 * Whether i386 code runs through qemu-user here rather than on the CPU: an
 * enabled binfmt_misc entry with a qemu-i386 interpreter takes i386 ELF
 * files before the kernel's own loader does (tools/ci/i386-binfmt.sh
 * registers one where the kernel has no IA-32 emulation).
 */
export function referenceIsQemu(): boolean {
  const dir = '/proc/sys/fs/binfmt_misc';
  try {
    for (const name of readdirSync(dir)) {
      if (name === 'status' || name === 'register') continue;
      const text = readFileSync(join(dir, name), 'utf8');
      if (/^enabled$/m.test(text) && /^interpreter .*qemu-i386/m.test(text)) return true;
    }
  } catch {
    // No binfmt_misc: the kernel runs i386 itself.
  }
  return false;
}

export function nativeUnavailableReason(): string {
  nativeRef();
  return whyNot;
}

const hex = (v: number): string => (v >>> 0).toString(16);

const SIGNALS: Record<string, string> = { '8': 'SIGFPE', '11': 'SIGSEGV', '4': 'SIGILL', '7': 'SIGBUS', '5': 'SIGTRAP' };

/**
 * Run every case on the host CPU (one process for the whole batch).
 *
 * Where i386 runs through qemu-user (the kernel cannot run it,
 * tools/ci/i386-binfmt.sh), qemu-i386 7.2 now and then kills the reference
 * with an uncaught SIGFPE after thousands of faults it did catch (handled
 * by siglongjmp), at no particular case: each case run alone works. The
 * reference prints a line per case as it goes, so the cases after the last
 * one reported are run again in a new process; a process that dies before
 * reporting any case is an error.
 */
export function runNative(cases: RefCase[]): RefResult[] {
  const out: RefResult[] = [];
  while (out.length < cases.length) {
    const done = runBatch(cases.slice(out.length));
    if (done.length === 0) {
      // Some cases kill qemu-i386 itself, whatever comes before them: a 16-bit
      // IDIV of -2^31 by -1 makes qemu divide INT_MIN by -1 on the host.
      if (!referenceIsQemu()) throw new Error(`x86-ref died on its first case: ${JSON.stringify(cases[out.length])}`);
      out.push({ fault: null, notCompared: 'qemu-i386 dies on it', regs: [], flags: 0, mem: 0 });
      continue;
    }
    out.push(...done);
  }
  return out;
}

/** Run cases in one reference process; the results of those it finished (all of them, unless it died). */
function runBatch(cases: RefCase[]): RefResult[] {
  const bin = nativeRef();
  if (bin === null) throw new Error(whyNot);
  const input = cases
    .map((c) => `${c.code.map((b) => (b & 0xff).toString(16).padStart(2, '0')).join('')} ${c.regs.map(hex).join(' ')} ${hex(c.flags)} ${hex(c.mem)}\n`)
    .join('');
  const r = spawnSync(bin, [], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 && r.signal === null) throw new Error(`x86-ref exited with ${r.status}: ${r.stderr}`);
  const lines = r.stdout.split('\n');
  // Killed by a signal: keep the complete lines it printed.
  const finished = r.status === 0 ? cases.length : Math.min(cases.length, lines.length - 1);
  return cases.slice(0, finished).map((_, k) => {
    const f = lines[k].split(' ');
    if (f[0] === 'FAULT') return { fault: SIGNALS[f[1]] ?? `signal ${f[1]}`, regs: [], flags: 0, mem: 0 };
    const v = f.map((x) => parseInt(x, 16) | 0);
    return { fault: null, regs: v.slice(0, 6), flags: v[6], mem: v[7] };
  });
}

/** The signal Linux delivers for a CPU exception vector. */
const VECTOR_SIGNAL: Record<number, string> = { 0: 'SIGFPE', 6: 'SIGILL', 13: 'SIGSEGV', 14: 'SIGSEGV' };

const REG_SLOTS = [0, 1, 2, 3, 5, 6];

/** Run one case in the emulator. On a fault the registers/memory are reported as they are after it. */
export function runEmu(m: Machine, c: RefCase): RefResult {
  const s = m.cpu.s;
  for (let k = 0; k < 6; k++) s[REG_SLOTS[k]] = c.regs[k];
  s[7] = DATA;
  s[S_FLAGS] = (c.flags & 0xcd5) | 0x202;
  s[S_LAZY_OP] = 0;
  const v = c.mem;
  m.poke(DATA, [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]);
  const f = m.run(c.code);
  const b = m.peek(DATA, 4);
  return {
    fault: f === null ? null : VECTOR_SIGNAL[f.vector] ?? `vector ${f.vector}`,
    regs: REG_SLOTS.map((r) => s[r]),
    flags: m.flags(),
    mem: (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) | 0,
  };
}

/** Describe a case for failure messages. */
export function describe(c: RefCase): string {
  const n = ['eax', 'ecx', 'edx', 'ebx', 'ebp', 'esi'];
  return `code ${c.code.map((b) => (b & 0xff).toString(16).padStart(2, '0')).join(' ')}; ${c.regs.map((r, k) => `${n[k]}=${hex(r)}`).join(' ')} flags=${hex(c.flags)} [edi]=${hex(c.mem)}`;
}

/**
 * Compare emulator and native results of all cases. `flagMask(c)` gives the
 * EFLAGS bits the SDM defines for that case. Returns failure descriptions
 * (at most `limit`) and the number of failures. `resultDefined(c)` false
 * means the SDM leaves the result undefined, so registers are not compared.
 */
export function compare<C extends RefCase>(
  m: Machine,
  cases: C[],
  flagMask: (c: C) => number,
  resultDefined: (c: C) => boolean = () => true,
  limit = 20,
): { failures: string[]; count: number } {
  // WEBVM_REF_ALL=1: also require the undefined flags and results to match this host.
  const all = process.env.WEBVM_REF_ALL === '1';
  const native = runNative(cases);
  const failures: string[] = [];
  let count = 0;
  const n = ['eax', 'ecx', 'edx', 'ebx', 'ebp', 'esi'];
  for (let k = 0; k < cases.length; k++) {
    const c = cases[k];
    const want = native[k];
    if (want.notCompared !== undefined) {
      console.log(`reference is qemu-i386: ${describe(c)} not compared (${want.notCompared})`);
      continue;
    }
    const got = runEmu(m, c);
    const diffs: string[] = [];
    if (want.fault !== got.fault) diffs.push(`fault ${got.fault} want ${want.fault}`);
    if (want.fault === null && got.fault === null) {
      if (all || resultDefined(c)) {
        for (let r = 0; r < 6; r++) if (want.regs[r] !== got.regs[r]) diffs.push(`${n[r]}=${hex(got.regs[r])} want ${hex(want.regs[r])}`);
        if (want.mem !== got.mem) diffs.push(`[edi]=${hex(got.mem)} want ${hex(want.mem)}`);
      }
      const mask = all ? 0x8d5 : flagMask(c);
      if (((want.flags ^ got.flags) & mask) !== 0) diffs.push(`flags=${hex(got.flags & mask)} want ${hex(want.flags & mask)} (mask ${hex(mask)})`);
    } else if (got.fault !== null) {
      // A faulting instruction must leave the state as it found it.
      for (let r = 0; r < 6; r++) if (c.regs[r] !== got.regs[r]) diffs.push(`${n[r]} changed to ${hex(got.regs[r])} by faulting insn`);
      if (got.mem !== c.mem) diffs.push(`[edi] changed by faulting insn`);
      if (((got.flags ^ c.flags) & 0xcd5) !== 0) diffs.push(`flags changed by faulting insn`);
    }
    if (diffs.length > 0) {
      count++;
      if (failures.length < limit) failures.push(`${describe(c)}: ${diffs.join(', ')}`);
    }
  }
  return { failures, count };
}

/** Edge values for operands of each size. */
export const EDGE8 = [0, 1, 2, 0x0f, 0x10, 0x40, 0x55, 0x7f, 0x80, 0x81, 0xaa, 0xc0, 0xfe, 0xff];
export const EDGE16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x5555, 0x7fff, 0x8000, 0x8001, 0xaaaa, 0xc000, 0xfffe, 0xffff];
export const EDGE32 = [
  0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x55555555, 0x7fffffff, 0x80000000, 0x80000001, 0xaaaaaaaa,
  0xc0000000, 0xfffffffe, 0xffffffff,
].map((v) => v | 0);

/** A small deterministic PRNG (xorshift32) for extra operand values. */
export function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x | 0;
  };
}
