import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROT_READ, PROT_WRITE } from '../../mem/address-space.js';
import { S_FLAGS, S_LAZY_OP } from '../../mem/layout.js';
import { getFlags } from '../flags.js';
import { makeMachine, type Machine } from '../testing.js';

/**
 * Test helper: run the same machine-code bytes natively (oracle.c, built
 * with gcc -m32 -static and run on this x86 host) and in the emulator, and
 * return both outcomes in one format so a test can compare them. Expected
 * values thus come from hardware (CONVENTIONS.md), never from the code
 * under test.
 */

/** Where the code under test finds its memory, natively and in the emulator. */
export const MEM_BASE = 0x50000000;
export const MEM_SIZE = 0x3000;

export interface OracleCase {
  /** Machine code; must not touch ESP or fault. */
  code: number[];
  /** EAX ECX EDX EBX ESP EBP ESI EDI (ESP ignored). */
  regs: number[];
  /** Initial EFLAGS (arithmetic bits and DF). */
  flags: number;
  /** MEM starts as pattern(seed) … */
  seed: number;
  /** … with these bytes written at these offsets. */
  writes?: [number, number[]][];
  /** EFLAGS bits to compare (the defined ones). */
  flagMask: number;
  /** Shown in failure messages. */
  name: string;
}

export interface Outcome {
  /** EAX ECX EDX EBX EBP ESI EDI as 8-digit hex, then EFLAGS & flagMask. */
  regs: string;
  /** Changed bytes of MEM, "off:bb" each. */
  mem: string;
}

/** Same generator as pattern() in oracle.c. */
export function pattern(seed: number, k: number): number {
  return Math.imul((k + seed) | 0, 0x9e3779b1 | 0) >>> 24;
}

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error('native-oracle: package.json not found above the test');
    d = up;
  }
  return d;
}

let built: { path: string | null; reason: string } | null = null;

/** Path of the built oracle, or null with a reason (no gcc -m32, cannot run i386). */
export function oracle(): { path: string | null; reason: string } {
  if (built !== null) return built;
  const src = join(repoRoot(), 'src/vm/cpu/testdata/oracle.c');
  const text = readFileSync(src);
  const hash = createHash('sha1').update(text).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'web-vm-oracle');
  const exe = join(dir, `oracle-${hash}`);
  try {
    if (!existsSync(exe)) {
      mkdirSync(dir, { recursive: true });
      // Build beside the final name and rename: test files run in parallel.
      const tmp = `${exe}.${process.pid}`;
      execFileSync('gcc', ['-m32', '-static', '-fno-pie', '-no-pie', '-O1', '-o', tmp, src], { stdio: 'pipe' });
      renameSync(tmp, exe);
    }
    const r = spawnSync(exe, [], { input: '90 0 0 0 0 0 0 0 202 0 0\n' });
    if (r.status !== 0) throw new Error(`oracle exited with ${r.status}: ${r.stderr}`);
    built = { path: exe, reason: '' };
  } catch (e) {
    built = { path: null, reason: `native oracle unavailable (needs gcc -m32 and an x86 host): ${(e as Error).message.split('\n')[0]}` };
  }
  return built;
}

const hex = (v: number): string => (v >>> 0).toString(16);
const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

function format(regs: number[], flags: number, mask: number, mem: string): Outcome {
  const r = [0, 1, 2, 3, 5, 6, 7].map((k) => hex8(regs[k]));
  r.push(`fl=${hex8(flags & mask)}`);
  return { regs: r.join(' '), mem };
}

/** Run every case natively, in one process. */
export function runNative(cases: OracleCase[]): Outcome[] {
  const o = oracle();
  if (o.path === null) throw new Error(o.reason);
  const lines = cases.map((c) => {
    const code = c.code.map((b) => (b & 0xff).toString(16).padStart(2, '0')).join('');
    const regs = [0, 1, 2, 3, 5, 6, 7].map((k) => hex(c.regs[k]));
    const w = c.writes ?? [];
    const ws = w.map(([off, bytes]) => `${hex(off)} ${bytes.map((b) => (b & 0xff).toString(16).padStart(2, '0')).join('')}`);
    return [code, ...regs, hex(c.flags), hex(c.seed), hex(w.length), ...ws].join(' ');
  });
  const r = spawnSync(o.path, [], { input: lines.join('\n') + '\n', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`native oracle failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  const out = r.stdout.toString().trim().split('\n');
  if (out.length !== cases.length) throw new Error(`native oracle answered ${out.length} of ${cases.length} cases`);
  return out.map((line, n) => {
    const [left, right] = line.split('|');
    const v = left.trim().split(/\s+/).map((x) => parseInt(x, 16));
    const regs = [v[0], v[1], v[2], v[3], 0, v[4], v[5], v[6]];
    return format(regs, v[7], cases[n].flagMask, right.trim());
  });
}

/** A test machine with MEM mapped read-write. */
export function makeOracleMachine(): Machine {
  const m = makeMachine();
  m.as.map(MEM_BASE, MEM_SIZE, PROT_READ | PROT_WRITE);
  return m;
}

/** Run one case in the emulator. A fault is reported in the outcome. */
export function runEmulated(m: Machine, c: OracleCase): Outcome {
  const init = new Uint8Array(MEM_SIZE);
  for (let k = 0; k < MEM_SIZE; k++) init[k] = pattern(c.seed, k);
  for (const [off, bytes] of c.writes ?? []) init.set(bytes, off);
  m.as.write(MEM_BASE, init);
  const s = m.cpu.s;
  for (let k = 0; k < 8; k++) if (k !== 4) s[k] = c.regs[k];
  s[S_FLAGS] = (c.flags & ~0x2) | 0x2;
  s[S_LAZY_OP] = 0;
  const f = m.run(c.code);
  if (f !== null) return { regs: `fault ${f.vector} at ${hex(f.addr)}`, mem: '' };
  const after = m.peek(MEM_BASE, MEM_SIZE);
  const diff: string[] = [];
  for (let k = 0; k < MEM_SIZE; k++) if (after[k] !== init[k]) diff.push(`${hex(k)}:${after[k].toString(16).padStart(2, '0')}`);
  return format(Array.from(s.subarray(0, 8)), getFlags(s), c.flagMask, diff.join(' '));
}

/** Run every case natively and in the emulator; fail listing the first cases that differ. */
export function compareWithHardware(cases: OracleCase[]): void {
  const native = runNative(cases);
  const m = makeOracleMachine();
  const bad: string[] = [];
  cases.forEach((c, n) => {
    const e = runEmulated(m, c);
    if (e.regs !== native[n].regs || e.mem !== native[n].mem) {
      bad.push(`${c.name}\n  native:   ${native[n].regs} | ${native[n].mem.slice(0, 300)}\n  emulated: ${e.regs} | ${e.mem.slice(0, 300)}`);
    }
  });
  assert.equal(bad.length, 0, `${bad.length} of ${cases.length} cases differ from hardware:\n${bad.slice(0, 8).join('\n')}`);
}
