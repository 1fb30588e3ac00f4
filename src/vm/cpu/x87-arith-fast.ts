import type { Cpu } from './cpu.js';
import type { Handler, Insn } from './insn.js';
import { FMT_M64, FMT_REG, arithMemSlowExport as memSlow, arithSlow, quietSpecial } from './x87-arith.js';
import { rdF64 } from './x87-mem.js';
import { MAXD, MINNORM, RAW, X_FAST, X_TOP, X_VALID } from './x87-state.js';

/**
 * The hot x87 arithmetic forms written out once per operation (FADD FMUL
 * FSUB FSUBR FDIV FDIVR × m64, ST(0)←ST(0)·ST(i), ST(i)←ST(i)·ST(0), and
 * the popping form), so each compiles to one float operation with no
 * dispatch on the kind. Same contract as the generic handlers in
 * x87-arith.ts, which they fall back to for everything but the fast case.
 * Written by a script from one template: change all of them together.
 */

export function fAddM64(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (s[X_FAST] === 0) return memSlow(cpu, i, FMT_M64);
  const y = rdF64(cpu, cpu.ea(i));
  const p = s[X_TOP];
  const ay = Math.abs(y);
  if (((s[X_VALID] >> p) & 1) === 0 || !(ay <= MAXD) || (ay < MINNORM && y !== 0)) return memSlow(cpu, i, FMT_M64);
  const f = cpu.fpr;
  const x = f[p];
  const r = x + y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(0, x, y, r)) return memSlow(cpu, i, FMT_M64);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fAddST0(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 0, p, p, q, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[p];
  const y = f[q];
  const r = x + y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(0, x, y, r)) return arithSlow(cpu, 0, p, p, q, FMT_REG, false);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fAddSTi(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 0, q, q, p, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = x + y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(0, x, y, r)) return arithSlow(cpu, 0, q, q, p, FMT_REG, false);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
}

export function fAddSTiPop(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 0, q, q, p, FMT_REG, true);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = x + y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(0, x, y, r)) return arithSlow(cpu, 0, q, q, p, FMT_REG, true);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
  s[X_VALID] = v & ~(1 << p);
  s[X_TOP] = (p + 1) & 7;
}

export function fMulM64(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (s[X_FAST] === 0) return memSlow(cpu, i, FMT_M64);
  const y = rdF64(cpu, cpu.ea(i));
  const p = s[X_TOP];
  const ay = Math.abs(y);
  if (((s[X_VALID] >> p) & 1) === 0 || !(ay <= MAXD) || (ay < MINNORM && y !== 0)) return memSlow(cpu, i, FMT_M64);
  const f = cpu.fpr;
  const x = f[p];
  const r = x * y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(1, x, y, r)) return memSlow(cpu, i, FMT_M64);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fMulST0(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 1, p, p, q, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[p];
  const y = f[q];
  const r = x * y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(1, x, y, r)) return arithSlow(cpu, 1, p, p, q, FMT_REG, false);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fMulSTi(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 1, q, q, p, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = x * y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(1, x, y, r)) return arithSlow(cpu, 1, q, q, p, FMT_REG, false);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
}

export function fMulSTiPop(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 1, q, q, p, FMT_REG, true);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = x * y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(1, x, y, r)) return arithSlow(cpu, 1, q, q, p, FMT_REG, true);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
  s[X_VALID] = v & ~(1 << p);
  s[X_TOP] = (p + 1) & 7;
}

export function fSubM64(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (s[X_FAST] === 0) return memSlow(cpu, i, FMT_M64);
  const y = rdF64(cpu, cpu.ea(i));
  const p = s[X_TOP];
  const ay = Math.abs(y);
  if (((s[X_VALID] >> p) & 1) === 0 || !(ay <= MAXD) || (ay < MINNORM && y !== 0)) return memSlow(cpu, i, FMT_M64);
  const f = cpu.fpr;
  const x = f[p];
  const r = x - y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(4, x, y, r)) return memSlow(cpu, i, FMT_M64);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fSubST0(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 4, p, p, q, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[p];
  const y = f[q];
  const r = x - y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(4, x, y, r)) return arithSlow(cpu, 4, p, p, q, FMT_REG, false);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fSubSTi(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 4, q, q, p, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = x - y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(4, x, y, r)) return arithSlow(cpu, 4, q, q, p, FMT_REG, false);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
}

export function fSubSTiPop(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 4, q, q, p, FMT_REG, true);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = x - y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(4, x, y, r)) return arithSlow(cpu, 4, q, q, p, FMT_REG, true);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
  s[X_VALID] = v & ~(1 << p);
  s[X_TOP] = (p + 1) & 7;
}

