import { S_FLAGS, S_LAZY_OP } from '../mem/layout.js';
import type { Cpu } from './cpu.js';
import { FL_ARITH, FL_CF, FL_PF, FL_ZF, materialize } from './flags.js';
import type { Insn } from './insn.js';
import * as FP from './sse-fpu.js';
import { commitFlags, loadT, loadT32, loadT64, writeU } from './sse-state.js';

/**
 * SSE/SSE2/SSE3 floating-point instructions: ADD SUB MUL DIV MIN MAX SQRT in
 * packed and scalar single/double forms (`i.sub` = FP.OP_*), CMPxx with the
 * eight predicates, COMIS/UCOMIS, RCP/RSQRT, ADDSUB and the horizontal
 * HADD/HSUB. Element arithmetic and MXCSR rules: sse-fpu.ts. Results are
 * built in scratch U and written only after the flags are committed, so an
 * unmasked exception (#XM) leaves the destination unchanged (Intel SDM
 * Vol. 1 §11.5.3).
 */

export const OP_ADD = FP.OP_ADD;
export const OP_SUB = FP.OP_SUB;
export const OP_MUL = FP.OP_MUL;
export const OP_DIV = FP.OP_DIV;
export const OP_MIN = FP.OP_MIN;
export const OP_MAX = FP.OP_MAX;
export const OP_SQRT = FP.OP_SQRT;