export function fSubrM64(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (s[X_FAST] === 0) return memSlow(cpu, i, FMT_M64);
  const y = rdF64(cpu, cpu.ea(i));
  const p = s[X_TOP];
  const ay = Math.abs(y);
  if (((s[X_VALID] >> p) & 1) === 0 || !(ay <= MAXD) || (ay < MINNORM && y !== 0)) return memSlow(cpu, i, FMT_M64);
  const f = cpu.fpr;
  const x = f[p];
  const r = y - x;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(5, x, y, r)) return memSlow(cpu, i, FMT_M64);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fSubrST0(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 5, p, p, q, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[p];
  const y = f[q];
  const r = y - x;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(5, x, y, r)) return arithSlow(cpu, 5, p, p, q, FMT_REG, false);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fSubrSTi(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 5, q, q, p, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = y - x;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(5, x, y, r)) return arithSlow(cpu, 5, q, q, p, FMT_REG, false);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
}

export function fSubrSTiPop(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 5, q, q, p, FMT_REG, true);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = y - x;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(5, x, y, r)) return arithSlow(cpu, 5, q, q, p, FMT_REG, true);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
  s[X_VALID] = v & ~(1 << p);
  s[X_TOP] = (p + 1) & 7;
}

export function fDivM64(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (s[X_FAST] === 0) return memSlow(cpu, i, FMT_M64);
  const y = rdF64(cpu, cpu.ea(i));
  const p = s[X_TOP];
  const ay = Math.abs(y);
  if (((s[X_VALID] >> p) & 1) === 0 || !(ay <= MAXD) || (ay < MINNORM && y !== 0)) return memSlow(cpu, i, FMT_M64);
  const f = cpu.fpr;
  const x = f[p];
  const r = x / y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(6, x, y, r)) return memSlow(cpu, i, FMT_M64);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fDivST0(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 6, p, p, q, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[p];
  const y = f[q];
  const r = x / y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(6, x, y, r)) return arithSlow(cpu, 6, p, p, q, FMT_REG, false);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fDivSTi(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 6, q, q, p, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = x / y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(6, x, y, r)) return arithSlow(cpu, 6, q, q, p, FMT_REG, false);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
}

export function fDivSTiPop(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 6, q, q, p, FMT_REG, true);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = x / y;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(6, x, y, r)) return arithSlow(cpu, 6, q, q, p, FMT_REG, true);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
  s[X_VALID] = v & ~(1 << p);
  s[X_TOP] = (p + 1) & 7;
}

export function fDivrM64(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (s[X_FAST] === 0) return memSlow(cpu, i, FMT_M64);
  const y = rdF64(cpu, cpu.ea(i));
  const p = s[X_TOP];
  const ay = Math.abs(y);
  if (((s[X_VALID] >> p) & 1) === 0 || !(ay <= MAXD) || (ay < MINNORM && y !== 0)) return memSlow(cpu, i, FMT_M64);
  const f = cpu.fpr;
  const x = f[p];
  const r = y / x;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(7, x, y, r)) return memSlow(cpu, i, FMT_M64);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fDivrST0(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 7, p, p, q, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[p];
  const y = f[q];
  const r = y / x;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(7, x, y, r)) return arithSlow(cpu, 7, p, p, q, FMT_REG, false);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function fDivrSTi(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 7, q, q, p, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = y / x;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(7, x, y, r)) return arithSlow(cpu, 7, q, q, p, FMT_REG, false);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
}

export function fDivrSTiPop(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, 7, q, q, p, FMT_REG, true);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = y / x;
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(7, x, y, r)) return arithSlow(cpu, 7, q, q, p, FMT_REG, true);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
  s[X_VALID] = v & ~(1 << p);
  s[X_TOP] = (p + 1) & 7;
}

/** Specialised handler by kind (index = i.sub; 2 and 3 are the compares). */
export const FAST_M64: (Handler | null)[] = [fAddM64, fMulM64, null, null, fSubM64, fSubrM64, fDivM64, fDivrM64];
export const FAST_ST0: (Handler | null)[] = [fAddST0, fMulST0, null, null, fSubST0, fSubrST0, fDivST0, fDivrST0];
export const FAST_STI: (Handler | null)[] = [fAddSTi, fMulSTi, null, null, fSubSTi, fSubrSTi, fDivSTi, fDivrSTi];
export const FAST_STIPOP: (Handler | null)[] = [fAddSTiPop, fMulSTiPop, null, null, fSubSTiPop, fSubrSTiPop, fDivSTiPop, fDivrSTiPop];