export function arithPS(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2, op = i.sub;
  for (let k = 0; k < 4; k++) t[4 + k] = FP.op32(op, d[o + k], t[k]);
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

export function arithSS(cpu: Cpu, i: Insn): void {
  loadT32(cpu, i);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, o = i.reg << 2;
  const r = FP.op32(i.sub, d[o], x.ti32[0]);
  commitFlags(cpu, FP.ex);
  d[o] = r;
}

export function arithPD(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2, op = i.sub;
  for (let k = 0; k < 4; k += 2) {
    FP.op64(op, d[o + k], d[o + k + 1], t[k], t[k + 1]);
    t[4 + k] = FP.rlo;
    t[5 + k] = FP.rhi;
  }
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

export function arithSD(cpu: Cpu, i: Insn): void {
  loadT64(cpu, i);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  FP.op64(i.sub, d[o], d[o + 1], t[0], t[1]);
  commitFlags(cpu, FP.ex);
  d[o] = FP.rlo;
  d[o + 1] = FP.rhi;
}

/** ADDSUBPS (SSE3): subtract in the even elements, add in the odd. */
export function addsubps(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  for (let k = 0; k < 4; k++) t[4 + k] = FP.op32(k & 1 ? FP.OP_ADD : FP.OP_SUB, d[o + k], t[k]);
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

export function addsubpd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  for (let k = 0; k < 4; k += 2) {
    FP.op64(k ? FP.OP_ADD : FP.OP_SUB, d[o + k], d[o + k + 1], t[k], t[k + 1]);
    t[4 + k] = FP.rlo;
    t[5 + k] = FP.rhi;
  }
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

/** HADDPS (sub 0) / HSUBPS (sub 1): adjacent pairs of the destination, then of the source. */
export function hps(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2, op = i.sub ? FP.OP_SUB : FP.OP_ADD;
  t[4] = FP.op32(op, d[o], d[o + 1]);
  t[5] = FP.op32(op, d[o + 2], d[o + 3]);
  t[6] = FP.op32(op, t[0], t[1]);
  t[7] = FP.op32(op, t[2], t[3]);
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

/** HADDPD (sub 0) / HSUBPD (sub 1). */
export function hpd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2, op = i.sub ? FP.OP_SUB : FP.OP_ADD;
  FP.op64(op, d[o], d[o + 1], d[o + 2], d[o + 3]);
  t[4] = FP.rlo;
  t[5] = FP.rhi;
  FP.op64(op, t[0], t[1], t[2], t[3]);
  t[6] = FP.rlo;
  t[7] = FP.rhi;
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

// ---- compares ----

/** Whether predicate p (0–7) holds for relation r (from cmp32/cmp64). */
function predicate(p: number, r: number): boolean {
  switch (p & 7) {
    case 0: return r === 0;
    case 1: return r === 1;
    case 2: return r === 0 || r === 1;
    case 3: return r === -1;
    case 4: return r !== 0;
    case 5: return r !== 1;
    case 6: return !(r === 0 || r === 1);
    default: return r !== -1;
  }
}

/** Predicates LT LE NLT NLE (1 2 5 6) are signalling: a QNaN operand is invalid too. */
const signals = (p: number): boolean => (p & 3) === 1 || (p & 3) === 2;

export function cmpps(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2, p = i.imm & 7, sq = signals(p);
  for (let k = 0; k < 4; k++) t[4 + k] = predicate(p, FP.cmp32(d[o + k], t[k], sq)) ? -1 : 0;
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

export function cmpss(cpu: Cpu, i: Insn): void {
  loadT32(cpu, i);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, o = i.reg << 2, p = i.imm & 7;
  const r = predicate(p, FP.cmp32(d[o], x.ti32[0], signals(p))) ? -1 : 0;
  commitFlags(cpu, FP.ex);
  d[o] = r;
}

export function cmppd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2, p = i.imm & 7, sq = signals(p);
  for (let k = 0; k < 4; k += 2) {
    const r = predicate(p, FP.cmp64(d[o + k], d[o + k + 1], t[k], t[k + 1], sq)) ? -1 : 0;
    t[4 + k] = r;
    t[5 + k] = r;
  }
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

export function cmpsd(cpu: Cpu, i: Insn): void {
  loadT64(cpu, i);
  FP.begin(cpu);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2, p = i.imm & 7;
  const r = predicate(p, FP.cmp64(d[o], d[o + 1], t[0], t[1], signals(p))) ? -1 : 0;
  commitFlags(cpu, FP.ex);
  d[o] = r;
  d[o + 1] = r;
}

/** EFLAGS from a COMIS/UCOMIS relation: unordered ZF PF CF; less CF; equal ZF; OF SF AF cleared. */
function setCompareFlags(cpu: Cpu, r: number): void {
  const s = cpu.s;
  materialize(s);
  const f = r === -1 ? FL_ZF | FL_PF | FL_CF : r === 1 ? FL_CF : r === 0 ? FL_ZF : 0;
  s[S_FLAGS] = (s[S_FLAGS] & ~FL_ARITH) | f;
  s[S_LAZY_OP] = 0;
}

/** COMISS (sub 1: a QNaN is invalid) / UCOMISS (sub 0). */
export function comiss(cpu: Cpu, i: Insn): void {
  loadT32(cpu, i);
  FP.begin(cpu);
  const r = FP.cmp32(cpu.xmm.i32[i.reg << 2], cpu.xmm.ti32[0], i.sub === 1);
  commitFlags(cpu, FP.ex);
  setCompareFlags(cpu, r);
}

export function comisd(cpu: Cpu, i: Insn): void {
  loadT64(cpu, i);
  FP.begin(cpu);
  const x = cpu.xmm, o = i.reg << 2;
  const r = FP.cmp64(x.i32[o], x.i32[o + 1], x.ti32[0], x.ti32[1], i.sub === 1);
  commitFlags(cpu, FP.ex);
  setCompareFlags(cpu, r);
}

// ---- RCP / RSQRT ----

const MINF = 1.1754943508222875e-38;

/**
 * Approximate 1/x (sub 0) or 1/√x (sub 1) of a single. Intel documents a
 * relative error ≤ 1.5·2^-12 and no exceptions; this returns the correctly
 * rounded value (error ≤ 2^-24), with the documented special cases:
 * denormal inputs count as zero, tiny results flush to zero (Intel SDM
 * Vol. 2, RCPSS/RSQRTSS). Real CPUs differ from each other in the low bits.
 */
function approx(b: number, rsqrt: boolean): number {
  if (FP.isNaN32(b)) return b | 0x400000;
  const neg = b < 0;
  if ((b & 0x7f800000) === 0) return neg ? 0xff800000 | 0 : 0x7f800000; // ±0, denormal → ±∞
  if (rsqrt && neg) return FP.QNAN32;
  if ((b & 0x7fffffff) === 0x7f800000) return neg ? 0x80000000 | 0 : 0;
  const v = FP.bitsf32(b);
  const r = Math.fround(rsqrt ? 1 / Math.sqrt(v) : 1 / v);
  if (Math.abs(r) < MINF) return neg ? 0x80000000 | 0 : 0;
  return FP.f32bits(r);
}

/** RCPPS (sub 0) / RSQRTPS (sub 1). */
export function rcpps(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2, rs = i.sub === 1;
  for (let k = 0; k < 4; k++) d[o + k] = approx(t[k], rs);
}

/** RCPSS / RSQRTSS. */
export function rcpss(cpu: Cpu, i: Insn): void {
  loadT32(cpu, i);
  const x = cpu.xmm;
  x.i32[i.reg << 2] = approx(x.ti32[0], i.sub === 1);
}
